// kind: replicated_store — data replicated over the component's replicas.
//
// `model: leaderless` is a Dynamo / Cassandra store. Its nodes are the
// component's replicas, named and placed in zones like any component's. A
// consistent-hash ring with `vnodes` tokens per node places each key on
// `replication_factor` nodes (the first distinct nodes clockwise from the
// key's token). An operation reaches a coordinator — by default a node, chosen
// as any target is (round robin from a client, a balancer's policy, a
// service's calls); with `coordinator: client` the client itself, as a
// token-aware driver does. The coordinator stamps a write with its own clock
// (Network::clock: a clock_skew fault shifts it), sends the operation to all
// of the key's replicas and answers once `write_consistency` (W) or
// `read_consistency` (R) of them have acknowledged; a read returns the newest
// (timestamp, value) among the answers it waited for: last writer wins, ties
// to the larger value.
//
// Each node serves replica operations — a read or a write of its own copy —
// with `workers` behind a FIFO queue of `queue_capacity`, each taking a
// `service_time` draw (`read_service_time`, `write_service_time`); the
// coordinator's own work is free. A replica that does not answer within the
// coordinator's `call_timeout` (default: the request's client timeout), or
// refuses, counts as a failure; the coordinator answers "timeout" once W (R)
// acknowledgements can no longer come (for a write some replica may still
// apply, always), "unavailable" without contacting any replica if it
// suspects too many of them to be down (a failed call suspects its node for
// call_timeout, default 1 s, or until it answers; never the coordinator
// itself), and "rejected" if every failure was a full queue. What the
// coordinator does besides:
//  - read_repair: with this probability a read, once answered, collects
//    every replica's answer and writes the newest value to those that
//    answered an older one;
//  - hinted_handoff: a write a replica did not acknowledge is kept as a hint
//    on the coordinator (on disk: it survives a crash) and replayed every
//    `retry` until acknowledged, for at most `window`;
//  - sloppy_quorum: a suspected replica is stood in for by the next node on
//    the ring, which keeps the write with a hint for the real one (Dynamo;
//    needs hinted handoff);
//  - anti_entropy: every `interval` each node exchanges its copies with every
//    node it shares keys with, and both keep the newer of each (Cassandra's
//    repair, without Merkle trees: the whole shared contents travel).
// `durable: false` makes a crashed node come back empty (sim/node_state.h).
//
// At the end of a run the store settles (ComponentInstance::settle): faults
// are healed, one anti-entropy round runs and hints are replayed every 100 ms
// until none is left (a minute at most); then it
// publishes each key's converged value (StoreKeySettled, models/events.h),
// which a history records as a read by the client "final".
// Example: scenarios/cassandra-rf3.yaml; fields: scenarios/README.md.
//
// `model: leader_follower` is a primary with replicas (PostgreSQL, MySQL,
// MongoDB, Redis with Sentinel). Every node holds every key. One node leads
// (initially the first, <name>-0); a write reaching a follower is forwarded to the
// leader that follower knows (one more hop; "unavailable" if it knows none).
// The leader serves the write on a worker, appends it to its log at the next
// index (the version of the value is (epoch << 40) + index) and streams the
// entry to every follower, which applies entries strictly in log order on
// applier threads of its own (as many as `workers`, apart from the workers
// that serve requests), each apply a write service time: replication lag is
// what that and the network make it, and reads on a lagging follower are
// stale, not slow. The leader acknowledges a write
//  - async: once it has applied it itself;
//  - semi_sync: once one follower has it too (MySQL's semi-synchronous
//    replication, without its fallback to async);
//  - sync: once every in-sync follower has it and, with them, a majority of
//    the nodes (Kafka's in-sync replicas with min.insync.replicas a
//    majority). A follower leaves the in-sync set when the leader has not
//    heard from it for `detection`, and rejoins once it has every write
//    committed so far.
// With sync and semi_sync a write is invisible to the leader's reads until
// it is acknowledged (MySQL's lossless AFTER_SYNC); a newly elected leader
// takes what it holds as committed, as a promoted replica does.
// Reads are served by the leader (read_from: leader, forwarded there), by
// whichever node they reach (any: stale by that node's lag), or by one named
// node. The leader sends heartbeats every `heartbeat`; lost entries are sent
// again when a heartbeat's answer shows a follower stuck behind. Each node
// keeps its last `log_retention` entries; a follower further behind is
// re-cloned from a snapshot of the leader's data.
// Failover (failover: {detection}): the followers detect — no separate
// monitor. A follower that has not heard from its leader for `detection`
// waits a random stagger of one to two heartbeats, then stands for the next
// epoch (after asking whether a majority would vote for it: a pre-vote); a
// node votes for it unless it hears from a live leader, has voted in that
// epoch, or has received more of the log (then it stands itself), so the
// node promoted by a majority is the most up-to-date of that majority. A node that
// learns of a newer epoch follows its leader: the leader finds where their
// logs part (each node keeps the index at which each epoch's entries begin,
// as Kafka's leader epochs, and the exchange repeats until the epochs
// agree) and the follower discards its entries beyond, undoing them; each
// discarded write is counted once. With fencing (the
// default) a leader that has not heard from a majority for `detection`
// steps down before any new leader can be elected; without it, a leader cut
// off from the majority keeps accepting writes: split brain, until it hears
// of the newer epoch. Settling at the end of a run heals faults and waits
// until one leader leads every node at its last index (a minute at most);
// the leader's copy is then each key's converged value.
// Example: scenarios/failover-db.yaml, scenarios/split-brain.yaml.
//
// `model: raft` is a Raft group (etcd, Consul, CockroachDB's ranges): every
// node holds every key; a leader elected for a term replicates its log and
// a write is acknowledged once a majority has it (committed) and the
// leader has applied it. Nodes start as followers; a follower that hears
// nothing from a leader for its election timeout (drawn uniformly in
// [election_timeout.min, election_timeout.max] from its own stream, anew
// each time) asks for a pre-vote (would a majority vote? its term is not
// raised, so a node cut off never disrupts the majority when it is back),
// then stands for the next term; a node votes once per term, for a
// candidate whose log is at least as up to date as its own (the paper's
// last-term-then-length rule). With check_quorum a node that heard from a
// leader within election_timeout.min ignores candidates, and a leader that
// has not heard from a majority within election_timeout.min steps down. A
// new leader appends an empty entry of its term; committing it commits
// everything before it (an entry of an earlier term is never committed by
// counting replicas: the paper's Figure 8).
// Replication: per follower, the leader probes with one AppendEntries at a
// time until the logs agree (a follower's rejection carries a hint: the end
// of its log, or where the conflicting term began), then pipelines batches
// of up to 4096 entries, at most 256 messages unacknowledged; a period
// without progress (a lost message) probes again. Every `heartbeat` the
// leader sends heartbeats carrying its commit index (at most what the
// follower is known to hold). Followers apply committed entries in order;
// the leader's worker serves a write (write_service_time) before it is
// appended, and applying is free. Reads go through the leader by ReadIndex:
// the read waits for a heartbeat round sent after it arrived to be answered
// by a majority (one round in flight; reads arriving meanwhile share the
// next), then for its read index (the commit index when it arrived, or the
// new leader's first commit) to be applied, then is served on a worker
// (read_service_time). A follower forwards a request to the leader it
// knows (one hop; "unavailable" if it knows none); a leader that steps down
// answers its uncommitted writes "timeout" (their outcome is unknown) and
// its unconfirmed reads "unavailable".
// Log compaction: every `snapshot_every` entries applied, a node takes a
// snapshot (its state machine is it) and drops the log before it but 5000
// entries (fewer if snapshot_every is smaller), so memory does not grow with
// time; a follower behind the log gets the leader's state machine whole
// (InstallSnapshot). The term and vote are always on disk; `durable: false`
// loses the log and data on a crash, which Raft does not allow — a node that
// applied an entry a later leader contradicts is counted in
// safety_violations. Settling waits until one leader has committed its whole
// log and every node has applied it. Example: scenarios/cap/cp.yaml.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsim/models/component.h"
#include "dsim/sim/distribution.h"

