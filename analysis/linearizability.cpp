#include "dsim/analysis/linearizability.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <map>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace dsim {
namespace {

constexpr std::uint32_t kNone = 0xffffffffu;
// How many events past the first return the search looks at for reads that
// can no longer be satisfied.
constexpr std::uint32_t kLookahead = 16;

// SplitMix64's finaliser: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool fn_fits(LinModel model, LinFn fn) {
  if (model == LinModel::kRegister) return fn == LinFn::kRead || fn == LinFn::kWrite || fn == LinFn::kCas;
  return fn == LinFn::kGet || fn == LinFn::kPut || fn == LinFn::kAppend;
}

bool is_observation(LinFn fn) { return fn == LinFn::kRead || fn == LinFn::kGet; }

// Of an operation whose key and fn fit: whether it takes part (fail
// operations and unknown reads/gets are dropped).
bool takes_part(const LinOp& op) {
  if (op.outcome == LinOutcome::kFail) return false;
  return !(op.outcome == LinOutcome::kUnknown && is_observation(op.fn));
}

// Register values in a total order: nil first, then by integer.
bool reg_less(const RegValue& a, const RegValue& b) {
  if (a.nil != b.nil) return a.nil;
  return !a.nil && a.v < b.v;
}

// Polynomial hash of strings mod 2^64: H(s + t) = H(s) * B^|t| + H(t).
constexpr std::uint64_t kHashBase = 0x100000001b3ULL;
std::uint64_t text_hash(std::string_view s) {
  std::uint64_t h = 0;
  for (const char c : s) h = h * kHashBase + static_cast<std::uint8_t>(c) + 1;
  return h;
}
std::uint64_t text_pow(std::size_t n) {
  std::uint64_t p = 1;
  for (std::size_t i = 0; i < n; ++i) p *= kHashBase;
  return p;
}

// ---- memory accounting ------------------------------------------------------

// Bytes held by the budget-bounded structures of one search.
class Meter {
 public:
  explicit Meter(std::uint64_t limit) : limit_(limit) {}
  // Replacing a block of `old_bytes` by one of `new_bytes` (both alive while
  // the contents move): false, nothing changed, if that would pass the cap.
  bool replace(std::uint64_t old_bytes, std::uint64_t new_bytes) {
    if (used_ + new_bytes > limit_) return false;
    used_ = used_ - old_bytes + new_bytes;
    return true;
  }

 private:
  std::uint64_t limit_;
  std::uint64_t used_ = 0;
};

// Makes room for `need` elements in `v`, doubling, within the meter.
template <class T>
bool reserve_within(std::vector<T>& v, std::size_t need, Meter& meter) {
  if (need <= v.capacity()) return true;
  const std::size_t old = v.capacity();
  const std::size_t cap = std::max({need, old * 2, std::size_t{64}});
  if (!meter.replace(old * sizeof(T), cap * sizeof(T))) return false;
  v.reserve(cap);
  return true;
}

std::uint64_t memory_limit(std::uint64_t budget) {
  const std::uint64_t bytes =
      budget > (~std::uint64_t{0}) / kLinBytesPerStep ? ~std::uint64_t{0} : budget * kLinBytesPerStep;
  return std::max(bytes, kLinMinMemoryBytes);
}

// ---- one key's problem ------------------------------------------------------

enum class Kind : std::uint8_t { kObserve, kSet, kCas, kAppend };

// The operations of one search, renumbered by the order of their return
// events (their rank), and their events in time order.
struct Problem {
  LinModel model = LinModel::kRegister;
  std::uint32_t m = 0;
  std::uint32_t ok_total = 0;
  std::vector<std::size_t> index;     // rank -> index into LinHistory::ops
  std::vector<Kind> kind;             // rank -> what the op does
  std::vector<std::uint8_t> mandatory;
  std::vector<std::uint8_t> pure;     // changes no state: read, get, cas v -> v, append ""
  std::vector<std::uint32_t> need;    // register: value index a read/cas needs (kNone: never produced)
  std::vector<std::uint32_t> make;    // register: value index set; kv: text index
  std::vector<std::uint32_t> call_pos, ret_pos;  // rank -> event position
  std::vector<std::uint32_t> ev_rank;            // event position -> rank
  std::vector<std::uint8_t> ev_call;             // event position -> call (1) or return (0)
  std::uint32_t initial_state = 0;
  // kv: distinct texts of puts and appends, their hashes and B^length; the
  // get results by rank and their hashes.
  std::vector<std::string_view> texts;
  std::vector<std::uint64_t> texts_hash, texts_pow;
  std::vector<std::string_view> result;
  std::vector<std::uint64_t> result_hash;
  // kv: per get, H(result[0, 32 k)) for k = 0 .. |result| / 32, from
  // ckpt_off[rank]: any prefix's hash in at most 31 more steps.
  std::vector<std::uint64_t> ckpt;
  std::vector<std::uint32_t> ckpt_off;
  std::uint32_t nvalues = 0;  // register: values a state can hold
};

