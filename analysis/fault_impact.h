// The "faults" recorder: what each fault and random failure did.
//
// For every FaultBegan (models/events.h) it opens a FaultRecord: kind,
// target, when. While the fault is active, the first BackendHealthChanged
// that marks down a node the fault names is its detection. From the fault's
// start it counts client requests that fail, and watches the per-window
// availability (the same windows as the time series, analysis/window_clock.h)
// against the scenario's SLO: the start of the first window back at or above
// the SLO after one below it is the fault's recovery, and the failures up to
// it are the fault's. A fault that never pulls a window below the SLO before
// its end plus the longest time a request can take (the horizon) had no
// visible effect; its failures are counted up to the horizon.
//
// A scenario without faults or failures subscribes to nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "dsim/analysis/recorder.h"
#include "dsim/analysis/window_clock.h"
#include "dsim/models/events.h"

namespace dsim {

class FaultImpact final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext& ctx) override;
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_fault_began(const FaultBegan& e);
  void on_fault_ended(const FaultEnded& e);
  void on_backend_health(const BackendHealthChanged& e);
  void on_invoked(const OperationInvoked& e);
  void on_retried(const OperationRetried& e);
  void on_resolved(const OperationResolved& e);

 private:
  // Recovery tracking of one fault.
  struct Tracker {
    Time at = 0;
    std::optional<Time> horizon;
    bool dipped = false;
    bool closed = false;
    std::optional<Time> recovered;
    std::uint64_t failed = 0;           // since `at`, while not closed
    std::uint64_t failed_window = 0;    // of those, in the current window
    std::uint64_t failed_horizon = 0;   // of those, before the horizon
  };
  // A fault that is still on (detection looks at these).
  struct Active {
    std::size_t id;
    std::vector<ActorId> affected;  // sorted
  };
  // Outcomes in the current window, for its availability.
  struct Window {
    std::uint64_t sent = 0;
    std::uint64_t succeeded = 0;
    std::uint64_t resolved = 0;
  };

  void advance(Time now) {
    if (clock_.passed(now)) [[unlikely]]
      close_windows(now);
  }
  void close_windows(Time now);
  void evaluate(Time window_start, Time window_end);

  bool attached_ = false;  // the scenario has faults or failures
  double slo_ = 0.99;
  Time horizon_slack_ = 0;
  WindowClock clock_;
  Window cur_;
  bool closed_any_ = false;  // some window was closed
  std::vector<FaultRecord> records_;  // by fault id
  std::vector<Tracker> trackers_;     // by fault id
  std::vector<std::size_t> open_;     // ids of trackers not closed
  std::vector<Active> active_;
};

}  // namespace dsim
