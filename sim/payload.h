// Message contents too large for a message's two inline words: values,
// versions with their timestamps, log batches.
//
// A protocol stores the contents in the network's pool for their type and
// puts the reference in the message (Message::words[1], flag kPooledPayload):
//
//   Message m = ...;
//   m.words[1] = net.payloads().pool<LogBatch>().store(std::move(batch));
//   m.flags |= kPooledPayload;
//   net.send(m);
//   ...
//   void on_message(const Message& m) override {
//     const LogBatch& batch = net.payloads().pool<LogBatch>().get(m.words[1]);
//
// A message owns its payload while in flight. The engine releases it when the
// message is consumed: after the receiver's on_message returns, or when the
// message is lost, dropped by a fault or refused. A receiver that wants to
// keep it, or forward it in a message of its own, takes it first
// (Network::take_payload). So a payload is never leaked and never read after
// release; a stale reference fails a check.
//
// Pools recycle their slots (the values are reassigned, not freed), so a
// protocol in steady state allocates only what its values allocate. A
// reference carries a 16-bit generation: a stale one is caught unless its
// slot was reused a multiple of 65,536 times since.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "dsim/sim/bus.h"
#include "dsim/sim/check.h"

namespace dsim {

namespace detail {
class PayloadPoolBase {
 public:
  virtual ~PayloadPoolBase() = default;
  virtual void release(std::uint64_t ref) = 0;
  virtual std::size_t live() const = 0;
};

// A reference: slot in the low 32 bits, generation in the next 16, pool in
// the top 16.
constexpr std::uint64_t pack_ref(std::uint32_t slot, std::uint16_t gen, std::uint16_t pool) {
  return static_cast<std::uint64_t>(slot) | (static_cast<std::uint64_t>(gen) << 32) |
         (static_cast<std::uint64_t>(pool) << 48);
}
constexpr std::uint32_t ref_slot(std::uint64_t ref) { return static_cast<std::uint32_t>(ref); }
constexpr std::uint16_t ref_gen(std::uint64_t ref) { return static_cast<std::uint16_t>(ref >> 32); }
constexpr std::uint16_t ref_pool(std::uint64_t ref) { return static_cast<std::uint16_t>(ref >> 48); }
}  // namespace detail

template <class T>
class PayloadPool final : public detail::PayloadPoolBase {
 public:
  explicit PayloadPool(std::uint16_t id) : id_(id) {}

  // Stores a value; returns its reference, to put in a message.
  std::uint64_t store(T value) {
    if (free_.empty()) slots_.push_back(Slot{std::move(value), 0, false});
    else slots_[free_.back()].value = std::move(value);
    return take_slot();
  }

  // Takes a slot without storing anything: its value is whatever the slot
  // held last (a default T if new), for the caller to fill in place through
  // get() — every field, reusing what the value owns (a vector's capacity),
  // so that a protocol in steady state allocates nothing.
  std::uint64_t acquire() {
    if (free_.empty()) slots_.push_back(Slot{T{}, 0, false});
    return take_slot();
  }

  // REQUIRES: a reference this pool gave out and not yet released. The
  // reference returned stays valid until the payload is released, whatever
  // else is stored meanwhile.
  const T& get(std::uint64_t ref) const { return slot(ref).value; }
  T& get(std::uint64_t ref) { return const_cast<Slot&>(slot(ref)).value; }

  void release(std::uint64_t ref) override {
    Slot& sl = const_cast<Slot&>(slot(ref));
    sl.live = false;
    ++sl.gen;
    free_.push_back(detail::ref_slot(ref));
    --live_;
  }

  std::size_t live() const override { return live_; }

 private:
  struct Slot {
    T value;
    std::uint16_t gen = 0;
    bool live = false;
  };
  // Marks live the next free slot, or else the last one (just pushed).
  std::uint64_t take_slot() {
    std::uint32_t s;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = static_cast<std::uint32_t>(slots_.size() - 1);
    }
    slots_[s].live = true;
    ++live_;
    return detail::pack_ref(s, slots_[s].gen, id_);
  }
  const Slot& slot(std::uint64_t ref) const {
    DSIM_CHECK(detail::ref_pool(ref) == id_);
    const std::uint32_t s = detail::ref_slot(ref);
    DSIM_CHECK_MSG(s < slots_.size() && slots_[s].live && slots_[s].gen == detail::ref_gen(ref),
                   "a payload read after it was released (take it in on_message to keep it)");
    return slots_[s];
  }

  std::uint16_t id_;
  std::deque<Slot> slots_;  // a deque: storing more never moves a value (get() references stay valid)
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
};

// The payload pools of one network, one per type, created on first use.
class Payloads {
 public:
  template <class T>
  PayloadPool<T>& pool() {
    const std::size_t type = detail::channel_id<PayloadPool<T>>();  // a number per type
    for (std::size_t i = 0; i < types_.size(); ++i)
      if (types_[i] == type) return static_cast<PayloadPool<T>&>(*pools_[i]);
    DSIM_CHECK(pools_.size() < 0xffff);
    const auto id = static_cast<std::uint16_t>(pools_.size());
    pools_.push_back(std::make_unique<PayloadPool<T>>(id));
    types_.push_back(type);
    return static_cast<PayloadPool<T>&>(*pools_.back());
  }

  // Releases whatever payload `ref` names, of any type.
  void release(std::uint64_t ref) {
    const std::uint16_t p = detail::ref_pool(ref);
    DSIM_CHECK(p < pools_.size());
    pools_[p]->release(ref);
  }

  // Payloads stored and not yet released, over all pools: the ones in flight
  // and the ones receivers took.
  std::size_t live() const {
    std::size_t n = 0;
    for (const auto& p : pools_) n += p->live();
    return n;
  }

 private:
  std::vector<std::unique_ptr<detail::PayloadPoolBase>> pools_;
  std::vector<std::size_t> types_;  // per pool, its type's number; looked up, never ordered
};

}  // namespace dsim
