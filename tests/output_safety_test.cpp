// Nothing the user wrote is lost, and every output is complete or absent:
// dsim run never overwrites the scenario or a file that is not a dsim output
// (without --force), checks where results go before running, writes --out as
// one consistent set, checks every write to stdout, and stops cleanly on
// Ctrl-C or its budget with what it measured, marked partial (exit 4).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_helpers.h"

namespace dsim {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "dsim_safety_" + name + "_" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

const char* const kShort = "scenarios/ecommerce.yaml --set duration=7s -q";

TEST(OutputSafety, TheTraceNeverReplacesTheScenario) {
  const std::string dir = temp_dir("scenario");
  const std::string scenario = dir + "/mydesign.yaml";
  fs::copy_file("scenarios/ecommerce.yaml", scenario);
  const std::string before = testing::read_file(scenario);
  // The mistake the issue names: the scenario given as the trace's value.
  for (const std::string& args : {"run --trace " + scenario + " " + scenario, "run " + scenario + " --trace " +
                                     scenario + " --force"}) {
    const auto r = testing::run_dsim(args + " -q --set duration=7s");
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find("is the scenario being run"), std::string::npos) << r.err;
    EXPECT_EQ(testing::read_file(scenario), before);
  }
  // Without the scenario as an argument the built-in example runs, and the
  // YAML file is not a dsim output: refused without --force.
  const auto r = testing::run_dsim("run --trace " + scenario + " -q --set duration=7s");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is not a dsim output"), std::string::npos) << r.err;
  EXPECT_EQ(testing::read_file(scenario), before);
}

TEST(OutputSafety, OnlyDsimOutputsAreReplacedWithoutForce) {
  const std::string dir = temp_dir("force");
  const std::string notes = dir + "/notes.json";
  write(notes, "{\"mine\": true}\n");
  const auto refused = testing::run_dsim(std::string("run ") + kShort + " --trace " + notes);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(refused.out, "");  // refused before the run
  EXPECT_EQ(testing::read_file(notes), "{\"mine\": true}\n");
  const auto forced = testing::run_dsim(std::string("run ") + kShort + " --trace " + notes + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(testing::read_file(notes).rfind("{\"traceEvents\":[", 0), 0u);
  // A previous trace is a dsim output: replaced without --force.
  const auto again = testing::run_dsim(std::string("run ") + kShort + " --trace " + notes);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  // No temporaries left beside it.
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "notes.json");
}

TEST(OutputSafety, OutIsWrittenAsOneSetWithAManifestAndKeepsTheUsersFiles) {
  const std::string out = temp_dir("outset");
  write(out + "/README.txt", "my notes\n");
  write(out + "/timeseries.csv", "time_s,sent,succeeded,old\n");  // a previous run's
  // A temporary a killed run left behind (its process is gone).
  write(out + "/summary.json.tmp-999999998", "half");
  const auto r = testing::run_dsim(std::string("run ") + kShort + " --out " + out + " --trace " + out + "/trace.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::read_file(out + "/README.txt"), "my notes\n");
  EXPECT_NE(testing::read_file(out + "/timeseries.csv").find("attempts"), std::string::npos);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"README.txt", "faults.csv", "manifest.json", "summary.json",
                                             "timeseries.csv", "trace.json"}));
  // The manifest lists the set, each file with its size.
  const auto m = nlohmann::json::parse(testing::read_file(out + "/manifest.json"));
  EXPECT_EQ(m["schema"], "dsim.outputs/1");
  EXPECT_EQ(m["partial"], false);
  ASSERT_EQ(m["files"].size(), 4u);
  for (const auto& f : m["files"])
    EXPECT_EQ(f["bytes"].get<std::uintmax_t>(), fs::file_size(out + "/" + f["name"].get<std::string>()));
  // Again: the previous set is replaced (no --force needed for dsim's files).
  const auto again = testing::run_dsim(std::string("run ") + kShort + " --seed 2 --out " + out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(testing::read_file(out + "/manifest.json"))["seed"], 2);
}

