#include "dsim/analysis/summary.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "dsim/analysis/availability.h"
#include "dsim/analysis/cost.h"
#include "dsim/models/pricing.h"

namespace dsim {

using Json = nlohmann::ordered_json;

const char* const kDsimVersion = DSIM_VERSION_STRING;

double round_to(double v, int decimals) {
  if (!std::isfinite(v)) return v;
  double scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  return std::round(v * scale) / scale;
}

namespace {

double ns_to_ms(double ns) { return round_to(ns / 1e6, 6); }

// Time in windows of [warmup, duration) whose availability was below the SLO
// (windows where nothing resolved do not count).
Time downtime(const RunRecord& rec) {
  Time total = 0;
  for (const auto& w : rec.windows) {
    if (w.start < rec.warmup || w.start >= rec.duration) continue;
    if (w.below(rec.slo_availability)) total += std::min(rec.window, rec.duration - w.start);
  }
  return total;
}

// The measurement window's length in seconds: [warmup, duration), or up to
// where a partial run stopped. A window of no length gives rates of 0.
// The measured window's length, as a divisor: infinite when empty (rates of 0).
double measured_seconds(const RunRecord& rec) {
  const double s = measured_window_seconds(rec);
  return s > 0 ? s : std::numeric_limits<double>::infinity();
}

Json occupancy_json(const OccupancyRecord& o, double measured_s) {
  Json j;
  if (o.utilization) j["utilization"] = round_to(*o.utilization, 6);
  j["queue_length"] = round_to(o.queue_length, 6);
  j["in_system"] = round_to(o.in_system, 6);
  j["arrivals"] = o.arrivals;
  j["arrival_rate_rps"] = round_to(static_cast<double>(o.arrivals) / measured_s, 3);
  j["rejected"] = o.rejected;
  if (o.departures > 0)
    j["time_in_system_ms"] = ns_to_ms(o.time_in_system_sum_ns / static_cast<double>(o.departures));
  else
    j["time_in_system_ms"] = nullptr;
  return j;
}

// A figure as JSON: whole numbers as integers, others rounded.
Json figure_json(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
  return round_to(v, 6);
}

// Figures named by paths ("backends/app-0/requests") as nested objects, in
// the order their keys first appear. Built with an index per level: an
// ordered_json's operator[] searches its keys one by one, which made a
// balancer with 100,000 backends take a minute to print.
class FigureTree {
 public:
  // Sets the figure at `path` (a later value for the same path replaces it).
  void set(const std::string& path, double v) {
    FigureTree* cur = this;
    std::size_t start = 0;
    for (;;) {
      const auto slash = path.find('/', start);
      Item& item = cur->at(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) {
        item.value = v;
        return;
      }
      if (!item.child) item.child = std::make_unique<FigureTree>();
      cur = item.child.get();
      start = slash + 1;
    }
  }
  // Adds the top-level entries to `j` (an object), in order.
  void add_to(Json& j) const {
    for (const Item& item : items_) j[item.key] = item.json();
  }

 private:
  struct Item {
    std::string key;
    double value = 0;
    std::unique_ptr<FigureTree> child;  // set for an inner node
    Json json() const {
      if (!child) return figure_json(value);
      Json obj = Json::object();
      auto& members = obj.get_ref<Json::object_t&>();
      for (const Item& c : child->items_) members.emplace_back(c.key, c.json());
      return obj;
    }
  };
  Item& at(const std::string& key) {
    const auto [it, added] = index_.emplace(key, items_.size());
    if (added) items_.push_back(Item{key, 0, nullptr});
    return items_[it->second];
  }
  std::vector<Item> items_;
  std::map<std::string, std::size_t> index_;  // key -> position in items_; lookup only
};

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 1234567 -> "1,234,567"
std::string group(std::uint64_t v) {
  std::string s = std::to_string(v);
  std::string out;
  const int n = static_cast<int>(s.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += s[static_cast<std::size_t>(i)];
  }
  return out;
}

std::string pad(const std::string& s, std::size_t w, bool right) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

// Columns padded to their widest cell; columns from `right_from` on are
// right-aligned (numbers).
void print_table(std::ostream& o, const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows, std::size_t right_from) {
  std::vector<std::size_t> width(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) s += "  ";
      s += pad(row[i], width[i], i >= right_from);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    o << s << "\n";
  };
  line(head);
  for (const auto& row : rows) line(row);
}

}  // namespace

namespace {

bool is_random_failure(const FaultRecord& f) { return f.kind == "failure"; }

// Mean and p99 (nearest rank) of durations, in seconds; none when empty.
struct DurationSpread {
  std::size_t count;
  double mean_s;
  double p99_s;
};
std::optional<DurationSpread> spread_of(std::vector<Time> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (const Time t : v) sum += to_seconds(t);
  const std::size_t rank = (v.size() * 99 + 99) / 100;  // ceil(0.99 n)
  return DurationSpread{v.size(), sum / static_cast<double>(v.size()), to_seconds(v[rank - 1])};
}

Json spread_s(const std::vector<Time>& v) {
  const auto s = spread_of(v);
  if (!s) return nullptr;
  return Json{{"count", s->count}, {"mean", round_to(s->mean_s, 9)}, {"p99", round_to(s->p99_s, 9)}};
}

}  // namespace

std::vector<FailureAggregate> aggregate_failures(const RunRecord& rec) {
  std::map<std::string, std::size_t> owner;  // replica -> component index; looked up, never iterated
  for (std::size_t i = 0; i < rec.components.size(); ++i) {
    owner.emplace(rec.components[i].name, i);
    for (const auto& r : rec.components[i].replicas) owner.emplace(r.name, i);
  }
  std::vector<FailureAggregate> by_component(rec.components.size());
  for (std::size_t i = 0; i < rec.components.size(); ++i) by_component[i].component = rec.components[i].name;
  for (const FaultRecord& f : rec.faults) {
    if (!is_random_failure(f)) continue;
    const auto it = owner.find(f.target);
    if (it == owner.end()) continue;
    FailureAggregate& a = by_component[it->second];
    ++a.count;
    a.failed_requests += f.failed_requests;
    // A repair may be due after the run ended (or after a partial run
    // stopped): only the time simulated counts.
    a.down += std::max<Time>(0, std::min(f.until ? *f.until : rec.end, rec.end) - f.at);
    if (f.detected) a.detection.push_back(*f.detected - f.at);
    if (f.recovered) a.recovery.push_back(*f.recovered - f.at);
  }
  std::vector<FailureAggregate> out;
  for (auto& a : by_component)
    if (a.count > 0) out.push_back(std::move(a));
  return out;
}

