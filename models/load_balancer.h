// kind: load_balancer — a full proxy in front of backends, as HAProxy is.
//
// Each request is forwarded to one backend chosen by `policy`; the backend's
// answer returns through the balancer to the caller (two network hops each
// way). Policies: round_robin, weighted_round_robin (smooth, as nginx),
// random, least_connections (ties broken round robin, as HAProxy's leastconn)
// and power_of_two_choices (two random backends, the less loaded one wins).
// `backends` names components (all their replicas) or single replicas, each
// with a weight.
//
// With health checks, a balancer publishes each verdict that marks a backend
// down or up (BackendHealthChanged, models/events.h); a fault recorder uses
// them to say when a fault was detected. Every relayed answer is published as
// a RequestProxied.
// Example: scenarios/ecommerce.yaml; fields: scenarios/README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsim/models/component.h"

namespace dsim {

class LoadBalancerSpec final : public ComponentSpec {
 public:
  enum class Policy { kRoundRobin, kWeightedRoundRobin, kRandom, kLeastConnections, kPowerOfTwoChoices };

  // A component (every replica gets `weight`) or a single replica ("app-1").
  struct Backend {
    std::string name;
    double weight = 1.0;  // >= 0; 0 takes it out of rotation
  };

  // HAProxy's health checks: every `interval` a probe to each backend; it
  // fails if no answer comes within `timeout` (or the connection is refused).
  // `fall` failures in a row mark the backend down (no new requests), `rise`
  // successes in a row mark it up again.
  struct HealthCheck {
    Time interval = 2 * kSecond;
    Time timeout = 2 * kSecond;  // at most the interval
    std::int64_t fall = 3;
    std::int64_t rise = 2;
  };

  struct Config {
    Policy policy = Policy::kRoundRobin;
    std::vector<Backend> backends;
    std::optional<Time> call_timeout;         // default: the request's client timeout
    std::optional<HealthCheck> health_check;  // none: traffic goes to dead backends too
  };

  // REQUIRES: at least one backend; weights >= 0. (With every weight 0, no
  // backend is eligible and each request is answered "unavailable"; the
  // loader rejects that with a located message.)
  LoadBalancerSpec(ComponentCommon common, Config config);
  ~LoadBalancerSpec() override;

  // "round_robin", ... in the order of Policy.
  static const std::vector<std::string>& policy_names();
  static const char* policy_name(Policy p);

  const Config& config() const { return config_; }

  bool serves_requests() const override { return true; }
  std::vector<std::string> downstream() const override;
  // Backend weights (round robin: 1 for every backend in rotation).
  std::vector<double> downstream_per_request() const override;
  bool splits_load() const override { return true; }
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override;

 private:
  Config config_;
};

}  // namespace dsim
