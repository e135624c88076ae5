#include "dsim/loader/config.h"

#include "dsim/loader/config_yaml.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "dsim/sim/units.h"

namespace dsim {

const std::string& ConfigNode::path() const { return impl_->path; }
bool ConfigNode::is_null() const { return !impl_->node.IsDefined() || impl_->node.IsNull(); }
bool ConfigNode::is_scalar() const { return impl_->node.IsScalar(); }
bool ConfigNode::is_map() const { return impl_->node.IsMap(); }
bool ConfigNode::is_list() const { return impl_->node.IsSequence(); }
std::string ConfigNode::text() const { return is_scalar() ? impl_->node.Scalar() : std::string(); }

std::string ConfigNode::resolve_path(const std::string& written) const {
  const std::filesystem::path p(written);
  if (p.is_absolute() || !impl_->ctx || !impl_->ctx->file) return written;
  const std::filesystem::path folder = std::filesystem::path(impl_->ctx->file->name).parent_path();
  return folder.empty() ? written : (folder / p).lexically_normal().string();
}

std::string ConfigNode::describe() const {
  if (is_null()) return "nothing";
  if (impl_->node.IsScalar()) {
    std::string s = impl_->node.Scalar();
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return "'" + s + "'";
  }
  if (impl_->node.IsMap()) return "a mapping";
  if (impl_->node.IsSequence()) return "a list";
  return "an unknown YAML node";
}

std::pair<int, int> ConfigNode::location(bool at_key) const {
  const YAML::Mark m = at_key && !impl_->key_mark.is_null() ? impl_->key_mark : impl_->node.Mark();
  if (m.is_null() || m.line < 0) {
    if (!impl_->key_mark.is_null() && impl_->key_mark.line >= 0) return {impl_->key_mark.line + 1, impl_->key_mark.column + 1};
    return {0, 0};
  }
  return {m.line + 1, m.column + 1};
}

Diagnostic ConfigNode::diagnostic(const std::string& message, bool at_key) const {
  Diagnostic d;
  d.source = impl_->source->name;
  if (impl_->source->has_lines) {
    const auto [line, col] = location(at_key);
    d.line = line;
    d.column = col;
  }
  d.field = impl_->path;
  d.message = message;
  return d;
}

SourceLocation ConfigNode::source_location(bool at_key) const {
  const Diagnostic d = diagnostic("", at_key);
  return SourceLocation{d.source, d.line, d.column};
}

void ConfigNode::fail(const std::string& message, bool at_key) const {
  throw DiagnosticError(diagnostic(message, at_key));
}

ConfigNode ConfigAccess::child(const ConfigNode& parent, const YAML::Node& key, const YAML::Node& value,
                               const std::string& key_text) {
  const ConfigNode::Impl& p = *parent.impl_;
  auto impl = std::make_shared<ConfigNode::Impl>();
  impl->source = p.source;
  for (const auto& [root, override_source] : p.ctx->overrides)
    if (value.is(root)) impl->source = override_source;
  if (key_text.empty() || key_text[0] == '[') impl->path = p.path + key_text;
  else impl->path = p.path.empty() ? key_text : p.path + "." + key_text;
  impl->node = value;
  impl->ctx = p.ctx;
  impl->key_mark = key.IsDefined() ? key.Mark() : YAML::Mark::null_mark();
  return ConfigNode(std::move(impl));
}

std::size_t invalid_utf8_at(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c == 0xED) len = 3, hi = 0x9F;  // no surrogates
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;  // nothing above U+10FFFF
    else return i;
    if (i + len > text.size()) return i;
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (c1 < lo || c1 > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string ConfigNode::scalar_text(std::string_view expected) const {
  if (is_null()) fail("missing value; expected " + std::string(expected));
  if (!impl_->node.IsScalar()) fail("expected " + std::string(expected) + ", got " + describe());
  const std::string& s = impl_->node.Scalar();
  // Escapes in quoted YAML ("\ud800") can make text that is not UTF-8.
  if (invalid_utf8_at(s) != std::string_view::npos)
    fail("not valid UTF-8 text (an escape such as \\ud800 gives a lone surrogate); expected " +
         std::string(expected));
  return s;
}

std::string ConfigNode::as_string() const { return scalar_text("a string"); }

std::string ConfigNode::as_name() const {
  const std::string s = scalar_text("a name");
  bool ok = !s.empty() && s.size() <= 128;
  for (const char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) ok = false;
  if (ok && !(std::isalnum(static_cast<unsigned char>(s[0])) || s[0] == '_')) ok = false;
  if (!ok)
    fail("invalid name " + describe() +
         ": use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'");
  return s;
}

std::int64_t ConfigNode::as_int() const {
  const std::string s = scalar_text("an integer");
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto res = std::from_chars(s.data(), end, v);
  if (res.ec == std::errc() && res.ptr == end) return v;
  // Also accept integral numbers written as 1e6 or 4.0.
  double d = 0;
  auto res2 = std::from_chars(s.data(), end, d);
  if (res2.ec == std::errc() && res2.ptr == end && std::isfinite(d) && d == std::floor(d) &&
      std::fabs(d) < 9e15)
    return static_cast<std::int64_t>(d);
  fail("expected an integer, got " + describe());
}

double ConfigNode::as_number() const {
  const std::string s = scalar_text("a number");
  const auto p = units::parse_number(s);
  if (!p.ok()) fail(p.error);
  return p.value;
}

Time ConfigNode::as_duration() const {
  const auto p = units::parse_duration(scalar_text("a duration such as 10ms or 1.5s"));
  if (!p.ok()) fail(p.error);
  if (std::fabs(p.value) > static_cast<double>(kMaxConfigDuration))
    fail("durations are limited to 50 years of simulated time, got " + describe());
  return static_cast<Time>(p.value);
}

double ConfigNode::as_rate() const {
  const auto p = units::parse_rate(scalar_text("a rate such as 2000/s"));
  if (!p.ok()) fail(p.error);
  return p.value;
}

double ConfigNode::as_size() const {
  const auto p = units::parse_size(scalar_text("a size such as 1KB"));
  if (!p.ok()) fail(p.error);
  return p.value;
}

double ConfigNode::as_bandwidth() const {
  const auto p = units::parse_bandwidth(scalar_text("a bandwidth such as 1Gbps"));
  if (!p.ok()) fail(p.error);
  return p.value;
}

double ConfigNode::as_fraction() const {
  const auto p = units::parse_fraction(scalar_text("a percentage such as 0.1%"));
  if (!p.ok()) fail(p.error);
  if (p.value < 0.0 || p.value > 1.0)
    fail("must be between 0% and 100%, got " + describe());
  return p.value;
}

std::vector<ConfigNode> ConfigNode::as_list() const {
  if (is_null()) fail("missing value; expected a list");
  if (!impl_->node.IsSequence()) fail("expected a list, got " + describe());
  std::vector<ConfigNode> out;
  std::size_t i = 0;
  for (const auto& item : impl_->node) {
    out.push_back(ConfigAccess::child(*this, YAML::Node(), item, "[" + std::to_string(i) + "]"));
    ++i;
  }
  return out;
}

std::int64_t ConfigNode::int_in(std::int64_t lo, std::int64_t hi) const {
  const std::int64_t v = as_int();
  if (v < lo || v > hi)
    fail("must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
         describe());
  return v;
}

Time ConfigNode::positive_duration() const {
  const Time v = as_duration();
  if (v <= 0) fail("must be a positive duration (greater than 0), got " + describe());
  return v;
}

Time ConfigNode::non_negative_duration() const {
  const Time v = as_duration();
  if (v < 0) fail("must not be negative, got " + describe());
  return v;
}

namespace {

const std::vector<std::string> kDistNames = {"constant", "uniform", "exponential", "normal", "lognormal",
                                             "pareto",   "weibull", "empirical",   "mixture"};

double positive_dur(const ConfigNode& n) { return static_cast<double>(n.positive_duration()); }
double non_negative_dur(const ConfigNode& n) { return static_cast<double>(n.non_negative_duration()); }
double positive_shape(const ConfigNode& n) {
  const double v = n.as_number();
  if (!(v > 0.0) || v > 1e6) n.fail("must be a positive number (the shape parameter), got " + n.describe());
  return v;
}
// Weibull shapes below 0.05 have means beyond any double (Gamma(1 + 1/k)).
double weibull_shape(const ConfigNode& n) {
  const double v = positive_shape(n);
  if (v < 0.05) n.fail("must be at least 0.05 for a weibull (smaller shapes have no usable mean), got " + n.describe());
  return v;
}

Distribution parse_empirical(MapReader& r) {
  const ConfigNode points_node =
      r.require("points", "percentile points such as {p0: 1ms, p50: 2ms, p99: 9ms, p100: 20ms}");
  MapReader points(points_node);
  std::vector<Distribution::Point> pts;
  for (auto& [key, value] : points.entries()) {
    double p = -1;
    if (key.size() >= 2 && key[0] == 'p') {
      const auto parsed = units::parse_number(std::string_view(key).substr(1));
      if (parsed.ok()) p = parsed.value;
    }
    if (!(p >= 0.0 && p <= 100.0))
      value.fail("percentile keys are p0 to p100 (e.g. p50, p99.9), got '" + key + "'", true);
    const double v = non_negative_dur(value);
    if (!pts.empty() && p <= pts.back().p * 100.0)
      value.fail("percentiles must be listed in increasing order");
    if (!pts.empty() && v < pts.back().value)
      value.fail("values must not decrease as the percentile grows (" + key + " is below the previous point)");
    pts.push_back({p / 100.0, v});
  }
  if (pts.empty() || pts.front().p != 0.0)
    points_node.fail("an empirical distribution needs p0, the smallest value");
  if (pts.back().p != 1.0) points_node.fail("an empirical distribution needs p100, the largest value");
  return Distribution::empirical(std::move(pts));
}

// The distribution a mapping describes, read through `r` (the caller
// finishes it: a mixture's component also has its weight there).
Distribution duration_distribution_in(const ConfigNode& self, MapReader& r, bool component) {
  const ConfigNode dist_node = r.require("dist", "the distribution's name: " + join_alternatives(kDistNames));
  const std::string dist = dist_node.as_string();
  Distribution d;
  if (dist == "constant") {
    d = Distribution::constant(non_negative_dur(r.require("value", "the constant duration, e.g. 2ms")));
  } else if (dist == "uniform") {
    const ConfigNode lo = r.require("min", "the smallest value, e.g. 1ms");
    const ConfigNode hi = r.require("max", "the largest value, e.g. 3ms");
    const double a = non_negative_dur(lo);
    const double b = non_negative_dur(hi);
    if (b < a) hi.fail("max must not be below min");
    d = Distribution::uniform(a, b);
  } else if (dist == "exponential") {
    d = Distribution::exponential(positive_dur(r.require("mean", "the mean duration, e.g. 2ms")));
  } else if (dist == "normal") {
    const ConfigNode mean = r.require("mean", "the mean duration, e.g. 10ms");
    const ConfigNode sd = r.require("stddev", "the standard deviation, e.g. 2ms");
    d = Distribution::normal(positive_dur(mean), non_negative_dur(sd));
  } else if (dist == "lognormal") {
    auto mean = r.get("mean");
    auto sd = r.get("stddev");
    auto median = r.get("median");
    auto p99 = r.get("p99");
    if (mean && median) median->fail("give either mean and stddev, or median and p99, not both", true);
    if (median || p99) {
      if (!median) self.fail("a lognormal given by p99 also needs median, e.g. {dist: lognormal, median: 1ms, p99: 5ms}");
      if (!p99) self.fail("a lognormal given by median also needs p99, e.g. {dist: lognormal, median: 1ms, p99: 5ms}");
      if (sd) sd->fail("stddev goes with mean; with median, give p99", true);
      const double m = positive_dur(*median);
      const double p = positive_dur(*p99);
      if (p < m) p99->fail("p99 must not be below the median");
      d = Distribution::lognormal_median_p99(m, p);
    } else {
      if (!mean) self.fail("a lognormal needs mean and stddev, or median and p99, e.g. {dist: lognormal, median: 1ms, p99: 5ms}");
      if (!sd) self.fail("a lognormal given by mean also needs stddev, e.g. {dist: lognormal, mean: 2ms, stddev: 1ms}");
      d = Distribution::lognormal(positive_dur(*mean), non_negative_dur(*sd));
    }
  } else if (dist == "pareto") {
    const ConfigNode shape_node = r.require("shape", "the tail index alpha, e.g. 2.5");
    const double shape = positive_shape(shape_node);
    auto min = r.get("min");
    auto mean = r.get("mean");
    if (min && mean) mean->fail("give either min or mean, not both", true);
    if (mean) {
      if (shape <= 1.0) shape_node.fail("a pareto given by its mean needs shape > 1 (the mean is infinite otherwise)");
      d = Distribution::pareto_mean(positive_dur(*mean), shape);
    } else {
      if (!min) self.fail("a pareto needs min (the scale) or mean, e.g. {dist: pareto, min: 1ms, shape: 2.5}");
      d = Distribution::pareto(positive_dur(*min), shape);
    }
  } else if (dist == "weibull") {
    const double shape = weibull_shape(r.require("shape", "the shape k, e.g. 1.5"));
    auto scale = r.get("scale");
    auto mean = r.get("mean");
    if (scale && mean) mean->fail("give either scale or mean, not both", true);
    if (mean) d = Distribution::weibull_mean(positive_dur(*mean), shape);
    else if (scale) d = Distribution::weibull(positive_dur(*scale), shape);
    else self.fail("a weibull needs scale or mean, e.g. {dist: weibull, scale: 2ms, shape: 1.5}");
  } else if (dist == "empirical") {
    d = parse_empirical(r);
  } else if (dist == "mixture") {
    if (component) dist_node.fail("a mixture's components cannot themselves be mixtures: list their components instead");
    const ConfigNode of = r.require("of", "the components, e.g. of: [{weight: 0.9, dist: exponential, mean: 1ms}, "
                                          "{weight: 0.1, dist: constant, value: 20ms}]");
    const std::vector<ConfigNode> items = of.as_list();
    if (items.empty()) of.fail("needs at least one component, e.g. [{weight: 1, dist: exponential, mean: 1ms}]");
    std::vector<Distribution::Weighted> parts;
    for (const ConfigNode& item : items) {
      if (!item.is_map())
        item.fail("expected a component such as {weight: 0.9, dist: exponential, mean: 1ms}, got " + item.describe());
      MapReader ir(item);
      const ConfigNode w = ir.require("weight", "the component's share, any positive number (weights are normalised)");
      const double weight = w.as_number();
      if (!(weight > 0) || !std::isfinite(weight)) w.fail("must be a positive number, got " + w.describe());
      parts.push_back(Distribution::Weighted{weight, duration_distribution_in(item, ir, true)});
      ir.finish();
    }
    double total = 0;
    for (const auto& part : parts) total += part.weight;
    if (!std::isfinite(total)) of.fail("the weights sum to more than a double holds: scale them down");
    d = Distribution::mixture(parts);
  } else {
    dist_node.fail("unknown distribution '" + dist + "'" + did_you_mean(dist, kDistNames) +
                   "; valid: " + join_alternatives(kDistNames));
  }
  return d;
}

}  // namespace

Distribution ConfigNode::as_duration_distribution() const {
  if (is_null())
    fail("missing value; expected a duration such as 2ms or a distribution such as "
         "{dist: exponential, mean: 2ms}");
  if (is_scalar()) {
    const Time v = as_duration();
    if (v < 0) fail("must not be negative, got " + describe());
    return Distribution::constant(static_cast<double>(v));
  }
  if (!is_map())
    fail("expected a duration such as 2ms or a distribution such as {dist: exponential, mean: 2ms}, got " +
         describe());
  MapReader r(*this);
  Distribution d = duration_distribution_in(*this, r, false);
  r.finish();
  return d;
}

// ---------------------------------------------------------------------------

MapReader::MapReader(const ConfigNode& node) : node_(node) {
  if (node.is_null()) node.fail("missing value; expected a mapping of fields");
  if (!node.is_map()) node.fail("expected a mapping of fields, got " + node.describe());
  const YAML::Node& yaml = ConfigAccess::impl(node).node;
  for (auto it = yaml.begin(); it != yaml.end(); ++it) {
    // By value: yaml-cpp's iterator hands out a temporary pair, so a
    // reference to it->first would dangle after this statement.
    const YAML::Node key = it->first;
    const YAML::Node val = it->second;
    if (!key.IsScalar()) {
      ConfigNode k = ConfigAccess::child(node, key, key, "");
      k.fail("field names must be plain strings");
    }
    const std::string name = key.Scalar();
    ConfigNode value = ConfigAccess::child(node, key, val, name);
    if (const auto seen = index_.find(name); seen != index_.end()) {
      const auto loc = items_[seen->second].second.diagnostic("").line;
      value.fail("duplicate field '" + name + "'" +
                     (loc > 0 ? " (first given on line " + std::to_string(loc) + ")" : std::string()),
                 true);
    }
    index_.emplace(name, items_.size());
    items_.emplace_back(name, std::move(value));
  }
  const ConfigContext& ctx = *ConfigAccess::impl(node).ctx;
  if (ctx.sources)
    for (const auto& [name, value] : items_) ctx.sources->add(value.path(), value.source_location(true));
}

bool MapReader::has(std::string_view key) const { return index_.find(std::string(key)) != index_.end(); }

std::optional<ConfigNode> MapReader::get(std::string_view key) {
  known_.emplace(key);
  const auto it = index_.find(std::string(key));
  if (it == index_.end()) return std::nullopt;
  const ConfigNode& v = items_[it->second].second;
  // "for:" with nothing after it is a mistake, not "use the default".
  if (v.is_null()) v.fail("missing value; give one, or leave the field '" + std::string(key) + "' out");
  return v;
}

ConfigNode MapReader::require(std::string_view key, std::string_view hint) {
  auto v = get(key);
  if (!v) {
    // Point at the key if it is present but empty, else at the mapping.
    for (const auto& [k, n] : items_)
      if (k == key) n.fail("missing value for '" + std::string(key) + "': " + std::string(hint), true);
    // A misspelt required field is better reported as the misspelling.
    for (const auto& [k, n] : items_) {
      const bool known = known_.count(k) > 0;
      if (!known && closest_match(k, {std::string(key)}) == key)
        n.fail("unknown field '" + k + "' (did you mean '" + std::string(key) + "'?)", true);
    }
    node_.fail("missing field '" + std::string(key) + "': " + std::string(hint));
  }
  return *v;
}

void MapReader::allow(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) known_.emplace(k);
}

std::vector<std::pair<std::string, ConfigNode>> MapReader::entries() {
  for (const auto& [k, v] : items_) known_.insert(k);
  return items_;
}

void MapReader::finish() const {
  for (const auto& [k, v] : items_) {
    if (known_.count(k) > 0) continue;
    const std::vector<std::string> valid(known_.begin(), known_.end());  // sorted, distinct
    v.fail("unknown field '" + k + "'" + did_you_mean(k, valid) + "; valid fields here: " +
               join_alternatives(valid, ", "),
           true);
  }
}

// ---------------------------------------------------------------------------

namespace {
// "faults[0].at" and "faults.0.at" -> {faults, 0, at}: list items by index in
// either form, the bracketed one being how messages print paths.
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  bool after_index = false;  // just closed a [i]: a '.' or '[' or the end follows
  bool in_brackets = false;  // within [...]: a '.' is part of the key (pricing.instances[m6i.large])
  for (const char c : path) {
    if (c == '.' && in_brackets) {
      cur += c;
    } else if (c == '.') {
      if (!after_index) out.push_back(cur);
      cur.clear();
      after_index = false;
    } else if (c == '[') {
      if (!after_index) out.push_back(cur);
      cur.clear();
      after_index = false;
      in_brackets = true;
    } else if (c == ']') {
      out.push_back(cur);
      cur.clear();
      after_index = true;
      in_brackets = false;
    } else {
      if (after_index) {
        out.push_back("");  // "a[0]b": reported as an empty segment
        after_index = false;
      }
      cur += c;
    }
  }
  if (!after_index) out.push_back(cur);
  return out;
}

std::vector<std::string> map_keys(const YAML::Node& n) {
  std::vector<std::string> keys;
  for (auto it = n.begin(); it != n.end(); ++it)
    if (it->first.IsScalar()) keys.push_back(it->first.Scalar());
  return keys;
}
}  // namespace

