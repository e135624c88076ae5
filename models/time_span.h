// How long a condition held within a window of the run, [start, end): the
// figures of the replicated stores with a leader (time without a leader, time
// with two). Private to the models layer.
#pragma once

#include <algorithm>

#include "dsim/sim/time.h"

namespace dsim::store_detail {

class Span {
 public:
  // Only time in [start, end) counts (by default all of it).
  void window(Time start, Time end) {
    start_ = start;
    end_ = end;
  }
  // The condition holds (on) or not from `now` on.
  void set(bool on, Time now) {
    if (on == on_) return;
    on_ = on;
    if (on) since_ = now;
    else total_ += overlap(since_, now);
  }
  // The run ended at `end`: a condition still on counts until then.
  void close(Time end) {
    if (on_) total_ += overlap(since_, std::max(since_, end));
    on_ = false;
  }
  Time total() const { return total_; }

 private:
  Time overlap(Time a, Time b) const {
    const Time lo = std::max(a, start_), hi = std::min(b, end_);
    return hi > lo ? hi - lo : 0;
  }
  bool on_ = false;
  Time since_ = 0, total_ = 0, start_ = 0, end_ = kTimeMax;
};

}  // namespace dsim::store_detail
