// Closed-form queueing results, to set beside simulated figures.
//
// M/M/c: Poisson arrivals at rate lambda, c servers, exponential service at
// rate mu each, FCFS, infinite queue. The probability that an arrival waits is
// Erlang's C formula; everything else follows from it and Little's law.
// Stable only when lambda < c mu.
#pragma once

#include <vector>

namespace dsim::queueing {

// Erlang B (blocking probability of M/M/c/c) for offered load a = lambda/mu,
// by the numerically stable recurrence B(k) = a B(k-1) / (k + a B(k-1)).
double erlang_b(int c, double a);
// Erlang C: probability that an arrival waits in M/M/c. REQUIRES a < c.
double erlang_c(int c, double a);

struct MMc {
  double lambda;  // arrivals per unit time
  double mu;      // service completions per unit time, per server
  int c;          // servers

  double utilization() const { return lambda / (c * mu); }
  bool stable() const { return lambda < c * mu; }
  double prob_wait() const { return erlang_c(c, lambda / mu); }
  double mean_wait() const;           // Wq
  double mean_response() const;       // W = Wq + 1/mu
  double mean_queue_length() const;   // Lq = lambda Wq
  double mean_in_system() const;      // L = lambda W
  // q-quantile of the response time; exact for c = 1 (exponential with rate
  // mu - lambda), and for c > 1 from the mixture of no wait and an
  // exponential wait, solved numerically.
  double response_quantile(double q) const;
};

// Exact mean value analysis of a closed network: N customers cycling through
// single-server FCFS stations with service demands D_k (exponential) and a
// think (delay) time Z. Returns throughput and mean response time (excluding
// think time) at population N. Reiser & Lavenberg (1980).
struct MvaResult {
  double throughput;
  double response_time;
};
MvaResult mva(const std::vector<double>& demands, double think_time, int customers);

}  // namespace dsim::queueing
