// What a run recorded, as plain data: the interface between the run (the
// world's components and the recorders that observed it, analysis/run.h) and
// the reports (analysis/summary.h). Nothing here refers back to live
// simulation state. Documented field by field in docs/SUMMARY.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsim/analysis/consistency.h"
#include "dsim/models/component_record.h"
#include "dsim/models/status.h"
#include "dsim/sim/stats.h"
#include "dsim/sim/time.h"

namespace dsim {

// One row of the time series: outcomes of client requests resolved in
// [start, start + window), and requests first sent in it.
struct WindowRecord {
  Time start = 0;
  std::uint64_t sent = 0;
  std::uint64_t attempts = 0;  // first sends and retries
  std::uint64_t succeeded = 0;
  FailureCounts failed;  // by kind (models/status.h)
  double p50_ns = 0;
  double p99_ns = 0;

  // Requests that resolved (succeeded or failed) in the window.
  std::uint64_t resolved() const { return succeeded + failed.total(); }
  // Whether its availability fell below `slo` (never, when nothing resolved).
  bool below(double slo) const {
    return resolved() > 0 && static_cast<double>(succeeded) < slo * static_cast<double>(resolved());
  }
};

// What PBS probes observed (analysis/pbs_recorder.h).
struct PbsRecord {
  struct Point {
    Time t = 0;                    // after the commit
    std::uint64_t reads = 0;       // successful reads at t
    std::uint64_t consistent = 0;  // of those, returning the last version
  };
  struct Within {
    int k = 1;
    std::uint64_t reads = 0;   // successful reads at t = 0 of trials writing at least k versions
    std::uint64_t within = 0;  // of those, returning one of the last k
  };
  std::vector<Point> t_visibility;  // ascending t
  std::vector<Within> k_staleness;  // k = 1, 2, ...
  std::uint64_t trials_failed = 0;  // a write did not commit: not read
  std::uint64_t reads_failed = 0;
};

// Figures of one operation (reads, or writes), over requests sent in
// [warmup, duration).
struct OperationRecord {
  std::uint64_t sent = 0;
  std::uint64_t succeeded = 0;
  FailureCounts failed;
  Histogram latency;  // successful ones, ns
};

struct RequestRecord {
  std::uint64_t sent = 0;
  std::uint64_t attempts = 0;             // first sends and retries
  std::uint64_t succeeded = 0;
  // Successes that completed inside [warmup, duration), whenever sent: the
  // throughput's numerator (those of the drain after `duration` are not).
  std::uint64_t succeeded_in_window = 0;
  std::uint64_t completed = 0;            // got a response, successful or not
  FailureCounts failed;                   // by kind (models/status.h)
  Histogram latency;                      // successful requests, ns
  double latency_mean_stderr_ns = 0;      // batch means; NaN if too few
  // Reads and writes apart (clients with a mix): [0] reads, [1] writes.
  bool has_operations = false;
  OperationRecord operations[2];
};

// One fault or random failure and what it did (docs/SUMMARY.md).
struct FaultRecord {
  std::string kind;
  std::string target;
  Time at = 0;
  std::optional<Time> until;
  std::optional<Time> detected;   // a balancer first marked a node it names down
  std::optional<Time> recovered;  // start of the first window back above the SLO
  std::uint64_t failed_requests = 0;
};

// A component that faults or random failures can take down: the fraction of
// [warmup, duration) with at least `required_up` replicas up, and the
// Markov chain's figure for its `failures:` (analysis/availability.h).
struct AvailabilityRecord {
  std::string component;
  int required_up = 1;
  double simulated = 0;
  std::optional<double> analytic;  // components with failures: only
};

// Why a run stopped before every request resolved (RunLimits, an interrupt).
struct PartialRecord {
  std::string reason;  // "budget" or "interrupted"
  std::string message; // what was exceeded, naming the saturated component where known
  Time at = 0;         // simulated time reached
};

inline constexpr std::size_t kMaxCounterexample = 20;

// The linearizability check of a run's history (analysis/linearizability.h).
struct LinearizabilityRecord {
  std::string verdict = "true";  // "true", "false" or "unknown"
  std::uint64_t keys_checked = 0;
  std::uint64_t keys_unknown = 0;  // out of budget
  std::uint64_t keys_not_linearizable = 0;
  std::uint64_t states_explored = 0;
  std::uint64_t budget = 0;        // steps per key
  // Not checked: the history is incomplete (truncated, or the run stopped
  // early), so the verdict is "unknown".
  bool incomplete = false;
  // On "false": the operations of one key that cannot be ordered.
  struct Op {
    std::string client;
    std::string op;  // "read", "write"
    std::optional<std::uint64_t> value;
    Time invoke = 0;
    Time complete = 0;
    std::string outcome;
  };
  std::optional<std::string> counterexample_key;
  std::vector<Op> counterexample;
  bool counterexample_minimal = true;  // minimised within the budget (a write goes with the reads only it explains)
  std::size_t counterexample_size = 0;  // its operations; at most kMaxCounterexample are listed
  std::string timeline;  // the same, drawn for a terminal
};

// Reads and writes of keys, from the "history" recorder (analysis/history.h).
struct ConsistencyRecord {
  std::uint64_t operations = 0;     // reads and writes resolved, recorded or not
  std::uint64_t recorded = 0;       // of those, in the history
  std::uint64_t history_limit = 0;
  bool truncated = false;           // some were past the limit
  bool settled = false;             // final reads taken: lost writes were checked
  std::uint64_t final_reads = 0;
  std::uint64_t unconverged_keys = 0;  // replicas still disagreeing after settling
  // The client component of each of the history's clients (a client's
  // replicas are clients of their own): figures.by_client's names.
  std::vector<std::string> clients;
  StaleLostFigures figures;
  std::optional<LinearizabilityRecord> linearizability;
};

// One client's outcomes per window of the run (the "clients" recorder,
// analysis/client_metrics.h): entry i counts requests that resolved in
// [i × window, (i + 1) × window), for the windows that start before
// `duration`.
struct ClientSeries {
  std::string name;
  std::vector<std::uint64_t> succeeded;
  std::vector<std::uint64_t> failed;
};

// A component's part of the bill over the measured window (analysis/cost.h).
struct ComponentCostRecord {
  std::string name;
  std::string instance;        // the instance price it names; empty: none
  double replica_hours = 0;    // its replicas' hours in the window (billed whether up or crashed)
  double instances = 0;        // US dollars over the window
  std::string priced_as;       // the request price it names (stores); empty: none
  std::uint64_t reads = 0;     // received in the window, billed with priced_as
  std::uint64_t writes = 0;
  double requests = 0;         // US dollars over the window
  std::optional<double> storage_gb;
  std::string storage;         // the storage price billed for storage_gb
  double storage_cost = 0;     // US dollars over the window
  double total() const { return instances + requests + storage_cost; }
};

// What the design cost over the measured window [warmup, end of the
// measurement), from the scenario's prices (models/pricing.h).
struct CostRecord {
  double hours = 0;  // the window's length
  std::vector<ComponentCostRecord> components;  // those with a price, in component order
  double inter_zone_gb = 0;  // data moved between zones in the window (1e9 bytes)
  double network = 0;        // US dollars over the window
  double total() const {
    double t = network;
    for (const auto& c : components) t += c.total();
    return t;
  }
  // US dollars per hour and per month (730 hours) at the window's rate.
  double per_hour() const { return hours > 0 ? total() / hours : 0.0; }
};

// One objective of the scenario's slo: section judged on the run's figures
// (analysis/objectives.h).
struct ObjectiveRecord {
  std::string name;        // "availability", "p99_latency", "max_cost_per_month", ...
  std::string unit;        // "fraction", "ms", "requests/s", "USD/month"
  bool at_least = false;   // a floor (availability, min_throughput); else a ceiling
  double target = 0;
  std::optional<double> measured;  // absent: the run gave no figure (nothing sent, nothing succeeded)
  double margin = 0;       // how far on the right side of the target (negative: missed)
  bool met = false;
  // Judged though not written: a latency objective brings availability at
  // slo.availability's value, so that failed requests cannot hide.
  bool implied = false;
};

struct History;

struct RunRecord {
  std::string scenario;
  std::uint64_t seed = 0;
  Time duration = 0;
  Time warmup = 0;
  Time window = 0;
  Time end = 0;                 // simulated time when the last request resolved
  std::uint64_t events = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_lost = 0;
  std::uint64_t messages_dropped = 0;  // by faults (partitions, down nodes)
  std::uint64_t inter_zone_bytes = 0;  // sent from one zone to another in [warmup, duration)
  double slo_availability = 0.99;
  RequestRecord requests;              // the "requests" recorder
  std::vector<WindowRecord> windows;   // the "requests" recorder
  std::vector<ComponentRecord> components;
  std::vector<ClientSeries> client_series;  // the "clients" recorder: two clients or more
  std::vector<FaultRecord> faults;     // the "faults" recorder
  std::vector<AvailabilityRecord> availability;  // the "availability" recorder, in component order
  // Figures of recorders of the user's own, as ("recorder/a/b", value):
  // nested objects under "recorders" in the summary JSON, in this order.
  std::vector<std::pair<std::string, double>> figures;
  std::optional<ConsistencyRecord> consistency;  // clients with a mix only
  std::optional<PbsRecord> pbs;                  // PBS probes only
  std::optional<CostRecord> cost;                // when the scenario prices something
  std::vector<ObjectiveRecord> objectives;       // the slo: section's, in a fixed order
  std::shared_ptr<const History> history;        // the same runs; analysis/history.h
  // Set when the run stopped early: the figures cover [0, partial->at) only,
  // and requests still in flight then are in neither succeeded nor failed.
  std::optional<PartialRecord> partial;
};

}  // namespace dsim
