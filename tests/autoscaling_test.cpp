// Autoscaling (models/autoscaling.h, a service's `autoscaling`): the HPA's
// decisions on their own — the formula, tolerance, stabilisation, rate
// limits, bounds — and in a run: a step in load is answered within two
// syncs plus the startup, steady load never flaps, min and max hold,
// replica-seconds are the integral of the count, and callers send only to
// replicas in the rotation.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dsim/analysis/recorder.h"
#include "dsim/models/autoscaling.h"
#include "dsim/models/events.h"
#include "helpers.h"

namespace dsim {
namespace {

AutoscalingConfig config(std::int64_t min, std::int64_t max, std::int64_t initial) {
  AutoscalingConfig c;
  c.min = min;
  c.max = max;
  c.initial = initial;
  return c;
}

TEST(Hpa, DesiredIsReadyTimesMeasuredOverTargetRoundedUp) {
  AutoscalingConfig c = config(1, 100, 4);
  c.scale_up_limit = {0, 0, 15 * kSecond};  // no limits here
  c.scale_down_stabilization = 0;
  HorizontalAutoscaler hpa(c);
  // 4 ready at 91 % with a 70 % target: ceil(4 × 1.3) = 6.
  EXPECT_EQ(hpa.sync(15 * kSecond, 4, 4, 0.91).replicas, 6);
  // Starting replicas are not measured: 6 current, 4 ready at 70 %: stays.
  EXPECT_EQ(hpa.sync(30 * kSecond, 6, 4, 0.70).replicas, 6);
  // Within the 10 % tolerance nothing changes (0.76 / 0.7 = 1.086).
  EXPECT_EQ(hpa.sync(45 * kSecond, 6, 6, 0.76).recommended, 6);
  // Just outside it: ceil(6 × 0.78 / 0.7) = 7.
  EXPECT_EQ(hpa.sync(60 * kSecond, 6, 6, 0.78).replicas, 7);
  // Down: ceil(7 × 0.2 / 0.7) = 2.
  EXPECT_EQ(hpa.sync(75 * kSecond, 7, 7, 0.2).replicas, 2);
  // Nothing measured (no ready replica): no change.
  EXPECT_EQ(hpa.sync(90 * kSecond, 2, 0, 0.0).replicas, 2);
}

TEST(Hpa, UnreadyReplicasCountAsIdleWhenScalingUp) {
  AutoscalingConfig c = config(1, 100, 8);
  c.scale_up_limit = {0, 0, 15 * kSecond};
  c.scale_down_stabilization = 0;
  HorizontalAutoscaler hpa(c);
  // 4 ready at 1.5 × target, 4 starting: over all 8 the ratio is 0.75,
  // below 1: the count stays (without the rule: ceil(4 × 1.5) = 6, a
  // scale-down while the ready ones are overloaded).
  EXPECT_EQ(hpa.sync(15 * kSecond, 8, 4, 1.05, 4).replicas, 8);
  // 4 ready at 3 × target, 2 starting: 3 × 4 / 6 = 2 over all 6: 12.
  EXPECT_EQ(hpa.sync(30 * kSecond, 6, 4, 2.1, 2).replicas, 12);
  // Over all of them within tolerance: stays.
  EXPECT_EQ(hpa.sync(45 * kSecond, 12, 10, 0.8, 1).replicas, 12);  // 1.143 × 10 / 11 = 1.039
  // Below target, unready ones are simply left out: ceil(10 × 0.5) = 5.
  EXPECT_EQ(hpa.sync(60 * kSecond, 12, 10, 0.35, 2).replicas, 5);
}

TEST(Hpa, MinAndMaxBoundEveryDecision) {
  AutoscalingConfig c = config(2, 5, 3);
  c.scale_down_stabilization = 0;
  HorizontalAutoscaler hpa(c);
  EXPECT_EQ(hpa.sync(15 * kSecond, 3, 3, 1.0).replicas, 5);   // ceil(4.29) = 5 = max
  EXPECT_EQ(hpa.sync(30 * kSecond, 5, 5, 1.0).replicas, 5);   // 7.1 → max
  EXPECT_EQ(hpa.sync(45 * kSecond, 5, 5, 0.01).replicas, 2);  // 1 → min
}

TEST(Hpa, ScaleDownTakesTheHighestRecommendationOfItsWindow) {
  AutoscalingConfig c = config(1, 20, 10);
  HorizontalAutoscaler hpa(c);  // down: 5 minutes
  Time t = 0;
  // A dip at once: the only recommendation so far is its own.
  EXPECT_EQ(hpa.sync(t += 15 * kSecond, 10, 10, 0.7).replicas, 10);
  // Load halves: the recommendation is 5, but 10 was recommended within
  // the last 5 minutes: stay.
  for (int i = 0; i < 19; ++i) EXPECT_EQ(hpa.sync(t += 15 * kSecond, 10, 10, 0.35).replicas, 10) << i;
  // 5 minutes after the last recommendation of 10 it goes.
  EXPECT_EQ(hpa.sync(t += 15 * kSecond, 10, 10, 0.35).replicas, 5);
}

TEST(Hpa, ScaleUpIsLimitedToDoubleOrFourMorePerPeriod) {
  AutoscalingConfig c = config(1, 100, 1);
  HorizontalAutoscaler hpa(c);
  // From 1 the larger limit is +4: 5.
  EXPECT_EQ(hpa.sync(15 * kSecond, 1, 1, 1.0 * 20).replicas, 5);
  // From 5 it is +100 %: 10 (the change 15 s ago is outside the period).
  EXPECT_EQ(hpa.sync(30 * kSecond, 5, 5, 1.0 * 20).replicas, 10);
  EXPECT_EQ(hpa.sync(45 * kSecond, 10, 10, 1.0 * 20).replicas, 20);
  // Two syncs within one period share it: the period started at 20.
  AutoscalingConfig slow = config(1, 100, 8);
  slow.sync_period = 5 * kSecond;
  HorizontalAutoscaler h2(slow);
  EXPECT_EQ(h2.sync(5 * kSecond, 8, 8, 1.0).replicas, 12);   // ceil(8 × 1.43) = 12, within +8
  EXPECT_EQ(h2.sync(10 * kSecond, 12, 12, 1.0).replicas, 16);  // limit 2 × 8 = 16 this period
  EXPECT_EQ(h2.sync(15 * kSecond, 16, 16, 1.0).replicas, 16);  // still the same period
  EXPECT_EQ(h2.sync(25 * kSecond, 16, 16, 1.0).replicas, 23);  // a new one
}

TEST(Hpa, ScaleDownLimitsCountTheRemovalsOfThePeriod) {
  AutoscalingConfig c = config(1, 100, 40);
  c.scale_down_stabilization = 0;
  c.scale_down_limit = {0.5, 0, 60 * kSecond};  // at most half per minute
  HorizontalAutoscaler hpa(c);
  EXPECT_EQ(hpa.sync(15 * kSecond, 40, 40, 0.01).replicas, 20);
  EXPECT_EQ(hpa.sync(30 * kSecond, 20, 20, 0.01).replicas, 20);  // the minute's half is used
  EXPECT_EQ(hpa.sync(75 * kSecond, 20, 20, 0.01).replicas, 10);
}

// What an autoscaled run did, as its events said.
class ScalingLog final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext&) override {
    bus.subscribe<&ScalingLog::on_scaled>(*this);
    bus.subscribe<&ScalingLog::on_stage>(*this);
    bus.subscribe<&ScalingLog::on_proxied>(*this);
  }
  void finish(const RunContext&, RunRecord&) override {}
  void on_scaled(const ReplicasScaled& e) { scaled.push_back(e); }
  void on_stage(const ReplicaStageChanged& e) { stages.push_back(e); }
  void on_proxied(const RequestProxied& e) { proxied.push_back(e); }
  std::vector<ReplicasScaled> scaled;
  std::vector<ReplicaStageChanged> stages;
  std::vector<RequestProxied> proxied;
};

