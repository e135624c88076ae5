#include "dsim/models/rate_schedule.h"

#include <algorithm>

#include "dsim/sim/check.h"
#include "dsim/sim/detmath.h"

namespace dsim {

namespace {
// A daily curve is bounded piece by piece over this share of its period.
constexpr Time kDiurnalPieces = 96;
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
    DSIM_CHECK(points[i].rate > 0);
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
  double p = 0;
  for (Time t = 0; t < until;) {
    const Segment s = segment(t);
    p = std::max(p, s.bound);
    if (s.end >= until) break;
    t = s.end;
  }
  return p;
}

}  // namespace dsim
