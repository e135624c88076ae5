// Cost from the pricing catalog (analysis/cost.h), objectives
// (analysis/objectives.h) and the statistics of dsim check (analysis/check.h):
// bills worked out by hand, metering checked against the messages a design
// must send, Student-t quantiles against published tables and Boost.Math.
#include <gtest/gtest.h>

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>

#include "dsim/analysis/check.h"
#include "dsim/analysis/cost.h"
#include "dsim/analysis/summary.h"
#include "helpers.h"

namespace dsim {
namespace {

using testing::component;
using testing::run_yaml;

const ComponentCostRecord& cost_of(const RunRecord& rec, const std::string& name) {
  for (const auto& c : rec.cost->components)
    if (c.name == name) return c;
  ADD_FAILURE() << "no cost for " << name;
  static const ComponentCostRecord none;
  return none;
}

const ObjectiveRecord* objective(const RunRecord& rec, const std::string& name) {
  for (const auto& o : rec.objectives)
    if (o.name == name) return &o;
  return nullptr;
}

// --- Cost -------------------------------------------------------------------

TEST(Cost, InstancesAreBilledPerReplicaHourOfTheWindowEvenWhileCrashed) {
  // A 60 s window (70 s minus 10 s of warm-up) is 1/60 hour. app-1 is
  // crashed for 20 s of it: a cloud bills a stopped-by-failure machine all
  // the same.
  const RunRecord rec = run_yaml(R"(
duration: 70s
warmup: 10s
components:
  users: {kind: client, rate: 200/s, target: lb}
  lb: {kind: load_balancer, backends: [app], instance: aws-alb}
  app: {kind: service, replicas: 3, workers: 4, service_time: 2ms, instance: m6i.large}
faults:
  - {crash: app-1, at: 20s, for: 20s}
)");
  ASSERT_TRUE(rec.cost.has_value());
  EXPECT_NEAR(rec.cost->hours, 1.0 / 60, 1e-12);
  EXPECT_NEAR(cost_of(rec, "app").replica_hours, 3.0 / 60, 1e-12);
  EXPECT_NEAR(cost_of(rec, "app").instances, 3.0 / 60 * 0.096, 1e-12);
  EXPECT_NEAR(cost_of(rec, "lb").replica_hours, 1.0 / 60, 1e-12);
  EXPECT_NEAR(rec.cost->per_hour(), 3 * 0.096 + 0.0225, 1e-9);
  const auto j = summary_json(rec);
  EXPECT_NEAR(j["cost"]["per_month"].get<double>(), (3 * 0.096 + 0.0225) * 730, 1e-6);
  EXPECT_NEAR(j["cost"]["components"]["app"]["per_month"].get<double>(), 3 * 0.096 * 730, 1e-6);
  EXPECT_EQ(j["cost"]["components"]["app"]["instance"], "m6i.large");
  EXPECT_NEAR(j["cost"]["components"]["app"]["replica_hours"].get<double>(), 0.05, 1e-9);
  // Per million successful requests of the window: the window's bill over them.
  const double bill = (3 * 0.096 + 0.0225) / 60;
  EXPECT_NEAR(j["cost"]["per_million_requests"].get<double>(),
              bill / (static_cast<double>(rec.requests.succeeded_in_window) / 1e6), 1e-6);
  // The client is not billed, nor listed.
  EXPECT_FALSE(j["cost"]["components"].contains("users"));
}

TEST(Cost, NothingPricedMeansNoCostBlock) {
  const RunRecord rec = run_yaml(R"(
duration: 5s
components:
  users: {kind: client, rate: 100/s, target: app}
  app: {kind: service, workers: 4, service_time: 2ms}
)");
  EXPECT_FALSE(rec.cost.has_value());
  EXPECT_FALSE(summary_json(rec).contains("cost"));
}

TEST(Cost, AnAutoscaledServiceIsBilledForTheReplicasThatExisted) {
  // The bill's replica-hours are the integral of the replica count over the
  // window: the time series' mean count per window, times the window, over
  // the windows after the warm-up (aligned with them here).
  const RunRecord rec = testing::run_source_file(
      "scenarios/autoscaling.yaml", {"components.app.instance=m6i.large", "warmup=5m", "duration=20m"});
  const ComponentRecord* app = component(rec, "app");
  ASSERT_NE(app, nullptr);
  const std::vector<double>* series = nullptr;
  for (const auto& [name, values] : app->series)
    if (name == "replicas") series = &values;
  ASSERT_NE(series, nullptr);
  double seconds = 0;
  for (std::size_t w = 10; w < series->size(); ++w) seconds += (*series)[w] * 30.0;  // 30 s windows from 5 min
  const double hours = cost_of(rec, "app").replica_hours;
  EXPECT_NEAR(hours, seconds / 3600, 1e-6);
  // Fewer than the 8 replicas it could have had, more than the 1 it kept at least.
  EXPECT_GT(hours, 1.0 * 0.25);
  EXPECT_LT(hours, 8.0 * 0.25);
  EXPECT_NEAR(cost_of(rec, "app").instances, hours * 0.096, 1e-12);
}

TEST(Cost, DataMovedBetweenZonesIsMeteredInTheWindow) {
  // 100 requests/s, evenly spaced, through a balancer in zone a to a
  // service in zone b: 1 KB requests and 3 KB responses. In the 8 s window
  // 800 requests cross, and the 800 answers (each 1.5 ms later) cross back,
  // give or take the one at each edge. The users' own traffic (client to
  // balancer) is not billed, wherever they are.
  const std::string design = R"(
duration: 10s
warmup: 2s
network: {latency: 250us}
components:
  users: {kind: client, rate: 100/s, arrival: constant, target: lb, zone: c, request_size: 1KB}
  lb: {kind: load_balancer, backends: [app], zone: a, instance: aws-alb}
  app: {kind: service, workers: 4, service_time: 1ms, zone: ZONE, response_size: 3KB, instance: t3.micro}
)";
  std::string cross = design;
  cross.replace(cross.find("ZONE"), 4, "b");
  const RunRecord rec = run_yaml(cross);
  EXPECT_NEAR(static_cast<double>(rec.inter_zone_bytes), 800.0 * 4000, 2 * 4000.0);
  ASSERT_TRUE(rec.cost.has_value());
  EXPECT_NEAR(rec.cost->inter_zone_gb, static_cast<double>(rec.inter_zone_bytes) / 1e9, 1e-15);
  EXPECT_NEAR(rec.cost->network, rec.cost->inter_zone_gb * 0.02, 1e-15);
  const auto j = summary_json(rec);
  EXPECT_NEAR(j["cost"]["network"]["per_month"].get<double>(), rec.cost->network / rec.cost->hours * 730, 1e-6);

