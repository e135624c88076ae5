// Reading scenario YAML with locations, types and units.
//
// A ConfigNode is a node of the scenario's YAML plus its dotted field path and
// where it came from (the scenario file, or a --set on the command line). Every read either
// returns a typed value or throws a DiagnosticError naming file, line, column,
// field, what was found and what would be valid.
//
// MapReader reads one mapping: each key a model asks for becomes "known"; when
// it is done, any key nobody asked for is reported as unknown, with the closest
// known key as a "did you mean". Models therefore never list their fields twice.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dsim/loader/diagnostic.h"
#include "dsim/loader/source_map.h"
#include "dsim/sim/distribution.h"
#include "dsim/sim/time.h"

namespace dsim {

// This header is the public face of the loader's YAML reading: it names no
// YAML library (yaml-cpp stays inside the loader, loader/config_yaml.h), so a
// model's parser, built in or a user's own, reads its fields through it.
class ConfigNode {
 public:
  const std::string& path() const;
  bool is_null() const;
  bool is_scalar() const;
  bool is_map() const;
  bool is_list() const;
  // "a mapping", "a list", "'abc'", "nothing": for messages.
  std::string describe() const;
  // The text of a scalar as written; empty for a list, a mapping or nothing.
  std::string text() const;

  // Throws a DiagnosticError located at this node (at its key, if `at_key`).
  [[noreturn]] void fail(const std::string& message, bool at_key = false) const;
  Diagnostic diagnostic(const std::string& message, bool at_key = false) const;
  // Where this node (or its key) is written.
  SourceLocation source_location(bool at_key = false) const;

  // A file the scenario refers to, written as `written`, as a path to
  // open: a relative path is taken from the scenario file's folder (from
  // the working directory for a scenario not read from a file).
  std::string resolve_path(const std::string& written) const;

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

  struct Impl;  // loader/config_yaml.h

 private:
  friend struct ConfigAccess;
  explicit ConfigNode(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::string scalar_text(std::string_view expected) const;
  std::pair<int, int> location(bool at_key) const;

  std::shared_ptr<const Impl> impl_;
};

class MapReader {
 public:
  // Fails unless `node` is a mapping with string keys and no duplicates.
  // Records where each of its fields is written (Scenario::sources()).
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
  // Every entry in file order, marking none (to look before reading).
  const std::vector<std::pair<std::string, ConfigNode>>& items() const { return items_; }
  // Fails on the first key that no get/require/allow asked for.
  void finish() const;

 private:
  ConfigNode node_;
  std::vector<std::pair<std::string, ConfigNode>> items_;  // in file order
  std::map<std::string, std::size_t> index_;               // key -> position in items_
  std::set<std::string> known_;                            // keys asked for
};

}  // namespace dsim