Json spread_json(const Spread& s, int decimals) {
  return Json{{"p50", round_to(s.p50, decimals)}, {"p99", round_to(s.p99, decimals)}, {"max", round_to(s.max, decimals)}};
}

// Each reading client component's figures (its replicas' summed), by name.
std::vector<std::pair<std::string, StaleLostFigures::ClientReads>> reads_by_client(const ConsistencyRecord& c) {
  std::map<std::string, StaleLostFigures::ClientReads> by;
  for (const auto& r : c.figures.by_client) {
    auto& x = by[r.client < c.clients.size() ? c.clients[r.client] : std::to_string(r.client)];
    x.reads += r.reads;
    x.stale_reads += r.stale_reads;
  }
  return {by.begin(), by.end()};
}

Json consistency_json(const ConsistencyRecord& c) {
  const StaleLostFigures& f = c.figures;
  Json j;
  j["history"] = Json{{"operations", c.operations},
                      {"recorded", c.recorded},
                      {"limit", c.history_limit},
                      {"truncated", c.truncated},
                      {"final_reads", c.final_reads}};
  j["reads"] = f.reads;
  j["stale_reads"] = f.stale_reads;
  if (f.reads > 0) j["stale_read_rate"] = round_to(static_cast<double>(f.stale_reads) / static_cast<double>(f.reads), 9);
  else j["stale_read_rate"] = nullptr;
  j["staleness_ms"] = spread_json(f.staleness_ms, 6);
  j["staleness_versions"] = spread_json(f.staleness_versions, 0);
  // Each client's reads, when two or more read (which side saw stale data).
  if (const auto by_client = reads_by_client(c); by_client.size() >= 2) {
    Json by;
    for (const auto& [name, r] : by_client) {
      Json cj{{"reads", r.reads}, {"stale_reads", r.stale_reads}};
      cj["stale_read_rate"] = round_to(static_cast<double>(r.stale_reads) / static_cast<double>(r.reads), 9);
      by[name] = cj;
    }
    j["clients"] = by;
  }
  j["writes_acknowledged"] = f.writes_acknowledged;
  if (c.settled) {
    j["lost_writes"] = f.lost_writes;
    j["unconverged_keys"] = c.unconverged_keys;
  } else {
    j["lost_writes"] = nullptr;  // a run stopped early does not settle
    j["unconverged_keys"] = nullptr;
  }
  j["keys_checked_for_loss"] = f.keys_checked_for_loss;
  j["unexplained_reads"] = f.unexplained_reads;
  if (c.linearizability) {
    const LinearizabilityRecord& l = *c.linearizability;
    if (l.verdict == "true") j["linearizable"] = true;
    else if (l.verdict == "false") j["linearizable"] = false;
    else j["linearizable"] = "unknown";
    Json lj;
    lj["keys_checked"] = l.keys_checked;
    lj["keys_unknown"] = l.keys_unknown;
    lj["keys_not_linearizable"] = l.keys_not_linearizable;
    lj["states_explored"] = l.states_explored;
    lj["budget"] = l.budget;
    if (l.incomplete) lj["incomplete"] = true;
    if (l.counterexample_key) {
      Json ce;
      ce["key"] = *l.counterexample_key;
      ce["size"] = l.counterexample_size;
      ce["minimal"] = l.counterexample_minimal;
      Json ops = Json::array();
      for (const auto& o : l.counterexample) {
        Json oj;
        oj["client"] = o.client;
        oj["op"] = o.op;
        if (o.value) oj["value"] = *o.value;
        else oj["value"] = nullptr;
        oj["invoke_ms"] = round_to(to_seconds(o.invoke) * 1e3, 6);
        if (o.complete == kTimeMax) oj["complete_ms"] = nullptr;
        else oj["complete_ms"] = round_to(to_seconds(o.complete) * 1e3, 6);
        oj["outcome"] = o.outcome;
        ops.push_back(oj);
      }
      ce["operations"] = ops;
      ce["timeline"] = l.timeline;
      lj["counterexample"] = ce;
    } else {
      lj["counterexample"] = nullptr;
    }
    j["linearizability"] = lj;
  }
  return j;
}

void add_pbs_json(const PbsRecord& p, Json& c) {
  Json tv = Json::array();
  for (const auto& pt : p.t_visibility)
    tv.push_back(Json{{"t_ms", round_to(to_seconds(pt.t) * 1e3, 6)},
                      {"p_consistent", pt.reads > 0 ? Json(round_to(static_cast<double>(pt.consistent) /
                                                                         static_cast<double>(pt.reads), 9))
                                                    : Json(nullptr)},
                      {"trials", pt.reads}});
  c["t_visibility"] = tv;
  Json ks = Json::array();
  for (const auto& w : p.k_staleness)
    ks.push_back(Json{{"k", w.k},
                      {"p", w.reads > 0 ? Json(round_to(static_cast<double>(w.within) / static_cast<double>(w.reads), 9))
                                        : Json(nullptr)},
                      {"trials", w.reads}});
  c["k_staleness"] = ks;
  c["pbs_trials_failed"] = p.trials_failed;
  c["pbs_reads_failed"] = p.reads_failed;
}

