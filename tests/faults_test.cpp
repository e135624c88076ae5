// Faults, failover, retries and availability: each fault kind does what the
// documentation says, the shipped scenarios show their effect, and simulated
// availability agrees with the Markov chain.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "dsim/analysis/availability.h"
#include "cli_helpers.h"
#include "helpers.h"
#include "dsim/models/faults.h"
#include "dsim/models/world.h"

namespace dsim {
namespace {

using testing::component;
using testing::extra;
using testing::load_or_fail;
using testing::run_yaml;

std::string read_scenario(const std::string& name) {
  std::ifstream in(std::string(DSIM_SOURCE_DIR) + "/scenarios/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunRecord run_file(const std::string& name, std::vector<std::string> overrides = {}) {
  LoadOptions o;
  o.overrides = std::move(overrides);
  return run_yaml(read_scenario(name), o);
}

double seconds(Time t) { return static_cast<double>(t) / 1e9; }

// Availability of the time-series windows that start in [from, to).
double window_availability(const RunRecord& rec, Time from, Time to) {
  std::uint64_t ok = 0, all = 0;
  for (const auto& w : rec.windows) {
    if (w.start < from || w.start >= to) continue;
    ok += w.succeeded;
    all += w.resolved();
  }
  return all == 0 ? 1.0 : static_cast<double>(ok) / static_cast<double>(all);
}

// ---- the shipped scenarios --------------------------------------------------

TEST(FailoverScenario, HealthChecksDetectTheCrashAndAvailabilityRecoversWithinTheBound) {
  const RunRecord rec = run_file("failover.yaml");
  ASSERT_EQ(rec.faults.size(), 1U);
  const FaultRecord& f = rec.faults[0];
  EXPECT_EQ(f.kind, "crash");
  EXPECT_EQ(f.target, "app-1");
  EXPECT_EQ(f.at, 20 * kSecond);
  ASSERT_TRUE(f.detected.has_value());
  ASSERT_TRUE(f.recovered.has_value());
  // fall x interval + check timeout + client timeout + one window.
  const Time bound = 3 * 2 * kSecond + 500 * kMillisecond + 1 * kSecond + 1 * kSecond;
  EXPECT_GT(*f.detected, f.at);
  EXPECT_LE(*f.detected, f.at + 3 * 2 * kSecond + 500 * kMillisecond);
  EXPECT_LE(*f.recovered, f.at + bound) << "recovered at " << seconds(*f.recovered);
  EXPECT_GT(f.failed_requests, 0U);
  // While app-1 is still down, app-0 alone serves everything.
  EXPECT_GE(window_availability(rec, *f.recovered, 50 * kSecond), 0.999);
  EXPECT_EQ(rec.requests.sent, rec.requests.succeeded + rec.requests.failed[0] + rec.requests.failed[1] +
                                   rec.requests.failed[2]);
  const ComponentRecord* lb = component(rec, "lb");
  ASSERT_NE(lb, nullptr);
  EXPECT_EQ(extra(*lb, "backends/app-1/marked_down"), 1);
  EXPECT_EQ(extra(*lb, "backends/app-0/marked_down"), 0);
}

TEST(FailoverScenario, TheBoundHoldsWithTheDefaultCheckTimeout) {
  // timeout defaults to the interval (HAProxy): every probe still counts.
  for (const Time at : {20 * kSecond, 21 * kSecond, 23'300 * kMillisecond}) {
    const RunRecord rec = run_file(
        "failover.yaml", {"components.lb.health_check={interval: 2s, fall: 3, rise: 2}",
                          "faults.0.at=" + std::to_string(at / kMillisecond) + "ms"});
    const FaultRecord& f = rec.faults.at(0);
    ASSERT_TRUE(f.detected.has_value());
    ASSERT_TRUE(f.recovered.has_value());
    EXPECT_LE(*f.detected, at + 3 * 2 * kSecond + 2 * kSecond) << seconds(*f.detected);
    EXPECT_LE(*f.recovered, at + 3 * 2 * kSecond + 2 * kSecond + kSecond + kSecond) << seconds(*f.recovered);
  }
}

TEST(FailoverScenario, WithoutHealthChecksItStaysDownUntilTheRestart) {
  const RunRecord rec = run_file("failover.yaml", {"components.lb.health_check=none"});
  ASSERT_EQ(rec.faults.size(), 1U);
  const FaultRecord& f = rec.faults[0];
  EXPECT_FALSE(f.detected.has_value());
  ASSERT_TRUE(f.recovered.has_value());
  EXPECT_GE(*f.recovered, *f.until) << "recovered at " << seconds(*f.recovered);
  // Half the requests go to the dead instance: about 50% availability.
  const double a = window_availability(rec, 25 * kSecond, 50 * kSecond);
  EXPECT_NEAR(a, 0.5, 0.05);
  // With health checks far fewer requests fail.
  const RunRecord with = run_file("failover.yaml");
  EXPECT_GT(f.failed_requests, 3 * with.faults[0].failed_requests);
}

TEST(PartitionScenario, TheCutOffZoneIsDetectedAndTrafficFailsOver) {
  const RunRecord rec = run_file("partition.yaml");
  ASSERT_EQ(rec.faults.size(), 1U);
  const FaultRecord& f = rec.faults[0];
  EXPECT_EQ(f.kind, "partition");
  ASSERT_TRUE(f.detected.has_value());
  ASSERT_TRUE(f.recovered.has_value());
  // fall x interval + check timeout + client timeout + one window.
  EXPECT_LE(*f.recovered, f.at + 2 * kSecond + 300 * kMillisecond + kSecond + kSecond);
  EXPECT_GT(rec.messages_dropped, 0U);
  EXPECT_GT(f.failed_requests, 0U);
  EXPECT_GE(window_availability(rec, *f.recovered, 50 * kSecond), 0.999);
}

TEST(RetryStormScenario, RetriesMultiplyAttemptsAndLatency) {
  const RunRecord storm = run_file("retry-storm.yaml");
  const RunRecord calm = run_file("retry-storm.yaml", {"components.clients.retries=0"});
  // Without retries, one attempt per request.
  EXPECT_EQ(calm.requests.attempts, calm.requests.sent);
  // Same arrivals either way (retries draw from their own stream).
  EXPECT_EQ(storm.requests.sent, calm.requests.sent);
  EXPECT_GT(static_cast<double>(storm.requests.attempts), 2.0 * static_cast<double>(storm.requests.sent));
  EXPECT_GT(storm.requests.latency.quantile(0.99), 2.0 * calm.requests.latency.quantile(0.99));
  // The storm outlasts the slowdown; without retries recovery is prompt.
  ASSERT_TRUE(calm.faults[0].recovered.has_value());
  EXPECT_LE(*calm.faults[0].recovered, *calm.faults[0].until + 2 * kSecond);
  ASSERT_TRUE(storm.faults[0].recovered.has_value());
  EXPECT_GT(*storm.faults[0].recovered, *calm.faults[0].recovered + 5 * kSecond);
}

TEST(RetryStormScenario, ABudgetCapsRetries) {
  const RunRecord capped =
      run_file("retry-storm.yaml", {"components.clients.retry_budget={ratio: 10%, min_per_s: 5}"});
  const ComponentRecord* c = component(capped, "clients");
  ASSERT_NE(c, nullptr);
  EXPECT_GT(extra(*c, "retries_denied_by_budget"), 0);
  // Retries stay within 10% of requests plus 5/s (over 10 s windows).
  const double retries = static_cast<double>(capped.requests.attempts - capped.requests.sent);
  EXPECT_LE(retries, 0.1 * static_cast<double>(capped.requests.sent) + 5.0 * 90 + 50);
}

TEST(Retries, ADeadlineBoundsAllAttemptsTogether) {
  const RunRecord rec = run_yaml(R"(
duration: 20s
network: {latency: 100us}
components:
  clients:
    kind: client
    rate: 100/s
    target: app
    timeout: 100ms
    retries: 10
    retry_backoff: {base: 10ms, max: 10ms, jitter: none}
    deadline: 250ms
  app: {kind: service, service_time: 1ms}
faults:
  - {at: 5s, for: 5s, crash: app}
)");
  // Requests during the crash: attempts at 0, 110 and 220 ms; the deadline
  // at 250 ms ends the third, so at most 3 attempts, all failing as timeouts.
  EXPECT_NEAR(static_cast<double>(rec.requests.failed[0]), 500, 40);
  // (Requests sent just before the restart add a retry or two and succeed.)
  EXPECT_LE(rec.requests.attempts, rec.requests.sent + 2 * rec.requests.failed[0] + 60);
  EXPECT_GE(rec.requests.attempts, rec.requests.sent + 2 * rec.requests.failed[0]);
  // Successful requests never took longer than the deadline.
  EXPECT_LE(rec.requests.latency.max(), 250 * kMillisecond);
}

TEST(Retries, RejectionsAndUnavailableAreRetriedToo) {
  const RunRecord rec = run_yaml(R"(
duration: 20s
network: {latency: 100us}
components:
  clients: {kind: client, rate: 100/s, target: lb, timeout: 1s, retries: 2, retry_backoff: {base: 1ms, max: 1ms}}
  lb: {kind: load_balancer, backends: app}
  app: {kind: service, replicas: 2, service_time: 1ms}
faults:
  - {at: 5s, for: 5s, kill: app-1}
)");
  // A refused attempt is retried, usually on the other replica (round
  // robin): nearly all succeed, where without retries half of 5 s would fail.
  EXPECT_EQ(rec.requests.failed[0], 0U);
  EXPECT_LE(rec.requests.failed[2], 20U);
  EXPECT_GT(rec.requests.attempts, rec.requests.sent + 200);
}

// ---- each fault kind ----------------------------------------------------------

const char* kTwoApps = R"(
duration: 30s
warmup: 2s
network: {latency: 100us}
components:
  clients: {kind: client, rate: 200/s, target: lb, timeout: 500ms}
  lb: {kind: load_balancer, backends: app}
  app: {kind: service, replicas: 2, workers: 4, service_time: 1ms}
)";

RunRecord run_with(const std::string& faults_yaml, const std::string& base = kTwoApps) {
  return run_yaml(base + "faults:\n" + faults_yaml);
}

TEST(Faults, KillRefusesAtOnceWhileCrashTimesOut) {
  const RunRecord kill = run_with("  - {at: 10s, for: 10s, kill: app-1}\n");
  const RunRecord crash = run_with("  - {at: 10s, for: 10s, crash: app-1}\n");
  // Killed: callers get "unavailable" quickly; crashed: they wait and time out.
  EXPECT_GT(kill.requests.failed[2], 800U);
  EXPECT_EQ(kill.requests.failed[0], 0U);
  EXPECT_GT(crash.requests.failed[0], 800U);
  EXPECT_EQ(crash.requests.failed[2], 0U);
  // Roughly half of 200/s for 10 s fail either way.
  EXPECT_NEAR(static_cast<double>(kill.requests.failed[2]), 1000, 150);
  EXPECT_NEAR(static_cast<double>(crash.requests.failed[0]), 1000, 150);
  // The downtime of app-1 is reflected in the component's availability (k = 1 of 2).
  const AvailabilityRecord* app = testing::availability(crash, "app");
  ASSERT_NE(app, nullptr);
  EXPECT_DOUBLE_EQ(app->simulated, 1.0);
}

TEST(Faults, AKilledHostsRefusalsDoNotCrossAPartition) {
  const std::string base = R"(
duration: 30s
network: {latency: 100us}
components:
  clients: {kind: client, rate: 100/s, target: lb, timeout: 500ms}
  lb: {kind: load_balancer, backends: app}
  app: {kind: service, replicas: 2, workers: 4, service_time: 1ms}
)";
  const RunRecord rec = run_with(
      "  - {at: 10s, for: 10s, partition: {from: [lb], to: [app-1]}}\n  - {at: 10s, for: 10s, kill: app-1}\n", base);
  // lb cannot reach app-1 at all, so nothing is refused: requests time out.
  EXPECT_EQ(rec.requests.failed[2], 0U);
  EXPECT_NEAR(static_cast<double>(rec.requests.failed[0]), 500, 80);
}

TEST(Faults, MarkedDownCountsSurviveABalancerRestart) {
  const std::string base = R"(
duration: 60s
network: {latency: 100us}
components:
  clients: {kind: client, rate: 100/s, target: lb, timeout: 500ms}
  lb: {kind: load_balancer, backends: app, health_check: {interval: 1s, timeout: 200ms, fall: 2, rise: 2}}
  app: {kind: service, replicas: 2, workers: 4, service_time: 1ms}
)";
  const RunRecord rec =
      run_with("  - {at: 10s, for: 40s, crash: app-1}\n  - {at: 20s, for: 5s, crash: lb}\n", base);
  const ComponentRecord* lb = component(rec, "lb");
  ASSERT_NE(lb, nullptr);
  // Marked down before the balancer's crash, and again after its restart.
  EXPECT_EQ(extra(*lb, "backends/app-1/marked_down"), 2);
}

TEST(Faults, PartitionsWithManyGroupsKeepThemApart) {
  std::string groups = "[";
  for (int i = 0; i < 300; ++i) groups += "[pad-" + std::to_string(i) + "], ";
  groups += "[clients, lb], [app]]";
  const std::string base = R"(
duration: 10s
network: {latency: 100us}
components:
  clients: {kind: client, rate: 10/s, target: lb, timeout: 500ms}
  lb: {kind: load_balancer, backends: app}
  app: {kind: service, service_time: 1ms}
  pad: {kind: service, replicas: 300, service_time: 1ms}
)";
  const RunRecord rec = run_with("  - {at: 0s, partition: " + groups + "}\n", base);
  EXPECT_EQ(rec.requests.succeeded, 0U);
  EXPECT_GT(rec.messages_dropped, 0U);
}

