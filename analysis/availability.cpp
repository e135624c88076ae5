#include "dsim/analysis/availability.h"

#include <Eigen/Dense>
#include "dsim/sim/check.h"
#include "dsim/sim/detmath.h"

namespace dsim::availability {

std::vector<double> steady_state_down(int n, double mtbf, double mttr) {
  DSIM_CHECK(n >= 1 && mtbf > 0 && mttr > 0);
  const int states = n + 1;
  if (n <= kMaxEigenReplicas) {
    // Rates in units of 1/MTTR: a repair rate of 1 keeps the matrix's entries
    // near 1 whatever the time unit (nanoseconds would make them ~1e-15 and
    // the LU's rank test would fail).
    const double lambda = mttr / mtbf;
    const double mu = 1.0;
    // Generator: rows are "from" states, each row sums to zero.
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(states, states);
    for (int i = 0; i < states; ++i) {
      if (i < n) q(i, i + 1) = (n - i) * lambda;  // one more replica fails
      if (i > 0) q(i, i - 1) = i * mu;            // one of the i down is repaired
      q(i, i) = -q.row(i).sum();
    }
    // pi Q = 0  <=>  Q^T pi^T = 0; one equation is redundant: replace it with
    // the normalisation sum(pi) = 1.
    Eigen::MatrixXd a = q.transpose();
    a.row(states - 1).setOnes();
    Eigen::VectorXd b = Eigen::VectorXd::Zero(states);
    b(states - 1) = 1.0;
    const Eigen::VectorXd pi = a.fullPivLu().solve(b);
    return std::vector<double>(pi.data(), pi.data() + states);
  }
  // Larger groups: the same chain's steady state from detailed balance, which
  // for independent replicas is binomial: pi_i = C(n, i) q^i (1-q)^(n-i),
  // q = MTTR / (MTBF + MTTR). Computed in logs (deterministic math).
  const double q = mttr / (mtbf + mttr);
  const double log_q = detmath::log(q);
  const double log_p = detmath::log1p(-q);
  const double log_n1 = detmath::lgamma(n + 1.0);
  std::vector<double> pi(static_cast<std::size_t>(states));
  for (int i = 0; i < states; ++i)
    pi[static_cast<std::size_t>(i)] =
        detmath::exp(log_n1 - detmath::lgamma(i + 1.0) - detmath::lgamma(n - i + 1.0) + i * log_q + (n - i) * log_p);
  return pi;
}

double k_of_n(int n, int k, double mtbf, double mttr) {
  DSIM_CHECK(k >= 0 && k <= n);
  const std::vector<double> pi = steady_state_down(n, mtbf, mttr);
  // At least k up = at most n - k down. Sum the small terms first.
  double a = 0;
  for (int down = n - k; down >= 0; --down) a += pi[static_cast<std::size_t>(down)];
  return a;
}

double nines(double a) {
  DSIM_CHECK(a < 1.0);
  // detmath, not libm: results must be the same bits on every platform.
  return -detmath::log(1.0 - a) / detmath::log(10.0);
}

}  // namespace dsim::availability
