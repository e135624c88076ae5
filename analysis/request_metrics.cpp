#include "dsim/analysis/request_metrics.h"

#include <algorithm>

namespace dsim {

void RequestMetrics::attach(Bus& bus, const RunContext& ctx) {
  warmup_ = ctx.spec.warmup;
  duration_ = ctx.spec.duration;
  clock_ = WindowClock(ctx.spec.window);
  // Room for every window up to `duration` (the drain after it may add a
  // few), so that closing a window does not allocate during the run. Capped:
  // a tiny window over a long run grows as it goes instead.
  const Time n = duration_ / ctx.spec.window + 2;
  windows_.reserve(static_cast<std::size_t>(std::min<Time>(n, Time{1} << 16)));
  bus.subscribe<&RequestMetrics::on_invoked>(*this);
  bus.subscribe<&RequestMetrics::on_retried>(*this);
  bus.subscribe<&RequestMetrics::on_resolved>(*this);
}

void RequestMetrics::close_window() {
  cur_.start = clock_.start();
  cur_.p50_ns = window_latency_.quantile(0.50);
  cur_.p99_ns = window_latency_.quantile(0.99);
  windows_.push_back(cur_);
  cur_ = WindowRecord{};
  window_latency_.reset();
}

void RequestMetrics::close_windows(Time now) {
  while (clock_.passed(now)) {
    // After `duration` only requests in flight resolve, maybe much later (a
    // long timeout): rows only for windows where something happened, at
    // most kMaxDrainRows, the last taking all that resolve after it. So the
    // rows stay within the documented bound whatever the drain.
    const bool drain = clock_.start() >= duration_;
    if (drain && cur_.sent + cur_.attempts + cur_.resolved() == 0) {
      clock_.skip_to(now);
      return;
    }
    if (drain && drain_rows_ + 1 >= kMaxDrainRows) return;
    if (drain) ++drain_rows_;
    close_window();
    clock_.next();
  }
}

void RequestMetrics::finish(const RunContext&, RunRecord& out) {
  const Time end = out.end;
  // Close every window that started before `end`; the last one may be
  // partial, and is kept if anything happened in it (or if it is the only one).
  close_windows(end);
  if (cur_.sent + cur_.resolved() > 0 || windows_.empty()) close_window();
  rec_.latency_mean_stderr_ns = batches_.standard_error();
  out.requests = rec_;
  out.windows = windows_;
}

}  // namespace dsim
