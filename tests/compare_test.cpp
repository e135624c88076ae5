// Figure-by-figure comparison of summaries (analysis/compare.h).
#include <gtest/gtest.h>

#include "dsim/analysis/compare.h"

namespace dsim {
namespace {

using Json = nlohmann::ordered_json;

TEST(Compare, EveryLeafByPathWithDifferencesOfNumbers) {
  const Json a = Json::parse(R"({"requests": {"sent": 100, "failed": {"timeout": 0}}, "latency_ms": {"p99": 20.0},
                                 "consistency": {"linearizable": false}, "faults": [{"target": "db-0"}], "only_a": 1})");
  const Json b = Json::parse(R"({"requests": {"sent": 150, "failed": {"timeout": 5}}, "latency_ms": {"p99": 10.0},
                                 "consistency": {"linearizable": true}, "faults": [{"target": "db-0"}], "only_b": "x"})");
  const auto f = compare_summaries(a, b);
  ASSERT_EQ(f.size(), 7u);
  EXPECT_EQ(f[0].figure, "requests.sent");
  EXPECT_DOUBLE_EQ(*f[0].diff, 50.0);
  EXPECT_DOUBLE_EQ(*f[0].relative, 0.5);
  EXPECT_EQ(f[1].figure, "requests.failed.timeout");
  EXPECT_DOUBLE_EQ(*f[1].diff, 5.0);
  EXPECT_FALSE(f[1].relative.has_value());  // from 0: no relative difference
  EXPECT_DOUBLE_EQ(*f[2].relative, -0.5);
  EXPECT_EQ(f[3].figure, "consistency.linearizable");
  EXPECT_FALSE(f[3].diff.has_value());
  EXPECT_FALSE(f[3].same());
  EXPECT_EQ(f[4].figure, "faults[0].target");
  EXPECT_TRUE(f[4].same());
  EXPECT_EQ(f[5].figure, "only_a");
  EXPECT_FALSE(f[5].b.has_value());
  EXPECT_EQ(f[6].figure, "only_b");
  EXPECT_FALSE(f[6].a.has_value());

  const std::string table = comparison_table(f, "A", "B", true);
  EXPECT_NE(table.find("requests.sent"), std::string::npos);
  EXPECT_NE(table.find("+50.00%"), std::string::npos);
  EXPECT_NE(table.find("differs"), std::string::npos);
  EXPECT_EQ(table.find("faults[0].target"), std::string::npos);  // unchanged: left out
  const Json j = comparison_json(f, "a.json", "b.json");
  EXPECT_EQ(j["figures"].size(), 7u);
  EXPECT_TRUE(j["figures"][5]["b"].is_null());
  EXPECT_EQ(j["figures"][0]["diff"], 50.0);
}

}  // namespace
}  // namespace dsim
