// Autoscaling a service the way Kubernetes' HorizontalPodAutoscaler does
// (autoscaling/v2, with its default behaviour): what to scale to, decided
// once per sync period from the ready replicas' measured utilisation.
//
// One sync, given the current replica count (starting and ready), the ready
// ones — ready for the whole last period — with their mean worker
// utilisation over it, and the unready ones (starting, ready only since
// the period began, crashed):
//   1. recommendation = ceil(ready × measured / target), or the current
//      count while |measured / target − 1| <= tolerance (or nothing was
//      measured); clamped to [min, max]. As the HPA does, when it would
//      scale up while replicas are unready, those count as idle: the ratio
//      is taken again over ready + unready, and if that one is within
//      tolerance or below 1, or the result is below the current count,
//      the count stays (so replicas still starting are not asked for
//      twice);
//   2. stabilisation: a scale-up goes no higher than the lowest
//      recommendation within scale_up_stabilization, a scale-down no lower
//      than the highest within scale_down_stabilization (so a dip in load
//      does not remove replicas a peak will need again);
//   3. rate limits: within any `period` the count rises by at most
//      max(percent × the count at the period's start, replicas) and falls
//      by at most the larger of the enabled policies' changes (HPA's
//      selectPolicy: Max).
// The service model (models/service.h) measures, starts replicas that serve
// after `startup`, drains the highest-index ones on scale-down, and records
// what happened. This class is the decision alone, deterministic and
// testable without a simulation.
#pragma once

#include <cstdint>
#include <deque>

#include "dsim/sim/time.h"

namespace dsim {

// At most this much change per period: `percent` of the count at the
// period's start, or `replicas`, whichever allows more (0 turns a policy off).
struct ScalingLimit {
  double percent = 1.0;       // 1.0: 100 %
  std::int64_t replicas = 0;  // 0: off
  Time period = 15 * kSecond;
};

struct AutoscalingConfig {
  std::int64_t min = 1;
  std::int64_t max = 10;
  std::int64_t initial = 1;  // replicas at time 0 (ready), within [min, max]
  double target = 0.7;       // worker utilisation, (0, 1]
  Time sync_period = 15 * kSecond;
  double tolerance = 0.1;
  Time scale_up_stabilization = 0;
  Time scale_down_stabilization = 5 * kMinute;
  Time startup = 30 * kSecond;         // from creation until it serves
  Time drain_timeout = 30 * kSecond;   // a draining replica is removed after this, done or not
  ScalingLimit scale_up_limit{1.0, 4, 15 * kSecond};
  ScalingLimit scale_down_limit{1.0, 0, 15 * kSecond};
};

class HorizontalAutoscaler {
 public:
  // REQUIRES: 1 <= min <= initial <= max; 0 < target <= 1; tolerance >= 0;
  // sync_period > 0.
  explicit HorizontalAutoscaler(const AutoscalingConfig& config);

  struct Decision {
    std::int64_t recommended = 0;  // step 1
    std::int64_t replicas = 0;     // after stabilisation and rate limits
  };
  // The sync at `now` (times never decrease): `current` replicas, `ready`
  // of them measured at `utilization` (mean busy workers / workers; ignored
  // when ready is 0), `unready` not measured. A change it returns is taken
  // as made (rate limits count it).
  Decision sync(Time now, std::int64_t current, std::int64_t ready, double utilization, std::int64_t unready = 0);

 private:
  struct Entry {
    Time at;
    std::int64_t value;
  };
  std::int64_t up_limit(Time now, std::int64_t current) const;
  std::int64_t down_limit(Time now, std::int64_t current) const;

  AutoscalingConfig cfg_;
  std::deque<Entry> recommendations_;  // within the longer stabilisation window
  std::deque<Entry> changes_;          // replicas added (> 0) or removed (< 0), within the longer limit period
};

}  // namespace dsim
