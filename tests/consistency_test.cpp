// Stale reads and lost writes: each rule on small hand-made histories, both
// ways and at its boundaries, then the checker against a straightforward
// O(n^2) reading of the rules over many random histories.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dsim/analysis/consistency.h"
#include "dsim/sim/rng.h"

namespace dsim {

// For gtest's messages.
void PrintTo(const StaleLostFigures& f, std::ostream* os) {
  const auto spread = [&](const Spread& s) { *os << "{" << s.p50 << ", " << s.p99 << ", " << s.max << "}"; };
  *os << "{reads " << f.reads << ", stale " << f.stale_reads << ", ms ";
  spread(f.staleness_ms);
  *os << ", versions ";
  spread(f.staleness_versions);
  *os << ", lost " << f.lost_writes << ", acked " << f.writes_acknowledged << ", keys " << f.keys_checked_for_loss
      << ", unexplained " << f.unexplained_reads << ", by client";
  for (const auto& c : f.by_client) *os << " " << c.client << ":" << c.stale_reads << "/" << c.reads;
  *os << "}";
}

namespace {

constexpr Time ms = kMillisecond;

HistoryOp write(std::uint64_t key, std::uint64_t value, Time invoke, Time complete,
                OpOutcome outcome = OpOutcome::kOk) {
  HistoryOp op;
  op.op = Operation::kWrite;
  op.key = key;
  op.value = value;
  op.invoke = invoke;
  op.complete = complete;
  op.outcome = outcome;
  return op;
}

HistoryOp read(std::uint64_t key, std::uint64_t value, Time invoke, Time complete,
               OpOutcome outcome = OpOutcome::kOk) {
  HistoryOp op;
  op.op = Operation::kRead;
  op.key = key;
  op.value = value;
  op.invoke = invoke;
  op.complete = complete;
  op.outcome = outcome;
  return op;
}

HistoryOp final_read(std::uint64_t key, std::uint64_t value, Time at) {
  HistoryOp op = read(key, value, at, at);
  op.final_read = true;
  return op;
}

StaleLostFigures check(const std::vector<HistoryOp>& h) { return check_stale_and_lost(h); }

// ---- stale reads ----------------------------------------------------------

TEST(StaleReads, OlderValueAfterANewerAckIsStale) {
  const auto f = check({write(1, 1, 0, 10 * ms), write(1, 2, 20 * ms, 30 * ms), read(1, 1, 40 * ms, 41 * ms)});
  EXPECT_EQ(f.reads, 1u);
  EXPECT_EQ(f.stale_reads, 1u);
  EXPECT_EQ(f.staleness_ms.max, 10.0);
  EXPECT_EQ(f.staleness_ms.p50, 10.0);
  EXPECT_EQ(f.staleness_versions.max, 1.0);
  EXPECT_EQ(f.writes_acknowledged, 2u);
  EXPECT_EQ(f.unexplained_reads, 0u);
}

TEST(StaleReads, NewestValueIsNotStale) {
  const auto f = check({write(1, 1, 0, 10 * ms), write(1, 2, 20 * ms, 30 * ms), read(1, 2, 40 * ms, 41 * ms)});
  EXPECT_EQ(f.reads, 1u);
  EXPECT_EQ(f.stale_reads, 0u);
  EXPECT_EQ(f.staleness_ms, Spread{});
}

TEST(StaleReads, AckAtTheReadsInvocationIsNotBefore) {
  // w'.complete == read.invoke: not acknowledged before the read.
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 20, 30), read(1, 1, 30, 31)}).stale_reads, 0u);
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 20, 30), read(1, 1, 31, 32)}).stale_reads, 1u);
}

TEST(StaleReads, WriteInvokedAtTheValuesAckIsNotNewer) {
  // w'.invoke == w_v.complete: concurrent with the read value's write, not after it.
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 10, 30), read(1, 1, 40, 41)}).stale_reads, 0u);
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 11, 30), read(1, 1, 40, 41)}).stale_reads, 1u);
  // Overlapping writes: either value may be the newer one.
  EXPECT_EQ(check({write(1, 1, 0, 20), write(1, 2, 5, 30), read(1, 1, 40, 41)}).stale_reads, 0u);
}

