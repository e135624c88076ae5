#include "dsim/sim/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dsim {

Histogram::Histogram() : counts_(kBuckets, 0) {}

double Histogram::mean() const {
  if (count_ == 0) return 0.0;
  // Split the exact 128-bit sum so the division stays exact for realistic sums.
  const __int128 q = sum_ / count_;
  const __int128 r = sum_ % count_;
  return static_cast<double>(q) + static_cast<double>(r) / static_cast<double>(count_);
}

std::int64_t Histogram::bucket_low(int i) {
  if (i < kLinearLimit) return i;
  const int k = i - static_cast<int>(kLinearLimit);
  const int octave = k >> kSubBits;     // 0 for values in [128, 256)
  const int sub = k & ((1 << kSubBits) - 1);
  const int shift = octave + 1;
  return (static_cast<std::int64_t>((1 << kSubBits) + sub)) << shift;
}

std::int64_t Histogram::bucket_width(int i) {
  if (i < kLinearLimit) return 1;
  const int octave = (i - static_cast<int>(kLinearLimit)) >> kSubBits;
  return std::int64_t{1} << (octave + 1);
}

double Histogram::quantile(double q) const {
  if (count_ == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the q-quantile among 1..count (nearest-rank definition).
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[static_cast<std::size_t>(i)];
    if (seen >= rank) {
      const double mid = static_cast<double>(bucket_low(i)) +
                         0.5 * static_cast<double>(bucket_width(i) - 1);
      return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.count_ > 0) {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
}

void BatchMeans::close_batch() {
  sums_.push_back(cur_sum_);
  total_n_ += cur_n_;
  cur_sum_ = 0;
  cur_n_ = 0;
  if (sums_.size() == kMaxBatches) {
    // Merge neighbours: 64 batches of size b become 32 of size 2b.
    for (int i = 0; i < kMaxBatches / 2; ++i) sums_[i] = sums_[2 * i] + sums_[2 * i + 1];
    sums_.resize(kMaxBatches / 2);
    batch_size_ *= 2;
  }
}

double BatchMeans::standard_error() const {
  const std::size_t k = sums_.size();
  if (k < 16) return std::numeric_limits<double>::quiet_NaN();
  const double b = static_cast<double>(batch_size_);
  double mean = 0;
  for (double s : sums_) mean += s / b;
  mean /= static_cast<double>(k);
  double ss = 0;
  for (double s : sums_) {
    const double d = s / b - mean;
    ss += d * d;
  }
  const double var_of_batch_means = ss / static_cast<double>(k - 1);
  return std::sqrt(var_of_batch_means / static_cast<double>(k));
}

}  // namespace dsim