Problem build_problem(const LinHistory& h, std::span<const std::size_t> ops, const RegValue& initial) {
  Problem p;
  p.model = h.model;
  p.m = static_cast<std::uint32_t>(ops.size());
  struct Ev {
    Time t;
    std::uint8_t ret;
    std::size_t idx;
    std::uint32_t local;
  };
  std::vector<Ev> ev;
  ev.reserve(2 * ops.size());
  for (std::uint32_t i = 0; i < p.m; ++i) {
    const LinOp& op = h.ops[ops[i]];
    const Time ret = op.outcome == LinOutcome::kOk ? std::max(op.complete, op.invoke) : kTimeMax;
    ev.push_back({op.invoke, 0, ops[i], i});
    ev.push_back({ret, 1, ops[i], i});
  }
  std::sort(ev.begin(), ev.end(), [](const Ev& a, const Ev& b) {
    if (a.t != b.t) return a.t < b.t;
    if (a.ret != b.ret) return a.ret < b.ret;
    return a.idx < b.idx;
  });
  std::vector<std::uint32_t> rank_of(p.m);
  std::uint32_t next_rank = 0;
  for (const Ev& e : ev)
    if (e.ret) rank_of[e.local] = next_rank++;
  p.index.resize(p.m);
  p.kind.resize(p.m);
  p.mandatory.resize(p.m);
  p.pure.assign(p.m, 0);
  p.need.assign(p.m, kNone);
  p.make.assign(p.m, kNone);
  p.call_pos.resize(p.m);
  p.ret_pos.resize(p.m);
  p.ev_rank.resize(ev.size());
  p.ev_call.resize(ev.size());
  for (std::uint32_t pos = 0; pos < ev.size(); ++pos) {
    const std::uint32_t r = rank_of[ev[pos].local];
    p.ev_rank[pos] = r;
    p.ev_call[pos] = ev[pos].ret ? 0 : 1;
    (ev[pos].ret ? p.ret_pos : p.call_pos)[r] = pos;
  }
  for (std::uint32_t i = 0; i < p.m; ++i) {
    const std::uint32_t r = rank_of[i];
    const LinOp& op = h.ops[ops[i]];
    p.index[r] = ops[i];
    p.mandatory[r] = op.outcome == LinOutcome::kOk ? 1 : 0;
    p.ok_total += p.mandatory[r];
    switch (op.fn) {
      case LinFn::kRead: case LinFn::kGet: p.kind[r] = Kind::kObserve; break;
      case LinFn::kWrite: case LinFn::kPut: p.kind[r] = Kind::kSet; break;
      case LinFn::kCas: p.kind[r] = Kind::kCas; break;
      case LinFn::kAppend: p.kind[r] = Kind::kAppend; break;
    }
  }
  if (p.model == LinModel::kRegister) {
    // Values a state can hold: the initial one and those written.
    std::vector<RegValue> values{initial};
    for (std::uint32_t r = 0; r < p.m; ++r) {
      const LinOp& op = h.ops[p.index[r]];
      if (p.kind[r] == Kind::kSet) values.push_back(op.arg);
      if (p.kind[r] == Kind::kCas) values.push_back(op.arg2);
    }
    std::sort(values.begin(), values.end(), reg_less);
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const auto id = [&](const RegValue& v) -> std::uint32_t {
      const auto it = std::lower_bound(values.begin(), values.end(), v, reg_less);
      return it != values.end() && *it == v ? static_cast<std::uint32_t>(it - values.begin()) : kNone;
    };
    p.initial_state = id(initial);
    p.nvalues = static_cast<std::uint32_t>(values.size());
    for (std::uint32_t r = 0; r < p.m; ++r) {
      const LinOp& op = h.ops[p.index[r]];
      if (p.kind[r] == Kind::kObserve) p.need[r] = id(op.result);
      if (p.kind[r] == Kind::kSet) p.make[r] = id(op.arg);
      if (p.kind[r] == Kind::kCas) {
        p.need[r] = id(op.arg);
        p.make[r] = id(op.arg2);
      }
      p.pure[r] = p.kind[r] == Kind::kObserve || (p.kind[r] == Kind::kCas && op.arg == op.arg2);
    }
  } else {
    for (std::uint32_t r = 0; r < p.m; ++r)
      if (p.kind[r] != Kind::kObserve) p.texts.push_back(h.ops[p.index[r]].text);
    std::sort(p.texts.begin(), p.texts.end());
    p.texts.erase(std::unique(p.texts.begin(), p.texts.end()), p.texts.end());
    for (const std::string_view t : p.texts) {
      p.texts_hash.push_back(text_hash(t));
      p.texts_pow.push_back(text_pow(t.size()));
    }
    p.result.resize(p.m);
    p.result_hash.assign(p.m, 0);
    p.ckpt_off.assign(p.m, 0);
    for (std::uint32_t r = 0; r < p.m; ++r) {
      const LinOp& op = h.ops[p.index[r]];
      if (p.kind[r] == Kind::kObserve) {
        p.result[r] = op.text_result;
        p.result_hash[r] = text_hash(op.text_result);
        p.ckpt_off[r] = static_cast<std::uint32_t>(p.ckpt.size());
        std::uint64_t hh = 0;
        p.ckpt.push_back(hh);
        for (std::size_t i = 0; i < op.text_result.size(); ++i) {
          hh = hh * kHashBase + static_cast<std::uint8_t>(op.text_result[i]) + 1;
          if ((i + 1) % 32 == 0) p.ckpt.push_back(hh);
        }
      } else {
        p.make[r] = static_cast<std::uint32_t>(std::lower_bound(p.texts.begin(), p.texts.end(),
                                                                std::string_view(op.text)) - p.texts.begin());
      }
      p.pure[r] = p.kind[r] == Kind::kObserve || (p.kind[r] == Kind::kAppend && op.text.empty());
    }
    p.initial_state = 0;  // the root node: ""
  }
  return p;
}

struct SearchResult {
  LinVerdict verdict = LinVerdict::kLinearizable;
  std::uint64_t steps = 0;
  std::uint32_t wall = 0;  // the highest rank whose return the search had to back off from
};

// ---- the search ---------------------------------------------------------------

class Search {
 public:
  Search(const Problem& p, std::uint64_t budget)
      : p_(p),
        budget_(budget),
        move_limit_(budget > (~std::uint64_t{0}) / kLinMovesPerStep ? ~std::uint64_t{0} : budget * kLinMovesPerStep),
        meter_(memory_limit(budget)) {}

  SearchResult run();

 private:
  struct Slot {
    std::uint64_t hash;
    std::uint32_t ref;  // arena offset + 1; 0: empty
    std::uint32_t pad;
  };
  struct KvNode {
    std::uint32_t parent;
    std::uint32_t text;
    std::uint64_t len;
    std::uint64_t hash;
  };
  struct Frame {
    std::uint32_t rank;
    std::uint32_t state;  // before it
    bool forced;          // pure: taken without trying alternatives
  };
  enum class Step : std::uint8_t { kRefused, kOk, kNoMemory };

  // The model.
  Step step(std::uint32_t state, std::uint32_t r, std::uint32_t& next);
  bool kv_equal(std::uint32_t node, std::uint32_t r);
  // Whether the mandatory operation r, not linearized, can never be
  // linearized after the current point: a read (or cas) of a value the state
  // does not hold and that no operation left can write; a get whose result
  // does not extend the current string when no put is left.
  bool hopeless(std::uint32_t state, std::uint32_t r) const;
  void taken(std::uint32_t r) {
    if (p_.kind[r] == Kind::kSet || p_.kind[r] == Kind::kCas) {
      if (p_.model == LinModel::kRegister) --producers_left_[p_.make[r]];
      else --puts_left_;
    }
  }
  void untaken(std::uint32_t r) {
    if (p_.kind[r] == Kind::kSet || p_.kind[r] == Kind::kCas) {
      if (p_.model == LinModel::kRegister) ++producers_left_[p_.make[r]];
      else ++puts_left_;
    }
  }
  std::uint32_t kv_intern(std::uint32_t parent, std::uint32_t text);  // kNone: out of memory

