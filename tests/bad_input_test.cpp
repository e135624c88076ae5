// Bad input never crashes dsim: each kind of mistake gets one message with
// file:line:column, the field, and what would be valid, and exit code 2.
//
// Every file in tests/data/bad/ is run through `dsim validate`, `dsim run` and
// `dsim graph`; its first line says what the message must contain
// ("# expect: ..."), and a second line where the message is if not in the
// scenario ("# located-in: trace.csv", a trace it replays). The
// library-level tests below check the Diagnostic's fields directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

#include "cli_helpers.h"
#include "helpers.h"

namespace dsim {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> bad_files() { return testing::yaml_files_in("tests/data/bad"); }

// Files that cannot carry their own expectation (empty or binary).
const std::map<std::string, std::string> kExpectations = {
    {"empty.yaml", "1:1: the scenario is empty"},
    {"comment_only.yaml", "1:1: the scenario is empty"},
    {"binary.yaml", "3:1: not a text file: it contains a NUL byte"},
    {"png_header.yaml", "1:1: not a UTF-8 text file: invalid byte 0x89"},
    // Two bytes, ",\n": yaml-cpp 0.7's LoadAll looped forever on it.
    {"stray_comma.yaml", "1:1: invalid YAML: ',' cannot begin a document"},
};

std::string expectation(const std::string& file) {
  if (auto it = kExpectations.find(file); it != kExpectations.end()) return it->second;
  const std::string text = testing::read_file(std::string(DSIM_SOURCE_DIR) + "/tests/data/bad/" + file);
  const std::string tag = "# expect: ";
  if (text.rfind(tag, 0) != 0) return {};
  return text.substr(tag.size(), text.find('\n') - tag.size());
}

// The file a message is located in, when not the scenario itself (a trace
// it replays): its second line says so ("# located-in: trace.csv").
std::string located_in(const std::string& file) {
  const std::string text = testing::read_file(std::string(DSIM_SOURCE_DIR) + "/tests/data/bad/" + file);
  const std::string tag = "# located-in: ";
  const std::size_t at = text.find('\n');
  if (at == std::string::npos || text.compare(at + 1, tag.size(), tag) != 0) return file;
  const std::size_t start = at + 1 + tag.size();
  return text.substr(start, text.find('\n', start) - start);
}

class BadFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BadFileTest, ValidateAndRunExitTwoWithOneLocatedMessage) {
  const std::string file = "tests/data/bad/" + GetParam();
  const std::string expected = expectation(GetParam());
  const std::string where = "tests/data/bad/" + located_in(GetParam());
  ASSERT_FALSE(expected.empty()) << "no '# expect:' line in " << file;
  for (const std::string cmd : {"validate ", "run --quiet ", "graph "}) {
    const auto r = testing::run_dsim(cmd + file);
    EXPECT_EQ(r.exit_code, 2) << cmd << file << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    // One line: "dsim: error: <file>:<line>:<column>: ..."
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex("^dsim: error: " + where + ":[0-9]+:[0-9]+: "))) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << "expected: " << expected << "\ngot: " << r.err;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, BadFileTest, ::testing::ValuesIn(bad_files()), [](const auto& info) {
  std::string n = info.param.substr(0, info.param.size() - 5);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

const char* const kGood = R"(name: good
duration: 10s
components:
  clients: {kind: client, rate: 100/s, target: app}
  app: {kind: service, replicas: 2, workers: 2, service_time: 1ms}
)";

TEST(BadInput, DiagnosticCarriesFileLineColumnAndField) {
  const Diagnostic d = testing::load_error(
      "duration: 10s\ncomponents:\n  clients: {kind: client, rate: 10/s, target: app}\n"
      "  app: {kind: service, workers: 0, service_time: 1ms}\n");
  EXPECT_EQ(d.source, "bad.yaml");
  EXPECT_EQ(d.line, 4);
  EXPECT_EQ(d.column, 33);
  EXPECT_EQ(d.field, "components.app.workers");
  EXPECT_NE(d.message.find("from 1 to"), std::string::npos);
}

