// A failed invariant ends its run with an error value — the scenario, the
// seed, the simulated time and the check — instead of aborting the process;
// the spec stays usable and other runs are unaffected.
#include <gtest/gtest.h>

#include "explode_model.h"
#include "helpers.h"
#include "dsim/models/client.h"
#include "dsim/models/service.h"

namespace dsim {
namespace {

const char* const kExplode = R"(name: boom
duration: 5s
components:
  clients: {kind: client, rate: 100/s, target: app}
  app: {kind: service, service_time: 1ms}
  bomb: {kind: explode, at: 2250ms}
)";

std::unique_ptr<Scenario> load_explode() {
  const ModelRegistry registry = testing::registry_with_explode();
  LoadOptions o;
  o.registry = &registry;
  return testing::load_or_fail(kExplode, o);
}

TEST(Invariant, AFailedCheckEndsTheRunWithScenarioSeedAndTime) {
  auto s = load_explode();
  ASSERT_NE(s, nullptr);
  RunOptions o;
  o.seed = 42;
  const RunResult r = run(s->spec(), o);
  ASSERT_FALSE(r.ok());
  const RunError& e = r.error();
  EXPECT_EQ(e.kind, RunError::Kind::kInternal);
  EXPECT_EQ(e.scenario, "boom");
  EXPECT_EQ(e.seed, 42U);
  EXPECT_EQ(e.at, 2250 * kMillisecond);
  EXPECT_NE(e.message.find("tests/explode_model.h:"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("check failed: sim.now() < 0: the explode model's invariant broke"), std::string::npos)
      << e.message;
  const std::string text = e.to_string();
  EXPECT_NE(text.find("scenario 'boom', seed 42, at 2.25 s of simulated time"), std::string::npos) << text;
  EXPECT_NE(text.find("--seed 42"), std::string::npos) << text;
}

TEST(Invariant, TheSpecRunsAgainAndSoundScenariosAreUnaffected) {
  auto s = load_explode();
  ASSERT_NE(s, nullptr);
  // The same spec fails the same way every time (a sweep records it and goes on).
  for (int i = 0; i < 3; ++i) {
    const RunResult r = run(s->spec());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().at, 2250 * kMillisecond);
    EXPECT_EQ(r.error().seed, 1U);
  }
  // A bomb set after the end never goes off: the run completes.
  const ModelRegistry registry = testing::registry_with_explode();
  LoadOptions o;
  o.registry = &registry;
  o.overrides = {"components.bomb.at=1h"};
  auto late = testing::load_or_fail(kExplode, o);
  ASSERT_NE(late, nullptr);
  const RunResult r = run(late->spec());
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r.record().requests.succeeded, 400U);
}

TEST(Invariant, ASpecWithADanglingNameFailsItsRunNotTheProcess) {
  // A spec built in C++ skips the loader's checks; a name that refers to
  // nothing is an invariant failure of the run, reported as a value.
  auto s = testing::load_or_fail("duration: 1s\ncomponents:\n  c: {kind: client, rate: 10/s, target: app}\n"
                                 "  app: {kind: service, service_time: 1ms}\n");
  ASSERT_NE(s, nullptr);
  ScenarioSpec spec = s->spec();
  ClientSpec::Config cfg = dynamic_cast<const ClientSpec&>(*spec.components[0]).config();
  cfg.target = "nowhere";
  spec.components[0] = std::make_shared<ClientSpec>(spec.components[0]->common(), cfg);
  const RunResult r = run(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RunError::Kind::kInvalidSpec);
  EXPECT_EQ(r.error().to_string().find("bug"), std::string::npos) << r.error().to_string();
  EXPECT_NE(r.error().message.find("'nowhere' names no component or replica"), std::string::npos)
      << r.error().message;
}

