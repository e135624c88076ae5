// One loaded scenario runs on several threads at once and gives, seed for
// seed, the same bytes as the same runs one after another: a spec is
// immutable, and each run builds its own world and recorders. CI also runs
// this test under ThreadSanitizer (the tsan preset).
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "dsim/analysis/check.h"
#include "dsim/analysis/trace.h"
#include "cli_helpers.h"
#include "helpers.h"

namespace dsim {
namespace {

struct Outputs {
  std::string summary;
  std::string timeseries;
  std::string trace;
  bool operator==(const Outputs&) const = default;
};

Outputs run_once(const ScenarioSpec& spec, std::uint64_t seed) {
  Tracer tracer(2000);
  RunOptions o;
  o.seed = seed;
  o.extra_recorders = {&tracer};
  const RunResult r = run(spec, o);
  if (!r.ok()) return {"error: " + r.error().to_string(), "", ""};
  return {summary_json_text(r.record()), timeseries_csv(r.record()), tracer.json()};
}

std::unique_ptr<Scenario> load_file(const std::string& file, const std::vector<std::string>& overrides) {
  LoadOptions lo;
  lo.overrides = overrides;
  auto loaded = Scenario::load_file(std::string(DSIM_SOURCE_DIR) + "/" + file, lo);
  if (auto* d = std::get_if<Diagnostic>(&loaded)) {
    ADD_FAILURE() << d->to_string();
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<Scenario>>(loaded));
}

// Runs seeds[i] on thread i, all at once.
template <std::size_t N>
std::array<Outputs, N> on_threads(const ScenarioSpec& spec, const std::array<std::uint64_t, N>& seeds) {
  std::array<Outputs, N> out;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < N; ++i)
    threads.emplace_back([&spec, &out, &seeds, i] { out[i] = run_once(spec, seeds[i]); });
  for (auto& t : threads) t.join();
  return out;
}

void expect_threads_match_sequential(const std::string& file, const std::vector<std::string>& overrides) {
  auto scenario = load_file(file, overrides);
  ASSERT_NE(scenario, nullptr);
  const ScenarioSpec& spec = scenario->spec();
  constexpr std::array<std::uint64_t, 4> kSeeds{100, 101, 102, 103};

  // In parallel first, so that anything initialised on first use is first
  // used by racing threads (what ThreadSanitizer needs to see).
  const std::array<Outputs, 4> parallel = on_threads(spec, kSeeds);
  std::array<Outputs, 4> sequential;
  for (std::size_t i = 0; i < kSeeds.size(); ++i) sequential[i] = run_once(spec, kSeeds[i]);

  for (std::size_t i = 0; i < kSeeds.size(); ++i) {
    EXPECT_EQ(parallel[i].summary.rfind("error", 0), std::string::npos) << parallel[i].summary;
    EXPECT_EQ(parallel[i].summary, sequential[i].summary) << file << " seed " << kSeeds[i];
    EXPECT_EQ(parallel[i].timeseries, sequential[i].timeseries) << file << " seed " << kSeeds[i];
    EXPECT_EQ(parallel[i].trace, sequential[i].trace) << file << " seed " << kSeeds[i];
  }
  // Different seeds, different runs: the comparison is not vacuous.
  EXPECT_NE(sequential[0].summary, sequential[1].summary);

  // One seed on every thread: four identical runs at once.
  const std::array<Outputs, 4> same = on_threads(spec, std::array<std::uint64_t, 4>{7, 7, 7, 7});
  for (const Outputs& o : same) EXPECT_EQ(o, same[0]);
  EXPECT_EQ(same[0], run_once(spec, 7));
}

TEST(Concurrency, OneSpecOnFourThreadsGivesTheBytesOfFourSequentialRuns) {
  expect_threads_match_sequential("scenarios/ecommerce.yaml", {"duration=4s", "warmup=1s"});
}

TEST(Concurrency, WithEveryKindOfFaultToo) {
  expect_threads_match_sequential("tests/data/corpus/all-faults.yaml", {});
}

TEST(Concurrency, ClosedLoopRandomFailuresAndEveryPolicy) {
  expect_threads_match_sequential("tests/data/corpus/closed-loop.yaml", {"duration=12s"});
  expect_threads_match_sequential("tests/data/corpus/policies.yaml", {"duration=8s"});
}

// Stores: their runs check the history on more threads of their own (the
// linearizability search on every core, stale reads and lost writes beside).
TEST(Concurrency, StoresAndTheirHistoryChecks) {
  expect_threads_match_sequential("scenarios/split-brain.yaml", {"duration=12s", "warmup=1s",
                                                                 "faults=[{at: 3s, for: 5s, partition: [[az-a], [az-b, az-c]]}]"});
  expect_threads_match_sequential("scenarios/cassandra-rf3.yaml", {"duration=3s", "warmup=1s"});
}

TEST(Concurrency, TheSeedsOfACheckGiveTheSameRunsOnAnyNumberOfThreads) {
  // dsim check's pool (analysis/check.h, run_seeds): a store with its
  // history checks, so each run's analysis threads are exercised too.
  LoadOptions options;
  options.overrides = {"duration=4s", "warmup=1s"};
  auto s = testing::load_or_fail(testing::read_file(std::string(DSIM_SOURCE_DIR) + "/scenarios/capacity/plan.yaml"),
                                 options);
  ASSERT_NE(s, nullptr);
  const std::vector<std::uint64_t> seeds = check_seeds(s->spec().seed, 5);
  const auto one = run_seeds(s->spec(), seeds, 1, {});
  std::size_t calls = 0;
  const auto four = run_seeds(s->spec(), seeds, 4, {}, [&calls](std::size_t done, std::size_t total) {
    ++calls;
    EXPECT_LE(done, total);
  });
  EXPECT_EQ(calls, seeds.size());
  ASSERT_EQ(one.size(), seeds.size());
  ASSERT_EQ(four.size(), seeds.size());
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    EXPECT_EQ(four[i].seed, seeds[i]);
    ASSERT_FALSE(one[i].error.has_value());
    ASSERT_FALSE(four[i].error.has_value());
    EXPECT_EQ(one[i].summary.dump(), four[i].summary.dump()) << "seed " << seeds[i];
    EXPECT_EQ(one[i].objectives.size(), four[i].objectives.size());
  }
  EXPECT_NE(one[0].summary.dump(), one[1].summary.dump());  // different seeds, different runs
}

TEST(Concurrency, ALoadedScenarioRunsAgainWithTheSameResult) {
  auto s = testing::load_or_fail(testing::read_file(std::string(DSIM_SOURCE_DIR) + "/scenarios/failover.yaml"));
  ASSERT_NE(s, nullptr);
  const std::string first = summary_json_text(testing::run_or_fail(s->spec()));
  EXPECT_EQ(summary_json_text(testing::run_or_fail(s->spec())), first);
  EXPECT_EQ(summary_json_text(testing::run_or_fail(s->spec())), first);
}

}  // namespace
}  // namespace dsim
