// kind: client — the users of the design.
//
// Open loop: requests arrive at `rate` regardless of how fast they are answered
// (`arrival: poisson` or `constant`), as from a large population. Closed loop:
// `users` each send one request, wait for its answer (or its `timeout`), think
// for `think_time`, and repeat. Each request goes to `target` (one of its
// replicas, round robin). With replicas, rate and users are split evenly.
// Example: scenarios/ecommerce.yaml; fields: scenarios/README.md.
#pragma once

#include <memory>
#include <vector>

#include "models/component.h"
#include "models/retry.h"
#include "models/rpc.h"

namespace dsim {

struct RetryBudgetConfig {
  double ratio = 0.1;
  double min_per_s = 10;
};

class ClientComponent final : public Component {
 public:
  enum class Loop { kOpen, kClosed };
  enum class Arrival { kPoisson, kConstant };

  struct Config {
    Loop loop = Loop::kOpen;
    Arrival arrival = Arrival::kPoisson;
    double rate = 0;                 // requests per second, all replicas together
    std::int64_t users = 0;          // closed loop, all replicas together
    Distribution think_time;         // closed loop
    Time timeout = 30 * kSecond;     // per attempt
    std::int64_t retries = 0;        // further attempts after a failure
    Backoff backoff;
    std::optional<RetryBudgetConfig> retry_budget;
    std::optional<Time> deadline;    // all attempts together
    std::uint32_t request_size = 1000;
    std::optional<ConfigNode> target_ref;
  };

  ClientComponent(ComponentCommon common, Config config);
  ~ClientComponent() override;

  static std::unique_ptr<Component> parse(ComponentCommon common, MapReader& r);

  bool serves_requests() const override { return false; }
  std::vector<std::string> downstream() const override;
  Time client_timeout() const override { return config_.timeout; }
  Time request_lifetime() const override;
  void resolve(const ComponentIndex& index) override;
  void build(BuildContext& ctx) override;
  void connect(const ComponentIndex& index) override;
  void start() override;
  void record(ComponentRecord& out) const override;

  const Config& config() const { return config_; }

 private:
  class Replica;
  Config config_;
  Component* target_ = nullptr;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace dsim
