// Stale reads and lost writes of a history of reads and writes of keys.
//
// A history lists operations with their invocation and completion times and
// outcomes, as clients saw them. Each key starts with the value 0, which
// counts as a write invoked and acknowledged at time 0. A write's
// acknowledgement time is its completion if its outcome is ok; a write whose
// outcome is unknown may have taken effect but was never acknowledged (its
// acknowledgement time is +infinity); a failed write never took effect and is
// ignored. "Before" is strict: equal times are not before.
//
// The write of a value: values are meant to be unique per key (the client
// models make them unique per run), so a read's value names the write it
// saw. If several ok or unknown writes of a key wrote the same value, the
// value's acknowledgement time is the LATEST of theirs (+infinity if any of
// them is unknown; for the value 0, also the initial write's 0): the reading
// most favourable to the history. It never counts a write as newer than a
// value it wrote itself, so a re-written value is not stale against its own
// re-write, nor is a write of the converged value lost — given, as in any
// simulated history, complete >= invoke. Other inputs (complete < invoke,
// negative or equal times, values no write wrote) are taken as given by the
// rules below; the checker never fails on them.
//
// Stale read: an ok read r of value v of key k, not a final read, is stale
// when some ok write w' of k was acknowledged before r was invoked
// (w'.complete < r.invoke) and invoked after v was acknowledged
// (w'.invoke > ack(v)). Its staleness is r.invoke minus the earliest such
// w'.complete (in milliseconds), and the number of such w' (in versions). A
// read of a value with ack(v) = +infinity, or of a value no ok or unknown
// write of k wrote (other than 0), is never stale. The initial write is only
// the source of value 0, never a w' (with times >= 0 it cannot be one).
//
// Lost write: for each key with an ok final read (the last one in the
// history if several), the converged value v_c is that read's value. An ok
// write w of the key is lost when ack(v_c) < w.invoke: it started after the
// converged value was acknowledged, yet did not survive. With ack(v_c) =
// +infinity (an unknown write's value, or a value no write wrote) nothing is
// lost. Keys without an ok final read are not checked.
//
// Only Operation::kRead and Operation::kWrite entries take part; kRequest
// entries are ignored. `final_read` matters on reads only. The order of the
// history matters only to pick the last final read of a key.
//
// O(n log n) time and O(n) memory for n operations: about 0.2 s for a
// million on one core (bench/dsim_bench.cpp, BM_StaleLostCheck).
#pragma once

#include <cstdint>
#include <span>

#include "dsim/models/events.h"
#include "dsim/sim/time.h"

namespace dsim {

enum class OpOutcome : std::uint8_t {
  kOk,       // completed successfully (a write: acknowledged)
  kFail,     // definitely did not take effect
  kUnknown,  // failed, but may have taken effect (a write that timed out)
};

// One operation of a history: a read or a write of a key.
struct HistoryOp {
  std::uint32_t client = 0;         // opaque to the checker
  Operation op = Operation::kRead;  // kRead or kWrite; kRequest entries are ignored
  std::uint64_t key = 0;
  std::uint64_t value = 0;          // written (writes) or returned (ok reads); 0 is every key's initial value
  Time invoke = 0;                  // ns
  Time complete = 0;                // ns
  OpOutcome outcome = OpOutcome::kOk;
  bool final_read = false;          // a read by the end-of-run "final" client of the converged value
};

// Nearest-rank percentiles of a set of samples (the ceil(p n)-th smallest);
// all 0 with no samples.
struct Spread {
  double p50 = 0;
  double p99 = 0;
  double max = 0;

  friend bool operator==(const Spread&, const Spread&) = default;
};

struct StaleLostFigures {
  std::uint64_t reads = 0;                  // ok reads, final reads excluded
  std::uint64_t stale_reads = 0;            // of those, stale
  Spread staleness_ms;                      // over stale reads
  Spread staleness_versions;                // over stale reads
  std::uint64_t lost_writes = 0;
  std::uint64_t writes_acknowledged = 0;    // ok writes
  std::uint64_t keys_checked_for_loss = 0;  // keys with an ok final read
  // Ok reads (final ones included) of a value other than 0 that no ok or
  // unknown write of their key wrote.
  std::uint64_t unexplained_reads = 0;
  // Reads and stale reads of each client that read (HistoryOp::client), by
  // client: which side of a partition saw stale data.
  struct ClientReads {
    std::uint32_t client = 0;
    std::uint64_t reads = 0;
    std::uint64_t stale_reads = 0;
    friend bool operator==(const ClientReads&, const ClientReads&) = default;
  };
  std::vector<ClientReads> by_client;

  friend bool operator==(const StaleLostFigures&, const StaleLostFigures&) = default;
};

// Applies the rules above to `history`.
StaleLostFigures check_stale_and_lost(std::span<const HistoryOp> history);

}  // namespace dsim
