// Determinism: the same scenario and seed give the same bytes; another seed
// gives other numbers; adding a component never shifts another's draws; and a
// golden summary pins a small scenario end to end.
#include <algorithm>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsim/analysis/graph.h"
#include "dsim/analysis/history.h"
#include "dsim/analysis/trace.h"
#include "cli_helpers.h"
#include "helpers.h"

namespace dsim {
namespace {

const char* const kBase = R"(name: det
duration: 20s
warmup: 2s
network: {latency: {dist: lognormal, median: 200us, p99: 1ms}}
components:
  clients: {kind: client, rate: 800/s, target: lb, timeout: 50ms}
  lb: {kind: load_balancer, policy: power_of_two_choices, backends: app}
  app: {kind: service, replicas: 3, workers: 2, queue_capacity: 20,
        service_time: {dist: exponential, mean: 2ms}, calls: [db]}
  db: {kind: service, workers: 4, service_time: {dist: lognormal, median: 1ms, p99: 8ms}}
)";

std::string summary(const std::string& yaml, std::uint64_t seed) {
  LoadOptions opt;
  opt.seed = seed;
  return summary_json_text(testing::run_yaml(yaml, opt));
}

TEST(Determinism, SameSeedSameBytes) {
  EXPECT_EQ(summary(kBase, 7), summary(kBase, 7));
  // Through the whole CLI too, including the time series.
  const std::string dir = ::testing::TempDir() + "dsim_det_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const auto a = testing::run_dsim("run scenarios/ecommerce.yaml --quiet --json --out " + dir + "/a");
  const auto b = testing::run_dsim("run scenarios/ecommerce.yaml --quiet --json --out " + dir + "/b");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(testing::read_file(dir + "/a/timeseries.csv"), testing::read_file(dir + "/b/timeseries.csv"));
  EXPECT_EQ(testing::read_file(dir + "/a/summary.json"), a.out);
}

TEST(Determinism, AnotherSeedGivesOtherNumbers) {
  const RunRecord a = testing::run_yaml(kBase);
  LoadOptions opt;
  opt.seed = 8;
  const RunRecord b = testing::run_yaml(kBase, opt);
  EXPECT_NE(a.requests.sent, b.requests.sent);
  EXPECT_NE(a.requests.latency.mean(), b.requests.latency.mean());
  EXPECT_NE(a.events, b.events);
}

TEST(Determinism, AddingAComponentLeavesOthersDrawsUnchanged) {
  // A second, independent client/service pair in another zone. The first
  // pair's results must be identical to the last bit: its streams are derived
  // from its own names, not from an order of creation.
  const std::string extended = std::string(kBase) +
                               "  batch: {kind: client, rate: 300/s, target: worker, zone: other}\n"
                               "  worker: {kind: service, workers: 1, service_time: {dist: exponential, mean: 1ms}, zone: other}\n";
  const RunRecord a = testing::run_yaml(kBase);
  const RunRecord b = testing::run_yaml(extended);
  for (const char* name : {"lb", "app", "db"}) {
    const ComponentRecord* ca = testing::component(a, name);
    const ComponentRecord* cb = testing::component(b, name);
    ASSERT_TRUE(ca && cb);
    EXPECT_EQ(ca->total.arrivals, cb->total.arrivals) << name;
    EXPECT_EQ(ca->total.time_in_system_sum_ns, cb->total.time_in_system_sum_ns) << name;
    EXPECT_EQ(ca->total.in_system, cb->total.in_system) << name;
  }
  EXPECT_EQ(testing::extra(*testing::component(a, "clients"), "succeeded"),
            testing::extra(*testing::component(b, "clients"), "succeeded"));
}

TEST(Determinism, GoldenSummaryOfASmallScenario) {
  // Regenerate deliberately with: DSIM_UPDATE_GOLDEN=1 ctest -R Golden
  const std::string golden = std::string(DSIM_SOURCE_DIR) + "/tests/golden/ecommerce-5s.json";
  LoadOptions opt;
  opt.overrides = {"duration=5s", "warmup=1s"};
  auto s = Scenario::load_file(std::string(DSIM_SOURCE_DIR) + "/scenarios/ecommerce.yaml", opt);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Scenario>>(s));
  const std::string got = summary_json_text(testing::run_or_fail(std::get<std::unique_ptr<Scenario>>(s)->spec()));
  if (std::getenv("DSIM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << got;
    GTEST_SKIP() << "golden file rewritten";
  }
  EXPECT_EQ(got, testing::read_file(golden)) << "the summary changed; if deliberately, regenerate with "
                                                "DSIM_UPDATE_GOLDEN=1 ctest -R Golden and review the diff";
}

// Every scenario under scenarios/ and tests/data/corpus/, at its own seed:
// summary, time series, topology and (for the corpus) a trace, pinned. A
// change of structure must leave them all as they are; regenerate
// deliberately with DSIM_UPDATE_GOLDEN=1 ctest -R Golden and review the diff.
class GoldenScenario : public ::testing::TestWithParam<std::string> {};

std::vector<std::string> golden_scenarios() {
  std::vector<std::string> out;
  for (const auto& f : testing::yaml_files_in("scenarios")) out.push_back("scenarios/" + f);
  for (const auto& f : testing::yaml_files_in("tests/data/corpus")) out.push_back("tests/data/corpus/" + f);
  return out;
}

// Outputs above this size are pinned by length and digest (a 17-year
// availability study's time series is megabytes): the same bytes or not.
constexpr std::size_t kGoldenInline = 256 * 1024;

std::string digest_line(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "%zu bytes, FNV-1a 64 %016llx\n", text.size(), static_cast<unsigned long long>(h));
  return buf;
}

