// `dsim check` from outside, as a CI pipeline runs it: every exit code, the
// JUnit report parsed as XML (Boost.PropertyTree), the baseline written and
// read back, and the same report whatever the number of threads.
#include <gtest/gtest.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_helpers.h"
#include "helpers.h"

namespace dsim {
namespace {

using boost::property_tree::ptree;
using testing::run_dsim;
using testing::shell_quote;

const std::string kPlan = "scenarios/capacity/plan.yaml";
const std::string kBaseline = "scenarios/capacity/baseline.json";

// A JUnit file: its suites, and per suite its cases and their failures.
struct JUnit {
  int tests = 0, failures = 0;
  struct Case {
    std::string suite, name;
    bool failed = false;
    std::string message;
  };
  std::vector<Case> cases;
  std::vector<std::string> suites;
  const Case* find(const std::string& name) const {
    for (const auto& c : cases)
      if (c.name == name) return &c;
    return nullptr;
  }
};

JUnit parse_junit(const std::string& path) {
  ptree tree;
  std::istringstream in(testing::read_file(path));
  boost::property_tree::read_xml(in, tree);  // throws on malformed XML
  JUnit j;
  const ptree& root = tree.get_child("testsuites");
  j.tests = root.get<int>("<xmlattr>.tests");
  j.failures = root.get<int>("<xmlattr>.failures");
  for (const auto& [tag, suite] : root) {
    if (tag != "testsuite") continue;
    const std::string sname = suite.get<std::string>("<xmlattr>.name");
    j.suites.push_back(sname);
    int cases = 0, failed = 0;
    for (const auto& [ctag, tc] : suite) {
      if (ctag != "testcase") continue;
      JUnit::Case c;
      c.suite = sname;
      c.name = tc.get<std::string>("<xmlattr>.name");
      if (const auto f = tc.get_child_optional("failure")) {
        c.failed = true;
        c.message = f->get<std::string>("<xmlattr>.message");
        ++failed;
      }
      ++cases;
      j.cases.push_back(c);
    }
    EXPECT_EQ(suite.get<int>("<xmlattr>.tests"), cases) << sname;
    EXPECT_EQ(suite.get<int>("<xmlattr>.failures"), failed) << sname;
  }
  return j;
}

TEST(Check, TheCommittedPlanPassesAgainstItsBaseline) {
  testing::TempFolder dir;
  const std::string junit = dir.write("report.xml", "");
  const auto r = run_dsim("check " + kPlan + " --baseline " + kBaseline + " --junit " + shell_quote(junit) + " -q");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  const JUnit j = parse_junit(junit);
  EXPECT_EQ(j.failures, 0);
  ASSERT_EQ(j.suites.size(), 2u);
  EXPECT_EQ(j.suites[0], "capacity-plan: objectives");
  EXPECT_EQ(j.suites[1], "capacity-plan: baseline");
  // One case per objective (availability, p99_latency, max_cost_per_month)
  // and one per compared figure.
  ASSERT_NE(j.find("availability"), nullptr);
  ASSERT_NE(j.find("p99_latency"), nullptr);
  ASSERT_NE(j.find("max_cost_per_month"), nullptr);
  ASSERT_NE(j.find("latency_ms.p99"), nullptr);
  ASSERT_NE(j.find("cost.per_month"), nullptr);
  EXPECT_EQ(j.tests, static_cast<int>(j.cases.size()));
  const auto baseline = nlohmann::json::parse(testing::read_file(std::string(DSIM_SOURCE_DIR) + "/" + kBaseline));
  EXPECT_EQ(static_cast<std::size_t>(j.tests), 3 + baseline["figures"].size());
}

TEST(Check, ARegressedFigureExitsThreeAndIsNamedInTheReport) {
  // One replica fewer of four: cheaper, within the SLO, but p99 grows by a quarter.
  testing::TempFolder dir;
  const std::string junit = dir.write("report.xml", "");
  const auto r = run_dsim("check " + kPlan + " --set components.api.replicas=4 --baseline " + kBaseline +
                          " --junit " + shell_quote(junit) + " -q");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("REGRESSED latency_ms.p99"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL: 0 objectives missed"), std::string::npos) << r.out;
  const JUnit j = parse_junit(junit);
  const JUnit::Case* p99 = j.find("latency_ms.p99");
  ASSERT_NE(p99, nullptr);
  EXPECT_TRUE(p99->failed);
  EXPECT_EQ(p99->suite, "capacity-plan: baseline");
  EXPECT_NE(p99->message.find("rose from"), std::string::npos) << p99->message;
  // Cost fell: better, not a regression. The objectives held.
  EXPECT_FALSE(j.find("cost.per_month")->failed);
  EXPECT_FALSE(j.find("p99_latency")->failed);
  EXPECT_GT(j.failures, 0);
}

TEST(Check, AMissedObjectiveExitsThree) {
  testing::TempFolder dir;
  const std::string junit = dir.write("report.xml", "");
  const auto r = run_dsim("check " + kPlan + " --set slo.p99_latency=10ms --junit " + shell_quote(junit) + " -q");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("MISSED  p99_latency"), std::string::npos) << r.out;
  const JUnit j = parse_junit(junit);
  EXPECT_EQ(j.suites.size(), 1u);  // no baseline given: objectives only
  EXPECT_TRUE(j.find("p99_latency")->failed);
  EXPECT_FALSE(j.find("availability")->failed);
  EXPECT_EQ(j.failures, 1);
}

TEST(Check, ConfidenceJudgesTheUnfavourableEndOfTheInterval) {
  // A target between the mean and the interval's upper end passes on the
  // mean and fails with --confidence.
  const auto json = run_dsim("check " + kPlan + " --json -q");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  const double mean = j["objectives"]["p99_latency"]["measured"].get<double>();
  const double high = j["objectives"]["p99_latency"]["high"].get<double>();
  ASSERT_LT(mean, high);
  char target[64];
  std::snprintf(target, sizeof target, "%.6fms", (mean + high) / 2);
  const std::string set = std::string(" --set slo.p99_latency=") + target;
  EXPECT_EQ(run_dsim("check " + kPlan + set + " -q").exit_code, 0);
  EXPECT_EQ(run_dsim("check " + kPlan + set + " --confidence 95% -q").exit_code, 3);
}

TEST(Check, UpdateBaselineWritesOneThatTheNextCheckPasses) {
  testing::TempFolder dir;
  const std::string base = dir.write("base.json", "");  // an empty file may be replaced
  const auto w = run_dsim("check " + kPlan + " --seeds 3 --set duration=10s --baseline " + shell_quote(base) +
                          " --update-baseline -q");
  EXPECT_EQ(w.exit_code, 0) << w.err;
  const auto b = nlohmann::json::parse(testing::read_file(base));
  EXPECT_EQ(b["schema"], "dsim.baseline/1");
  EXPECT_EQ(b["scenario"], "capacity-plan");
  EXPECT_EQ(b["k"], 3);
  EXPECT_EQ(b["seeds"][0], 1);
  EXPECT_TRUE(b["figures"]["latency_ms.p99"]["high"].is_number());
  const auto again =
      run_dsim("check " + kPlan + " --seeds 3 --set duration=10s --baseline " + shell_quote(base) + " --json -q");
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["seeds"], b["seeds"]);
  // A scenario without check.seeds runs, without --seeds, as many as its
  // baseline has, on the same seeds.
  const std::string shop = dir.write("shop.json", "");
  std::filesystem::remove(shop);
  ASSERT_EQ(run_dsim("check scenarios/ecommerce.yaml --set duration=6s --seeds 2 --baseline " + shell_quote(shop) +
                     " --update-baseline -q")
                .exit_code,
            0);
  const auto shop_again =
      run_dsim("check scenarios/ecommerce.yaml --set duration=6s --baseline " + shell_quote(shop) + " --json -q");
  EXPECT_EQ(shop_again.exit_code, 0) << shop_again.err;
  EXPECT_EQ(nlohmann::json::parse(shop_again.out)["seeds"].size(), 2u);
  // No temporary is left beside it.
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(base).parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(Check, TheReportIsTheSameOnAnyNumberOfThreads) {
  const auto one = run_dsim("check " + kPlan + " --seeds 4 --set duration=10s --json --jobs 1 -q");
  const auto two = run_dsim("check " + kPlan + " --seeds 4 --set duration=10s --json --jobs 2 -q");
  const auto four = run_dsim("check " + kPlan + " --seeds 4 --set duration=10s --json --jobs 4 -q");
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out, four.out);
  // Seed 1 is the scenario's own: the check's single run is dsim run's.
  const auto run = run_dsim("run " + kPlan + " --set duration=10s --json -q");
  const auto check1 = run_dsim("check " + kPlan + " --seeds 1 --set duration=10s --json -q");
  EXPECT_EQ(nlohmann::json::parse(check1.out)["figures"]["latency_ms.p99"]["mean"],
            nlohmann::json::parse(run.out)["latency_ms"]["p99"]);
}

TEST(Check, BadBaselinesAndOptionsExitTwo) {
  testing::TempFolder dir;
  // Another scenario's baseline.
  const std::string other = dir.write("other.json", "");
  std::filesystem::remove(other);
  ASSERT_EQ(run_dsim("check scenarios/ecommerce.yaml --set duration=6s --baseline " + shell_quote(other) +
                     " --update-baseline -q")
                .exit_code,
            0);
  auto r = run_dsim("check " + kPlan + " --baseline " + shell_quote(other) + " -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("baseline of scenario 'ecommerce', not of 'capacity-plan'"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // nothing ran
  // Another schema.
  auto b = nlohmann::ordered_json::parse(testing::read_file(std::string(DSIM_SOURCE_DIR) + "/" + kBaseline));
  b["schema"] = "dsim.baseline/9";
  const std::string newer = dir.write("newer.json", b.dump(2));
  r = run_dsim("check " + kPlan + " --baseline " + shell_quote(newer) + " -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("dsim.baseline/9"), std::string::npos) << r.err;
  // Not a baseline at all; and --update-baseline will not replace it.
  const std::string notes = dir.write("notes.json", "{\"mine\": true}");
  EXPECT_EQ(run_dsim("check " + kPlan + " --baseline " + shell_quote(notes) + " -q").exit_code, 2);
  EXPECT_EQ(run_dsim("check " + kPlan + " --baseline " + shell_quote(notes) + " --update-baseline -q").exit_code, 2);
  EXPECT_EQ(testing::read_file(notes), "{\"mine\": true}");
  // Missing or unreadable.
  EXPECT_EQ(run_dsim("check " + kPlan + " --baseline /nonexistent/base.json -q").exit_code, 2);
  // Options.
  EXPECT_EQ(run_dsim("check " + kPlan + " --update-baseline -q").exit_code, 2);
  EXPECT_EQ(run_dsim("check " + kPlan + " --confidence 100% -q").exit_code, 2);
  EXPECT_EQ(run_dsim("check " + kPlan + " --tolerance lots -q").exit_code, 2);
  r = run_dsim("check " + kPlan + " --tolerance 5 -q");  // 500%? a percentage needs its sign
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("write it as a percentage"), std::string::npos) << r.err;
  EXPECT_EQ(run_dsim("check " + kPlan + " --seeds 0 -q").exit_code, 2);
  EXPECT_EQ(run_dsim("check " + kPlan + " --junit /nonexistent/dir/report.xml -q").exit_code, 2);
  // A pricing file that cannot be read.
  r = run_dsim("check " + kPlan + " --pricing /nonexistent/prices.yaml -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/prices.yaml"), std::string::npos) << r.err;
  // A tolerance that names no figure is located in the scenario.
  const std::string plan = testing::read_file(std::string(DSIM_SOURCE_DIR) + "/" + kPlan);
  std::string typo = plan;
  typo.replace(typo.find("    availability: {absolute"), 0, "    latency_ms.p99.9: 10%\n");
  const std::string typo_file = dir.write("typo.yaml", typo);
  r = run_dsim("check " + shell_quote(typo_file) + " --baseline " + kBaseline + " --set duration=10s -q");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("typo.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'latency_ms.p99.9' names no figure"), std::string::npos) << r.err;
  // With no baseline too, and when writing one.
  EXPECT_EQ(run_dsim("check " + shell_quote(typo_file) + " --seeds 1 --set duration=10s -q").exit_code, 2);
  const std::string fresh = dir.write("fresh.json", "");
  EXPECT_EQ(run_dsim("check " + shell_quote(typo_file) + " --seeds 1 --set duration=10s --baseline " +
                     shell_quote(fresh) + " --update-baseline -q")
                .exit_code,
            2);
  // A truncated baseline: where the JSON breaks.
  const std::string cut = dir.write("cut.json", "{\n  \"schema\": \"dsim.baseline/1\",\n  \"figures\": {\n");
  r = run_dsim("check " + kPlan + " --baseline " + shell_quote(cut) + " -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.err;
}

TEST(Check, ARunStoppedEarlyGivesNoVerdictAndExitsFour) {
  testing::TempFolder dir;
  const std::string junit = dir.write("report.xml", "");
  std::filesystem::remove(junit);
  const auto r = run_dsim("check " + kPlan + " --set components.clients.rate=100000/s --max-in-flight 5000 --junit " +
                          shell_quote(junit) + " -q");
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("stopped early"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(junit));
}

TEST(Check, AnInternalErrorExitsOne) {
  const auto r = testing::run_program(DSIM_FAULTY_BINARY, "check tests/data/explode.yaml --seeds 2 -q");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("internal error in scenario 'explode'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dsim