TEST(StaleReads, ValueOfAnUnknownWriteIsNeverStale) {
  const auto f = check({write(1, 1, 0, 10, OpOutcome::kUnknown), write(1, 2, 20, 30), write(1, 3, 40, 50),
                        read(1, 1, 100, 101)});
  EXPECT_EQ(f.reads, 1u);
  EXPECT_EQ(f.stale_reads, 0u);
  EXPECT_EQ(f.unexplained_reads, 0u);
  EXPECT_EQ(f.writes_acknowledged, 2u);
}

TEST(StaleReads, UnknownWritesAreNeverTheNewerWrite) {
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 20, 30, OpOutcome::kUnknown), read(1, 1, 40, 41)}).stale_reads,
            0u);
}

TEST(StaleReads, InitialValueCanBeStale) {
  const auto f = check({write(1, 5, 10 * ms, 20 * ms), read(1, 0, 30 * ms, 31 * ms), read(1, 0, 15 * ms, 31 * ms)});
  EXPECT_EQ(f.reads, 2u);
  EXPECT_EQ(f.stale_reads, 1u);  // the read invoked at 30 ms, not the one at 15 ms
  EXPECT_EQ(f.staleness_ms.max, 10.0);
  EXPECT_EQ(f.unexplained_reads, 0u);
  // A write invoked at 0 is concurrent with the initial value: not newer.
  EXPECT_EQ(check({write(1, 5, 0, 20), read(1, 0, 30, 31)}).stale_reads, 0u);
}

TEST(StaleReads, VersionsCountedAndMillisecondsFromTheEarliestAck) {
  const auto f = check({write(1, 1, 0, 10 * ms), write(1, 2, 20 * ms, 25 * ms), write(1, 3, 21 * ms, 35 * ms),
                        write(1, 4, 30 * ms, 40 * ms), write(1, 5, 45 * ms, 60 * ms),  // acked after the read
                        read(1, 1, 50 * ms, 51 * ms)});
  EXPECT_EQ(f.stale_reads, 1u);
  EXPECT_EQ(f.staleness_versions.max, 3.0);
  EXPECT_EQ(f.staleness_ms.max, 25.0);  // 50 ms - 25 ms
}

TEST(StaleReads, NearestRankPercentiles) {
  // 100 keys, one stale read each, stale by 1 .. 100 ms and 1 version.
  std::vector<HistoryOp> h;
  for (std::uint64_t k = 1; k <= 100; ++k) {
    h.push_back(write(k, 1, 0, 1 * ms));
    h.push_back(write(k, 2, 2 * ms, 10 * ms));
    h.push_back(read(k, 1, static_cast<Time>(10 + k) * ms, 200 * ms));
  }
  const auto f = check(h);
  EXPECT_EQ(f.stale_reads, 100u);
  EXPECT_EQ(f.staleness_ms.p50, 50.0);
  EXPECT_EQ(f.staleness_ms.p99, 99.0);
  EXPECT_EQ(f.staleness_ms.max, 100.0);
  EXPECT_EQ(f.staleness_versions, (Spread{1, 1, 1}));
  // One sample: every percentile is it.
  const auto one = check({write(1, 1, 0, 10), write(1, 2, 20, 30), read(1, 1, 1'500'030, 1'500'031)});
  EXPECT_EQ(one.staleness_ms, (Spread{1.5, 1.5, 1.5}));
}

TEST(StaleReads, FailedAndUnfinishedReadsAreNotJudged) {
  const auto f = check({write(1, 1, 0, 10), write(1, 2, 20, 30), read(1, 1, 40, 41, OpOutcome::kFail),
                        read(1, 1, 40, 41, OpOutcome::kUnknown), read(1, 77, 40, 41, OpOutcome::kFail)});
  EXPECT_EQ(f.reads, 0u);
  EXPECT_EQ(f.stale_reads, 0u);
  EXPECT_EQ(f.unexplained_reads, 0u);
}

TEST(StaleReads, FinalReadsAreExcludedFromReads) {
  const auto f = check({write(1, 1, 0, 10), write(1, 2, 20, 30), final_read(1, 1, 100)});
  EXPECT_EQ(f.reads, 0u);
  EXPECT_EQ(f.stale_reads, 0u);
  EXPECT_EQ(f.keys_checked_for_loss, 1u);
}

