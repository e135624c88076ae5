#include "dsim/loader/registry.h"

#include "dsim/sim/check.h"

namespace dsim {

ComponentIndex::ComponentIndex(const std::vector<std::unique_ptr<ComponentSpec>>& components) : comps_(components) {
  for (const auto& c : comps_) {
    by_name_.emplace(c->name(), c.get());
    for (int i = 0; i < c->replica_count(); ++i) replicas_.emplace(c->replica_name(i), std::make_pair(c.get(), i));
  }
}

const ComponentSpec* ComponentIndex::find(const std::string& name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::string> ComponentIndex::names() const {
  std::vector<std::string> out;
  for (const auto& c : comps_) out.push_back(c->name());
  return out;
}

const ComponentSpec& ComponentIndex::lookup(const ConfigNode& ref, bool must_serve) const {
  const std::string name = ref.as_name();
  const ComponentSpec* c = find(name);
  if (c == nullptr) {
    // A replica name where a component is expected gets its own hint.
    const auto dash = name.rfind('-');
    const ComponentSpec* owner = dash != std::string::npos ? find(name.substr(0, dash)) : nullptr;
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

std::pair<const ComponentSpec*, std::optional<int>> ComponentIndex::lookup_replica(const ConfigNode& ref) const {
  const std::string name = ref.as_name();
  if (const ComponentSpec* c = find(name)) return {c, std::nullopt};
  if (const auto it = replicas_.find(name); it != replicas_.end()) return {it->second.first, it->second.second};
  std::vector<std::string> all = names();
  for (const auto& c : comps_)
    if (c->replica_count() > 1)
      for (const auto& r : c->replica_names()) all.push_back(r);
  ref.fail("unknown component or replica '" + name + "'" + did_you_mean(name, all) +
           "; components: " + join_alternatives(names(), ", "));
}

const ModelRegistry& ModelRegistry::builtin() {
  static const ModelRegistry registry = [] {
    ModelRegistry r;
    register_builtin_models(r);
    return r;
  }();
  return registry;
}

void ModelRegistry::add(std::string kind, std::string summary, Parser parser) {
  DSIM_CHECK_MSG(entries_.find(kind) == entries_.end(), "a model of that kind is already registered");
  DSIM_CHECK(parser != nullptr);
  entries_[kind] = Entry{kind, std::move(summary), std::move(parser)};
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
