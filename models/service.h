// kind: service — a pool of `workers` behind a FIFO queue, per replica.
//
// A request takes a free worker or waits in the queue; beyond
// `queue_capacity` waiting requests it is rejected at once. A worker is busy
// for a `service_time` draw, then through each of `calls` in turn (a
// synchronous call chain, as a Flask handler querying its database): it sends
// a request to the called component (its replicas round robin) and waits for
// the answer or for `call_timeout`. Any failed call fails the request with the
// same kind of error. Then the worker answers the caller and takes the next
// request. This is the M/M/c (or M/G/c/K) station of queueing theory.
// Example: scenarios/ecommerce.yaml; fields: scenarios/README.md.
#pragma once

#include <memory>
#include <vector>

#include "models/component.h"
#include "models/rpc.h"

namespace dsim {

class ServiceComponent final : public Component {
 public:
  struct Config {
    std::int64_t workers = 1;
    Distribution service_time;
    std::int64_t queue_capacity = -1;  // -1: unlimited
    std::vector<ConfigNode> call_refs;
    std::optional<Time> call_timeout;  // default: the request's client timeout
    std::uint32_t request_size = 1000;   // of the calls this service makes
    std::uint32_t response_size = 1000;  // of its answers
  };

  ServiceComponent(ComponentCommon common, Config config);
  ~ServiceComponent() override;

  static std::unique_ptr<Component> parse(ComponentCommon common, MapReader& r);

  bool serves_requests() const override { return true; }
  std::vector<std::string> downstream() const override;
  void resolve(const ComponentIndex& index) override;
  void build(BuildContext& ctx) override;
  void connect(const ComponentIndex& index) override;
  void finish_run() override;
  void record(ComponentRecord& out) const override;

  const Config& config() const { return config_; }

 private:
  class Replica;
  Config config_;
  std::vector<Component*> calls_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

}  // namespace dsim
