// The command line as a user meets it: the report, --json, --out, --seed,
// --set, validate and graph.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <filesystem>
#include <fstream>

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
  std::filesystem::create_directories(std::filesystem::path(dir).parent_path());
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

TEST(Cli, TraceWritesChromeTraceEventsWithSpansAndFaults) {
  const std::string file = ::testing::TempDir() + "dsim_trace_test.json";
  const auto r = testing::run_dsim("run scenarios/failover.yaml -q --set duration=25s --trace-limit 20000 --trace " + file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("trace covers"), std::string::npos) << r.err;
  std::ifstream in(file);
  const auto j = nlohmann::json::parse(in);
  ASSERT_TRUE(j.contains("traceEvents"));
  std::map<std::string, int> spans;  // name -> count
  std::set<std::string> processes;
  int faults = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "process_name") processes.insert(e["args"]["name"].get<std::string>());
    if (e["ph"] != "X") continue;
    ASSERT_TRUE(e.contains("ts") && e.contains("dur") && e.contains("pid") && e.contains("tid"));
    EXPECT_GE(e["dur"].get<double>(), 0.0);
    if (e["cat"] == "fault") {
      ++faults;
      EXPECT_EQ(e["name"], "crash app-1");
      EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 20e6);
      EXPECT_DOUBLE_EQ(e["dur"].get<double>(), 30e6);
    } else {
      ++spans[e["name"].get<std::string>()];
    }
  }
  EXPECT_EQ(faults, 1);
  EXPECT_EQ(processes, (std::set<std::string>{"clients", "lb", "app", "db", "faults"}));
  // 600/s for 25 s: every request has a client span and a balancer span.
  EXPECT_GT(spans["request"], 14000);
  EXPECT_GT(spans["proxy"], 14000);
  EXPECT_GT(spans["handle"], 2 * 12000);  // app and db
}

TEST(Cli, TraceBeyondItsLimitSaysSo) {
  const std::string file = ::testing::TempDir() + "dsim_trace_limit.json";
  const auto r = testing::run_dsim("run scenarios/failover.yaml -q --set duration=25s --trace " + file +
                                   " --trace-limit 100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the trace covers the first 100 requests only"), std::string::npos) << r.err;
  std::ifstream in(file);
  const auto j = nlohmann::json::parse(in);
  int requests = 0;
  for (const auto& e : j["traceEvents"])
    if (e["ph"] == "X" && e["name"] == "request") ++requests;
  EXPECT_EQ(requests, 100);
  EXPECT_TRUE(j["otherData"].contains("truncated_at_s"));
}

TEST(Cli, ValidateReportsOk) {
  const auto r = testing::run_dsim("validate scenarios/ecommerce.yaml");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("ok"), std::string::npos);
}

TEST(Cli, ValidateWarnsOfAFailoverFasterThanTheNetwork) {
  // Detection 3 ms with 1 ms heartbeats across zones 2 ms apart: a warning,
  // located, and still exit 0; the scenario as shipped has none.
  const auto r = testing::run_dsim(
      "validate scenarios/failover-db.yaml --set 'components.db.failover={detection: 3ms, heartbeat: 1ms}'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dsim: warning: --set components.db.failover="), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("detection 3ms leaves less than four round trips"), std::string::npos) << r.err;
  const auto shipped = testing::run_dsim("validate scenarios/failover-db.yaml");
  EXPECT_EQ(shipped.exit_code, 0);
  EXPECT_EQ(shipped.err.find("warning"), std::string::npos) << shipped.err;
}

TEST(Cli, ATwoNodeRaftStoreIsAllowedWithALocatedWarning) {
  const std::string two = "--set components.db.replicas=2 --set 'components.db.zones=[az-a, az-b]' "
                          "--set 'components.proxy-a.backends=[db-0]' --set 'components.proxy-b.backends=[db-1]' "
                          "--set duration=3s --set faults=[]";
  const auto v = testing::run_dsim("validate scenarios/cap/cp.yaml " + two);
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.err.find("dsim: warning: --set components.db.replicas=2: components.db.replicas: a raft store of 2 "
                       "nodes needs both for a majority"),
            std::string::npos)
      << v.err;
  const auto r = testing::run_dsim("run --json scenarios/cap/cp.yaml " + two);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("tolerates no failure"), std::string::npos) << r.err;
  EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;
  // -q silences it; five nodes have none.
  EXPECT_EQ(testing::run_dsim("run -q --json scenarios/cap/cp.yaml " + two).err, "");
  EXPECT_EQ(testing::run_dsim("validate scenarios/cap/cp.yaml").err.find("warning"), std::string::npos);
}

