// Request traces in Chrome's trace-event format (dsim run --trace FILE),
// which Perfetto (ui.perfetto.dev) and chrome://tracing open.
//
// Each component is a process, each replica a thread. Spans ("X" events, in
// microseconds of simulated time): a client request from its first send to
// its resolution (with its status and attempts), a balancer's proxying of it,
// a service's handling of it (waiting plus serving, with the wait in args),
// and every fault and random failure in a "faults" process.
//
// Traces grow with requests, so they are capped: spans that begin after the
// client requests sent reach `limit` are not recorded, and the tracer says
// so (truncated()).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/record.h"
#include "sim/time.h"

namespace dsim {

class Tracer {
 public:
  explicit Tracer(std::uint64_t limit) : limit_(limit) {}

  // Names a component (a process) and its replicas (threads); returns its id.
  std::uint32_t add_component(const std::string& name, const std::vector<std::string>& replicas);

  // A client request was sent (counts against the limit).
  void request_started(Time now) {
    if (++requests_ == limit_ + 1) cutoff_ = now;
  }
  // Records a span if it began before the cutoff. `args` are (key, value)
  // pairs with string values.
  void span(std::uint32_t component, std::uint32_t replica, const char* name, Time begin, Time end,
            std::vector<std::pair<std::string, std::string>> args = {});
  void faults(const std::vector<FaultRecord>& faults, Time end);

  bool truncated() const { return cutoff_ != kNever; }
  Time cutoff() const { return cutoff_; }
  std::uint64_t limit() const { return limit_; }

  // The whole trace as JSON text.
  std::string json() const;

 private:
  static constexpr Time kNever = INT64_MAX;
  struct Span {
    std::uint32_t pid;
    std::uint32_t tid;
    const char* name;
    Time begin;
    Time end;
    std::vector<std::pair<std::string, std::string>> args;
  };
  struct Process {
    std::string name;
    std::vector<std::string> threads;
  };
  std::uint64_t limit_;
  std::uint64_t requests_ = 0;
  Time cutoff_ = kNever;
  std::vector<Process> processes_;
  std::vector<Span> spans_;
  std::vector<FaultRecord> faults_;
  Time end_ = 0;
};

}  // namespace dsim
