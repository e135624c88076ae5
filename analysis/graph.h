// The topology of a design as Graphviz DOT (dsim graph), read from its spec:
// zones as clusters, replicas as nodes, request paths as arrows, explicit
// links as bold lines between zones labelled with their latency, bandwidth
// and loss. Nothing is simulated.
#pragma once

#include <string>

#include "dsim/models/scenario_spec.h"
#include "dsim/sim/distribution.h"

namespace dsim {

std::string topology_dot(const ScenarioSpec& spec);

// A human-readable form of a duration distribution: "2ms" for a constant,
// else "exponential(mean=2ms)".
std::string describe_distribution(const Distribution& d);

}  // namespace dsim