// When each replica that changed stage served, from its stage events: from
// "ready" (or time 0, for one whose first event is not "created") until it
// began draining or was removed. Replicas that served throughout are not in it.
std::map<ActorId, std::vector<std::pair<Time, Time>>> serving_spans(const std::vector<ReplicaStageChanged>& stages) {
  std::map<ActorId, std::vector<std::pair<Time, Time>>> serving;
  std::map<ActorId, Time> since;
  std::set<ActorId> seen;
  for (const auto& e : stages) {
    if (seen.insert(e.node).second && e.stage != "created") since[e.node] = 0;
    if (e.stage == "ready") since[e.node] = e.at;
    if ((e.stage == "draining" || e.stage == "removed") && since.count(e.node)) {
      serving[e.node].emplace_back(since[e.node], e.at);
      since.erase(e.node);
    }
  }
  for (const auto& [node, at] : since) serving[node].emplace_back(at, kTimeMax);
  return serving;
}

// The e-commerce design with an autoscaled app: each replica serves about
// 100 requests/s flat out (2 workers, 20 ms).
std::string autoscaled(const std::string& rate, const std::string& autoscaling, const std::string& duration = "30m",
                       const std::string& lb_extra = "") {
  return "duration: " + duration +
         "\n"
         "metrics: {window: 10s}\n"
         "components:\n"
         "  clients: {kind: client, rate: " +
         rate +
         ", target: lb, timeout: 2s}\n"
         "  lb: {kind: load_balancer, backends: app" +
         lb_extra +
         "}\n"
         "  app:\n"
         "    kind: service\n"
         "    workers: 2\n"
         "    service_time: {dist: exponential, mean: 20ms}\n"
         "    autoscaling: " +
         autoscaling + "\n";
}

