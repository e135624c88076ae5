#include "models/scenario.h"

#include <charconv>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/depthguard.h>

#include "sim/units.h"

namespace dsim {

namespace {

constexpr std::size_t kMaxFileBytes = 16u << 20;
constexpr Time kMaxDuration = kMaxConfigDuration;
// Rows of the time series kept in memory (about 150 bytes each).
constexpr Time kMaxWindows = 1'000'000;
constexpr int kMaxReplicas = 100'000;

class IndexView final : public ComponentIndex {
 public:
  explicit IndexView(const std::vector<std::unique_ptr<Component>>& comps) : comps_(comps) {}
  Component* find(const std::string& name) const override {
    for (const auto& c : comps_)
      if (c->name() == name) return c.get();
    return nullptr;
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const auto& c : comps_) out.push_back(c->name());
    return out;
  }

 private:
  const std::vector<std::unique_ptr<Component>>& comps_;
};

[[noreturn]] void fail_file(const std::string& source, int line, int col, const std::string& msg) {
  throw DiagnosticError(Diagnostic{source, line, col, "", msg});
}

// Rejects input that is not text before YAML sees it: NUL bytes and invalid
// UTF-8, with the position of the first offending byte.
void check_text(std::string_view text, const std::string& source) {
  int line = 1;
  int col = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 1;
    if (c == 0) fail_file(source, line, col, "not a text file: it contains a NUL byte (is it a binary file?)");
    if (c >= 0x80) {
      if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
      else if ((c & 0xF0) == 0xE0) len = 3;
      else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
      else len = 0;
      bool ok = len != 0 && i + len <= text.size();
      for (std::size_t k = 1; ok && k < len; ++k)
        if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) ok = false;
      if (!ok)
        fail_file(source, line, col,
                  "not a UTF-8 text file: invalid byte 0x" +
                      std::string(1, "0123456789abcdef"[c >> 4]) + std::string(1, "0123456789abcdef"[c & 15]) +
                      " (is it a binary file?)");
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    i += len;
  }
}

std::string file_stem(const std::string& path) {
  std::string base = path;
  const auto slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  const auto dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  return base.empty() ? "scenario" : base;
}

}  // namespace

std::string describe_distribution(const Distribution& d) {
  if (d.is_constant()) return units::format_duration(static_cast<Time>(d.mean()));
  std::string out = std::string(d.kind_name()) + "(";
  bool first = true;
  for (const auto& p : d.params()) {
    if (!first) out += ", ";
    first = false;
    out += p.name;
    out += "=";
    if (p.unitless) {
      std::ostringstream s;
      s << p.value;
      out += s.str();
    } else {
      out += units::format_duration(round_to_time(p.value));
    }
  }
  return out + ")";
}

Scenario::~Scenario() = default;

LoadResult Scenario::load_file(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Diagnostic{path, 0, 0, "", "cannot open the scenario file (does it exist, and is it readable?)"};
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes)
      return Diagnostic{path, 0, 0, "", "the file is larger than 16 MiB; a scenario is a short YAML file"};
  }
  if (in.bad()) return Diagnostic{path, 0, 0, "", "cannot read the file (is it a directory?)"};
  return load_text(text, path, options);
}

