// Linearizability of a history (analysis/lin_history.h), as Porcupine
// (anishathalye/porcupine) and Knossos check it.
//
// Which operations take part. Each key is checked apart from the others
// (P-compositionality: a history is linearizable iff each key's is, Herlihy &
// Wing 1990). An operation takes part when its key is below
// LinHistory::keys.size() and its fn belongs to the history's model (read,
// write, cas for kRegister; get, put, append for kKv); the others are
// counted in LinResult::ops_ignored and play no part. Of those that take
// part:
//  - ok: took effect exactly once, at some instant in [invoke, complete]
//    (complete < invoke is read as complete = invoke; complete = kTimeMax as
//    "no upper bound", but the operation must still take effect);
//  - fail: never took effect: dropped;
//  - unknown: may take effect at any instant after its invocation, or never
//    (Knossos's :info, whose return is at +infinity). An unknown read or get
//    constrains nothing and is dropped; an unknown cas, if it takes effect,
//    succeeded.
// Operation A precedes B when A.complete < B.invoke; equal times are
// concurrent (a call sorts before a return at the same instant). Ties
// between calls, and between returns, at the same instant go by index in
// LinHistory::ops, so the search order never depends on anything else.
//
// Models. A register starts at LinOptions::initial (nil by default, as
// Jepsen's; dsim's own histories start at 0: set it to 0 for those); read
// returns the current value, write sets it, cas(from = arg, to = arg2) — ok
// means it succeeded — requires current == from and sets to. A key-value
// entry starts at ""; get returns the current string, put sets it, append
// concatenates.
//
// The search, per key: Wing & Gong's, with Lowe's memoisation ("Testing for
// linearizability", 2017), as Porcupine's checkSingle: the operations'
// call and return events in time order in a doubly linked list; the search
// walks it from the head, linearizing ("lifting") an operation whose call
// comes before the first remaining return if the model allows it and the
// pair (set of linearized operations, model state) has not been seen, and
// backtracks at a return. It succeeds once every ok operation is
// linearized (unknown ones may be left out), fails when it must backtrack
// with nothing to undo. Two sound reductions on top, which never change a
// verdict (checked against brute force in tests/linearizability_test.cpp):
//  - pure operations (read, get, cas v -> v, append ""), which change no
//    state whatever the state, are taken as soon as the model accepts them,
//    without trying alternatives: such an operation can be moved to the
//    front of any continuation. If the search fails after one, the point
//    before it fails too;
//  - a point fails at once when an ok read, get or cas among the candidates
//    or the 16 events after them can never be linearized from it: a read or
//    cas of a value the register does not hold and that no operation left
//    can write; a get whose result does not extend the current string when
//    no put is left (compared by hash of the prefix: only a certain
//    mismatch counts).
//
// Budget: one unit is one *step*, one operation offered to the model at the
// current point of the search (whether the model refuses it, the resulting
// pair was already seen, or it is new). A key whose search needs more than
// LinOptions::budget steps gets the verdict kUnknown. Every step adds at most
// one entry to the cache of seen pairs; the cache (entries and hash table)
// and, for kKv, the table of strings built by puts and appends are counted in
// bytes, every reallocation's old and new blocks both while both are alive,
// and are capped at kLinBytesPerStep bytes per unit of budget (never less
// than kLinMinMemoryBytes): past it the verdict is kUnknown too. Besides,
// the search holds fixed structures of about 100 bytes per operation of the
// key (150 while its events are sorted; for kKv also a quarter of a byte
// per character of get results). So with the default budget (1,000,000
// steps, about 0.2 to 0.5 s of one core) a key takes at most 64 MB plus the
// fixed part, and `threads` keys at once that many times as much. Time is
// O(budget x the operations open at once), plus, for kKv, a get's length
// each time one is found equal to a string.
//
// A cached pair is stored exactly, never as a fingerprint: its model state
// (a register value's index, or a string node of the kKv table: 4 bytes),
// p = the lowest-returning operation not linearized (all earlier-returning
// ones are; the search never passes an open return) and the linearized
// operations returning after p (4 bytes each; at most the operations open
// when p returns, unknown ones included), so a hash collision never prunes
// wrongly. Strings are nodes (parent, appended text), interned; two ways of
// building the same string are two states, which can only cost pruning.
//
// Counterexample (when LinOptions::minimise). For a non-linearizable key:
//  - if some ok read, get or cas of the key needs a value that no operation
//    of the key (nor the initial value) could have produced, and it is not
//    linearizable on its own, that operation alone;
//  - else the operations called before the return at which the search last
//    had to back off (the history up to there is not linearizable, as a
//    rule; this is checked, and failing that all the key's operations are
//    the start), then delta debugging (ddmin: chunks of half, a quarter ...
//    down to one operation, then single removals until a pass removes
//    nothing): remove a chunk, and with it every read, get or cas whose
//    value no remaining operation (nor the initial value) could produce —
//    so that the result never ends as a lone read of a value nobody wrote
//    when the write is part of the story; keep the removal if the rest is
//    still not linearizable.
// Each re-check is a search of at most min(budget, kLinMinimiseCheckBudget)
// steps (unknown counts as "cannot remove"). The minimisation as a whole is
// charged each re-check's steps plus its operations, plus the operations of
// every explanation pass (and, for kKv, the moves of the search for a way to
// build each get's string from puts and appends, at most 100,000 a get), and
// stops at `budget` units, keeping what it has — always a set the checker
// found not linearizable; counterexample_minimal says whether it got to the
// end. When it did, removing any one of its operations, together with the
// reads only that operation explained, leaves a linearizable history (or one
// a re-check could not decide within its budget).
//
// Determinism: keys are checked one per task, in parallel when threads > 1
// (std::thread workers over a shared atomic key index), each into its own
// slot; results are combined in key order. Nothing depends on the thread
// count, timing or addresses: the result is the same for every thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dsim/analysis/lin_history.h"

