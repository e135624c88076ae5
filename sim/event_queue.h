// The pending-event set: a 4-ary min-heap of 24-byte plain events.
//
// Events are ordered by (time, insertion sequence), so events at the same
// instant run in the order they were scheduled, on every platform. A 4-ary heap
// measured about 20% faster than a binary heap for this workload
// (bench/dsim_bench, docs/ARCHITECTURE.md): it is shallower and its four children share a
// cache line. The storage grows geometrically and is reused, so steady state
// does not allocate.
#pragma once

#include <cstdint>
#include <memory>

#include "dsim/sim/check.h"
#include "dsim/sim/time.h"

namespace dsim {

using ActorId = std::uint32_t;

struct Event {
  Time time;
  // Insertion sequence in the high 48 bits, event kind in the low 16: comparing
  // the whole word orders by sequence (unique), and the kind rides along free.
  std::uint64_t seq_kind;
  ActorId target;
  std::uint32_t arg;

  std::uint16_t kind() const { return static_cast<std::uint16_t>(seq_kind & 0xffffU); }
};
static_assert(sizeof(Event) == 24, "events are 24-byte plain structs");

// Whether a runs before b: (time, sequence) as one 128-bit comparison. Times
// are never negative, so the unsigned order of the pair is the order of events.
inline bool before(const Event& a, const Event& b) {
  const auto ka = (static_cast<unsigned __int128>(static_cast<std::uint64_t>(a.time)) << 64) | a.seq_kind;
  const auto kb = (static_cast<unsigned __int128>(static_cast<std::uint64_t>(b.time)) << 64) | b.seq_kind;
  return ka < kb;
}

class EventQueue {
 public:
  EventQueue() = default;
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  void reserve(std::size_t n) {
    if (n > capacity_) grow(n);
  }

  // REQUIRES: !empty().
  const Event& top() const { return heap_[0]; }

  void push(const Event& e) {
    if (size_ == capacity_) [[unlikely]]
      grow(capacity_ == 0 ? 256 : 2 * capacity_);
    Event* h = heap_.get();
    std::size_t i = size_++;
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!before(e, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = e;
  }

  // REQUIRES: !empty().
  void pop() {
    Event* h = heap_.get();
    const std::size_t n = --size_;
    if (n == 0) return;
    const Event last = h[n];
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      if (first + 4 <= n) {
        // The common case: four children, compared without a loop bound.
        const std::size_t b01 = before(h[first + 1], h[first]) ? first + 1 : first;
        const std::size_t b23 = before(h[first + 3], h[first + 2]) ? first + 3 : first + 2;
        best = before(h[b23], h[b01]) ? b23 : b01;
      } else {
        for (std::size_t c = first + 1; c < n; ++c)
          if (before(h[c], h[best])) best = c;
      }
      if (!before(h[best], last)) break;
      h[i] = h[best];
      i = best;
    }
    h[i] = last;
  }

  void clear() { size_ = 0; }

 private:
  void grow(std::size_t capacity) {
    auto next = std::make_unique<Event[]>(capacity);
    for (std::size_t i = 0; i < size_; ++i) next[i] = heap_[i];
    heap_ = std::move(next);
    capacity_ = capacity;
  }

  std::unique_ptr<Event[]> heap_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace dsim
