// Linearizability (analysis/linearizability.h): each model's rules on small
// hand-made histories, both ways; outcomes; the budget; counterexamples and
// their minimality; the same results on any number of threads; and the
// checker against a brute-force one (every order of every admissible subset
// that respects real time) over many small random histories.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dsim/analysis/linearizability.h"
#include "dsim/sim/rng.h"

namespace dsim {
namespace {

constexpr Time ms = kMillisecond;

RegValue val(std::int64_t v) { return RegValue{v, false}; }
const RegValue nil{};

LinOp reg_op(LinFn fn, std::uint32_t client, Time a, Time b, LinOutcome outcome, std::uint32_t key) {
  LinOp op;
  op.key = key;
  op.client = client;
  op.fn = fn;
  op.outcome = outcome;
  op.invoke = a;
  op.complete = b;
  return op;
}
LinOp read(std::uint32_t c, RegValue result, Time a, Time b, LinOutcome o = LinOutcome::kOk, std::uint32_t key = 0) {
  LinOp op = reg_op(LinFn::kRead, c, a, b, o, key);
  op.result = result;
  return op;
}
LinOp write(std::uint32_t c, RegValue v, Time a, Time b, LinOutcome o = LinOutcome::kOk, std::uint32_t key = 0) {
  LinOp op = reg_op(LinFn::kWrite, c, a, b, o, key);
  op.arg = v;
  return op;
}
LinOp cas(std::uint32_t c, RegValue from, RegValue to, Time a, Time b, LinOutcome o = LinOutcome::kOk,
          std::uint32_t key = 0) {
  LinOp op = reg_op(LinFn::kCas, c, a, b, o, key);
  op.arg = from;
  op.arg2 = to;
  return op;
}
LinOp get(std::uint32_t c, std::string s, Time a, Time b, LinOutcome o = LinOutcome::kOk, std::uint32_t key = 0) {
  LinOp op = reg_op(LinFn::kGet, c, a, b, o, key);
  op.text_result = std::move(s);
  return op;
}
LinOp put(std::uint32_t c, std::string s, Time a, Time b, LinOutcome o = LinOutcome::kOk, std::uint32_t key = 0) {
  LinOp op = reg_op(LinFn::kPut, c, a, b, o, key);
  op.text = std::move(s);
  return op;
}
LinOp append(std::uint32_t c, std::string s, Time a, Time b, LinOutcome o = LinOutcome::kOk,
             std::uint32_t key = 0) {
  LinOp op = reg_op(LinFn::kAppend, c, a, b, o, key);
  op.text = std::move(s);
  return op;
}

LinHistory history(LinModel model, std::vector<LinOp> ops, std::size_t keys = 1) {
  LinHistory h;
  h.model = model;
  for (std::size_t k = 0; k < keys; ++k) h.keys.push_back("k" + std::to_string(k));
  std::uint32_t clients = 0;
  for (const LinOp& op : ops) clients = std::max(clients, op.client + 1);
  for (std::uint32_t c = 0; c < clients; ++c) h.clients.push_back("clients-" + std::to_string(c));
  h.ops = std::move(ops);
  return h;
}
LinHistory reg(std::vector<LinOp> ops, std::size_t keys = 1) { return history(LinModel::kRegister, std::move(ops), keys); }
LinHistory kv(std::vector<LinOp> ops, std::size_t keys = 1) { return history(LinModel::kKv, std::move(ops), keys); }

LinOptions from_zero() {
  LinOptions o;
  o.initial = val(0);
  return o;
}

using Indices = std::vector<std::size_t>;

// ---- a brute-force checker ------------------------------------------------------

struct Brute {
  const LinHistory& h;
  RegValue initial;
  std::vector<std::size_t> ops;  // taking part
  std::vector<bool> placed;

