// A component of a scenario, and the registry that maps `kind:` to models.
//
// A Component is one entry under `components:` in a scenario: a client
// population, a load balancer, a service. It owns one actor per replica
// (name-0 .. name-(N-1), or just `name` with one replica).
//
// Life cycle, driven by models/scenario.cpp:
//   1. parse   — the registry's factory reads the kind's fields (MapReader);
//   2. resolve — references to other components are checked (resolve());
//   3. build   — actors are created and placed in zones (build());
//   4. connect — actor ids of referenced components are looked up (connect());
//   5. start   — initial events are scheduled (start());
//   6. record  — after the run, figures are copied out (record()).
//
// Models register by kind name in ModelRegistry, as FoundationDB registers
// workloads: the scenario loader reads through the registry and never names a
// model, so a new model (built in or a user's own) needs no loader change.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/config.h"
#include "models/record.h"
#include "models/request_metrics.h"
#include "sim/network.h"
#include "sim/simulation.h"

namespace dsim {

class Component;
class FaultInjector;
class Tracer;

// The actor of one replica of a component. Servers (components that serve
// requests) can be crashed, killed and slowed by faults (models/faults.h),
// which call these; the defaults do nothing.
class ReplicaActor : public Actor {
 public:
  // The process stops: work in progress and queued work is lost, unanswered,
  // and outstanding calls are forgotten. While it is down the fault layer
  // drops (crash) or refuses (kill) messages to it.
  virtual void go_down() {}
  // The process starts again, empty.
  virtual void come_up() {}
  // From now on service times are multiplied by `factor` (1: normal speed).
  virtual void set_slowdown(double factor) { (void)factor; }
};

// Read-only view of all components, for resolving references.
class ComponentIndex {
 public:
  virtual ~ComponentIndex() = default;
  virtual Component* find(const std::string& name) const = 0;
  virtual std::vector<std::string> names() const = 0;
  // The component named by `ref` (a component name); fails at `ref` with a
  // "did you mean" otherwise. If `must_serve`, it must accept requests.
  Component& lookup(const ConfigNode& ref, bool must_serve) const;
  // A component or a single replica ("app" or "app-1"): the component, and
  // the replica index if one was named.
  std::pair<Component*, std::optional<int>> lookup_replica(const ConfigNode& ref) const;
};

// What build() needs: the engine, the run's window, the shared recorder.
struct BuildContext {
  Simulation& sim;
  RequestMetrics& requests;
  Time warmup;
  Time duration;
  // The largest client timeout in the scenario: the default for timeouts of
  // calls made on a request's behalf when none is configured.
  Time default_timeout;
  // The fault layer: balancers report health-check verdicts to it.
  FaultInjector& faults;
  // Request spans go here when tracing (dsim run --trace); else nullptr.
  Tracer* tracer = nullptr;
};

struct ComponentCommon {
  std::string name;
  std::string kind;
  int replicas = 1;
  bool replicas_given = false;     // `replicas:` written: names are name-0 .. name-(N-1)
  std::vector<std::string> zones;  // replica i is in zones[i % zones.size()]
  ConfigNode node;                 // the component's YAML, for later messages
};

class Component {
 public:
  explicit Component(ComponentCommon common);
  virtual ~Component();
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  const std::string& name() const { return common_.name; }
  const std::string& kind() const { return common_.kind; }
  int replica_count() const { return common_.replicas; }
  const std::string& replica_name(int i) const { return replica_names_[static_cast<std::size_t>(i)]; }
  const std::vector<std::string>& replica_names() const { return replica_names_; }
  const std::string& replica_zone(int i) const;
  const ConfigNode& config() const { return common_.node; }

  // Actor ids of the replicas; valid after build().
  const std::vector<ActorId>& replica_actors() const { return actors_; }
  ReplicaActor& replica_actor(int i) const { return *replica_ptrs_[static_cast<std::size_t>(i)]; }
  // Its process id in a trace (models/trace.h), set before build().
  std::uint32_t trace_id() const { return trace_id_; }
  void set_trace_id(std::uint32_t id) { trace_id_ = id; }

  // Whether other components may send requests to this one.
  virtual bool serves_requests() const = 0;
  // Components this one sends requests to (for the call graph and checks).
  virtual std::vector<std::string> downstream() const { return {}; }
  // Client timeout, for clients (used for default call timeouts); 0 otherwise.
  virtual Time client_timeout() const { return 0; }
  // Clients: the longest a request can take to resolve (all attempts).
  virtual Time request_lifetime() const { return client_timeout(); }

  virtual void resolve(const ComponentIndex& index) { (void)index; }
  virtual void build(BuildContext& ctx) = 0;
  virtual void connect(const ComponentIndex& index) { (void)index; }
  virtual void start() {}
  // After the run: close time integrals at the end of the measurement window.
  virtual void finish_run() {}
  // Fill in kind-specific figures. `out` arrives with name, kind and one
  // ReplicaRecord per replica (name, zone) already set.
  virtual void record(ComponentRecord& out) const = 0;

 protected:
  // Registers `actor` as replica i: an actor of the simulation and a node of
  // the network in its zone. Call from build() for i = 0..replicas-1 in order.
  void add_replica_actor(Simulation& sim, ReplicaActor& actor, int i);

 private:
  ComponentCommon common_;
  std::vector<std::string> replica_names_;
  std::vector<ActorId> actors_;
  std::vector<ReplicaActor*> replica_ptrs_;
  std::uint32_t trace_id_ = 0;
};

class ModelRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Component>(ComponentCommon, MapReader&)>;
  struct Entry {
    std::string kind;
    std::string summary;
    Factory factory;
  };

  // The registry with dsim's built-in models; add your own to it, or to a copy.
  static ModelRegistry& builtin();

  void add(std::string kind, std::string summary, Factory factory);
  const Entry* find(const std::string& kind) const;
  std::vector<std::string> kinds() const;

 private:
  std::map<std::string, Entry> entries_;
};

// Registers dsim's own models; called once by ModelRegistry::builtin().
void register_builtin_models(ModelRegistry& registry);

}  // namespace dsim
