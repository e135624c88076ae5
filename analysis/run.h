// Running a scenario: a fresh World from a spec, recorders attached, the
// event loop until every request has resolved, and the RunRecord.
//
//   auto loaded = Scenario::load_file("design.yaml");        // loader/scenario.h
//   const ScenarioSpec& spec = ...->spec();
//   RunResult r = run(spec, {.seed = 7});
//   if (r.ok()) std::cout << summary_table(r.record());        // analysis/summary.h
//
// run() never modifies the spec, so one spec runs any number of times, and
// from several threads at once, each run with its own world and recorders;
// the same spec and seed give the same record, bit for bit.
//
// A run stopped early — a budget of RunLimits exceeded, or an interrupt —
// still gives a record of what it measured so far, marked partial, with the
// reason and the simulated time reached (RunRecord::partial); dsim run writes
// it and exits 4.
//
// A run that cannot finish ends with a RunError value instead of a record:
// an internal invariant failed (a bug: sim/check.h), or simulated time
// stopped advancing (the scenario loops with no delay: bad input). The error
// names the scenario, the seed and the simulated time, so it can be replayed;
// the caller decides what to do (dsim run prints it and exits 1 or 2, a
// sweep records it and goes on).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dsim/analysis/record.h"
#include "dsim/analysis/recorder.h"
#include "dsim/models/scenario_spec.h"
#include "dsim/sim/time.h"

namespace dsim {

// What a run may hold at once, on dsim's own counts; past any of them the run
// stops early and its record is partial (RunRecord::partial). They keep an
// overloaded design (an open-loop rate far beyond capacity grows its queues
// without bound) to a memory a user can predict: a few hundred bytes per
// request held with its events (an e-commerce design driven at 1e9 requests/s
// stops at the defaults at about 380 MB), a few hundred per fault record.
// 0 means no limit.
struct RunLimits {
  std::uint64_t max_in_flight = 2'000'000;  // client requests sent and not yet resolved
  std::uint64_t max_queued = 2'000'000;     // requests held by components (ComponentInstance::in_system_now)
  std::uint64_t max_events = 8'000'000;     // events scheduled and not yet run
  std::uint64_t max_faults = 1'000'000;     // faults and random failures begun (each is recorded)
  std::uint64_t max_events_run = 0;         // events run in all (a fuzzer's or a test's cap)
};

// Every member has a default, so `run(spec, {.seed = 7})` names only what it sets.
struct RunOptions {
  // The run's seed; default: the spec's.
  std::optional<std::uint64_t> seed{};
  // Called about every million events with the simulated time reached, and
  // once at the end, on the run's thread.
  std::function<void(Time now, Time duration, std::uint64_t events)> progress{};
  // The recorders every run creates, by name; default: RecorderRegistry::builtin().
  const RecorderRegistry* registry = nullptr;
  // Recorders of the caller's own for this run (a Tracer, a test's probe),
  // attached and finished after the registry's, in this order. Not owned;
  // each must be fresh (a recorder observes one run).
  std::vector<Recorder*> extra_recorders{};
  RunLimits limits{};
  // Set (from a signal handler, another thread) to stop the run early: it
  // ends at the next check, about every 65,536 events, with a partial
  // record (RunRecord::partial, reason "interrupted"). Not owned; may be null.
  const std::atomic<bool>* interrupt = nullptr;
  // Threads the run's analysis after the events may use at once (the
  // linearizability search of its history): 0, every core; 1 when runs
  // go on side by side (dsim check). Results never depend on it.
  unsigned threads = 0;
};

struct RunError {
  enum class Kind {
    kInternal,     // an invariant failed: a bug in dsim or in a model
    kStalled,      // simulated time stopped advancing: the scenario loops with no delay
    kInvalidSpec,  // the spec fails ScenarioSpec::check (one built in C++): nothing ran
    kOutOfMemory,  // an allocation failed: the run needs more memory than it could get
  };
  Kind kind = Kind::kInternal;
  std::string scenario;
  std::uint64_t seed = 0;
  Time at = 0;          // simulated time when it happened
  std::string message;  // what went wrong

  // "internal error in scenario 'x', seed 7, at 12.5 s of simulated time: ..."
  std::string to_string() const;
};

class RunResult {
 public:
  RunResult(RunRecord record) : value_(std::move(record)) {}  // NOLINT: implicit by design
  RunResult(RunError error) : value_(std::move(error)) {}     // NOLINT

  bool ok() const { return std::holds_alternative<RunRecord>(value_); }
  // REQUIRES: ok().
  const RunRecord& record() const& { return std::get<RunRecord>(value_); }
  RunRecord record() && { return std::get<RunRecord>(std::move(value_)); }
  // REQUIRES: !ok().
  const RunError& error() const { return std::get<RunError>(value_); }

 private:
  std::variant<RunRecord, RunError> value_;
};

// Runs `spec` once. Never throws: whatever escapes the world, a recorder or
// the progress callback during the run becomes a RunError of kind kInternal.
RunResult run(const ScenarioSpec& spec, const RunOptions& options = {});

}  // namespace dsim
