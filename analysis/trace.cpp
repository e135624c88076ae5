#include "dsim/analysis/trace.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace dsim {

namespace {
using Json = nlohmann::ordered_json;
// Simulated nanoseconds as trace microseconds (fractional: keeps ns detail).
double us(Time t) { return static_cast<double>(t) / 1e3; }
}  // namespace

Tracer::Tracer(std::uint64_t limit, std::ostream* out) : limit_(limit), out_(out) {
  if (out_ == nullptr) {
    own_ = std::make_unique<std::ostringstream>();
    out_ = own_.get();
  }
}

void Tracer::attach(Bus& bus, const RunContext& ctx) {
  DSIM_CHECK_MSG(world_ == nullptr && first_event_, "a Tracer records one run; give each run its own");
  world_ = &ctx.world;
  buffer_ = "{\"traceEvents\":[";
  // A process per component, in the scenario's order: pid = index + 1 (pid 0
  // is unused; faults get the next one).
  for (std::size_t p = 0; p < ctx.spec.components.size(); ++p) {
    const ComponentSpec& c = *ctx.spec.components[p];
    const auto pid = static_cast<std::uint32_t>(p + 1);
    event(Json{{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"tid", 0}, {"args", Json{{"name", c.name()}}}}
              .dump());
    event(Json{{"name", "process_sort_index"}, {"ph", "M"}, {"pid", pid}, {"tid", 0},
               {"args", Json{{"sort_index", pid}}}}
              .dump());
    for (int t = 0; t < c.replica_count(); ++t)
      event(Json{{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", t},
                 {"args", Json{{"name", c.replica_name(t)}}}}
                .dump());
  }
  faults_pid_ = static_cast<std::uint32_t>(ctx.spec.components.size() + 1);
  bus.subscribe<&Tracer::on_invoked>(*this);
  bus.subscribe<&Tracer::on_resolved>(*this);
  bus.subscribe<&Tracer::on_proxied>(*this);
  bus.subscribe<&Tracer::on_handled>(*this);
  bus.subscribe<&Tracer::on_leader>(*this);
  bus.subscribe<&Tracer::on_election>(*this);
  bus.subscribe<&Tracer::on_commit>(*this);
  bus.subscribe<&Tracer::on_scaled>(*this);
  bus.subscribe<&Tracer::on_stage>(*this);
}

// An autoscaler's decision, on the service's first track; and each
// replica's stages on its own, with the count of replicas as a counter
// track (the whole run: scaling is rare).
void Tracer::on_scaled(const ReplicasScaled& e) {
  const World::NodeInfo n = world_->node(e.node);
  DSIM_CHECK(n.component >= 0);
  char util[32];
  std::snprintf(util, sizeof util, "%.4f", e.utilization);
  Json j{{"name", "scales " + std::to_string(e.from) + " -> " + std::to_string(e.to)}, {"cat", "autoscaling"},
         {"ph", "i"}, {"s", "p"}, {"ts", us(e.at)}, {"pid", static_cast<std::uint32_t>(n.component + 1)}, {"tid", 0},
         {"args", Json{{"utilization", util}, {"recommended", e.recommended}}}};
  event(j.dump());
}

void Tracer::on_stage(const ReplicaStageChanged& e) {
  const World::NodeInfo n = world_->node(e.node);
  DSIM_CHECK(n.component >= 0);
  const auto pid = static_cast<std::uint32_t>(n.component + 1);
  event(Json{{"name", std::string(e.stage)}, {"cat", "autoscaling"}, {"ph", "i"}, {"s", "t"}, {"ts", us(e.at)},
             {"pid", pid}, {"tid", static_cast<std::uint32_t>(n.replica)}}
            .dump());
  event(Json{{"name", "replicas"}, {"cat", "autoscaling"}, {"ph", "C"}, {"ts", us(e.at)}, {"pid", pid},
             {"args", Json{{"replicas", e.replicas}}}}
            .dump());
}

void Tracer::on_leader(const LeaderChanged& e) {
  const World::NodeInfo n = world_->node(e.node);
  DSIM_CHECK(n.component >= 0);
  const std::string era(e.era);
  const std::string name = (e.leading ? "leads " : "stops leading ") + era + " " + std::to_string(e.epoch);
  Json j{{"name", name}, {"cat", "leader"}, {"ph", "i"}, {"s", "t"}, {"ts", us(e.at)},
         {"pid", static_cast<std::uint32_t>(n.component + 1)}, {"tid", static_cast<std::uint32_t>(n.replica)},
         {"args", Json{{"reason", std::string(e.reason)}, {era, e.epoch}}}};
  event(j.dump());
}

void Tracer::on_election(const ElectionStarted& e) {
  const World::NodeInfo n = world_->node(e.node);
  DSIM_CHECK(n.component >= 0);
  Json j{{"name", "stands for term " + std::to_string(e.term)}, {"cat", "election"}, {"ph", "i"}, {"s", "t"},
         {"ts", us(e.at)}, {"pid", static_cast<std::uint32_t>(n.component + 1)},
         {"tid", static_cast<std::uint32_t>(n.replica)}, {"args", Json{{"term", e.term}}}};
  event(j.dump());
}

// The leader's commit index as a counter track of the store (one sample
// per advance, while requests are traced).
void Tracer::on_commit(const EntriesCommitted& e) {
  if (e.at >= cutoff_) return;
  const World::NodeInfo n = world_->node(e.node);
  DSIM_CHECK(n.component >= 0);
  Json j{{"name", "commit index"}, {"cat", "commit"}, {"ph", "C"}, {"ts", us(e.at)},
         {"pid", static_cast<std::uint32_t>(n.component + 1)}, {"args", Json{{"commit", e.index}, {"term", e.term}}}};
  event(j.dump());
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
                  std::initializer_list<std::pair<const char*, std::string>> args) {
  if (begin >= cutoff_) return;
  const World::NodeInfo n = world_->node(node);
  DSIM_CHECK(n.component >= 0);
  Json e{{"name", name}, {"cat", "request"}, {"ph", "X"}, {"ts", us(begin)}, {"dur", us(end - begin)},
         {"pid", static_cast<std::uint32_t>(n.component + 1)}, {"tid", static_cast<std::uint32_t>(n.replica)}};
  if (args.size() > 0) {
    Json a = Json::object();
    for (const auto& [k, v] : args) a[k] = v;
    e["args"] = a;
  }
  event(e.dump());
}

void Tracer::event(const std::string& json) {
  if (!first_event_) buffer_ += ',';
  first_event_ = false;
  buffer_ += json;
  if (buffer_.size() >= kFlushBytes) flush();
}

void Tracer::flush() {
  out_->write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

void Tracer::finish(const RunContext&, RunRecord& out) {
  // Faults and random failures, known now, in a process of their own.
  const std::vector<FaultRecord>& faults = out.faults;
  if (!faults.empty()) {
    event(Json{{"name", "process_name"}, {"ph", "M"}, {"pid", faults_pid_}, {"tid", 0},
               {"args", Json{{"name", "faults"}}}}
              .dump());
    event(Json{{"name", "process_sort_index"}, {"ph", "M"}, {"pid", faults_pid_}, {"tid", 0},
               {"args", Json{{"sort_index", 0}}}}
              .dump());
  }
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const FaultRecord& f = faults[i];
    const Time until = f.until ? *f.until : out.end;
    Json a{{"target", f.target}};
    if (f.detected) a["detected_s"] = static_cast<double>(*f.detected) / 1e9;
    if (f.recovered) a["recovered_s"] = static_cast<double>(*f.recovered) / 1e9;
    // Faults may overlap: one thread (track) each, so none hides another.
    event(Json{{"name", f.kind + " " + f.target}, {"cat", "fault"}, {"ph", "X"}, {"ts", us(f.at)},
               {"dur", us(until - f.at)}, {"pid", faults_pid_}, {"tid", i}, {"args", a}}
              .dump());
  }
  Json meta{{"generator", "dsim"}, {"time", "simulated"}, {"request_limit", limit_}};
  if (truncated()) meta["truncated_at_s"] = static_cast<double>(cutoff_) / 1e9;
  buffer_ += "],\"displayTimeUnit\":\"ms\",\"otherData\":" + meta.dump() + "}\n";
  flush();
  out_->flush();
  finished_ = true;
  world_ = nullptr;  // the run's world is gone after this
}

std::string Tracer::json() const {
  DSIM_CHECK_MSG(own_ != nullptr && finished_, "Tracer::json needs a tracer without a stream, after its run");
  return own_->str();
}

}  // namespace dsim
