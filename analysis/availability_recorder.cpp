#include "dsim/analysis/availability_recorder.h"

#include <algorithm>

#include "dsim/analysis/availability.h"

namespace dsim {

void AvailabilityRecorder::attach(Bus& bus, const RunContext& ctx) {
  const ScenarioSpec& spec = ctx.spec;
  warmup_ = spec.warmup;
  duration_ = spec.duration;
  slot_of_component_.assign(spec.components.size(), -1);
  std::vector<bool> track(spec.components.size(), false);
  for (const auto& f : spec.faults)
    if (f.takes_nodes_down())
      for (const auto& n : f.nodes) track[n.component] = true;
  for (const auto& f : spec.failures) track[f.component] = true;
  for (std::size_t c = 0; c < spec.components.size(); ++c) {
    if (!track[c] || !spec.components[c]->serves_requests()) continue;
    Tracked t;
    t.component = c;
    t.replicas = spec.components[c]->replica_count();
    t.up = t.replicas;
    for (const auto& f : spec.failures)
      if (f.component == c) {
        t.failures = &f;
        t.required = f.required;
      }
    slot_of_component_[c] = static_cast<int>(tracked_.size());
    tracked_.push_back(t);
  }
  if (!tracked_.empty()) bus.subscribe<&AvailabilityRecorder::on_replica>(*this);
  world_ = &ctx.world;
}

void AvailabilityRecorder::account(Tracked& t, Time now) const {
  const Time a = std::max(t.last, warmup_);
  const Time b = std::min(now, duration_);
  if (b > a && t.up >= t.required) t.available_ns += b - a;
  t.last = now;
}

void AvailabilityRecorder::on_replica(const ReplicaStateChanged& e) {
  const World::NodeInfo n = world_->node(e.node);
  if (n.component < 0) return;
  const int slot = slot_of_component_[static_cast<std::size_t>(n.component)];
  if (slot < 0) return;
  Tracked& t = tracked_[static_cast<std::size_t>(slot)];
  account(t, e.at);
  t.up += e.up ? 1 : -1;
}

void AvailabilityRecorder::finish(const RunContext& ctx, RunRecord& out) {
  // Integrated up to the simulation's clock when the run stopped.
  const Time now = ctx.world.sim().now();
  const double window = static_cast<double>(duration_ - warmup_);
  for (Tracked& t : tracked_) {
    account(t, now);
    AvailabilityRecord a;
    a.component = ctx.spec.components[t.component]->name();
    a.required_up = t.required;
    a.simulated = static_cast<double>(t.available_ns) / window;
    if (t.failures != nullptr)
      a.analytic = availability::k_of_n(t.replicas, t.required, t.failures->mtbf_ns, t.failures->mttr_ns);
    out.availability.push_back(std::move(a));
  }
}

}  // namespace dsim