// The classroom's one command: CP against AP, with the verdicts and each
// side's figures.
TEST(Cli, CompareCpWithApShowsTheClassroomsFigures) {
  const auto r = testing::run_dsim("compare scenarios/cap/cp.yaml scenarios/cap/ap.yaml --json -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> by;
  for (const auto& f : j["figures"]) by[f["figure"].get<std::string>()] = f;
  EXPECT_EQ(by["consistency.linearizable"]["a"], true);
  EXPECT_EQ(by["consistency.linearizable"]["b"], false);
  EXPECT_EQ(by["consistency.stale_reads"]["a"], 0);
  EXPECT_GT(by["consistency.stale_reads"]["b"].get<double>(), 1000);
  EXPECT_LT(by["components.app-a.availability"]["a"].get<double>(), 0.7);
  EXPECT_GT(by["components.app-a.availability"]["b"].get<double>(), 0.99);
  EXPECT_GT(by["consistency.clients.app-a.stale_reads"]["b"].get<double>(), 0);
  EXPECT_GT(by["consistency.clients.app-b.stale_reads"]["b"].get<double>(), 0);
}

TEST(Cli, CompareRunsTwoScenariosWithTheSameSeed) {
  // The same scenario twice: every figure equal, whatever the seed.
  const auto same = testing::run_dsim("compare scenarios/ecommerce.yaml scenarios/ecommerce.yaml --seed 7 --changed -q "
                                      "--set duration=3s --set warmup=1s");
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(same.out.rfind("figure ", 0), 0u);
  EXPECT_EQ(same.out.find("requests.sent"), std::string::npos) << same.out;
  // Without --seed both run with the first scenario's seed: the same again,
  // in JSON, with differences of 0.
  const auto r = testing::run_dsim(
      "compare scenarios/ecommerce.yaml scenarios/ecommerce.yaml --json -q --set duration=3s --set warmup=1s");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["a"], "scenarios/ecommerce.yaml");
  bool found = false;
  for (const auto& f : j["figures"])
    if (f["figure"] == "requests.sent") {
      found = true;
      EXPECT_EQ(f["a"], f["b"]);
      EXPECT_EQ(f["diff"], 0.0);
    }
  EXPECT_TRUE(found);
}

