// `model: raft`: leader election by terms and votes, log replication by
// AppendEntries, commit on a majority, snapshots, ReadIndex reads and
// check-quorum (models/replicated_store.h has the whole story; the paper is
// Ongaro and Ousterhout, "In Search of an Understandable Consensus
// Algorithm", 2014, and the choices below are etcd's raft's).
#include "dsim/models/raft.h"

#include <algorithm>
#include <functional>
#include <optional>
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

namespace dsim {

namespace {

using store_detail::Cell;
using store_detail::CellMap;
using store_detail::same;
using store_detail::Span;
using Spec = ReplicatedStoreSpec;

// The store's own messages (models/rpc.h numbers the built-in ones below 16;
// the leaderless model uses 32..36, leader_follower 48..56).
enum class RaftMsg : std::uint16_t {
  kAppend = 64,          // a pooled AppendBody; words[0]: the leader's term
  kAppendReply = 65,     // words[0]: term; words[1]: index; token, gen: the hint; status kOk or kRejected
  kHeartbeat = 66,       // words[0]: term; words[1]: commit (at most the follower's match); token: read round
  kHeartbeatReply = 67,  // words[0]: term; words[1]: the follower's last index; token: the read round echoed
  kVote = 68,            // words[0]: the term asked for; words[1]: last index; token: last term; gen: ballot; tag 1: pre-vote
  kVoteReply = 69,       // words[0]: the voter's term; words[1]: the term asked for; gen: the ballot; status kOk: granted; tag 1: pre
  kSnapshot = 70,        // a pooled SnapshotBody; words[0]: the leader's term
};
bool is_raft(const Message& m, RaftMsg t) { return m.type == static_cast<std::uint16_t>(t); }

// A log entry: a write, or a new leader's empty entry (noop).
struct Entry {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::uint64_t key = 0;
  std::uint64_t value = 0;
  bool noop = false;
};

struct AppendBody {
  std::uint64_t prev_index = 0;
  std::uint64_t prev_term = 0;
  std::uint64_t commit = 0;
  std::vector<Entry> entries;
};

// The leader's state machine at an index: every key's value.
struct SnapshotBody {
  std::uint64_t index = 0;
  std::uint64_t term = 0;
  std::vector<std::pair<std::uint64_t, Cell>> cells;  // by key
};

constexpr int kIndexBits = 40;
std::int64_t version_of(std::uint64_t term, std::uint64_t index) {
  return static_cast<std::int64_t>((term << kIndexBits) | index);
}

// What a node keeps of the replicated data: its state machine (the data,
// every committed entry up to `applied` applied) and its log after the last
// snapshot (entries base+1 .. last). On disk with `durable`, in memory
// without. Compacting at `applied` is taking a snapshot: the data is it.
struct Disk {
  CellMap data;
  std::uint64_t applied = 0;
  std::uint64_t snapshot = 0;  // the index of the last snapshot taken (or installed)
  std::uint64_t base = 0;  // the last index the log no longer holds
  std::uint64_t base_term = 0;
  RingBuffer<Entry> log;

  std::uint64_t last() const { return base + log.size(); }
  std::uint64_t last_term() const { return log.empty() ? base_term : log.back().term; }
  // The term of entry i; 0 if the log does not hold it (beyond the end, or
  // compacted before the base).
  std::uint64_t term_at(std::uint64_t i) const {
    if (i == base) return base_term;
    if (i < base || i > last()) return 0;
    return log[i - base - 1].term;
  }
  const Entry& at(std::uint64_t i) const { return log[i - base - 1]; }
  void truncate_after(std::uint64_t i) {
    while (last() > i) log.pop_back();
  }
};

// The term and the vote: always on disk, as Raft requires.
struct Meta {
  std::uint64_t term = 0;
  int voted_for = -1;
};

// Whole-run counts of the store.
struct RaftCounters {
  std::uint64_t elections = 0;         // candidacies (terms stood for)
  std::uint64_t pre_votes = 0;         // pre-vote rounds
  std::uint64_t leaders_elected = 0;   // elections won
  std::uint64_t stepped_down = 0;      // leaders that lost a majority (check-quorum)
  std::uint64_t forwarded = 0;         // requests a follower passed to the leader
  std::uint64_t refused_no_leader = 0; // answered unavailable: no leader known
  std::uint64_t appended = 0;          // entries leaders appended (writes and noops)
  std::uint64_t read_rounds = 0;       // ReadIndex confirmation rounds
  std::uint64_t reads_confirmed = 0;   // reads a round confirmed
  std::uint64_t snapshots = 0;         // log compactions (all nodes)
  std::uint64_t snapshots_sent = 0;    // snapshots sent to followers behind the log
  std::uint64_t append_messages = 0;   // AppendEntries sent (heartbeats apart)
  std::uint64_t entries_sent = 0;      // entries they carried
  std::uint64_t safety_violations = 0; // applied entries a leader contradicted (lost disks only)
};

// What the nodes report to their instance, for the figures only: the
// protocol never reads it.
class Cluster {
 public:
  Cluster(int nodes, Time warmup, Time duration)
      : received{warmup, duration, 0, 0}, leading_(static_cast<std::size_t>(nodes), 0) {
    without_.window(warmup, duration);
    without_.set(true, 0);  // a Raft cluster starts without a leader
    duration_ = duration;
  }
  void leading(int node, std::uint64_t term, Time now) {
    leading_[static_cast<std::size_t>(node)] = term;
    int n = 0;
    for (const std::uint64_t t : leading_) n += t > 0 ? 1 : 0;
    max_leaders_ = std::max(max_leaders_, n);
    without_.set(n == 0, now);
  }
  // A leader committed up to `index`: counts entries committed once.
  void committed(std::uint64_t index) { commit_ = std::max(commit_, index); }
  // A node's log holds `n` entries.
  void holds(std::size_t n) { held_ = std::max(held_, n); }
  void finish(Time at) { without_.close(std::min(at, duration_)); }

  RaftCounters counters;
  store_detail::ReceivedOps received;  // requests from outside the cluster
  std::uint64_t highest_term = 0;

  int max_leaders() const { return max_leaders_; }
  Time without_leader() const { return without_.total(); }
  std::uint64_t committed() const { return commit_; }
  std::size_t most_held() const { return held_; }

