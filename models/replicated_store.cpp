#include "dsim/models/replicated_store.h"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "dsim/models/events.h"
#include "dsim/models/leader_follower.h"
#include "dsim/models/raft.h"
#include "dsim/models/occupancy.h"
#include "dsim/models/rpc.h"
#include "dsim/models/store_cells.h"
#include "dsim/models/store_instance.h"
#include "dsim/models/worker_pool.h"
#include "dsim/models/world.h"
#include "dsim/sim/node_state.h"
#include "dsim/sim/ring_buffer.h"

namespace dsim {

namespace {

using store_detail::Cell;
using store_detail::CellMap;
using store_detail::ReceivedOps;
using store_detail::mix64;
using store_detail::newer;
using store_detail::same;

// The store's own messages (the built-in protocol of models/rpc.h numbers
// its types below 16).
enum class StoreMsg : std::uint16_t {
  kReplicaRead = 32,    // words[1]: the key
  kReplicaWrite = 33,   // a pooled StoredCell
  kReplicaAnswer = 34,  // status; the copy in words[0] (value) and words[1] (version); the request's tag
  kSync = 35,           // a pooled std::vector<StoredCell>: the sender's copies of the keys both hold
  kSyncReply = 36,      // a pooled std::vector<StoredCell>: the receiver's newer copies
};
bool is_store(const Message& m, StoreMsg t) { return m.type == static_cast<std::uint16_t>(t); }
// Whose replica operation it is (Message::tag, echoed in the answer and in
// the engine's refusal): a coordinator's, a read repair's (no answer
// wanted), or a hint's (answered to the node's own calls).
enum ReplicaTag : std::uint8_t { kForCoordinator = 0, kRepair = 1, kForHint = 2 };

struct StoredCell {
  std::uint64_t key = 0;
  Cell cell;
  std::int32_t hint_for = -1;  // sloppy quorum: the replica (index) this write stands in for
};
using Cells = std::vector<StoredCell>;

// Counters of a node (whole run), reported per store.
struct StoreCounters {
  std::uint64_t coordinated_reads = 0;
  std::uint64_t coordinated_writes = 0;
  std::uint64_t refused_unavailable = 0;  // too many replicas suspected: none contacted
  std::uint64_t read_repairs = 0;         // repair writes sent
  std::uint64_t stand_ins = 0;            // sloppy quorum: writes and reads sent to a stand-in
  std::uint64_t hints_stored = 0;
  std::uint64_t hints_delivered = 0;
  std::uint64_t hints_expired = 0;
  std::uint64_t anti_entropy_rounds = 0;
  std::uint64_t anti_entropy_repaired = 0;  // copies replaced by a newer one

  StoreCounters& operator+=(const StoreCounters& o) {
    coordinated_reads += o.coordinated_reads;
    coordinated_writes += o.coordinated_writes;
    refused_unavailable += o.refused_unavailable;
    read_repairs += o.read_repairs;
    stand_ins += o.stand_ins;
    hints_stored += o.hints_stored;
    hints_delivered += o.hints_delivered;
    hints_expired += o.hints_expired;
    anti_entropy_rounds += o.anti_entropy_rounds;
    anti_entropy_repaired += o.anti_entropy_repaired;
    return *this;
  }
};

Message store_message(ActorId from, ActorId to, StoreMsg type, Handle h, std::uint32_t bytes) {
  Message m;
  m.src = from;
  m.dst = to;
  m.bytes = bytes;
  m.type = static_cast<std::uint16_t>(type);
  m.token = h.slot;
  m.gen = h.gen;
  return m;
}

// Who an operation answers: a caller's handle (a node coordinating) or a
// client's attempt (a driver).
struct Caller {
  ActorId actor = 0;
  Handle reply_to{};
};

class CoordinatorHost {
 public:
  virtual ~CoordinatorHost() = default;
  virtual void answer(const Caller& to, Status status, const AnswerValue& value) = 0;
  // The node this host is (its replica operations stay local), or -1.
  virtual int self_node() const = 0;
  // A replica operation on this very node, answered through
  // Coordinator::on_local_answer(call, ...).
  virtual void replica_local(Operation kind, const StoredCell& c, Handle call) = 0;
  // A write `node` did not acknowledge: keep it as a hint (if enabled).
  virtual void hint(int node, const StoredCell& c) = 0;
};

// Runs operations the leaderless way: fan out to the key's replicas (and
// stand-ins), answer after R or W acknowledgements, repair what a read saw
// stale. Used by a node coordinating and by a client's driver.
class Coordinator {
 public:
  Coordinator(const ReplicatedStoreSpec& spec, Simulation& sim, ActorId self, std::uint16_t timer_kind, Rng& rng,
              CoordinatorHost& host, StoreCounters& counters, bool read_repair = true)
      : spec_(spec),
        cfg_(spec.config()),
        sim_(sim),
        self_(self),
        rng_(rng),
        host_(host),
        counters_(counters),
        read_repair_(read_repair ? cfg_.read_repair : 0.0) {
    calls_.bind(sim, self, timer_kind);
    suspected_until_.assign(static_cast<std::size_t>(spec.replica_count()), Time{0});
    suspicion_ = cfg_.call_timeout ? *cfg_.call_timeout : kSecond;
  }

  void set_nodes(std::vector<ActorId> nodes) { nodes_ = std::move(nodes); }
  // Where operations this coordinator starts are counted as received (none: not counted).
  void count_received(ReceivedOps* received) { received_ = received; }