namespace {

double usd(double v) { return round_to(v, 6) + 0.0; }

Json cost_json(const CostRecord& cost, std::uint64_t succeeded) {
  const double h = cost.hours;
  const auto per_hour = [h](double over_window) { return h > 0 ? over_window / h : 0.0; };
  Json j;
  j["currency"] = "USD";
  j["window_hours"] = round_to(h, 9);
  // A run stopped before its warm-up ended measured no time: no rate.
  if (h > 0) {
    j["per_hour"] = usd(cost.per_hour());
    j["per_month"] = usd(cost.per_hour() * kHoursPerMonth);
  } else {
    j["per_hour"] = nullptr;
    j["per_month"] = nullptr;
  }
  if (succeeded > 0) j["per_million_requests"] = usd(cost.total() / (static_cast<double>(succeeded) / 1e6));
  else j["per_million_requests"] = nullptr;
  Json comps = Json::object();
  double storage_gb = 0, storage = 0, requests = 0;
  std::uint64_t reads = 0, writes = 0;
  for (const ComponentCostRecord& c : cost.components) {
    Json cj;
    if (!c.instance.empty()) cj["instance"] = c.instance;
    else cj["instance"] = nullptr;
    cj["replica_hours"] = round_to(c.replica_hours, 9);
    cj["per_hour"] = usd(per_hour(c.total()));
    cj["per_month"] = usd(per_hour(c.total()) * kHoursPerMonth);
    if (!c.instance.empty()) cj["instances_per_month"] = usd(per_hour(c.instances) * kHoursPerMonth);
    if (!c.priced_as.empty()) {
      cj["priced_as"] = c.priced_as;
      cj["reads"] = c.reads;
      cj["writes"] = c.writes;
      cj["requests_per_month"] = usd(per_hour(c.requests) * kHoursPerMonth);
      reads += c.reads;
      writes += c.writes;
      requests += c.requests;
    }
    if (c.storage_gb) {
      cj["storage_gb"] = round_to(*c.storage_gb, 6);
      cj["storage"] = c.storage;
      cj["storage_per_month"] = usd(per_hour(c.storage_cost) * kHoursPerMonth);
      storage_gb += *c.storage_gb;
      storage += c.storage_cost;
    }
    comps.get_ref<Json::object_t&>().emplace_back(c.name, std::move(cj));
  }
  j["components"] = std::move(comps);
  j["network"] = Json{{"inter_zone_gb", round_to(cost.inter_zone_gb, 9)},
                      {"per_month", usd(per_hour(cost.network) * kHoursPerMonth)}};
  j["storage"] = Json{{"gb", round_to(storage_gb, 6)}, {"per_month", usd(per_hour(storage) * kHoursPerMonth)}};
  j["requests"] =
      Json{{"reads", reads}, {"writes", writes}, {"per_month", usd(per_hour(requests) * kHoursPerMonth)}};
  return j;
}

Json objectives_json(const std::vector<ObjectiveRecord>& objectives) {
  Json j = Json::object();
  for (const ObjectiveRecord& o : objectives) {
    Json oj;
    oj["target"] = round_to(o.target, 9);
    if (o.measured) oj["measured"] = *o.measured;
    else oj["measured"] = nullptr;
    if (o.measured) oj["margin"] = o.margin;
    else oj["margin"] = nullptr;
    oj["met"] = o.met;
    oj["unit"] = o.unit;
    oj["kind"] = o.at_least ? "at_least" : "at_most";
    if (o.implied) oj["implied"] = true;
    j.get_ref<Json::object_t&>().emplace_back(o.name, std::move(oj));
  }
  return j;
}

}  // namespace

