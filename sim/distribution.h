// Probability distributions of the project's own, for cross-platform determinism.
//
// The standard library's distributions are allowed to differ between
// implementations, which would break "same seed, same bytes, any machine". These
// use only the streams of sim/rng.h and the functions of sim/detmath.h.
//
// Parameters describe the value itself, in the value's own unit (for durations,
// nanoseconds): an exponential is given by its mean, not its rate; a lognormal by
// its mean and standard deviation or by its median and 99th percentile.
// Scenario syntax: scenarios/README.md, "Distributions".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dsim/sim/detmath.h"
#include "dsim/sim/rng.h"

namespace dsim {

namespace detail {
// Tables of the ziggurat method for the standard exponential distribution
// (Marsaglia & Tsang, "The Ziggurat Method for Generating Random Variables",
// 2000), 256 layers, adapted to 64-bit draws: 8 bits pick a layer, 56 bits
// the position. ~99% of draws cost one table lookup, compare and multiply.
// The tables are computed at start-up with sim/detmath, so they are the same
// bits everywhere.
struct ExpZiggurat {
  std::uint64_t k[256];
  double w[256];
  double f[256];
  ExpZiggurat();
};
extern const ExpZiggurat kExpZiggurat;
double exp_ziggurat_slow(Rng& rng, std::uint64_t u);

// A standard exponential variate (mean 1).
inline double standard_exponential(Rng& rng) {
  const std::uint64_t u = rng.next_u64();
  const std::size_t i = u & 0xff;
  const std::uint64_t j = u >> 8;
  if (j < kExpZiggurat.k[i]) [[likely]]
    return static_cast<double>(j) * kExpZiggurat.w[i];
  return exp_ziggurat_slow(rng, u);
}
}  // namespace detail

class Distribution {
 public:
  enum class Kind : std::uint8_t {
    kConstant,
    kUniform,
    kExponential,
    kNormal,
    kLognormal,
    kPareto,
    kWeibull,
    kEmpirical,
    kMixture,
  };

  // One point of an empirical distribution: the value at cumulative probability p.
  struct Point {
    double p;
    double value;
  };

  // A constant zero.
  Distribution() = default;

  // REQUIRES (for all factories): parameters finite; checked by the scenario
  // loader, which reports bad values with their location. Violations here are bugs.
  static Distribution constant(double value);
  static Distribution uniform(double min, double max);        // min <= max
  static Distribution exponential(double mean);                // mean >= 0
  static Distribution normal(double mean, double stddev);      // negative draws redrawn
  static Distribution lognormal(double mean, double stddev);   // mean > 0, stddev >= 0
  static Distribution lognormal_median_p99(double median, double p99);  // 0 < median <= p99
  static Distribution pareto(double min, double shape);        // min > 0, shape > 0
  static Distribution pareto_mean(double mean, double shape);  // shape > 1
  static Distribution weibull(double scale, double shape);     // scale > 0, shape > 0
  static Distribution weibull_mean(double mean, double shape);
  // Points sorted by p, starting at p = 0 and ending at p = 1, values
  // non-decreasing; the inverse CDF is interpolated linearly between them.
  static Distribution empirical(std::vector<Point> points);
  // A mixture: each draw picks a component with probability proportional to
  // its weight (one uniform draw), then draws from it. REQUIRES: at least
  // one component, weights finite and > 0, components not mixtures.
  struct Weighted;
  static Distribution mixture(const std::vector<Weighted>& components);
  // The components of a mixture with their normalised weights; empty otherwise.
  std::vector<Weighted> components() const;

  Kind kind() const { return kind_; }
  const char* kind_name() const;

  double sample(Rng& rng) const {
    switch (kind_) {
      case Kind::kConstant:
        return a_;
      case Kind::kExponential:
        return a_ * detail::standard_exponential(rng);
      default:
        return sample_slow(rng);
    }
  }

  // Moments of the value; +infinity where they do not exist (heavy tails).
  double mean() const;
  double variance() const;
  // The q-quantile, 0 <= q <= 1 (for normal: of the untruncated distribution).
  double quantile(double q) const;
  bool is_constant() const { return kind_ == Kind::kConstant; }

  // The parameters as written, for reports: name and value pairs, values in the
  // distribution's unit ("shape" is unitless and marked so).
  struct Param {
    const char* name;
    double value;
    bool unitless;
  };
  std::vector<Param> params() const;

 private:
  double sample_slow(Rng& rng) const;
  double standard_normal(Rng& rng) const;

  Kind kind_ = Kind::kConstant;
  // Meaning by kind: constant(a=value); uniform(a=min, b=max);
  // exponential(a=mean); normal(a=mean, b=stddev);
  // lognormal(a=mu, b=sigma of the log; c=1 if given by median/p99);
  // pareto(a=min, b=shape); weibull(a=scale, b=shape).
  double a_ = 0.0;
  double b_ = 0.0;
  double c_ = 0.0;
  std::shared_ptr<const std::vector<Point>> points_;  // empirical only; immutable
  struct MixtureTable;
  std::shared_ptr<const MixtureTable> mixture_;  // mixture only; immutable
};

struct Distribution::Weighted {
  double weight = 1.0;
  Distribution dist;
};

// z such that Φ(z) = 0.99, to 17 significant digits.
inline constexpr double kNormalZ99 = 2.3263478740408408;

}  // namespace dsim
