#include "dsim/models/world.h"

#include <algorithm>

#include "dsim/models/status.h"
#include "dsim/sim/check.h"
#include "dsim/sim/network.h"

namespace dsim {

World::World(const ScenarioSpec& spec, std::uint64_t seed) : spec_(spec), sim_(seed) {
  spec_.check();
  StatusTable::global().freeze();  // runs read it from now on
  Network& net = sim_.network();
  net.set_default_link(spec_.network.default_link);
  for (const auto& z : spec_.zones()) net.add_zone(z);
  for (const auto& l : spec_.network.links) {
    const auto a = net.find_zone(l.a);
    const auto b = net.find_zone(l.b);
    DSIM_CHECK_MSG(a && b, "a link names a zone that no component or network.zones declares");
    net.add_link(*a, *b, l.params);
  }
  BuildContext ctx{sim_, *this, spec_.warmup, spec_.duration, spec_.max_client_timeout(), spec_.window};
  for (std::size_t c = 0; c < spec_.components.size(); ++c) {
    const ComponentSpec& cs = *spec_.components[c];
    components_.push_back(cs.instantiate(ctx));
    DSIM_CHECK_MSG(components_.back() != nullptr && &components_.back()->spec() == &cs,
                   "a component's instantiate() must return an instance of that spec");
    const ComponentInstance& inst = *components_.back();
    DSIM_CHECK_MSG(static_cast<int>(inst.replica_actors().size()) == cs.replica_count(),
                   "a component's instantiate() must register every replica");
    component_by_name_.emplace(cs.name(), c);
    for (int i = 0; i < cs.replica_count(); ++i) {
      const ActorId id = inst.replica_actors()[static_cast<std::size_t>(i)];
      if (nodes_.size() <= id) nodes_.resize(id + 1);
      nodes_[id] = NodeInfo{static_cast<int>(c), i};
      replica_by_name_.emplace(cs.replica_name(i), std::make_pair(c, i));
    }
  }
  // What cost bills: traffic between zones in the window, the users' own
  // (clients, probes) aside.
  if (spec_.priced()) {
    net.meter_inter_zone(spec_.warmup, spec_.duration);
    for (const auto& c : components_)
      if (!c->spec().serves_requests())
        for (const ActorId id : c->replica_actors()) net.set_unmetered(id);
  }
  net.finalize();
  for (auto& c : components_) c->connect(*this);
  faults_ = std::make_unique<FaultInjector>(*this, sim_, spec_);
}

World::~World() = default;

std::vector<ActorId> World::nodes_named(const std::string& name) const {
  if (const auto c = component_by_name_.find(name); c != component_by_name_.end())
    return components_[c->second]->replica_actors();
  if (const auto r = replica_by_name_.find(name); r != replica_by_name_.end())
    return {components_[r->second.first]->replica_actors()[static_cast<std::size_t>(r->second.second)]};
  DSIM_CHECK_MSG(false, ("no component or replica is named '" + name + "'").c_str());
  return {};
}

const ComponentInstance* World::component_named(const std::string& name) const {
  const auto c = component_by_name_.find(name);
  return c == component_by_name_.end() ? nullptr : components_[c->second].get();
}

std::vector<ActorId> World::follow_rotation(const std::vector<ActorId>& nodes,
                                            const ComponentInstance::RotationWatcher& changed) const {
  std::vector<ActorId> out;
  // The components the nodes belong to, each once, in order.
  std::vector<int> owners;
  for (const ActorId n : nodes) {
    const int c = node(n).component;
    if (c >= 0 && std::find(owners.begin(), owners.end(), c) == owners.end()) owners.push_back(c);
  }
  for (const int c : owners) {
    const ComponentInstance& owner = *components_[static_cast<std::size_t>(c)];
    // Only the nodes followed: a caller of app-1 hears nothing of app-2.
    std::vector<ActorId> mine;
    for (const ActorId n : nodes)
      if (node(n).component == c) mine.push_back(n);
    std::sort(mine.begin(), mine.end());
    for (const ActorId n : mine)
      if (!owner.in_rotation(node(n).replica)) out.push_back(n);
    // Replica ids of a component increase with the replica index: sorted.
    owner.watch_rotation([mine, changed](ActorId replica, bool in) {
      if (std::binary_search(mine.begin(), mine.end(), replica)) changed(replica, in);
    });
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool World::settles() const {
  for (const auto& c : components_)
    if (c->settles()) return true;
  return false;
}

void World::begin_settle() {
  faults_->heal_all();
  for (auto& c : components_) c->begin_settle();
}

void World::end_settle() {
  for (auto& c : components_) c->end_settle();
}

const std::string& World::node_name(ActorId id) const { return sim_.network().node_name(id); }

Time World::clock(ActorId node) const { return sim_.network().clock(node); }

void World::start() {
  for (auto& c : components_) c->start();
  faults_->start();
}

std::vector<ComponentRecord> World::record_components() {
  std::vector<ComponentRecord> out;
  for (auto& c : components_) {
    c->finish_run();
    const ComponentSpec& cs = c->spec();
    ComponentRecord cr;
    cr.name = cs.name();
    cr.kind = cs.kind();
    for (int i = 0; i < cs.replica_count(); ++i)
      cr.replicas.push_back(ReplicaRecord{cs.replica_name(i), cs.replica_zone(i), {}});
    c->record(cr);
    out.push_back(std::move(cr));
  }
  return out;
}

}  // namespace dsim
