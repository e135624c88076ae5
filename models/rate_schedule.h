// An open-loop client's arrival rate over time: constant, piecewise linear
// between points, or a daily (sinusoidal) curve, times any bursts on top.
//
// Arrivals follow it as a non-homogeneous Poisson process by thinning
// (Lewis and Shedler, 1979): candidates come at a bound of the rate and each
// is kept with probability rate / bound. segment(t) gives that bound piece
// by piece — over [t, end) the rate never exceeds it — so that few
// candidates are thrown away however much the rate varies. Evenly spaced
// arrivals go where the rate's integral reaches the next whole number
// (time_for). A closed-loop client's number of users over time is a
// schedule of points too (first_reaching says when a user is back).
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
  // REQUIRES: points non-empty, times strictly increasing, rates >= 0.
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
  // The highest rate it ever reaches.
  double peak() const;

  // Times as nanoseconds in a double (arrivals fall between nanoseconds
  // before they are rounded to one).
  //
  // The expected number of arrivals over [a, b): the rate's integral.
  // REQUIRES: a <= b.
  double expected(double a, double b) const;
  // The time t >= from by which `amount` arrivals are expected, that is
  // expected(from, t) == amount: where evenly spaced (`arrival: constant`)
  // arrivals go. +infinity if that many never are. REQUIRES: amount >= 0.
  double time_for(double from, double amount) const;
  // The first time t >= from at which the rate is at least `level`, or
  // kTimeMax if it never is again; for a closed loop's number of users
  // over time. REQUIRES: no daily curve and no bursts.
  Time first_reaching(Time from, double level) const;
  // Whether the rate changes over time at all.
  bool varies() const;

  const std::vector<Point>& point_list() const { return points_; }
  const std::optional<Diurnal>& diurnal_curve() const { return diurnal_; }
  const std::vector<Burst>& bursts() const { return bursts_; }

 private:
  double base_at(Time t) const;      // without bursts
  double base_at(double t) const;
  // The first point or burst edge after t (+infinity: none): over [t, that)
  // the rate is linear, constant or one daily curve, with one multiplier.
  double piece_end(double t) const;
  // The rate's integral over [a, b) within one piece (times in ns).
  double piece_expected(double a, double b) const;
  double multiplier_at(Time t) const;
  Time next_burst_edge(Time t) const;  // the first burst start or end after t

  double constant_ = 0;
  std::vector<Point> points_;
  std::optional<Diurnal> diurnal_;
  std::vector<Burst> bursts_;
};

}  // namespace dsim
