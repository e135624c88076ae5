// What both fuzz targets read from a fuzzer's input: the scenario text, and
// --set overrides from its first lines, so that the fuzzer explores
// overrides as the command line gives them:
//
//   #set components.app.workers=0
//   #set name=x
//   duration: 10s
//   ...
//
// The "#set " lines are YAML comments, so the scenario text is the whole
// input either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dsim/loader/scenario.h"

namespace dsim::fuzz {

// Replicas and workers in all: what a run of the spec would build.
inline std::uint64_t size_of(const ScenarioSpec& spec) {
  std::uint64_t n = 0;
  for (const auto& c : spec.components) n += static_cast<std::uint64_t>(c->replica_count()) + c->slots();
  return n;
}

inline LoadResult load(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LoadOptions options;
  std::size_t at = 0;
  constexpr std::string_view kSet = "#set ";
  while (text.substr(at, kSet.size()) == kSet && options.overrides.size() < 8) {
    const std::size_t end = text.find('\n', at);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    options.overrides.emplace_back(text.substr(at + kSet.size(), stop - at - kSet.size()));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return Scenario::load_text(text, "fuzz.yaml", options);
}

}  // namespace dsim::fuzz
