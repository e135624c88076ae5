// kind: cache — a cache in front of a backend.
//
// A request is a hit with probability `hit_ratio` and is answered after
// `hit_time`; a miss goes on to `backend` (a component that serves requests,
// its replicas in turn) and is answered when the backend answers, with the
// backend's status. The cache answers health checks itself, loses its pending
// work when it crashes, and reports hits and misses beside the usual
// occupancy figures. Scenario: cache.yaml.
#pragma once

#include <memory>
#include <string>

#include "dsim/loader/registry.h"
#include "dsim/models/component.h"
#include "dsim/sim/distribution.h"

namespace custom {

class CacheSpec final : public dsim::ComponentSpec {
 public:
  struct Config {
    double hit_ratio = 0.8;
    dsim::Distribution hit_time = dsim::Distribution::constant(100'000);  // ns
    std::string backend;
  };

  // REQUIRES: 0 <= hit_ratio <= 1; a backend.
  CacheSpec(dsim::ComponentCommon common, Config config);

  const Config& config() const { return config_; }
  bool serves_requests() const override { return true; }
  std::vector<std::string> downstream() const override { return {config_.backend}; }
  std::unique_ptr<dsim::ComponentInstance> instantiate(dsim::BuildContext& ctx) const override;

 private:
  Config config_;
};

// Reads `kind: cache`: hit_ratio (a fraction), hit_time (a duration
// distribution), backend (a component name).
dsim::ParsedComponent parse_cache(dsim::ComponentCommon common, dsim::MapReader& fields);

}  // namespace custom