  // The linearized set.
  bool test(std::uint32_t r) const { return (words_[r >> 6] >> (r & 63)) & 1; }
  void set(std::uint32_t r) {
    words_[r >> 6] |= std::uint64_t{1} << (r & 63);
    summary_[r >> 12] |= std::uint64_t{1} << ((r >> 6) & 63);
  }
  void clear(std::uint32_t r) {
    words_[r >> 6] &= ~(std::uint64_t{1} << (r & 63));
    if (words_[r >> 6] == 0) summary_[r >> 12] &= ~(std::uint64_t{1} << ((r >> 6) & 63));
  }
  std::uint32_t first_unset(std::uint32_t from) const;
  std::uint64_t key_hash(std::uint32_t state) const { return mix64(set_hash_ ^ mix64(state ^ 0x5bd1e995ULL)); }

  // The cache of seen (set, state) pairs; the set is the live one.
  bool cache_contains(std::uint64_t hash, std::uint32_t state) const;
  bool cache_insert(std::uint64_t hash, std::uint32_t state);  // false: out of memory

  // The list of events.
  void lift(std::uint32_t r) {
    for (const std::uint32_t e : {p_.call_pos[r], p_.ret_pos[r]}) {
      next_[prev_[e]] = next_[e];
      prev_[next_[e]] = prev_[e];
    }
  }
  void unlift(std::uint32_t r) {
    for (const std::uint32_t e : {p_.ret_pos[r], p_.call_pos[r]}) {
      next_[prev_[e]] = e;
      prev_[next_[e]] = e;
    }
  }

  const Problem& p_;
  std::uint64_t budget_;
  std::uint64_t move_limit_;  // list moves at most (kLinMovesPerStep per step of budget)
  std::uint64_t moves_ = 0;
  Meter meter_;
  std::vector<std::uint32_t> next_, prev_;
  std::vector<std::uint64_t> words_, summary_, zobrist_;
  std::uint64_t set_hash_ = 0;
  std::uint32_t lin_count_ = 0;  // linearized operations
  std::uint32_t low_ = 0;        // the lowest rank not linearized
  std::vector<std::uint32_t> arena_;  // entries: state, low, n, n ranks above low
  std::vector<Slot> slots_;
  std::size_t cache_count_ = 0;
  std::vector<KvNode> nodes_;
  std::vector<Slot> intern_;  // hash = parent << 32 | text; ref = node + 1
  std::size_t intern_count_ = 0;
  std::vector<std::uint32_t> verified_;  // kv: rank of a get -> a node it was found equal to
  // Operations not linearized that can set the state: register, per value;
  // kv, the puts.
  std::vector<std::uint32_t> producers_left_;
  std::uint32_t puts_left_ = 0;
};

std::uint32_t Search::first_unset(std::uint32_t from) const {
  std::uint32_t r = from;
  while (r < p_.m) {
    const std::uint64_t w = ~words_[r >> 6] >> (r & 63);
    if (w != 0) return std::min<std::uint32_t>(p_.m, r + static_cast<std::uint32_t>(__builtin_ctzll(w)));
    r = (r | 63) + 1;
  }
  return p_.m;
}

bool Search::kv_equal(std::uint32_t node, std::uint32_t r) {
  const std::string_view want = p_.result[r];
  if (nodes_[node].len != want.size() || nodes_[node].hash != p_.result_hash[r]) return false;
  if (verified_[r] == node) return true;
  std::size_t end = want.size();
  for (std::uint32_t n = node; n != 0; n = nodes_[n].parent) {
    const std::string_view t = p_.texts[nodes_[n].text];
    end -= t.size();
    if (want.compare(end, t.size(), t) != 0) return false;
  }
  verified_[r] = node;
  return true;
}

std::uint32_t Search::kv_intern(std::uint32_t parent, std::uint32_t text) {
  const std::uint64_t key = (std::uint64_t{parent} << 32) | text;
  std::size_t mask = intern_.size() - 1;
  for (std::size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
    if (intern_[i].ref == 0) break;
    if (intern_[i].hash == key) return intern_[i].ref - 1;
  }
  if ((intern_count_ + 1) * 2 > intern_.size()) {
    const std::size_t size = intern_.size() * 2;
    if (!meter_.replace(intern_.size() * sizeof(Slot), size * sizeof(Slot))) return kNone;
    std::vector<Slot> bigger(size, Slot{0, 0, 0});
    for (const Slot& s : intern_) {
      if (s.ref == 0) continue;
      std::size_t j = mix64(s.hash) & (size - 1);
      while (bigger[j].ref != 0) j = (j + 1) & (size - 1);
      bigger[j] = s;
    }
    intern_.swap(bigger);
  }
  if (!reserve_within(nodes_, nodes_.size() + 1, meter_)) return kNone;
  const KvNode& up = nodes_[parent];
  const std::uint32_t id = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back({parent, text, up.len + p_.texts[text].size(), up.hash * p_.texts_pow[text] + p_.texts_hash[text]});
  mask = intern_.size() - 1;
  std::size_t i = mix64(key) & mask;
  while (intern_[i].ref != 0) i = (i + 1) & mask;
  intern_[i] = {key, id + 1, 0};
  ++intern_count_;
  return id;
}

bool Search::hopeless(std::uint32_t state, std::uint32_t r) const {
  if (p_.model == LinModel::kRegister) {
    const std::uint32_t v = p_.need[r];
    return v == kNone || (state != v && producers_left_[v] == 0);
  }
  if (puts_left_ != 0) return false;
  const KvNode& n = nodes_[state];
  const std::string_view want = p_.result[r];
  if (n.len > want.size()) return true;
  const std::size_t len = static_cast<std::size_t>(n.len);
  std::uint64_t h = p_.ckpt[p_.ckpt_off[r] + len / 32];
  for (std::size_t i = len / 32 * 32; i < len; ++i) h = h * kHashBase + static_cast<std::uint8_t>(want[i]) + 1;
  return h != n.hash;  // equal hashes: perhaps a prefix, so not hopeless
}