Json summary_json(const RunRecord& rec) {
  const double measured_s = measured_seconds(rec);
  const RequestRecord& r = rec.requests;
  Json j;
  j["schema"] = kSummarySchema;
  j["dsim_version"] = kDsimVersion;
  j["scenario"] = rec.scenario;
  j["seed"] = rec.seed;
  j["duration_s"] = round_to(to_seconds(rec.duration), 9);
  j["warmup_s"] = round_to(to_seconds(rec.warmup), 9);
  j["end_s"] = round_to(to_seconds(rec.end), 9);
  j["events"] = rec.events;
  if (rec.partial) {
    // Present only when the run stopped early (docs/SUMMARY.md).
    j["partial"] = true;
    j["partial_reason"] = rec.partial->reason;
    j["partial_message"] = rec.partial->message;
  }
  Json req;
  req["sent"] = r.sent;
  req["attempts"] = r.attempts;
  req["succeeded"] = r.succeeded;
  req["completed"] = r.completed;
  const StatusTable& statuses = StatusTable::global();
  Json failed = Json::object();
  for (std::size_t k = 0; k < statuses.failure_kinds(); ++k) failed[statuses.name(static_cast<Status>(k + 1))] = r.failed[k];
  req["failed"] = failed;
  if (rec.partial) req["in_flight"] = r.sent - std::min(r.sent, r.succeeded + r.failed.total());
  if (r.has_operations) {
    for (int k = 0; k < 2; ++k) {
      const OperationRecord& o = r.operations[k];
      Json oj;
      oj["sent"] = o.sent;
      oj["succeeded"] = o.succeeded;
      Json of = Json::object();
      for (std::size_t f = 0; f < statuses.failure_kinds(); ++f) of[statuses.name(static_cast<Status>(f + 1))] = o.failed[f];
      oj["failed"] = of;
      req[k == 0 ? "read" : "write"] = oj;
    }
  }
  j["requests"] = req;
  j["throughput_rps"] = round_to(static_cast<double>(r.succeeded_in_window) / measured_s, 3);
  if (r.sent > 0) j["availability"] = round_to(static_cast<double>(r.succeeded) / static_cast<double>(r.sent), 9);
  else j["availability"] = nullptr;
  // "Nines" of the measured availability (null when nothing failed or
  // nothing was sent), and downtime: windows below the SLO.
  if (r.sent > 0 && r.succeeded < r.sent)
    // (+ 0.0: no "-0" when availability is 0.)
    j["availability_nines"] =
        round_to(availability::nines(static_cast<double>(r.succeeded) / static_cast<double>(r.sent)), 6) + 0.0;
  else
    j["availability_nines"] = nullptr;
  j["slo"] = Json{{"availability", round_to(rec.slo_availability, 9)}};
  j["downtime_s"] = round_to(to_seconds(downtime(rec)), 9);
  Json lat;
  if (r.latency.count() > 0) {
    lat["mean"] = ns_to_ms(r.latency.mean());
    if (std::isfinite(r.latency_mean_stderr_ns)) lat["mean_stderr"] = ns_to_ms(r.latency_mean_stderr_ns);
    else lat["mean_stderr"] = nullptr;
    lat["p50"] = ns_to_ms(r.latency.quantile(0.50));
    lat["p90"] = ns_to_ms(r.latency.quantile(0.90));
    lat["p99"] = ns_to_ms(r.latency.quantile(0.99));
    lat["p999"] = ns_to_ms(r.latency.quantile(0.999));
    lat["max"] = ns_to_ms(static_cast<double>(r.latency.max()));
  } else {
    for (const char* k : {"mean", "mean_stderr", "p50", "p90", "p99", "p999", "max"}) lat[k] = nullptr;
  }
  if (r.has_operations) {
    for (int k = 0; k < 2; ++k) {
      const Histogram& h = r.operations[k].latency;
      Json oj;
      if (h.count() > 0) {
        oj["mean"] = ns_to_ms(h.mean());
        oj["p50"] = ns_to_ms(h.quantile(0.50));
        oj["p90"] = ns_to_ms(h.quantile(0.90));
        oj["p99"] = ns_to_ms(h.quantile(0.99));
        oj["p999"] = ns_to_ms(h.quantile(0.999));
        oj["max"] = ns_to_ms(static_cast<double>(h.max()));
      } else {
        for (const char* key : {"mean", "p50", "p90", "p99", "p999", "max"}) oj[key] = nullptr;
      }
      lat[k == 0 ? "read" : "write"] = oj;
    }
  }
  j["latency_ms"] = lat;
  j["network"] = Json{{"messages", rec.messages_sent}, {"lost", rec.messages_lost}, {"dropped", rec.messages_dropped}};
  if (rec.consistency || rec.pbs) {
    Json c = rec.consistency ? consistency_json(*rec.consistency) : Json::object();
    if (rec.pbs) add_pbs_json(*rec.pbs, c);
    j["consistency"] = c;
  }
  Json faults = Json::array();
  auto opt_s = [](const std::optional<Time>& t) -> Json {
    if (!t) return nullptr;
    return round_to(to_seconds(*t), 9);
  };
  for (const FaultRecord& f : rec.faults) {
    if (is_random_failure(f)) continue;  // aggregated below; all are in faults.csv
    Json fj;
    fj["kind"] = f.kind;
    fj["target"] = f.target;
    fj["at_s"] = round_to(to_seconds(f.at), 9);
    fj["until_s"] = opt_s(f.until);
    fj["detected_s"] = opt_s(f.detected);
    fj["recovered_s"] = opt_s(f.recovered);
    fj["failed_requests"] = f.failed_requests;
    faults.push_back(fj);
  }
  j["faults"] = faults;
  Json failures = Json::array();
  for (const FailureAggregate& a : aggregate_failures(rec)) {
    Json fj;
    fj["component"] = a.component;
    fj["count"] = a.count;
    fj["down_s"] = round_to(to_seconds(a.down), 9);
    fj["detection_s"] = spread_s(a.detection);
    fj["recovery_s"] = spread_s(a.recovery);
    fj["failed_requests"] = a.failed_requests;
    failures.push_back(fj);
  }
  j["failures"] = failures;
  Json comps = Json::object();
  for (const auto& c : rec.components) {
    Json cj;
    cj["kind"] = c.kind;
    cj["replicas"] = c.replicas.size();
    if (c.has_occupancy) {
      const Json occ = occupancy_json(c.total, measured_s);
      for (const auto& [k, v] : occ.items()) cj[k] = v;
    }
    FigureTree extra;
    for (const auto& [path, v] : c.extra) extra.set(path, v);
    extra.add_to(cj);
    for (const AvailabilityRecord& av : rec.availability) {
      if (av.component != c.name) continue;
      Json a;
      a["simulated"] = round_to(av.simulated, 9);
      if (av.analytic) a["analytic"] = round_to(*av.analytic, 9);
      else a["analytic"] = nullptr;
      a["required_up"] = av.required_up;
      cj["availability"] = a;
    }
    // Replica and component names are distinct (the loader and
    // ScenarioSpec::check see to it), so members are appended without the
    // linear search of operator[].
    Json per = Json::object();
    auto& replicas = per.get_ref<Json::object_t&>();
    for (const auto& rep : c.replicas) {
      Json rj;
      rj["zone"] = rep.zone;
      if (c.has_occupancy) {
        const Json occ = occupancy_json(rep.occupancy, measured_s);
        for (const auto& [k, v] : occ.items()) rj[k] = v;
      }
      replicas.emplace_back(rep.name, std::move(rj));
    }
    cj["per_replica"] = std::move(per);
    comps.get_ref<Json::object_t&>().emplace_back(c.name, std::move(cj));
  }
  j["components"] = comps;
  if (rec.cost) j["cost"] = cost_json(*rec.cost, rec.requests.succeeded_in_window);
  if (!rec.objectives.empty()) j["objectives"] = objectives_json(rec.objectives);
  // Recorders of the user's own; absent when there are none, so that the
  // built-in report stays what it was.
  if (!rec.figures.empty()) {
    FigureTree figures;
    for (const auto& [path, v] : rec.figures) figures.set(path, v);
    Json r = Json::object();
    figures.add_to(r);
    j["recorders"] = std::move(r);
  }
  return j;
}

std::string summary_json_text(const RunRecord& rec) { return summary_json(rec).dump(2) + "\n"; }