 private:
  std::vector<std::uint64_t> leading_;
  int max_leaders_ = 0;
  Time duration_ = 0;
  Span without_;
  std::uint64_t commit_ = 0;
  std::size_t held_ = 0;
};

enum NodeEvent : std::uint16_t {
  kServiceDone = 1,
  kForwardTimeout = 2,
  kTick = 3,      // the leader's heartbeat period
  kElection = 4,  // a follower's (candidate's) election timer
  kSettleCheck = 5,
};
enum class Role : std::uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };

class RaftNode final : public ReplicaActor {
 public:
  RaftNode(const Spec& spec, int index, BuildContext& ctx)
      : cfg_(spec.config()),
        index_(index),
        n_(spec.replica_count()),
        sim_(ctx.sim),
        handled_(ctx.sim.bus().channel<RequestHandled>()),
        leader_changed_(ctx.sim.bus().channel<LeaderChanged>()),
        election_(ctx.sim.bus().channel<ElectionStarted>()),
        commits_(ctx.sim.bus().channel<EntriesCommitted>()),
        applies_(ctx.sim.bus().channel<LogEntryApplied>()),
        log_changed_(ctx.sim.bus().channel<LogChanged>()),
        rng_(ctx.sim.stream(spec.replica_name(index))),
        default_timeout_(ctx.default_timeout),
        pool_(static_cast<std::size_t>(cfg_.workers), ctx.warmup, ctx.duration) {
    if (cfg_.durable) disk_.emplace(*this, Disk{});
    else memory_.emplace(*this, Disk{});
    const auto n = static_cast<std::size_t>(n_);
    next_.assign(n, 1);
    match_.assign(n, 0);
    probing_.assign(n, true);
    probe_sent_.assign(n, -1);
    inflight_.resize(n);
    active_.assign(n, false);
    round_acked_.assign(n, 0);
    snapshot_at_.assign(n, -1);
    snapshot_index_.assign(n, 0);
    ballot_ = store_detail::Ballot(n_);
  }

  void bind() { fwd_.bind(sim_, actor_id(), kForwardTimeout, cfg_.response_size); }
  void set_cluster(Cluster* c) { cluster_ = c; }
  void set_nodes(const std::vector<ActorId>& nodes) { nodes_.set(nodes); }

  // Every node starts as a follower of no one; the first election timer to
  // fire starts the first election.
  void start() {
    draw_timeout();
    last_heard_ = 0;
    arm_election_timer();
  }

  void on_message(const Message& msg) override {
    if (is_type(msg, MsgType::kRequest) && !msg.has(kRefused)) return on_request(msg);
    if (is_answer(msg)) return fwd_.on_answer(msg);
    if (msg.has(kRefused)) return;  // a store message to a killed process: nothing waits on it
    if (is_type(msg, MsgType::kHealthCheck)) return answer_health_check(sim_.network(), actor_id(), msg);
    if (down_) return;
    const int from = nodes_.of(msg.src);
    if (from < 0) return;
    switch (static_cast<RaftMsg>(msg.type)) {
      case RaftMsg::kAppend:
        return on_append(msg, from);
      case RaftMsg::kAppendReply:
        return on_append_reply(msg, from);
      case RaftMsg::kHeartbeat:
        return on_heartbeat(msg, from);
      case RaftMsg::kHeartbeatReply:
        return on_heartbeat_reply(msg, from);
      case RaftMsg::kVote:
        return on_vote(msg, from);
      case RaftMsg::kVoteReply:
        return on_vote_reply(msg, from);
      case RaftMsg::kSnapshot:
        return on_snapshot(msg, from);
    }
  }

  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    switch (kind) {
      case kServiceDone:
        if (pool_.finishing(arg, sim_.now())) serve(arg);  // (else an event from before a crash)
        return;
      case kForwardTimeout:
        fwd_.on_timer(arg);
        return;
      case kTick:
        if (arg != tick_gen_ || down_ || role_ != Role::kLeader) return;
        sim_.schedule_after(cfg_.heartbeat, actor_id(), kTick, tick_gen_);
        leader_tick();
        return;
      case kElection:
        if (arg != timer_gen_) return;  // superseded by an earlier one
        timer_armed_ = false;
        if (down_ || role_ == Role::kLeader) return;
        if (sim_.now() < last_heard_ + timeout_) {
          arm_election_timer();
          return;
        }
        election_timeout();
        return;
      case kSettleCheck:
        settle_checks_.on_event(sim_, actor_id());
        return;
      default:
        DSIM_CHECK_MSG(false, "raft: unknown event kind");
    }
  }

  void on_down() override {
    const Time now = sim_.now();
    down_ = true;
    // Its connections are gone: what it sent and has not arrived is lost.
    const ActorId self = actor_id();
    sim_.network().drop_in_flight([self](const Message& m) {
      return m.src == self && (is_raft(m, RaftMsg::kAppend) || is_raft(m, RaftMsg::kSnapshot));
    });
    if (role_ == Role::kLeader) leave_leadership("crashed");
    role_ = Role::kFollower;
    leader_ = -1;
    fwd_.drop_all();  // the callers time out
    pool_.crash(now);
    // (With durable: false, the engine empties the data and log after this.)
    if (!cfg_.durable && log_changed_.active())
      log_changed_.publish(LogChanged{actor_id(), 0, 0, LogChanged::Kind::kTruncated, now});
  }
  void on_up() override {
    down_ = false;
    // The commit index is volatile: what was applied is what is known
    // committed.
    commit_ = st().applied;
    last_heard_ = sim_.now();
    draw_timeout();
    arm_election_timer();
  }
  void set_slowdown(double factor) override { slowdown_ = factor; }

  Occupancy& occupancy() { return pool_.occupancy(); }
  const Occupancy& occupancy() const { return pool_.occupancy(); }
  std::uint64_t in_progress() const { return pending_.size() + reads_.size() + fwd_.outstanding(); }
  Simulation& sim() { return sim_; }

  // --- for the instance: settling and the converged state -----------------
  bool leads() const { return !down_ && role_ == Role::kLeader; }
  std::uint64_t era() const { return meta_->term; }  // (its term)
  const Disk& state() const { return cfg_.durable ? **disk_ : **memory_; }
  // Everything the leader has is committed, and this node has applied it all.
  bool caught_up_with(const RaftNode& leader) const {
    const std::uint64_t last = leader.state().last();
    if (&leader == this) return commit_ == last && state().applied == last && pending_.empty();
    return !down_ && role_ == Role::kFollower && leader_ == leader.index_ && meta_->term == leader.meta_->term &&
           state().last() == last && state().last_term() == leader.state().last_term() && state().applied == last;
  }
  void start_settle_checks(std::function<bool()> check) {
    settle_checks_.start(sim_, actor_id(), kSettleCheck, std::move(check));
  }