TEST(BadInput, UnknownFieldSuggestsAndListsValidFields) {
  const Diagnostic d = testing::load_error(
      "duration: 10s\ncomponents:\n  clients: {kind: client, rate: 10/s, target: app}\n"
      "  app: {kind: service, sevrice_time: 1ms, service_time: 1ms}\n");
  EXPECT_NE(d.message.find("unknown field 'sevrice_time' (did you mean 'service_time'?)"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("valid fields here: "), std::string::npos);
  EXPECT_NE(d.message.find("queue_capacity"), std::string::npos);
}

TEST(BadInput, MisspeltRequiredFieldIsReportedAsTheMisspelling) {
  const Diagnostic d = testing::load_error(
      "duration: 10s\ncomponents:\n  clients: {kind: client, rate: 10/s, traget: app}\n"
      "  app: {kind: service, service_time: 1ms}\n");
  EXPECT_EQ(d.field, "components.clients.traget");
  EXPECT_NE(d.message.find("did you mean 'target'"), std::string::npos) << d.message;
}

TEST(BadInput, OverridesAreCheckedLikeTheFile) {
  LoadOptions opt;
  opt.overrides = {"components.app.workers=0"};
  Diagnostic d = testing::load_error(kGood, opt);
  EXPECT_EQ(d.source, "--set components.app.workers=0");
  EXPECT_EQ(d.field, "components.app.workers");
  EXPECT_EQ(d.line, 0);

  opt.overrides = {"components.ap.replicas=4"};
  d = testing::load_error(kGood, opt);
  EXPECT_NE(d.message.find("no field 'ap' in 'components' (did you mean 'app'?)"), std::string::npos) << d.message;

  opt.overrides = {"components.app.replicas"};
  d = testing::load_error(kGood, opt);
  EXPECT_NE(d.message.find("expected path=value"), std::string::npos);

  opt.overrides = {"components.app.service_time={dist: exponential, mean: -1ms}"};
  d = testing::load_error(kGood, opt);
  EXPECT_EQ(d.field, "components.app.service_time.mean");
  EXPECT_EQ(d.source, "--set components.app.service_time={dist: exponential, mean: -1ms}");
}

TEST(BadInput, OverridesReplaceFields) {
  LoadOptions opt;
  opt.overrides = {"components.app.replicas=3", "duration=2s", "components.app.service_time={dist: exponential, mean: 2ms}"};
  auto s = testing::load_or_fail(kGood, opt);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->spec().find("app")->replica_count(), 3);
  EXPECT_EQ(s->spec().duration, 2 * kSecond);
  // Where the overridden fields came from, for later messages.
  EXPECT_EQ(s->sources().find("duration")->source, "--set duration=2s");
  EXPECT_EQ(s->sources().find("components.app.kind")->source, "test.yaml");
}

TEST(BadInput, MissingFileIsReported) {
  LoadResult r = Scenario::load_file("/nonexistent/scenario.yaml");
  ASSERT_TRUE(std::holds_alternative<Diagnostic>(r));
  EXPECT_NE(std::get<Diagnostic>(r).message.find("cannot open"), std::string::npos);
  const auto cli = testing::run_dsim("validate /nonexistent/scenario.yaml");
  EXPECT_EQ(cli.exit_code, 2);
}

TEST(BadInput, ReplicaNameCollisionIsReported) {
  const Diagnostic d = testing::load_error(
      "duration: 10s\ncomponents:\n  clients: {kind: client, rate: 10/s, target: app}\n"
      "  app: {kind: service, replicas: 2, service_time: 1ms}\n  app-1: {kind: service, service_time: 1ms}\n");
  EXPECT_NE(d.message.find("'app-1' is used twice"), std::string::npos) << d.message;
}

TEST(BadInput, BadArgumentsExitTwo) {
  EXPECT_EQ(testing::run_dsim("run --seed notanumber").exit_code, 2);
  EXPECT_EQ(testing::run_dsim("frobnicate").exit_code, 2);
  EXPECT_EQ(testing::run_dsim("").exit_code, 2);
  EXPECT_EQ(testing::run_dsim("run --set nonsense").exit_code, 2);
}

}  // namespace
}  // namespace dsim