Search::Step Search::step(std::uint32_t state, std::uint32_t r, std::uint32_t& next) {
  const Kind k = p_.kind[r];
  if (p_.model == LinModel::kRegister) {
    if (k == Kind::kObserve) {
      next = state;
      return p_.need[r] == state ? Step::kOk : Step::kRefused;
    }
    if (k == Kind::kCas && p_.need[r] != state) return Step::kRefused;
    next = p_.make[r];
    return Step::kOk;
  }
  if (k == Kind::kObserve) {
    next = state;
    return kv_equal(state, r) ? Step::kOk : Step::kRefused;
  }
  const std::uint32_t text = p_.make[r];
  if (p_.texts[text].empty()) {
    next = k == Kind::kSet ? 0 : state;
    return Step::kOk;
  }
  next = kv_intern(k == Kind::kSet ? 0 : state, text);
  return next == kNone ? Step::kNoMemory : Step::kOk;
}

bool Search::cache_contains(std::uint64_t hash, std::uint32_t state) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t above = lin_count_ - low_;
  for (std::size_t i = hash & mask; slots_[i].ref != 0; i = (i + 1) & mask) {
    if (slots_[i].hash != hash) continue;
    const std::uint32_t* e = arena_.data() + (slots_[i].ref - 1);
    if (e[0] != state || e[1] != low_ || e[2] != above) continue;
    bool same = true;
    for (std::uint32_t j = 0; j < above && same; ++j) same = test(e[3 + j]);
    if (same) return true;
  }
  return false;
}

bool Search::cache_insert(std::uint64_t hash, std::uint32_t state) {
  if ((cache_count_ + 1) * 2 > slots_.size()) {
    const std::size_t size = slots_.size() * 2;
    if (!meter_.replace(slots_.size() * sizeof(Slot), size * sizeof(Slot))) return false;
    std::vector<Slot> bigger(size, Slot{0, 0, 0});
    for (const Slot& s : slots_) {
      if (s.ref == 0) continue;
      std::size_t j = s.hash & (size - 1);
      while (bigger[j].ref != 0) j = (j + 1) & (size - 1);
      bigger[j] = s;
    }
    slots_.swap(bigger);
  }
  const std::uint32_t above = lin_count_ - low_;
  if (arena_.size() + 3 + above >= kNone) return false;  // offsets are 32-bit
  if (!reserve_within(arena_, arena_.size() + 3 + above, meter_)) return false;
  const std::uint32_t off = static_cast<std::uint32_t>(arena_.size());
  arena_.push_back(state);
  arena_.push_back(low_);
  arena_.push_back(above);
  // The linearized ranks above low_, ascending, through the summary words.
  if (above > 0) {
    const std::size_t nwords = words_.size();
    const auto emit = [&](std::uint64_t bits, std::size_t w) {
      while (bits) {
        arena_.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits))));
        bits &= bits - 1;
      }
    };
    const std::size_t w0 = low_ >> 6;
    emit(words_[w0] & (~std::uint64_t{0} << (low_ & 63)), w0);
    if (w0 + 1 < nwords) {
      std::size_t s = (w0 + 1) >> 6;
      std::uint64_t sbits = summary_[s] & (~std::uint64_t{0} << ((w0 + 1) & 63));
      for (;;) {
        while (sbits) {
          const std::size_t w = s * 64 + static_cast<std::size_t>(__builtin_ctzll(sbits));
          sbits &= sbits - 1;
          emit(words_[w], w);
        }
        if (++s >= summary_.size()) break;
        sbits = summary_[s];
      }
    }
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash & mask;
  while (slots_[i].ref != 0) i = (i + 1) & mask;
  slots_[i] = {hash, off + 1, 0};
  ++cache_count_;
  return true;
}

