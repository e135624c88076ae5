#include "dsim/models/rate_schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsim/sim/check.h"
#include "dsim/sim/detmath.h"

namespace dsim {

namespace {
// A daily curve is bounded piece by piece over this share of its period.
constexpr Time kDiurnalPieces = 96;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPerNs = 1e-9;  // rates are per second, times in ns
constexpr double kTwoPi = 6.283185307179586;

// The phase of t in a period starting at `origin`, in turns [0, 1).
double turns_at(double t, Time origin, Time period) {
  double since = std::fmod(t - static_cast<double>(origin), static_cast<double>(period));
  if (since < 0) since += static_cast<double>(period);
  return since / static_cast<double>(period);
}
}  // namespace

RateSchedule RateSchedule::constant(double rate) {
  DSIM_CHECK(rate >= 0);
  RateSchedule s;
  s.constant_ = rate;
  return s;
}

RateSchedule RateSchedule::points(std::vector<Point> points) {
  DSIM_CHECK(!points.empty());
  for (std::size_t i = 0; i < points.size(); ++i) {
    DSIM_CHECK(points[i].rate >= 0);
    DSIM_CHECK(i == 0 || points[i].at > points[i - 1].at);
  }
  RateSchedule s;
  s.points_ = std::move(points);
  return s;
}

RateSchedule RateSchedule::diurnal(Diurnal d) {
  DSIM_CHECK(d.mean > 0 && d.amplitude >= 0 && d.amplitude <= 1 && d.period > 0);
  RateSchedule s;
  s.diurnal_ = d;
  return s;
}

void RateSchedule::add_burst(Burst b) {
  DSIM_CHECK(b.length > 0 && b.factor > 0);
  bursts_.push_back(b);
}

bool RateSchedule::varies() const {
  if (!bursts_.empty()) return true;
  if (diurnal_) return diurnal_->amplitude > 0;
  for (const Point& p : points_)
    if (p.rate != points_.front().rate) return true;
  return false;
}

double RateSchedule::base_at(Time t) const {
  if (diurnal_) {
    const Diurnal& d = *diurnal_;
    // The phase in turns, exact in integer nanoseconds before the division.
    Time since = (t - d.peak_at) % d.period;
    if (since < 0) since += d.period;
    const double turns = static_cast<double>(since) / static_cast<double>(d.period);
    return d.mean * (1.0 + d.amplitude * detmath::cos_turns(turns));
  }
  if (points_.empty()) return constant_;
  if (t <= points_.front().at) return points_.front().rate;
  if (t >= points_.back().at) return points_.back().rate;
  const auto it = std::upper_bound(points_.begin(), points_.end(), t,
                                   [](Time x, const Point& p) { return x < p.at; });
  const Point& b = *it;
  const Point& a = *(it - 1);
  const double f = static_cast<double>(t - a.at) / static_cast<double>(b.at - a.at);
  return a.rate + (b.rate - a.rate) * f;
}

double RateSchedule::multiplier_at(Time t) const {
  double m = 1;
  for (const Burst& b : bursts_)
    if (t >= b.at && t - b.at < b.length) m *= b.factor;
  return m;
}

Time RateSchedule::next_burst_edge(Time t) const {
  Time next = kTimeMax;
  for (const Burst& b : bursts_) {
    if (b.at > t) next = std::min(next, b.at);
    const Time end = b.length > kTimeMax - b.at ? kTimeMax : b.at + b.length;
    if (end > t) next = std::min(next, end);
  }
  return next;
}

double RateSchedule::rate_at(Time t) const { return base_at(t) * multiplier_at(t); }

RateSchedule::Segment RateSchedule::segment(Time t) const {
  Segment s;
  s.end = next_burst_edge(t);
  if (diurnal_) {
    const Diurnal& d = *diurnal_;
    const Time piece = std::max<Time>(1, d.period / kDiurnalPieces);
    const Time end = t > kTimeMax - piece ? kTimeMax : t + piece;
    s.end = std::min(s.end, end);
    // Between two extremes the curve is monotone: the larger end bounds it,
    // unless a peak falls inside.
    Time since = (t - d.peak_at) % d.period;
    if (since < 0) since += d.period;
    const bool peak_inside = since == 0 || d.period - since < s.end - t;
    s.bound = peak_inside ? d.mean * (1.0 + d.amplitude) : std::max(base_at(t), base_at(s.end));
  } else if (!points_.empty()) {
    // Linear between points: the larger end bounds it.
    const auto it = std::upper_bound(points_.begin(), points_.end(), t,
                                     [](Time x, const Point& p) { return x < p.at; });
    if (it != points_.end()) s.end = std::min(s.end, it->at);
    s.bound = std::max(base_at(t), s.end == kTimeMax ? base_at(t) : base_at(s.end));
  } else {
    s.bound = constant_;
  }
  s.bound *= multiplier_at(t);
  return s;
}

double RateSchedule::peak(Time until) const {
  // Between consecutive points and burst edges the multiplier is constant
  // and the base linear (at its highest at an end) or a daily curve (at its
  // crest if the crest falls inside): the highest of those pieces is exact,
  // in as many steps as there are points and bursts.
  std::vector<Time> cuts = {0};
  for (const Point& p : points_) cuts.push_back(p.at);
  for (const Burst& b : bursts_) {
    cuts.push_back(b.at);
    cuts.push_back(sat_add(b.at, b.length));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  double p = 0;
  for (std::size_t i = 0; i < cuts.size() && cuts[i] < until; ++i) {
    const Time a = cuts[i];
    const Time b = std::min(until, i + 1 < cuts.size() ? cuts[i + 1] : kTimeMax);  // [a, b)
    double base = std::max(base_at(a), base_at(b - 1));
    if (diurnal_) {
      const Diurnal& d = *diurnal_;
      Time to_crest = (d.peak_at - a) % d.period;
      if (to_crest < 0) to_crest += d.period;
      if (to_crest < b - a) base = d.mean * (1.0 + d.amplitude);
    }
    p = std::max(p, base * multiplier_at(a));
  }
  return p;
}

double RateSchedule::peak() const { return peak(kTimeMax); }

double RateSchedule::base_at(double t) const {
  if (diurnal_) {
    const Diurnal& d = *diurnal_;
    return d.mean * (1.0 + d.amplitude * detmath::cos_turns(turns_at(t, d.peak_at, d.period)));
  }
  if (points_.empty()) return constant_;
  if (t <= static_cast<double>(points_.front().at)) return points_.front().rate;
  if (t >= static_cast<double>(points_.back().at)) return points_.back().rate;
  const auto it = std::upper_bound(points_.begin(), points_.end(), t,
                                   [](double x, const Point& p) { return x < static_cast<double>(p.at); });
  const Point& b = *it;
  const Point& a = *(it - 1);
  const double f = (t - static_cast<double>(a.at)) / static_cast<double>(b.at - a.at);
  return a.rate + (b.rate - a.rate) * f;
}

double RateSchedule::piece_end(double t) const {
  double end = kInf;
  const auto next = std::upper_bound(points_.begin(), points_.end(), t,
                                     [](double x, const Point& p) { return x < static_cast<double>(p.at); });
  if (next != points_.end()) end = static_cast<double>(next->at);
  for (const Burst& b : bursts_) {
    const double start = static_cast<double>(b.at);
    const double stop = start + static_cast<double>(b.length);
    if (start > t) end = std::min(end, start);
    if (stop > t) end = std::min(end, stop);
  }
  return end;
}

double RateSchedule::piece_expected(double a, double b) const {
  const double m = multiplier_at(static_cast<Time>(std::floor(a))) * kPerNs;
  if (diurnal_) {
    // mean × (b − a) + mean × amplitude × period / 2π × (sin θb − sin θa)
    const Diurnal& d = *diurnal_;
    const double sin_b = detmath::cos_turns(turns_at(b, d.peak_at, d.period) - 0.25);
    const double sin_a = detmath::cos_turns(turns_at(a, d.peak_at, d.period) - 0.25);
    return m * d.mean * ((b - a) + d.amplitude * static_cast<double>(d.period) / kTwoPi * (sin_b - sin_a));
  }
  return m * (base_at(a) + base_at(b)) / 2 * (b - a);  // linear within a piece
}

double RateSchedule::expected(double a, double b) const {
  DSIM_CHECK(a <= b);
  double sum = 0;
  while (a < b) {
    const double end = std::min(b, piece_end(a));
    sum += piece_expected(a, end);
    a = end;
  }
  return sum;
}

double RateSchedule::time_for(double from, double amount) const {
  DSIM_CHECK(amount >= 0);
  constexpr double kLast = static_cast<double>(kTimeMax);
  double t = from;
  double need = amount;
  while (t < kLast) {
    double end = piece_end(t);
    // A daily curve is solved a period at a time at most.
    if (diurnal_) end = std::min(end, t + static_cast<double>(diurnal_->period));
    const double m = multiplier_at(static_cast<Time>(std::floor(t))) * kPerNs;
    if (end == kInf) {  // a constant rate from here on
      const double r = base_at(t) * m;
      return r > 0 ? t + need / r : kInf;
    }
    const double got = piece_expected(t, end);
    if (got < need) {
      need -= got;
      t = end;
      continue;
    }
    if (!diurnal_) {
      // Linear: m (r0 Δ + s Δ² / 2) = need, solved without cancellation.
      const double r0 = base_at(t);
      const double s = (base_at(end) - r0) / (end - t);
      const double q = need / m;
      const double root = std::sqrt(std::max(0.0, r0 * r0 + 2 * s * q));
      const double delta = r0 + root > 0 ? 2 * q / (r0 + root) : end - t;
      return std::min(t + delta, end);
    }
    // The curve's integral rises monotonically: Newton's method kept
    // within a shrinking bracket, to well under a nanosecond.
    double lo = 0;
    double hi = end - t;
    const double r_t = base_at(t) * m;
    double delta = r_t > 0 ? std::min(need / r_t, hi) : hi / 2;
    for (int i = 0; i < 100 && hi - lo > 0.25; ++i) {
      const double f = piece_expected(t, t + delta) - need;
      if (f < 0) lo = delta;
      else hi = delta;
      const double slope = base_at(t + delta) * m;
      double next = slope > 0 ? delta - f / slope : (lo + hi) / 2;
      if (!(next > lo && next < hi)) next = (lo + hi) / 2;
      if (next == delta) break;
      delta = next;
    }
    return t + delta;
  }
  return kInf;
}

Time RateSchedule::first_reaching(Time from, double level) const {
  DSIM_CHECK(!diurnal_ && bursts_.empty());
  if (base_at(from) >= level) return from;
  // The rate is below `level` at `from`, so it reaches it on the way up to
  // a later point, from the one before (below `level` too).
  for (std::size_t i = 1; i < points_.size(); ++i) {
    const Point& a = points_[i - 1];
    const Point& b = points_[i];
    if (b.at <= from || b.rate < level) continue;
    const double f = (level - a.rate) / (b.rate - a.rate);
    Time t = std::clamp(a.at + static_cast<Time>(std::ceil(f * static_cast<double>(b.at - a.at))), from, b.at);
    // The first nanosecond there, whichever way the division rounded.
    while (t > from && t > a.at && base_at(t - 1) >= level) --t;
    while (t < b.at && base_at(t) < level) ++t;
    return t;
  }
  return kTimeMax;
}

}  // namespace dsim
