#include "dsim/sim/distribution.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsim/sim/check.h"

namespace dsim {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
// Right edge of the base layer and area of each layer, for 256 layers.
constexpr double kZigR = 7.697117470131487;
constexpr double kZigV = 3.949659822581572e-3;
constexpr double kTwo56 = 72057594037927936.0;
}  // namespace

namespace detail {

ExpZiggurat::ExpZiggurat() {
  double de = kZigR;
  double te = de;
  const double q = kZigV / detmath::exp(-de);
  k[0] = static_cast<std::uint64_t>((de / q) * kTwo56);
  k[1] = 0;
  w[0] = q / kTwo56;
  w[255] = de / kTwo56;
  f[0] = 1.0;
  f[255] = detmath::exp(-de);
  for (int i = 254; i >= 1; --i) {
    de = -detmath::log(kZigV / de + detmath::exp(-de));
    k[i + 1] = static_cast<std::uint64_t>((de / te) * kTwo56);
    te = de;
    f[i] = detmath::exp(-de);
    w[i] = de / kTwo56;
  }
}

const ExpZiggurat kExpZiggurat;

double exp_ziggurat_slow(Rng& rng, std::uint64_t u) {
  const ExpZiggurat& z = kExpZiggurat;
  for (;;) {
    const std::size_t i = u & 0xff;
    const std::uint64_t j = u >> 8;
    if (j < z.k[i]) return static_cast<double>(j) * z.w[i];
    // The base layer's tail: beyond R the exponential is memoryless.
    if (i == 0) return kZigR - detmath::log(rng.uniform_open0());
    // The wedge between the layer's rectangle and the curve.
    const double x = static_cast<double>(j) * z.w[i];
    if (z.f[i] + rng.uniform() * (z.f[i - 1] - z.f[i]) < detmath::exp(-x)) return x;
    u = rng.next_u64();
  }
}

}  // namespace detail

Distribution Distribution::constant(double value) {
  DSIM_CHECK(std::isfinite(value));
  Distribution d;
  d.kind_ = Kind::kConstant;
  d.a_ = value;
  return d;
}

Distribution Distribution::uniform(double min, double max) {
  DSIM_CHECK(std::isfinite(min) && std::isfinite(max) && min <= max);
  Distribution d;
  d.kind_ = Kind::kUniform;
  d.a_ = min;
  d.b_ = max;
  return d;
}

Distribution Distribution::exponential(double mean) {
  DSIM_CHECK(std::isfinite(mean) && mean >= 0.0);
  Distribution d;
  d.kind_ = Kind::kExponential;
  d.a_ = mean;
  return d;
}

Distribution Distribution::normal(double mean, double stddev) {
  DSIM_CHECK(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0.0);
  // With mean <= 0 nearly every draw would be redrawn; the loader rejects it.
  DSIM_CHECK(mean > 0.0 || stddev == 0.0);
  Distribution d;
  d.kind_ = Kind::kNormal;
  d.a_ = mean;
  d.b_ = stddev;
  return d;
}

Distribution Distribution::lognormal(double mean, double stddev) {
  DSIM_CHECK(std::isfinite(mean) && mean > 0.0 && std::isfinite(stddev) && stddev >= 0.0);
  // If X = exp(mu + sigma Z): E X = exp(mu + sigma^2/2), Var X = (e^{sigma^2} - 1) (E X)^2.
  const double cv2 = (stddev / mean) * (stddev / mean);
  const double sigma2 = detmath::log1p(cv2);
  Distribution d;
  d.kind_ = Kind::kLognormal;
  d.a_ = detmath::log(mean) - 0.5 * sigma2;
  d.b_ = std::sqrt(sigma2);
  d.c_ = 0.0;
  return d;
}

Distribution Distribution::lognormal_median_p99(double median, double p99) {
  DSIM_CHECK(std::isfinite(median) && median > 0.0 && std::isfinite(p99) && p99 >= median);
  Distribution d;
  d.kind_ = Kind::kLognormal;
  d.a_ = detmath::log(median);
  d.b_ = detmath::log(p99 / median) / kNormalZ99;
  d.c_ = 1.0;
  return d;
}

Distribution Distribution::pareto(double min, double shape) {
  DSIM_CHECK(std::isfinite(min) && min > 0.0 && std::isfinite(shape) && shape > 0.0);
  Distribution d;
  d.kind_ = Kind::kPareto;
  d.a_ = min;
  d.b_ = shape;
  return d;
}

Distribution Distribution::pareto_mean(double mean, double shape) {
  DSIM_CHECK(shape > 1.0);
  return pareto(mean * (shape - 1.0) / shape, shape);
}

Distribution Distribution::weibull(double scale, double shape) {
  DSIM_CHECK(std::isfinite(scale) && scale > 0.0 && std::isfinite(shape) && shape > 0.0);
  Distribution d;
  d.kind_ = Kind::kWeibull;
  d.a_ = scale;
  d.b_ = shape;
  return d;
}

