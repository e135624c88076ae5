// Reading scenario YAML with locations, types and units.
//
// A ConfigNode is a YAML node plus its dotted field path and where it came from
// (the scenario file, or a --set on the command line). Every read either
// returns a typed value or throws a DiagnosticError naming file, line, column,
// field, what was found and what would be valid.
//
// MapReader reads one mapping: each key a model asks for becomes "known"; when
// it is done, any key nobody asked for is reported as unknown, with the closest
// known key as a "did you mean". Models therefore never list their fields twice.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loader/diagnostic.h"
#include "loader/source_map.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace dsim {

struct ConfigSource {
  std::string name;        // file name or "--set path=value"
  bool has_lines = true;   // file: print line:column; --set: the value's column only
};

// Shared by all nodes of one scenario load: which subtrees came from --set,
// and where every field read is written (filled as mappings are read).
struct ConfigContext {
  std::shared_ptr<const ConfigSource> file;
  std::vector<std::pair<YAML::Node, std::shared_ptr<const ConfigSource>>> overrides;
  std::shared_ptr<SourceMap> sources;  // may be null
};

class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string path, std::shared_ptr<const ConfigSource> source,
             std::shared_ptr<const ConfigContext> ctx, YAML::Mark key_mark = YAML::Mark::null_mark());

  const YAML::Node& yaml() const { return node_; }
  const ConfigContext& context() const { return *ctx_; }
  const std::string& path() const { return path_; }
  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_list() const { return node_.IsSequence(); }
  // "a mapping", "a list", "'abc'", "nothing": for messages.
  std::string describe() const;

  // Throws a DiagnosticError located at this node (at its key, if `at_key`).
  [[noreturn]] void fail(const std::string& message, bool at_key = false) const;
  Diagnostic diagnostic(const std::string& message, bool at_key = false) const;
  // Where this node (or its key) is written.
  SourceLocation source_location(bool at_key = false) const;

  // The child reached by a key or index of this node, with source tracking.
  ConfigNode child(const YAML::Node& key, const YAML::Node& value, const std::string& key_text) const;

  // Typed reads. Each fails with a message saying what was expected.
  std::string as_string() const;
  std::string as_name() const;       // a component/zone name: [A-Za-z0-9_.:-]+
  std::int64_t as_int() const;
  double as_number() const;
  Time as_duration() const;
  double as_rate() const;            // per second
  double as_size() const;            // bytes
  double as_bandwidth() const;       // bits per second
  double as_fraction() const;        // 0..1
  std::vector<ConfigNode> as_list() const;
  // A duration distribution: a plain duration (constant) or a mapping with `dist`.
  Distribution as_duration_distribution() const;

  // Range checks on values already read, failing at this node.
  std::int64_t int_in(std::int64_t lo, std::int64_t hi) const;
  Time positive_duration() const;                    // > 0
  Time non_negative_duration() const;                // >= 0

 private:
  std::string scalar_text(std::string_view expected) const;
  std::pair<int, int> location(bool at_key) const;

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const ConfigSource> source_;
  std::shared_ptr<const ConfigContext> ctx_;
  YAML::Mark key_mark_;
};

class MapReader {
 public:
  // Fails unless `node` is a mapping with string keys and no duplicates.
  // Records where each of its fields is written (ConfigContext::sources).
  explicit MapReader(const ConfigNode& node);

  const ConfigNode& node() const { return node_; }
  bool has(std::string_view key) const;
  // The value of `key` if present (and not null); marks the key as known.
  std::optional<ConfigNode> get(std::string_view key);
  // The value of `key`; fails with "missing field 'key': <hint>" if absent.
  ConfigNode require(std::string_view key, std::string_view hint);
  // Marks keys as known without reading them (read elsewhere).
  void allow(std::initializer_list<std::string_view> keys);
  // Every entry in file order, marking all as known (for free-form maps).
  std::vector<std::pair<std::string, ConfigNode>> entries();
  // Fails on the first key that no get/require/allow asked for.
  void finish() const;

 private:
  ConfigNode node_;
  std::vector<std::pair<std::string, ConfigNode>> items_;
  std::vector<std::string> known_;
};

// Applies a --set override ("path=value") to `root`, recording the replaced
// subtree in ctx so that errors in it point at the command line.
void apply_override(YAML::Node& root, const std::string& assignment, ConfigContext& ctx);

}  // namespace dsim
