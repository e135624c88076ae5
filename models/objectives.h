// What a design must achieve, as plain data: the objectives of a scenario's
// `slo:` section. analysis/objectives.h judges a run's figures against them
// (the summary's "objectives"), and dsim check turns a missed one into exit 3.
//
// Every objective is judged on the run's overall figure for the requests
// first sent in [warmup, duration), as the summary reports it: latency
// quantiles of successful requests, availability as successes over requests
// sent, the error rate as failures over requests sent. slo.availability also keeps its
// per-window meaning (ScenarioSpec::slo_availability: downtime and recovery).
#pragma once

#include <optional>

#include "dsim/sim/time.h"

namespace dsim {

struct Objectives {
  std::optional<double> availability;   // at least; a fraction
  std::optional<Time> p50_latency;      // at most
  std::optional<Time> p99_latency;      // at most
  std::optional<Time> p999_latency;     // at most
  std::optional<double> error_rate;     // at most; a fraction
  std::optional<double> min_throughput; // successful requests per second, at least
  std::optional<double> max_cost_per_month;   // US dollars, at most (analysis/cost.h)
  std::optional<double> max_stale_read_rate;  // a fraction, at most (clients with a mix)

  bool any() const {
    return availability || p50_latency || p99_latency || p999_latency || error_rate || min_throughput ||
           max_cost_per_month || max_stale_read_rate;
  }
  bool any_latency() const { return p50_latency || p99_latency || p999_latency; }
};

}  // namespace dsim
