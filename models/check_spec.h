// How `dsim check` compares a scenario's runs with a baseline, as plain data:
// the scenario's `check:` section (scenarios/README.md, "Checks in CI").
// analysis/check.h reads it; command-line options override it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dsim {

// The regression allowed for the figures a pattern names, in their worse
// direction: a figure regresses when it moves the wrong way by more than
// max(relative × |baseline|, absolute).
struct FigureTolerance {
  std::string pattern;  // a figure's name ("latency_ms.p99"); '*' matches any run of characters
  double relative = 0;  // a fraction of the baseline
  double absolute = 0;  // in the figure's own unit
  bool ignore = false;  // never a regression (reported only)
};

struct CheckSpec {
  std::optional<int> seeds;          // runs per check (--seeds)
  std::optional<double> confidence;  // judge objectives on the interval's unfavourable end (--confidence)
  double tolerance = 0.05;           // relative, for figures no pattern names (--tolerance)
  // The first pattern that matches a figure gives its tolerance.
  std::vector<FigureTolerance> figures;
};

}  // namespace dsim
