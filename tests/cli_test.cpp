// The command line as a user meets it: the report, --json, --out, --seed,
// --set, validate and graph.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_helpers.h"
#include "helpers.h"

namespace dsim {
namespace {

TEST(Cli, RunPrintsATableAndTimingOnStderr) {
  const auto r = testing::run_dsim("run scenarios/ecommerce.yaml --set duration=3s --set warmup=1s");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("throughput"), std::string::npos);
  EXPECT_NE(r.out.find("latency ms"), std::string::npos);
  EXPECT_NE(r.out.find("app-1"), std::string::npos);
  EXPECT_NE(r.err.find("events in"), std::string::npos);  // wall clock: stderr only
  EXPECT_EQ(r.out.find("wall"), std::string::npos);
}

TEST(Cli, JsonHasTheDocumentedKeys) {
  const auto r = testing::run_dsim("run --quiet --json --seed 3 scenarios/ecommerce.yaml --set duration=3s --set warmup=1s");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["seed"], 3);
  EXPECT_EQ(j["scenario"], "ecommerce");
  for (const char* k : {"schema", "events", "requests", "throughput_rps", "latency_ms", "availability", "components"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"sent", "succeeded", "completed", "failed"}) EXPECT_TRUE(j["requests"].contains(k)) << k;
  for (const char* k : {"mean", "p50", "p90", "p99", "p999", "max"}) EXPECT_TRUE(j["latency_ms"].contains(k)) << k;
  const auto& app = j["components"]["app"];
  for (const char* k : {"utilization", "queue_length", "in_system"}) {
    EXPECT_TRUE(app.contains(k)) << k;
    EXPECT_TRUE(app["per_replica"]["app-0"].contains(k)) << k;
  }
  EXPECT_GE(app["utilization"].get<double>(), 0.0);
  EXPECT_LE(app["utilization"].get<double>(), 1.0);
}

TEST(Cli, OutWritesSummaryAndTimeSeries) {
  const std::string dir = ::testing::TempDir() + "dsim_out_" + std::to_string(::getpid()) + "/nested";
  const auto r = testing::run_dsim("run --quiet scenarios/ecommerce.yaml --set duration=4s --set warmup=1s --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = testing::read_file(dir + "/timeseries.csv");
  EXPECT_EQ(csv.rfind("time_s,sent,succeeded,failed_timeout,failed_rejected,failed_unavailable,throughput_rps,"
                      "availability,p50_ms,p99_ms,attempts\n",
                      0),
            0u);
  EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 5);  // header + 4 windows
  const auto j = nlohmann::json::parse(testing::read_file(dir + "/summary.json"));
  EXPECT_EQ(j["scenario"], "ecommerce");
  // No temporary files left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(Cli, TimeSeriesSumsToTheRunsTotals) {
  const std::string dir = ::testing::TempDir() + "dsim_ts_" + std::to_string(::getpid());
  const auto r = testing::run_dsim("run --quiet --json scenarios/ecommerce.yaml --set warmup=0s --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::istringstream csv(testing::read_file(dir + "/timeseries.csv"));
  std::string line;
  std::getline(csv, line);
  std::uint64_t sent = 0, ok = 0;
  while (std::getline(csv, line)) {
    std::istringstream row(line);
    std::string cell;
    std::getline(row, cell, ',');
    std::getline(row, cell, ',');
    sent += std::stoull(cell);
    std::getline(row, cell, ',');
    ok += std::stoull(cell);
  }
  // With no warm-up, every request sent is measured.
  EXPECT_EQ(sent, j["requests"]["sent"].get<std::uint64_t>());
  EXPECT_EQ(ok, j["requests"]["succeeded"].get<std::uint64_t>());
}

TEST(Cli, SetOverridesAField) {
  const auto r = testing::run_dsim(
      "run --quiet --json scenarios/ecommerce.yaml --set duration=3s --set warmup=1s --set components.app.replicas=4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["components"]["app"]["replicas"], 4);
  EXPECT_TRUE(j["components"]["app"]["per_replica"].contains("app-3"));
}

TEST(Cli, SeedOutOfRangeIsBadInput) {
  for (const char* bad : {"-1", "18446744073709551616", "12abc", "1.5"}) {
    const auto r = testing::run_dsim(std::string("run scenarios/ecommerce.yaml -q --seed ") + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--seed: expected an integer from 0 to 18446744073709551615"), std::string::npos) << r.err;
  }
  const auto ok = testing::run_dsim("run scenarios/ecommerce.yaml -q --json --set duration=6s --seed 18446744073709551615");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"seed\": 18446744073709551615"), std::string::npos);
}

TEST(Cli, ValidateReportsOk) {
  const auto r = testing::run_dsim("validate scenarios/ecommerce.yaml");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("ok"), std::string::npos);
}

TEST(Cli, GraphPrintsDot) {
  const auto r = testing::run_dsim("graph scenarios/ecommerce.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("digraph \"ecommerce\" {", 0), 0u);
  EXPECT_NE(r.out.find("\"lb\" -> \"app-0\""), std::string::npos);
  EXPECT_NE(r.out.find("\"app-1\" -> \"db\""), std::string::npos);
  EXPECT_NE(r.out.find("cluster_default"), std::string::npos);
  EXPECT_EQ(r.out.back(), '\n');
}

TEST(Cli, HelpAndVersionExitZero) {
  EXPECT_EQ(testing::run_dsim("--help").exit_code, 0);
  EXPECT_EQ(testing::run_dsim("--version").exit_code, 0);
  EXPECT_EQ(testing::run_dsim("run --help").exit_code, 0);
}

}  // namespace
}  // namespace dsim
