// A history of operations on keys as a linearizability checker reads it
// (analysis/linearizability.h): dsim's own histories (analysis/history.h)
// and those of real systems (Jepsen's logs and EDN, read by
// analysis/history_io.h) become one of these.
//
// Two models of what a key holds:
//  - a register (kRegister): read, write, compare-and-set; values are
//    integers or nil (Jepsen's nil: a register never written), and need not
//    be unique;
//  - a key-value map (kKv): get, put, append on string values; a key never
//    written holds the empty string.
// Outcomes: ok (took effect, and a read's result is known), fail (never took
// effect), unknown (a timeout, Jepsen's :info, or an operation still open at
// the end: it may take effect at any time after its invocation, or never).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsim/sim/time.h"

namespace dsim {

enum class LinModel : std::uint8_t { kRegister, kKv };
enum class LinFn : std::uint8_t { kRead, kWrite, kCas, kGet, kPut, kAppend };
enum class LinOutcome : std::uint8_t { kOk, kFail, kUnknown };

// A register's value: an integer, or nil.
struct RegValue {
  std::int64_t v = 0;
  bool nil = true;
  friend bool operator==(const RegValue&, const RegValue&) = default;
};

struct LinOp {
  std::uint32_t key = 0;     // index into LinHistory::keys
  std::uint32_t client = 0;  // index into LinHistory::clients (a Jepsen process)
  LinFn fn = LinFn::kRead;
  LinOutcome outcome = LinOutcome::kOk;
  Time invoke = 0;
  Time complete = kTimeMax;  // kTimeMax: it never completed (then unknown)
  // Register: write's value in `arg`; cas from `arg` to `arg2`; a read's
  // result in `result` (ok reads only).
  RegValue arg, arg2, result;
  // Key-value: put's and append's value in `text`; a get's result in
  // `text_result` (ok gets only).
  std::string text, text_result;
  std::uint32_t line = 0;  // where it was read from (1-based; 0: not from a file)
};

struct LinHistory {
  LinModel model = LinModel::kRegister;
  std::vector<std::string> keys;     // names, for reports
  std::vector<std::string> clients;  // names, for reports
  std::vector<LinOp> ops;            // any order
};

}  // namespace dsim
