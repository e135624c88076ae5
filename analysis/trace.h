// A recorder of request traces in Chrome's trace-event format (dsim run
// --trace FILE), which Perfetto (ui.perfetto.dev) and chrome://tracing open.
//
// Each component is a process, each replica a thread. Spans ("X" events, in
// microseconds of simulated time): a client request from its first send to
// its resolution (with its status and attempts: OperationResolved), a
// balancer's proxying of it (RequestProxied), a service's handling of it
// (waiting plus serving, with the wait in args: RequestHandled), and every
// fault and random failure in a "faults" process, with the detection and
// recovery times the "faults" recorder found.
//
// Traces grow with requests, so they are capped: spans that begin after the
// client requests sent reach `limit` are not recorded, and the tracer says
// so (truncated()). A Tracer records one run: give each run its own
// (RunOptions::extra_recorders, analysis/run.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dsim/analysis/recorder.h"
#include "dsim/models/events.h"
#include "dsim/sim/time.h"

namespace dsim {

class Tracer final : public Recorder {
 public:
  explicit Tracer(std::uint64_t limit) : limit_(limit) {}

  void attach(Bus& bus, const RunContext& ctx) override;
  // Takes the fault records, so it must finish after the "faults" recorder
  // (the built-in ones finish before those a caller adds).
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_invoked(const OperationInvoked& e);
  void on_resolved(const OperationResolved& e);
  void on_proxied(const RequestProxied& e);
  void on_handled(const RequestHandled& e);

  bool truncated() const { return cutoff_ != kNever; }
  Time cutoff() const { return cutoff_; }
  std::uint64_t limit() const { return limit_; }

  // The whole trace as JSON text.
  std::string json() const;

 private:
  // Records a span if it began before the cutoff. `args` are (key, value)
  // pairs with string values.
  void span(ActorId node, const char* name, Time begin, Time end,
            std::vector<std::pair<std::string, std::string>> args);

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
  const World* world_ = nullptr;
};

}  // namespace dsim