  static bool participates(const LinOp& op) {
    if (op.outcome == LinOutcome::kFail) return false;
    return !(op.outcome == LinOutcome::kUnknown && (op.fn == LinFn::kRead || op.fn == LinFn::kGet));
  }
  Time ret(const LinOp& op) const {
    return op.outcome == LinOutcome::kOk ? std::max(op.complete, op.invoke) : kTimeMax;
  }
  bool all_ok_placed() const {
    for (std::size_t j = 0; j < ops.size(); ++j)
      if (!placed[j] && h.ops[ops[j]].outcome == LinOutcome::kOk) return false;
    return true;
  }
  bool dfs_reg(RegValue state) {
    if (all_ok_placed()) return true;
    for (std::size_t j = 0; j < ops.size(); ++j) {
      if (placed[j]) continue;
      const LinOp& op = h.ops[ops[j]];
      bool blocked = false;
      for (std::size_t k = 0; k < ops.size() && !blocked; ++k)
        blocked = !placed[k] && k != j && ret(h.ops[ops[k]]) < op.invoke;
      if (blocked) continue;
      RegValue next = state;
      if (op.fn == LinFn::kRead && !(op.result == state)) continue;
      if (op.fn == LinFn::kWrite) next = op.arg;
      if (op.fn == LinFn::kCas) {
        if (!(op.arg == state)) continue;
        next = op.arg2;
      }
      placed[j] = true;
      const bool ok = dfs_reg(next);
      placed[j] = false;
      if (ok) return true;
    }
    return false;
  }
  bool dfs_kv(const std::string& state) {
    if (all_ok_placed()) return true;
    for (std::size_t j = 0; j < ops.size(); ++j) {
      if (placed[j]) continue;
      const LinOp& op = h.ops[ops[j]];
      bool blocked = false;
      for (std::size_t k = 0; k < ops.size() && !blocked; ++k)
        blocked = !placed[k] && k != j && ret(h.ops[ops[k]]) < op.invoke;
      if (blocked) continue;
      std::string next = state;
      if (op.fn == LinFn::kGet && op.text_result != state) continue;
      if (op.fn == LinFn::kPut) next = op.text;
      if (op.fn == LinFn::kAppend) next += op.text;
      placed[j] = true;
      const bool ok = dfs_kv(next);
      placed[j] = false;
      if (ok) return true;
    }
    return false;
  }
};

// Whether the operations `subset` of `h` (all of them if empty) are linearizable, by brute force.
bool brute_linearizable(const LinHistory& h, const RegValue& initial, const Indices& subset = {}) {
  Brute b{h, initial, {}, {}};
  if (subset.empty()) {
    for (std::size_t i = 0; i < h.ops.size(); ++i)
      if (Brute::participates(h.ops[i])) b.ops.push_back(i);
  } else {
    for (const std::size_t i : subset)
      if (Brute::participates(h.ops[i])) b.ops.push_back(i);
  }
  b.placed.assign(b.ops.size(), false);
  return h.model == LinModel::kRegister ? b.dfs_reg(initial) : b.dfs_kv("");
}

// Whether string s is "" or (a put's text or "") + distinct appends' texts, by brute force.
bool kv_can_build(const LinHistory& h, const Indices& ops, const std::string& s) {
  if (s.empty()) return true;
  std::vector<std::string> appends, starts{""};
  for (const std::size_t i : ops) {
    if (h.ops[i].fn == LinFn::kAppend && !h.ops[i].text.empty()) appends.push_back(h.ops[i].text);
    if (h.ops[i].fn == LinFn::kPut) starts.push_back(h.ops[i].text);
  }
  // Every subset and order of appends (tiny).
  std::vector<bool> used(appends.size(), false);
  std::function<bool(const std::string&)> go = [&](const std::string& cur) {
    if (cur == s) return true;
    if (cur.size() >= s.size() || s.compare(0, cur.size(), cur) != 0) return false;
    for (std::size_t j = 0; j < appends.size(); ++j) {
      if (used[j]) continue;
      used[j] = true;
      const bool ok = go(cur + appends[j]);
      used[j] = false;
      if (ok) return true;
    }
    return false;
  };
  for (const std::string& st : starts)
    if (go(st)) return true;
  return false;
}

// `ops` without the reads/gets/cas whose value nothing else in it (nor the
// initial value) produces, repeatedly: the checker's rule for counterexamples,
// written plainly.
Indices closed(const LinHistory& h, Indices ops, const RegValue& initial) {
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t j = 0; j < ops.size(); ++j) {
      const LinOp& op = h.ops[ops[j]];
      bool explained = true;
      if (h.model == LinModel::kRegister && (op.fn == LinFn::kRead || op.fn == LinFn::kCas)) {
        const RegValue want = op.fn == LinFn::kRead ? op.result : op.arg;
        explained = want == initial;
        for (std::size_t k = 0; k < ops.size() && !explained; ++k) {
          const LinOp& w = h.ops[ops[k]];
          explained = k != j && ((w.fn == LinFn::kWrite && w.arg == want) || (w.fn == LinFn::kCas && w.arg2 == want));
        }
      }
      if (h.model == LinModel::kKv && op.fn == LinFn::kGet) explained = kv_can_build(h, ops, op.text_result);
      if (!explained) {
        ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(j));
        changed = true;
        break;
      }
    }
  }
  return ops;
}

// A counterexample's checks: in invoke order, not linearizable, and removing
// any one operation (with the reads only it explained) makes it linearizable.
void expect_minimal_counterexample(const LinHistory& h, const LinOptions& o, const Indices& cex) {
  ASSERT_FALSE(cex.empty());
  for (std::size_t j = 1; j < cex.size(); ++j) {
    const LinOp& a = h.ops[cex[j - 1]];
    const LinOp& b = h.ops[cex[j]];
    EXPECT_TRUE(a.invoke < b.invoke || (a.invoke == b.invoke && cex[j - 1] < cex[j]));
  }
  EXPECT_FALSE(brute_linearizable(h, o.initial, cex));
  for (std::size_t j = 0; j < cex.size(); ++j) {
    Indices rest = cex;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(j));
    rest = closed(h, rest, o.initial);
    EXPECT_TRUE(rest.empty() || brute_linearizable(h, o.initial, rest)) << "removable: op " << cex[j];
  }
}

// ---- the issue's examples -----------------------------------------------------

TEST(Linearizability, IssueExampleReadsOfANewAndTheOldValueDuringAWriteAreLinearizable) {
  // write 100 over [0, 100]; reads over [25, 75] -> 100 and [30, 60] -> 0.
  const LinHistory h = reg({write(0, val(100), 0, 100 * ms), read(1, val(100), 25 * ms, 75 * ms),
                            read(2, val(0), 30 * ms, 60 * ms)});
  const LinResult r = check_linearizable(h, from_zero());
  EXPECT_EQ(r.verdict, LinVerdict::kLinearizable);
  EXPECT_EQ(r.keys_checked, 1u);
  EXPECT_EQ(r.ops_checked, 3u);
  EXPECT_GT(r.states_explored, 0u);
  EXPECT_FALSE(r.counterexample_key.has_value());
  EXPECT_TRUE(r.counterexample.empty());
  // Without the initial 0 (Jepsen's nil) the read of 0 is unexplained.
  const LinResult n = check_linearizable(h);
  EXPECT_EQ(n.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(n.counterexample, (Indices{2}));
}

TEST(Linearizability, IssueExampleOldValueAfterTheNewOneIsNot) {
  // write 200 over [0, 100]; reads over [10, 30] -> 200, then [40, 90] -> 0.
  const LinHistory h = reg({read(2, val(0), 40 * ms, 90 * ms), write(0, val(200), 0, 100 * ms),
                            read(1, val(200), 10 * ms, 30 * ms)});
  const LinOptions o = from_zero();
  const LinResult r = check_linearizable(h, o);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.keys_not_linearizable, 1u);
  ASSERT_TRUE(r.counterexample_key.has_value());
  EXPECT_EQ(*r.counterexample_key, 0u);
  EXPECT_EQ(r.counterexample, (Indices{1, 2, 0}));  // invoke order
  EXPECT_TRUE(r.per_key[0].counterexample_minimal);
  expect_minimal_counterexample(h, o, r.counterexample);
  EXPECT_EQ(render_timeline(h, r.counterexample),
            "clients-0  write 200    |======================================|  [0.000, 100.000] ms\n"
            "clients-1  read -> 200     |=======|                              [10.000, 30.000] ms\n"
            "clients-2  read -> 0                   |===================|      [40.000, 90.000] ms\n");
}

