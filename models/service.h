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
//
// With `autoscaling` (models/autoscaling.h) the replicas come and go: the
// spec's replica count is the most there can be, `autoscaling.initial` of
// them serve from time 0, and a controller (Kubernetes' HPA) scales
// between min and max every sync period on the ready replicas' worker
// utilisation. A new replica serves `startup` after it is created; on
// scale-down a starting replica goes at once, else the highest-index ready
// one leaves its callers' rotation, finishes what it has and goes. Replicas
// not running refuse connections (Network::set_absent). Every service
// records its replica-seconds (created until removed, within the run's
// duration); an autoscaled one also its scaling and its count over time.
//
// Every answered request is published as a RequestHandled (models/events.h).
// Example: scenarios/ecommerce.yaml; fields: scenarios/README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsim/models/autoscaling.h"
#include "dsim/models/component.h"
#include "dsim/sim/distribution.h"

namespace dsim {

class ServiceSpec final : public ComponentSpec {
 public:
  struct Config {
    std::int64_t workers = 1;
    Distribution service_time;           // ns
    std::int64_t queue_capacity = -1;    // waiting requests per replica; -1: unlimited
    std::vector<std::string> calls;      // components called in turn, per request
    std::optional<Time> call_timeout;    // default: the request's client timeout
    std::uint32_t request_size = 1000;   // of the calls this service makes
    std::uint32_t response_size = 1000;  // of its answers
    std::optional<AutoscalingConfig> autoscaling;  // max: the replica count
  };

  // REQUIRES: workers >= 1; with autoscaling, max == the replica count.
  ServiceSpec(ComponentCommon common, Config config);
  ~ServiceSpec() override;

  const Config& config() const { return config_; }

  bool serves_requests() const override { return true; }
  bool records_requests_received() const override { return true; }
  bool accepts_slowdown() const override { return true; }
  std::vector<std::string> downstream() const override { return config_.calls; }
  std::optional<double> capacity() const override;
  std::uint64_t slots() const override {
    return static_cast<std::uint64_t>(replica_count()) * static_cast<std::uint64_t>(config_.workers);
  }
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override;

 private:
  Config config_;
};

}  // namespace dsim
