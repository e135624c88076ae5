#include "dsim/models/scenario_spec.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "dsim/sim/check.h"

namespace dsim {

bool ScenarioSpec::priced() const {
  if (objectives.max_cost_per_month) return true;
  for (const auto& c : components)
    if (c->common().pricing.any()) return true;
  return false;
}

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

namespace {
[[noreturn]] void spec_error(const std::string& what) { throw InvalidSpec(what); }
}  // namespace

void ScenarioSpec::check() const {
  if (!(duration > 0 && duration <= kMaxConfigDuration)) spec_error("duration must be in (0, 50 years]");
  if (!(warmup >= 0 && warmup < duration)) spec_error("warmup must be in [0, duration)");
  if (!(window > 0)) spec_error("window must be positive");
  if (!(slo_availability > 0 && slo_availability <= 1)) spec_error("slo_availability must be in (0, 1]");
  if (components.empty()) spec_error("no components");
  std::map<std::string, const ComponentSpec*> names;     // component name -> component
  std::map<std::string, const ComponentSpec*> replicas;  // replica name -> component
  for (const auto& c : components) {
    if (!c) spec_error("a null component");
    if (!names.emplace(c->name(), c.get()).second) spec_error("two components are named '" + c->name() + "'");
    for (const auto& r : c->replica_names())
      if (!replicas.emplace(r, c.get()).second) spec_error("two replicas are named '" + r + "'");
  }
  for (const auto& c : components)
    if (c->request_lifetime() > kMaxConfigDuration)
      spec_error("a request of '" + c->name() + "' can last beyond 50 years (retries x timeout)");
  // References, and no cycle of requests (each request would spawn requests
  // until timeouts stopped them).
  auto target_of = [&](const std::string& ref) -> const ComponentSpec* {
    if (auto c = names.find(ref); c != names.end()) return c->second;
    auto it = replicas.find(ref);
    if (it == replicas.end()) spec_error("'" + ref + "' names no component or replica");
    return it->second;
  };
  // Depth first, with a stack of its own (a chain of 100,000 services must
  // not overflow the thread's).
  std::map<const ComponentSpec*, int> state;  // 1 on the path, 2 done; keyed for lookup only
  struct Frame {
    const ComponentSpec* c;
    std::vector<std::string> downstream;
    std::size_t next = 0;
  };
  std::vector<Frame> path;
  for (const auto& root : components) {
    if (state[root.get()] != 0) continue;
    state[root.get()] = 1;
    path.push_back(Frame{root.get(), root->downstream()});
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next == f.downstream.size()) {
        state[f.c] = 2;
        path.pop_back();
        continue;
      }
      const std::string& d = f.downstream[f.next++];
      const ComponentSpec* next = target_of(d);
      if (!next->serves_requests()) spec_error("'" + f.c->name() + "' sends requests to '" + d + "', which serves none");
      if (state[next] == 1) spec_error("requests go round in a cycle through '" + next->name() + "'");
      if (state[next] == 0) {
        state[next] = 1;
        path.push_back(Frame{next, next->downstream()});
      }
    }
  }

  const std::vector<std::string> all_zones = zones();
  const std::set<std::string> zone_set(all_zones.begin(), all_zones.end());
  auto zone_known = [&](const std::string& z) { return zone_set.count(z) > 0; };
  for (const auto& l : network.links)
    if (!zone_known(l.a) || !zone_known(l.b)) spec_error("a link names an unknown zone");
  auto node_ok = [&](const NodeRef& n) {
    return n.component < components.size() && n.replica >= 0 && n.replica < components[n.component]->replica_count();
  };
  for (const auto& f : faults) {
    if (!(f.at >= 0 && f.at < duration)) spec_error("fault '" + f.kind_name + "' must begin in [0, duration)");
    if (f.until && !(*f.until > f.at)) spec_error("fault '" + f.kind_name + "' must end after it begins");
    for (const auto& n : f.nodes)
      if (!node_ok(n)) spec_error("fault '" + f.kind_name + "' names a node that does not exist");
    for (const auto& g : f.groups)
      for (const auto& n : g)
        if (!node_ok(n)) spec_error("fault '" + f.kind_name + "' names a node that does not exist");
    std::size_t groups_needed = 0;
    switch (f.kind) {
      case FaultSpec::Kind::kPartition:
        if (f.groups.size() < 2 || f.groups.size() > 60000) spec_error("a partition needs 2 to 60000 groups");
        break;
      case FaultSpec::Kind::kOneWayPartition: groups_needed = 2; break;
      case FaultSpec::Kind::kIsolate: groups_needed = 1; break;
      case FaultSpec::Kind::kBridge: groups_needed = 3; break;
      case FaultSpec::Kind::kCrash:
      case FaultSpec::Kind::kKill:
      case FaultSpec::Kind::kZoneOutage:
        for (const auto& n : f.nodes)
          if (!components[n.component]->serves_requests()) spec_error("only servers can crash or be killed");
        break;
      case FaultSpec::Kind::kSlow:
        if (!(f.factor > 0)) spec_error("a slow fault needs a factor above 0");
        for (const auto& n : f.nodes)
          if (!components[n.component]->accepts_slowdown()) spec_error("a slow fault names a component without service times");
        break;
      case FaultSpec::Kind::kDegradeLink:
        if (!zone_known(f.zone_a) || !zone_known(f.zone_b)) spec_error("degrade_link names an unknown zone");
        if (!(f.factor > 0) || !(f.loss >= 0 && f.loss <= 1)) spec_error("degrade_link needs a factor > 0 and a loss in [0, 1]");
        break;
      case FaultSpec::Kind::kClockSkew:
        break;
    }
    if (groups_needed > 0 && f.groups.size() != groups_needed)
      spec_error("fault '" + f.kind_name + "' has the wrong number of groups");
  }
  std::set<std::size_t> failing;
  for (const auto& f : failures) {
    if (f.component >= components.size()) spec_error("failures name a component that does not exist");
    const ComponentSpec& c = *components[f.component];
    if (!c.serves_requests()) spec_error("failures on '" + c.name() + "', which is not a server");
    if (!failing.insert(f.component).second) spec_error("two failure specs for '" + c.name() + "'");
    if (f.required < 1 || f.required > c.replica_count()) spec_error("failures.required out of range for '" + c.name() + "'");
    if (!(f.mtbf_ns > 0 && f.mttr_ns > 0)) spec_error("failures need a positive mtbf and mttr");
  }
}

}  // namespace dsim