// ---- registers ------------------------------------------------------------------

TEST(Linearizability, SequentialHistories) {
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), read(0, val(1), 20, 30), write(1, val(2), 40, 50),
                                    read(1, val(2), 60, 70), read(0, val(2), 80, 90)}))
                .verdict,
            LinVerdict::kLinearizable);
  EXPECT_EQ(check_linearizable(reg({read(0, nil, 0, 10), write(0, val(1), 20, 30), read(1, val(1), 40, 50)})).verdict,
            LinVerdict::kLinearizable);
  // A read of the older value after the newer write completed.
  const LinHistory stale = reg({write(0, val(1), 0, 10), write(1, val(2), 20, 30), read(0, val(1), 40, 50)});
  const LinResult r = check_linearizable(stale);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{0, 1, 2}));
  expect_minimal_counterexample(stale, {}, r.counterexample);
  // nil before any write, not after.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), read(1, nil, 20, 30)})).verdict,
            LinVerdict::kNotLinearizable);
}

TEST(Linearizability, ConcurrentWritesMayBeSeenInEitherOrderButOnlyOne) {
  const Time a = 0, b = 100;
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), a, b), write(1, val(2), a, b), read(2, val(1), 110, 120)})).verdict,
            LinVerdict::kLinearizable);
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), a, b), write(1, val(2), a, b), read(2, val(2), 110, 120)})).verdict,
            LinVerdict::kLinearizable);
  // During the writes a reader may see 1 then 2 ...
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), a, b), write(1, val(2), a, b), read(2, val(1), 10, 20),
                                    read(2, val(2), 30, 40)}))
                .verdict,
            LinVerdict::kLinearizable);
  // ... but not 1, 2, 1, and after both, not two different values.
  const LinHistory flip = reg({write(0, val(1), a, b), write(1, val(2), a, b), read(2, val(1), 10, 20),
                               read(2, val(2), 30, 40), read(2, val(1), 50, 60)});
  EXPECT_EQ(check_linearizable(flip).verdict, LinVerdict::kNotLinearizable);
  const LinHistory both = reg({write(0, val(1), a, b), write(1, val(2), a, b), read(2, val(2), 110, 120),
                               read(3, val(1), 130, 140)});
  const LinResult r = check_linearizable(both);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{0, 1, 2, 3}));
  expect_minimal_counterexample(both, {}, r.counterexample);
}

TEST(Linearizability, EqualTimesAreConcurrent) {
  // The read is invoked when the write completes: either order.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), read(1, nil, 10, 20)})).verdict,
            LinVerdict::kLinearizable);
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), read(1, nil, 11, 20)})).verdict,
            LinVerdict::kNotLinearizable);
}

TEST(Linearizability, CompareAndSet) {
  // An ok cas succeeded: it saw `from` and left `to`.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), cas(1, val(1), val(2), 20, 30), read(0, val(2), 40, 50)}))
                .verdict,
            LinVerdict::kLinearizable);
  const LinHistory old_value = reg({write(0, val(1), 0, 10), cas(1, val(1), val(2), 20, 30), read(0, val(1), 40, 50)});
  LinResult r = check_linearizable(old_value);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{0, 1, 2}));
  expect_minimal_counterexample(old_value, {}, r.counterexample);
  // It cannot succeed on a value that is not there.
  const LinHistory wrong_from = reg({write(0, val(2), 0, 10), write(0, val(1), 20, 30), cas(1, val(2), val(3), 40, 50)});
  r = check_linearizable(wrong_from);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{0, 1, 2}));
  expect_minimal_counterexample(wrong_from, {}, r.counterexample);
  // ... but it can when the writes overlap it.
  EXPECT_EQ(check_linearizable(reg({write(0, val(2), 0, 10), write(0, val(1), 20, 45), cas(1, val(2), val(3), 40, 50)}))
                .verdict,
            LinVerdict::kLinearizable);
  // A failed cas never took effect, whatever its values.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), cas(1, val(1), val(2), 20, 30, LinOutcome::kFail),
                                    read(0, val(1), 40, 50)}))
                .verdict,
            LinVerdict::kLinearizable);
  // An unknown cas may have succeeded, or not.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), cas(1, val(1), val(2), 20, 30, LinOutcome::kUnknown),
                                    read(0, val(2), 40, 50)}))
                .verdict,
            LinVerdict::kLinearizable);
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), cas(1, val(1), val(2), 20, 30, LinOutcome::kUnknown),
                                    read(0, val(1), 40, 50)}))
                .verdict,
            LinVerdict::kLinearizable);
  // A cas from nil on a fresh register.
  EXPECT_EQ(check_linearizable(reg({cas(0, nil, val(5), 0, 10), read(1, val(5), 20, 30)})).verdict,
            LinVerdict::kLinearizable);
  // A cas from a value nothing wrote is a counterexample by itself.
  r = check_linearizable(reg({write(0, val(1), 0, 10), cas(1, val(7), val(2), 20, 30)}));
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{1}));
}

