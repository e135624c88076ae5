#include "dsim/sim/detmath.h"

#include <bit>
#include <cstdint>
#include <limits>

namespace dsim::detmath {
namespace {

std::int32_t high_word(double x) {
  return static_cast<std::int32_t>(std::bit_cast<std::uint64_t>(x) >> 32);
}
std::uint32_t low_word(double x) {
  return static_cast<std::uint32_t>(std::bit_cast<std::uint64_t>(x));
}
double with_high_word(double x, std::uint32_t hi) {
  const std::uint64_t bits = (std::bit_cast<std::uint64_t>(x) & 0xffffffffULL) |
                             (static_cast<std::uint64_t>(hi) << 32);
  return std::bit_cast<double>(bits);
}
// 2^k for -1022 <= k <= 1023.
double pow2(int k) {
  return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
constexpr double kTwo54 = 1.80143985094819840000e+16;
constexpr double kLg1 = 6.666666666666735130e-01;
constexpr double kLg2 = 3.999999999940941908e-01;
constexpr double kLg3 = 2.857142874366239149e-01;
constexpr double kLg4 = 2.222219843214978396e-01;
constexpr double kLg5 = 1.818357216161805012e-01;
constexpr double kLg6 = 1.531383769920937332e-01;
constexpr double kLg7 = 1.479819860511658591e-01;

constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kP1 = 1.66666666666666019037e-01;
constexpr double kP2 = -2.77777777770155933842e-03;
constexpr double kP3 = 6.61375632143793436117e-05;
constexpr double kP4 = -1.65339022054652515390e-06;
constexpr double kP5 = 4.13813679705723846039e-08;

}  // namespace

// fdlibm e_log.c: x = 2^k (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2), then
// log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with s = f / (2 + f).
double log(double x) {
  std::int32_t hx = high_word(x);
  const std::uint32_t lx = low_word(x);
  int k = 0;
  if (hx < 0x00100000) {  // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | static_cast<std::int32_t>(lx)) == 0)
      return -std::numeric_limits<double>::infinity();
    if (hx < 0) return std::numeric_limits<double>::quiet_NaN();
    k -= 54;
    x *= kTwo54;
    hx = high_word(x);
  }
  if (hx >= 0x7ff00000) return x + x;  // inf or NaN
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const std::int32_t i = (hx + 0x95f64) & 0x100000;
  x = with_high_word(x, static_cast<std::uint32_t>(hx | (i ^ 0x3ff00000)));
  k += (i >> 20);
  const double f = x - 1.0;
  const double dk = static_cast<double>(k);
  if ((0x000fffff & (2 + hx)) < 3) {  // -2^-20 <= f < 2^-20
    if (f == 0.0) return k == 0 ? 0.0 : dk * kLn2Hi + dk * kLn2Lo;
    const double r = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - r;
    return dk * kLn2Hi - ((r - dk * kLn2Lo) - f);
  }
  const double s = f / (2.0 + f);
  const double z = s * s;
  std::int32_t ii = hx - 0x6147a;
  const double w = z * z;
  const std::int32_t j = 0x6b851 - hx;
  const double t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
  const double t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
  ii |= j;
  const double r = t2 + t1;
  if (ii > 0) {
    const double hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + r));
    return dk * kLn2Hi - ((hfsq - (s * (hfsq + r) + dk * kLn2Lo)) - f);
  }
  if (k == 0) return f - s * (f - r);
  return dk * kLn2Hi - ((s * (f - r) - dk * kLn2Lo) - f);
}

// fdlibm e_exp.c: x = k ln2 + r with |r| <= ln2/2, exp(r) from a rational
// approximation, then scaled by 2^k.
double exp(double x) {
  const std::int32_t hx_signed = high_word(x);
  const int xsb = (hx_signed >> 31) & 1;
  const std::uint32_t hx = static_cast<std::uint32_t>(hx_signed) & 0x7fffffffU;

  if (hx >= 0x40862E42U) {  // |x| >= 709.78...
    if (hx >= 0x7ff00000U) {
      if (((hx & 0xfffffU) | low_word(x)) != 0) return x + x;  // NaN
      return xsb == 0 ? x : 0.0;                                // exp(+-inf)
    }
    if (x > 7.09782712893383973096e+02) return std::numeric_limits<double>::infinity();
    if (x < -7.45133219101941108420e+02) return 0.0;
  }

  double hi = 0.0;
  double lo = 0.0;
  int k = 0;
  if (hx > 0x3fd62e42U) {    // |x| > ln2/2
    if (hx < 0x3FF0A2B2U) {  // and |x| < 1.5 ln2
      hi = xsb == 0 ? x - kLn2Hi : x + kLn2Hi;
      lo = xsb == 0 ? kLn2Lo : -kLn2Lo;
      k = 1 - xsb - xsb;
    } else {
      k = static_cast<int>(kInvLn2 * x + (xsb == 0 ? 0.5 : -0.5));
      const double t = k;
      hi = x - t * kLn2Hi;  // exact: t * kLn2Hi has trailing zero bits
      lo = t * kLn2Lo;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000U) {  // |x| < 2^-28
    return 1.0 + x;
  }

  const double t = x * x;
  const double c = x - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * pow2(1023);
    return y * pow2(k);
  }
  return y * pow2(k + 1000) * pow2(-1000);
}

