// A component of a design: its spec (what the scenario says) and its
// instance in one run (the replicas' actors and their state).
//
// A ComponentSpec is one entry under `components:` — a client population, a
// load balancer, a service — as plain, immutable data: no YAML, no simulation
// state. The loader (loader/registry.h) turns YAML into specs, and a program
// may build specs in C++ directly. One spec serves every run of a scenario,
// on any number of threads at once.
//
// ComponentSpec::instantiate builds the component's part of one run: a
// ComponentInstance that owns one actor per replica (name-0 .. name-(N-1),
// or just `name` with one replica), registered with the simulation and placed
// in its zone. Life cycle of an instance, driven by the World
// (models/world.h):
//   1. instantiate — actors are created and placed in zones;
//   2. connect     — names of other components become actor ids;
//   3. start       — initial events are scheduled;
//   4. finish_run  — after the run, time integrals are closed;
//   5. record      — figures are copied into a ComponentRecord.
// What an instance observes for others (a request resolved, a backend marked
// down) it publishes on the bus (models/events.h); it never calls a recorder.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsim/models/component_record.h"
#include "dsim/models/pricing.h"
#include "dsim/sim/simulation.h"
#include "dsim/sim/slot_table.h"
#include "dsim/sim/time.h"

namespace dsim {

class ComponentInstance;
class World;
class Network;
struct Message;
struct RequestContext;

// The actor of one replica of a component. Servers (components that serve
// requests) can be crashed and killed (the engine then calls Actor::on_down
// and on_up) and slowed (set_slowdown) by faults (models/faults.h); the
// defaults do nothing.
class ReplicaActor : public Actor {
 public:
  // From now on service times are multiplied by `factor` (1: normal speed).
  // Called only for components whose spec accepts_slowdown().
  virtual void set_slowdown(double factor) { (void)factor; }
};

// The client side of a driver (ComponentInstance::make_driver): the client
// replica that runs it, whose actor sends the driver's messages and receives
// its answers and timers.
class DriverHost {
 public:
  virtual ~DriverHost() = default;
  virtual Simulation& sim() = 0;
  virtual ActorId actor() const = 0;
  // The name of the driver's random stream ("<client replica>/driver").
  virtual std::string stream_name() const = 0;
  // Timer events for the driver go to the host's actor with kinds from
  // here up (the host passes them to ClientDriver::on_event).
  static constexpr std::uint16_t kDriverEventBase = 0x100;
  // The driver's answer to an operation it started.
  virtual void driver_done(Handle op, std::uint16_t status, bool has_value, std::uint64_t value,
                           std::int64_t version) = 0;
};

// What a client asks of a driver.
struct DriverOptions {
  // A driver even where the component is not set up for one (a probe
  // coordinates itself whatever the store's `coordinator`).
  bool always = false;
  // Whether reads may repair replicas (a probe's reads must not).
  bool read_repair = true;
};

// Runs a client's operations against a component from the client's own
// actor: sends, timers and answers go through the host.
class ClientDriver {
 public:
  virtual ~ClientDriver() = default;
  // Starts an operation; the driver answers it exactly once through
  // DriverHost::driver_done (unless the host's actor goes down first).
  virtual void start(Handle op, const RequestContext& ctx) = 0;
  // A message for the driver (true), or not its own (false).
  virtual bool on_message(const Message& msg) = 0;
  virtual void on_event(std::uint16_t kind, std::uint32_t arg) = 0;
  virtual void on_down() = 0;
};

// What every kind has: a name, replicas and where they are.
struct ComponentCommon {
  std::string name;
  std::string kind;
  int replicas = 1;
  bool replicas_given = false;     // `replicas:` written: names are name-0 .. name-(N-1)
  std::vector<std::string> zones;  // replica i is in zones[i % zones.size()]; none: "default"
  ComponentPricing pricing = {};   // what it is billed as (analysis/cost.h)
};

// What instantiate() needs from the run being built.
struct BuildContext {
  Simulation& sim;
  // The world under construction: keep it to read node clocks during the
  // run (World::clock), or to look up other components in connect().
  World& world;
  // The measurement window [warmup, duration): requests first sent in it count.
  Time warmup;
  Time duration;
  // The largest client timeout in the scenario: the default for timeouts of
  // calls made on a request's behalf when none is configured.
  Time default_timeout;
  // The length of the report's windows (metrics.window): for figures over
  // time a component records (ComponentRecord::series).
  Time window = kSecond;
};

class ComponentSpec {
 public:
  // REQUIRES: common.replicas >= 1.
  explicit ComponentSpec(ComponentCommon common);
  virtual ~ComponentSpec();
  ComponentSpec(const ComponentSpec&) = delete;
  ComponentSpec& operator=(const ComponentSpec&) = delete;

