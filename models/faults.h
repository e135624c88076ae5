// The fault injector: puts the scenario's faults (models/fault_spec.h) into
// effect on one run's nodes and network.
//
// Partitions act when a message would be delivered (the network's
// DeliveryFilter), so messages in flight when a fault begins are lost. Down
// nodes and skewed clocks are the engine's node services
// (Network::set_condition, set_clock): a crash or kill sets the node's
// condition, and the engine drops what is on its way to it, runs its actor's
// on_down() (its work is lost), refuses connections to a killed one, and at
// the end runs on_up(). The injector publishes what it does (models/events.h):
// FaultBegan and FaultEnded for every fault and random failure, and
// ReplicaStateChanged whenever a replica goes down or comes back; recorders
// turn them into fault records, detection and recovery times and component
// availability (analysis/fault_impact.h, analysis/availability_recorder.h). It computes no
// figure itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsim/models/events.h"
#include "dsim/models/fault_spec.h"
#include "dsim/sim/network.h"
#include "dsim/sim/simulation.h"

namespace dsim {

class World;
class ReplicaActor;
struct ScenarioSpec;

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

  // Ends every fault and random failure in effect now (each publishes its
  // FaultEnded) and starts none from now on: for a run that settles.
  void heal_all();


 private:
  struct NodeState {
    ReplicaActor* actor = nullptr;
    int crashed = 0;
    int killed = 0;
    std::vector<double> slow;  // active slowdown factors
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
    bool down = false;
  };
  std::vector<FailingReplica> failing_;
  std::vector<const Partition*> partitions_;  // active, in start order
  // Per scheduled fault: its partition while active, its network degradation id.
  std::vector<std::unique_ptr<Partition>> partition_of_fault_;
  std::vector<std::uint32_t> degradation_of_fault_;
  std::vector<std::size_t> fault_id_;  // the id of each scheduled fault, once begun
  std::size_t next_fault_id_ = 0;
  std::vector<bool> active_;  // per scheduled fault: begun and not ended
  bool healed_ = false;
};

}  // namespace dsim