TEST(Linearizability, UnknownWritesMayTakeEffectLateOrNever) {
  // Invoked at 20, timed out at 30: seen long after.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), write(1, val(2), 20, 30, LinOutcome::kUnknown),
                                    read(0, val(2), 1000, 1010)}))
                .verdict,
            LinVerdict::kLinearizable);
  // ... or never seen.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), write(1, val(2), 20, 30, LinOutcome::kUnknown),
                                    read(0, val(1), 1000, 1010)}))
                .verdict,
            LinVerdict::kLinearizable);
  // ... or first not, then (later than its timeout) yes.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), write(1, val(2), 20, 30, LinOutcome::kUnknown),
                                    read(0, val(1), 40, 50), read(0, val(2), 60, 70)}))
                .verdict,
            LinVerdict::kLinearizable);
  // Never completed at all.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), write(1, val(2), 20, kTimeMax, LinOutcome::kUnknown),
                                    read(0, val(2), 1000, 1010)}))
                .verdict,
            LinVerdict::kLinearizable);
  // But only once: seen, then gone.
  const LinHistory once = reg({write(0, val(1), 0, 10), write(1, val(2), 20, 30, LinOutcome::kUnknown),
                               read(0, val(2), 1000, 1010), read(0, val(1), 2000, 2010)});
  const LinResult r = check_linearizable(once);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{0, 1, 2, 3}));
  expect_minimal_counterexample(once, {}, r.counterexample);
  // Not before its invocation.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), read(0, val(2), 20, 30),
                                    write(1, val(2), 40, 50, LinOutcome::kUnknown)}))
                .verdict,
            LinVerdict::kNotLinearizable);
}

TEST(Linearizability, FailedOperationsAndUnknownReadsAreIgnored) {
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10), write(1, val(2), 20, 30, LinOutcome::kFail),
                                    read(0, val(1), 40, 50)}))
                .verdict,
            LinVerdict::kLinearizable);
  // The value of a failed write read: that read alone.
  const LinResult r = check_linearizable(reg({write(0, val(1), 0, 10), write(1, val(2), 20, 30, LinOutcome::kFail),
                                              read(0, val(2), 40, 50)}));
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{2}));
  EXPECT_TRUE(r.per_key[0].counterexample_minimal);
  // Unknown reads (and failed ones) say nothing.
  const LinResult u = check_linearizable(reg({write(0, val(1), 0, 10), read(1, val(9), 20, 30, LinOutcome::kUnknown),
                                              read(1, val(8), 40, 50, LinOutcome::kFail)}));
  EXPECT_EQ(u.verdict, LinVerdict::kLinearizable);
  EXPECT_EQ(u.ops_checked, 1u);
  // A history of nothing but unknown writes.
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10, LinOutcome::kUnknown)})).verdict,
            LinVerdict::kLinearizable);
}

TEST(Linearizability, OperationsOfTheOtherModelOrAnUnknownKeyAreCounted) {
  LinHistory h = reg({write(0, val(1), 0, 10), read(0, val(1), 20, 30), get(0, "x", 40, 50),
                      read(0, val(5), 60, 70, LinOutcome::kOk, 7)});
  const LinResult r = check_linearizable(h);
  EXPECT_EQ(r.verdict, LinVerdict::kLinearizable);
  EXPECT_EQ(r.ops_ignored, 2u);
  EXPECT_EQ(r.ops_checked, 2u);
  EXPECT_EQ(r.per_key.size(), 1u);
}

TEST(Linearizability, CompleteBeforeInvokeIsReadAsAnInstant) {
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 10, 5), read(1, val(1), 11, 12)})).verdict,
            LinVerdict::kLinearizable);
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 10, 5), read(1, nil, 11, 12)})).verdict,
            LinVerdict::kNotLinearizable);
}

// ---- key-value --------------------------------------------------------------------

