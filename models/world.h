// One run's world: the simulation, the network and every component's
// instance, built fresh from an immutable ScenarioSpec.
//
// Building a World creates the Simulation with the run's seed, the network's
// zones and links, one instance per component (in the spec's order, so actor
// ids and random streams are the same on every run), connects them, and adds
// the fault injector. Nothing has happened yet: recorders subscribe to the
// simulation's bus (sim/bus.h) before start() schedules the first events.
// The run itself (run_until, draining open work) and turning what was
// recorded into a report belong to analysis/run.h.
//
// A World refers to its spec, which must outlive it. Thread safety: none;
// build one World per run and per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dsim/models/component.h"
#include "dsim/models/faults.h"
#include "dsim/models/component_record.h"
#include "dsim/models/scenario_spec.h"
#include "dsim/sim/simulation.h"

namespace dsim {

class World {
 public:
  World(const ScenarioSpec& spec, std::uint64_t seed);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  const ScenarioSpec& spec() const { return spec_; }
  std::uint64_t seed() const { return sim_.seed(); }
  Simulation& sim() { return sim_; }
  const Simulation& sim() const { return sim_; }
  Bus& bus() { return sim_.bus(); }

  // Instances in the spec's order (index i is spec().components[i]).
  std::size_t component_count() const { return components_.size(); }
  ComponentInstance& component(std::size_t i) { return *components_[i]; }
  const ComponentInstance& component(std::size_t i) const { return *components_[i]; }

  // The nodes a name in the scenario stands for: a component's replicas, in
  // order, or the one replica so named ("app-1"). REQUIRES: the name exists
  // (the loader checks references; a bad name in a C++ spec fails a check).
  std::vector<ActorId> nodes_named(const std::string& name) const;
  // The component named `name` (not a single replica), or nullptr.
  const ComponentInstance* component_named(const std::string& name) const;

  // Follows which of `nodes` (World::nodes_named) take requests, as
  // replicas of an autoscaled component join and leave the rotation
  // (ComponentInstance::in_rotation): returns those out of it now, in
  // order (to apply at once: there may be 100,000), and calls
  // changed(node, in) on every later change of one of them. For connect().
  std::vector<ActorId> follow_rotation(const std::vector<ActorId>& nodes,
                                       const ComponentInstance::RotationWatcher& changed) const;

  // Which component and replica an actor is; component is -1 for actors that
  // are not replicas (the fault injector).
  struct NodeInfo {
    int component = -1;
    int replica = 0;
  };
  NodeInfo node(ActorId id) const { return id < nodes_.size() ? nodes_[id] : NodeInfo{}; }
  // A replica's name ("app-1"). REQUIRES: a node.
  const std::string& node_name(ActorId id) const;

  // A node's own clock: simulated time, shifted by any clock_skew fault
  // (Network::clock, which any model may also read through its Simulation).
  Time clock(ActorId node) const;

  // Schedules the first events: every component's, then the faults'.
  void start();

  // Settling (ComponentInstance::settle): whether any component settles;
  // begin: every fault healed and none begins any more, then each
  // component's begin_settle(); end: each component's end_settle().
  bool settles() const;
  void begin_settle();
  void end_settle();

  // After the run: closes each component's time integrals and returns its
  // figures, in the spec's order.
  std::vector<ComponentRecord> record_components();

 private:
  const ScenarioSpec& spec_;
  Simulation sim_;
  std::vector<std::unique_ptr<ComponentInstance>> components_;
  std::vector<NodeInfo> nodes_;  // by actor id
  std::unique_ptr<FaultInjector> faults_;
  // Names to instances, for nodes_named (looked up, never iterated).
  std::map<std::string, std::size_t> component_by_name_;
  std::map<std::string, std::pair<std::size_t, int>> replica_by_name_;
};

}  // namespace dsim
