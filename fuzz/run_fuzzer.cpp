// Fuzzes load plus a short run: a loaded scenario of at most 200,000 replicas,
// workers and users runs under a tight budget (RunLimits: at most 200,000
// events, small queues and few faults), and its record must turn
// into the summary JSON, the table and the time series. A run may stop early
// (partial) or report bad input (a stall); an internal error is a finding.
#include <cstdio>
#include <cstdlib>

#include "dsim/analysis/run.h"
#include "dsim/analysis/summary.h"
#include "input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dsim::LoadResult result = dsim::fuzz::load(data, size);
  if (std::holds_alternative<dsim::Diagnostic>(result)) return 0;
  const dsim::ScenarioSpec& spec = std::get<std::unique_ptr<dsim::Scenario>>(result)->spec();
  // Designs the loader allows can need gigabytes to build (a million
  // replicas): the fuzzer's memory limit is not the product's. Those are
  // covered by the loader's fuzzer and the tests.
  if (dsim::fuzz::size_of(spec) > 200'000) return 0;
  dsim::RunOptions options;
  options.limits.max_events_run = 200'000;
  options.limits.max_in_flight = 20'000;
  options.limits.max_queued = 20'000;
  options.limits.max_events = 100'000;
  options.limits.max_faults = 10'000;
  const dsim::RunResult r = dsim::run(spec, options);
  if (!r.ok()) {
    if (r.error().kind == dsim::RunError::Kind::kInternal) {
      std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
      std::abort();
    }
    return 0;
  }
  (void)dsim::summary_json_text(r.record());
  (void)dsim::summary_table(r.record());
  (void)dsim::timeseries_csv(r.record());
  return 0;
}
