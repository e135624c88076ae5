// The registry that maps a component's `kind:` to the parser that reads it.
//
// A parser reads one component's YAML fields (MapReader, loader/config.h)
// into a spec (models/component.h) and returns, beside it, a check of the
// references it makes to other components, which the loader runs once every
// component is parsed (a name may refer to a component defined further down).
// Both fail with a located DiagnosticError on a mistake.
//
// Kinds register by name, as FoundationDB registers workloads: the scenario
// loader reads through the registry and never names a model, so a new model
// (built in or a user's own) needs no loader change:
//
//   ModelRegistry registry = ModelRegistry::builtin();
//   registry.add("cache", "an LRU cache in front of a service", &parse_cache);
//   LoadOptions options;
//   options.registry = &registry;
//   auto loaded = Scenario::load_file("design.yaml", options);
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsim/loader/config.h"
#include "dsim/models/component.h"
#include "dsim/sim/time.h"

namespace dsim {

// Read-only view of the components parsed so far, for checking references.
class ComponentIndex {
 public:
  explicit ComponentIndex(const std::vector<std::unique_ptr<ComponentSpec>>& components);

  const ComponentSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;
  // The component named by `ref` (a component name); fails at `ref` with a
  // "did you mean" otherwise. If `must_serve`, it must accept requests.
  const ComponentSpec& lookup(const ConfigNode& ref, bool must_serve) const;
  // A component or a single replica ("app" or "app-1"): the component, and
  // the replica index if one was named.
  std::pair<const ComponentSpec*, std::optional<int>> lookup_replica(const ConfigNode& ref) const;

 private:
  const std::vector<std::unique_ptr<ComponentSpec>>& comps_;
  // Lookups by name (never iterated into results).
  std::map<std::string, const ComponentSpec*> by_name_;
  std::map<std::string, std::pair<const ComponentSpec*, int>> replicas_;
};

// What a parser returns: the spec, and the check of its references.
struct ParsedComponent {
  std::unique_ptr<ComponentSpec> spec;
  // Called once all components are parsed; fails at the offending
  // reference. May be empty (no references).
  std::function<void(const ComponentIndex&)> check_references = {};
  // Called once the whole scenario is read, with the run's duration: fails
  // at a field that reaches outside the run. May be empty.
  std::function<void(Time duration)> check_run = {};
};

class ModelRegistry {
 public:
  // Reads the kind's own fields from `fields` (common fields — kind,
  // replicas, zone(s), failures — are read already and in `common`). Fields
  // it does not read are reported as unknown afterwards.
  using Parser = std::function<ParsedComponent(ComponentCommon common, MapReader& fields)>;
  struct Entry {
    std::string kind;
    std::string summary;
    Parser parser;
  };

  // The registry with dsim's built-in models; add your own to a copy.
  static const ModelRegistry& builtin();

  // REQUIRES: no kind of that name yet.
  void add(std::string kind, std::string summary, Parser parser);
  const Entry* find(const std::string& kind) const;
  std::vector<std::string> kinds() const;  // sorted

 private:
  std::map<std::string, Entry> entries_;
};

// Registers dsim's own models; called once by ModelRegistry::builtin().
void register_builtin_models(ModelRegistry& registry);

}  // namespace dsim
