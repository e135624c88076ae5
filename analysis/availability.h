// Availability from first principles: the continuous-time Markov chain of a
// replicated group, and "nines".
//
// n identical replicas fail independently at rate 1/MTBF each and are
// repaired independently (one repairer per replica) at rate 1/MTTR each. The
// chain's state is the number of replicas down (0..n); its generator matrix Q
// has (n-i)/MTBF from state i to i+1 and i/MTTR from i to i-1. The steady
// state pi solves pi Q = 0 with sum(pi) = 1 (solved with Eigen). The group is
// available while at least k replicas are up.
//
// For independent replicas the long-run fraction of time up depends only on
// the means (an alternating renewal process), so the same figure is the
// long-run answer for Weibull failure and repair times of the same means.
#pragma once

#include <vector>

namespace dsim::availability {

// Up to this many replicas the generator is solved with Eigen (dense LU);
// beyond, the chain's product form (detailed balance) gives the same
// steady state without an (n+1)^2 matrix.
inline constexpr int kMaxEigenReplicas = 64;

// Steady-state probabilities of 0, 1, ..., n replicas down.
// REQUIRES: n >= 1, mtbf > 0, mttr > 0 (any consistent time unit).
std::vector<double> steady_state_down(int n, double mtbf, double mttr);

// Long-run probability that at least k of n replicas are up.
// REQUIRES: 0 <= k <= n.
double k_of_n(int n, int k, double mtbf, double mttr);

// -log10(1 - a): 2 for 99%, 3 for 99.9%. REQUIRES: a < 1.
double nines(double a);

}  // namespace dsim::availability