TEST(Faults, CrashLosesQueuedWorkAndRestartsEmpty) {
  // One slow worker with a queue: the crash drops everything in it.
  const RunRecord rec = run_yaml(R"(
duration: 20s
components:
  clients: {kind: client, rate: 90/s, target: app, timeout: 5s}
  app: {kind: service, workers: 1, service_time: 10ms}
faults:
  - {at: 5s, for: 2s, crash: app}
)");
  // Everything sent during the crash and what was queued at its start fails.
  EXPECT_NEAR(static_cast<double>(rec.requests.failed[0]), 180, 30);
  const AvailabilityRecord* app = testing::availability(rec, "app");
  ASSERT_NE(app, nullptr);
  EXPECT_NEAR(app->simulated, 18.0 / 20.0, 1e-9);
  // After the restart it works again (failures surface until 5 s, the
  // client timeout, after the crash ends).
  EXPECT_GE(window_availability(rec, 13 * kSecond, 20 * kSecond), 0.999);
}

TEST(Faults, SlowMultipliesServiceTimes) {
  const RunRecord rec = run_with("  - {at: 0s, slow: app, factor: 3}\n");
  const ComponentRecord* app = component(rec, "app");
  ASSERT_NE(app, nullptr);
  const double w_ms = app->total.time_in_system_sum_ns / static_cast<double>(app->total.departures) / 1e6;
  EXPECT_NEAR(w_ms, 3.0, 0.05);  // 1 ms x 3, hardly any queueing at 10% load
}