SearchResult Search::run() {
  SearchResult out;
  const std::uint32_t m = p_.m;
  if (p_.ok_total == 0) return out;
  // Fixed structures: O(m).
  const std::uint32_t head = 2 * m, tail = 2 * m + 1;
  next_.resize(2 * m + 2);
  prev_.resize(2 * m + 2);
  for (std::uint32_t e = 0; e < 2 * m; ++e) {
    next_[e] = e + 1 == 2 * m ? tail : e + 1;
    prev_[e] = e == 0 ? head : e - 1;
  }
  next_[head] = 0;
  prev_[tail] = 2 * m - 1;
  words_.assign((m + 63) / 64, 0);
  summary_.assign((words_.size() + 63) / 64, 0);
  zobrist_.resize(m);
  for (std::uint32_t r = 0; r < m; ++r) zobrist_[r] = mix64(0x243f6a8885a308d3ULL + r);
  std::vector<Frame> stack;
  stack.reserve(m);
  // Budget-bounded structures.
  const auto fail_memory = [&]() {
    out.verdict = LinVerdict::kUnknown;
    return out;
  };
  if (!meter_.replace(0, 64 * sizeof(Slot))) return fail_memory();
  slots_.assign(64, Slot{0, 0, 0});
  if (p_.model == LinModel::kKv) {
    if (!meter_.replace(0, 64 * sizeof(Slot)) || !reserve_within(nodes_, 64, meter_)) return fail_memory();
    intern_.assign(64, Slot{0, 0, 0});
    nodes_.push_back({kNone, kNone, 0, 0});
    verified_.assign(m, kNone);
  }
  if (p_.model == LinModel::kRegister) producers_left_.assign(p_.nvalues, 0);
  for (std::uint32_t r = 0; r < m; ++r) untaken(r);

  std::uint32_t state = p_.initial_state;
  std::uint32_t ok_done = 0;
  // Offers operation r at the current point: refused, or linearized but the
  // pair already seen (undone), or linearized and pushed.
  enum class Offer : std::uint8_t { kRefused, kSeen, kPushed, kStop };
  const auto offer = [&](std::uint32_t r) -> Offer {
    if (out.steps >= budget_) {
      out.verdict = LinVerdict::kUnknown;
      return Offer::kStop;
    }
    ++out.steps;
    std::uint32_t next_state = 0;
    const Step s = step(state, r, next_state);
    if (s == Step::kNoMemory) {
      out.verdict = LinVerdict::kUnknown;
      return Offer::kStop;
    }
    if (s == Step::kRefused) return Offer::kRefused;
    // Tentatively linearized: is (set + r, next_state) new?
    const std::uint32_t low_before = low_;
    set(r);
    ++lin_count_;
    set_hash_ ^= zobrist_[r];
    if (r == low_) low_ = first_unset(low_);
    const std::uint64_t hash = key_hash(next_state);
    if (cache_contains(hash, next_state)) {
      clear(r);
      --lin_count_;
      set_hash_ ^= zobrist_[r];
      low_ = low_before;
      return Offer::kSeen;
    }
    if (!cache_insert(hash, next_state)) {
      out.verdict = LinVerdict::kUnknown;
      return Offer::kStop;
    }
    stack.push_back({r, state, p_.pure[r] != 0});
    state = next_state;
    lift(r);
    taken(r);
    if (p_.mandatory[r]) ++ok_done;
    return Offer::kPushed;
  };

  // Partial-order reduction: a pure operation (one that changes no state
  // whatever the state: read, get, cas v -> v, append "") that the model
  // accepts at the current point may be moved to the front of any
  // continuation from here: the state it sees there is the same, the states
  // after it are unchanged, what must precede it is linearized already and
  // what must follow it still does. So it is taken without trying the
  // alternatives, and if the search fails after it (or its pair was seen
  // before, and so failed), the point fails. (A write of the current value
  // is not pure: later it would change the state.) Reads and gets are
  // offered first, in a pass of their own, at every point reached; the
  // normal walk skips them.
  //
  // Dead points: in the same pass, a mandatory read, get or cas among the
  // candidates or the kLookahead events after them that can never be
  // linearized from here (hopeless()) ends the point at once.
  bool fresh = true;  // at a point whose reads have not been offered yet
  std::uint32_t entry = next_[head];
  for (;;) {
    bool dead = false;
    if (fresh) {
      fresh = false;
      bool pushed = false;
      bool candidate = true;  // before the first return
      std::uint32_t beyond = 0;
      for (std::uint32_t e = next_[head]; e != tail; e = next_[e]) {
        if (++moves_ > move_limit_) {  // list moves bound the time as steps bound the states
          out.verdict = LinVerdict::kUnknown;
          return out;
        }
        if (!p_.ev_call[e]) candidate = false;
        if (!candidate && ++beyond > kLookahead) break;
        if (!p_.ev_call[e]) continue;
        const std::uint32_t r = p_.ev_rank[e];
        const bool observe = p_.kind[r] == Kind::kObserve;
        if (!observe && !(p_.kind[r] == Kind::kCas && p_.mandatory[r])) continue;
        if (candidate && observe) {
          const Offer o = offer(r);
          if (o == Offer::kStop) return out;
          if (o != Offer::kRefused) {
            pushed = o == Offer::kPushed;
            dead = o == Offer::kSeen;
            break;
          }
        }
        if (hopeless(state, r)) {
          out.wall = std::max(out.wall, r);
          dead = true;
          break;
        }
      }
      if (pushed) {
        if (ok_done == p_.ok_total) return out;
        fresh = true;
        continue;
      }
      entry = next_[head];
    }
    if (!dead) {
      if (entry == tail) return out;  // every event lifted (not reached: the ok ones end it first)
      if (p_.ev_call[entry]) {
        const std::uint32_t r = p_.ev_rank[entry];
        if (p_.kind[r] == Kind::kObserve) {  // refused at this point in the first pass
          if (++moves_ > move_limit_) {
            out.verdict = LinVerdict::kUnknown;
            return out;
          }
          entry = next_[entry];
          continue;
        }
        const Offer o = offer(r);
        if (o == Offer::kStop) return out;
        if (o == Offer::kPushed) {
          if (ok_done == p_.ok_total) return out;
          fresh = true;
          continue;
        }
        if (o == Offer::kSeen && p_.pure[r]) {
          dead = true;
        } else {
          entry = next_[entry];
          continue;
        }
      }
    }
    // A return (everything before it has been tried) or a dead point: undo
    // the last operation taken by choice, and the forced ones above it.
    out.wall = std::max(out.wall, low_);
    for (;;) {
      if (stack.empty()) {
        out.verdict = LinVerdict::kNotLinearizable;
        return out;
      }
      const Frame f = stack.back();
      stack.pop_back();
      state = f.state;
      clear(f.rank);
      --lin_count_;
      set_hash_ ^= zobrist_[f.rank];
      low_ = std::min(low_, f.rank);
      if (p_.mandatory[f.rank]) --ok_done;
      unlift(f.rank);
      untaken(f.rank);
      entry = next_[p_.call_pos[f.rank]];
      if (!f.forced) break;
    }
  }
}

SearchResult search(const LinHistory& h, std::span<const std::size_t> ops, const RegValue& initial,
                    std::uint64_t budget, Problem* keep = nullptr) {
  Problem p = build_problem(h, ops, initial);
  SearchResult r = Search(p, budget).run();
  if (keep != nullptr) *keep = std::move(p);
  return r;
}

// ---- explanations: which reads some remaining operation could explain ------------

constexpr std::uint64_t kExplainBudget = 100'000;  // DFS moves per get

enum class Explained : std::uint8_t { kYes, kNo, kGaveUp };

// Whether `s` is a put's text (or "") followed by appends' texts, each
// append used at most as often as it occurs. Iterative DFS.
Explained kv_explained(std::string_view s, const std::map<std::string_view, int>& puts,
                       std::map<std::string_view, int>& appends, const std::vector<std::size_t>& put_lengths,
                       const std::vector<std::size_t>& append_lengths, std::uint64_t& moves) {
  if (s.empty()) return Explained::kYes;
  std::vector<std::size_t> starts{0};
  for (const std::size_t len : put_lengths)
    if (len > 0 && len <= s.size() && puts.count(s.substr(0, len))) starts.push_back(len);
  struct Frame {
    std::size_t pos;
    std::size_t li;
    std::map<std::string_view, int>::iterator taken;  // appends.end(): none
  };
  std::vector<Frame> stack;
  const auto unwind = [&]() {
    for (const Frame& f : stack)
      if (f.taken != appends.end()) ++f.taken->second;
    stack.clear();
  };
  std::uint64_t local = 0;
  for (const std::size_t start : starts) {
    stack.push_back({start, 0, appends.end()});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.pos == s.size()) {
        unwind();
        moves += local;
        return Explained::kYes;
      }
      if (f.li >= append_lengths.size() || f.pos + append_lengths[f.li] > s.size()) {
        if (f.taken != appends.end()) ++f.taken->second;
        stack.pop_back();
        continue;
      }
      const std::size_t len = append_lengths[f.li++];
      const auto it = appends.find(s.substr(f.pos, len));
      if (it == appends.end() || it->second == 0) continue;
      if (++local > kExplainBudget) {
        unwind();
        moves += local;
        return Explained::kGaveUp;
      }
      --it->second;
      const std::size_t pos = f.pos + len;
      stack.push_back({pos, 0, it});
    }
  }
  moves += local;
  return Explained::kNo;
}

