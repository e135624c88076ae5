// The "clients" recorder: each client component's own figures, when a
// scenario has more than one (a client population per zone, per tenant):
// its availability, throughput and latency in the summary (beside the
// counts the client itself reports, components.<client>), and per window
// its successes, failures and availability as columns of the time series
// (succeeded.<client>, failed.<client>, availability.<client>).
//
// It counts as the "requests" recorder does (analysis/request_metrics.h): a
// request is in the summary if it was first sent in [warmup, duration); a
// window counts the requests that resolved in it. Windows are those that
// start before `duration` (the drain after it has no per-client columns).
// With a single client it records nothing: the run's own figures are its.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsim/analysis/recorder.h"
#include "dsim/models/events.h"
#include "dsim/sim/stats.h"

namespace dsim {

class World;

class ClientMetrics final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext& ctx) override;
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_resolved(const OperationResolved& e);

 private:
  struct PerClient {
    std::string name;
    std::uint64_t sent = 0;  // first sent in [warmup, duration) and resolved
    std::uint64_t succeeded = 0;
    std::uint64_t succeeded_in_window = 0;
    Histogram latency;
    std::vector<std::uint64_t> window_ok, window_failed;
  };
  const World* world_ = nullptr;
  std::vector<int> slot_of_component_;  // -1: not a client
  std::vector<PerClient> clients_;
  Time warmup_ = 0, duration_ = 0, window_ = 1;
};

}  // namespace dsim
