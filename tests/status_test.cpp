// A protocol's own failure kind, added to the status table before any run
// (models/status.h), is counted by every counter and printed by every report.
// Its own test program: the table is process-wide, and it freezes when the
// first run starts.
#include <gtest/gtest.h>

#include "helpers.h"
#include "dsim/models/events.h"
#include "dsim/models/status.h"
#include "dsim/sim/check.h"

namespace dsim {
namespace {

// A protocol of the test's own with a failure kind of its own, "stale": a
// client-like model that invokes operations and resolves every third one
// as stale. Counters everywhere count the new kind without a change.
class StaleClient final : public ComponentSpec {
 public:
  static Status stale() {
    static const Status s = StatusTable::global().add("stale");
    return s;
  }
  explicit StaleClient(ComponentCommon c) : ComponentSpec(std::move(c)) {}
  bool serves_requests() const override { return false; }
  Time client_timeout() const override { return kSecond; }
  std::unique_ptr<ComponentInstance> instantiate(BuildContext& ctx) const override {
    return std::make_unique<Instance>(*this, ctx);
  }

 private:
  struct Actor final : ReplicaActor {
    explicit Actor(Simulation& s)
        : sim(s), invoked(s.bus().channel<OperationInvoked>()), resolved(s.bus().channel<OperationResolved>()) {}
    void on_event(std::uint16_t kind, std::uint32_t arg) override {
      if (kind == 1) {  // invoke op `arg`, resolve it 1 ms later
        sim.begin_work();
        OperationInvoked e;
        e.client = actor_id();
        e.op_id = arg;
        e.at = sim.now();
        invoked.publish(e);
        sim.schedule_after(kMillisecond, actor_id(), 2, arg);
        if (sim.now() + 10 * kMillisecond < 5 * kSecond) sim.schedule_after(10 * kMillisecond, actor_id(), 1, arg + 1);
      } else {
        OperationResolved e;
        e.client = actor_id();
        e.op_id = arg;
        e.invoked = sim.now() - kMillisecond;
        e.completed = sim.now();
        e.status = arg % 3 == 0 ? stale() : Status::kOk;
        resolved.publish(e);
        sim.end_work();
      }
    }
    Simulation& sim;
    const Channel<OperationInvoked>& invoked;
    const Channel<OperationResolved>& resolved;
  };
  struct Instance final : ComponentInstance {
    Instance(const StaleClient& spec, BuildContext& ctx) : ComponentInstance(spec), actor(ctx.sim) {
      add_replica_actor(ctx, actor, 0);
    }
    void start() override { actor.sim.schedule(0, actor.actor_id(), 1, 0); }
    void record(ComponentRecord&) const override {}
    Actor actor;
  };
};

TEST(Statuses, ANewProtocolsFailureKindIsCountedEverywhere) {
  const Status stale = StaleClient::stale();
  EXPECT_EQ(static_cast<int>(stale), 4);
  EXPECT_EQ(StatusTable::global().add("stale"), stale);  // once only
  ScenarioSpec spec;
  spec.name = "stale";
  spec.duration = 5 * kSecond;
  spec.components.push_back(std::make_shared<StaleClient>(ComponentCommon{"reader", "stale_client", 1, false, {}}));
  const RunRecord rec = testing::run_or_fail(spec);
  EXPECT_EQ(rec.requests.sent, 500U);
  EXPECT_EQ(rec.requests.failed[static_cast<std::size_t>(stale) - 1], 167U);  // ops 0, 3, ..., 498
  EXPECT_EQ(rec.requests.succeeded + rec.requests.failed.total(), rec.requests.sent);
  const auto j = summary_json(rec);
  std::vector<std::string> kinds;
  for (const auto& [k, v] : j["requests"]["failed"].items()) kinds.push_back(k);
  EXPECT_EQ(kinds, (std::vector<std::string>{"timeout", "rejected", "unavailable", "stale"}));
  EXPECT_EQ(j["requests"]["failed"]["stale"], 167);
  EXPECT_EQ(j["availability"], 0.666);
  const std::string csv = timeseries_csv(rec);
  EXPECT_EQ(csv.rfind("time_s,sent,succeeded,failed_timeout,failed_rejected,failed_unavailable,failed_stale,", 0), 0U);
  EXPECT_NE(summary_table(rec).find("unavailable 0, stale 167)"), std::string::npos) << summary_table(rec);
}

TEST(Statuses, TheTableFreezesWhenRunsStart) {
  StaleClient::stale();  // added before any run: fine
  ScenarioSpec spec;
  spec.components.push_back(std::make_shared<StaleClient>(ComponentCommon{"reader", "stale_client", 1, false, {}}));
  ASSERT_TRUE(run(spec).ok());
  // The run froze it: a new name now fails a check; a known one is fine.
  EXPECT_EQ(StatusTable::global().add("timeout"), Status::kTimeout);
  EXPECT_THROW(StatusTable::global().add("late"), InvariantViolation);
  EXPECT_THROW(StatusTable::global().add("ok"), InvariantViolation);
}

}  // namespace
}  // namespace dsim
