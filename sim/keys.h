// Key popularity: which key an operation touches.
//
// Keys are the integers 0 .. count-1. Three shapes:
//   uniform   every key equally likely;
//   zipf      P(k) ∝ 1/(k+1)^s, key 0 the most popular (s > 0; s < 1, s = 1
//             and s > 1 are all valid);
//   hotspot   a fixed share of the operations on a fixed fraction of the keys.
//
// Drawing costs O(1) expected time and allocates nothing, whatever count is
// (up to kMaxCount): no table of keys is ever built. Like sim/distribution.h,
// draws use only the streams of sim/rng.h and the functions of sim/detmath.h,
// so the same stream gives the same keys with every compiler and libm.
#pragma once

#include <cstdint>

#include "dsim/sim/rng.h"

namespace dsim {

class KeyDistribution {
 public:
  enum class Kind : std::uint8_t { kUniform, kZipf, kHotspot };

  // The largest count: 2^62 keys.
  static constexpr std::uint64_t kMaxCount = std::uint64_t{1} << 62;

  // REQUIRES (for all factories): 1 <= count <= kMaxCount, parameters finite.
  // Violations are bugs (DSIM_CHECK); a loader reports bad input itself.

  // Every key with probability 1/count.
  static KeyDistribution uniform(std::uint64_t count);

  // P(k) = (k+1)^-s / H(count, s), H the generalized harmonic number.
  // REQUIRES s > 0. Drawn by rejection-inversion (W. Hörmann, G. Derflinger,
  // "Rejection-inversion to generate variates from monotone discrete
  // distributions", ACM TOMACS 6(3), 1996): one rng.uniform() and a few
  // detmath calls per try, at most about 1.02 tries on average (the worst
  // near s = 3). Keys above 2^53 come out of a double, so there the
  // distribution's shape, not each key's exact probability, is honoured
  // (each of those keys is rarer than 2^-53 anyway for s >= 1).
  static KeyDistribution zipf(std::uint64_t count, double s);

  // The hot keys are 0 .. hot_count-1, hot_count = round(count * hot_fraction)
  // (halves away from zero), at least 1 and at most count. With probability
  // hot_share a draw is uniform among the hot keys, otherwise uniform among
  // the others; when every key is hot, a draw is uniform among all of them.
  // REQUIRES 0 < hot_fraction <= 1, 0 <= hot_share <= 1.
  static KeyDistribution hotspot(std::uint64_t count, double hot_fraction, double hot_share);

  // Uniform over one key (always 0).
  KeyDistribution() = default;

  // A key in [0, count). Deterministic for a given stream state; consumes one
  // or more draws of `rng` (uniform: one rng.below(count); hotspot: one
  // rng.uniform(), then one rng.below(n), except when every key is hot: one
  // rng.below(count); zipf: one rng.uniform() per try).
  std::uint64_t sample(Rng& rng) const {
    if (kind_ == Kind::kUniform) return rng.below(count_);
    return kind_ == Kind::kZipf ? sample_zipf(rng) : sample_hotspot(rng);
  }

  // The exact probability of key k (0 for k >= count). Zipf sums the
  // generalized harmonic number, O(count) per call: for tests and analysis,
  // never in a run.
  double probability(std::uint64_t k) const;

  Kind kind() const { return kind_; }
  const char* kind_name() const;  // "uniform", "zipf", "hotspot"
  std::uint64_t count() const { return count_; }
  double s() const { return s_; }                        // zipf; 0 otherwise
  double hot_fraction() const { return hot_fraction_; }  // hotspot; 0 otherwise
  double hot_share() const { return hot_share_; }        // hotspot; 0 otherwise
  std::uint64_t hot_count() const { return hot_count_; } // hotspot; 0 otherwise

 private:
  std::uint64_t sample_zipf(Rng& rng) const;
  std::uint64_t sample_hotspot(Rng& rng) const;

  // The rejection-inversion functions, for the keys numbered 1 .. count:
  // the hat h(x) = x^-s and its integral H(x) = (x^(1-s) - 1) / (1-s)
  // (log x when s = 1), and H's inverse.
  double zipf_h(double x) const;
  double zipf_big_h(double x) const;
  double zipf_big_h_inv(double y) const;

  Kind kind_ = Kind::kUniform;
  std::uint64_t count_ = 1;
  double s_ = 0.0;
  double hot_fraction_ = 0.0;
  double hot_share_ = 0.0;
  std::uint64_t hot_count_ = 0;
  // Zipf: H(1.5) - h(1), H(count + 0.5) and the squeeze constant, from which
  // a draw accepts without evaluating H.
  double h_x1_ = 0.0;
  double h_n_ = 0.0;
  double squeeze_ = 0.0;
};

}  // namespace dsim
