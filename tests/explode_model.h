// A model of the tests' own that breaks an invariant on purpose: `kind:
// explode` schedules one event at `at` (default 1.5s) whose handler fails a
// DSIM_CHECK, as a bug in a model would. Used to show that such a failure
// ends only its run, with the scenario, seed and simulated time
// (invariant_test.cpp, and tests/faulty_dsim.cpp through the command line).
#pragma once

#include <memory>

#include "dsim/loader/registry.h"
#include "dsim/models/component.h"
#include "dsim/sim/check.h"

namespace dsim::testing {

class ExplodeSpec final : public ComponentSpec {
 public:
  ExplodeSpec(ComponentCommon c, Time at) : ComponentSpec(std::move(c)), at_(at) {}
  bool serves_requests() const override { return false; }
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override {
    return std::make_unique<Instance>(*this, ctx);
  }

 private:
  struct Bomb final : ReplicaActor {
    explicit Bomb(Simulation& s) : sim(s) {}
    void on_event(std::uint16_t, std::uint32_t) override {
      DSIM_CHECK_MSG(sim.now() < 0, "the explode model's invariant broke, as planned");
    }
    Simulation& sim;
  };
  struct Instance final : ComponentInstance {
    Instance(const ExplodeSpec& spec, BuildContext& ctx) : ComponentInstance(spec), at(spec.at_), bomb(ctx.sim) {
      add_replica_actor(ctx, bomb, 0);
    }
    void start() override { bomb.sim.schedule(at, bomb.actor_id(), 1, 0); }
    void record(ComponentRecord&) const override {}
    Time at;
    Bomb bomb;
  };
  Time at_;
};

// The built-in models plus `explode`.
inline ModelRegistry registry_with_explode() {
  ModelRegistry r = ModelRegistry::builtin();
  r.add("explode", "fails an invariant at `at` (tests only)", [](ComponentCommon c, MapReader& fields) {
    Time at = 1500 * kMillisecond;
    if (auto a = fields.get("at")) at = a->non_negative_duration();
    return ParsedComponent{std::make_unique<ExplodeSpec>(std::move(c), at), {}};
  });
  return r;
}

}  // namespace dsim::testing
