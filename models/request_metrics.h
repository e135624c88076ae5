// Accounting of client requests: counts, latency, and the per-window series.
//
// A request counts in the summary if it was first sent in [warmup, duration);
// after `duration` no request is sent, and those in flight run until they
// resolve, so sent = succeeded + failed holds exactly. The time series counts
// every request (warm-up included): outcomes in the window where they resolved,
// sends in the window where they were sent.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/record.h"
#include "models/rpc.h"
#include "sim/simulation.h"
#include "sim/stats.h"

namespace dsim {

class RequestMetrics {
 public:
  RequestMetrics(Time warmup, Time duration, Time window);

  bool measured(Time sent_at) const { return sent_at >= warmup_ && sent_at < duration_; }

  void on_sent(Time now) {
    advance(now);
    ++cur_.sent;
    ++cur_.attempts;
    ++outstanding_;
    if (measured(now)) {
      ++rec_.sent;
      ++rec_.attempts;
    }
  }
  // A retry of a request first sent at `sent_at`.
  void on_retry(Time now, Time sent_at) {
    advance(now);
    ++cur_.attempts;
    if (measured(sent_at)) ++rec_.attempts;
  }

  // A request resolved: `status` kOk on success; `responded` false when the
  // client gave up waiting, true when an answer (success or error) arrived.
  void on_resolved(Time now, Time sent_at, Status status, bool responded) {
    advance(now);
    --outstanding_;
    const Time latency = now - sent_at;
    if (status == Status::kOk) {
      ++cur_.succeeded;
      window_latency_.record(latency);
    } else {
      ++cur_.failed[static_cast<std::size_t>(failure_index(status))];
      if (!open_faults_.empty()) count_fault_failure(now);
    }
    if (measured(sent_at)) {
      if (status == Status::kOk) {
        ++rec_.succeeded;
        rec_.latency.record(latency);
        batches_.add(static_cast<double>(latency));
      } else {
        ++rec_.failed[static_cast<std::size_t>(failure_index(status))];
      }
      if (responded) ++rec_.completed;
    }
    if (outstanding_ == 0 && stop_when_drained_ != nullptr) stop_when_drained_->stop();
  }

  std::uint64_t outstanding() const { return outstanding_; }
  // From now on, stop `sim` as soon as no request is outstanding.
  void stop_when_drained(Simulation* sim) { stop_when_drained_ = sim; }

  // Closes the last window at `end` and moves the results into `out`.
  void finish(Time end, RunRecord& out);

  // --- Impact of faults (docs/SUMMARY.md, "faults"). ---
  // Availability objective per window (default 0.99).
  void set_slo(double availability) { slo_ = availability; }
  // From now (a fault's start) on, counts client failures and looks for the
  // first window whose availability is back at or above the SLO after one
  // below it. `horizon`: if no window falls below the SLO before it, stop
  // looking then (the fault had no visible effect). Returns an id.
  std::size_t track_fault(Time at, std::optional<Time> horizon);
  struct FaultImpact {
    std::optional<Time> recovered;
    std::uint64_t failed = 0;
  };
  // After finish().
  FaultImpact fault_impact(std::size_t id) const;

 private:
  struct FaultTracker {
    Time at = 0;
    std::optional<Time> horizon;
    bool dipped = false;
    bool closed = false;
    std::optional<Time> recovered;
    std::uint64_t failed = 0;           // since `at`, while not closed
    std::uint64_t failed_window = 0;    // of those, in the current window
    std::uint64_t failed_horizon = 0;   // of those, before the horizon
  };
  void count_fault_failure(Time now);
  void evaluate_faults(const WindowRecord& w, Time window_end);

  void advance(Time now) {
    if (now >= window_end_) [[unlikely]]
      close_windows(now);
  }
  void close_windows(Time now);

  Time warmup_;
  Time duration_;
  Time window_;
  Time window_end_;
  std::uint64_t outstanding_ = 0;
  Simulation* stop_when_drained_ = nullptr;
  RequestRecord rec_;
  BatchMeans batches_;
  WindowRecord cur_;
  Histogram window_latency_;
  std::vector<WindowRecord> windows_;
  double slo_ = 0.99;
  std::vector<FaultTracker> faults_;
  std::vector<std::size_t> open_faults_;  // indices into faults_ not closed
};

// Occupancy of one server replica: time integrals of busy workers, waiting and
// in-system requests over the measurement window, and per-request flow. The
// three integrals share one clock, so a burst of changes at one instant (a
// departure that starts the next job) costs one integration step.
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

  // Closes the integrals at the end of the window; call once after the run.
  void finish() { advance(end_); }
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

}  // namespace dsim