TEST(Faults, OneWayPartitionDropsOnlyOneDirection) {
  // Responses from app-1 to the balancer are dropped; requests still arrive.
  const RunRecord rec = run_with("  - {at: 10s, for: 10s, partition: {from: [app-1], to: [lb]}}\n");
  const ComponentRecord* app = component(rec, "app");
  ASSERT_NE(app, nullptr);
  EXPECT_NEAR(static_cast<double>(rec.requests.failed[0]), 1000, 150);
  // app-1 kept receiving requests the whole time (it is only mute).
  EXPECT_NEAR(static_cast<double>(app->replicas[1].occupancy.arrivals), 2800, 200);
}

TEST(Faults, MessagesInFlightWhenAPartitionBeginsAreLost) {
  // 50 ms each way: at any instant about 10 requests are on the wire.
  const RunRecord rec = run_yaml(R"(
duration: 10s
network: {latency: 50ms}
components:
  clients: {kind: client, arrival: constant, rate: 100/s, target: app, timeout: 2s}
  app: {kind: service, workers: 100, service_time: 1ms}
faults:
  - {at: 5s, for: 1ms, isolate: app}
)");
  // The cut lasts 1 ms but drops everything in flight in both directions.
  EXPECT_GE(rec.requests.failed[0], 9U);
  EXPECT_LE(rec.requests.failed[0], 11U);
}

