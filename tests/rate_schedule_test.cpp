// A client's rate over time (models/rate_schedule.h): its values, and the
// pieces thinning draws candidates from, whose bound the rate never exceeds.
#include <gtest/gtest.h>

#include "dsim/models/rate_schedule.h"

namespace dsim {
namespace {

// Over [from, to) every piece's bound holds at every millisecond inside it,
// and the pieces tile the span.
void expect_bounds_hold(const RateSchedule& s, Time from, Time to) {
  int pieces = 0;
  for (Time t = from; t < to; ++pieces) {
    const RateSchedule::Segment seg = s.segment(t);
    ASSERT_GT(seg.end, t);
    for (Time u = t; u < std::min(seg.end, to); u += kMillisecond)
      ASSERT_LE(s.rate_at(u), seg.bound * (1 + 1e-12)) << "at " << u << " in [" << t << ", " << seg.end << ")";
    t = seg.end;
  }
  EXPECT_GT(pieces, 0);
}

TEST(RateSchedule, PointsAreLinearBetweenAndFlatOutside) {
  const RateSchedule s = RateSchedule::points({{0, 200}, {10 * kMinute, 2000}, {20 * kMinute, 200}});
  EXPECT_DOUBLE_EQ(s.rate_at(0), 200);
  EXPECT_DOUBLE_EQ(s.rate_at(5 * kMinute), 1100);
  EXPECT_DOUBLE_EQ(s.rate_at(10 * kMinute), 2000);
  EXPECT_DOUBLE_EQ(s.rate_at(15 * kMinute), 1100);
  EXPECT_DOUBLE_EQ(s.rate_at(3 * kHour), 200);  // constant after the last
  EXPECT_TRUE(s.varies());
  EXPECT_DOUBLE_EQ(s.peak(kHour), 2000);
  expect_bounds_hold(s, 0, 30 * kMinute);
  // The pieces end at the points.
  EXPECT_EQ(s.segment(kMinute).end, 10 * kMinute);
  EXPECT_DOUBLE_EQ(s.segment(kMinute).bound, 2000);
  EXPECT_EQ(s.segment(25 * kMinute).end, kTimeMax);
}

TEST(RateSchedule, ADiurnalCurvePeaksWhereItSays) {
  const RateSchedule s = RateSchedule::diurnal({1000, 0.6, 24 * kHour, 14 * kHour});
  EXPECT_DOUBLE_EQ(s.rate_at(14 * kHour), 1600);
  EXPECT_DOUBLE_EQ(s.rate_at(2 * kHour), 400);
  EXPECT_DOUBLE_EQ(s.rate_at(38 * kHour), 1600);  // a day later
  EXPECT_NEAR(s.rate_at(8 * kHour), 1000, 1e-9);  // a quarter period before the peak
  EXPECT_DOUBLE_EQ(s.peak(48 * kHour), 1600);
  expect_bounds_hold(s, 0, 48 * kHour);
  // Bounded piece by piece (1/96 of a day), not by the peak everywhere: at
  // night a piece's bound is far below it.
  EXPECT_LT(s.segment(2 * kHour).bound, 420);
}

TEST(RateSchedule, BurstsMultiplyAndCutThePieces) {
  RateSchedule s = RateSchedule::constant(100);
  EXPECT_FALSE(s.varies());
  s.add_burst({5 * kMinute, 30 * kSecond, 5});
  s.add_burst({5 * kMinute + 10 * kSecond, 10 * kSecond, 2});  // overlapping: both apply
  EXPECT_DOUBLE_EQ(s.rate_at(4 * kMinute), 100);
  EXPECT_DOUBLE_EQ(s.rate_at(5 * kMinute), 500);
  EXPECT_DOUBLE_EQ(s.rate_at(5 * kMinute + 15 * kSecond), 1000);
  EXPECT_DOUBLE_EQ(s.rate_at(5 * kMinute + 30 * kSecond), 100);  // [at, at + for)
  EXPECT_EQ(s.segment(0).end, 5 * kMinute);
  EXPECT_DOUBLE_EQ(s.segment(0).bound, 100);
  EXPECT_DOUBLE_EQ(s.peak(kHour), 1000);
  expect_bounds_hold(s, 0, 10 * kMinute);
  RateSchedule d = RateSchedule::diurnal({1000, 1.0, kHour, 0});
  d.add_burst({10 * kMinute, kMinute, 3});
  EXPECT_DOUBLE_EQ(d.rate_at(30 * kMinute), 0);  // amplitude 100%: nothing at the trough
  expect_bounds_hold(d, 0, 2 * kHour);
}

}  // namespace
}  // namespace dsim
