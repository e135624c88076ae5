#include "models/component.h"

#include "sim/check.h"

namespace dsim {

Component::Component(ComponentCommon common) : common_(std::move(common)) {
  DSIM_CHECK(common_.replicas >= 1);
  if (common_.replicas == 1 && !common_.replicas_given) {
    replica_names_.push_back(common_.name);
  } else {
    for (int i = 0; i < common_.replicas; ++i) replica_names_.push_back(common_.name + "-" + std::to_string(i));
  }
}

Component::~Component() = default;

const std::string& Component::replica_zone(int i) const {
  static const std::string kDefault = "default";
  if (common_.zones.empty()) return kDefault;
  return common_.zones[static_cast<std::size_t>(i) % common_.zones.size()];
}

void Component::add_replica_actor(Simulation& sim, ReplicaActor& actor, int i) {
  DSIM_CHECK(static_cast<std::size_t>(i) == actors_.size());
  const ActorId id = sim.add_actor(actor);
  actors_.push_back(id);
  replica_ptrs_.push_back(&actor);
  Network& net = sim.network();
  const auto zone = net.find_zone(replica_zone(i));
  DSIM_CHECK(zone.has_value());
  net.add_node(id, replica_name(i), *zone);
}

Component& ComponentIndex::lookup(const ConfigNode& ref, bool must_serve) const {
  const std::string name = ref.as_name();
  Component* c = find(name);
  if (c == nullptr) {
    // A replica name where a component is expected gets its own hint.
    const auto dash = name.rfind('-');
    const Component* owner = dash != std::string::npos ? find(name.substr(0, dash)) : nullptr;
    bool is_replica = false;
    if (owner != nullptr)
      for (const auto& r : owner->replica_names()) is_replica = is_replica || r == name;
    if (is_replica)
      ref.fail("'" + name + "' is a replica; name the component '" + name.substr(0, dash) +
               "' here (its replicas are chosen round robin)");
    ref.fail("unknown component '" + name + "'" + did_you_mean(name, names()) +
             "; components: " + join_alternatives(names(), ", "));
  }
  if (must_serve && !c->serves_requests())
    ref.fail("'" + name + "' is a " + c->kind() + ", which does not accept requests");
  return *c;
}

std::pair<Component*, std::optional<int>> ComponentIndex::lookup_replica(const ConfigNode& ref) const {
  const std::string name = ref.as_name();
  if (Component* c = find(name)) return {c, std::nullopt};
  for (const auto& n : names()) {
    Component* c = find(n);
    for (int i = 0; i < c->replica_count(); ++i)
      if (c->replica_name(i) == name) return {c, i};
  }
  std::vector<std::string> all = names();
  for (const auto& n : names()) {
    Component* c = find(n);
    if (c->replica_count() > 1)
      for (const auto& r : c->replica_names()) all.push_back(r);
  }
  ref.fail("unknown component or replica '" + name + "'" + did_you_mean(name, all) +
           "; components: " + join_alternatives(names(), ", "));
}

ModelRegistry& ModelRegistry::builtin() {
  static ModelRegistry* registry = [] {
    auto* r = new ModelRegistry();
    register_builtin_models(*r);
    return r;
  }();
  return *registry;
}

void ModelRegistry::add(std::string kind, std::string summary, Factory factory) {
  DSIM_CHECK(entries_.find(kind) == entries_.end());
  entries_[kind] = Entry{kind, std::move(summary), std::move(factory)};
}

const ModelRegistry::Entry* ModelRegistry::find(const std::string& kind) const {
  auto it = entries_.find(kind);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> ModelRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [k, e] : entries_) out.push_back(k);
  return out;
}

}  // namespace dsim
