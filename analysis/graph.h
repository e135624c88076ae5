// The topology of a design as Graphviz DOT (dsim graph), read from its spec:
// zones as clusters, replicas as nodes, request paths as arrows, explicit
// links as bold lines between zones labelled with their latency, bandwidth
// and loss. Nothing is simulated.
#pragma once

#include <ostream>
#include <string>

#include "dsim/models/scenario_spec.h"
#include "dsim/sim/distribution.h"

namespace dsim {

// Components with more replicas than this are drawn as one node per zone
// ("app x 100000", double-bordered), so that the graph stays readable and its
// size bounded: between two components at most max(kMaxReplicasDrawn,
// zones)^2 edges, whatever their replicas.
inline constexpr int kMaxReplicasDrawn = 32;

// Writes the DOT text to `out` as it goes (nothing proportional to the graph
// is held in memory); the caller checks the stream.
void write_topology_dot(const ScenarioSpec& spec, std::ostream& out);
// The same, as a string.
std::string topology_dot(const ScenarioSpec& spec);

// A human-readable form of a duration distribution: "2ms" for a constant,
// else "exponential(mean=2ms)".
std::string describe_distribution(const Distribution& d);

}  // namespace dsim
