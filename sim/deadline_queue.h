// Timeouts that all share one duration, with one pending event at a time.
//
// A request's timeout is usually cancelled (the reply arrives first), so giving
// each one its own event would fill the event heap with dead entries: at 15,000
// requests/s and a 30 s timeout that is 450,000 of them, which makes every heap
// operation slower. Deadlines of one fixed duration expire in the order they
// were set, so a FIFO suffices: entries whose request was already answered are
// dropped from the front as they are found, and only the earliest live deadline
// has an event in the heap. Cost: O(1) amortised per request, no allocation in
// steady state.
#pragma once

#include <cstdint>

#include "dsim/sim/ring_buffer.h"
#include "dsim/sim/simulation.h"
#include "dsim/sim/slot_table.h"

namespace dsim {

class DeadlineQueue {
 public:
  // Timer events go to `owner` with `kind` and `arg` (the owner tells its
  // queues apart by arg).
  void bind(Simulation& sim, ActorId owner, std::uint16_t kind, std::uint32_t arg, Time duration) {
    sim_ = &sim;
    owner_ = owner;
    kind_ = kind;
    arg_ = arg;
    duration_ = duration;
  }
  Time duration() const { return duration_; }
  std::size_t size() const { return q_.size(); }

  // Starts the timeout for h, expiring at now + duration.
  void push(Handle h) {
    const Time deadline = sim_->now() + duration_;
    q_.push_back(Entry{deadline, h});
    if (!armed_) arm(deadline);
  }

  // Drops entries at the front whose request is no longer pending. Call after
  // resolving a request so the queue stays as short as the set of pending ones.
  template <class IsLive>
  void trim(IsLive&& is_live) {
    while (!q_.empty() && !is_live(q_.front().handle)) q_.pop_front();
  }

  // Handles the timer event: calls expire(handle) for every pending request whose
  // deadline has passed, and re-arms for the next one.
  template <class IsLive, class Expire>
  void on_timer(IsLive&& is_live, Expire&& expire) {
    armed_ = false;
    const Time now = sim_->now();
    while (!q_.empty()) {
      const Entry e = q_.front();
      if (!is_live(e.handle)) {
        q_.pop_front();
        continue;
      }
      if (e.deadline > now) {
        arm(e.deadline);
        return;
      }
      q_.pop_front();
      expire(e.handle);
    }
  }

 private:
  struct Entry {
    Time deadline;
    Handle handle;
  };
  void arm(Time at) {
    armed_ = true;
    sim_->schedule(at, owner_, kind_, arg_);
  }

  Simulation* sim_ = nullptr;
  ActorId owner_ = 0;
  std::uint16_t kind_ = 0;
  std::uint32_t arg_ = 0;
  Time duration_ = 0;
  bool armed_ = false;
  RingBuffer<Entry> q_;
};

}  // namespace dsim
