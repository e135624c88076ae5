// The commands of dsim: parse arguments (CLI11), load a scenario, run it,
// write the reports; one message on stderr for anything that goes wrong.
#include "dsim/cli/commands.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dsim/analysis/check.h"
#include "dsim/analysis/compare.h"
#include "dsim/analysis/graph.h"
#include "dsim/analysis/history.h"
#include "dsim/analysis/history_io.h"
#include "dsim/analysis/linearizability.h"
#include "dsim/analysis/load.h"
#include "dsim/analysis/run.h"
#include "dsim/analysis/summary.h"
#include "dsim/analysis/trace.h"
#include "dsim/cli/output.h"
#include "dsim/models/client.h"
#include "dsim/models/pbs_probe.h"
#include "dsim/models/replicated_store.h"
#include "dsim/sim/units.h"
#include "dsim/loader/scenario.h"

namespace dsim::cli {

namespace {

struct Common {
  std::vector<std::string> sets;
  std::vector<std::string> pricing;  // --pricing FILE
  const CliConfig* config = nullptr;
};

LoadOptions load_options(const Common& common) {
  LoadOptions options;
  options.overrides = common.sets;
  options.pricing_files = common.pricing;
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

struct RunArgs {
  std::string file;  // empty: the built-in example
  std::optional<std::uint64_t> seed;
  bool json = false;
  std::string out_dir;
  bool quiet = false;
  bool force = false;
  TraceOptions trace;
  std::string history;  // --history FILE
  RunLimits limits;
};

// Whether a spec has PBS probes (then --out also writes consistency.csv).
bool has_probe(const ScenarioSpec& spec) {
  for (const auto& c : spec.components)
    if (dynamic_cast<const PbsProbeSpec*>(c.get()) != nullptr) return true;
  return false;
}

// The files --out writes.
const std::vector<std::string> kOutFiles = {"summary.json", "timeseries.csv", "faults.csv"};

// Whether `file` would be in directory `dir` (by path, whether or not either exists yet).
bool inside(const std::string& file, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path f = fs::weakly_canonical(fs::absolute(file, ec), ec).parent_path();
  const fs::path d = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  return f == d;
}

// Where a warning about component `name` points: the first of `fields`
// written in the scenario (file:line:column, or the --set that gave it),
// else the file.
std::string where_written(const Scenario& scenario, const std::string& file, const std::string& name,
                          std::initializer_list<const char*> fields) {
  for (const char* field : fields)
    if (const auto loc = scenario.sources().find("components." + name + "." + field)) return loc->to_string();
  return file;
}

void warn_of_fragile_raft(const Scenario& scenario, const std::string& file);

int cmd_run(const RunArgs& args, const Common& common) {
  // Ctrl-C from here on stops the run cleanly (at its first check, if it
  // comes before the run starts) and writes what was measured.
  InterruptGuard interrupts;
  LoadOptions options = load_options(common);
  options.seed = args.seed;
  auto scenario = load(args.file, options);
  if (!scenario) return kExitBadInput;
  if (!args.quiet) warn_of_fragile_raft(*scenario, args.file);
  const std::string& trace_file = args.trace.file;

  // Where results go is checked before the run, so that a long run does not
  // end in an error, and so that nothing the user wrote is overwritten: an
  // unusable place is a bad option (exit 2); failing to write where one
  // could is an I/O error (1).
  std::optional<OutputDir> out;
  if (!args.out_dir.empty()) {
    out.emplace(args.out_dir);
    std::vector<std::string> names = kOutFiles;
    if (has_probe(scenario->spec())) names.push_back("consistency.csv");
    if (!trace_file.empty() && inside(trace_file, out->dir())) {
      const std::string t = std::filesystem::path(trace_file).filename().string();
      if (std::find(names.begin(), names.end(), t) != names.end() || t == OutputDir::kManifest) {
        std::fprintf(stderr, "dsim: error: --trace: '%s' is a file --out writes: give the trace another name\n",
                     trace_file.c_str());
        return kExitBadInput;
      }
      names.push_back(t);
    }
    if (auto err = out->check(names, args.force); !err.empty()) {
      std::fprintf(stderr, "dsim: error: --out: %s\n", err.c_str());
      return kExitBadInput;
    }
    names.emplace_back(OutputDir::kManifest);
    for (const auto& n : names)
      if (!args.file.empty() && same_file(in_dir(out->dir(), n), args.file)) {
        std::fprintf(stderr, "dsim: error: --out: '%s' is the scenario being run: it is never overwritten\n",
                     in_dir(out->dir(), n).c_str());
        return kExitBadInput;
      }
  }
  const bool trace_in_out = out && !trace_file.empty() && inside(trace_file, out->dir());
  if (!trace_file.empty()) {
    if (!args.file.empty() && same_file(trace_file, args.file)) {
      std::fprintf(stderr,
                   "dsim: error: --trace: '%s' is the scenario being run: it is never overwritten (the trace "
                   "needs a file name of its own, e.g. --trace trace.json)\n",
                   trace_file.c_str());
      return kExitBadInput;
    }
    if (!trace_in_out) {
      if (auto err = check_writable_location(trace_file); !err.empty()) {
        std::fprintf(stderr, "dsim: error: --trace: %s\n", err.c_str());
        return kExitBadInput;
      }
      if (!args.force && !replaceable(trace_file)) {
        std::fprintf(stderr,
                     "dsim: error: --trace: '%s' exists and is not a dsim output (a trace, a summary, a CSV): "
                     "choose another file, or give --force to replace it\n",
                     trace_file.c_str());
        return kExitBadInput;
      }
    }
  }
  const std::string& history_file = args.history;
  if (!history_file.empty()) {
    bool operations = false;
    for (const auto& c : scenario->spec().components)
      if (const auto* client = dynamic_cast<const ClientSpec*>(c.get()); client && client->config().mix) operations = true;
    std::string err;
    if (!operations)
      err = "this scenario has no client with a mix (reads and writes of keys): there is no history to write";
    else if (!args.file.empty() && same_file(history_file, args.file))
      err = "'" + history_file + "' is the scenario being run: it is never overwritten";
    else if (!trace_file.empty() && std::filesystem::path(trace_file).lexically_normal() ==
                                        std::filesystem::path(history_file).lexically_normal())
      err = "--history and --trace name the same file: give each its own";
    else if (out && inside(history_file, out->dir())) {
      const std::string n = std::filesystem::path(history_file).filename().string();
      if (std::find(kOutFiles.begin(), kOutFiles.end(), n) != kOutFiles.end() || n == OutputDir::kManifest)
        err = "'" + n + "' is a file --out writes: give the history another name";
    }
    if (err.empty()) err = check_writable_location(history_file);
    if (err.empty() && !args.force && !replaceable(history_file))
      err = "'" + history_file + "' exists and is not a dsim output: choose another file, or give --force to replace it";
    if (!err.empty()) {
      std::fprintf(stderr, "dsim: error: --history: %s\n", err.c_str());
      return kExitBadInput;
    }
  }
  if (out) {
    if (auto err = out->open(); !err.empty()) {
      std::fprintf(stderr, "dsim: error: --out: %s\n", err.c_str());
      return kExitFailure;
    }
  }
  // The trace streams to a temporary while the run goes, renamed when done.
  std::optional<PendingFile> trace_out;
  std::optional<Tracer> tracer;
  if (!trace_file.empty()) {
    if (!trace_in_out) remove_stale_temporaries(trace_file);
    trace_out.emplace(trace_in_out ? in_dir(out->dir(), std::filesystem::path(trace_file).filename().string())
                                   : trace_file);
    if (auto err = trace_out->open(); !err.empty()) {
      std::fprintf(stderr, "dsim: error: --trace: %s\n", err.c_str());
      return kExitFailure;
    }
    tracer.emplace(args.trace.limit, &trace_out->stream());
  }

  Progress progress(!args.quiet && stderr_is_terminal(), "dsim run " + scenario->name());
  RunOptions run_options;
  run_options.registry = common.config->recorders;
  run_options.limits = args.limits;
  run_options.progress = [&progress](Time now, Time duration, std::uint64_t events) {
    progress.update(now, duration, events);
  };
  if (tracer) run_options.extra_recorders.push_back(&*tracer);
  const double t0 = wall_seconds();
  run_options.interrupt = interrupts.flag();
  std::optional<RunResult> result;
  result.emplace(run(scenario->spec(), run_options));
  const double wall = wall_seconds() - t0;
  progress.done();
  if (!result->ok()) {
    const RunError& e = result->error();
    if (e.kind == RunError::Kind::kStalled) {
      // A loop without delay is a property of the scenario: bad input.
      std::fprintf(stderr, "dsim: error: %s: %s\n", args.file.empty() ? "<built-in>" : args.file.c_str(),
                   e.message.c_str());
      return kExitBadInput;
    }
    std::fprintf(stderr, "dsim: %s\n", e.to_string().c_str());
    return kExitFailure;
  }
  const RunRecord& rec = result->record();
  if (rec.partial)
    std::fprintf(stderr, "dsim: %s at %.3f s of simulated time: %s; writing what was measured, marked partial\n",
                 rec.partial->reason == "interrupted" ? "interrupted" : "stopped early",
                 to_seconds(rec.partial->at), rec.partial->message.c_str());
  // Every output is attempted even if one fails; the first failure decides
  // the exit code.
  int status = rec.partial ? kExitIncomplete : kExitOk;
  auto failed = [&status](const std::string& err) {
    std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
    status = kExitFailure;
  };
  if (auto err = write_stdout(args.json ? summary_json_text(rec) : summary_table(rec)); !err.empty()) failed(err);
  if (!args.quiet) {
    // Wall-clock figures go to stderr only: results never depend on them.
    const double total = static_cast<double>(rec.requests.sent);
    std::fprintf(stderr, "dsim: %s events in %.2f s wall time (%.1f M events/s, %.2f M requests/s)\n",
                 group_thousands(rec.events).c_str(), wall, static_cast<double>(rec.events) / wall / 1e6,
                 total / wall / 1e6);
  }
  bool trace_written = false;
  if (trace_out) {
    if (auto err = trace_out->commit(); !err.empty()) failed(err);
    else trace_written = true;
    if (tracer->truncated())
      std::fprintf(stderr,
                   "dsim: note: the trace covers the first %llu requests only (to %.3f s of simulated time): "
                   "this run sent more; raise --trace-limit or shorten the run to trace them all\n",
                   static_cast<unsigned long long>(tracer->limit()), static_cast<double>(tracer->cutoff()) / 1e9);
  }
  if (out) {
    std::string err;
    for (const auto& [name, content] : {std::pair<std::string, std::string>{"summary.json", summary_json_text(rec)},
                                        {"timeseries.csv", timeseries_csv(rec)},
                                        {"faults.csv", faults_csv(rec)}})
      if (err.empty()) err = out->write(name, content);
    if (err.empty() && rec.pbs) err = out->write("consistency.csv", consistency_csv(rec));
    if (err.empty() && trace_in_out) {
      if (trace_written) err = out->add(std::filesystem::path(trace_file).filename().string());
      else err = "the set in '" + out->dir() + "' is incomplete: its trace could not be written";
    }
    if (err.empty())
      err = out->commit({{"scenario", rec.scenario}, {"seed", rec.seed}, {"partial", rec.partial.has_value()}});
    if (!err.empty()) failed(err);
    else if (!args.quiet)
      std::fprintf(stderr, "dsim: wrote summary.json, timeseries.csv, faults.csv%s and manifest.json in %s\n",
                   rec.pbs ? ", consistency.csv" : "", args.out_dir.c_str());
  }
  if (!history_file.empty() && rec.history) {
    remove_stale_temporaries(history_file);
    PendingFile h(history_file);
    std::string err = h.open();
    if (err.empty()) {
      write_history_jsonl(*rec.history, h.stream());
      err = h.commit();
    }
    if (!err.empty()) failed("--history: " + err);
    else if (!args.quiet)
      std::fprintf(stderr, "dsim: wrote history %s (%llu operations)\n", history_file.c_str(),
                   static_cast<unsigned long long>(rec.history->ops.size()));
  }
  if (trace_written && !args.quiet)
    std::fprintf(stderr, "dsim: wrote trace %s (open it in ui.perfetto.dev)\n", trace_file.c_str());
  return status;
}

// Leader-follower stores whose failure detection leaves less than four
// round trips between their nodes after a heartbeat period: a heartbeat a
// little late starts a failover (a warning, not an error). Round trips from
// the mean latencies of the links between the nodes' zones (network.default
// where two zones have no link).
void warn_of_hasty_failover(const Scenario& scenario, const std::string& file) {
  const ScenarioSpec& spec = scenario.spec();
  const auto one_way = [&spec](const std::string& a, const std::string& b) {
    if (a != b)
      for (const LinkSpec& l : spec.network.links)
        if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) return l.params.latency.mean();
    return spec.network.default_link.latency.mean();
  };
  for (const auto& c : spec.components) {
    const auto* store = dynamic_cast<const ReplicatedStoreSpec*>(c.get());
    if (store == nullptr || store->config().model != ReplicatedStoreSpec::Model::kLeaderFollower) continue;
    double rtt = 0;
    std::vector<std::string> zones;
    for (int i = 0; i < store->replica_count(); ++i) zones.push_back(store->replica_zone(i));
    std::sort(zones.begin(), zones.end());
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    for (const auto& a : zones)
      for (const auto& b : zones) rtt = std::max(rtt, 2 * one_way(a, b));
    const auto& cfg = store->config();
    if (static_cast<double>(cfg.detection) >= static_cast<double>(cfg.heartbeat) + 4 * rtt) continue;
    const std::string where =
        where_written(scenario, file, store->name(), {"failover.detection", "failover", "model"});
    std::fprintf(stderr,
                 "dsim: warning: %s: components.%s.failover: detection %s leaves less than four round trips (%s "
                 "between its nodes) after a heartbeat period (%s): late heartbeats will start failovers\n",
                 where.c_str(), store->name().c_str(), units::format_duration(cfg.detection).c_str(),
                 units::format_duration(static_cast<Time>(rtt)).c_str(),
                 units::format_duration(cfg.heartbeat).c_str());
  }
}

// A raft store of two nodes needs both for a majority: allowed (a
// classroom shows why), but it tolerates no failure — a warning.
void warn_of_fragile_raft(const Scenario& scenario, const std::string& file) {
  for (const auto& c : scenario.spec().components) {
    const auto* store = dynamic_cast<const ReplicatedStoreSpec*>(c.get());
    if (store == nullptr || store->config().model != ReplicatedStoreSpec::Model::kRaft || store->replica_count() != 2)
      continue;
    const std::string where = where_written(scenario, file, store->name(), {"replicas", "model"});
    std::fprintf(stderr,
                 "dsim: warning: %s: components.%s.replicas: a raft store of 2 nodes needs both for a majority, so "
                 "it tolerates no failure (3 nodes tolerate one, 5 tolerate two)\n",
                 where.c_str(), store->name().c_str());
  }
}

int cmd_validate(const std::string& file, const Common& common) {
  auto scenario = load(file, load_options(common));
  if (!scenario) return kExitBadInput;
  const ScenarioSpec& spec = scenario->spec();
  std::size_t replicas = 0;
  for (const auto& c : spec.components) replicas += static_cast<std::size_t>(c->replica_count());
  // Overload the spec alone shows (analysis/load.h): a warning, not an error.
  for (const ComponentLoad& l : offered_load(spec)) {
    const auto ratio = l.ratio();
    if (!ratio || *ratio < 1.0) continue;
    const std::string where = where_written(*scenario, file, l.component, {"service_time", "kind"});
    std::fprintf(stderr,
                 "dsim: warning: %s: components.%s: offered load %s is at or above its capacity of %s (replicas x "
                 "workers / mean service time, before retries): its queue will grow until requests time out or "
                 "are rejected\n",
                 where.c_str(), l.component.c_str(), format_rate(*l.offered).c_str(),
                 format_rate(*l.capacity).c_str());
  }
  warn_of_hasty_failover(*scenario, file);
  warn_of_fragile_raft(*scenario, file);
  char line[512];
  std::snprintf(line, sizeof line, "%s: ok (scenario '%s', %zu components, %zu replicas)\n", file.c_str(),
                spec.name.c_str(), spec.components.size(), replicas);
  if (auto err = write_stdout(line); !err.empty()) {
    std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

int cmd_graph(const std::string& file, const Common& common) {
  auto scenario = load(file, load_options(common));
  if (!scenario) return kExitBadInput;
  // Streamed: a large design's graph is never held whole in memory.
  errno = 0;
  write_topology_dot(scenario->spec(), std::cout);
  std::cout.flush();
  if (!std::cout) {
    const int e = errno;
    std::cout.clear();
    const std::string err =
        std::string("cannot write to standard output: ") + (e != 0 ? std::strerror(e) : "write failed");
    std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

struct HistoryCheckArgs {
  std::string file;
  std::string format;  // empty: from the first line
  std::string model;   // empty: the format's
  std::uint64_t budget = kDefaultLinBudget;
  unsigned threads = 0;
  bool json = false;
};

// The dsim history's reads and writes as the stale-read and lost-write
// checker reads them (its synthetic initial writes left out).
std::vector<HistoryOp> stale_lost_view(const LinHistory& h) {
  std::vector<HistoryOp> out;
  for (const LinOp& op : h.ops) {
    if (op.line == 0) continue;  // the reader's synthetic initial write (dsim histories)
    HistoryOp x;
    x.client = op.client;
    x.op = op.fn == LinFn::kWrite ? Operation::kWrite : Operation::kRead;
    x.key = op.key;
    x.value = static_cast<std::uint64_t>(op.fn == LinFn::kWrite ? op.arg.v : op.result.v);
    x.invoke = op.invoke;
    x.complete = op.complete;
    x.outcome = op.outcome == LinOutcome::kOk ? OpOutcome::kOk
                : op.outcome == LinOutcome::kFail ? OpOutcome::kFail
                                                  : OpOutcome::kUnknown;
    x.final_read = op.client < h.clients.size() && h.clients[op.client] == "final";
    out.push_back(x);
  }
  return out;
}

int cmd_history_check(const HistoryCheckArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "dsim: error: %s: cannot read: %s\n", a.file.c_str(), std::strerror(errno));
    return kExitBadInput;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(a.file, ec)) {
    std::fprintf(stderr, "dsim: error: %s: is a directory, not a history file\n", a.file.c_str());
    return kExitBadInput;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "dsim: error: %s: cannot read: %s\n", a.file.c_str(), std::strerror(errno));
    return kExitFailure;
  }
  std::optional<HistoryFormat> format;
  if (!a.format.empty()) {
    format = history_format_from_name(a.format);
    if (!format) {
      std::fprintf(stderr, "dsim: error: --format: unknown format '%s'; valid: dsim, jepsen-log, jepsen-edn\n",
                   a.format.c_str());
      return kExitBadInput;
    }
  } else {
    format = sniff_history_format(text);
    if (!format) {
      std::fprintf(stderr,
                   "dsim: error: %s:1: cannot tell the history's format from its first line; give --format dsim, "
                   "jepsen-log or jepsen-edn\n",
                   a.file.c_str());
      return kExitBadInput;
    }
  }
  std::optional<LinModel> model;
  if (a.model == "register") model = LinModel::kRegister;
  else if (a.model == "kv") model = LinModel::kKv;
  else if (!a.model.empty()) {
    std::fprintf(stderr, "dsim: error: --model: unknown model '%s'; valid: register, kv\n", a.model.c_str());
    return kExitBadInput;
  }
  auto read = read_history(text, a.file, *format, model);
  text = std::string();
  if (auto* err = std::get_if<HistoryReadError>(&read)) {
    std::fprintf(stderr, "dsim: error: %s\n", err->to_string().c_str());
    return kExitBadInput;
  }
  const LinHistory& h = std::get<LinHistory>(read);
  LinOptions o;
  o.budget = a.budget;
  o.threads = a.threads;
  const LinResult r = check_linearizable(h, o);
  std::optional<StaleLostFigures> sl;
  if (*format == HistoryFormat::kDsim) sl = check_stale_and_lost(stale_lost_view(h));
  const char* model_name = h.model == LinModel::kRegister ? "register" : "kv";
  // The file's operations and the clients that ran them: the reader's
  // synthetic initial writes (line 0, client init) aside.
  std::size_t file_ops = 0, file_clients = 0;
  {
    std::vector<bool> seen(h.clients.size(), false);
    for (const LinOp& op : h.ops) {
      if (op.line == 0) continue;
      ++file_ops;
      if (!seen[op.client]) ++file_clients;
      seen[op.client] = true;
    }
  }
  std::string out;
  if (a.json) {
    nlohmann::ordered_json j;
    j["file"] = a.file;
    j["format"] = history_format_name(*format);
    j["model"] = model_name;
    j["operations"] = file_ops;
    j["keys"] = h.keys.size();
    j["clients"] = file_clients;
    if (r.verdict == LinVerdict::kLinearizable) j["linearizable"] = true;
    else if (r.verdict == LinVerdict::kNotLinearizable) j["linearizable"] = false;
    else j["linearizable"] = "unknown";
    nlohmann::ordered_json lj;
    lj["keys_checked"] = r.keys_checked;
    lj["keys_unknown"] = r.keys_unknown;
    lj["keys_not_linearizable"] = r.keys_not_linearizable;
    lj["states_explored"] = r.states_explored;
    lj["budget"] = a.budget;
    if (r.counterexample_key) {
      nlohmann::ordered_json ce;
      ce["key"] = h.keys[*r.counterexample_key];
      nlohmann::ordered_json lines = nlohmann::ordered_json::array();
      for (const std::size_t i : r.counterexample) lines.push_back(h.ops[i].line);
      ce["lines"] = lines;
      ce["timeline"] = render_timeline(h, r.counterexample);
      lj["counterexample"] = ce;
    } else {
      lj["counterexample"] = nullptr;
    }
    j["linearizability"] = lj;
    if (sl) {
      j["reads"] = sl->reads;
      j["stale_reads"] = sl->stale_reads;
      j["lost_writes"] = sl->lost_writes;
      j["unexplained_reads"] = sl->unexplained_reads;
    }
    // Keys and values from a foreign file may not be UTF-8: replaced, never an error.
    out = j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else {
    char buf[512];
    out += "history      " + a.file;
    std::snprintf(buf, sizeof buf, " (%s, %s model): %s operations, %s keys, %s clients\n",
                  history_format_name(*format), model_name, group_thousands(file_ops).c_str(),
                  group_thousands(h.keys.size()).c_str(), group_thousands(file_clients).c_str());
    out += buf;
    std::snprintf(buf, sizeof buf, "linearizable %s (%s keys checked, %s out of budget, %s states; budget %s per key)\n",
                  r.verdict == LinVerdict::kLinearizable      ? "yes"
                  : r.verdict == LinVerdict::kNotLinearizable ? "NO"
                                                              : "unknown",
                  group_thousands(r.keys_checked).c_str(), group_thousands(r.keys_unknown).c_str(),
                  group_thousands(r.states_explored).c_str(), group_thousands(a.budget).c_str());
    out += buf;
    if (r.counterexample_key) {
      out += "             operations on key " + h.keys[*r.counterexample_key] + " that cannot be ordered";
      std::string lines;
      for (const std::size_t i : r.counterexample)
        if (h.ops[i].line > 0) lines += (lines.empty() ? "" : ", ") + std::to_string(h.ops[i].line);
      if (!lines.empty()) out += " (lines " + lines + ")";
      out += ":\n";
      std::istringstream tl(render_timeline(h, r.counterexample));
      for (std::string line; std::getline(tl, line);) out += "               " + line + "\n";
    }
    if (sl) {
      std::snprintf(buf, sizeof buf, "stale reads  %s of %s; lost writes %s of %s acknowledged\n",
                    group_thousands(sl->stale_reads).c_str(), group_thousands(sl->reads).c_str(),
                    group_thousands(sl->lost_writes).c_str(), group_thousands(sl->writes_acknowledged).c_str());
      out += buf;
    }
  }
  if (auto err = write_stdout(out); !err.empty()) {
    std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
    return kExitFailure;
  }
  switch (r.verdict) {
    case LinVerdict::kLinearizable: return kExitOk;
    case LinVerdict::kNotLinearizable: return kExitVerdict;
    case LinVerdict::kUnknown: return kExitIncomplete;
  }
  return kExitFailure;
}

}  // namespace

struct CompareArgs {
  std::vector<std::string> files;
  std::optional<std::uint64_t> seed;
  bool json = false;
  bool changed = false;
  bool quiet = false;
};

constexpr std::size_t kMaxSummaryBytes = std::size_t{256} << 20;

// `dsim compare A B`: each a summary JSON file (--json or --out's
// summary.json) or a scenario, which is run — both with the same seed:
// --seed, else the first scenario's own — and every figure compared.
int cmd_compare(const CompareArgs& args, const Common& common) {
  InterruptGuard interrupts;
  std::array<nlohmann::ordered_json, 2> summaries;
  std::array<std::unique_ptr<Scenario>, 2> scenarios;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string& file = args.files[i];
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "dsim: error: %s: cannot read it: %s\n", file.c_str(), std::strerror(errno));
      return kExitBadInput;
    }
    // A summary starts with '{' (a look at the first characters only: a
    // scenario is read once, by the loader, with its own bounds).
    char c = ' ';
    for (int k = 0; k < 4096 && in.get(c) && (c == ' ' || c == '\t' || c == '\r' || c == '\n'); ++k) {
    }
    if (in && c == '{') {
      std::string text(1, c);
      char buf[65536];
      while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxSummaryBytes) {
          std::fprintf(stderr, "dsim: error: %s: larger than 256 MiB: not a dsim summary\n", file.c_str());
          return kExitBadInput;
        }
      }
      auto j = nlohmann::ordered_json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("schema") || !j["schema"].is_string() ||
          j["schema"].get<std::string>().rfind("dsim.summary/", 0) != 0) {
        std::fprintf(stderr,
                     "dsim: error: %s: not a dsim summary (a JSON object whose \"schema\" is dsim.summary/N, as "
                     "dsim run --json or --out write) nor a scenario\n",
                     file.c_str());
        return kExitBadInput;
      }
      summaries[i] = std::move(j);
      continue;
    }
    scenarios[i] = load(file, load_options(common));
    if (!scenarios[i]) return kExitBadInput;
  }
  std::optional<std::uint64_t> seed = args.seed;
  for (const auto& s : scenarios)
    if (!seed && s) seed = s->spec().seed;
  bool partial = false;
  for (std::size_t i = 0; i < 2; ++i) {
    if (!scenarios[i]) continue;
    RunOptions options;
    options.seed = seed;
    options.interrupt = interrupts.flag();
    Progress progress(!args.quiet && stderr_is_terminal(), "dsim compare: " + scenarios[i]->name());
    options.progress = [&progress](Time now, Time duration, std::uint64_t events) {
      progress.update(now, duration, events);
    };
    RunResult r = run(scenarios[i]->spec(), options);
    progress.done();
    if (!r.ok()) {
      std::fprintf(stderr, "dsim: error: %s: %s\n", args.files[i].c_str(), r.error().to_string().c_str());
      return kExitFailure;
    }
    const RunRecord rec = std::move(r).record();
    if (rec.partial) {
      partial = true;
      std::fprintf(stderr, "dsim: %s stopped early (%s): its figures cover %s of simulated time\n",
                   args.files[i].c_str(), rec.partial->message.c_str(),
                   units::format_duration(rec.partial->at).c_str());
    }
    summaries[i] = summary_json(rec);
    if (!args.quiet)
      std::fprintf(stderr, "dsim: ran %s (seed %llu)\n", args.files[i].c_str(),
                   static_cast<unsigned long long>(*seed));
  }
  const auto figures = compare_summaries(summaries[0], summaries[1]);
  const std::string out = args.json ? comparison_json(figures, args.files[0], args.files[1]).dump(2) + "\n"
                                    : comparison_table(figures, "A", "B", args.changed) + "A: " + args.files[0] +
                                          "\nB: " + args.files[1] + "\n";
  if (auto err = write_stdout(out); !err.empty()) {
    std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
    return kExitFailure;
  }
  return partial ? kExitIncomplete : kExitOk;
}