void apply_override(YAML::Node& root, const std::string& assignment, ConfigContext& ctx) {
  // Name the override in messages, shortened if it is long.
  std::string shown;  // bytes that are not UTF-8 as \xNN, so that the message is text
  for (std::string_view rest = assignment; !rest.empty();) {
    const std::size_t bad = invalid_utf8_at(rest);
    shown += rest.substr(0, std::min(bad, rest.size()));
    if (bad == std::string_view::npos) break;
    const auto c = static_cast<unsigned char>(rest[bad]);
    shown += std::string("\\x") + "0123456789abcdef"[c >> 4] + "0123456789abcdef"[c & 15];
    rest.remove_prefix(bad + 1);
  }
  if (shown.size() > 80) {
    std::size_t cut = 77;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    shown = shown.substr(0, cut) + "...";
  }
  auto source = std::make_shared<ConfigSource>(ConfigSource{"--set " + shown, false});
  auto fail = [&](const std::string& field, const std::string& msg) {
    throw DiagnosticError(Diagnostic{source->name, 0, 0, field, msg});
  };
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    fail("", "expected path=value, e.g. --set components.app.replicas=4");
  if (const std::size_t bad = invalid_utf8_at(assignment); bad != std::string_view::npos) {
    const auto c = static_cast<unsigned char>(assignment[bad]);
    fail("", "not UTF-8 text: invalid byte 0x" + std::string(1, "0123456789abcdef"[c >> 4]) +
                 std::string(1, "0123456789abcdef"[c & 15]) + " at character " + std::to_string(bad + 1) +
                 " (the scenario's own text must be UTF-8 too)");
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  if (text.empty()) fail(path, "missing value after '='");
  const auto segments = split_path(path);
  for (const auto& s : segments)
    if (s.empty()) fail(path, "empty path segment; write dotted field names such as components.app.replicas");

  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(path, "the value is not valid YAML: " + e.msg.substr(0, 200));
  }

  if (!root.IsMap()) fail(path, "the scenario is not a mapping, so no field can be set");
  YAML::Node cur = root;
  std::string walked;
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    const std::string& seg = segments[i];
    const YAML::Node& ccur = cur;
    YAML::Node next;
    if (ccur.IsMap()) {
      bool found = false;
      for (auto it = ccur.begin(); it != ccur.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == seg) {
          next.reset(it->second);
          found = true;
        }
      if (!found) {
        // A name close to an existing one is most likely misspelt.
        const std::string typo = did_you_mean(seg, map_keys(ccur));
        if (!typo.empty()) {
          // A new name can be close to an existing one (components app
          // and app2): say how to add it all the same.
          std::string inner = text;
          for (std::size_t k = segments.size() - 1; k > i; --k) inner = "{" + segments[k] + ": " + inner + "}";
          fail(path, "no field '" + seg + "' in " + (walked.empty() ? "the scenario" : "'" + walked + "'") + typo +
                         "; to add it as a new one, set it whole: --set '" + (walked.empty() ? "" : walked + ".") +
                         seg + "=" + inner + "'");
        }
        // Otherwise the missing mappings are created (metrics.window=10ms on a
        // scenario without metrics), and the usual checks judge what they hold.
        YAML::Node created = value;
        for (std::size_t k = segments.size() - 1; k > i; --k) {
          YAML::Node wrap(YAML::NodeType::Map);
          wrap[segments[k]] = created;
          created = wrap;
        }
        cur[seg] = created;
        const YAML::Node& ccur2 = cur;
        ctx.overrides.emplace_back(ccur2[seg], source);
        return;
      }
    } else if (ccur.IsSequence()) {
      std::size_t idx = 0;
      auto res = std::from_chars(seg.data(), seg.data() + seg.size(), idx);
      if (res.ec != std::errc() || res.ptr != seg.data() + seg.size() || idx >= ccur.size())
        fail(path, ccur.size() == 0 ? "'" + walked + "' is an empty list: it has no item " + seg +
                                          "; set the whole list instead, e.g. --set '" + walked + "=[...]'"
                                    : "'" + walked + "' is a list of " + std::to_string(ccur.size()) +
                                          " items; use an index from 0 to " + std::to_string(ccur.size() - 1));
      next.reset(ccur[idx]);
    } else {
      fail(path, "'" + walked + "' is a single value, not a mapping, so it has no field '" + seg + "'");
    }
    // As messages print paths: faults[0].at.
    walked += ccur.IsSequence() ? "[" + seg + "]" : (walked.empty() ? "" : ".") + seg;
    cur.reset(next);
  }
  const std::string& last = segments.back();
  if (cur.IsSequence()) {
    std::size_t idx = 0;
    auto res = std::from_chars(last.data(), last.data() + last.size(), idx);
    if (res.ec != std::errc() || res.ptr != last.data() + last.size() || idx >= cur.size())
      fail(path, cur.size() == 0 ? "'" + walked + "' is an empty list: it has no item " + last +
                                       "; set the whole list instead, e.g. --set '" + walked + "=[...]'"
                                 : "'" + walked + "' is a list of " + std::to_string(cur.size()) +
                                       " items; use an index from 0 to " + std::to_string(cur.size() - 1));
    cur[idx] = value;
    const YAML::Node& ccur = cur;
    ctx.overrides.emplace_back(ccur[idx], source);
  } else if (cur.IsMap() || cur.IsNull()) {
    cur[last] = value;
    const YAML::Node& ccur = cur;
    ctx.overrides.emplace_back(ccur[last], source);
  } else {
    fail(path, "'" + walked + "' is a single value, not a mapping, so it has no field '" + last + "'");
  }
}

}  // namespace dsim
