// Fixed-width windows of simulated time, [0, w), [w, 2w), ..., stepped as
// events arrive. Recorders that count per window (the time series, a fault's
// recovery) close a window when the first event at or after its end arrives,
// so two recorders fed the same events agree on where windows begin; either
// may cross a stretch of empty windows at once (skip_to) rather than close
// each of them.
#pragma once

#include "dsim/sim/check.h"
#include "dsim/sim/time.h"

namespace dsim {

class WindowClock {
 public:
  // REQUIRES: width > 0.
  explicit WindowClock(Time width = kSecond) : width_(width), end_(width) { DSIM_CHECK(width > 0); }

  Time width() const { return width_; }
  Time start() const { return end_ - width_; }
  Time end() const { return end_; }
  // Whether `now` lies beyond the current window, which must be closed.
  bool passed(Time now) const { return now >= end_; }
  // Moves on to the next window.
  void next() { end_ += width_; }
  // Moves on to the window holding `now`, however many lie between.
  // REQUIRES: passed(now).
  void skip_to(Time now) { end_ += ((now - end_) / width_ + 1) * width_; }

 private:
  Time width_;
  Time end_;
};

}  // namespace dsim
