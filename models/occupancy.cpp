#include "dsim/models/occupancy.h"

#include "dsim/sim/check.h"

namespace dsim {

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

void record_occupancy(const std::vector<OccupancyRecord>& replicas, ComponentRecord& out) {
  DSIM_CHECK(replicas.size() == out.replicas.size());
  out.has_occupancy = true;
  for (std::size_t i = 0; i < replicas.size(); ++i) out.replicas[i].occupancy = replicas[i];
  out.total = sum_occupancy(replicas);
}

}  // namespace dsim
