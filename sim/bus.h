// Observed events: models publish what happened, recorders subscribe.
//
// A Channel<E> carries one type of event (a struct of the publisher's
// choosing, e.g. "a client operation resolved", models/events.h) from the
// models that publish it to every subscriber, synchronously, in the order the
// subscribers subscribed. A Bus holds one channel per event type, created on
// first use, so a new model can publish a new type of event and a new
// recorder can subscribe to it without either touching the bus.
//
// Publishing is on the hot path (a client publishes twice per request), so a
// channel is a plain vector of (function pointer, context) pairs: publishing
// to n subscribers is n indirect calls, to none a compare of two pointers
// (bench/dsim_bench, BM_ChannelPublish). Publishers look their channels up
// once, when they are built, and keep the reference. Events are passed by
// const reference and must not be kept: copy what you need.
//
// Subscribers must not subscribe while an event is being published (the
// vector may move: undefined behaviour), nor change simulation state: a
// recorder only records. Nothing here allocates after subscription.
//
// Channels are found by a number per event type, given out on first use in
// the process. Built as static libraries (as dsim is), every type has one
// number; a shared library built with hidden visibility could give a type a
// second one, and its publishers and subscribers would not meet.
//
// Thread safety: none; a bus belongs to one run (sim/simulation.h).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace dsim {

namespace detail {
// A process-wide number per event type, for indexing a Bus's channels. Only
// used for lookup, never to order anything, so its value does not matter.
inline std::size_t next_channel_id() {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}
template <class E>
std::size_t channel_id() {
  static const std::size_t id = next_channel_id();
  return id;
}

class ChannelBase {
 public:
  virtual ~ChannelBase() = default;
};

// The class of a pointer to member function, and its argument's event type.
template <class M>
struct MemberOf {
  static_assert(sizeof(M) == 0,
                "a subscriber is a member function void T::on(const Event&) (const or noexcept allowed): "
                "take the event by const reference and return nothing");
};
template <class T, class E>
struct MemberOf<void (T::*)(const E&)> {
  using Class = T;
  using Event = E;
};
template <class T, class E>
struct MemberOf<void (T::*)(const E&) noexcept> : MemberOf<void (T::*)(const E&)> {};
template <class T, class E>
struct MemberOf<void (T::*)(const E&) const> {
  using Class = const T;
  using Event = E;
};
template <class T, class E>
struct MemberOf<void (T::*)(const E&) const noexcept> : MemberOf<void (T::*)(const E&) const> {};
}  // namespace detail

template <class E>
class Channel final : public detail::ChannelBase {
 public:
  using Fn = void (*)(void* ctx, const E& event);

  // Adds a subscriber: fn(ctx, event) for every event published from now on.
  void subscribe(Fn fn, void* ctx) { subscribers_.push_back(Subscriber{fn, ctx}); }

  // Adds obj.*Method as a subscriber: channel.subscribe<&Recorder::on_x>(recorder).
  // Method is `void (T::*)(const E&)`, possibly const or noexcept.
  template <auto Method>
  void subscribe(typename detail::MemberOf<decltype(Method)>::Class& obj) {
    using T = typename detail::MemberOf<decltype(Method)>::Class;
    subscribe([](void* ctx, const E& e) { (static_cast<T*>(ctx)->*Method)(e); },
              const_cast<void*>(static_cast<const void*>(&obj)));
  }

  // Whether anyone listens: publishers may skip building an event otherwise.
  bool active() const { return !subscribers_.empty(); }
  std::size_t subscriber_count() const { return subscribers_.size(); }

  void publish(const E& event) const {
    for (const Subscriber& s : subscribers_) s.fn(s.ctx, event);
  }

 private:
  struct Subscriber {
    Fn fn;
    void* ctx;
  };
  std::vector<Subscriber> subscribers_;
};

class Bus {
 public:
  Bus() = default;
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // The channel for events of type E, created empty on first use. The
  // reference stays valid for the bus's lifetime.
  template <class E>
  Channel<E>& channel() {
    const std::size_t id = detail::channel_id<E>();
    if (id >= channels_.size()) channels_.resize(id + 1);
    if (!channels_[id]) channels_[id] = std::make_unique<Channel<E>>();
    return static_cast<Channel<E>&>(*channels_[id]);
  }

  // Subscribes obj.*Method to the channel of its event type:
  // bus.subscribe<&MyRecorder::on_resolved>(*this).
  template <auto Method>
  void subscribe(typename detail::MemberOf<decltype(Method)>::Class& obj) {
    channel<typename detail::MemberOf<decltype(Method)>::Event>().template subscribe<Method>(obj);
  }

 private:
  std::vector<std::unique_ptr<detail::ChannelBase>> channels_;
};

}  // namespace dsim