TEST(Autoscaling, AStepInLoadIsAnsweredWithinTwoSyncsAndTheStartup) {
  for (int seed : {1, 2, 3}) {
    ScalingLog log;
    const RunRecord rec = testing::run_yaml_observed(
        "seed: " + std::to_string(seed) + "\n" +
            autoscaled("{points: [[0s, 60/s], [299999ms, 60/s], [300s, 250/s]]}",
                       "{min: 1, max: 10, sync_period: 15s, startup: 30s}", "8m"),
        {&log});
    ASSERT_FALSE(log.scaled.empty());
    Time first_up = kTimeMax, first_ready = kTimeMax;
    for (const auto& e : log.scaled)
      if (e.at >= 300 * kSecond && e.to > e.from) first_up = std::min(first_up, e.at);
    for (const auto& e : log.stages)
      if (e.at >= 300 * kSecond && e.stage == "ready") first_ready = std::min(first_ready, e.at);
    EXPECT_LE(first_up, 300 * kSecond + 2 * 15 * kSecond) << "seed " << seed;
    EXPECT_LE(first_ready, 300 * kSecond + 2 * 15 * kSecond + 30 * kSecond) << "seed " << seed;
    // Before the step one replica does (60/s at 20 ms on 2 workers: 60 %).
    for (const auto& e : log.scaled) {
      if (e.at >= 300 * kSecond) break;
      EXPECT_LE(e.to, 2) << "seed " << seed << " at " << e.at;
    }
    EXPECT_GE(testing::figure(rec, "app", "autoscaling/max_seen"), 4);
  }
}

