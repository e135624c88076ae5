// Occupancy of one server replica: time integrals of busy workers, waiting and
// in-system requests over the measurement window, and per-request flow. The
// three integrals share one clock, so a burst of changes at one instant (a
// departure that starts the next job) costs one integration step. Integrals
// are exact: integer nanoseconds times counts, in 128 bits.
//
// Services and balancers keep one per replica (models/service.h,
// models/load_balancer.h) and copy it into their ComponentRecord.
#pragma once

#include <cstdint>
#include <vector>

#include "dsim/models/component.h"
#include "dsim/models/component_record.h"
#include "dsim/sim/time.h"

namespace dsim {

class Occupancy {
 public:
  void init(Time window_start, Time window_end, std::uint64_t workers);

  bool in_window(Time t) const { return t >= start_ && t < end_; }

  // A request was accepted; returns whether it arrived in the window.
  bool accept(Time now) {
    advance(now);
    ++in_system_;
    const bool m = in_window(now);
    if (m) ++arrivals_;
    return m;
  }
  void reject(Time now) {
    if (in_window(now)) ++rejected_;
  }
  void queued(Time now, int delta) {
    advance(now);
    queue_ += delta;
  }
  void busy(Time now, int delta) {
    advance(now);
    busy_ += delta;
  }
  void depart(Time now, Time arrived_at, bool measured) {
    advance(now);
    --in_system_;
    if (measured) {
      ++departures_;
      time_in_system_ns_ += static_cast<double>(now - arrived_at);
    }
  }
  // A request in the system was lost (its server crashed): it leaves
  // without counting as a departure.
  void lose(Time now) {
    advance(now);
    --in_system_;
  }
  std::int64_t in_system() const { return in_system_; }

  // Closes the integrals at the end of the window, or at `at` if the run
  // stopped before it (the means then cover [start, at)); call once after
  // the run.
  void finish(Time at) {
    if (at < end_) end_ = at > start_ ? at : start_;
    advance(end_);
  }
  OccupancyRecord record() const;

 private:
  void advance(Time now) {
    if (now == last_) return;
    const Time a = last_ > start_ ? last_ : start_;
    const Time b = now < end_ ? now : end_;
    if (b > a) {
      const Time dt = b - a;
      busy_area_ += static_cast<__int128>(busy_) * dt;
      queue_area_ += static_cast<__int128>(queue_) * dt;
      in_system_area_ += static_cast<__int128>(in_system_) * dt;
    }
    last_ = now;
  }
  double mean(__int128 area) const;

  Time start_ = 0;
  Time end_ = 0;
  Time last_ = 0;
  std::uint64_t workers_ = 0;
  std::int64_t busy_ = 0;
  std::int64_t queue_ = 0;
  std::int64_t in_system_ = 0;
  __int128 busy_area_ = 0;
  __int128 queue_area_ = 0;
  __int128 in_system_area_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t departures_ = 0;
  double time_in_system_ns_ = 0;
};

// Sums replica records into a component record: counts and means add up;
// utilization is pooled (total busy / total workers).
OccupancyRecord sum_occupancy(const std::vector<OccupancyRecord>& parts);

// Fills `out` from its replicas' occupancy, in replica order: each replica's
// record and their sum. REQUIRES: one entry per replica of `out`.
void record_occupancy(const std::vector<OccupancyRecord>& replicas, ComponentRecord& out);

// An instance of servers: each replica R keeps an Occupancy (R::occupancy()),
// closed after the run and reported per replica and summed. Balancers and
// services are ones; a model of one's own that queues work can be too.
template <class Spec, class R>
class ServerInstance : public ReplicatedInstance<Spec, R> {
 public:
  using ReplicatedInstance<Spec, R>::ReplicatedInstance;

  void finish_run() override {
    const Time at = this->halted_at();
    for (auto& r : this->replicas_) r->occupancy().finish(at);
  }
  void record(ComponentRecord& out) const override {
    std::vector<OccupancyRecord> parts;
    for (const auto& r : this->replicas_) parts.push_back(r->occupancy().record());
    record_occupancy(parts, out);
  }
  std::uint64_t in_system_now() const override {
    std::uint64_t n = 0;
    for (const auto& r : this->replicas_) n += static_cast<std::uint64_t>(r->occupancy().in_system());
    return n;
  }
};

}  // namespace dsim
