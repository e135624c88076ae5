#include "dsim/analysis/check.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>

#include "dsim/analysis/compare.h"
#include "dsim/analysis/objectives.h"
#include "dsim/analysis/summary.h"
#include "dsim/sim/detmath.h"

namespace dsim {

namespace {

using Json = nlohmann::ordered_json;

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Continued fraction of the regularised incomplete beta (Lentz).
double beta_cf(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < 1e-15) break;
  }
  return h;
}

// I_x(a, b).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = detmath::exp(detmath::lgamma(a + b) - detmath::lgamma(a) - detmath::lgamma(b) +
                                    a * detmath::log(x) + b * detmath::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_cf(a, b, x) / a;
  return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

// P(T <= t), t >= 0.
double student_t_cdf_upper_half(double t, double df) {
  const double x = df / (df + t * t);
  return 1.0 - 0.5 * incomplete_beta(df / 2.0, 0.5, x);
}

std::string fmt_g(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (const char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 (tabs and newlines are).
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') o += ' ';
        else o += c;
    }
  }
  return o;
}

// Half the width of the Student-t interval of the mean of `v`.
std::optional<double> half_width(const std::vector<double>& v, double confidence) {
  if (v.size() < 2) return std::nullopt;
  double mean = 0;
  for (const double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (const double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  const double t = student_t_quantile(0.5 + confidence / 2.0, static_cast<double>(v.size() - 1));
  return t * sd / std::sqrt(static_cast<double>(v.size()));
}

}  // namespace

std::vector<SeedRun> run_seeds(const ScenarioSpec& spec, const std::vector<std::uint64_t>& seeds, unsigned jobs,
                               const RunOptions& options,
                               const std::function<void(std::size_t, std::size_t)>& done) {
  std::vector<SeedRun> results(seeds.size());
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(seeds.size(), 1)));
  std::atomic<std::size_t> next{0};
  std::size_t finished = 0;
  std::mutex done_mutex;
  const auto worker = [&] {
    for (std::size_t i = next++; i < results.size(); i = next++) {
      SeedRun& out = results[i];
      out.seed = seeds[i];
      RunOptions o = options;
      o.seed = seeds[i];
      // Runs side by side analyse on one thread each: jobs × cores would be too many.
      if (jobs > 1) o.threads = 1;
      try {
        RunResult r = run(spec, o);
        if (!r.ok()) {
          out.error = r.error();
        } else {
          out.partial = r.record().partial;
          out.summary = summary_json(r.record());
          out.objectives = r.record().objectives;
        }
      } catch (const std::exception& e) {
        out.error = RunError{RunError::Kind::kInternal, spec.name, seeds[i], 0, e.what()};
      }
      std::lock_guard<std::mutex> lock(done_mutex);
      ++finished;
      if (done) done(finished, results.size());
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) {
    try {
      threads.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: fewer work
    }
  }
  worker();
  for (auto& t : threads) t.join();
  return results;
}

std::uint64_t run_seed(std::uint64_t base, std::uint64_t j) {
  if (j <= 1) return base;
  return mix64(base ^ mix64(j * 0x9e3779b97f4a7c15ULL));
}

std::vector<std::uint64_t> check_seeds(std::uint64_t base, int k) {
  std::vector<std::uint64_t> out;
  for (int j = 1; j <= k; ++j) out.push_back(run_seed(base, static_cast<std::uint64_t>(j)));
  return out;
}

