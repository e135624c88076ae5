// Valid but extreme scenarios: what the input controls (depth of the call
// graph, number of components, ranges of durations) must never crash dsim,
// overflow its stack or make it quadratic. Each test is a class of bug found
// by fuzzing or by abuse (issue 9), kept as a regression test.
#include <gtest/gtest.h>

#include <string>

#include "cli_helpers.h"
#include "dsim/analysis/graph.h"
#include "helpers.h"

namespace dsim {
namespace {

// A chain of `n` services, s0 -> s1 -> ... -> s(n-1), each calling the next.
std::string service_chain(int n) {
  std::string y = "duration: 1s\ncomponents:\n  clients: {kind: client, rate: 20/s, target: s0}\n";
  y.reserve(static_cast<std::size_t>(n) * 64);
  for (int i = 0; i < n; ++i) {
    y += "  s" + std::to_string(i) + ": {kind: service, service_time: 1us";
    if (i + 1 < n) y += ", calls: [s" + std::to_string(i + 1) + "]";
    y += "}\n";
  }
  return y;
}

// The call-graph checks walked the graph recursively: a chain of 30,000
// services overflowed the stack (SIGSEGV, no message). No recursion depth may
// follow the input.
TEST(Abuse, DeepCallChainLoadsGraphsAndRuns) {
  constexpr int kDepth = 30000;
  auto s = testing::load_or_fail(service_chain(kDepth));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->spec().components.size(), static_cast<std::size_t>(kDepth + 1));
  const std::string dot = topology_dot(s->spec());
  EXPECT_NE(dot.find("\"s29998\" -> \"s29999\""), std::string::npos);
  const RunRecord r = testing::run_or_fail(s->spec());
  EXPECT_GT(r.requests.sent, 0u);
  EXPECT_EQ(r.requests.sent, r.requests.succeeded + r.requests.failed.total());
  EXPECT_EQ(r.components.size(), static_cast<std::size_t>(kDepth + 1));
}

// A cycle at the end of a long chain is still found, with the cycle named.
TEST(Abuse, CycleAtTheEndOfADeepChainIsReported) {
  std::string y = service_chain(20000);
  y += "  tail: {kind: service, service_time: 1us, calls: [s19999]}\n";
  // s19999 calls back into tail: replace its line.
  const std::string last = "  s19999: {kind: service, service_time: 1us}\n";
  y.replace(y.find(last), last.size(), "  s19999: {kind: service, service_time: 1us, calls: [tail]}\n");
  const Diagnostic d = testing::load_error(y);
  EXPECT_NE(d.message.find("cycle"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("tail"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace dsim
