// Behaviour of the built-in models, each against a figure known in advance:
// exact splits of balancing policies, M/M/1/K blocking, timeouts and their
// propagation down a call chain, closed-loop clients against mean value
// analysis, deterministic D/D/1 latencies.
#include <gtest/gtest.h>

#include <cmath>

#include "dsim/analysis/queueing.h"
#include "helpers.h"

namespace dsim {
namespace {

using testing::component;
using testing::extra;
using testing::run_yaml;

std::string lb_scenario(const std::string& policy, const std::string& backends, const std::string& rate = "3000/s") {
  return "duration: 20s\nwarmup: 1s\nnetwork: {latency: 100us}\ncomponents:\n"
         "  clients: {kind: client, rate: " + rate + ", target: lb}\n"
         "  lb: {kind: load_balancer, policy: " + policy + ", backends: " + backends + "}\n"
         "  app: {kind: service, replicas: 3, workers: 4, service_time: {dist: exponential, mean: 1ms}}\n"
         "  fast: {kind: service, workers: 1, service_time: {dist: exponential, mean: 1ms}}\n"
         "  slow: {kind: service, workers: 1, service_time: {dist: exponential, mean: 4ms}}\n";
}

TEST(LoadBalancer, RoundRobinSplitsExactly) {
  const RunRecord rec = run_yaml(lb_scenario("round_robin", "app"));
  const ComponentRecord* lb = component(rec, "lb");
  const double a = extra(*lb, "backends/app-0/requests");
  const double b = extra(*lb, "backends/app-1/requests");
  const double c = extra(*lb, "backends/app-2/requests");
  EXPECT_GT(a, 15'000);  // 3000/s x 19 s / 3
  EXPECT_LE(std::fabs(a - b), 1);
  EXPECT_LE(std::fabs(b - c), 1);
}

TEST(LoadBalancer, WeightedRoundRobinFollowsWeights) {
  const RunRecord rec = run_yaml(lb_scenario(
      "weighted_round_robin", "[{name: app-0, weight: 1}, {name: app-1, weight: 2}, {name: app-2, weight: 3}]"));
  const ComponentRecord* lb = component(rec, "lb");
  const double a = extra(*lb, "backends/app-0/requests");
  const double b = extra(*lb, "backends/app-1/requests");
  const double c = extra(*lb, "backends/app-2/requests");
  // Smooth WRR is exact over every cycle of 6 picks.
  EXPECT_LE(std::fabs(b - 2 * a), 3);
  EXPECT_LE(std::fabs(c - 3 * a), 3);
}

TEST(LoadBalancer, RandomIsUniformWithinSamplingError) {
  const RunRecord rec = run_yaml(lb_scenario("random", "app"));
  const ComponentRecord* lb = component(rec, "lb");
  double total = 0;
  for (int i = 0; i < 3; ++i) total += extra(*lb, "backends/app-" + std::to_string(i) + "/requests");
  for (int i = 0; i < 3; ++i) {
    const double n = extra(*lb, "backends/app-" + std::to_string(i) + "/requests");
    EXPECT_NEAR(n / total, 1.0 / 3, 4 * std::sqrt(2.0 / 9 / total));
  }
}

// A fast and a slow backend at 80% of their joint capacity: round robin sends
// half the load to the slow one (which saturates); load-aware policies do not.
TEST(LoadBalancer, LoadAwarePoliciesAvoidTheSlowBackend) {
  auto slow_share_and_latency = [](const std::string& policy) {
    const RunRecord rec = run_yaml(lb_scenario(policy, "[fast, slow]", "1000/s"));
    const ComponentRecord* lb = component(rec, "lb");
    const double f = extra(*lb, "backends/fast/requests");
    const double s = extra(*lb, "backends/slow/requests");
    return std::pair{s / (f + s), rec.requests.latency.mean()};
  };
  const auto [rr_share, rr_latency] = slow_share_and_latency("round_robin");
  const auto [lc_share, lc_latency] = slow_share_and_latency("least_connections");
  const auto [p2_share, p2_latency] = slow_share_and_latency("power_of_two_choices");
  EXPECT_NEAR(rr_share, 0.5, 0.001);
  EXPECT_LT(lc_share, 0.35);
  EXPECT_LT(p2_share, 0.35);
  EXPECT_LT(lc_latency, rr_latency / 3);
  EXPECT_LT(p2_latency, rr_latency / 3);
}

TEST(LoadBalancer, RoundRobinRejectsWeights) {
  const Diagnostic d = testing::load_error(lb_scenario("round_robin", "[{name: fast, weight: 2}, slow]"));
  EXPECT_NE(d.message.find("weighted_round_robin"), std::string::npos) << d.message;
}

// M/M/1/K: with one worker and queue_capacity q, the system holds K = q + 1;
// an arrival is rejected with probability (1-ρ)ρ^K / (1-ρ^(K+1)).
TEST(Service, QueueCapacityRejectsLikeMM1K) {
  const RunRecord rec = run_yaml(
      "duration: 300s\nwarmup: 5s\ncomponents:\n"
      "  clients: {kind: client, rate: 800/s, target: app}\n"
      "  app: {kind: service, workers: 1, queue_capacity: 2, service_time: {dist: exponential, mean: 1ms}}\n");
  const double rho = 0.8;
  const int k = 3;
  const double p_block = (1 - rho) * std::pow(rho, k) / (1 - std::pow(rho, k + 1));
  const double n = static_cast<double>(rec.requests.sent);
  const double rejected = static_cast<double>(rec.requests.failed[1]);
  // Binomial standard error, inflated x3 for the correlation of blocking events.
  EXPECT_NEAR(rejected / n, p_block, 3 * 4 * std::sqrt(p_block * (1 - p_block) / n));
  EXPECT_EQ(rec.requests.sent, rec.requests.succeeded + rec.requests.failed[0] + rec.requests.failed[1] + rec.requests.failed[2]);
  const ComponentRecord* app = component(rec, "app");
  EXPECT_EQ(app->total.rejected, rec.requests.failed[1]);
  EXPECT_LE(app->total.queue_length, 2.0);
}

TEST(Service, SlowServiceTimesOutEveryRequest) {
  const RunRecord rec = run_yaml(
      "duration: 10s\ncomponents:\n"
      "  clients: {kind: client, rate: 50/s, target: app, timeout: 5ms}\n"
      "  app: {kind: service, workers: 100, service_time: 10ms}\n");
  EXPECT_GT(rec.requests.sent, 400u);
  EXPECT_EQ(rec.requests.failed[0], rec.requests.sent);
  EXPECT_EQ(rec.requests.succeeded, 0u);
  EXPECT_EQ(rec.requests.completed, 0u);
  EXPECT_EQ(rec.requests.latency.count(), 0u);
}

TEST(Service, CallTimeoutFailsTheRequestAsATimeout) {
  const RunRecord rec = run_yaml(
      "duration: 10s\ncomponents:\n"
      "  clients: {kind: client, rate: 50/s, target: app, timeout: 1s}\n"
      "  app: {kind: service, workers: 100, service_time: 1ms, calls: [db], call_timeout: 2ms}\n"
      "  db: {kind: service, workers: 100, service_time: 5ms}\n");
  EXPECT_EQ(rec.requests.failed[0], rec.requests.sent);
  // The failure arrives as an answer (the app's), 1 ms + 2 ms after sending.
  EXPECT_EQ(rec.requests.completed, rec.requests.sent);
}

TEST(Service, DownstreamRejectionPropagatesToTheClient) {
  const RunRecord rec = run_yaml(
      "duration: 20s\ncomponents:\n"
      "  clients: {kind: client, rate: 400/s, target: app}\n"
      "  app: {kind: service, workers: 50, service_time: {dist: exponential, mean: 1ms}, calls: [db]}\n"
      "  db: {kind: service, workers: 1, queue_capacity: 0, service_time: {dist: exponential, mean: 2ms}}\n");
  const ComponentRecord* app = component(rec, "app");
  const ComponentRecord* db = component(rec, "db");
  EXPECT_EQ(app->total.rejected, 0u);
  EXPECT_GT(db->total.rejected, 1000u);
  EXPECT_NEAR(static_cast<double>(rec.requests.failed[1]), static_cast<double>(db->total.rejected), 5);
  // Erlang B with one server: the rejected fraction is a / (1 + a), a = λ/μ = 0.8.
  EXPECT_NEAR(static_cast<double>(rec.requests.failed[1]) / static_cast<double>(rec.requests.sent), 0.8 / 1.8, 0.02);
}

TEST(Service, DeterministicArrivalsAndServiceNeverWait) {
  const RunRecord rec = run_yaml(
      "duration: 10s\ncomponents:\n"
      "  clients: {kind: client, arrival: constant, rate: 500/s, target: app}\n"
      "  app: {kind: service, workers: 1, service_time: 1ms}\n");
  EXPECT_EQ(rec.requests.sent, 5000u);
  EXPECT_EQ(rec.requests.latency.min(), kMillisecond);
  EXPECT_EQ(rec.requests.latency.max(), kMillisecond);
  EXPECT_DOUBLE_EQ(*component(rec, "app")->total.utilization, 0.5);
}

TEST(Network, ConstantLatencyAddsTwoHopsPerCall) {
  const RunRecord rec = run_yaml(
      "duration: 5s\nnetwork: {latency: 1ms}\ncomponents:\n"
      "  clients: {kind: client, arrival: constant, rate: 100/s, target: lb}\n"
      "  lb: {kind: load_balancer, backends: app}\n"
      "  app: {kind: service, workers: 1, service_time: 2ms, calls: [db]}\n"
      "  db: {kind: service, workers: 1, service_time: 500us}\n");
  // client->lb->app (2 ms) + 2 ms + app->db->app (2 ms) + 0.5 ms + app->lb->client (2 ms)
  EXPECT_EQ(rec.requests.latency.min(), 8'500 * kMicrosecond);
  EXPECT_EQ(rec.requests.latency.max(), 8'500 * kMicrosecond);
}

TEST(Client, ClosedLoopMatchesMeanValueAnalysis) {
  const int users = 10;
  const RunRecord rec = run_yaml(
      "duration: 400s\nwarmup: 10s\ncomponents:\n"
      "  clients: {kind: client, users: 10, think_time: {dist: exponential, mean: 10ms}, target: app}\n"
      "  app: {kind: service, workers: 1, service_time: {dist: exponential, mean: 1ms}}\n");
  const auto mva = queueing::mva({1.0}, 10.0, users);  // ms
  const double x = static_cast<double>(rec.requests.succeeded) / to_seconds(rec.duration - rec.warmup) / 1000;  // per ms
  const double r = rec.requests.latency.mean() / 1e6;
  EXPECT_NEAR(x, mva.throughput, 0.02 * mva.throughput);
  EXPECT_NEAR(r, mva.response_time, 0.03 * mva.response_time);
  // The interactive response time law, N = X (R + Z), holds for any service law.
  EXPECT_NEAR(users, x * (r + 10.0), 0.02 * users);
}

TEST(Client, ThroughputCountsOnlyWhatCompletedInTheWindow) {
  // 500 closed-loop users on one worker of exactly 1 ms: capacity 1000/s.
  // At the end 500 requests are in flight; they drain afterwards and count
  // as sent and succeeded, but not as throughput of the measured second.
  const RunRecord rec = run_yaml(
      "duration: 1s\ncomponents:\n"
      "  clients: {kind: client, users: 500, target: app, timeout: 10s}\n"
      "  app: {kind: service, workers: 1, service_time: 1ms}\n");
  EXPECT_EQ(rec.requests.succeeded, rec.requests.sent);
  EXPECT_EQ(rec.requests.succeeded_in_window, 999U);  // completions at 1 ms .. 999 ms
  EXPECT_GT(rec.requests.succeeded, 1400U);           // the drain's 500 as well
  const auto j = summary_json(rec);
  EXPECT_EQ(j["throughput_rps"], 999.0);
  EXPECT_LE(j["throughput_rps"].get<double>(), 1000.0);
}

TEST(Client, ArrivalsStopAtDurationAndInFlightRequestsDrain) {
  const RunRecord rec = run_yaml(
      "duration: 2s\ncomponents:\n"
      "  clients: {kind: client, arrival: constant, rate: 10/s, target: app}\n"
      "  app: {kind: service, workers: 1, service_time: 300ms}\n");
  // 20 requests at 0, 0.1, ..., 1.9 s; each takes 0.3 s at one worker, so the
  // queue builds and the last one finishes at 20 x 0.3 = 6 s.
  EXPECT_EQ(rec.requests.sent, 20u);
  EXPECT_EQ(rec.requests.succeeded, 20u);
  EXPECT_EQ(rec.end, 6 * kSecond);
  EXPECT_EQ(rec.requests.latency.max(), 6 * kSecond - 1900 * kMillisecond);
}

TEST(Client, ReplicasSplitTheRate) {
  const RunRecord rec = run_yaml(
      "duration: 10s\ncomponents:\n"
      "  clients: {kind: client, replicas: 4, arrival: constant, rate: 400/s, target: app}\n"
      "  app: {kind: service, workers: 4, service_time: 1ms}\n");
  EXPECT_EQ(rec.requests.sent, 4000u);
}

TEST(Queueing, MvaSingleCustomerHasNoQueueing) {
  const auto r = queueing::mva({2.0, 3.0}, 5.0, 1);
  EXPECT_DOUBLE_EQ(r.response_time, 5.0);
  EXPECT_DOUBLE_EQ(r.throughput, 0.1);
}

}  // namespace
}  // namespace dsim