struct CheckArgs {
  std::string file;
  std::optional<std::uint64_t> seed;
  int seeds = 0;  // 0: the scenario's check.seeds, else a baseline's k, else 1
  std::optional<std::string> confidence;
  std::optional<std::string> tolerance;
  std::string baseline;
  std::string junit;
  bool update_baseline = false;
  unsigned jobs = 0;  // 0: every core
  bool json = false;
  bool all = false;
  bool quiet = false;
  RunLimits limits;
};

namespace {

// A fraction option ("95%", "0.95"): the value, or nothing after saying why.
// `open_interval`: a level strictly between 0% and 100%; else any percentage
// at least 0% (a tolerance may allow more than doubling).
std::optional<double> fraction_option(const char* option, const std::string& text, bool open_interval) {
  const auto p = units::parse_fraction(text);
  if (!open_interval && p.ok() && p.value > 1.0 && text.find('%') == std::string::npos) {
    std::fprintf(stderr,
                 "dsim: error: %s: '%s' without a %% sign is a fraction (%s = %g%%): write it as a percentage, "
                 "e.g. %s%%, or as a fraction at most 1, e.g. 0.05\n",
                 option, text.c_str(), text.c_str(), 100 * p.value, text.c_str());
    return std::nullopt;
  }
  if (!p.ok() || !std::isfinite(p.value) || !(p.value >= 0.0) || (open_interval && !(p.value > 0.0 && p.value < 1.0))) {
    std::fprintf(stderr, "dsim: error: %s: expected a percentage %s, such as %s, got '%s'\n", option,
                 open_interval ? "above 0% and below 100%" : "at least 0%", open_interval ? "95%" : "5%",
                 text.c_str());
    return std::nullopt;
  }
  return p.value;
}

// Reads a JSON file of at most kMaxSummaryBytes (256 MiB); an error message on failure.
std::string read_json_file(const std::string& path, nlohmann::ordered_json& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read it: " + std::string(std::strerror(errno));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxSummaryBytes) return "larger than 256 MiB: not a dsim baseline";
  }
  if (in.bad()) return "cannot read it (is it a directory?)";
  try {
    out = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // The line and column of the byte the parser stopped at.
    int line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col) +
           ": not JSON (a dsim baseline is the JSON dsim check --update-baseline writes)";
  }
  return "";
}

