// Figure-by-figure comparison of two runs' summaries (analysis/summary.h's
// JSON): `dsim compare A B`, and the base of a later regression check.
//
// Every leaf of either summary is a figure, named by its path ("latency_ms.p99",
// "components.db.failovers", "faults[0].target"); a figure present in one
// summary only is listed with the other side absent. Where both sides are
// numbers, the difference B - A and, when A is not 0, the relative
// difference (B - A) / |A| are given; text and verdicts (true/false) are
// compared as they are. Order: A's figures in A's order, then those only B
// has, in B's order.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace dsim {

struct FigureComparison {
  std::string figure;
  std::optional<nlohmann::ordered_json> a, b;  // the values; absent: not in that summary
  std::optional<double> diff;                  // b - a, both numbers
  std::optional<double> relative;              // (b - a) / |a|, both numbers and a != 0
  bool same() const { return a == b; }
};

// Every leaf of a summary as (figure name, value), in the summary's order:
// the names compare_summaries uses.
std::vector<std::pair<std::string, nlohmann::ordered_json>> summary_figures(const nlohmann::ordered_json& summary);

std::vector<FigureComparison> compare_summaries(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b);

// A side-by-side table: figure, A, B, B - A, relative difference (text cut
// at 32 characters); `changed_only` keeps the figures that differ.
std::string comparison_table(const std::vector<FigureComparison>& figures, const std::string& name_a,
                             const std::string& name_b, bool changed_only = false);

// {"a": name_a, "b": name_b, "figures": [{"figure", "a", "b", "diff", "relative"}...]}:
// absent values and differences are null.
nlohmann::ordered_json comparison_json(const std::vector<FigureComparison>& figures, const std::string& name_a,
                                       const std::string& name_b);

}  // namespace dsim