// --out . (the current directory) writes there and touches nothing else.
TEST(OutputSafety, OutCanBeTheCurrentDirectory) {
  const std::string dir = temp_dir("dot");
  write(dir + "/keep.me", "x");
  const auto r = testing::run_program(
      "/bin/sh", "-c " + testing::shell_quote("cd " + testing::shell_quote(dir) + " && exec " +
                                              testing::shell_quote(DSIM_BINARY) + " run " +
                                              testing::shell_quote(std::string(DSIM_SOURCE_DIR) +
                                                                   "/scenarios/ecommerce.yaml") +
                                              " --set duration=7s -q --out ."));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::read_file(dir + "/keep.me"), "x");
  EXPECT_TRUE(fs::exists(dir + "/manifest.json"));
  EXPECT_TRUE(fs::exists(dir + "/summary.json"));
}

TEST(OutputSafety, TheTraceCannotTakeTheNameOfAnOutFile) {
  const std::string out = temp_dir("tracename");
  const auto r = testing::run_dsim(std::string("run ") + kShort + " --out " + out + " --trace " + out + "/summary.json");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a file --out writes"), std::string::npos) << r.err;
}

// A run killed while it writes (or before) leaves no manifest: a reader
// knows the files beside it are not one complete set.
TEST(OutputSafety, AKilledRunLeavesNoManifest) {
  const std::string out = temp_dir("killed");
  const auto first = testing::run_dsim(std::string("run ") + kShort + " --out " + out);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_TRUE(fs::exists(out + "/manifest.json"));
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::chdir(DSIM_SOURCE_DIR) != 0) ::_exit(99);
    ::execl(DSIM_BINARY, DSIM_BINARY, "run", "scenarios/ecommerce.yaml", "--set", "duration=100000s", "-q", "--out",
            out.c_str(), static_cast<char*>(nullptr));
    ::_exit(98);
  }
  // The previous manifest goes just before the run starts.
  for (int i = 0; i < 3000 && fs::exists(out + "/manifest.json"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(fs::exists(out + "/manifest.json"));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_FALSE(fs::exists(out + "/manifest.json"));
  // The next run cleans up and completes the set.
  const auto next = testing::run_dsim(std::string("run ") + kShort + " --out " + out);
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_TRUE(fs::exists(out + "/manifest.json"));
}

TEST(OutputSafety, OutRefusesToReplaceAFileThatIsNotADsimOutput) {
  const std::string out = temp_dir("outforeign");
  write(out + "/summary.json", "{\"budget\": 2027}\n");
  const auto r = testing::run_dsim(std::string("run ") + kShort + " --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is not a dsim output"), std::string::npos) << r.err;
  EXPECT_EQ(testing::read_file(out + "/summary.json"), "{\"budget\": 2027}\n");
}

// One failed output does not keep the others from being written.
TEST(OutputSafety, AFailedWriteToStdoutStillWritesOut) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string out = temp_dir("stdoutfail");
  const auto r = testing::run_dsim(std::string("run ") + kShort + " --json --out " + out + " > /dev/full");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot write to standard output"), std::string::npos) << r.err;
  EXPECT_NE(testing::read_file(out + "/summary.json").find("dsim.summary/"), std::string::npos);
}

TEST(OutputSafety, EveryCommandChecksItsWritesToStdout) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  for (const std::string& cmd : {std::string("run ") + kShort, std::string("run ") + kShort + " --json",
                                std::string("validate scenarios/ecommerce.yaml"),
                                std::string("graph scenarios/ecommerce.yaml")}) {
    const auto r = testing::run_dsim(cmd + " > /dev/full");
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.err;
    EXPECT_NE(r.err.find("cannot write to standard output: No space left on device"), std::string::npos) << r.err;
  }
}

TEST(OutputSafety, OverloadStopsAtTheBudgetWithExitFourAndPartialOutputs) {
  const std::string out = temp_dir("budget");
  const auto r = testing::run_dsim(
      "run scenarios/ecommerce.yaml --set components.clients.rate=1e9/s --max-in-flight 100000 -q --json --out " + out);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.out.find("\"partial\": true"), std::string::npos);
  EXPECT_NE(r.out.find("\"partial_reason\": \"budget\""), std::string::npos);
  EXPECT_NE(r.err.find("'app' is saturated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--max-in-flight"), std::string::npos) << r.err;
  EXPECT_NE(testing::read_file(out + "/summary.json").find("\"partial\": true"), std::string::npos);
}

