#include "models/faults.h"

#include <algorithm>
#include <cmath>

#include "analysis/availability.h"
#include "models/request_metrics.h"
#include "models/rpc.h"
#include "sim/units.h"

namespace dsim {

namespace {

const std::vector<std::string> kFaultKinds = {"partition", "isolate", "bridge", "crash", "kill",
                                              "zone_outage", "slow", "degrade_link", "clock_skew"};

// Resolves names (replicas, components, zones) to nodes, with messages.
class NameResolver {
 public:
  NameResolver(const std::vector<std::unique_ptr<Component>>& comps, const std::vector<std::string>& zones)
      : comps_(comps), zones_(zones) {}

  enum class Want { kAnyNode, kServer, kService };

  // A replica, a component (all its replicas) or a zone (every node in it).
  std::vector<NodeRef> nodes(const ConfigNode& n, Want want, bool allow_zone) const {
    const std::string name = n.as_name();
    std::vector<NodeRef> out;
    for (const auto& c : comps_) {
      if (c->name() == name) {
        check(n, *c, want);
        for (int i = 0; i < c->replica_count(); ++i) out.push_back(NodeRef{c.get(), i});
        return out;
      }
    }
    for (const auto& c : comps_)
      for (int i = 0; i < c->replica_count(); ++i)
        if (c->replica_name(i) == name) {
          check(n, *c, want);
          return {NodeRef{c.get(), i}};
        }
    if (allow_zone && is_zone(name)) {
      for (const auto& c : comps_) {
        if (want != Want::kAnyNode && !c->serves_requests()) continue;
        for (int i = 0; i < c->replica_count(); ++i)
          if (c->replica_zone(i) == name) out.push_back(NodeRef{c.get(), i});
      }
      if (out.empty())
        n.fail("zone '" + name + "' has no " + std::string(want == Want::kAnyNode ? "nodes" : "servers") +
               " in it, so this fault would do nothing; place components there with zone: or zones:");
      return out;
    }
    std::vector<std::string> candidates;
    for (const auto& c : comps_) {
      candidates.push_back(c->name());
      if (c->replica_count() > 1)
        for (const auto& r : c->replica_names()) candidates.push_back(r);
    }
    if (allow_zone) candidates.insert(candidates.end(), zones_.begin(), zones_.end());
    n.fail("unknown " + std::string(allow_zone ? "component, replica or zone" : "component or replica") + " '" +
           name + "'" + did_you_mean(name, candidates) + "; names are components (app), replicas (app-1)" +
           (allow_zone ? " or zones" : ""));
  }

  std::string zone(const ConfigNode& n) const {
    const std::string name = n.as_name();
    if (!is_zone(name))
      n.fail("unknown zone '" + name + "'" + did_you_mean(name, zones_) +
             "; zones: " + join_alternatives(zones_, ", "));
    return name;
  }

 private:
  bool is_zone(const std::string& name) const {
    return std::find(zones_.begin(), zones_.end(), name) != zones_.end();
  }
  static void check(const ConfigNode& n, const Component& c, Want want) {
    if (want == Want::kServer && !c.serves_requests())
      n.fail("'" + c.name() + "' is a " + c.kind() +
             ", which cannot crash or be killed (clients are where availability is measured); "
             "cut it off with partition or isolate instead");
    if (want == Want::kService && c.kind() != "service")
      n.fail("'" + c.name() + "' is a " + c.kind() + "; slow multiplies service times, so it applies to services");
  }

