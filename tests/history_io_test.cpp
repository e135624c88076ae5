// Reading histories (analysis/history_io.h): each format on small hand-written
// inputs — what becomes of every field, the synthetic initial writes of dsim
// histories, Jepsen's pairing of invocations and completions, lines skipped
// and lines refused — sniffing, one located message per kind of mistake, the
// sample files of tests/data/histories/ with their verdicts, and robustness:
// random bytes, every prefix of every sample and random mutations of them
// never throw out of read_history.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "dsim/analysis/history.h"
#include "dsim/analysis/history_io.h"
#include "dsim/analysis/linearizability.h"

namespace dsim {
namespace {

RegValue val(std::int64_t v) { return RegValue{v, false}; }
const RegValue nil{};

LinHistory read_ok(std::string_view text, HistoryFormat format, std::optional<LinModel> model = std::nullopt) {
  auto r = read_history(text, "h.txt", format, model);
  if (auto* e = std::get_if<HistoryReadError>(&r)) {
    ADD_FAILURE() << "unexpected error: " << e->to_string() << "\nin:\n" << text;
    return {};
  }
  return std::get<LinHistory>(std::move(r));
}

HistoryReadError read_err(std::string_view text, HistoryFormat format, std::optional<LinModel> model = std::nullopt) {
  auto r = read_history(text, "h.txt", format, model);
  if (auto* e = std::get_if<HistoryReadError>(&r)) return *e;
  ADD_FAILURE() << "expected an error, but it read:\n" << text;
  return {};
}

// The error's "line:col: message" part must contain `part`, at that place.
void expect_error(std::string_view text, HistoryFormat format, int line, int column, const std::string& part,
                  std::optional<LinModel> model = std::nullopt) {
  const HistoryReadError e = read_err(text, format, model);
  EXPECT_EQ(e.file, "h.txt");
  EXPECT_EQ(e.line, line) << e.to_string();
  EXPECT_EQ(e.column, column) << e.to_string();
  EXPECT_NE(e.message.find(part), std::string::npos) << "message: " << e.message << "\nexpected: " << part;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path samples() { return std::filesystem::path(DSIM_SOURCE_DIR) / "tests/data/histories"; }

// ---- names and messages ------------------------------------------------------

TEST(HistoryIo, FormatNames) {
  for (HistoryFormat f : {HistoryFormat::kDsim, HistoryFormat::kJepsenLog, HistoryFormat::kJepsenEdn})
    EXPECT_EQ(history_format_from_name(history_format_name(f)), f);
  EXPECT_STREQ(history_format_name(HistoryFormat::kJepsenLog), "jepsen-log");
  EXPECT_EQ(history_format_from_name("edn"), std::nullopt);
  EXPECT_EQ(history_format_from_name(""), std::nullopt);
}

TEST(HistoryIo, ErrorToString) {
  EXPECT_EQ((HistoryReadError{"f.log", 3, 7, "bad"}).to_string(), "f.log:3:7: bad");
  EXPECT_EQ((HistoryReadError{"f.log", 3, 0, "bad"}).to_string(), "f.log:3: bad");
  EXPECT_EQ((HistoryReadError{"f.log", 0, 0, "bad"}).to_string(), "f.log: bad");
}

// ---- dsim --------------------------------------------------------------------

constexpr std::string_view kDsimLines =
    R"({"index":0,"client":"clients","op":"write","key":1,"value":4294967298,"invoke_ns":1195835,"complete_ns":2398162,"outcome":"ok"})"
    "\n"
    R"({"index":2,"client":"clients-1","op":"read","key":27,"value":0,"invoke_ns":2663610,"complete_ns":3840440,"outcome":"ok"})"
    "\n"
    R"({"index":3,"client":"clients","op":"read","key":1,"value":null,"invoke_ns":4000000,"complete_ns":5000000,"outcome":"fail"})"
    "\n"
    R"({"index":4,"client":"clients","op":"write","key":27,"value":7,"invoke_ns":6000000,"complete_ns":7000000,"outcome":"unknown"})"
    "\n"
    R"({"index":99765,"client":"final","op":"read","key":199,"value":4295016628,"invoke_ns":50002805897,"complete_ns":50002805897,"outcome":"ok"})"
    "\n";

TEST(HistoryIo, DsimFieldsAndInitialWrites) {
  const LinHistory h = read_ok(kDsimLines, HistoryFormat::kDsim);
  EXPECT_EQ(h.model, LinModel::kRegister);
  EXPECT_EQ(h.keys, (std::vector<std::string>{"1", "27", "199"}));
  EXPECT_EQ(h.clients, (std::vector<std::string>{kInitClient, "clients", "clients-1", "final"}));
  ASSERT_EQ(h.ops.size(), 3u + 5u);
  // One synthetic write of 0 per key, first, in key order.
  for (std::uint32_t k = 0; k < 3; ++k) {
    const LinOp& init = h.ops[k];
    EXPECT_EQ(init.key, k);
    EXPECT_EQ(init.client, 0u);
    EXPECT_EQ(init.fn, LinFn::kWrite);
    EXPECT_EQ(init.outcome, LinOutcome::kOk);
    EXPECT_EQ(init.arg, val(0));
    EXPECT_EQ(init.invoke, kDsimInitialTime);
    EXPECT_EQ(init.complete, kDsimInitialTime);
    EXPECT_EQ(init.line, 0u);
  }
  const LinOp& w = h.ops[3];
  EXPECT_EQ(w.key, 0u);
  EXPECT_EQ(w.client, 1u);
  EXPECT_EQ(w.fn, LinFn::kWrite);
  EXPECT_EQ(w.arg, val(4294967298));
  EXPECT_EQ(w.invoke, 1195835);
  EXPECT_EQ(w.complete, 2398162);
  EXPECT_EQ(w.outcome, LinOutcome::kOk);
  EXPECT_EQ(w.line, 1u);
  const LinOp& r = h.ops[4];
  EXPECT_EQ(r.fn, LinFn::kRead);
  EXPECT_EQ(r.key, 1u);
  EXPECT_EQ(r.client, 2u);
  EXPECT_EQ(r.result, val(0));
  EXPECT_EQ(h.ops[5].outcome, LinOutcome::kFail);
  EXPECT_EQ(h.ops[5].result, nil);
  EXPECT_EQ(h.ops[5].complete, 5000000);
  EXPECT_EQ(h.ops[6].outcome, LinOutcome::kUnknown);
  EXPECT_EQ(h.ops[6].complete, 7000000);  // kept: the checker ignores a non-ok op's completion
  const LinOp& fin = h.ops[7];
  EXPECT_EQ(h.clients[fin.client], "final");
  EXPECT_EQ(fin.outcome, LinOutcome::kOk);
  EXPECT_EQ(fin.result, val(4295016628));
  EXPECT_EQ(fin.line, 5u);
}

TEST(HistoryIo, DsimWrittenByTheRecorderReadsBack) {
  History hist;
  hist.clients = {"clients", "clients-1", "final"};
  auto op = [](std::uint32_t c, Operation o, std::uint64_t key, std::uint64_t value, Time a, Time b, OpOutcome out,
               bool final_read = false) {
    HistoryOp h;
    h.client = c;
    h.op = o;
    h.key = key;
    h.value = value;
    h.invoke = a;
    h.complete = b;
    h.outcome = out;
    h.final_read = final_read;
    return h;
  };
  const std::uint64_t fresh = std::uint64_t{1} << 40;
  hist.ops = {op(0, Operation::kWrite, 5, 11, 100, 200, OpOutcome::kOk),
              op(1, Operation::kRead, 5, 11, 150, 250, OpOutcome::kOk),
              op(1, Operation::kRead, 6, 0, 300, 400, OpOutcome::kFail),
              op(0, Operation::kWrite, fresh, 12, 300, 500, OpOutcome::kUnknown),
              op(2, Operation::kRead, 5, 11, 900, 900, OpOutcome::kOk, true),
              op(2, Operation::kRead, fresh, 0, 900, 900, OpOutcome::kOk, true)};
  std::ostringstream out;
  write_history_jsonl(hist, out);
  const LinHistory h = read_ok(out.str(), HistoryFormat::kDsim);
  EXPECT_EQ(h.keys, (std::vector<std::string>{"5", "6", "1099511627776"}));
  EXPECT_EQ(h.clients, (std::vector<std::string>{"init", "clients", "clients-1", "final"}));
  ASSERT_EQ(h.ops.size(), 3u + hist.ops.size());
  for (std::size_t i = 0; i < hist.ops.size(); ++i) {
    const HistoryOp& a = hist.ops[i];
    const LinOp& b = h.ops[3 + i];
    EXPECT_EQ(h.clients[b.client], hist.clients[a.client]) << i;
    EXPECT_EQ(h.keys[b.key], std::to_string(a.key)) << i;
    EXPECT_EQ(b.fn, a.op == Operation::kRead ? LinFn::kRead : LinFn::kWrite) << i;
    EXPECT_EQ(b.invoke, a.invoke) << i;
    EXPECT_EQ(b.complete, a.complete) << i;
    EXPECT_EQ(static_cast<int>(b.outcome), static_cast<int>(a.outcome)) << i;  // same order of the enums
    if (a.op == Operation::kWrite) {
      EXPECT_EQ(b.arg, val(static_cast<std::int64_t>(a.value))) << i;
    }
    if (a.op == Operation::kRead && a.outcome == OpOutcome::kOk) {
      EXPECT_EQ(b.result, val(static_cast<std::int64_t>(a.value))) << i;
    }
    EXPECT_EQ(b.line, i + 1) << i;
  }
  // The fresh key's unknown write may or may not have taken effect: read 0 is fine.
  EXPECT_EQ(check_linearizable(h).verdict, LinVerdict::kLinearizable);
}

TEST(HistoryIo, DsimTolerates) {
  // A byte-order mark, CRLF, blank lines, fields in any order, extra fields, no "index".
  const std::string text = std::string("\xEF\xBB\xBF") + "\r\n" +
                           R"(  {"outcome":"ok","complete_ns":2,"invoke_ns":1,"value":3,"key":0,"op":"write","client":"c","extra":{"a":[1,2]}} )" +
                           "\r\n\n   \n" +
                           R"({"client":"c","op":"read","key":0,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})";
  const LinHistory h = read_ok(text, HistoryFormat::kDsim);
  ASSERT_EQ(h.ops.size(), 3u);
  EXPECT_EQ(h.ops[1].line, 2u);
  EXPECT_EQ(h.ops[2].line, 5u);
  EXPECT_EQ(h.ops[2].result, val(3));
  // A failed or unknown read may carry a value: ignored.
  const LinHistory u = read_ok(
      R"({"client":"c","op":"read","key":0,"value":5,"invoke_ns":4,"complete_ns":4,"outcome":"unknown"})",
      HistoryFormat::kDsim, LinModel::kRegister);
  ASSERT_EQ(u.ops.size(), 2u);
  EXPECT_EQ(u.ops[1].result, nil);
}

TEST(HistoryIo, DsimMistakes) {
  const auto k = HistoryFormat::kDsim;
  const std::string good =
      R"({"client":"c","op":"read","key":0,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})";
  // Bad JSON: where the parser stopped.
  expect_error(good + "\n" + R"({"client":"c","op":"read",})", k, 2, 27, "bad JSON");
  expect_error(R"({"client":"c", "op")", k, 1, 20, "bad JSON");
  expect_error("{\"client\":\"\xff\"}", k, 1, 12, "bad JSON");
  // Not an object.
  expect_error("  [1,2]", k, 1, 3, "expected a JSON object");
  // A missing field: the object.
  expect_error(R"(  {"client":"c","op":"read","key":0,"value":3,"invoke_ns":4,"outcome":"ok"})", k, 1, 3,
               "missing field \"complete_ns\"");
  // Values of the wrong type: where the value is.
  expect_error(R"({"client":"c","op":"read","key":"7","value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k, 1,
               33, "field \"key\" must be an integer >= 0, found a string \"7\"");
  expect_error(R"({"client":"c","op":"read","key":-1,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k, 1,
               33, "found -1");
  expect_error(R"({"client":7,"op":"read","key":1,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k, 1, 11,
               "field \"client\" must be a string");
  expect_error(R"({"client":"c","op":"read","key":1,"value":"3","invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k, 1,
               43, "field \"value\" must be an integer");
  expect_error(R"({"client":"c","op":"read","key":1,"value":null,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k, 1,
               43, "the value an ok read returned");
  expect_error(R"({"client":"c","op":"write","key":1,"value":null,"invoke_ns":4,"complete_ns":4,"outcome":"fail"})", k,
               1, 44, "the value written");
  expect_error(R"({"client":"c","op":"write","key":1,"value":1.5,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k, 1,
               44, "found 1.5");
  expect_error(R"({"client":"c","op":"write","key":1,"value":9223372036854775808,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})",
               k, 1, 44, "must be an integer");
  expect_error(R"({"client":"c","op":"read","key":1,"value":3,"invoke_ns":-4,"complete_ns":4,"outcome":"ok"})", k, 1, 57,
               "field \"invoke_ns\" must be an integer number of nanoseconds >= 0");
  expect_error(R"({"client":"c","op":"read","key":1,"value":3,"invoke_ns":5,"complete_ns":4,"outcome":"ok"})", k, 1, 73,
               "complete_ns (4) is before invoke_ns (5)");
  expect_error(R"({"index":"0","client":"c","op":"read","key":1,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})",
               k, 1, 10, "field \"index\" must be an integer >= 0");
  // Unknown words.
  expect_error(R"({"client":"c","op":"cas","key":1,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k, 1, 20,
               "unknown op \"cas\" (expected \"read\" or \"write\")");
  expect_error(R"({"client":"c","op":"read","key":1,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"timeout"})", k,
               1, 85, "unknown outcome \"timeout\"");
  // A field twice.
  expect_error(R"({"client":"c","op":"read","key":1,"key":2,"value":3,"invoke_ns":4,"complete_ns":4,"outcome":"ok"})", k,
               1, 35, "field \"key\" given twice");
  // Nothing at all, and the kv model.
  expect_error("", k, 0, 0, "no operations");
  expect_error("\n  \n", k, 0, 0, "no operations");
  expect_error(good, k, 0, 0, "the kv model does not apply", LinModel::kKv);
}

// ---- Jepsen log ----------------------------------------------------------------

TEST(HistoryIo, JepsenLogIssueLines) {
  const std::string text =
      "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]\n"
      "INFO  jepsen.util - 7\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 3\t:ok\t:cas\t[1 2]\n"
      "INFO  jepsen.util - 7\t:ok\t:read\t3\n"
      "INFO  jepsen.util - 2\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n"
      "INFO  jepsen.util - 5\t:invoke\t:write\t9\n"
      "INFO  jepsen.util - 5\t:fail\t:write\t9\n";
  const LinHistory h = read_ok(text, HistoryFormat::kJepsenLog);
  EXPECT_EQ(h.model, LinModel::kRegister);
  EXPECT_EQ(h.keys, (std::vector<std::string>{"0"}));
  EXPECT_EQ(h.clients, (std::vector<std::string>{"3", "7", "2", "5"}));
  ASSERT_EQ(h.ops.size(), 4u);
  const LinOp& cas = h.ops[0];
  EXPECT_EQ(cas.fn, LinFn::kCas);
  EXPECT_EQ(cas.arg, val(1));
  EXPECT_EQ(cas.arg2, val(2));
  EXPECT_EQ(cas.outcome, LinOutcome::kOk);
  EXPECT_EQ(cas.invoke, 0);
  EXPECT_EQ(cas.complete, 2);
  EXPECT_EQ(cas.line, 1u);
  const LinOp& read = h.ops[1];
  EXPECT_EQ(read.fn, LinFn::kRead);
  EXPECT_EQ(read.result, val(3));
  EXPECT_EQ(read.invoke, 1);
  EXPECT_EQ(read.complete, 3);
  const LinOp& info = h.ops[2];
  EXPECT_EQ(info.fn, LinFn::kWrite);
  EXPECT_EQ(info.arg, val(4));
  EXPECT_EQ(info.outcome, LinOutcome::kUnknown);
  EXPECT_EQ(info.invoke, 4);
  EXPECT_EQ(info.complete, kTimeMax);
  const LinOp& failed = h.ops[3];
  EXPECT_EQ(failed.outcome, LinOutcome::kFail);
  EXPECT_EQ(failed.complete, 7);
}

TEST(HistoryIo, JepsenLogSeparatorsAndSkippedLines) {
  const std::string text =
      "2017-03-01 10:00:00,000{GMT}\tINFO\t[main] jepsen.core: Running test\n"
      "INFO  jepsen.util - Relative time begins now\n"
      "\n"
      "# a comment that mentions 1\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 0 :invoke :read nil\n"                // single spaces
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"       // nemesis: skipped, not counted
      "INFO  jepsen.util -   1  \t :invoke   :write\t  5   \n"  // runs of both, trailing blanks
      "WARN  jepsen.util - 12 nodes are slow\n"                  // a message beginning with a number
      "INFO  jepsen.utils - 1\t:ok\t:write\t5\n"                 // another logger
      "INFO  jepsen.util - 0\t:ok\t:read\tnil\r\n"              // CRLF
      "INFO [2018-02-02 15:07:12,479] jepsen worker 1 - jepsen.util 1\t:ok\t:write\t5\n"
      "2017-03-01 10:00:01,000{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 0\t:ok\t:read\t5\tsome error text\n";  // an error field after the value
  const LinHistory h = read_ok(text, HistoryFormat::kJepsenLog);
  ASSERT_EQ(h.ops.size(), 3u);
  EXPECT_EQ(h.clients, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(h.ops[0].fn, LinFn::kRead);
  EXPECT_EQ(h.ops[0].result, nil);
  EXPECT_EQ(h.ops[0].outcome, LinOutcome::kOk);
  EXPECT_EQ(h.ops[0].invoke, 0);
  EXPECT_EQ(h.ops[0].complete, 2);
  EXPECT_EQ(h.ops[0].line, 5u);
  EXPECT_EQ(h.ops[1].arg, val(5));
  EXPECT_EQ(h.ops[1].invoke, 1);
  EXPECT_EQ(h.ops[1].complete, 3);
  EXPECT_EQ(h.ops[1].line, 7u);
  EXPECT_EQ(h.ops[2].result, val(5));
  EXPECT_EQ(h.ops[2].invoke, 4);
  EXPECT_EQ(h.ops[2].complete, 5);
}

TEST(HistoryIo, JepsenLogOpenReusedAndReinvoked) {
  const std::string text =
      "INFO jepsen.util - 4\t:invoke\t:write\t1\n"
      "INFO jepsen.util - 4\t:info\t:write\t:timed-out\n"
      "INFO jepsen.util - 4\t:invoke\t:read\tnil\n"  // a number used again after its :info
      "INFO jepsen.util - 4\t:ok\t:read\t1\n"
      "INFO jepsen.util - 6\t:invoke\t:cas\t[1 -2]\n"
      "INFO jepsen.util - 6\t:invoke\t:cas\t[nil 3]\n"  // invoked again before completing
      "INFO jepsen.util - 6\t:ok\t:cas\t[nil 3]\n"
      "INFO jepsen.util - 9\t:invoke\t:write\tnil\n";  // open at the end
  const LinHistory h = read_ok(text, HistoryFormat::kJepsenLog);
  ASSERT_EQ(h.ops.size(), 5u);
  EXPECT_EQ(h.clients, (std::vector<std::string>{"4", "6", "9"}));
  EXPECT_EQ(h.ops[0].outcome, LinOutcome::kUnknown);
  EXPECT_EQ(h.ops[1].outcome, LinOutcome::kOk);
  EXPECT_EQ(h.ops[1].client, 0u);
  EXPECT_EQ(h.ops[1].result, val(1));
  EXPECT_EQ(h.ops[2].outcome, LinOutcome::kUnknown);
  EXPECT_EQ(h.ops[2].complete, kTimeMax);
  EXPECT_EQ(h.ops[2].arg2, val(-2));
  EXPECT_EQ(h.ops[3].outcome, LinOutcome::kOk);
  EXPECT_EQ(h.ops[3].arg, nil);
  EXPECT_EQ(h.ops[3].arg2, val(3));
  EXPECT_EQ(h.ops[3].complete, 6);
  EXPECT_EQ(h.ops[4].outcome, LinOutcome::kUnknown);
  EXPECT_EQ(h.ops[4].complete, kTimeMax);
  EXPECT_EQ(h.ops[4].arg, nil);
}

TEST(HistoryIo, JepsenLogMistakes) {
  const auto k = HistoryFormat::kJepsenLog;
  const std::string inv = "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n";
  // A wrong type keyword, at the type field.
  expect_error("INFO  jepsen.util - 3\t:invok\t:read\tnil\n", k, 1, 23, "unknown type :invok");
  // An unknown function.
  expect_error("INFO  jepsen.util - 3 :invoke :increment 1\n", k, 1, 31, "unknown function :increment");
  expect_error("INFO  jepsen.util - 3 :invoke read nil\n", k, 1, 31, "expected a function keyword");
  expect_error("INFO  jepsen.util - 3 :invoke\n", k, 1, 30, "missing function");
  // A completion without an invocation, and one of another function.
  expect_error(inv + "INFO  jepsen.util - 4\t:ok\t:read\t3\n", k, 2, 23, "a :ok completion of process 4 without an invocation");
  expect_error(inv + "INFO  jepsen.util - 3\t:ok\t:read\t3\nINFO  jepsen.util - 3\t:fail\t:read\t3\n", k, 3, 23,
               "without an invocation");
  expect_error(inv + "INFO  jepsen.util - 3\t:ok\t:write\t3\n", k, 2, 27,
               "process 3 completes :write, but the operation it invoked at line 1 is :read");
  // Values of the wrong type, where the value is.
  expect_error("INFO  jepsen.util - 3\t:invoke\t:write\t\"4\"\n", k, 1, 38,
               "the value of :write must be an integer or nil, found a string \"4\"");
  expect_error("INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2 3]\n", k, 1, 36, "a vector [from to]");
  expect_error("INFO  jepsen.util - 3\t:invoke\t:cas\t4\n", k, 1, 36, "a vector [from to]");
  expect_error(inv + "INFO  jepsen.util - 3\t:ok\t:read\t:timed-out\n", k, 2, 33,
               "the value of :read must be an integer or nil (the value read), found the keyword :timed-out");
  expect_error("INFO  jepsen.util - 3\t:invoke\t:write\t99999999999999999999\n", k, 1, 38, "out of range");
  expect_error("INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2\n", k, 1, 36, "unterminated vector");
  expect_error("INFO  jepsen.util - 3\t:invoke\t:write\t\n", k, 1, 38, "missing value");
  expect_error("INFO  jepsen.util - 99999999999999999999\t:invoke\t:write\t1\n", k, 1, 21, "out of range");
  // Nothing that is an event; the kv model.
  expect_error("INFO  jepsen.core - Running\nINFO  jepsen.util - Relative time begins now\n", k, 0, 0,
               "no operations");
  expect_error(inv, k, 0, 0, "the kv model does not apply", LinModel::kKv);
}

// ---- Jepsen EDN ------------------------------------------------------------------

TEST(HistoryIo, JepsenEdnPorcupineKv) {
  const std::string text =
      R"({:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"})"
      "\n"
      R"({:process 1, :type :invoke, :f :get, :key "4", :value nil})"
      "\n"
      R"({:process :nemesis, :type :info, :f :start, :value nil})"
      "\n"
      R"({:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"})"
      "\n"
      R"({:process 1, :type :ok, :f :get, :key "4", :value "x 0 1 y"})"
      "\n"
      R"({:process 2, :type :invoke, :f :put, :key "a\"b", :value "q \"u\" \\ o\n\t\u00e9\ud83d\ude00 /\/"})"
      "\n"
      R"({:process 2, :type :info, :f :put, :key "a\"b", :value nil})"
      "\n"
      R"({:process 3, :type :invoke, :f :get, :key 12, :value nil} ; a comment)"
      "\n"
      R"({:process 3 :type :ok :f :get :key "12" :value nil})"
      "\n"
      R"({:process 1, :type :invoke, :f :get, :key "4"})"
      "\n";
  const LinHistory h = read_ok(text, HistoryFormat::kJepsenEdn);
  EXPECT_EQ(h.model, LinModel::kKv);
  EXPECT_EQ(h.keys, (std::vector<std::string>{"4", "a\"b", "12"}));
  EXPECT_EQ(h.clients, (std::vector<std::string>{"0", "1", "2", "3"}));
  ASSERT_EQ(h.ops.size(), 5u);
  EXPECT_EQ(h.ops[0].fn, LinFn::kAppend);
  EXPECT_EQ(h.ops[0].text, "x 0 1 y");
  EXPECT_EQ(h.ops[0].invoke, 0);
  EXPECT_EQ(h.ops[0].complete, 2);  // the nemesis map is not an event
  EXPECT_EQ(h.ops[1].fn, LinFn::kGet);
  EXPECT_EQ(h.ops[1].text_result, "x 0 1 y");
  EXPECT_EQ(h.ops[1].outcome, LinOutcome::kOk);
  EXPECT_EQ(h.ops[2].fn, LinFn::kPut);
  EXPECT_EQ(h.ops[2].text, "q \"u\" \\ o\n\t\xC3\xA9\xF0\x9F\x98\x80 //");
  EXPECT_EQ(h.ops[2].outcome, LinOutcome::kUnknown);
  EXPECT_EQ(h.ops[2].complete, kTimeMax);
  EXPECT_EQ(h.ops[2].line, 6u);
  EXPECT_EQ(h.ops[3].text_result, "");  // nil: a key never written
  EXPECT_EQ(h.ops[3].outcome, LinOutcome::kOk);
  EXPECT_EQ(h.ops[4].outcome, LinOutcome::kUnknown);  // open at the end
  EXPECT_EQ(h.ops[4].complete, kTimeMax);
}

