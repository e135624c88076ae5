#include "dsim/sim/simulation.h"

#include <cstdio>
#include <string>

#include "dsim/sim/network.h"

namespace dsim {

void Actor::on_message(const Message& msg) {
  (void)msg;
  DSIM_CHECK_MSG(false, "a message was delivered to an actor that is not a network node");
}

Simulation::Simulation(std::uint64_t seed) : seed_(seed), network_(std::make_unique<Network>(*this)) {
  actors_.push_back(nullptr);  // id 0: the network
  queue_.reserve(1024);
}

Simulation::~Simulation() = default;

ActorId Simulation::add_actor(Actor& actor) {
  actor.id_ = static_cast<ActorId>(actors_.size());
  actors_.push_back(&actor);
  return actor.id_;
}

void Simulation::set_progress(ProgressFn fn, void* ctx, std::uint64_t every) {
  DSIM_CHECK(every > 0);
  progress_ = fn;
  progress_ctx_ = ctx;
  progress_every_ = every;
}

void Simulation::periodic_check() {
  if (progress_ != nullptr) progress_(progress_ctx_, *this);
  if (now_ != last_check_time_) {
    last_check_time_ = now_;
    events_at_last_time_change_ = events_;
    return;
  }
  if (events_ - events_at_last_time_change_ >= stall_events_) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(now_) / 1e9);
    throw SimulationStalled(
        "simulated time stopped advancing at " + std::string(buf) + " s: over " +
        std::to_string(stall_events_ / 1'000'000) +
        " million events ran at that instant. Something loops with no delay: e.g. closed-loop users with no "
        "think_time whose requests are answered or rejected with no network latency and no service time. "
        "Give the loop a delay (think_time, network.latency, or a service_time above 0)");
  }
}

void Simulation::run_until(Time limit) {
  if (halted_) return;
  stopped_ = false;
  Network& net = *network_;
  std::uint64_t next_observe = events_ + progress_every_;
  for (;;) {
    // The next event is the earlier of the heap's top and the FIFO's front.
    const bool from_fifo = !fifo_.empty() && (queue_.empty() || before(fifo_.front(), queue_.top()));
    if (!from_fifo && queue_.empty()) break;
    const Event ev = from_fifo ? fifo_.front() : queue_.top();
    if (ev.time > limit) {
      now_ = limit;
      return;
    }
    if (from_fifo) {
      fifo_.pop_front();
    } else {
      queue_.pop();
    }
    now_ = ev.time;
    ++events_;
    if (ev.target == kNetworkActor) {
      net.deliver(ev.arg);
    } else {
      actors_[ev.target]->on_event(ev.kind(), ev.arg);
    }
    if (events_ >= next_observe) [[unlikely]] {
      periodic_check();
      next_observe = events_ + progress_every_;
    }
    if (stopped_) [[unlikely]] {
      // A halt from the progress callback leaves the clock at the last event.
      return;
    }
  }
}

}  // namespace dsim