std::string g6(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

std::string check_table(const std::string& scenario, const std::vector<std::uint64_t>& seeds, double confidence,
                        bool on_interval, const std::vector<CheckedObjective>& objectives,
                        const std::vector<Regression>* regressions, const std::string& baseline_file, bool all) {
  std::ostringstream o;
  o << "dsim check  " << scenario << "  " << seeds.size() << (seeds.size() == 1 ? " seed" : " seeds") << " (";
  for (std::size_t i = 0; i < seeds.size() && i < 5; ++i) o << (i ? ", " : "") << seeds[i];
  if (seeds.size() > 5) o << ", ...";
  o << ")";
  if (seeds.size() >= 2) o << ", means with " << g6(100 * confidence) << "% Student-t intervals";
  o << "\n\n";
  std::size_t missed = 0;
  if (objectives.empty()) {
    o << "objectives   none (give them in the scenario's slo: section)\n";
  } else {
    o << "objectives" << (on_interval ? " (judged on the unfavourable end of each interval)" : "") << "\n";
    std::size_t wn = 9;
    for (const auto& c : objectives) wn = std::max(wn, c.objective.name.size());
    for (const auto& c : objectives) {
      const ObjectiveRecord& ob = c.objective;
      missed += ob.met ? 0 : 1;
      // Fractions as percentages; the others in their unit.
      const bool pct = ob.unit == "fraction";
      const auto v = [pct](double x) { return pct ? g6(100 * x) + "%" : g6(x); };
      const std::string unit = pct ? "" : " " + ob.unit;
      o << "  " << (ob.met ? "ok    " : "MISSED") << "  " << ob.name << std::string(wn - ob.name.size(), ' ')
        << (ob.at_least ? "  >= " : "  <= ") << v(ob.target) << unit << "  measured ";
      if (!ob.measured) o << "nothing (in " << seeds.size() - c.runs << " of " << seeds.size() << " runs)";
      else o << v(*ob.measured);
      if (c.low && c.high) o << "  [" << v(*c.low) << ", " << v(*c.high) << "]";
      if (ob.measured) o << "  margin " << v(ob.margin);
      if (ob.implied) o << "  (implied: latency counts successes only)";
      o << "\n";
    }
  }
  std::size_t regressed = 0;
  if (regressions) {
    std::size_t compared = 0, gone = 0;
    for (const auto& r : *regressions) {
      compared += r.ignored || r.gone ? 0 : 1;
      gone += r.gone ? 1 : 0;
      regressed += r.regressed ? 1 : 0;
    }
    o << "\nbaseline     " << baseline_file << ": " << compared << " figures compared, " << regressed << " regressed";
    if (gone > 0) o << ", " << gone << " no longer in the design (not compared)";
    o << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : *regressions) {
      if (!all && !r.regressed && !r.gone) continue;
      rows.push_back({r.regressed ? "REGRESSED" : r.ignored ? "ignored" : r.gone ? "gone" : "ok", r.figure,
                      r.baseline ? g6(*r.baseline) : "-", r.now ? g6(*r.now) : "-",
                      r.relative ? (*r.relative >= 0 ? "+" : "") + g6(100 * *r.relative) + "%"
                                 : r.change ? (*r.change >= 0 ? "+" : "") + g6(*r.change) : "-",
                      r.allowed == 0 ? "0" : (r.direction > 0 ? "+" : "-") + g6(r.allowed) +
                                                 (r.noise > 0 && r.noise >= r.allowed ? " (noise)" : "")});
    }
    if (!rows.empty()) {
      const std::vector<std::string> head = {"", "figure", "baseline", "now", "change", "allowed"};
      std::vector<std::size_t> w(head.size());
      for (std::size_t k = 0; k < head.size(); ++k) w[k] = head[k].size();
      for (const auto& row : rows)
        for (std::size_t k = 0; k < row.size(); ++k) w[k] = std::max(w[k], row[k].size());
      const auto line = [&](const std::vector<std::string>& row) {
        o << " ";
        for (std::size_t k = 0; k < row.size(); ++k) o << " " << row[k] << std::string(w[k] - row[k].size(), ' ');
        o << "\n";
      };
      line(head);
      for (const auto& row : rows) line(row);
    }
  }
  o << "\n";
  if (missed == 0 && regressed == 0) o << "PASS\n";
  else o << "FAIL: " << missed << " objective" << (missed == 1 ? "" : "s") << " missed, " << regressed << " figure"
         << (regressed == 1 ? "" : "s") << " regressed\n";
  return o.str();
}