  void start(const Caller& caller, const RequestContext& ctx, Time default_timeout) {
    const bool read = ctx.op != Operation::kWrite;
    if (received_ != nullptr) received_->count(sim_.now(), read);
    const int needed = read ? cfg_.read_consistency : cfg_.write_consistency;
    (read ? counters_.coordinated_reads : counters_.coordinated_writes) += 1;
    spec_.replicas_of(ctx.key, pref_);
    int healthy = 0;
    if (cfg_.sloppy_quorum) {
      for (std::size_t n = 0; n < suspected_until_.size(); ++n) healthy += suspected(n) ? 0 : 1;
    } else {
      for (const int n : pref_) healthy += suspected(static_cast<std::size_t>(n)) ? 0 : 1;
    }
    if (healthy < needed) {
      ++counters_.refused_unavailable;
      host_.answer(caller, Status::kUnavailable, {});
      return;
    }
    const Handle oh = ops_.acquire();
    Op& op = ops_.at(oh.slot);
    op.reset();
    if (targets_.size() < (oh.slot + 1) * kMaxTargets) {
      targets_.resize(std::max<std::size_t>((oh.slot + 1) * kMaxTargets, 2 * targets_.size()));
      for (std::uint32_t i = 0; i <= oh.slot; ++i)  // the storage may have moved
        if (Op* o = ops_.find(Handle{i, ops_.gen_of(i)})) o->t = &targets_[i * kMaxTargets];
    }
    op.t = &targets_[oh.slot * kMaxTargets];  // written as they are added
    op.caller = caller;
    op.read = read;
    op.needed = static_cast<std::uint8_t>(needed);
    op.key = ctx.key;
    if (!read) op.write = Cell{ctx.value, sim_.network().clock(self_)};
    for (const int n : pref_) op.t[op.targets++] = Target{static_cast<std::int16_t>(n), -1, 0, {}};
    if (cfg_.sloppy_quorum) {
      // Each suspected replica gets a stand-in: the next healthy node on the
      // ring that is not already a target, holding the write with a hint.
      bool walked = false;
      for (int i = 0; i < static_cast<int>(pref_.size()); ++i) {
        const int n = pref_[static_cast<std::size_t>(i)];
        if (!suspected(static_cast<std::size_t>(n))) continue;
        if (!walked) {
          spec_.ring_walk(ctx.key, walk_);
          walked = true;
        }
        for (std::size_t w = pref_.size(); w < walk_.size(); ++w) {
          const int s = walk_[w];
          if (s < 0 || suspected(static_cast<std::size_t>(s))) continue;
          walk_[w] = -1;  // taken
          op.t[op.targets++] = Target{static_cast<std::int16_t>(s), static_cast<std::int16_t>(n), 0, {}};
          ++counters_.stand_ins;
          break;
        }
      }
    }
    op.repair = read && read_repair_ > 0 && rng_.uniform() < read_repair_;
    Time timeout = cfg_.call_timeout ? *cfg_.call_timeout : (ctx.budget > 0 ? ctx.budget : default_timeout);
    // A driver waits no longer than its client would (the client's own
    // operation ends then anyway).
    if (host_.self_node() < 0 && ctx.budget > 0) timeout = std::min(timeout, ctx.budget);
    // One timer for the operation; each replica's answer names the
    // operation and its target (call_handle).
    op.timer = calls_.start(timeout, oh);
    op.timer_live = true;
    const std::uint8_t targets = op.targets;
    for (std::uint8_t i = 0; i < targets; ++i) {
      Op* o = ops_.find(oh);
      if (o == nullptr) return;
      const Target t = o->t[i];
      const StoredCell sc{o->key, o->write, t.hint_for};
      const Handle ch = call_handle(oh, i);
      if (t.node == host_.self_node()) {
        host_.replica_local(read ? Operation::kRead : Operation::kWrite, sc, ch);
        continue;
      }
      Network& net = sim_.network();
      const ActorId to = nodes_[static_cast<std::size_t>(t.node)];
      Message m = store_message(self_, to, read ? StoreMsg::kReplicaRead : StoreMsg::kReplicaWrite, ch,
                                cfg_.request_size);
      m.flags = kExpectsReply;
      m.origin = caller.actor;
      if (read) {
        m.words[1] = sc.key;
      } else {
        m.words[1] = net.payloads().pool<StoredCell>().store(sc);
        m.flags |= kPooledPayload;
      }
      net.send(m);
    }
  }

  // A replica's answer, or the engine's refusal of a replica operation: true
  // if it was one.
  bool on_message(const Message& m) {
    if (m.tag != kForCoordinator) return false;
    if (m.has(kRefused)) {
      if (!is_store(m, StoreMsg::kReplicaRead) && !is_store(m, StoreMsg::kReplicaWrite)) return false;
      result(handle_of(m), Status::kUnavailable, {});
      return true;
    }
    if (!is_store(m, StoreMsg::kReplicaAnswer)) return false;
    result(handle_of(m), static_cast<Status>(m.status), Cell{m.words[0], static_cast<std::int64_t>(m.words[1])});
    return true;
  }
  void on_local_answer(Handle call, Status s, const Cell& c) { result(call, s, c); }
  // The operation's wait ran out: every replica that has not answered failed.
  void on_timer(std::uint32_t arg) {
    calls_.on_timer(arg, [this](Handle, const Handle& oh) {
      Op* o = ops_.find(oh);
      if (o == nullptr) return;
      o->timer_live = false;
      const std::uint8_t targets = o->targets;
      for (std::uint8_t i = 0; i < targets; ++i) {
        o = ops_.find(oh);
        if (o == nullptr) return;  // complete
        if (o->t[i].state == 0) outcome(oh, i, Status::kTimeout, {});
      }
    });
  }
  // A crash: every operation in progress is forgotten, and what the node
  // suspected.
  void drop_all() {
    calls_.drop_all();
    ops_.for_each_live([this](Handle h, Op&) { ops_.release(h); });
    std::fill(suspected_until_.begin(), suspected_until_.end(), Time{0});
  }
  std::size_t in_progress() const { return ops_.live(); }

 private:
  struct Target {
    std::int16_t node = 0;
    std::int16_t hint_for = -1;  // a stand-in for this replica
    std::uint8_t state = 0;      // 0 waiting, 1 acknowledged, 2 failed
    Cell cell;                   // what a read found
  };
  struct Op {
    Caller caller;
    std::uint64_t key = 0;
    Cell write;  // a write's value and timestamp
    Cell best;   // a read's newest answer
    bool read = true;
    bool answered = false;
    bool repair = false;
    bool any_timeout = false;
    bool only_rejections = true;
    bool timer_live = false;
    std::uint8_t needed = 1, targets = 0, resolved = 0, acks = 0;
    Target* t = nullptr;  // its kMaxTargets targets, in targets_ (not reset with the slot)
    Handle timer{};       // its entry in calls_

