// What the instances of both replicated-store models
// (models/replicated_store.h) have in common: nodes that know each other's
// actors, start themselves, hold operations of their own besides their
// queues, and settle at the end of a run. Private to the models layer.
#pragma once

#include <cstdint>

#include "dsim/models/occupancy.h"
#include "dsim/models/replicated_store.h"

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

}  // namespace dsim::store_detail