// Ctrl-C during a run: what was measured so far is written, marked partial,
// exit 4.
TEST(OutputSafety, InterruptWritesPartialResultsAndExitsFour) {
  const std::string out = temp_dir("sigint");
  const std::string results = out + "/results";
  const std::string stdout_file = out + "/stdout.json";
  // A previous set: its manifest goes just before the run starts, which
  // tells the test when to press Ctrl-C.
  ASSERT_EQ(testing::run_dsim(std::string("run ") + kShort + " --out " + results).exit_code, 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::chdir(DSIM_SOURCE_DIR) != 0) ::_exit(99);
    if (!std::freopen(stdout_file.c_str(), "w", stdout)) ::_exit(99);
    ::execl(DSIM_BINARY, DSIM_BINARY, "run", "scenarios/ecommerce.yaml", "--set", "duration=100000s", "-q", "--json",
            "--out", results.c_str(), static_cast<char*>(nullptr));
    ::_exit(98);
  }
  for (int i = 0; i < 3000 && fs::exists(results + "/manifest.json"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_FALSE(fs::exists(results + "/manifest.json"));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 4);
  const std::string json = testing::read_file(stdout_file);
  EXPECT_NE(json.find("\"partial\": true"), std::string::npos) << json.substr(0, 400);
  EXPECT_NE(json.find("\"partial_reason\": \"interrupted\""), std::string::npos);
  EXPECT_NE(testing::read_file(results + "/summary.json").find("\"partial\": true"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(testing::read_file(results + "/manifest.json"))["partial"], true);
}

TEST(OutputSafety, SetValuesMustBeUtf8) {
  const auto r = testing::run_dsim("validate scenarios/ecommerce.yaml --set \"$(printf 'name=\\377')\"");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--set name=\\xff: not UTF-8 text: invalid byte 0xff"), std::string::npos) << r.err;
  const auto run = testing::run_dsim("run scenarios/ecommerce.yaml -q --set \"$(printf 'name=\\377')\"");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST(OutputSafety, AnEmptyListIsNamedAsSuch) {
  const auto r = testing::run_dsim("validate scenarios/ecommerce.yaml --set 'faults=[]' --set faults.0.at=1s");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'faults' is an empty list"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("18446744073709551615"), std::string::npos) << r.err;
}

TEST(OutputSafety, ValidateWarnsOfOverloadItCanSee) {
  const auto r = testing::run_dsim("validate scenarios/ecommerce.yaml --set components.clients.rate=100000/s");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: scenarios/ecommerce.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("components.app: offered load 100,000/s is at or above its capacity of 4,000/s"),
            std::string::npos)
      << r.err;
  const auto fine = testing::run_dsim("validate scenarios/ecommerce.yaml");
  EXPECT_EQ(fine.err, "");
}

}  // namespace
}  // namespace dsim

namespace dsim {
namespace {

// 150,000 hours of a service whose three replicas fail every 2 hours: the
// summary and the table aggregate the 215,000 random failures per component;
// --out's faults.csv lists every one.
TEST(OutputSafety, RandomFailuresAreAggregatedAndListedInFaultsCsv) {
  const std::string out = temp_dir("failures");
  const auto r = testing::run_dsim("run scenarios/availability-study.yaml -q --json --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(r.out.size(), 10'000u);  // was 33 MB with one entry per failure
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["faults"].empty());
  ASSERT_EQ(j["failures"].size(), 1u);
  const auto& f = j["failures"][0];
  EXPECT_EQ(f["component"], "app");
  const auto count = f["count"].get<std::uint64_t>();
  // 150,000 h / (2 h + 5 min) per replica, three replicas: about 216,000.
  EXPECT_NEAR(static_cast<double>(count), 3 * 150000.0 / (2.0 + 5.0 / 60), 3 * 1500.0);
  EXPECT_TRUE(f["recovery_s"].contains("p99"));
  // Every failure, one line each, after the header.
  const std::string csv = testing::read_file(out + "/faults.csv");
  EXPECT_EQ(csv.rfind("kind,target,at_s,until_s,detected_s,recovered_s,failed_requests\n", 0), 0u);
  EXPECT_EQ(static_cast<std::uint64_t>(std::count(csv.begin(), csv.end(), '\n')), count + 1);
  // The table's row for the component, not 215,000 rows.
  const auto table = testing::run_dsim("run scenarios/availability-study.yaml -q");
  EXPECT_LT(std::count(table.out.begin(), table.out.end(), '\n'), 40);
  EXPECT_NE(table.out.find("failures    count"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace dsim