TEST(Linearizability, KvGetPutAppend) {
  EXPECT_EQ(check_linearizable(kv({get(0, "", 0, 5), put(0, "a", 10, 20), append(1, "b", 30, 40), get(0, "ab", 50, 60)}))
                .verdict,
            LinVerdict::kLinearizable);
  const LinHistory wrong_order = kv({put(0, "a", 10, 20), append(1, "b", 30, 40), get(0, "ba", 50, 60)});
  LinResult r = check_linearizable(wrong_order);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{2}));  // "ba" cannot be built from "a" then "b"
  // A put replaces.
  EXPECT_EQ(check_linearizable(kv({append(0, "x", 0, 10), put(1, "p", 20, 30), append(0, "q", 40, 50),
                                   get(1, "pq", 60, 70)}))
                .verdict,
            LinVerdict::kLinearizable);
  EXPECT_EQ(check_linearizable(kv({append(0, "x", 0, 10), put(1, "p", 20, 30), get(1, "xp", 60, 70)})).verdict,
            LinVerdict::kNotLinearizable);
  // Concurrent appends in either order, but one order for everyone.
  EXPECT_EQ(check_linearizable(kv({append(0, "x", 0, 100), append(1, "y", 0, 100), get(2, "yx", 110, 120)})).verdict,
            LinVerdict::kLinearizable);
  const LinHistory split = kv({append(0, "x", 0, 100), append(1, "y", 0, 100), get(2, "xy", 110, 120),
                               get(3, "yx", 130, 140)});
  r = check_linearizable(split);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(r.counterexample, (Indices{0, 1, 2, 3}));
  expect_minimal_counterexample(split, {}, r.counterexample);
  // An unknown append may land late, or never; an appended "" changes nothing.
  EXPECT_EQ(check_linearizable(kv({append(0, "x", 0, 10), append(1, "y", 20, 30, LinOutcome::kUnknown),
                                   get(2, "x", 40, 50), append(0, "", 55, 56), get(2, "xy", 60, 70)}))
                .verdict,
            LinVerdict::kLinearizable);
  // The same text appended twice is two states, not one.
  EXPECT_EQ(check_linearizable(kv({append(0, "a", 0, 10), append(1, "a", 20, 30), get(2, "aa", 40, 50)})).verdict,
            LinVerdict::kLinearizable);
  EXPECT_EQ(check_linearizable(kv({append(0, "a", 0, 10), append(1, "a", 20, 30), get(2, "a", 40, 50)})).verdict,
            LinVerdict::kNotLinearizable);
  // Strings built in different ways: all three appends must take effect, so
  // four characters, never "aab"; "ab" + "a" + "b" is "abab".
  EXPECT_EQ(check_linearizable(kv({append(0, "ab", 0, 100), append(1, "a", 0, 100), append(2, "b", 0, 100),
                                   get(3, "aab", 110, 120), get(3, "aab", 130, 140)}))
                .verdict,
            LinVerdict::kNotLinearizable);
  EXPECT_EQ(check_linearizable(kv({append(0, "ab", 0, 100), append(1, "a", 0, 100), append(2, "b", 0, 100),
                                   get(3, "abab", 110, 120)}))
                .verdict,
            LinVerdict::kLinearizable);
}

// ---- the budget ------------------------------------------------------------------

// 20 concurrent writes of distinct values, then reads that see 1, 2, 1: not
// linearizable, but only every order of every subset of the writes shows it.
LinHistory exhausting() {
  std::vector<LinOp> ops;
  for (std::uint32_t i = 0; i < 20; ++i) ops.push_back(write(i, val(i + 1), 0, 100));
  ops.push_back(read(20, val(1), 200, 210));
  ops.push_back(read(20, val(2), 220, 230));
  ops.push_back(read(20, val(1), 240, 250));
  return reg(std::move(ops));
}

TEST(Linearizability, PastTheBudgetTheVerdictIsUnknownAndQuick) {
  const LinHistory h = exhausting();
  LinOptions o;
  o.budget = 200'000;
  const auto start = std::chrono::steady_clock::now();
  const LinResult r = check_linearizable(h, o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.verdict, LinVerdict::kUnknown);
  EXPECT_EQ(r.keys_unknown, 1u);
  EXPECT_EQ(r.per_key[0].states, o.budget);
  EXPECT_TRUE(r.counterexample.empty());
  EXPECT_LT(seconds, 5.0);
  // The memory cap can stop it first: with 40 unknown writes (their returns
  // at +infinity) a pair holds up to 40 operations outside the prefix,
  // 12 + 4 x 40 bytes plus its slots, more than 64 bytes a step.
  std::vector<LinOp> unknown;
  for (std::uint32_t i = 0; i < 40; ++i) unknown.push_back(write(i, val(i + 1), 0, 100, LinOutcome::kUnknown));
  unknown.push_back(read(40, val(1), 200, 210));
  unknown.push_back(read(40, val(2), 220, 230));
  unknown.push_back(read(40, val(1), 240, 250));
  o.budget = 20'000;
  const LinResult capped = check_linearizable(reg(std::move(unknown)), o);
  EXPECT_EQ(capped.verdict, LinVerdict::kUnknown);
  EXPECT_LT(capped.per_key[0].states, o.budget);  // stopped by bytes, not steps
  // A budget of 0 decides only keys with nothing to linearize.
  o.budget = 0;
  EXPECT_EQ(check_linearizable(h, o).verdict, LinVerdict::kUnknown);
  EXPECT_EQ(check_linearizable(reg({write(0, val(1), 0, 10, LinOutcome::kUnknown)}), o).verdict,
            LinVerdict::kLinearizable);
}

TEST(Linearizability, SmallerVersionOfTheExhaustingHistoryIsDecided) {
  // 8 writes: 8 * 2^7 pairs (set, last value) at most.
  std::vector<LinOp> ops;
  for (std::uint32_t i = 0; i < 8; ++i) ops.push_back(write(i, val(i + 1), 0, 100));
  ops.push_back(read(20, val(1), 200, 210));
  ops.push_back(read(20, val(2), 220, 230));
  ops.push_back(read(20, val(1), 240, 250));
  const LinHistory h = reg(std::move(ops));
  const LinResult r = check_linearizable(h);
  EXPECT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_LT(r.states_explored, 20'000u);
  // The writes of 1 and 2 and the first two reads: after both writes, one value.
  EXPECT_EQ(r.counterexample, (Indices{0, 1, 8, 9}));
  expect_minimal_counterexample(h, {}, r.counterexample);
}

// ---- larger histories --------------------------------------------------------------

// A linearizable register history by construction: a sequential run of reads
// and writes whose operations are stretched around their instants; `clients`
// clients, each with one operation at a time.
LinHistory generated(std::uint64_t seed, std::size_t keys, std::size_t clients, std::size_t n) {
  Rng rng = Rng::stream(seed, "lin-test");
  std::vector<LinOp> ops;
  std::vector<RegValue> value(keys, nil);
  std::vector<Time> free_at(clients, 0);
  std::int64_t next = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const Time at = static_cast<Time>(i) * 10 * kMicrosecond;
    // A client free at `at`.
    std::size_t c = rng.below(clients);
    for (std::size_t tries = 0; tries < clients && free_at[c] > at; ++tries) c = (c + 1) % clients;
    if (free_at[c] > at) continue;
    const Time invoke = std::max(free_at[c], at - static_cast<Time>(rng.below(200)) * kMicrosecond);
    const Time complete = at + static_cast<Time>(rng.below(200)) * kMicrosecond;
    free_at[c] = complete + 1;
    const std::uint32_t key = static_cast<std::uint32_t>(rng.below(keys));
    if (rng.below(5) == 0) {
      value[key] = val(next++);
      ops.push_back(write(static_cast<std::uint32_t>(c), value[key], invoke, complete, LinOutcome::kOk, key));
    } else {
      ops.push_back(read(static_cast<std::uint32_t>(c), value[key], invoke, complete, LinOutcome::kOk, key));
    }
  }
  return reg(std::move(ops), keys);
}

