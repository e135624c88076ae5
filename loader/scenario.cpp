#include "dsim/loader/scenario.h"

#include "dsim/models/client.h"

#include <charconv>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "dsim/loader/config.h"
#include "dsim/loader/config_yaml.h"
#include "dsim/loader/parse_faults.h"
#include "dsim/loader/parse_pricing.h"
#include "dsim/sim/units.h"

namespace dsim {

namespace {

constexpr std::size_t kMaxFileBytes = 16u << 20;
constexpr Time kMaxDuration = kMaxConfigDuration;
// Rows of the time series kept in memory (about 150 bytes each).
constexpr Time kMaxWindows = 1'000'000;
constexpr int kMaxReplicas = 100'000;
// Over the whole design (about 2.5 KB per replica, 100 B per slot: at most
// some 4.5 GB together). scenarios/README.md, "Limits".
constexpr std::uint64_t kMaxTotalReplicas = 1'000'000;
constexpr std::uint64_t kMaxTotalSlots = 20'000'000;
// YAML nodes (keys and values) in a scenario file: yaml-cpp spends about
// 500 bytes on each, so this bounds a load to about 1 GB, and it is checked
// as the file is read, before any tree is built.
constexpr std::size_t kMaxYamlNodes = 2'000'000;

[[noreturn]] void fail_file(const std::string& source, int line, int col, const std::string& msg) {
  throw DiagnosticError(Diagnostic{source, line, col, "", msg});
}

// Reads the YAML stream as events, one document at a time, without building
// anything: counts nodes against kMaxYamlNodes and finds where each document
// starts. (Never yaml-cpp 0.7's LoadAll: on a token no document consumes, such
// as a stray ',' on the first line, it appends empty documents forever.)
class DocumentScan final : public YAML::EventHandler {
 public:
  explicit DocumentScan(const std::string& source) : source_(source) {}
  struct Document {
    YAML::Mark start;  // where the document begins
    YAML::Mark first;  // its first node
    bool has_node = false;
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back(Document{mark, mark, false}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { node(mark); }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (!documents.empty() && !documents.back().has_node) {
      documents.back().first = mark;
      documents.back().has_node = true;
    }
    if (++nodes_ > kMaxYamlNodes)
      fail_file(source_, mark.line + 1, mark.column + 1,
                "the file holds over " + std::to_string(kMaxYamlNodes) +
                    " YAML values; a scenario describes a design in a few (use replicas: for many copies)");
  }
  const std::string& source_;
  std::size_t nodes_ = 0;
};

// One YAML document, or a located error: a second document, a character no
// document can start with, too many values.
YAML::Node load_one_document(std::string_view text, const std::string& source) {
  {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    DocumentScan scan(source);
    // At most two documents are read: enough to know there is a second.
    if (parser.HandleNextDocument(scan) && parser.HandleNextDocument(scan) && scan.documents.size() >= 2) {
      const DocumentScan::Document& first = scan.documents[0];
      const DocumentScan::Document& second = scan.documents[1];
      if (second.start.pos == first.start.pos) {
        // The parser did not move: something at the start no document can hold.
        const std::size_t at = static_cast<std::size_t>(std::max(0, first.start.pos));
        const std::string what = at < text.size() ? std::string(1, text[at]) : std::string();
        fail_file(source, first.start.line + 1, first.start.column + 1,
                  "invalid YAML: '" + what + "' cannot begin a document (a stray character?); "
                  "a scenario is a mapping of fields, e.g. duration: 10s");
      }
      const YAML::Mark m = second.has_node ? second.first : second.start;
      fail_file(source, m.line + 1, m.column + 1,
                "a scenario file holds one YAML document; this is a second one (after '---'): "
                "put it in a file of its own");
    }
  }
  return YAML::Load(std::string(text));  // reads the first document only
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
      len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (invalid_utf8_at(text.substr(i, std::min(len, text.size() - i))) != std::string_view::npos)
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

// The text of the file at `path` (at most kMaxFileBytes), or a
// DiagnosticError naming it: `prefix` opens each message ("--pricing: "),
// `noun` says what the file is ("scenario file"), `size_hint` follows the
// size limit's message.
std::string read_text_file(const std::string& path, const std::string& prefix, const std::string& noun,
                           const std::string& size_hint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_file(path, 0, 0, prefix + "cannot open the " + noun + " (does it exist, and is it readable?)");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) fail_file(path, 0, 0, prefix + "the file is larger than 16 MiB" + size_hint);
  }
  if (in.bad()) fail_file(path, 0, 0, prefix + "cannot read the file (is it a directory?)");
  return text;
}

// `text` as one YAML document, checked to be text first; every mistake a
// DiagnosticError located in `source`. `what` names the document in
// messages ("a scenario"), `empty` is the message when it holds nothing.
YAML::Node parse_yaml(std::string_view text, const std::string& source, const std::string& what,
                      const std::string& empty) {
  check_text(text, source);
  YAML::Node root;
  try {
    root = load_one_document(text, source);
  } catch (const YAML::DeepRecursion& e) {
    fail_file(source, e.mark.line + 1, e.mark.column + 1,
              "invalid YAML: lists or mappings nested too deeply (" + what + " needs a few levels)");
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 0 : e.mark.column + 1;
    fail_file(source, line, col, "invalid YAML: " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) fail_file(source, 1, 1, empty);
  return root;
}

// Where ConfigNodes read from `source` record their locations.
std::shared_ptr<ConfigContext> file_context(const std::string& source) {
  auto ctx = std::make_shared<ConfigContext>();
  ctx->file = std::make_shared<ConfigSource>(ConfigSource{source, true});
  ctx->sources = std::make_shared<SourceMap>();
  return ctx;
}

// Reads one scenario into a spec. Components stay mutable here until the
// spec is complete; the ConfigNodes of components and links are kept for
// messages about references, then dropped with the Loader.
class Loader {
 public:
  Loader(ScenarioSpec& spec, const LoadOptions& options) : spec_(spec), options_(options) {}
  void parse(const ConfigNode& root, const std::string& default_name);

 private:
  void parse_network(MapReader& nr);
  void parse_slo(MapReader& sr);
  void parse_check(const ConfigNode& node);
  void read_pricing(std::optional<ConfigNode> section);
  void check_pricing() const;
  void check_call_graph() const;
  void check_operations() const;
  std::optional<std::size_t> index_of(const std::string& name) const;
  // The component a component or replica name belongs to.
  std::optional<std::size_t> component_of(const std::string& name) const;

  ScenarioSpec& spec_;
  const LoadOptions& options_;
  std::vector<std::unique_ptr<ComponentSpec>> components_;
  std::vector<std::function<void(const ComponentIndex&)>> reference_checks_;
  std::vector<ConfigNode> component_nodes_;
  // Per component, where its pricing fields are written (for messages).
  struct PricingNodes {
    std::optional<ConfigNode> instance, priced_as, storage_gb, storage;
  };
  std::vector<PricingNodes> pricing_nodes_;
  std::optional<ConfigNode> max_cost_node_, stale_node_;
  std::vector<std::vector<ConfigNode>> link_ends_;  // per link, its two ends as written
  // Lookups by name (never iterated into results).
  std::map<std::string, std::size_t> by_name_;
  std::map<std::string, std::size_t> replica_owner_;
};

}  // namespace

LoadResult Scenario::load_file(const std::string& path, const LoadOptions& options) {
  std::string text;
  try {
    text = read_text_file(path, "", "scenario file", "; a scenario is a short YAML file");
  } catch (const DiagnosticError& e) {
    return e.diagnostic();
  }
  return load_text(text, path, options);
}

LoadResult Scenario::load_text(std::string_view text, const std::string& source, const LoadOptions& options) {
  try {
    YAML::Node root = parse_yaml(text, source, "a scenario",
                                 "the scenario is empty; expected a mapping with at least 'duration' and "
                                 "'components' (see scenarios/ecommerce.yaml)");
    const auto ctx = file_context(source);
    for (const auto& o : options.overrides) apply_override(root, o, *ctx);
    const ConfigNode node = ConfigAccess::root(root, ctx);
    if (!root.IsMap())
      node.fail("a scenario is a mapping of fields (name, duration, components, ...), got " + node.describe());
    auto spec = std::make_shared<ScenarioSpec>();
    Loader(*spec, options).parse(node, file_stem(source));
    return std::unique_ptr<Scenario>(new Scenario(std::move(spec), ctx->sources));
  } catch (const DiagnosticError& e) {
    return e.diagnostic();
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own errors while walking the tree (should not happen after a
    // successful parse, but a bad file must never end in a crash).
    return Diagnostic{source, e.mark.is_null() ? 0 : e.mark.line + 1,
                      e.mark.is_null() ? 0 : e.mark.column + 1, "", "invalid YAML: " + e.msg};
  }
}

void Loader::parse(const ConfigNode& root, const std::string& default_name) {
  MapReader r(root);
  spec_.name = default_name;
  if (auto n = r.get("name")) spec_.name = n->as_string();
  if (auto d = r.get("description")) spec_.description = d->as_string();
  if (auto s = r.get("seed")) {
    std::uint64_t v = 0;
    const std::string t = s->text();
    const auto res = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size())
      s->fail("must be an integer from 0 to 18446744073709551615, got " + s->describe());
    spec_.seed = v;
  }
  if (options_.seed) spec_.seed = *options_.seed;
  const ConfigNode dur = r.require("duration", "how long to simulate, e.g. duration: 60s");
  spec_.duration = dur.positive_duration();
  if (spec_.duration > kMaxDuration) dur.fail("must be at most 50 years of simulated time");
  if (auto w = r.get("warmup")) {
    spec_.warmup = w->non_negative_duration();
    if (spec_.warmup >= spec_.duration)
      w->fail("must be shorter than duration (" + units::format_duration(spec_.duration) +
              "): only requests sent after the warm-up and before the duration are measured");
  }
  // The time series holds at most kMaxWindows rows. Without metrics.window
  // the window is 1s, or 1m, or 1h: the first that keeps it so.
  spec_.window = kSecond;
  for (const Time w : {kMinute, kHour})
    if (spec_.duration / spec_.window > kMaxWindows) spec_.window = w;
  DSIM_CHECK(spec_.duration / spec_.window <= kMaxWindows);  // 50 years of hours fit
  if (auto m = r.get("metrics")) {
    MapReader mr(*m);
    if (auto w = mr.get("window")) {
      spec_.window = w->positive_duration();
      if (spec_.window < kMillisecond) w->fail("must be at least 1ms");
      if (spec_.duration / spec_.window > kMaxWindows)
        w->fail("is too small for this duration (over " + std::to_string(kMaxWindows) +
                " windows of the time series); give at least " +
                units::format_duration((spec_.duration + kMaxWindows - 1) / kMaxWindows) +
                ", or leave it out to get " +
                units::format_duration(spec_.duration / kSecond <= kMaxWindows    ? kSecond
                                       : spec_.duration / kMinute <= kMaxWindows ? kMinute
                                                                                 : kHour));
    }
    mr.finish();
  }
  if (auto net = r.get("network")) {
    MapReader nr(*net);
    parse_network(nr);
    nr.finish();
  }
  if (auto slo = r.get("slo")) {
    if (!slo->is_map())
      slo->fail("expected the objectives, e.g. slo: {availability: 99.9%, p99_latency: 200ms}, got " +
                slo->describe());
    MapReader sr(*slo);
    parse_slo(sr);
    sr.finish();
  }
  if (auto chk = r.get("check")) parse_check(*chk);
  std::optional<ConfigNode> pricing_node = r.get("pricing");
  if (auto cons = r.get("consistency")) {
    MapReader cr(*cons);
    if (auto h = cr.get("history_limit"))
      spec_.history_limit = static_cast<std::uint64_t>(h->int_in(0, 1'000'000'000));
    if (auto b = cr.get("linearizability_budget"))
      spec_.linearizability_budget = static_cast<std::uint64_t>(b->int_in(1, 1'000'000'000));
    cr.finish();
  }
  std::optional<ConfigNode> faults_node = r.get("faults");
  std::vector<std::pair<ConfigNode, std::size_t>> failure_nodes;  // (node, component index)

  const ModelRegistry& registry = options_.registry != nullptr ? *options_.registry : ModelRegistry::builtin();
  const ConfigNode comps = r.require("components", "the parts of the design, e.g. components: {app: {kind: service, ...}}");
  MapReader cr(comps);
  auto entries = cr.entries();
  if (entries.empty()) comps.fail("needs at least one component");
  std::set<std::string> replica_names;
  std::uint64_t total_replicas = 0;
  std::uint64_t total_slots = 0;
  for (auto& [cname, cnode] : entries) {
    bool ok = !cname.empty() && cname.size() <= 128 &&
              (std::isalnum(static_cast<unsigned char>(cname[0])) || cname[0] == '_');
    for (const char c : cname)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) ok = false;
    if (!ok)
      cnode.fail("invalid component name '" + cname +
                     "': use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'",
                 true);
    if (cname == "final")
      cnode.fail("the name 'final' is reserved: a history's final reads are made by a client of that name; choose "
                 "another",
                 true);
    MapReader fr(cnode);
    const ConfigNode kind_node = fr.require("kind", "the model, one of " + join_alternatives(registry.kinds()));
    const std::string kind = kind_node.as_string();
    const ModelRegistry::Entry* entry = registry.find(kind);
    if (entry == nullptr)
      kind_node.fail("unknown kind '" + kind + "'" + did_you_mean(kind, registry.kinds()) +
                     "; valid kinds: " + join_alternatives(registry.kinds()));
    ComponentCommon common{cname, kind, 1, false, {}};
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
    ParsedComponent parsed = entry->parser(std::move(common), fr);
    DSIM_CHECK_MSG(parsed.spec != nullptr && parsed.spec->name() == cname && parsed.spec->kind() == kind,
                   "a model's parser must return a spec with the component's name and kind");
    {
      const bool billed = parsed.spec->serves_requests();
      const bool store = parsed.spec->records_requests_received();
      parsed.spec->set_pricing(read_component_pricing(fr, kind, billed, store));
    }
    const auto written = [&fr](const char* f) { return fr.has(f) ? fr.get(f) : std::nullopt; };
    PricingNodes priced{written("instance"), written("priced_as"), written("storage_gb"), written("storage")};
    fr.finish();
    const ComponentSpec* comp = parsed.spec.get();
    total_replicas += static_cast<std::uint64_t>(comp->replica_count());
    total_slots += comp->slots();
    if (total_replicas > kMaxTotalReplicas)
      cnode.fail("the design is too large: with this component it has " + std::to_string(total_replicas) +
                     " replicas in all, over the limit of " + std::to_string(kMaxTotalReplicas) +
                     " (about 2.5 KB each); use fewer replicas, or model a group of machines as one service with "
                     "more workers",
                 true);
    if (total_slots > kMaxTotalSlots)
      cnode.fail("the design is too large: with this component it has " + std::to_string(total_slots) +
                     " workers and users in all (over every replica), over the limit of " +
                     std::to_string(kMaxTotalSlots) + " (about 100 B each); use fewer replicas, workers or users",
                 true);
    for (const auto& rn : comp->replica_names()) {
      if (!replica_names.insert(rn).second)
        cnode.fail("the replica name '" + rn + "' is used twice: by this component and by another one (a component "
                   "named app with replicas has replicas app-0, app-1, ...; a component without replicas: is "
                   "named as it is); rename one of them",
                   true);
    }
    by_name_.emplace(cname, components_.size());
    for (const auto& rn : comp->replica_names()) replica_owner_.emplace(rn, components_.size());
    components_.push_back(std::move(parsed.spec));
    reference_checks_.push_back(std::move(parsed.check_references));
    if (parsed.check_run) parsed.check_run(spec_.duration);
    component_nodes_.push_back(cnode);
    pricing_nodes_.push_back(std::move(priced));
  }
  r.finish();
  read_pricing(pricing_node);
  check_pricing();

  // References between components, then the call graph.
  const ComponentIndex index(components_);
  for (const auto& check : reference_checks_)
    if (check) check(index);
  check_call_graph();
  check_operations();

  bool has_client = false;
  for (const auto& c : components_)
    if (c->client_timeout() > 0) has_client = true;
  if (!has_client)
    comps.fail("no component of kind client: nothing would send requests (add e.g. "
               "clients: {kind: client, rate: 100/s, target: <name>})");

  // Zones used by links must exist.
  std::set<std::string> zones(spec_.network.zones.begin(), spec_.network.zones.end());
  for (const auto& c : components_)
    for (int i = 0; i < c->replica_count(); ++i) zones.insert(c->replica_zone(i));
  std::vector<std::string> zone_list(zones.begin(), zones.end());
  for (const auto& ends : link_ends_)
    for (const ConfigNode& end : ends) {
      const std::string z = end.as_name();
      if (!zones.count(z))
        end.fail("unknown zone '" + z + "'" + did_you_mean(z, zone_list) + "; zones: " +
                 join_alternatives(zone_list, ", ") +
                 " (a zone exists when a component names it, or when listed in network.zones)");
    }

  // Random failures and the fault schedule name components and zones.
  for (const auto& [node, i] : failure_nodes) spec_.failures.push_back(parse_failures(node, *components_[i], i));
  if (faults_node) spec_.faults = parse_faults(*faults_node, spec_.duration, components_, zone_list);

  for (auto& c : components_) spec_.components.push_back(std::move(c));
}

void Loader::parse_slo(MapReader& sr) {
  Objectives& o = spec_.objectives;
  if (auto a = sr.get("availability")) {
    spec_.slo_availability = a->as_fraction();
    if (!(spec_.slo_availability > 0.0 && spec_.slo_availability <= 1.0))
      a->fail("must be a fraction above 0 and at most 100%, e.g. 99.9%, got " + a->describe());
    o.availability = spec_.slo_availability;
  }
  if (auto e = sr.get("error_rate")) o.error_rate = e->as_fraction();
  const auto latency = [](const ConfigNode& n) {
    if (n.is_scalar() && units::parse_number(n.text()).ok())
      n.fail("needs a unit: a latency such as 200ms or 1.5s, got " + n.describe());
    const Time t = n.as_duration();
    if (t <= 0) n.fail("must be a latency above 0, such as 200ms, got " + n.describe());
    return t;
  };
  if (auto l = sr.get("p50_latency")) o.p50_latency = latency(*l);
  if (auto l = sr.get("p99_latency")) o.p99_latency = latency(*l);
  if (auto l = sr.get("p999_latency")) o.p999_latency = latency(*l);
  if (auto t = sr.get("min_throughput")) {
    if (t->is_scalar() && units::parse_number(t->text()).ok())
      t->fail("needs a unit: successful requests per second such as 5000/s, got " + t->describe());
    o.min_throughput = t->as_rate();
    if (!(*o.min_throughput >= 0) || !(*o.min_throughput <= 1e12))
      t->fail("must be a rate from 0 to 1e12/s, such as 5000/s, got " + t->describe());
  }
  if (auto c = sr.get("max_cost_per_month")) {
    std::string t = c->is_scalar() ? c->text() : std::string();
    if (!t.empty() && t[0] == '$') t.erase(0, 1);
    const auto p = units::parse_number(t);
    if (!c->is_scalar() || !p.ok() || !(p.value >= 0 && p.value <= 1e12))
      c->fail("must be US dollars a month, a number from 0 to 1e12 such as 1500 (or \"$1500\"), got " +
              c->describe());
    o.max_cost_per_month = p.value;
    max_cost_node_ = c;
  }
  if (auto st = sr.get("max_stale_read_rate")) {
    o.max_stale_read_rate = st->as_fraction();
    stale_node_ = st;
  }
}

void Loader::parse_check(const ConfigNode& node) {
  if (!node.is_map())
    node.fail("expected how dsim check compares runs, e.g. check: {seeds: 5, tolerance: 5%}, got " + node.describe());
  MapReader r(node);
  CheckSpec& c = spec_.regression;
  if (auto k = r.get("seeds")) c.seeds = static_cast<int>(k->int_in(1, 10000));
  if (auto cf = r.get("confidence")) {
    c.confidence = cf->as_fraction();
    if (!(*c.confidence > 0.0 && *c.confidence < 1.0))
      cf->fail("must be a confidence level above 0% and below 100%, e.g. 95%, got " + cf->describe());
  }
  // A relative tolerance: a percentage at least 0% (it may exceed 100%).
  const auto relative = [](const ConfigNode& n) {
    const std::string t = n.is_scalar() ? n.text() : std::string();
    const auto p = units::parse_fraction(t);
    if (!n.is_scalar() || !p.ok() || !std::isfinite(p.value) || p.value < 0)
      n.fail("must be a relative tolerance, a percentage at least 0% such as 5%, got " + n.describe());
    if (p.value > 1.0 && t.find('%') == std::string::npos)
      n.fail("a bare number is a fraction (" + t + " would be " + std::to_string(static_cast<long long>(100 * p.value)) +
             "%): write a percentage such as " + t + "%, or a fraction at most 1 such as 0.05");
    return p.value;
  };
  if (auto t = r.get("tolerance")) c.tolerance = relative(*t);
  if (auto f = r.get("tolerances")) {
    if (!f->is_map())
      f->fail("expected figures and their tolerances, e.g. {latency_ms.p99: 10%, availability: {absolute: 0.001}}, got " +
              f->describe());
    MapReader fr(*f);
    for (auto& [pattern, v] : fr.entries()) {
      FigureTolerance ft;
      ft.pattern = pattern;
      if (pattern.empty()) v.fail("a figure's name cannot be empty", true);
      if (v.is_scalar() && (v.text() == "ignore" || v.text() == "none")) {
        ft.ignore = true;
      } else if (v.is_scalar()) {
        ft.relative = relative(v);
      } else {
        if (!v.is_map())
          v.fail("expected a tolerance: a percentage (relative), {relative: 5%, absolute: 0.001}, or ignore; got " +
                 v.describe());
        MapReader tr(v);
        auto rel = tr.get("relative");
        auto ab = tr.get("absolute");
        if (!rel && !ab)
          v.fail("give relative (a percentage), absolute (in the figure's own unit) or both, e.g. {relative: 5%, "
                 "absolute: 0.001}; or ignore");
        if (rel) ft.relative = relative(*rel);
        if (ab) {
          const auto p = units::parse_number(ab->is_scalar() ? ab->text() : std::string());
          if (!ab->is_scalar() || !p.ok() || !std::isfinite(p.value) || p.value < 0)
            ab->fail("must be a number at least 0 in the figure's own unit, without a unit sign (ms for latency_ms.*, "
                     "a fraction for availability, US dollars for cost.*, a count for failures), got " +
                     ab->describe());
          ft.absolute = p.value;
        }
        tr.finish();
      }
      c.figures.push_back(std::move(ft));
    }
  }
  r.finish();
}

namespace {

// The shipped catalog, read once.
const PriceCatalog& shipped_catalog() {
  static const PriceCatalog catalog = [] {
    PriceCatalog c;
    read_price_catalog(ConfigAccess::root(YAML::Load(kShippedPriceCatalog), file_context("<shipped pricing catalog>")),
                       c);
    return c;
  }();
  return catalog;
}

// Reads a --pricing file into `catalog`; its mistakes are located in it.
void read_pricing_file(const std::string& path, PriceCatalog& catalog) {
  const std::string text = read_text_file(path, "--pricing: ", "pricing file", "");
  const YAML::Node root = parse_yaml(text, path, "a pricing catalog",
                                     "the pricing file is empty; expected e.g. instances: {m6i.large: {per_hour: 0.096}}");
  read_price_catalog(ConfigAccess::root(root, file_context(path)), catalog);
}

template <class Map>
std::vector<std::string> names_of(const Map& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

}  // namespace

void Loader::read_pricing(std::optional<ConfigNode> section) {
  // The catalogs are read when something may use them (a design that
  // prices nothing loads without them).
  bool named = section.has_value() || !options_.pricing_files.empty() || max_cost_node_.has_value();
  for (const PricingNodes& n : pricing_nodes_) named = named || n.instance || n.priced_as || n.storage_gb || n.storage;
  if (!named) return;
  spec_.pricing = shipped_catalog();
  if (section) read_price_catalog(*section, spec_.pricing);
  for (const auto& f : options_.pricing_files) read_pricing_file(f, spec_.pricing);
}

void Loader::check_pricing() const {
  const PriceCatalog& cat = spec_.pricing;
  bool priced = false;
  bool store = false;
  bool mix = false;
  for (std::size_t i = 0; i < components_.size(); ++i) {
    const ComponentSpec& c = *components_[i];
    const ComponentPricing& p = c.common().pricing;
    const PricingNodes& n = pricing_nodes_[i];
    store = store || c.serves_operations();
    if (const auto* client = dynamic_cast<const ClientSpec*>(&c); client && client->config().mix) mix = true;
    priced = priced || p.any();
    if (n.storage && !n.storage_gb)
      n.storage->fail("names the price of storage_gb, which is not given: add storage_gb: GB", true);
    const auto known = [](const ConfigNode& node, const std::string& name, const auto& entries, const char* section) {
      if (entries.count(name)) return;
      const std::vector<std::string> all = names_of(entries);
      node.fail("unknown " + std::string(section) + " price '" + name + "'" + did_you_mean(name, all) +
                "; the catalog has " + join_alternatives(all, ", ") +
                " (analysis/pricing/catalog.yaml describes each; add your own in the scenario's pricing: section or with "
                "--pricing FILE)");
    };
    if (n.instance) known(*n.instance, p.instance, cat.instances, "instance");
    if (n.priced_as) known(*n.priced_as, p.priced_as, cat.requests, "request");
    if (n.storage_gb) {
      const std::string s = storage_price_name(p, cat);
      if (!cat.storage.count(s)) {
        const ConfigNode& at = n.storage ? *n.storage : *n.storage_gb;
        known(at, s, cat.storage, "storage");
      }
    }
  }
  if (max_cost_node_ && !priced)
    max_cost_node_->fail("nothing in this design is priced, so its cost is 0: name what components run on, e.g. "
                         "instance: m6i.large on a service (scenarios/README.md, \"Cost\")");
  if (stale_node_ && !(store && mix))
    stale_node_->fail("stale reads are measured on the reads and writes of keys: this design needs a store (kind "
                      "replicated_store) and a client with a mix reading from it");
}

void Loader::parse_network(MapReader& nr) {
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
  LinkParams& default_link = spec_.network.default_link;
  params(nr, default_link);
  if (auto zones = nr.get("zones"))
    for (const auto& z : zones->as_list()) spec_.network.zones.push_back(z.as_name());
  if (auto links = nr.get("links")) {
    for (const auto& item : links->as_list()) {
      MapReader lr(item);
      const ConfigNode between = lr.require("between", "the two zones the link joins, e.g. between: [az-a, az-b]");
      const auto ends = between.as_list();
      if (ends.size() != 2) between.fail("a link joins exactly two zones, e.g. between: [az-a, az-b]");
      LinkSpec link{ends[0].as_name(), ends[1].as_name(), default_link};
      if (link.a == link.b) between.fail("a link joins two different zones; within a zone, network.latency applies");
      if (!lr.has("latency"))
        item.fail("missing field 'latency': the link's one-way latency, e.g. latency: 2ms");
      params(lr, link.params);
      lr.finish();
      spec_.network.links.push_back(std::move(link));
      link_ends_.push_back(ends);
    }
  }
}

void Loader::check_call_graph() const {
  // Depth-first search for a cycle of requests (a calls b ... calls a), which
  // would make every request spawn requests without end. Iterative, with
  // its own stack: a chain of 100,000 services must not overflow the
  // thread's.
  std::vector<int> state(components_.size(), 0);  // 0 new, 1 on the path, 2 done
  struct Frame {
    std::size_t component;
    std::vector<std::string> downstream;
    std::size_t next = 0;
  };
  std::vector<Frame> path;
  for (std::size_t root = 0; root < components_.size(); ++root) {
    if (state[root] != 0) continue;
    state[root] = 1;
    path.push_back(Frame{root, components_[root]->downstream()});
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next == f.downstream.size()) {
        state[f.component] = 2;
        path.pop_back();
        continue;
      }
      // A component, or a single replica named as a backend: its component.
      const std::optional<std::size_t> next = component_of(f.downstream[f.next++]);
      if (!next) continue;
      if (state[*next] == 1) {
        std::string cycle;
        std::size_t k = 0;
        while (path[k].component != *next) ++k;
        for (; k < path.size(); ++k) cycle += components_[path[k].component]->name() + " -> ";
        cycle += components_[*next]->name();
        component_nodes_[f.component].fail("requests go round in a cycle (" + cycle + "); a call graph must not loop",
                                           true);
      }
      if (state[*next] == 0) {
        state[*next] = 1;
        path.push_back(Frame{*next, components_[*next]->downstream()});
      }
    }
  }
}

void Loader::check_operations() const {
  // Reads and writes of keys and stores go together: a client with a mix
  // must reach a store, a client without one must not, and the keys of a
  // history belong to one store.
  std::optional<std::size_t> the_store;
  for (std::size_t c = 0; c < components_.size(); ++c) {
    const auto* client = dynamic_cast<const ClientSpec*>(components_[c].get());
    if (client == nullptr) continue;
    std::vector<std::size_t> stores;
    std::vector<bool> seen(components_.size(), false);
    std::vector<std::size_t> stack{c};
    seen[c] = true;
    while (!stack.empty()) {
      const std::size_t at = stack.back();
      stack.pop_back();
      if (components_[at]->serves_operations()) stores.push_back(at);
      for (const auto& d : components_[at]->downstream())
        if (const auto next = component_of(d); next && !seen[*next]) {
          seen[*next] = true;
          stack.push_back(*next);
        }
    }
    std::sort(stores.begin(), stores.end());
    MapReader fields(component_nodes_[c]);
    // Where the client's operations come from: its mix, or the trace it
    // replays (a trace with operations).
    auto mix = fields.get("mix");
    if (!mix) mix = fields.get("replay");
    const std::string& name = components_[c]->name();
    if (client->config().mix && stores.empty())
      mix->fail("the client's reads and writes reach no replicated_store (from target '" + client->config().target +
                "'): target a store, or a balancer or service that calls one", true);
    if (!client->config().mix && !stores.empty())
      component_nodes_[c].fail("the requests of client '" + name + "' reach replicated_store '" +
                                   components_[stores[0]]->name() +
                                   "', which serves reads and writes of keys: give the client a mix, "
                                   "e.g. mix: {read: 0.9, write: 0.1}",
                               true);
    if (stores.size() > 1)
      mix->fail("the client's operations reach two stores ('" + components_[stores[0]]->name() + "' and '" +
                    components_[stores[1]]->name() + "'); a history's keys belong to one store, so a client may "
                    "reach only one",
                true);
    if (!stores.empty()) {
      if (the_store && *the_store != stores[0])
        mix->fail("this client's operations reach store '" + components_[stores[0]]->name() +
                      "' and another client's reach '" + components_[*the_store]->name() +
                      "'; the clients of one scenario share one history, so they may reach only one store",
                  true);
      the_store = stores[0];
    }
  }
}

std::optional<std::size_t> Loader::component_of(const std::string& name) const {
  if (auto c = index_of(name)) return c;
  if (auto it = replica_owner_.find(name); it != replica_owner_.end()) return it->second;
  return std::nullopt;
}

std::optional<std::size_t> Loader::index_of(const std::string& name) const {
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  return std::nullopt;
}

}  // namespace dsim
