// Quantities with units, as written in scenario files.
#include <gtest/gtest.h>

#include "dsim/sim/units.h"

namespace dsim::units {
namespace {

TEST(Units, Durations) {
  EXPECT_EQ(parse_duration("250us").value, 250'000);
  EXPECT_EQ(parse_duration("10ms").value, 10'000'000);
  EXPECT_EQ(parse_duration("1.5s").value, 1'500'000'000);
  EXPECT_EQ(parse_duration("2m").value, 120e9);
  EXPECT_EQ(parse_duration("1h").value, 3600e9);
  EXPECT_EQ(parse_duration("7ns").value, 7);
  EXPECT_EQ(parse_duration("0.1ms").value, 100'000);
  EXPECT_EQ(parse_duration("10 ms").value, 10'000'000);
  EXPECT_EQ(parse_duration("0").value, 0);
  EXPECT_EQ(parse_duration("1e3us").value, 1'000'000);
  EXPECT_EQ(parse_duration("-5s").value, -5e9);  // sign checked by the caller
}

TEST(Units, DurationErrorsSayWhatIsValid) {
  EXPECT_NE(parse_duration("5").error.find("needs a unit"), std::string::npos);
  EXPECT_NE(parse_duration("5 parsecs").error.find("valid units: ns, us, ms, s, m, h, d"), std::string::npos);
  EXPECT_FALSE(parse_duration("fast").ok());
  EXPECT_FALSE(parse_duration("").ok());
  EXPECT_FALSE(parse_duration("1e400s").ok());
}

TEST(Units, Rates) {
  EXPECT_DOUBLE_EQ(parse_rate("2000/s").value, 2000);
  EXPECT_DOUBLE_EQ(parse_rate("14.4/ms").value, 14400);
  EXPECT_DOUBLE_EQ(parse_rate("60/m").value, 1);
  EXPECT_DOUBLE_EQ(parse_rate("3600 / h").value, 1);
  EXPECT_FALSE(parse_rate("2000").ok());
  EXPECT_NE(parse_rate("100/fortnight").error.find("unknown time unit"), std::string::npos);
}

TEST(Units, SizesAndBandwidths) {
  EXPECT_EQ(parse_size("1KB").value, 1000);
  EXPECT_EQ(parse_size("4KiB").value, 4096);
  EXPECT_EQ(parse_size("512").value, 512);
  EXPECT_EQ(parse_size("2MB").value, 2e6);
  EXPECT_FALSE(parse_size("3 furlongs").ok());
  EXPECT_EQ(parse_bandwidth("1Gbps").value, 1e9);
  EXPECT_EQ(parse_bandwidth("100Mbps").value, 1e8);
  EXPECT_EQ(parse_bandwidth("125MB/s").value, 1e9);
  EXPECT_FALSE(parse_bandwidth("1G").ok());
}

TEST(Units, Fractions) {
  EXPECT_DOUBLE_EQ(parse_fraction("0.1%").value, 0.001);
  EXPECT_DOUBLE_EQ(parse_fraction("0.25").value, 0.25);
  EXPECT_DOUBLE_EQ(parse_fraction("100%").value, 1.0);
  EXPECT_FALSE(parse_fraction("half").ok());
}

TEST(Units, Formatting) {
  EXPECT_EQ(format_duration(250'000), "250us");
  EXPECT_EQ(format_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_duration(120 * kSecond), "2m");
  EXPECT_EQ(format_bandwidth(1e9), "1Gbps");
}

}  // namespace
}  // namespace dsim::units
