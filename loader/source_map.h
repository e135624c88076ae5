// Where each field of a loaded scenario was written: the file (or --set),
// line and column of every mapping key the loader read, by dotted path
// ("components.app.workers", "faults[0].at").
//
// Specs carry no YAML or positions (models/scenario_spec.h); a message after
// loading that should point at the scenario — a sweep parameter, an SLO that
// was missed — looks the field up here.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace dsim {

struct SourceLocation {
  std::string source;  // file name, or "--set path=value"
  int line = 0;        // 1-based; 0 when the source has no lines
  int column = 0;

  // "file:line:col", "file:line" or "file".
  std::string to_string() const;
};

class SourceMap {
 public:
  // Records where `field` is written; the first record of a field wins.
  void add(const std::string& field, SourceLocation location) { fields_.emplace(field, std::move(location)); }
  std::optional<SourceLocation> find(const std::string& field) const {
    auto it = fields_.find(field);
    if (it == fields_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t size() const { return fields_.size(); }

 private:
  std::map<std::string, SourceLocation> fields_;
};

inline std::string SourceLocation::to_string() const {
  std::string out = source;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

}  // namespace dsim
