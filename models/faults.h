// Faults: the scenario's `faults:` schedule, random failures, and the state
// they put nodes and the network in.
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
//
// Partitions and down nodes act when a message would be delivered (the
// network's DeliveryFilter), so messages in flight when a fault begins are
// lost. A crash calls the replica's go_down() (its work is lost) and, at the
// end, come_up(). The injector publishes what it does (models/events.h):
// FaultBegan and FaultEnded for every fault and random failure, and
// ReplicaStateChanged whenever a replica goes down or comes back; recorders
// turn them into fault records, detection and recovery times and component
// availability (analysis/fault_impact.h, analysis/uptime.h). It computes no
// figure itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/events.h"
#include "sim/distribution.h"
#include "sim/network.h"
#include "sim/simulation.h"

namespace dsim {

class World;
class ReplicaActor;
struct ScenarioSpec;

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

class FaultInjector final : public Actor, public DeliveryFilter {
 public:
  // The faults and failures of `spec`, acting on `world`'s components, which
  // must all be built. Registers itself as an actor of the simulation.
  FaultInjector(World& world, Simulation& sim, const ScenarioSpec& spec);
  ~FaultInjector() override;

  // Schedules the faults and the first random failures.
  void start();

  void on_event(std::uint16_t kind, std::uint32_t arg) override;
  bool allow(const Message& msg) override;

  // A node's own clock (clock_skew): simulated time plus its skew.
  Time clock(ActorId node) const;

 private:
  struct NodeState {
    ReplicaActor* actor = nullptr;
    int crashed = 0;
    int killed = 0;
    std::vector<double> slow;  // active slowdown factors
    Time skew_offset = 0;
    double skew_drift = 0;
    Time skew_since = 0;
    bool skewed = false;
  };
  struct Partition {
    enum class Rule { kGroups, kOneWay, kBridge } rule;
    std::vector<std::uint16_t> group;  // per actor id
    bool allows(ActorId src, ActorId dst) const;
  };

  enum EventKind : std::uint16_t { kStart = 1, kEnd = 2, kFail = 3, kRepair = 4 };

  ActorId node_id(const NodeRef& n) const;
  void begin(std::size_t i);
  void end(std::size_t i);
  void set_down(ActorId node, bool kill, int delta);
  void set_slow(ActorId node, double factor, bool add);
  // Publishes FaultBegan; returns the fault's id.
  std::size_t fault_began(const std::string& kind, const std::string& target, Time at, std::optional<Time> until,
                          std::vector<ActorId> affected);

  World& world_;
  Simulation& sim_;
  const ScenarioSpec& spec_;
  const Channel<FaultBegan>& began_;
  const Channel<FaultEnded>& ended_;
  const Channel<ReplicaStateChanged>& replica_changed_;
  std::vector<NodeState> nodes_;  // by actor id
  // Random failures: one entry per replica of a component with `failures:`.
  struct FailingReplica {
    const FailureSpec* spec;
    ActorId node;
    std::string name;
    Rng rng;
    std::size_t fault_id = 0;
  };
  std::vector<FailingReplica> failing_;
  std::vector<const Partition*> partitions_;  // active, in start order
  // Per scheduled fault: its partition while active, its network degradation id.
  std::vector<std::unique_ptr<Partition>> partition_of_fault_;
  std::vector<std::uint32_t> degradation_of_fault_;
  std::vector<std::size_t> fault_id_;  // the id of each scheduled fault, once begun
  std::size_t next_fault_id_ = 0;
  int nodes_not_up_ = 0;  // any node crashed or killed: the filter has work
};

}  // namespace dsim