    void reset() {
      caller = {};
      key = 0;
      write = best = Cell{};
      read = true;
      answered = repair = any_timeout = false;
      only_rejections = true;
      needed = 1;
      targets = resolved = acks = 0;
    }
  };
  static constexpr std::size_t kMaxTargets = 2 * ReplicatedStoreSpec::kMaxReplicationFactor;
  static constexpr int kTargetBits = 5;  // kMaxTargets == 1 << kTargetBits
  static_assert(kMaxTargets == (1u << kTargetBits));
  std::vector<Target> targets_;

  // A replica operation's correlation handle: the operation's slot and
  // target in the token, its generation in gen.
  static Handle call_handle(Handle op, std::uint8_t target) {
    DSIM_CHECK(op.slot < (1u << (32 - kTargetBits)));
    return Handle{(op.slot << kTargetBits) | target, op.gen};
  }

  void result(Handle call, Status s, const Cell& c) {
    const Handle oh{call.slot >> kTargetBits, call.gen};
    const auto target = static_cast<std::uint8_t>(call.slot & (kMaxTargets - 1));
    const Op* o = ops_.find(oh);
    // After its operation's timeout, or an answer already counted.
    if (o == nullptr || target >= o->targets || o->t[target].state != 0) return;
    outcome(oh, target, s, c);
  }

  void outcome(Handle oh, std::uint8_t target, Status s, const Cell& c) {
    Op& op = ops_.at(oh.slot);
    Target& t = op.t[target];
    const auto node = static_cast<std::size_t>(t.node);
    if (s == Status::kOk) {
      t.state = 1;
      t.cell = c;
      suspected_until_[node] = Time{0};
      ++op.acks;
      if (op.read && newer(c, op.best)) op.best = c;
    } else {
      t.state = 2;
      if (s == Status::kTimeout) op.any_timeout = true;
      if (s != Status::kRejected) op.only_rejections = false;
      // A replica that timed out or refused is suspected until it answers.
      if ((s == Status::kTimeout || s == Status::kUnavailable) && t.node != host_.self_node())
        suspected_until_[node] = sat_add(sim_.now(), suspicion_);
      if (!op.read) host_.hint(t.hint_for >= 0 ? t.hint_for : t.node, StoredCell{op.key, op.write, -1});
    }
    ++op.resolved;
    // Answering may start another operation at once (a probe's driver host
    // writes its next version): ops_ may grow, so `op` is found again.
    maybe_answer(op);
    const Op& after = ops_.at(oh.slot);
    if (after.resolved == after.targets) complete(oh);
  }

  void maybe_answer(Op& op) {
    if (op.answered) return;
    if (op.acks >= op.needed) {
      op.answered = true;
      const Cell c = op.read ? op.best : op.write;
      const Caller caller = op.caller;  // by value: answering may move ops_ (see outcome)
      host_.answer(caller, Status::kOk, AnswerValue{true, c.value, c.ts});
      return;
    }
    if (op.acks + (op.targets - op.resolved) >= op.needed) return;
    op.answered = true;
    // A write some replica may have applied, or may still apply (a target
    // not yet answered, a hint kept for a replayed write), has an unknown
    // outcome: "timeout".
    Status s = Status::kUnavailable;
    const bool may_apply = !op.read && (op.acks > 0 || op.resolved < op.targets || cfg_.hinted_handoff.has_value());
    if (op.any_timeout || may_apply) s = Status::kTimeout;
    else if (op.only_rejections) s = Status::kRejected;
    const Caller caller = op.caller;
    host_.answer(caller, s, {});
  }

  // Every target answered or timed out: repair, then forget the operation.
  void complete(Handle oh) {
    Op& op = ops_.at(oh.slot);
    if (op.timer_live) calls_.finish(op.timer);
    if (op.repair) {
      Network& net = sim_.network();
      for (std::uint8_t i = 0; i < op.targets; ++i) {
        const Target& t = op.t[i];
        if (t.state != 1 || !newer(op.best, t.cell)) continue;
        ++counters_.read_repairs;
        const StoredCell sc{op.key, op.best, -1};
        if (t.node == host_.self_node()) {
          host_.replica_local(Operation::kWrite, sc, Handle{UINT32_MAX, 0});
          continue;
        }
        Message m = store_message(self_, nodes_[static_cast<std::size_t>(t.node)], StoreMsg::kReplicaWrite,
                                  Handle{}, cfg_.request_size);
        m.tag = kRepair;  // no answer wanted
        m.words[1] = net.payloads().pool<StoredCell>().store(sc);
        m.flags = kPooledPayload;
        net.send(m);
      }
    }
    ops_.release(oh);
  }

  const ReplicatedStoreSpec& spec_;
  const ReplicatedStoreSpec::Config& cfg_;
  Simulation& sim_;
  ActorId self_;
  Rng& rng_;
  CoordinatorHost& host_;
  StoreCounters& counters_;
  ReceivedOps* received_ = nullptr;
  double read_repair_;  // the store's read_repair, or 0 for a probe's reads
  std::vector<ActorId> nodes_;
  // Per node: suspected until then (a failed call suspects it for
  // call_timeout, default 1 s; an answer clears it).
  std::vector<Time> suspected_until_;
  Time suspicion_ = kSecond;
  bool suspected(std::size_t n) const { return sim_.now() < suspected_until_[n]; }
  SlotTable<Op> ops_;
  CallTracker<Handle> calls_;  // an operation's wait for its replicas
  std::vector<int> pref_;  // scratch
  std::vector<int> walk_;  // scratch
};

enum NodeEvent : std::uint16_t { kServiceDone = 1, kCoordTimeout = 2, kCallTimeout = 3, kHintTick = 4, kSyncTick = 5 };

// One node of a leaderless store: a replica of its keys and a coordinator.
class StoreNode final : public ReplicaActor, private CoordinatorHost {
 public:
  StoreNode(const ReplicatedStoreSpec& spec, int index, BuildContext& ctx)
      : spec_(spec),
        cfg_(spec.config()),
        index_(index),
        sim_(ctx.sim),
        handled_(ctx.sim.bus().channel<RequestHandled>()),
        settled_(ctx.sim.bus().channel<StoreKeySettled>()),
        rng_(ctx.sim.stream(spec.replica_name(index))),
        default_timeout_(ctx.default_timeout),
        pool_(static_cast<std::size_t>(cfg_.workers), ctx.warmup, ctx.duration) {
    received_ = ReceivedOps{ctx.warmup, ctx.duration, 0, 0};
    if (cfg_.durable) {
      disk_.emplace(*this, CellMap{});
    } else {
      memory_.emplace(*this, CellMap{});
    }
  }

