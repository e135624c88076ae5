#include "dsim/models/autoscaling.h"

#include <algorithm>
#include <cmath>

#include "dsim/sim/check.h"

namespace dsim {

HorizontalAutoscaler::HorizontalAutoscaler(const AutoscalingConfig& config) : cfg_(config) {
  DSIM_CHECK(cfg_.min >= 1 && cfg_.min <= cfg_.initial && cfg_.initial <= cfg_.max);
  DSIM_CHECK(cfg_.target > 0 && cfg_.target <= 1 && cfg_.tolerance >= 0 && cfg_.sync_period > 0);
}

std::int64_t HorizontalAutoscaler::up_limit(Time now, std::int64_t current) const {
  std::int64_t added = 0;
  for (const Entry& c : changes_)
    if (c.value > 0 && c.at > now - cfg_.scale_up_limit.period) added += c.value;
  const std::int64_t start = current - added;
  const ScalingLimit& l = cfg_.scale_up_limit;
  if (l.percent <= 0 && l.replicas <= 0) return cfg_.max;  // no limit
  std::int64_t limit = start;
  if (l.percent > 0)
    limit = std::max(limit, static_cast<std::int64_t>(std::ceil(static_cast<double>(start) * (1 + l.percent))));
  if (l.replicas > 0) limit = std::max(limit, start + l.replicas);
  return limit;
}

std::int64_t HorizontalAutoscaler::down_limit(Time now, std::int64_t current) const {
  std::int64_t removed = 0;
  for (const Entry& c : changes_)
    if (c.value < 0 && c.at > now - cfg_.scale_down_limit.period) removed -= c.value;
  const std::int64_t start = current + removed;
  const ScalingLimit& l = cfg_.scale_down_limit;
  if (l.percent <= 0 && l.replicas <= 0) return cfg_.min;  // no limit
  std::int64_t limit = start;
  if (l.percent > 0)
    limit = std::min(limit, static_cast<std::int64_t>(std::floor(static_cast<double>(start) * (1 - std::min(1.0, l.percent)))));
  if (l.replicas > 0) limit = std::min(limit, start - l.replicas);
  return limit;
}

HorizontalAutoscaler::Decision HorizontalAutoscaler::sync(Time now, std::int64_t current, std::int64_t ready,
                                                          double utilization, std::int64_t unready) {
  Decision d;
  // 1. What the measurement asks for (Kubernetes' replica_calculator.go).
  // (A product within 1e-9 of a whole number is that number: 7 × 0.2 / 0.7
  // asks for 2 replicas, not 3.)
  const auto ceil_of = [](double x) { return static_cast<std::int64_t>(std::ceil(x - 1e-9)); };
  std::int64_t raw = current;
  if (ready > 0) {
    const double ratio = utilization / cfg_.target;
    if (unready == 0 || ratio <= 1) {
      if (std::abs(ratio - 1) > cfg_.tolerance) raw = ceil_of(static_cast<double>(ready) * ratio);
    } else {
      // Scaling up with replicas not ready: they count as idle.
      const double all = static_cast<double>(ready + unready);
      const double again = ratio * static_cast<double>(ready) / all;
      if (std::abs(again - 1) > cfg_.tolerance && again > 1) raw = std::max(current, ceil_of(again * all));
    }
  }
  raw = std::clamp(raw, cfg_.min, cfg_.max);
  d.recommended = raw;

  // 2. Stabilisation over the recommendations of the last windows.
  const Time keep = std::max(cfg_.scale_up_stabilization, cfg_.scale_down_stabilization);
  while (!recommendations_.empty() && recommendations_.front().at <= now - keep) recommendations_.pop_front();
  std::int64_t up = raw;
  std::int64_t down = raw;
  for (const Entry& r : recommendations_) {
    if (r.at > now - cfg_.scale_up_stabilization) up = std::min(up, r.value);
    if (r.at > now - cfg_.scale_down_stabilization) down = std::max(down, r.value);
  }
  recommendations_.push_back(Entry{now, raw});
  std::int64_t next = current;
  if (next < up) next = up;
  if (next > down) next = down;

  // 3. Rate limits over the changes made within their periods.
  const Time period = std::max(cfg_.scale_up_limit.period, cfg_.scale_down_limit.period);
  while (!changes_.empty() && changes_.front().at <= now - period) changes_.pop_front();
  if (next > current) next = std::min(next, up_limit(now, current));
  if (next < current) next = std::max(next, down_limit(now, current));
  next = std::clamp(next, cfg_.min, cfg_.max);
  if (next != current) changes_.push_back(Entry{now, next - current});
  d.replicas = next;
  return d;
}

}  // namespace dsim