TEST(Faults, BridgeKeepsTheMiddleReachable) {
  const char* base = R"(
duration: 20s
network: {latency: 100us}
components:
  ca: {kind: client, rate: 100/s, target: a, timeout: 500ms}
  a: {kind: service, workers: 200, service_time: 1ms, calls: [mid, b]}
  mid: {kind: service, service_time: 1ms}
  b: {kind: service, service_time: 1ms}
)";
  // a and b are cut apart; both still reach mid.
  const RunRecord rec = run_with("  - {at: 5s, for: 10s, bridge: {groups: [[ca, a], [b]], via: mid}}\n", base);
  EXPECT_NEAR(static_cast<double>(rec.requests.failed[0]), 1000, 100);
  const ComponentRecord* mid = component(rec, "mid");
  ASSERT_NE(mid, nullptr);
  EXPECT_NEAR(static_cast<double>(mid->total.arrivals), 2000, 100);  // never cut off
}

TEST(Faults, ZoneOutageCrashesTheServersInTheZone) {
  const char* base = R"(
duration: 30s
warmup: 2s
network: {latency: 100us}
components:
  clients: {kind: client, rate: 200/s, target: lb, timeout: 500ms, zone: az-a}
  lb: {kind: load_balancer, backends: app, zone: az-a, health_check: {interval: 1s, fall: 2, rise: 1, timeout: 200ms}}
  app: {kind: service, replicas: 4, zones: [az-a, az-b], workers: 4, service_time: 1ms}
)";
  const RunRecord rec = run_with("  - {at: 10s, for: 10s, zone_outage: az-b}\n", base);
  ASSERT_EQ(rec.faults.size(), 1U);
  EXPECT_EQ(rec.faults[0].target, "az-b");
  ASSERT_TRUE(rec.faults[0].detected.has_value());
  const ComponentRecord* lb = component(rec, "lb");
  ASSERT_NE(lb, nullptr);
  EXPECT_EQ(extra(*lb, "backends/app-1/marked_down"), 1);
  EXPECT_EQ(extra(*lb, "backends/app-3/marked_down"), 1);
  EXPECT_EQ(extra(*lb, "backends/app-0/marked_down"), 0);
  EXPECT_GT(rec.requests.sent, 5000U);
}