TEST(HistoryIo, JepsenEdnTimes) {
  const std::string timed =
      "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"v\", :time 1000}\n"
      "{:process :nemesis, :type :info, :f :kill}\n"
      "{:process 0, :type :ok, :f :put, :key \"k\", :value \"v\", :time 1500, :index 1, :error [:x {:y #{1 2}}]}\n";
  const LinHistory a = read_ok(timed, HistoryFormat::kJepsenEdn);
  ASSERT_EQ(a.ops.size(), 1u);
  EXPECT_EQ(a.ops[0].invoke, 1000);
  EXPECT_EQ(a.ops[0].complete, 1500);
  // One operation's event without :time: the event order for all.
  const std::string partly =
      "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"v\", :time 1000}\n"
      "{:process 0, :type :ok, :f :put, :key \"k\", :value \"v\"}\n";
  const LinHistory b = read_ok(partly, HistoryFormat::kJepsenEdn);
  ASSERT_EQ(b.ops.size(), 1u);
  EXPECT_EQ(b.ops[0].invoke, 0);
  EXPECT_EQ(b.ops[0].complete, 1);
}

TEST(HistoryIo, JepsenEdnKnossosRegisterVector) {
  const std::string text =
      "[{:process 70, :type :invoke, :f :read, :value nil}\n"
      " {:process 75, :type :invoke, :f :write, :value 3}\n"
      " {:process 70, :type :ok, :f :read, :value nil}\n"
      " #_{:process 99, :type :invoke, :f :read, :value nil}\n"
      " {:process 78, :type :invoke, :f :cas, :value [2 1]}\n"
      " {:process 75, :type :ok, :f :write, :value 3}\n"
      " {:process 78, :type :fail, :f :cas, :value [2 1]}]\n";
  const LinHistory h = read_ok(text, HistoryFormat::kJepsenEdn);  // register, from the first :f
  EXPECT_EQ(h.model, LinModel::kRegister);
  EXPECT_EQ(h.keys, (std::vector<std::string>{"0"}));
  ASSERT_EQ(h.ops.size(), 3u);
  EXPECT_EQ(h.ops[0].result, nil);
  EXPECT_EQ(h.ops[1].arg, val(3));
  EXPECT_EQ(h.ops[2].outcome, LinOutcome::kFail);
  EXPECT_EQ(h.ops[2].line, 5u);
  // The model given wins: kv refuses :read.
  expect_error(text, HistoryFormat::kJepsenEdn, 1, 34, "unknown function :read (expected :get, :put or :append",
               LinModel::kKv);
  // And a register with keys.
  const LinHistory keyed = read_ok("{:process 1, :type :invoke, :f :get, :key \"a\", :value nil}\n",
                                   HistoryFormat::kJepsenEdn);
  EXPECT_EQ(keyed.model, LinModel::kKv);
  const LinHistory reg = read_ok("{:process 1, :type :invoke, :f :write, :key 3, :value 1}\n"
                                 "{:process 2, :type :invoke, :f :write, :key \"x\", :value 1}\n",
                                 HistoryFormat::kJepsenEdn, LinModel::kRegister);
  EXPECT_EQ(reg.keys, (std::vector<std::string>{"3", "x"}));
}

