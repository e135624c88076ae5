// Measurement primitives that models record into and analysis/ reads.
//
//  - Histogram: log-linear buckets (64 per power of two) over non-negative
//    integers, so any recorded value is known to within 0.8% of itself; fixed
//    size (3,712 counters), no allocation after construction.
//  - BatchMeans: the mean of a correlated sequence and its standard error by the
//    method of batch means, with a bounded number of batches.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "dsim/sim/time.h"

namespace dsim {

class Histogram {
 public:
  static constexpr int kSubBits = 6;                       // 64 sub-buckets per octave
  static constexpr std::int64_t kLinearLimit = 2 << kSubBits;  // values below are exact
  static constexpr int kBuckets = static_cast<int>(kLinearLimit) + (62 - kSubBits) * (1 << kSubBits);

  Histogram();

  void record(std::int64_t v) {
    if (v < 0) v = 0;
    record(v, index_of(v));
  }
  // The same, for a value whose bucket is known (one value recorded into
  // several histograms computes it once). REQUIRES: v >= 0, i == index_of(v).
  void record(std::int64_t v, int i) {
    ++counts_[static_cast<std::size_t>(i)];
    ++count_;
    sum_ += v;
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
  }

  std::uint64_t count() const { return count_; }
  // Exact sum and mean of the recorded values.
  __int128 sum() const { return sum_; }
  double mean() const;
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return count_ == 0 ? 0 : max_; }
  // The q-quantile (0 <= q <= 1): the smallest recorded value v such that at
  // least q of the values are <= v, reported as its bucket's midpoint and
  // clamped to [min, max]. 0 if empty.
  double quantile(double q) const;

  void merge(const Histogram& other);
  void reset();

  static int index_of(std::int64_t v) {
    if (v < kLinearLimit) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(static_cast<std::uint64_t>(v));
    const int shift = msb - kSubBits;
    const int sub = static_cast<int>(v >> shift) - (1 << kSubBits);
    return static_cast<int>(kLinearLimit) + (msb - kSubBits - 1) * (1 << kSubBits) + sub;
  }
  // Lowest value and width of bucket i.
  static std::int64_t bucket_low(int i);
  static std::int64_t bucket_width(int i);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  __int128 sum_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = 0;
};

class BatchMeans {
 public:
  static constexpr int kMaxBatches = 64;

  void add(double x) {
    cur_sum_ += x;
    if (++cur_n_ == batch_size_) close_batch();
  }
  std::uint64_t count() const { return total_n_ + cur_n_; }
  // Standard error of the overall mean, from the complete batches (at least 16
  // needed; NaN otherwise). Batches are doubled in size when 64 are full, so
  // between 32 and 64 batches are used.
  double standard_error() const;
  int batches() const { return static_cast<int>(sums_.size()); }

 private:
  void close_batch();

  std::vector<double> sums_;
  std::uint64_t batch_size_ = 1;
  std::uint64_t cur_n_ = 0;
  double cur_sum_ = 0;
  std::uint64_t total_n_ = 0;
};

}  // namespace dsim
