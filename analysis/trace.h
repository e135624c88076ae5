// A recorder of request traces in Chrome's trace-event format (dsim run
// --trace FILE), which Perfetto (ui.perfetto.dev) and chrome://tracing open.
//
// Each component is a process, each replica a thread. Spans ("X" events, in
// microseconds of simulated time): a client request from its first send to
// its resolution (with its status and attempts: OperationResolved), a
// balancer's proxying of it (RequestProxied), a service's handling of it
// (waiting plus serving, with the wait in args: RequestHandled), and every
// fault and random failure in a "faults" process, with the detection and
// recovery times the "faults" recorder found. Instants ("i" events): a store
// node beginning or ceasing to lead an epoch or term (LeaderChanged),
// and a raft node standing for a term (ElectionStarted), always recorded
// (they are few). Counters ("C" events): a raft leader's commit index
// (EntriesCommitted), capped with the spans.
//
// Traces grow with requests, so they are capped: spans that begin after the
// client requests sent reach `limit` are not recorded, and the tracer says
// so (truncated()). Spans are written to the output stream as they end, so
// memory stays flat however long the trace: the stream holds the trace
// events, then the faults (known at the end), then "otherData". A Tracer
// records one run: give each run its own (RunOptions::extra_recorders,
// analysis/run.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dsim/analysis/recorder.h"
#include "dsim/models/events.h"
#include "dsim/sim/time.h"

namespace dsim {

class Tracer final : public Recorder {
 public:
  // Writes the trace to `out` (not owned; it must outlive the run); the
  // caller checks the stream for write errors after the run. Without one,
  // the trace is kept in memory for json() (tests, small traces).
  explicit Tracer(std::uint64_t limit, std::ostream* out = nullptr);

  void attach(Bus& bus, const RunContext& ctx) override;
  // Takes the fault records, so it must finish after the "faults" recorder
  // (the built-in ones finish before those a caller adds).
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_invoked(const OperationInvoked& e);
  void on_resolved(const OperationResolved& e);
  void on_proxied(const RequestProxied& e);
  void on_handled(const RequestHandled& e);
  void on_leader(const LeaderChanged& e);
  void on_election(const ElectionStarted& e);
  void on_commit(const EntriesCommitted& e);
  void on_scaled(const ReplicasScaled& e);
  void on_stage(const ReplicaStageChanged& e);

  bool truncated() const { return cutoff_ != kNever; }
  Time cutoff() const { return cutoff_; }
  std::uint64_t limit() const { return limit_; }

  // The whole trace as JSON text. REQUIRES: made without a stream, and the
  // run finished.
  std::string json() const;

 private:
  // Writes a span if it began before the cutoff. `args` are (key, value)
  // pairs with string values.
  void span(ActorId node, const char* name, Time begin, Time end,
            std::initializer_list<std::pair<const char*, std::string>> args);
  // Appends one trace event (a JSON object's text) to the array.
  void event(const std::string& json);
  // Moves what is buffered to the stream.
  void flush();

  static constexpr Time kNever = INT64_MAX;
  std::uint64_t limit_;
  std::uint64_t requests_ = 0;
  Time cutoff_ = kNever;
  std::unique_ptr<std::ostringstream> own_;  // when no stream was given
  std::ostream* out_;
  std::string buffer_;
  static constexpr std::size_t kFlushBytes = 1 << 20;
  std::uint32_t faults_pid_ = 0;
  bool first_event_ = true;
  bool finished_ = false;
  const World* world_ = nullptr;
};

}  // namespace dsim
