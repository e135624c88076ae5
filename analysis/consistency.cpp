#include "dsim/analysis/consistency.h"

#include <algorithm>
#include <vector>

namespace dsim {
namespace {

// +infinity as an acknowledgement time. An ok write completed at kTimeMax
// behaves exactly like it under every rule (nothing is after it), so the
// sentinel needs no flag.
constexpr Time kNever = kTimeMax;

// Counts of inserted positions, by prefix. Positions 0 .. size-1.
class Fenwick {
 public:
  void reset(std::size_t size) { tree_.assign(size + 1, 0); }
  void add(std::size_t pos) {
    for (std::size_t i = pos + 1; i < tree_.size(); i += i & (~i + 1)) ++tree_[i];
  }
  // How many inserted positions are < end.
  std::uint64_t prefix(std::size_t end) const {
    std::uint64_t sum = 0;
    for (std::size_t i = end; i > 0; i -= i & (~i + 1)) sum += tree_[i];
    return sum;
  }

 private:
  std::vector<std::uint64_t> tree_;
};

// The nearest-rank p50, p99 and maximum of `samples` (sorted here), divided
// by `scale`: the ceil(p n)-th smallest, the rank computed in integers.
Spread spread_of(std::vector<std::uint64_t>& samples, double scale) {
  Spread s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const auto at_rank = [&](std::size_t rank) { return static_cast<double>(samples[rank - 1]) / scale; };
  s.p50 = at_rank((n + 1) / 2);
  s.p99 = at_rank((99 * n + 99) / 100);
  s.max = at_rank(n);
  return s;
}

// One value of a key and its acknowledgement time (the latest of the writes
// that wrote it).
struct ValueAck {
  std::uint64_t value;
  Time ack;
};

// A write of a key acknowledged ok.
struct OkWrite {
  Time invoke;
  Time complete;
};

// A read to judge: the acknowledgement time of its value, and its invocation.
struct StaleQuery {
  Time value_ack;
  Time invoke;
  std::uint32_t client;
};

// Work space reused from key to key: it grows to the busiest key's size, and
// no key after that allocates.
struct KeyScratch {
  std::vector<ValueAck> values;
  std::vector<OkWrite> writes;         // by complete (its index: the write's rank)
  std::vector<Time> completes;         // writes' completes, ascending
  std::vector<std::size_t> by_invoke;  // ranks, by invoke descending
  std::vector<Time> invokes;           // writes' invokes, ascending
  std::vector<StaleQuery> queries;
  Fenwick fenwick;
};

// Sets `ack` to the acknowledgement time of `value` in the key's table
// (sorted by value); false, `ack` untouched, when no write of the key (nor
// the initial value) wrote it.
bool lookup_ack(const std::vector<ValueAck>& values, std::uint64_t value, Time& ack) {
  const auto it = std::lower_bound(values.begin(), values.end(), value,
                                   [](const ValueAck& a, std::uint64_t v) { return a.value < v; });
  if (it == values.end() || it->value != value) return false;
  ack = it->ack;
  return true;
}

// What the checker keeps of an operation that takes part.
enum class Role : std::uint8_t { kRead, kFinalRead, kOkWrite, kUnknownWrite };
struct Record {
  std::uint64_t key;
  std::uint64_t value;
  Time invoke;
  Time complete;
  Role role;
  std::uint32_t client;
};

// Sorts records by key, stably (history order within a key), by LSD radix
// sort on bytes of the key: O(n) per byte in which keys differ, bytes in
// which all keys agree skipped. `spare` is work space.
void sort_by_key(std::vector<Record>& records, std::vector<Record>& spare) {
  if (records.size() < 2) return;
  std::uint64_t differ = 0;
  for (const Record& r : records) differ |= r.key ^ records.front().key;
  spare.resize(records.size());
  for (int shift = 0; shift < 64; shift += 8) {
    if (((differ >> shift) & 0xff) == 0) continue;
    std::size_t start[257] = {};
    for (const Record& r : records) ++start[((r.key >> shift) & 0xff) + 1];
    for (int b = 0; b < 256; ++b) start[b + 1] += start[b];
    for (const Record& r : records) spare[start[(r.key >> shift) & 0xff]++] = r;
    records.swap(spare);
  }
}

}  // namespace

StaleLostFigures check_stale_and_lost(std::span<const HistoryOp> history) {
  StaleLostFigures out;

  // The operations that take part, grouped by key in history order: ok reads,
  // and ok or unknown writes.
  std::vector<Record> records;
  records.reserve(history.size());
  for (const HistoryOp& h : history) {
    Role role = Role::kRead;
    if (h.op == Operation::kRead) {
      if (h.outcome != OpOutcome::kOk) continue;
      if (h.final_read) {
        role = Role::kFinalRead;
      } else {
        ++out.reads;
        if (h.client >= out.by_client.size()) out.by_client.resize(std::size_t{h.client} + 1);
        ++out.by_client[h.client].reads;
      }
    } else if (h.op == Operation::kWrite) {
      if (h.outcome == OpOutcome::kFail) continue;
      role = h.outcome == OpOutcome::kOk ? Role::kOkWrite : Role::kUnknownWrite;
      if (role == Role::kOkWrite) ++out.writes_acknowledged;
    } else {
      continue;
    }
    records.push_back({h.key, h.value, h.invoke, h.complete, role, h.client});
  }
  {
    std::vector<Record> spare;
    sort_by_key(records, spare);
  }

  KeyScratch w;
  std::vector<std::uint64_t> staleness_ns;
  std::vector<std::uint64_t> staleness_versions;

  for (std::size_t begin = 0; begin < records.size();) {
    const std::uint64_t key = records[begin].key;
    std::size_t end = begin;
    while (end < records.size() && records[end].key == key) ++end;

    // The key's values and their acknowledgement times; its ok writes.
    w.values.clear();
    w.writes.clear();
    w.values.push_back({0, 0});  // the initial write
    for (std::size_t j = begin; j < end; ++j) {
      const Record& r = records[j];
      if (r.role == Role::kOkWrite) {
        w.values.push_back({r.value, r.complete});
        w.writes.push_back({r.invoke, r.complete});
      } else if (r.role == Role::kUnknownWrite) {
        w.values.push_back({r.value, kNever});
      }
    }
    std::sort(w.values.begin(), w.values.end(), [](const ValueAck& a, const ValueAck& b) {
      return a.value < b.value || (a.value == b.value && a.ack > b.ack);
    });
    // Keep the first (latest-acknowledged) entry of each value.
    w.values.erase(std::unique(w.values.begin(), w.values.end(),
                               [](const ValueAck& a, const ValueAck& b) { return a.value == b.value; }),
                   w.values.end());

    // The reads: which are unexplained, which to judge, the last final one.
    w.queries.clear();
    bool has_final = false;
    std::uint64_t final_value = 0;
    for (std::size_t j = begin; j < end; ++j) {
      const Record& r = records[j];
      if (r.role != Role::kRead && r.role != Role::kFinalRead) continue;
      Time ack = kNever;
      const bool explained = lookup_ack(w.values, r.value, ack);
      if (!explained) ++out.unexplained_reads;
      if (r.role == Role::kFinalRead) {
        // The sort kept history order within a key: the last one wins.
        has_final = true;
        final_value = r.value;
      } else if (explained && ack != kNever) {
        w.queries.push_back({ack, r.invoke, r.client});
      }
    }

    // Ranks of the ok writes by completion, and their order by invocation.
    std::sort(w.writes.begin(), w.writes.end(), [](const OkWrite& a, const OkWrite& b) {
      return a.complete < b.complete || (a.complete == b.complete && a.invoke > b.invoke);
    });
    w.completes.clear();
    w.invokes.clear();
    w.by_invoke.clear();
    for (std::size_t r = 0; r < w.writes.size(); ++r) {
      w.completes.push_back(w.writes[r].complete);
      w.invokes.push_back(w.writes[r].invoke);
      w.by_invoke.push_back(r);
    }
    std::sort(w.invokes.begin(), w.invokes.end());

    // Stale reads, offline: queries by value_ack descending, writes by invoke
    // descending. When a query is answered, exactly the writes invoked after
    // its value_ack are in the tree; those completed before the read's
    // invocation are a prefix of the completion ranks, and the earliest
    // completion among all inserted writes is theirs if any exists.
    if (!w.queries.empty() && !w.writes.empty()) {
      std::sort(w.by_invoke.begin(), w.by_invoke.end(), [&](std::size_t a, std::size_t b) {
        return w.writes[a].invoke > w.writes[b].invoke || (w.writes[a].invoke == w.writes[b].invoke && a < b);
      });
      std::sort(w.queries.begin(), w.queries.end(), [](const StaleQuery& a, const StaleQuery& b) {
        return a.value_ack > b.value_ack || (a.value_ack == b.value_ack && a.invoke < b.invoke);
      });
      w.fenwick.reset(w.writes.size());
      std::size_t next = 0;
      Time earliest = kNever;
      for (const StaleQuery& q : w.queries) {
        while (next < w.by_invoke.size() && w.writes[w.by_invoke[next]].invoke > q.value_ack) {
          const std::size_t rank = w.by_invoke[next++];
          w.fenwick.add(rank);
          earliest = std::min(earliest, w.writes[rank].complete);
        }
        const auto before = static_cast<std::size_t>(
            std::lower_bound(w.completes.begin(), w.completes.end(), q.invoke) - w.completes.begin());
        const std::uint64_t newer = w.fenwick.prefix(before);
        if (newer == 0) continue;
        ++out.stale_reads;
        ++out.by_client[q.client].stale_reads;
        staleness_versions.push_back(newer);
        // earliest < q.invoke; the difference fits in 64 unsigned bits.
        staleness_ns.push_back(static_cast<std::uint64_t>(q.invoke) - static_cast<std::uint64_t>(earliest));
      }
    }

    // Lost writes: ok writes invoked after the converged value was acknowledged.
    if (has_final) {
      ++out.keys_checked_for_loss;
      Time converged_ack = kNever;
      lookup_ack(w.values, final_value, converged_ack);  // unexplained: stays +infinity
      if (converged_ack != kNever) {
        out.lost_writes += static_cast<std::uint64_t>(
            w.invokes.end() - std::upper_bound(w.invokes.begin(), w.invokes.end(), converged_ack));
      }
    }
    begin = end;
  }

  for (std::size_t i = 0; i < out.by_client.size(); ++i) out.by_client[i].client = static_cast<std::uint32_t>(i);
  std::erase_if(out.by_client, [](const StaleLostFigures::ClientReads& c) { return c.reads == 0; });
  out.staleness_ms = spread_of(staleness_ns, 1e6);
  out.staleness_versions = spread_of(staleness_versions, 1.0);
  return out;
}

}  // namespace dsim
