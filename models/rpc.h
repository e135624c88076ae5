// The request/response protocol every built-in model speaks.
//
// A caller sends a kRequest message carrying its own correlation handle
// (token, gen); the callee answers with a kResponse carrying the same handle
// and a Status (models/status.h). A request expects a reply, so when the
// callee's host refuses the connection (a killed process) the engine answers
// with a refusal (sim/message.h, kRefused), which callers read as
// "unavailable": is_answer() and answer_status() cover both. Nothing is shared between caller and callee but the message,
// so a callee may crash, or a caller give up, without the other holding a
// dangling reference: a late response simply finds its handle released.
//
// CallTracker keeps a caller's outstanding calls and their timeouts. Timeouts
// of equal duration share one DeadlineQueue (sim/deadline_queue.h), so an
// answered call costs no event.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dsim/models/operation.h"
#include "dsim/models/status.h"
#include "dsim/sim/deadline_queue.h"
#include "dsim/sim/message.h"
#include "dsim/sim/network.h"
#include "dsim/sim/payload.h"
#include "dsim/sim/simulation.h"
#include "dsim/sim/slot_table.h"

namespace dsim {

enum class MsgType : std::uint16_t {
  kRequest = 1,
  kResponse = 2,
  kHealthCheck = 3,  // a balancer's probe of a backend
  kHealthReply = 4,  // its answer (status kOk; kUnavailable when refused)
};
inline bool is_type(const Message& m, MsgType t) { return m.type == static_cast<std::uint16_t>(t); }

// An answer to a request this node sent: a response, or the engine's refusal
// of the request (the callee's host refused the connection: unavailable).
inline bool is_answer(const Message& m) {
  return is_type(m, MsgType::kResponse) || (m.has(kRefused) && is_type(m, MsgType::kRequest));
}
// An answer to a health check: a reply, or the engine's refusal of the check.
inline bool is_health_answer(const Message& m) {
  return is_type(m, MsgType::kHealthReply) || (m.has(kRefused) && is_type(m, MsgType::kHealthCheck));
}
// The status an answer carries (a refusal: unavailable).
inline Status answer_status(const Message& m) {
  return m.has(kRefused) ? Status::kUnavailable : static_cast<Status>(m.status);
}


inline Handle handle_of(const Message& m) { return Handle{m.token, m.gen}; }

// What a request carries down a call chain, copied hop by hop: a service
// that calls a store forwards the originating operation, key and value.
struct RequestContext {
  Time budget = 0;           // the originating client's timeout
  std::uint32_t origin = 0;  // originating client actor
  Operation op = Operation::kRequest;
  std::uint64_t key = 0;
  std::uint64_t value = 0;   // the value a write writes
};

// A write's key and value, too large for the inline words with the budget:
// they travel in a pooled payload (sim/payload.h).
struct KeyValue {
  std::uint64_t key = 0;
  std::uint64_t value = 0;
};

// The built-in protocol's encoding: tag = the operation; words[0] the budget;
// words[1] the key, or for a write a pooled KeyValue.
inline RequestContext context_of(Network& net, const Message& m) {
  RequestContext c{static_cast<Time>(m.words[0]), m.origin, static_cast<Operation>(m.tag), m.words[1], 0};
  if (m.has(kPooledPayload)) {
    const KeyValue& kv = net.payloads().pool<KeyValue>().get(m.words[1]);
    c.key = kv.key;
    c.value = kv.value;
  }
  return c;
}

namespace detail {
// The request's header and inline words; a write's value is not in them.
inline Message request_header(ActorId from, ActorId to, Handle h, std::uint32_t bytes, const RequestContext& ctx) {
  Message m;
  m.src = from;
  m.dst = to;
  m.bytes = bytes;
  m.type = static_cast<std::uint16_t>(MsgType::kRequest);
  m.flags = kExpectsReply;
  m.tag = static_cast<std::uint8_t>(ctx.op);
  m.token = h.slot;
  m.gen = h.gen;
  m.origin = ctx.origin;
  m.words[0] = static_cast<std::uint64_t>(ctx.budget);
  m.words[1] = ctx.key;
  return m;
}
}  // namespace detail

// A request to `to`, answered to handle h. A write's key and value are
// stored in the network's payload pool; the message owns them from now on,
// so send it.
inline Message make_request(Network& net, ActorId from, ActorId to, Handle h, std::uint32_t bytes,
                            const RequestContext& ctx) {
  Message m = detail::request_header(from, to, h, bytes, ctx);
  if (ctx.op == Operation::kWrite) {
    m.words[1] = net.payloads().pool<KeyValue>().store(KeyValue{ctx.key, ctx.value});
    m.flags |= kPooledPayload;
  }
  return m;
}

// Without the network: for requests that are not writes (plain requests,
// reads, health checks). REQUIRES: ctx.op != Operation::kWrite.
inline Message make_request(ActorId from, ActorId to, Handle h, std::uint32_t bytes, const RequestContext& ctx) {
  DSIM_CHECK_MSG(ctx.op != Operation::kWrite, "a write needs the network's payload pool: make_request(net, ...)");
  return detail::request_header(from, to, h, bytes, ctx);
}

// REQUIRES: not a write (no pooled payload): use context_of(net, m).
inline RequestContext context_of(const Message& m) {
  DSIM_CHECK_MSG(!m.has(kPooledPayload), "a write's context is in the payload pool: context_of(net, m)");
  return RequestContext{static_cast<Time>(m.words[0]), m.origin, static_cast<Operation>(m.tag), m.words[1], 0};
}

// What an answer carries back to the client besides its status: for an
// operation on a store, the value read (or written) and its version. A
// service relays the answer of its last call; a balancer, its backend's.
// A failed answer may also say that the operation may have taken effect all
// the same (a service whose write reached a store before a later call
// failed): the client then records its outcome as unknown, not failed.
struct AnswerValue {
  bool present = false;
  std::uint64_t value = 0;
  std::int64_t version = 0;
  bool maybe_applied = false;
};
// The encoding: tag bit 0, a value and version in words[0] and words[1];
// tag bit 1, maybe applied.
inline AnswerValue answer_value(const Message& m) {
  if (m.tag == 0 || m.has(kRefused)) return {};
  const bool present = (m.tag & 1) != 0;
  return AnswerValue{present, present ? m.words[0] : 0,
                     present ? static_cast<std::int64_t>(m.words[1]) : 0, (m.tag & 2) != 0};
}
inline void set_answer_value(Message& m, const AnswerValue& a) {
  if (a.maybe_applied) m.tag |= 2;
  if (!a.present) return;
  m.tag |= 1;
  m.words[0] = a.value;
  m.words[1] = static_cast<std::uint64_t>(a.version);
}

inline Message make_response(ActorId from, ActorId to, Handle h, std::uint32_t bytes, Status s) {
  Message m;
  m.src = from;
  m.dst = to;
  m.bytes = bytes;
  m.type = static_cast<std::uint16_t>(MsgType::kResponse);
  m.status = static_cast<std::uint16_t>(s);
  m.token = h.slot;
  m.gen = h.gen;
  return m;
}

// Health checks are answered at once by the host, outside the worker pool (as
// an HTTP health endpoint on its own thread): a slow server still passes.
inline void answer_health_check(Network& net, ActorId self, const Message& check) {
  Message m = make_response(self, check.src, handle_of(check), 64, Status::kOk);
  m.type = static_cast<std::uint16_t>(MsgType::kHealthReply);
  net.send(m);
}

template <class T>
class CallTracker {
 public:
  // Timer events for this tracker go to `owner` with `timer_kind`; the event's
  // arg selects the deadline queue.
  void bind(Simulation& sim, ActorId owner, std::uint16_t timer_kind) {
    sim_ = &sim;
    owner_ = owner;
    timer_kind_ = timer_kind;
  }

