#include "dsim/analysis/run.h"

#include <cstdio>
#include <memory>
#include <new>

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
  return "internal error in " + where + ": " + message +
         "; this is a bug: please report it with the scenario file and this seed (rerun with --seed " +
         std::to_string(seed) + " to reproduce it)";
}

namespace {

struct ProgressCtx {
  const RunOptions* options;
  Time duration;
};

RunRecord run_world(World& world, const ScenarioSpec& spec, const RunOptions& options) {
  Simulation& sim = world.sim();
  const RunContext ctx{spec, world, world.seed()};
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

  ProgressCtx pctx{&options, spec.duration};
  if (options.progress) {
    sim.set_progress(
        [](void* p, const Simulation& s) {
          auto* c = static_cast<ProgressCtx*>(p);
          c->options->progress(s.now(), c->duration, s.events_processed());
        },
        &pctx, 1u << 20);
  }
  world.start();
  sim.run_until(spec.duration);
  Time end = spec.duration;
  if (sim.open_work() > 0) {
    // Arrivals have stopped; let requests in flight finish or time out. Each
    // piece of open work ends within its component's request_lifetime().
    sim.run_until_idle(spec.duration + spec.max_request_lifetime() + 1);
    DSIM_CHECK_MSG(sim.open_work() == 0,
                   "open work (client requests) outlived the longest lifetime its components declare");
    end = sim.now();
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
  for (Recorder* r : recorders) r->finish(ctx, rec);
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
    return error(RunError::Kind::kInternal, "out of memory");
  } catch (const std::exception& e) {
    // From a model, a recorder or the caller's progress callback.
    return error(RunError::Kind::kInternal, e.what());
  } catch (...) {
    return error(RunError::Kind::kInternal, "an exception that is not a std::exception");
  }
}

}  // namespace dsim
