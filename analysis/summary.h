// Turns a RunRecord into the reports a person reads: the summary JSON (schema
// "dsim.summary/2", documented in docs/SUMMARY.md), the terminal table and the
// time-series CSV. Nothing here reads the wall clock: the same record always
// gives the same bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "dsim/analysis/record.h"

namespace dsim {

// 2: throughput_rps counts successes completed inside [warmup, duration).
inline constexpr const char* kSummarySchema = "dsim.summary/2";
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

// Rounds to `decimals` places (half away from zero); used so that reports
// print stable, readable numbers.
double round_to(double v, int decimals);

}  // namespace dsim