  const std::vector<std::unique_ptr<Component>>& comps_;
  const std::vector<std::string>& zones_;
};

std::string node_name(const NodeRef& n) { return n.component->replica_name(n.replica); }

// "[a, b]" from the names as written.
std::string written_list(const ConfigNode& n) {
  if (n.is_scalar()) return n.yaml().Scalar();
  std::string s = "[";
  bool first = true;
  for (const auto& item : n.as_list()) {
    s += (first ? "" : ", ") + written_list(item);
    first = false;
  }
  return s + "]";
}

// Partition groups: a list of lists of names; a node may be in one group only.
std::vector<std::vector<NodeRef>> parse_groups(const ConfigNode& n, const NameResolver& names, std::size_t min_groups,
                                               std::vector<NodeRef>* seen_out = nullptr) {
  if (!n.is_list())
    n.fail("expected a list of groups, each a list of names, e.g. [[clients, lb], [app-1]], got " + n.describe());
  const auto items = n.as_list();
  if (items.size() < min_groups)
    n.fail("needs at least " + std::to_string(min_groups) + " groups, e.g. [[clients, lb], [app-1]]");
  if (items.size() > 60000) n.fail("has " + std::to_string(items.size()) + " groups; at most 60000");
  std::vector<std::vector<NodeRef>> groups;
  std::vector<std::pair<NodeRef, std::size_t>> seen;
  for (std::size_t g = 0; g < items.size(); ++g) {
    const ConfigNode& item = items[g];
    std::vector<ConfigNode> members = item.is_list() ? item.as_list() : std::vector<ConfigNode>{item};
    if (members.empty()) item.fail("an empty group; list at least one name");
    std::vector<NodeRef> group;
    for (const auto& m : members) {
      for (const NodeRef& node : names.nodes(m, NameResolver::Want::kAnyNode, true)) {
        for (const auto& [other, og] : seen)
          if (other == node)
            m.fail("'" + node_name(node) + "' is in two groups of this partition (groups " + std::to_string(og + 1) +
                   " and " + std::to_string(g + 1) + "); a node can be on one side only");
        seen.emplace_back(node, g);
        group.push_back(node);
      }
    }
    groups.push_back(std::move(group));
  }
  if (seen_out != nullptr)
    for (const auto& [node, g] : seen) seen_out->push_back(node);
  return groups;
}

double positive_factor(const ConfigNode& n) {
  const double v = n.as_number();
  if (!(v > 0.0) || v > 1e6) n.fail("must be a positive number (a multiplier such as 10), got " + n.describe());
  return v;
}

// "100ppm", "0.01%", or a plain fraction, as seconds per second.
double parse_drift(const ConfigNode& n) {
  const std::string text = n.is_scalar() ? n.yaml().Scalar() : std::string();
  const bool ppm = text.size() > 3 && text.compare(text.size() - 3, 3, "ppm") == 0;
  // "%" and plain fractions read as any fraction does (but may be negative).
  const auto p = ppm ? units::parse_number(std::string_view(text).substr(0, text.size() - 3))
                     : units::parse_fraction(text);
  if (!n.is_scalar() || !p.ok()) n.fail("expected a drift such as 100ppm or 0.01%, got " + n.describe());
  const double v = ppm ? p.value * 1e-6 : p.value;
  if (!(std::fabs(v) < 1.0)) n.fail("a clock drift must be below 100% (e.g. 100ppm), got " + n.describe());
  return v;
}

// A signed duration ("-20ms" is fine for an offset).
Time signed_duration(const ConfigNode& n) { return n.as_duration(); }

}  // namespace

std::vector<FaultSpec> parse_faults(const ConfigNode& list, Time duration,
                                    const std::vector<std::unique_ptr<Component>>& components,
                                    const std::vector<std::string>& zones) {
  if (!list.is_list())
    list.fail("expected a list of faults, e.g. faults: [{at: 20s, for: 30s, crash: app-1}], got " + list.describe());
  const NameResolver names(components, zones);
  std::vector<FaultSpec> out;
  for (const ConfigNode& entry : list.as_list()) {
    MapReader r(entry);
    FaultSpec f;
    const ConfigNode at = r.require("at", "when the fault begins, in simulated time, e.g. at: 20s");
    f.at = at.non_negative_duration();
    if (f.at >= duration)
      at.fail("must be before the end of the run (duration " + units::format_duration(duration) +
              "), or the fault would never happen");
    if (auto d = r.get("for")) {
      if (d->is_scalar() && !d->yaml().Scalar().empty() && d->yaml().Scalar()[0] == '-')
        d->fail("must be a positive duration (how long the fault lasts; omit it to last to the end), got " +
                d->describe());
      f.until = f.at + d->positive_duration();
    }
    std::optional<ConfigNode> factor = r.get("factor");
    // Exactly one kind key.
    std::string kind;
    for (const auto& k : kFaultKinds) {
      if (!r.has(k)) continue;
      if (!kind.empty())
        r.get(k)->fail("one fault per entry: this one already is a '" + kind + "'; give '" + k +
                           "' its own entry in the list",
                       true);
      kind = k;
    }
    if (kind.empty()) {
      // A key that is neither a kind nor at/for/factor is most likely a
      // misspelt or unknown kind.
      for (auto it = entry.yaml().begin(); it != entry.yaml().end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) continue;
        const std::string k = key.Scalar();
        if (k == "at" || k == "for" || k == "factor") continue;
        std::vector<std::string> all = kFaultKinds;
        entry.child(key, it->second, k)
            .fail("unknown fault kind '" + k + "'" + did_you_mean(k, all) + "; a fault is one of: " +
                      join_alternatives(kFaultKinds, ", "),
                  true);
      }
      r.finish();
      entry.fail("a fault needs one of: " + join_alternatives(kFaultKinds, ", ") +
                 ", e.g. {at: 20s, for: 30s, crash: app-1}");
    }
    const ConfigNode v = *r.get(kind);
    f.kind_name = kind;
    if (factor && kind != "slow") factor->fail("factor goes with slow (e.g. {slow: db, factor: 10})", true);
    if (kind == "partition") {
      if (v.is_map()) {
        MapReader pr(v);
        const ConfigNode from = pr.require("from", "the nodes whose messages are dropped, e.g. from: [az-a]");
        const ConfigNode to = pr.require("to", "the nodes they can no longer reach, e.g. to: [az-b]");
        pr.finish();
        f.kind = FaultSpec::Kind::kOneWayPartition;
        std::vector<NodeRef> from_nodes, to_nodes;
        for (const auto& n : from.is_list() ? from.as_list() : std::vector<ConfigNode>{from})
          for (const auto& x : names.nodes(n, NameResolver::Want::kAnyNode, true)) from_nodes.push_back(x);
        for (const auto& n : to.is_list() ? to.as_list() : std::vector<ConfigNode>{to})
          for (const auto& x : names.nodes(n, NameResolver::Want::kAnyNode, true)) {
            if (std::find(from_nodes.begin(), from_nodes.end(), x) != from_nodes.end())
              n.fail("'" + node_name(x) + "' is both in from and in to; a node can be on one side only");
            to_nodes.push_back(x);
          }
        if (from_nodes.empty()) from.fail("names no node");
        if (to_nodes.empty()) to.fail("names no node");
        f.groups = {std::move(from_nodes), std::move(to_nodes)};
        f.target = written_list(from) + " -> " + written_list(to);
      } else {
        f.kind = FaultSpec::Kind::kPartition;
        f.groups = parse_groups(v, names, 2);
        f.target = written_list(v);
      }
    } else if (kind == "isolate") {
      f.kind = FaultSpec::Kind::kIsolate;
      f.groups = {names.nodes(v, NameResolver::Want::kAnyNode, true)};
      if (f.groups[0].empty()) v.fail("names no node");
      f.target = written_list(v);
    } else if (kind == "bridge") {
      MapReader br(v);
      const ConfigNode groups = br.require("groups", "the two halves, e.g. groups: [[a, b], [d, e]]");
      const ConfigNode via = br.require("via", "the node both halves still reach, e.g. via: c");
      br.finish();
      std::vector<NodeRef> seen;
      f.kind = FaultSpec::Kind::kBridge;
      f.groups = parse_groups(groups, names, 2, &seen);
      if (f.groups.size() != 2) groups.fail("a bridge has exactly two groups, e.g. [[a, b], [d, e]]");
      std::vector<NodeRef> bridge = names.nodes(via, NameResolver::Want::kAnyNode, true);
      for (const auto& x : bridge)
        if (std::find(seen.begin(), seen.end(), x) != seen.end())
          via.fail("'" + node_name(x) + "' is in one of the groups; the bridge node must be in neither");
      if (bridge.empty()) via.fail("names no node");
      f.groups.push_back(std::move(bridge));
      f.target = written_list(groups) + " via " + written_list(via);
    } else if (kind == "crash" || kind == "kill") {
      f.kind = kind == "crash" ? FaultSpec::Kind::kCrash : FaultSpec::Kind::kKill;
      f.nodes = names.nodes(v, NameResolver::Want::kServer, false);
      f.target = written_list(v);
    } else if (kind == "zone_outage") {
      f.kind = FaultSpec::Kind::kZoneOutage;
      const std::string z = names.zone(v);
      // Every server in the zone; clients there keep running (they observe).
      f.nodes = names.nodes(v, NameResolver::Want::kServer, true);
      f.target = z;
    } else if (kind == "slow") {
      f.kind = FaultSpec::Kind::kSlow;
      f.nodes = names.nodes(v, NameResolver::Want::kService, false);
      if (!factor) entry.fail("slow needs a factor: how many times longer service takes, e.g. {slow: db, factor: 10}");
      f.factor = positive_factor(*factor);
      f.target = written_list(v);
    } else if (kind == "degrade_link") {
      MapReader dr(v);
      const ConfigNode between = dr.require("between", "the two zones, e.g. between: [az-a, az-b]");
      const auto ends = between.as_list();
      if (ends.size() != 2) between.fail("names exactly two zones, e.g. between: [az-a, az-b]");
      f.zone_a = names.zone(ends[0]);
      f.zone_b = names.zone(ends[1]);
      if (auto lf = dr.get("latency_factor")) f.factor = positive_factor(*lf);
      if (auto l = dr.get("loss")) f.loss = l->as_fraction();
      if (!dr.has("latency_factor") && !dr.has("loss"))
        v.fail("give latency_factor (e.g. 5) or loss (e.g. 1%), or both");
      dr.finish();
      f.kind = FaultSpec::Kind::kDegradeLink;
      f.target = f.zone_a + " <-> " + f.zone_b;
    } else if (kind == "clock_skew") {
      MapReader cr(v);
      const ConfigNode node = cr.require("node", "the node whose clock is off, e.g. node: app-1");
      if (auto o = cr.get("offset")) f.offset = signed_duration(*o);
      if (auto d = cr.get("drift")) f.drift = parse_drift(*d);
      if (!cr.has("offset") && !cr.has("drift")) v.fail("give offset (e.g. 50ms), drift (e.g. 100ppm), or both");
      cr.finish();
      f.kind = FaultSpec::Kind::kClockSkew;
      f.nodes = names.nodes(node, NameResolver::Want::kAnyNode, false);
      f.target = written_list(node);
    }
    r.finish();
    out.push_back(std::move(f));
  }
  return out;
}