TEST(HistoryIo, JepsenEdnMistakes) {
  const auto k = HistoryFormat::kJepsenEdn;
  const std::string inv = "{:process 0, :type :invoke, :f :get, :key \"k\", :value nil}\n";
  // An unterminated string: where it opens.
  expect_error("{:process 0, :type :invoke, :f :put, :key \"k, :value nil}\n", k, 1, 43,
               "unterminated string");
  expect_error(inv + "{:process 0, :type :ok, :f :get, :key \"k\", :value \"abc}\n{:process 1}\n", k, 2, 51,
               "unterminated string");
  expect_error("{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\\qb\"}\n", k, 1, 57,
               "unknown escape '\\q'");
  expect_error("{:process 0, :type :invoke, :f :put, :key \"k\", :value \"\\u12\"}\n", k, 1, 56, "four hexadecimal");
  expect_error("{:process 0, :type :invoke, :f :put, :key \"k\", :value \"\\udc00\"}\n", k, 1, 56, "lone low surrogate");
  // A wrong type keyword, an unknown function.
  expect_error("{:process 0, :type :invok, :f :get, :key \"k\"}\n", k, 1, 20, "unknown :type :invok");
  expect_error("{:process 0, :type \"invoke\", :f :get, :key \"k\"}\n", k, 1, 20, ":type must be a keyword");
  expect_error(inv + "{:process 1, :type :invoke, :f :cas, :key \"k\", :value [1 2]}\n", k, 2, 32,
               "unknown function :cas (expected :get, :put or :append");
  expect_error("{:process 0, :type :invoke, :f \"get\", :key \"k\"}\n", k, 1, 32, ":f must be a keyword");
  // Completions.
  expect_error("{:process 5, :type :ok, :f :get, :key \"k\", :value \"\"}\n", k, 1, 20,
               "a :ok completion of process 5 without an invocation");
  expect_error(inv + "{:process 0, :type :ok, :f :put, :key \"k\", :value \"\"}\n", k, 2, 28,
               "process 0 completes :put, but the operation it invoked at line 1 is :get");
  // Missing and mistyped fields.
  expect_error("  {:type :invoke, :f :get, :key \"k\"}\n", k, 1, 3, "missing :process");
  expect_error("{:process 0, :f :get, :key \"k\"}\n", k, 1, 1, "missing :type");
  expect_error("{:process 0, :type :invoke, :key \"k\"}\n", k, 1, 1, "missing :f");
  expect_error("{:process 0, :type :invoke, :f :get}\n", k, 1, 1, "missing :key");
  expect_error("{:process \"0\", :type :invoke, :f :get, :key \"k\"}\n", k, 1, 11, ":process must be an integer");
  expect_error("{:process 0, :type :invoke, :f :get, :key [1]}\n", k, 1, 43, ":key must be a string or an integer");
  expect_error("{:process 0, :type :invoke, :f :put, :key \"k\", :value 3}\n", k, 1, 55,
               "the value of :put must be a string, found the integer 3");
  expect_error("{:process 0, :type :invoke, :f :append, :key \"k\"}\n", k, 1, 1,
               "the value of :append must be a string, found no value");
  expect_error(inv + "{:process 0, :type :ok, :f :get, :key \"k\", :value 3}\n", k, 2, 51,
               "the value of :get must be a string (the value read) or nil");
  expect_error("{:process 0, :type :invoke, :f :get, :key \"k\", :time 1.5}\n", k, 1, 54, ":time must be an integer");
  expect_error("{:process 0, :process 1, :type :invoke, :f :get, :key \"k\"}\n", k, 1, 14,
               "key :process given twice");
  // Structure.
  expect_error(inv + "[:process 0]\n", k, 2, 2, "expected a map");
  expect_error(inv + "\"x\"\n", k, 2, 1, "expected a map {:process ..., :type ..., :f ..., :value ...} for each operation, found a string");
  expect_error("{:process 0, :type :invoke, :f :get, :key \"k\"\n", k, 1, 1, "unterminated map");
  expect_error("[{:process 0, :type :invoke, :f :get, :key \"k\"}\n", k, 1, 1, "unterminated vector");
  expect_error("{:process 0, :type :invoke]\n", k, 1, 27, "unexpected ']' in a map opened at line 1, column 1");
  expect_error(inv + "}\n", k, 2, 1, "unexpected '}'");
  expect_error("{:process 0, :type :invoke, :f}\n", k, 1, 29, "a map's key without a value: the keyword :f");
  expect_error("{:process 0, : 1}\n", k, 1, 14, "a ':' without a keyword name");
  expect_error("{:process 0, :type :invoke, :f :get, :key \"k\", :value \x01}\n", k, 1, 55, "control character");
  expect_error(std::string(200, '[') + std::string(200, ']'), k, 1, 66, "nested more than 64 deep");
  expect_error("", k, 0, 0, "no operations");
  expect_error("{:process :nemesis, :type :info, :f :start}\n", k, 0, 0, "no operations");
}

