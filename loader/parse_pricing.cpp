#include "dsim/loader/parse_pricing.h"

#include <cmath>
#include <string>
#include <vector>

#include "dsim/loader/diagnostic.h"
#include "dsim/sim/units.h"

namespace dsim {

namespace {

// A price: a number of US dollars at least 0 (a leading '$' is allowed).
double read_price(const ConfigNode& n) {
  if (!n.is_scalar())
    n.fail("must be a price in US dollars, a number at least 0 such as 0.0255, got " + n.describe());
  std::string t = n.text();
  if (!t.empty() && t[0] == '$') t.erase(0, 1);
  const auto p = units::parse_number(t);
  if (!p.ok() || !std::isfinite(p.value))
    n.fail("must be a price in US dollars, a number at least 0 such as 0.0255, got " + n.describe());
  if (p.value < 0) n.fail("a price cannot be negative, got " + n.describe());
  if (p.value > 1e9) n.fail("a price above $1,000,000,000 is surely a mistake, got " + n.describe());
  return p.value;
}

double read_positive(const ConfigNode& n, const char* what) {
  const double v = n.as_number();
  if (!(v > 0) || !std::isfinite(v) || v > 1e9) n.fail(std::string("must be ") + what + ", got " + n.describe());
  return v;
}

void read_about(MapReader& r, PriceSource& about) {
  if (auto s = r.get("source")) about.source = s->as_string();
  if (auto a = r.get("as_of")) about.as_of = a->as_string();
  if (auto n = r.get("note")) about.note = n->as_string();
}

// The entries of one section: a mapping of names to mappings.
template <class Fn>
void read_entries(const ConfigNode& section, const char* example, Fn&& read_one) {
  if (section.is_null()) return;
  if (!section.is_map())
    section.fail(std::string("expected a mapping of names to prices, e.g. ") + example + ", got " +
                 section.describe());
  MapReader r(section);
  for (auto& [name, node] : r.entries()) {
    if (name.empty() || name.size() > 128) node.fail("a price's name must have 1 to 128 characters", true);
    if (!node.is_map())
      node.fail(std::string("expected the price's fields, e.g. ") + example + ", got " + node.describe());
    MapReader er(node);
    read_one(name, er);
    er.finish();
  }
}

}  // namespace

void read_price_catalog(const ConfigNode& node, PriceCatalog& catalog) {
  if (!node.is_map())
    node.fail("a pricing catalog is a mapping with instances, storage, requests and network, e.g. "
              "{instances: {m6i.large: {per_hour: 0.096}}}, got " + node.describe());
  MapReader r(node);
  if (auto s = r.get("instances"))
    read_entries(*s, "{m6i.large: {per_hour: 0.096}}", [&catalog](const std::string& name, MapReader& er) {
      InstancePrice p;
      p.per_hour = read_price(er.require("per_hour", "US dollars per hour each replica exists, e.g. per_hour: 0.096"));
      if (auto v = er.get("vcpus")) p.vcpus = read_positive(*v, "a number of vCPUs above 0");
      if (auto m = er.get("memory_gb")) p.memory_gb = read_positive(*m, "a memory size in GB above 0");
      read_about(er, p.about);
      catalog.instances.insert_or_assign(name, std::move(p));
    });
  if (auto s = r.get("storage"))
    read_entries(*s, "{ebs-gp3: {per_gb_month: 0.08}}", [&catalog](const std::string& name, MapReader& er) {
      StoragePrice p;
      p.per_gb_month = read_price(er.require("per_gb_month", "US dollars per GB-month, e.g. per_gb_month: 0.023"));
      read_about(er, p.about);
      catalog.storage.insert_or_assign(name, std::move(p));
    });
  if (auto s = r.get("requests"))
    read_entries(*s, "{dynamodb-on-demand: {per_million_reads: 0.25, per_million_writes: 1.25}}",
                 [&catalog](const std::string& name, MapReader& er) {
                   RequestPrice p;
                   auto reads = er.get("per_million_reads");
                   auto writes = er.get("per_million_writes");
                   if (!reads && !writes)
                     er.node().fail("a request price needs per_million_reads and/or per_million_writes (US "
                                    "dollars per million), e.g. {per_million_reads: 0.25, per_million_writes: 1.25}");
                   if (reads) p.per_million_reads = read_price(*reads);
                   if (writes) p.per_million_writes = read_price(*writes);
                   read_about(er, p.about);
                   catalog.requests.insert_or_assign(name, std::move(p));
                 });
  if (auto n = r.get("network")) {
    if (!n->is_map()) n->fail("expected {inter_zone_per_gb: 0.02}, got " + n->describe());
    MapReader nr(*n);
    if (auto z = nr.get("inter_zone_per_gb")) catalog.inter_zone_per_gb = read_price(*z);
    read_about(nr, catalog.inter_zone_about);
    nr.finish();
  }
  if (auto d = r.get("default_storage")) {
    catalog.default_storage = d->as_string();
    if (!catalog.storage.count(catalog.default_storage)) {
      std::vector<std::string> names;
      for (const auto& [k, v] : catalog.storage) names.push_back(k);
      d->fail("unknown storage price '" + catalog.default_storage + "'" + did_you_mean(catalog.default_storage, names) +
              "; the storage prices are " + join_alternatives(names, ", ") +
              " (a default_storage names one of them, from this catalog or one read before it)");
    }
  }
  r.finish();
}

ComponentPricing read_component_pricing(MapReader& r, const std::string& kind, bool billed, bool per_request) {
  ComponentPricing p;
  for (const char* f : {"instance", "priced_as", "storage_gb", "storage"}) {
    if (!r.has(f)) continue;
    if (!billed)
      r.get(f)->fail("a " + kind + " is not billed: it stands for the users (or a probe), not for machines of the "
                     "design; price the components it calls",
                     true);
    if (!per_request && std::string_view(f) != "instance")
      r.get(f)->fail("priced_as, storage_gb and storage are for stores and services (a managed database or API "
                     "billed per request and per GB); a " + kind + " is billed by its instance: instance: NAME",
                     true);
  }
  if (!billed) return p;
  if (auto i = r.get("instance")) {
    p.instance = i->as_string();
    if (p.instance.empty()) i->fail("names an instance price of the catalog, e.g. instance: m6i.large");
  }
  if (!per_request) return p;
  if (auto a = r.get("priced_as")) {
    p.priced_as = a->as_string();
    if (p.priced_as.empty()) a->fail("names a request price of the catalog, e.g. priced_as: dynamodb-on-demand");
  }
  if (auto g = r.get("storage_gb")) {
    const double v = g->as_number();
    if (!std::isfinite(v) || v < 0 || v > 1e12)
      g->fail("must be the GB the store holds, a number from 0 to 1e12, got " + g->describe());
    p.storage_gb = v;
  }
  if (auto s = r.get("storage")) {
    p.storage = s->as_string();
    if (p.storage.empty()) s->fail("names a storage price of the catalog, e.g. storage: ebs-gp3");
  }
  return p;
}

}  // namespace dsim
