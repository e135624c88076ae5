// What a run recorded, as plain data: the interface between models/ (which
// fill it in) and analysis/ (which turns it into reports). Nothing here refers
// back to live simulation state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/stats.h"
#include "sim/time.h"

namespace dsim {

// Occupancy and flow of one replica (or, summed, of a component) over the
// measurement window [warmup, duration).
struct OccupancyRecord {
  std::optional<double> utilization;  // busy workers / workers; absent where undefined
  double queue_length = 0;            // mean number waiting
  double in_system = 0;               // mean number waiting or in service
  std::uint64_t arrivals = 0;         // requests accepted in the window
  std::uint64_t rejected = 0;         // requests turned away in the window
  std::uint64_t departures = 0;       // of those accepted in the window, how many left
  double time_in_system_sum_ns = 0;   // summed over those departures
  std::uint64_t workers = 0;          // 0 where not applicable
};

struct ReplicaRecord {
  std::string name;
  std::string zone;
  OccupancyRecord occupancy;
};

struct ComponentRecord {
  std::string name;
  std::string kind;
  bool has_occupancy = false;         // services and balancers; not clients
  // Fraction of [warmup, duration) with at least `required_up` replicas up
  // (components that faults or failures can take down), and the Markov
  // chain's figure for its `failures:` (analysis/availability.h).
  bool has_availability = false;
  double availability_simulated = 0;
  std::optional<double> availability_analytic;
  int required_up = 1;
  OccupancyRecord total;              // summed over replicas (utilization: pooled)
  std::vector<ReplicaRecord> replicas;
  // Kind-specific figures, in a stable order, as ("a/b/c", value): nested
  // objects in JSON, e.g. "backends/app-0/requests" for a balancer.
  std::vector<std::pair<std::string, double>> extra;
};

// One row of the time series: outcomes of client requests resolved in
// [start, start + window), and requests first sent in it.
struct WindowRecord {
  Time start = 0;
  std::uint64_t sent = 0;
  std::uint64_t attempts = 0;  // first sends and retries
  std::uint64_t succeeded = 0;
  std::array<std::uint64_t, 3> failed{};  // timeout, rejected, unavailable
  double p50_ns = 0;
  double p99_ns = 0;

  // Requests that resolved (succeeded or failed) in the window.
  std::uint64_t resolved() const { return succeeded + failed[0] + failed[1] + failed[2]; }
  // Whether its availability fell below `slo` (never, when nothing resolved).
  bool below(double slo) const {
    return resolved() > 0 && static_cast<double>(succeeded) < slo * static_cast<double>(resolved());
  }
};

struct RequestRecord {
  std::uint64_t sent = 0;
  std::uint64_t attempts = 0;             // first sends and retries
  std::uint64_t succeeded = 0;
  std::uint64_t completed = 0;            // got a response, successful or not
  std::array<std::uint64_t, 3> failed{};  // timeout, rejected, unavailable
  Histogram latency;                      // successful requests, ns
  double latency_mean_stderr_ns = 0;      // batch means; NaN if too few
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
  double slo_availability = 0.99;
  RequestRecord requests;
  std::vector<WindowRecord> windows;
  std::vector<ComponentRecord> components;
  std::vector<FaultRecord> faults;
};

}  // namespace dsim