  // Starts tracking a call that times out after `timeout`.
  Handle start(Time timeout, const T& value) {
    const std::uint16_t q = queue_for(timeout);
    const Handle h = table_.acquire();
    Entry& e = table_.at(h.slot);
    e.value = value;
    e.queue = q;
    queues_[q]->push(h);
    return h;
  }

  T* find(Handle h) {
    Entry* e = table_.find(h);
    return e != nullptr ? &e->value : nullptr;
  }

  // Stops tracking h (answered). REQUIRES: h is live.
  void finish(Handle h) {
    const std::uint16_t q = table_.at(h.slot).queue;
    table_.release(h);
    queues_[q]->trim([this](Handle x) { return table_.is_live(x); });
  }

  // Handles a timer event with this arg: for each expired call, stops tracking
  // it and calls expire(handle, value).
  template <class Expire>
  void on_timer(std::uint32_t arg, Expire&& expire) {
    queues_[arg]->on_timer([this](Handle x) { return table_.is_live(x); },
                          [this, &expire](Handle x) {
                            const T value = table_.at(x.slot).value;
                            table_.release(x);
                            expire(x, value);
                          });
  }

  // Calls fn(handle, value) for every outstanding call, in slot order.
  template <class Fn>
  void for_each(Fn&& fn) {
    table_.for_each_live([&fn](Handle h, Entry& e) { fn(h, e.value); });
  }

  // Forgets every outstanding call without calling anything (a crash): late
  // answers and expiring timers then find nothing.
  void drop_all() {
    table_.for_each_live([this](Handle h, Entry&) { table_.release(h); });
  }

  std::size_t outstanding() const { return table_.live(); }

 private:
  struct Entry {
    T value{};
    std::uint16_t queue = 0;
  };
  std::uint16_t queue_for(Time timeout) {
    // Nearly always the same timeout as last time: check that first.
    if (last_queue_ < queues_.size() && queues_[last_queue_]->duration() == timeout) return last_queue_;
    for (std::size_t i = 0; i < queues_.size(); ++i)
      if (queues_[i]->duration() == timeout) return last_queue_ = static_cast<std::uint16_t>(i);
    DSIM_CHECK(queues_.size() < 0xffff);
    queues_.push_back(std::make_unique<DeadlineQueue>());
    queues_.back()->bind(*sim_, owner_, timer_kind_, static_cast<std::uint32_t>(queues_.size() - 1), timeout);
    return last_queue_ = static_cast<std::uint16_t>(queues_.size() - 1);
  }

  Simulation* sim_ = nullptr;
  ActorId owner_ = 0;
  std::uint16_t timer_kind_ = 0;
  SlotTable<Entry> table_;
  std::uint16_t last_queue_ = 0;
  // Owned through pointers: expiring a call may start another (a retry),
  // which may add a queue while one is being walked; existing queues must
  // not move. (A std::deque would too, but indexes several times slower.)
  std::vector<std::unique_ptr<DeadlineQueue>> queues_;
};

}  // namespace dsim
