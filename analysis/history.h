// The history of a run's reads and writes, and the consistency figures
// computed from it: the "history" recorder.
//
// When some client has a `mix`, every operation it resolves is recorded —
// client, operation, key, the value written or read, invoke and complete
// times, outcome (ok; fail: it cannot have taken effect; unknown: it failed
// but may have, an attempt having timed out) — in the order operations
// complete. After the store settles (ComponentInstance::settle), its
// converged value of every key (StoreKeySettled), and of every key a write
// touched that no replica holds (the initial value), is appended as a read
// by the client "final", in key order, as Jepsen's final reads. At most
// `consistency.history_limit` operations are recorded (the final reads
// aside); past it recording stops and the summary says so.
//
// At the end of the run the recorder checks the history for stale reads and
// lost writes (analysis/consistency.h) and for linearizability, each key a
// register starting at 0 (analysis/linearizability.h, within
// `consistency.linearizability_budget` steps per key), and leaves both the figures
// (RunRecord::consistency) and the history itself (RunRecord::history, for
// `dsim run --history` and later checkers) in the record.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dsim/analysis/consistency.h"
#include "dsim/analysis/lin_history.h"
#include "dsim/analysis/linearizability.h"
#include "dsim/analysis/recorder.h"

namespace dsim {

struct History {
  std::vector<std::string> clients;  // HistoryOp::client indexes this; the last is "final" if settled
  std::vector<HistoryOp> ops;        // in order of completion; final reads last, in key order
  std::uint64_t limit = 0;           // consistency.history_limit
  std::uint64_t dropped = 0;         // operations past the limit, not recorded
};

// Writes one JSON object per line (docs/HISTORY.md), in the history's order.
void write_history_jsonl(const History& history, std::ostream& out);

// The history as a linearizability checker reads it: one register per key,
// whose initial value is 0 (check with LinOptions::initial = {0, false}).
LinHistory to_lin_history(const History& history);

// The same verdict and figures as check_linearizable(to_lin_history(h))
// with `budget` steps per key, on every core, for less: keys whose
// operations all succeeded, never overlap and read what the real-time order
// wrote are settled in place (one step per operation, as the search counts
// them); only the others are searched, as `searched` — the LinHistory the
// result's key and operation indices refer to.
// `threads`: keys searched at once (0: every core; the result never depends on it).
LinResult check_run_history(const History& history, std::uint64_t budget, LinHistory& searched,
                            unsigned threads = 0);
// The same, given the history's (key, index) pairs sorted (every operation
// of the history).
LinResult check_run_history(const History& history, std::span<const std::pair<std::uint64_t, std::uint32_t>> by_key,
                            std::uint64_t budget, LinHistory& searched, unsigned threads = 0);

class HistoryRecorder final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext& ctx) override;
  void finish(const RunContext& ctx, RunRecord& out) override;

  void on_resolved(const OperationResolved& e);
  void on_settled(const StoreKeySettled& e);

 private:
  std::uint32_t client_index(ActorId client);

  const World* world_ = nullptr;
  bool attached_ = false;  // some client has a mix
  std::uint64_t budget_ = 0;  // linearizability steps per key
  History history_;
  std::vector<std::uint32_t> index_of_actor_;  // by actor id; UINT32_MAX: not seen yet
  std::vector<std::string> component_of_client_;  // by history client: its client component
  std::uint64_t operations_ = 0;
  std::vector<HistoryOp> finals_;
  std::uint64_t unconverged_ = 0;
  bool settled_ = false;
  Time settled_at_ = 0;
};

}  // namespace dsim
