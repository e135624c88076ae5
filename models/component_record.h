// What a component recorded about itself in one run, as plain data.
//
// Each component instance fills its ComponentRecord after the run
// (ComponentInstance::record, models/component.h): occupancy integrals of its
// replicas and kind-specific counts. What recorders observed about a
// component lives in the run's record (analysis/record.h), and analysis/
// turns both into reports. Nothing here refers back to live simulation state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
  OccupancyRecord total;              // summed over replicas (utilization: pooled)
  std::vector<ReplicaRecord> replicas;
  // Kind-specific figures, in a stable order, as ("a/b/c", value): nested
  // objects in JSON, e.g. "backends/app-0/requests" for a balancer.
  std::vector<std::pair<std::string, double>> extra;
  // Figures over time, as ("name", one value per window [i × window,
  // (i + 1) × window) that starts before the run's duration): a column
  // "name.<component>" of timeseries.csv, e.g. an autoscaled service's
  // "replicas".
  std::vector<std::pair<std::string, std::vector<double>>> series = {};
  // Replica-seconds the component existed within [warmup, end of the
  // measurement): what an instance price bills. Absent: every replica
  // throughout (an autoscaled service sets it).
  std::optional<double> billed_replica_seconds = std::nullopt;
  // Reads and writes the component received from outside it (clients,
  // services) in [warmup, duration): what a store priced per request bills.
  std::uint64_t reads_received = 0;
  std::uint64_t writes_received = 0;
};

}  // namespace dsim
