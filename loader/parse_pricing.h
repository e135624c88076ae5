// Reading pricing catalogs (models/pricing.h): the shipped one
// (analysis/pricing/catalog.yaml, compiled in), a scenario's `pricing:`
// section and --pricing files, all in the same format; and a component's
// `instance`, `priced_as`, `storage_gb` and `storage` fields.
#pragma once

#include "dsim/loader/config.h"
#include "dsim/models/pricing.h"

namespace dsim {

// The catalog's text, as shipped (generated from analysis/pricing/catalog.yaml).
extern const char* const kShippedPriceCatalog;

// Reads a catalog mapping into `catalog`: its entries are added, replacing
// entries of the same name. Throws DiagnosticError on a mistake.
void read_price_catalog(const ConfigNode& node, PriceCatalog& catalog);

// Reads a component's pricing fields from `r` (whichever are written):
// `instance` where `billed` (components that serve requests), the others
// where `per_request` (ComponentSpec::records_requests_received: stores and
// services); a field written where it does not apply is refused with the reason.
ComponentPricing read_component_pricing(MapReader& r, const std::string& kind, bool billed, bool per_request);

}  // namespace dsim
