#include "dsim/analysis/client_metrics.h"

#include <algorithm>

#include "dsim/analysis/record.h"
#include "dsim/models/world.h"

namespace dsim {

void ClientMetrics::attach(Bus& bus, const RunContext& ctx) {
  const World& world = ctx.world;
  world_ = &world;
  slot_of_component_.assign(world.component_count(), -1);
  std::vector<std::size_t> clients;
  for (std::size_t i = 0; i < world.component_count(); ++i)
    if (world.component(i).spec().kind() == "client") clients.push_back(i);
  if (clients.size() < 2) return;  // nothing to add to the run's own figures
  warmup_ = ctx.spec.warmup;
  duration_ = ctx.spec.duration;
  window_ = std::max<Time>(1, ctx.spec.window);
  const auto windows = static_cast<std::size_t>((duration_ + window_ - 1) / window_);
  for (const std::size_t i : clients) {
    slot_of_component_[i] = static_cast<int>(clients_.size());
    PerClient c;
    c.name = world.component(i).name();
    c.window_ok.assign(windows, 0);
    c.window_failed.assign(windows, 0);
    clients_.push_back(std::move(c));
  }
  bus.subscribe<&ClientMetrics::on_resolved>(*this);
}

void ClientMetrics::on_resolved(const OperationResolved& e) {
  const int component = world_->node(e.client).component;
  if (component < 0) return;
  const int slot = slot_of_component_[static_cast<std::size_t>(component)];
  if (slot < 0) return;
  PerClient& c = clients_[static_cast<std::size_t>(slot)];
  const bool ok = e.status == Status::kOk;
  if (e.completed < duration_) {
    const auto w = static_cast<std::size_t>(e.completed / window_);
    if (ok) ++c.window_ok[w];
    else ++c.window_failed[w];
  }
  if (e.invoked < warmup_ || e.invoked >= duration_) return;
  ++c.sent;
  if (!ok) return;
  ++c.succeeded;
  if (e.completed < duration_) ++c.succeeded_in_window;
  c.latency.record(e.completed - e.invoked);
}

void ClientMetrics::finish(const RunContext&, RunRecord& out) {
  if (clients_.empty()) return;
  const double measured_s = to_seconds(std::max<Time>(1, std::min(duration_, out.end) - warmup_));
  for (const PerClient& c : clients_) {
    for (ComponentRecord& comp : out.components) {
      if (comp.name != c.name) continue;
      const auto add = [&comp](const char* k, double v) { comp.extra.emplace_back(k, v); };
      if (c.sent > 0) add("availability", static_cast<double>(c.succeeded) / static_cast<double>(c.sent));
      add("throughput_rps", static_cast<double>(c.succeeded_in_window) / measured_s);
      if (c.succeeded > 0) {
        add("latency_ms/mean", c.latency.mean() / 1e6);
        add("latency_ms/p50", c.latency.quantile(0.50) / 1e6);
        add("latency_ms/p99", c.latency.quantile(0.99) / 1e6);
        add("latency_ms/max", static_cast<double>(c.latency.max()) / 1e6);
      }
    }
    ClientSeries s;
    s.name = c.name;
    s.succeeded = c.window_ok;
    s.failed = c.window_failed;
    out.client_series.push_back(std::move(s));
  }
}

}  // namespace dsim