nlohmann::ordered_json check_json(const std::string& scenario, const std::vector<std::uint64_t>& seeds,
                                  double confidence, const CheckFigures& figures,
                                  const std::vector<CheckedObjective>& objectives,
                                  const std::vector<Regression>* regressions, bool pass) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["schema"] = "dsim.check/1";
  j["scenario"] = scenario;
  j["seeds"] = seeds;
  j["confidence"] = confidence;
  j["pass"] = pass;
  Json obj = Json::object();
  for (const auto& c : objectives) {
    const ObjectiveRecord& o = c.objective;
    Json oj;
    oj["target"] = round_to(o.target, 9);
    oj["measured"] = o.measured ? Json(*o.measured) : Json(nullptr);
    oj["mean"] = c.mean ? Json(*c.mean) : Json(nullptr);
    oj["low"] = c.low ? Json(*c.low) : Json(nullptr);
    oj["high"] = c.high ? Json(*c.high) : Json(nullptr);
    oj["margin"] = o.measured ? Json(o.margin) : Json(nullptr);
    oj["met"] = o.met;
    oj["unit"] = o.unit;
    oj["kind"] = o.at_least ? "at_least" : "at_most";
    obj.get_ref<Json::object_t&>().emplace_back(o.name, std::move(oj));
  }
  j["objectives"] = std::move(obj);
  j["figures"] = baseline_json(figures)["figures"];
  if (regressions) {
    Json regs = Json::array();
    for (const auto& r : *regressions) {
      Json rj;
      rj["figure"] = r.figure;
      rj["baseline"] = r.baseline ? Json(*r.baseline) : Json(nullptr);
      rj["now"] = r.now ? Json(*r.now) : Json(nullptr);
      rj["relative"] = r.relative ? Json(*r.relative) : Json(nullptr);
      rj["allowed"] = r.allowed;
      rj["noise"] = r.noise;
      rj["ignored"] = r.ignored;
      rj["gone"] = r.gone;
      rj["regressed"] = r.regressed;
      regs.push_back(std::move(rj));
    }
    j["baseline"] = std::move(regs);
  }
  return j;
}

}  // namespace

