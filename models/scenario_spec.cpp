#include "models/scenario_spec.h"

#include <algorithm>
#include <set>

namespace dsim {

const ComponentSpec* ScenarioSpec::find(const std::string& name) const {
  for (const auto& c : components)
    if (c->name() == name) return c.get();
  return nullptr;
}

int ScenarioSpec::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < components.size(); ++i)
    if (components[i]->name() == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> ScenarioSpec::zones() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& z) {
    if (seen.insert(z).second) out.push_back(z);
  };
  for (const auto& z : network.zones) add(z);
  for (const auto& c : components)
    for (int i = 0; i < c->replica_count(); ++i) add(c->replica_zone(i));
  return out;
}

Time ScenarioSpec::max_client_timeout() const {
  Time t = 0;
  for (const auto& c : components) t = std::max(t, c->client_timeout());
  return t;
}

Time ScenarioSpec::max_request_lifetime() const {
  Time t = 0;
  for (const auto& c : components) t = std::max(t, c->request_lifetime());
  return t;
}

}  // namespace dsim
