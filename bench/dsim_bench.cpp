// Benchmarks: the event queue, the bus, the whole lb-mm1 path, and the
// hand-written ceiling for the same path (docs/ARCHITECTURE.md has the
// figures); reports; the history checker.
//
//   build/release/bench/dsim_bench                      # all
//   build/release/bench/dsim_bench --benchmark_filter=LbMm1
//   build/release/bench/dsim_bench --benchmark_filter=Publish
//   build/release/bench/dsim_bench --benchmark_filter=StaleLost
//   build/release/bench/dsim_bench --benchmark_filter=Linearizability
//
// The lb-mm1 benchmarks run 5 repetitions of one whole run each and report the
// median: events/s and requests/s (the goal: >= 3 M requests/s, and at least
// half the ceiling's rate). Allocations are counted by replacing operator new
// in this binary; "allocs_per_event" is measured between the 2nd and the last
// million-event checkpoint of a run, i.e. in steady state.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <algorithm>
#include <vector>

#include "dsim/analysis/consistency.h"
#include "dsim/analysis/linearizability.h"
#include "dsim/analysis/recorder.h"
#include "dsim/analysis/run.h"
#include "dsim/analysis/summary.h"
#include "dsim/loader/scenario.h"
#include "dsim/models/events.h"
#include "dsim/sim/bus.h"
#include "dsim/sim/detmath.h"
#include "dsim/sim/event_queue.h"
#include "dsim/sim/keys.h"
#include "dsim/sim/ring_buffer.h"
#include "dsim/sim/rng.h"

// ---- allocation counting -------------------------------------------------
// Replacing the global operators is allowed by the standard; GCC cannot see
// that the replaced new and delete pair up through malloc/free and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

using dsim::Time;

