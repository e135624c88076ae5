// The discrete-event engine: simulated clock, pending events, actors, network.
//
// An Actor is anything that receives events: a client, a replica of a service,
// a fault injector. Actors schedule events for themselves (timers) and send
// messages to other actors through the Network, which delivers them as events.
// The loop pops the earliest event, advances the clock to its time and calls
// the target actor; nothing else advances time. One virtual call per event is
// the only indirection on the hot path (see docs/ARCHITECTURE.md for numbers).
//
// What models observe (a request resolved, a node went down) they publish on
// the simulation's Bus (sim/bus.h) for recorders; the engine itself publishes
// nothing. Open work (begin_work/end_work) is how a run knows when everything
// it started has finished: after the last arrival, the loop runs until no
// work is open (run_until_idle).
//
// Thread safety: none. One simulation runs on one thread; a sweep runs many,
// each with its own Simulation.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "dsim/sim/bus.h"
#include "dsim/sim/event_queue.h"
#include "dsim/sim/message.h"
#include "dsim/sim/ring_buffer.h"
#include "dsim/sim/rng.h"
#include "dsim/sim/time.h"

namespace dsim {

class Network;
class Simulation;

// Thrown by run_until when simulated time stops advancing: a loop of events
// with no delay in it (e.g. closed-loop users with no think time whose
// requests are answered with no latency). Unwinds cleanly.
class SimulationStalled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
// A Volatile or Durable value of an actor (sim/node_state.h).
class NodeStateBase {
 public:
  virtual void reset() = 0;

 protected:
  ~NodeStateBase() = default;
};
}  // namespace detail

class Network;

class Actor {
 public:
  virtual ~Actor() = default;
  Actor() = default;
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  // A scheduled event of this actor's own, with the kind and argument it chose.
  virtual void on_event(std::uint16_t kind, std::uint32_t arg) = 0;
  // A message delivered by the network. The default treats it as a bug: an
  // actor that is not a network node never receives messages.
  virtual void on_message(const Message& msg);

  // The node's process stopped (Network::set_condition: a crash or a kill):
  // drop what a crash loses — work in progress, queues, outstanding calls —
  // and keep what survives it (what a store has written to disk). The
  // engine resets the actor's Volatile state (sim/node_state.h) right after
  // this returns, so on_down may still look at it. While the node is down
  // no message reaches it, but its own timers still fire and it could still
  // send: a model ignores its timers while down. Default: nothing.
  virtual void on_down() {}
  // The process started again, with what on_down kept.
  virtual void on_up() {}

  ActorId actor_id() const { return id_; }

  // State managed for the crash semantics (sim/node_state.h), registered by
  // its constructor and removed by its destructor: the engine resets the
  // volatile values when the node goes down (after on_down()), and the
  // durable ones too when it loses its disk (Network::lose_disk).
  void register_state(detail::NodeStateBase& state, bool durable) {
    (durable ? durable_ : volatile_).push_back(&state);
  }
  void unregister_state(detail::NodeStateBase& state) {
    for (auto* list : {&volatile_, &durable_})
      for (std::size_t i = 0; i < list->size(); ++i)
        if ((*list)[i] == &state) {
          list->erase(list->begin() + static_cast<std::ptrdiff_t>(i));
          return;
        }
  }

 private:
  friend class Simulation;
  friend class Network;
  void lose_volatile_state() {
    for (auto* s : volatile_) s->reset();
  }
  void lose_durable_state() {
    for (auto* s : durable_) s->reset();
  }
  ActorId id_ = 0;
  std::vector<detail::NodeStateBase*> volatile_;
  std::vector<detail::NodeStateBase*> durable_;
};

class Simulation {
 public:
  // Actor id 0 is reserved for the network's own delivery events.
  static constexpr ActorId kNetworkActor = 0;

  explicit Simulation(std::uint64_t seed);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  std::uint64_t seed() const { return seed_; }
  Time now() const { return now_; }

  // The independent random stream for `name` under this run's seed.
  Rng stream(std::string_view name) const { return Rng::stream(seed_, name); }

  // Registers an actor, which must outlive the simulation's run. Returns its id.
  ActorId add_actor(Actor& actor);
  Actor& actor(ActorId id) const { return *actors_[id]; }
  std::size_t actor_count() const { return actors_.size(); }

  // REQUIRES: at >= now(); kind < 0xffff.
  void schedule(Time at, ActorId target, std::uint16_t kind, std::uint32_t arg) {
    DSIM_CHECK(at >= now_);
    queue_.push(Event{at, (next_seq_++ << 16) | kind, target, arg});
  }
  // A delay past the end of time saturates (the event never runs).
  void schedule_after(Time delay, ActorId target, std::uint16_t kind, std::uint32_t arg) {
    schedule(sat_add(now_, delay), target, kind, arg);
  }
  // The same as schedule(), faster for a stream of events whose times do not
  // decrease in the order they are scheduled, such as a fixed delay after
  // now(): those wait in a FIFO instead of the heap. Ordering is unchanged
  // (the loop takes the earlier of the FIFO's front and the heap's top by
  // (time, sequence)), and an event that would break the FIFO's order goes to
  // the heap, so any use is correct; in-order use is what makes it fast.
  void schedule_in_order(Time at, ActorId target, std::uint16_t kind, std::uint32_t arg) {
    DSIM_CHECK(at >= now_);
    const Event e{at, (next_seq_++ << 16) | kind, target, arg};
    if (fifo_.empty() || fifo_.back().time <= at) {
      fifo_.push_back(e);
    } else {
      queue_.push(e);
    }
  }

