// Client retry policy: exponential backoff with jitter, and a retry budget.
//
// Backoff before retry n (n = 1 for the first retry): cap = min(max, base x
// 2^(n-1)); "full" jitter draws uniformly from [0, cap], "equal" from
// [cap/2, cap], "none" waits exactly cap (the AWS Architecture Blog's names).
//
// The budget follows Finagle's RetryBudget: over a sliding 10 s window (ten
// one-second buckets), retries may not exceed `ratio` x requests plus
// `min_per_s` x 10 s, so a client with little traffic can still retry a
// little while a retry storm is capped at a fraction of the offered load.
#pragma once

#include <array>
#include <cstdint>

#include "dsim/sim/rng.h"
#include "dsim/sim/time.h"

namespace dsim {

enum class Jitter { kFull, kEqual, kNone };

struct Backoff {
  Time base = 10 * kMillisecond;
  Time max = kSecond;
  Jitter jitter = Jitter::kFull;

  // REQUIRES: retry >= 1.
  Time delay(std::uint32_t retry, Rng& rng) const {
    double cap = static_cast<double>(base);
    for (std::uint32_t i = 1; i < retry && cap < static_cast<double>(max); ++i) cap *= 2;
    if (cap > static_cast<double>(max)) cap = static_cast<double>(max);
    switch (jitter) {
      case Jitter::kFull:
        return round_to_time(rng.uniform() * cap);
      case Jitter::kEqual:
        return round_to_time(cap / 2 + rng.uniform() * cap / 2);
      case Jitter::kNone:
        return round_to_time(cap);
    }
    return round_to_time(cap);
  }
};

class RetryBudget {
 public:
  RetryBudget(double ratio, double min_per_s) : ratio_(ratio), min_per_s_(min_per_s) {}

  // A first attempt was sent.
  void deposit(Time now) { bucket(now).requests += 1; }
  // Whether a retry may be sent now; if so, it is counted.
  bool try_withdraw(Time now) {
    Bucket& b = bucket(now);
    std::uint64_t requests = 0, retries = 0;
    for (const Bucket& x : buckets_) {
      requests += x.requests;
      retries += x.retries;
    }
    const double allowed = ratio_ * static_cast<double>(requests) + min_per_s_ * kWindowSeconds;
    if (static_cast<double>(retries + 1) > allowed) return false;
    b.retries += 1;
    return true;
  }

 private:
  static constexpr int kWindowSeconds = 10;
  struct Bucket {
    std::int64_t second = -1;
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
  };
  Bucket& bucket(Time now) {
    const std::int64_t s = now / kSecond;
    Bucket& b = buckets_[static_cast<std::size_t>(s % kWindowSeconds)];
    if (b.second != s) b = Bucket{s, 0, 0};
    // Buckets older than the window are stale; clear them lazily.
    for (Bucket& x : buckets_)
      if (x.second >= 0 && x.second <= s - kWindowSeconds) x = Bucket{};
    return b;
  }

  double ratio_;
  double min_per_s_;
  std::array<Bucket, kWindowSeconds> buckets_{};
};

}  // namespace dsim
