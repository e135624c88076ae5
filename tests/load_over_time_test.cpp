// Load over time on a client (models/client.h): a rate following points, a
// daily curve or bursts gives arrivals whose count in every window matches
// the schedule within sampling error; evenly spaced ones match it to the
// arrival; a replayed trace is sent exactly as recorded; closed-loop users
// take part only while the schedule counts them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dsim/analysis/recorder.h"
#include "dsim/models/events.h"
#include "dsim/models/rate_schedule.h"
#include "helpers.h"

namespace dsim {
namespace {

// Every operation a run's clients invoke.
class ArrivalLog final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext&) override { bus.subscribe<&ArrivalLog::on_invoked>(*this); }
  void finish(const RunContext&, RunRecord&) override {}
  void on_invoked(const OperationInvoked& e) { arrivals.push_back(e); }
  std::vector<OperationInvoked> arrivals;
};

std::vector<OperationInvoked> arrivals_of(const std::string& yaml) {
  ArrivalLog log;
  testing::run_yaml_observed(yaml, {&log});
  return log.arrivals;
}

// Arrivals per window of `window` over [0, duration).
std::vector<double> counts(const std::vector<OperationInvoked>& arrivals, Time window, Time duration) {
  std::vector<double> n(static_cast<std::size_t>(duration / window), 0.0);
  for (const auto& a : arrivals) {
    EXPECT_LT(a.at, duration);
    if (a.at < duration) n[static_cast<std::size_t>(a.at / window)] += 1;
  }
  return n;
}

// The count in each window is Poisson with the schedule's integral over it
// as its mean: the windows' chi-square statistic stays below its 99.9 %
// quantile (Wilson–Hilferty), and no window is off by more than 4.5 sigma.
void expect_poisson_counts(const std::vector<double>& observed, const RateSchedule& s, Time window) {
  double chi2 = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    const double a = static_cast<double>(static_cast<Time>(i) * window);
    const double expected = s.expected(a, a + static_cast<double>(window));
    ASSERT_GT(expected, 5) << "window " << i << ": too few arrivals expected for the test";
    chi2 += (observed[i] - expected) * (observed[i] - expected) / expected;
    EXPECT_LE(std::abs(observed[i] - expected), 4.5 * std::sqrt(expected))
        << "window " << i << ": " << observed[i] << " arrivals, " << expected << " expected";
  }
  const double df = static_cast<double>(observed.size());
  const double h = 2 / (9 * df);
  const double q999 = df * std::pow(1 - h + 3.090 * std::sqrt(h), 3);
  EXPECT_LT(chi2, q999) << "chi-square " << chi2 << " over " << df << " windows";
  // And not suspiciously regular either (no evenly spaced arrivals here).
  const double q001 = df * std::pow(1 - h - 3.090 * std::sqrt(h), 3);
  EXPECT_GT(chi2, q001) << "chi-square " << chi2 << " over " << df << " windows";
}

std::string design(const std::string& client_fields, const std::string& duration = "60s") {
  return "duration: " + duration +
         "\n"
         "components:\n"
         "  users: {kind: client, " +
         client_fields +
         ", target: app}\n"
         "  app: {kind: service, workers: 64, service_time: 100us}\n";
}

TEST(LoadOverTime, PointsGiveAPoissonCountPerWindow) {
  const RateSchedule s = RateSchedule::points({{0, 100}, {20 * kSecond, 2000}, {40 * kSecond, 100}});
  for (int seed : {1, 2}) {
    const auto arrivals = arrivals_of("seed: " + std::to_string(seed) + "\n" +
                                      design("rate: {points: [[0s, 100/s], [20s, 2000/s], [40s, 100/s]]}"));
    expect_poisson_counts(counts(arrivals, kSecond, 60 * kSecond), s, kSecond);
  }
}

TEST(LoadOverTime, ADiurnalCurveWithBurstsGivesAPoissonCountPerWindow) {
  RateSchedule s = RateSchedule::diurnal({500, 0.8, 60 * kSecond, 15 * kSecond});
  s.add_burst({70 * kSecond, 5 * kSecond, 4});
  const auto arrivals = arrivals_of(
      design("replicas: 3, rate: {diurnal: {mean: 500/s, amplitude: 80%, period: 60s, peak_at: 15s}}, "
             "bursts: [{at: 70s, for: 5s, factor: 4}]",
             "120s"));
  expect_poisson_counts(counts(arrivals, kSecond, 120 * kSecond), s, kSecond);
}

