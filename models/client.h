// kind: client — the users of the design.
//
// Open loop: requests arrive at `rate` regardless of how fast they are answered
// (`arrival: poisson` or `constant`), as from a large population. Closed loop:
// `users` each send one request, wait for its answer (or its `timeout`), think
// for `think_time`, and repeat. Each request goes to `target` (one of its
// replicas, round robin). With replicas, rate and users are split evenly.
//
// Load over time: an open-loop rate may follow a schedule (points, a daily
// curve, bursts: models/rate_schedule.h), arrivals then form a
// non-homogeneous Poisson process by thinning, or are evenly spaced in the
// schedule's expected count; or a recorded trace is replayed as it is
// (models/arrival_trace.h). A closed loop's number of users may follow
// points: user i (from 0, over all replicas) takes part while the schedule
// is at least i + 1, finishing the request it has when the count drops.
//
// A client publishes every request it sends and resolves (OperationInvoked,
// OperationRetried, OperationResolved in models/events.h): that is where
// latency, availability and, later, histories are measured. Each request is
// open work of the simulation from its first send to its resolution, so a run
// ends only when every request has resolved.
// Example: scenarios/ecommerce.yaml; fields: scenarios/README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsim/models/arrival_trace.h"
#include "dsim/models/component.h"
#include "dsim/models/rate_schedule.h"
#include "dsim/models/retry.h"
#include "dsim/sim/distribution.h"
#include "dsim/sim/keys.h"

namespace dsim {

// Reads and writes (`mix`): the share of each; they sum to 1.
struct OperationMix {
  double read = 1;
  double write = 0;
};

// Which keys operations touch (`keys`).
struct KeysConfig {
  KeyDistribution dist;       // keys 0 .. count-1
  double fresh_writes = 0;    // share of writes to a key no other operation uses
};

struct RetryBudgetConfig {
  double ratio = 0.1;
  double min_per_s = 10;
};

class ClientSpec final : public ComponentSpec {
 public:
  enum class Loop { kOpen, kClosed };
  enum class Arrival { kPoisson, kConstant };

  struct Config {
    Loop loop = Loop::kOpen;
    Arrival arrival = Arrival::kPoisson;
    double rate = 0;                 // requests per second, all replicas together; open loop
                                     // (with a schedule or a replay: the peak)
    std::int64_t users = 0;          // closed loop, all replicas together (with a schedule: the peak)
    // Open loop: the rate over time; closed loop: the users over time
    // (points only). None, or one that does not vary: `rate` or `users`
    // throughout.
    std::optional<RateSchedule> schedule;
    // Open loop: arrivals replayed from a recording (then no schedule).
    std::shared_ptr<const ArrivalTrace> replay;
    Distribution think_time;         // closed loop
    Time timeout = 30 * kSecond;     // per attempt
    std::int64_t retries = 0;        // further attempts after a failure
    Backoff backoff;
    std::optional<RetryBudgetConfig> retry_budget;
    std::optional<Time> deadline;    // all attempts together
    std::uint32_t request_size = 1000;
    std::string target;              // a component that serves requests
    // Reads and writes on keys, for stores; none: plain requests.
    std::optional<OperationMix> mix;
    KeysConfig keys;
  };

  // REQUIRES: rate > 0 (open loop) or users >= 1 (closed loop); timeout > 0;
  // not both a schedule and a replay; a replay only in open loop and a
  // closed loop's schedule of points only; a replay with operations only
  // with a mix.
  ClientSpec(ComponentCommon common, Config config);
  ~ClientSpec() override;

  const Config& config() const { return config_; }
  // For the loader, once the run's duration is known: an open loop's rate
  // over time counts its peak within the run only (open_loop_rate, for
  // overload warnings), not one after it ends.
  void keep_peak_within(Time duration);

  bool serves_requests() const override { return false; }
  std::vector<std::string> downstream() const override { return {config_.target}; }
  Time client_timeout() const override { return config_.timeout; }
  Time request_lifetime() const override;
  std::uint64_t slots() const override { return static_cast<std::uint64_t>(config_.users); }
  std::optional<double> open_loop_rate() const override {
    if (config_.loop == Loop::kOpen) return config_.rate;
    return std::nullopt;
  }
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override;

 private:
  Config config_;
};

}  // namespace dsim