// `dsim check FILE`: runs the scenario on K seeds (on every core), judges its
// objectives and compares its figures with a baseline; exit 0 all hold, 3 an
// objective missed or a figure regressed, 4 a run stopped early, 2 bad input.
int cmd_check(const CheckArgs& args, const Common& common) {
  InterruptGuard interrupts;
  auto scenario = load(args.file, load_options(common));
  if (!scenario) return kExitBadInput;
  const ScenarioSpec& spec = scenario->spec();
  const CheckSpec& cs = spec.regression;

  std::optional<double> confidence = cs.confidence;
  if (args.confidence) {
    confidence = fraction_option("--confidence", *args.confidence, true);
    if (!confidence) return kExitBadInput;
  }
  double tolerance = cs.tolerance;
  if (args.tolerance) {
    const auto t = fraction_option("--tolerance", *args.tolerance, false);
    if (!t) return kExitBadInput;
    tolerance = *t;
  }
  if (args.update_baseline && args.baseline.empty()) {
    std::fprintf(stderr, "dsim: error: --update-baseline: give the file to write with --baseline FILE\n");
    return kExitBadInput;
  }
  // The baseline: read (and refused when it is another scenario's) before
  // anything runs.
  std::optional<CheckFigures> baseline;
  if (!args.baseline.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool exists = fs::exists(args.baseline, ec);
    const bool empty = exists && fs::is_regular_file(args.baseline, ec) && fs::file_size(args.baseline, ec) == 0;
    if (!args.update_baseline || (exists && !empty)) {
      nlohmann::ordered_json j;
      std::string err = read_json_file(args.baseline, j);
      if (err.empty()) {
        BaselineRead r = read_baseline(j, spec.name);
        err = r.error;
        if (r.figures) baseline = std::move(r.figures);
      }
      // Updating may replace another scenario's baseline, never a file that is none.
      if (!err.empty() && !(args.update_baseline && j.is_object() && j.contains("schema") && j["schema"].is_string() &&
                            j["schema"].get<std::string>().rfind("dsim.baseline/", 0) == 0)) {
        std::fprintf(stderr, "dsim: error: --baseline: %s: %s\n", args.baseline.c_str(), err.c_str());
        return kExitBadInput;
      }
    }
    if (args.update_baseline) {
      if (auto err = check_writable_location(args.baseline); !err.empty()) {
        std::fprintf(stderr, "dsim: error: --baseline: %s\n", err.c_str());
        return kExitBadInput;
      }
      if (same_file(args.baseline, args.file)) {
        std::fprintf(stderr, "dsim: error: --baseline: '%s' is the scenario: it is never overwritten\n",
                     args.baseline.c_str());
        return kExitBadInput;
      }
    }
  }
  if (!args.junit.empty()) {
    std::string err = check_writable_location(args.junit);
    if (err.empty() && same_file(args.junit, args.file)) err = "'" + args.junit + "' is the scenario: it is never overwritten";
    if (err.empty() && !args.baseline.empty() && same_file(args.junit, args.baseline))
      err = "--junit and --baseline name the same file";
    if (err.empty() && !replaceable(args.junit))
      err = "'" + args.junit + "' exists and is not a dsim output: choose another file";
    if (!err.empty()) {
      std::fprintf(stderr, "dsim: error: --junit: %s\n", err.c_str());
      return kExitBadInput;
    }
  }
  int k = args.seeds > 0 ? args.seeds : cs.seeds ? *cs.seeds : baseline && !args.update_baseline ? static_cast<int>(baseline->seeds.size()) : 1;
  k = std::max(k, 1);
  const std::uint64_t base = args.seed.value_or(spec.seed);
  const std::vector<std::uint64_t> seeds = check_seeds(base, k);
  if (baseline && !args.update_baseline && baseline->seeds != seeds && !args.quiet)
    std::fprintf(stderr,
                 "dsim: note: the baseline ran on other seeds (%zu): figures differ by chance as well as by "
                 "design; check with the baseline's seeds (--seeds %zu, the scenario's seed) to compare like with like\n",
                 baseline->seeds.size(), baseline->seeds.size());

  if (confidence && k < 2 && !args.quiet)
    std::fprintf(stderr,
                 "dsim: note: a confidence interval needs two runs or more: with one, the objectives are judged on "
                 "its own figures (give --seeds K)\n");
  // Runs: one per seed, on up to --jobs threads; results in seed order.
  unsigned jobs = args.jobs > 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(k));
  const bool show = !args.quiet && stderr_is_terminal();
  RunOptions options;
  options.registry = common.config->recorders;
  options.limits = args.limits;
  options.interrupt = interrupts.flag();
  const double t0 = wall_seconds();
  std::vector<SeedRun> results =
      run_seeds(spec, seeds, jobs, options, [&](std::size_t done, std::size_t total) {
        if (!show) return;
        std::fprintf(stderr, "\rdsim check %s: %zu of %zu runs done", spec.name.c_str(), done, total);
        if (done == total) std::fprintf(stderr, "\n");
      });
  std::vector<nlohmann::ordered_json> summaries;
  std::vector<std::vector<ObjectiveRecord>> run_objectives;
  bool partial = false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    SeedRun& r = results[i];
    if (r.error) {
      const RunError& e = *r.error;
      std::fprintf(stderr, "dsim: %s%s\n", e.kind == RunError::Kind::kStalled ? "error: " : "", e.to_string().c_str());
      return e.kind == RunError::Kind::kStalled ? kExitBadInput : kExitFailure;
    }
    if (r.partial) {
      partial = true;
      std::fprintf(stderr, "dsim: the run of seed %llu stopped early (%s): no verdict\n",
                   static_cast<unsigned long long>(seeds[i]), r.partial->message.c_str());
    }
    summaries.push_back(std::move(r.summary));
    run_objectives.push_back(std::move(r.objectives));
  }
  if (partial) return kExitIncomplete;

  const double conf = confidence.value_or(0.95);
  const CheckFigures figures = aggregate_summaries(summaries, seeds, conf);
  const std::vector<CheckedObjective> objectives = judge_over_runs(run_objectives, conf, confidence.has_value());
  // Every tolerance pattern must name a figure (whether or not a baseline is
  // compared now): a misspelt one would silently leave the figure at the default.
  for (const FigureTolerance& t : cs.figures) {
    bool any = false;
    if (baseline)
      for (const auto& f : baseline->figures) any = any || figure_matches(t.pattern, f.figure);
    for (const auto& f : figures.figures) any = any || figure_matches(t.pattern, f.figure);
    if (any) continue;
    const auto loc = scenario->sources().find("check.tolerances." + t.pattern);
    std::fprintf(stderr,
                 "dsim: error: %s: check.tolerances: '%s' names no figure this check compares (figures are named as "
                 "in the summary JSON, e.g. latency_ms.p99, availability, cost.per_month; '*' matches any run of "
                 "characters)\n",
                 loc ? loc->to_string().c_str() : args.file.c_str(), t.pattern.c_str());
    return kExitBadInput;
  }
  std::optional<std::vector<Regression>> regressions;
  if (baseline && !args.update_baseline) regressions = compare_with_baseline(figures, *baseline, cs, tolerance);
  bool pass = true;
  for (const auto& c : objectives) pass = pass && c.objective.met;
  if (regressions)
    for (const auto& r : *regressions) pass = pass && !r.regressed;

  int status = pass ? kExitOk : kExitVerdict;
  const auto failed = [&status](const std::string& err) {
    std::fprintf(stderr, "dsim: error: %s\n", err.c_str());
    status = kExitFailure;
  };
  const std::vector<Regression>* regs = regressions ? &*regressions : nullptr;
  const std::string report =
      args.json ? check_json(spec.name, seeds, conf, figures, objectives, regs, pass).dump(2) + "\n"
                : check_table(spec.name, seeds, conf, confidence.has_value() && k >= 2, objectives, regs, args.baseline,
                              args.all);
  if (auto err = write_stdout(report); !err.empty()) failed(err);
  if (!args.junit.empty()) {
    remove_stale_temporaries(args.junit);
    PendingFile f(args.junit);
    std::string err = f.open();
    if (err.empty()) {
      f.stream() << junit_xml(spec.name, objectives, regs, seeds);
      err = f.commit();
    }
    if (!err.empty()) failed("--junit: " + err);
  }
  if (args.update_baseline) {
    remove_stale_temporaries(args.baseline);
    PendingFile f(args.baseline);
    std::string err = f.open();
    if (err.empty()) {
      f.stream() << baseline_json(figures).dump(2) << "\n";
      err = f.commit();
    }
    if (!err.empty()) failed("--baseline: " + err);
    else if (!args.quiet)
      std::fprintf(stderr, "dsim: wrote baseline %s (%zu figures, %zu seeds)\n", args.baseline.c_str(),
                   figures.figures.size(), seeds.size());
  }
  if (!args.quiet)
    std::fprintf(stderr, "dsim: %zu run%s in %.2f s wall time on %u thread%s\n", seeds.size(),
                 seeds.size() == 1 ? "" : "s", wall_seconds() - t0, jobs, jobs == 1 ? "" : "s");
  return status;
}

