// kind: pbs_probe — measures how stale a leaderless store's reads are, as
// in Bailis et al., "Probabilistically Bounded Staleness for Practical
// Partial Quorums" (VLDB 2012).
//
// Every `interval` a trial starts, `trials` in all: the probe writes `k`
// successive versions of a fresh key, each after the previous one
// committed (its W-th acknowledgement), coordinating itself with the
// store's W as a token-aware client does (whatever the store's
// `coordinator`). Then, at exactly t after the last commit for every t of
// the grid `t` (and at t = 0), it reads the key once: the read goes to all
// N replicas and returns the newest of the first R answers, without read
// repair. Each read is published (ProbeObserved, models/events.h): whether
// it returned the last version, and how many versions behind it was. A
// trial whose writes fail or time out is counted as failed and not read.
// With zero service times and a network latency distribution D, this is
// the paper's WARS model with W = A = R = S = D.
// Example: scenarios/pbs-lnkd-ssd.yaml; fields: scenarios/README.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dsim/models/component.h"

namespace dsim {

class PbsProbeSpec final : public ComponentSpec {
 public:
  struct Config {
    std::string target;  // a replicated_store
    // Read times after the last commit, ascending, distinct.
    std::vector<Time> t = {0, kMillisecond, 2 * kMillisecond, 5 * kMillisecond, 10 * kMillisecond,
                           20 * kMillisecond, 50 * kMillisecond, 100 * kMillisecond};
    std::int64_t trials = 1000;
    Time interval = 100 * kMillisecond;  // between trial starts
    std::int64_t k = 1;                  // versions written per trial
    Time timeout = 10 * kSecond;         // per write and read
  };

  // REQUIRES: t non-empty, ascending, >= 0; trials >= 1; interval > 0; k >= 1; timeout > 0.
  PbsProbeSpec(ComponentCommon common, Config config);
  ~PbsProbeSpec() override;

  const Config& config() const { return config_; }

  bool serves_requests() const override { return false; }
  std::vector<std::string> downstream() const override { return {config_.target}; }
  Time client_timeout() const override { return config_.timeout; }
  // Every trial, its writes and its reads, from time 0.
  Time request_lifetime() const override;
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override;

 private:
  Config config_;
};

}  // namespace dsim
