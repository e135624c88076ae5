// kind: load_balancer — a full proxy in front of backends, as HAProxy is.
//
// Each request is forwarded to one backend chosen by `policy`; the backend's
// answer returns through the balancer to the caller (two network hops each
// way). Policies: round_robin, weighted_round_robin (smooth, as nginx),
// random, least_connections (ties broken round robin, as HAProxy's leastconn)
// and power_of_two_choices (two random backends, the less loaded one wins).
// `backends` names a component (all its replicas) or a list of components and
// single replicas with weights.
// Example: scenarios/ecommerce.yaml; fields: scenarios/README.md.
#pragma once

#include <memory>
#include <vector>

#include "models/component.h"
#include "models/rpc.h"

namespace dsim {

class LoadBalancerComponent final : public Component {
 public:
  enum class Policy { kRoundRobin, kWeightedRoundRobin, kRandom, kLeastConnections, kPowerOfTwoChoices };

  struct BackendRef {
    ConfigNode ref;
    double weight = 1.0;
  };

  // HAProxy's health checks: every `interval` a probe to each backend; it
  // fails if no answer comes within `timeout` (or the connection is refused).
  // `fall` failures in a row mark the backend down (no new requests), `rise`
  // successes in a row mark it up again.
  struct HealthCheck {
    Time interval = 2 * kSecond;
    Time timeout = 2 * kSecond;  // default: the interval
    std::int64_t fall = 3;
    std::int64_t rise = 2;
  };

  struct Config {
    Policy policy = Policy::kRoundRobin;
    std::vector<BackendRef> backends;
    std::optional<Time> call_timeout;  // default: the request's client timeout
    std::optional<HealthCheck> health_check;  // none: traffic goes to dead backends too
  };

  LoadBalancerComponent(ComponentCommon common, Config config);
  ~LoadBalancerComponent() override;

  static std::unique_ptr<Component> parse(ComponentCommon common, MapReader& r);
  static const char* policy_name(Policy p);

  bool serves_requests() const override { return true; }
  std::vector<std::string> downstream() const override;
  void resolve(const ComponentIndex& index) override;
  void build(BuildContext& ctx) override;
  void connect(const ComponentIndex& index) override;
  void start() override;
  void finish_run() override;
  void record(ComponentRecord& out) const override;

  const Config& config() const { return config_; }

 private:
  class Replica;
  struct Backend {
    Component* component;
    int replica;  // index within the component
    double weight;
  };
  Config config_;
  std::vector<Backend> backends_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace dsim
