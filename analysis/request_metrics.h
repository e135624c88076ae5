// The "requests" recorder: accounting of client requests — counts by
// outcome, latency, and the per-window time series.
//
// It observes every client operation (OperationInvoked, OperationRetried,
// OperationResolved in models/events.h). A request counts in the summary if
// it was first sent in [warmup, duration); after `duration` no request is
// sent, and those in flight run until they resolve, so sent = succeeded +
// failed holds exactly. The time series counts every request (warm-up
// included): outcomes in the window where they resolved, sends in the window
// where they were sent.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "dsim/analysis/recorder.h"
#include "dsim/analysis/window_clock.h"
#include "dsim/models/events.h"
#include "dsim/sim/stats.h"

namespace dsim {

class RequestMetrics final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext& ctx) override;
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_invoked(const OperationInvoked& e) {
    advance(e.at);
    ++cur_.sent;
    ++cur_.attempts;
    if (measured(e.at)) {
      ++rec_.sent;
      ++rec_.attempts;
    }
  }
  void on_retried(const OperationRetried& e) {
    advance(e.at);
    ++cur_.attempts;
    if (measured(e.invoked)) ++rec_.attempts;
  }
  void on_resolved(const OperationResolved& e) {
    advance(e.completed);
    const Time latency = std::max<Time>(0, e.completed - e.invoked);
    const int bucket = Histogram::index_of(latency);  // both histograms' (computed once)
    if (e.status == Status::kOk) {
      ++cur_.succeeded;
      window_latency_.record(latency, bucket);
      if (measured(e.completed)) ++rec_.succeeded_in_window;
    } else {
      cur_.failed.add(e.status);
    }
    if (measured(e.invoked)) {
      if (e.op != Operation::kRequest) [[unlikely]]
        on_operation(e, latency);
      if (e.status == Status::kOk) {
        ++rec_.succeeded;
        rec_.latency.record(latency, bucket);
        batches_.add(static_cast<double>(latency));
      } else {
        rec_.failed.add(e.status);
      }
      if (e.responded) ++rec_.completed;
    }
  }

 private:
  bool measured(Time sent_at) const { return sent_at >= warmup_ && sent_at < duration_; }
  void on_operation(const OperationResolved& e, Time latency) {
    rec_.has_operations = true;
    OperationRecord& o = rec_.operations[e.op == Operation::kRead ? 0 : 1];
    ++o.sent;
    if (e.status == Status::kOk) {
      ++o.succeeded;
      o.latency.record(latency);
    } else {
      o.failed.add(e.status);
    }
  }
  void advance(Time now) {
    if (clock_.passed(now)) [[unlikely]]
      close_windows(now);
  }
  void close_windows(Time now);
  void close_window();

  // Rows of the time series after `duration`, at most (docs/SUMMARY.md).
  static constexpr int kMaxDrainRows = 1000;
  int drain_rows_ = 0;
  Time warmup_ = 0;
  Time duration_ = 0;
  WindowClock clock_;
  RequestRecord rec_;
  BatchMeans batches_;
  WindowRecord cur_;
  Histogram window_latency_;
  std::vector<WindowRecord> windows_;
};

}  // namespace dsim
