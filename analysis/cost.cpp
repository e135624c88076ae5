#include "dsim/analysis/cost.h"

#include <algorithm>

namespace dsim {

double measured_window_seconds(const RunRecord& rec) {
  Time end = rec.duration;
  if (rec.partial) end = std::min(end, rec.partial->at);
  return static_cast<double>(std::max<Time>(end - rec.warmup, 0)) / 1e9;
}

std::optional<CostRecord> price_run(const ScenarioSpec& spec, const RunRecord& rec) {
  if (!spec.priced()) return std::nullopt;

  const PriceCatalog& catalog = spec.pricing;
  CostRecord cost;
  cost.hours = measured_window_seconds(rec) / 3600.0;
  for (std::size_t i = 0; i < spec.components.size(); ++i) {
    const ComponentSpec& c = *spec.components[i];
    const ComponentPricing& p = c.common().pricing;
    if (!p.any()) continue;
    const ComponentRecord* r = i < rec.components.size() && rec.components[i].name == c.name() ? &rec.components[i] : nullptr;
    ComponentCostRecord cc;
    cc.name = c.name();
    if (!p.instance.empty()) {
      cc.instance = p.instance;
      const double seconds = r != nullptr && r->billed_replica_seconds
                                 ? *r->billed_replica_seconds
                                 : static_cast<double>(c.replica_count()) * cost.hours * 3600.0;
      cc.replica_hours = seconds / 3600.0;
      if (const auto it = catalog.instances.find(p.instance); it != catalog.instances.end())
        cc.instances = cc.replica_hours * it->second.per_hour;
    }
    if (!p.priced_as.empty()) {
      cc.priced_as = p.priced_as;
      if (r != nullptr) {
        cc.reads = r->reads_received;
        cc.writes = r->writes_received;
      }
      if (const auto it = catalog.requests.find(p.priced_as); it != catalog.requests.end())
        cc.requests = (static_cast<double>(cc.reads) * it->second.per_million_reads +
                       static_cast<double>(cc.writes) * it->second.per_million_writes) /
                      1e6;
    }
    if (p.storage_gb) {
      cc.storage_gb = p.storage_gb;
      cc.storage = storage_price_name(p, catalog);
      if (const auto it = catalog.storage.find(cc.storage); it != catalog.storage.end())
        cc.storage_cost = *p.storage_gb * it->second.per_gb_month * cost.hours / kHoursPerMonth;
    }
    cost.components.push_back(std::move(cc));
  }
  cost.inter_zone_gb = static_cast<double>(rec.inter_zone_bytes) / 1e9;
  cost.network = cost.inter_zone_gb * catalog.inter_zone_per_gb;
  return cost;
}

}  // namespace dsim