FailureSpec parse_failures(const ConfigNode& node, const Component& component) {
  if (!component.serves_requests())
    node.fail("'" + component.name() + "' is a " + component.kind() +
                  ", which cannot fail (clients are where availability is measured)",
              true);
  MapReader r(node);
  FailureSpec f;
  f.component = &component;
  f.mtbf_ns = static_cast<double>(
      r.require("mtbf", "the mean time between failures of each replica, e.g. mtbf: 10m").positive_duration());
  f.mttr_ns = static_cast<double>(
      r.require("mttr", "the mean time to repair a failed replica, e.g. mttr: 30s").positive_duration());
  if (auto q = r.get("required"))
    f.required = static_cast<int>(q->int_in(1, component.replica_count()));
  std::string dist = "exponential";
  std::optional<ConfigNode> dist_node = r.get("dist");
  if (dist_node) dist = dist_node->as_string();
  auto shape = r.get("shape");
  if (dist == "exponential") {
    if (shape) shape->fail("shape goes with dist: weibull", true);
    f.up = Distribution::exponential(f.mtbf_ns);
    f.repair = Distribution::exponential(f.mttr_ns);
  } else if (dist == "weibull") {
    if (!shape) node.fail("a weibull failure distribution needs a shape, e.g. {dist: weibull, shape: 1.5}");
    const double k = shape->as_number();
    if (!(k >= 0.05) || k > 1e3) shape->fail("must be a number from 0.05 to 1000, e.g. 1.5, got " + shape->describe());
    f.exponential = false;
    f.up = Distribution::weibull_mean(f.mtbf_ns, k);
    f.repair = Distribution::weibull_mean(f.mttr_ns, k);
  } else {
    dist_node->fail("unknown failure distribution '" + dist + "'" +
                    did_you_mean(dist, {"exponential", "weibull"}) + "; valid: exponential, weibull");
  }
  r.finish();
  return f;
}

