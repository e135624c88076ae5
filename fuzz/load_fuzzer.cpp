// Fuzzes the loader: any bytes as a scenario (with --set overrides, see
// input.h) must load or give a located Diagnostic — never crash, hang, leak
// or exhaust memory — and a loaded spec must pass its own check and give a
// DOT graph and an offered-load analysis.
#include <cstdlib>

#include "dsim/analysis/graph.h"
#include "dsim/analysis/load.h"
#include "input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dsim::LoadResult result = dsim::fuzz::load(data, size);
  if (auto* d = std::get_if<dsim::Diagnostic>(&result)) {
    // Every message names where it comes from.
    if (d->source.empty() || d->message.empty()) std::abort();
    (void)d->to_string();
    return 0;
  }
  const dsim::ScenarioSpec& spec = std::get<std::unique_ptr<dsim::Scenario>>(result)->spec();
  spec.check();  // what the loader produces always passes (throws otherwise: a finding)
  (void)dsim::topology_dot(spec);
  (void)dsim::offered_load(spec);
  return 0;
}