  Network& network() { return *network_; }
  const Network& network() const { return *network_; }

  // Where models publish what they observe, for recorders.
  Bus& bus() { return bus_; }

  // Open work: something started that the run must see finish, such as a
  // client request (counted from its first send to its resolution). Cheap:
  // a counter. REQUIRES for end_work: open_work() > 0.
  void begin_work() { ++open_work_; }
  void end_work() {
    DSIM_CHECK(open_work_ > 0);
    if (--open_work_ == 0 && stop_when_idle_) stopped_ = true;
  }
  std::uint64_t open_work() const { return open_work_; }
  // Like run_until, but also returns as soon as no work is open (after the
  // event that closed the last of it), with the clock at that event.
  void run_until_idle(Time limit) {
    if (open_work_ == 0) return;
    stop_when_idle_ = true;
    run_until(limit);
    stop_when_idle_ = false;
  }

  // Runs events whose time is <= limit, in order, until there are none left or
  // stop() is called. The clock ends at the last event run (or `limit` if the
  // queue ran past it). May be called again to continue.
  void run_until(Time limit);
  // Makes run_until return after the current event.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }
  // Ends the run early (a budget exceeded, an interrupt): run_until returns
  // after the current event, and every later call returns at once. For
  // whoever drives the run, typically from the progress callback.
  void halt() {
    halted_ = true;
    stopped_ = true;
  }
  bool halted() const { return halted_; }

  std::uint64_t events_processed() const { return events_; }
  std::size_t pending_events() const { return queue_.size() + fifo_.size(); }

  // Called every `every` events during run_until (a progress display, a
  // budget check); may call halt() but must not touch other simulation state.
  using ProgressFn = void (*)(void* ctx, Simulation& sim);
  void set_progress(ProgressFn fn, void* ctx, std::uint64_t every);
  // A stall: this many events at one simulated instant (seen at the checks
  // above) throws SimulationStalled. Default 128 Mi.
  void set_stall_limit(std::uint64_t events) { stall_events_ = events; }

 private:
  std::uint64_t seed_;
  Time now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t events_ = 0;
  bool stopped_ = false;
  bool halted_ = false;
  bool stop_when_idle_ = false;
  std::uint64_t open_work_ = 0;
  EventQueue queue_;
  RingBuffer<Event> fifo_;  // see schedule_in_order()
  std::vector<Actor*> actors_;
  std::unique_ptr<Network> network_;
  Bus bus_;
  ProgressFn progress_ = nullptr;
  void* progress_ctx_ = nullptr;
  std::uint64_t progress_every_ = kCheckEvery;
  // Every kCheckEvery events (or as set_progress says): the progress
  // callback, and a check that time moves.
  static constexpr std::uint64_t kCheckEvery = 1u << 20;
  std::uint64_t stall_events_ = std::uint64_t{128} << 20;
  Time last_check_time_ = -1;
  std::uint64_t events_at_last_time_change_ = 0;
  void periodic_check();
};

}  // namespace dsim

#include "dsim/sim/network.h"

namespace dsim {

void Network::send(const Message& msg) {
  // A message between actors that are not nodes is a model bug. The zone
  // check is folded into the pair index: kNoZone makes it out of range.
  DSIM_CHECK((msg.src > msg.dst ? msg.src : msg.dst) < nodes_.size());
  const std::size_t pair = static_cast<std::size_t>(nodes_[msg.src].zone) * zone_count_ + nodes_[msg.dst].zone;
  DSIM_CHECK(pair < fixed_delay_.size());
  const Time delay = fixed_delay_[pair];
  if (delay < 0 || !degraded_.empty()) [[unlikely]] {
    send_general(msg, pair);
    return;
  }
  // The common case: the default link with a fixed delay. Such messages
  // arrive in the order they are sent, so they take the in-order lane.
  ++sent_;
  sim_.schedule_in_order(sim_.now() + delay, Simulation::kNetworkActor, 0, store(msg));
}

void Network::deliver(std::uint32_t slot) {
  // Copy out and free the slot first: the receiver may send, which may grow
  // the pool and move its storage.
  const Message msg = pool_[slot];
  free_.push_back(slot);
  if (delivery_checks_) [[unlikely]] {
    // A cut network comes first: a refusal from a killed host cannot cross it.
    if (doomed_[slot] != 0 || (filter_ != nullptr && !filter_->allow(msg))) {
      undeliverable(msg);
      return;
    }
    const NodeCondition c = nodes_[msg.dst].condition;
    if (c != NodeCondition::kUp) {
      if (c == NodeCondition::kRefusing && msg.has(kExpectsReply)) {
        // The host answers for its dead process: connection refused. The
        // refusal is a message like any other (latency, partitions, loss).
        Message refusal;
        refusal.src = msg.dst;
        refusal.dst = msg.src;
        refusal.bytes = kRefusalBytes;
        refusal.type = msg.type;
        refusal.tag = msg.tag;
        refusal.token = msg.token;
        refusal.gen = msg.gen;
        refusal.flags = kRefused;
        send(refusal);
      }
      undeliverable(msg);
      return;
    }
  }
  if (msg.has(kPooledPayload)) [[unlikely]] {
    delivering_payload_ = true;
    delivering_ref_ = msg.words[1];
    sim_.actor(msg.dst).on_message(msg);
    // Consumed: released, unless the receiver took it.
    if (!payload_taken_) payloads_.release(msg.words[1]);
    delivering_payload_ = false;
    payload_taken_ = false;
    return;
  }
  sim_.actor(msg.dst).on_message(msg);
}

}  // namespace dsim
