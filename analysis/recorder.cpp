#include "dsim/analysis/recorder.h"

#include "dsim/analysis/client_metrics.h"
#include "dsim/analysis/fault_impact.h"
#include "dsim/analysis/history.h"
#include "dsim/analysis/pbs_recorder.h"
#include "dsim/analysis/request_metrics.h"
#include "dsim/analysis/availability_recorder.h"
#include "dsim/sim/check.h"

namespace dsim {

const RecorderRegistry& RecorderRegistry::builtin() {
  static const RecorderRegistry registry = [] {
    RecorderRegistry r;
    register_builtin_recorders(r);
    return r;
  }();
  return registry;
}

void RecorderRegistry::add(std::string name, std::string summary, Factory factory) {
  DSIM_CHECK_MSG(find(name) == nullptr, "a recorder of that name is already registered");
  DSIM_CHECK(factory != nullptr);
  entries_.push_back(Entry{std::move(name), std::move(summary), std::move(factory)});
}

const RecorderRegistry::Entry* RecorderRegistry::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

// The built-in recorders register exactly as a user's would.
void register_builtin_recorders(RecorderRegistry& registry) {
  registry.add("requests", "client requests: counts by outcome, latency, the per-window time series",
               [] { return std::make_unique<RequestMetrics>(); });
  registry.add("clients", "each client's availability, throughput and latency, and its columns in the time series (two clients or more)",
               [] { return std::make_unique<ClientMetrics>(); });
  registry.add("faults", "each fault and random failure: when detected, when availability recovered, failed requests",
               [] { return std::make_unique<FaultImpact>(); });
  registry.add("availability", "components that faults take down: time with enough replicas up, and the Markov chain's figure",
               [] { return std::make_unique<AvailabilityRecorder>(); });
  registry.add("history", "reads and writes of keys: the operation history, stale reads and lost writes",
               [] { return std::make_unique<HistoryRecorder>(); });
  registry.add("pbs", "PBS probes: the probability of a consistent read t after commit, and within k versions",
               [] { return std::make_unique<PbsRecorder>(); });
}

}  // namespace dsim