TEST(Linearizability, GeneratedHistoriesAreLinearizable) {
  const LinHistory h = generated(1, 4, 16, 4000);
  const LinResult r = check_linearizable(h);
  EXPECT_EQ(r.verdict, LinVerdict::kLinearizable);
  EXPECT_EQ(r.keys_checked, 4u);
  EXPECT_EQ(r.ops_checked, h.ops.size());
}

TEST(Linearizability, InjectedStaleReadGivesASmallMinimalCounterexample) {
  LinHistory h = generated(2, 1, 16, 1500);
  // A read well after the 20th write that returns the 10th write's value.
  std::size_t writes = 0, pos = 0;
  RegValue tenth;
  for (std::size_t i = 0; i < h.ops.size() && writes < 20; ++i) {
    if (h.ops[i].fn != LinFn::kWrite) continue;
    if (++writes == 10) tenth = h.ops[i].arg;
    pos = i;
  }
  LinOp stale = read(99, tenth, h.ops[pos].complete + kMillisecond, h.ops[pos].complete + 2 * kMillisecond);
  h.clients.resize(100, "late");
  h.ops.push_back(stale);
  const LinResult r = check_linearizable(h);
  ASSERT_EQ(r.verdict, LinVerdict::kNotLinearizable);
  EXPECT_TRUE(r.per_key[0].counterexample_minimal);
  EXPECT_LE(r.counterexample.size(), 5u);
  EXPECT_NE(std::find(r.counterexample.begin(), r.counterexample.end(), h.ops.size() - 1), r.counterexample.end());
  // Removing any one of them (and what only it explained) leaves it linearizable.
  for (std::size_t j = 0; j < r.counterexample.size(); ++j) {
    Indices rest = r.counterexample;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(j));
    rest = closed(h, rest, nil);
    LinHistory sub = h;
    sub.ops.clear();
    for (const std::size_t i : rest) sub.ops.push_back(h.ops[i]);
    EXPECT_EQ(check_linearizable(sub).verdict, LinVerdict::kLinearizable);
  }
  const std::string timeline = render_timeline(h, r.counterexample);
  EXPECT_EQ(static_cast<std::size_t>(std::count(timeline.begin(), timeline.end(), '\n')), r.counterexample.size());
  EXPECT_NE(timeline.find("late"), std::string::npos);
}

// ---- determinism across threads -----------------------------------------------------

TEST(Linearizability, SameResultOnAnyNumberOfThreads) {
  // 12 keys: linearizable ones, broken ones, and one past the budget.
  LinHistory h = generated(3, 12, 24, 6000);
  const LinHistory hard = exhausting();
  for (LinOp op : hard.ops) {
    op.key = 5;
    op.invoke += 100 * kSecond;
    op.complete += 100 * kSecond;
    h.ops.push_back(op);
  }
  for (const std::uint32_t k : {2u, 9u, 11u}) {
    // A write long after, then a read of nil.
    h.ops.push_back(write(0, val(-1), 200 * kSecond, 201 * kSecond, LinOutcome::kOk, k));
    h.ops.push_back(read(1, nil, 202 * kSecond, 203 * kSecond, LinOutcome::kOk, k));
  }
  LinOptions o;
  o.budget = 100'000;
  o.threads = 1;
  const LinResult one = check_linearizable(h, o);
  EXPECT_EQ(one.verdict, LinVerdict::kNotLinearizable);
  EXPECT_EQ(one.keys_not_linearizable, 3u);
  EXPECT_EQ(one.keys_unknown, 1u);
  EXPECT_EQ(one.per_key[5].verdict, LinVerdict::kUnknown);
  ASSERT_TRUE(one.counterexample_key.has_value());
  EXPECT_EQ(*one.counterexample_key, 2u);
  EXPECT_EQ(one.counterexample, one.per_key[2].counterexample);
  for (const unsigned threads : {2u, 4u, 0u, 64u}) {
    o.threads = threads;
    EXPECT_EQ(check_linearizable(h, o), one) << threads << " threads";
  }
}

// ---- against brute force ------------------------------------------------------------

LinOutcome random_outcome(Rng& rng) {
  const std::uint64_t x = rng.below(20);
  return x < 14 ? LinOutcome::kOk : (x < 17 ? LinOutcome::kUnknown : LinOutcome::kFail);
}

