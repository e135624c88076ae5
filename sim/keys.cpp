#include "dsim/sim/keys.h"

#include <cmath>

#include "dsim/sim/check.h"
#include "dsim/sim/detmath.h"

namespace dsim {
namespace {

// Below this magnitude the helpers use their Taylor series (as Apache Commons
// RNG does): exact to double precision there, and no 0/0.
constexpr double kTaylorThreshold = 1e-8;

// log1p(t) / t, continuous at 0. REQUIRES t >= -1 (+infinity at -1).
double log1p_over(double t) {
  if (std::fabs(t) > kTaylorThreshold) return detmath::log1p(t) / t;
  return 1.0 - t * (0.5 - t * (1.0 / 3.0 - 0.25 * t));
}

// (e^t - 1) / t, continuous at 0. detmath has no expm1; Kahan's identity
// (e^t - 1) / t = (u - 1) / log u with u = e^t rounded is accurate to a few
// ulps, because the rounding error of u cancels between numerator and
// denominator.
double expm1_over(double t) {
  if (std::fabs(t) <= kTaylorThreshold) return 1.0 + t * 0.5 * (1.0 + t * (1.0 / 3.0) * (1.0 + 0.25 * t));
  const double u = detmath::exp(t);
  if (u == 1.0) return 1.0;
  if (u == 0.0) return -1.0 / t;  // e^t underflowed: (e^t - 1) / t = -1/t to double precision
  return (u - 1.0) / detmath::log(u);
}

}  // namespace

KeyDistribution KeyDistribution::uniform(std::uint64_t count) {
  DSIM_CHECK(count >= 1 && count <= kMaxCount);
  KeyDistribution d;
  d.kind_ = Kind::kUniform;
  d.count_ = count;
  return d;
}

KeyDistribution KeyDistribution::zipf(std::uint64_t count, double s) {
  DSIM_CHECK(count >= 1 && count <= kMaxCount);
  DSIM_CHECK(std::isfinite(s) && s > 0.0);
  KeyDistribution d;
  d.kind_ = Kind::kZipf;
  d.count_ = count;
  d.s_ = s;
  // Keys 1 .. count here, returned minus one. The hat's area over
  // [1.5, count + 0.5] serves keys 2 .. count, and key 1 gets exactly its own
  // mass h(1) = 1 below H(1.5): a draw that lands there is always accepted.
  d.h_x1_ = d.zipf_big_h(1.5) - 1.0;
  d.h_n_ = d.zipf_big_h(static_cast<double>(count) + 0.5);
  d.squeeze_ = 2.0 - d.zipf_big_h_inv(d.zipf_big_h(2.5) - d.zipf_h(2.0));
  return d;
}

KeyDistribution KeyDistribution::hotspot(std::uint64_t count, double hot_fraction, double hot_share) {
  DSIM_CHECK(count >= 1 && count <= kMaxCount);
  DSIM_CHECK(std::isfinite(hot_fraction) && hot_fraction > 0.0 && hot_fraction <= 1.0);
  DSIM_CHECK(std::isfinite(hot_share) && hot_share >= 0.0 && hot_share <= 1.0);
  KeyDistribution d;
  d.kind_ = Kind::kHotspot;
  d.count_ = count;
  d.hot_fraction_ = hot_fraction;
  d.hot_share_ = hot_share;
  // std::round is exact (no libm approximation), so this is portable.
  const double hot = std::round(static_cast<double>(count) * hot_fraction);
  if (hot < 1.0) {
    d.hot_count_ = 1;
  } else if (hot >= static_cast<double>(count)) {
    d.hot_count_ = count;
  } else {
    d.hot_count_ = static_cast<std::uint64_t>(hot);
  }
  return d;
}

const char* KeyDistribution::kind_name() const {
  switch (kind_) {
    case Kind::kUniform: return "uniform";
    case Kind::kZipf: return "zipf";
    case Kind::kHotspot: return "hotspot";
  }
  return "?";
}

double KeyDistribution::zipf_h(double x) const { return detmath::exp(-s_ * detmath::log(x)); }

double KeyDistribution::zipf_big_h(double x) const {
  // (x^(1-s) - 1) / (1-s) = log x * (e^t - 1)/t with t = (1-s) log x; exactly
  // log x when s = 1.
  const double log_x = detmath::log(x);
  return expm1_over((1.0 - s_) * log_x) * log_x;
}

double KeyDistribution::zipf_big_h_inv(double y) const {
  // x = (1 + (1-s) y)^(1/(1-s)) = exp(y * log1p(t)/t) with t = (1-s) y;
  // exp(y) when s = 1. H's range keeps t >= -1; rounding may push it just
  // below, which is clamped (x is then 0 or +infinity, as at the limit).
  double t = y * (1.0 - s_);
  if (t < -1.0) t = -1.0;
  return detmath::exp(log1p_over(t) * y);
}

std::uint64_t KeyDistribution::sample_zipf(Rng& rng) const {
  for (;;) {
    // u uniform in (h_x1_, h_n_]: H is increasing, h_x1_ < h_n_.
    const double u = h_n_ + rng.uniform() * (h_x1_ - h_n_);
    const double x = zipf_big_h_inv(u);
    // k = x rounded to the nearest key, within [1, count]. The comparisons
    // are written so that a NaN or infinite x lands on an end.
    const double rounded = x + 0.5;
    std::uint64_t k = 0;
    if (!(rounded >= 2.0)) {
      k = 1;
    } else if (!(rounded < static_cast<double>(count_))) {
      k = count_;
    } else {
      k = static_cast<std::uint64_t>(rounded);
    }
    const double kd = static_cast<double>(k);
    // Accept inside the squeeze (no H to evaluate), or under the step of k.
    if (kd - x <= squeeze_ || u >= zipf_big_h(kd + 0.5) - zipf_h(kd)) return k - 1;
  }
}

std::uint64_t KeyDistribution::sample_hotspot(Rng& rng) const {
  const std::uint64_t cold = count_ - hot_count_;
  if (cold == 0) return rng.below(count_);
  if (rng.uniform() < hot_share_) return rng.below(hot_count_);
  return hot_count_ + rng.below(cold);
}

double KeyDistribution::probability(std::uint64_t k) const {
  if (k >= count_) return 0.0;
  switch (kind_) {
    case Kind::kUniform:
      return 1.0 / static_cast<double>(count_);
    case Kind::kHotspot: {
      const std::uint64_t cold = count_ - hot_count_;
      if (cold == 0) return 1.0 / static_cast<double>(count_);
      if (k < hot_count_) return hot_share_ / static_cast<double>(hot_count_);
      return (1.0 - hot_share_) / static_cast<double>(cold);
    }
    case Kind::kZipf: {
      // H(count, s), smallest terms first for accuracy.
      double harmonic = 0.0;
      for (std::uint64_t i = count_; i >= 1; --i) harmonic += zipf_h(static_cast<double>(i));
      return zipf_h(static_cast<double>(k + 1)) / harmonic;
    }
  }
  return 0.0;
}

}  // namespace dsim