TEST(Faults, DegradeLinkMultipliesLatencyBetweenZones) {
  const char* base = R"(
duration: 20s
network:
  latency: 100us
  links: [{between: [az-a, az-b], latency: 5ms}]
components:
  clients: {kind: client, rate: 100/s, target: app, zone: az-a}
  app: {kind: service, zone: az-b, service_time: 1ms}
)";
  const RunRecord plain = run_yaml(base);
  const RunRecord slow = run_with("  - {at: 0s, degrade_link: {between: [az-a, az-b], latency_factor: 4}}\n", base);
  EXPECT_NEAR(plain.requests.latency.mean() / 1e6, 11.0, 0.1);  // 5 + 1 + 5 ms
  EXPECT_NEAR(slow.requests.latency.mean() / 1e6, 41.0, 0.5);   // 20 + 1 + 20 ms
  const RunRecord lossy = run_with("  - {at: 0s, degrade_link: {between: [az-b, az-a], loss: 50%}}\n", base);
  // Each request crosses twice: 25% of requests survive.
  EXPECT_NEAR(static_cast<double>(lossy.requests.succeeded) / static_cast<double>(lossy.requests.sent), 0.25, 0.03);
}

// A model of the test's own (registered like any other kind) that reads its
// node's clock at fixed times: what a timestamping store will do.
std::vector<std::pair<Time, Time>>& clock_readings() {
  static std::vector<std::pair<Time, Time>> r;
  return r;
}

class ClockProbe final : public ComponentSpec {
 public:
  explicit ClockProbe(ComponentCommon c) : ComponentSpec(std::move(c)) {}
  bool serves_requests() const override { return true; }
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override {
    return std::make_unique<Instance>(*this, ctx);
  }