// ---------------------------------------------------------------------------

bool FaultInjector::Partition::allows(ActorId src, ActorId dst) const {
  const std::uint16_t a = src < group.size() ? group[src] : 0;
  const std::uint16_t b = dst < group.size() ? group[dst] : 0;
  switch (rule) {
    case Rule::kGroups:
      return a == b;
    case Rule::kOneWay:
      return !(a == 1 && b == 2);
    case Rule::kBridge:
      return !((a == 0 && b == 1) || (a == 1 && b == 0));
  }
  return true;
}

FaultInjector::FaultInjector(Simulation& sim, RequestMetrics& metrics, Time warmup, Time duration,
                             Time horizon_slack)
    : sim_(sim), metrics_(metrics), warmup_(warmup), duration_(duration), horizon_slack_(horizon_slack) {}

FaultInjector::~FaultInjector() = default;

ActorId FaultInjector::node_id(const NodeRef& n) const {
  return n.component->replica_actors()[static_cast<std::size_t>(n.replica)];
}

void FaultInjector::setup(const std::vector<std::unique_ptr<Component>>& components, std::vector<FaultSpec> faults,
                          std::vector<FailureSpec> failures) {
  faults_ = std::move(faults);
  failures_ = std::move(failures);
  nodes_.assign(sim_.actor_count(), NodeState{});
  for (const auto& c : components) {
    const int ci = c->serves_requests() ? static_cast<int>(comps_.size()) : -1;
    if (ci >= 0) {
      ComponentUptime u;
      u.component = c.get();
      u.replicas = c->replica_count();
      u.up = u.replicas;
      comps_.push_back(u);
    }
    for (int i = 0; i < c->replica_count(); ++i) {
      NodeState& n = nodes_[c->replica_actors()[static_cast<std::size_t>(i)]];
      n.actor = &c->replica_actor(i);
      n.component = ci;
      n.server = c->serves_requests();
    }
  }
  auto uptime_of = [this](const Component* c) -> ComponentUptime* {
    for (auto& u : comps_)
      if (u.component == c) return &u;
    return nullptr;
  };
  for (const auto& f : faults_)
    if (f.kind == FaultSpec::Kind::kCrash || f.kind == FaultSpec::Kind::kKill ||
        f.kind == FaultSpec::Kind::kZoneOutage)
      for (const auto& n : f.nodes)
        if (ComponentUptime* u = uptime_of(n.component)) u->tracked = true;
  for (const auto& spec : failures_) {
    ComponentUptime* u = uptime_of(spec.component);
    DSIM_CHECK(u != nullptr);
    u->tracked = true;
    u->failures = &spec;
    u->required = spec.required;
    for (int i = 0; i < spec.component->replica_count(); ++i) {
      const std::string& name = spec.component->replica_name(i);
      failing_.push_back(FailingReplica{&spec, spec.component->replica_actors()[static_cast<std::size_t>(i)], name,
                                        sim_.stream(name + "/failures"), 0});
    }
  }
  bool network_faults = !failures_.empty();
  for (const auto& f : faults_)
    if (f.kind != FaultSpec::Kind::kSlow && f.kind != FaultSpec::Kind::kDegradeLink &&
        f.kind != FaultSpec::Kind::kClockSkew)
      network_faults = true;
  if (network_faults) sim_.network().set_delivery_filter(this);
  DSIM_CHECK(failing_.size() < (1u << 31) && faults_.size() < (1u << 31));
}

