// A client's rate over time (models/rate_schedule.h): its values, and the
// pieces thinning draws candidates from, whose bound the rate never exceeds.
#include <gtest/gtest.h>

#include <limits>

#include "dsim/models/rate_schedule.h"

namespace dsim {
namespace {

// Over [from, to) every piece's bound holds at 200,000 points spread over
// the span (every millisecond at most) and at each piece's last
// nanosecond, and the pieces tile the span.
void expect_bounds_hold(const RateSchedule& s, Time from, Time to) {
  int pieces = 0;
  const Time step = std::max<Time>(kMillisecond, (to - from) / 200'000);
  for (Time t = from; t < to; ++pieces) {
    const RateSchedule::Segment seg = s.segment(t);
    ASSERT_GT(seg.end, t);
    if (seg.end <= to) {
      ASSERT_LE(s.rate_at(seg.end - 1), seg.bound * (1 + 1e-12));
    }
    for (Time u = t; u < std::min(seg.end, to); u += step)
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

// expected() is the rate's integral, and time_for() its inverse: from any
// time, time_for(t, x) is where x more arrivals are expected.
void expect_inverse(const RateSchedule& s, Time span) {
  for (int i = 0; i < 200; ++i) {
    const double from = static_cast<double>(span) * (i * 0.618034 - static_cast<int>(i * 0.618034));
    for (double amount : {0.5, 1.0, 3.0, 1000.0}) {
      const double t = s.time_for(from, amount);
      ASSERT_GE(t, from);
      ASSERT_NEAR(s.expected(from, t), amount, 1e-6 * amount + 1e-6) << "from " << from << " amount " << amount;
    }
  }
}

TEST(RateSchedule, ExpectedArrivalsAreTheRatesIntegral) {
  const RateSchedule p = RateSchedule::points({{0, 200}, {10 * kMinute, 2000}, {20 * kMinute, 200}});
  // Two trapezoids of 600 s, then 200/s flat.
  EXPECT_NEAR(p.expected(0, 20.0 * kMinute), 2 * 1100.0 * 600, 1e-6);
  EXPECT_NEAR(p.expected(20.0 * kMinute, 30.0 * kMinute), 200.0 * 600, 1e-6);
  EXPECT_NEAR(p.expected(0, 5.0 * kMinute), (200.0 + 1100) / 2 * 300, 1e-6);
  const RateSchedule d = RateSchedule::diurnal({1000, 0.6, 24 * kHour, 14 * kHour});
  EXPECT_NEAR(d.expected(0, 24.0 * kHour), 1000.0 * 86400, 1e-3);  // a whole period: the mean
  // The half period around the peak: mean × P/2 + mean × A × P / π.
  EXPECT_NEAR(d.expected(8.0 * kHour, 20.0 * kHour), 1000.0 * 43200 + 1000 * 0.6 * 86400 / 3.141592653589793, 1e-3);
  RateSchedule b = RateSchedule::constant(100);
  b.add_burst({5 * kMinute, 30 * kSecond, 5});
  EXPECT_NEAR(b.expected(0, 10.0 * kMinute), 100.0 * 600 + 4 * 100.0 * 30, 1e-6);
  EXPECT_NEAR(b.expected(5.0 * kMinute + 10 * kSecond, 5.0 * kMinute + 20 * kSecond), 500.0 * 10, 1e-9);
  EXPECT_DOUBLE_EQ(b.expected(1e9, 1e9), 0);
}

TEST(RateSchedule, TimeForInvertsTheExpectedCount) {
  expect_inverse(RateSchedule::points({{kMinute, 200}, {10 * kMinute, 2000}, {20 * kMinute, 50}}), 30 * kMinute);
  expect_inverse(RateSchedule::diurnal({1000, 0.6, 24 * kHour, 14 * kHour}), 48 * kHour);
  RateSchedule full = RateSchedule::diurnal({1000, 1.0, kHour, 0});  // touches 0 at the trough
  full.add_burst({10 * kMinute, kMinute, 3});
  expect_inverse(full, 2 * kHour);
  RateSchedule c = RateSchedule::constant(100);
  c.add_burst({5 * kMinute, 30 * kSecond, 5});
  expect_inverse(c, 10 * kMinute);
  // From the trough of a curve that touches 0, the next arrival is not
  // thrown hours ahead: half an expected arrival takes well under a minute.
  EXPECT_LT(full.time_for(30.0 * kMinute, 0.5), 31.0 * kMinute);
  // A rate of 0 for good: never.
  EXPECT_EQ(RateSchedule::constant(0).time_for(0, 1), std::numeric_limits<double>::infinity());
}

TEST(RateSchedule, FirstReachingSaysWhenAUserTakesPartAgain) {
  const RateSchedule u = RateSchedule::points({{0, 0}, {10 * kMinute, 100}, {20 * kMinute, 10}});
  EXPECT_EQ(u.first_reaching(0, 50), 5 * kMinute);
  EXPECT_EQ(u.first_reaching(6 * kMinute, 50), 6 * kMinute);  // already there
  EXPECT_EQ(u.first_reaching(15 * kMinute, 50), 15 * kMinute);
  EXPECT_EQ(u.first_reaching(16 * kMinute, 60), kTimeMax);  // falling, and flat at 10 after
  EXPECT_EQ(u.first_reaching(0, 101), kTimeMax);
  // Exactly at or after the crossing, never before it.
  for (double level : {1.0, 7.0, 33.0, 99.0}) {
    const Time t = u.first_reaching(0, level);
    EXPECT_GE(u.rate_at(t), level) << level;
    EXPECT_LT(u.rate_at(t - 1), level) << level;
  }
}

TEST(RateSchedule, PeakWithoutAHorizonSeesEveryFeature) {
  EXPECT_DOUBLE_EQ(RateSchedule::points({{0, 200}, {10 * kMinute, 2000}}).peak(), 2000);
  EXPECT_DOUBLE_EQ(RateSchedule::diurnal({1000, 0.6, 24 * kHour, 14 * kHour}).peak(), 1600);
  RateSchedule b = RateSchedule::constant(100);
  b.add_burst({30 * 24 * kHour, kSecond, 7});  // a month in
  EXPECT_DOUBLE_EQ(b.peak(), 700);
}

}  // namespace
}  // namespace dsim