// ---- a NUL byte, in every format --------------------------------------------------

TEST(HistoryIo, NulByte) {
  const std::string text = std::string("abc\nde") + '\0' + "f\n";
  for (HistoryFormat f : {HistoryFormat::kDsim, HistoryFormat::kJepsenLog, HistoryFormat::kJepsenEdn})
    expect_error(text, f, 2, 3, "a NUL byte");
}

// ---- sniffing --------------------------------------------------------------------

TEST(HistoryIo, Sniff) {
  EXPECT_EQ(sniff_history_format("\n  {\"index\":0,\"client\":\"c\"}\n"), HistoryFormat::kDsim);
  EXPECT_EQ(sniff_history_format("\xEF\xBB\xBF{ \"client\":\"c\"}"), HistoryFormat::kDsim);
  EXPECT_EQ(sniff_history_format("{:process 0, :type :invoke}\n"), HistoryFormat::kJepsenEdn);
  EXPECT_EQ(sniff_history_format("[{:process 0, :type :invoke}\n"), HistoryFormat::kJepsenEdn);
  EXPECT_EQ(sniff_history_format("[\n{:process 0}]"), HistoryFormat::kJepsenEdn);
  EXPECT_EQ(sniff_history_format("; a comment\n{:process 0}"), HistoryFormat::kJepsenEdn);
  EXPECT_EQ(sniff_history_format("INFO  jepsen.util - 3\t:invoke\t:cas\t[1 2]\n"), HistoryFormat::kJepsenLog);
  EXPECT_EQ(sniff_history_format("# verdict: ok\r\n\r\nWARN  something - else\n"), HistoryFormat::kJepsenLog);
  EXPECT_EQ(sniff_history_format("2017-03-01 10:00:00,000{GMT}\tINFO\t[main] jepsen.core: Running\n"),
            HistoryFormat::kJepsenLog);
  EXPECT_EQ(sniff_history_format(""), std::nullopt);
  EXPECT_EQ(sniff_history_format("\n \n# only a comment\n"), std::nullopt);
  EXPECT_EQ(sniff_history_format("hello world\nINFO jepsen.util - 1\t:invoke\t:read\tnil"), std::nullopt);
  EXPECT_EQ(sniff_history_format("{}"), std::nullopt);
  EXPECT_EQ(sniff_history_format("[1, 2]"), std::nullopt);
}