 private:
  // A client operation on a worker: a write before it is appended, a read
  // once ReadIndex has confirmed it.
  struct Job {
    bool read = true;
    ActorId from = 0;
    Handle reply_to{};
    std::uint64_t key = 0;
    std::uint64_t value = 0;
    Time budget = 0;
    Time arrived = 0;
    bool measured = false;
  };
  // A write appended, answered once committed.
  struct Pending {
    std::uint64_t index = 0;
    ActorId caller = 0;
    Handle reply_to{};
    Time deadline = 0;
  };
  // A read waiting for ReadIndex: the commit index when it arrived and the
  // round that confirms it.
  struct WaitingRead {
    Job job;
    std::uint64_t read_index = 0;
    std::uint64_t round = 0;
    Time deadline = 0;  // its caller gives up then
  };
  Disk& st() { return cfg_.durable ? **disk_ : **memory_; }
  int majority() const { return n_ / 2 + 1; }
  Time call_timeout(Time budget) const {
    return cfg_.call_timeout ? *cfg_.call_timeout : (budget > 0 ? budget : default_timeout_);
  }

  // --- client requests --------------------------------------------------

  void on_request(const Message& msg) {
    if (down_) return;
    const RequestContext ctx = context_of(sim_.network(), msg);
    const bool passed_on = nodes_.of(msg.src) >= 0;
    if (!passed_on) cluster_->received.count(sim_.now(), ctx.op != Operation::kWrite);
    if (role_ != Role::kLeader) {
      // A follower passes the request to the leader it knows, once (a
      // request already passed on is refused, never passed again).
      if (leader_ < 0 || passed_on) {
        ++cluster_->counters.refused_no_leader;
        answer(msg.src, handle_of(msg), Status::kUnavailable, {});
        return;
      }
      ++cluster_->counters.forwarded;
      fwd_.forward(msg, nodes_[static_cast<std::size_t>(leader_)], call_timeout(ctx.budget));
      return;
    }
    Job job;
    job.read = ctx.op != Operation::kWrite;
    job.from = msg.src;
    job.reply_to = handle_of(msg);
    job.key = ctx.key;
    job.value = ctx.value;
    job.budget = ctx.budget;
    if (job.read) return read_index(job);
    admit(job);
  }

  void answer(ActorId to, Handle h, Status s, const AnswerValue& v) {
    store_detail::answer(sim_.network(), actor_id(), cfg_.response_size, to, h, s, v);
  }

  // --- workers ------------------------------------------------------------

  void admit(const Job& job) {
    const Time now = sim_.now();
    if (pool_.full(cfg_.queue_capacity)) {
      pool_.reject(now);
      answer(job.from, job.reply_to, Status::kRejected, {});
      return;
    }
    if (job.read) std::as_const(st().data).prefetch(job.key);
    if (const auto w = pool_.admit(job, now)) begin(*w);
  }

  void begin(std::uint32_t w) {
    auto& worker = pool_.worker(w);
    worker.done_at = sim_.now() + store_detail::service_time(cfg_, rng_, worker.job.read, slowdown_);
    sim_.schedule(worker.done_at, actor_id(), kServiceDone, w);
  }

  void serve(std::uint32_t w) {
    const Time now = sim_.now();
    const Job job = pool_.worker(w).job;
    if (job.read) {
      // Confirmed by ReadIndex, with every entry up to the read index
      // applied: the state machine now is at least that fresh.
      const Cell* c = st().data.find(job.key);
      const Cell cell = c != nullptr ? *c : Cell{};
      answer(job.from, job.reply_to, Status::kOk, AnswerValue{true, cell.value, cell.ts});
    } else {
      propose(job, now);
    }
    if (handled_.active())
      handled_.publish(RequestHandled{actor_id(), job.from, job.arrived, pool_.worker(w).started, now, Status::kOk});
    if (const auto next = pool_.release(w, now)) begin(*next);
  }

  // --- the leader: writes -------------------------------------------------

  void propose(const Job& job, Time now) {
    if (role_ != Role::kLeader) {  // stepped down meanwhile: nothing was appended
      answer(job.from, job.reply_to, Status::kUnavailable, {});
      return;
    }
    Entry e;
    e.key = job.key;
    e.value = job.value;
    const std::uint64_t index = append(e);
    pending_.push_back(Pending{index, job.from, job.reply_to, now + call_timeout(job.budget)});
    replicate_all();
    maybe_commit();  // a store of one node
  }

  // Appends an entry of this term to the leader's log: its index.
  std::uint64_t append(Entry e) {
    Disk& d = st();
    e.index = d.last() + 1;
    e.term = meta_->term;
    d.log.push_back(e);
    cluster_->holds(d.log.size());
    ++cluster_->counters.appended;
    if (log_changed_.active()) log_changed_.publish(LogChanged{actor_id(), e.index, e.term, LogChanged::Kind::kAppended, sim_.now()});
    return e.index;
  }

  // Sends each follower what it lacks, as far as its window allows.
  void replicate_all() {
    for (int f = 0; f < n_; ++f)
      if (f != index_) replicate(static_cast<std::size_t>(f));
  }

  // One follower: while probing, a single AppendEntries at a time (where do
  // the logs agree?); once they agree, pipelined batches of up to kMaxBatch
  // entries, at most kMaxInflight messages unacknowledged. A follower whose
  // next entry was compacted gets a snapshot instead.
  void replicate(std::size_t f) {
    Disk& d = st();
    if (snapshot_at_[f] >= 0) {  // installing a snapshot (sent again if it takes too long)
      if (sim_.now() - snapshot_at_[f] < kSnapshotRetry) return;
      snapshot_at_[f] = -1;
    }
    if (next_[f] <= d.base) return send_snapshot(f);
    if (probing_[f]) {
      if (probe_sent_[f] >= 0) return;
      probe_sent_[f] = sim_.now();
      send_append(f, next_[f], std::min(d.last(), next_[f] + kMaxBatch - 1));
      return;
    }
    while (next_[f] <= d.last() && inflight_[f].size() < kMaxInflight) {
      const std::uint64_t to = std::min(d.last(), next_[f] + kMaxBatch - 1);
      send_append(f, next_[f], to);
      inflight_[f].push_back(Inflight{to, sim_.now()});
      next_[f] = to + 1;
    }
  }