  void bind() {
    coord_.emplace(spec_, sim_, actor_id(), kCoordTimeout, rng_, static_cast<CoordinatorHost&>(*this), counters_);
    coord_->count_received(&received_);
    calls_.bind(sim_, actor_id(), kCallTimeout);
  }

  void set_nodes(const std::vector<ActorId>& nodes) {
    nodes_ = nodes;
    coord_->set_nodes(nodes);
  }

  void start() {
    if (cfg_.anti_entropy_interval) {
      // Nodes take turns across one interval.
      const Time first = *cfg_.anti_entropy_interval / spec_.replica_count() * (index_ + 1);
      sim_.schedule(first, actor_id(), kSyncTick, 0);
    }
  }

  void on_message(const Message& msg) override {
    if (coord_->on_message(msg)) return;
    if (msg.has(kRefused)) {
      // A hint or a sync of this node's that found the peer's process dead.
      if (is_store(msg, StoreMsg::kSync) || is_store(msg, StoreMsg::kReplicaWrite)) on_call_answer(msg);
      return;
    }
    if (is_type(msg, MsgType::kRequest)) {
      const RequestContext ctx = context_of(sim_.network(), msg);
      coord_->start(Caller{msg.src, handle_of(msg)}, ctx, default_timeout_);
    } else if (is_store(msg, StoreMsg::kReplicaRead) || is_store(msg, StoreMsg::kReplicaWrite)) {
      on_replica_request(msg);
    } else if (is_store(msg, StoreMsg::kSync)) {
      on_sync(msg);
    } else if (is_store(msg, StoreMsg::kSyncReply) || is_store(msg, StoreMsg::kReplicaAnswer)) {
      on_call_answer(msg);  // a sync answered, a hint delivered
    } else if (is_type(msg, MsgType::kHealthCheck)) {
      answer_health_check(sim_.network(), actor_id(), msg);
    }
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    switch (kind) {
      case kServiceDone:
        if (pool_.finishing(arg, sim_.now())) serve(arg);  // (else an event from before a crash)
        return;
      case kCoordTimeout:
        coord_->on_timer(arg);
        return;
      case kCallTimeout:
        calls_.on_timer(arg, [this](Handle, const NodeCall& c) { call_failed(c); });
        return;
      case kHintTick:
        if (arg != hint_tick_gen_) return;  // a tick scheduled before a crash
        hint_tick_due_ = false;
        replay_hints();
        return;
      case kSyncTick:
        sim_.schedule_after(*cfg_.anti_entropy_interval, actor_id(), kSyncTick, 0);
        if (!down_) sync_round(false);
        return;
      default:
        DSIM_CHECK_MSG(false, "replicated_store: unknown event kind");
    }
  }

  void on_down() override {
    const Time now = sim_.now();
    down_ = true;
    coord_->drop_all();
    // Settling work dropped with its calls ends here (faults are healed
    // while settling, so this is for a program's own fault schedules).
    calls_.for_each([this](Handle, const NodeCall& c) {
      if (c.settle) sim_.end_work();
    });
    calls_.drop_all();
    if (settle_work_) {
      settle_work_ = false;
      sim_.end_work();
    }
    pool_.crash(now);
    for (auto& [id, h] : *hints_) h.in_flight = false;
    hint_tick_due_ = false;
    ++hint_tick_gen_;  // the pending tick, if any, is stale
    // (With durable: false, the engine empties the data after this.)
  }
  void on_up() override {
    down_ = false;
    if (!hints_->empty()) schedule_hint_tick();
  }
  void set_slowdown(double factor) override { slowdown_ = factor; }

  Occupancy& occupancy() { return pool_.occupancy(); }
  const Occupancy& occupancy() const { return pool_.occupancy(); }
  const StoreCounters& counters() const { return counters_; }
  const ReceivedOps& received() const { return received_; }
  Simulation& sim() { return sim_; }
  const CellMap& copies() const { return cfg_.durable ? **disk_ : **memory_; }
  std::size_t hints_held() const { return hints_->size(); }
  std::uint64_t in_progress() const { return coord_->in_progress(); }

  // Settling: one anti-entropy round, and hints replayed every
  // kSettleRetry until none is left (those stored meanwhile too) or
  // kSettleTicks have passed, as open work.
  void begin_settle() {
    settling_ = true;
    if (cfg_.hinted_handoff && !hints_->empty()) {
      settle_work_ = true;
      sim_.begin_work();
      replay_hints();
    }
    sync_round(true);
  }

 private:
  // A replica operation waiting for or holding a worker.
  struct Job {
    ActorId from = 0;
    Handle reply_to{};
    bool read = true;
    bool local = false;     // from this node's own coordinator
    bool no_answer = false; // a read repair
    std::uint8_t tag = kForCoordinator;  // echoed in the answer
    StoredCell cell;
    Time arrived = 0;
    bool measured = false;
  };
  struct Hint {
    int node = 0;
    StoredCell cell;
    Time stored = 0;
    bool in_flight = false;
  };
  // A call of this node's own (not a coordinator's): a hint or a sync.
  struct NodeCall {
    bool hint = true;
    std::uint64_t hint_id = 0;
    bool settle = false;  // open work of the simulation while settling
  };

  CellMap& data() { return cfg_.durable ? **disk_ : **memory_; }