namespace dsim {

class ReplicatedStoreSpec final : public ComponentSpec {
 public:
  enum class Model { kLeaderless, kLeaderFollower, kRaft };
  enum class Replication { kAsync, kSemiSync, kSync };
  enum class ReadFrom { kLeader, kAny, kNode };
  enum class Coordinator { kNode, kClient };

  struct HintedHandoff {
    Time window = 3 * kHour;   // a hint is dropped this long after it was stored
    Time retry = 10 * kSecond; // how often a coordinator replays its hints
  };

  // Consistency levels are counts of replicas; the names (ONE, TWO, THREE,
  // QUORUM, ALL) are resolved by the loader against replication_factor.
  struct Config {
    Model model = Model::kLeaderless;
    std::int64_t workers = 1;
    Distribution service_time;                       // per replica operation
    std::optional<Distribution> read_service_time;   // overrides service_time for reads
    std::optional<Distribution> write_service_time;  // ... and for writes
    std::int64_t queue_capacity = -1;                // per node; -1: unlimited
    bool durable = true;
    int replication_factor = 3;
    int vnodes = 16;
    int read_consistency = 1;
    int write_consistency = 1;
    Coordinator coordinator = Coordinator::kNode;
    double read_repair = 0;
    std::optional<HintedHandoff> hinted_handoff = HintedHandoff{};
    bool sloppy_quorum = false;
    std::optional<Time> anti_entropy_interval;
    std::optional<Time> call_timeout;  // the coordinator's wait on replicas
    std::uint32_t request_size = 200;  // replica messages
    std::uint32_t response_size = 200;
    // leader_follower
    Replication replication = Replication::kAsync;
    ReadFrom read_from = ReadFrom::kLeader;
    int read_node = -1;                 // ReadFrom::kNode: the replica index
    Time detection = 5 * kSecond;       // failover: a leader silent this long is dead
    Time heartbeat = kSecond;           // the leader's heartbeat period (raft: 50ms, set by the loader)
    bool fencing = true;
    std::int64_t log_retention = 100'000;  // log entries each node keeps
    // raft (and `heartbeat`)
    Time election_timeout_min = 150 * kMillisecond;  // each timeout drawn uniformly in [min, max]
    Time election_timeout_max = 300 * kMillisecond;
    std::int64_t snapshot_every = 10'000;  // entries applied between snapshots
    bool pre_vote = true;
    bool check_quorum = true;
  };