  const std::string& name() const { return common_.name; }
  const std::string& kind() const { return common_.kind; }
  const ComponentCommon& common() const { return common_; }
  // What it is billed as; set by whoever builds the spec (the loader reads
  // the fields common to every kind), before the spec is shared.
  void set_pricing(ComponentPricing pricing) { common_.pricing = std::move(pricing); }
  int replica_count() const { return common_.replicas; }
  const std::string& replica_name(int i) const { return replica_names_[static_cast<std::size_t>(i)]; }
  const std::vector<std::string>& replica_names() const { return replica_names_; }
  const std::string& replica_zone(int i) const;

  // Whether other components may send requests to this one.
  virtual bool serves_requests() const = 0;
  // Whether a `slow` fault applies: its replicas' ReplicaActor::set_slowdown
  // multiplies their service times.
  virtual bool accepts_slowdown() const { return false; }
  // Whether the requests it serves must be reads and writes of keys (a
  // store): every client whose requests reach it needs a `mix`.
  virtual bool serves_operations() const { return false; }
  // Whether its instance records the reads and writes it receives from
  // outside (ComponentRecord::reads_received, writes_received): then it may
  // be priced per request, and hold storage (models/pricing.h). Stores and
  // services do.
  virtual bool records_requests_received() const { return false; }
  // Components (or single replicas) this one sends requests to, by name.
  virtual std::vector<std::string> downstream() const { return {}; }
  // Client timeout, for clients (used for default call timeouts); 0 otherwise.
  virtual Time client_timeout() const { return 0; }
  // The longest any work this component opens (Simulation::begin_work) can
  // stay open: for a client, a request with all its attempts. After the
  // last arrival a run waits this long at most for open work to finish.
  virtual Time request_lifetime() const { return client_timeout(); }

  // What building it allocates beyond its replicas, over all of them: a
  // service's workers, a closed-loop client's users (about 100 bytes each).
  // The loader bounds the sum over a design (scenarios/README.md, "Limits").
  virtual std::uint64_t slots() const { return 0; }

  // Offered load, where the spec alone can say (analysis/load.h; `dsim
  // validate` warns of overload, a run stopped by its budget names the
  // saturated component). All rates are requests per second, before retries.
  //
  // Requests it starts on its own whatever happens downstream (open-loop
  // clients); none when it depends on answers (closed loop) or starts none.
  virtual std::optional<double> open_loop_rate() const { return std::nullopt; }
  // For each request it receives, how many requests it sends to each of
  // downstream(), in that order (a service calling each once: 1 each; a
  // balancer: each backend's share, summing to 1). Empty: unknown.
  virtual std::vector<double> downstream_per_request() const {
    return std::vector<double>(downstream().size(), 1.0);
  }
  // Whether each request it receives goes on to one replica among all of
  // downstream()'s (a balancer), chosen in proportion to
  // downstream_per_request()[i] per replica, rather than to each of them.
  virtual bool splits_load() const { return false; }
  // Requests per second its replicas serve at most, all workers busy, from
  // its own service time alone (waiting on calls makes it lower); none when
  // it has no such bound.
  virtual std::optional<double> capacity() const { return std::nullopt; }

  // Builds this component's instance for one run: creates its replicas'
  // actors and registers each with ComponentInstance::add_replica_actor, in
  // order. Called once per run, on the run's thread; must not modify the spec.
  virtual std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const = 0;