 private:
  struct Probe final : ReplicaActor {
    Probe(Simulation& s, const World& w) : sim(s), world(w) {}
    void on_event(std::uint16_t, std::uint32_t) override { clock_readings().emplace_back(sim.now(), world.clock(actor_id())); }
    void on_message(const Message&) override {}
    Simulation& sim;
    const World& world;
  };
  struct Instance final : ComponentInstance {
    Instance(const ClockProbe& spec, BuildContext& ctx) : ComponentInstance(spec), probe(ctx.sim, ctx.world) {
      add_replica_actor(ctx, probe, 0);
    }
    void start() override {
      for (const Time t : {2 * kSecond, 6 * kSecond, 8 * kSecond, 12 * kSecond})
        probe.sim.schedule(t, probe.actor_id(), 1, 0);
    }
    void record(ComponentRecord&) const override {}
    Probe probe;
  };
};

TEST(Faults, ClockSkewShiftsAndDriftsTheNodesClock) {
  ModelRegistry registry = ModelRegistry::builtin();
  registry.add("clock_probe", "reads its clock", [](ComponentCommon c, MapReader&) {
    return ParsedComponent{std::make_unique<ClockProbe>(std::move(c)), {}};
  });
  LoadOptions o;
  o.registry = &registry;
  clock_readings().clear();
  run_yaml(R"(
duration: 15s
components:
  clients: {kind: client, rate: 1/s, target: app}
  app: {kind: service, service_time: 1ms}
  probe: {kind: clock_probe}
faults:
  - {at: 5s, for: 5s, clock_skew: {node: probe, offset: 50ms, drift: 100ppm}}
)",
           o);
  const auto& r = clock_readings();
  ASSERT_EQ(r.size(), 4U);
  EXPECT_EQ(r[0].second, 2 * kSecond);                                   // before: true time
  EXPECT_EQ(r[1].second, 6 * kSecond + 50 * kMillisecond + 100 * kMicrosecond);  // 1 s of 100 ppm drift
  EXPECT_EQ(r[2].second, 8 * kSecond + 50 * kMillisecond + 300 * kMicrosecond);
  EXPECT_EQ(r[3].second, 12 * kSecond);                                  // after: true time again
}

TEST(Faults, ClockSkewIsRecordedAsAFault) {
  const RunRecord rec = run_with("  - {at: 5s, for: 5s, clock_skew: {node: app-0, offset: 50ms, drift: 100ppm}}\n");
  ASSERT_EQ(rec.faults.size(), 1U);
  EXPECT_EQ(rec.faults[0].kind, "clock_skew");
  EXPECT_EQ(rec.requests.failed[0] + rec.requests.failed[1] + rec.requests.failed[2], 0U);
}

TEST(Faults, HealthChecksBringABackendBackAfterRise) {
  const char* base = R"(
duration: 40s
network: {latency: 100us}
components:
  clients: {kind: client, rate: 200/s, target: lb, timeout: 500ms}
  lb: {kind: load_balancer, backends: app, health_check: {interval: 1s, timeout: 200ms, fall: 2, rise: 3}}
  app: {kind: service, replicas: 2, workers: 4, service_time: 1ms}
)";
  const RunRecord rec = run_with("  - {at: 10s, for: 10s, crash: app-1}\n", base);
  // Back in rotation within rise x interval of the restart: app-1 gets about
  // half the traffic of the last 15 s again.
  std::uint64_t late = 0;
  for (const auto& w : rec.windows)
    if (w.start >= 25 * kSecond && w.start < 40 * kSecond) late += w.failed[0];
  EXPECT_EQ(late, 0U);
  const ComponentRecord* lb = component(rec, "lb");
  ASSERT_NE(lb, nullptr);
  EXPECT_EQ(extra(*lb, "backends/app-1/marked_down"), 1);
  EXPECT_GT(extra(*lb, "backends/app-1/requests"), 0.3 * extra(*lb, "backends/app-0/requests"));
}

// ---- random failures and the Markov chain --------------------------------------

