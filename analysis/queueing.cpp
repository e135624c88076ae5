#include "dsim/analysis/queueing.h"

#include "dsim/sim/check.h"
#include "dsim/sim/detmath.h"

namespace dsim::queueing {

double erlang_b(int c, double a) {
  DSIM_CHECK(c >= 0 && a >= 0);
  double b = 1.0;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return b;
}

double erlang_c(int c, double a) {
  DSIM_CHECK(c >= 1 && a < c);
  const double b = erlang_b(c, a);
  const double rho = a / c;
  return b / (1.0 - rho * (1.0 - b));
}

double MMc::mean_wait() const { return prob_wait() / (c * mu - lambda); }
double MMc::mean_response() const { return mean_wait() + 1.0 / mu; }
double MMc::mean_queue_length() const { return lambda * mean_wait(); }
double MMc::mean_in_system() const { return lambda * mean_response(); }

double MMc::response_quantile(double q) const {
  DSIM_CHECK(stable() && q >= 0 && q < 1);
  if (c == 1) return -detmath::log1p(-q) / (mu - lambda);
  // P(T > t) for T = W + S with P(W > 0) = C, W | W > 0 ~ Exp(c mu - lambda),
  // S ~ Exp(mu) independent. Bisection on the survival function.
  const double pw = prob_wait();
  const double theta = c * mu - lambda;
  auto survival = [&](double t) {
    const double es = detmath::exp(-mu * t);
    if (theta == mu) return (1 - pw) * es + pw * (1 + mu * t) * es;
    const double conv = (theta * es - mu * detmath::exp(-theta * t)) / (theta - mu);
    return (1 - pw) * es + pw * conv;
  };
  double lo = 0;
  double hi = 1.0 / mu;
  while (survival(hi) > 1 - q) hi *= 2;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (survival(mid) > 1 - q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

MvaResult mva(const std::vector<double>& demands, double think_time, int customers) {
  DSIM_CHECK(customers >= 0 && think_time >= 0);
  std::vector<double> q(demands.size(), 0.0);
  MvaResult r{0, 0};
  for (int n = 1; n <= customers; ++n) {
    double total = 0;
    std::vector<double> resp(demands.size());
    for (std::size_t k = 0; k < demands.size(); ++k) {
      resp[k] = demands[k] * (1.0 + q[k]);
      total += resp[k];
    }
    r.throughput = n / (think_time + total);
    r.response_time = total;
    for (std::size_t k = 0; k < demands.size(); ++k) q[k] = r.throughput * resp[k];
  }
  return r;
}

}  // namespace dsim::queueing
