// The "pbs" recorder: what PBS probes (models/pbs_probe.h) observed, as the
// probability of a consistent read t after commit (t-visibility) and of a
// read within the last k versions (k-staleness), over all probes of a run.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "dsim/analysis/recorder.h"

namespace dsim {

class PbsRecorder final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext& ctx) override;
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_observed(const ProbeObserved& e);
  void on_trial_failed(const ProbeTrialFailed& e);

 private:
  struct Counts {
    std::uint64_t reads = 0;
    std::uint64_t consistent = 0;
  };
  bool attached_ = false;
  std::map<Time, Counts> by_t_;           // ordered by t
  std::vector<Counts> by_k_;              // [k - 1]: t = 0 reads within the last k versions
  std::uint64_t trials_failed_ = 0;
  std::uint64_t reads_failed_ = 0;
};

}  // namespace dsim