namespace {

std::string dollars(double v) {
  const double a = std::fabs(v);
  return "$" + fmt(v, a >= 100 ? 2 : a >= 1 ? 3 : 4);
}

std::string cost_lines(const CostRecord& cost, std::uint64_t succeeded) {
  std::ostringstream o;
  const double h = cost.hours;
  const auto month = [h](double over_window) { return h > 0 ? over_window / h * kHoursPerMonth : 0.0; };
  o << "cost         " << dollars(cost.per_hour() * kHoursPerMonth) << " a month (" << dollars(cost.per_hour())
    << " an hour";
  if (succeeded > 0)
    o << ", " << dollars(cost.total() / (static_cast<double>(succeeded) / 1e6)) << " per million requests";
  o << "; USD)\n";
  for (const ComponentCostRecord& c : cost.components) {
    o << "  " << c.name << ": " << dollars(month(c.total())) << " a month";
    std::vector<std::string> parts;
    if (!c.instance.empty())
      parts.push_back(fmt(h > 0 ? c.replica_hours / h : 0.0, 2) + " x " + c.instance + " " + dollars(month(c.instances)));
    if (!c.priced_as.empty())
      parts.push_back(group(c.reads) + " reads + " + group(c.writes) + " writes as " + c.priced_as + " " +
                      dollars(month(c.requests)));
    if (c.storage_gb) parts.push_back(fmt(*c.storage_gb, 1) + " GB " + c.storage + " " + dollars(month(c.storage_cost)));
    for (std::size_t i = 0; i < parts.size(); ++i) o << (i == 0 ? " (" : ", ") << parts[i];
    o << (parts.empty() ? "" : ")") << "\n";
  }
  if (cost.inter_zone_gb > 0 || cost.network > 0)
    o << "  network: " << dollars(month(cost.network)) << " a month (" << fmt(cost.inter_zone_gb, 3)
      << " GB between zones in the measured "
      << (h * 3600 < 120 ? fmt(h * 3600, 1) + " s" : h * 60 < 120 ? fmt(h * 60, 1) + " min" : fmt(h, 1) + " h")
      << ")\n";
  return o.str();
}

std::string objective_value(const ObjectiveRecord& o, double v) {
  if (o.unit == "fraction") return fmt(100.0 * v, 4) + " %";
  if (o.unit == "ms") return fmt(v, 3) + " ms";
  if (o.unit == "requests/s") return fmt(v, 1) + " req/s";
  if (o.unit == "USD/month") return dollars(v) + "/month";
  return fmt(v, 6);
}

std::string objective_lines(const std::vector<ObjectiveRecord>& objectives) {
  std::ostringstream o;
  std::size_t met = 0;
  for (const auto& ob : objectives) met += ob.met ? 1 : 0;
  o << "objectives   " << met << " of " << objectives.size() << " met" << (met == objectives.size() ? "" : ": MISSED")
    << "\n";
  for (const auto& ob : objectives) {
    o << "  " << ob.name << " " << (ob.at_least ? ">= " : "<= ") << objective_value(ob, ob.target) << ": ";
    if (!ob.measured) {
      o << "no figure (nothing measured): missed";
    } else {
      o << objective_value(ob, *ob.measured);
      if (ob.met) o << ", met";
      else o << ", MISSED by " << objective_value(ob, -ob.margin);
    }
    if (ob.implied) o << " (implied by the latency objectives: failed requests have no latency)";
    o << "\n";
  }
  return o.str();
}

}  // namespace

