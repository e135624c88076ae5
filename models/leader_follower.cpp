// `model: leader_follower`: a leader streams its log to followers; failover
// by the followers' vote (models/replicated_store.h has the whole story).
#include "dsim/models/leader_follower.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "dsim/models/events.h"
#include "dsim/models/occupancy.h"
#include "dsim/models/replicated_store.h"
#include "dsim/models/rpc.h"
#include "dsim/models/store_cells.h"
#include "dsim/models/store_instance.h"
#include "dsim/models/store_node.h"
#include "dsim/models/time_span.h"
#include "dsim/models/worker_pool.h"
#include "dsim/sim/node_state.h"
#include "dsim/sim/ring_buffer.h"
#include "dsim/sim/stats.h"

namespace dsim {

namespace {

using store_detail::Cell;
using store_detail::CellMap;
using store_detail::same;
using store_detail::Span;
using Spec = ReplicatedStoreSpec;

// The store's own messages (models/rpc.h numbers the built-in ones below 16;
// the leaderless model uses 32..36).
enum class LfMsg : std::uint16_t {
  kAppend = 48,          // a pooled Entry; words[0]: the leader's epoch
  kAppendBatch = 49,     // a pooled std::vector<Entry>; words[0]: the leader's epoch
  kAck = 50,             // words[0]: position (pack); words[1]: the follower's last index; tag: AckTag
  kHeartbeat = 51,       // words[0]: the leader's epoch; words[1]: when sent (echoed)
  kHeartbeatReply = 52,  // words[0]: position; words[1]: the follower's last index; token, gen: the echo; tag 1: not reconciled
  kVote = 53,            // words[0]: the candidate's epoch; words[1]: its last index; token: its last entry's epoch
  kVoteReply = 54,       // words[0]: the voter's epoch; token: the epoch asked for; status kOk: granted
  kTruncate = 55,        // words[0]: the leader's epoch; words[1]: the end of its entries of epochs <= token
  kSnapshot = 56,        // a pooled Snapshot; words[0]: the leader's epoch
};
bool is_lf(const Message& m, LfMsg t) { return m.type == static_cast<std::uint16_t>(t); }

enum AckTag : std::uint8_t {
  kAckApplied = 0,       // applied up to words[1]
  kAckReconciled = 1,    // after a truncation or a snapshot: the log agrees with the leader's up to words[1]
  kAckNeedSnapshot = 2,  // the log no longer reaches back to where it parts from the leader's
  kAckNewerEpoch = 3,    // the sender knows a newer epoch (words[0]): the leader is deposed
  kAckGap = 4,           // entries after words[1] (the last it has in order) went missing: send them again
};

// A log entry. On the wire `prev` is unset: each node fills it in with its
// own copy when it applies the entry, to undo it if the entry is discarded.
struct Entry {
  std::uint64_t index = 0;
  std::uint32_t epoch = 0;
  std::uint32_t prev_epoch = 0;  // the epoch of entry index - 1 (0: none)
  std::uint64_t key = 0;
  std::uint64_t value = 0;
  Time committed = 0;  // when the leader applied it
  Cell prev;
};

constexpr int kIndexBits = 40;
std::int64_t version_of(std::uint32_t epoch, std::uint64_t index) {
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(epoch) << kIndexBits) | index);
}

// The first index of each epoch's entries in a log (Kafka's leader epochs).
struct EpochStart {
  std::uint32_t epoch = 0;
  std::uint64_t start = 0;
};

// What a node keeps of the replicated data: on disk (durable) or in memory.
struct Disk {
  CellMap data;
  RingBuffer<Entry> log;  // its last log_retention entries, ending at last_index
  std::vector<EpochStart> epochs;
  std::uint64_t last_index = 0;
  std::uint32_t last_epoch = 0;

  // The epoch of entry i (0 for none or i = 0).
  std::uint32_t epoch_at(std::uint64_t i) const {
    if (i == 0 || i > last_index) return 0;
    std::uint32_t e = 0;
    for (const EpochStart& s : epochs)
      if (s.start <= i) e = s.epoch;
    return e;
  }
  // The last index of entries of epochs <= e: where a log that has seen
  // up to epoch e can agree with this one.
  std::uint64_t end_of(std::uint32_t e) const {
    for (const EpochStart& s : epochs)
      if (s.epoch > e) return s.start - 1;
    return last_index;
  }
  // The largest epoch <= e this log has (0: none).
  std::uint32_t floor_epoch(std::uint32_t e) const {
    std::uint32_t f = 0;
    for (const EpochStart& s : epochs)
      if (s.epoch <= e) f = s.epoch;
    return f;
  }
  std::uint64_t first_logged() const { return last_index - log.size() + 1; }
};

// The epoch a node is in and the last it voted in: on disk even for
// `durable: false` (Sentinel and replica-set configuration).
struct Meta {
  std::uint32_t epoch = 1;
  std::uint32_t voted = 0;
};

struct Snapshot {
  std::vector<std::pair<std::uint64_t, Cell>> cells;  // by key
  std::vector<EpochStart> epochs;
  std::uint64_t last_index = 0;
  std::uint32_t last_epoch = 0;
};

// A node's position for a leader: its epoch in the low half, its last
// entry's epoch in the high half.
std::uint64_t pack(std::uint32_t epoch, std::uint32_t last_epoch) {
  return (static_cast<std::uint64_t>(last_epoch) << 32) | epoch;
}
std::uint32_t epoch_of(std::uint64_t w) { return static_cast<std::uint32_t>(w); }
std::uint32_t last_epoch_of(std::uint64_t w) { return static_cast<std::uint32_t>(w >> 32); }

// Whole-run counts of the store.
struct LfCounters {
  std::uint64_t forwarded = 0;          // requests a node passed to another (one more hop)
  std::uint64_t refused_no_leader = 0;  // answered unavailable: no reachable leader known
  std::uint64_t elections = 0;          // candidacies
  std::uint64_t failovers = 0;          // leaders elected
  std::uint64_t fenced = 0;             // leaders that stepped down, cut off from a majority
  std::uint64_t resyncs = 0;            // snapshots sent to followers too far behind
  std::uint64_t entries = 0;            // writes appended by leaders
  std::uint64_t discarded_untracked = 0;  // discarded with a snapshot (the log did not reach back)
};

// What the nodes report to their instance, for the figures only: the
// protocol never reads it.
class Cluster {
 public:
  Cluster(int nodes, Time warmup, Time duration)
      : received{warmup, duration, 0, 0},
        leading_(static_cast<std::size_t>(nodes), 0),
        warmup_(warmup),
        duration_(duration) {
    without_.window(warmup, duration);
    split_.window(warmup, duration);
  }

