// What the nodes of the replicated stores with a leader (models/
// replicated_store.h: leader_follower, raft) do alike: know each other's
// actors, draw service times, answer callers, and pass a request on to the
// leader and relay its answer. Private to the models layer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "dsim/models/replicated_store.h"
#include "dsim/models/rpc.h"
#include "dsim/sim/simulation.h"

namespace dsim::store_detail {

// The store's nodes by index, and the index of an actor (-1: not a node).
class NodeIndex {
 public:
  void set(const std::vector<ActorId>& nodes) {
    nodes_ = nodes;
    contiguous_ = true;
    for (std::size_t i = 1; i < nodes_.size(); ++i) contiguous_ = contiguous_ && nodes_[i] == nodes_[0] + i;
  }
  ActorId operator[](std::size_t i) const { return nodes_[i]; }
  int of(ActorId a) const {
    const auto n = static_cast<std::int64_t>(nodes_.size());
    if (contiguous_) {
      const auto d = static_cast<std::int64_t>(a) - static_cast<std::int64_t>(nodes_[0]);
      return d >= 0 && d < n ? static_cast<int>(d) : -1;
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i] == a) return static_cast<int>(i);
    return -1;
  }

 private:
  std::vector<ActorId> nodes_;
  bool contiguous_ = false;
};

// A store message of the model's own type (an enum of uint16 values).
template <class Type>
Message store_message(ActorId from, ActorId to, Type type, std::uint32_t bytes) {
  Message m;
  m.src = from;
  m.dst = to;
  m.bytes = bytes;
  m.type = static_cast<std::uint16_t>(type);
  return m;
}

// A round of votes (a pre-vote or a vote) among n nodes: who granted.
class Ballot {
 public:
  explicit Ballot(int nodes = 0) : granted_(static_cast<std::size_t>(nodes), false) {}
  // Opens a round with `self`'s own vote: true if that alone is a majority
  // (a store of one node).
  bool open(int self, int majority) {
    std::fill(granted_.begin(), granted_.end(), false);
    granted_[static_cast<std::size_t>(self)] = true;
    votes_ = 1;
    majority_ = majority;
    return votes_ >= majority_;
  }
  // A grant from `from` in the open round: true once the grants make a
  // majority (each node counted once).
  bool grant(int from) {
    if (granted_[static_cast<std::size_t>(from)]) return false;
    granted_[static_cast<std::size_t>(from)] = true;
    return ++votes_ >= majority_;
  }
  bool granted(int node) const { return granted_[static_cast<std::size_t>(node)]; }

 private:
  std::vector<bool> granted_;
  int votes_ = 0;
  int majority_ = 1;
};

// The largest value that at least `majority` of `values` reach (each node's
// match index, or the read round it answered): what a majority holds.
// Reorders `values`. REQUIRES: 1 <= majority <= values.size().
inline std::uint64_t majority_value(std::vector<std::uint64_t>& values, int majority) {
  const auto m = values.begin() + (majority - 1);
  std::nth_element(values.begin(), m, values.end(), std::greater<>());
  return *m;
}

// A read's or a write's service time on a node slowed by `slowdown`.
inline Time service_time(const ReplicatedStoreSpec::Config& cfg, Rng& rng, bool read, double slowdown) {
  const Distribution& d = read ? (cfg.read_service_time ? *cfg.read_service_time : cfg.service_time)
                               : (cfg.write_service_time ? *cfg.write_service_time : cfg.service_time);
  double t = d.sample(rng);
  if (slowdown != 1.0) t *= slowdown;
  return round_to_time(t);
}

// Answers a caller (a client, a balancer, a service, or another node that
// passed the request on).
inline void answer(Network& net, ActorId self, std::uint32_t bytes, ActorId to, Handle h, Status s,
                   const AnswerValue& v) {
  Message m = make_response(self, to, h, bytes, s);
  set_answer_value(m, v);
  net.send(m);
}

// A check the store runs on one node's actor every 100 ms while settling,
// until it returns false.
class SettleChecks {
 public:
  static constexpr Time kEvery = 100 * kMillisecond;
  // Timer events go to `owner` with `kind` (on_event takes them).
  void start(Simulation& sim, ActorId owner, std::uint16_t kind, std::function<bool()> check) {
    check_ = std::move(check);
    kind_ = kind;
    sim.schedule_after(kEvery, owner, kind_, 0);
  }
  void on_event(Simulation& sim, ActorId owner) {
    if (check_()) sim.schedule_after(kEvery, owner, kind_, 0);
  }

 private:
  std::function<bool()> check_;
  std::uint16_t kind_ = 0;
};

// Requests a node passed on to another (the leader, or a named node), each
// answered back to its caller when the other node answers, or "timeout"
// when it does not in time.
class Forwarder {
 public:
  // Timer events go to `owner` with `timer_kind` (on_timer takes them);
  // answers are `response_size` bytes.
  void bind(Simulation& sim, ActorId owner, std::uint16_t timer_kind, std::uint32_t response_size) {
    sim_ = &sim;
    owner_ = owner;
    response_size_ = response_size;
    calls_.bind(sim, owner, timer_kind);
  }
  // Passes `msg` on to `to` as it came (a write's payload taken along).
  void forward(const Message& msg, ActorId to, Time timeout) {
    const Handle h = calls_.start(timeout, Call{msg.src, handle_of(msg)});
    Message fwd = msg;
    fwd.src = owner_;
    fwd.dst = to;
    fwd.token = h.slot;
    fwd.gen = h.gen;
    if (msg.has(kPooledPayload)) fwd.words[1] = sim_->network().take_payload(msg);
    sim_->network().send(fwd);
  }
  // An answer to a request passed on: relayed (nothing, if it timed out).
  void on_answer(const Message& msg) {
    const Handle h = handle_of(msg);
    const Call* c = calls_.find(h);
    if (c == nullptr) return;
    const Call copy = *c;
    calls_.finish(h);
    answer(sim_->network(), owner_, response_size_, copy.caller, copy.reply_to, answer_status(msg), answer_value(msg));
  }
  void on_timer(std::uint32_t arg) {
    calls_.on_timer(arg, [this](Handle, const Call& c) {
      answer(sim_->network(), owner_, response_size_, c.caller, c.reply_to, Status::kTimeout, {});
    });
  }
  std::uint64_t outstanding() const { return calls_.outstanding(); }
  // A crash: the callers time out.
  void drop_all() { calls_.drop_all(); }

 private:
  struct Call {
    ActorId caller = 0;
    Handle reply_to{};
  };
  Simulation* sim_ = nullptr;
  ActorId owner_ = 0;
  std::uint32_t response_size_ = 0;
  CallTracker<Call> calls_;
};

}  // namespace dsim::store_detail