  // --- replica operations --------------------------------------------------

  void on_replica_request(const Message& msg) {
    Job job;
    job.from = msg.src;
    job.reply_to = handle_of(msg);
    job.read = is_store(msg, StoreMsg::kReplicaRead);
    job.tag = msg.tag;
    job.no_answer = msg.tag == kRepair;
    if (job.read) {
      job.cell.key = msg.words[1];
    } else {
      job.cell = sim_.network().payloads().pool<StoredCell>().get(msg.words[1]);
    }
    std::as_const(data()).prefetch(job.cell.key);
    admit(job);
  }

  void replica_local(Operation kind, const StoredCell& c, Handle call) override {
    Job job;
    job.from = actor_id();
    job.reply_to = call;
    job.read = kind == Operation::kRead;
    job.local = true;
    job.no_answer = call.slot == UINT32_MAX;
    job.cell = c;
    admit(job);
  }

  void admit(const Job& job) {
    const Time now = sim_.now();
    if (pool_.full(cfg_.queue_capacity)) {
      pool_.reject(now);
      answer_replica(job, Status::kRejected, {});
      return;
    }
    if (const auto w = pool_.admit(job, now)) begin(*w);
  }

  // Worker w took a job: its service time.
  void begin(std::uint32_t w) {
    auto& worker = pool_.worker(w);
    const Job& job = worker.job;
    const Distribution& d = job.read ? (cfg_.read_service_time ? *cfg_.read_service_time : cfg_.service_time)
                                     : (cfg_.write_service_time ? *cfg_.write_service_time : cfg_.service_time);
    double t = d.sample(rng_);
    if (slowdown_ != 1.0) t *= slowdown_;
    worker.done_at = sim_.now() + round_to_time(t);
    sim_.schedule(worker.done_at, actor_id(), kServiceDone, w);
  }

  // The worker's service time is over: read or write the copy, answer.
  void serve(std::uint32_t w) {
    const Time now = sim_.now();
    const Job job = pool_.worker(w).job;
    Cell result;
    if (job.read) {
      if (const Cell* c = data().find(job.cell.key)) result = *c;
    } else {
      apply(job.cell.key, job.cell.cell);
      if (job.cell.hint_for >= 0) hint(job.cell.hint_for, StoredCell{job.cell.key, job.cell.cell, -1});
      result = job.cell.cell;
    }
    answer_replica(job, Status::kOk, result);
    if (handled_.active())
      handled_.publish(RequestHandled{actor_id(), job.from, job.arrived, pool_.worker(w).started, now, Status::kOk});
    if (const auto next = pool_.release(w, now)) begin(*next);
  }

  // Last writer wins. Returns whether the copy changed.
  bool apply(std::uint64_t key, const Cell& c) {
    auto [cell, inserted] = data().try_emplace(key, c);
    if (inserted) return true;
    if (!newer(c, *cell)) return false;
    *cell = c;
    return true;
  }

  void answer_replica(const Job& job, Status s, const Cell& c) {
    if (job.no_answer) return;
    if (job.local) {
      coord_->on_local_answer(job.reply_to, s, c);
      return;
    }
    Message m = store_message(actor_id(), job.from, StoreMsg::kReplicaAnswer, job.reply_to, cfg_.response_size);
    m.status = static_cast<std::uint16_t>(s);
    m.tag = job.tag;
    m.words[0] = c.value;
    m.words[1] = static_cast<std::uint64_t>(c.ts);
    sim_.network().send(m);
  }

  // --- coordinator host ----------------------------------------------------

  void answer(const Caller& to, Status s, const AnswerValue& v) override {
    Message m = make_response(actor_id(), to.actor, to.reply_to, cfg_.response_size, s);
    set_answer_value(m, v);
    sim_.network().send(m);
  }
  int self_node() const override { return index_; }

  void hint(int node, const StoredCell& c) override {
    if (!cfg_.hinted_handoff || node == index_) return;
    (*hints_)[next_hint_++] = Hint{node, c, sim_.now(), false};
    ++counters_.hints_stored;
    if (settling_ && !settle_work_ && !down_) {
      settle_work_ = true;  // stored while settling: delivered before it ends
      sim_.begin_work();
    }
    schedule_hint_tick();
  }

  // --- hints ---------------------------------------------------------------

  void schedule_hint_tick() {
    if (hint_tick_due_ || down_) return;
    hint_tick_due_ = true;
    const Time every = settling_ ? std::min(cfg_.hinted_handoff->retry, kSettleRetry) : cfg_.hinted_handoff->retry;
    sim_.schedule_after(every, actor_id(), kHintTick, hint_tick_gen_);
  }

  // Sends every hint not already on its way; expired ones are dropped
  // (not while settling). While settling, the node's open work ends when no
  // hint is left, or after kSettleTicks replays.
  void replay_hints() {
    if (down_ || !cfg_.hinted_handoff) return;
    if (settle_work_ && (hints_->empty() || ++settle_ticks_ > kSettleTicks)) {
      settle_work_ = false;
      sim_.end_work();
    }
    const Time now = sim_.now();
    Network& net = sim_.network();
    for (auto it = hints_->begin(); it != hints_->end();) {
      Hint& h = it->second;
      if (!settling_ && now - h.stored > cfg_.hinted_handoff->window) {
        ++counters_.hints_expired;
        it = hints_->erase(it);
        continue;
      }
      if (!h.in_flight) {
        h.in_flight = true;
        const Handle ch = calls_.start(call_timeout(), NodeCall{true, it->first, false});
        Message m = store_message(actor_id(), nodes_[static_cast<std::size_t>(h.node)], StoreMsg::kReplicaWrite, ch,
                                  cfg_.request_size);
        m.flags = kExpectsReply | kPooledPayload;
        m.tag = kForHint;
        m.words[1] = net.payloads().pool<StoredCell>().store(h.cell);
        net.send(m);
      }
      ++it;
    }
    if (!hints_->empty() || settle_work_) schedule_hint_tick();
  }

  Time call_timeout() const { return cfg_.call_timeout ? *cfg_.call_timeout : default_timeout_; }

