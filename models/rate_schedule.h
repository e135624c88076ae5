// An open-loop client's arrival rate over time: constant, piecewise linear
// between points, or a daily (sinusoidal) curve, times any bursts on top.
//
// Arrivals follow it as a non-homogeneous Poisson process by thinning
// (Lewis and Shedler, 1979): candidates come at a bound of the rate and each
// is kept with probability rate / bound. segment(t) gives that bound piece
// by piece — over [t, end) the rate never exceeds it — so that few
// candidates are thrown away however much the rate varies.
#pragma once

#include <optional>
#include <vector>

#include "dsim/sim/time.h"

namespace dsim {

class RateSchedule {
 public:
  // A rate (per second) reached at a time; the rate is linear between
  // points, the first point's before it and the last point's after it.
  struct Point {
    Time at = 0;
    double rate = 0;
  };
  // mean × (1 + amplitude × cos(2π (t − peak_at) / period)).
  struct Diurnal {
    double mean = 0;
    double amplitude = 0;  // 0 .. 1
    Time period = 24 * kHour;
    Time peak_at = 14 * kHour;
  };
  // The rate times `factor` over [at, at + length).
  struct Burst {
    Time at = 0;
    Time length = 0;
    double factor = 1;
  };

  // REQUIRES: rate >= 0.
  static RateSchedule constant(double rate);
  // REQUIRES: points non-empty, times strictly increasing, rates > 0.
  static RateSchedule points(std::vector<Point> points);
  // REQUIRES: mean > 0, 0 <= amplitude <= 1, period > 0.
  static RateSchedule diurnal(Diurnal d);
  // REQUIRES: length > 0, factor > 0.
  void add_burst(Burst b);

  // The rate (per second) at time t.
  double rate_at(Time t) const;

  // A piece of the schedule from t: the rate stays at most `bound` over
  // [t, end), end > t (kTimeMax: to the end of time).
  struct Segment {
    Time end = kTimeMax;
    double bound = 0;
  };
  Segment segment(Time t) const;

  // The highest rate the schedule reaches over [0, until).
  double peak(Time until) const;
  // Whether the rate changes over time at all.
  bool varies() const { return !points_.empty() || diurnal_.has_value() || !bursts_.empty(); }

  const std::vector<Point>& point_list() const { return points_; }
  const std::optional<Diurnal>& diurnal_curve() const { return diurnal_; }
  const std::vector<Burst>& bursts() const { return bursts_; }

 private:
  double base_at(Time t) const;      // without bursts
  double multiplier_at(Time t) const;
  Time next_burst_edge(Time t) const;  // the first burst start or end after t

  double constant_ = 0;
  std::vector<Point> points_;
  std::optional<Diurnal> diurnal_;
  std::vector<Burst> bursts_;
};

}  // namespace dsim
