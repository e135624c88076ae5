// What faults a scenario schedules, as plain data (the fault injector,
// models/faults.h, puts them into effect).
//
// Scheduled faults (`faults:`), each from `at` for `for` (or to the end):
//   partition     groups that cannot reach each other ([[a, b], [c]]), or one
//                 way ({from: [a], to: [b]}); unlisted nodes join the first group
//   isolate       one node (or component, or zone) cut off from everyone else
//   bridge        two halves that each reach one shared node (Jepsen's bridge)
//   crash         the host is down: messages to it are dropped, its work lost
//   kill          the process is dead but the host answers: requests refused
//   zone_outage   every server in a zone crashes
//   slow          service times multiplied by `factor` (a gray failure)
//   degrade_link  latency multiplied and extra loss between two zones
//   clock_skew    a node's clock runs off by an offset plus a drift
// Random failures (`failures:` on a component): each replica alternates
// between up and crashed, with times drawn from its own stream.
// Fields: scenarios/README.md, "Faults".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dsim/sim/distribution.h"
#include "dsim/sim/time.h"

namespace dsim {

// One replica of one component: indices into ScenarioSpec::components and
// the component's replicas.
struct NodeRef {
  std::size_t component = 0;
  int replica = 0;
  bool operator==(const NodeRef&) const = default;
};

struct FaultSpec {
  enum class Kind {
    kPartition,
    kOneWayPartition,
    kIsolate,
    kBridge,
    kCrash,
    kKill,
    kZoneOutage,
    kSlow,
    kDegradeLink,
    kClockSkew,
  };
  Kind kind = Kind::kCrash;
  std::string kind_name;  // as written in YAML
  std::string target;     // as reported: "app-1", "[[clients, lb], [app-1]]"
  Time at = 0;
  std::optional<Time> until;
  // Partitions: groups in order (group 0 also holds every unlisted node).
  // One-way: {from, to}. Isolate: {{node}}. Bridge: {half A, half B, {via}}.
  std::vector<std::vector<NodeRef>> groups;
  // Crash, kill, zone outage, slow, clock skew: the nodes it acts on.
  std::vector<NodeRef> nodes;
  std::string zone_a, zone_b;  // degrade_link
  double factor = 1.0;         // slow; degrade_link's latency factor
  double loss = 0.0;           // degrade_link
  Time offset = 0;             // clock_skew
  double drift = 0.0;          // clock_skew, seconds per second

  // Whether it takes servers down (crash, kill, zone outage).
  bool takes_nodes_down() const { return kind == Kind::kCrash || kind == Kind::kKill || kind == Kind::kZoneOutage; }
};

// `failures:` of one component.
struct FailureSpec {
  std::size_t component = 0;  // index into ScenarioSpec::components
  Distribution up;            // time to failure, ns
  Distribution repair;        // time to repair, ns
  bool exponential = true;
  int required = 1;  // available while at least this many replicas are up
  double mtbf_ns = 0;
  double mttr_ns = 0;
};

}  // namespace dsim
