// Reads the `faults:` schedule and components' `failures:` (models/faults.h);
// fields: scenarios/README.md, "Faults".
#include "dsim/loader/parse_faults.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "dsim/sim/units.h"

namespace dsim {

namespace {

const std::vector<std::string> kFaultKinds = {"partition", "isolate", "bridge", "crash", "kill",
                                              "zone_outage", "slow", "degrade_link", "clock_skew"};

// Resolves names (replicas, components, zones) to nodes, with messages.
class NameResolver {
 public:
  NameResolver(const std::vector<std::unique_ptr<ComponentSpec>>& comps, const std::vector<std::string>& zones)
      : comps_(comps), zones_(zones), zone_set_(zones.begin(), zones.end()) {
    for (std::size_t ci = 0; ci < comps_.size(); ++ci) components_.emplace(comps_[ci]->name(), ci);
  }

  enum class Want { kAnyNode, kServer, kService };

  // A replica, a component (all its replicas) or a zone (every node in it).
  std::vector<NodeRef> nodes(const ConfigNode& n, Want want, bool allow_zone) const {
    const std::string name = n.as_name();
    std::vector<NodeRef> out;
    // Looked up in maps built once (a design may hold a million replicas
    // and a schedule thousands of names).
    if (const auto it = components_.find(name); it != components_.end()) {
      const ComponentSpec& c = *comps_[it->second];
      check(n, c, want);
      for (int i = 0; i < c.replica_count(); ++i) out.push_back(NodeRef{it->second, i});
      return out;
    }
    if (replicas_.empty())
      for (std::size_t ci = 0; ci < comps_.size(); ++ci)
        for (int i = 0; i < comps_[ci]->replica_count(); ++i)
          replicas_.emplace(comps_[ci]->replica_name(i), NodeRef{ci, i});
    if (const auto it = replicas_.find(name); it != replicas_.end()) {
      check(n, *comps_[it->second.component], want);
      return {it->second};
    }
    if (allow_zone && is_zone(name)) {
      if (in_zone_.empty())
        for (std::size_t ci = 0; ci < comps_.size(); ++ci)
          for (int i = 0; i < comps_[ci]->replica_count(); ++i)
            in_zone_[comps_[ci]->replica_zone(i)].push_back(NodeRef{ci, i});
      if (const auto z = in_zone_.find(name); z != in_zone_.end())
        for (const NodeRef& r : z->second)
          if (want == Want::kAnyNode || comps_[r.component]->serves_requests()) out.push_back(r);
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
  bool is_zone(const std::string& name) const { return zone_set_.count(name) > 0; }
  static void check(const ConfigNode& n, const ComponentSpec& c, Want want) {
    if (want == Want::kServer && !c.serves_requests())
      n.fail("'" + c.name() + "' is a " + c.kind() +
             ", which cannot crash or be killed (clients are where availability is measured); "
             "cut it off with partition or isolate instead");
    if (want == Want::kService && !c.accepts_slowdown())
      n.fail("'" + c.name() + "' is a " + c.kind() + "; slow multiplies service times, so it applies to services");
  }

  const std::vector<std::unique_ptr<ComponentSpec>>& comps_;
  const std::vector<std::string>& zones_;
  std::set<std::string> zone_set_;
  std::map<std::string, std::size_t> components_;  // looked up, never iterated
  // Built on first need: replica name -> node; zone -> its nodes in order.
  mutable std::map<std::string, NodeRef> replicas_;
  mutable std::map<std::string, std::vector<NodeRef>> in_zone_;
};

std::string node_name(const std::vector<std::unique_ptr<ComponentSpec>>& comps, const NodeRef& n) {
  return comps[n.component]->replica_name(n.replica);
}

// "[a, b]" from the names as written.
std::string written_list(const ConfigNode& n) {
  if (n.is_scalar()) return n.text();
  std::string s = "[";
  bool first = true;
  for (const auto& item : n.as_list()) {
    s += (first ? "" : ", ") + written_list(item);
    first = false;
  }
  return s + "]";
}

// Partition groups: a list of lists of names; a node may be in one group only.
std::vector<std::vector<NodeRef>> parse_groups(const ConfigNode& n, const NameResolver& names,
                                               const std::vector<std::unique_ptr<ComponentSpec>>& comps,
                                               std::size_t min_groups, std::vector<NodeRef>* seen_out = nullptr) {
  if (!n.is_list())
    n.fail("expected a list of groups, each a list of names, e.g. [[clients, lb], [app-1]], got " + n.describe());
  const auto items = n.as_list();
  if (items.size() < min_groups)
    n.fail("needs at least " + std::to_string(min_groups) + " groups, e.g. [[clients, lb], [app-1]]");
  if (items.size() > 60000) n.fail("has " + std::to_string(items.size()) + " groups; at most 60000");
  std::vector<std::vector<NodeRef>> groups;
  std::vector<std::pair<NodeRef, std::size_t>> seen;
  std::map<std::pair<std::size_t, int>, std::size_t> group_of;  // node -> its group; looked up only
  for (std::size_t g = 0; g < items.size(); ++g) {
    const ConfigNode& item = items[g];
    std::vector<ConfigNode> members = item.is_list() ? item.as_list() : std::vector<ConfigNode>{item};
    if (members.empty()) item.fail("an empty group; list at least one name");
    std::vector<NodeRef> group;
    for (const auto& m : members) {
      for (const NodeRef& node : names.nodes(m, NameResolver::Want::kAnyNode, true)) {
        const auto [it, fresh] = group_of.emplace(std::pair{node.component, node.replica}, g);
        if (!fresh)
          m.fail("'" + node_name(comps, node) + "' is in two groups of this partition (groups " +
                 std::to_string(it->second + 1) + " and " + std::to_string(g + 1) +
                 "); a node can be on one side only");
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
  const std::string text = n.text();
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
                                    const std::vector<std::unique_ptr<ComponentSpec>>& components,
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
      if (!d->text().empty() && d->text()[0] == '-')
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
      for (const auto& [k, value] : r.items()) {
        if (k == "at" || k == "for" || k == "factor") continue;
        value.fail("unknown fault kind '" + k + "'" + did_you_mean(k, kFaultKinds) + "; a fault is one of: " +
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
        std::set<std::pair<std::size_t, int>> in_from;  // looked up only
        for (const auto& n : from.is_list() ? from.as_list() : std::vector<ConfigNode>{from})
          for (const auto& x : names.nodes(n, NameResolver::Want::kAnyNode, true)) {
            from_nodes.push_back(x);
            in_from.emplace(x.component, x.replica);
          }
        for (const auto& n : to.is_list() ? to.as_list() : std::vector<ConfigNode>{to})
          for (const auto& x : names.nodes(n, NameResolver::Want::kAnyNode, true)) {
            if (in_from.count({x.component, x.replica}) > 0)
              n.fail("'" + node_name(components, x) + "' is both in from and in to; a node can be on one side only");
            to_nodes.push_back(x);
          }
        if (from_nodes.empty()) from.fail("names no node");
        if (to_nodes.empty()) to.fail("names no node");
        f.groups = {std::move(from_nodes), std::move(to_nodes)};
        f.target = written_list(from) + " -> " + written_list(to);
      } else {
        f.kind = FaultSpec::Kind::kPartition;
        f.groups = parse_groups(v, names, components, 2);
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
      f.groups = parse_groups(groups, names, components, 2, &seen);
      if (f.groups.size() != 2) groups.fail("a bridge has exactly two groups, e.g. [[a, b], [d, e]]");
      std::vector<NodeRef> bridge = names.nodes(via, NameResolver::Want::kAnyNode, true);
      std::set<std::pair<std::size_t, int>> grouped;  // looked up only
      for (const auto& x : seen) grouped.emplace(x.component, x.replica);
      for (const auto& x : bridge)
        if (grouped.count({x.component, x.replica}) > 0)
          via.fail("'" + node_name(components, x) + "' is in one of the groups; the bridge node must be in neither");
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

FailureSpec parse_failures(const ConfigNode& node, const ComponentSpec& component, std::size_t index) {
  if (!component.serves_requests())
    node.fail("'" + component.name() + "' is a " + component.kind() +
                  ", which cannot fail (clients are where availability is measured)",
              true);
  MapReader r(node);
  FailureSpec f;
  f.component = index;
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

}  // namespace dsim
