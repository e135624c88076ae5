// The portable elementary functions agree with the C library to within one
// unit in the last place, and are exact where they must be.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>

#include "dsim/sim/detmath.h"
#include "dsim/sim/rng.h"

namespace dsim {
namespace {

std::int64_t ulp_distance(double a, double b) {
  const auto ia = std::bit_cast<std::int64_t>(a);
  const auto ib = std::bit_cast<std::int64_t>(b);
  return ia > ib ? ia - ib : ib - ia;
}

TEST(DetMath, LogWithinOneUlpOfLibm) {
  Rng rng(7);
  std::int64_t worst = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    // Spread over many binades: 2^-60 .. 2^60, plus values near 1.
    const double x = i % 4 == 0 ? 1.0 + (rng.uniform() - 0.5) * 1e-3
                                : std::ldexp(1.0 + rng.uniform(), static_cast<int>(rng.below(121)) - 60);
    worst = std::max(worst, ulp_distance(detmath::log(x), std::log(x)));
  }
  EXPECT_LE(worst, 1);
}

TEST(DetMath, ExpWithinOneUlpOfLibm) {
  Rng rng(8);
  std::int64_t worst = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const double x = (rng.uniform() - 0.5) * 1400.0;  // most of the finite range
    worst = std::max(worst, ulp_distance(detmath::exp(x), std::exp(x)));
  }
  EXPECT_LE(worst, 1);
}

// cos(2π t) against the C library's, over many turns, and exact where a
// curve's peak, trough and crossings fall.
TEST(DetMath, CosTurnsMatchesLibmAndIsExactAtQuarters) {
  Rng rng = Rng::stream(11, "cos");
  double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double t = (rng.uniform() - 0.5) * 2000.0;
    worst = std::max(worst, std::abs(detmath::cos_turns(t) - std::cos(2.0 * M_PI * t)));
  }
  // (libm's own argument 2π t carries an error of about |t| ulp of 2π.)
  EXPECT_LT(worst, 1e-12);
  for (int i = 0; i < 100000; ++i) {
    const double t = rng.uniform();  // one turn: both within a few 1e-16 (libm rounds 2π t)
    EXPECT_NEAR(detmath::cos_turns(t), std::cos(2.0 * M_PI * t), 1.5e-15) << t;
  }
  EXPECT_EQ(detmath::cos_turns(0.0), 1.0);
  EXPECT_EQ(detmath::cos_turns(3.0), 1.0);
  EXPECT_EQ(detmath::cos_turns(0.5), -1.0);
  EXPECT_EQ(detmath::cos_turns(-1.5), -1.0);
  EXPECT_EQ(detmath::cos_turns(0.25), 0.0);
  EXPECT_EQ(detmath::cos_turns(0.75), 0.0);
  EXPECT_DOUBLE_EQ(detmath::cos_turns(1.0 / 6.0), 0.5);
  EXPECT_DOUBLE_EQ(detmath::cos_turns(1.0 / 8.0), std::sqrt(0.5));
  // Even and periodic: bit for bit where the reduction is exact (a binary
  // fraction), within the rounding of the turn elsewhere.
  EXPECT_NEAR(detmath::cos_turns(0.3), detmath::cos_turns(-0.3), 1e-15);
  EXPECT_EQ(detmath::cos_turns(0.1875), detmath::cos_turns(-0.1875));
}

// The bits themselves are pinned: a result must not depend on the compiler
// or the C library (the same digest from g++ and clang builds).
TEST(DetMath, CosTurnsBitsArePinned) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (int i = 0; i < 10000; ++i) {
    h ^= std::bit_cast<std::uint64_t>(detmath::cos_turns(static_cast<double>(i) / 997.0 - 3.0));
    h *= 0x100000001b3ULL;
  }
  EXPECT_EQ(h, 6050062549761088013ULL);
}

TEST(DetMath, SpecialValues) {
  EXPECT_EQ(detmath::log(1.0), 0.0);
  EXPECT_EQ(detmath::exp(0.0), 1.0);
  EXPECT_TRUE(std::isinf(detmath::log(0.0)) && detmath::log(0.0) < 0);
  EXPECT_TRUE(std::isnan(detmath::log(-1.0)));
  EXPECT_EQ(detmath::exp(-1000.0), 0.0);
  EXPECT_TRUE(std::isinf(detmath::exp(1000.0)));
  EXPECT_NEAR(detmath::log(std::ldexp(1.0, -1074)), -744.44007192138126, 1e-12);  // subnormal
  EXPECT_NEAR(detmath::log1p(1e-18), 1e-18, 1e-33);
  EXPECT_NEAR(detmath::pow(2.0, 0.5), std::sqrt(2.0), 1e-15);
}

TEST(DetMath, GammaMatchesKnownValues) {
  EXPECT_NEAR(detmath::tgamma(1.0), 1.0, 1e-14);
  EXPECT_NEAR(detmath::tgamma(5.0), 24.0, 24e-14);
  EXPECT_NEAR(detmath::tgamma(0.5), std::sqrt(M_PI), 1e-13);
  EXPECT_NEAR(detmath::tgamma(1.5), std::sqrt(M_PI) / 2, 1e-13);
  for (double x = 0.1; x < 20; x += 0.37) EXPECT_NEAR(detmath::lgamma(x), std::lgamma(x), 1e-12) << x;
}

}  // namespace
}  // namespace dsim