TEST(StaleReads, UnexplainedValues) {
  const auto f = check({write(1, 1, 0, 10), write(1, 9, 0, 10, OpOutcome::kFail), write(2, 8, 0, 10),
                        read(1, 9, 20, 21),  // only a failed write wrote 9
                        read(1, 8, 20, 21),  // 8 was written to another key
                        final_read(1, 42, 100), read(1, 0, 20, 21), read(1, 1, 20, 21)});
  EXPECT_EQ(f.unexplained_reads, 3u);  // final reads count here
  EXPECT_EQ(f.reads, 4u);
  // Unexplained reads are never stale; the read of 0 is not either (write 1
  // was invoked at 0, not after the initial value's ack).
  EXPECT_EQ(f.stale_reads, 0u);
}

// ---- lost writes ----------------------------------------------------------

TEST(LostWrites, FreshKeyWhoseOnlyWriteWasLost) {
  const auto f = check({write(7, 5, 10, 20), final_read(7, 0, 100)});
  EXPECT_EQ(f.keys_checked_for_loss, 1u);
  EXPECT_EQ(f.lost_writes, 1u);
  EXPECT_EQ(f.writes_acknowledged, 1u);
}

TEST(LostWrites, ConvergedOnANewerValueLosesNothing) {
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 20, 30), final_read(1, 2, 100)}).lost_writes, 0u);
  // Converged on the older one: the newer write is lost.
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 20, 30), final_read(1, 1, 100)}).lost_writes, 1u);
}

TEST(LostWrites, ConcurrentWritesAreNotLost) {
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 5, 15), final_read(1, 1, 100)}).lost_writes, 0u);
  // Invoked exactly when the converged value was acknowledged: still not after it.
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 10, 15), final_read(1, 1, 100)}).lost_writes, 0u);
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 11, 15), final_read(1, 1, 100)}).lost_writes, 1u);
}

TEST(LostWrites, UnknownConvergedValueLosesNothing) {
  const auto f = check({write(1, 1, 0, 10, OpOutcome::kUnknown), write(1, 2, 20, 30), write(1, 3, 40, 50),
                        final_read(1, 1, 100)});
  EXPECT_EQ(f.keys_checked_for_loss, 1u);
  EXPECT_EQ(f.lost_writes, 0u);
  // An unexplained converged value: nothing lost either.
  const auto g = check({write(1, 2, 20, 30), final_read(1, 99, 100)});
  EXPECT_EQ(g.lost_writes, 0u);
  EXPECT_EQ(g.unexplained_reads, 1u);
}

TEST(LostWrites, UnknownAndFailedWritesAreNeverLost) {
  const auto f = check({write(1, 1, 0, 10), write(1, 2, 20, 30, OpOutcome::kUnknown),
                        write(1, 3, 20, 30, OpOutcome::kFail), final_read(1, 1, 100)});
  EXPECT_EQ(f.lost_writes, 0u);
  EXPECT_EQ(f.writes_acknowledged, 1u);
}

TEST(LostWrites, KeysWithoutFinalReadAreNotChecked) {
  const auto f = check({write(1, 1, 0, 10), write(1, 2, 20, 30), read(1, 1, 40, 41)});
  EXPECT_EQ(f.keys_checked_for_loss, 0u);
  EXPECT_EQ(f.lost_writes, 0u);
  // A final read that failed does not count.
  HistoryOp failed = final_read(1, 0, 100);
  failed.outcome = OpOutcome::kFail;
  EXPECT_EQ(check({write(1, 1, 0, 10), failed}).keys_checked_for_loss, 0u);
}

TEST(LostWrites, LastFinalReadDecides) {
  const std::vector<HistoryOp> h = {write(1, 1, 0, 10), write(1, 2, 20, 30), final_read(1, 2, 100),
                                    final_read(1, 1, 90)};
  const auto f = check(h);
  EXPECT_EQ(f.keys_checked_for_loss, 1u);
  EXPECT_EQ(f.lost_writes, 1u);  // the last one in the history read 1
}

TEST(LostWrites, FailedWritesAreIgnored) {
  // The failed write's value is not a candidate, and it is never lost.
  const auto f = check({write(1, 1, 0, 10), write(1, 2, 20, 30, OpOutcome::kFail), read(1, 1, 40, 41),
                        final_read(1, 1, 100)});
  EXPECT_EQ(f.stale_reads, 0u);
  EXPECT_EQ(f.lost_writes, 0u);
  EXPECT_EQ(f.writes_acknowledged, 1u);
}

