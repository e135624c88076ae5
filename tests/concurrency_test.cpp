// One loaded scenario runs on several threads at once and gives, seed for
// seed, the same bytes as the same runs one after another: a spec is
// immutable, and each run builds its own world and recorders. CI also runs
// this test under ThreadSanitizer (the tsan preset).
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "analysis/trace.h"
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

void expect_threads_match_sequential(const std::string& file, const std::vector<std::string>& overrides) {
  LoadOptions lo;
  lo.overrides = overrides;
  auto loaded = Scenario::load_file(std::string(DSIM_SOURCE_DIR) + "/" + file, lo);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Scenario>>(loaded)) << std::get<Diagnostic>(loaded).to_string();
  const ScenarioSpec& spec = std::get<std::unique_ptr<Scenario>>(loaded)->spec();
  constexpr std::size_t kThreads = 4;

  std::array<Outputs, kThreads> sequential;
  for (std::size_t i = 0; i < kThreads; ++i) sequential[i] = run_once(spec, 100 + i);

  std::array<Outputs, kThreads> parallel;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kThreads; ++i)
    threads.emplace_back([&spec, &parallel, i] { parallel[i] = run_once(spec, 100 + i); });
  for (auto& t : threads) t.join();

  for (std::size_t i = 0; i < kThreads; ++i) {
    EXPECT_EQ(parallel[i].summary, sequential[i].summary) << file << " seed " << 100 + i;
    EXPECT_EQ(parallel[i].timeseries, sequential[i].timeseries) << file << " seed " << 100 + i;
    EXPECT_EQ(parallel[i].trace, sequential[i].trace) << file << " seed " << 100 + i;
    EXPECT_EQ(parallel[i].summary.rfind("error", 0), std::string::npos) << parallel[i].summary;
  }
  // Different seeds, different runs: the comparison is not vacuous.
  EXPECT_NE(sequential[0].summary, sequential[1].summary);
}

TEST(Concurrency, OneSpecOnFourThreadsGivesTheBytesOfFourSequentialRuns) {
  expect_threads_match_sequential("scenarios/ecommerce.yaml", {"duration=4s", "warmup=1s"});
}

TEST(Concurrency, WithEveryKindOfFaultToo) {
  expect_threads_match_sequential("tests/data/corpus/all-faults.yaml", {});
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