void FaultInjector::start() {
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    sim_.schedule(faults_[i].at, actor_id(), kStart, static_cast<std::uint32_t>(i));
    if (faults_[i].until) sim_.schedule(*faults_[i].until, actor_id(), kEnd, static_cast<std::uint32_t>(i));
  }
  fault_record_.assign(faults_.size(), 0);
  partition_of_fault_.resize(faults_.size());
  degradation_of_fault_.assign(faults_.size(), 0);
  for (std::size_t i = 0; i < failing_.size(); ++i) {
    FailingReplica& f = failing_[i];
    const Time t = round_to_time(f.spec->up.sample(f.rng));
    // Failures after the arrivals stop do not matter to any figure.
    if (t < duration_) sim_.schedule(t, actor_id(), kFail, static_cast<std::uint32_t>(i));
  }
}

void FaultInjector::on_event(std::uint16_t kind, std::uint32_t arg) {
  const Time now = sim_.now();
  switch (kind) {
    case kStart:
      begin(arg);
      return;
    case kEnd:
      end(arg);
      return;
    case kFail: {
      FailingReplica& f = failing_[arg];
      const Time repair = round_to_time(f.spec->repair.sample(f.rng));
      f.record = open_record("failure", f.name, now, now + repair, {f.node});
      set_down(f.node, false, +1);
      sim_.schedule(now + repair, actor_id(), kRepair, arg);
      return;
    }
    case kRepair: {
      FailingReplica& f = failing_[arg];
      set_down(f.node, false, -1);
      close_record(f.record);
      const Time next = now + round_to_time(f.spec->up.sample(f.rng));
      if (next < duration_) sim_.schedule(next, actor_id(), kFail, arg);
      return;
    }
    default:
      DSIM_CHECK_MSG(false, "faults: unknown event kind");
  }
}