  // The largest replication factor (a coordinator's fan-out is fixed-size).
  static constexpr int kMaxReplicationFactor = 16;

  // REQUIRES: workers >= 1; 1 <= replication_factor <= min(replicas,
  // kMaxReplicationFactor); 1 <= R, W <= replication_factor; vnodes >= 1;
  // 0 <= read_repair <= 1. leader_follower: 0 < heartbeat < detection;
  // log_retention >= 1; semi_sync needs 2 nodes; read_node a replica index
  // with ReadFrom::kNode. raft: 0 < heartbeat < election_timeout_min <=
  // election_timeout_max; snapshot_every >= 1.
  ReplicatedStoreSpec(ComponentCommon common, Config config);
  ~ReplicatedStoreSpec() override;

  static const char* model_name(Model m);
  const Config& config() const { return config_; }

  // The ring position (token) of a key.
  static std::uint64_t token_of(std::uint64_t key);
  // The nodes holding `key`: replication_factor replica indices in ring order.
  void replicas_of(std::uint64_t key, std::vector<int>& out) const;
  // Every node in ring order from the key's token (sloppy quorum's stand-ins
  // come from here): replica_count() indices, the key's replicas first.
  void ring_walk(std::uint64_t key, std::vector<int>& out) const;
  // The nodes that share keys with `node` (anti-entropy's peers), in order.
  const std::vector<int>& peers_of(int node) const { return peers_[static_cast<std::size_t>(node)]; }

  bool serves_requests() const override { return true; }
  bool serves_operations() const override { return true; }
  bool records_requests_received() const override { return true; }
  bool accepts_slowdown() const override { return true; }
  std::uint64_t slots() const override {
    return static_cast<std::uint64_t>(replica_count()) * static_cast<std::uint64_t>(config_.workers);
  }
  // Replica operations per second all nodes serve at most, shared by an
  // operation's replication_factor copies.
  std::optional<double> capacity() const override;
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override;

 private:
  std::size_t position_of(std::uint64_t key) const;

  Config config_;
  // The ring: tokens sorted, with the node owning each; and per position the
  // replication_factor nodes that follow it (the preference list).
  std::vector<std::uint64_t> tokens_;
  std::vector<int> owner_;
  std::vector<int> preference_;  // tokens_.size() × replication_factor
  // The first position at or after each of 2^kBucketBits equal slices of
  // the token space: a lookup scans a few tokens instead of a binary search.
  static constexpr int kBucketBits = 12;
  std::vector<std::uint32_t> bucket_start_;
  std::vector<std::vector<int>> peers_;
};

}  // namespace dsim