namespace dsim {

enum class LinVerdict : std::uint8_t { kLinearizable, kNotLinearizable, kUnknown };

// "true", "false", "unknown" (Knossos's :valid? values).
const char* verdict_name(LinVerdict v);

inline constexpr std::uint64_t kDefaultLinBudget = 1'000'000;        // steps per key
inline constexpr std::uint64_t kLinBytesPerStep = 64;                // memory per unit of budget
inline constexpr std::uint64_t kLinMinMemoryBytes = 64 * 1024;       // floor of the cap
inline constexpr std::uint64_t kLinMinimiseCheckBudget = 100'000;   // steps per re-check
// Moves along the list of events a search may make per step of budget (the
// scans between steps): past them too the key is unknown, so time is
// bounded by the budget as memory is.
inline constexpr std::uint64_t kLinMovesPerStep = 256;

struct LinOptions {
  std::uint64_t budget = kDefaultLinBudget;  // steps per key (see above)
  unsigned threads = 1;                      // 0: hardware concurrency; 1: sequential
  RegValue initial{};                        // a register's initial value (nil)
  bool minimise = true;                      // find a minimal counterexample
};

struct LinKeyResult {
  LinVerdict verdict = LinVerdict::kLinearizable;
  std::uint64_t ops = 0;              // operations of the key that took part
  std::uint64_t states = 0;           // steps of the key's search
  std::uint64_t minimise_states = 0;  // units spent minimising its counterexample
  bool counterexample_minimal = false;
  // Not linearizable and LinOptions::minimise: indices into LinHistory::ops,
  // by invoke (then index); else empty.
  std::vector<std::size_t> counterexample;

  friend bool operator==(const LinKeyResult&, const LinKeyResult&) = default;
};

struct LinResult {
  // kNotLinearizable if any key is; else kUnknown if any key is; else kLinearizable.
  LinVerdict verdict = LinVerdict::kLinearizable;
  std::uint64_t keys_checked = 0;  // keys with at least one operation taking part
  std::uint64_t keys_unknown = 0;
  std::uint64_t keys_not_linearizable = 0;
  std::uint64_t states_explored = 0;  // sum of the keys' search steps
  std::uint64_t ops_checked = 0;      // operations that took part
  std::uint64_t ops_ignored = 0;      // key out of range, or fn of the other model
  std::optional<std::uint32_t> counterexample_key;  // lowest non-linearizable key
  std::vector<std::size_t> counterexample;          // that key's counterexample
  std::vector<LinKeyResult> per_key;                // one per LinHistory::keys

  friend bool operator==(const LinResult&, const LinResult&) = default;
};

// Applies the rules above to `h`. Never throws for any content of `h`
// (only std::bad_alloc, for the O(ops) structures, if memory is short).
LinResult check_linearizable(const LinHistory& h, const LinOptions& o = {});

// One successful read or write of a register, for the check below.
struct SequentialOp {
  bool write = false;
  RegValue value;  // written, or read
  Time invoke = 0;
  Time complete = 0;
};
// The check of a register key whose operations all succeeded and never
// overlap (each returned before the next was invoked, strictly): there is
// one order, the real-time one, and the key is linearizable if each read
// returns the value last written (`initial` before any write) — in as many
// steps as the search counts, one per operation. False: the operations
// overlap, or the order fails (the search finds a counterexample). Sorts
// `ops` by invoke (stable). Most keys of a simulated history are such keys:
// the check and the run's history check settle them without a search.
bool sequential_register_ok(std::span<SequentialOp> ops, const RegValue& initial);
// Keys of more operations go straight to the search (a hot key's overlap).
inline constexpr std::size_t kSequentialMaxOps = 64;

// The operations `ops` (indices into h.ops; out-of-range ones skipped) as a
// timeline for a terminal, one line per operation in the order given:
//
//   clients-0  write 200    |======================================|  [0.000, 100.000] ms
//   clients-1  read -> 200     |=======|                              [10.000, 30.000] ms
//   clients-2  read -> 0                   |===================|      [40.000, 90.000] ms
//
// client name (h.clients, else "client-<n>"), the operation and its values
// (register: "read -> v", "write v", "cas a -> b" with nil for nil; kv:
// `get -> "s"`, `put "s"`, `append "s"`, strings escaped and cut at 24
// characters; "?" for a result not known), a 40-column bar placed in
// proportion between the earliest invoke and the latest complete of the
// operations shown ('>' to the edge for one never completed), and the times
// in milliseconds to the microsecond (truncated), "never" for a complete of
// kTimeMax; "fail" or "unknown" after it for those outcomes. Each line ends
// with '\n'; no operations, "".
std::string render_timeline(const LinHistory& h, std::span<const std::size_t> ops);

}  // namespace dsim
