// What a node keeps through a crash and what it loses.
//
// A model's actor declares each piece of state it wants the engine to manage
// as Volatile<T> (lost on a crash: memory, caches, leader state, in-flight
// bookkeeping) or Durable<T> (kept: what a store has written to disk — a
// Raft log, its term and vote). When the node goes down
// (Network::set_condition), the engine runs the actor's on_down(), then
// resets every Volatile of the actor to the value it was constructed with;
// Durable values are left alone. A node that loses its disk as well
// (Network::lose_disk, while it is down) has its Durable ones reset too.
// T must be copyable (the initial value is kept to reset to). A value may
// live in a member of the actor or of something the actor owns: it
// unregisters itself when destroyed.
//
// Members of an actor that are neither are the actor's own business: on_down()
// must drop what a crash loses among them.
//
//   struct RaftNode : Actor {
//     Durable<std::uint64_t> term{*this, 0};
//     Durable<std::vector<Entry>> log{*this, {}};
//     Volatile<std::optional<ActorId>> leader{*this, std::nullopt};
//     ...
//   };
//
// Both are bound to their actor for life: not copyable, not movable.
#pragma once

#include <utility>

#include "dsim/sim/simulation.h"

namespace dsim {

namespace detail {
template <class T, bool kDurable>
class NodeValue final : public NodeStateBase {
 public:
  NodeValue(Actor& owner, T initial) : owner_(owner), initial_(initial), value_(std::move(initial)) {
    owner_.register_state(*this, kDurable);
  }
  ~NodeValue() { owner_.unregister_state(*this); }
  NodeValue(const NodeValue&) = delete;
  NodeValue& operator=(const NodeValue&) = delete;

  T& operator*() { return value_; }
  const T& operator*() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  NodeValue& operator=(T v) {
    value_ = std::move(v);
    return *this;
  }

  void reset() override { value_ = initial_; }

 private:
  Actor& owner_;
  const T initial_;
  T value_;
};
}  // namespace detail

// State a crash loses: reset to its initial value when the node goes down.
template <class T>
using Volatile = detail::NodeValue<T, false>;

// State a crash keeps (on disk); lost only with the disk.
template <class T>
using Durable = detail::NodeValue<T, true>;

}  // namespace dsim
