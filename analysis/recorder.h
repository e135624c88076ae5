// Recorders: what observes a run and writes figures into its record.
//
// Models publish what happens on the simulation's bus (models/events.h);
// recorders subscribe to the events they need and, after the run, write what
// they made of them into the RunRecord. The built-in ones: "requests" (counts,
// latency, the time series: analysis/request_metrics.h), "faults" (each
// fault's detection, recovery and failed requests: analysis/fault_impact.h)
// and "availability" (components' simulated and analytic availability:
// analysis/availability_recorder.h); the tracer (analysis/trace.h) is one a caller adds. A
// new recorder — a history, a cost meter, a checker — is an addition: no
// model changes.
//
// Recorders register by name in a RecorderRegistry, as models do in the
// loader's ModelRegistry. Each run creates a fresh instance of every
// registered recorder (they hold per-run state) by calling its factory on the
// run's own thread — so factories of runs on several threads are called
// concurrently — attaches them in registration order, and after the run
// finishes them in the same order, so a recorder may read what an earlier
// one wrote (the tracer reads the fault records). Subscribers to one event
// are called in attachment order. A recorder's figures go into the
// RunRecord: its own fields for the built-in ones, RunRecord::figures
// ("name/a/b") for others, which the summary JSON prints under "recorders".
//
// A recorder only observes: it must not change the simulation (schedule,
// send, stop), so adding or removing one never changes another's figures.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dsim/analysis/record.h"
#include "dsim/models/scenario_spec.h"
#include "dsim/models/world.h"
#include "dsim/sim/bus.h"

namespace dsim {

// What a recorder may read about the run it observes.
struct RunContext {
  const ScenarioSpec& spec;
  const World& world;  // node names, components (World::node)
  std::uint64_t seed;
  // Threads a recorder's analysis may use at once (RunOptions::threads; 0: every core).
  unsigned threads = 0;
};

class Recorder {
 public:
  virtual ~Recorder() = default;
  // Subscribes to the events it needs, before the first event of the run.
  virtual void attach(Bus& bus, const RunContext& ctx) = 0;
  // After the run: writes its figures into `out`, which already holds the
  // run's header (end: when the last client request resolved), the
  // components' own records, and what earlier recorders wrote.
  virtual void finish(const RunContext& ctx, RunRecord& out) = 0;
};

class RecorderRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Recorder>()>;
  struct Entry {
    std::string name;
    std::string summary;
    Factory factory;
  };

  // dsim's own recorders, in order: requests, clients, faults, availability,
  // history, pbs. Copy it to add your own.
  static const RecorderRegistry& builtin();

  // REQUIRES: no recorder of that name yet.
  void add(std::string name, std::string summary, Factory factory);
  const Entry* find(const std::string& name) const;
  // In registration order (the order they attach and finish).
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// Registers dsim's own recorders; called once by RecorderRegistry::builtin().
void register_builtin_recorders(RecorderRegistry& registry);

}  // namespace dsim