  // A node began (epoch > 0) or stopped (0) leading.
  void leading(int node, std::uint32_t epoch, Time now) {
    leading_[static_cast<std::size_t>(node)] = epoch;
    int n = 0;
    for (const std::uint32_t e : leading_) n += e > 0 ? 1 : 0;
    max_leaders_ = std::max(max_leaders_, n);
    without_.set(n == 0, now);
    split_.set(n >= 2, now);
  }
  // A leader of `epoch` accepted a write while another led a newer epoch.
  bool split_brain(std::uint32_t epoch) const {
    for (const std::uint32_t e : leading_)
      if (e > epoch) return true;
    return false;
  }
  void discarded(std::uint32_t epoch, std::uint64_t index) { discarded_.emplace(epoch, index); }
  void lag(Time committed, Time now) {
    if (committed >= warmup_ && committed < duration_) lag_.record(now - committed);
  }
  void finish(Time at) {
    const Time end = std::min(at, duration_);
    without_.close(end);
    split_.close(end);
  }

  LfCounters counters;
  store_detail::ReceivedOps received;  // requests from outside the cluster
  std::uint32_t highest_epoch = 1;
  std::uint64_t split_brain_writes = 0;

  int max_leaders() const { return max_leaders_; }
  Time without_leader() const { return without_.total(); }
  Time split_time() const { return split_.total(); }
  std::uint64_t discarded() const { return discarded_.size() + counters.discarded_untracked; }
  const Histogram& lag() const { return lag_; }

 private:
  std::vector<std::uint32_t> leading_;
  int max_leaders_ = 0;
  Time warmup_, duration_;
  Span without_, split_;
  std::set<std::pair<std::uint32_t, std::uint64_t>> discarded_;
  Histogram lag_;
};

enum NodeEvent : std::uint16_t {
  kServiceDone = 1,
  kForwardTimeout = 2,
  kTick = 3,
  kStand = 4,
  kSettleCheck = 5,
  kApplyDone = 6,
};
enum class Role : std::uint8_t { kFollower, kCandidate, kLeader };

class LfNode final : public ReplicaActor {
 public:
  LfNode(const Spec& spec, int index, BuildContext& ctx)
      : cfg_(spec.config()),
        index_(index),
        n_(spec.replica_count()),
        sim_(ctx.sim),
        handled_(ctx.sim.bus().channel<RequestHandled>()),
        leader_changed_(ctx.sim.bus().channel<LeaderChanged>()),
        rng_(ctx.sim.stream(spec.replica_name(index))),
        default_timeout_(ctx.default_timeout),
        pool_(static_cast<std::size_t>(cfg_.workers), ctx.warmup, ctx.duration),
        appliers_(static_cast<std::size_t>(cfg_.workers), ctx.warmup, ctx.duration) {
    if (cfg_.durable) disk_.emplace(*this, Disk{});
    else memory_.emplace(*this, Disk{});
    const auto n = static_cast<std::size_t>(n_);
    match_.assign(n, 0);
    sent_.assign(n, 0);
    progress_.assign(n, 0);
    heard_.assign(n, 0);
    contact_.assign(n, 0);
    checked_.assign(n, false);
    in_sync_.assign(n, false);
    ballot_ = store_detail::Ballot(n_);
    snapshot_at_.assign(n, -1);
    snapshot_index_.assign(n, 0);
  }

  void bind() { fwd_.bind(sim_, actor_id(), kForwardTimeout, cfg_.response_size); }
  void set_cluster(Cluster* c) { cluster_ = c; }
  void set_nodes(const std::vector<ActorId>& nodes) { nodes_.set(nodes); }

  // <name>-0 leads epoch 1; the others follow it, their (empty) logs agreeing.
  void start() {
    if (index_ == 0) {
      st().epochs.push_back(EpochStart{1, 1});
      for (int f = 0; f < n_; ++f) {
        const auto i = static_cast<std::size_t>(f);
        checked_[i] = in_sync_[i] = f != index_;
      }
      become(Role::kLeader, "initial");
    } else {
      leader_ = 0;
      reconciled_ = true;
    }
    sim_.schedule(0, actor_id(), kTick, 0);
  }

  void on_message(const Message& msg) override {
    if (is_type(msg, MsgType::kRequest) && !msg.has(kRefused)) return on_request(msg);
    if (is_answer(msg)) return fwd_.on_answer(msg);
    if (msg.has(kRefused)) return;  // a store message to a killed process: nothing waits on it
    if (is_type(msg, MsgType::kHealthCheck)) return answer_health_check(sim_.network(), actor_id(), msg);
    if (down_) return;
    const int from = nodes_.of(msg.src);
    if (from < 0) return;
    switch (static_cast<LfMsg>(msg.type)) {
      case LfMsg::kAppend:
      case LfMsg::kAppendBatch:
        return on_append(msg, from);
      case LfMsg::kHeartbeat:
        return on_heartbeat(msg, from);
      case LfMsg::kAck:
      case LfMsg::kHeartbeatReply:
        return on_follower_report(msg, from);
      case LfMsg::kVote:
        return on_vote(msg, from);
      case LfMsg::kVoteReply:
        return on_vote_reply(msg, from);
      case LfMsg::kTruncate:
        return on_truncate(msg, from);
      case LfMsg::kSnapshot:
        return on_snapshot(msg, from);
    }
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    switch (kind) {
      case kServiceDone:
        if (pool_.finishing(arg, sim_.now())) serve(arg);  // (else an event from before a crash)
        return;
      case kApplyDone:
        if (appliers_.finishing(arg, sim_.now())) {
          applied(appliers_.worker(arg).job);
          if (const auto next = appliers_.release(arg, sim_.now())) begin_apply(*next);
        }
        return;
      case kForwardTimeout:
        fwd_.on_timer(arg);
        return;
      case kTick:
        sim_.schedule_after(cfg_.heartbeat, actor_id(), kTick, 0);
        if (down_) return;
        if (role_ == Role::kLeader) leader_tick();
        else follower_tick();
        return;
      case kStand:
        if (arg != stand_gen_ || down_) return;
        stand_due_ = false;
        if (role_ == Role::kLeader || leader_alive()) return;
        // Entries received are applied first (as a replica applies its
        // relay log before it is promoted).
        if (!inflight_.empty()) return schedule_stand(kApplyWait);
        pre_stand();
        return;
      case kSettleCheck:
        settle_checks_.on_event(sim_, actor_id());
        return;
      default:
        DSIM_CHECK_MSG(false, "leader_follower: unknown event kind");
    }
  }

  void on_down() override {
    const Time now = sim_.now();
    down_ = true;
    // The replication stream it had sent that has not arrived is lost with
    // it (the connections are gone): with async replication, writes it
    // acknowledged may be on no other node.
    const ActorId self = actor_id();
    sim_.network().drop_in_flight([self](const Message& m) {
      return m.src == self && (is_lf(m, LfMsg::kAppend) || is_lf(m, LfMsg::kAppendBatch) || is_lf(m, LfMsg::kSnapshot));
    });
    // A leader stops leading (become() drops what only a leader keeps).
    if (role_ == Role::kLeader) become(Role::kFollower, "crashed");
    role_ = Role::kFollower;
    leader_ = -1;
    pending_.clear();  // the callers time out
    fwd_.drop_all();
    clear_pipeline();
    ++stand_gen_;
    stand_due_ = false;
    prevoting_ = false;
    pool_.crash(now);
    appliers_.crash(now);
    // (With durable: false, the engine empties the data and log after this.)
  }
  void on_up() override {
    down_ = false;
    last_heard_ = sim_.now();  // a full detection period before standing
    reconciled_ = false;
    accepted_ = st().last_index;
    accepted_epoch_ = st().last_epoch;
  }
  void set_slowdown(double factor) override { slowdown_ = factor; }