 private:
  ComponentCommon common_;
  std::vector<std::string> replica_names_;
};

class ComponentInstance {
 public:
  explicit ComponentInstance(const ComponentSpec& spec) : spec_(spec) {}
  virtual ~ComponentInstance();
  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  const ComponentSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name(); }
  int replica_count() const { return spec_.replica_count(); }

  // Actor ids of the replicas, in replica order.
  const std::vector<ActorId>& replica_actors() const { return actors_; }
  ReplicaActor& replica_actor(int i) { return *replica_ptrs_[static_cast<std::size_t>(i)]; }
  const ReplicaActor& replica_actor(int i) const { return *replica_ptrs_[static_cast<std::size_t>(i)]; }

  // After every component is instantiated: turn the names this component
  // refers to into actor ids (World::nodes_named).
  virtual void connect(const World& world) { (void)world; }
  virtual void start() {}
  // After the run: close time integrals at the end of the measurement window.
  virtual void finish_run() {}
  // Fill in kind-specific figures. `out` arrives with name, kind and one
  // ReplicaRecord per replica (name, zone) already set.
  virtual void record(ComponentRecord& out) const = 0;
  // Requests it holds now, waiting or in service, over all replicas: what a
  // run's budget counts (analysis/run.h) and how it names a saturated
  // component. Components that hold no requests keep the default, 0.
  virtual std::uint64_t in_system_now() const { return 0; }

  // Settling, for components with state to converge (stores). After the
  // drain, if any component settles(), the run heals every fault, calls
  // begin_settle() on each (which sends what must still be sent — hints,
  // an anti-entropy round — as open work of the simulation, each piece
  // bounded by a timeout), runs until that work is done, then calls
  // end_settle(), where a store publishes its converged state
  // (StoreKeySettled). A run stopped early does not settle.
  virtual bool settles() const { return false; }
  virtual void begin_settle() {}
  virtual void end_settle() {}

  // Replicas that come and go (an autoscaled service, models/autoscaling.h):
  // whether replica i takes new requests now — callers choose among those
  // that do (World::follow_rotation) — and the calls to make on each change
  // from now on (registered in connect(); they run during the run, on its
  // thread). By default every replica always takes requests.
  using RotationWatcher = std::function<void(ActorId replica, bool in_rotation)>;
  virtual bool in_rotation(int replica) const {
    (void)replica;
    return true;
  }
  virtual void watch_rotation(RotationWatcher watcher) const { (void)watcher; }

  // A driver this component offers the clients that target it, to run
  // their operations from the client itself (a store's token-aware
  // driver); none by default. Called in connect(); `host` outlives it.
  virtual std::unique_ptr<ClientDriver> make_driver(DriverHost& host, const DriverOptions& options = {}) const {
    (void)host;
    (void)options;
    return nullptr;
  }

 protected:
  // Registers `actor` as replica i: an actor of the simulation and a node of
  // the network in its zone. Call from instantiate() for i = 0..replicas-1 in
  // order; `actor` must live as long as this instance.
  void add_replica_actor(BuildContext& ctx, ReplicaActor& actor, int i);
  // For finish_run: where a run that stopped early (Simulation::halt) ended,
  // else kTimeMax. REQUIRES: a replica was added.
  Time halted_at() const { return sim_->halted() ? sim_->now() : kTimeMax; }

 private:
  const ComponentSpec& spec_;
  const Simulation* sim_ = nullptr;
  std::vector<ActorId> actors_;
  std::vector<ReplicaActor*> replica_ptrs_;
};

// The usual instance: one actor of class R per replica, each built as
// R(spec, replica index, ctx), registered in order, then bound (R::bind(),
// for what needs the actor's id, such as timers aimed at itself).
template <class Spec, class R>
class ReplicatedInstance : public ComponentInstance {
 public:
  ReplicatedInstance(const Spec& spec, BuildContext& ctx) : ComponentInstance(spec), spec_(spec) {
    for (int i = 0; i < spec.replica_count(); ++i) {
      replicas_.push_back(std::make_unique<R>(spec, i, ctx));
      add_replica_actor(ctx, *replicas_.back(), i);
      replicas_.back()->bind();
    }
  }

 protected:
  const Spec& spec_;
  std::vector<std::unique_ptr<R>> replicas_;
};

}  // namespace dsim
