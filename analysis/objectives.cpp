#include "dsim/analysis/objectives.h"

#include "dsim/analysis/cost.h"
#include "dsim/analysis/summary.h"

namespace dsim {

namespace {

std::optional<double> latency_ms(const RunRecord& rec, double q) {
  const Histogram& h = rec.requests.latency;
  if (h.count() == 0) return std::nullopt;
  return round_to(h.quantile(q) / 1e6, 6);
}

}  // namespace

std::optional<double> objective_figure(const std::string& name, const RunRecord& rec) {
  const RequestRecord& r = rec.requests;
  const double sent = static_cast<double>(r.sent);
  if (name == "availability") {
    if (r.sent == 0) return std::nullopt;
    return round_to(static_cast<double>(r.succeeded) / sent, 9);
  }
  if (name == "error_rate") {
    if (r.sent == 0) return std::nullopt;
    return round_to(static_cast<double>(r.failed.total()) / sent, 9);
  }
  if (name == "p50_latency") return latency_ms(rec, 0.50);
  if (name == "p99_latency") return latency_ms(rec, 0.99);
  if (name == "p999_latency") return latency_ms(rec, 0.999);
  if (name == "min_throughput") {
    const double s = measured_window_seconds(rec);
    if (s <= 0) return std::nullopt;
    return round_to(static_cast<double>(r.succeeded_in_window) / s, 3);
  }
  if (name == "max_cost_per_month") {
    if (!rec.cost || !(rec.cost->hours > 0)) return std::nullopt;  // nothing measured
    return round_to(rec.cost->per_hour() * kHoursPerMonth, 6);
  }
  if (name == "max_stale_read_rate") {
    if (!rec.consistency || rec.consistency->figures.reads == 0) return std::nullopt;
    const StaleLostFigures& f = rec.consistency->figures;
    return round_to(static_cast<double>(f.stale_reads) / static_cast<double>(f.reads), 9);
  }
  return std::nullopt;
}

void settle_objective(ObjectiveRecord& o, std::optional<double> measured) {
  o.measured = measured;
  if (!measured) {
    o.margin = 0;
    o.met = false;
    return;
  }
  o.margin = o.at_least ? *measured - o.target : o.target - *measured;
  // Round so that a figure printed equal to its target reads as met.
  o.margin = round_to(o.margin, 9) + 0.0;
  o.met = o.margin >= 0;
}

std::vector<ObjectiveRecord> judge_objectives(const Objectives& obj, double slo_availability, const RunRecord& rec) {
  std::vector<ObjectiveRecord> out;
  const auto add = [&](const char* name, const char* unit, bool at_least, double target, bool implied = false) {
    ObjectiveRecord o;
    o.name = name;
    o.unit = unit;
    o.at_least = at_least;
    o.target = target;
    o.implied = implied;
    settle_objective(o, objective_figure(name, rec));
    out.push_back(std::move(o));
  };
  if (obj.availability) add("availability", "fraction", true, *obj.availability);
  else if (obj.any_latency() && !obj.error_rate) add("availability", "fraction", true, slo_availability, true);
  if (obj.error_rate) add("error_rate", "fraction", false, *obj.error_rate);
  const auto ms = [](Time t) { return static_cast<double>(t) / 1e6; };
  if (obj.p50_latency) add("p50_latency", "ms", false, ms(*obj.p50_latency));
  if (obj.p99_latency) add("p99_latency", "ms", false, ms(*obj.p99_latency));
  if (obj.p999_latency) add("p999_latency", "ms", false, ms(*obj.p999_latency));
  if (obj.min_throughput) add("min_throughput", "requests/s", true, *obj.min_throughput);
  if (obj.max_cost_per_month) add("max_cost_per_month", "USD/month", false, *obj.max_cost_per_month);
  if (obj.max_stale_read_rate) add("max_stale_read_rate", "fraction", false, *obj.max_stale_read_rate);
  return out;
}

}  // namespace dsim