// ---- across keys, odd inputs ----------------------------------------------

TEST(Consistency, KeysAreIndependent) {
  // The same values on two keys: key 1 stale and lossy, key 2 clean.
  const auto f = check({write(1, 1, 0, 10), write(1, 2, 20, 30), read(1, 1, 40, 41), final_read(1, 1, 100),
                        write(2, 2, 0, 10), write(2, 1, 20, 30), read(2, 1, 40, 41), final_read(2, 1, 100)});
  EXPECT_EQ(f.reads, 2u);
  EXPECT_EQ(f.stale_reads, 1u);
  EXPECT_EQ(f.keys_checked_for_loss, 2u);
  EXPECT_EQ(f.lost_writes, 1u);
  EXPECT_EQ(f.writes_acknowledged, 4u);
}

TEST(Consistency, RequestsAreIgnored) {
  HistoryOp request = write(1, 5, 20, 30);
  request.op = Operation::kRequest;
  const auto f = check({write(1, 1, 0, 10), request, read(1, 1, 40, 41), final_read(1, 1, 100)});
  EXPECT_EQ(f.stale_reads, 0u);
  EXPECT_EQ(f.lost_writes, 0u);
  EXPECT_EQ(f.writes_acknowledged, 1u);
}

TEST(Consistency, RewrittenValueTakesItsLatestAck) {
  // Value 1 written twice: the read of 1 is not stale against its own
  // re-write, and the re-write is not lost when 1 is the converged value.
  const auto f = check({write(1, 1, 0, 10), write(1, 1, 20, 30), read(1, 1, 40, 41), final_read(1, 1, 100)});
  EXPECT_EQ(f.stale_reads, 0u);
  EXPECT_EQ(f.lost_writes, 0u);
  // An unknown re-write makes the value's ack +infinity.
  EXPECT_EQ(check({write(1, 1, 0, 10), write(1, 2, 20, 30), write(1, 1, 5, 6, OpOutcome::kUnknown),
                   read(1, 1, 40, 41)})
                .stale_reads,
            0u);
}

TEST(Consistency, EmptyHistory) {
  EXPECT_EQ(check({}), StaleLostFigures{});
}

// ---- against the rules read literally, O(n^2) ------------------------------

// ack(v) of `key`: found is false when no ok or unknown write of the key wrote
// v and v is not 0.
bool reference_ack(const std::vector<HistoryOp>& h, std::uint64_t key, std::uint64_t value, Time& ack) {
  bool found = value == 0;
  ack = value == 0 ? 0 : std::numeric_limits<Time>::min();
  for (const HistoryOp& w : h) {
    if (w.op != Operation::kWrite || w.key != key || w.value != value || w.outcome == OpOutcome::kFail) continue;
    found = true;
    ack = std::max(ack, w.outcome == OpOutcome::kOk ? w.complete : kTimeMax);
  }
  return found;
}

Spread reference_spread(std::vector<std::uint64_t> xs, double scale) {
  if (xs.empty()) return {};
  std::sort(xs.begin(), xs.end());
  const auto rank = [&](std::uint64_t percent) {  // the least r with r/n >= percent/100
    std::uint64_t r = 1;
    while (r * 100 < percent * xs.size()) ++r;
    return static_cast<double>(xs[r - 1]) / scale;
  };
  return {rank(50), rank(99), rank(100)};
}