std::string summary_table(const RunRecord& rec) {
  const RequestRecord& r = rec.requests;
  const double measured_s = measured_seconds(rec);
  std::ostringstream o;
  o << "dsim  " << rec.scenario << "  seed " << rec.seed << "  " << fmt(to_seconds(rec.duration), 3)
    << " s simulated (" << fmt(to_seconds(rec.warmup), 3) << " s warm-up), " << group(rec.events) << " events\n\n";
  if (rec.partial)
    o << "PARTIAL      stopped at " << fmt(to_seconds(rec.partial->at), 3) << " s of simulated time: "
      << rec.partial->message << "\n\n";
  const StatusTable& statuses = StatusTable::global();
  o << "requests     " << group(r.sent) << " sent, " << group(r.succeeded) << " succeeded, " << group(r.failed.total())
    << " failed (";
  for (std::size_t k = 0; k < statuses.failure_kinds(); ++k)
    o << (k > 0 ? ", " : "") << statuses.name(static_cast<Status>(k + 1)) << " " << group(r.failed[k]);
  o << ")\n";
  if (r.attempts != r.sent)
    o << "attempts     " << group(r.attempts) << " ("
      << fmt(r.sent > 0 ? static_cast<double>(r.attempts) / static_cast<double>(r.sent) : 0.0, 2)
      << " per request: retries)\n";
  o << "throughput   " << fmt(static_cast<double>(r.succeeded_in_window) / measured_s, 1) << " req/s\n";
  if (r.sent > 0) {
    const double a = static_cast<double>(r.succeeded) / static_cast<double>(r.sent);
    o << "availability " << fmt(100.0 * a, 4) << " %";
    if (a < 1.0) o << " (" << fmt(availability::nines(a) + 0.0, 2) << " nines)";
    const Time down = downtime(rec);
    if (down > 0 || !rec.faults.empty())
      o << ", " << fmt(to_seconds(down), 1) << " s of windows below the " << fmt(100.0 * rec.slo_availability, 2)
        << " % SLO";
    o << "\n";
  }
  if (r.latency.count() > 0) {
    o << "latency ms   mean " << fmt(r.latency.mean() / 1e6, 3);
    if (std::isfinite(r.latency_mean_stderr_ns)) o << " (+/- " << fmt(1.96 * r.latency_mean_stderr_ns / 1e6, 3) << ")";
    o << "  p50 " << fmt(r.latency.quantile(0.5) / 1e6, 3) << "  p90 " << fmt(r.latency.quantile(0.9) / 1e6, 3)
      << "  p99 " << fmt(r.latency.quantile(0.99) / 1e6, 3) << "  p99.9 " << fmt(r.latency.quantile(0.999) / 1e6, 3)
      << "  max " << fmt(static_cast<double>(r.latency.max()) / 1e6, 3) << "\n";
  }
  if (r.has_operations) {
    for (int k = 0; k < 2; ++k) {
      const OperationRecord& op = r.operations[k];
      o << (k == 0 ? "  reads      " : "  writes     ") << group(op.sent) << " sent, " << group(op.succeeded)
        << " succeeded, " << group(op.failed.total()) << " failed";
      if (op.latency.count() > 0)
        o << "; ms p50 " << fmt(op.latency.quantile(0.5) / 1e6, 3) << "  p99 " << fmt(op.latency.quantile(0.99) / 1e6, 3)
          << "  p99.9 " << fmt(op.latency.quantile(0.999) / 1e6, 3);
      o << "\n";
    }
  }
  // Each client's own figures (two clients or more).
  bool first_client = true;
  for (const ClientSeries& s : rec.client_series) {
    for (const ComponentRecord& comp : rec.components) {
      if (comp.name != s.name) continue;
      std::map<std::string, double> x;
      for (const auto& [k, v] : comp.extra) x[k] = v;
      o << (first_client ? "clients      " : "             ") << comp.name << ": ";
      first_client = false;
      if (x.count("availability")) o << "availability " << fmt(100.0 * x["availability"], 3) << " %, ";
      o << fmt(x["throughput_rps"], 1) << " req/s";
      if (x.count("latency_ms/p50"))
        o << ", ms p50 " << fmt(x["latency_ms/p50"], 3) << "  p99 " << fmt(x["latency_ms/p99"], 3);
      o << "\n";
    }
  }
  if (rec.consistency) {
    const ConsistencyRecord& c = *rec.consistency;
    const StaleLostFigures& f = c.figures;
    o << "consistency  " << group(f.stale_reads) << " stale reads of " << group(f.reads) << " ("
      << fmt(f.reads > 0 ? 100.0 * static_cast<double>(f.stale_reads) / static_cast<double>(f.reads) : 0.0, 3) << " %)";
    if (f.stale_reads > 0)
      o << ", staleness ms p50 " << fmt(f.staleness_ms.p50, 3) << "  p99 " << fmt(f.staleness_ms.p99, 3) << "  max "
        << fmt(f.staleness_ms.max, 3) << ", versions max " << fmt(f.staleness_versions.max, 0);
    o << "\n";
    if (const auto by_client = reads_by_client(c); by_client.size() >= 2) {
      o << "             stale reads by client:";
      bool first = true;
      for (const auto& [name, r] : by_client) {
        o << (first ? " " : ", ") << name << " " << group(r.stale_reads) << " of " << group(r.reads) << " ("
          << fmt(100.0 * static_cast<double>(r.stale_reads) / static_cast<double>(r.reads), 2) << " %)";
        first = false;
      }
      o << "\n";
    }
    if (c.settled)
      o << "             " << group(f.lost_writes) << " lost writes of " << group(f.writes_acknowledged)
        << " acknowledged, " << group(c.unconverged_keys) << " keys unconverged after settling\n";
    if (c.linearizability) {
      const LinearizabilityRecord& l = *c.linearizability;
      o << "             linearizable: " << (l.verdict == "true" ? "yes" : l.verdict == "false" ? "NO" : "unknown");
      if (l.incomplete)
        o << " (not checked: the history is incomplete)\n";
      else {
        o << " (" << group(l.keys_checked) << " keys checked";
        if (l.keys_unknown > 0) o << ", " << group(l.keys_unknown) << " out of budget";
        o << ", " << group(l.states_explored) << " states)\n";
      }
      if (l.counterexample_key) {
        o << "             operations on key " << *l.counterexample_key << " that cannot be ordered";
        if (l.counterexample_size > l.counterexample.size())
          o << " (the first " << l.counterexample.size() << " of " << l.counterexample_size << ")";
        if (!l.counterexample_minimal) o << " (not minimised within the budget)";
        o << ":\n";
        std::istringstream lines(l.timeline);
        for (std::string line; std::getline(lines, line);) o << "               " << line << "\n";
      }
    }
    if (c.truncated)
      o << "             history truncated at " << group(c.recorded) << " of " << group(c.operations)
        << " operations (consistency.history_limit): figures cover the recorded ones\n";
  }
  if (rec.pbs) {
    const PbsRecord& p = *rec.pbs;
    o << "PBS          P(consistent read) t after commit:";
    for (const auto& pt : p.t_visibility)
      o << "  " << fmt(to_seconds(pt.t) * 1e3, 1) << " ms "
        << (pt.reads > 0 ? fmt(100.0 * static_cast<double>(pt.consistent) / static_cast<double>(pt.reads), 2) + " %"
                         : std::string("-"));
    o << "\n";
    if (!p.k_staleness.empty()) {
      o << "             P(read within the last k versions) at t = 0:";
      for (const auto& w : p.k_staleness)
        o << "  k=" << w.k << " "
          << (w.reads > 0 ? fmt(100.0 * static_cast<double>(w.within) / static_cast<double>(w.reads), 2) + " %"
                          : std::string("-"));
      o << "\n";
    }
    if (p.trials_failed + p.reads_failed > 0)
      o << "             " << group(p.trials_failed) << " trials and " << group(p.reads_failed)
        << " reads failed (not counted)\n";
  }
  // Leader-follower stores: leadership and replication (their figures
  // include "failovers").
  for (const ComponentRecord& comp : rec.components) {
    std::map<std::string, double> x;
    for (const auto& [k, v] : comp.extra) x[k] = v;
    if (!x.count("failovers")) continue;
    const auto n = [&x](const char* k) { return static_cast<std::uint64_t>(x[k]); };
    o << "leader       " << comp.name << ": " << group(n("failovers")) << (n("failovers") == 1 ? " failover" : " failovers")
      << " (last epoch " << n("epoch") << "), " << fmt(x["without_writable_leader_s"], 3)
      << " s without a writable leader";
    if (n("max_leaders") > 1)
      o << ", up to " << n("max_leaders") << " leaders at once for " << fmt(x["split_brain_s"], 3) << " s ("
        << group(n("split_brain_writes")) << " split-brain writes)";
    if (n("fenced") > 0) o << ", " << group(n("fenced")) << " fenced";
    o << "\n";
    o << "             replication lag ms p50 " << fmt(x["replication_lag_ms/p50"], 3) << "  p99 "
      << fmt(x["replication_lag_ms/p99"], 3) << "  max " << fmt(x["replication_lag_ms/max"], 3) << "; "
      << group(n("discarded_writes")) << " writes discarded, " << group(n("forwarded")) << " requests forwarded";
    if (n("resyncs") > 0) o << ", " << group(n("resyncs")) << " snapshots";
    o << "\n";
  }
  // Raft stores: elections and the log (their figures include
  // "leader_changes").
  for (const ComponentRecord& comp : rec.components) {
    std::map<std::string, double> x;
    for (const auto& [k, v] : comp.extra) x[k] = v;
    if (!x.count("leader_changes")) continue;
    const auto n = [&x](const char* k) { return static_cast<std::uint64_t>(x[k]); };
    o << "raft         " << comp.name << ": " << group(n("leader_changes"))
      << (n("leader_changes") == 1 ? " leader" : " leaders") << " elected in " << group(n("elections"))
      << (n("elections") == 1 ? " election" : " elections") << " (last term " << n("term") << "), "
      << fmt(x["without_leader_s"], 3) << " s without a leader";
    if (n("stepped_down") > 0) o << ", " << group(n("stepped_down")) << " stepped down (check quorum)";
    o << "\n";
    o << "             " << group(n("log_entries_committed")) << " log entries committed, "
      << fmt(x["entries_per_append"], 1) << " per AppendEntries; " << group(n("read_index_rounds"))
      << " ReadIndex rounds (" << fmt(x["reads_per_round"], 1) << " reads each); " << group(n("forwarded"))
      << " requests forwarded";
    if (n("snapshots") + n("snapshots_sent") > 0)
      o << "; " << group(n("snapshots")) << " snapshots taken, " << group(n("snapshots_sent")) << " sent";
    if (n("safety_violations") > 0) o << "; " << group(n("safety_violations")) << " SAFETY VIOLATIONS (lost disks)";
    o << "\n";
  }
  // Autoscaled services: how far the count went, and what it cost.
  for (const ComponentRecord& comp : rec.components) {
    std::map<std::string, double> x;
    for (const auto& [k, v] : comp.extra) x[k] = v;
    if (!x.count("autoscaling/scale_ups")) continue;
    const auto n = [&x](const char* k) { return static_cast<std::uint64_t>(x[k]); };
    o << "autoscaling  " << comp.name << ": " << n("autoscaling/min_seen") << " to " << n("autoscaling/max_seen")
      << " replicas (" << group(n("autoscaling/scale_ups")) << (n("autoscaling/scale_ups") == 1 ? " scale-up, " : " scale-ups, ")
      << group(n("autoscaling/scale_downs")) << (n("autoscaling/scale_downs") == 1 ? " scale-down" : " scale-downs")
      << "), " << fmt(x["autoscaling/replica_seconds"], 1) << " replica-seconds ("
      << fmt(x["autoscaling/replica_seconds"] / 3600, 2) << " replica-hours)\n";
  }
  if (rec.cost) o << cost_lines(*rec.cost, r.succeeded_in_window);
  if (!rec.objectives.empty()) o << objective_lines(rec.objectives);
  o << "\n";
  const std::vector<std::string> head = {"component", "kind", "zone", "util", "queue", "in_sys", "arrivals/s", "W ms", "rejected"};
  std::vector<std::vector<std::string>> rows;
  auto occ_row = [&](const std::string& name, const std::string& kind, const std::string& zone,
                     const OccupancyRecord& occ) {
    std::vector<std::string> row = {name, kind, zone};
    row.push_back(occ.utilization ? fmt(*occ.utilization * 100, 1) + "%" : "-");
    row.push_back(fmt(occ.queue_length, 2));
    row.push_back(fmt(occ.in_system, 2));
    row.push_back(fmt(static_cast<double>(occ.arrivals) / measured_s, 1));
    row.push_back(occ.departures > 0 ? fmt(occ.time_in_system_sum_ns / static_cast<double>(occ.departures) / 1e6, 3) : "-");
    row.push_back(group(occ.rejected));
    rows.push_back(row);
  };
  for (const auto& c : rec.components) {
    if (!c.has_occupancy) {
      rows.push_back({c.name, c.kind, c.replicas.size() == 1 ? c.replicas[0].zone : "", "", "", "", "", "", ""});
      continue;
    }
    occ_row(c.name, c.kind, c.replicas.size() == 1 ? c.replicas[0].zone : "", c.total);
    if (c.replicas.size() > 1)
      for (const auto& rep : c.replicas) occ_row("  " + rep.name, "", rep.zone, rep.occupancy);
  }
  print_table(o, head, rows, 3);
  std::vector<const FaultRecord*> scheduled;
  for (const FaultRecord& f : rec.faults)
    if (!is_random_failure(f)) scheduled.push_back(&f);
  if (!scheduled.empty()) {
    // Scheduled faults: when, when detected, when availability recovered.
    auto t = [](const std::optional<Time>& v) { return v ? fmt(to_seconds(*v), 2) : std::string("-"); };
    std::vector<std::vector<std::string>> frows;
    const std::vector<std::string> fhead = {"fault", "target", "at s", "until s", "detected s", "recovered s", "failed"};
    constexpr std::size_t kShown = 20;
    for (std::size_t i = 0; i < scheduled.size() && i < kShown; ++i) {
      const FaultRecord& f = *scheduled[i];
      frows.push_back({f.kind, f.target, fmt(to_seconds(f.at), 2), t(f.until), t(f.detected), t(f.recovered),
                       group(f.failed_requests)});
    }
    o << "\n";
    print_table(o, fhead, frows, 2);
    if (scheduled.size() > kShown)
      o << "... and " << group(scheduled.size() - kShown) << " more (dsim run --json lists them all)\n";
  }
  if (const auto failures = aggregate_failures(rec); !failures.empty()) {
    // Random failures, per component: how many, how fast found, how fast
    // availability came back (every one is in --out's faults.csv).
    auto spread = [](const std::vector<Time>& v) {
      const auto s = spread_of(v);
      return s ? fmt(s->mean_s, 2) + " / " + fmt(s->p99_s, 2) : std::string("-");
    };
    std::vector<std::vector<std::string>> rows2;
    const std::vector<std::string> head2 = {"failures", "count", "down s", "detected", "detect s mean/p99",
                                            "recovered", "recover s mean/p99", "failed"};
    for (const auto& a : failures)
      rows2.push_back({a.component, group(a.count), fmt(to_seconds(a.down), 1), group(a.detection.size()),
                       spread(a.detection), group(a.recovery.size()), spread(a.recovery), group(a.failed_requests)});
    o << "\n";
    print_table(o, head2, rows2, 1);
  }
  return o.str();
}

