// What `dsim check` does with a scenario's runs, as a library: the seeds of
// K runs, the figures averaged over them with Student-t confidence
// intervals, the objectives judged on them, a baseline file
// ("dsim.baseline/1") and the regressions against it, and a JUnit XML report.
//
//   std::vector<std::uint64_t> seeds = check_seeds(spec.seed, 5);
//   ... run each (analysis/run.h; any number of threads) ...
//   CheckFigures now = aggregate_summaries(summaries, seeds, 0.95);
//   auto objectives = judge_over_runs(objectives_of_each_run, 0.95, /*on_interval=*/false);
//   auto regressions = compare_with_baseline(now, baseline, spec.regression, 0.05);
//
// Nothing here reads the wall clock or depends on the order runs finish in:
// records are passed in seed order, so a check gives the same report on any
// number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsim/analysis/record.h"
#include "dsim/analysis/run.h"
#include "dsim/models/check_spec.h"
#include "dsim/models/scenario_spec.h"

namespace dsim {

inline constexpr const char* kBaselineSchema = "dsim.baseline/1";

// Seed j (1-based) of runs from base seed `base`: j = 1 is `base` itself (so
// a check of one seed is `dsim run`), later ones are drawn from (base, j) by
// a fixed mix. The same for every configuration of a scenario: two designs
// checked or swept with the same base run on the same random numbers.
std::uint64_t run_seed(std::uint64_t base, std::uint64_t j);
// Seeds 1..k of `base`.
std::vector<std::uint64_t> check_seeds(std::uint64_t base, int k);

// What one run of a check leaves: its summary (analysis/summary.h) and
// objectives, or why it has none. The record itself, with its history, is
// dropped as soon as they are taken, so K runs hold K summaries.
struct SeedRun {
  std::uint64_t seed = 0;
  std::optional<RunError> error;         // the run could not finish
  std::optional<PartialRecord> partial;  // it stopped early: its figures cover part of the run
  nlohmann::ordered_json summary;
  std::vector<ObjectiveRecord> objectives;
};
// Runs `spec` once per seed, `jobs` runs at a time (0: every core), each in
// a world of its own, with `options` (its seed replaced; side by side, each
// run's analysis on one thread). Results in seed order, the same for any
// number of jobs. `done(finished, total)`, if given, is called after each
// run, one call at a time.
std::vector<SeedRun> run_seeds(const ScenarioSpec& spec, const std::vector<std::uint64_t>& seeds, unsigned jobs,
                               const RunOptions& options,
                               const std::function<void(std::size_t, std::size_t)>& done = {});

// The two-sided Student-t quantile: t such that P(T <= t) = p for T with
// `df` degrees of freedom. REQUIRES: 0 < p < 1, df >= 1. Deterministic
// (sim/detmath.h), accurate to about 1e-10.
double student_t_quantile(double p, double df);

// Which way a figure of the summary gets worse: +1 when higher is worse
// (latency, failures, cost, stale reads), -1 when lower is worse
// (availability, throughput, a true verdict), 0 for figures with no
// direction (counts of events, configuration), which are not compared.
int figure_direction(const std::string& figure);

// Whether a figure is a fraction (0 to 1): an availability, a stale-read
// rate, a verdict. Intervals are cut to [0, 1].
bool fraction_figure(const std::string& figure);

// Whether a figure is a fraction whose best is 1 (an availability): its
// relative tolerance applies to what it loses, 1 - figure.
bool availability_like(const std::string& figure);

// Whether `name` matches `pattern`, where '*' matches any run of characters.
bool figure_matches(const std::string& pattern, const std::string& name);

// One figure over K runs: its mean and, for K >= 2, the Student-t interval
// at the check's confidence. Runs where the figure is absent or not a
// number (null) are left out (n counts those in).
struct FigureStat {
  std::string figure;
  int direction = 0;
  std::size_t n = 0;
  double mean = 0;
  std::optional<double> low, high;  // K >= 2 and n >= 2
};

struct CheckFigures {
  std::string scenario;
  std::vector<std::uint64_t> seeds;
  double confidence = 0.95;
  std::vector<FigureStat> figures;  // those with a direction, in the first summary's order
  // Figures with a direction the summaries hold as null in every run (a
  // latency when nothing succeeded): present, but not measured.
  std::vector<std::string> unmeasured;
  const FigureStat* find(const std::string& figure) const;
};

// REQUIRES: summaries of runs of one scenario, in seed order.
CheckFigures aggregate_summaries(const std::vector<nlohmann::ordered_json>& summaries,
                                 const std::vector<std::uint64_t>& seeds, double confidence);

// The scenario's objectives judged on K runs: each on the mean of its
// per-run figure, or, with `confidence`, on the unfavourable end of its
// interval (the low end of a floor, the high end of a ceiling). With one
// run, the run's own figure.
// REQUIRES: the objectives of each run (RunRecord::objectives), every run
// judged on the same scenario.
struct CheckedObjective {
  ObjectiveRecord objective;     // measured: the mean (or the interval's end), margin and met from it
  std::size_t runs = 0;          // runs with a figure
  std::optional<double> mean;    // over the runs (all of them have a figure)
  std::optional<double> low, high;  // the interval of the mean, K >= 2
  bool judged_on_interval = false;
};
std::vector<CheckedObjective> judge_over_runs(const std::vector<std::vector<ObjectiveRecord>>& runs,
                                              double confidence, bool on_interval);

// The baseline file of a check: {"schema": "dsim.baseline/1",
// "summary_schema", "scenario", "dsim_version", "k", "seeds", "confidence",
// "figures": {name: {"mean", "low", "high", "n", "direction"}}}.
nlohmann::ordered_json baseline_json(const CheckFigures& figures);
// Reads one back; a message (why it is not a baseline of this scenario) on failure.
struct BaselineRead {
  std::optional<CheckFigures> figures;
  std::string error;
};
BaselineRead read_baseline(const nlohmann::ordered_json& j, const std::string& scenario);

// One figure compared with its baseline in its worse direction.
struct Regression {
  std::string figure;
  int direction = 0;
  std::optional<double> baseline, now;  // absent: not in that side
  std::optional<double> change;         // now - baseline
  std::optional<double> relative;       // (now - baseline) / |baseline|
  // How far it may move the wrong way: the larger of the tolerance —
  // max(relative × |baseline|, absolute); an availability: relative ×
  // (1 - baseline) — and the noise of the runs: with intervals on both
  // sides (K >= 2), the half-width of the difference of the means,
  // sqrt(h_baseline² + h_now²), each h on the side that makes it worse.
  double allowed = 0;
  double noise = 0;                     // the second of those (0 without intervals)
  bool gone = false;                    // not in this run's summary at all (a fault removed): not compared
  bool ignored = false;                 // the check: section says ignore
  bool regressed = false;               // worse by more than allowed, or gone
  std::string why;                      // for a regressed one: what happened
};
// Every figure of the baseline, in its order, compared with `now` (through
// compare_summaries, analysis/compare.h). `tolerance`: for figures no
// pattern of spec names. A figure `now` holds as null (unmeasured)
// regressed; one it does not hold at all is reported gone, not compared.
std::vector<Regression> compare_with_baseline(const CheckFigures& now, const CheckFigures& baseline,
                                              const CheckSpec& spec, double tolerance);

// The JUnit XML report: a test suite "objectives" with one test case per
// objective, and one "baseline" with one per compared figure; a failure
// element for each missed or regressed one.
std::string junit_xml(const std::string& scenario, const std::vector<CheckedObjective>& objectives,
                      const std::vector<Regression>* regressions, const std::vector<std::uint64_t>& seeds);

}  // namespace dsim
