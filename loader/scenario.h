// Loading a scenario: a design described in YAML, checked, as an immutable
// spec.
//
// Scenario::load_file / load_text read and check everything that can be
// checked before a run — syntax, fields, types, units, ranges, references
// between components, call cycles, zones — and return either a Scenario or
// one Diagnostic (file:line:column, field, what would be valid). A bug in a
// model's parser (a failed DSIM_CHECK) is not a diagnostic: it throws
// InvariantViolation (sim/check.h), which `dsim` reports as an internal error. A Scenario
// holds the ScenarioSpec (models/scenario_spec.h), which carries no YAML, and
// a SourceMap of where each field was written, for later messages. Run it
// with dsim::run (analysis/run.h) as often as you like, on any thread.
// The field reference is scenarios/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dsim/loader/diagnostic.h"
#include "dsim/loader/registry.h"
#include "dsim/loader/source_map.h"
#include "dsim/models/scenario_spec.h"

namespace dsim {

struct LoadOptions {
  std::vector<std::string> overrides{};     // "path=value", applied in order
  std::optional<std::uint64_t> seed{};      // replaces the scenario's seed
  const ModelRegistry* registry = nullptr;  // default: ModelRegistry::builtin()
  // Pricing catalogs read after the shipped one and the scenario's
  // `pricing:` section, in order; each entry replaces one of the same name.
  std::vector<std::string> pricing_files{};
};

class Scenario;
using LoadResult = std::variant<std::unique_ptr<Scenario>, Diagnostic>;

class Scenario {
 public:
  static LoadResult load_file(const std::string& path, const LoadOptions& options = {});
  // `source` names the text in messages (a file name, or "<built-in>").
  static LoadResult load_text(std::string_view text, const std::string& source,
                              const LoadOptions& options = {});

  const ScenarioSpec& spec() const { return *spec_; }
  // The same spec, to keep beyond this Scenario's lifetime.
  const std::shared_ptr<const ScenarioSpec>& shared_spec() const { return spec_; }
  const SourceMap& sources() const { return *sources_; }
  const std::string& name() const { return spec_->name; }

 private:
  Scenario(std::shared_ptr<const ScenarioSpec> spec, std::shared_ptr<const SourceMap> sources)
      : spec_(std::move(spec)), sources_(std::move(sources)) {}

  std::shared_ptr<const ScenarioSpec> spec_;
  std::shared_ptr<const SourceMap> sources_;
};

// The built-in example (scenarios/ecommerce.yaml), compiled in so that `dsim run`
// works with no file.
extern const char* const kBuiltinEcommerceScenario;

}  // namespace dsim