LinHistory random_register(Rng& rng) {
  const std::size_t n = 1 + rng.below(7);
  std::vector<LinOp> ops;
  const auto value = [&](bool may_be_nil) {
    const std::uint64_t x = rng.below(may_be_nil ? 4 : 3);
    return x == 3 ? nil : val(static_cast<std::int64_t>(x) + 1);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const Time a = static_cast<Time>(rng.below(20));
    Time b = a + static_cast<Time>(rng.below(12));
    const LinOutcome o = random_outcome(rng);
    if (o == LinOutcome::kUnknown && rng.below(3) == 0) b = kTimeMax;
    const std::uint32_t c = static_cast<std::uint32_t>(i);
    switch (rng.below(5)) {
      case 0: case 1: ops.push_back(read(c, value(true), a, b, o)); break;
      case 2: case 3: ops.push_back(write(c, value(false), a, b, o)); break;
      default: ops.push_back(cas(c, value(true), value(false), a, b, o)); break;
    }
  }
  return reg(std::move(ops));
}

LinHistory random_kv(Rng& rng) {
  const std::size_t n = 1 + rng.below(7);
  static const char* const kAppends[] = {"x", "y", "xy", ""};
  static const char* const kPuts[] = {"p", "x", ""};
  static const char* const kResults[] = {"", "x", "y", "xy", "yx", "p", "px", "xyx", "py"};
  std::vector<LinOp> ops;
  for (std::size_t i = 0; i < n; ++i) {
    const Time a = static_cast<Time>(rng.below(20));
    Time b = a + static_cast<Time>(rng.below(12));
    const LinOutcome o = random_outcome(rng);
    if (o == LinOutcome::kUnknown && rng.below(3) == 0) b = kTimeMax;
    const std::uint32_t c = static_cast<std::uint32_t>(i);
    switch (rng.below(5)) {
      case 0: case 1: ops.push_back(get(c, kResults[rng.below(9)], a, b, o)); break;
      case 2: ops.push_back(put(c, kPuts[rng.below(3)], a, b, o)); break;
      default: ops.push_back(append(c, kAppends[rng.below(4)], a, b, o)); break;
    }
  }
  return kv(std::move(ops));
}

void cross_check(LinModel model, std::uint64_t seed, int histories) {
  Rng rng = Rng::stream(seed, "lin-brute");
  int yes = 0, no = 0;
  for (int t = 0; t < histories; ++t) {
    const LinHistory h = model == LinModel::kRegister ? random_register(rng) : random_kv(rng);
    LinOptions o;
    if (model == LinModel::kRegister && rng.below(2) == 0) o.initial = val(1);
    const bool expected = brute_linearizable(h, o.initial);
    const LinResult r = check_linearizable(h, o);
    ASSERT_EQ(r.verdict, expected ? LinVerdict::kLinearizable : LinVerdict::kNotLinearizable)
        << "history " << t << ", initial " << (o.initial.nil ? "nil" : std::to_string(o.initial.v)) << "\n"
        << render_timeline(h, Indices{0, 1, 2, 3, 4, 5, 6});
    if (expected) {
      ++yes;
      EXPECT_TRUE(r.counterexample.empty());
      continue;
    }
    ++no;
    EXPECT_TRUE(r.per_key[0].counterexample_minimal) << "history " << t;
    expect_minimal_counterexample(h, o, r.counterexample);
    if (testing::Test::HasFailure()) {
      ADD_FAILURE() << "history " << t << "\n" << render_timeline(h, Indices{0, 1, 2, 3, 4, 5, 6});
      return;
    }
  }
  // Both verdicts well represented.
  EXPECT_GT(yes, histories / 5);
  EXPECT_GT(no, histories / 5);
}