// --seed's text, if given, into `seed`; false (after saying why) if it is
// not an unsigned 64-bit integer.
bool parse_seed(const std::optional<std::string>& text, std::optional<std::uint64_t>& seed) {
  if (!text) return true;
  std::uint64_t v = 0;
  const char* b = text->data();
  const char* e = b + text->size();
  const auto res = std::from_chars(b, e, v);
  if (res.ec != std::errc() || res.ptr != e) {
    std::fprintf(stderr, "dsim: error: --seed: expected an integer from 0 to 18446744073709551615, got '%s'\n",
                 text->c_str());
    return false;
  }
  seed = v;
  return true;
}

// A run's budget (RunLimits) as options of `command`.
void add_budget_options(CLI::App* command, RunLimits& limits) {
  struct Budget {
    const char* option;
    std::uint64_t RunLimits::*field;
    const char* help;
  };
  static const Budget kBudgets[] = {
      {"--max-in-flight", &RunLimits::max_in_flight,
       "stop early (exit 4) past N client requests in flight (default 2,000,000; 0: no limit)"},
      {"--max-queued", &RunLimits::max_queued,
       "stop early (exit 4) past N requests held by components (default 2,000,000; 0: no limit)"},
      {"--max-events", &RunLimits::max_events, "stop early (exit 4) past N pending events (default 8,000,000; 0: no limit)"},
      {"--max-faults", &RunLimits::max_faults,
       "stop early (exit 4) past N faults and random failures (default 1,000,000; 0: no limit)"},
  };
  for (const Budget& b : kBudgets)
    command->add_option(b.option, limits.*b.field, b.help)
        ->type_name("N")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000'000'000}));
}