void FaultInjector::begin(std::size_t i) {
  const FaultSpec& f = faults_[i];
  std::vector<ActorId> affected;
  for (const auto& n : f.nodes) affected.push_back(node_id(n));
  for (const auto& g : f.groups)
    for (const auto& n : g) affected.push_back(node_id(n));
  fault_record_[i] = open_record(f.kind_name, f.target, f.at, f.until, std::move(affected));
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kOneWayPartition:
    case FaultSpec::Kind::kIsolate:
    case FaultSpec::Kind::kBridge: {
      auto p = std::make_unique<Partition>();
      p->group.assign(nodes_.size(), 0);
      if (f.kind == FaultSpec::Kind::kPartition) {
        p->rule = Partition::Rule::kGroups;
        for (std::size_t g = 0; g < f.groups.size(); ++g)
          for (const auto& n : f.groups[g]) p->group[node_id(n)] = static_cast<std::uint16_t>(g);
      } else if (f.kind == FaultSpec::Kind::kOneWayPartition) {
        p->rule = Partition::Rule::kOneWay;
        for (const auto& n : f.groups[0]) p->group[node_id(n)] = 1;
        for (const auto& n : f.groups[1]) p->group[node_id(n)] = 2;
      } else if (f.kind == FaultSpec::Kind::kIsolate) {
        p->rule = Partition::Rule::kGroups;
        for (const auto& n : f.groups[0]) p->group[node_id(n)] = 1;
      } else {
        p->rule = Partition::Rule::kBridge;
        for (const auto& n : f.groups[1]) p->group[node_id(n)] = 1;
        for (const auto& n : f.groups[2]) p->group[node_id(n)] = 2;
      }
      // Messages on the wire across the new cut are lost too.
      const Partition& cut = *p;
      sim_.network().drop_in_flight([&cut](const Message& m) { return !cut.allows(m.src, m.dst); });
      partitions_.push_back(p.get());
      partition_of_fault_[i] = std::move(p);
      return;
    }
    case FaultSpec::Kind::kCrash:
    case FaultSpec::Kind::kZoneOutage:
      for (const auto& n : f.nodes) set_down(node_id(n), false, +1);
      return;
    case FaultSpec::Kind::kKill:
      for (const auto& n : f.nodes) set_down(node_id(n), true, +1);
      return;
    case FaultSpec::Kind::kSlow:
      for (const auto& n : f.nodes) set_slow(node_id(n), f.factor, true);
      return;
    case FaultSpec::Kind::kDegradeLink: {
      Network& net = sim_.network();
      const std::uint32_t id =
          net.add_degradation(*net.find_zone(f.zone_a), *net.find_zone(f.zone_b), f.factor, f.loss);
      degradation_of_fault_[i] = id;
      return;
    }
    case FaultSpec::Kind::kClockSkew:
      for (const auto& n : f.nodes) {
        NodeState& s = nodes_[node_id(n)];
        s.skewed = true;
        s.skew_offset = f.offset;
        s.skew_drift = f.drift;
        s.skew_since = sim_.now();
      }
      return;
  }
}