TEST(Autoscaling, SteadyLoadDoesNotFlap) {
  // Poisson load at a steady 150/s for 30 minutes, on several seeds: no
  // scale-down is followed by a scale-up within the 5-minute window, and
  // after settling the count stays put. (Without stabilisation the same
  // load flaps on each of these seeds: 3 -> 2 -> 3 within 15 s to 4 min.)
  for (int seed : {1, 2, 3}) {
    ScalingLog log;
    testing::run_yaml_observed("seed: " + std::to_string(seed) + "\n" +
                                   autoscaled("150/s", "{min: 1, max: 10, scale_down_stabilization: 5m}", "30m"),
                               {&log});
    for (std::size_t i = 0; i < log.scaled.size(); ++i) {
      if (log.scaled[i].to >= log.scaled[i].from) continue;
      for (std::size_t j = i + 1; j < log.scaled.size(); ++j) {
        if (log.scaled[j].at > log.scaled[i].at + 5 * kMinute) break;
        EXPECT_LT(log.scaled[j].to, log.scaled[j].from)
            << "seed " << seed << ": scale-down at " << log.scaled[i].at << ", scale-up at " << log.scaled[j].at;
      }
    }
    int late = 0;
    for (const auto& e : log.scaled)
      if (e.at > 10 * kMinute) ++late;
    EXPECT_LE(late, 1) << "seed " << seed;
  }
}

TEST(Autoscaling, MinAndMaxAreNeverCrossed) {
  // Load from nearly nothing to far beyond max's capacity and back, with
  // bursts: the count of replicas starting or ready stays in [2, 6], and
  // those that exist (draining too) never exceed 6.
  ScalingLog log;
  const RunRecord rec = testing::run_yaml_observed(
      autoscaled("{points: [[0s, 5/s], [3m, 2000/s], [4m, 1/s], [8m, 1/s], [9m, 900/s]]}, "
                 "bursts: [{at: 10m, for: 1m, factor: 3}]",
                 "{min: 2, max: 6, scale_down_stabilization: 1m, startup: 10s}", "15m"),
      {&log});
  ASSERT_FALSE(log.scaled.empty());
  for (const auto& e : log.scaled) {
    EXPECT_GE(e.to, 2);
    EXPECT_LE(e.to, 6);
  }
  // The count of replicas starting or ready, kept from the stage events
  // alone, and of those that exist: within bounds at every moment.
  std::map<ActorId, std::string> stage;
  std::int64_t counted = 2, existing = 2;  // min, ready from time 0
  std::set<ActorId> seen;
  for (const auto& e : log.stages) {
    // A replica's first event tells what it was before: "created" came
    // from nothing; anything else from ready at time 0.
    const std::string before = seen.insert(e.node).second ? (e.stage == "created" ? "removed" : "ready") : stage[e.node];
    const auto serves = [](std::string_view st) { return st == "created" || st == "ready"; };
    counted += (serves(e.stage) ? 1 : 0) - (serves(before) ? 1 : 0);
    existing += (e.stage != "removed" ? 1 : 0) - (before != "removed" ? 1 : 0);
    stage[e.node] = std::string(e.stage);
    EXPECT_EQ(existing, e.replicas) << "at " << e.at;
    EXPECT_LE(existing, 6) << "at " << e.at;
    // Within a sync's changes the count passes through intermediate values;
    // after the last event of an instant it is within [min, max].
    EXPECT_LE(counted, 6) << "at " << e.at;
  }
  for (const auto& e : log.scaled) EXPECT_GE(e.to, 2);
  EXPECT_GE(counted, 2);
  EXPECT_EQ(testing::figure(rec, "app", "autoscaling/max_seen"), 6);
  EXPECT_GE(testing::figure(rec, "app", "autoscaling/min_seen"), 2);
  EXPECT_GT(testing::figure(rec, "app", "autoscaling/scale_downs"), 0);
}

