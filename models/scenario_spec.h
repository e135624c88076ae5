// A scenario as plain, immutable data: the design and how to run it.
//
// The loader (loader/scenario.h) produces one from YAML; a program may also
// fill one in directly (tests/spec_test.cpp builds a design in C++ and gets
// the same bytes as its YAML). Nothing in it changes during a run: every run
// builds its own World from it (models/world.h), so one spec runs many times
// and on several threads at once. Components are shared pointers so that a
// variant of a spec (a sweep point) can share the unchanged ones.
//
// The loader checks everything it can before a run — references between
// components, call cycles, zones, ranges — and reports mistakes with their
// location. A spec built in C++ skips those checks; check() repeats the ones a
// run depends on (every World runs it first), so its mistakes end the run
// with an error (RunError::Kind::kInvalidSpec, analysis/run.h), never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsim/models/check_spec.h"
#include "dsim/models/component.h"
#include "dsim/models/fault_spec.h"
#include "dsim/models/objectives.h"
#include "dsim/models/pricing.h"
#include "dsim/sim/network.h"
#include "dsim/sim/time.h"

namespace dsim {

// An explicit link between two zones (network.links).
struct LinkSpec {
  std::string a;
  std::string b;
  LinkParams params;
};

struct NetworkSpec {
  LinkParams default_link;          // within a zone, and between unlinked zones
  std::vector<std::string> zones;   // declared zones (besides those components name)
  std::vector<LinkSpec> links;
};

// A spec that a run cannot work with (ScenarioSpec::check): a mistake of the
// program that built it, not a bug of the run.
class InvalidSpec : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

inline constexpr std::uint64_t kDefaultHistoryLimit = 4'000'000;
inline constexpr std::uint64_t kDefaultLinearizabilityBudget = 1'000'000;

struct ScenarioSpec {
  std::string name = "scenario";
  std::string description;
  std::uint64_t seed = 1;           // the default seed of a run
  Time duration = kSecond;          // clients send in [0, duration)
  Time warmup = 0;                  // requests sent before it are not measured
  Time window = kSecond;            // width of a time-series row
  double slo_availability = 0.99;   // per-window availability objective
  Objectives objectives;            // the slo: section's objectives, judged on the run's figures
  // Prices (the shipped catalog with the user's entries over it) that the
  // components' ComponentCommon::pricing names; analysis/cost.h. The loader
  // fills it when the scenario prices something (or gives prices).
  PriceCatalog pricing;
  CheckSpec regression;             // the check: section: how dsim check compares runs with a baseline
  // Reads and writes recorded in a run's history at most
  // (consistency.history_limit; analysis/history.h): about 48 bytes each.
  std::uint64_t history_limit = kDefaultHistoryLimit;
  // Steps of the linearizability search per key, past which that key's
  // verdict is "unknown" (consistency.linearizability_budget;
  // analysis/linearizability.h: 64 bytes of memory at most per step).
  std::uint64_t linearizability_budget = kDefaultLinearizabilityBudget;
  NetworkSpec network;
  std::vector<std::shared_ptr<const ComponentSpec>> components;
  std::vector<FaultSpec> faults;      // node references index `components`
  std::vector<FailureSpec> failures;  // at most one per component

  // Whether anything is priced: a component names a price, or an objective
  // asks for the cost (then a run meters what it bills: analysis/cost.h).
  bool priced() const;

  // The component named `name`, or nullptr.
  const ComponentSpec* find(const std::string& name) const;
  // Its index in `components`, or -1.
  int index_of(const std::string& name) const;
  // Every zone, in the order the network numbers them: declared zones first,
  // then those of the components' replicas in order; no duplicates.
  std::vector<std::string> zones() const;
  // The largest client timeout: the default timeout of calls made on a
  // request's behalf.
  Time max_client_timeout() const;
  // The longest any open work can last (ComponentSpec::request_lifetime):
  // how long a run drains after the last arrival.
  Time max_request_lifetime() const;

  // Throws InvalidSpec, naming the first problem, unless the spec is one a
  // run can work with: times in range, distinct names, references
  // that resolve, no call cycle, links between known zones, faults and
  // failures that index existing components and replicas with the right
  // shape. What the loader produces always passes.
  void check() const;
};

}  // namespace dsim