void FaultInjector::end(std::size_t i) {
  const FaultSpec& f = faults_[i];
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kOneWayPartition:
    case FaultSpec::Kind::kIsolate:
    case FaultSpec::Kind::kBridge:
      partitions_.erase(std::find(partitions_.begin(), partitions_.end(), partition_of_fault_[i].get()));
      partition_of_fault_[i].reset();
      break;
    case FaultSpec::Kind::kCrash:
    case FaultSpec::Kind::kZoneOutage:
      for (const auto& n : f.nodes) set_down(node_id(n), false, -1);
      break;
    case FaultSpec::Kind::kKill:
      for (const auto& n : f.nodes) set_down(node_id(n), true, -1);
      break;
    case FaultSpec::Kind::kSlow:
      for (const auto& n : f.nodes) set_slow(node_id(n), f.factor, false);
      break;
    case FaultSpec::Kind::kDegradeLink:
      sim_.network().remove_degradation(degradation_of_fault_[i]);
      break;
    case FaultSpec::Kind::kClockSkew:
      for (const auto& n : f.nodes) nodes_[node_id(n)].skewed = false;
      break;
  }
  close_record(fault_record_[i]);
}

void FaultInjector::account(ComponentUptime& c) {
  const Time now = sim_.now();
  const Time a = std::max(c.last, warmup_);
  const Time b = std::min(now, duration_);
  if (b > a && c.up >= c.required) c.available_ns += b - a;
  c.last = now;
}

void FaultInjector::set_down(ActorId node, bool kill, int delta) {
  NodeState& n = nodes_[node];
  const bool was_up = n.crashed == 0 && n.killed == 0;
  (kill ? n.killed : n.crashed) += delta;
  DSIM_CHECK(n.crashed >= 0 && n.killed >= 0);
  const bool is_up = n.crashed == 0 && n.killed == 0;
  if (was_up == is_up) return;
  if (n.component >= 0) {
    ComponentUptime& c = comps_[static_cast<std::size_t>(n.component)];
    account(c);
    c.up += is_up ? 1 : -1;
  }
  nodes_not_up_ += is_up ? -1 : 1;
  if (is_up) {
    n.actor->come_up();
  } else {
    // Connections to the dead process are gone: what is on its way to it is
    // lost (even if it arrives after a restart).
    sim_.network().drop_in_flight([node](const Message& m) { return m.dst == node; });
    n.actor->go_down();
  }
}

