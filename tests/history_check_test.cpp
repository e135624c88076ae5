// dsim history check: verdicts and exit codes on histories from files
// (dsim's own and Jepsen's), and the linearizability figures of store runs.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_helpers.h"
#include "helpers.h"

namespace dsim::testing {
namespace {

std::string data(const std::string& name) { return std::string(DSIM_SOURCE_DIR) + "/tests/data/histories/" + name; }

TEST(HistoryCheck, SampleFilesGiveTheirVerdictsAsExitCodes) {
  const std::pair<const char*, int> cases[] = {
      {"knossos-style-cas-ok.log", 0},           {"knossos-style-cas-bad.log", 3},
      {"porcupine-style-kv-ok.edn", 0},          {"porcupine-style-kv-bad.edn", 3},
      {"knossos-style-register-vector-ok.edn", 0}, {"dsim-register-ok.jsonl", 0},
      {"dsim-stale-read-bad.jsonl", 3},
  };
  for (const auto& [file, code] : cases) {
    const auto r = run_dsim("history check " + shell_quote(data(file)));
    EXPECT_EQ(r.exit_code, code) << file << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find(code == 0 ? "linearizable yes" : "linearizable NO"), std::string::npos) << r.out;
  }
}

// The report counts what the file holds: 9 operations by clients,
// clients-1 and final — not the reader's initial writes (client init).
TEST(HistoryCheck, CountsTheFilesOperationsAndClients) {
  const auto r = run_dsim("history check --json " + shell_quote(data("dsim-register-ok.jsonl")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["operations"], 9);
  EXPECT_EQ(j["keys"], 2);
  EXPECT_EQ(j["clients"], 3);
  const auto t = run_dsim("history check " + shell_quote(data("dsim-register-ok.jsonl")));
  EXPECT_NE(t.out.find("9 operations, 2 keys, 3 clients"), std::string::npos) << t.out;
}

TEST(HistoryCheck, ACounterexampleNamesItsLinesAndDrawsThem) {
  const auto r = run_dsim("history check --json " + shell_quote(data("knossos-style-cas-bad.log")));
  ASSERT_EQ(r.exit_code, 3) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["linearizable"], false);
  EXPECT_EQ(j["format"], "jepsen-log");
  const auto& ce = j["linearizability"]["counterexample"];
  ASSERT_TRUE(ce.is_object());
  EXPECT_GE(ce["lines"].size(), 2u);
  EXPECT_NE(ce["timeline"].get<std::string>().find("read -> 1"), std::string::npos) << ce["timeline"];
}

TEST(HistoryCheck, TheBudgetRunsOutAsUnknownExitFour) {
  const auto r = run_dsim("history check --budget 1 " + shell_quote(data("porcupine-style-kv-ok.edn")));
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("linearizable unknown"), std::string::npos) << r.out;
}

TEST(HistoryCheck, BadInputIsLocatedWithExitTwo) {
  const std::string dir = ::testing::TempDir();
  const std::string bad = dir + "/bad.log";
  std::ofstream(bad) << "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2\n";
  auto r = run_dsim("history check " + shell_quote(bad));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.log:1:"), std::string::npos) << r.err;
  r = run_dsim("history check --format nope " + shell_quote(bad));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("valid: dsim, jepsen-log, jepsen-edn"), std::string::npos) << r.err;
  r = run_dsim("history check " + shell_quote(dir + "/missing.jsonl"));
  EXPECT_EQ(r.exit_code, 2);
  const std::string junk = dir + "/junk.txt";
  std::ofstream(junk) << "hello\n";
  r = run_dsim("history check " + shell_quote(junk));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("give --format"), std::string::npos) << r.err;
}

TEST(HistoryCheck, ARunsHistoryChecksAsTheRunDid) {
  // dynamo-lww loses writes under skew: not linearizable, in the run's own
  // summary and from its history file alike.
  const std::string h = ::testing::TempDir() + "/lww.jsonl";
  std::filesystem::remove(h);
  auto r = run_dsim("run -q --json scenarios/dynamo-lww.yaml --history " + shell_quote(h));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["consistency"]["linearizable"], false);
  EXPECT_TRUE(summary["consistency"]["linearizability"]["counterexample"].is_object());
  r = run_dsim("history check --json " + shell_quote(h));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stale_reads"], summary["consistency"]["stale_reads"]);
  EXPECT_EQ(j["lost_writes"], summary["consistency"]["lost_writes"]);
}

// One copy per key, or every replica read and written: linearizable; ONE/ONE
// over three copies: not, with a counterexample of one key.
TEST(StoreLinearizability, SingleCopiesAndAllAllAreLinearizableOneOneIsNot) {
  auto yaml = [](const std::string& rf, const std::string& r, const std::string& w) {
    return "name: lin\nduration: 10s\nnetwork: {latency: {dist: lognormal, median: 300us, p99: 3ms}}\n"
           "components:\n"
           "  clients: {kind: client, users: 20, think_time: 1ms, target: db, mix: {read: 0.6, write: 0.4},\n"
           "            keys: {count: 5}}\n"
           "  db: {kind: replicated_store, model: leaderless, replicas: 3, replication_factor: " +
           rf + ", read_consistency: " + r + ", write_consistency: " + w +
           ", workers: 4, service_time: {dist: exponential, mean: 100us}}\n";
  };
  for (const auto& [rf, r, w, verdict] :
       {std::tuple{"1", "ONE", "ONE", "true"}, std::tuple{"3", "ALL", "ALL", "true"}, std::tuple{"3", "ONE", "ONE", "false"}}) {
    const RunRecord rec = run_yaml(yaml(rf, r, w));
    ASSERT_TRUE(rec.consistency && rec.consistency->linearizability);
    const LinearizabilityRecord& l = *rec.consistency->linearizability;
    EXPECT_EQ(l.verdict, verdict) << "RF " << rf << " " << r << "/" << w;
    EXPECT_EQ(l.keys_checked, 5u);
    EXPECT_EQ(l.keys_unknown, 0u);
    if (std::string(verdict) == "false") {
      ASSERT_TRUE(l.counterexample_key.has_value());
      EXPECT_GE(l.counterexample.size(), 2u);
      EXPECT_LE(l.counterexample.size(), 6u);
      EXPECT_FALSE(l.timeline.empty());
      const std::string json = summary_json_text(rec);
      EXPECT_NE(json.find("\"linearizable\": false"), std::string::npos);
      EXPECT_NE(summary_table(rec).find("linearizable: NO"), std::string::npos);
    }
  }
}

TEST(StoreLinearizability, TheBudgetIsAScenarioField) {
  LoadOptions o;
  o.overrides = {"consistency.linearizability_budget=1"};
  auto s = load_or_fail(
      "name: b\nduration: 5s\ncomponents:\n"
      "  clients: {kind: client, users: 20, think_time: 1ms, target: db, mix: {read: 0.6, write: 0.4}, keys: {count: 3}}\n"
      "  db: {kind: replicated_store, model: leaderless, replicas: 3, service_time: 100us}\n",
      o);
  ASSERT_TRUE(s);
  const RunRecord rec = run_or_fail(s->spec());
  ASSERT_TRUE(rec.consistency && rec.consistency->linearizability);
  EXPECT_GT(rec.consistency->linearizability->keys_unknown, 0u);
  EXPECT_NE(rec.consistency->linearizability->verdict, "true");
}

}  // namespace
}  // namespace dsim::testing