TEST(RandomFailures, TwoOfThreeAgreesWithTheMarkovChainOver30Replications) {
  const char* yaml = R"(
duration: 18000d
metrics: {window: 30d}
components:
  clients: {kind: client, rate: 1/d, target: app, timeout: 1s}
  app:
    kind: service
    replicas: 3
    service_time: 1ms
    failures: {mtbf: 1000h, mttr: 10h, required: 2}
)";
  const double analytic = availability::k_of_n(3, 2, 1000, 10);
  EXPECT_NEAR(analytic, 0.999707852, 1e-9);
  constexpr int kRuns = 30;
  double sum = 0, sum2 = 0;
  for (int seed = 1; seed <= kRuns; ++seed) {
    LoadOptions o;
    o.seed = static_cast<std::uint64_t>(seed);
    const RunRecord rec = run_yaml(yaml, o);
    const AvailabilityRecord* app = testing::availability(rec, "app");
    ASSERT_NE(app, nullptr);
    ASSERT_TRUE(app->analytic.has_value());
    EXPECT_NEAR(*app->analytic, analytic, 1e-9);
    sum += app->simulated;
    sum2 += app->simulated * app->simulated;
  }
  const double mean = sum / kRuns;
  const double var = (sum2 - kRuns * mean * mean) / (kRuns - 1);
  const double se = std::sqrt(var / kRuns);
  std::printf("  2-of-3: simulated %.9f +/- %.9f (SE), analytic %.9f, diff %.2f SE\n", mean, se, analytic,
              (mean - analytic) / se);
  EXPECT_GT(se, 0.0);
  EXPECT_LE(std::fabs(mean - analytic), 3 * se);
}

TEST(RandomFailures, EachFailureIsRecordedAndRepaired) {
  const RunRecord rec = run_yaml(R"(
duration: 10h
metrics: {window: 1m}
components:
  clients: {kind: client, rate: 1/s, target: lb, timeout: 1s}
  lb: {kind: load_balancer, backends: app, health_check: {interval: 5s, timeout: 1s, fall: 2, rise: 2}}
  app: {kind: service, replicas: 3, service_time: 1ms, failures: {mtbf: 1h, mttr: 5m}}
)");
  ASSERT_GT(rec.faults.size(), 10U);
  for (const auto& f : rec.faults) {
    EXPECT_EQ(f.kind, "failure");
    ASSERT_TRUE(f.until.has_value());
    EXPECT_GT(*f.until, f.at);
  }
  const AvailabilityRecord* app = testing::availability(rec, "app");
  ASSERT_NE(app, nullptr);
  ASSERT_TRUE(app->analytic.has_value());
  EXPECT_NEAR(*app->analytic, 1 - std::pow(5.0 / 65.0, 3), 1e-9);
}

// The "faults" recorder keeps its own per-window counts (analysis/
// fault_impact.h); its verdicts must agree with the time series the
// "requests" recorder writes: a fault recovers at the start of a window that
// resolved requests at or above the SLO, after a window below it.
TEST(FaultImpact, RecoveriesAgreeWithTheTimeSeries) {
  for (const char* name : {"all-faults", "closed-loop"}) {
    const RunRecord rec = testing::run_yaml(testing::read_file(std::string(DSIM_SOURCE_DIR) + "/tests/data/corpus/" +
                                                              name + ".yaml"));
    ASSERT_FALSE(rec.windows.empty());
    int recoveries = 0;
    for (const FaultRecord& f : rec.faults) {
      if (!f.recovered) continue;
      ++recoveries;
      const WindowRecord* at = nullptr;
      bool dipped_before = false;
      for (const WindowRecord& w : rec.windows) {
        if (w.start == *f.recovered) at = &w;
        // A window closed after the fault began that fell below the SLO.
        if (w.start + rec.window > f.at && w.start < *f.recovered && w.below(rec.slo_availability))
          dipped_before = true;
      }
      ASSERT_NE(at, nullptr) << name << ": " << f.kind << " recovered at " << *f.recovered << ", not a window start";
      EXPECT_GT(at->resolved(), 0U) << name << ": " << f.kind;
      EXPECT_FALSE(at->below(rec.slo_availability)) << name << ": " << f.kind;
      EXPECT_TRUE(dipped_before) << name << ": " << f.kind << " at " << f.at;
    }
    EXPECT_GT(recoveries, 2) << name;
  }
}

