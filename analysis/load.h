// Offered load from a spec alone, before running anything: how many requests
// per second reach each component from open-loop clients, through fixed
// splits (balancers) and fan-outs (a service's calls), against what the
// component can serve.
//
// A saturated component passes on at most its capacity, so the components
// after a bottleneck see what it lets through.
//
// Known only where every path into a component starts at an open-loop client
// (closed-loop users adapt to answers; their load is not known in advance).
// Rates are before retries, and a service's capacity counts its own service
// time only (a worker also waits on its calls), so an overload this finds is
// certain, and one it misses may still happen. `dsim validate` warns of each
// component at or above its capacity; a run stopped by its budget names the
// most loaded one (analysis/run.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsim/models/scenario_spec.h"

namespace dsim {

struct ComponentLoad {
  std::string component;
  std::optional<double> offered;   // requests per second reaching it; none if unknown
  std::optional<double> capacity;  // ComponentSpec::capacity()

  // offered / capacity, when both are known and capacity > 0.
  std::optional<double> ratio() const {
    if (!offered || !capacity || !(*capacity > 0)) return std::nullopt;
    return *offered / *capacity;
  }
};

// One entry per component, in the spec's order. REQUIRES: spec.check()
// passes (no call cycle; every reference resolves).
std::vector<ComponentLoad> offered_load(const ScenarioSpec& spec);

// "1.5 M/s", "2,000/s", "0.5/s": a rate for messages.
std::string format_rate(double per_second);

}  // namespace dsim
