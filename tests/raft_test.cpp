// The Raft store (models/replicated_store.h, model: raft): elections and
// their timing, forwarding, ReadIndex, check-quorum, snapshots; the CAP
// classroom's two scenarios; and Raft's safety properties over many seeds of
// message loss, reordering, crashes and partitions.
#include <map>
#include <set>
#include <sstream>

#include "dsim/analysis/trace.h"
#include "dsim/models/events.h"
#include "helpers.h"

namespace dsim::testing {
namespace {

double db(const RunRecord& rec, const std::string& name) { return figure(rec, "db", name); }

// What the protocol did, as its events tell it: leadership, elections,
// commits and every node's applied entries.
class RaftLog final : public Recorder {
 public:
  struct Change {
    std::string node;
    std::uint64_t term = 0;
    bool leading = true;
    std::string reason;
    Time at = 0;
  };
  struct Applied {
    std::uint64_t term = 0, key = 0, value = 0;
    bool noop = false;
    bool operator==(const Applied&) const = default;
  };
  void attach(Bus& bus, const RunContext& ctx) override {
    world_ = &ctx.world;
    bus.subscribe<&RaftLog::on_leader>(*this);
    bus.subscribe<&RaftLog::on_election>(*this);
    bus.subscribe<&RaftLog::on_commit>(*this);
    bus.subscribe<&RaftLog::on_applied>(*this);
    bus.subscribe<&RaftLog::on_log>(*this);
  }
  void finish(const RunContext&, RunRecord&) override {}

  void on_leader(const LeaderChanged& e) {
    changes.push_back(Change{world_->node_name(e.node), e.epoch, e.leading, std::string(e.reason), e.at});
    if (!e.leading) return;
    // Leader completeness: a new leader's log holds every entry committed
    // in earlier terms (below its snapshot, they are committed ones).
    const auto& log = log_of_[e.node];
    for (const auto& [index, term] : committed_term_) {
      if (index <= snapshot_of_[e.node]) continue;
      if (index >= log.size() || log[index] != term) {
        ++incomplete_leaders;
        break;
      }
    }
    check_log_matching();
  }
  void on_log(const LogChanged& e) {
    auto& log = log_of_[e.node];
    switch (e.kind) {
      case LogChanged::Kind::kAppended:
        if (log.size() <= e.index) log.resize(e.index + 1, 0);
        log[e.index] = e.term;
        break;
      case LogChanged::Kind::kTruncated:
        if (log.size() > e.index + 1) log.resize(e.index + 1);
        if (e.index == 0) snapshot_of_[e.node] = 0;  // a lost disk
        break;
      case LogChanged::Kind::kSnapshot:
        if (log.size() <= e.index) log.resize(e.index + 1, 0);
        log[e.index] = e.term;
        snapshot_of_[e.node] = std::max(snapshot_of_[e.node], e.index);
        break;
    }
  }
  // Log matching: where two logs hold an entry of the same index and term,
  // they hold the same entries before it (above both their snapshots).
  void check_log_matching() {
    for (auto a = log_of_.begin(); a != log_of_.end(); ++a) {
      for (auto b = std::next(a); b != log_of_.end(); ++b) {
        const auto& x = a->second;
        const auto& y = b->second;
        const std::uint64_t floor = std::max(snapshot_of_[a->first], snapshot_of_[b->first]);
        std::size_t i = std::min(x.size(), y.size());
        while (i > floor + 1 && !(x[i - 1] != 0 && x[i - 1] == y[i - 1])) --i;
        for (std::size_t j = floor + 1; j < i; ++j)
          if (x[j] != y[j]) {
            ++unmatched_logs;
            break;
          }
      }
    }
  }
  void on_election(const ElectionStarted& e) { elections.emplace_back(world_->node_name(e.node), e.term); }
  void on_commit(const EntriesCommitted&) { ++commits; }
  void on_applied(const LogEntryApplied& e) {
    committed_term_.try_emplace(e.index, e.term);
    // State machine safety: every node applies the same entry at each index.
    const Applied a{e.term, e.key, e.value, e.noop};
    const auto [it, inserted] = entry_at_.try_emplace(e.index, a);
    if (!inserted && !(it->second == a)) ++conflicting_applies;
    ++applies;
  }

