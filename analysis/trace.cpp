#include "dsim/analysis/trace.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace dsim {

namespace {
// Simulated nanoseconds as trace microseconds (fractional: keeps ns detail).
double us(Time t) { return static_cast<double>(t) / 1e3; }
}  // namespace

void Tracer::attach(Bus& bus, const RunContext& ctx) {
  DSIM_CHECK_MSG(world_ == nullptr && processes_.empty(), "a Tracer records one run; give each run its own");
  // A process per component, in the scenario's order: pid = index + 1 (pid 0
  // is unused; faults get the next one).
  for (const auto& c : ctx.spec.components) processes_.push_back(Process{c->name(), c->replica_names()});
  world_ = &ctx.world;
  bus.subscribe<&Tracer::on_invoked>(*this);
  bus.subscribe<&Tracer::on_resolved>(*this);
  bus.subscribe<&Tracer::on_proxied>(*this);
  bus.subscribe<&Tracer::on_handled>(*this);
}

void Tracer::on_invoked(const OperationInvoked& e) {
  if (++requests_ == limit_ + 1) cutoff_ = e.at;
}

void Tracer::on_resolved(const OperationResolved& e) {
  if (e.invoked >= cutoff_) return;
  span(e.client, "request", e.invoked, e.completed,
       {{"status", status_name(e.status)}, {"attempts", std::to_string(e.attempts)}});
}

void Tracer::on_proxied(const RequestProxied& e) {
  if (e.arrived >= cutoff_) return;
  span(e.balancer, "proxy", e.arrived, e.done,
       {{"backend", world_->node_name(e.backend)}, {"status", status_name(e.status)}});
}

void Tracer::on_handled(const RequestHandled& e) {
  if (e.arrived >= cutoff_) return;
  char wait[32];
  std::snprintf(wait, sizeof wait, "%.6f", static_cast<double>(e.started - e.arrived) / 1e6);
  span(e.server, "handle", e.arrived, e.done, {{"status", status_name(e.status)}, {"wait_ms", wait}});
}

void Tracer::span(ActorId node, const char* name, Time begin, Time end,
                  std::vector<std::pair<std::string, std::string>> args) {
  if (begin >= cutoff_) return;
  const World::NodeInfo n = world_->node(node);
  DSIM_CHECK(n.component >= 0);
  spans_.push_back(Span{static_cast<std::uint32_t>(n.component + 1), static_cast<std::uint32_t>(n.replica), name,
                        begin, end, std::move(args)});
}

void Tracer::finish(const RunContext&, RunRecord& out) {
  faults_ = out.faults;
  end_ = out.end;
  world_ = nullptr;  // the run's world is gone after this
}

std::string Tracer::json() const {
  using Json = nlohmann::ordered_json;
  Json events = Json::array();
  const auto faults_pid = static_cast<std::uint32_t>(processes_.size() + 1);
  for (std::size_t p = 0; p < processes_.size(); ++p) {
    const auto pid = static_cast<std::uint32_t>(p + 1);
    events.push_back(Json{{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"tid", 0},
                          {"args", Json{{"name", processes_[p].name}}}});
    events.push_back(Json{{"name", "process_sort_index"}, {"ph", "M"}, {"pid", pid}, {"tid", 0},
                          {"args", Json{{"sort_index", pid}}}});
    for (std::size_t t = 0; t < processes_[p].threads.size(); ++t)
      events.push_back(Json{{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", t},
                            {"args", Json{{"name", processes_[p].threads[t]}}}});
  }
  if (!faults_.empty()) {
    events.push_back(Json{{"name", "process_name"}, {"ph", "M"}, {"pid", faults_pid}, {"tid", 0},
                          {"args", Json{{"name", "faults"}}}});
    events.push_back(Json{{"name", "process_sort_index"}, {"ph", "M"}, {"pid", faults_pid}, {"tid", 0},
                          {"args", Json{{"sort_index", 0}}}});
  }
  for (const Span& s : spans_) {
    Json e{{"name", s.name}, {"cat", "request"}, {"ph", "X"}, {"ts", us(s.begin)}, {"dur", us(s.end - s.begin)},
           {"pid", s.pid}, {"tid", s.tid}};
    if (!s.args.empty()) {
      Json a = Json::object();
      for (const auto& [k, v] : s.args) a[k] = v;
      e["args"] = a;
    }
    events.push_back(e);
  }
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    const FaultRecord& f = faults_[i];
    const Time until = f.until ? *f.until : end_;
    Json a{{"target", f.target}};
    if (f.detected) a["detected_s"] = static_cast<double>(*f.detected) / 1e9;
    if (f.recovered) a["recovered_s"] = static_cast<double>(*f.recovered) / 1e9;
    // Faults may overlap: one thread (track) each, so none hides another.
    events.push_back(Json{{"name", f.kind + " " + f.target}, {"cat", "fault"}, {"ph", "X"}, {"ts", us(f.at)},
                          {"dur", us(until - f.at)}, {"pid", faults_pid}, {"tid", i}, {"args", a}});
  }
  Json root;
  root["traceEvents"] = events;
  root["displayTimeUnit"] = "ms";
  Json meta{{"generator", "dsim"}, {"time", "simulated"}, {"request_limit", limit_}};
  if (truncated()) meta["truncated_at_s"] = static_cast<double>(cutoff_) / 1e9;
  root["otherData"] = meta;
  return root.dump() + "\n";
}

}  // namespace dsim