  // AppendEntries carrying entries [from, to] (none if from > to).
  void send_append(std::size_t f, std::uint64_t from, std::uint64_t to) {
    const Disk& d = st();
    const std::uint64_t count = to >= from ? to - from + 1 : 0;
    Message m = store_detail::store_message(actor_id(), nodes_[f], RaftMsg::kAppend,
                             static_cast<std::uint32_t>(std::min<std::uint64_t>(
                                 64 + count * cfg_.request_size, UINT32_MAX)));
    m.words[0] = meta_->term;
    // Filled in place: a recycled body keeps its entries' capacity.
    auto& pool = sim_.network().payloads().pool<AppendBody>();
    m.words[1] = pool.acquire();
    AppendBody& body = pool.get(m.words[1]);
    body.prev_index = from - 1;
    body.prev_term = d.term_at(from - 1);
    body.commit = commit_;
    body.entries.clear();
    for (std::uint64_t i = from; i <= to; ++i) body.entries.push_back(d.at(i));
    m.flags = kPooledPayload;
    sim_.network().send(m);
    ++cluster_->counters.append_messages;
    cluster_->counters.entries_sent += count;
  }
  static constexpr std::uint64_t kMaxBatch = 4096;  // entries per AppendEntries
  static constexpr std::size_t kMaxInflight = 256;  // unacknowledged AppendEntries per follower

  void on_append_reply(const Message& msg, int from) {
    const std::uint64_t term = msg.words[0];
    if (term > meta_->term) return newer_term(term);
    if (role_ != Role::kLeader || term != meta_->term) return;
    const auto f = static_cast<std::size_t>(from);
    active_[f] = true;
    std::uint64_t index = msg.words[1];
    if (static_cast<Status>(msg.status) == Status::kOk) {
      const bool advanced = index > match_[f];
      if (advanced) {
        match_[f] = index;
        next_[f] = std::max(next_[f], index + 1);
      }
      // A snapshot installed (this one or an earlier one): the log serves it
      // from here.
      if (snapshot_at_[f] >= 0 && match_[f] >= st().base) snapshot_at_[f] = -1;
      while (!inflight_[f].empty() && inflight_[f].front().last <= index) inflight_[f].pop_front();
      if (probing_[f]) {  // the logs agree: pipeline from here
        probing_[f] = false;
        probe_sent_[f] = -1;
        inflight_[f].clear();
        next_[f] = match_[f] + 1;
      }
      if (advanced) maybe_commit();
      replicate(f);
      return;
    }
    // Rejected: the follower has no entry at `index` with the term sent.
    // Stale (already matched beyond) or expected? Without durable disks a
    // follower that crashed has lost what it had matched: its hint, the end
    // of its log, is then below what it matched, and it starts over.
    const std::uint64_t hint = static_cast<std::uint64_t>(msg.token) | (static_cast<std::uint64_t>(msg.gen) << 32);
    if (!cfg_.durable && index <= match_[f] && hint < match_[f]) {
      match_[f] = hint;
      index = hint + 1;
    }
    if (index <= match_[f]) return;
    next_[f] = std::max(match_[f] + 1, std::min(index, hint + 1));
    probing_[f] = true;
    probe_sent_[f] = -1;
    inflight_[f].clear();
    replicate(f);
  }

  // The highest index a majority holds becomes committed — if it is of this
  // term (an entry of an earlier term is committed only by one of this term
  // after it: the paper's Figure 8).
  void maybe_commit() {
    const Disk& d = st();
    holders_.clear();
    for (int f = 0; f < n_; ++f)
      holders_.push_back(f == index_ ? d.last() : match_[static_cast<std::size_t>(f)]);
    const std::uint64_t c = store_detail::majority_value(holders_, majority());
    if (c <= commit_ || d.term_at(c) != meta_->term) return;
    const bool first_of_term = !term_committed();
    commit_ = c;
    cluster_->committed(c);
    if (commits_.active()) commits_.publish(EntriesCommitted{actor_id(), meta_->term, c, sim_.now()});
    apply_committed();
    while (!pending_.empty() && pending_.front().index <= commit_) {
      const Pending p = pending_.front();
      pending_.pop_front();
      const Entry& e = st().at(p.index);  // applied, not yet compacted (compaction waits for pending_)
      answer(p.caller, p.reply_to, Status::kOk, AnswerValue{true, e.value, version_of(e.term, e.index)});
    }
    compact();
    if (first_of_term) term_now_committed();
    serve_confirmed_reads();
  }

  // Applies committed entries to the state machine, in order.
  void apply_committed() {
    Disk& d = st();
    while (d.applied < commit_ && d.applied < d.last()) {
      const std::uint64_t i = d.applied + 1;
      const Entry& e = d.at(i);
      if (!e.noop) {
        const Cell cell{e.value, version_of(e.term, e.index)};
        const auto [c, inserted] = d.data.try_emplace(e.key, cell);
        if (!inserted) *c = cell;
      }
      d.applied = i;
      if (applies_.active()) applies_.publish(LogEntryApplied{actor_id(), e.index, e.term, e.key, e.value, e.noop, sim_.now()});
    }
  }

  // Log compaction: once `snapshot_every` entries were applied since the
  // last snapshot, the state machine is the new snapshot and the log drops
  // its entries but the last kCatchUp before it (etcd's
  // SnapshotCatchUpEntries: a follower a little behind catches up from the
  // log, not a snapshot). A leader keeps the entries its pending writes
  // answer from.
  void compact() {
    Disk& d = st();
    if (d.applied - d.snapshot < static_cast<std::uint64_t>(cfg_.snapshot_every)) return;
    d.snapshot = d.applied;
    ++cluster_->counters.snapshots;
    const std::uint64_t keep = std::min<std::uint64_t>(kCatchUp, static_cast<std::uint64_t>(cfg_.snapshot_every));
    std::uint64_t upto = d.snapshot > keep ? d.snapshot - keep : 0;
    if (!pending_.empty()) upto = std::min(upto, pending_.front().index - 1);
    if (upto <= d.base) return;
    d.base_term = d.term_at(upto);
    while (d.base < upto) {
      d.log.pop_front();
      ++d.base;
    }
  }
  static constexpr std::uint64_t kCatchUp = 5000;