// A scenario's name in tests/golden/scenarios: its path under scenarios/ (or
// the corpus) without the extension, folders joined by '-' (cap-cp).
std::string golden_stem(const std::string& file) {
  std::string rel = file.substr(file.find('/', file.rfind("tests/", 0) == 0 ? 11 : 0) + 1);
  rel = rel.substr(0, rel.size() - 5);
  std::replace(rel.begin(), rel.end(), '/', '-');
  return rel;
}

void expect_golden(const std::string& name, const std::string& output) {
  const std::string path = std::string(DSIM_SOURCE_DIR) + "/tests/golden/scenarios/" + name;
  const std::string got = output.size() > kGoldenInline ? digest_line(output) : output;
  if (std::getenv("DSIM_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << got;
    return;
  }
  EXPECT_EQ(got, testing::read_file(path)) << name << " changed; if deliberately, regenerate with "
                                              "DSIM_UPDATE_GOLDEN=1 ctest -R Golden and review the diff";
}

TEST_P(GoldenScenario, OutputsArePinned) {
  const std::string file = GetParam();
  auto loaded = Scenario::load_file(std::string(DSIM_SOURCE_DIR) + "/" + file);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Scenario>>(loaded)) << std::get<Diagnostic>(loaded).to_string();
  const ScenarioSpec& spec = std::get<std::unique_ptr<Scenario>>(loaded)->spec();
  const bool corpus = file.rfind("tests/", 0) == 0;
  Tracer tracer(50);
  RunOptions o;
  if (corpus) o.extra_recorders = {&tracer};
  const RunRecord rec = testing::run_or_fail(spec, o);
  const std::string stem = golden_stem(file);
  expect_golden(stem + ".summary.json", summary_json_text(rec));
  expect_golden(stem + ".timeseries.csv", timeseries_csv(rec));
  expect_golden(stem + ".dot", topology_dot(spec));
  if (corpus) expect_golden(stem + ".trace.json", tracer.json());
  if (rec.history) {
    std::ostringstream h;
    write_history_jsonl(*rec.history, h);
    expect_golden(stem + ".history.jsonl", h.str());
  }
}

INSTANTIATE_TEST_SUITE_P(Every, GoldenScenario, ::testing::ValuesIn(golden_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = golden_stem(info.param);
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace dsim