TEST(Linearizability, RegistersAgreeWithBruteForce) { cross_check(LinModel::kRegister, 1, 10'000); }
TEST(Linearizability, KvAgreesWithBruteForce) { cross_check(LinModel::kKv, 2, 10'000); }

// Histories of up to 14 operations, longer in time (so real time orders
// many pairs, and the search's look-ahead and dead points come into play),
// against a brute force that remembers the (placed set, state) pairs it
// has failed from.
bool memo_linearizable(const LinHistory& h, const RegValue& initial, const Indices& subset) {
  std::vector<std::size_t> ops;
  for (const std::size_t i : subset)
    if (Brute::participates(h.ops[i])) ops.push_back(i);
  const auto ret = [&](const LinOp& op) {
    return op.outcome == LinOutcome::kOk ? std::max(op.complete, op.invoke) : kTimeMax;
  };
  std::map<std::pair<std::uint32_t, std::string>, bool> failed;
  std::function<bool(std::uint32_t, const std::string&)> go = [&](std::uint32_t placed, const std::string& state) {
    bool done = true;
    for (std::size_t j = 0; j < ops.size() && done; ++j)
      done = (placed >> j & 1) || h.ops[ops[j]].outcome != LinOutcome::kOk;
    if (done) return true;
    if (failed.count({placed, state})) return false;
    for (std::size_t j = 0; j < ops.size(); ++j) {
      if (placed >> j & 1) continue;
      const LinOp& op = h.ops[ops[j]];
      bool blocked = false;
      for (std::size_t k = 0; k < ops.size() && !blocked; ++k)
        blocked = !(placed >> k & 1) && k != j && ret(h.ops[ops[k]]) < op.invoke;
      if (blocked) continue;
      std::string next = state;
      const auto reg_text = [](const RegValue& v) { return v.nil ? std::string("nil") : std::to_string(v.v); };
      switch (op.fn) {
        case LinFn::kRead: if (reg_text(op.result) != state) continue; break;
        case LinFn::kWrite: next = reg_text(op.arg); break;
        case LinFn::kCas: if (reg_text(op.arg) != state) continue; next = reg_text(op.arg2); break;
        case LinFn::kGet: if (op.text_result != state) continue; break;
        case LinFn::kPut: next = op.text; break;
        case LinFn::kAppend: next += op.text; break;
      }
      if (go(placed | (1u << j), next)) return true;
    }
    failed[{placed, state}] = true;
    return false;
  };
  const std::string start =
      h.model == LinModel::kKv ? std::string() : (initial.nil ? std::string("nil") : std::to_string(initial.v));
  return go(0, start);
}

// A sequential run stretched around its instants (linearizable), with one
// result in eight replaced by a random one.
LinHistory random_medium(Rng& rng, LinModel model) {
  const std::size_t n = 8 + rng.below(7);
  std::vector<LinOp> ops;
  static const char* const kAppends[] = {"a", "b", "c", "ab"};
  static const char* const kResults[] = {"", "a", "ab", "abc", "b", "ba", "p", "pa"};
  RegValue reg_state = nil;
  std::string kv_state;
  Time at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    at += static_cast<Time>(rng.below(8));
    const Time a = at - static_cast<Time>(rng.below(12));
    Time b = at + static_cast<Time>(rng.below(12));
    const LinOutcome o = random_outcome(rng);
    if (o == LinOutcome::kUnknown && rng.below(3) == 0) b = kTimeMax;
    // An unknown operation takes effect or not; a failed one does not.
    const bool effect = o == LinOutcome::kOk || (o == LinOutcome::kUnknown && rng.below(2) == 0);
    const bool lie = rng.below(8) == 0;
    const std::uint32_t c = static_cast<std::uint32_t>(i);
    const std::uint64_t what = rng.below(5);
    if (model == LinModel::kRegister) {
      const RegValue random = rng.below(5) == 0 ? nil : val(1 + static_cast<std::int64_t>(rng.below(4)));
      const RegValue fresh = val(1 + static_cast<std::int64_t>(rng.below(4)));
      if (what < 3) {
        ops.push_back(read(c, lie ? random : reg_state, a, b, o));
      } else if (what == 3) {
        ops.push_back(write(c, fresh, a, b, o));
        if (effect) reg_state = fresh;
      } else {
        ops.push_back(cas(c, lie ? random : reg_state, fresh, a, b, o));
        if (effect && !lie) reg_state = fresh;
      }
    } else {
      if (what < 2) {
        ops.push_back(get(c, lie ? kResults[rng.below(8)] : kv_state, a, b, o));
      } else if (what == 2 && rng.below(3) == 0) {
        ops.push_back(put(c, "p", a, b, o));
        if (effect) kv_state = "p";
      } else {
        const std::string t = kAppends[rng.below(4)];
        ops.push_back(append(c, t, a, b, o));
        if (effect) kv_state += t;
      }
    }
  }
  return history(model, std::move(ops));
}

TEST(Linearizability, MediumHistoriesAgreeWithAMemoisedBruteForce) {
  Rng rng = Rng::stream(3, "lin-medium");
  int yes = 0, no = 0;
  for (int t = 0; t < 4000; ++t) {
    const LinModel model = t % 2 == 0 ? LinModel::kRegister : LinModel::kKv;
    const LinHistory h = random_medium(rng, model);
    Indices all(h.ops.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const bool expected = memo_linearizable(h, nil, all);
    const LinResult r = check_linearizable(h);
    ASSERT_EQ(r.verdict, expected ? LinVerdict::kLinearizable : LinVerdict::kNotLinearizable)
        << "history " << t << "\n" << render_timeline(h, all);
    if (expected) {
      ++yes;
      continue;
    }
    ++no;
    const Indices& cex = r.counterexample;
    ASSERT_FALSE(cex.empty());
    EXPECT_TRUE(r.per_key[0].counterexample_minimal);
    EXPECT_FALSE(memo_linearizable(h, nil, cex)) << "history " << t << "\n" << render_timeline(h, cex);
    for (std::size_t j = 0; j < cex.size(); ++j) {
      Indices rest = cex;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(j));
      rest = closed(h, rest, nil);
      EXPECT_TRUE(rest.empty() || memo_linearizable(h, nil, rest))
          << "history " << t << ": op " << cex[j] << " removable\n" << render_timeline(h, cex);
    }
    if (testing::Test::HasFailure()) return;
  }
  EXPECT_GT(yes, 400);
  EXPECT_GT(no, 400);
}

// ---- the timeline ------------------------------------------------------------------

TEST(Linearizability, TimelineShowsValuesOutcomesAndOpenOperations) {
  LinHistory h = kv({append(0, "a\"b", 0, 10 * ms), get(1, std::string(30, 'z'), 5 * ms, 20 * ms),
                     put(2, "q", 2 * ms, kTimeMax, LinOutcome::kUnknown), get(3, "", 1 * ms, 2 * ms, LinOutcome::kFail)});
  h.clients.pop_back();  // client 3 has no name
  const std::string t = render_timeline(h, Indices{0, 1, 2, 3, 99});
  // 0 .. 20 ms over 40 columns: column = t * 39 / 20 ms.
  EXPECT_EQ(t,
            "clients-0  append \"a\\\"b\"                         |==================|                      "
            "[0.000, 10.000] ms\n"
            "clients-1  get -> \"zzzzzzzzzzzzzzzzzzzzzzzz...\"           |=============================|  "
            "[5.000, 20.000] ms\n"
            "clients-2  put \"q\"                                  |===================================>  "
            "[2.000, never] ms  unknown\n"
            "client-3   get -> ?                               |=|                                      "
            "[1.000, 2.000] ms  fail\n");
  EXPECT_EQ(render_timeline(h, Indices{}), "");
  EXPECT_EQ(std::string(verdict_name(LinVerdict::kLinearizable)), "true");
  EXPECT_EQ(std::string(verdict_name(LinVerdict::kNotLinearizable)), "false");
  EXPECT_EQ(std::string(verdict_name(LinVerdict::kUnknown)), "unknown");
}

}  // namespace
}  // namespace dsim