std::string consistency_csv(const RunRecord& rec) {
  std::string out = "measure,t_ms,k,p,trials\n";
  if (!rec.pbs) return out;
  char buf[160];
  // Shortest text of the value rounded to `decimals` (the JSON's figures).
  const auto fmt = [](double v, int decimals) {
    char b[32];
    const auto r = std::to_chars(b, b + sizeof b, round_to(v, decimals) + 0.0);
    return std::string(b, r.ptr);
  };
  for (const auto& pt : rec.pbs->t_visibility) {
    if (pt.reads > 0)
      std::snprintf(buf, sizeof buf, "t_visibility,%s,,%s,%llu\n", fmt(to_seconds(pt.t) * 1e3, 6).c_str(),
                    fmt(static_cast<double>(pt.consistent) / static_cast<double>(pt.reads), 9).c_str(),
                    static_cast<unsigned long long>(pt.reads));
    else
      std::snprintf(buf, sizeof buf, "t_visibility,%s,,,0\n", fmt(to_seconds(pt.t) * 1e3, 6).c_str());
    out += buf;
  }
  for (const auto& w : rec.pbs->k_staleness) {
    if (w.reads > 0)
      std::snprintf(buf, sizeof buf, "k_staleness,0,%d,%s,%llu\n", w.k,
                    fmt(static_cast<double>(w.within) / static_cast<double>(w.reads), 9).c_str(),
                    static_cast<unsigned long long>(w.reads));
    else
      std::snprintf(buf, sizeof buf, "k_staleness,0,%d,,0\n", w.k);
    out += buf;
  }
  return out;
}