  // The node leading at time t (empty: none).
  std::string leader_at(Time t) const {
    std::string who;
    for (const Change& c : changes) {
      if (c.at > t) break;
      if (c.leading) who = c.node;
      else if (c.node == who) who.clear();
    }
    return who;
  }

  std::vector<Change> changes;
  std::vector<std::pair<std::string, std::uint64_t>> elections;
  std::uint64_t commits = 0, applies = 0;
  std::uint64_t conflicting_applies = 0, incomplete_leaders = 0, unmatched_logs = 0;

 private:
  const World* world_ = nullptr;
  std::map<std::uint64_t, Applied> entry_at_;
  std::map<std::uint64_t, std::uint64_t> committed_term_;  // index -> term of the entry committed there
  std::map<ActorId, std::vector<std::uint64_t>> log_of_;   // each node's log: the term at each index (0: none)
  std::map<ActorId, std::uint64_t> snapshot_of_;           // each node's last snapshot installed
};

// Election safety: at most one leader per term; and each node's terms grow.
void expect_election_safety(const RaftLog& log) {
  std::map<std::uint64_t, std::set<std::string>> leaders_of;
  std::map<std::string, std::uint64_t> last_term;
  for (const auto& ch : log.changes) {
    if (!ch.leading) continue;
    leaders_of[ch.term].insert(ch.node);
    EXPECT_GT(ch.term, last_term[ch.node]) << ch.node;
    last_term[ch.node] = ch.term;
  }
  for (const auto& [term, nodes] : leaders_of) EXPECT_EQ(nodes.size(), 1u) << "term " << term;
}

// A raft store of `nodes` nodes over zones a, b, c (round robin), a client
// in zone a; `fields` are appended to the store's, `client` to the client's.
// With `both_sides`, a second client in zone b ("clients-b", 1000/s), so
// that both sides of a partition of zone a write and read.
std::string raft_yaml(const std::string& fields, const std::string& faults = "[]", int seed = 5, int nodes = 5,
                      const std::string& client = "", const std::string& link = "{dist: lognormal, median: 1ms, p99: 3ms}",
                      const std::string& duration = "20s", bool both_sides = false) {
  return "name: raft\nduration: " + duration + "\nwarmup: 2s\nseed: " + std::to_string(seed) +
         "\n"
         "network:\n"
         "  latency: 100us\n"
         "  zones: [a, b, c]\n"
         "  links:\n"
         "    - {between: [a, b], latency: " + link + "}\n"
         "    - {between: [b, c], latency: " + link + "}\n"
         "    - {between: [a, c], latency: " + link + "}\n"
         "components:\n"
         "  clients: {kind: client, zone: a, rate: 2000/s, timeout: 1s, target: db, mix: {read: 0.5, write: 0.5},\n"
         "            keys: {count: 20, dist: zipf, s: 1.1}" + client + "}\n" +
         (both_sides ? "  clients-b: {kind: client, zone: b, rate: 1000/s, timeout: 1s, target: db, mix: {read: 0.5, "
                       "write: 0.5},\n              keys: {count: 20, dist: zipf, s: 1.1}}\n"
                     : "") +
         "  db: {kind: replicated_store, model: raft, replicas: " + std::to_string(nodes) +
         ", zones: [a, b, c], workers: 4,\n"
         "       read_service_time: {dist: exponential, mean: 100us}, write_service_time: {dist: exponential, mean: 200us}" +
         fields + "}\n"
         "faults: " + faults + "\n";
}

// --- the CAP classroom ----------------------------------------------------------

const ClientSeries* series(const RunRecord& rec, const std::string& name) {
  for (const auto& s : rec.client_series)
    if (s.name == name) return &s;
  ADD_FAILURE() << "no series for " << name;
  return nullptr;
}

TEST(CapClassroom, CpRefusesTheMinorityKeepsTheMajorityAndStaysLinearizable) {
  RaftLog log;
  const RunRecord rec = run_source_file("scenarios/cap/cp.yaml", {}, {&log});
  const auto* a = series(rec, "app-a");
  const auto* b = series(rec, "app-b");
  ASSERT_TRUE(a != nullptr && b != nullptr);
  // The split is [20 s, 40 s) with 1 s windows: app-a (az-a, 2 of 5 nodes)
  // has no success in any of them; app-b (az-b, 3 of 5) works in every one
  // (an election, if the leader was in az-a, takes the first few hundred
  // milliseconds).
  // (Window 20 also resolves requests sent before the split.)
  for (std::size_t w = 21; w < 40; ++w) {
    EXPECT_EQ(a->succeeded[w], 0u) << "window " << w;
    EXPECT_GT(a->failed[w], 300u) << "window " << w;  // 400/s, all failing
    EXPECT_GT(b->succeeded[w], 550u) << "window " << w;  // 600/s
    EXPECT_EQ(b->failed[w], 0u) << "window " << w;
  }
  // Before and after, both sides work.
  for (const std::size_t w : {10u, 19u, 45u, 59u}) {
    EXPECT_EQ(a->failed[w], 0u) << "window " << w;
    EXPECT_EQ(b->failed[w], 0u) << "window " << w;
  }
  // During the split, the leader is in az-b.
  for (const Time t : {25 * kSecond, 39 * kSecond}) {
    const std::string l = log.leader_at(t);
    EXPECT_TRUE(l == "db-2" || l == "db-3" || l == "db-4") << l;
  }
  // Per-client figures in the summary too.
  EXPECT_LT(figure(rec, "app-a", "availability"), 0.70);
  EXPECT_GT(figure(rec, "app-b", "availability"), 0.99);
  const auto& c = consistency_of(rec);
  EXPECT_EQ(verdict_of(rec), "true");
  EXPECT_EQ(c.figures.lost_writes, 0u);
  EXPECT_EQ(c.figures.stale_reads, 0u);
  EXPECT_EQ(c.unconverged_keys, 0u);
  EXPECT_GT(c.figures.writes_acknowledged, 20'000u);
  expect_election_safety(log);
  EXPECT_EQ(log.conflicting_applies, 0u);
}

TEST(CapClassroom, ApAnswersOnBothSidesWithStaleReadsAndIsNotLinearizable) {
  const RunRecord rec = run_source_file("scenarios/cap/ap.yaml");
  const auto* a = series(rec, "app-a");
  const auto* b = series(rec, "app-b");
  ASSERT_TRUE(a != nullptr && b != nullptr);
  // Both sides keep answering through the split (the first window may see
  // a timeout or two while the coordinators suspect the far side).
  std::uint64_t a_ok = 0, a_failed = 0, b_ok = 0, b_failed = 0;
  for (std::size_t w = 21; w < 40; ++w) {
    a_ok += a->succeeded[w];
    a_failed += a->failed[w];
    b_ok += b->succeeded[w];
    b_failed += b->failed[w];
  }
  EXPECT_GT(a_ok, 19u * 380);
  EXPECT_LT(a_failed, a_ok / 100);
  EXPECT_GT(b_ok, 19u * 570);
  EXPECT_LT(b_failed, b_ok / 100);
  EXPECT_GT(figure(rec, "app-a", "availability"), 0.99);
  EXPECT_GT(figure(rec, "app-b", "availability"), 0.99);
  const auto& c = consistency_of(rec);
  EXPECT_GT(c.figures.stale_reads, 1000u);
  // Some reads missed the other side's writes for most of the split.
  EXPECT_GT(c.figures.staleness_ms.max, 10'000.0);
  ASSERT_TRUE(c.linearizability.has_value());
  EXPECT_EQ(c.linearizability->verdict, "false");
  EXPECT_TRUE(c.linearizability->counterexample_key.has_value());
  EXPECT_GE(c.linearizability->counterexample.size(), 2u);
}

// --- elections -----------------------------------------------------------------

TEST(Raft, TheFirstLeaderIsElectedOnceTheFirstTimerFires) {
  RaftLog log;
  const RunRecord rec = run_yaml_observed(raft_yaml(""), {&log});
  ASSERT_FALSE(log.changes.empty());
  // Nodes start as followers of no one: the first timer fires at 150-300 ms,
  // then a pre-vote and a vote go round (a few ms).
  EXPECT_EQ(log.changes.front().reason, "elected");
  EXPECT_EQ(log.changes.front().term, 1u);
  EXPECT_GE(log.changes.front().at, 150 * kMillisecond);
  EXPECT_LE(log.changes.front().at, 320 * kMillisecond);
  // Nothing else happens in a healthy run: one election, one leader.
  EXPECT_EQ(log.changes.size(), 1u);
  EXPECT_EQ(log.elections.size(), 1u);
  EXPECT_EQ(db(rec, "pre_votes"), 1.0);
  EXPECT_EQ(verdict_of(rec), "true");
}

TEST(Raft, ALeaderCrashCostsAnElectionTimeoutNotMore) {
  // Whoever leads is crashed: find it first, then crash it at 10 s.
  RaftLog probe;
  run_yaml_observed(raft_yaml(""), {&probe});
  const std::string leader = probe.leader_at(10 * kSecond);
  ASSERT_FALSE(leader.empty());
  RaftLog log;
  const RunRecord rec = run_yaml_observed(raft_yaml("", "[{at: 10s, for: 5s, crash: " + leader + "}]"), {&log});
  Time elected = 0;
  for (const auto& ch : log.changes)
    if (ch.leading && ch.at > 10 * kSecond) {
      elected = ch.at;
      break;
    }
  // The last heartbeat came at most 50 ms before the crash; a follower's
  // timeout is 150-300 ms after it; pre-vote and vote take two round trips.
  EXPECT_GT(elected, 10 * kSecond + 100 * kMillisecond);
  EXPECT_LT(elected, 10 * kSecond + 340 * kMillisecond);
  // (The first election, before the 2 s warm-up, does not count.)
  EXPECT_NEAR(db(rec, "without_leader_s"), static_cast<double>(elected - 10 * kSecond) / 1e9, 1e-6);
  EXPECT_EQ(db(rec, "leader_changes"), 2.0);
  const std::string table = summary_table(rec);
  EXPECT_NE(table.find("raft         db: 2 leaders elected"), std::string::npos) << table;
}

TEST(Raft, LongerElectionTimeoutsCostLongerFailovers) {
  RaftLog probe;
  run_yaml_observed(raft_yaml(", election_timeout: {min: 1s, max: 2s}, heartbeat: 100ms"), {&probe});
  const std::string leader = probe.leader_at(10 * kSecond);
  ASSERT_FALSE(leader.empty());
  const RunRecord rec =
      run_yaml(raft_yaml(", election_timeout: {min: 1s, max: 2s}, heartbeat: 100ms", "[{at: 10s, for: 5s, crash: " + leader + "}]"));
  EXPECT_GT(db(rec, "without_leader_s"), 0.9);
  EXPECT_LT(db(rec, "without_leader_s"), 2.1);
}

// --- routing, reads, check-quorum -------------------------------------------------

TEST(Raft, FollowersForwardToTheLeaderOneHopEach) {
  const RunRecord rec = run_yaml(raft_yaml(""));
  // Round robin over five nodes: four requests in five reach a follower
  // (counted over the whole run: 2000/s for 20 s).
  EXPECT_NEAR(db(rec, "forwarded") / 40'000.0, 0.8, 0.02);
  EXPECT_EQ(verdict_of(rec), "true");
}

TEST(Raft, ReadIndexRoundsAreSharedByConcurrentReads) {
  std::string yaml = raft_yaml("");
  yaml.replace(yaml.find("rate: 2000/s"), 12, "rate: 20000/s");
  const RunRecord rec = run_yaml(yaml);
  EXPECT_GT(db(rec, "read_index_rounds"), 1000.0);
  EXPECT_GT(db(rec, "reads_per_round"), 2.0);  // ~10,000 reads/s, a round per round trip
  EXPECT_GT(db(rec, "entries_per_append"), 1.5);  // and writes are batched
  EXPECT_EQ(consistency_of(rec).figures.stale_reads, 0u);
}

TEST(Raft, WithoutCheckQuorumACutOffLeaderStaysButNeverServesStaleReads) {
  // The leader's zone is cut off from the other two for 6 s, with clients
  // on both sides. Without check-quorum the cut-off leader goes on leading
  // (two leaders at once) while the majority elects another and commits
  // new writes; ReadIndex never confirms the old leader's reads, so none of
  // them is stale. With check-quorum it steps down instead.
  RaftLog probe;
  run_yaml_observed(raft_yaml("", "[]", 7, 3, "", "{dist: lognormal, median: 1ms, p99: 3ms}", "20s", true), {&probe});
  const std::string leader = probe.leader_at(5 * kSecond);
  ASSERT_FALSE(leader.empty());
  const std::string zone(1, "abc"[leader.back() - '0']);
  const std::string rest = zone == "a" ? "b, c" : zone == "b" ? "a, c" : "a, b";
  const std::string split = "[{at: 5s, for: 6s, partition: [[" + zone + "], [" + rest + "]]}]";
  for (const bool check_quorum : {true, false}) {
    SCOPED_TRACE(check_quorum ? "check_quorum" : "no check_quorum");
    RaftLog log;
    const RunRecord rec = run_yaml_observed(raft_yaml(std::string(", check_quorum: ") + (check_quorum ? "true" : "false"),
                                             split, 7, 3, "", "{dist: lognormal, median: 1ms, p99: 3ms}", "20s", true),
                                   {&log});
    bool stepped_down = false;
    for (const auto& ch : log.changes)
      if (ch.node == leader && !ch.leading && ch.at < 11 * kSecond) stepped_down = true;
    EXPECT_EQ(stepped_down, check_quorum);
    // (With check-quorum the two may overlap for the few milliseconds
    // between the majority's election and the step-down.)
    if (!check_quorum) {
      EXPECT_EQ(db(rec, "max_leaders"), 2.0);
    }
    const auto& c = consistency_of(rec);
    EXPECT_GT(c.figures.writes_acknowledged, 10'000u);
    EXPECT_EQ(c.figures.stale_reads, 0u);
    EXPECT_EQ(c.figures.lost_writes, 0u);
    EXPECT_NE(verdict_of(rec), "false");  // (hot keys may exceed the search budget: "unknown")
    expect_election_safety(log);
  }
}

TEST(Raft, AMinorityLeaderStepsDownByCheckQuorum) {
  RaftLog probe;
  run_yaml_observed(raft_yaml("", "[]", 7, 3), {&probe});
  const std::string leader = probe.leader_at(5 * kSecond);
  ASSERT_FALSE(leader.empty());
  const std::string zone(1, "abc"[leader.back() - '0']);
  const std::string rest = zone == "a" ? "b, c" : zone == "b" ? "a, c" : "a, b";
  RaftLog log;
  const RunRecord rec =
      run_yaml_observed(raft_yaml("", "[{at: 5s, for: 6s, partition: [[" + zone + "], [" + rest + "]]}]", 7, 3), {&log});
  bool stepped = false;
  for (const auto& ch : log.changes)
    if (ch.node == leader && !ch.leading && ch.reason == "check quorum") {
      stepped = true;
      // Within two election timeouts' minimum (the check runs every 150 ms).
      EXPECT_GT(ch.at, 5 * kSecond + 150 * kMillisecond);
      EXPECT_LT(ch.at, 5 * kSecond + 400 * kMillisecond);
    }
  EXPECT_TRUE(stepped);
  EXPECT_EQ(db(rec, "stepped_down"), 1.0);
  EXPECT_EQ(verdict_of(rec), "true");
}

// --- compaction and catch-up ---------------------------------------------------

TEST(Raft, SnapshotsKeepTheLogShortAndCatchUpACrashedFollower) {
  // snapshot_every 500: the log holds at most 500 entries since the last
  // snapshot, 500 before it (the catch-up margin) and what is uncommitted.
  RaftLog log;
  const RunRecord rec = run_yaml_observed(
      raft_yaml(", snapshot_every: 500", "[{at: 5s, for: 8s, crash: db-3}]", 5, 5, "", "{dist: lognormal, median: 1ms, p99: 3ms}", "60s"),
      {&log});
  EXPECT_GT(db(rec, "snapshots"), 50.0);
  EXPECT_LE(db(rec, "log_entries_held_max"), 1100.0);
  // db-3 was 8 s (about 8,000 entries) behind: a snapshot brought it back.
  EXPECT_GE(db(rec, "snapshots_sent"), 1.0);
  const auto& c = consistency_of(rec);
  EXPECT_EQ(c.unconverged_keys, 0u);
  EXPECT_EQ(c.figures.lost_writes, 0u);
  EXPECT_EQ(c.figures.stale_reads, 0u);
  EXPECT_NE(verdict_of(rec), "false");
  EXPECT_EQ(log.conflicting_applies, 0u);
  // Memory does not grow with the run: five times longer, the same bound.
  const RunRecord longer = run_yaml(raft_yaml(", snapshot_every: 500", "[]", 5, 5, "", "{dist: lognormal, median: 1ms, p99: 3ms}", "300s"));
  EXPECT_LE(db(longer, "log_entries_held_max"), 1100.0);
  EXPECT_GT(db(longer, "log_entries_committed"), 250'000.0);
}

TEST(Raft, ASingleNodeElectsItselfAndServes) {
  const RunRecord rec = run_yaml(raft_yaml("", "[]", 5, 1));
  EXPECT_EQ(db(rec, "leader_changes"), 1.0);
  EXPECT_GT(rec.requests.succeeded, 30'000u);
  EXPECT_EQ(rec.requests.failed.total(), 0u);
  EXPECT_EQ(verdict_of(rec), "true");
}

TEST(Raft, ElectionsTermsAndCommitsAreInTheTrace) {
  Tracer tracer(100'000);
  run_yaml_observed(raft_yaml("", "[]", 5, 3), {&tracer});
  const std::string t = tracer.json();
  EXPECT_NE(t.find("\"stands for term 1\""), std::string::npos);
  EXPECT_NE(t.find("\"leads term 1\""), std::string::npos);
  EXPECT_NE(t.find("\"commit index\""), std::string::npos);
}

// --- safety ---------------------------------------------------------------------

// Raft's safety properties over many seeds of random crashes and
// partitions, on long-tailed links (messages overtake each other) losing
// 2% of messages: election safety (one leader per term), state machine
// safety (every node applies the same entry at each index, in order),
// log matching (two logs with an entry of the same index and term agree
// before it), leader completeness (every new leader's log holds every entry
// committed before its term), and what a client sees: no lost or stale write, a
// linearizable history, converged nodes. Clients on two sides of every
// partition; half the seeds without pre-vote (which otherwise hides a
// careless vote), half without check-quorum (a cut-off leader leads on).
TEST(Raft, SafeAcrossSeedsOfLossReorderingCrashesAndPartitions) {
  std::size_t leadership_changes = 0;
  for (int seed = 1; seed <= 16; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Rng r = Rng::stream(static_cast<std::uint64_t>(seed), "faults");
    const std::string faults = random_store_faults(r, 5, 5, 5);
    // 500 keys: few operations on a key at once, so that the
    // linearizability search settles each key within its budget.
    std::string yaml =
        raft_yaml(std::string(", snapshot_every: 2000") + (seed % 2 ? ", pre_vote: false" : "") +
                      (seed % 4 >= 2 ? ", check_quorum: false" : ""),
                  faults, seed, 5, "", "{dist: lognormal, median: 1ms, p99: 20ms}, loss: 2%", "20s", true);
    for (std::size_t at; (at = yaml.find("count: 20, dist: zipf, s: 1.1")) != std::string::npos;)
      yaml.replace(at, 29, "count: 500");
    RaftLog log;
    const RunRecord rec = run_yaml_observed(yaml, {&log});
    expect_election_safety(log);
    EXPECT_EQ(log.conflicting_applies, 0u) << faults;
    log.check_log_matching();
    EXPECT_EQ(log.unmatched_logs, 0u) << faults;
    EXPECT_EQ(log.incomplete_leaders, 0u) << faults;
    leadership_changes += log.changes.size();
    EXPECT_EQ(db(rec, "safety_violations"), 0.0);
    const auto& c = consistency_of(rec);
    EXPECT_EQ(c.figures.lost_writes, 0u) << faults;
    EXPECT_EQ(c.unconverged_keys, 0u) << faults;
    EXPECT_EQ(c.figures.stale_reads, 0u) << faults;
    EXPECT_EQ(verdict_of(rec), "true") << faults;
    EXPECT_GT(c.figures.writes_acknowledged, 5000u);
    EXPECT_GT(log.applies, 0u);
  }
  // The faults did depose leaders: far more than the 16 first elections.
  EXPECT_GT(leadership_changes, 60u);
}

}  // namespace
}  // namespace dsim::testing
