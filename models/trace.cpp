#include "models/trace.h"

#include <nlohmann/json.hpp>

namespace dsim {

namespace {
// Simulated nanoseconds as trace microseconds (fractional: keeps ns detail).
double us(Time t) { return static_cast<double>(t) / 1e3; }
}  // namespace

std::uint32_t Tracer::add_component(const std::string& name, const std::vector<std::string>& replicas) {
  processes_.push_back(Process{name, replicas});
  return static_cast<std::uint32_t>(processes_.size());  // pid 0 is unused; faults get their own
}

void Tracer::span(std::uint32_t component, std::uint32_t replica, const char* name, Time begin, Time end,
                  std::vector<std::pair<std::string, std::string>> args) {
  if (begin >= cutoff_) return;
  spans_.push_back(Span{component, replica, name, begin, end, std::move(args)});
}

void Tracer::faults(const std::vector<FaultRecord>& faults, Time end) {
  faults_ = faults;
  end_ = end;
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
