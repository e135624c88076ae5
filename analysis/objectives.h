// Judging a run against the objectives of its scenario's `slo:` section
// (models/objectives.h): each objective's target, the run's figure, the
// margin and whether it was met — the summary's "objectives" and what
// `dsim check` turns into its exit code.
//
// The figures are the summary's own (analysis/summary.h), over the requests
// first sent in [warmup, duration):
//   availability      succeeded / sent                       at least
//   error_rate        failed / sent                          at most
//   p50/p99/p999_latency  of successful requests, ms         at most
//   min_throughput    successes completed in the window / s  at least
//   max_cost_per_month  cost.per_month, US dollars           at most
//   max_stale_read_rate consistency.stale_read_rate          at most
// Latency counts successful requests only, so a latency objective never
// stands alone: without an availability or error_rate objective of its own,
// availability is judged beside it at slo.availability (99% unless given),
// marked implied.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsim/analysis/record.h"
#include "dsim/models/objectives.h"

namespace dsim {

// In a fixed order: availability, error_rate, p50, p99, p999 latency,
// min_throughput, max_cost_per_month, max_stale_read_rate.
// REQUIRES: rec.cost is set when objectives.max_cost_per_month is.
std::vector<ObjectiveRecord> judge_objectives(const Objectives& objectives, double slo_availability,
                                              const RunRecord& rec);

// The measured figure an objective of that name reads from a summary-like
// record, or nothing when the run has none (nothing sent, nothing
// succeeded, no history). Names as in ObjectiveRecord::name.
std::optional<double> objective_figure(const std::string& name, const RunRecord& rec);

// Fills `margin` and `met` of an objective from its target and a measured
// figure (absent: not met).
void settle_objective(ObjectiveRecord& o, std::optional<double> measured);

}  // namespace dsim