// For each operation of `ops` (a subset of one key's): whether it is a read,
// get or cas whose value nothing else in `ops` (nor the initial value) could
// have produced, after removing those, repeatedly (a removed cas produces
// nothing). `moves` counts the kv search's moves.
std::vector<Explained> explain(const LinHistory& h, std::span<const std::size_t> ops, const RegValue& initial,
                               std::uint64_t& moves) {
  std::vector<Explained> out(ops.size(), Explained::kYes);
  moves += ops.size();
  if (h.model == LinModel::kRegister) {
    // Values by index; producers (writes, cas) per value; consumers (reads,
    // cas) per value. A consumer is explained while its value is the
    // initial one or some other live operation produces it; removing a cas
    // takes a producer away, and its value's consumers are looked at again
    // when the count falls to 1 or 0 (each at most twice).
    std::vector<RegValue> values;
    for (const std::size_t i : ops) {
      const LinOp& op = h.ops[i];
      if (op.fn == LinFn::kWrite || op.fn == LinFn::kCas) values.push_back(op.fn == LinFn::kWrite ? op.arg : op.arg2);
    }
    std::sort(values.begin(), values.end(), reg_less);
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const auto id = [&](const RegValue& v) -> std::uint32_t {
      const auto it = std::lower_bound(values.begin(), values.end(), v, reg_less);
      return it != values.end() && *it == v ? static_cast<std::uint32_t>(it - values.begin()) : kNone;
    };
    std::vector<std::int64_t> producers(values.size(), 0);
    std::vector<std::vector<std::uint32_t>> consumers(values.size());
    std::vector<std::uint32_t> need(ops.size(), kNone), make(ops.size(), kNone);
    std::vector<std::uint8_t> consumer(ops.size(), 0);
    for (std::uint32_t j = 0; j < ops.size(); ++j) {
      const LinOp& op = h.ops[ops[j]];
      if (op.fn == LinFn::kWrite) make[j] = id(op.arg);
      if (op.fn == LinFn::kCas) make[j] = id(op.arg2);
      if (make[j] != kNone) ++producers[make[j]];
      if (op.fn == LinFn::kRead || op.fn == LinFn::kCas) {
        const RegValue& want = op.fn == LinFn::kRead ? op.result : op.arg;
        if (want == initial) continue;  // always explained
        consumer[j] = 1;
        need[j] = id(want);
        if (need[j] != kNone) consumers[need[j]].push_back(j);
      }
    }
    const auto explained = [&](std::uint32_t j) {
      if (need[j] == kNone) return false;
      return producers[need[j]] - (make[j] == need[j] ? 1 : 0) > 0;
    };
    std::vector<std::uint32_t> work;  // consumers to look at
    for (std::uint32_t j = 0; j < ops.size(); ++j)
      if (consumer[j]) work.push_back(j);
    while (!work.empty()) {
      const std::uint32_t j = work.back();
      work.pop_back();
      if (out[j] != Explained::kYes || explained(j)) continue;
      out[j] = Explained::kNo;
      if (make[j] == kNone) continue;
      if (--producers[make[j]] <= 1)
        for (const std::uint32_t k : consumers[make[j]])
          if (out[k] == Explained::kYes) work.push_back(k);
    }
    return out;
  }
  std::map<std::string_view, int> puts, appends;
  for (const std::size_t i : ops) {
    const LinOp& op = h.ops[i];
    if (op.fn == LinFn::kPut) ++puts[op.text];
    if (op.fn == LinFn::kAppend && !op.text.empty()) ++appends[op.text];
  }
  std::vector<std::size_t> put_lengths, append_lengths;
  for (const auto& [t, n] : puts) put_lengths.push_back(t.size());
  for (const auto& [t, n] : appends) append_lengths.push_back(t.size());
  for (auto* v : {&put_lengths, &append_lengths}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  for (std::size_t j = 0; j < ops.size(); ++j) {
    const LinOp& op = h.ops[ops[j]];
    if (op.fn == LinFn::kGet)
      out[j] = kv_explained(op.text_result, puts, appends, put_lengths, append_lengths, moves);
  }
  return out;
}

// `ops` without the reads nothing in it explains (nor those the DFS gave up on).
std::vector<std::size_t> close_under_explanation(const LinHistory& h, std::span<const std::size_t> ops,
                                                 const RegValue& initial, std::uint64_t& moves) {
  const std::vector<Explained> e = explain(h, ops, initial, moves);
  std::vector<std::size_t> out;
  out.reserve(ops.size());
  for (std::size_t j = 0; j < ops.size(); ++j)
    if (e[j] == Explained::kYes) out.push_back(ops[j]);
  return out;
}

// ---- the counterexample -----------------------------------------------------------

struct Minimiser {
  const LinHistory& h;
  const LinOptions& o;
  std::uint64_t spent = 0;
  bool exhausted = false;

  // Whether `ops` is certainly not linearizable, within the re-check budget.
  bool refuted(std::span<const std::size_t> ops) {
    if (exhausted) return false;
    const std::uint64_t left = o.budget > spent ? o.budget - spent : 0;
    const std::uint64_t b = std::min({o.budget, kLinMinimiseCheckBudget, left});
    if (b == 0 || left <= ops.size()) {
      exhausted = true;
      return false;
    }
    spent += ops.size();
    const SearchResult r = search(h, ops, o.initial, b);
    spent += r.steps;
    return r.verdict == LinVerdict::kNotLinearizable;
  }
  std::vector<std::size_t> closed(std::span<const std::size_t> ops) {
    std::uint64_t moves = 0;
    std::vector<std::size_t> out = close_under_explanation(h, ops, o.initial, moves);
    spent += moves;
    return out;
  }
};

void sort_invoke_order(const LinHistory& h, std::vector<std::size_t>& ops) {
  std::sort(ops.begin(), ops.end(), [&](std::size_t a, std::size_t b) {
    if (h.ops[a].invoke != h.ops[b].invoke) return h.ops[a].invoke < h.ops[b].invoke;
    return a < b;
  });
}

// `all`: the key's operations that take part (not linearizable); `p`, the
// full search's problem; `wall`, its wall.
void minimise(const LinHistory& h, const LinOptions& o, const std::vector<std::size_t>& all, const Problem& p,
              std::uint32_t wall, LinKeyResult& out) {
  Minimiser mz{h, o};
  // A read of a value nothing could have produced is a counterexample alone.
  {
    std::uint64_t moves = 0;
    const std::vector<Explained> e = explain(h, all, o.initial, moves);
    mz.spent += moves;
    std::vector<std::size_t> lone;
    for (std::size_t j = 0; j < all.size(); ++j) {
      const LinOp& op = h.ops[all[j]];
      if (e[j] == Explained::kNo && op.outcome == LinOutcome::kOk) lone.push_back(all[j]);
    }
    sort_invoke_order(h, lone);
    for (const std::size_t i : lone) {
      const std::size_t one[] = {i};
      if (mz.refuted(one)) {
        out.counterexample = {i};
        out.counterexample_minimal = true;
        out.minimise_states = mz.spent;
        return;
      }
    }
  }
  // The operations called before the wall's return: not linearizable
  // either, as a rule (a linearization of them would have taken the search
  // past the wall), but the search's pruning of points where a later read
  // is hopeless breaks that rule, so it is checked; failing that, all of them.
  std::vector<std::size_t> cur;
  for (std::uint32_t r = 0; r < p.m; ++r)
    if (p.call_pos[r] < p.ret_pos[wall]) cur.push_back(p.index[r]);
  sort_invoke_order(h, cur);
  {
    std::vector<std::size_t> c = mz.closed(cur);
    if (!c.empty() && mz.refuted(c)) {
      cur = std::move(c);
    } else if (c.size() == cur.size() || !mz.refuted(cur)) {
      cur = all;
      sort_invoke_order(h, cur);
    }
  }
  // ddmin by complements: chunks halving down to one, then single removals
  // until a whole pass removes nothing.
  std::size_t chunk = std::max<std::size_t>(1, cur.size() / 2);
  bool complete = false;
  while (!mz.exhausted && cur.size() > 1) {
    bool removed = false;
    for (std::size_t i = 0; i < cur.size() && cur.size() > 1 && !mz.exhausted;) {
      std::vector<std::size_t> cand;
      cand.reserve(cur.size());
      for (std::size_t j = 0; j < cur.size(); ++j)
        if (j < i || j >= i + chunk) cand.push_back(cur[j]);
      cand = mz.closed(cand);
      if (!cand.empty() && mz.refuted(cand)) {
        cur = std::move(cand);
        removed = true;
      } else {
        i += chunk;
      }
    }
    if (mz.exhausted) break;
    if (chunk == 1 && !removed) {
      complete = true;
      break;
    }
    chunk = std::max<std::size_t>(1, chunk / 2);
  }
  if (cur.size() <= 1 && !mz.exhausted) complete = true;
  out.counterexample = std::move(cur);
  out.counterexample_minimal = complete;
  out.minimise_states = mz.spent;
}

bool sequential_ok(const LinHistory& h, const std::vector<std::size_t>& ops, const RegValue& initial) {
  if (h.model != LinModel::kRegister || ops.size() > kSequentialMaxOps) return false;
  std::array<SequentialOp, kSequentialMaxOps> seq{};
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const LinOp& op = h.ops[ops[i]];
    if (op.outcome != LinOutcome::kOk || (op.fn != LinFn::kRead && op.fn != LinFn::kWrite)) return false;
    const bool write = op.fn == LinFn::kWrite;
    seq[i] = SequentialOp{write, write ? op.arg : op.result, op.invoke, op.complete};
  }
  return sequential_register_ok(std::span<SequentialOp>(seq.data(), ops.size()), initial);
}

