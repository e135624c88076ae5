// A scenario: a design described in YAML, validated, ready to run.
//
// Scenario::load reads and checks everything that can be checked before the
// run — syntax, fields, types, units, ranges, references between components,
// call cycles, zones — and returns either a Scenario or one Diagnostic.
// Scenario::run builds a fresh Simulation from it, runs it and returns what
// was recorded. The field reference is scenarios/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/component.h"
#include "models/config.h"
#include "models/faults.h"
#include "models/record.h"
#include "models/trace.h"
#include "sim/network.h"

namespace dsim {

struct LoadOptions {
  std::vector<std::string> overrides;    // "path=value", applied in order
  std::optional<std::uint64_t> seed;     // replaces the scenario's seed
  const ModelRegistry* registry = nullptr;  // default: ModelRegistry::builtin()
};

struct RunOptions {
  // Called about every million events with the simulated time reached.
  std::function<void(Time now, Time duration, std::uint64_t events)> progress;
  // Records request spans and faults when set (dsim run --trace).
  Tracer* tracer = nullptr;
};

class Scenario;
using LoadResult = std::variant<std::unique_ptr<Scenario>, Diagnostic>;

class Scenario {
 public:
  static LoadResult load_file(const std::string& path, const LoadOptions& options = {});
  // `source` names the text in messages (a file name, or "<built-in>").
  static LoadResult load_text(std::string_view text, const std::string& source,
                              const LoadOptions& options = {});

  ~Scenario();

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  std::uint64_t seed() const { return seed_; }
  Time duration() const { return duration_; }
  Time warmup() const { return warmup_; }
  Time window() const { return window_; }
  const std::vector<std::unique_ptr<Component>>& components() const { return components_; }
  Component* find(const std::string& name) const;

  // Runs the scenario once. REQUIRES: not run before (components keep state).
  RunRecord run(const RunOptions& options = {});

  // The topology as Graphviz DOT: zones as clusters, replicas as nodes,
  // request paths as arrows, explicit links as bold lines.
  std::string graph_dot();

 private:
  Scenario() = default;
  void parse(const ConfigNode& root, const LoadOptions& options, const std::string& default_name);
  void parse_network(MapReader& net);
  void check_call_graph() const;
  Time max_client_timeout() const;
  Time max_request_lifetime() const;
  // Creates the simulation, network and actors (no events yet).
  void build(Simulation& sim, RequestMetrics& metrics, FaultInjector& faults, Tracer* tracer);

  struct LinkConfig {
    std::string a;
    std::string b;
    LinkParams params;
    std::vector<ConfigNode> ends;  // for messages about unknown zones
  };

  std::string name_;
  std::string description_;
  std::uint64_t seed_ = 1;
  Time duration_ = 0;
  Time warmup_ = 0;
  Time window_ = kSecond;
  LinkParams default_link_;
  std::vector<std::string> declared_zones_;
  std::vector<LinkConfig> links_;
  std::vector<std::unique_ptr<Component>> components_;
  double slo_availability_ = 0.99;
  std::vector<FaultSpec> faults_;
  std::vector<FailureSpec> failures_;
  bool used_ = false;
};

// A human-readable form of a duration distribution: "exponential(mean=2ms)".
std::string describe_distribution(const Distribution& d);

// The built-in example (scenarios/ecommerce.yaml), compiled in so that `dsim run`
// works with no file.
extern const char* const kBuiltinEcommerceScenario;

}  // namespace dsim