  // An answer to a hint or a sync of this node's.
  void on_call_answer(const Message& msg) {
    const Handle h = handle_of(msg);
    const NodeCall* p = calls_.find(h);
    if (p == nullptr) return;
    const NodeCall c = *p;
    calls_.finish(h);
    const bool ok = !msg.has(kRefused) && static_cast<Status>(msg.status) == Status::kOk;
    if (c.hint) {
      const auto it = hints_->find(c.hint_id);
      if (it != hints_->end()) {
        if (ok) {
          ++counters_.hints_delivered;
          hints_->erase(it);
        } else {
          it->second.in_flight = false;
        }
      }
    } else if (ok && is_store(msg, StoreMsg::kSyncReply)) {
      for (const StoredCell& sc : sim_.network().payloads().pool<Cells>().get(msg.words[1]))
        if (apply(sc.key, sc.cell)) ++counters_.anti_entropy_repaired;
    }
    if (c.settle) sim_.end_work();
  }

  void call_failed(const NodeCall& c) {
    if (c.hint) {
      const auto it = hints_->find(c.hint_id);
      if (it != hints_->end()) it->second.in_flight = false;
    }
    if (c.settle) sim_.end_work();
  }

  // --- anti-entropy ----------------------------------------------------------

  // Whether node `n` holds `key` (one of its replication_factor replicas).
  bool holds(std::uint64_t key, int n) {
    spec_.replicas_of(key, scratch_);
    return std::find(scratch_.begin(), scratch_.end(), n) != scratch_.end();
  }

  // Sends every peer that shares keys with this node this node's copies of them.
  void sync_round(bool settle) {
    ++counters_.anti_entropy_rounds;
    const auto n = static_cast<std::size_t>(spec_.replica_count());
    std::vector<Cells> out(n);
    data().for_each([&](std::uint64_t key, const Cell& cell) {
      spec_.replicas_of(key, scratch_);
      if (std::find(scratch_.begin(), scratch_.end(), index_) == scratch_.end()) return;  // a stand-in's copy
      for (const int p : scratch_)
        if (p != index_) out[static_cast<std::size_t>(p)].push_back(StoredCell{key, cell, -1});
    });
    Network& net = sim_.network();
    for (const int peer : spec_.peers_of(index_)) {
      const auto p = static_cast<std::size_t>(peer);
      Cells& cells = out[p];
      std::sort(cells.begin(), cells.end(), [](const StoredCell& a, const StoredCell& b) { return a.key < b.key; });
      if (settle) sim_.begin_work();
      const Handle ch = calls_.start(call_timeout(), NodeCall{false, 0, settle});
      Message m = store_message(actor_id(), nodes_[p], StoreMsg::kSync, ch, sync_bytes(cells.size()));
      m.flags = kExpectsReply | kPooledPayload;
      m.words[1] = net.payloads().pool<Cells>().store(std::move(cells));
      net.send(m);
    }
  }

  static std::uint32_t sync_bytes(std::size_t cells) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(64 + 24 * cells, UINT32_MAX));
  }

  // A peer's copies: keep the newer of each, answer with ours that are newer
  // or that the peer lacks.
  void on_sync(const Message& msg) {
    if (down_) return;
    Network& net = sim_.network();
    const Cells& theirs = net.payloads().pool<Cells>().get(msg.words[1]);
    const int peer = peer_index(msg.src);
    Cells reply;
    for (const StoredCell& sc : theirs) {
      const Cell* mine = data().find(sc.key);
      if (mine == nullptr || newer(sc.cell, *mine)) {
        apply(sc.key, sc.cell);
        ++counters_.anti_entropy_repaired;
      } else if (newer(*mine, sc.cell)) {
        reply.push_back(StoredCell{sc.key, *mine, -1});
      }
    }
    if (peer >= 0) {
      data().for_each([&](std::uint64_t key, const Cell& cell) {
        const bool sent = std::binary_search(theirs.begin(), theirs.end(), StoredCell{key, {}, -1},
                                             [](const StoredCell& a, const StoredCell& b) { return a.key < b.key; });
        if (!sent && holds(key, index_) && holds(key, peer)) reply.push_back(StoredCell{key, cell, -1});
      });
    }
    std::sort(reply.begin(), reply.end(), [](const StoredCell& a, const StoredCell& b) { return a.key < b.key; });
    Message m = store_message(actor_id(), msg.src, StoreMsg::kSyncReply, handle_of(msg), sync_bytes(reply.size()));
    m.flags = kPooledPayload;
    m.words[1] = net.payloads().pool<Cells>().store(std::move(reply));
    net.send(m);
  }

  int peer_index(ActorId a) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i] == a) return static_cast<int>(i);
    return -1;
  }

  const ReplicatedStoreSpec& spec_;
  const ReplicatedStoreSpec::Config& cfg_;
  int index_;
  Simulation& sim_;
  const Channel<RequestHandled>& handled_;
  const Channel<StoreKeySettled>& settled_;
  Rng rng_;
  Time default_timeout_;
  std::vector<ActorId> nodes_;
  std::optional<Coordinator> coord_;
  StoreCounters counters_;
  ReceivedOps received_;
  // The copies: on disk (durable) or in memory (lost in a crash).
  std::optional<Durable<CellMap>> disk_;
  std::optional<Volatile<CellMap>> memory_;
  Durable<std::map<std::uint64_t, Hint>> hints_{*this, {}};  // by id, in the order stored
  std::uint64_t next_hint_ = 0;
  bool hint_tick_due_ = false;
  std::uint32_t hint_tick_gen_ = 0;  // ticks scheduled before the last crash are stale
  bool settle_work_ = false;         // this node's hints are open work of the simulation
  int settle_ticks_ = 0;
  static constexpr Time kSettleRetry = 100 * kMillisecond;
  static constexpr int kSettleTicks = 600;  // a minute of replays
  bool down_ = false;
  bool settling_ = false;
  store_detail::WorkerPool<Job> pool_;
  CallTracker<NodeCall> calls_;
  double slowdown_ = 1.0;
  std::vector<int> scratch_;
};