// ---- the sample files ------------------------------------------------------------

struct Sample {
  const char* name;
  HistoryFormat format;
  LinModel model;
  LinVerdict verdict;
};

const Sample kSamples[] = {
    {"knossos-style-cas-ok.log", HistoryFormat::kJepsenLog, LinModel::kRegister, LinVerdict::kLinearizable},
    {"knossos-style-cas-bad.log", HistoryFormat::kJepsenLog, LinModel::kRegister, LinVerdict::kNotLinearizable},
    {"porcupine-style-kv-ok.edn", HistoryFormat::kJepsenEdn, LinModel::kKv, LinVerdict::kLinearizable},
    {"porcupine-style-kv-bad.edn", HistoryFormat::kJepsenEdn, LinModel::kKv, LinVerdict::kNotLinearizable},
    {"knossos-style-register-vector-ok.edn", HistoryFormat::kJepsenEdn, LinModel::kRegister,
     LinVerdict::kLinearizable},
    {"dsim-register-ok.jsonl", HistoryFormat::kDsim, LinModel::kRegister, LinVerdict::kLinearizable},
    {"dsim-stale-read-bad.jsonl", HistoryFormat::kDsim, LinModel::kRegister, LinVerdict::kNotLinearizable},
};

TEST(HistoryIo, SampleFilesAndTheirVerdicts) {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(samples()))
    if (entry.path().extension() != ".md") ++files;
  EXPECT_EQ(files, std::size(kSamples)) << "every sample needs a row here (and in the folder's README.md)";
  for (const Sample& s : kSamples) {
    SCOPED_TRACE(s.name);
    const std::string text = slurp(samples() / s.name);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(sniff_history_format(text), s.format);
    const LinHistory h = read_ok(text, s.format);
    EXPECT_EQ(h.model, s.model);
    const LinResult r = check_linearizable(h);
    EXPECT_EQ(r.verdict, s.verdict) << verdict_name(r.verdict);
    EXPECT_EQ(r.ops_ignored, 0u);
    EXPECT_EQ(std::string(s.name).find("-ok.") != std::string::npos, s.verdict == LinVerdict::kLinearizable);
  }
}

