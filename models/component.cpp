#include "dsim/models/component.h"

#include "dsim/sim/check.h"
#include "dsim/sim/network.h"

namespace dsim {

ComponentSpec::ComponentSpec(ComponentCommon common) : common_(std::move(common)) {
  DSIM_CHECK(common_.replicas >= 1);
  if (common_.replicas == 1 && !common_.replicas_given) {
    replica_names_.push_back(common_.name);
  } else {
    for (int i = 0; i < common_.replicas; ++i) replica_names_.push_back(common_.name + "-" + std::to_string(i));
  }
}

ComponentSpec::~ComponentSpec() = default;

const std::string& ComponentSpec::replica_zone(int i) const {
  static const std::string kDefault = "default";
  if (common_.zones.empty()) return kDefault;
  return common_.zones[static_cast<std::size_t>(i) % common_.zones.size()];
}

ComponentInstance::~ComponentInstance() = default;

void ComponentInstance::add_replica_actor(BuildContext& ctx, ReplicaActor& actor, int i) {
  DSIM_CHECK(static_cast<std::size_t>(i) == actors_.size());
  const ActorId id = ctx.sim.add_actor(actor);
  sim_ = &ctx.sim;
  actors_.push_back(id);
  replica_ptrs_.push_back(&actor);
  Network& net = ctx.sim.network();
  const auto zone = net.find_zone(spec_.replica_zone(i));
  DSIM_CHECK(zone.has_value());
  net.add_node(id, spec_.replica_name(i), *zone);
}

}  // namespace dsim