Distribution Distribution::weibull_mean(double mean, double shape) {
  DSIM_CHECK(shape > 0.0);
  return weibull(mean / detmath::tgamma(1.0 + 1.0 / shape), shape);
}

Distribution Distribution::empirical(std::vector<Point> points) {
  DSIM_CHECK(points.size() >= 2);
  DSIM_CHECK(points.front().p == 0.0 && points.back().p == 1.0);
  for (std::size_t i = 1; i < points.size(); ++i) {
    DSIM_CHECK(points[i].p > points[i - 1].p);
    DSIM_CHECK(points[i].value >= points[i - 1].value);
  }
  Distribution d;
  d.kind_ = Kind::kEmpirical;
  d.points_ = std::make_shared<const std::vector<Point>>(std::move(points));
  return d;
}

struct Distribution::MixtureTable {
  std::vector<double> cumulative;  // normalised, the last exactly 1
  std::vector<Weighted> components;  // weights normalised
};

Distribution Distribution::mixture(const std::vector<Weighted>& components) {
  DSIM_CHECK(!components.empty());
  double total = 0;
  for (const auto& c : components) {
    DSIM_CHECK(std::isfinite(c.weight) && c.weight > 0);
    DSIM_CHECK(c.dist.kind() != Kind::kMixture);
    total += c.weight;
  }
  DSIM_CHECK(std::isfinite(total));
  auto table = std::make_shared<MixtureTable>();
  double acc = 0;
  for (const auto& c : components) {
    acc += c.weight;
    table->cumulative.push_back(acc / total);
    table->components.push_back(Weighted{c.weight / total, c.dist});
  }
  table->cumulative.back() = 1.0;
  Distribution d;
  d.kind_ = Kind::kMixture;
  d.mixture_ = std::move(table);
  return d;
}

std::vector<Distribution::Weighted> Distribution::components() const {
  if (kind_ != Kind::kMixture) return {};
  return mixture_->components;
}

const char* Distribution::kind_name() const {
  switch (kind_) {
    case Kind::kConstant: return "constant";
    case Kind::kUniform: return "uniform";
    case Kind::kExponential: return "exponential";
    case Kind::kNormal: return "normal";
    case Kind::kLognormal: return "lognormal";
    case Kind::kPareto: return "pareto";
    case Kind::kWeibull: return "weibull";
    case Kind::kEmpirical: return "empirical";
    case Kind::kMixture: return "mixture";
  }
  return "?";
}

// Marsaglia's polar method: needs only log and sqrt, both deterministic here.
// The second variate of each pair is discarded so that a draw consumes a
// self-contained run of the stream (no hidden state between draws).
double Distribution::standard_normal(Rng& rng) const {
  for (;;) {
    const double u = 2.0 * rng.uniform() - 1.0;
    const double v = 2.0 * rng.uniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * detmath::log(s) / s);
  }
}

double Distribution::sample_slow(Rng& rng) const {
  switch (kind_) {
    case Kind::kConstant:
      return a_;
    case Kind::kUniform:
      return a_ + (b_ - a_) * rng.uniform();
    case Kind::kExponential:
      return a_ * detail::standard_exponential(rng);
    case Kind::kNormal: {
      if (b_ == 0.0) return a_;
      // Values below zero are redrawn: a duration cannot be negative. Bounded:
      // the loader requires mean > 0, so each try succeeds with probability > 1/2.
      for (int tries = 0; tries < 1000; ++tries) {
        const double x = a_ + b_ * standard_normal(rng);
        if (x >= 0.0) return x;
      }
      return 0.0;
    }
    case Kind::kLognormal:
      return detmath::exp(a_ + b_ * standard_normal(rng));
    case Kind::kPareto:
      // Inverse CDF: x = min * U^(-1/shape), U in (0, 1].
      return a_ * detmath::exp(-detmath::log(rng.uniform_open0()) / b_);
    case Kind::kWeibull: {
      // X = scale * E^(1/shape) for a standard exponential E.
      const double e = detail::standard_exponential(rng);
      if (e == 0.0) return 0.0;
      return a_ * detmath::exp(detmath::log(e) / b_);
    }
    case Kind::kEmpirical:
      return quantile(rng.uniform());
    case Kind::kMixture: {
      const double u = rng.uniform();
      const auto& t = *mixture_;
      std::size_t i = 0;
      while (i + 1 < t.cumulative.size() && u >= t.cumulative[i]) ++i;
      return t.components[i].dist.sample(rng);
    }
  }
  return 0.0;
}

