// The parsers of dsim's built-in kinds (registered in loader/builtin.cpp),
// and what they share. A user's own kind needs none of this: a Parser
// (loader/registry.h) of its own is enough.
#pragma once

#include <string>

#include "dsim/loader/config.h"
#include "dsim/loader/registry.h"

namespace dsim {

ParsedComponent parse_client(ComponentCommon common, MapReader& fields);
ParsedComponent parse_load_balancer(ComponentCommon common, MapReader& fields);
ParsedComponent parse_service(ComponentCommon common, MapReader& fields);
ParsedComponent parse_replicated_store(ComponentCommon common, MapReader& fields);
ParsedComponent parse_pbs_probe(ComponentCommon common, MapReader& fields);

// The text of a scalar node as written, or "" for a list or mapping: a name
// kept in a spec before its reference is checked (the check reports a
// non-scalar with its location).
inline std::string raw_text(const ConfigNode& node) { return node.text(); }

}  // namespace dsim
