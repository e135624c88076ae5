#include "dsim/analysis/fault_impact.h"

#include <algorithm>

namespace dsim {

void FaultImpact::attach(Bus& bus, const RunContext& ctx) {
  if (ctx.spec.faults.empty() && ctx.spec.failures.empty()) return;
  attached_ = true;
  slo_ = ctx.spec.slo_availability;
  // Look for a fault's effect until it ends plus the longest time a request
  // it hurt can take to fail.
  horizon_slack_ = ctx.spec.max_request_lifetime();
  clock_ = WindowClock(ctx.spec.window);
  bus.subscribe<&FaultImpact::on_fault_began>(*this);
  bus.subscribe<&FaultImpact::on_fault_ended>(*this);
  bus.subscribe<&FaultImpact::on_backend_health>(*this);
  bus.subscribe<&FaultImpact::on_invoked>(*this);
  bus.subscribe<&FaultImpact::on_retried>(*this);
  bus.subscribe<&FaultImpact::on_resolved>(*this);
}

void FaultImpact::on_fault_began(const FaultBegan& e) {
  DSIM_CHECK(e.id == records_.size());
  FaultRecord r;
  r.kind = std::string(e.kind);
  r.target = std::string(e.target);
  r.at = e.at;
  r.until = e.until;
  records_.push_back(std::move(r));
  Tracker t;
  t.at = e.at;
  if (e.until) t.horizon = *e.until + horizon_slack_;
  trackers_.push_back(t);
  open_.push_back(e.id);
  active_.push_back(Active{e.id, std::vector<ActorId>(e.affected.begin(), e.affected.end())});
}

void FaultImpact::on_fault_ended(const FaultEnded& e) {
  for (std::size_t k = 0; k < active_.size(); ++k)
    if (active_[k].id == e.id) {
      active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
      return;
    }
}

void FaultImpact::on_backend_health(const BackendHealthChanged& e) {
  if (e.up) return;
  for (const Active& a : active_) {
    FaultRecord& r = records_[a.id];
    if (r.detected || e.at < r.at) continue;
    if (std::binary_search(a.affected.begin(), a.affected.end(), e.backend)) r.detected = e.at;
  }
}

void FaultImpact::on_invoked(const OperationInvoked& e) {
  advance(e.at);
  ++cur_.sent;
}

void FaultImpact::on_retried(const OperationRetried& e) { advance(e.at); }

void FaultImpact::on_resolved(const OperationResolved& e) {
  advance(e.completed);
  ++cur_.resolved;
  if (e.status == Status::kOk) {
    ++cur_.succeeded;
    return;
  }
  for (const std::size_t i : open_) {
    Tracker& t = trackers_[i];
    ++t.failed;
    ++t.failed_window;
    if (!t.horizon || e.completed < *t.horizon) ++t.failed_horizon;
  }
}

void FaultImpact::close_windows(Time now) {
  while (clock_.passed(now)) {
    evaluate(clock_.start(), clock_.end());
    closed_any_ = true;
    cur_ = Window{};
    clock_.next();
    if (clock_.passed(now)) {
      // The windows before the one holding `now` are empty (nothing happened
      // between two events): on them evaluate() could only close trackers
      // whose horizon has passed. Cross them at once — a drain of years in
      // 1 ms windows must not step through each.
      WindowClock at_now = clock_;
      at_now.skip_to(now);
      const Time last_end = at_now.start();  // end of the last empty window
      std::size_t kept = 0;
      for (const std::size_t i : open_) {
        Tracker& t = trackers_[i];
        if (!t.dipped && t.horizon && last_end >= *t.horizon) t.closed = true;
        if (!t.closed) open_[kept++] = i;
      }
      open_.resize(kept);
      clock_ = at_now;
    }
  }
}

void FaultImpact::evaluate(Time window_start, Time window_end) {
  if (open_.empty()) return;
  // Windows where nothing resolved say nothing about availability.
  const bool informative = cur_.resolved > 0;
  const bool below =
      informative && static_cast<double>(cur_.succeeded) < slo_ * static_cast<double>(cur_.resolved);
  std::size_t kept = 0;
  for (const std::size_t i : open_) {
    Tracker& t = trackers_[i];
    if (t.dipped && informative && !below) {
      // Back above the SLO: recovered at this window's start; its failures
      // are not the fault's.
      t.recovered = window_start;
      t.failed -= t.failed_window;
      t.closed = true;
    } else if (!t.dipped && below) {
      t.dipped = true;
    } else if (!t.dipped && t.horizon && window_end >= *t.horizon) {
      t.closed = true;  // no visible effect by the horizon: stop looking
    }
    t.failed_window = 0;
    if (!t.closed) open_[kept++] = i;
  }
  open_.resize(kept);
}

void FaultImpact::finish(const RunContext&, RunRecord& out) {
  if (!attached_) return;  // no faults: nothing observed, nothing to write
  const Time end = out.end;
  // The windows the time series closes (analysis/request_metrics.cpp),
  // including a last partial one that ends at `end`.
  close_windows(end);
  if (cur_.sent + cur_.resolved > 0 || !closed_any_) evaluate(clock_.start(), end);
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const Tracker& t = trackers_[i];
    records_[i].recovered = t.recovered;
    // Recovered: failures from `at` to the recovery. Fell below the SLO and
    // never recovered: to the end of the run. Never fell below: up to the
    // horizon (the end of the fault plus the longest client timeout).
    records_[i].failed_requests = t.dipped ? t.failed : t.failed_horizon;
  }
  out.faults = records_;
}

}  // namespace dsim