std::string faults_csv(const RunRecord& rec) {
  std::ostringstream o;
  o << "kind,target,at_s,until_s,detected_s,recovered_s,failed_requests\n";
  auto s = [](Time t) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, round_to(to_seconds(t), 9));
    return std::string(buf, res.ptr);
  };
  auto opt = [&s](const std::optional<Time>& t) { return t ? s(*t) : std::string(); };
  // RFC 4180: a field with a comma or a quote is quoted, quotes doubled
  // (targets such as "[[az-a], [az-b, az-c]]").
  auto field = [](const std::string& v) {
    if (v.find_first_of(",\"\n") == std::string::npos) return v;
    std::string q = "\"";
    for (const char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  for (const FaultRecord& f : rec.faults) {
    o << field(f.kind) << ',' << field(f.target) << ',' << s(f.at) << ',' << opt(f.until) << ',' << opt(f.detected) << ','
      << opt(f.recovered) << ',' << f.failed_requests << '\n';
  }
  return o.str();
}

std::string timeseries_csv(const RunRecord& rec) {
  std::ostringstream o;
  const StatusTable& statuses = StatusTable::global();
  o << "time_s,sent,succeeded,";
  for (std::size_t k = 0; k < statuses.failure_kinds(); ++k) o << "failed_" << statuses.name(static_cast<Status>(k + 1)) << ',';
  o << "throughput_rps,availability,p50_ms,p99_ms,attempts";
  // Each client's own columns (two clients or more: analysis/client_metrics.h).
  for (const ClientSeries& c : rec.client_series)
    o << ",succeeded." << c.name << ",failed." << c.name << ",availability." << c.name;
  // Components' figures over time (an autoscaled service's replicas).
  for (const ComponentRecord& c : rec.components)
    for (const auto& [name, values] : c.series) o << ',' << name << '.' << c.name;
  o << '\n';
  auto num = [](double v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
  };
  for (const auto& w : rec.windows) {
    const std::uint64_t resolved = w.resolved();
    // The last window may be cut short by the end of the run.
    const Time len = std::max<Time>(1, std::min(rec.window, rec.end - w.start));
    const double win_s = to_seconds(len);
    o << num(round_to(to_seconds(w.start), 9)) << ',' << w.sent << ',' << w.succeeded << ',';
    for (std::size_t k = 0; k < statuses.failure_kinds(); ++k) o << w.failed[k] << ',';
    o << num(round_to(static_cast<double>(w.succeeded) / win_s, 3)) << ',';
    if (resolved > 0) o << num(round_to(static_cast<double>(w.succeeded) / static_cast<double>(resolved), 6));
    o << ',';
    if (w.succeeded > 0) o << num(round_to(w.p50_ns / 1e6, 6)) << ',' << num(round_to(w.p99_ns / 1e6, 6));
    else o << ',';
    o << ',' << w.attempts;
    if (!rec.client_series.empty()) {
      const auto i = static_cast<std::size_t>(w.start / std::max<Time>(1, rec.window));
      for (const ClientSeries& c : rec.client_series) {
        if (w.start % std::max<Time>(1, rec.window) != 0 || i >= c.succeeded.size()) {
          o << ",,,";  // (the drain after duration)
          continue;
        }
        const std::uint64_t ok = c.succeeded[i], failed = c.failed[i];
        o << ',' << ok << ',' << failed << ',';
        if (ok + failed > 0) o << num(round_to(static_cast<double>(ok) / static_cast<double>(ok + failed), 6));
      }
    }
    const auto window = std::max<Time>(1, rec.window);
    const auto i = static_cast<std::size_t>(w.start / window);
    for (const ComponentRecord& c : rec.components)
      for (const auto& [name, values] : c.series) {
        o << ',';
        if (w.start % window == 0 && i < values.size()) o << num(round_to(values[i], 6));
      }
    o << '\n';
  }
  return o.str();
}

}  // namespace dsim