  std::string same = design;
  same.replace(same.find("ZONE"), 4, "a");
  const RunRecord local = run_yaml(same);
  EXPECT_EQ(local.inter_zone_bytes, 0u);
  EXPECT_EQ(local.cost->network, 0.0);
  EXPECT_EQ(local.requests.sent, rec.requests.sent);

  // Metering changes no figure: the same design unpriced gives the same
  // summary but for the bill.
  std::string unpriced = cross;
  for (const char* p : {", instance: aws-alb", ", instance: t3.micro"}) unpriced.erase(unpriced.find(p), std::strlen(p));
  const RunRecord plain = run_yaml(unpriced);
  EXPECT_FALSE(plain.cost.has_value());
  auto a = summary_json(rec);
  a.erase("cost");
  EXPECT_EQ(a.dump(), summary_json(plain).dump());
}

TEST(Cost, AStorePricedPerRequestIsBilledForWhatItReceived) {
  // Reads and writes the store received from the clients, once each: a
  // request a Raft follower passes to its leader is not billed twice, and
  // the replicas' own traffic is not billed at all.
  for (const char* model : {"leaderless, replication_factor: 3", "raft", "leader_follower"}) {
    SCOPED_TRACE(model);
    const RunRecord rec = run_yaml(std::string(R"(
duration: 12s
warmup: 2s
components:
  users: {kind: client, rate: 300/s, target: db, mix: {read: 0.8, write: 0.2}, keys: {count: 1000}}
  db: {kind: replicated_store, model: )") + model + R"(, replicas: 3, priced_as: dynamodb-on-demand, storage_gb: 73}
)");
    const ComponentCostRecord& c = cost_of(rec, "db");
    const double reads = static_cast<double>(rec.requests.operations[0].sent);
    const double writes = static_cast<double>(rec.requests.operations[1].sent);
    // Sent in the window and received in it differ by the requests on the
    // wire at its two edges.
    EXPECT_NEAR(static_cast<double>(c.reads), reads, 4.0);
    EXPECT_NEAR(static_cast<double>(c.writes), writes, 4.0);
    EXPECT_NEAR(c.requests, (static_cast<double>(c.reads) * 0.125 + static_cast<double>(c.writes) * 0.625) / 1e6,
                1e-15);
    // 73 GB of DynamoDB storage (the storage entry named like priced_as) at
    // $0.25 a GB-month, for 10 s.
    EXPECT_EQ(c.storage, "dynamodb-on-demand");
    EXPECT_NEAR(c.storage_cost, 73 * 0.25 * (10.0 / 3600) / 730, 1e-15);
    const auto j = summary_json(rec);
    EXPECT_NEAR(j["cost"]["storage"]["per_month"].get<double>(), 73 * 0.25, 1e-6);
    EXPECT_EQ(j["cost"]["requests"]["reads"].get<std::uint64_t>(), c.reads);
  }
}

TEST(Cost, AServicePricedPerRequestIsBilledForTheRequestsItAccepted) {
  // A managed API in front of the store: its requests, writes apart.
  const RunRecord rec = run_yaml(R"(
duration: 12s
warmup: 2s
components:
  users: {kind: client, rate: 300/s, target: api, mix: {read: 0.7, write: 0.3}, keys: {count: 1000}}
  api: {kind: service, workers: 8, service_time: 1ms, calls: [db], priced_as: dynamodb-on-demand, storage_gb: 10,
        storage: s3-standard}
  db: {kind: replicated_store, model: raft, replicas: 3}
)");
  const ComponentCostRecord& c = cost_of(rec, "api");
  const ComponentRecord* api = component(rec, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(c.reads + c.writes, api->total.arrivals);
  EXPECT_NEAR(static_cast<double>(c.writes), static_cast<double>(rec.requests.operations[1].sent), 4.0);
  EXPECT_NEAR(static_cast<double>(c.reads), static_cast<double>(rec.requests.operations[0].sent), 4.0);
  EXPECT_NEAR(c.storage_cost, 10 * 0.023 * (10.0 / 3600) / 730, 1e-15);
}

TEST(Cost, TheScenariosPricesOverrideTheShippedOnesAndFilesOverrideBoth) {
  const std::string yaml = R"(
duration: 3601s
warmup: 1s
pricing:
  instances: {m6i.large: {per_hour: 1.5}, box: {per_hour: 0.5}}
  network: {inter_zone_per_gb: 0.01}
components:
  users: {kind: client, rate: 10/s, target: app}
  app: {kind: service, workers: 1, service_time: 1ms, instance: m6i.large}
  other: {kind: service, workers: 1, service_time: 1ms, instance: box}
  users2: {kind: client, rate: 10/s, target: other}
)";
  const RunRecord rec = run_yaml(yaml);
  EXPECT_NEAR(cost_of(rec, "app").instances, 1.5, 1e-9);  // one hour
  EXPECT_NEAR(cost_of(rec, "other").instances, 0.5, 1e-9);
  testing::TempFolder dir;
  const std::string file = dir.write("prices.yaml", "instances: {box: {per_hour: 2, source: ours}}\n");
  LoadOptions options;
  options.pricing_files = {file};
  const RunRecord over = run_yaml(yaml, options);
  EXPECT_NEAR(cost_of(over, "other").instances, 2.0, 1e-9);
  EXPECT_NEAR(cost_of(over, "app").instances, 1.5, 1e-9);
  // --set reaches an entry whose name has dots through brackets.
  LoadOptions set;
  set.overrides = {"pricing.instances[m6i.large].per_hour=0.25"};
  EXPECT_NEAR(cost_of(run_yaml(yaml, set), "app").instances, 0.25, 1e-9);
  // A mistake in the file is located in the file.
  const std::string bad = dir.write("bad.yaml", "instances:\n  box: {per_hour: -1}\n");
  options.pricing_files = {bad};
  const Diagnostic d = testing::load_error(yaml, options);
  EXPECT_EQ(d.source, bad);
  EXPECT_EQ(d.line, 2);
  EXPECT_NE(d.message.find("cannot be negative"), std::string::npos) << d.to_string();
  options.pricing_files = {"/nonexistent/prices.yaml"};
  EXPECT_NE(testing::load_error(yaml, options).message.find("cannot open the pricing file"), std::string::npos);
}

TEST(Cost, TheShippedCatalogHasTheArticlesFiguresAsGiven) {
  const auto loaded = testing::load_or_fail(R"(
duration: 1s
components:
  users: {kind: client, rate: 10/s, target: app}
  app: {kind: service, workers: 1, service_time: 1ms, instance: t3.micro}
)");
  const PriceCatalog& c = loaded->spec().pricing;
  EXPECT_EQ(c.instances.at("article-ec2-1vcpu-1gb").per_hour, 0.0255);
  EXPECT_EQ(c.instances.at("article-ec2-1vcpu-1gb").vcpus, 1.0);
  EXPECT_EQ(c.instances.at("article-ec2-1vcpu-1gb").memory_gb, 1.0);
  EXPECT_EQ(c.instances.at("article-dynamodb-1gb").per_hour, 0.25);
  EXPECT_EQ(c.storage.at("article-s3-standard").per_gb_month, 0.023);
  EXPECT_GT(c.inter_zone_per_gb, 0.0);
  EXPECT_TRUE(c.storage.count(c.default_storage));
  // Every entry says where it comes from and when.
  for (const auto& [name, p] : c.instances) {
    EXPECT_FALSE(p.about.source.empty()) << name;
    EXPECT_FALSE(p.about.as_of.empty()) << name;
  }
  for (const auto& [name, p] : c.storage) EXPECT_FALSE(p.about.source.empty()) << name;
  for (const auto& [name, p] : c.requests) EXPECT_FALSE(p.about.source.empty()) << name;
}

// --- Objectives ---------------------------------------------------------------

TEST(Objectives, EachIsJudgedOnTheSummarysOwnFigure) {
  const RunRecord rec = run_yaml(R"(
duration: 20s
warmup: 2s
slo: {availability: 99%, p50_latency: 100ms, p99_latency: 1ms, error_rate: 1%, min_throughput: 150/s,
      max_cost_per_month: 10}
components:
  users: {kind: client, rate: 200/s, target: app}
  app: {kind: service, replicas: 2, workers: 4, service_time: {dist: exponential, mean: 2ms}, instance: m6i.large}
)");
  const auto j = summary_json(rec);
  const auto& o = j["objectives"];
  ASSERT_EQ(o.size(), 6u);
  EXPECT_EQ(o["availability"]["measured"], j["availability"]);
  EXPECT_EQ(o["availability"]["met"], true);
  EXPECT_EQ(o["p50_latency"]["measured"], j["latency_ms"]["p50"]);
  EXPECT_EQ(o["p50_latency"]["met"], true);
  EXPECT_EQ(o["p50_latency"]["unit"], "ms");
  // p99 of exponential 2 ms service is about 9 ms: 1 ms is missed, by the difference.
  EXPECT_EQ(o["p99_latency"]["measured"], j["latency_ms"]["p99"]);
  EXPECT_EQ(o["p99_latency"]["met"], false);
  EXPECT_NEAR(o["p99_latency"]["margin"].get<double>(), 1.0 - j["latency_ms"]["p99"].get<double>(), 1e-9);
  EXPECT_EQ(o["error_rate"]["measured"].get<double>(), 0.0);
  EXPECT_EQ(o["min_throughput"]["measured"], j["throughput_rps"]);
  EXPECT_EQ(o["min_throughput"]["kind"], "at_least");
  EXPECT_EQ(o["min_throughput"]["met"], true);
  // Two m6i.large: $140.16 a month.
  EXPECT_NEAR(o["max_cost_per_month"]["measured"].get<double>(), 2 * 0.096 * 730, 1e-6);
  EXPECT_EQ(o["max_cost_per_month"]["met"], false);
  EXPECT_FALSE(o["availability"].contains("implied"));
}

TEST(Objectives, ALatencyObjectiveAloneBringsAvailabilityBesideIt) {
  // Half the requests time out (the service is twice too slow for the
  // rate): the successful ones are fast, so p99 alone would pass.
  const RunRecord rec = run_yaml(R"(
duration: 20s
slo: {p99_latency: 1s}
components:
  users: {kind: client, rate: 400/s, target: app, timeout: 200ms}
  app: {kind: service, workers: 1, service_time: 5ms, queue_capacity: 10}
)");
  const ObjectiveRecord* p99 = objective(rec, "p99_latency");
  const ObjectiveRecord* avail = objective(rec, "availability");
  ASSERT_NE(p99, nullptr);
  ASSERT_NE(avail, nullptr);
  EXPECT_TRUE(p99->met);
  EXPECT_TRUE(avail->implied);
  EXPECT_EQ(avail->target, 0.99);
  EXPECT_FALSE(avail->met);
  EXPECT_LT(*avail->measured, 0.6);
  EXPECT_EQ(summary_json(rec)["objectives"]["availability"]["implied"], true);
  // With an error-rate objective of its own, nothing is implied.
  const RunRecord own = run_yaml(R"(
duration: 5s
slo: {p99_latency: 1s, error_rate: 50%}
components:
  users: {kind: client, rate: 400/s, target: app, timeout: 200ms}
  app: {kind: service, workers: 1, service_time: 5ms, queue_capacity: 10}
)");
  EXPECT_EQ(objective(own, "availability"), nullptr);
  EXPECT_NE(objective(own, "error_rate"), nullptr);
}

TEST(Objectives, StaleReadsAreJudgedOnTheConsistencyFigure) {
  const RunRecord rec = testing::run_source_file("scenarios/cassandra-rf3.yaml",
                                                 {"slo.max_stale_read_rate=0%", "duration=10s"});
  ASSERT_TRUE(rec.consistency.has_value());
  const ObjectiveRecord* o = objective(rec, "max_stale_read_rate");
  ASSERT_NE(o, nullptr);
  const auto j = summary_json(rec);
  EXPECT_EQ(*o->measured, j["consistency"]["stale_read_rate"].get<double>());
  EXPECT_EQ(o->met, rec.consistency->figures.stale_reads == 0);
}

TEST(Objectives, NothingMeasuredIsMissed) {
  // Every request times out: no latency to judge.
  const RunRecord rec = run_yaml(R"(
duration: 5s
slo: {p99_latency: 1s, availability: 1%}
components:
  users: {kind: client, rate: 10/s, target: app, timeout: 10ms}
  app: {kind: service, workers: 1, service_time: 50ms}
)");
  const ObjectiveRecord* o = objective(rec, "p99_latency");
  ASSERT_NE(o, nullptr);
  EXPECT_FALSE(o->measured.has_value());
  EXPECT_FALSE(o->met);
  EXPECT_TRUE(summary_json(rec)["objectives"]["p99_latency"]["measured"].is_null());
}

// --- Statistics and seeds of dsim check ----------------------------------------

TEST(CheckStatistics, StudentTQuantilesMatchPublishedTables) {
  // Two-sided 95% and 99% critical values (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
  struct Row {
    double p, df, t;
  };
  for (const Row& r : {Row{0.975, 1, 12.706}, Row{0.975, 2, 4.303}, Row{0.975, 4, 2.776}, Row{0.975, 9, 2.262},
                       Row{0.975, 30, 2.042}, Row{0.995, 4, 4.604}, Row{0.995, 10, 3.169}, Row{0.95, 5, 2.015},
                       Row{0.975, 100, 1.984}})
    EXPECT_NEAR(student_t_quantile(r.p, r.df), r.t, 5e-4) << "p " << r.p << " df " << r.df;
}

TEST(CheckStatistics, StudentTQuantilesMatchBoostMath) {
  for (const double df : {1.0, 2.0, 3.0, 5.0, 7.0, 19.0, 49.0, 999.0})
    for (const double p : {0.51, 0.6, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995}) {
      const double expected = boost::math::quantile(boost::math::students_t(df), p);
      EXPECT_NEAR(student_t_quantile(p, df), expected, 1e-9 * std::max(1.0, expected)) << "p " << p << " df " << df;
      EXPECT_NEAR(student_t_quantile(1 - p, df), -expected, 1e-9 * std::max(1.0, expected));
    }
}

TEST(CheckStatistics, SeedOneIsTheScenariosOwnAndTheRestAreDistinct) {
  EXPECT_EQ(run_seed(42, 1), 42u);
  EXPECT_EQ(check_seeds(42, 3)[0], 42u);
  std::set<std::uint64_t> seen;
  for (std::uint64_t base : {0ull, 1ull, 42ull})
    for (std::uint64_t j = 1; j <= 1000; ++j) seen.insert(run_seed(base, j));
  EXPECT_EQ(seen.size(), 3000u);
  // The same for every configuration: a function of (base, j) alone.
  EXPECT_EQ(check_seeds(7, 5), check_seeds(7, 5));
  const std::vector<std::uint64_t> five = check_seeds(7, 5);
  EXPECT_EQ(check_seeds(7, 3), std::vector<std::uint64_t>(five.begin(), five.begin() + 3));
}

nlohmann::ordered_json fake_summary(double p99, double availability, double cost) {
  nlohmann::ordered_json j;
  j["scenario"] = "fake";
  j["requests"] = {{"sent", 100}};
  j["availability"] = availability;
  j["latency_ms"] = {{"mean_stderr", 0.1}, {"p99", p99}};
  j["cost"] = {{"per_month", cost}};
  return j;
}

TEST(CheckStatistics, FiguresAreMeansWithStudentTIntervals) {
  const auto f = aggregate_summaries({fake_summary(10, 1.0, 5), fake_summary(12, 0.99, 5), fake_summary(14, 0.98, 5)},
                                     {1, 2, 3}, 0.95);
  ASSERT_NE(f.find("latency_ms.p99"), nullptr);
  const FigureStat& p99 = *f.find("latency_ms.p99");
  EXPECT_EQ(p99.n, 3u);
  EXPECT_DOUBLE_EQ(p99.mean, 12.0);
  // sd 2, t(0.975, 2) = 4.30265: half-width 4.30265 * 2 / sqrt(3).
  EXPECT_NEAR(*p99.high - p99.mean, 4.302653 * 2 / std::sqrt(3.0), 1e-5);
  EXPECT_EQ(p99.direction, +1);
  EXPECT_EQ(f.find("availability")->direction, -1);
  // No direction, not a figure of the check.
  EXPECT_EQ(f.find("requests.sent"), nullptr);
  EXPECT_EQ(f.find("latency_ms.mean_stderr"), nullptr);
  // One run: its figure, no interval.
  const auto one = aggregate_summaries({fake_summary(10, 1.0, 5)}, {1}, 0.95);
  EXPECT_FALSE(one.find("latency_ms.p99")->high.has_value());
}

TEST(CheckStatistics, RegressionsAreJudgedInEachFiguresWorseDirection) {
  const auto base = aggregate_summaries({fake_summary(10, 0.99, 100)}, {1}, 0.95);
  CheckSpec spec;
  const auto judge = [&](const nlohmann::ordered_json& now, const CheckSpec& s, double tol) {
    return compare_with_baseline(aggregate_summaries({now}, {1}, 0.95), base, s, tol);
  };
  const auto regressed = [](const std::vector<Regression>& v, const std::string& f) {
    for (const auto& r : v)
      if (r.figure == f) return r.regressed;
    ADD_FAILURE() << f << " not compared";
    return false;
  };
  // Better in every direction: nothing regressed.
  auto r = judge(fake_summary(5, 1.0, 50), spec, 0.05);
  EXPECT_FALSE(regressed(r, "latency_ms.p99"));
  EXPECT_FALSE(regressed(r, "availability"));
  EXPECT_FALSE(regressed(r, "cost.per_month"));
  // Within 5%: held; beyond: regressed.
  r = judge(fake_summary(10.4, 0.99, 104.9), spec, 0.05);
  EXPECT_FALSE(regressed(r, "latency_ms.p99"));
  EXPECT_FALSE(regressed(r, "cost.per_month"));
  r = judge(fake_summary(10.6, 0.9, 106), spec, 0.05);
  EXPECT_TRUE(regressed(r, "latency_ms.p99"));
  EXPECT_TRUE(regressed(r, "availability"));  // 96% -> 80% is the CI engineer's case
  EXPECT_TRUE(regressed(r, "cost.per_month"));
  // Per-figure tolerances: the first matching pattern; absolute allowances; ignore.
  spec.figures = {{"latency_ms.*", 0.10, 0, false}, {"availability", 0, 0.001, false}, {"cost.*", 0, 0, true}};
  r = judge(fake_summary(10.9, 0.9895, 1000), spec, 0.05);
  EXPECT_FALSE(regressed(r, "latency_ms.p99"));
  EXPECT_FALSE(regressed(r, "availability"));
  EXPECT_FALSE(regressed(r, "cost.per_month"));
  r = judge(fake_summary(11.1, 0.988, 1000), spec, 0.05);
  EXPECT_TRUE(regressed(r, "latency_ms.p99"));
  EXPECT_TRUE(regressed(r, "availability"));
  // A figure gone from the run (no latency: nothing succeeded) regressed.
  nlohmann::ordered_json none = fake_summary(10, 0, 100);
  none["latency_ms"]["p99"] = nullptr;
  EXPECT_TRUE(regressed(judge(none, CheckSpec{}, 0.05), "latency_ms.p99"));
}

TEST(CheckStatistics, ADifferenceWithinTheRunsOwnSpreadIsNoise) {
  // Three runs each side: p99 of 10, 12, 14 against 13, 14, 15 is +17% on the
  // means, but the runs scatter more than that (half-widths 4.97 and 2.48):
  // not a regression. 28, 30, 32 is.
  const auto base = aggregate_summaries({fake_summary(10, 1, 5), fake_summary(12, 1, 5), fake_summary(14, 1, 5)},
                                        {1, 2, 3}, 0.95);
  const auto p99 = [&](double a, double b, double c) {
    const auto now =
        aggregate_summaries({fake_summary(a, 1, 5), fake_summary(b, 1, 5), fake_summary(c, 1, 5)}, {1, 2, 3}, 0.95);
    for (const auto& r : compare_with_baseline(now, base, CheckSpec{}, 0.05))
      if (r.figure == "latency_ms.p99") return r;
    ADD_FAILURE();
    return Regression{};
  };
  const Regression noise = p99(13, 14, 15);
  EXPECT_FALSE(noise.regressed);
  EXPECT_NEAR(noise.noise, std::hypot(4.302653 * 2 / std::sqrt(3.0), 4.302653 * 1 / std::sqrt(3.0)), 1e-4);
  EXPECT_EQ(noise.allowed, noise.noise);
  EXPECT_TRUE(p99(28, 30, 32).regressed);
}

TEST(CheckStatistics, AFigureGoneFromTheDesignIsNotARegressionButAnUnmeasuredOneIs) {
  nlohmann::ordered_json with = fake_summary(10, 0.99, 5);
  with["components"] = {{"app", {{"availability", {{"simulated", 0.98}}}}}};
  const auto base = aggregate_summaries({with}, {1}, 0.95);
  // The fault removed: the component's availability is no longer reported.
  nlohmann::ordered_json without = fake_summary(10, 0.99, 5);
  bool gone = false;
  for (const auto& r : compare_with_baseline(aggregate_summaries({without}, {1}, 0.95), base, CheckSpec{}, 0.05))
    if (r.figure == "components.app.availability.simulated") {
      gone = r.gone;
      EXPECT_FALSE(r.regressed);
    }
  EXPECT_TRUE(gone);
  // Nothing succeeded: the latency is there, null.
  nlohmann::ordered_json none = with;
  none["latency_ms"]["p99"] = nullptr;
  for (const auto& r : compare_with_baseline(aggregate_summaries({none}, {1}, 0.95), base, CheckSpec{}, 0.05))
    if (r.figure == "latency_ms.p99") {
      EXPECT_TRUE(r.regressed);
    }
}

TEST(CheckStatistics, AnAvailabilitysToleranceAppliesToWhatItLoses) {
  // 5% of the 0.1% a 99.9% baseline loses, not 5% of 99.9%.
  const auto base = aggregate_summaries({fake_summary(10, 0.999, 100)}, {1}, 0.95);
  const auto availability_regressed = [&](double now) {
    for (const auto& r : compare_with_baseline(aggregate_summaries({fake_summary(10, now, 100)}, {1}, 0.95), base,
                                               CheckSpec{}, 0.05))
      if (r.figure == "availability") return r.regressed;
    return false;
  };
  EXPECT_FALSE(availability_regressed(0.999));
  EXPECT_FALSE(availability_regressed(0.99896));
  EXPECT_TRUE(availability_regressed(0.99890));
  EXPECT_TRUE(availability_regressed(0.95));  // within 5% of 0.999, a fiftyfold loss
}

TEST(CheckStatistics, IntervalsStayWithinWhatAFigureCanBe) {
  const auto f = aggregate_summaries({fake_summary(1, 0.2, 5), fake_summary(1, 1.0, 5), fake_summary(1, 1.0, 5)},
                                     {1, 2, 3}, 0.95);
  const FigureStat* a = f.find("availability");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(*a->high, 1.0);
  EXPECT_EQ(*a->low, 0.0);
}

TEST(CheckStatistics, PatternsMatchWithStars) {
  EXPECT_TRUE(figure_matches("latency_ms.*", "latency_ms.read.p99"));
  EXPECT_TRUE(figure_matches("*.per_month", "cost.components.db.per_month"));
  EXPECT_TRUE(figure_matches("cost.components.*.per_month", "cost.components.db.per_month"));
  EXPECT_TRUE(figure_matches("availability", "availability"));
  EXPECT_FALSE(figure_matches("availability", "availability_nines"));
  EXPECT_FALSE(figure_matches("latency_ms.*", "cost.per_month"));
  EXPECT_TRUE(figure_matches("*", "anything"));
  EXPECT_TRUE(figure_matches("a*b*c", "aXbYbc"));
}

TEST(CheckStatistics, TheBaselineReadsBackAsItWasWritten) {
  const auto f = aggregate_summaries({fake_summary(10, 1.0, 5), fake_summary(12, 0.99, 6)}, {3, 4}, 0.9);
  const auto j = baseline_json(f);
  EXPECT_EQ(j["schema"], "dsim.baseline/1");
  const BaselineRead back = read_baseline(nlohmann::ordered_json::parse(j.dump()), "fake");
  ASSERT_TRUE(back.figures.has_value()) << back.error;
  EXPECT_EQ(back.figures->seeds, (std::vector<std::uint64_t>{3, 4}));
  ASSERT_EQ(back.figures->figures.size(), f.figures.size());
  for (std::size_t i = 0; i < f.figures.size(); ++i) {
    EXPECT_EQ(back.figures->figures[i].figure, f.figures[i].figure);
    EXPECT_EQ(back.figures->figures[i].mean, f.figures[i].mean);
    EXPECT_EQ(back.figures->figures[i].high, f.figures[i].high);
  }
  EXPECT_NE(read_baseline(j, "other").error.find("baseline of scenario 'fake'"), std::string::npos);
  auto other_schema = j;
  other_schema["schema"] = "dsim.baseline/2";
  EXPECT_NE(read_baseline(other_schema, "fake").error.find("dsim.baseline/2"), std::string::npos);
  auto old_summary = j;
  old_summary["summary_schema"] = "dsim.summary/2";
  EXPECT_NE(read_baseline(old_summary, "fake").error.find("summary schema"), std::string::npos);
  EXPECT_FALSE(read_baseline(nlohmann::ordered_json::array(), "fake").error.empty());
  // Hand-edited baselines are checked field by field.
  const auto broken = [&](const std::function<void(nlohmann::ordered_json&)>& change) {
    nlohmann::ordered_json b = j;
    change(b);
    return read_baseline(b, "fake").error;
  };
  EXPECT_NE(broken([](auto& b) { b["figures"] = nlohmann::ordered_json::object(); }).find("no figures"),
            std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["seeds"] = nlohmann::ordered_json::array(); }).find("1 to 10,000 seeds"),
            std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["k"] = 7; }).find("\"k\""), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["confidence"] = "high"; }).find("confidence"), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["figures"]["latency_ms.p99"]["direction"] = "sideways"; }).find("direction"),
            std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["figures"]["latency_ms.p99"]["n"] = 9; }).find("\"n\""), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["figures"]["latency_ms.p99"]["mean"] = "a"; }).find("numeric"), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["figures"]["requests.sent"] = {{"mean", 1}}; }).find("not one dsim check compares"),
            std::string::npos);
  EXPECT_NE(broken([](auto& b) { b.erase("scenario"); }).find("names no"), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["seeds"] = "x"; }).find("seeds"), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["schema"] = 5; }).find("not a dsim baseline"), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["figures"]["availability"]["mean"] = 1.5; }).find("cannot take"), std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["figures"]["latency_ms.p99"]["mean"] = -5; }).find("cannot take"),
            std::string::npos);
  EXPECT_NE(broken([](auto& b) { b["figures"]["latency_ms.p99"]["low"] = 100; }).find("cannot take"),
            std::string::npos);
}

}  // namespace
}  // namespace dsim
