// What both replicated-store models keep per key (models/replicated_store.h):
// a Cell (value and version) and CellMap, a node's copies by key. Private to
// the models layer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "dsim/models/operation.h"
#include "dsim/sim/check.h"
#include "dsim/sim/time.h"

namespace dsim::store_detail {

// Reads and writes a store received from outside it (clients, services)
// within [from, until): what a store priced per request bills
// (ComponentRecord::reads_received). Default: counts nothing.
struct ReceivedOps {
  Time from = 0;
  Time until = 0;
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  void count(Time now, bool read) {
    if (now >= from && now < until) ++(read ? reads : writes);
  }
};

// A copy of a key's value and the version it carries: a leaderless store's
// last-writer-wins timestamp, a leader's (epoch, log index).
struct Cell {
  std::uint64_t value = kInitialValue;
  std::int64_t ts = kNoVersion;
};
// The later version, ties to the larger value.
inline bool newer(const Cell& a, const Cell& b) { return a.ts != b.ts ? a.ts > b.ts : a.value > b.value; }
inline bool same(const Cell& a, const Cell& b) { return a.ts == b.ts && a.value == b.value; }

// SplitMix64's finaliser: spreads keys (often small consecutive numbers).
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A node's copies by key: open addressing with linear probing, keys and
// cells side by side (one cache line per lookup, where a node-based map
// takes two misses). Iterated only into vectors that are then sorted, so its
// layout never reaches a result.
class CellMap {
 public:
  // No key is kEmpty (keys stay below 2^54: models/operation.h), so a
  // slot needs no flag: 24 bytes.
  static constexpr std::uint64_t kEmpty = UINT64_MAX;
  struct Slot {
    std::uint64_t key = kEmpty;
    Cell cell;
    bool used() const { return key != kEmpty; }
  };
  const Cell* find(std::uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = mix64(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.cell;
      if (!s.used()) return nullptr;
    }
  }
  Cell* find(std::uint64_t key) { return const_cast<Cell*>(std::as_const(*this).find(key)); }
  // Brings the key's first slot into the cache ahead of a lookup.
  void prefetch(std::uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[mix64(key) & mask_]);
  }
  // The key's cell, inserted as `c` if absent; whether it was inserted.
  std::pair<Cell*, bool> try_emplace(std::uint64_t key, const Cell& c) {
    DSIM_CHECK(key != kEmpty);
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    for (std::size_t i = mix64(key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.key == key) return {&s.cell, false};
      if (!s.used()) {
        s = Slot{key, c};
        ++size_;
        return {&s.cell, true};
      }
    }
  }
  std::size_t size() const { return size_; }
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const Slot& s : slots_)
      if (s.used()) fn(s.key, s.cell);
  }
  // Every (key, copy), in key order.
  std::vector<std::pair<std::uint64_t, Cell>> sorted() const {
    std::vector<std::pair<std::uint64_t, Cell>> out;
    out.reserve(size_);
    for_each([&out](std::uint64_t key, const Cell& c) { out.emplace_back(key, c); });
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

 private:
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old)
      if (s.used()) try_emplace(s.key, s.cell);
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace dsim::store_detail