// The client side of `coordinator: client`: the client replica coordinates
// its own operations, as a token-aware driver that writes to all replicas.
class StoreDriver final : public ClientDriver, private CoordinatorHost {
 public:
  // `counters` are the store's, shared by its drivers.
  // `received`: where its operations count as the store's (none: a probe's, not counted).
  StoreDriver(const ReplicatedStoreSpec& spec, const std::vector<ActorId>& nodes, DriverHost& host,
              StoreCounters& counters, bool read_repair, ReceivedOps* received)
      : host_(host),
        rng_(host.sim().stream(host.stream_name())),
        coord_(spec, host.sim(), host.actor(), DriverHost::kDriverEventBase, rng_, *this, counters, read_repair) {
    coord_.set_nodes(nodes);
    coord_.count_received(received);
  }

  void start(Handle op, const RequestContext& ctx) override {
    coord_.start(Caller{host_.actor(), op}, ctx, ctx.budget);
  }
  bool on_message(const Message& msg) override { return coord_.on_message(msg); }
  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    DSIM_CHECK(kind == DriverHost::kDriverEventBase);
    coord_.on_timer(arg);
  }
  void on_down() override { coord_.drop_all(); }

 private:
  void answer(const Caller& to, Status s, const AnswerValue& v) override {
    host_.driver_done(to.reply_to, static_cast<std::uint16_t>(s), v.present, v.value, v.version);
  }
  int self_node() const override { return -1; }
  void replica_local(Operation, const StoredCell&, Handle) override {
    DSIM_CHECK_MSG(false, "a driver is no node");
  }
  void hint(int, const StoredCell&) override {}  // a driver keeps no hints

  DriverHost& host_;
  Rng rng_;
  Coordinator coord_;
};

class StoreInstance final : public store_detail::StoreInstanceBase<StoreNode> {
 public:
  StoreInstance(const ReplicatedStoreSpec& spec, BuildContext& ctx)
      : StoreInstanceBase(spec, ctx), driver_received_{ctx.warmup, ctx.duration, 0, 0} {}

  void record(ComponentRecord& out) const override {
    ServerInstance::record(out);
    StoreCounters c = driver_counters_;
    std::uint64_t hints = 0;
    out.reads_received = driver_received_.reads;
    out.writes_received = driver_received_.writes;
    for (const auto& r : replicas_) {
      c += r->counters();
      hints += r->hints_held();
      out.reads_received += r->received().reads;
      out.writes_received += r->received().writes;
    }
    const auto add = [&out](const char* name, std::uint64_t v) { out.extra.emplace_back(name, static_cast<double>(v)); };
    add("coordinated_reads", c.coordinated_reads);
    add("coordinated_writes", c.coordinated_writes);
    add("refused_unavailable", c.refused_unavailable);
    add("read_repairs", c.read_repairs);
    if (spec_.config().sloppy_quorum) add("stand_ins", c.stand_ins);
    if (spec_.config().hinted_handoff) {
      add("hints_stored", c.hints_stored);
      add("hints_delivered", c.hints_delivered);
      add("hints_expired", c.hints_expired);
      add("hints_left", hints);
    }
    add("anti_entropy_rounds", c.anti_entropy_rounds);
    add("anti_entropy_repaired", c.anti_entropy_repaired);
  }

  void begin_settle() override {
    for (auto& r : replicas_) r->begin_settle();
  }

  // Each key's converged value: the newest copy among its replicas.
  void end_settle() override {
    Simulation& sim = replicas_.front()->sim();
    const Channel<StoreKeySettled>& ch = sim.bus().channel<StoreKeySettled>();
    if (!ch.active()) return;
    std::vector<std::uint64_t> keys;
    for (const auto& r : replicas_) r->copies().for_each([&keys](std::uint64_t key, const Cell&) { keys.push_back(key); });
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::vector<int> holders;
    for (const std::uint64_t key : keys) {
      spec_.replicas_of(key, holders);
      Cell best;
      bool first = true, converged = true;
      Cell seen;
      for (const int n : holders) {
        const Cell* found = replicas_[static_cast<std::size_t>(n)]->copies().find(key);
        const Cell c = found == nullptr ? Cell{} : *found;
        if (first) {
          seen = c;
          first = false;
        } else if (!same(c, seen)) {
          converged = false;
        }
        if (newer(c, best)) best = c;
      }
      ch.publish(StoreKeySettled{replica_actors().front(), key, best.value, best.ts, converged, sim.now()});
    }
  }

  std::unique_ptr<ClientDriver> make_driver(DriverHost& host, const DriverOptions& options) const override {
    if (!options.always && spec_.config().coordinator != ReplicatedStoreSpec::Coordinator::kClient) return nullptr;
    return std::make_unique<StoreDriver>(spec_, replica_actors(), host, driver_counters_, options.read_repair,
                                         options.always ? nullptr : &driver_received_);
  }

 private:
  // What the clients' drivers coordinated (coordinator: client); written
  // by the drivers during the run, read by record().
  mutable StoreCounters driver_counters_;
  mutable ReceivedOps driver_received_;
};

}  // namespace