double Distribution::mean() const {
  switch (kind_) {
    case Kind::kConstant: return a_;
    case Kind::kUniform: return 0.5 * (a_ + b_);
    case Kind::kExponential: return a_;
    case Kind::kNormal: return a_;
    case Kind::kLognormal: return detmath::exp(a_ + 0.5 * b_ * b_);
    case Kind::kPareto: return b_ > 1.0 ? b_ * a_ / (b_ - 1.0) : kInf;
    case Kind::kWeibull: return a_ * detmath::tgamma(1.0 + 1.0 / b_);
    case Kind::kEmpirical: {
      double m = 0.0;
      const auto& pts = *points_;
      for (std::size_t i = 1; i < pts.size(); ++i)
        m += (pts[i].p - pts[i - 1].p) * 0.5 * (pts[i].value + pts[i - 1].value);
      return m;
    }
    case Kind::kMixture: {
      double m = 0.0;
      for (const auto& c : mixture_->components) m += c.weight * c.dist.mean();
      return m;
    }
  }
  return 0.0;
}

double Distribution::variance() const {
  switch (kind_) {
    case Kind::kConstant: return 0.0;
    case Kind::kUniform: return (b_ - a_) * (b_ - a_) / 12.0;
    case Kind::kExponential: return a_ * a_;
    case Kind::kNormal: return b_ * b_;
    case Kind::kLognormal: {
      const double s2 = b_ * b_;
      return (detmath::exp(s2) - 1.0) * detmath::exp(2.0 * a_ + s2);
    }
    case Kind::kPareto:
      if (b_ <= 2.0) return kInf;
      return a_ * a_ * b_ / ((b_ - 1.0) * (b_ - 1.0) * (b_ - 2.0));
    case Kind::kWeibull: {
      const double g1 = detmath::tgamma(1.0 + 1.0 / b_);
      const double g2 = detmath::tgamma(1.0 + 2.0 / b_);
      return a_ * a_ * (g2 - g1 * g1);
    }
    case Kind::kEmpirical: {
      // E[X^2] of a piecewise-linear inverse CDF: each segment contributes
      // width * (v0^2 + v0 v1 + v1^2) / 3.
      double m2 = 0.0;
      const auto& pts = *points_;
      for (std::size_t i = 1; i < pts.size(); ++i) {
        const double v0 = pts[i - 1].value;
        const double v1 = pts[i].value;
        m2 += (pts[i].p - pts[i - 1].p) * (v0 * v0 + v0 * v1 + v1 * v1) / 3.0;
      }
      const double m = mean();
      return std::max(0.0, m2 - m * m);
    }
    case Kind::kMixture: {
      // E[X^2] = sum w (var + mean^2).
      double m2 = 0.0;
      for (const auto& c : mixture_->components) {
        const double cm = c.dist.mean();
        m2 += c.weight * (c.dist.variance() + cm * cm);
      }
      const double m = mean();
      if (!std::isfinite(m2) || !std::isfinite(m)) return kInf;  // a heavy-tailed component
      return std::max(0.0, m2 - m * m);
    }
  }
  return 0.0;
}

double Distribution::quantile(double q) const {
  q = std::clamp(q, 0.0, 1.0);
  switch (kind_) {
    case Kind::kConstant: return a_;
    case Kind::kUniform: return a_ + (b_ - a_) * q;
    case Kind::kExponential: return q >= 1.0 ? kInf : -a_ * detmath::log1p(-q);
    case Kind::kPareto: return q >= 1.0 ? kInf : a_ * detmath::exp(-detmath::log1p(-q) / b_);
    case Kind::kWeibull:
      return q >= 1.0 ? kInf : a_ * detmath::pow(-detmath::log1p(-q), 1.0 / b_);
    case Kind::kEmpirical: {
      const auto& pts = *points_;
      // First point with p > q; the segment is [it-1, it].
      auto it = std::upper_bound(pts.begin(), pts.end(), q,
                                 [](double v, const Point& pt) { return v < pt.p; });
      if (it == pts.end()) return pts.back().value;
      if (it == pts.begin()) return pts.front().value;
      const Point& hi = *it;
      const Point& lo = *(it - 1);
      return lo.value + (q - lo.p) / (hi.p - lo.p) * (hi.value - lo.value);
    }
    case Kind::kNormal:
    case Kind::kLognormal:
    case Kind::kMixture:
      break;  // no closed form; not needed by the engine
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::vector<Distribution::Param> Distribution::params() const {
  switch (kind_) {
    case Kind::kConstant: return {{"value", a_, false}};
    case Kind::kUniform: return {{"min", a_, false}, {"max", b_, false}};
    case Kind::kExponential: return {{"mean", a_, false}};
    case Kind::kNormal: return {{"mean", a_, false}, {"stddev", b_, false}};
    case Kind::kLognormal:
      if (c_ == 1.0)
        return {{"median", detmath::exp(a_), false},
                {"p99", detmath::exp(a_ + b_ * kNormalZ99), false}};
      return {{"mean", mean(), false}, {"stddev", std::sqrt(variance()), false}};
    case Kind::kPareto: return {{"min", a_, false}, {"shape", b_, true}};
    case Kind::kWeibull: return {{"scale", a_, false}, {"shape", b_, true}};
    case Kind::kEmpirical: return {{"mean", mean(), false}};
    case Kind::kMixture: return {{"mean", mean(), false}};
  }
  return {};
}

}  // namespace dsim