StaleLostFigures reference(const std::vector<HistoryOp>& h) {
  StaleLostFigures f;
  std::vector<std::uint64_t> stale_ns, stale_versions;
  std::map<std::uint64_t, const HistoryOp*> last_final;
  std::map<std::uint32_t, StaleLostFigures::ClientReads> by_client;
  for (const HistoryOp& op : h) {
    if (op.op == Operation::kWrite && op.outcome == OpOutcome::kOk) ++f.writes_acknowledged;
    if (op.op != Operation::kRead || op.outcome != OpOutcome::kOk) continue;
    Time ack = 0;
    const bool found = reference_ack(h, op.key, op.value, ack);
    if (!found) ++f.unexplained_reads;
    if (op.final_read) {
      last_final[op.key] = &op;
      continue;
    }
    ++f.reads;
    by_client[op.client].client = op.client;
    ++by_client[op.client].reads;
    if (!found || ack == kTimeMax) continue;
    std::uint64_t newer = 0;
    Time earliest = kTimeMax;
    for (const HistoryOp& w : h) {
      if (w.op != Operation::kWrite || w.key != op.key || w.outcome != OpOutcome::kOk) continue;
      if (w.complete < op.invoke && w.invoke > ack) {
        ++newer;
        earliest = std::min(earliest, w.complete);
      }
    }
    if (newer > 0) {
      ++f.stale_reads;
      ++by_client[op.client].stale_reads;
      stale_versions.push_back(newer);
      stale_ns.push_back(static_cast<std::uint64_t>(op.invoke) - static_cast<std::uint64_t>(earliest));
    }
  }
  for (const auto& [key, fin] : last_final) {
    ++f.keys_checked_for_loss;
    Time ack = 0;
    if (!reference_ack(h, key, fin->value, ack)) ack = kTimeMax;
    for (const HistoryOp& w : h)
      if (w.op == Operation::kWrite && w.key == key && w.outcome == OpOutcome::kOk && ack < w.invoke) ++f.lost_writes;
  }
  f.staleness_ms = reference_spread(stale_ns, 1e6);
  f.staleness_versions = reference_spread(stale_versions, 1.0);
  for (const auto& [client, r] : by_client) f.by_client.push_back(r);
  return f;
}

// A small random history: few keys, small times (many ties), some values
// written twice or never, some writes ending before they start, all
// outcomes, final reads, requests; with `wild`, times anywhere in int64.
std::vector<HistoryOp> random_history(Rng& rng, bool wild) {
  std::vector<HistoryOp> h(rng.below(40));
  std::vector<std::uint64_t> written;
  std::uint64_t next_value = 1;
  const std::uint64_t keys = 1 + rng.below(3);
  for (HistoryOp& op : h) {
    op.client = static_cast<std::uint32_t>(rng.below(4));
    const std::uint64_t what = rng.below(20);
    op.op = what < 8 ? Operation::kWrite : (what < 19 ? Operation::kRead : Operation::kRequest);
    op.key = rng.below(keys) * (wild ? 0x3fff'ffff'ffff'ffffULL : 1);
    if (wild) {
      op.invoke = static_cast<Time>(rng.next_u64());
      op.complete = rng.bernoulli(0.5) ? static_cast<Time>(rng.next_u64()) : (rng.bernoulli(0.5) ? kTimeMax : op.invoke);
    } else {
      op.invoke = static_cast<Time>(rng.below(60));
      op.complete = rng.bernoulli(0.05) ? op.invoke - static_cast<Time>(rng.below(10))
                                        : op.invoke + static_cast<Time>(rng.below(25));
    }
    const std::uint64_t outcome = rng.below(10);
    op.outcome = outcome < 7 ? OpOutcome::kOk : (outcome < 9 ? OpOutcome::kFail : OpOutcome::kUnknown);
    if (op.op == Operation::kWrite) {
      const std::uint64_t pick = rng.below(20);
      op.value = (pick == 0 || written.empty()) ? (pick == 0 ? 0 : next_value++)
                                                : (pick < 3 ? written[rng.below(written.size())] : next_value++);
      written.push_back(op.value);
    } else {
      const std::uint64_t pick = rng.below(10);
      op.value = pick == 0 || written.empty() ? (pick == 0 ? 1000 : 0) : written[rng.below(written.size())];
      op.final_read = rng.bernoulli(0.15);
    }
  }
  return h;
}

TEST(Consistency, MatchesQuadraticReference) {
  Rng rng = Rng::stream(2024, "consistency-test");
  std::uint64_t stale = 0, lost = 0;
  for (int i = 0; i < 30'000; ++i) {
    const std::vector<HistoryOp> h = random_history(rng, i % 10 == 9);
    const StaleLostFigures want = reference(h);
    const StaleLostFigures got = check(h);
    ASSERT_EQ(got, want) << "history " << i << " of " << h.size() << " operations";
    stale += got.stale_reads;
    lost += got.lost_writes;
  }
  // The random histories do exercise both rules.
  EXPECT_GT(stale, 1000u);
  EXPECT_GT(lost, 1000u);
}

}  // namespace
}  // namespace dsim
