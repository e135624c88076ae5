// Shared helpers for the test suite: load and run scenarios given as YAML text.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dsim/analysis/run.h"
#include "dsim/analysis/summary.h"
#include "dsim/loader/scenario.h"

#include <unistd.h>

namespace dsim::testing {

// Loads `yaml`; fails the test (and returns nullptr) on a diagnostic.
inline std::unique_ptr<Scenario> load_or_fail(const std::string& yaml, const LoadOptions& options = {}) {
  LoadResult res = Scenario::load_text(yaml, "test.yaml", options);
  if (auto* d = std::get_if<Diagnostic>(&res)) {
    ADD_FAILURE() << "scenario did not load: " << d->to_string();
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<Scenario>>(res));
}

// The diagnostic for `yaml`; fails the test if it loads.
inline Diagnostic load_error(const std::string& yaml, const LoadOptions& options = {},
                             const std::string& source = "bad.yaml") {
  LoadResult res = Scenario::load_text(yaml, source, options);
  if (auto* d = std::get_if<Diagnostic>(&res)) return *d;
  ADD_FAILURE() << "expected a diagnostic, but the scenario loaded:\n" << yaml;
  return {};
}

// Runs a loaded spec; fails the test (and returns an empty record) on a run error.
inline RunRecord run_or_fail(const ScenarioSpec& spec, const RunOptions& options = {}) {
  RunResult r = run(spec, options);
  if (!r.ok()) {
    ADD_FAILURE() << "run failed: " << r.error().to_string();
    return {};
  }
  return std::move(r).record();
}

// Runs the scenario file at `path` (relative to the source tree) with
// `overrides` (as --set) and the caller's recorders; fails the test (and
// returns an empty record) on a diagnostic or a run error.
inline RunRecord run_source_file(const std::string& path, std::vector<std::string> overrides = {},
                                 std::vector<Recorder*> recorders = {}) {
  LoadResult res = Scenario::load_file(std::string(DSIM_SOURCE_DIR) + "/" + path, LoadOptions{.overrides = overrides});
  if (auto* d = std::get_if<Diagnostic>(&res)) {
    ADD_FAILURE() << d->to_string();
    return {};
  }
  RunOptions options;
  options.extra_recorders = std::move(recorders);
  return run_or_fail(std::get<std::unique_ptr<Scenario>>(res)->spec(), options);
}

// The run's consistency record; fails the test (and returns an empty one)
// if it has none.
inline const ConsistencyRecord& consistency_of(const RunRecord& rec) {
  static const ConsistencyRecord none;
  if (!rec.consistency) {
    ADD_FAILURE() << "no consistency record";
    return none;
  }
  return *rec.consistency;
}

inline RunRecord run_yaml(const std::string& yaml, const LoadOptions& options = {}) {
  auto s = load_or_fail(yaml, options);
  if (!s) return {};
  return run_or_fail(s->spec());
}

// A scenario file run, observed by the caller's recorders too.
inline RunRecord run_file_observed(const std::string& path, std::vector<Recorder*> recorders) {
  auto loaded = Scenario::load_file(path);
  if (auto* d = std::get_if<Diagnostic>(&loaded)) {
    ADD_FAILURE() << d->to_string();
    return {};
  }
  RunOptions options;
  options.extra_recorders = std::move(recorders);
  return run_or_fail(std::get<std::unique_ptr<Scenario>>(loaded)->spec(), options);
}

// A folder of its own for a test's files (a scenario and the trace it
// replays), removed with it.
class TempFolder {
 public:
  TempFolder()
      : dir_(std::filesystem::temp_directory_path() /
             ("dsim-test-" + std::to_string(::getpid()) + "-" + std::to_string(count()++))) {
    std::filesystem::create_directories(dir_);
  }
  ~TempFolder() { std::filesystem::remove_all(dir_); }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  // Writes `text` to the file `name` in the folder; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

 private:
  static int& count() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
};

// The same, observed by the caller's recorders too.
inline RunRecord run_yaml_observed(const std::string& yaml, std::vector<Recorder*> recorders) {
  auto s = load_or_fail(yaml);
  if (!s) return {};
  RunOptions options;
  options.extra_recorders = std::move(recorders);
  return run_or_fail(s->spec(), options);
}

// The run's linearizability verdict: "true", "false", "unknown" ("none"
// without one).
inline std::string verdict_of(const RunRecord& rec) {
  const auto& c = consistency_of(rec);
  return c.linearizability ? c.linearizability->verdict : "none";
}

// The .yaml files under `dir` and its subfolders, as paths relative to it
// ("cap/cp.yaml"), sorted.
inline std::vector<std::string> yaml_files_in(const std::string& dir) {
  std::vector<std::string> out;
  const std::filesystem::path root = std::filesystem::path(DSIM_SOURCE_DIR) / dir;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.path().extension() == ".yaml") out.push_back(e.path().lexically_relative(root).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

// `count` random faults for a store `db` of `nodes` nodes in zones a, b, c,
// as a YAML list: each a crash of a node or a partition of one zone from the
// other two, starting at 2-15 s and lasting 1 to `max_len` s.
inline std::string random_store_faults(Rng& r, int count, int nodes, int max_len) {
  std::ostringstream faults;
  faults << "[";
  for (int i = 0; i < count; ++i) {
    const int at = 2 + static_cast<int>(r.below(14));
    const int len = 1 + static_cast<int>(r.below(static_cast<std::uint64_t>(max_len)));
    if (i > 0) faults << ", ";
    if (r.below(2) == 0) {
      faults << "{at: " << at << "s, for: " << len << "s, crash: db-" << r.below(static_cast<std::uint64_t>(nodes)) << "}";
    } else {
      const auto cut = r.below(3);
      faults << "{at: " << at << "s, for: " << len << "s, partition: [[" << "abc"[cut] << "], ["
             << (cut == 0 ? "b, c" : cut == 1 ? "a, c" : "a, b") << "]]}";
    }
  }
  faults << "]";
  return faults.str();
}

inline const ComponentRecord* component(const RunRecord& rec, const std::string& name) {
  for (const auto& c : rec.components)
    if (c.name == name) return &c;
  ADD_FAILURE() << "no component " << name;
  return nullptr;
}

inline const AvailabilityRecord* availability(const RunRecord& rec, const std::string& component) {
  for (const auto& a : rec.availability)
    if (a.component == component) return &a;
  ADD_FAILURE() << "no availability recorded for " << component;
  return nullptr;
}

inline double extra(const ComponentRecord& c, const std::string& key) {
  for (const auto& [k, v] : c.extra)
    if (k == key) return v;
  ADD_FAILURE() << "no figure " << key << " in " << c.name;
  return 0;
}

// A component's figure (components.<comp>.<key> in the summary).
inline double figure(const RunRecord& rec, const std::string& comp, const std::string& key) {
  const ComponentRecord* c = component(rec, comp);
  return c != nullptr ? extra(*c, key) : 0.0;
}

}  // namespace dsim::testing