  // A follower behind the log: the leader's state machine, whole, at its
  // applied index. One at a time; sent again if not installed in time.
  void send_snapshot(std::size_t f) {
    const Time now = sim_.now();
    const Disk& d = st();
    SnapshotBody body;
    body.index = d.applied;
    body.term = d.term_at(d.applied);
    if (body.term == 0) return;  // (the applied entry is always held or the base)
    body.cells = d.data.sorted();
    snapshot_at_[f] = now;
    snapshot_index_[f] = body.index;
    const std::uint64_t bytes = 64 + static_cast<std::uint64_t>(body.cells.size()) * cfg_.request_size;
    Message m = store_detail::store_message(actor_id(), nodes_[f], RaftMsg::kSnapshot,
                             static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, UINT32_MAX)));
    m.words[0] = meta_->term;
    m.words[1] = sim_.network().payloads().pool<SnapshotBody>().store(std::move(body));
    m.flags = kPooledPayload;
    sim_.network().send(m);
    ++cluster_->counters.snapshots_sent;
  }
  static constexpr Time kSnapshotRetry = 2 * kSecond;

  // --- the leader: reads by ReadIndex -------------------------------------

  // A read is served at the commit index it arrived at (its read index)
  // once a heartbeat round sent after it arrived was answered by a
  // majority: the leader was still the leader then, so no newer leader can
  // have committed anything it lacks. A new leader first commits an entry of
  // its term (its commit index is not known before). Reads arriving while a
  // round is out wait for the next one (one round in flight, as etcd's
  // linearizable-read loop).
  void read_index(const Job& job) {
    if (n_ == 1) {  // its own majority
      ++cluster_->counters.reads_confirmed;
      return admit(job);
    }
    reads_.push_back(WaitingRead{job, commit_, round_ + 1, sim_.now() + call_timeout(job.budget)});
    if (!round_out_ && term_committed()) start_round();
  }
  bool term_committed() const { return state().term_at(commit_) == meta_->term; }

  void start_round() {
    round_out_ = true;
    ++round_;
    ++cluster_->counters.read_rounds;
    for (int f = 0; f < n_; ++f)
      if (f != index_) send_heartbeat(static_cast<std::size_t>(f));
  }

  void send_heartbeat(std::size_t f) {
    Message m = store_detail::store_message(actor_id(), nodes_[f], RaftMsg::kHeartbeat, 64);
    m.words[0] = meta_->term;
    m.words[1] = std::min(match_[f], commit_);  // safe for the follower to commit
    m.token = static_cast<std::uint32_t>(round_);
    sim_.network().send(m);
  }

  void on_heartbeat_reply(const Message& msg, int from) {
    const std::uint64_t term = msg.words[0];
    if (term > meta_->term) return newer_term(term);
    if (role_ != Role::kLeader || term != meta_->term) return;
    const auto f = static_cast<std::size_t>(from);
    active_[f] = true;
    // A follower behind that is not being sent anything: probe it.
    if (msg.words[1] < st().last() && probing_[f] && probe_sent_[f] < 0) replicate(f);
    const std::uint64_t r = round_ - ((round_ - msg.token) & 0xffffffffULL);  // widen the 32-bit echo
    if (r <= round_acked_[f]) return;
    round_acked_[f] = r;
    confirm_rounds();
  }

  // The newest round a majority answered confirms every read of it or before.
  void confirm_rounds() {
    holders_.clear();
    for (int f = 0; f < n_; ++f) holders_.push_back(f == index_ ? round_ : round_acked_[static_cast<std::size_t>(f)]);
    const std::uint64_t r = store_detail::majority_value(holders_, majority());
    if (r <= confirmed_) return;
    confirmed_ = r;
    if (confirmed_ == round_) round_out_ = false;
    serve_confirmed_reads();
    if (!round_out_ && !reads_.empty() && term_committed()) start_round();
  }

  // Reads confirmed and with their read index applied go to the workers.
  void serve_confirmed_reads() {
    while (!reads_.empty()) {
      const WaitingRead& r = reads_.front();
      if (r.round > confirmed_ || r.read_index > st().applied) break;
      const Job job = r.job;
      reads_.pop_front();
      ++cluster_->counters.reads_confirmed;
      admit(job);
    }
  }

  // A new leader's first commit: the reads that waited for it get their
  // read index.
  void term_now_committed() {
    for (std::size_t i = 0; i < reads_.size(); ++i) reads_[i].read_index = std::max(reads_[i].read_index, commit_);
    if (!round_out_ && !reads_.empty()) start_round();
  }

  // --- the leader's heartbeat period ---------------------------------------

  void leader_tick() {
    const Time now = sim_.now();
    for (int f = 0; f < n_; ++f) {
      if (f == index_) continue;
      const auto i = static_cast<std::size_t>(f);
      send_heartbeat(i);
      // An AppendEntries (or its answer) lost: sent again once overdue — a
      // probe unanswered for a heartbeat period is sent again as it was; a
      // pipelined batch unacknowledged for election_timeout.min turns the
      // follower back to probing from what it has. A snapshot not
      // installed in time is sent again.
      if (snapshot_at_[i] >= 0) {
        if (now - snapshot_at_[i] >= kSnapshotRetry) replicate(i);
      } else if (probing_[i]) {
        if (probe_sent_[i] >= 0 && now - probe_sent_[i] >= cfg_.heartbeat) {
          probe_sent_[i] = -1;
          replicate(i);
        }
      } else if (!inflight_[i].empty() && now - inflight_[i].front().sent >= cfg_.election_timeout_min) {
        probing_[i] = true;
        probe_sent_[i] = -1;
        inflight_[i].clear();
        next_[i] = match_[i] + 1;
        replicate(i);
      }
    }
    // (Reads waiting on a round whose heartbeats were lost: this period's
    // heartbeats carry the round too.)
    // Check-quorum: every election timeout (its minimum), a leader that has
    // not heard from a majority in it steps down.
    if (cfg_.check_quorum && now - quorum_checked_ >= cfg_.election_timeout_min) {
      int heard = 1;
      for (int f = 0; f < n_; ++f) {
        if (f == index_) continue;
        heard += active_[static_cast<std::size_t>(f)] ? 1 : 0;
        active_[static_cast<std::size_t>(f)] = false;
      }
      quorum_checked_ = now;
      if (heard < majority()) {
        ++cluster_->counters.stepped_down;
        leave_leadership("check quorum");
        become_follower(-1);
        return;
      }
    }
    // Writes whose callers have given up (a leader that cannot commit)
    // are answered, their outcome unknown: they may yet commit.
    while (!pending_.empty() && pending_.front().deadline <= now) {
      const Pending p = pending_.front();
      pending_.pop_front();
      answer(p.caller, p.reply_to, Status::kTimeout, AnswerValue{false, 0, 0, true});
    }
    // Likewise reads a round never confirmed (a leader cut off, without
    // check-quorum): nothing was read.
    while (!reads_.empty() && reads_.front().deadline <= now) {
      const Job job = reads_.front().job;
      reads_.pop_front();
      answer(job.from, job.reply_to, Status::kTimeout, {});
    }
  }

  // --- followers ----------------------------------------------------------

  // A message from the leader of the current term (or a newer one).
  void heard_from_leader(int from, std::uint64_t term) {
    if (term > meta_->term || role_ != Role::kFollower) {
      if (term > meta_->term) {
        meta_->term = term;
        meta_->voted_for = -1;
        cluster_->highest_term = std::max(cluster_->highest_term, term);
      }
      if (role_ == Role::kLeader) leave_leadership("deposed");
      become_follower(from);
    }
    leader_ = from;
    last_heard_ = sim_.now();
  }

  void reject_stale(const Message& msg, RaftMsg reply) {
    Message m = store_detail::store_message(actor_id(), msg.src, reply, 64);
    m.words[0] = meta_->term;
    m.status = static_cast<std::uint16_t>(Status::kRejected);
    sim_.network().send(m);
  }

  void on_append(const Message& msg, int from) {
    const std::uint64_t term = msg.words[0];
    if (term < meta_->term) return reject_stale(msg, RaftMsg::kAppendReply);
    heard_from_leader(from, term);
    const AppendBody& body = sim_.network().payloads().pool<AppendBody>().get(msg.words[1]);
    Disk& d = st();
    Message reply = store_detail::store_message(actor_id(), msg.src, RaftMsg::kAppendReply, 64);
    reply.words[0] = meta_->term;
    if (body.prev_index > d.last() || (body.prev_index >= d.base && d.term_at(body.prev_index) != body.prev_term)) {
      // No entry at prev_index with its term: reject, with a hint of where
      // to go back to (the end of the log, or before the conflicting term).
      std::uint64_t hint = d.last();
      if (body.prev_index <= d.last()) {
        const std::uint64_t conflict = d.term_at(body.prev_index);
        hint = body.prev_index - 1;
        while (hint > d.base && d.term_at(hint) == conflict) --hint;
      }
      reply.words[1] = body.prev_index;
      reply.token = static_cast<std::uint32_t>(hint);
      reply.gen = static_cast<std::uint32_t>(hint >> 32);
      reply.status = static_cast<std::uint16_t>(Status::kRejected);
      sim_.network().send(reply);
      return;
    }
    // The logs agree at prev_index (an entry at or before the base is
    // committed, so it agrees). Entries already held with the same term are
    // skipped; the first conflict truncates the log there.
    std::uint64_t last_new = body.prev_index;
    for (const Entry& e : body.entries) {
      last_new = e.index;
      if (e.index <= d.base) continue;
      if (e.index <= d.last()) {
        if (d.term_at(e.index) == e.term) continue;
        if (e.index <= d.applied) {
          // An entry this node applied as committed conflicts with the
          // leader's: only a node that lost its disk (durable: false) makes
          // that possible. Counted; the state machine takes the leader's on
          // top of what it applied.
          ++cluster_->counters.safety_violations;
          d.applied = e.index - 1;
          commit_ = std::min(commit_, d.applied);
        }
        d.truncate_after(e.index - 1);
        if (log_changed_.active())
          log_changed_.publish(LogChanged{actor_id(), e.index - 1, 0, LogChanged::Kind::kTruncated, sim_.now()});
      }
      d.log.push_back(e);
      if (log_changed_.active())
        log_changed_.publish(LogChanged{actor_id(), e.index, e.term, LogChanged::Kind::kAppended, sim_.now()});
    }
    cluster_->holds(d.log.size());
    const std::uint64_t c = std::min(body.commit, last_new);
    if (c > commit_) {
      commit_ = c;
      apply_committed();
      compact();
    }
    reply.words[1] = last_new;
    reply.status = static_cast<std::uint16_t>(Status::kOk);
    sim_.network().send(reply);
  }

  void on_heartbeat(const Message& msg, int from) {
    const std::uint64_t term = msg.words[0];
    if (term < meta_->term) return reject_stale(msg, RaftMsg::kHeartbeatReply);
    heard_from_leader(from, term);
    // The leader sends at most what it knows this node has matched.
    const std::uint64_t c = std::min(msg.words[1], st().last());
    if (c > commit_) {
      commit_ = c;
      apply_committed();
      compact();
    }
    Message m = store_detail::store_message(actor_id(), msg.src, RaftMsg::kHeartbeatReply, 64);
    m.words[0] = meta_->term;
    m.words[1] = st().last();
    m.token = msg.token;
    sim_.network().send(m);
  }

  void on_snapshot(const Message& msg, int from) {
    const std::uint64_t term = msg.words[0];
    if (term < meta_->term) return reject_stale(msg, RaftMsg::kAppendReply);
    heard_from_leader(from, term);
    const SnapshotBody& s = sim_.network().payloads().pool<SnapshotBody>().get(msg.words[1]);
    Disk& d = st();
    Message reply = store_detail::store_message(actor_id(), msg.src, RaftMsg::kAppendReply, 64);
    reply.words[0] = meta_->term;
    reply.status = static_cast<std::uint16_t>(Status::kOk);
    if (s.index <= d.applied) {  // has it all already
      reply.words[1] = d.applied;
      sim_.network().send(reply);
      return;
    }
    // Keeps the log's suffix if it holds the snapshot's last entry; else
    // the log is discarded. The state machine becomes the snapshot.
    if (d.term_at(s.index) == s.term && s.index > d.base) {
      while (d.base < s.index) {
        d.log.pop_front();
        ++d.base;
      }
    } else {
      d.log.clear();
      d.base = s.index;
      if (log_changed_.active())
        log_changed_.publish(LogChanged{actor_id(), s.index, 0, LogChanged::Kind::kTruncated, sim_.now()});
    }
    d.base_term = s.term;
    if (log_changed_.active())
      log_changed_.publish(LogChanged{actor_id(), s.index, s.term, LogChanged::Kind::kSnapshot, sim_.now()});
    d.data = CellMap{};
    for (const auto& [key, cell] : s.cells) d.data.try_emplace(key, cell);
    d.applied = d.snapshot = s.index;
    commit_ = std::max(commit_, s.index);
    apply_committed();
    reply.words[1] = s.index;
    sim_.network().send(reply);
  }

  // --- elections ----------------------------------------------------------

  void draw_timeout() {
    const double span = static_cast<double>(cfg_.election_timeout_max - cfg_.election_timeout_min);
    timeout_ = cfg_.election_timeout_min + round_to_time(rng_.uniform() * span);
  }
  // One live timer event at a time: it fires at last_heard_ + timeout_ as
  // it was then, and re-arms itself if a message from the leader moved that
  // on; a new draw that makes the deadline earlier replaces it.
  void arm_election_timer() {
    const Time at = std::max(sim_.now(), last_heard_ + timeout_);
    if (timer_armed_ && timer_at_ <= at) return;
    timer_armed_ = true;
    timer_at_ = at;
    sim_.schedule(at, actor_id(), kElection, ++timer_gen_);
  }

  void election_timeout() {
    leader_ = -1;
    last_heard_ = sim_.now();
    draw_timeout();
    arm_election_timer();
    if (cfg_.pre_vote) {
      // Asks whether a majority would vote, without raising its term: a
      // node cut off from the majority never disrupts it when it is back.
      role_ = Role::kPreCandidate;
      ++cluster_->counters.pre_votes;
      if (open_ballot(meta_->term + 1, true)) campaign();
      return;
    }
    campaign();
  }

  void campaign() {
    ++meta_->term;
    meta_->voted_for = index_;
    cluster_->highest_term = std::max(cluster_->highest_term, meta_->term);
    role_ = Role::kCandidate;
    leader_ = -1;
    ++cluster_->counters.elections;
    if (election_.active()) election_.publish(ElectionStarted{actor_id(), meta_->term, sim_.now()});
    last_heard_ = sim_.now();
    draw_timeout();
    arm_election_timer();
    if (open_ballot(meta_->term, false)) become_leader();
  }

  bool open_ballot(std::uint64_t term, bool pre) {
    ballot_term_ = term;
    ++ballot_round_;  // grants of an earlier round, late, do not count
    if (ballot_.open(index_, majority())) return true;
    const Disk& d = st();
    DSIM_CHECK_MSG(d.last_term() <= UINT32_MAX, "raft: more than 2^32 terms");
    for (int f = 0; f < n_; ++f) {
      if (f == index_) continue;
      Message m = store_detail::store_message(actor_id(), nodes_[static_cast<std::size_t>(f)], RaftMsg::kVote, 64);
      m.words[0] = term;
      m.words[1] = d.last();
      m.token = static_cast<std::uint32_t>(d.last_term());
      m.gen = ballot_round_;
      m.tag = pre ? 1 : 0;
      sim_.network().send(m);
    }
    return false;
  }

  void on_vote(const Message& msg, int from) {
    const std::uint64_t term = msg.words[0];
    const bool pre = msg.tag == 1;
    const std::uint64_t their_last = msg.words[1];
    const std::uint64_t their_last_term = msg.token;
    // With check-quorum, a node that heard from a live leader within the
    // minimum election timeout ignores candidates (a partitioned node
    // cannot depose a healthy leader).
    const bool leader_live =
        role_ == Role::kLeader || (leader_ >= 0 && sim_.now() - last_heard_ < cfg_.election_timeout_min);
    const bool ignore = cfg_.check_quorum && leader_live && term > meta_->term;
    bool grant = false;
    if (!ignore) {
      if (!pre && term > meta_->term) newer_term(term);
      const Disk& d = st();
      const bool up_to_date =
          their_last_term != d.last_term() ? their_last_term > d.last_term() : their_last >= d.last();
      if (pre) grant = term > meta_->term && up_to_date;
      else grant = term == meta_->term && (meta_->voted_for < 0 || meta_->voted_for == from) && up_to_date;
      if (grant && !pre) {
        meta_->voted_for = from;
        last_heard_ = sim_.now();  // the candidate gets an election timeout
      }
    }
    Message m = store_detail::store_message(actor_id(), msg.src, RaftMsg::kVoteReply, 64);
    m.words[0] = meta_->term;
    m.words[1] = term;
    m.gen = msg.gen;
    m.tag = msg.tag;
    m.status = static_cast<std::uint16_t>(grant ? Status::kOk : Status::kRejected);
    sim_.network().send(m);
  }

  void on_vote_reply(const Message& msg, int from) {
    const std::uint64_t their = msg.words[0];
    const std::uint64_t asked = msg.words[1];
    const bool granted = static_cast<Status>(msg.status) == Status::kOk;
    if (msg.tag == 1) {
      if (role_ != Role::kPreCandidate || asked != ballot_term_ || msg.gen != ballot_round_) return;
      if (!granted) {
        if (their > meta_->term) newer_term(their);
        return;
      }
      if (ballot_.grant(from)) campaign();
      return;
    }
    if (their > meta_->term) return newer_term(their);
    if (role_ != Role::kCandidate || asked != meta_->term || !granted) return;
    if (ballot_.grant(from)) become_leader();
  }

  // A newer term exists: follow (its leader, once heard from).
  void newer_term(std::uint64_t term) {
    meta_->term = term;
    meta_->voted_for = -1;
    cluster_->highest_term = std::max(cluster_->highest_term, term);
    if (role_ == Role::kLeader) leave_leadership("deposed");
    become_follower(-1);
  }

  void become_follower(int leader) {
    role_ = Role::kFollower;
    leader_ = leader;
    last_heard_ = sim_.now();
    draw_timeout();
    arm_election_timer();
  }

  void become_leader() {
    const Time now = sim_.now();
    role_ = Role::kLeader;
    leader_ = index_;
    ++cluster_->counters.leaders_elected;
    cluster_->leading(index_, meta_->term, now);
    if (leader_changed_.active())
      leader_changed_.publish(LeaderChanged{actor_id(), meta_->term, true, "elected", now, "term"});
    const Disk& d = st();
    for (int f = 0; f < n_; ++f) {
      const auto i = static_cast<std::size_t>(f);
      next_[i] = d.last() + 1;
      match_[i] = 0;
      probing_[i] = true;
      probe_sent_[i] = -1;
      inflight_[i].clear();
      active_[i] = true;  // the voters answered just now
      round_acked_[i] = 0;
      snapshot_at_[i] = -1;
    }
    round_ = confirmed_ = 0;
    round_out_ = false;
    quorum_checked_ = now;
    // An entry of its own term: committing it commits everything before it
    // and tells the leader its commit index (ReadIndex waits for it).
    Entry noop;
    noop.noop = true;
    append(noop);
    replicate_all();
    for (int f = 0; f < n_; ++f)
      if (f != index_) send_heartbeat(static_cast<std::size_t>(f));
    maybe_commit();
    sim_.schedule_after(cfg_.heartbeat, actor_id(), kTick, ++tick_gen_);
  }

  // A leader stops leading: its writes not yet committed have an unknown
  // outcome (a later leader may commit them); its reads were never served.
  void leave_leadership(const char* reason) {
    const Time now = sim_.now();
    if (!down_) {  // (a crashed leader answers nothing: its callers time out)
      for (std::size_t i = 0; i < pending_.size(); ++i)
        answer(pending_[i].caller, pending_[i].reply_to, Status::kTimeout, AnswerValue{false, 0, 0, true});
      for (std::size_t i = 0; i < reads_.size(); ++i)
        answer(reads_[i].job.from, reads_[i].job.reply_to, Status::kUnavailable, {});
    }
    pending_.clear();
    reads_.clear();
    ++tick_gen_;
    role_ = Role::kFollower;
    cluster_->leading(index_, 0, now);
    if (leader_changed_.active())
      leader_changed_.publish(LeaderChanged{actor_id(), meta_->term, false, reason, now, "term"});
  }

  const Spec::Config& cfg_;
  int index_;
  int n_;
  Simulation& sim_;
  const Channel<RequestHandled>& handled_;
  const Channel<LeaderChanged>& leader_changed_;
  const Channel<ElectionStarted>& election_;
  const Channel<EntriesCommitted>& commits_;
  const Channel<LogEntryApplied>& applies_;
  const Channel<LogChanged>& log_changed_;
  Rng rng_;
  Time default_timeout_;
  Cluster* cluster_ = nullptr;
  store_detail::NodeIndex nodes_;
  std::optional<Durable<Disk>> disk_;
  std::optional<Volatile<Disk>> memory_;
  Durable<Meta> meta_{*this, Meta{}};

  // Every node.
  Role role_ = Role::kFollower;
  int leader_ = -1;
  bool down_ = false;
  std::uint64_t commit_ = 0;
  Time last_heard_ = 0;  // from the leader (or a vote granted, or the timer's start)
  Time timeout_ = 0;     // this period's election timeout draw
  bool timer_armed_ = false;
  Time timer_at_ = 0;
  std::uint32_t timer_gen_ = 0;
  // Elections.
  std::uint64_t ballot_term_ = 0;
  std::uint32_t ballot_round_ = 0;
  store_detail::Ballot ballot_;
  // Leading: per follower, the next entry to send and the last known held;
  // probing (one message until the logs agree) or pipelining (the last
  // index of each AppendEntries unacknowledged); whether it was heard from
  // since the last quorum check; the newest read round it answered.
  std::vector<std::uint64_t> next_, match_;
  std::vector<bool> probing_;
  std::vector<Time> probe_sent_;  // -1: none outstanding
  // An AppendEntries unacknowledged: the last index it carried, when sent.
  struct Inflight {
    std::uint64_t last = 0;
    Time sent = 0;
  };
  std::vector<RingBuffer<Inflight>> inflight_;
  std::vector<bool> active_;
  std::vector<std::uint64_t> round_acked_;
  std::vector<Time> snapshot_at_;  // -1: none being installed
  std::vector<std::uint64_t> snapshot_index_;  // ... and the index it was taken at
  Time quorum_checked_ = 0;
  std::uint32_t tick_gen_ = 0;
  RingBuffer<Pending> pending_;
  RingBuffer<WaitingRead> reads_;
  std::uint64_t round_ = 0, confirmed_ = 0;
  bool round_out_ = false;
  std::vector<std::uint64_t> holders_;  // scratch
  store_detail::WorkerPool<Job> pool_;
  double slowdown_ = 1.0;
  store_detail::Forwarder fwd_;
  store_detail::SettleChecks settle_checks_;
};