LoadResult Scenario::load_text(std::string_view text, const std::string& source, const LoadOptions& options) {
  try {
    check_text(text, source);
    YAML::Node root;
    try {
      std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
      if (docs.size() > 1) {
        const YAML::Mark m = docs[1].Mark();
        fail_file(source, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1,
                  "a scenario file holds one YAML document; this is a second one (after '---'): "
                  "put it in a file of its own");
      }
      if (!docs.empty()) root = docs[0];
    } catch (const YAML::DeepRecursion& e) {
      fail_file(source, e.mark.line + 1, e.mark.column + 1,
                "invalid YAML: lists or mappings nested too deeply (a scenario needs a few levels)");
    } catch (const YAML::Exception& e) {
      const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
      const int col = e.mark.is_null() ? 0 : e.mark.column + 1;
      fail_file(source, line, col, "invalid YAML: " + e.msg);
    }
    if (!root.IsDefined() || root.IsNull())
      fail_file(source, 1, 1,
                "the scenario is empty; expected a mapping with at least 'duration' and 'components' "
                "(see scenarios/ecommerce.yaml)");
    auto ctx = std::make_shared<ConfigContext>();
    ctx->file = std::make_shared<ConfigSource>(ConfigSource{source, true});
    for (const auto& o : options.overrides) apply_override(root, o, *ctx);
    ConfigNode node(root, "", ctx->file, ctx);
    if (!root.IsMap())
      node.fail("a scenario is a mapping of fields (name, duration, components, ...), got " + node.describe());
    std::unique_ptr<Scenario> s(new Scenario());
    s->parse(node, options, file_stem(source));
    return s;
  } catch (const DiagnosticError& e) {
    return e.diagnostic();
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own errors while walking the tree (should not happen after a
    // successful parse, but a bad file must never end in a crash).
    return Diagnostic{source, e.mark.is_null() ? 0 : e.mark.line + 1,
                      e.mark.is_null() ? 0 : e.mark.column + 1, "", "invalid YAML: " + e.msg};
  }
}

void Scenario::parse(const ConfigNode& root, const LoadOptions& options, const std::string& default_name) {
  MapReader r(root);
  name_ = default_name;
  if (auto n = r.get("name")) name_ = n->as_string();
  if (auto d = r.get("description")) description_ = d->as_string();
  if (auto s = r.get("seed")) {
    std::uint64_t v = 0;
    const std::string t = s->is_scalar() ? s->yaml().Scalar() : std::string();
    const auto res = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size())
      s->fail("must be an integer from 0 to 18446744073709551615, got " + s->describe());
    seed_ = v;
  }
  if (options.seed) seed_ = *options.seed;
  const ConfigNode dur = r.require("duration", "how long to simulate, e.g. duration: 60s");
  duration_ = dur.positive_duration();
  if (duration_ > kMaxDuration) dur.fail("must be at most 50 years of simulated time");
  if (auto w = r.get("warmup")) {
    warmup_ = w->non_negative_duration();
    if (warmup_ >= duration_)
      w->fail("must be shorter than duration (" + units::format_duration(duration_) +
              "): only requests sent after the warm-up and before the duration are measured");
  }
  if (auto m = r.get("metrics")) {
    MapReader mr(*m);
    if (auto w = mr.get("window")) {
      window_ = w->positive_duration();
      if (window_ < kMillisecond) w->fail("must be at least 1ms");
      if (duration_ / window_ > kMaxWindows)
        w->fail("is too small for this duration (over " + std::to_string(kMaxWindows) +
                " windows of the time series); give a longer window");
    }
    mr.finish();
  }
  if (duration_ / window_ > kMaxWindows)
    dur.fail("is too long for the default metrics.window of 1s (over " + std::to_string(kMaxWindows) +
             " windows of the time series); set a longer one, e.g. metrics: {window: " +
             units::format_duration(std::max<Time>(kMinute, duration_ / 10'000)) + "}");
  if (auto net = r.get("network")) {
    MapReader nr(*net);
    parse_network(nr);
    nr.finish();
  }
  if (auto slo = r.get("slo")) {
    MapReader sr(*slo);
    if (auto a = sr.get("availability")) {
      slo_availability_ = a->as_fraction();
      if (!(slo_availability_ > 0.0 && slo_availability_ <= 1.0))
        a->fail("must be a fraction above 0 and at most 100%, e.g. 99.9%, got " + a->describe());
    }
    sr.finish();
  }
  std::optional<ConfigNode> faults_node = r.get("faults");
  std::vector<std::pair<ConfigNode, std::size_t>> failure_nodes;  // (node, component index)

  const ModelRegistry& registry = options.registry != nullptr ? *options.registry : ModelRegistry::builtin();
  const ConfigNode comps = r.require("components", "the parts of the design, e.g. components: {app: {kind: service, ...}}");
  MapReader cr(comps);
  auto entries = cr.entries();
  if (entries.empty()) comps.fail("needs at least one component");
  std::set<std::string> replica_names;
  for (auto& [cname, cnode] : entries) {
    bool ok = !cname.empty() && cname.size() <= 128 &&
              (std::isalnum(static_cast<unsigned char>(cname[0])) || cname[0] == '_');
    for (const char c : cname)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) ok = false;
    if (!ok)
      cnode.fail("invalid component name '" + cname +
                     "': use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'",
                 true);
    MapReader fr(cnode);
    const ConfigNode kind_node = fr.require("kind", "the model, one of " + join_alternatives(registry.kinds()));
    const std::string kind = kind_node.as_string();
    const ModelRegistry::Entry* entry = registry.find(kind);
    if (entry == nullptr)
      kind_node.fail("unknown kind '" + kind + "'" + did_you_mean(kind, registry.kinds()) +
                     "; valid kinds: " + join_alternatives(registry.kinds()));
    ComponentCommon common{cname, kind, 1, false, {}, cnode};
    if (auto rep = fr.get("replicas")) {
      common.replicas = static_cast<int>(rep->int_in(1, kMaxReplicas));
      common.replicas_given = true;
    }
    auto zone = fr.get("zone");
    auto zones = fr.get("zones");
    if (zone && zones) zones->fail("give either zone (one zone) or zones (replicas spread round robin), not both", true);
    if (zone) common.zones.push_back(zone->as_name());
    if (zones) {
      for (const auto& z : zones->as_list()) common.zones.push_back(z.as_name());
      if (common.zones.empty()) zones->fail("needs at least one zone");
    }
    if (auto f = fr.get("failures")) failure_nodes.emplace_back(*f, components_.size());
    std::unique_ptr<Component> comp = entry->factory(std::move(common), fr);
    fr.finish();
    for (const auto& rn : comp->replica_names()) {
      if (!replica_names.insert(rn).second)
        cnode.fail("the replica name '" + rn + "' is used twice: by this component and by another one (a component "
                   "named app with replicas has replicas app-0, app-1, ...; a component without replicas: is "
                   "named as it is); rename one of them",
                   true);
    }
    components_.push_back(std::move(comp));
  }
  r.finish();

  // References between components, then the call graph.
  IndexView index(components_);
  for (auto& c : components_) c->resolve(index);
  check_call_graph();

  bool has_client = false;
  for (const auto& c : components_)
    if (c->client_timeout() > 0) has_client = true;
  if (!has_client)
    comps.fail("no component of kind client: nothing would send requests (add e.g. "
               "clients: {kind: client, rate: 100/s, target: <name>})");

  // Zones used by links must exist.
  std::set<std::string> zones(declared_zones_.begin(), declared_zones_.end());
  for (const auto& c : components_)
    for (int i = 0; i < c->replica_count(); ++i) zones.insert(c->replica_zone(i));
  std::vector<std::string> zone_list(zones.begin(), zones.end());
  for (const auto& link : links_)
    for (const ConfigNode& end : link.ends) {
      const std::string z = end.as_name();
      if (!zones.count(z))
        end.fail("unknown zone '" + z + "'" + did_you_mean(z, zone_list) + "; zones: " +
                 join_alternatives(zone_list, ", ") +
                 " (a zone exists when a component names it, or when listed in network.zones)");
    }

  // Random failures and the fault schedule name components and zones.
  for (const auto& [node, index] : failure_nodes) failures_.push_back(parse_failures(node, *components_[index]));
  if (faults_node) faults_ = parse_faults(*faults_node, duration_, components_, zone_list);
}

void Scenario::parse_network(MapReader& nr) {
  auto params = [](MapReader& m, LinkParams& p) {
    if (auto l = m.get("latency")) {
      p.latency = l->as_duration_distribution();
      if (!std::isfinite(p.latency.mean()))
        l->fail("a link latency needs a finite mean (routing compares mean latencies); use a pareto shape > 1");
    }
    if (auto b = m.get("bandwidth")) {
      p.bandwidth_bps = b->as_bandwidth();
      if (!(p.bandwidth_bps > 0)) b->fail("must be a positive bandwidth, e.g. 1Gbps, got " + b->describe());
    }
    if (auto l = m.get("loss")) p.loss = l->as_fraction();
  };
  params(nr, default_link_);
  if (auto zones = nr.get("zones"))
    for (const auto& z : zones->as_list()) declared_zones_.push_back(z.as_name());
  if (auto links = nr.get("links")) {
    for (const auto& item : links->as_list()) {
      MapReader lr(item);
      const ConfigNode between = lr.require("between", "the two zones the link joins, e.g. between: [az-a, az-b]");
      const auto ends = between.as_list();
      if (ends.size() != 2) between.fail("a link joins exactly two zones, e.g. between: [az-a, az-b]");
      LinkConfig link{ends[0].as_name(), ends[1].as_name(), default_link_, ends};
      if (link.a == link.b) between.fail("a link joins two different zones; within a zone, network.latency applies");
      if (!lr.has("latency"))
        item.fail("missing field 'latency': the link's one-way latency, e.g. latency: 2ms");
      params(lr, link.params);
      lr.finish();
      links_.push_back(std::move(link));
    }
  }
}

void Scenario::check_call_graph() const {
  // Depth-first search for a cycle of requests (a calls b ... calls a), which
  // would make every request spawn requests without end.
  std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const Component&)> visit = [&](const Component& c) {
    state[c.name()] = 1;
    stack.push_back(c.name());
    for (const auto& d : c.downstream()) {
      Component* next = find(d);
      if (next == nullptr) {
        // A single replica named as a backend: follow its component.
        for (const auto& cc : components_)
          for (const auto& rn : cc->replica_names())
            if (rn == d) next = cc.get();
      }
      if (next == nullptr) continue;
      if (state[next->name()] == 1) {
        std::string cycle;
        auto it = std::find(stack.begin(), stack.end(), next->name());
        for (; it != stack.end(); ++it) cycle += *it + " -> ";
        cycle += next->name();
        c.config().fail("requests go round in a cycle (" + cycle + "); a call graph must not loop", true);
      }
      if (state[next->name()] == 0) visit(*next);
    }
    stack.pop_back();
    state[c.name()] = 2;
  };
  for (const auto& c : components_)
    if (state[c->name()] == 0) visit(*c);
}

Component* Scenario::find(const std::string& name) const {
  for (const auto& c : components_)
    if (c->name() == name) return c.get();
  return nullptr;
}

Time Scenario::max_client_timeout() const {
  Time t = 0;
  for (const auto& c : components_) t = std::max(t, c->client_timeout());
  return t;
}

Time Scenario::max_request_lifetime() const {
  Time t = 0;
  for (const auto& c : components_) t = std::max(t, c->request_lifetime());
  return t;
}

void Scenario::build(Simulation& sim, RequestMetrics& metrics, FaultInjector& faults, Tracer* tracer) {
  DSIM_CHECK_MSG(!used_, "a Scenario runs once; load it again for another run");
  used_ = true;
  Network& net = sim.network();
  net.set_default_link(default_link_);
  for (const auto& z : declared_zones_) net.add_zone(z);
  for (const auto& c : components_)
    for (int i = 0; i < c->replica_count(); ++i) net.add_zone(c->replica_zone(i));
  for (const auto& l : links_) net.add_link(*net.find_zone(l.a), *net.find_zone(l.b), l.params);
  if (tracer != nullptr)
    for (auto& c : components_) c->set_trace_id(tracer->add_component(c->name(), c->replica_names()));
  BuildContext ctx{sim, metrics, warmup_, duration_, max_client_timeout(), faults, tracer};
  for (auto& c : components_) c->build(ctx);
  net.finalize();
  IndexView index(components_);
  for (auto& c : components_) c->connect(index);
  sim.add_actor(faults);
  faults.setup(components_, faults_, failures_);
}

RunRecord Scenario::run(const RunOptions& options) {
  Simulation sim(seed_);
  RequestMetrics metrics(warmup_, duration_, window_);
  metrics.set_slo(slo_availability_);
  FaultInjector faults(sim, metrics, warmup_, duration_, max_request_lifetime());
  build(sim, metrics, faults, options.tracer);
  struct ProgressCtx {
    const RunOptions* options;
    Time duration;
  } pctx{&options, duration_};
  if (options.progress) {
    sim.set_observer(
        [](void* p, const Simulation& s) {
          auto* c = static_cast<ProgressCtx*>(p);
          c->options->progress(s.now(), c->duration, s.events_processed());
        },
        &pctx, 1u << 20);
  }
  for (auto& c : components_) c->start();
  faults.start();
  sim.run_until(duration_);
  Time end = duration_;
  if (metrics.outstanding() > 0) {
    // Arrivals have stopped; let requests in flight finish or time out. Each
    // client request resolves by its own timeout, so this is bounded.
    metrics.stop_when_drained(&sim);
    sim.run_until(duration_ + max_request_lifetime() + 1);
    DSIM_CHECK_MSG(metrics.outstanding() == 0, "client requests outlived their timeout");
    end = sim.now();
  }
  if (options.progress) options.progress(end, duration_, sim.events_processed());

  RunRecord rec;
  rec.scenario = name_;
  rec.seed = seed_;
  rec.duration = duration_;
  rec.warmup = warmup_;
  rec.window = window_;
  rec.end = end;
  rec.events = sim.events_processed();
  rec.messages_sent = sim.network().messages_sent();
  rec.messages_lost = sim.network().messages_lost();
  rec.messages_dropped = sim.network().messages_dropped();
  rec.slo_availability = slo_availability_;
  metrics.finish(end, rec);
  for (auto& c : components_) {
    c->finish_run();
    ComponentRecord cr;
    cr.name = c->name();
    cr.kind = c->kind();
    for (int i = 0; i < c->replica_count(); ++i)
      cr.replicas.push_back(ReplicaRecord{c->replica_name(i), c->replica_zone(i), {}});
    c->record(cr);
    rec.components.push_back(std::move(cr));
  }
  faults.finish(rec);
  if (options.tracer != nullptr) options.tracer->faults(rec.faults, end);
  return rec;
}

namespace {
std::string dot_id(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string link_label(const LinkParams& p) {
  std::string label = describe_distribution(p.latency);
  if (p.bandwidth_bps > 0) label += ", " + units::format_bandwidth(p.bandwidth_bps);
  if (p.loss > 0) {
    std::ostringstream s;
    s << "loss " << p.loss * 100 << "%";
    label += ", " + s.str();
  }
  return label;
}
}  // namespace

std::string Scenario::graph_dot() {
  Simulation sim(seed_);
  RequestMetrics metrics(warmup_, duration_, window_);
  metrics.set_slo(slo_availability_);
  FaultInjector faults(sim, metrics, warmup_, duration_, max_client_timeout());
  build(sim, metrics, faults, nullptr);
  const Network& net = sim.network();
  std::ostringstream out;
  out << "digraph " << dot_id(name_) << " {\n";
  out << "  graph [rankdir=LR, compound=true, fontname=\"Helvetica\", label="
      << dot_id(name_ + " - default link: " + link_label(net.default_link())) << "];\n";
  out << "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  out << "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (ZoneId z = 0; z < net.zone_count(); ++z) {
    out << "  subgraph " << dot_id("cluster_" + net.zone_name(z)) << " {\n";
    out << "    label=" << dot_id("zone " + net.zone_name(z)) << ";\n";
    out << "    " << dot_id("zone:" + net.zone_name(z)) << " [shape=point, style=invis];\n";
    for (const auto& c : components_)
      for (int i = 0; i < c->replica_count(); ++i)
        if (c->replica_zone(i) == net.zone_name(z))
          out << "    " << dot_id(c->replica_name(i)) << " [label="
              << dot_id(c->replica_name(i) + "\n" + c->kind()) << "];\n";
    out << "  }\n";
  }
  // Request paths, replica to replica.
  for (const auto& c : components_) {
    for (const auto& d : c->downstream()) {
      Component* target = find(d);
      std::vector<std::string> to;
      if (target != nullptr) to = target->replica_names();
      else to.push_back(d);  // a single replica named as a backend
      for (const auto& from : c->replica_names())
        for (const auto& t : to) out << "  " << dot_id(from) << " -> " << dot_id(t) << ";\n";
    }
  }
  // Explicit network links, between zone clusters.
  for (const auto& l : net.links()) {
    const std::string a = net.zone_name(l.a);
    const std::string b = net.zone_name(l.b);
    out << "  " << dot_id("zone:" + a) << " -> " << dot_id("zone:" + b) << " [dir=none, style=bold, color=gray40"
        << ", ltail=" << dot_id("cluster_" + a) << ", lhead=" << dot_id("cluster_" + b)
        << ", label=" << dot_id(link_label(l.params)) << "];\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace dsim
