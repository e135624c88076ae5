#include "sim/simulation.h"

#include "sim/network.h"

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

void Simulation::set_observer(Observer fn, void* ctx, std::uint64_t every) {
  observer_ = fn;
  observer_ctx_ = ctx;
  observer_every_ = every;
}

void Simulation::run_until(Time limit) {
  stopped_ = false;
  Network& net = *network_;
  std::uint64_t next_observe = observer_ != nullptr ? events_ + observer_every_ : UINT64_MAX;
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
      observer_(observer_ctx_, *this);
      next_observe = events_ + observer_every_;
    }
    if (stopped_) [[unlikely]]
      return;
  }
}

}  // namespace dsim