class RaftInstance final : public store_detail::LeaderStoreInstance<RaftNode, Cluster> {
 public:
  using LeaderStoreInstance::LeaderStoreInstance;

  void record(ComponentRecord& out) const override {
    ServerInstance::record(out);
    const RaftCounters& c = cluster_.counters;
    const auto add = [&out](const char* name, double v) { out.extra.emplace_back(name, v); };
    out.reads_received = cluster_.received.reads;
    out.writes_received = cluster_.received.writes;
    add("elections", static_cast<double>(c.elections));
    add("pre_votes", static_cast<double>(c.pre_votes));
    add("leader_changes", static_cast<double>(c.leaders_elected));
    add("term", static_cast<double>(cluster_.highest_term));
    add("without_leader_s", static_cast<double>(cluster_.without_leader()) / 1e9);
    add("max_leaders", cluster_.max_leaders());
    add("stepped_down", static_cast<double>(c.stepped_down));
    add("log_entries_committed", static_cast<double>(cluster_.committed()));
    add("log_entries_appended", static_cast<double>(c.appended));
    add("log_entries_held_max", static_cast<double>(cluster_.most_held()));
    add("append_messages", static_cast<double>(c.append_messages));
    add("entries_per_append", c.append_messages ? static_cast<double>(c.entries_sent) / static_cast<double>(c.append_messages) : 0.0);
    add("read_index_rounds", static_cast<double>(c.read_rounds));
    add("reads_per_round", c.read_rounds ? static_cast<double>(c.reads_confirmed) / static_cast<double>(c.read_rounds) : 0.0);
    add("snapshots", static_cast<double>(c.snapshots));
    add("snapshots_sent", static_cast<double>(c.snapshots_sent));
    add("forwarded", static_cast<double>(c.forwarded));
    add("refused_no_leader", static_cast<double>(c.refused_no_leader));
    add("safety_violations", static_cast<double>(c.safety_violations));
  }

  // (Settling: one leader has committed its whole log and every node has
  // applied it: RaftNode::caught_up_with.)

  void end_settle() override {
    Simulation& sim = replicas_.front()->sim();
    const Channel<StoreKeySettled>& ch = sim.bus().channel<StoreKeySettled>();
    if (!ch.active()) return;
    const RaftNode* source = leader();
    if (source == nullptr) {  // none: the node that applied the most
      for (const auto& r : replicas_)
        if (source == nullptr || r->state().applied > source->state().applied) source = r.get();
    }
    publish_settled(*source);
  }
};

}  // namespace

std::unique_ptr<ComponentInstance> make_raft_instance(const Spec& spec, BuildContext& ctx) {
  return std::make_unique<RaftInstance>(spec, ctx);
}

}  // namespace dsim
