#include "dsim/analysis/compare.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <map>

namespace dsim {

namespace {

using Json = nlohmann::ordered_json;

void flatten(const Json& j, const std::string& path, std::vector<std::pair<std::string, Json>>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
  } else if (j.is_array() && !j.empty()) {
    for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], path + "[" + std::to_string(i) + "]", out);
  } else {
    out.emplace_back(path, j);
  }
}

std::string text(const std::optional<Json>& v) {
  if (!v) return "-";
  if (v->is_string()) {
    // Long text (a counterexample's timeline) is cut for the table; the
    // JSON has it whole.
    std::string t = v->get<std::string>();
    for (char& c : t)
      if (c == '\n' || c == '\t') c = ' ';
    constexpr std::size_t kMax = 32;
    if (t.size() > kMax) t = t.substr(0, kMax - 3) + "...";
    return t;
  }
  if (v->is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v->get<double>());
    return buf;
  }
  return v->dump();
}

std::string number(double v, bool percent) {
  char buf[32];
  if (percent) std::snprintf(buf, sizeof buf, "%+.2f%%", v * 100);
  else std::snprintf(buf, sizeof buf, "%+.6g", v);
  return buf;
}

}  // namespace

std::vector<std::pair<std::string, Json>> summary_figures(const Json& summary) {
  std::vector<std::pair<std::string, Json>> out;
  flatten(summary, "", out);
  return out;
}

std::vector<FigureComparison> compare_summaries(const Json& a, const Json& b) {
  std::vector<std::pair<std::string, Json>> fa, fb;
  flatten(a, "", fa);
  flatten(b, "", fb);
  std::map<std::string, std::size_t> in_b;
  for (std::size_t i = 0; i < fb.size(); ++i) in_b.emplace(fb[i].first, i);
  std::vector<bool> matched(fb.size(), false);
  std::vector<FigureComparison> out;
  const auto compare = [&out](const std::string& path, const std::optional<Json>& va, const std::optional<Json>& vb) {
    FigureComparison c;
    c.figure = path;
    c.a = va;
    c.b = vb;
    if (va && vb && va->is_number() && vb->is_number()) {
      const double x = va->get<double>(), y = vb->get<double>();
      c.diff = y - x;
      if (x != 0 && std::isfinite(x) && std::isfinite(y)) c.relative = (y - x) / std::fabs(x);
    }
    out.push_back(std::move(c));
  };
  for (const auto& [path, v] : fa) {
    const auto it = in_b.find(path);
    if (it == in_b.end()) {
      compare(path, v, std::nullopt);
    } else {
      matched[it->second] = true;
      compare(path, v, fb[it->second].second);
    }
  }
  for (std::size_t i = 0; i < fb.size(); ++i)
    if (!matched[i]) compare(fb[i].first, std::nullopt, fb[i].second);
  return out;
}

std::string comparison_table(const std::vector<FigureComparison>& figures, const std::string& name_a,
                             const std::string& name_b, bool changed_only) {
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"figure", name_a, name_b, "B - A", "relative"});
  for (const FigureComparison& f : figures) {
    if (changed_only && f.same()) continue;
    rows.push_back({f.figure, text(f.a), text(f.b), f.diff ? number(*f.diff, false) : (f.same() ? "" : "differs"),
                    f.relative ? number(*f.relative, true) : ""});
  }
  std::array<std::size_t, 5> width{};
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      std::string cell = r[c];
      // Text left, figures right.
      if (c == 0) cell.resize(width[c], ' ');
      else cell.insert(0, width[c] - cell.size(), ' ');
      if (c > 0) line += "  ";
      line += cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

Json comparison_json(const std::vector<FigureComparison>& figures, const std::string& name_a, const std::string& name_b) {
  Json j;
  j["a"] = name_a;
  j["b"] = name_b;
  Json list = Json::array();
  for (const FigureComparison& f : figures) {
    Json e;
    e["figure"] = f.figure;
    e["a"] = f.a ? *f.a : Json();
    e["b"] = f.b ? *f.b : Json();
    e["diff"] = f.diff ? Json(*f.diff) : Json();
    e["relative"] = f.relative ? Json(*f.relative) : Json();
    list.push_back(std::move(e));
  }
  j["figures"] = std::move(list);
  return j;
}

}  // namespace dsim