TEST(HistoryIo, SampleDetails) {
  const LinHistory log = read_ok(slurp(samples() / "knossos-style-cas-ok.log"), HistoryFormat::kJepsenLog);
  std::size_t unknown = 0, failed = 0;
  for (const LinOp& op : log.ops) {
    unknown += op.outcome == LinOutcome::kUnknown;
    failed += op.outcome == LinOutcome::kFail;
  }
  EXPECT_EQ(log.ops.size(), 10u);
  EXPECT_EQ(unknown, 2u);  // the :info write and the cas open at the end
  EXPECT_EQ(failed, 1u);
  const LinHistory edn = read_ok(slurp(samples() / "knossos-style-register-vector-ok.edn"), HistoryFormat::kJepsenEdn);
  ASSERT_FALSE(edn.ops.empty());
  EXPECT_EQ(edn.ops.front().invoke, 1000);  // :time on every operation
  EXPECT_EQ(edn.ops.back().complete, 6500);
}

// ---- robustness ---------------------------------------------------------------------

// Reads `text` in every format, with every model choice: must return (either
// alternative) and never throw; a history read must be consistent.
void read_every_way(std::string_view text) {
  for (HistoryFormat f : {HistoryFormat::kDsim, HistoryFormat::kJepsenLog, HistoryFormat::kJepsenEdn}) {
    for (std::optional<LinModel> m : {std::optional<LinModel>{}, std::optional<LinModel>{LinModel::kRegister},
                                      std::optional<LinModel>{LinModel::kKv}}) {
      std::variant<LinHistory, HistoryReadError> r;
      ASSERT_NO_THROW(r = read_history(text, "x", f, m));
      if (const auto* h = std::get_if<LinHistory>(&r)) {
        ASSERT_FALSE(h->ops.empty());
        for (const LinOp& op : h->ops) {
          ASSERT_LT(op.key, h->keys.size());
          ASSERT_LT(op.client, h->clients.size());
        }
      } else {
        const auto& e = std::get<HistoryReadError>(r);
        ASSERT_FALSE(e.message.empty());
        ASSERT_GE(e.line, 0);
        ASSERT_GE(e.column, 0);
      }
    }
    (void)sniff_history_format(text);
  }
}