void FaultInjector::set_slow(ActorId node, double factor, bool add) {
  NodeState& n = nodes_[node];
  if (add) {
    n.slow.push_back(factor);
  } else {
    const auto it = std::find(n.slow.begin(), n.slow.end(), factor);
    DSIM_CHECK(it != n.slow.end());
    n.slow.erase(it);
  }
  double product = 1.0;
  for (const double f : n.slow) product *= f;
  n.actor->set_slowdown(product);
}

bool FaultInjector::allow(const Message& msg) {
  // A cut network comes first: a refusal from a killed host cannot cross it.
  for (const auto& p : partitions_)
    if (!p->allows(msg.src, msg.dst)) return false;
  if (nodes_not_up_ > 0 && msg.dst < nodes_.size()) {
    const NodeState& dst = nodes_[msg.dst];
    if (dst.crashed > 0) return false;  // the host is down: nothing answers
    if (dst.killed > 0) {
      // The host answers for the dead process: connection refused.
      if (is_type(msg, MsgType::kRequest) || is_type(msg, MsgType::kHealthCheck)) {
        Message refusal = make_response(msg.dst, msg.src, handle_of(msg), 64, Status::kUnavailable);
        if (is_type(msg, MsgType::kHealthCheck)) refusal.type = static_cast<std::uint16_t>(MsgType::kHealthReply);
        // The refusal is subject to partitions like any message (checked on its delivery).
        sim_.network().send(refusal);
      }
      return false;
    }
  }
  return true;
}

std::size_t FaultInjector::open_record(const std::string& kind, const std::string& target, Time at,
                                       std::optional<Time> until, std::vector<ActorId> affected) {
  FaultRecord r;
  r.kind = kind;
  r.target = target;
  r.at = at;
  r.until = until;
  records_.push_back(std::move(r));
  // Look for the availability dip until the fault ends plus the longest time
  // a request it hurt can take to fail.
  std::optional<Time> horizon;
  if (until) horizon = *until + horizon_slack_;
  const std::size_t tracker = metrics_.track_fault(at, horizon);
  DSIM_CHECK(tracker == records_.size() - 1);
  std::sort(affected.begin(), affected.end());
  affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
  active_.push_back(ActiveRecord{records_.size() - 1, std::move(affected), until});
  return records_.size() - 1;
}

void FaultInjector::close_record(std::size_t record) {
  for (std::size_t k = 0; k < active_.size(); ++k)
    if (active_[k].record == record) {
      active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
      return;
    }
}

void FaultInjector::backend_marked_down(ActorId backend, Time now) {
  for (const ActiveRecord& a : active_) {
    FaultRecord& r = records_[a.record];
    if (r.detected || now < r.at) continue;
    if (std::binary_search(a.affected.begin(), a.affected.end(), backend)) r.detected = now;
  }
}

Time FaultInjector::clock(ActorId node) const {
  const Time now = sim_.now();
  if (node >= nodes_.size() || !nodes_[node].skewed) return now;
  const NodeState& n = nodes_[node];
  return now + n.skew_offset + round_to_time(n.skew_drift * static_cast<double>(now - n.skew_since));
}

void FaultInjector::finish(RunRecord& out) {
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const RequestMetrics::FaultImpact impact = metrics_.fault_impact(i);
    records_[i].recovered = impact.recovered;
    records_[i].failed_requests = impact.failed;
  }
  out.faults = records_;
  for (auto& c : comps_) {
    if (!c.tracked) continue;
    account(c);
    for (auto& cr : out.components) {
      if (cr.name != c.component->name()) continue;
      cr.has_availability = true;
      cr.required_up = c.required;
      const double window = static_cast<double>(duration_ - warmup_);
      cr.availability_simulated = static_cast<double>(c.available_ns) / window;
      if (c.failures != nullptr)
        cr.availability_analytic =
            availability::k_of_n(c.replicas, c.required, c.failures->mtbf_ns, c.failures->mttr_ns);
    }
  }
}

}  // namespace dsim
