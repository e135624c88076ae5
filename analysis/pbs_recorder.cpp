#include "dsim/analysis/pbs_recorder.h"

#include "dsim/analysis/record.h"
#include "dsim/models/pbs_probe.h"

namespace dsim {

void PbsRecorder::attach(Bus& bus, const RunContext& ctx) {
  for (const auto& c : ctx.spec.components)
    if (dynamic_cast<const PbsProbeSpec*>(c.get()) != nullptr) attached_ = true;
  if (!attached_) return;
  bus.subscribe<&PbsRecorder::on_observed>(*this);
  bus.subscribe<&PbsRecorder::on_trial_failed>(*this);
}

void PbsRecorder::on_observed(const ProbeObserved& e) {
  if (e.failed) {
    ++reads_failed_;
    return;
  }
  Counts& c = by_t_[e.t];
  ++c.reads;
  if (e.behind == 0) ++c.consistent;
  if (e.t == 0) {
    if (by_k_.size() < e.versions) by_k_.resize(e.versions);
    for (std::uint32_t k = 1; k <= e.versions; ++k) {
      ++by_k_[k - 1].reads;
      if (e.behind < k) ++by_k_[k - 1].consistent;
    }
  }
}

void PbsRecorder::on_trial_failed(const ProbeTrialFailed&) { ++trials_failed_; }

void PbsRecorder::finish(const RunContext&, RunRecord& out) {
  if (!attached_) return;
  PbsRecord r;
  for (const auto& [t, c] : by_t_) r.t_visibility.push_back(PbsRecord::Point{t, c.reads, c.consistent});
  for (std::size_t k = 0; k < by_k_.size(); ++k)
    r.k_staleness.push_back(PbsRecord::Within{static_cast<int>(k + 1), by_k_[k].reads, by_k_[k].consistent});
  r.trials_failed = trials_failed_;
  r.reads_failed = reads_failed_;
  out.pbs = std::move(r);
}

}  // namespace dsim
