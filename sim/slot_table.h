// A table of live records addressed by (slot, generation) handles.
//
// Models keep their outstanding requests here and put the handle in messages
// and timers. A reply or timer that arrives after its record was released
// carries a stale generation and is recognised as such, even if the slot has
// been reused. Slots are recycled through a free list, so steady state does not
// allocate.
#pragma once

#include <cstdint>
#include <vector>

#include "dsim/sim/check.h"

namespace dsim {

struct Handle {
  std::uint32_t slot;
  std::uint32_t gen;
};

template <class T>
class SlotTable {
 public:
  // A new live record, default-initialised; its handle.
  Handle acquire() {
    std::uint32_t s;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& slot = slots_[s];
    slot.live = true;
    slot.value = T{};
    ++live_;
    return Handle{s, slot.gen};
  }

  // The record for h, or nullptr if it was released since.
  T* find(Handle h) {
    if (h.slot >= slots_.size()) return nullptr;
    Slot& slot = slots_[h.slot];
    return slot.live && slot.gen == h.gen ? &slot.value : nullptr;
  }
  bool is_live(Handle h) const {
    return h.slot < slots_.size() && slots_[h.slot].live && slots_[h.slot].gen == h.gen;
  }
  T& at(std::uint32_t slot) { return slots_[slot].value; }
  bool is_live_slot(std::uint32_t slot) const { return slot < slots_.size() && slots_[slot].live; }
  std::uint32_t gen_of(std::uint32_t slot) const { return slots_[slot].gen; }

  // REQUIRES: h is live.
  void release(Handle h) {
    Slot& slot = slots_[h.slot];
    DSIM_CHECK(slot.live && slot.gen == h.gen);
    slot.live = false;
    ++slot.gen;
    free_.push_back(h.slot);
    --live_;
  }

  std::size_t live() const { return live_; }

  // Calls fn(handle, value) for every live record, in slot order.
  template <class Fn>
  void for_each_live(Fn&& fn) {
    for (std::uint32_t s = 0; s < slots_.size(); ++s)
      if (slots_[s].live) fn(Handle{s, slots_[s].gen}, slots_[s].value);
  }

 private:
  struct Slot {
    std::uint32_t gen = 0;
    bool live = false;
    T value{};
  };
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
};

}  // namespace dsim