TEST(Cli, CompareSummaryFilesAndRefusesOtherJson) {
  const std::string dir = ::testing::TempDir() + "dsim_compare_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const auto write_file = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  const auto a = testing::run_dsim("run scenarios/failover-db.yaml --json -q --set duration=30s");
  const auto b = testing::run_dsim("run scenarios/failover-db.yaml --json -q --set duration=30s --set components.db.replication=sync");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  write_file(dir + "/a.json", a.out);
  write_file(dir + "/b.json", b.out);
  const auto r = testing::run_dsim("compare " + dir + "/a.json " + dir + "/b.json --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> by;
  for (const auto& f : j["figures"]) by[f["figure"]] = f;
  EXPECT_GT(by["consistency.lost_writes"]["a"].get<double>(), 0.0);
  EXPECT_EQ(by["consistency.lost_writes"]["b"], 0);
  EXPECT_EQ(by["consistency.linearizable"]["a"], false);
  EXPECT_EQ(by["consistency.linearizable"]["b"], true);
  EXPECT_GT(by["latency_ms.write.p50"]["diff"].get<double>(), 2.0);
  write_file(dir + "/other.json", "{\"x\": 1}");
  const auto bad = testing::run_dsim("compare " + dir + "/a.json " + dir + "/other.json");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("not a dsim summary"), std::string::npos) << bad.err;
  // An endless input is refused by the loader's bound, not read for ever.
  const auto endless = testing::run_dsim("compare /dev/zero " + dir + "/a.json");
  EXPECT_EQ(endless.exit_code, 2);
  EXPECT_NE(endless.err.find("/dev/zero: the file is larger than 16 MiB"), std::string::npos) << endless.err;
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

TEST(Cli, InternalErrorExitsOneWithTheSeed) {
  // A model that fails an invariant at 1.5 s (explode_model.h), in the
  // tests' build of dsim. The run ends with a message naming the scenario,
  // the seed and the simulated time, and exit code 1: no abort, no core dump.
  const auto r = testing::run_program(DSIM_FAULTY_BINARY, "run tests/data/explode.yaml --seed 9 --quiet");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("internal error in scenario 'explode', seed 9, at 1.5 s of simulated time"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("check failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the explode model's invariant broke"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--seed 9"), std::string::npos) << r.err;
  // The same binary runs a sound scenario normally.
  const auto ok = testing::run_program(DSIM_FAULTY_BINARY, "run scenarios/ecommerce.yaml --set duration=7s --quiet");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(Cli, AnUnwritableTraceIsReportedBeforeTheRun) {
  const auto r = testing::run_dsim("run scenarios/ecommerce.yaml --trace /nonexistent-dir/trace.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");  // nothing ran
  EXPECT_NE(r.err.find("--trace: cannot write '/nonexistent-dir/trace.json': the directory '/nonexistent-dir' does not exist"),
            std::string::npos)
      << r.err;
  // --out creates its directory first, so the trace may go in it.
  const std::string dir = ::testing::TempDir() + "dsim_trace_in_out_" + std::to_string(::getpid()) + "/";
  const auto ok = testing::run_dsim("run scenarios/ecommerce.yaml --set duration=7s --out " + dir + " --trace " + dir +
                                    "trace.json");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("wrote summary.json, timeseries.csv, faults.csv and manifest.json in " + dir), std::string::npos) << ok.err;
  EXPECT_FALSE(testing::read_file(dir + "trace.json").empty());
}

TEST(Cli, OutCreatesItsDirectoryButNotMissingParents) {
  const std::string base = ::testing::TempDir() + "dsim_out_" + std::to_string(::getpid());
  const auto r = testing::run_dsim("run scenarios/ecommerce.yaml --set duration=7s --quiet --out " + base + "/a/b");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the directory '" + base + "/a' does not exist"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  const auto ok = testing::run_dsim("run scenarios/ecommerce.yaml --set duration=7s --quiet --out " + base + "/");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_FALSE(testing::read_file(base + "/summary.json").empty());
}

TEST(Cli, SetCreatesMissingMappingsAndTakesBracketedIndexes) {
  // metrics and the balancer's health_check are absent from the file.
  const auto r = testing::run_dsim("run scenarios/ecommerce.yaml --quiet --json --set duration=7s --set metrics.window=500ms "
                                   "--set components.lb.health_check.interval=1s");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["components"]["lb"]["backends"]["app-0"].contains("marked_down"));  // health checks on
  // Typos are still caught: close to an existing name, or inside the new mapping.
  const auto typo = testing::run_dsim("validate scenarios/ecommerce.yaml --set componets.app.replicas=3");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("no field 'componets' in the scenario (did you mean 'components'?)"), std::string::npos)
      << typo.err;
  const auto inner = testing::run_dsim("validate scenarios/ecommerce.yaml --set metrics.windw=1s");
  EXPECT_EQ(inner.exit_code, 2);
  EXPECT_NE(inner.err.find("--set metrics.windw=1s: metrics.windw: unknown field 'windw' (did you mean 'window'?)"),
            std::string::npos)
      << inner.err;
  // List items as messages print them, or dotted.
  const auto a = testing::run_dsim("run scenarios/failover.yaml --quiet --json --set duration=30s --set 'faults[0].at=10s'");
  const auto b = testing::run_dsim("run scenarios/failover.yaml --quiet --json --set duration=30s --set faults.0.at=10s");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(nlohmann::json::parse(a.out)["faults"][0]["at_s"], 10.0);
}

TEST(Cli, ALongRunGetsALongerDefaultWindow) {
  // 12 days is over 10^6 s: one-minute rows keep the series bounded.
  const std::string dir = ::testing::TempDir() + "dsim_long_" + std::to_string(::getpid());
  const auto r = testing::run_dsim("run tests/data/long-run.yaml --quiet --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = testing::read_file(dir + "/timeseries.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 12 * 24 * 60);
  EXPECT_NE(csv.find("\n60,"), std::string::npos);  // the second row starts at 60 s
}

TEST(Cli, VersionComesFromTheProject) {
  const auto v = testing::run_dsim("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, std::string("dsim ") + DSIM_PROJECT_VERSION + "\n");
  const auto r = testing::run_dsim("run --quiet --json --set duration=7s");
  EXPECT_EQ(nlohmann::json::parse(r.out)["dsim_version"], DSIM_PROJECT_VERSION);
}

TEST(Cli, HelpAndVersionExitZero) {
  EXPECT_EQ(testing::run_dsim("--help").exit_code, 0);
  EXPECT_EQ(testing::run_dsim("--version").exit_code, 0);
  EXPECT_EQ(testing::run_dsim("run --help").exit_code, 0);
}

}  // namespace
}  // namespace dsim
