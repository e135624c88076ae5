// Every scenario under scenarios/ validates and runs, and the shipped examples
// show what their comments claim.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "cli_helpers.h"
#include "helpers.h"

namespace dsim {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> scenario_files() { return testing::yaml_files_in("scenarios"); }

class ScenarioFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioFileTest, ValidatesAndRuns) {
  const std::string path = "scenarios/" + GetParam();
  const auto v = testing::run_dsim("validate " + path);
  EXPECT_EQ(v.exit_code, 0) << v.err;
  const auto r = testing::run_dsim("run --quiet --json " + path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "dsim.summary/3");
  const auto& req = j["requests"];
  EXPECT_EQ(req["sent"].get<std::uint64_t>(),
            req["succeeded"].get<std::uint64_t>() + req["failed"]["timeout"].get<std::uint64_t>() +
                req["failed"]["rejected"].get<std::uint64_t>() + req["failed"]["unavailable"].get<std::uint64_t>());
  EXPECT_GT(req["sent"].get<std::uint64_t>(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioFileTest, ::testing::ValuesIn(scenario_files()), [](const auto& info) {
  std::string n = info.param.substr(0, info.param.size() - 5);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

TEST(Scenarios, EcommerceHoldsItsLoadWithHeadroom) {
  auto s = Scenario::load_file(std::string(DSIM_SOURCE_DIR) + "/scenarios/ecommerce.yaml");
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Scenario>>(s));
  const RunRecord rec = testing::run_or_fail(std::get<std::unique_ptr<Scenario>>(s)->spec());
  // 1500/s for 55 measured seconds, all answered well within the 1 s timeout.
  EXPECT_NEAR(static_cast<double>(rec.requests.sent), 1500 * 55, 4 * std::sqrt(1500 * 55.0));
  EXPECT_EQ(rec.requests.succeeded, rec.requests.sent);
  EXPECT_LT(rec.requests.latency.quantile(0.99), 50e6);
  // Round robin over two replicas: each gets half.
  const ComponentRecord* app = testing::component(rec, "app");
  ASSERT_EQ(app->replicas.size(), 2u);
  EXPECT_LE(std::llabs(static_cast<long long>(app->replicas[0].occupancy.arrivals) -
                       static_cast<long long>(app->replicas[1].occupancy.arrivals)),
            1);
  EXPECT_GT(*app->total.utilization, 0.5);
  EXPECT_LT(*app->total.utilization, 0.9);
}

TEST(Scenarios, BuiltInExampleIsTheEcommerceFile) {
  const auto builtin = testing::run_dsim("run --quiet --json");
  const auto file = testing::run_dsim("run --quiet --json scenarios/ecommerce.yaml");
  ASSERT_EQ(builtin.exit_code, 0) << builtin.err;
  EXPECT_EQ(builtin.out, file.out);
}

}  // namespace
}  // namespace dsim
