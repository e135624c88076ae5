// The "availability" recorder: how long each component that faults can take
// down had enough replicas up, beside the Markov chain's figure.
//
// A component is tracked when a crash, kill or zone outage names one of its
// replicas, or when it has `failures:`. From ReplicaStateChanged events
// (models/events.h) it integrates, over the measurement window [warmup,
// duration), the time with at least `required` replicas up (the component's
// failures.required, else 1): AvailabilityRecord::simulated in the run's
// record. For a component with `failures:` it adds the steady state of its
// replicas' continuous-time Markov chain from the failure and repair means
// (analysis/availability.h): AvailabilityRecord::analytic.
#pragma once

#include <vector>

#include "dsim/analysis/recorder.h"
#include "dsim/models/events.h"

namespace dsim {

class AvailabilityRecorder final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext& ctx) override;
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_replica(const ReplicaStateChanged& e);

 private:
  struct Tracked {
    std::size_t component = 0;  // index into the spec's components
    int replicas = 0;
    int required = 1;
    int up = 0;
    Time last = 0;
    __int128 available_ns = 0;  // time with >= required up, within [warmup, duration)
    const FailureSpec* failures = nullptr;
  };
  // Adds the time since the last change, if enough replicas were up.
  void account(Tracked& t, Time now) const;

  Time warmup_ = 0;
  Time duration_ = 0;
  std::vector<Tracked> tracked_;
  std::vector<int> slot_of_component_;  // index into tracked_, or -1
  const World* world_ = nullptr;
};

}  // namespace dsim
