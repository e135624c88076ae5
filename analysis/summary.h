// Turns a RunRecord into the reports a person reads: the summary JSON (schema
// "dsim.summary/3", documented in docs/SUMMARY.md), the terminal table, the
// time-series CSV and the faults CSV. Nothing here reads the wall clock: the same record always
// gives the same bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "dsim/analysis/record.h"

namespace dsim {

// 2: throughput_rps counts successes completed inside [warmup, duration).
// 3: random failures are aggregated per component under "failures"; the
//    "faults" list holds scheduled faults only (all are in faults.csv).
inline constexpr const char* kSummarySchema = "dsim.summary/3";
// The project's version, from project() in CMakeLists.txt (its one place).
extern const char* const kDsimVersion;

nlohmann::ordered_json summary_json(const RunRecord& rec);
// The summary as text: 2-space indented JSON and a final newline.
std::string summary_json_text(const RunRecord& rec);
// The human-readable summary table.
std::string summary_table(const RunRecord& rec);
// time_s,sent,succeeded,failed_<kind> for each failure kind
// (models/status.h: timeout, rejected, unavailable, ...),
// throughput_rps,availability,p50_ms,p99_ms,attempts — one row per metrics window.
std::string timeseries_csv(const RunRecord& rec);
// kind,target,at_s,until_s,detected_s,recovered_s,failed_requests — one row
// per scheduled fault and per random failure, in the order they began
// (empty fields: none). The summary lists scheduled faults one by one and
// aggregates random failures; this file has them all.
std::string faults_csv(const RunRecord& rec);
// measure,t_ms,k,p,trials — PBS probes' figures (--out's consistency.csv):
// one row per t of t-visibility, then one per k of k-staleness
// (docs/SUMMARY.md); the header only without probes.
std::string consistency_csv(const RunRecord& rec);

// Random failures of one component, aggregated (the summary's "failures").
struct FailureAggregate {
  std::string component;
  std::uint64_t count = 0;
  std::uint64_t failed_requests = 0;
  Time down = 0;                    // summed time the failed replicas were down
  std::vector<Time> detection;      // detected - at, of those detected
  std::vector<Time> recovery;       // recovered - at, of those after which availability recovered
};
// In component order. A random failure is a FaultRecord of kind "failure".
std::vector<FailureAggregate> aggregate_failures(const RunRecord& rec);

// Rounds to `decimals` places (half away from zero); used so that reports
// print stable, readable numbers.
double round_to(double v, int decimals);

}  // namespace dsim
