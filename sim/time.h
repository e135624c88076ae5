// Simulated time: signed 64-bit nanoseconds since the start of the run.
//
// Integer time makes event order exact and identical on every platform; 2^63 ns
// is about 292 years, far beyond any run. Durations use the same type.
#pragma once

#include <cstdint>
#include <limits>

namespace dsim {

using Time = std::int64_t;

inline constexpr Time kNanosecond = 1;
inline constexpr Time kMicrosecond = 1'000;
inline constexpr Time kMillisecond = 1'000'000;
inline constexpr Time kSecond = 1'000'000'000;
inline constexpr Time kMinute = 60 * kSecond;
inline constexpr Time kHour = 60 * kMinute;
inline constexpr Time kTimeMax = std::numeric_limits<Time>::max();

inline constexpr double to_seconds(Time t) { return static_cast<double>(t) / 1e9; }

// Rounds a non-negative duration in nanoseconds (as a double) to Time, saturating
// instead of overflowing. Rounding is half-up, which is exact and portable.
// The longest duration a scenario may give (a run, a timeout, a fault): 50
// years. Sums of a few such stay far from int64 overflow (292 years).
inline constexpr Time kMaxConfigDuration = static_cast<Time>(50LL * 36525 * 24 * 3600 / 100) * 1'000'000'000LL;

// Saturating arithmetic for durations the input controls (retries x
// timeout, a sum of hop delays, now + a long delay): at kTimeMax instead of
// wrapping to a negative time. REQUIRES: non-negative arguments.
inline constexpr Time sat_add(Time a, Time b) {
  Time r = 0;
  return __builtin_add_overflow(a, b, &r) ? kTimeMax : r;
}
inline constexpr Time sat_mul(Time a, std::int64_t k) {
  Time r = 0;
  return __builtin_mul_overflow(a, k, &r) ? kTimeMax : r;
}

inline Time round_to_time(double ns) {
  if (!(ns > 0.0)) return 0;  // also maps NaN to 0
  if (ns >= 9.2e18) return kTimeMax / 4;
  return static_cast<Time>(ns + 0.5);
}

}  // namespace dsim