// A kill with a crash inside it, on one node: refused while killed, silent
// while crashed (a crash wins), refused again, then up; the node goes down
// once and comes up once.
TEST(Faults, AKillAndACrashOverlappingOnOneNode) {
  struct StateChanges final : Recorder {
    std::vector<std::pair<Time, bool>> changes;
    void attach(Bus& bus, const RunContext&) override { bus.subscribe<&StateChanges::on>(*this); }
    void on(const ReplicaStateChanged& e) { changes.emplace_back(e.at, e.up); }
    void finish(const RunContext&, RunRecord&) override {}
  };
  auto s = load_or_fail(R"(
duration: 12s
components:
  clients: {kind: client, rate: 200/s, target: app, timeout: 100ms}
  app: {kind: service, service_time: 1ms}
faults:
  - {at: 2s, for: 6s, kill: app}
  - {at: 4s, for: 2s, crash: app}
)");
  ASSERT_NE(s, nullptr);
  StateChanges changes;
  RunOptions o;
  o.extra_recorders = {&changes};
  const RunRecord rec = testing::run_or_fail(s->spec(), o);
  EXPECT_EQ(changes.changes, (std::vector<std::pair<Time, bool>>{{2 * kSecond, false}, {8 * kSecond, true}}));
  auto window = [&](int second) { return rec.windows[static_cast<std::size_t>(second)]; };
  for (const int sec : {2, 3, 6, 7}) {  // killed: refused at once
    EXPECT_GT(window(sec).failed[2], 150U) << sec;
    EXPECT_EQ(window(sec).succeeded, 0U) << sec;
  }
  for (const int sec : {4, 5}) {  // crashed: nothing answers, so timeouts
    EXPECT_EQ(window(sec).failed[2], 0U) << sec;
    EXPECT_GT(window(sec).failed[0], 150U) << sec;
  }
  EXPECT_EQ(window(10).succeeded, window(10).resolved());
}

// ---- determinism ---------------------------------------------------------------

const char* kTwoChains = R"(
duration: 20s
network: {latency: {dist: exponential, mean: 200us}}
components:
  ca: {kind: client, rate: 300/s, target: sa, timeout: 300ms, retries: 2}
  sa: {kind: service, workers: 2, service_time: {dist: exponential, mean: 3ms}}
  cb: {kind: client, rate: 300/s, target: sb, timeout: 300ms, retries: 2}
  sb: {kind: service, workers: 2, service_time: {dist: exponential, mean: 3ms}}
)";

TEST(FaultDeterminism, AFaultOnOneComponentLeavesTheOthersDrawsUnchanged) {
  const RunRecord plain = run_yaml(kTwoChains);
  const RunRecord faulty = run_yaml(std::string(kTwoChains) + R"(faults:
  - {at: 5s, for: 5s, slow: sa, factor: 20}
  - {at: 12s, for: 2s, crash: sa}
)");
  const auto* b0 = component(plain, "sb");
  const auto* b1 = component(faulty, "sb");
  ASSERT_NE(b0, nullptr);
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(b0->total.arrivals, b1->total.arrivals);
  EXPECT_EQ(b0->total.time_in_system_sum_ns, b1->total.time_in_system_sum_ns);
  EXPECT_EQ(b0->total.utilization, b1->total.utilization);
  EXPECT_EQ(b0->total.queue_length, b1->total.queue_length);
  // ... while sa is visibly hurt.
  const auto* a0 = component(plain, "sa");
  const auto* a1 = component(faulty, "sa");
  ASSERT_NE(a0, nullptr);
  ASSERT_NE(a1, nullptr);
  EXPECT_NE(a0->total.time_in_system_sum_ns, a1->total.time_in_system_sum_ns);
}

TEST(FaultDeterminism, SameSeedSameBytesWithFaultsFailuresAndRetries) {
  const std::string yaml = read_scenario("retry-storm.yaml");
  const std::string a = summary_json_text(run_yaml(yaml));
  const std::string b = summary_json_text(run_yaml(yaml));
  EXPECT_EQ(a, b);
  LoadOptions other;
  other.seed = 99;
  EXPECT_NE(a, summary_json_text(run_yaml(yaml, other)));
}

}  // namespace
}  // namespace dsim