  Occupancy& occupancy() { return pool_.occupancy(); }
  const Occupancy& occupancy() const { return pool_.occupancy(); }
  std::uint64_t in_progress() const { return pending_.size() + fwd_.outstanding(); }
  Simulation& sim() { return sim_; }

  // --- for the instance: settling and the converged state -----------------
  bool leads() const { return !down_ && role_ == Role::kLeader; }
  std::uint64_t era() const { return meta_->epoch; }  // (its epoch)
  const Disk& state() const { return cfg_.durable ? **disk_ : **memory_; }
  // Follows `leader` at the leader's last index, nothing in flight.
  bool caught_up_with(const LfNode& leader) const {
    if (&leader == this) return pending_.empty();
    return !down_ && role_ == Role::kFollower && leader_ == leader.index_ && reconciled_ &&
           meta_->epoch == leader.meta_->epoch && inflight_.empty() &&
           state().last_index == leader.state().last_index;
  }
  void start_settle_checks(std::function<bool()> check) {
    settle_checks_.start(sim_, actor_id(), kSettleCheck, std::move(check));
  }

 private:
  // A client operation (on a worker), or the application of a log entry (on
  // an applier), waiting or in service.
  enum class JobKind : std::uint8_t { kRead, kWrite, kApply };
  struct Job {
    JobKind kind = JobKind::kRead;
    ActorId from = 0;
    Handle reply_to{};
    std::uint64_t key = 0;
    std::uint64_t value = 0;  // a write's
    Time budget = 0;
    std::uint32_t apply_gen = 0;
    std::uint64_t index = 0;  // an application's entry
    Time arrived = 0;
    bool measured = false;
  };
  // A write the leader applied, waiting for followers (sync, semi_sync).
  struct Pending {
    std::uint64_t index = 0;
    ActorId caller = 0;
    Handle reply_to{};
    Time deadline = 0;
    Cell cell;
    bool answered = false;
  };
  // An entry accepted in log order, applied on an applier; visible once
  // every entry before it is too.
  struct Inflight {
    Entry entry;
    bool done = false;
    bool ack = false;  // from a catch-up batch: acknowledged even with async
  };

  Disk& st() { return cfg_.durable ? **disk_ : **memory_; }
  int majority() const { return n_ / 2 + 1; }
  bool leader_alive() const {
    return role_ == Role::kLeader || (leader_ >= 0 && sim_.now() - last_heard_ < cfg_.detection);
  }
  Time call_timeout(Time budget) const {
    return cfg_.call_timeout ? *cfg_.call_timeout : (budget > 0 ? budget : default_timeout_);
  }

  // --- client requests --------------------------------------------------

  void on_request(const Message& msg) {
    if (down_) return;
    const RequestContext ctx = context_of(sim_.network(), msg);
    const bool read = ctx.op != Operation::kWrite;
    // A request another node passed on is served here or refused, never
    // passed on again (beliefs about the leader may be crossed for a moment).
    const bool passed_on = nodes_.of(msg.src) >= 0;
    if (!passed_on) cluster_->received.count(sim_.now(), read);
    int serve_at = index_;
    if (!read || cfg_.read_from == Spec::ReadFrom::kLeader) {
      serve_at = role_ == Role::kLeader ? index_ : (leader_alive() && !passed_on ? leader_ : -1);
    } else if (cfg_.read_from == Spec::ReadFrom::kNode) {
      serve_at = cfg_.read_node == index_ || !passed_on ? cfg_.read_node : -1;
    }
    if (serve_at < 0) {
      ++cluster_->counters.refused_no_leader;
      answer(msg.src, handle_of(msg), Status::kUnavailable, {});
      return;
    }
    if (serve_at != index_) {
      ++cluster_->counters.forwarded;
      // The request goes on as it came (a write's payload taken along),
      // answered to this node, which relays the answer.
      fwd_.forward(msg, nodes_[static_cast<std::size_t>(serve_at)], call_timeout(ctx.budget));
      return;
    }
    Job job;
    job.kind = read ? JobKind::kRead : JobKind::kWrite;
    job.from = msg.src;
    job.reply_to = handle_of(msg);
    job.key = ctx.key;
    job.value = ctx.value;
    job.budget = ctx.budget;
    std::as_const(st().data).prefetch(ctx.key);
    admit(job);
  }

  void answer(ActorId to, Handle h, Status s, const AnswerValue& v) {
    store_detail::answer(sim_.network(), actor_id(), cfg_.response_size, to, h, s, v);
  }

  // --- workers ------------------------------------------------------------

  // Client operations take the node's workers; a follower applies the log
  // on applier threads of its own (as many as `workers`: a replica's
  // applier threads, apart from the connections that serve reads), so
  // reads on a lagging follower are served at once, stale, rather than
  // queued behind the backlog. Applies never wait for queue room.
  void admit(const Job& job) {
    const Time now = sim_.now();
    if (job.kind == JobKind::kApply) {
      if (const auto w = appliers_.admit(job, now)) begin_apply(*w);
      return;
    }
    if (pool_.full(cfg_.queue_capacity)) {
      pool_.reject(now);
      answer(job.from, job.reply_to, Status::kRejected, {});
      return;
    }
    if (const auto w = pool_.admit(job, now)) begin(*w);
  }

  Time service_time(bool read) { return store_detail::service_time(cfg_, rng_, read, slowdown_); }

  // Worker w took a job: its service time.
  void begin(std::uint32_t w) {
    auto& worker = pool_.worker(w);
    worker.done_at = sim_.now() + service_time(worker.job.kind == JobKind::kRead);
    sim_.schedule(worker.done_at, actor_id(), kServiceDone, w);
  }
  void begin_apply(std::uint32_t w) {
    auto& worker = appliers_.worker(w);
    worker.done_at = sim_.now() + service_time(false);
    sim_.schedule(worker.done_at, actor_id(), kApplyDone, w);
  }

  void serve(std::uint32_t w) {
    const Time now = sim_.now();
    const Job job = pool_.worker(w).job;
    switch (job.kind) {
      case JobKind::kRead: {
        const Cell* c = st().data.find(job.key);
        Cell cell = c != nullptr ? *c : Cell{};
        // A leader shows what replication has made durable: a write still
        // waiting for its followers is not read (MySQL's lossless
        // semi-synchronous replication, AFTER_SYNC).
        if (!uncommitted_.empty()) {
          if (const auto it = uncommitted_.find(job.key); it != uncommitted_.end()) cell = it->second.before;
        }
        answer(job.from, job.reply_to, Status::kOk, AnswerValue{true, cell.value, cell.ts});
        break;
      }
      case JobKind::kWrite:
        lead_write(job);
        break;
      case JobKind::kApply:  // (on the appliers)
        break;
    }
    if (handled_.active())
      handled_.publish(RequestHandled{actor_id(), job.from, job.arrived, pool_.worker(w).started, now, Status::kOk});
    if (const auto next = pool_.release(w, now)) begin(*next);
  }