int cli_main(int argc, char** argv, const CliConfig& config) {
  CLI::App app{"dsim: a deterministic discrete-event simulator for distributed-system designs"};
  app.set_version_flag("--version", std::string("dsim ") + kDsimVersion);
  app.require_subcommand(1);

  Common common;
  common.config = &config;
  RunArgs run_args;
  std::optional<std::string> seed_text;
  CLI::App* run = app.add_subcommand("run", "run a scenario and print its report");
  run->add_option("file", run_args.file, "scenario YAML file (default: the built-in e-commerce example)");
  run->add_option("--trace", run_args.trace.file,
                  "write a Chrome trace-event JSON of request spans and faults (Perfetto)")
      ->type_name("FILE");
  run->add_option("--trace-limit", run_args.trace.limit, "requests to trace at most (default 10000)")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}));
  run->add_option("--history", run_args.history,
                  "write every read and write (clients with a mix) as JSON lines, final reads last (docs/HISTORY.md)")
      ->type_name("FILE");
  run->add_option("--seed", seed_text, "random seed, 0 to 18446744073709551615 (default: the scenario's seed, or 1)")
      ->type_name("UINT");
  run->add_option("--set", common.sets, "override a field: --set components.app.replicas=4 (repeatable)")
      ->type_name("PATH=VALUE");
  run->add_option("--pricing", common.pricing, "a pricing catalog over the shipped one (repeatable)")->type_name("FILE");
  run->add_flag("--json", run_args.json, "print the summary as JSON instead of a table");
  run->add_option("--out", run_args.out_dir, "also write summary.json, timeseries.csv and faults.csv into DIR, with manifest.json last")
      ->type_name("DIR");
  run->add_flag("--force", run_args.force,
                "replace output files that are not dsim outputs (never the scenario itself)");
  run->add_flag("-q,--quiet", run_args.quiet, "no progress or timing on stderr");
  add_budget_options(run, run_args.limits);

  std::string validate_file;
  CLI::App* validate = app.add_subcommand("validate", "check a scenario without running it (exit 0 or 2)");
  validate->add_option("file", validate_file, "scenario YAML file")->required();
  validate->add_option("--set", common.sets, "override a field (repeatable)")->type_name("PATH=VALUE");
  validate->add_option("--pricing", common.pricing, "a pricing catalog over the shipped one (repeatable)")->type_name("FILE");

  std::string graph_file;
  CLI::App* graph = app.add_subcommand("graph", "print the topology as Graphviz DOT");
  graph->add_option("file", graph_file, "scenario YAML file")->required();
  graph->add_option("--set", common.sets, "override a field (repeatable)")->type_name("PATH=VALUE");
  graph->add_option("--pricing", common.pricing, "a pricing catalog over the shipped one (repeatable)")->type_name("FILE");

  CompareArgs compare_args;
  std::optional<std::string> compare_seed_text;
  CLI::App* compare = app.add_subcommand(
      "compare", "compare two runs figure by figure: two scenarios (run with the same seed) or two summary JSON files");
  compare->add_option("files", compare_args.files, "A and B: scenario YAML files or summary JSON files")
      ->required()
      ->expected(2);
  compare->add_option("--set", common.sets, "override a field of both scenarios (repeatable)")->type_name("PATH=VALUE");
  compare->add_option("--pricing", common.pricing, "a pricing catalog over the shipped one (repeatable)")->type_name("FILE");
  compare->add_option("--seed", compare_seed_text, "the seed of both runs (default: the first scenario's)")
      ->type_name("UINT");
  compare->add_flag("--json", compare_args.json, "print the comparison as JSON");
  compare->add_flag("--changed", compare_args.changed, "list only the figures that differ");
  compare->add_flag("-q,--quiet", compare_args.quiet, "nothing on stderr but errors");

  CheckArgs check_args;
  std::optional<std::string> check_seed_text;
  CLI::App* check = app.add_subcommand(
      "check",
      "run a scenario on K seeds, judge its objectives and compare its figures with a baseline (exit 0 all hold, "
      "3 an objective missed or a figure regressed, 4 a run stopped early, 2 bad input)");
  check->add_option("file", check_args.file, "scenario YAML file")->required();
  check->add_option("--set", common.sets, "override a field (repeatable)")->type_name("PATH=VALUE");
  check->add_option("--pricing", common.pricing, "a pricing catalog over the shipped one (repeatable)")->type_name("FILE");
  check->add_option("--seeds", check_args.seeds,
                    "runs, on seeds 1..K of the base seed (default: the scenario's check.seeds, else the baseline's, else 1)")
      ->type_name("K")
      ->check(CLI::Range(1, 10000));
  check->add_option("--seed", check_seed_text, "the base seed (default: the scenario's)")->type_name("UINT");
  check->add_option("--confidence", check_args.confidence,
                    "judge objectives on the unfavourable end of the Student-t interval at this level, e.g. 95%")
      ->type_name("LEVEL");
  check->add_option("--baseline", check_args.baseline, "compare every figure with this baseline (dsim.baseline/1)")
      ->type_name("FILE");
  check->add_option("--tolerance", check_args.tolerance,
                    "regression allowed in a figure's worse direction, relative (default: the scenario's check.tolerance, else 5%)")
      ->type_name("PERCENT");
  check->add_option("--junit", check_args.junit, "write a JUnit XML report: a test case per objective and per figure")
      ->type_name("FILE");
  check->add_flag("--update-baseline", check_args.update_baseline,
                  "write this check's figures to --baseline FILE (atomically) instead of comparing");
  check->add_option("--jobs", check_args.jobs, "runs at once (default: every core; results never depend on it)")
      ->type_name("N")
      ->check(CLI::Range(1u, 1024u));
  add_budget_options(check, check_args.limits);
  check->add_flag("--json", check_args.json, "print the report as JSON (dsim.check/1)");
  check->add_flag("--all", check_args.all, "list every compared figure, not only those that regressed");
  check->add_flag("-q,--quiet", check_args.quiet, "nothing on stderr but errors");

  HistoryCheckArgs history_args;
  CLI::App* history = app.add_subcommand("history", "work on operation histories (dsim's own, or Jepsen's)");
  history->require_subcommand(1);
  CLI::App* history_check = history->add_subcommand(
      "check", "check a history for linearizability (exit 0 linearizable, 3 not, 4 unknown within the budget, 2 bad input)");
  history_check->add_option("file", history_args.file, "history file")->required();
  history_check->add_option("--format", history_args.format,
                            "dsim (--history's JSON lines), jepsen-log or jepsen-edn (default: from the first line)")
      ->type_name("FORMAT");
  history_check->add_option("--model", history_args.model, "register or kv (default: the format's)")->type_name("MODEL");
  history_check->add_option("--budget", history_args.budget,
                            "search steps per key before its verdict is unknown (default 1,000,000)")
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  history_check->add_option("--threads", history_args.threads, "keys checked at once (default: every core; the verdict never depends on it)")
      ->type_name("N")
      ->check(CLI::Range(0u, 1024u));
  history_check->add_flag("--json", history_args.json, "print the verdict as JSON");

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
      if (!parse_seed(seed_text, run_args.seed)) return kExitBadInput;
      return cmd_run(run_args, common);
    }
    if (validate->parsed()) return cmd_validate(validate_file, common);
    if (compare->parsed()) {
      if (!parse_seed(compare_seed_text, compare_args.seed)) return kExitBadInput;
      return cmd_compare(compare_args, common);
    }
    if (graph->parsed()) return cmd_graph(graph_file, common);
    if (check->parsed()) {
      if (!parse_seed(check_seed_text, check_args.seed)) return kExitBadInput;
      return cmd_check(check_args, common);
    }
    if (history_check->parsed()) return cmd_history_check(history_args);
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
