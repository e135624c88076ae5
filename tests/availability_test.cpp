// The analytic availability of replicated groups (analysis/availability.h)
// against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "dsim/analysis/availability.h"

namespace dsim {
namespace {

// Binomial: independent replicas, each up with probability a = MTBF/(MTBF+MTTR).
double binomial_at_least(int n, int k, double a) {
  double sum = 0;
  for (int up = k; up <= n; ++up)
    sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(up + 1.0) - std::lgamma(n - up + 1.0) + up * std::log(a) +
                    (n - up) * std::log1p(-a));
  return sum;
}

TEST(Availability, TwoOfThreeMatchesTheIssuesFigure) {
  // MTBF 1000 h, MTTR 10 h: 0.999707852 (to 1e-9).
  EXPECT_NEAR(availability::k_of_n(3, 2, 1000, 10), 0.999707852, 1e-9);
}

TEST(Availability, SingleReplicaIsMtbfOverCycle) {
  EXPECT_NEAR(availability::k_of_n(1, 1, 600, 30), 600.0 / 630.0, 1e-12);
}

TEST(Availability, MatchesTheBinomialForManyShapes) {
  for (int n = 1; n <= 7; ++n)
    for (int k = 0; k <= n; ++k)
      for (const double ratio : {3.0, 99.0, 1e4}) {
        const double a = ratio / (ratio + 1);
        EXPECT_NEAR(availability::k_of_n(n, k, ratio, 1.0), binomial_at_least(n, k, a), 1e-12)
            << "n=" << n << " k=" << k << " ratio=" << ratio;
      }
}

TEST(Availability, SteadyStateSumsToOneAndBalancesFlows) {
  const auto pi = availability::steady_state_down(5, 200, 7);
  double sum = 0;
  for (const double p : pi) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  // Detailed balance of the birth-death chain: pi_i (n-i) lambda = pi_{i+1} (i+1) mu.
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(pi[static_cast<std::size_t>(i)] * (5 - i) / 200.0, pi[static_cast<std::size_t>(i + 1)] * (i + 1) / 7.0, 1e-14);
}

TEST(Availability, LargeGroupsAndNanosecondUnitsStayAccurate) {
  // MTBF 1000 h and MTTR 100 h given in nanoseconds, as the simulator does.
  const double h = 3.6e12;
  for (const auto& [n, k] : std::vector<std::pair<int, int>>{{30, 15}, {30, 30}, {64, 60}, {65, 60}, {200, 200},
                                                             {500, 250}, {1000, 1}, {100000, 90000}}) {
    const double want = binomial_at_least(n, k, 1000.0 / 1100.0);
    const double got = availability::k_of_n(n, k, 1000 * h, 100 * h);
    EXPECT_GE(got, 0.0);
    EXPECT_LE(got, 1.0 + 1e-12);
    EXPECT_NEAR(got, want, 1e-9 + 1e-9 * want) << "n=" << n << " k=" << k;
  }
}

TEST(Availability, Nines) {
  EXPECT_NEAR(availability::nines(0.99), 2.0, 1e-12);
  EXPECT_NEAR(availability::nines(0.999707852), 3.534, 1e-3);
}

}  // namespace
}  // namespace dsim
