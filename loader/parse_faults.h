// Reading faults from a scenario: the `faults:` list and a component's
// `failures:` mapping, into the plain specs of models/faults.h. Names in
// them refer to replicas, components or zones, resolved to node references
// (indices into the components) here, with located messages on a mistake.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dsim/loader/config.h"
#include "dsim/models/component.h"
#include "dsim/models/fault_spec.h"

namespace dsim {

// Reads the `faults:` list. Throws DiagnosticError on a mistake.
std::vector<FaultSpec> parse_faults(const ConfigNode& list, Time duration,
                                    const std::vector<std::unique_ptr<ComponentSpec>>& components,
                                    const std::vector<std::string>& zones);
// Reads the `failures:` mapping of `component`, the components' `index`-th.
FailureSpec parse_failures(const ConfigNode& node, const ComponentSpec& component, std::size_t index);

}  // namespace dsim