LinKeyResult check_key(const LinHistory& h, const std::vector<std::size_t>& ops, const LinOptions& o) {
  LinKeyResult out;
  out.ops = ops.size();
  if (ops.empty()) return out;
  if (o.budget >= ops.size() && sequential_ok(h, ops, o.initial)) {
    out.states = ops.size();  // one step per operation, as the search counts
    return out;
  }
  Problem p;
  const SearchResult r = search(h, ops, o.initial, o.budget, &p);
  out.verdict = r.verdict;
  out.states = r.steps;
  if (r.verdict == LinVerdict::kNotLinearizable && o.minimise) minimise(h, o, ops, p, r.wall, out);
  return out;
}

// Milliseconds with three decimals, from integer nanoseconds (truncated).
std::string format_ms(Time t) {
  const bool neg = t < 0;
  const unsigned long long u = neg ? 0ULL - static_cast<unsigned long long>(t) : static_cast<unsigned long long>(t);
  const unsigned long long us = u / 1000;
  std::string frac = std::to_string(us % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return (neg ? "-" : "") + std::to_string(us / 1000) + "." + frac;
}

std::string format_reg(const RegValue& v) { return v.nil ? "nil" : std::to_string(v.v); }

std::string format_text(std::string_view s) {
  std::string out = "\"";
  std::size_t shown = 0;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    // 24 characters: a cut never splits a UTF-8 sequence (continuation
    // bytes, 10xxxxxx, do not count).
    if ((u & 0xc0) != 0x80) {
      if (shown == 24) {
        out += "...";
        break;
      }
      ++shown;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static const char* const kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string describe(const LinOp& op) {
  const bool known = op.outcome == LinOutcome::kOk;
  switch (op.fn) {
    case LinFn::kRead: return "read -> " + (known ? format_reg(op.result) : std::string("?"));
    case LinFn::kWrite: return "write " + format_reg(op.arg);
    case LinFn::kCas: return "cas " + format_reg(op.arg) + " -> " + format_reg(op.arg2);
    case LinFn::kGet: return "get -> " + (known ? format_text(op.text_result) : std::string("?"));
    case LinFn::kPut: return "put " + format_text(op.text);
    case LinFn::kAppend: return "append " + format_text(op.text);
  }
  return "?";
}

}  // namespace

const char* verdict_name(LinVerdict v) {
  switch (v) {
    case LinVerdict::kLinearizable: return "true";
    case LinVerdict::kNotLinearizable: return "false";
    case LinVerdict::kUnknown: return "unknown";
  }
  return "unknown";
}

bool sequential_register_ok(std::span<SequentialOp> ops, const RegValue& initial) {
  // By invoke, stable: insertion (a key's operations are few, and mostly in
  // order already: a history is in completion order).
  for (std::size_t k = 1; k < ops.size(); ++k)
    for (std::size_t m = k; m > 0 && ops[m].invoke < ops[m - 1].invoke; --m) std::swap(ops[m], ops[m - 1]);
  RegValue state = initial;
  Time last_return = 0;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const SequentialOp& op = ops[k];
    if (k > 0 && !(last_return < op.invoke)) return false;
    last_return = std::max(op.complete, op.invoke);
    if (op.write) state = op.value;
    else if (!(op.value == state)) return false;
  }
  return true;
}

LinResult check_linearizable(const LinHistory& h, const LinOptions& o) {
  LinResult res;
  const std::size_t nkeys = h.keys.size();
  std::vector<std::vector<std::size_t>> by_key(nkeys);
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    const LinOp& op = h.ops[i];
    if (op.key >= nkeys || !fn_fits(h.model, op.fn)) {
      ++res.ops_ignored;
      continue;
    }
    if (takes_part(op)) by_key[op.key].push_back(i);
  }
  res.per_key.resize(nkeys);
  unsigned threads = o.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : o.threads;
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, nkeys));
  if (threads <= 1) {
    for (std::size_t k = 0; k < nkeys; ++k) res.per_key[k] = check_key(h, by_key[k], o);
  } else {
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors(threads);
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) {
      try {
        pool.emplace_back([&, t]() {
          try {
            for (std::size_t k = next.fetch_add(1); k < nkeys; k = next.fetch_add(1))
              res.per_key[k] = check_key(h, by_key[k], o);
          } catch (...) {
            errors[t] = std::current_exception();
            next.store(nkeys);
          }
        });
      } catch (const std::system_error&) {
        break;  // no more threads to be had: those started take every key
      }
    }
    if (pool.empty())  // not even one: this thread does it all
      for (std::size_t k = next.fetch_add(1); k < nkeys; k = next.fetch_add(1)) res.per_key[k] = check_key(h, by_key[k], o);
    for (std::thread& t : pool) t.join();
    for (const std::exception_ptr& e : errors)
      if (e) std::rethrow_exception(e);
  }
  for (std::size_t k = 0; k < nkeys; ++k) {
    const LinKeyResult& r = res.per_key[k];
    res.ops_checked += r.ops;
    res.states_explored += r.states;
    if (r.ops > 0) ++res.keys_checked;
    if (r.verdict == LinVerdict::kUnknown) ++res.keys_unknown;
    if (r.verdict == LinVerdict::kNotLinearizable) {
      ++res.keys_not_linearizable;
      if (!res.counterexample_key) {
        res.counterexample_key = static_cast<std::uint32_t>(k);
        res.counterexample = r.counterexample;
      }
    }
  }
  res.verdict = res.keys_not_linearizable > 0 ? LinVerdict::kNotLinearizable
                : res.keys_unknown > 0        ? LinVerdict::kUnknown
                                              : LinVerdict::kLinearizable;
  return res;
}