std::string read_scenario(const char* name) {
  std::ifstream in(std::string(DSIM_SOURCE_DIR) + "/scenarios/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- the event queue alone: the "hold" model ------------------------------
// A queue of n pending events; each step pops the earliest and pushes one at
// a random later time, as a simulation in steady state does.
void BM_EventQueueHold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  dsim::EventQueue q;
  dsim::Rng rng(1);
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < n; ++i)
    q.push(dsim::Event{static_cast<Time>(rng.below(1'000'000)), (seq++ << 16), 1, 0});
  for (auto _ : state) {
    const dsim::Event e = q.top();
    q.pop();
    q.push(dsim::Event{e.time + 1 + static_cast<Time>(rng.below(1'000'000)), (seq++ << 16), 1, 0});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventQueueHold)->Arg(64)->Arg(1024)->Arg(65536);

// ---- the bus alone ------------------------------------------------------------
// One publish of a client's OperationResolved to n subscribers that count it.
void BM_ChannelPublish(benchmark::State& state) {
  dsim::Bus bus;
  dsim::Channel<dsim::OperationResolved>& ch = bus.channel<dsim::OperationResolved>();
  std::uint64_t count = 0;
  for (int i = 0; i < state.range(0); ++i)
    ch.subscribe([](void* c, const dsim::OperationResolved&) { ++*static_cast<std::uint64_t*>(c); }, &count);
  dsim::OperationResolved e;
  for (auto _ : state) {
    e.completed += 1;
    benchmark::DoNotOptimize(&e);
    if (ch.active()) ch.publish(e);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(count);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChannelPublish)->Arg(0)->Arg(1)->Arg(4);

// ---- the whole path ---------------------------------------------------------
void BM_LbMm1FullPath(benchmark::State& state) {
  const std::string yaml = read_scenario("lb-mm1.yaml");
  std::uint64_t events = 0, requests = 0;
  for (auto _ : state) {
    auto res = dsim::Scenario::load_text(yaml, "lb-mm1.yaml");
    auto& scenario = std::get<std::unique_ptr<dsim::Scenario>>(res);
    dsim::RunResult r = dsim::run(scenario->spec());
    if (!r.ok()) {
      state.SkipWithError(r.error().to_string().c_str());
      return;
    }
    const dsim::RunRecord rec = std::move(r).record();
    events += rec.events;
    requests += rec.requests.sent;
    benchmark::DoNotOptimize(rec.requests.latency.mean());
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["requests_per_s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LbMm1FullPath)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);

// Runs a store scenario once per iteration (history and checks on, as a
// user's run): events and client operations per second of wall time.
// `refuse` names what is wrong with a record, or returns nullptr.
void run_store_bench(benchmark::State& state, const std::string& yaml, const char* name, const dsim::LoadOptions& opt,
                     const char* (*refuse)(const dsim::RunRecord&)) {
  std::uint64_t events = 0, operations = 0;
  for (auto _ : state) {
    auto res = dsim::Scenario::load_text(yaml, name, opt);
    if (auto* d = std::get_if<dsim::Diagnostic>(&res)) {
      state.SkipWithError(d->to_string().c_str());
      return;
    }
    dsim::RunResult r = dsim::run(std::get<std::unique_ptr<dsim::Scenario>>(res)->spec());
    if (!r.ok()) {
      state.SkipWithError(r.error().to_string().c_str());
      return;
    }
    const dsim::RunRecord rec = std::move(r).record();
    const char* wrong = rec.consistency ? refuse(rec) : "expected a consistency record";
    if (wrong != nullptr) {
      state.SkipWithError(wrong);
      return;
    }
    events += rec.events;
    operations += rec.consistency->operations;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["operations_per_s"] =
      benchmark::Counter(static_cast<double>(operations), benchmark::Counter::kIsRate);
}

// The cassandra-rf3 workload (9 nodes, RF 3, QUORUM, 90% reads on 100,000
// Zipf keys) for 30 s of simulated time, history and checkers on (the
// "history" recorder is built in), settling included: client operations
// per second of wall time. Arg 0: constant hop latency (100 us in a zone,
// 1 ms between zones); arg 1: the scenario's lognormal latencies.
void BM_CassandraRf3(benchmark::State& state) {
  const std::string yaml = read_scenario("cassandra-rf3.yaml");
  dsim::LoadOptions opt;
  opt.overrides = {"duration=30s"};
  if (state.range(0) == 0) {
    opt.overrides.push_back("network.latency=100us");
    opt.overrides.push_back(
        "network.links=[{between: [az-a, az-b], latency: 1ms}, {between: [az-b, az-c], latency: 1ms}, "
        "{between: [az-a, az-c], latency: 1ms}]");
  }
  run_store_bench(state, yaml, "cassandra-rf3.yaml", opt, [](const dsim::RunRecord& rec) {
    return rec.consistency->figures.stale_reads == 0 ? nullptr : "expected no stale reads";
  });
}
BENCHMARK(BM_CassandraRf3)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3)->ReportAggregatesOnly(true);

// A 3-node leader-follower store (failover-db.yaml without its crash, the
// clients sending straight to the nodes, reads from the leader) under the
// store workload of BM_CassandraRf3 — 20,000 client operations per second,
// 90% reads on 100,000 Zipf keys — for 30 s of simulated time, constant hop
// latency (100 us in a zone, 1 ms between zones), history and checkers on,
// settling included: client operations per second of wall time.
// Arg 0: async; 1: sync; 2: async under failover-db's own mix (60% writes
// on a million uniform keys).
void BM_LeaderFollower(benchmark::State& state) {
  const std::string yaml = read_scenario("failover-db.yaml");
  dsim::LoadOptions opt;
  opt.overrides = {"duration=30s", "faults=[]", "components.clients.target=db", "components.clients.rate=20000/s",
                   "network.latency=100us",
                   "network.links=[{between: [az-a, az-b], latency: 1ms}, {between: [az-b, az-c], latency: 1ms}, "
                   "{between: [az-a, az-c], latency: 1ms}]"};
  if (state.range(0) < 2) {
    opt.overrides.push_back("components.clients.mix={read: 0.9, write: 0.1}");
    opt.overrides.push_back("components.clients.keys={count: 100000, dist: zipf, s: 0.99}");
  }
  if (state.range(0) == 1) opt.overrides.push_back("components.db.replication=sync");
  run_store_bench(state, yaml, "failover-db.yaml", opt, [](const dsim::RunRecord& rec) {
    return rec.consistency->figures.lost_writes == 0 && rec.requests.failed.total() == 0
               ? nullptr
               : "expected every operation to succeed and no lost write";
  });
}
BENCHMARK(BM_LeaderFollower)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);

// The CAP classroom's raft store (scenarios/cap/cp.yaml: 5 nodes in two
// zones, half reads and half writes on 5 hot keys) without its partition,
// its two applications at 8,000 and 12,000 operations per second, for 30 s
// of simulated time, constant hop latency (200 us in a zone, 2 ms between
// them), settling included: client operations per second of wall time.
// Arg 0: history and checkers on (the hot keys' linearizability search runs
// within its budget); 1: no history (the simulation alone).
void BM_Raft(benchmark::State& state) {
  const std::string yaml = read_scenario("cap/cp.yaml");
  dsim::LoadOptions opt;
  opt.overrides = {"duration=30s", "faults=[]", "components.app-a.rate=8000/s", "components.app-b.rate=12000/s",
                   "network.latency=200us", "network.links=[{between: [az-a, az-b], latency: 2ms}]"};
  if (state.range(0) == 1) opt.overrides.push_back("consistency={history_limit: 0}");
  run_store_bench(state, yaml, "cp.yaml", opt, [](const dsim::RunRecord& rec) {
    return rec.requests.failed.total() <= rec.requests.sent / 1000 ? nullptr
                                                                    : "expected (almost) every operation to succeed";
  });
}
BENCHMARK(BM_Raft)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);

// A recorder that subscribes to every event the built-in models publish and
// only counts them: the cost of observing, per simulation event.
class NoopRecorder final : public dsim::Recorder {
 public:
  void attach(dsim::Bus& bus, const dsim::RunContext&) override {
    bus.subscribe<&NoopRecorder::on<dsim::OperationInvoked>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::OperationRetried>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::OperationResolved>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::RequestProxied>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::RequestHandled>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::BackendHealthChanged>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::ReplicaStateChanged>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::FaultBegan>>(*this);
    bus.subscribe<&NoopRecorder::on<dsim::FaultEnded>>(*this);
  }
  void finish(const dsim::RunContext&, dsim::RunRecord&) override {}
  template <class E>
  void on(const E&) {
    ++published;
  }
  std::uint64_t published = 0;
};

// lb-mm1 with and without one extra no-op recorder, runs alternating, five
// pairs: the median extra time per simulation event is what publishing to
// one more subscriber costs (every request publishes invoked, resolved,
// proxied and handled: four events per six simulation events).
void BM_LbMm1PublishCostPerEvent(benchmark::State& state) {
  const std::string yaml = read_scenario("lb-mm1.yaml");
  auto res = dsim::Scenario::load_text(yaml, "lb-mm1.yaml");
  const dsim::ScenarioSpec& spec = std::get<std::unique_ptr<dsim::Scenario>>(res)->spec();
  std::vector<double> base_ns, noop_ns, extra_ns;
  double publishes_per_event = 0;
  for (auto _ : state) {
    for (int pair = 0; pair < 5; ++pair) {
      auto t0 = std::chrono::steady_clock::now();
      dsim::RunResult ra = dsim::run(spec);
      auto t1 = std::chrono::steady_clock::now();
      NoopRecorder noop;
      dsim::RunOptions o;
      o.extra_recorders = {&noop};
      dsim::RunResult rb = dsim::run(spec, o);
      auto t2 = std::chrono::steady_clock::now();
      if (!ra.ok() || !rb.ok()) {
        state.SkipWithError("lb-mm1 did not run");
        return;
      }
      const dsim::RunRecord a = std::move(ra).record();
      const dsim::RunRecord b = std::move(rb).record();
      const double events = static_cast<double>(a.events);
      base_ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / events);
      noop_ns.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count() / events);
      extra_ns.push_back(noop_ns.back() - base_ns.back());
      publishes_per_event = static_cast<double>(noop.published) / events;
      benchmark::DoNotOptimize(b.events);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  state.counters["ns_per_event"] = median(base_ns);
  state.counters["ns_per_event_noop"] = median(noop_ns);
  state.counters["extra_ns_per_event"] = median(extra_ns);
  state.counters["publishes_per_event"] = publishes_per_event;
}
BENCHMARK(BM_LbMm1PublishCostPerEvent)->Unit(benchmark::kMillisecond)->Iterations(1);

// Allocations per event in steady state, on the same run.
void BM_LbMm1SteadyStateAllocations(benchmark::State& state) {
  const std::string yaml = read_scenario("lb-mm1.yaml");
  double per_event = 0;
  std::uint64_t allocs = 0, span = 0;
  for (auto _ : state) {
    auto res = dsim::Scenario::load_text(yaml, "lb-mm1.yaml");
    auto& scenario = std::get<std::unique_ptr<dsim::Scenario>>(res);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> checkpoints;  // (events, allocations)
    dsim::RunOptions opt;
    opt.progress = [&](Time, Time, std::uint64_t ev) {
      checkpoints.emplace_back(ev, g_allocations.load(std::memory_order_relaxed));
    };
    checkpoints.reserve(64);
    if (!dsim::run(scenario->spec(), opt).ok()) {
      state.SkipWithError("lb-mm1 did not run");
      return;
    }
    // Skip the first checkpoint (start-up growth) and the final call (after
    // the run, when reports are assembled).
    const auto& a = checkpoints[1];
    const auto& b = checkpoints[checkpoints.size() - 2];
    allocs = b.second - a.second;
    span = b.first - a.first;
    per_event = static_cast<double>(allocs) / static_cast<double>(span);
  }
  state.counters["allocs_in_span"] = static_cast<double>(allocs);
  state.counters["events_in_span"] = static_cast<double>(span);
  state.counters["allocs_per_event"] = per_event;
}
BENCHMARK(BM_LbMm1SteadyStateAllocations)->Unit(benchmark::kMillisecond)->Iterations(1);

// ---- reports -----------------------------------------------------------------
// The summary JSON of a balancer in front of n single replicas: n per-replica
// rows and n per-backend figures. Linear in n (it once was quadratic: a
// minute for 100,000 replicas).
void BM_SummaryJsonWide(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  dsim::RunRecord rec;
  rec.scenario = "wide";
  rec.duration = dsim::kSecond;
  dsim::ComponentRecord lb{"lb", "load_balancer", true, {}, {{"lb", "default", {}}}, {}};
  dsim::ComponentRecord app{"app", "service", true, {}, {}, {}};
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = "app-" + std::to_string(i);
    app.replicas.push_back(dsim::ReplicaRecord{name, "default", {}});
    lb.extra.emplace_back("backends/" + name + "/requests", static_cast<double>(i));
  }
  rec.components = {lb, app};
  std::size_t bytes = 0;
  for (auto _ : state) bytes = dsim::summary_json_text(rec).size();
  state.counters["bytes"] = static_cast<double>(bytes);
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_SummaryJsonWide)->Unit(benchmark::kMillisecond)->RangeMultiplier(10)->Range(1000, 100000)->Complexity();

// ---- the ceiling: the same 6-event path, hand-written -----------------------
// Poisson clients at 14.4/ms -> round-robin balancer -> 16 single-worker
// servers (exponential, mean 1 ms) -> balancer -> client; 100 us per hop.
// Plain 24-byte events in a 4-ary heap, a switch for dispatch, FIFO queues
// per server, the same RNG and log as dsim; no framework at all.
void BM_LbMm1Ceiling(benchmark::State& state) {
  enum Kind : std::uint16_t { kArrive, kLbRecv, kSrvRecv, kSrvDone, kLbResp, kClientRecv };
  constexpr int kServers = 16;
  constexpr Time kHop = 100 * dsim::kMicrosecond;
  constexpr double kMeanGapNs = 1e6 / 14.4;
  constexpr double kMeanServiceNs = 1e6;
  constexpr std::uint64_t kRequests = 1'000'000;
  std::uint64_t events = 0, requests = 0;
  for (auto _ : state) {
    dsim::EventQueue q;
    dsim::Rng arrivals = dsim::Rng::stream(1, "clients");
    std::vector<dsim::Rng> service;
    for (int s = 0; s < kServers; ++s) service.push_back(dsim::Rng::stream(1, "server-" + std::to_string(s)));
    std::vector<dsim::RingBuffer<std::uint32_t>> fifo(kServers);
    std::vector<bool> busy(kServers, false);
    std::vector<std::uint32_t> in_service(kServers);
    std::vector<Time> sent_at;
    sent_at.reserve(kRequests);
    std::uint64_t seq = 0, rr = 0, done = 0;
    double latency_sum = 0;
    auto push = [&](Time t, Kind k, std::uint32_t target, std::uint32_t arg) {
      q.push(dsim::Event{t, (seq++ << 16) | k, target, arg});
    };
    push(0, kArrive, 0, 0);
    std::uint64_t n = 0;
    while (!q.empty()) {
      const dsim::Event e = q.top();
      q.pop();
      ++n;
      const Time now = e.time;
      switch (e.kind()) {
        case kArrive: {
          const auto id = static_cast<std::uint32_t>(sent_at.size());
          sent_at.push_back(now);
          push(now + kHop, kLbRecv, 0, id);
          if (sent_at.size() < kRequests)
            push(now + static_cast<Time>(-kMeanGapNs * dsim::detmath::log(arrivals.uniform_open0()) + 0.5), kArrive, 0, 0);
          break;
        }
        case kLbRecv: {
          const auto s = static_cast<std::uint32_t>(rr++ % kServers);
          push(now + kHop, kSrvRecv, s, e.arg);
          break;
        }
        case kSrvRecv: {
          const std::uint32_t s = e.target;
          if (busy[s]) {
            fifo[s].push_back(e.arg);
          } else {
            busy[s] = true;
            in_service[s] = e.arg;
            push(now + static_cast<Time>(-kMeanServiceNs * dsim::detmath::log(service[s].uniform_open0()) + 0.5), kSrvDone, s, e.arg);
          }
          break;
        }
        case kSrvDone: {
          const std::uint32_t s = e.target;
          push(now + kHop, kLbResp, 0, e.arg);
          if (!fifo[s].empty()) {
            const std::uint32_t next = fifo[s].front();
            fifo[s].pop_front();
            in_service[s] = next;
            push(now + static_cast<Time>(-kMeanServiceNs * dsim::detmath::log(service[s].uniform_open0()) + 0.5), kSrvDone, s, next);
          } else {
            busy[s] = false;
          }
          break;
        }
        case kLbResp:
          push(now + kHop, kClientRecv, 0, e.arg);
          break;
        case kClientRecv:
          latency_sum += static_cast<double>(now - sent_at[e.arg]);
          ++done;
          break;
      }
    }
    events += n;
    requests += done;
    benchmark::DoNotOptimize(latency_sum);
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["requests_per_s"] = benchmark::Counter(static_cast<double>(requests), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LbMm1Ceiling)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(5)->ReportAggregatesOnly(true);

// ---- the history checker ----------------------------------------------------
// check_stale_and_lost (analysis/consistency.h) over a synthetic history of
// 1,000,000 operations: 900,000 by clients (90% reads, 10% writes) over
// 100,000 keys drawn zipf(0.99), one invoked every 5 us and taking 0.1 to
// 2.1 ms (so about 400 overlap), reads returning the key's newest value or,
// one time in twenty, the one before; 1% of writes unknown, 1% failed; then
// one final read per key, of the newest value or, one time in a hundred, the
// one before. Building the history is not timed.
std::vector<dsim::HistoryOp> stale_lost_history() {
  constexpr std::uint64_t kKeys = 100'000;
  constexpr int kClientOps = 900'000;
  const dsim::KeyDistribution keys = dsim::KeyDistribution::zipf(kKeys, 0.99);
  dsim::Rng rng = dsim::Rng::stream(1, "stale-lost-bench");
  std::vector<std::uint64_t> newest(kKeys, 0), before(kKeys, 0);
  std::vector<dsim::HistoryOp> h;
  h.reserve(kClientOps + kKeys);
  std::uint64_t next_value = 1;
  Time now = 0;
  for (int i = 0; i < kClientOps; ++i) {
    dsim::HistoryOp op;
    op.client = static_cast<std::uint32_t>(rng.below(64));
    op.key = keys.sample(rng);
    op.invoke = now;
    op.complete = now + 100 * dsim::kMicrosecond + static_cast<Time>(rng.below(2 * dsim::kMillisecond));
    now += 5 * dsim::kMicrosecond;
    if (rng.below(10) == 0) {
      op.op = dsim::Operation::kWrite;
      op.value = next_value++;
      const std::uint64_t outcome = rng.below(100);
      op.outcome = outcome == 0 ? dsim::OpOutcome::kUnknown : (outcome == 1 ? dsim::OpOutcome::kFail : dsim::OpOutcome::kOk);
      if (op.outcome != dsim::OpOutcome::kFail) {
        before[op.key] = newest[op.key];
        newest[op.key] = op.value;
      }
    } else {
      op.op = dsim::Operation::kRead;
      op.value = rng.below(20) == 0 ? before[op.key] : newest[op.key];
      op.outcome = rng.below(100) == 0 ? dsim::OpOutcome::kFail : dsim::OpOutcome::kOk;
    }
    h.push_back(op);
  }
  now += dsim::kSecond;
  for (std::uint64_t k = 0; k < kKeys; ++k) {
    dsim::HistoryOp op;
    op.client = 64;
    op.key = k;
    op.value = rng.below(100) == 0 ? before[k] : newest[k];
    op.invoke = now;
    op.complete = now + dsim::kMillisecond;
    op.final_read = true;
    h.push_back(op);
  }
  return h;
}

void BM_StaleLostCheck(benchmark::State& state) {
  const std::vector<dsim::HistoryOp> history = stale_lost_history();
  dsim::StaleLostFigures f;
  for (auto _ : state) {
    f = dsim::check_stale_and_lost(history);
    benchmark::DoNotOptimize(f);
  }
  state.counters["ops"] = static_cast<double>(history.size());
  state.counters["reads"] = static_cast<double>(f.reads);
  state.counters["stale_reads"] = static_cast<double>(f.stale_reads);
  state.counters["lost_writes"] = static_cast<double>(f.lost_writes);
  state.counters["ops_per_s"] = benchmark::Counter(static_cast<double>(history.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_StaleLostCheck)->Unit(benchmark::kMillisecond);


// ---- the linearizability checker --------------------------------------------
// check_linearizable (analysis/linearizability.h) on synthetic histories that
// are linearizable by construction: clients each run one operation at a time
// (invoke, an instant 0 .. 1 ms later at which it takes effect in a
// sequential run of all clients' operations in the order of those instants,
// complete 0 .. 1 ms after that, think 0 .. 0.2 ms), on keys drawn uniformly.
// One thread; building the history is not timed.
struct LinSynth {
  Time invoke;
  Time at;  // the instant it takes effect
  std::uint32_t client;
};

// The next operation of each client, by instant (then client), as a heap.
template <class Apply>
void lin_synthesize(std::size_t clients, std::size_t total, dsim::Rng& rng, Apply apply) {
  const auto later = [](const LinSynth& a, const LinSynth& b) {
    return a.at != b.at ? a.at > b.at : a.client > b.client;
  };
  std::vector<LinSynth> heap;
  for (std::uint32_t c = 0; c < clients; ++c) {
    const Time invoke = static_cast<Time>(rng.below(200)) * dsim::kMicrosecond;
    heap.push_back({invoke, invoke + static_cast<Time>(rng.below(1000)) * dsim::kMicrosecond, c});
  }
  std::make_heap(heap.begin(), heap.end(), later);
  for (std::size_t i = 0; i < total; ++i) {
    std::pop_heap(heap.begin(), heap.end(), later);
    LinSynth& s = heap.back();
    const Time complete = s.at + static_cast<Time>(rng.below(1000)) * dsim::kMicrosecond;
    apply(s, complete);
    s.invoke = complete + 1 + static_cast<Time>(rng.below(200)) * dsim::kMicrosecond;
    s.at = s.invoke + static_cast<Time>(rng.below(1000)) * dsim::kMicrosecond;
    std::push_heap(heap.begin(), heap.end(), later);
  }
}

// 30 clients, 10 registers, 30,000 operations: 85% reads, 10% writes of
// fresh values (one in fifty unknown, having taken effect), 5% successful
// compare-and-sets.
dsim::LinHistory lin_register_history() {
  constexpr std::size_t kKeys = 10, kClients = 30, kOps = 30'000;
  dsim::Rng rng = dsim::Rng::stream(1, "lin-register-bench");
  dsim::LinHistory h;
  h.model = dsim::LinModel::kRegister;
  for (std::size_t k = 0; k < kKeys; ++k) h.keys.push_back("k" + std::to_string(k));
  for (std::size_t c = 0; c < kClients; ++c) h.clients.push_back("c" + std::to_string(c));
  std::vector<dsim::RegValue> value(kKeys);
  std::int64_t fresh = 1;
  lin_synthesize(kClients, kOps, rng, [&](const LinSynth& s, Time complete) {
    dsim::LinOp op;
    op.key = static_cast<std::uint32_t>(rng.below(kKeys));
    op.client = s.client;
    op.invoke = s.invoke;
    op.complete = complete;
    dsim::RegValue& v = value[op.key];
    const std::uint64_t x = rng.below(100);
    if (x < 85) {
      op.fn = dsim::LinFn::kRead;
      op.result = v;
    } else if (x < 95) {
      op.fn = dsim::LinFn::kWrite;
      op.arg = v = dsim::RegValue{fresh++, false};
      if (rng.below(50) == 0) op.outcome = dsim::LinOutcome::kUnknown;
    } else {
      op.fn = dsim::LinFn::kCas;
      op.arg = v;
      op.arg2 = v = dsim::RegValue{fresh++, false};
    }
    h.ops.push_back(op);
  });
  return h;
}

// 50 clients, 10 keys, 10,000 operations: half appends of short unique
// texts, half gets.
dsim::LinHistory lin_kv_history() {
  constexpr std::size_t kKeys = 10, kClients = 50, kOps = 10'000;
  dsim::Rng rng = dsim::Rng::stream(1, "lin-kv-bench");
  dsim::LinHistory h;
  h.model = dsim::LinModel::kKv;
  for (std::size_t k = 0; k < kKeys; ++k) h.keys.push_back("k" + std::to_string(k));
  for (std::size_t c = 0; c < kClients; ++c) h.clients.push_back("c" + std::to_string(c));
  std::vector<std::string> value(kKeys);
  std::uint64_t fresh = 0;
  lin_synthesize(kClients, kOps, rng, [&](const LinSynth& s, Time complete) {
    dsim::LinOp op;
    op.key = static_cast<std::uint32_t>(rng.below(kKeys));
    op.client = s.client;
    op.invoke = s.invoke;
    op.complete = complete;
    if (rng.below(2) == 0) {
      op.fn = dsim::LinFn::kAppend;
      op.text = std::to_string(fresh++) + ",";
      value[op.key] += op.text;
    } else {
      op.fn = dsim::LinFn::kGet;
      op.text_result = value[op.key];
    }
    h.ops.push_back(op);
  });
  return h;
}

void run_lin_bench(benchmark::State& state, const dsim::LinHistory& h) {
  dsim::LinOptions o;
  o.threads = 1;
  dsim::LinResult r;
  for (auto _ : state) {
    r = dsim::check_linearizable(h, o);
    benchmark::DoNotOptimize(r);
  }
  if (r.verdict != dsim::LinVerdict::kLinearizable) {
    static std::string why;  // SkipWithError keeps the pointer
    why = std::string("verdict ") + dsim::verdict_name(r.verdict) + ", keys unknown " + std::to_string(r.keys_unknown) +
          ", states " + std::to_string(r.states_explored);
    state.SkipWithError(why.c_str());
  }
  state.counters["ops"] = static_cast<double>(h.ops.size());
  state.counters["states"] = static_cast<double>(r.states_explored);
  state.counters["ops_per_s"] = benchmark::Counter(static_cast<double>(h.ops.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_LinearizabilityCapSized(benchmark::State& state) { run_lin_bench(state, lin_register_history()); }
BENCHMARK(BM_LinearizabilityCapSized)->Unit(benchmark::kMillisecond);

void BM_LinearizabilityKv(benchmark::State& state) { run_lin_bench(state, lin_kv_history()); }
BENCHMARK(BM_LinearizabilityKv)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