  // --- the leader ---------------------------------------------------------

  void lead_write(const Job& job) {
    if (role_ != Role::kLeader) {  // stepped down meanwhile: nothing was written
      answer(job.from, job.reply_to, Status::kUnavailable, {});
      return;
    }
    Disk& d = st();
    Entry e;
    e.index = d.last_index + 1;
    e.epoch = meta_->epoch;
    e.prev_epoch = d.last_epoch;
    e.key = job.key;
    e.value = job.value;
    e.committed = sim_.now();
    const bool waits = cfg_.replication != Spec::Replication::kAsync;
    if (waits) {  // invisible to reads until committed
      const Cell* c = d.data.find(e.key);
      const auto [it, inserted] = uncommitted_.try_emplace(e.key, Uncommitted{c != nullptr ? *c : Cell{}, e.index});
      if (!inserted) it->second.last = e.index;
    }
    append(e);
    ++cluster_->counters.entries;
    if (cluster_->split_brain(e.epoch)) ++cluster_->split_brain_writes;
    const Cell cell{e.value, version_of(e.epoch, e.index)};
    for (int f = 0; f < n_; ++f) {
      const auto i = static_cast<std::size_t>(f);
      if (f == index_ || !checked_[i] || sent_[i] + 1 != e.index || !heard_recently(i)) continue;
      sent_[i] = e.index;
      Message m = store_detail::store_message(actor_id(), nodes_[i], LfMsg::kAppend, cfg_.request_size);
      m.words[0] = meta_->epoch;
      m.words[1] = sim_.network().payloads().pool<Entry>().store(e);
      m.flags = kPooledPayload;
      sim_.network().send(m);
    }
    if (!waits) {
      answer(job.from, job.reply_to, Status::kOk, AnswerValue{true, cell.value, cell.ts});
      return;
    }
    pending_.push_back(Pending{e.index, job.from, job.reply_to, sim_.now() + call_timeout(job.budget), cell, false});
    advance_commit();
  }

  bool heard_recently(std::size_t f) const { return sim_.now() - heard_[f] < cfg_.detection; }

  // The highest index the followers' acknowledgements make durable enough
  // (sync, semi_sync): semi_sync, what one follower has; sync, what every
  // in-sync follower has and, with the leader, a majority of the nodes (so
  // that whoever a majority elects has it). With async, everything.
  std::uint64_t committable() {
    const std::uint64_t last = st().last_index;
    if (cfg_.replication == Spec::Replication::kAsync) return last;
    std::uint64_t c = 0;
    if (cfg_.replication == Spec::Replication::kSemiSync) {
      for (int f = 0; f < n_; ++f)
        if (f != index_) c = std::max(c, match_[static_cast<std::size_t>(f)]);
      return std::min(c, last);
    }
    c = last;
    holders_.clear();
    holders_.push_back(last);
    for (int f = 0; f < n_; ++f) {
      if (f == index_) continue;
      const auto k = static_cast<std::size_t>(f);
      holders_.push_back(match_[k]);
      if (in_sync_[k]) c = std::min(c, match_[k]);
    }
    return std::min(c, store_detail::majority_value(holders_, majority()));
  }

  // Moves the commit point on: writes up to it become readable and are
  // acknowledged.
  void advance_commit() {
    const std::uint64_t c = committable();
    if (c <= commit_) return;
    if (!uncommitted_.empty()) {
      const Disk& d = st();
      if (!d.log.empty() && commit_ + 1 >= d.first_logged()) {
        const std::uint64_t first = d.first_logged();
        for (std::uint64_t i = commit_ + 1; i <= c; ++i) {
          const Entry& e = d.log[i - first];
          const auto it = uncommitted_.find(e.key);
          if (it == uncommitted_.end()) continue;
          if (it->second.last <= c) uncommitted_.erase(it);
          else it->second.before = Cell{e.value, version_of(e.epoch, e.index)};  // the key's newest committed write
        }
      } else {
        std::erase_if(uncommitted_, [c](const auto& kv) { return kv.second.last <= c; });
      }
    }
    commit_ = c;
    while (!pending_.empty()) {
      Pending& p = pending_.front();
      if (!p.answered) {
        if (p.index > commit_) return;
        answer(p.caller, p.reply_to, Status::kOk, AnswerValue{true, p.cell.value, p.cell.ts});
      }
      pending_.pop_front();
    }
  }