TEST(HistoryIo, RandomBytesNeverThrow) {
  std::mt19937_64 rng(20240601);
  const std::string alphabet = "{}[]():\"\\ ,;#_\t\n\r-+0123456789nilNaeoutrsvkyfpcdgw.jepsn";
  for (int i = 0; i < 3000; ++i) {
    const std::size_t n = rng() % 200;
    std::string text(n, ' ');
    const bool structured = i % 2 == 0;  // half from characters that mean something
    for (char& c : text)
      c = structured ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng() % 256);
    read_every_way(text);
  }
}

TEST(HistoryIo, TruncatedAndMutatedSamplesNeverThrow) {
  std::mt19937_64 rng(7);
  for (const Sample& s : kSamples) {
    SCOPED_TRACE(s.name);
    const std::string text = slurp(samples() / s.name);
    for (std::size_t n = 0; n <= text.size(); ++n) {
      auto r = read_history(std::string_view(text).substr(0, n), "x", s.format);
      (void)r;
    }
    for (int i = 0; i < 300; ++i) {
      std::string m = text;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = rng() % m.size();
        switch (rng() % 3) {
          case 0: m[at] = static_cast<char>(rng() % 256); break;
          case 1: m.erase(at, 1 + rng() % 8); break;
          default: m.insert(at, 1, "{}[]\":\\ \n"[rng() % 9]); break;
        }
        if (m.empty()) m = "x";
      }
      read_every_way(m);
    }
  }
}

TEST(HistoryIo, DeepNestingIsRefusedNotOverflowed) {
  const std::size_t n = 200000;
  read_every_way(std::string(n, '['));
  read_every_way(std::string(n, '{'));
  std::string discards;
  for (std::size_t i = 0; i < n; ++i) discards += "#_";
  read_every_way(discards);
  read_every_way("{\"client\":" + std::string(n, '[') + std::string(n, ']') + "}");
  read_every_way("INFO jepsen.util - 1\t:invoke\t:write\t" + std::string(n, '['));
  std::string tags;
  for (std::size_t i = 0; i < n; ++i) tags += "#a ";
  read_every_way(tags + "1");
}

}  // namespace
}  // namespace dsim