TEST(LoadOverTime, LowRatesAndDeepTroughsKeepTheirCount) {
  // Few arrivals per piece of the schedule, a curve that touches 0, and
  // candidates that jump past the run's end from a trough: the count over
  // many seeds still matches the schedule's integral (within 4.5 sigma).
  struct Case {
    std::string rate;
    RateSchedule schedule;
  };
  const std::vector<Case> cases = {
      {"{diurnal: {mean: 0.5/s, amplitude: 100%, period: 40s, peak_at: 0s}}",
       RateSchedule::diurnal({0.5, 1.0, 40 * kSecond, 0})},
      {"{diurnal: {mean: 5/s, amplitude: 100%, period: 40s, peak_at: 10s}}",
       RateSchedule::diurnal({5, 1.0, 40 * kSecond, 10 * kSecond})},
      {"{points: [[0s, 20/s], [100s, 0.01/s], [200s, 0.01/s], [300s, 3/s]]}",
       RateSchedule::points({{0, 20}, {100 * kSecond, 0.01}, {200 * kSecond, 0.01}, {300 * kSecond, 3}})},
  };
  for (const Case& c : cases) {
    double total = 0;
    for (int seed = 1; seed <= 20; ++seed)
      total += static_cast<double>(
          arrivals_of("seed: " + std::to_string(seed) + "\n" + design("rate: " + c.rate, "300s")).size());
    const double expected = 20 * c.schedule.expected(0, 300e9);
    EXPECT_NEAR(total, expected, 4.5 * std::sqrt(expected)) << c.rate;
  }
}

TEST(LoadOverTime, BurstsOnAConstantRate) {
  RateSchedule s = RateSchedule::constant(200);
  s.add_burst({10 * kSecond, 5 * kSecond, 5});
  const auto arrivals = arrivals_of(design("rate: 200/s, bursts: [{at: 10s, for: 5s, factor: 5}]", "30s"));
  const auto n = counts(arrivals, kSecond, 30 * kSecond);
  expect_poisson_counts(n, s, kSecond);
  double in_burst = 0;
  for (int i = 10; i < 15; ++i) in_burst += n[static_cast<std::size_t>(i)];
  EXPECT_NEAR(in_burst, 5000, 4.5 * std::sqrt(5000.0));
}

TEST(LoadOverTime, EvenlySpacedArrivalsFollowTheScheduleToTheArrival) {
  // Each replica's arrivals are one expected count apart (all replicas
  // together), so every window holds its expected count within one per
  // replica, and the replicas take turns.
  RateSchedule s = RateSchedule::diurnal({300, 1.0, 40 * kSecond, 10 * kSecond});
  s.add_burst({45 * kSecond, 2 * kSecond, 3});
  const auto arrivals = arrivals_of(
      design("replicas: 3, arrival: constant, rate: {diurnal: {mean: 300/s, amplitude: 100%, period: 40s, "
             "peak_at: 10s}}, bursts: [{at: 45s, for: 2s, factor: 3}]"));
  const auto n = counts(arrivals, 500 * kMillisecond, 60 * kSecond);
  for (std::size_t i = 0; i < n.size(); ++i) {
    const double a = static_cast<double>(static_cast<Time>(i) * 500 * kMillisecond);
    EXPECT_NEAR(n[i], s.expected(a, a + 5e8), 2.0) << "window " << i;
  }
  EXPECT_NEAR(static_cast<double>(arrivals.size()), s.expected(0, 6e10), 3.0);
}

TEST(LoadOverTime, APointsScheduleWithoutVariationIsTheConstantRate) {
  // One point is a constant rate: the same arrivals as `rate`, to the byte.
  const auto a = arrivals_of(design("rate: {points: [[0s, 700/s]]}", "5s"));
  const auto b = arrivals_of(design("rate: 700/s", "5s"));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].at, b[i].at);
}

std::vector<OperationInvoked> arrivals_of_file(const std::string& path) {
  ArrivalLog log;
  testing::run_file_observed(path, {&log});
  return log.arrivals;
}

