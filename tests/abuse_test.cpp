// Valid but extreme scenarios: what the input controls (depth of the call
// graph, number of components, ranges of durations) must never crash dsim,
// overflow its stack or make it quadratic. Each test is a class of bug found
// by fuzzing or by abuse (issue 9), kept as a regression test.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "cli_helpers.h"
#include "dsim/analysis/graph.h"
#include "dsim/analysis/load.h"
#include "helpers.h"

namespace dsim {
namespace {

// A chain of `n` services, s0 -> s1 -> ... -> s(n-1), each calling the next.
std::string service_chain(int n) {
  std::string y = "duration: 1s\ncomponents:\n  clients: {kind: client, rate: 20/s, target: s0}\n";
  y.reserve(static_cast<std::size_t>(n) * 64);
  for (int i = 0; i < n; ++i) {
    y += "  s" + std::to_string(i) + ": {kind: service, service_time: 1us";
    if (i + 1 < n) y += ", calls: [s" + std::to_string(i + 1) + "]";
    y += "}\n";
  }
  return y;
}

// The call-graph checks walked the graph recursively: a chain of 30,000
// services overflowed the stack (SIGSEGV, no message). No recursion depth may
// follow the input.
TEST(Abuse, DeepCallChainLoadsGraphsAndRuns) {
  constexpr int kDepth = 30000;
  auto s = testing::load_or_fail(service_chain(kDepth));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->spec().components.size(), static_cast<std::size_t>(kDepth + 1));
  const std::string dot = topology_dot(s->spec());
  EXPECT_NE(dot.find("\"s29998\" -> \"s29999\""), std::string::npos);
  const RunRecord r = testing::run_or_fail(s->spec());
  EXPECT_GT(r.requests.sent, 0u);
  EXPECT_EQ(r.requests.sent, r.requests.succeeded + r.requests.failed.total());
  EXPECT_EQ(r.components.size(), static_cast<std::size_t>(kDepth + 1));
}

// A cycle at the end of a long chain is still found, with the cycle named.
TEST(Abuse, CycleAtTheEndOfADeepChainIsReported) {
  std::string y = service_chain(20000);
  y += "  tail: {kind: service, service_time: 1us, calls: [s19999]}\n";
  // s19999 calls back into tail: replace its line.
  const std::string last = "  s19999: {kind: service, service_time: 1us}\n";
  y.replace(y.find(last), last.size(), "  s19999: {kind: service, service_time: 1us, calls: [tail]}\n");
  const Diagnostic d = testing::load_error(y);
  EXPECT_NE(d.message.find("cycle"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("tail"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace dsim

namespace dsim {
namespace {

const char* const kBase = R"(name: base
duration: 10s
components:
  clients: {kind: client, rate: 100/s, target: lb, timeout: 1s}
  lb: {kind: load_balancer, backends: app, health_check: {interval: 1s}}
  app: {kind: service, replicas: 2, workers: 2, service_time: 1ms, calls: [db]}
  db: {kind: service, service_time: 1ms}
faults:
  - {at: 2s, crash: app-0, for: 1s}
)";

struct Extreme {
  const char* name;
  std::vector<std::string> sets;
  bool loads;  // false: refused with a located message
};

// Every documented range (scenarios/README.md) at its ends, each on a small
// design with a fault: each loads and runs (perhaps stopped by the budget)
// or is refused with a message, never an internal error.
const std::vector<Extreme> kExtremes = {
    {"longest_duration", {"duration=18262d", "components.clients.rate=1e-6/s"}, true},
    {"warmup_just_below_duration", {"warmup=9999ms"}, true},
    {"smallest_window", {"duration=1000s", "metrics={window: 1ms}"}, true},
    {"window_too_small", {"duration=1001s", "metrics={window: 1ms}"}, false},
    {"highest_rate", {"components.clients.rate=1e9/s"}, true},
    {"lowest_rate", {"components.clients.rate=1e-9/s"}, true},
    {"most_users", {"components.clients={kind: client, users: 10000000, think_time: 1s, target: lb}"}, true},
    {"longest_timeout", {"components.clients.timeout=18262d"}, true},
    {"most_retries_long_timeout", {"components.clients.retries=100", "components.clients.timeout=100d"}, true},
    {"retries_times_timeout_beyond_18262d", {"components.clients.retries=100", "components.clients.timeout=1100d"}, false},
    {"longest_backoff",
     {"components.clients.retries=1", "components.clients.timeout=3650d",
      "components.clients.retry_backoff={base: 3650d, max: 3650d}"},
     true},
    {"longest_deadline", {"components.clients.retries=100", "components.clients.deadline=18262d"}, true},
    {"most_replicas", {"components.app.replicas=100000"}, true},
    {"most_workers", {"components.app.workers=1000000", "components.app.replicas=10"}, true},
    {"largest_queue_capacity", {"components.app.queue_capacity=1000000000"}, true},
    {"zero_queue_capacity", {"components.app.queue_capacity=0"}, true},
    {"heaviest_weight", {"components.lb={kind: load_balancer, policy: weighted_round_robin, backends: [{name: app, weight: 1000000}]}"}, true},
    {"slowest_health_check", {"components.lb.health_check={interval: 18262d, fall: 1000, rise: 1000}"}, true},
    {"longest_latency", {"network={latency: 18262d}"}, true},
    {"huge_message_tiny_bandwidth", {"network={bandwidth: 1bps}", "components.clients.request_size=4GB"}, true},
    {"total_loss", {"network={loss: 100%}"}, true},
    {"longest_service_time", {"components.db.service_time={dist: exponential, mean: 18262d}"}, true},
    {"heavy_tail", {"components.db.service_time={dist: pareto, min: 1ms, shape: 0.05}"}, true},
    {"lognormal_extreme", {"components.db.service_time={dist: lognormal, median: 1ns, p99: 18262d}"}, true},
    {"fastest_failures", {"components.db.failures={mtbf: 1ms, mttr: 1ms}"}, true},
    {"longest_repairs", {"components.db.failures={mtbf: 1s, mttr: 18262d}"}, true},
    {"fault_for_the_whole_run", {"faults=[{at: 0s, crash: db, for: 10s}]"}, true},
    {"largest_seed", {"seed=18446744073709551615"}, true},
    {"smallest_seed", {"seed=0"}, true},
    {"strictest_slo", {"slo={availability: 100%}"}, true},
    {"one_user", {"components.clients={kind: client, users: 1, think_time: 18262d, target: lb}"}, true},
    {"empty_messages", {"components.clients.request_size=0B", "components.app.response_size=0B"}, true},
    {"largest_responses", {"components.app.response_size=4GB", "network={bandwidth: 1bps}"}, true},
    {"longest_call_timeout", {"components.app.call_timeout=18262d", "components.lb.call_timeout=18262d"}, true},
    {"check_timeout_equal_to_interval", {"components.lb.health_check={interval: 1s, timeout: 1s, fall: 1, rise: 1}"}, true},
    {"unlimited_queue", {"components.app.queue_capacity=unlimited"}, true},
    {"zero_weight_backend",
     {"components.lb={kind: load_balancer, policy: weighted_round_robin, backends: [{name: app-0, weight: 0}, {name: app-1, weight: 1}]}"},
     true},
    {"fault_at_time_zero_for_one_ns", {"faults=[{at: 0s, crash: db, for: 1ns}]"}, true},
    {"partition_of_everything", {"faults=[{at: 1s, partition: [[clients, lb], [app, db]], for: 9s}]"}, true},
    {"clock_skew_extremes", {"faults=[{at: 1s, clock_skew: {node: app-0, offset: -18262d, drift: 99%}, for: 1s}]"}, true},
};

class ExtremeRange : public ::testing::TestWithParam<Extreme> {};

TEST_P(ExtremeRange, LoadsAndRunsOrIsRefusedWithALocatedMessage) {
  const Extreme& x = GetParam();
  LoadOptions lo;
  lo.overrides = x.sets;
  LoadResult loaded = Scenario::load_text(kBase, "base.yaml", lo);
  if (auto* d = std::get_if<Diagnostic>(&loaded)) {
    EXPECT_FALSE(x.loads) << "refused: " << d->to_string();
    EXPECT_FALSE(d->field.empty()) << d->to_string();
    return;
  }
  ASSERT_TRUE(x.loads) << "expected a refusal";
  const ScenarioSpec& spec = std::get<std::unique_ptr<Scenario>>(loaded)->spec();
  RunOptions o;
  o.limits.max_events_run = 500'000;
  const RunResult r = run(spec, o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const RunRecord& rec = r.record();
  // Either complete, or stopped by the budget; outputs render either way.
  if (!rec.partial) {
    EXPECT_EQ(rec.requests.sent, rec.requests.succeeded + rec.requests.failed.total());
  }
  EXPECT_NE(summary_json_text(rec).find("\"schema\""), std::string::npos);
  EXPECT_FALSE(timeseries_csv(rec).empty());
  // The time series stays within the documented bound whatever the drain.
  EXPECT_LE(rec.windows.size(), static_cast<std::size_t>(spec.duration / spec.window + 2 + 1000));
}

INSTANTIATE_TEST_SUITE_P(Documented, ExtremeRange, ::testing::ValuesIn(kExtremes),
                         [](const ::testing::TestParamInfo<Extreme>& info) { return std::string(info.param.name); });

// The store's and the keys' documented ranges at their ends, on a small
// store under load with a crash: each loads and runs (at most 500k events)
// or is refused with a located message.
constexpr const char* kStoreBase = R"(
name: store-base
duration: 10s
components:
  clients: {kind: client, rate: 500/s, timeout: 1s, target: db, mix: {read: 0.8, write: 0.2}, keys: {count: 1000}}
  db: {kind: replicated_store, model: leaderless, replicas: 5, replication_factor: 3, read_consistency: QUORUM,
       write_consistency: QUORUM, workers: 4, service_time: 1ms}
faults: [{at: 2s, for: 2s, crash: db-1}]
)";

const std::vector<Extreme> kStoreExtremes = {
    {"most_store_nodes", {"components.db.replicas=1000"}, true},
    {"too_many_store_nodes", {"components.db.replicas=1001"}, false},
    {"highest_replication_factor", {"components.db.replicas=16", "components.db.replication_factor=16"}, true},
    {"replication_factor_above_max", {"components.db.replicas=17", "components.db.replication_factor=17"}, false},
    {"all_and_all", {"components.db.read_consistency=ALL", "components.db.write_consistency=ALL"}, true},
    {"one_node", {"components.db.replicas=1", "components.db.replication_factor=1", "faults=[{at: 2s, for: 2s, crash: db}]"}, true},
    {"most_vnodes", {"components.db.vnodes=4096"}, true},
    {"ring_too_large", {"components.db.replicas=1000", "components.db.vnodes=4096"}, false},
    {"no_history", {"consistency={history_limit: 0}"}, true},
    {"most_keys_steep_zipf", {"components.clients.keys={count: 1099511627776, dist: zipf, s: 100}"}, true},
    {"flattest_zipf", {"components.clients.keys={count: 1000, dist: zipf, s: 0.000001}"}, true},
    {"all_hot", {"components.clients.keys={count: 1000, dist: hotspot, hot_fraction: 100%, hot_share: 0%}"}, true},
    {"only_fresh_writes", {"components.clients.mix={write: 1}", "components.clients.keys={count: 1, fresh_writes: 100%}"}, true},
    {"only_reads", {"components.clients.mix={read: 1}"}, true},
    {"shortest_hint_window_longest_retry", {"components.db.hinted_handoff={window: 1ns, retry: 18262d}"}, true},
    {"tightest_anti_entropy", {"components.db.anti_entropy={interval: 1ns}"}, true},
    {"longest_anti_entropy", {"components.db.anti_entropy={interval: 18262d}"}, true},
    {"longest_call_timeout", {"components.db.call_timeout=18262d"}, true},
    {"sloppy_with_everything_down",
     {"components.db.sloppy_quorum=true", "components.db.call_timeout=10ms", "components.db.read_repair=100%",
      "faults=[{at: 1s, for: 5s, crash: db}]"},
     true},
    {"client_coordinator_killed_nodes",
     {"components.db.coordinator=client", "faults=[{at: 1s, for: 5s, kill: db-0}, {at: 2s, for: 3s, kill: db-1}]"},
     true},
    {"skew_of_decades", {"faults=[{at: 1s, clock_skew: {node: db-2, offset: 18262d}}]"}, true},
    {"volatile_nodes_all_crashed", {"components.db.durable=false", "faults=[{at: 1s, for: 1s, crash: db}]"}, true},
};

constexpr const char* kLeaderFollowerBase = R"(
name: lf-base
duration: 10s
network: {zones: [a, b, c]}
components:
  clients: {kind: client, rate: 500/s, timeout: 1s, target: db, mix: {read: 0.8, write: 0.2}, keys: {count: 1000}}
  db: {kind: replicated_store, model: leader_follower, replicas: 3, zones: [a, b, c], workers: 4, service_time: 1ms,
       failover: {detection: 1s}}
faults: [{at: 2s, for: 2s, crash: db-0}]
)";

const std::vector<Extreme> kLeaderFollowerExtremes = {
    {"most_nodes", {"components.db.replicas=1000"}, true},
    {"too_many_nodes", {"components.db.replicas=1001"}, false},
    {"one_node_crashed", {"components.db.replicas=1", "faults=[{at: 2s, for: 2s, crash: db}]"}, true},
    {"one_node_semi_sync", {"components.db.replicas=1", "components.db.replication=semi_sync"}, false},
    {"two_nodes_sync_follower_down", {"components.db.replicas=2", "components.db.replication=sync",
                                      "faults=[{at: 2s, for: 5s, crash: db-1}]"}, true},
    {"semi_sync_every_follower_down", {"components.db.replication=semi_sync",
                                       "faults=[{at: 2s, for: 3s, crash: db-1}, {at: 2s, for: 3s, crash: db-2}]"}, true},
    {"retention_of_one", {"components.db.log_retention=1"}, true},
    {"largest_retention", {"components.db.log_retention=100000000"}, true},
    {"retention_zero", {"components.db.log_retention=0"}, false},
    {"fastest_heartbeat", {"components.db.failover={detection: 2ms, heartbeat: 1ms}"}, true},
    {"heartbeat_below_1ms", {"components.db.failover={detection: 2ms, heartbeat: 999us}"}, false},
    {"longest_detection", {"components.db.failover={detection: 18250d}"}, true},
    {"every_node_alone_no_fencing", {"components.db.fencing=false",
                                     "faults=[{at: 2s, for: 3s, partition: [[db-0], [db-1], [db-2]]}]"}, true},
    {"every_node_alone_fenced", {"faults=[{at: 2s, for: 3s, partition: [[db-0], [db-1], [db-2]]}]"}, true},
    {"volatile_all_crashed", {"components.db.durable=false", "faults=[{at: 1s, for: 1s, crash: db}]"}, true},
    {"read_node_down", {"components.db.read_from=db-2", "faults=[{at: 1s, for: 5s, crash: db-2}]"}, true},
    {"reads_anywhere_killed_leader", {"components.db.read_from=any", "faults=[{at: 1s, for: 5s, kill: db-0}]"}, true},
    {"no_history", {"consistency={history_limit: 0}"}, true},
};

constexpr const char* kRaftBase = R"(
name: raft-base
duration: 10s
network: {zones: [a, b, c]}
components:
  clients: {kind: client, rate: 500/s, timeout: 1s, target: db, mix: {read: 0.8, write: 0.2}, keys: {count: 1000}}
  db: {kind: replicated_store, model: raft, replicas: 5, zones: [a, b, c], workers: 4, service_time: 1ms}
faults: [{at: 2s, for: 2s, crash: db-0}]
)";

const std::vector<Extreme> kRaftExtremes = {
    {"most_nodes", {"components.db.replicas=1000"}, true},
    {"too_many_nodes", {"components.db.replicas=1001"}, false},
    {"one_node_crashed", {"components.db.replicas=1", "faults=[{at: 2s, for: 2s, crash: db}]"}, true},
    {"two_nodes_one_down", {"components.db.replicas=2", "faults=[{at: 2s, for: 5s, crash: db-1}]"}, true},
    {"snapshot_every_entry", {"components.db.snapshot_every=1"}, true},
    {"snapshot_every_zero", {"components.db.snapshot_every=0"}, false},
    {"largest_snapshot_every", {"components.db.snapshot_every=1000000000"}, true},
    {"fastest_heartbeat", {"components.db.heartbeat=1ms", "components.db.election_timeout={min: 2ms, max: 2ms}"}, true},
    {"heartbeat_below_1ms", {"components.db.heartbeat=999us"}, false},
    {"timeout_min_above_max", {"components.db.election_timeout={min: 2s, max: 1s}"}, false},
    {"longest_election_timeout", {"components.db.election_timeout={min: 18250d, max: 18250d}"}, true},
    {"no_pre_vote_no_check_quorum", {"components.db.pre_vote=false", "components.db.check_quorum=false",
                                     "faults=[{at: 2s, for: 3s, partition: [[db-0], [db-1, db-2, db-3, db-4]]}]"}, true},
    {"every_node_alone", {"faults=[{at: 2s, for: 3s, partition: [[db-0], [db-1], [db-2], [db-3], [db-4]]}]"}, true},
    {"volatile_all_crashed", {"components.db.durable=false", "faults=[{at: 1s, for: 1s, crash: db}]"}, true},
    {"volatile_crashes_in_turn", {"components.db.durable=false",
                                  "faults=[{at: 1s, for: 1s, crash: db-0}, {at: 3s, for: 1s, crash: db-1}, "
                                  "{at: 5s, for: 1s, crash: db-2}]"}, true},
    {"killed_leader_and_all", {"faults=[{at: 1s, for: 5s, kill: db}]"}, true},
    {"lossy_network", {"network.loss=30%"}, true},
    {"queue_of_zero", {"components.db.queue_capacity=0"}, true},
    {"no_history", {"consistency={history_limit: 0}"}, true},
    {"leaderless_field", {"components.db.vnodes=8"}, false},
};

// Loads `base` with the extreme's --set values: it runs (under an event cap)
// to a consistent record, or is refused with a located message.
void run_extreme(const char* base, const Extreme& x) {
  LoadOptions lo;
  lo.overrides = x.sets;
  LoadResult loaded = Scenario::load_text(base, "store-base.yaml", lo);
  if (auto* d = std::get_if<Diagnostic>(&loaded)) {
    EXPECT_FALSE(x.loads) << "refused: " << d->to_string();
    EXPECT_FALSE(d->field.empty()) << d->to_string();
    return;
  }
  ASSERT_TRUE(x.loads) << "expected a refusal";
  const ScenarioSpec& spec = std::get<std::unique_ptr<Scenario>>(loaded)->spec();
  RunOptions o;
  o.limits.max_events_run = 500'000;
  const RunResult r = run(spec, o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const RunRecord& rec = r.record();
  if (!rec.partial) {
    EXPECT_EQ(rec.requests.sent, rec.requests.succeeded + rec.requests.failed.total());
  }
  ASSERT_TRUE(rec.consistency.has_value());
  EXPECT_EQ(rec.consistency->settled, !rec.partial.has_value());
  EXPECT_NE(summary_json_text(rec).find("\"consistency\""), std::string::npos);
}

class StoreExtremeRange : public ::testing::TestWithParam<Extreme> {};
TEST_P(StoreExtremeRange, LoadsAndRunsOrIsRefusedWithALocatedMessage) { run_extreme(kStoreBase, GetParam()); }
INSTANTIATE_TEST_SUITE_P(Documented, StoreExtremeRange, ::testing::ValuesIn(kStoreExtremes),
                         [](const ::testing::TestParamInfo<Extreme>& info) { return std::string(info.param.name); });

class LeaderFollowerExtremeRange : public ::testing::TestWithParam<Extreme> {};
TEST_P(LeaderFollowerExtremeRange, LoadsAndRunsOrIsRefusedWithALocatedMessage) {
  run_extreme(kLeaderFollowerBase, GetParam());
}
INSTANTIATE_TEST_SUITE_P(Documented, LeaderFollowerExtremeRange, ::testing::ValuesIn(kLeaderFollowerExtremes),
                         [](const ::testing::TestParamInfo<Extreme>& info) { return std::string(info.param.name); });

class RaftExtremeRange : public ::testing::TestWithParam<Extreme> {};
TEST_P(RaftExtremeRange, LoadsAndRunsOrIsRefusedWithALocatedMessage) { run_extreme(kRaftBase, GetParam()); }
INSTANTIATE_TEST_SUITE_P(Documented, RaftExtremeRange, ::testing::ValuesIn(kRaftExtremes),
                         [](const ::testing::TestParamInfo<Extreme>& info) { return std::string(info.param.name); });

// An open-loop rate far beyond capacity stops at the budget, names the
// saturated component with its offered load and capacity, and keeps what
// it measured.
TEST(Budget, OverloadStopsWithAPartialRecordNamingTheBottleneck) {
  LoadOptions lo;
  lo.overrides = {"components.clients.rate=1e9/s", "faults=[]"};
  auto s = testing::load_or_fail(kBase, lo);
  ASSERT_NE(s, nullptr);
  RunOptions o;
  o.limits.max_in_flight = 50'000;
  const RunRecord rec = testing::run_or_fail(s->spec(), o);
  ASSERT_TRUE(rec.partial.has_value());
  EXPECT_EQ(rec.partial->reason, "budget");
  EXPECT_LT(rec.partial->at, s->spec().duration);
  EXPECT_NE(rec.partial->message.find("50,000"), std::string::npos) << rec.partial->message;
  EXPECT_NE(rec.partial->message.find("'app' is saturated"), std::string::npos) << rec.partial->message;
  // 2 replicas x 2 workers / 1 ms = 4,000/s.
  EXPECT_NE(rec.partial->message.find("capacity of 4,000/s"), std::string::npos) << rec.partial->message;
  const std::string json = summary_json_text(rec);
  EXPECT_NE(json.find("\"partial\": true"), std::string::npos);
  EXPECT_NE(json.find("\"in_flight\""), std::string::npos);
  // Occupancy means cover the time simulated, not the whole window.
  EXPECT_NE(summary_table(rec).find("PARTIAL"), std::string::npos);
}

TEST(Budget, AnInterruptStopsTheRunWithWhatItMeasured) {
  LoadOptions lo;
  lo.overrides = {"duration=1000s"};
  auto s = testing::load_or_fail(kBase, lo);
  ASSERT_NE(s, nullptr);
  std::atomic<bool> stop{true};
  RunOptions o;
  o.interrupt = &stop;
  const RunRecord rec = testing::run_or_fail(s->spec(), o);
  ASSERT_TRUE(rec.partial.has_value());
  EXPECT_EQ(rec.partial->reason, "interrupted");
  // The first check comes after 65,536 events.
  EXPECT_GE(rec.events, 65'536u);
  EXPECT_LT(rec.end, s->spec().duration);
}

// Random failures without end (every millisecond for 50 years) stop at the
// fault budget, not at the machine's memory.
TEST(Budget, FailuresWithoutEndStopAtTheFaultBudget) {
  LoadOptions lo;
  lo.overrides = {"duration=18262d", "components.clients.rate=1e-6/s", "faults=[]",
                  "components.db.failures={mtbf: 1ms, mttr: 1ms}"};
  auto s = testing::load_or_fail(kBase, lo);
  ASSERT_NE(s, nullptr);
  RunOptions o;
  o.limits.max_faults = 5'000;
  const RunRecord rec = testing::run_or_fail(s->spec(), o);
  ASSERT_TRUE(rec.partial.has_value());
  EXPECT_NE(rec.partial->message.find("--max-faults"), std::string::npos) << rec.partial->message;
  EXPECT_LE(rec.faults.size(), 5'001u);
  EXPECT_LT(rec.end, 20 * kSecond);  // a failure and a repair every 2 ms or so: about 10 s in
}

TEST(Budget, ABudgetIsDeterministic) {
  LoadOptions lo;
  lo.overrides = {"components.clients.rate=1e8/s"};
  auto s = testing::load_or_fail(kBase, lo);
  ASSERT_NE(s, nullptr);
  RunOptions o;
  o.limits.max_queued = 30'000;
  const RunRecord a = testing::run_or_fail(s->spec(), o);
  const RunRecord b = testing::run_or_fail(s->spec(), o);
  ASSERT_TRUE(a.partial.has_value());
  EXPECT_EQ(summary_json_text(a), summary_json_text(b));
}

// Offered load through a balancer's split and a service's calls.
TEST(OfferedLoad, FollowsSplitsAndCalls) {
  auto s = testing::load_or_fail(R"(duration: 1s
components:
  clients: {kind: client, rate: 900/s, target: lb}
  lb: {kind: load_balancer, policy: weighted_round_robin, backends: [{name: a, weight: 2}, {name: b, weight: 1}]}
  a: {kind: service, replicas: 2, workers: 1, service_time: 2ms, calls: [db]}
  b: {kind: service, workers: 4, service_time: 10ms, calls: [db]}
  db: {kind: service, workers: 2, service_time: 1ms}
  users: {kind: client, users: 10, target: c}
  c: {kind: service, service_time: 1ms}
)");
  ASSERT_NE(s, nullptr);
  const auto loads = offered_load(s->spec());
  auto find = [&](const std::string& n) {
    for (const auto& l : loads)
      if (l.component == n) return l;
    return ComponentLoad{};
  };
  // a has 2 replicas of weight 2, b one of weight 1: a takes 4/5.
  EXPECT_NEAR(*find("a").offered, 720.0, 1e-9);
  EXPECT_NEAR(*find("b").offered, 180.0, 1e-9);
  EXPECT_NEAR(*find("db").offered, 900.0, 1e-9);
  EXPECT_NEAR(*find("a").capacity, 1000.0, 1e-9);
  EXPECT_NEAR(*find("b").capacity, 400.0, 1e-9);
  EXPECT_FALSE(find("c").offered.has_value());  // closed loop: not known in advance
  EXPECT_FALSE(find("clients").offered.has_value());
}

// The time series after `duration` keeps only windows where something
// happened: a 365-day timeout and a crash no longer make 31 million rows.
TEST(TimeSeries, ALongDrainAddsOnlyTheWindowsWhereRequestsResolved) {
  auto s = testing::load_or_fail(R"(duration: 10s
components:
  clients: {kind: client, rate: 1000/s, target: app, timeout: 365d}
  app: {kind: service, replicas: 2, workers: 4, service_time: 1ms}
faults:
  - {at: 2s, crash: app-0, for: 1s}
)");
  ASSERT_NE(s, nullptr);
  const RunRecord rec = testing::run_or_fail(s->spec());
  EXPECT_GT(rec.end, 365 * 24 * kHour);  // requests lost in the crash time out a year later
  EXPECT_LE(rec.windows.size(), 10u + 1000u);
  EXPECT_GT(rec.requests.failed[static_cast<std::size_t>(Status::kTimeout) - 1], 0u);
  std::uint64_t resolved = 0;
  for (const auto& w : rec.windows) resolved += w.resolved();
  EXPECT_EQ(resolved, rec.requests.succeeded + rec.requests.failed.total());
}

// Requests resolving over thousands of seconds after `duration`: the drain
// gets at most 1,000 rows, the last holding the rest, and no outcome is lost.
TEST(TimeSeries, TheDrainHasAtMostAThousandRows) {
  auto s = testing::load_or_fail(R"(duration: 10s
components:
  clients: {kind: client, rate: 1000/s, target: app, timeout: 100000s}
  app: {kind: service, workers: 100000, service_time: {dist: exponential, mean: 2000s}}
)");
  ASSERT_NE(s, nullptr);
  const RunRecord rec = testing::run_or_fail(s->spec());
  EXPECT_EQ(rec.windows.size(), 10u + 1000u);
  EXPECT_GT(rec.end, 5000 * kSecond);
  std::uint64_t resolved = 0;
  for (const auto& w : rec.windows) resolved += w.resolved();
  EXPECT_EQ(resolved, rec.requests.sent);
  // The last row holds more than one window's worth: all that came after.
  EXPECT_GT(rec.windows.back().resolved(), rec.windows[rec.windows.size() - 2].resolved());
}

TEST(Limits, TheWholeDesignHasAtMostAMillionReplicas) {
  std::string y = "duration: 1s\ncomponents:\n  clients: {kind: client, rate: 10/s, target: s0}\n";
  for (int i = 0; i < 11; ++i)
    y += "  s" + std::to_string(i) + ": {kind: service, replicas: 100000, service_time: 1ms}\n";
  const Diagnostic d = testing::load_error(y);
  EXPECT_EQ(d.field, "components.s9");  // clients + 10 x 100,000 = 1,000,001
  EXPECT_NE(d.message.find("1000001 replicas in all, over the limit of 1000000"), std::string::npos) << d.message;
}

// A design too large in total is refused at load, at the component that
// makes it so, though each component is within its own limits.
TEST(Limits, TheWholeDesignIsBounded) {
  std::string y = "duration: 1s\ncomponents:\n  clients: {kind: client, rate: 10/s, target: s0}\n";
  for (int i = 0; i < 20; ++i)
    y += "  s" + std::to_string(i) + ": {kind: service, replicas: 100000, workers: 100, service_time: 1ms}\n";
  const Diagnostic d = testing::load_error(y);
  EXPECT_EQ(d.field, "components.s2");
  EXPECT_NE(d.message.find("too large"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("20000000"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace dsim

namespace dsim {
namespace {

// dsim graph built replicas x replicas edges in one string (bad_alloc at
// 100k x 100k): large components are drawn as one node per zone.
TEST(Graph, LargeComponentsCollapseToOneNodePerZone) {
  auto s = testing::load_or_fail(R"(duration: 1s
components:
  clients: {kind: client, rate: 10/s, target: a}
  a: {kind: service, replicas: 100000, zones: [z1, z2], service_time: 1ms, calls: [b, lb]}
  b: {kind: service, replicas: 100000, service_time: 1ms}
  lb: {kind: load_balancer, backends: [b-7]}
  c: {kind: service, replicas: 32, service_time: 1ms}
)");
  ASSERT_NE(s, nullptr);
  const std::string dot = topology_dot(s->spec());
  EXPECT_LT(dot.size(), 20'000u);
  EXPECT_NE(dot.find("\"a @z1\" [label=\"a x 50000\nservice, 100000 replicas in all\", peripheries=2]"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("\"a @z2\" -> \"b @default\""), std::string::npos);
  EXPECT_NE(dot.find("\"clients\" -> \"a @z1\""), std::string::npos);
  // A single replica of a collapsed component is its zone's node.
  EXPECT_EQ(dot.find("b-7"), std::string::npos);
  EXPECT_NE(dot.find("\"lb\" -> \"b @default\""), std::string::npos);
  EXPECT_NE(dot.find("\"c-31\""), std::string::npos);  // at the threshold, replicas are drawn
}

}  // namespace
}  // namespace dsim
