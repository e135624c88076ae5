// Each distribution: moments where they are finite, with tolerances from the
// sample size; a Kolmogorov-Smirnov test against its CDF; its first draws pinned.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "dsim/sim/distribution.h"

namespace dsim {
namespace {

constexpr int kN = 200'000;

std::vector<double> draw(const Distribution& d, std::uint64_t seed, int n = kN) {
  Rng rng = Rng::stream(seed, "distribution-test");
  std::vector<double> xs(static_cast<std::size_t>(n));
  for (auto& x : xs) x = d.sample(rng);
  return xs;
}

struct Moments {
  double mean, var, m4;  // central fourth moment from the sample
};

Moments moments(const std::vector<double>& xs) {
  double m = 0;
  for (double x : xs) m += x;
  m /= static_cast<double>(xs.size());
  double v = 0, m4 = 0;
  for (double x : xs) {
    const double d = x - m;
    v += d * d;
    m4 += d * d * d * d;
  }
  const double n = static_cast<double>(xs.size());
  return {m, v / (n - 1), m4 / n};
}

// Mean within 4 standard errors (σ/√n), variance within 4 standard errors
// (√((μ4 - σ⁴)/n), μ4 estimated from the sample).
void expect_moments(const Distribution& d, const std::vector<double>& xs) {
  const Moments s = moments(xs);
  const double n = static_cast<double>(xs.size());
  const double sd = std::sqrt(d.variance());
  EXPECT_NEAR(s.mean, d.mean(), 4 * sd / std::sqrt(n)) << d.kind_name();
  const double se_var = std::sqrt(std::max(0.0, s.m4 - s.var * s.var) / n);
  EXPECT_NEAR(s.var, d.variance(), 4 * se_var) << d.kind_name();
}

// Kolmogorov-Smirnov: sup |F_n - F| below the α = 0.001 critical value 1.95/√n.
void expect_ks(const std::vector<double>& sample, const std::function<double(double)>& cdf, const char* what) {
  std::vector<double> xs = sample;
  std::sort(xs.begin(), xs.end());
  const double n = static_cast<double>(xs.size());
  double dmax = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = cdf(xs[i]);
    dmax = std::max({dmax, std::fabs(f - static_cast<double>(i) / n), std::fabs(static_cast<double>(i + 1) / n - f)});
  }
  EXPECT_LT(dmax, 1.95 / std::sqrt(n)) << what;
}

double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Pins the first five draws: a change here is a deliberate change of every
// result that uses this distribution. Set DSIM_PRINT_GOLDEN=1 to print them.
void expect_golden(const Distribution& d, const std::vector<double>& expected) {
  Rng rng = Rng::stream(42, "golden");
  std::vector<double> got;
  for (int i = 0; i < 5; ++i) got.push_back(d.sample(rng));
  if (std::getenv("DSIM_PRINT_GOLDEN") != nullptr) {
    std::printf("%s: {", d.kind_name());
    for (double g : got) std::printf("%.17g, ", g);
    std::printf("}\n");
  }
  ASSERT_EQ(got.size(), expected.size()) << d.kind_name();
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << d.kind_name() << " draw " << i;
}

TEST(Distribution, Constant) {
  const auto d = Distribution::constant(2e6);
  for (double x : draw(d, 1, 100)) EXPECT_EQ(x, 2e6);
  EXPECT_EQ(d.mean(), 2e6);
  EXPECT_EQ(d.variance(), 0.0);
}

TEST(Distribution, Uniform) {
  const auto d = Distribution::uniform(1e6, 3e6);
  const auto xs = draw(d, 1);
  for (double x : xs) ASSERT_TRUE(x >= 1e6 && x < 3e6);
  expect_moments(d, xs);
  expect_ks(xs, [](double x) { return std::clamp((x - 1e6) / 2e6, 0.0, 1.0); }, "uniform");
  expect_golden(d, {2695721.5626042793, 2059648.6102286254, 2595077.0060918266, 2619154.9630448231, 2757831.3350526225});
}

TEST(Distribution, Exponential) {
  const auto d = Distribution::exponential(2e6);
  const auto xs = draw(d, 2);
  expect_moments(d, xs);
  expect_ks(xs, [](double x) { return 1 - std::exp(-x / 2e6); }, "exponential");
  EXPECT_NEAR(d.quantile(0.5), 2e6 * std::log(2.0), 1e-6);
  expect_golden(d, {3187433.9079542928, 7355056.6389199626, 2604876.2608993724, 2316918.9345976864, 4652047.8285038164});
}

TEST(Distribution, ExponentialTailsAreRight) {
  // The ziggurat's rare paths: the wedges (checked at 3 means) and the base
  // layer's tail beyond 7.7 means, with binomial tolerances.
  const auto d = Distribution::exponential(1.0);
  const int n = 2'000'000;
  const auto xs = draw(d, 12, n);
  for (const double t : {1.0, 3.0, 7.7, 10.0}) {
    const double p = std::exp(-t);
    double above = 0;
    for (double x : xs) above += x > t ? 1 : 0;
    EXPECT_NEAR(above / n, p, 4 * std::sqrt(p * (1 - p) / n)) << "P(X > " << t << ")";
  }
}

TEST(Distribution, NormalRedrawsNegatives) {
  const auto d = Distribution::normal(10e6, 2e6);  // P(X < 0) ~ 3e-7: moments unaffected
  const auto xs = draw(d, 3);
  expect_moments(d, xs);
  expect_ks(xs, [](double x) { return phi((x - 10e6) / 2e6); }, "normal");
  expect_golden(d, {12388382.332089515, 11081587.223165844, 12069882.445135575, 6649386.6783150313, 12646855.672167586});
  // With mean close to 0 half the mass is redrawn: no negative values.
  for (double x : draw(Distribution::normal(1e6, 2e6), 4, 50'000)) ASSERT_GE(x, 0.0);
}

TEST(Distribution, LognormalByMeanAndStddev) {
  const auto d = Distribution::lognormal(2e6, 1e6);
  EXPECT_NEAR(d.mean(), 2e6, 1e-3);
  EXPECT_NEAR(std::sqrt(d.variance()), 1e6, 1e-3);
  const auto xs = draw(d, 5);
  expect_moments(d, xs);
  const double sigma2 = std::log(1.25);
  const double mu = std::log(2e6) - sigma2 / 2;
  expect_ks(xs, [&](double x) { return phi((std::log(x) - mu) / std::sqrt(sigma2)); }, "lognormal mean/sd");
  expect_golden(d, {3144605.0317869056, 2309511.16288597, 2916725.8184343455, 810740.56306364294, 3342560.7616960458});
}

TEST(Distribution, LognormalByMedianAndP99) {
  const auto d = Distribution::lognormal_median_p99(1e6, 5e6);
  const auto xs = draw(d, 6);
  std::vector<double> sorted = xs;
  std::sort(sorted.begin(), sorted.end());
  // Sample quantiles: the standard error of the q-quantile is √(q(1-q)/n)/f(x_q).
  const double sigma = std::log(5.0) / kNormalZ99;
  auto pdf = [&](double x) { return std::exp(-std::pow(std::log(x / 1e6) / sigma, 2) / 2) / (x * sigma * std::sqrt(2 * M_PI)); };
  const double n = static_cast<double>(kN);
  EXPECT_NEAR(sorted[kN / 2], 1e6, 4 * std::sqrt(0.25 / n) / pdf(1e6));
  EXPECT_NEAR(sorted[static_cast<std::size_t>(0.99 * kN)], 5e6, 4 * std::sqrt(0.0099 / n) / pdf(5e6));
  expect_moments(d, xs);
  expect_golden(d, {2284569.5243052803, 1453736.8778044113, 2046239.4232532633, 313791.07384952263, 2498242.4305634834});
}

TEST(Distribution, ParetoMomentsWhenFinite) {
  const auto d = Distribution::pareto(1e6, 5.0);  // fourth moment finite for shape > 4
  const auto xs = draw(d, 7);
  expect_moments(d, xs);
  expect_golden(d, {1033558.5657558551, 1135464.6670511395, 1046284.2028271533, 1043153.7318115663, 1026149.3130575531});
}

TEST(Distribution, ParetoHeavyTailByKS) {
  const auto d = Distribution::pareto_mean(3e6, 1.5);  // infinite variance: KS only
  const double xm = 3e6 * 0.5 / 1.5;
  const auto xs = draw(d, 8);
  for (double x : xs) ASSERT_GE(x, xm);
  expect_ks(xs, [&](double x) { return x < xm ? 0.0 : 1 - std::pow(xm / x, 1.5); }, "pareto");
  EXPECT_TRUE(std::isinf(d.variance()));
  EXPECT_TRUE(std::isinf(Distribution::pareto(1e6, 0.9).mean()));
}

TEST(Distribution, Weibull) {
  const auto d = Distribution::weibull(2e6, 1.5);
  const auto xs = draw(d, 9);
  expect_moments(d, xs);
  expect_ks(xs, [](double x) { return 1 - std::exp(-std::pow(x / 2e6, 1.5)); }, "weibull");
  EXPECT_NEAR(Distribution::weibull_mean(3e6, 0.7).mean(), 3e6, 1e-3);
  expect_golden(d, {2728794.2469801065, 4765048.7283506822, 2385254.5363808018, 2206059.5137491548, 3511069.659824667});
}

TEST(Distribution, EmpiricalInterpolatesPercentiles) {
  const auto d = Distribution::empirical({{0.0, 1e6}, {0.5, 2e6}, {0.99, 9e6}, {1.0, 20e6}});
  EXPECT_EQ(d.quantile(0.0), 1e6);
  EXPECT_EQ(d.quantile(0.5), 2e6);
  EXPECT_NEAR(d.quantile(0.25), 1.5e6, 1e-6);
  EXPECT_EQ(d.quantile(1.0), 20e6);
  const auto xs = draw(d, 10);
  for (double x : xs) ASSERT_TRUE(x >= 1e6 && x <= 20e6);
  expect_moments(d, xs);
  // Piecewise-linear inverse CDF <=> piecewise-linear CDF between the points.
  expect_ks(xs, [](double x) {
    if (x <= 1e6) return 0.0;
    if (x <= 2e6) return 0.5 * (x - 1e6) / 1e6;
    if (x <= 9e6) return 0.5 + 0.49 * (x - 2e6) / 7e6;
    if (x <= 20e6) return 0.99 + 0.01 * (x - 9e6) / 11e6;
    return 1.0;
  }, "empirical");
  expect_golden(d, {6969439.7328877086, 2426061.5016330383, 6250550.0435130466, 6422535.4503201665, 7413080.9646615889});
}

// The PBS paper's LNKD-SSD fit (Bailis et al., VLDB 2012): a Pareto body and
// an exponential tail.
Distribution lnkd_ssd() {
  return Distribution::mixture({{0.9122, Distribution::pareto(0.235e6, 10)}, {0.0878, Distribution::exponential(0.6024e6)}});
}

TEST(Distribution, MixtureMomentsAndShape) {
  const Distribution d = lnkd_ssd();
  // Mean: 0.9122 * 10/9 * 0.235 ms + 0.0878 * 0.6024 ms.
  EXPECT_NEAR(d.mean(), 0.9122 * 10.0 / 9.0 * 0.235e6 + 0.0878 * 0.6024e6, 1e-6);
  const auto xs = draw(d, 5);
  expect_moments(d, xs);
  // CDF: the weighted sum of the components'.
  expect_ks(
      xs,
      [](double x) {
        const double pareto = x < 0.235e6 ? 0.0 : 1 - std::pow(0.235e6 / x, 10.0);
        return 0.9122 * pareto + 0.0878 * (1 - std::exp(-x / 0.6024e6));
      },
      "mixture");
  // Weights are normalised.
  const Distribution scaled =
      Distribution::mixture({{9122, Distribution::pareto(0.235e6, 10)}, {878, Distribution::exponential(0.6024e6)}});
  EXPECT_EQ(scaled.mean(), d.mean());
  ASSERT_EQ(d.components().size(), 2u);
  EXPECT_DOUBLE_EQ(d.components()[0].weight, 0.9122);
  EXPECT_STREQ(d.kind_name(), "mixture");
}

TEST(Distribution, MixtureWithAHeavyTailHasInfiniteMoments) {
  const Distribution d =
      Distribution::mixture({{0.5, Distribution::pareto(1e6, 0.8)}, {0.5, Distribution::exponential(1e6)}});
  EXPECT_TRUE(std::isinf(d.mean()));
  EXPECT_TRUE(std::isinf(d.variance()));
}

TEST(Distribution, MixtureGoldenDraws) {
  expect_golden(lnkd_ssd(), {250411.7334269686, 240017.00947910704, 249830.74417467311, 252720.50126923504, 247107.18976734145});
}

}  // namespace
}  // namespace dsim