  // Writes applied but not acknowledged in time: their outcome is unknown.
  void expire_pending(bool all) {
    const Time now = sim_.now();
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      Pending& p = pending_[i];
      if (p.answered || (!all && p.deadline > now)) continue;
      p.answered = true;
      answer(p.caller, p.reply_to, Status::kTimeout, AnswerValue{false, 0, 0, true});
    }
    while (!pending_.empty() && pending_.front().answered) pending_.pop_front();
  }

  void leader_tick() {
    const Time now = sim_.now();
    int reachable = 1;
    for (int f = 0; f < n_; ++f) {
      if (f == index_) continue;
      const auto i = static_cast<std::size_t>(f);
      Message m = store_detail::store_message(actor_id(), nodes_[i], LfMsg::kHeartbeat, 64);
      m.words[0] = meta_->epoch;
      m.words[1] = static_cast<std::uint64_t>(now);
      sim_.network().send(m);
      if (now - contact_[i] < cfg_.detection) ++reachable;
      if (in_sync_[i] && !heard_recently(i)) in_sync_[i] = false;  // stops holding up sync writes
      // Stuck behind (an entry lost, or back from a crash): send what it lacks.
      if (checked_[i] && heard_recently(i) && match_[i] < st().last_index && match_[i] == progress_[i]) catch_up(i);
      progress_[i] = match_[i];
    }
    if (cfg_.fencing && reachable < majority()) {
      ++cluster_->counters.fenced;
      step_down("fenced");
      return;
    }
    expire_pending(false);
    advance_commit();
  }

  // Sends follower f the entries after its last, a batch at a time (or a
  // snapshot, if the log no longer has them).
  void catch_up(std::size_t f) {
    const Disk& d = st();
    const std::uint64_t from = match_[f] + 1;
    if (from > d.last_index) {
      sent_[f] = d.last_index;
      return;
    }
    if (d.log.empty() || from < d.first_logged()) {
      send_snapshot(f);
      return;
    }
    const std::uint64_t end = std::min(d.last_index, from + kBatch - 1);
    sent_[f] = end;
    resend(f, from, end);
  }
  static constexpr std::uint64_t kBatch = 4096;

  // Sends entries [from, to] (at most a batch) again, as a batch that asks
  // for an acknowledgement; what was sent after them stays sent.
  void resend(std::size_t f, std::uint64_t from, std::uint64_t to) {
    const Disk& d = st();
    to = std::min({to, d.last_index, from + kBatch - 1});
    if (from > to || d.log.empty() || from < d.first_logged()) return;  // the tick's catch-up handles the rest
    std::vector<Entry> batch;
    batch.reserve(to - from + 1);
    const std::uint64_t first = d.first_logged();
    for (std::uint64_t i = from; i <= to; ++i) batch.push_back(d.log[i - first]);
    Message m = store_detail::store_message(actor_id(), nodes_[f], LfMsg::kAppendBatch, bytes_for(batch.size()));
    m.words[0] = meta_->epoch;
    m.words[1] = sim_.network().payloads().pool<std::vector<Entry>>().store(std::move(batch));
    m.flags = kPooledPayload;
    sim_.network().send(m);
  }
  std::uint32_t bytes_for(std::size_t entries) const {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(
        64 + static_cast<std::uint64_t>(entries) * cfg_.request_size, UINT32_MAX));
  }

  // One snapshot in flight per follower (another only if it has not been
  // installed within `detection`); meanwhile the log keeps what came after it.
  bool snapshot_in_flight(std::size_t f) const {
    return snapshot_at_[f] >= 0 && sim_.now() - snapshot_at_[f] < cfg_.detection;
  }
  void end_snapshot(std::size_t f) {
    if (snapshot_at_[f] < 0) return;
    snapshot_at_[f] = -1;
    update_retain_from();
  }
  void update_retain_from() {
    retain_from_ = 0;
    for (std::size_t i = 0; i < snapshot_at_.size(); ++i)
      if (snapshot_at_[i] >= 0 && (retain_from_ == 0 || snapshot_index_[i] < retain_from_))
        retain_from_ = std::max<std::uint64_t>(snapshot_index_[i], 1);
  }

  void send_snapshot(std::size_t f) {
    if (snapshot_in_flight(f)) return;
    ++cluster_->counters.resyncs;
    const Disk& d = st();
    snapshot_at_[f] = sim_.now();
    snapshot_index_[f] = d.last_index;
    update_retain_from();
    Snapshot s;
    s.cells = d.data.sorted();
    s.epochs = d.epochs;
    s.last_index = d.last_index;
    s.last_epoch = d.last_epoch;
    sent_[f] = d.last_index;
    checked_[f] = false;  // until it says it installed it
    Message m = store_detail::store_message(actor_id(), nodes_[f], LfMsg::kSnapshot,
                           static_cast<std::uint32_t>(std::min<std::uint64_t>(64 + 24 * s.cells.size(), UINT32_MAX)));
    m.words[0] = meta_->epoch;
    m.words[1] = sim_.network().payloads().pool<Snapshot>().store(std::move(s));
    m.flags = kPooledPayload;
    sim_.network().send(m);
  }

  // A follower's acknowledgement or heartbeat answer.
  void on_follower_report(const Message& msg, int from) {
    const auto f = static_cast<std::size_t>(from);
    const std::uint32_t their_epoch = epoch_of(msg.words[0]);
    if (their_epoch > meta_->epoch) {
      adopt_epoch(their_epoch);
      return;
    }
    if (role_ != Role::kLeader || their_epoch != meta_->epoch) return;
    const Time now = sim_.now();
    heard_[f] = now;
    const std::uint64_t last = msg.words[1];
    if (is_lf(msg, LfMsg::kHeartbeatReply)) {
      contact_[f] = std::max(contact_[f], static_cast<Time>((static_cast<std::uint64_t>(msg.token) << 32) | msg.gen));
      // Tag 1: it does not follow this leader's log yet (new to this
      // leader, or back from a crash). (An index below match_ is an older
      // answer overtaken on the way: nothing to do.)
      if (msg.tag != 0) checked_[f] = false;
      if (!checked_[f]) {
        if (!snapshot_in_flight(f)) check_follower(f, last_epoch_of(msg.words[0]));
        return;
      }
    } else if (msg.tag == kAckGap) {
      if (checked_[f]) resend(f, last + 1, sent_[f]);
      return;
    } else if (msg.tag == kAckNeedSnapshot) {
      if (!checked_[f]) send_snapshot(f);
      return;
    } else if (msg.tag == kAckReconciled) {
      if (checked_[f]) return;  // an older answer
      // Its log agrees with this one up to `last` if this log's entry there
      // is of the same epoch; else another round (where the logs part may
      // be further back: Kafka's KIP-279 iterates too).
      const std::uint32_t their_last_epoch = last_epoch_of(msg.words[0]);
      if (last > 0 && (last > st().last_index || st().epoch_at(last) != their_last_epoch)) {
        check_follower(f, their_last_epoch);
        return;
      }
      end_snapshot(f);
      checked_[f] = true;
      match_[f] = progress_[f] = sent_[f] = last;
      catch_up(f);
      return;
    }
    if (!checked_[f]) return;
    if (last > match_[f]) match_[f] = last;
    // Back in the in-sync set once it has every write committed so far.
    if (!in_sync_[f] && heard_recently(f) && match_[f] >= commit_) in_sync_[f] = true;
    // A catch-up batch landed: send the next one (until the stream resumes).
    if (is_lf(msg, LfMsg::kAck) && sent_[f] < st().last_index && match_[f] >= sent_[f]) catch_up(f);
    if (!pending_.empty()) advance_commit();
  }

  // Where follower f's log (last index, the epoch of its last entry) can
  // agree with this one: the end of this log's entries of epochs up to
  // its last one. It truncates to that and says where it stands.
  void check_follower(std::size_t f, std::uint32_t their_last_epoch) {
    const Disk& d = st();
    const std::uint32_t e = d.floor_epoch(their_last_epoch);
    Message m = store_detail::store_message(actor_id(), nodes_[f], LfMsg::kTruncate, 64);
    m.words[0] = meta_->epoch;
    m.words[1] = e == 0 ? 0 : d.end_of(e);
    m.token = e;
    m.gen = their_last_epoch;  // the position it answers: a follower that has moved on ignores it
    sim_.network().send(m);
  }

  void become(Role r, const char* reason = "") {
    const Time now = sim_.now();
    const bool was_leader = role_ == Role::kLeader;
    role_ = r;
    uncommitted_.clear();
    std::fill(snapshot_at_.begin(), snapshot_at_.end(), Time{-1});
    retain_from_ = 0;
    if (r == Role::kLeader) {
      leader_ = index_;
      // What a new leader has is the data now (as a promoted replica's is).
      commit_ = st().last_index;
      for (int f = 0; f < n_; ++f) {
        const auto i = static_cast<std::size_t>(f);
        match_[i] = sent_[i] = progress_[i] = 0;
        heard_[i] = contact_[i] = now;
      }
      if (!was_leader) {
        cluster_->leading(index_, meta_->epoch, now);
        if (leader_changed_.active()) leader_changed_.publish(LeaderChanged{actor_id(), meta_->epoch, true, reason, now});
      }
      cluster_->highest_epoch = std::max(cluster_->highest_epoch, meta_->epoch);
    } else if (was_leader) {
      cluster_->leading(index_, 0, now);
      if (leader_changed_.active()) leader_changed_.publish(LeaderChanged{actor_id(), meta_->epoch, false, reason, now});
    }
  }

  void step_down(const char* reason) {
    expire_pending(true);
    become(Role::kFollower, reason);
    leader_ = -1;
    last_heard_ = sim_.now();
    reconciled_ = false;
    accepted_ = st().last_index;
    accepted_epoch_ = st().last_epoch;
  }

  // A newer epoch exists: follow whoever leads it (once heard from).
  void adopt_epoch(std::uint32_t e) {
    meta_->epoch = e;
    if (role_ == Role::kLeader) step_down("deposed");
    else if (role_ == Role::kCandidate) become(Role::kFollower);
    leader_ = -1;
  }

  // --- followers ----------------------------------------------------------

  // A message from a node claiming to lead epoch `e`: whether this node now
  // follows it (false: the sender is stale and has been told).
  bool follow(const Message& msg, int from, std::uint32_t e) {
    if (e < meta_->epoch) {
      Message m = store_detail::store_message(actor_id(), msg.src, LfMsg::kAck, 64);
      m.tag = kAckNewerEpoch;
      m.words[0] = pack(meta_->epoch, st().last_epoch);
      sim_.network().send(m);
      return false;
    }
    if (e > meta_->epoch || leader_ != from || role_ != Role::kFollower) {
      if (e > meta_->epoch) meta_->epoch = e;
      if (role_ == Role::kLeader) step_down("deposed");
      else if (role_ == Role::kCandidate) become(Role::kFollower);
      leader_ = from;
      reconciled_ = false;
      clear_pipeline();
    }
    last_heard_ = sim_.now();
    prevoting_ = false;
    return true;
  }

  void on_heartbeat(const Message& msg, int from) {
    if (!follow(msg, from, static_cast<std::uint32_t>(msg.words[0]))) return;
    Message m = store_detail::store_message(actor_id(), msg.src, LfMsg::kHeartbeatReply, 64);
    m.words[0] = pack(meta_->epoch, st().last_epoch);
    m.words[1] = st().last_index;
    const auto sent = static_cast<std::uint64_t>(msg.words[1]);
    m.token = static_cast<std::uint32_t>(sent >> 32);
    m.gen = static_cast<std::uint32_t>(sent);
    m.tag = reconciled_ ? 0 : 1;
    sim_.network().send(m);
  }

  void on_append(const Message& msg, int from) {
    if (!follow(msg, from, static_cast<std::uint32_t>(msg.words[0]))) return;
    if (!reconciled_) return;  // the leader will check this log first
    Network& net = sim_.network();
    if (is_lf(msg, LfMsg::kAppend)) {
      accept(net.payloads().pool<Entry>().get(msg.words[1]), false);
    } else {
      for (const Entry& e : net.payloads().pool<std::vector<Entry>>().get(msg.words[1])) accept(e, true);
    }
  }

  // Takes entries strictly in log order; later ones wait (reordered on the
  // way), earlier ones are duplicates.
  void accept(const Entry& e, bool ack) {
    if (e.index <= accepted_) return;
    if (e.index > accepted_ + 1) {
      // A gap: entries lost or overtaken on the way. Ask for them at once
      // (TCP's fast retransmit), again if the gap stays a while.
      const Time now = sim_.now();
      if ((reorder_.empty() || now - last_gap_ask_ >= cfg_.heartbeat / 4) && leader_ >= 0) {
        last_gap_ask_ = now;
        Message m = store_detail::store_message(actor_id(), nodes_[static_cast<std::size_t>(leader_)], LfMsg::kAck, 64);
        m.tag = kAckGap;
        m.words[0] = pack(meta_->epoch, accepted_epoch_);
        m.words[1] = accepted_;
        sim_.network().send(m);
      }
      if (reorder_.size() < kMaxReorder) reorder_.emplace(e.index, Inflight{e, false, ack});
      return;
    }
    if (e.prev_epoch != accepted_epoch_) {  // the logs part here: the leader must check again
      reconciled_ = false;
      clear_pipeline();
      return;
    }
    start_apply(e, ack);
    while (!reorder_.empty() && reorder_.begin()->first <= accepted_ + 1) {
      const Inflight next = reorder_.begin()->second;
      reorder_.erase(reorder_.begin());
      if (next.entry.index != accepted_ + 1) continue;
      if (next.entry.prev_epoch != accepted_epoch_) {
        reconciled_ = false;
        clear_pipeline();
        return;
      }
      start_apply(next.entry, next.ack);
    }
  }
  static constexpr std::size_t kMaxReorder = 65'536;

  void start_apply(const Entry& e, bool ack) {
    accepted_ = e.index;
    accepted_epoch_ = e.epoch;
    inflight_.push_back(Inflight{e, false, ack});
    Job job;
    job.kind = JobKind::kApply;
    job.from = actor_id();
    job.index = e.index;
    job.apply_gen = apply_gen_;
    admit(job);
  }

  // An entry's worker is done; entries become visible in log order.
  void applied(const Job& job) {
    if (job.apply_gen != apply_gen_ || inflight_.empty()) return;
    const std::uint64_t first = inflight_.front().entry.index;
    if (job.index < first || job.index - first >= inflight_.size()) return;
    inflight_[job.index - first].done = true;
    bool ack = cfg_.replication != Spec::Replication::kAsync;
    bool advanced = false;
    while (!inflight_.empty() && inflight_.front().done) {
      ack = ack || inflight_.front().ack;
      append(inflight_.front().entry);
      cluster_->lag(inflight_.front().entry.committed, sim_.now());
      inflight_.pop_front();
      advanced = true;
    }
    if (advanced && ack && leader_ >= 0) {
      Message m = store_detail::store_message(actor_id(), nodes_[static_cast<std::size_t>(leader_)], LfMsg::kAck, 64);
      m.words[0] = pack(meta_->epoch, st().last_epoch);
      m.words[1] = st().last_index;
      sim_.network().send(m);
    }
  }

  // Applies an entry to the data and the log (leader and followers alike).
  void append(Entry e) {
    Disk& d = st();
    auto [cell, inserted] = d.data.try_emplace(e.key, Cell{});
    e.prev = inserted ? Cell{} : *cell;
    *cell = Cell{e.value, version_of(e.epoch, e.index)};
    if (e.epoch != d.last_epoch || d.epochs.empty() || d.epochs.back().epoch != e.epoch) {
      if (d.epochs.empty() || d.epochs.back().epoch != e.epoch) d.epochs.push_back(EpochStart{e.epoch, e.index});
    }
    d.last_index = e.index;
    d.last_epoch = e.epoch;
    d.log.push_back(e);
    // Beyond the retention, the oldest goes; not past a snapshot in flight
    // (the follower installing it needs what came after).
    if (d.log.size() > static_cast<std::size_t>(cfg_.log_retention) &&
        (retain_from_ == 0 || d.log.front().index <= retain_from_))
      d.log.pop_front();
  }

  // Undoes entries after `to`, newest first; false if the log does not
  // reach back that far.
  bool truncate(std::uint64_t to) {
    Disk& d = st();
    while (d.last_index > to) {
      if (d.log.empty() || d.log.back().index != d.last_index) return false;
      const Entry e = d.log.back();
      d.log.pop_back();
      if (Cell* c = d.data.find(e.key)) *c = e.prev;
      cluster_->discarded(e.epoch, e.index);
      d.last_index = e.index - 1;
    }
    while (!d.epochs.empty() && d.epochs.back().start > d.last_index) d.epochs.pop_back();
    d.last_epoch = d.epoch_at(d.last_index);
    return true;
  }

  void on_truncate(const Message& msg, int from) {
    if (!follow(msg, from, static_cast<std::uint32_t>(msg.words[0]))) return;
    Disk& d = st();
    if (msg.gen != d.last_epoch) return;  // computed from an older position of this log
    const std::uint32_t e = msg.token;
    std::uint64_t to = std::min(msg.words[1], d.end_of(d.floor_epoch(e)));
    if (d.floor_epoch(e) == 0) to = 0;
    to = std::min(to, d.last_index);
    clear_pipeline();
    Message m = store_detail::store_message(actor_id(), msg.src, LfMsg::kAck, 64);
    if (!truncate(to)) {
      // Beyond what the log keeps: count what it had past `to` as
      // discarded (once for this log).
      if (untracked_at_ != std::pair{d.last_epoch, d.last_index}) {
        untracked_at_ = {d.last_epoch, d.last_index};
        cluster_->counters.discarded_untracked += d.last_index - to;
      }
      m.tag = kAckNeedSnapshot;
    } else {
      reconciled_ = true;
      accepted_ = d.last_index;
      accepted_epoch_ = d.last_epoch;
      m.tag = kAckReconciled;
    }
    m.words[0] = pack(meta_->epoch, d.last_epoch);
    m.words[1] = d.last_index;
    sim_.network().send(m);
  }

  void on_snapshot(const Message& msg, int from) {
    if (!follow(msg, from, static_cast<std::uint32_t>(msg.words[0]))) return;
    const Snapshot& s = sim_.network().payloads().pool<Snapshot>().get(msg.words[1]);
    Disk& d = st();
    clear_pipeline();
    if (s.last_epoch == d.last_epoch && s.last_index < d.last_index) {
      // This log is ahead of the snapshot in the same epoch (it received
      // entries since): keep it, and say where it stands.
      reconciled_ = true;
      Message m = store_detail::store_message(actor_id(), msg.src, LfMsg::kAck, 64);
      m.tag = kAckReconciled;
      m.words[0] = pack(meta_->epoch, d.last_epoch);
      m.words[1] = d.last_index;
      sim_.network().send(m);
      return;
    }
    d.data = CellMap{};
    for (const auto& [key, cell] : s.cells) d.data.try_emplace(key, cell);
    d.log.clear();
    d.epochs = s.epochs;
    d.last_index = s.last_index;
    d.last_epoch = s.last_epoch;
    reconciled_ = true;
    accepted_ = d.last_index;
    accepted_epoch_ = d.last_epoch;
    Message m = store_detail::store_message(actor_id(), msg.src, LfMsg::kAck, 64);
    m.tag = kAckReconciled;
    m.words[0] = pack(meta_->epoch, d.last_epoch);
    m.words[1] = d.last_index;
    sim_.network().send(m);
  }

  // Forgets entries accepted but not yet visible (a new leader, a crash).
  void clear_pipeline() {
    reorder_.clear();
    inflight_.clear();
    ++apply_gen_;  // their workers' completions are ignored
    accepted_ = st().last_index;
    accepted_epoch_ = st().last_epoch;
  }

  // --- failover -----------------------------------------------------------

  // Stands once the leader has been silent for `detection` (after a random
  // stagger of one to two heartbeats: a fenced leader has stepped down by then).
  void follower_tick() {
    if (leader_alive() || stand_due_ || sim_.now() - last_heard_ < cfg_.detection) return;
    if ((role_ == Role::kCandidate || prevoting_) && sim_.now() - standing_since_ < cfg_.detection) return;
    schedule_stand(cfg_.heartbeat + round_to_time(rng_.uniform() * static_cast<double>(cfg_.heartbeat)));
  }

  void schedule_stand(Time delay) {
    stand_due_ = true;
    sim_.schedule_after(delay, actor_id(), kStand, ++stand_gen_);
  }

  static constexpr Time kApplyWait = kMillisecond;

  // Asks first whether a majority would vote for it (Raft's pre-vote): a
  // node cut off from the majority never raises its epoch, so it does not
  // depose the leader when it is back.
  void pre_stand() {
    reorder_.clear();  // beyond a gap: never applied
    prevoting_ = true;
    prevote_epoch_ = std::max({meta_->epoch, meta_->voted, seen_}) + 1;
    standing_since_ = sim_.now();
    if (open_ballot(prevote_epoch_, true)) stand();
  }

  // A round of votes (a pre-vote, or the vote) for `epoch`: this node's own
  // first, then the others asked. True if that alone is a majority (a store
  // of one node).
  bool open_ballot(std::uint32_t epoch, bool pre) {
    if (ballot_.open(index_, majority())) return true;
    ask_votes(epoch, pre);
    return false;
  }

  void ask_votes(std::uint32_t epoch, bool pre) {
    const Disk& d = st();
    for (int f = 0; f < n_; ++f) {
      if (f == index_) continue;
      Message m = store_detail::store_message(actor_id(), nodes_[static_cast<std::size_t>(f)], LfMsg::kVote, 64);
      m.words[0] = epoch;
      m.words[1] = d.last_index;
      m.token = d.last_epoch;
      m.tag = pre ? 1 : 0;
      sim_.network().send(m);
    }
  }

  // Stands for the next epoch.
  void stand() {
    prevoting_ = false;
    ++cluster_->counters.elections;
    meta_->epoch = std::max({meta_->epoch, meta_->voted, seen_}) + 1;
    meta_->voted = meta_->epoch;
    become(Role::kCandidate);
    leader_ = -1;
    standing_since_ = sim_.now();
    if (open_ballot(meta_->epoch, false)) win();
  }

  void on_vote(const Message& msg, int) {
    const auto e = static_cast<std::uint32_t>(msg.words[0]);
    const bool pre = msg.tag == 1;  // would it vote? (nothing recorded)
    if (!pre) seen_ = std::max(seen_, e);
    const std::uint64_t their_last = msg.words[1];
    const std::uint32_t their_epoch = msg.token;
    // Against what this node has received, applied or not: it would apply
    // it all if it led.
    const bool up_to_date =
        their_epoch != accepted_epoch_ ? their_epoch > accepted_epoch_ : their_last >= accepted_;
    bool grant = role_ != Role::kLeader && !leader_alive() && e >= meta_->epoch && e > meta_->voted;
    if (grant && !up_to_date) {
      grant = false;
      // This node has more: it stands itself, soon.
      if (role_ != Role::kCandidate && !prevoting_ && !stand_due_)
        schedule_stand(round_to_time(rng_.uniform() * static_cast<double>(cfg_.heartbeat)));
    }
    if (grant && !pre) {
      meta_->voted = e;
      meta_->epoch = e;
      if (role_ == Role::kCandidate) become(Role::kFollower);
      leader_ = -1;
      last_heard_ = sim_.now();  // gives the candidate a detection period
    }
    Message m = store_detail::store_message(actor_id(), msg.src, LfMsg::kVoteReply, 64);
    m.words[0] = meta_->epoch;
    m.token = e;
    m.tag = msg.tag;
    m.status = static_cast<std::uint16_t>(grant ? Status::kOk : Status::kRejected);
    sim_.network().send(m);
  }

  void on_vote_reply(const Message& msg, int from) {
    const auto their = static_cast<std::uint32_t>(msg.words[0]);
    if (msg.tag == 1) {  // a pre-vote
      if (!prevoting_ || msg.token != prevote_epoch_ || static_cast<Status>(msg.status) != Status::kOk) return;
      if (ballot_.grant(from)) stand();
      return;
    }
    if (role_ != Role::kCandidate || msg.token != meta_->epoch) {
      if (their > meta_->epoch) adopt_epoch(their);
      return;
    }
    if (static_cast<Status>(msg.status) != Status::kOk) {
      if (their > meta_->epoch) adopt_epoch(their);
      return;
    }
    if (ballot_.grant(from)) win();
  }

  void win() {
    ++cluster_->counters.failovers;
    Disk& d = st();
    d.epochs.push_back(EpochStart{meta_->epoch, d.last_index + 1});
    become(Role::kLeader, "elected");
    // The nodes that voted are reachable and up: sync writes wait for them
    // (each once it has caught up).
    for (int f = 0; f < n_; ++f) {
      const auto i = static_cast<std::size_t>(f);
      checked_[i] = false;
      in_sync_[i] = f != index_ && ballot_.granted(f);
    }
    leader_tick();
  }

  const Spec::Config& cfg_;
  int index_;
  int n_;
  Simulation& sim_;
  const Channel<RequestHandled>& handled_;
  const Channel<LeaderChanged>& leader_changed_;
  Rng rng_;
  Time default_timeout_;
  Cluster* cluster_ = nullptr;
  store_detail::NodeIndex nodes_;
  std::optional<Durable<Disk>> disk_;
  std::optional<Volatile<Disk>> memory_;
  Durable<Meta> meta_{*this, Meta{}};

  // Every node: its role and the leader it follows.
  Role role_ = Role::kFollower;
  int leader_ = -1;
  Time last_heard_ = 0;  // from the leader (or a vote granted)
  bool down_ = false;
  // Standing for election.
  bool stand_due_ = false;
  std::uint32_t stand_gen_ = 0;
  Time standing_since_ = 0;  // pre-vote or candidacy
  bool prevoting_ = false;
  std::uint32_t prevote_epoch_ = 0;
  std::uint32_t seen_ = 0;  // the newest epoch a candidate asked for
  store_detail::Ballot ballot_;
  // Leading: per node, what it has (match), what was sent, when last
  // heard from, the newest heartbeat it answered (contact), whether its log
  // was checked against this one, and whether sync writes wait for it.
  std::vector<std::uint64_t> match_, sent_, progress_;
  std::vector<Time> snapshot_at_;                // when a snapshot was sent to it (-1: none in flight)
  std::vector<std::uint64_t> snapshot_index_;    // ... and the last index it held
  std::uint64_t retain_from_ = 0;                // the log keeps entries after this (0: retention only)
  std::pair<std::uint32_t, std::uint64_t> untracked_at_{0, 0};  // the log last counted as discarded untracked
  std::vector<Time> heard_, contact_;
  std::vector<bool> checked_, in_sync_;
  RingBuffer<Pending> pending_;
  // Writes waiting for followers: each key's last one, and the key's copy
  // before the first (what reads see meanwhile).
  struct Uncommitted {
    Cell before;
    std::uint64_t last = 0;
  };
  std::map<std::uint64_t, Uncommitted> uncommitted_;
  std::uint64_t commit_ = 0;  // leading: writes up to here are acknowledged
  std::vector<std::uint64_t> holders_;  // scratch
  // Following: entries accepted (in order) and applying.
  bool reconciled_ = false;  // the log agrees with the leader's: entries are accepted
  std::uint64_t accepted_ = 0;
  std::uint32_t accepted_epoch_ = 0;
  std::uint32_t apply_gen_ = 0;
  Time last_gap_ask_ = 0;
  std::map<std::uint64_t, Inflight> reorder_;
  RingBuffer<Inflight> inflight_;
  // Workers.
  store_detail::WorkerPool<Job> pool_;      // client operations
  store_detail::WorkerPool<Job> appliers_;  // a follower's applies of the log
  double slowdown_ = 1.0;
  store_detail::Forwarder fwd_;
  store_detail::SettleChecks settle_checks_;
};