TEST(LoadOverTime, AReplayedTraceIsSentExactlyAsRecorded) {
  testing::TempFolder dir;
  // Seconds, durations with units, equal times, comments and blank lines;
  // the last arrival is after the run and not sent.
  dir.write("arrivals.csv",
            "# recorded 2026-11-20\n0\n0.000001\n0.25\n\n250ms\n1.5\n2s\n2.123456789\n9.75\n12\n");
  const std::string yaml = dir.write("replay.yaml", design("replicas: 2, replay: arrivals.csv", "10s"));
  const auto arrivals = arrivals_of_file(yaml);
  const std::vector<Time> expected = {0,          1000,        250'000'000, 250'000'000,  1'500'000'000,
                                      2'000'000'000, 2'123'456'789, 9'750'000'000};
  ASSERT_EQ(arrivals.size(), expected.size());
  std::vector<Time> got;
  for (const auto& a : arrivals) got.push_back(a.at);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);
  // Replicas take the trace's arrivals in turn: arrival i (in file order)
  // goes to replica i mod 2 (replica 0 has the lower actor id).
  std::map<ActorId, std::vector<Time>> per_replica;
  for (const auto& a : arrivals) per_replica[a.client].push_back(a.at);
  ASSERT_EQ(per_replica.size(), 2u);
  const std::vector<Time> even = {0, 250'000'000, 1'500'000'000, 2'123'456'789};
  const std::vector<Time> odd = {1000, 250'000'000, 2'000'000'000, 9'750'000'000};
  EXPECT_EQ(per_replica.begin()->second, even);
  EXPECT_EQ(per_replica.rbegin()->second, odd);
}

TEST(LoadOverTime, AReplayedTraceCarriesItsOperationsAndKeys) {
  testing::TempFolder dir;
  dir.write("ops.csv", "op,time,key\nwrite,0.1,7\nread,0.2,7\nWRITE,0.3,42\nr,0.4,42\nget,0.5,9\n");
  const std::string yaml = dir.write(
      "ops.yaml",
      "duration: 2s\ncomponents:\n"
      "  users: {kind: client, replay: ops.csv, target: db}\n"
      "  db: {kind: replicated_store, model: leader_follower, replicas: 3}\n");
  const auto arrivals = arrivals_of_file(yaml);
  ASSERT_EQ(arrivals.size(), 5u);
  const std::vector<Operation> ops = {Operation::kWrite, Operation::kRead, Operation::kWrite, Operation::kRead,
                                      Operation::kRead};
  const std::vector<std::uint64_t> keys = {7, 7, 42, 42, 9};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(arrivals[i].at, static_cast<Time>(i + 1) * 100 * kMillisecond);
    EXPECT_EQ(arrivals[i].op, ops[i]) << i;
    EXPECT_EQ(arrivals[i].key, keys[i]) << i;
    EXPECT_EQ(arrivals[i].value.has_value(), ops[i] == Operation::kWrite) << i;
  }
}

TEST(LoadOverTime, ClosedLoopUsersTakePartOnlyWhileTheScheduleCountsThem) {
  const RateSchedule s = RateSchedule::points({{0, 2}, {10 * kSecond, 20}, {20 * kSecond, 20}, {30 * kSecond, 0}});
  const auto arrivals = arrivals_of(
      design("replicas: 2, users: {points: [[0s, 2], [10s, 20], [20s, 20], [30s, 0]]}, think_time: 50ms", "40s"));
  ASSERT_FALSE(arrivals.empty());
  std::map<ActorId, int> replica_of;
  for (const auto& a : arrivals) replica_of.emplace(a.client, 0);
  int r = 0;
  for (auto& [actor, index] : replica_of) index = r++;  // replicas are built in order
  std::set<double> at_peak;
  for (const auto& a : arrivals) {
    // User u of replica r is user u × 2 + r overall: it sends only while
    // the schedule is above it.
    const double overall = a.user * 2.0 + replica_of[a.client];
    ASSERT_GE(s.rate_at(a.at), overall + 1) << "user " << overall << " at " << a.at;
    if (a.at >= 12 * kSecond && a.at < 18 * kSecond) at_peak.insert(overall);
  }
  EXPECT_EQ(at_peak.size(), 20u);  // all of them at the peak
  // Nobody after the schedule reaches 0 (the last user leaves just before 30 s).
  for (const auto& a : arrivals) EXPECT_LT(a.at, 30 * kSecond);
}

}  // namespace
}  // namespace dsim
