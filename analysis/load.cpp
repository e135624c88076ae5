#include "dsim/analysis/load.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace dsim {

std::vector<ComponentLoad> offered_load(const ScenarioSpec& spec) {
  const std::size_t n = spec.components.size();
  // Names to component index: components, and replicas ("app-1") to their owner.
  std::map<std::string, std::pair<std::size_t, bool>> owner;  // looked up, never iterated; bool: one replica
  for (std::size_t i = 0; i < n; ++i) {
    const ComponentSpec& c = *spec.components[i];
    owner.emplace(c.name(), std::pair{i, false});
    if (c.replica_count() > 1)
      for (const auto& r : c.replica_names()) owner.emplace(r, std::pair{i, true});
  }
  struct Edge {
    std::size_t to;
    double per_request;
  };
  std::vector<std::vector<Edge>> out(n);
  std::vector<std::size_t> indegree(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const ComponentSpec& c = *spec.components[i];
    const std::vector<std::string> down = c.downstream();
    std::vector<double> per = c.downstream_per_request();
    const bool known = per.size() == down.size();
    if (!known) per.assign(down.size(), std::nan(""));
    if (c.splits_load() && known) {
      // One replica among all of them, by weight per replica.
      double total = 0;
      for (std::size_t k = 0; k < down.size(); ++k) {
        const auto it = owner.find(down[k]);
        const double replicas =
            it == owner.end() || it->second.second ? 1.0 : spec.components[it->second.first]->replica_count();
        per[k] *= replicas;
        total += per[k];
      }
      for (double& p : per) p = total > 0 ? p / total : 0.0;
    }
    for (std::size_t k = 0; k < down.size(); ++k) {
      const auto it = owner.find(down[k]);
      if (it == owner.end()) continue;
      out[i].push_back(Edge{it->second.first, per[k]});
      ++indegree[it->second.first];
    }
  }
  // Kahn's order: a component's inflow is complete once all its callers are done.
  std::vector<double> inflow(n, 0.0);  // NaN: unknown
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.push_back(i);
  std::vector<ComponentLoad> loads(n);
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    const ComponentSpec& c = *spec.components[i];
    double outflow = inflow[i];
    // A saturated component passes on at most what it can serve.
    if (const auto cap = c.capacity(); cap && outflow > *cap) outflow = *cap;
    if (!c.serves_requests()) {
      const auto r = c.open_loop_rate();
      outflow = r ? *r : std::nan("");
    }
    for (const Edge& e : out[i]) {
      inflow[e.to] += outflow * e.per_request;  // NaN stays NaN
      if (--indegree[e.to] == 0) ready.push_back(e.to);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ComponentSpec& c = *spec.components[i];
    loads[i].component = c.name();
    loads[i].capacity = c.capacity();
    if (c.serves_requests() && !std::isnan(inflow[i])) loads[i].offered = inflow[i];
  }
  return loads;
}

std::string format_rate(double r) {
  char buf[64];
  if (r >= 1e15) {
    std::snprintf(buf, sizeof buf, "%.3g/s", r);
    return buf;
  }
  if (r >= 1000) {
    std::snprintf(buf, sizeof buf, "%.0f/s", r);
    std::string s = buf;
    const std::size_t digits = s.size() - 2;
    for (int i = static_cast<int>(digits) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
  }
  std::snprintf(buf, sizeof buf, "%.3g/s", r);
  return buf;
}

}  // namespace dsim