double student_t_quantile(double p, double df) {
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_quantile(1.0 - p, df);
  // Bisection on [0, hi]: the CDF is increasing; 200 halvings reach the
  // last bit whatever the bracket.
  double lo = 0.0, hi = 1.0;
  while (student_t_cdf_upper_half(hi, df) < p && hi < 1e300) hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (student_t_cdf_upper_half(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

bool figure_matches(const std::string& pattern, const std::string& name) {
  // Iterative glob with '*' only (backtracking to the last star).
  std::size_t p = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

int figure_direction(const std::string& f) {
  struct Rule {
    const char* pattern;
    int direction;
  };
  // The first rule that matches decides.
  static const Rule kRules[] = {
      {"latency_ms.mean_stderr", 0},
      {"latency_ms.*", +1},
      {"throughput_rps", -1},
      {"availability", -1},
      // Not availability_nines: it is null at 100%, the best there is.
      {"downtime_s", +1},
      {"requests.failed.*", +1},
      {"requests.read.failed.*", +1},
      {"requests.write.failed.*", +1},
      {"components.*.availability.simulated", -1},
      {"components.*.availability", -1},        // a client's, with two clients or more
      {"components.*.throughput_rps", -1},
      {"components.*.latency_ms.*", +1},
      {"components.*.failed_*", +1},
      {"consistency.stale_read_rate", +1},
      {"consistency.stale_reads", +1},
      {"consistency.lost_writes", +1},
      {"consistency.unconverged_keys", +1},
      {"consistency.unexplained_reads", +1},
      {"consistency.linearizable", -1},
      {"consistency.linearizability.keys_not_linearizable", +1},
      {"consistency.clients.*.stale_read_rate", +1},
      {"cost.per_hour", +1},
      {"cost.per_month", +1},
      {"cost.per_million_requests", +1},
      {"cost.components.*.per_month", +1},
      {"cost.network.per_month", +1},
      {"cost.storage.per_month", +1},
      {"cost.requests.per_month", +1},
  };
  for (const Rule& r : kRules)
    if (figure_matches(r.pattern, f)) return r.direction;
  return 0;
}

// Figures that are fractions (0 to 1).
bool fraction_figure(const std::string& f) {
  return availability_like(f) || f == "consistency.linearizable" || figure_matches("*stale_read_rate", f);
}

bool availability_like(const std::string& f) {
  return f == "availability" || figure_matches("components.*.availability", f) ||
         figure_matches("components.*.availability.simulated", f);
}

const FigureStat* CheckFigures::find(const std::string& figure) const {
  for (const FigureStat& s : figures)
    if (s.figure == figure) return &s;
  return nullptr;
}

CheckFigures aggregate_summaries(const std::vector<Json>& summaries, const std::vector<std::uint64_t>& seeds,
                                 double confidence) {
  CheckFigures out;
  out.seeds = seeds;
  out.confidence = confidence;
  if (summaries.empty()) return out;
  if (summaries[0].contains("scenario") && summaries[0]["scenario"].is_string())
    out.scenario = summaries[0]["scenario"].get<std::string>();
  // Figure names in first-seen order, values per run.
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> values;
  std::vector<std::string> null_seen;
  for (const Json& s : summaries) {
    for (const auto& [name, v] : summary_figures(s)) {
      const int dir = figure_direction(name);
      if (dir == 0) continue;
      double x = 0;
      if (v.is_boolean()) {
        x = v.get<bool>() ? 1.0 : 0.0;
      } else if (v.is_number()) {
        x = v.get<double>();
      } else {
        if (v.is_null() && std::find(null_seen.begin(), null_seen.end(), name) == null_seen.end())
          null_seen.push_back(name);
        continue;
      }
      auto [it, fresh] = values.try_emplace(name);
      if (fresh) order.push_back(name);
      it->second.push_back(x);
    }
  }
  for (const std::string& name : order) {
    const std::vector<double>& v = values[name];
    FigureStat st;
    st.figure = name;
    st.direction = figure_direction(name);
    st.n = v.size();
    double sum = 0;
    for (const double x : v) sum += x;
    st.mean = round_to(sum / static_cast<double>(v.size()), 9) + 0.0;
    if (const auto hw = half_width(v, confidence)) {
      // Every figure compared is at least 0, and a fraction at most 1: the
      // interval is cut to what the figure can be.
      st.low = round_to(std::max(0.0, st.mean - *hw), 9) + 0.0;
      st.high = round_to(st.mean + *hw, 9) + 0.0;
      if (fraction_figure(name)) st.high = std::min(*st.high, 1.0);
    }
    out.figures.push_back(std::move(st));
  }
  for (const std::string& name : null_seen)
    if (!values.count(name)) out.unmeasured.push_back(name);
  return out;
}

std::vector<CheckedObjective> judge_over_runs(const std::vector<std::vector<ObjectiveRecord>>& runs,
                                              double confidence, bool on_interval) {
  std::vector<CheckedObjective> out;
  if (runs.empty()) return out;
  for (std::size_t i = 0; i < runs[0].size(); ++i) {
    CheckedObjective c;
    c.objective = runs[0][i];
    std::vector<double> v;
    for (const auto& r : runs)
      if (i < r.size() && r[i].name == c.objective.name && r[i].measured) v.push_back(*r[i].measured);
    c.runs = v.size();
    std::optional<double> measured;
    if (!v.empty() && v.size() == runs.size()) {
      double sum = 0;
      for (const double x : v) sum += x;
      const double mean = sum / static_cast<double>(v.size());
      measured = round_to(mean, 9) + 0.0;
      c.mean = measured;
      if (const auto hw = half_width(v, confidence)) {
        c.low = round_to(std::max(0.0, mean - *hw), 9) + 0.0;
        c.high = round_to(mean + *hw, 9) + 0.0;
        if (c.objective.unit == "fraction") c.high = std::min(*c.high, 1.0);
        if (on_interval) {
          measured = c.objective.at_least ? c.low : c.high;
          c.judged_on_interval = true;
        }
      }
    }
    // A run without the figure (nothing succeeded) cannot meet it.
    settle_objective(c.objective, measured);
    out.push_back(std::move(c));
  }
  return out;
}

Json baseline_json(const CheckFigures& f) {
  Json j;
  j["schema"] = kBaselineSchema;
  j["summary_schema"] = kSummarySchema;
  j["scenario"] = f.scenario;
  j["dsim_version"] = kDsimVersion;
  j["k"] = f.seeds.size();
  j["seeds"] = f.seeds;
  j["confidence"] = f.confidence;
  Json figs = Json::object();
  for (const FigureStat& s : f.figures) {
    Json fj;
    fj["mean"] = s.mean;
    if (s.low) fj["low"] = *s.low;
    else fj["low"] = nullptr;
    if (s.high) fj["high"] = *s.high;
    else fj["high"] = nullptr;
    fj["n"] = s.n;
    fj["direction"] = s.direction > 0 ? "higher_is_worse" : "lower_is_worse";
    figs.get_ref<Json::object_t&>().emplace_back(s.figure, std::move(fj));
  }
  j["figures"] = std::move(figs);
  return j;
}

BaselineRead read_baseline(const Json& j, const std::string& scenario) {
  BaselineRead r;
  const auto str = [&j](const char* k) -> std::optional<std::string> {
    if (!j.is_object() || !j.contains(k) || !j[k].is_string()) return std::nullopt;
    return j[k].get<std::string>();
  };
  const auto schema = str("schema");
  if (!schema || schema->rfind("dsim.baseline/", 0) != 0) {
    r.error = "not a dsim baseline (a JSON object whose \"schema\" is " + std::string(kBaselineSchema) +
              ", as dsim check --update-baseline writes)";
    return r;
  }
  if (*schema != kBaselineSchema) {
    r.error = "its schema is " + *schema + "; this dsim reads " + kBaselineSchema +
              ": write it again with dsim check --update-baseline";
    return r;
  }
  const auto summary_schema = str("summary_schema");
  if (!summary_schema || *summary_schema != kSummarySchema) {
    r.error = "its figures are of summary schema " + summary_schema.value_or("(none)") + "; this dsim writes " +
              kSummarySchema + ": write it again with dsim check --update-baseline";
    return r;
  }
  const auto name = str("scenario");
  if (!name) {
    r.error = "it names no \"scenario\": not a complete baseline (dsim check --update-baseline writes one)";
    return r;
  }
  if (*name != scenario) {
    r.error = "it is the baseline of scenario '" + *name + "', not of '" + scenario +
              "': give this scenario's baseline, or write one with --update-baseline";
    return r;
  }
  if (!j.contains("figures") || !j["figures"].is_object() || !j.contains("seeds") || !j["seeds"].is_array()) {
    r.error = "it has no \"figures\" object or no \"seeds\" list: not a complete baseline";
    return r;
  }
  CheckFigures f;
  f.scenario = *name;
  for (const auto& s : j["seeds"]) {
    if (!s.is_number_unsigned()) {
      r.error = "\"seeds\" must hold unsigned integers";
      return r;
    }
    f.seeds.push_back(s.get<std::uint64_t>());
  }
  if (f.seeds.empty() || f.seeds.size() > 10000) {
    r.error = "\"seeds\" must list 1 to 10,000 seeds, got " + std::to_string(f.seeds.size());
    return r;
  }
  if (j.contains("k") && (!j["k"].is_number_unsigned() || j["k"].get<std::uint64_t>() != f.seeds.size())) {
    r.error = "\"k\" must be the number of seeds listed (" + std::to_string(f.seeds.size()) + ")";
    return r;
  }
  if (j.contains("confidence")) {
    if (!j["confidence"].is_number() || !(j["confidence"].get<double>() > 0 && j["confidence"].get<double>() < 1)) {
      r.error = "\"confidence\" must be a number above 0 and below 1";
      return r;
    }
    f.confidence = j["confidence"].get<double>();
  }
  for (auto it = j["figures"].begin(); it != j["figures"].end(); ++it) {
    const Json& v = it.value();
    if (!v.is_object() || !v.contains("mean") || !v["mean"].is_number()) {
      r.error = "figure '" + it.key() + "' has no numeric \"mean\"";
      return r;
    }
    FigureStat st;
    st.figure = it.key();
    st.direction = figure_direction(it.key());
    if (st.direction == 0) {
      r.error = "figure '" + it.key() + "' is not one dsim check compares (it has no worse direction)";
      return r;
    }
    st.mean = v["mean"].get<double>();
    for (const char* k : {"low", "high"})
      if (v.contains(k) && !v[k].is_null() && !v[k].is_number()) {
        r.error = "figure '" + it.key() + "': \"" + k + "\" must be a number or null";
        return r;
      }
    if (v.contains("low") && v["low"].is_number()) st.low = v["low"].get<double>();
    if (v.contains("high") && v["high"].is_number()) st.high = v["high"].get<double>();
    // Every figure compared is at least 0, a fraction at most 1; an interval holds its mean.
    const double top = fraction_figure(it.key()) ? 1.0 : std::numeric_limits<double>::max();
    const auto valid = [top](double x) { return std::isfinite(x) && x >= 0 && x <= top; };
    if (!valid(st.mean) || (st.low && (!valid(*st.low) || *st.low > st.mean)) ||
        (st.high && (!valid(*st.high) || *st.high < st.mean))) {
      r.error = "figure '" + it.key() + "' has a value it cannot take (at least 0" +
                std::string(top == 1.0 ? ", at most 1" : "") + ", low <= mean <= high)";
      return r;
    }
    if (v.contains("n")) {
      if (!v["n"].is_number_unsigned() || v["n"].get<std::uint64_t>() > f.seeds.size()) {
        r.error = "figure '" + it.key() + "': \"n\" must be the number of runs it was measured in (at most " +
                  std::to_string(f.seeds.size()) + ")";
        return r;
      }
      st.n = v["n"].get<std::size_t>();
    }
    if (v.contains("direction")) {
      const std::string expected = st.direction > 0 ? "higher_is_worse" : "lower_is_worse";
      if (!v["direction"].is_string() || v["direction"].get<std::string>() != expected) {
        r.error = "figure '" + it.key() + "': \"direction\" must be \"" + expected + "\"";
        return r;
      }
    }
    f.figures.push_back(std::move(st));
  }
  if (f.figures.empty()) {
    r.error = "it holds no figures: nothing to compare (write it again with --update-baseline)";
    return r;
  }
  r.figures = std::move(f);
  return r;
}

std::vector<Regression> compare_with_baseline(const CheckFigures& now, const CheckFigures& baseline,
                                              const CheckSpec& spec, double tolerance) {
  Json a = Json::object(), b = Json::object();
  for (const FigureStat& s : baseline.figures) a.get_ref<Json::object_t&>().emplace_back(s.figure, s.mean);
  for (const FigureStat& s : now.figures) b.get_ref<Json::object_t&>().emplace_back(s.figure, s.mean);
  std::vector<Regression> out;
  for (const FigureComparison& c : compare_summaries(a, b)) {
    if (!c.a) continue;  // new figures are not compared
    Regression r;
    r.figure = c.figure;
    r.direction = figure_direction(c.figure);
    if (r.direction == 0) continue;  // a baseline figure this dsim gives no direction
    r.baseline = c.a->get<double>();
    if (c.b) r.now = c.b->get<double>();
    r.change = c.diff;
    r.relative = c.relative;
    double rel = tolerance, abs = 0;
    for (const FigureTolerance& t : spec.figures)
      if (figure_matches(t.pattern, c.figure)) {
        rel = t.relative;
        abs = t.absolute;
        r.ignored = t.ignore;
        break;
      }
    // A fraction whose best is 1 (an availability) is allowed to lose its
    // tolerance's share of what it already loses: 99.9% may fall to 99.895%
    // at 5%, not to 94.9%.
    const double scale = availability_like(c.figure) ? std::fabs(1.0 - *r.baseline) : std::fabs(*r.baseline);
    r.allowed = std::max(rel * scale, abs);
    // The runs' own spread: with intervals on both sides, a difference of
    // the means within the interval of their difference is noise.
    const FigureStat* b = baseline.find(c.figure);
    const FigureStat* n = now.find(c.figure);
    if (b != nullptr && n != nullptr && b->low && b->high && n->low && n->high) {
      const double hb = r.direction > 0 ? *b->high - b->mean : b->mean - *b->low;
      const double hn = r.direction > 0 ? n->mean - *n->low : *n->high - n->mean;
      r.noise = std::sqrt(hb * hb + hn * hn);
      r.allowed = std::max(r.allowed, r.noise);
    }
    if (r.ignored) {
      out.push_back(std::move(r));
      continue;
    }
    if (!r.now) {
      if (std::find(now.unmeasured.begin(), now.unmeasured.end(), c.figure) != now.unmeasured.end()) {
        r.regressed = true;
        r.why = "no longer measured (it was " + fmt_g(*r.baseline) + "; now null)";
      } else {
        r.gone = true;  // the design no longer has it (a fault or a component removed)
      }
    } else {
      const double worse = r.direction * (*r.now - *r.baseline);
      // A hair of slack for the last digits of rounded figures.
      if (worse > r.allowed + 1e-9 * std::max(1.0, std::fabs(*r.baseline))) {
        r.regressed = true;
        r.why = std::string(r.direction > 0 ? "rose" : "fell") + " from " + fmt_g(*r.baseline) + " to " +
                fmt_g(*r.now) + " (" + (r.relative ? fmt_g(100.0 * *r.relative) + "%" : std::string("from 0")) +
                "), beyond the " + fmt_g(r.allowed) + " allowed" +
                (r.noise > 0 && r.noise >= r.allowed ? " (the runs' own spread)" : "");
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string junit_xml(const std::string& scenario, const std::vector<CheckedObjective>& objectives,
                      const std::vector<Regression>* regressions, const std::vector<std::uint64_t>& seeds) {
  std::size_t obj_failures = 0, reg_failures = 0, reg_count = 0, reg_skipped = 0;
  for (const auto& o : objectives) obj_failures += o.objective.met ? 0 : 1;
  if (regressions)
    for (const auto& r : *regressions) {
      ++reg_count;
      reg_failures += r.regressed ? 1 : 0;
      reg_skipped += r.ignored || r.gone ? 1 : 0;
    }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x << "<testsuites name=\"dsim check " << xml_escape(scenario) << "\" tests=\"" << objectives.size() + reg_count
    << "\" failures=\"" << obj_failures + reg_failures << "\" errors=\"0\">\n";
  std::string seed_list;
  for (std::size_t i = 0; i < seeds.size(); ++i) seed_list += (i ? "," : "") + std::to_string(seeds[i]);
  const auto properties = [&] {
    x << "    <properties>\n      <property name=\"scenario\" value=\"" << xml_escape(scenario) << "\"/>\n"
      << "      <property name=\"seeds\" value=\"" << seed_list << "\"/>\n    </properties>\n";
  };
  x << "  <testsuite name=\"" << xml_escape(scenario) << ": objectives\" tests=\"" << objectives.size()
    << "\" failures=\"" << obj_failures << "\" errors=\"0\" skipped=\"0\">\n";
  properties();
  for (const auto& c : objectives) {
    const ObjectiveRecord& o = c.objective;
    x << "    <testcase classname=\"dsim." << xml_escape(scenario) << ".objectives\" name=\"" << xml_escape(o.name)
      << "\">\n";
    std::string detail = o.name + (o.at_least ? " >= " : " <= ") + fmt_g(o.target) + " " + o.unit + ": measured " +
                         (o.measured ? fmt_g(*o.measured) : std::string("nothing")) +
                         (c.judged_on_interval ? " (the unfavourable end of the confidence interval)" : "") +
                         (o.measured ? ", margin " + fmt_g(o.margin) : std::string()) +
                         (o.implied ? " (implied by the latency objectives: failed requests have no latency)" : "");
    if (!o.met) x << "      <failure type=\"objective\" message=\"" << xml_escape(detail) << "\"/>\n";
    x << "      <system-out>" << xml_escape(detail) << "</system-out>\n    </testcase>\n";
  }
  x << "  </testsuite>\n";
  if (regressions) {
    x << "  <testsuite name=\"" << xml_escape(scenario) << ": baseline\" tests=\"" << reg_count << "\" failures=\""
      << reg_failures << "\" errors=\"0\" skipped=\"" << reg_skipped << "\">\n";
    properties();
    for (const auto& r : *regressions) {
      x << "    <testcase classname=\"dsim." << xml_escape(scenario) << ".baseline\" name=\"" << xml_escape(r.figure)
        << "\">\n";
      const std::string detail =
          r.figure + ": baseline " + (r.baseline ? fmt_g(*r.baseline) : "-") + ", now " +
          (r.now ? fmt_g(*r.now) : "-") + ", allowed " + fmt_g(r.allowed) + (r.direction > 0 ? " up" : " down") +
          (r.ignored ? " (ignored by the check: section)" : "");
      if (r.regressed) x << "      <failure type=\"regression\" message=\"" << xml_escape(r.why) << "\"/>\n";
      if (r.ignored) x << "      <skipped message=\"ignored by the scenario's check.tolerances\"/>\n";
      else if (r.gone) x << "      <skipped message=\"not in this run's summary: the design no longer has it\"/>\n";
      x << "      <system-out>" << xml_escape(detail) << "</system-out>\n    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return x.str();
}

}  // namespace dsim
