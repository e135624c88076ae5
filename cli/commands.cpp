// The commands of dsim: parse arguments (CLI11), load a scenario, run it,
// write the reports; one message on stderr for anything that goes wrong.
#include "dsim/cli/commands.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "dsim/analysis/graph.h"
#include "dsim/analysis/run.h"
#include "dsim/analysis/summary.h"
#include "dsim/analysis/trace.h"
#include "dsim/cli/output.h"
#include "dsim/loader/scenario.h"

namespace dsim::cli {

namespace {

struct Common {
  std::vector<std::string> sets;
  const CliConfig* config = nullptr;
};

LoadOptions load_options(const Common& common) {
  LoadOptions options;
  options.overrides = common.sets;
  options.registry = common.config->models;
  return options;
}

// Loads FILE (or the built-in example when empty) or prints the diagnostic.
std::unique_ptr<Scenario> load(const std::string& file, const LoadOptions& options) {
  LoadResult res = file.empty()
                       ? Scenario::load_text(kBuiltinEcommerceScenario, "<built-in ecommerce example>", options)
                       : Scenario::load_file(file, options);
  if (auto* d = std::get_if<Diagnostic>(&res)) {
    std::fprintf(stderr, "dsim: error: %s\n", d->to_string().c_str());
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<Scenario>>(res));
}

std::string group_thousands(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

struct TraceOptions {
  std::string file;
  std::uint64_t limit = 10000;
};

int cmd_run(const std::string& file, std::optional<std::uint64_t> seed, const Common& common, bool json,
            const std::string& out_dir, bool quiet, const TraceOptions& trace) {
  LoadOptions options = load_options(common);
  options.seed = seed;
  auto scenario = load(file, options);
  if (!scenario) return kExitBadInput;
  // A place to write that does not exist is a bad option (exit 2), found
  // before the run; failing to write where one could is an I/O error (1).
  if (!out_dir.empty()) {
    if (auto err = ensure_directory(out_dir); !err.empty()) {
      std::fprintf(stderr, "dsim: error: --out: %s\n", err.c_str());
      return kExitBadInput;
    }
  }
  // Where results go is checked before the run (after --out made its
  // directory, which may hold the trace), so that a long run does not end in
  // an error.
  if (!trace.file.empty()) {
    if (auto err = check_writable_location(trace.file); !err.empty()) {
      std::fprintf(stderr, "dsim: error: --trace: %s\n", err.c_str());
      return kExitBadInput;
    }
  }
  Progress progress(!quiet && stderr_is_terminal(), "dsim run " + scenario->name());
  RunOptions run_options;
  run_options.registry = common.config->recorders;
  run_options.progress = [&progress](Time now, Time duration, std::uint64_t events) {
    progress.update(now, duration, events);
  };
  std::optional<Tracer> tracer;
  if (!trace.file.empty()) {
    tracer.emplace(trace.limit);
    run_options.extra_recorders.push_back(&*tracer);
  }
  const double t0 = wall_seconds();
  RunResult result = run(scenario->spec(), run_options);
  const double wall = wall_seconds() - t0;
  progress.done();
  if (!result.ok()) {
    const RunError& e = result.error();
    if (e.kind == RunError::Kind::kStalled) {
      // A loop without delay is a property of the scenario: bad input.
      std::fprintf(stderr, "dsim: error: %s: %s\n", file.empty() ? "<built-in>" : file.c_str(), e.message.c_str());
      return kExitBadInput;
    }
    std::fprintf(stderr, "dsim: %s\n", e.to_string().c_str());
    return kExitFailure;
  }
  const RunRecord& rec = result.record();
  if (json) std::fputs(summary_json_text(rec).c_str(), stdout);
  else std::fputs(summary_table(rec).c_str(), stdout);
  std::fflush(stdout);
  if (!quiet) {
    // Wall-clock figures go to stderr only: results never depend on them.
    const double total = static_cast<double>(rec.requests.sent);
    std::fprintf(stderr, "dsim: %s events in %.2f s wall time (%.1f M events/s, %.2f M requests/s)\n",
                 group_thousands(rec.events).c_str(), wall, static_cast<double>(rec.events) / wall / 1e6,
                 total / wall / 1e6);
  }
  if (tracer) {
    if (auto err = write_file_atomic(trace.file, tracer->json()); !err.empty()) {
      std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
      return kExitFailure;
    }
    if (tracer->truncated())
      std::fprintf(stderr,
                   "dsim: note: the trace covers the first %llu requests only (to %.3f s of simulated time): "
                   "this run sent more; raise --trace-limit or shorten the run to trace them all\n",
                   static_cast<unsigned long long>(tracer->limit()), static_cast<double>(tracer->cutoff()) / 1e9);
    if (!quiet) std::fprintf(stderr, "dsim: wrote trace %s (open it in ui.perfetto.dev)\n", trace.file.c_str());
  }
  if (!out_dir.empty()) {
    for (const auto& [name, content] : {std::pair<std::string, std::string>{"summary.json", summary_json_text(rec)},
                                        {"timeseries.csv", timeseries_csv(rec)}}) {
      if (auto err = write_file_atomic(in_dir(out_dir, name), content); !err.empty()) {
        std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
        return kExitFailure;
      }
    }
    if (!quiet)
      std::fprintf(stderr, "dsim: wrote %s and %s\n", in_dir(out_dir, "summary.json").c_str(),
                   in_dir(out_dir, "timeseries.csv").c_str());
  }
  return kExitOk;
}

int cmd_validate(const std::string& file, const Common& common) {
  auto scenario = load(file, load_options(common));
  if (!scenario) return kExitBadInput;
  const ScenarioSpec& spec = scenario->spec();
  std::size_t replicas = 0;
  for (const auto& c : spec.components) replicas += static_cast<std::size_t>(c->replica_count());
  std::printf("%s: ok (scenario '%s', %zu components, %zu replicas)\n", file.c_str(), spec.name.c_str(),
              spec.components.size(), replicas);
  return kExitOk;
}

int cmd_graph(const std::string& file, const Common& common) {
  auto scenario = load(file, load_options(common));
  if (!scenario) return kExitBadInput;
  std::fputs(topology_dot(scenario->spec()).c_str(), stdout);
  return kExitOk;
}

}  // namespace

int cli_main(int argc, char** argv, const CliConfig& config) {
  CLI::App app{"dsim: a deterministic discrete-event simulator for distributed-system designs"};
  app.set_version_flag("--version", std::string("dsim ") + kDsimVersion);
  app.require_subcommand(1);

  Common common;
  common.config = &config;
  std::string run_file;
  std::optional<std::string> seed_text;
  bool json = false;
  bool quiet = false;
  std::string out_dir;
  CLI::App* run = app.add_subcommand("run", "run a scenario and print its report");
  run->add_option("file", run_file, "scenario YAML file (default: the built-in e-commerce example)");
  TraceOptions trace;
  run->add_option("--trace", trace.file, "write a Chrome trace-event JSON of request spans and faults (Perfetto)")
      ->type_name("FILE");
  run->add_option("--trace-limit", trace.limit, "requests to trace at most (default 10000)")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}));
  run->add_option("--seed", seed_text, "random seed, 0 to 18446744073709551615 (default: the scenario's seed, or 1)")
      ->type_name("UINT");
  run->add_option("--set", common.sets, "override a field: --set components.app.replicas=4 (repeatable)")
      ->type_name("PATH=VALUE");
  run->add_flag("--json", json, "print the summary as JSON instead of a table");
  run->add_option("--out", out_dir, "also write summary.json and timeseries.csv into DIR")->type_name("DIR");
  run->add_flag("-q,--quiet", quiet, "no progress or timing on stderr");

  std::string validate_file;
  CLI::App* validate = app.add_subcommand("validate", "check a scenario without running it (exit 0 or 2)");
  validate->add_option("file", validate_file, "scenario YAML file")->required();
  validate->add_option("--set", common.sets, "override a field (repeatable)")->type_name("PATH=VALUE");

  std::string graph_file;
  CLI::App* graph = app.add_subcommand("graph", "print the topology as Graphviz DOT");
  graph->add_option("file", graph_file, "scenario YAML file")->required();
  graph->add_option("--set", common.sets, "override a field (repeatable)")->type_name("PATH=VALUE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }

  try {
    if (run->parsed()) {
      std::optional<std::uint64_t> seed;
      if (seed_text) {
        std::uint64_t v = 0;
        const char* b = seed_text->data();
        const char* e = b + seed_text->size();
        const auto res = std::from_chars(b, e, v);
        if (res.ec != std::errc() || res.ptr != e) {
          std::fprintf(stderr, "dsim: error: --seed: expected an integer from 0 to 18446744073709551615, got '%s'\n",
                       seed_text->c_str());
          return kExitBadInput;
        }
        seed = v;
      }
      return cmd_run(run_file, seed, common, json, out_dir, quiet, trace);
    }
    if (validate->parsed()) return cmd_validate(validate_file, common);
    if (graph->parsed()) return cmd_graph(graph_file, common);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dsim: internal error: %s\n", e.what());
    return kExitFailure;
  }
  return kExitBadInput;
}

}  // namespace dsim::cli

namespace dsim {

int cli_main(int argc, char** argv, const ModelRegistry& models) {
  cli::CliConfig config;
  config.models = &models;
  return cli::cli_main(argc, argv, config);
}

}  // namespace dsim