double pow(double x, double y) {
  if (y == 0.0) return 1.0;
  if (x == 1.0) return 1.0;
  if (x == 0.0) return y > 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  if (y == 1.0) return x;
  return exp(y * log(x));
}

// log(1 + x) with the classic correction: u = 1 + x rounded, then
// log(u) * x / (u - 1) recovers the bits lost in forming u.
double log1p(double x) {
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  return log(u) * (x / (u - 1.0));
}

// Lanczos approximation (g = 7, n = 9), accurate to about 1e-15 relative.
double lgamma(double x) {
  static constexpr double kCoeff[9] = {
      0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
      771.32342877765313,   -176.61502916214059,   12.507343278686905,
      -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1-x) = π / sin(πx); only needed for 0 < x < 0.5,
    // where we use Γ(x) = Γ(x+1) / x instead to avoid sin.
    return lgamma(x + 1.0) - log(x);
  }
  x -= 1.0;
  double a = kCoeff[0];
  const double t = x + 7.5;
  for (int i = 1; i < 9; ++i) a += kCoeff[i] / (x + static_cast<double>(i));
  constexpr double kHalfLog2Pi = 0.91893853320467274178;
  return kHalfLog2Pi + (x + 0.5) * log(t) - t + log(a);
}

double tgamma(double x) { return exp(lgamma(x)); }

namespace {
// The largest integer <= x, exactly (every double of magnitude 2^52 or
// more is an integer).
double floor_exact(double x) {
  if (!(x > -4503599627370496.0 && x < 4503599627370496.0)) return x;
  double f = static_cast<double>(static_cast<std::int64_t>(x));
  if (f > x) f -= 1.0;
  return f;
}

// fdlibm's kernels on [-π/4, π/4] (__kernel_sin, __kernel_cos with no tail).
double kernel_sin(double x) {
  constexpr double kS1 = -1.66666666666666324348e-01, kS2 = 8.33333333332248946124e-03,
                   kS3 = -1.98412698298579493134e-04, kS4 = 2.75573137070700676789e-06,
                   kS5 = -2.50507602534068634195e-08, kS6 = 1.58969099521155010221e-10;
  const double z = x * x;
  const double r = kS2 + z * (kS3 + z * (kS4 + z * (kS5 + z * kS6)));
  return x + z * x * (kS1 + z * r);
}
double kernel_cos(double x) {
  constexpr double kC1 = 4.16666666666666019037e-02, kC2 = -1.38888888888741095749e-03,
                   kC3 = 2.48015872894767294178e-05, kC4 = -2.75573143513906633035e-07,
                   kC5 = 2.08757232129817482790e-09, kC6 = -1.13596475577881948265e-11;
  const double z = x * x;
  const double r = z * (kC1 + z * (kC2 + z * (kC3 + z * (kC4 + z * (kC5 + z * kC6)))));
  return 1.0 - (0.5 * z - z * r);
}
}  // namespace

double cos_turns(double t) {
  // t = k/4 + f with k an integer and |f| <= 1/8: floor and the quarter
  // steps are exact, so the argument's only rounding is 2π f.
  const double r = t - floor_exact(t);            // [0, 1)
  const double k = floor_exact(4.0 * r + 0.5);    // 0 .. 4
  const double x = (r - 0.25 * k) * 6.28318530717958623200;  // 2π f, |x| <= π/4
  switch (static_cast<int>(k) & 3) {
    case 0: return kernel_cos(x);
    case 1: return -kernel_sin(x);
    case 2: return -kernel_cos(x);
    default: return kernel_sin(x);
  }
}

}  // namespace dsim::detmath
