// A node's workers behind a FIFO queue, with their occupancy: how the nodes
// of both replicated-store models (models/replicated_store.h) serve their
// jobs. Private to the models layer.
//
// The node drives it:
//   if (pool.full(capacity)) { pool.reject(now); ...answer "rejected"; }
//   else if (auto w = pool.admit(job, now)) start(*w);   // start: draw the
//       // service time of pool.worker(*w).job, set done_at, schedule it
//   ...at the service-done event for w:
//   if (!pool.finishing(w, now)) return;                 // stale: before a crash
//   ...serve pool.worker(w).job...
//   if (auto next = pool.release(w, now)) start(*next);
// and on a crash pool.crash(now).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "dsim/models/occupancy.h"
#include "dsim/sim/ring_buffer.h"
#include "dsim/sim/time.h"

namespace dsim::store_detail {

// Job: copyable, with members `Time arrived` and `bool measured` (set here).
template <class Job>
class WorkerPool {
 public:
  struct Worker {
    Job job;
    bool busy = false;
    bool in_service = false;  // a service-done event is due at done_at
    Time done_at = 0;
    Time started = 0;
  };

  WorkerPool(std::size_t workers, Time warmup, Time duration) : workers_(workers) {
    occupancy_.init(warmup, duration, static_cast<std::uint64_t>(workers));
    for (std::size_t w = workers; w > 0; --w) free_.push_back(static_cast<std::uint32_t>(w - 1));
  }

  Occupancy& occupancy() { return occupancy_; }
  const Occupancy& occupancy() const { return occupancy_; }
  Worker& worker(std::uint32_t w) { return workers_[w]; }

  // No free worker and `capacity` jobs waiting (-1: never full).
  bool full(std::int64_t capacity) const {
    return free_.empty() && capacity >= 0 && queue_.size() >= static_cast<std::size_t>(capacity);
  }
  void reject(Time now) { occupancy_.reject(now); }

  // Takes a job: a free worker starts it (returned: draw its service time),
  // or it waits its turn.
  std::optional<std::uint32_t> admit(Job job, Time now) {
    job.arrived = now;
    job.measured = occupancy_.accept(now);
    if (!free_.empty()) return assign(job, now);
    queue_.push_back(job);
    occupancy_.queued(now, +1);
    return std::nullopt;
  }

  // At worker w's service-done event: whether it is due now (false: an
  // event from before a crash). The worker's job is then served.
  bool finishing(std::uint32_t w, Time now) {
    Worker& worker = workers_[w];
    if (!worker.in_service || worker.done_at != now) return false;
    worker.in_service = false;
    worker.busy = false;
    return true;
  }

  // Worker w is done with its job: the next waiting job, if any, starts on a
  // worker (returned: draw its service time).
  std::optional<std::uint32_t> release(std::uint32_t w, Time now) {
    const Job& job = workers_[w].job;
    occupancy_.depart(now, job.arrived, job.measured);
    occupancy_.busy(now, -1);
    free_.push_back(w);
    if (queue_.empty()) return std::nullopt;
    const Job next = queue_.front();
    queue_.pop_front();
    occupancy_.queued(now, -1);
    return assign(next, now);
  }

  // A crash: every job, waiting or in service, is lost.
  void crash(Time now) {
    while (!queue_.empty()) {
      occupancy_.queued(now, -1);
      occupancy_.lose(now);
      queue_.pop_front();
    }
    free_.clear();
    for (std::size_t w = workers_.size(); w > 0; --w) {
      Worker& worker = workers_[w - 1];
      if (worker.busy) {
        occupancy_.busy(now, -1);
        occupancy_.lose(now);
      }
      worker = Worker{};
      free_.push_back(static_cast<std::uint32_t>(w - 1));
    }
  }

 private:
  std::uint32_t assign(const Job& job, Time now) {
    const std::uint32_t w = free_.back();
    free_.pop_back();
    occupancy_.busy(now, +1);
    Worker& worker = workers_[w];
    worker.job = job;
    worker.busy = true;
    worker.in_service = true;
    worker.started = now;
    return w;
  }

  std::vector<Worker> workers_;
  std::vector<std::uint32_t> free_;
  RingBuffer<Job> queue_;
  Occupancy occupancy_;
};

}  // namespace dsim::store_detail