TEST(Autoscaling, ReplicaSecondsAreTheIntegralOfTheCount) {
  ScalingLog log;
  const std::string yaml =
      autoscaled("{diurnal: {mean: 150/s, amplitude: 90%, period: 20m, peak_at: 10m}}",
                 "{min: 1, max: 8, scale_down_stabilization: 1m, startup: 20s}", "20m");
  const RunRecord rec = testing::run_yaml_observed(yaml, {&log});
  // From the events: the count of replicas that exist, over [0, duration).
  Time last = 0;
  double count = 1;  // at first: min (no replicas given)
  double integral = 0;
  for (const auto& e : log.stages) {
    integral += count * to_seconds(e.at - last);
    last = e.at;
    count = static_cast<double>(e.replicas);
  }
  integral += count * to_seconds(20 * kMinute - last);
  const double rs = testing::figure(rec, "app", "replica_seconds");
  EXPECT_NEAR(rs, integral, 1e-6);
  EXPECT_EQ(rs, testing::figure(rec, "app", "autoscaling/replica_seconds"));
  EXPECT_GT(testing::figure(rec, "app", "autoscaling/scale_ups"), 0);
  // The time series' mean counts, window by window, add up to it too.
  const ComponentRecord* app = testing::component(rec, "app");
  ASSERT_NE(app, nullptr);
  ASSERT_EQ(app->series.size(), 1u);
  EXPECT_EQ(app->series[0].first, "replicas");
  double sum = 0;
  for (const double m : app->series[0].second) sum += m * 10;  // 10 s windows
  EXPECT_NEAR(sum, rs, 1e-6);
  // A fixed service bills its replicas for the whole run.
  const RunRecord fixed = testing::run_yaml(
      "duration: 90s\ncomponents:\n  c: {kind: client, rate: 10/s, target: s}\n"
      "  s: {kind: service, replicas: 3, workers: 1, service_time: 1ms}\n");
  EXPECT_EQ(testing::figure(fixed, "s", "replica_seconds"), 270);
}

