// What the instances of both replicated-store models
// (models/replicated_store.h) have in common: nodes that know each other's
// actors, start themselves, hold operations of their own besides their
// queues, and settle at the end of a run. Private to the models layer.
#pragma once

#include <cstdint>

#include "dsim/models/events.h"
#include "dsim/models/occupancy.h"
#include "dsim/models/replicated_store.h"
#include "dsim/models/store_cells.h"

namespace dsim::store_detail {

// R: a node, with set_nodes(actors), start(), in_progress() (operations it
// holds beyond its queue and workers: coordinating, forwarding, waiting for
// followers) and what ServerInstance needs.
template <class R>
class StoreInstanceBase : public ServerInstance<ReplicatedStoreSpec, R> {
 public:
  using ServerInstance<ReplicatedStoreSpec, R>::ServerInstance;

  void connect(const World&) override {
    for (auto& r : this->replicas_) r->set_nodes(this->replica_actors());
  }
  void start() override {
    for (auto& r : this->replicas_) r->start();
  }
  std::uint64_t in_system_now() const override {
    std::uint64_t n = ServerInstance<ReplicatedStoreSpec, R>::in_system_now();
    for (const auto& r : this->replicas_) n += r->in_progress();
    return n;
  }
  bool settles() const override { return true; }
};

// The instance of a store with a leader (leader_follower, raft). R also
// has leads(), era() (its epoch or term), caught_up_with(leader),
// state().data (its copies, a CellMap), sim(), start_settle_checks(fn)
// (fn called every 100 ms until it returns false) and set_cluster(C*).
// C: what the nodes report for the figures, built from (nodes, warmup,
// duration), with finish(at) when the run ends.
template <class R, class C>
class LeaderStoreInstance : public StoreInstanceBase<R> {
 public:
  LeaderStoreInstance(const ReplicatedStoreSpec& spec, BuildContext& ctx)
      : StoreInstanceBase<R>(spec, ctx), cluster_(spec.replica_count(), ctx.warmup, ctx.duration) {
    for (auto& r : this->replicas_) r->set_cluster(&cluster_);
  }
  void finish_run() override {
    StoreInstanceBase<R>::finish_run();
    cluster_.finish(this->halted_at());
  }

  // Settling: faults are healed; wait (as open work, a minute at most)
  // until one leader leads every node and they have caught up with it.
  void begin_settle() override {
    Simulation& sim = this->replicas_.front()->sim();
    sim.begin_work();
    checks_ = 0;
    this->replicas_.front()->start_settle_checks([this, &sim] {
      if (converged() || ++checks_ > kSettleChecks) {
        sim.end_work();
        return false;
      }
      return true;
    });
  }

 protected:
  // The node leading the newest era (nullptr: none).
  const R* leader() const {
    const R* l = nullptr;
    for (const auto& r : this->replicas_)
      if (r->leads() && (l == nullptr || r->era() > l->era())) l = r.get();
    return l;
  }
  bool converged() const {
    const R* l = leader();
    if (l == nullptr) return false;
    for (const auto& r : this->replicas_)
      if (!r->caught_up_with(*l)) return false;
    return true;
  }
  C cluster_;

  // Publishes `source`'s copy of each key as its converged value, with
  // whether every node holds the same.
  void publish_settled(const R& source) const {
    Simulation& sim = this->replicas_.front()->sim();
    const Channel<StoreKeySettled>& ch = sim.bus().channel<StoreKeySettled>();
    for (const auto& [key, cell] : source.state().data.sorted()) {
      bool converged = true;
      for (const auto& r : this->replicas_) {
        const Cell* c = r->state().data.find(key);
        if (c == nullptr || !same(*c, cell)) converged = false;
      }
      ch.publish(StoreKeySettled{this->replica_actors().front(), key, cell.value, cell.ts, converged, sim.now()});
    }
  }

 private:
  static constexpr int kSettleChecks = 600;  // a minute
  int checks_ = 0;
};

}  // namespace dsim::store_detail
