#include "models/request_metrics.h"

#include <algorithm>

namespace dsim {

RequestMetrics::RequestMetrics(Time warmup, Time duration, Time window)
    : warmup_(warmup), duration_(duration), window_(window), window_end_(window) {
  DSIM_CHECK(window > 0);
  // Room for every window up to `duration` (the drain after it may add a
  // few), so that closing a window does not allocate during the run. Capped:
  // a tiny window over a long run grows as it goes instead.
  const Time n = duration / window + 2;
  windows_.reserve(static_cast<std::size_t>(std::min<Time>(n, Time{1} << 16)));
}

void RequestMetrics::close_windows(Time now) {
  while (now >= window_end_) {
    cur_.start = window_end_ - window_;
    cur_.p50_ns = window_latency_.quantile(0.50);
    cur_.p99_ns = window_latency_.quantile(0.99);
    windows_.push_back(cur_);
    if (!open_faults_.empty()) evaluate_faults(cur_, window_end_);
    cur_ = WindowRecord{};
    window_latency_.reset();
    window_end_ += window_;
  }
}

std::size_t RequestMetrics::track_fault(Time at, std::optional<Time> horizon) {
  FaultTracker t;
  t.at = at;
  t.horizon = horizon;
  faults_.push_back(t);
  open_faults_.push_back(faults_.size() - 1);
  return faults_.size() - 1;
}

void RequestMetrics::count_fault_failure(Time now) {
  for (const std::size_t i : open_faults_) {
    FaultTracker& t = faults_[i];
    ++t.failed;
    ++t.failed_window;
    if (!t.horizon || now < *t.horizon) ++t.failed_horizon;
  }
}

void RequestMetrics::evaluate_faults(const WindowRecord& w, Time window_end) {
  // Windows where nothing resolved say nothing about availability.
  const bool informative = w.resolved() > 0;
  const bool below = w.below(slo_);
  std::size_t kept = 0;
  for (const std::size_t i : open_faults_) {
    FaultTracker& t = faults_[i];
    if (t.dipped && informative && !below) {
      // Back above the SLO: recovered at this window's start; its failures
      // are not the fault's.
      t.recovered = w.start;
      t.failed -= t.failed_window;
      t.closed = true;
    } else if (!t.dipped && below) {
      t.dipped = true;
    } else if (!t.dipped && t.horizon && window_end >= *t.horizon) {
      t.closed = true;  // no visible effect by the horizon: stop looking
    }
    t.failed_window = 0;
    if (!t.closed) open_faults_[kept++] = i;
  }
  open_faults_.resize(kept);
}

RequestMetrics::FaultImpact RequestMetrics::fault_impact(std::size_t id) const {
  const FaultTracker& t = faults_[id];
  FaultImpact out;
  out.recovered = t.recovered;
  // Recovered: failures from `at` to the recovery. Fell below the SLO and
  // never recovered: to the end of the run. Never fell below: up to the
  // horizon (the end of the fault plus the longest client timeout).
  out.failed = t.dipped ? t.failed : t.failed_horizon;
  return out;
}

void RequestMetrics::finish(Time end, RunRecord& out) {
  // Close every window that started before `end` (the last one may be partial).
  close_windows(end);
  if (cur_.sent + cur_.resolved() > 0 ||
      windows_.empty()) {
    cur_.start = window_end_ - window_;
    cur_.p50_ns = window_latency_.quantile(0.50);
    cur_.p99_ns = window_latency_.quantile(0.99);
    windows_.push_back(cur_);
    if (!open_faults_.empty()) evaluate_faults(cur_, end);
  }
  rec_.latency_mean_stderr_ns = batches_.standard_error();
  out.requests = rec_;
  out.windows = windows_;
}

void Occupancy::init(Time window_start, Time window_end, std::uint64_t workers) {
  start_ = window_start;
  end_ = window_end;
  workers_ = workers;
}

double Occupancy::mean(__int128 area) const {
  const Time len = end_ - start_;
  if (len <= 0) return 0.0;
  const __int128 q = area / len;
  const __int128 r = area % len;
  return static_cast<double>(q) + static_cast<double>(r) / static_cast<double>(len);
}

OccupancyRecord Occupancy::record() const {
  OccupancyRecord r;
  if (workers_ > 0) r.utilization = mean(busy_area_) / static_cast<double>(workers_);
  r.queue_length = mean(queue_area_);
  r.in_system = mean(in_system_area_);
  r.arrivals = arrivals_;
  r.rejected = rejected_;
  r.departures = departures_;
  r.time_in_system_sum_ns = time_in_system_ns_;
  r.workers = workers_;
  return r;
}

OccupancyRecord sum_occupancy(const std::vector<OccupancyRecord>& parts) {
  OccupancyRecord t;
  double busy = 0;
  bool any_util = false;
  for (const auto& p : parts) {
    t.queue_length += p.queue_length;
    t.in_system += p.in_system;
    t.arrivals += p.arrivals;
    t.rejected += p.rejected;
    t.departures += p.departures;
    t.time_in_system_sum_ns += p.time_in_system_sum_ns;
    t.workers += p.workers;
    if (p.utilization) {
      any_util = true;
      busy += *p.utilization * static_cast<double>(p.workers);
    }
  }
  if (any_util && t.workers > 0) t.utilization = busy / static_cast<double>(t.workers);
  return t;
}

}  // namespace dsim