std::string render_timeline(const LinHistory& h, std::span<const std::size_t> ops) {
  constexpr int kWidth = 40;
  std::vector<std::size_t> shown;
  for (const std::size_t i : ops)
    if (i < h.ops.size()) shown.push_back(i);
  if (shown.empty()) return "";
  Time t0 = kTimeMax, t1 = 0;
  bool any = false;
  for (const std::size_t i : shown) {
    const LinOp& op = h.ops[i];
    const Time end = op.complete == kTimeMax ? op.invoke : std::max(op.complete, op.invoke);
    if (!any) {
      t0 = op.invoke;
      t1 = end;
      any = true;
    }
    t0 = std::min(t0, op.invoke);
    t1 = std::max(t1, end);
  }
  const auto column = [&](Time t) -> int {
    if (t1 <= t0) return 0;
    const __int128 num = (static_cast<__int128>(t) - t0) * (kWidth - 1);
    return static_cast<int>(num / (static_cast<__int128>(t1) - t0));
  };
  std::vector<std::string> names, what;
  std::size_t name_w = 0, what_w = 0;
  for (const std::size_t i : shown) {
    const LinOp& op = h.ops[i];
    names.push_back(op.client < h.clients.size() ? h.clients[op.client] : "client-" + std::to_string(op.client));
    what.push_back(describe(op));
    name_w = std::max(name_w, names.back().size());
    what_w = std::max(what_w, what.back().size());
  }
  std::string out;
  for (std::size_t j = 0; j < shown.size(); ++j) {
    const LinOp& op = h.ops[shown[j]];
    const bool open = op.complete == kTimeMax;
    const int a = column(op.invoke);
    const int b = open ? kWidth - 1 : column(std::max(op.complete, op.invoke));
    std::string bar(kWidth, ' ');
    for (int c = a; c <= b; ++c) bar[static_cast<std::size_t>(c)] = '=';
    bar[static_cast<std::size_t>(a)] = '|';
    bar[static_cast<std::size_t>(b)] = open ? '>' : '|';
    out += names[j] + std::string(name_w - names[j].size(), ' ') + "  ";
    out += what[j] + std::string(what_w - what[j].size(), ' ') + "  ";
    out += bar + "  [" + format_ms(op.invoke) + ", " +
           (open ? std::string("never") : format_ms(std::max(op.complete, op.invoke))) + "] ms";
    if (op.outcome == LinOutcome::kFail) out += "  fail";
    if (op.outcome == LinOutcome::kUnknown) out += "  unknown";
    out += '\n';
  }
  return out;
}

}  // namespace dsim
