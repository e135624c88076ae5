#include "dsim/analysis/run.h"

#include "dsim/analysis/cost.h"
#include "dsim/analysis/objectives.h"

#include <cstdio>
#include <memory>
#include <new>

#include "dsim/analysis/load.h"
#include "dsim/models/events.h"
#include "dsim/models/world.h"
#include "dsim/sim/check.h"

namespace dsim {

std::string RunError::to_string() const {
  char at_s[64];
  std::snprintf(at_s, sizeof at_s, "%.9g", to_seconds(at));
  const std::string where =
      "scenario '" + scenario + "', seed " + std::to_string(seed) + ", at " + at_s + " s of simulated time";
  if (kind == Kind::kStalled) return message + " (" + where + ")";
  if (kind == Kind::kInvalidSpec) return "invalid scenario spec '" + scenario + "': " + message;
  if (kind == Kind::kOutOfMemory)
    return "out of memory in " + where +
           ": the run needed more memory than it could get; lower its budget (--max-in-flight, --max-queued, "
           "--max-events), shorten it, or give it more memory";
  return "internal error in " + where + ": " + message +
         "; this is a bug: please report it with the scenario file and this seed (rerun with --seed " +
         std::to_string(seed) + " to reproduce it)";
}

namespace {

// Checks every kWatchEvery events: the budget, an interrupt, and (every
// kProgressChecks of them) the caller's progress callback.
constexpr std::uint64_t kWatchEvery = 1u << 16;
constexpr std::uint64_t kProgressChecks = 16;

std::string thousands(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

struct Watch {
  const RunOptions* options;
  const ScenarioSpec* spec;
  World* world;
  std::uint64_t checks = 0;
  std::uint64_t faults = 0;
  Simulation* sim = nullptr;
  std::optional<PartialRecord> stop;

  // Every fault and random failure is recorded; a schedule of failures
  // without end (mtbf: 1ms over years) must stop at the budget too.
  void on_fault(const FaultBegan&) {
    const std::uint64_t limit = options->limits.max_faults;
    if (limit > 0 && ++faults > limit && !stop)
      halt(*sim, "budget",
           thousands(faults) + " faults and random failures exceed the budget of " + thousands(limit) +
               " (--max-faults): lower the failure rate (mtbf) or shorten the run, or raise the budget");
  }

  std::uint64_t queued() const {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < world->component_count(); ++i) n += world->component(i).in_system_now();
    return n;
  }

  // The component holding the most requests, with its offered load and
  // capacity where the spec says them: what saturated.
  // The component holding the most requests, preferring those the spec's
  // offered load says are overloaded.
  std::string saturated() const {
    const std::vector<ComponentLoad> loads = offered_load(*spec);
    std::size_t best = 0;
    bool best_over = false;
    std::uint64_t most = 0;
    for (std::size_t i = 0; i < loads.size(); ++i) {
      const auto r = loads[i].ratio();
      const bool over = r && *r >= 1.0;
      const std::uint64_t held = world->component(i).in_system_now();
      if (std::pair(over, held) > std::pair(best_over, most)) {
        best = i;
        best_over = over;
        most = held;
      }
    }
    if (!best_over && most == 0) return "";
    const ComponentLoad& l = loads[best];
    std::string s = "'" + l.component + "' is saturated";
    if (most > 0) s += ", holding " + thousands(most) + " requests";
    if (l.offered && l.capacity)
      s += ": offered " + format_rate(*l.offered) + " against a capacity of " + format_rate(*l.capacity);
    else if (l.capacity)
      s += " (capacity " + format_rate(*l.capacity) + ")";
    return s;
  }

  void halt(Simulation& sim, std::string reason, std::string message) {
    stop = PartialRecord{std::move(reason), std::move(message), sim.now()};
    sim.halt();
  }

  void check(Simulation& sim) {
    ++checks;
    const RunLimits& lim = options->limits;
    if (options->interrupt != nullptr && options->interrupt->load(std::memory_order_relaxed)) {
      halt(sim, "interrupted", "interrupted (a signal) before every request resolved");
      return;
    }
    auto over = [&](const char* what, std::uint64_t count, std::uint64_t limit, const char* option) {
      std::string m = thousands(count) + " " + what + " exceed the budget of " +
                      thousands(limit) + " (" + option + ")";
      const std::string who = saturated();
      if (!who.empty()) m += "; " + who;
      m += ". The design cannot keep up with its load: lower the rate, add replicas or workers, bound "
           "queue_capacity, or raise the budget";
      halt(sim, "budget", m);
    };
    if (lim.max_in_flight > 0 && sim.open_work() > lim.max_in_flight)
      return over("client requests in flight", sim.open_work(), lim.max_in_flight, "--max-in-flight");
    if (lim.max_events > 0 && sim.pending_events() > lim.max_events)
      return over("pending events", sim.pending_events(), lim.max_events, "--max-events");
    if (lim.max_queued > 0) {
      const std::uint64_t q = queued();
      if (q > lim.max_queued) return over("requests held by components", q, lim.max_queued, "--max-queued");
    }
    if (lim.max_events_run > 0 && sim.events_processed() >= lim.max_events_run) {
      halt(sim, "budget", "the cap of " + thousands(lim.max_events_run) + " events run was reached");
      return;
    }
    if (options->progress && checks % kProgressChecks == 0)
      options->progress(sim.now(), spec->duration, sim.events_processed());
  }
};

RunRecord run_world(World& world, const ScenarioSpec& spec, const RunOptions& options) {
  Simulation& sim = world.sim();
  const RunContext ctx{spec, world, world.seed(), options.threads};
  const RecorderRegistry& registry = options.registry != nullptr ? *options.registry : RecorderRegistry::builtin();
  std::vector<std::unique_ptr<Recorder>> owned;
  std::vector<Recorder*> recorders;
  for (const auto& entry : registry.entries()) {
    owned.push_back(entry.factory());
    DSIM_CHECK_MSG(owned.back() != nullptr, "a recorder factory returned nothing");
    recorders.push_back(owned.back().get());
  }
  for (Recorder* r : options.extra_recorders) {
    DSIM_CHECK(r != nullptr);
    recorders.push_back(r);
  }
  for (Recorder* r : recorders) r->attach(world.bus(), ctx);

  Watch watch{&options, &spec, &world, 0, 0, &sim, std::nullopt};
  world.bus().subscribe<&Watch::on_fault>(watch);
  sim.set_progress([](void* w, Simulation& s) { static_cast<Watch*>(w)->check(s); }, &watch, kWatchEvery);
  world.start();
  sim.run_until(spec.duration);
  Time end = spec.duration;
  if (watch.stop) {
    end = sim.now();
  } else if (sim.open_work() > 0) {
    // Arrivals have stopped; let requests in flight finish or time out. Each
    // piece of open work ends within its component's request_lifetime().
    sim.run_until_idle(sat_add(sat_add(spec.duration, spec.max_request_lifetime()), 1));
    DSIM_CHECK_MSG(watch.stop || sim.open_work() == 0,
                   "open work (client requests) outlived the longest lifetime its components declare");
    end = sim.now();
  }
  if (!watch.stop && world.settles()) {
    // Stores converge: faults healed, hints delivered, an anti-entropy
    // round; every message of it is bounded by its timeout.
    world.begin_settle();
    sim.run_until_idle(sat_add(sim.now(), sat_mul(kMaxConfigDuration, 2)));
    DSIM_CHECK_MSG(watch.stop || sim.open_work() == 0, "a store's settling outlived its timeouts");
    if (!watch.stop) world.end_settle();
  }
  if (options.progress) options.progress(end, spec.duration, sim.events_processed());

  RunRecord rec;
  rec.scenario = spec.name;
  rec.seed = world.seed();
  rec.duration = spec.duration;
  rec.warmup = spec.warmup;
  rec.window = spec.window;
  rec.end = end;
  rec.events = sim.events_processed();
  rec.messages_sent = sim.network().messages_sent();
  rec.messages_lost = sim.network().messages_lost();
  rec.messages_dropped = sim.network().messages_dropped();
  rec.slo_availability = spec.slo_availability;
  rec.components = world.record_components();
  rec.partial = watch.stop;  // before the recorders finish: a history does not settle a partial run
  rec.inter_zone_bytes = sim.network().inter_zone_bytes();
  for (Recorder* r : recorders) r->finish(ctx, rec);
  // Figures of figures: the bill, then the objectives (one of which reads it).
  rec.cost = price_run(spec, rec);
  rec.objectives = judge_objectives(spec.objectives, spec.slo_availability, rec);
  return rec;
}

}  // namespace

RunResult run(const ScenarioSpec& spec, const RunOptions& options) {
  const std::uint64_t seed = options.seed.value_or(spec.seed);
  std::unique_ptr<World> world;
  auto error = [&](RunError::Kind kind, const char* what) {
    return RunError{kind, spec.name, seed, world ? world->sim().now() : 0, what};
  };
  try {
    world = std::make_unique<World>(spec, seed);
    return run_world(*world, spec, options);
  } catch (const InvalidSpec& e) {
    return error(RunError::Kind::kInvalidSpec, e.what());
  } catch (const SimulationStalled& e) {
    return error(RunError::Kind::kStalled, e.what());
  } catch (const InvariantViolation& e) {
    return error(RunError::Kind::kInternal, e.what());
  } catch (const std::bad_alloc&) {
    RunError e = error(RunError::Kind::kOutOfMemory, "out of memory");
    world.reset();  // frees what the run held, so that the error can be reported
    return e;
  } catch (const std::exception& e) {
    // From a model, a recorder or the caller's progress callback.
    return error(RunError::Kind::kInternal, e.what());
  } catch (...) {
    return error(RunError::Kind::kInternal, "an exception that is not a std::exception");
  }
}

}  // namespace dsim