TEST(Autoscaling, ClientsAndServicesCallOnlyReplicasInTheRotation) {
  // No balancer: a client targets the autoscaled service directly, and
  // another service calls it. Requests reach a replica only while it
  // serves (or just after it began draining, sent before: within the
  // network's latency).
  class Handled final : public Recorder {
   public:
    void attach(Bus& bus, const RunContext&) override {
      bus.subscribe<&Handled::on_handled>(*this);
      bus.subscribe<&Handled::on_stage>(*this);
    }
    void finish(const RunContext&, RunRecord&) override {}
    void on_handled(const RequestHandled& e) { handled.push_back(e); }
    void on_stage(const ReplicaStageChanged& e) { stages.push_back(e); }
    std::vector<RequestHandled> handled;
    std::vector<ReplicaStageChanged> stages;
  };
  Handled log;
  const RunRecord rec = testing::run_yaml_observed(
      "duration: 6m\n"
      "network: {latency: 1ms}\n"
      "components:\n"
      "  direct: {kind: client, rate: {points: [[0s, 10/s], [1m, 150/s], [3m, 150/s], [4m, 10/s]]}, target: app, "
      "timeout: 2s}\n"
      "  front_users: {kind: client, rate: 20/s, target: front, timeout: 2s}\n"
      "  front: {kind: service, workers: 64, service_time: 1ms, calls: [app]}\n"
      "  app:\n"
      "    kind: service\n"
      "    workers: 2\n"
      "    service_time: {dist: exponential, mean: 20ms}\n"
      "    autoscaling: {min: 1, max: 6, scale_down_stabilization: 20s, startup: 10s}\n",
      {&log});
  const auto serving = serving_spans(log.stages);
  std::size_t checked = 0;
  for (const auto& h : log.handled) {
    const auto it = serving.find(h.server);
    if (it == serving.end()) continue;  // front, or a replica that served throughout
    bool in = false;
    for (const auto& [a, b] : it->second) in = in || (h.arrived >= a && h.arrived < b + 5 * kMillisecond);
    EXPECT_TRUE(in) << "a request reached a replica out of the rotation at " << h.arrived;
    ++checked;
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_GE(testing::figure(rec, "app", "autoscaling/max_seen"), 3);
  EXPECT_EQ(rec.requests.failed.total(), rec.requests.failed[static_cast<std::size_t>(Status::kTimeout) - 1]);
}

TEST(Autoscaling, AScaleUpWhileEveryReplicaRunsKeepsADrainingOne) {
  // A replayed trace, constant 20 s requests, max 2. Replica 0 takes the
  // request at 1 s, replica 1 the one at 23.5 s; at the 25 s sync the
  // pooled utilisation is (1 + 1.5) / 10 = 25 %, half the target: down to
  // 1, and replica 1 drains with 18.5 s of work left. The request at 26 s
  // keeps replica 0 busy: at 30 s, 80 %: up to 2 again, and with no replica
  // free to create, replica 1 is kept (ready at once), so the request at
  // 31 s may go to it.
  testing::TempFolder dir;
  dir.write("t.csv", "1\n23.5\n26\n31\n");
  const std::string yaml = dir.write(
      "r.yaml",
      "duration: 60s\ncomponents:\n"
      "  clients: {kind: client, replay: t.csv, target: lb, timeout: 60s}\n"
      "  lb: {kind: load_balancer, backends: app}\n"
      "  app:\n"
      "    kind: service\n"
      "    replicas: 2\n"
      "    workers: 1\n"
      "    service_time: 20s\n"
      "    autoscaling: {min: 1, max: 2, target_utilization: 50%, tolerance: 0%, sync_period: 5s, "
      "scale_down_stabilization: 0s, startup: 1s}\n");
  ScalingLog log;
  const RunRecord rec = testing::run_file_observed(yaml, {&log});
  ASSERT_EQ(log.scaled.size(), 2u);
  EXPECT_EQ(log.scaled[0].at, 25 * kSecond);
  EXPECT_EQ(log.scaled[0].to, 1);
  EXPECT_EQ(log.scaled[1].at, 30 * kSecond);
  EXPECT_EQ(log.scaled[1].to, 2);
  std::vector<std::pair<Time, std::string>> stages;
  for (const auto& e : log.stages) stages.emplace_back(e.at, std::string(e.stage));
  const std::vector<std::pair<Time, std::string>> want = {{25 * kSecond, "draining"}, {30 * kSecond, "ready"}};
  EXPECT_EQ(stages, want);  // never removed, never created
  EXPECT_EQ(rec.requests.succeeded, 4u);
  EXPECT_EQ(testing::figure(rec, "app", "replica_seconds"), 120);
  // The request at 31 s went to replica 1, and waited for its 23.5 s one.
  EXPECT_EQ(rec.requests.latency.max(), 32'500 * kMillisecond);
}

TEST(Autoscaling, BalancersSendOnlyToReplicasInTheRotation) {
  // With health checks too: a new backend joins the rotation when ready,
  // a draining one leaves it at once.
  for (const std::string lb : {"", ", health_check: {interval: 2s, timeout: 500ms}", ", policy: least_connections"}) {
    ScalingLog log;
    const RunRecord rec = testing::run_yaml_observed(
        autoscaled("{points: [[0s, 20/s], [2m, 300/s], [4m, 300/s], [5m, 20/s]]}",
                   "{min: 1, max: 8, scale_down_stabilization: 30s, startup: 15s}", "9m", lb),
        {&log});
    const auto serving = serving_spans(log.stages);
    std::size_t checked = 0;
    for (const auto& p : log.proxied) {
      auto it = serving.find(p.backend);
      if (it == serving.end()) continue;  // a replica that served throughout
      bool in = false;
      for (const auto& [a, b] : it->second) in = in || (p.arrived >= a && p.arrived < b);
      EXPECT_TRUE(in) << "request sent at " << p.arrived << " to a replica out of the rotation" << lb;
      ++checked;
    }
    EXPECT_GT(checked, 1000u) << lb;
    EXPECT_GE(testing::figure(rec, "app", "autoscaling/max_seen"), 4) << lb;
    // The steep ramp times some requests out before new replicas serve;
    // none is refused or unavailable (sent where no replica runs), and
    // none is lost by a drain after the ramp.
    EXPECT_EQ(rec.requests.failed.total(), rec.requests.failed[static_cast<std::size_t>(Status::kTimeout) - 1]) << lb;
    EXPECT_LT(rec.requests.failed.total(), rec.requests.sent / 10) << lb;
  }
}

}  // namespace
}  // namespace dsim