ReplicatedStoreSpec::ReplicatedStoreSpec(ComponentCommon common, Config config)
    : ComponentSpec(std::move(common)), config_(std::move(config)) {
  const int nodes = replica_count();
  DSIM_CHECK(config_.workers >= 1);
  if (config_.model == Model::kLeaderFollower) {  // every node holds every key: no ring
    DSIM_CHECK(config_.heartbeat > 0 && config_.heartbeat < config_.detection);
    DSIM_CHECK(config_.log_retention >= 1);
    DSIM_CHECK(config_.replication != Replication::kSemiSync || nodes >= 2);
    DSIM_CHECK(config_.read_from != ReadFrom::kNode || (config_.read_node >= 0 && config_.read_node < nodes));
    return;
  }
  if (config_.model == Model::kRaft) {
    DSIM_CHECK(config_.heartbeat > 0 && config_.heartbeat < config_.election_timeout_min);
    DSIM_CHECK(config_.election_timeout_min <= config_.election_timeout_max);
    DSIM_CHECK(config_.snapshot_every >= 1);
    return;
  }
  DSIM_CHECK(config_.replication_factor >= 1 && config_.replication_factor <= nodes &&
             config_.replication_factor <= kMaxReplicationFactor);
  DSIM_CHECK(config_.read_consistency >= 1 && config_.read_consistency <= config_.replication_factor);
  DSIM_CHECK(config_.write_consistency >= 1 && config_.write_consistency <= config_.replication_factor);
  DSIM_CHECK(config_.vnodes >= 1);
  DSIM_CHECK(config_.read_repair >= 0 && config_.read_repair <= 1);
  // Tokens: each node's vnodes at positions hashed from its name, as
  // Cassandra's random token allocation; the same on every run and platform.
  std::vector<std::pair<std::uint64_t, int>> ring;
  for (int n = 0; n < nodes; ++n)
    for (int v = 0; v < config_.vnodes; ++v)
      ring.emplace_back(mix64(fnv1a64(replica_name(n)) + static_cast<std::uint64_t>(v) * 0x9e3779b97f4a7c15ULL), n);
  std::sort(ring.begin(), ring.end());
  const int rf = config_.replication_factor;
  for (const auto& [t, n] : ring) {
    tokens_.push_back(t);
    owner_.push_back(n);
  }
  bucket_start_.resize(std::size_t{1} << kBucketBits);
  for (std::size_t b = 0, p = 0; b < bucket_start_.size(); ++b) {
    const std::uint64_t start = static_cast<std::uint64_t>(b) << (64 - kBucketBits);
    while (p < tokens_.size() && tokens_[p] < start) ++p;
    bucket_start_[b] = static_cast<std::uint32_t>(p);
  }
  preference_.reserve(ring.size() * static_cast<std::size_t>(rf));
  for (std::size_t p = 0; p < ring.size(); ++p) {
    std::vector<int> list;
    for (std::size_t k = 0; k < ring.size() && static_cast<int>(list.size()) < rf; ++k) {
      const int n = owner_[(p + k) % ring.size()];
      if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
    }
    preference_.insert(preference_.end(), list.begin(), list.end());
  }
  // Peers: nodes that share a preference list, hence keys.
  std::vector<std::vector<bool>> share(static_cast<std::size_t>(nodes), std::vector<bool>(static_cast<std::size_t>(nodes), false));
  for (std::size_t p = 0; p < preference_.size(); p += static_cast<std::size_t>(rf))
    for (int i = 0; i < rf; ++i)
      for (int j = 0; j < rf; ++j)
        if (i != j)
          share[static_cast<std::size_t>(preference_[p + static_cast<std::size_t>(i)])]
               [static_cast<std::size_t>(preference_[p + static_cast<std::size_t>(j)])] = true;
  peers_.resize(static_cast<std::size_t>(nodes));
  for (int a = 0; a < nodes; ++a)
    for (int b = 0; b < nodes; ++b)
      if (share[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)]) peers_[static_cast<std::size_t>(a)].push_back(b);
}

ReplicatedStoreSpec::~ReplicatedStoreSpec() = default;

const char* ReplicatedStoreSpec::model_name(Model m) {
  switch (m) {
    case Model::kLeaderless: break;
    case Model::kLeaderFollower: return "leader_follower";
    case Model::kRaft: return "raft";
  }
  return "leaderless";
}

std::uint64_t ReplicatedStoreSpec::token_of(std::uint64_t key) { return mix64(key ^ 0x5bd1e9955bd1e995ULL); }

std::size_t ReplicatedStoreSpec::position_of(std::uint64_t key) const {
  const std::uint64_t t = token_of(key);
  // The first token at or after the key's, wrapping around; the scan starts
  // where the key's slice of the token space does.
  std::size_t p = bucket_start_[t >> (64 - kBucketBits)];
  while (p < tokens_.size() && tokens_[p] < t) ++p;
  return p == tokens_.size() ? 0 : p;
}

void ReplicatedStoreSpec::replicas_of(std::uint64_t key, std::vector<int>& out) const {
  const auto rf = static_cast<std::size_t>(config_.replication_factor);
  const std::size_t p = position_of(key);
  out.assign(preference_.begin() + static_cast<std::ptrdiff_t>(p * rf),
             preference_.begin() + static_cast<std::ptrdiff_t>((p + 1) * rf));
}

void ReplicatedStoreSpec::ring_walk(std::uint64_t key, std::vector<int>& out) const {
  const std::size_t p = position_of(key);
  out.clear();
  std::vector<bool> seen(static_cast<std::size_t>(replica_count()), false);
  for (std::size_t k = 0; k < tokens_.size() && static_cast<int>(out.size()) < replica_count(); ++k) {
    const int n = owner_[(p + k) % tokens_.size()];
    if (seen[static_cast<std::size_t>(n)]) continue;
    seen[static_cast<std::size_t>(n)] = true;
    out.push_back(n);
  }
}

std::optional<double> ReplicatedStoreSpec::capacity() const {
  const double read = (config_.read_service_time ? *config_.read_service_time : config_.service_time).mean();
  const double write = (config_.write_service_time ? *config_.write_service_time : config_.service_time).mean();
  const double mean_ns = std::max(read, write);
  if (!(mean_ns > 0)) return std::nullopt;
  // Leader-follower and raft: the leader serves every write (and every
  // read, unless read_from spreads them): one node's workers bound it.
  if (config_.model != Model::kLeaderless) return static_cast<double>(config_.workers) * 1e9 / mean_ns;
  return static_cast<double>(replica_count()) * static_cast<double>(config_.workers) * 1e9 / mean_ns /
         static_cast<double>(config_.replication_factor);
}

std::unique_ptr<ComponentInstance> ReplicatedStoreSpec::instantiate(BuildContext& ctx) const {
  if (config_.model == Model::kLeaderFollower) return make_leader_follower_instance(*this, ctx);
  if (config_.model == Model::kRaft) return make_raft_instance(*this, ctx);
  return std::make_unique<StoreInstance>(*this, ctx);
}

}  // namespace dsim