TEST(Invariant, BrokenSpecsBuiltInCppFailTheirRunWithTheReason) {
  auto s = testing::load_or_fail("duration: 2s\ncomponents:\n  c: {kind: client, rate: 10/s, target: a}\n"
                                 "  a: {kind: service, service_time: 1ms, calls: b}\n"
                                 "  b: {kind: service, replicas: 2, service_time: 1ms}\n");
  ASSERT_NE(s, nullptr);
  const ScenarioSpec& good = s->spec();
  ASSERT_TRUE(run(good).ok());
  auto expect_broken = [](const ScenarioSpec& spec, const std::string& reason) {
    const RunResult r = run(spec);
    ASSERT_FALSE(r.ok()) << reason;
    EXPECT_EQ(r.error().kind, RunError::Kind::kInvalidSpec);
    EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
  };
  {  // b calls a: a cycle
    ScenarioSpec spec = good;
    ServiceSpec::Config cfg = dynamic_cast<const ServiceSpec&>(*spec.components[2]).config();
    cfg.calls = {"a"};
    spec.components[2] = std::make_shared<ServiceSpec>(spec.components[2]->common(), cfg);
    expect_broken(spec, "requests go round in a cycle");
  }
  {  // a crash of a replica that does not exist
    ScenarioSpec spec = good;
    FaultSpec f;
    f.kind = FaultSpec::Kind::kCrash;
    f.kind_name = "crash";
    f.at = kSecond;
    f.nodes = {NodeRef{2, 5}};
    spec.faults.push_back(f);
    expect_broken(spec, "names a node that does not exist");
  }
  {  // a bridge needs its two halves and the bridge node
    ScenarioSpec spec = good;
    FaultSpec f;
    f.kind = FaultSpec::Kind::kBridge;
    f.kind_name = "bridge";
    f.at = kSecond;
    f.groups = {{NodeRef{1, 0}}, {NodeRef{2, 0}}};
    spec.faults.push_back(f);
    expect_broken(spec, "wrong number of groups");
  }
  {  // random failures of a client
    ScenarioSpec spec = good;
    FailureSpec f;
    f.component = 0;
    f.up = Distribution::exponential(1e9);
    f.repair = Distribution::exponential(1e8);
    f.mtbf_ns = 1e9;
    f.mttr_ns = 1e8;
    spec.failures.push_back(f);
    expect_broken(spec, "which is not a server");
  }
}

// Stands in for the engine's stall detection (sim/simulation.cpp, tested in
// event_queue_test.cpp), which needs over a hundred million events at one
// instant: throws what the loop throws when time stops advancing.
class StallSpec final : public ComponentSpec {
 public:
  explicit StallSpec(ComponentCommon c) : ComponentSpec(std::move(c)) {}
  bool serves_requests() const override { return false; }
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override {
    return std::make_unique<Instance>(*this, ctx);
  }

 private:
  struct Actor final : ReplicaActor {
    void on_event(std::uint16_t, std::uint32_t) override { throw SimulationStalled("simulated time stopped advancing"); }
  };
  struct Instance final : ComponentInstance {
    Instance(const StallSpec& spec, BuildContext& ctx) : ComponentInstance(spec), sim(ctx.sim) {
      add_replica_actor(ctx, actor, 0);
    }
    void start() override { sim.schedule(500 * kMillisecond, actor.actor_id(), 1, 0); }
    void record(ComponentRecord&) const override {}
    Simulation& sim;
    Actor actor;
  };
};

TEST(Invariant, AStallIsBadInputWithTheTimeItHappened) {
  ModelRegistry registry = ModelRegistry::builtin();
  registry.add("stall", "stalls at 0.5 s", [](ComponentCommon c, MapReader&) {
    return ParsedComponent{std::make_unique<StallSpec>(std::move(c)), {}};
  });
  LoadOptions o;
  o.registry = &registry;
  auto s = testing::load_or_fail(
      "duration: 1s\ncomponents:\n  c: {kind: client, rate: 10/s, target: app}\n"
      "  app: {kind: service, service_time: 1ms}\n  s: {kind: stall}\n",
      o);
  ASSERT_NE(s, nullptr);
  const RunResult r = run(s->spec());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, RunError::Kind::kStalled);
  EXPECT_EQ(r.error().at, 500 * kMillisecond);
  EXPECT_EQ(r.error().message, "simulated time stopped advancing");
}

}  // namespace
}  // namespace dsim
