// What things cost, as plain data: a pricing catalog (the shipped one,
// analysis/pricing/catalog.yaml, with a user's entries over it) and what each
// component of a design says it is billed as.
//
// The loader reads catalogs (loader/scenario.h: the shipped catalog, then the
// scenario's `pricing:` section, then each --pricing file, a later entry of
// the same name replacing an earlier one) and checks that every name a
// component gives exists. analysis/cost.h turns a run's record into a bill
// with them. All prices are in US dollars; a month is 730 hours.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace dsim {

inline constexpr double kHoursPerMonth = 730.0;

// Where a price comes from: shown in reports and docs, never computed with.
struct PriceSource {
  std::string source;  // a URL or a document ("the seed article")
  std::string as_of;   // when it was read, e.g. "2026-11"
  std::string note;    // anything a reader must know (region, what is included)
};

// A machine billed per hour it exists (running or stopped by a fault).
struct InstancePrice {
  double per_hour = 0;
  std::optional<double> vcpus;      // informational
  std::optional<double> memory_gb;  // informational
  PriceSource about;
};

// Storage billed per GB-month.
struct StoragePrice {
  double per_gb_month = 0;
  PriceSource about;
};

// A managed store billed per request (DynamoDB on-demand): reads and writes
// priced apart, per million.
struct RequestPrice {
  double per_million_reads = 0;
  double per_million_writes = 0;
  PriceSource about;
};

struct PriceCatalog {
  // By name; std::map: iterated in name order wherever listed.
  std::map<std::string, InstancePrice> instances;
  std::map<std::string, StoragePrice> storage;
  std::map<std::string, RequestPrice> requests;
  // Data moved between two zones, per GB (1e9 bytes) moved, whichever way.
  double inter_zone_per_gb = 0;
  PriceSource inter_zone_about;
  // The storage price of a store's `storage_gb` when it names none and its
  // `priced_as` names no storage entry.
  std::string default_storage;
};

// What a component is billed as (the fields `instance`, `priced_as`,
// `storage_gb`, `storage` of a component).
struct ComponentPricing {
  std::string instance;               // an entry of PriceCatalog::instances; empty: none
  std::string priced_as;              // an entry of PriceCatalog::requests (stores); empty: none
  std::optional<double> storage_gb;   // GB stored by the component as a whole (stores)
  std::string storage;                // an entry of PriceCatalog::storage; empty: see storage_price()
  bool any() const { return !instance.empty() || !priced_as.empty() || storage_gb.has_value(); }
};

// The storage entry a component's storage_gb is billed at: `storage` if
// given, else the entry named like `priced_as` if there is one, else the
// catalog's default_storage. Empty when none applies.
inline std::string storage_price_name(const ComponentPricing& p, const PriceCatalog& catalog) {
  if (!p.storage.empty()) return p.storage;
  if (!p.priced_as.empty() && catalog.storage.count(p.priced_as)) return p.priced_as;
  return catalog.default_storage;
}

}  // namespace dsim
