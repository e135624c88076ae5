// A run's bill: what the design cost over its measured window, from the
// prices its components name (models/pricing.h).
//
//   - an `instance`: each replica billed for the hours it existed within
//     [warmup, end of the measurement) — up or crashed alike; an autoscaled
//     service's replicas for the time they existed (starting, ready or
//     draining: ComponentRecord::billed_replica_seconds);
//   - `priced_as` (stores): the reads and writes the store received in the
//     window, per million each;
//   - `storage_gb` (stores): GB-months at its storage price, for the window's
//     length (a month is 730 hours);
//   - the network: bytes sent between zones in the window (lost or not), per
//     GB (1e9 bytes), at the catalog's inter_zone_per_gb.
//
// The summary reports the window's total as per_hour and per_month (730 h)
// at the same rate, and per million successful requests of the window.
#pragma once

#include <optional>

#include "dsim/analysis/record.h"
#include "dsim/models/scenario_spec.h"

namespace dsim {

// The bill, or nothing when no component names a price (and no objective
// asks for a cost). REQUIRES: rec comes from a run of spec; every name the
// components give exists in spec.pricing (the loader checks; a spec built
// in C++ with a missing name is billed nothing for it).
std::optional<CostRecord> price_run(const ScenarioSpec& spec, const RunRecord& rec);

// The measured window's length in seconds: [warmup, duration), cut at the
// time a partial run stopped.
double measured_window_seconds(const RunRecord& rec);

}  // namespace dsim