class LfInstance final : public store_detail::LeaderStoreInstance<LfNode, Cluster> {
 public:
  using LeaderStoreInstance::LeaderStoreInstance;

  void record(ComponentRecord& out) const override {
    ServerInstance::record(out);
    const LfCounters& c = cluster_.counters;
    const auto add = [&out](const char* name, double v) { out.extra.emplace_back(name, v); };
    out.reads_received = cluster_.received.reads;
    out.writes_received = cluster_.received.writes;
    add("failovers", static_cast<double>(c.failovers));
    add("elections", static_cast<double>(c.elections));
    add("epoch", static_cast<double>(cluster_.highest_epoch));
    add("without_writable_leader_s", static_cast<double>(cluster_.without_leader()) / 1e9);
    add("split_brain_s", static_cast<double>(cluster_.split_time()) / 1e9);
    add("max_leaders", cluster_.max_leaders());
    add("split_brain_writes", static_cast<double>(cluster_.split_brain_writes));
    add("fenced", static_cast<double>(c.fenced));
    add("discarded_writes", static_cast<double>(cluster_.discarded()));
    add("forwarded", static_cast<double>(c.forwarded));
    add("refused_no_leader", static_cast<double>(c.refused_no_leader));
    add("resyncs", static_cast<double>(c.resyncs));
    add("log_entries", static_cast<double>(c.entries));
    const Histogram& lag = cluster_.lag();
    add("replication_lag_ms/samples", static_cast<double>(lag.count()));
    add("replication_lag_ms/mean", lag.count() ? lag.mean() / 1e6 : 0.0);
    add("replication_lag_ms/p50", lag.quantile(0.5) / 1e6);
    add("replication_lag_ms/p99", lag.quantile(0.99) / 1e6);
    add("replication_lag_ms/max", static_cast<double>(lag.max()) / 1e6);
  }

  // (Settling: one leader leads every node at its last index:
  // LfNode::caught_up_with.)

  void end_settle() override {
    Simulation& sim = replicas_.front()->sim();
    const Channel<StoreKeySettled>& ch = sim.bus().channel<StoreKeySettled>();
    if (!ch.active()) return;
    const LfNode* source = leader();
    if (source == nullptr) {  // none: the most up-to-date node's copy
      for (const auto& r : replicas_) {
        const Disk& d = r->state();
        if (source == nullptr || d.last_epoch > source->state().last_epoch ||
            (d.last_epoch == source->state().last_epoch && d.last_index > source->state().last_index))
          source = r.get();
      }
    }
    publish_settled(*source);
  }
};

}  // namespace

std::unique_ptr<ComponentInstance> make_leader_follower_instance(const Spec& spec, BuildContext& ctx) {
  return std::make_unique<LfInstance>(spec, ctx);
}

}  // namespace dsim
