// Specs are plain data: a design built in C++, without YAML, runs exactly as
// its YAML does. Recorders register by name and observe without changing
// anything; the bus carries a model's own event types too.
#include <gtest/gtest.h>

#include <map>

#include "helpers.h"
#include "dsim/models/client.h"
#include "dsim/models/load_balancer.h"
#include "dsim/models/service.h"
#include "dsim/sim/check.h"

namespace dsim {
namespace {

const char* const kYaml = R"(name: shop
duration: 10s
warmup: 1s
network: {latency: 200us}
components:
  clients: {kind: client, rate: 800/s, target: lb, timeout: 200ms}
  lb: {kind: load_balancer, policy: least_connections, backends: app}
  app: {kind: service, replicas: 2, workers: 2, service_time: {dist: exponential, mean: 2ms}, calls: [db]}
  db: {kind: service, workers: 4, queue_capacity: 10, service_time: {dist: lognormal, median: 1ms, p99: 5ms}}
faults:
  - {at: 4s, for: 2s, crash: app-1}
)";

// The same design, written in C++.
ScenarioSpec shop_in_cpp() {
  ScenarioSpec s;
  s.name = "shop";
  s.duration = 10 * kSecond;
  s.warmup = 1 * kSecond;
  s.network.default_link.latency = Distribution::constant(200'000);

  ClientSpec::Config client;
  client.rate = 800;
  client.target = "lb";
  client.timeout = 200 * kMillisecond;
  s.components.push_back(std::make_shared<ClientSpec>(ComponentCommon{"clients", "client", 1, false, {}}, client));

  LoadBalancerSpec::Config lb;
  lb.policy = LoadBalancerSpec::Policy::kLeastConnections;
  lb.backends = {{"app", 1.0}};
  s.components.push_back(std::make_shared<LoadBalancerSpec>(ComponentCommon{"lb", "load_balancer", 1, false, {}}, lb));

  ServiceSpec::Config app;
  app.workers = 2;
  app.service_time = Distribution::exponential(2e6);
  app.calls = {"db"};
  s.components.push_back(std::make_shared<ServiceSpec>(ComponentCommon{"app", "service", 2, true, {}}, app));

  ServiceSpec::Config db;
  db.workers = 4;
  db.queue_capacity = 10;
  db.service_time = Distribution::lognormal_median_p99(1e6, 5e6);
  s.components.push_back(std::make_shared<ServiceSpec>(ComponentCommon{"db", "service", 1, false, {}}, db));

  FaultSpec crash;
  crash.kind = FaultSpec::Kind::kCrash;
  crash.kind_name = "crash";
  crash.target = "app-1";
  crash.at = 4 * kSecond;
  crash.until = 6 * kSecond;
  crash.nodes = {NodeRef{2, 1}};
  s.faults.push_back(crash);
  return s;
}

TEST(Spec, ADesignBuiltInCppRunsAsItsYamlDoes) {
  auto loaded = testing::load_or_fail(kYaml);
  ASSERT_NE(loaded, nullptr);
  const std::string from_yaml = summary_json_text(testing::run_or_fail(loaded->spec()));
  const std::string from_cpp = summary_json_text(testing::run_or_fail(shop_in_cpp()));
  EXPECT_EQ(from_cpp, from_yaml);
  EXPECT_NE(from_yaml.find("\"kind\": \"crash\""), std::string::npos);
}

TEST(Spec, AVariantSharesTheUnchangedComponents) {
  const ScenarioSpec base = shop_in_cpp();
  ScenarioSpec variant = base;  // a sweep point: one component replaced
  ServiceSpec::Config db = dynamic_cast<const ServiceSpec&>(*base.components[3]).config();
  db.workers = 1;
  variant.components[3] = std::make_shared<ServiceSpec>(base.components[3]->common(), db);
  EXPECT_EQ(variant.components[0].get(), base.components[0].get());
  const RunRecord a = testing::run_or_fail(base);
  const RunRecord b = testing::run_or_fail(variant);
  EXPECT_GT(b.requests.latency.mean(), 1.5 * a.requests.latency.mean());  // one db worker queues
  EXPECT_EQ(summary_json_text(testing::run_or_fail(base)), summary_json_text(a));  // the base is untouched
}

// A recorder of the test's own: counts resolved operations by status.
class StatusCounter final : public Recorder {
 public:
  static inline std::uint64_t last_ok = 0;
  static inline std::uint64_t last_failed = 0;
  void attach(Bus& bus, const RunContext&) override { bus.subscribe<&StatusCounter::on_resolved>(*this); }
  void finish(const RunContext&, RunRecord& out) override {
    last_ok = ok_;
    last_failed = failed_;
    out.figures.emplace_back("status_counter/ok", static_cast<double>(ok_));
    out.figures.emplace_back("status_counter/failed", static_cast<double>(failed_));
  }
  void on_resolved(const OperationResolved& e) { ++(e.status == Status::kOk ? ok_ : failed_); }

 private:
  std::uint64_t ok_ = 0;
  std::uint64_t failed_ = 0;
};

TEST(Recorders, ARecorderRegisteredByNameObservesEveryRunAndChangesNothing) {
  RecorderRegistry registry = RecorderRegistry::builtin();
  registry.add("status_counter", "counts resolved operations by status",
               [] { return std::make_unique<StatusCounter>(); });
  EXPECT_NE(registry.find("status_counter"), nullptr);
  EXPECT_EQ(registry.entries().front().name, "requests");
  const ScenarioSpec spec = shop_in_cpp();
  RunOptions o;
  o.registry = &registry;
  const RunRecord with = testing::run_or_fail(spec, o);
  const RunRecord without = testing::run_or_fail(spec);
  // Its figures appear under "recorders"; everything else is unchanged.
  auto j = summary_json(with);
  EXPECT_EQ(j["recorders"]["status_counter"]["ok"], StatusCounter::last_ok);
  EXPECT_EQ(j["recorders"]["status_counter"]["failed"], StatusCounter::last_failed);
  j.erase("recorders");
  EXPECT_EQ(j.dump(2) + "\n", summary_json_text(without));
  EXPECT_EQ(summary_json(without).count("recorders"), 0U);
  EXPECT_EQ(timeseries_csv(with), timeseries_csv(without));
  // Every request resolved once; the counter saw warm-up requests too.
  std::uint64_t sent = 0, failed = 0;
  for (const auto& w : with.windows) {
    sent += w.sent;
    failed += w.resolved() - w.succeeded;
  }
  EXPECT_EQ(StatusCounter::last_ok + StatusCounter::last_failed, sent);
  EXPECT_EQ(StatusCounter::last_failed, failed);
  EXPECT_GT(StatusCounter::last_failed, 0U);  // the crash failed some
  // A second registration of a name is a bug, reported as one.
  EXPECT_THROW(registry.add("requests", "again", [] { return std::make_unique<StatusCounter>(); }),
               InvariantViolation);
}

TEST(Recorders, WithoutTheBuiltInRecordersOnlyComponentsAreRecorded) {
  RecorderRegistry none;
  RunOptions o;
  o.registry = &none;
  const RunRecord rec = testing::run_or_fail(shop_in_cpp(), o);
  EXPECT_EQ(rec.requests.sent, 0U);
  EXPECT_TRUE(rec.windows.empty());
  EXPECT_TRUE(rec.faults.empty());
  ASSERT_EQ(rec.components.size(), 4U);
  EXPECT_GT(testing::extra(rec.components[0], "sent"), 7000);  // the client's own count
}

// Checks what the built-in models publish: every operation invoked once and
// resolved once under its (client, op_id), retries under the same id, every
// handled request naming a client replica as its origin.
class EventAudit final : public Recorder {
 public:
  void attach(Bus& bus, const RunContext& ctx) override {
    world_ = &ctx.world;
    bus.subscribe<&EventAudit::on_invoked>(*this);
    bus.subscribe<&EventAudit::on_retried>(*this);
    bus.subscribe<&EventAudit::on_resolved>(*this);
    bus.subscribe<&EventAudit::on_handled>(*this);
    bus.subscribe<&EventAudit::on_replica>(*this);
  }
  void finish(const RunContext&, RunRecord&) override {}
  void on_invoked(const OperationInvoked& e) {
    EXPECT_TRUE(open_.emplace(std::make_pair(e.client, e.op_id), e.at).second) << "op invoked twice";
    EXPECT_EQ(e.op_id, next_op_[e.client]++) << "op ids count up per client replica";
    ++invoked;
  }
  void on_retried(const OperationRetried& e) {
    auto it = open_.find({e.client, e.op_id});
    ASSERT_NE(it, open_.end()) << "a retry of an operation that is not open";
    EXPECT_EQ(it->second, e.invoked);
    EXPECT_GE(e.attempt, 2U);
    ++retried;
  }
  void on_resolved(const OperationResolved& e) {
    auto it = open_.find({e.client, e.op_id});
    ASSERT_NE(it, open_.end()) << "resolved twice, or never invoked";
    EXPECT_EQ(it->second, e.invoked);
    EXPECT_GE(e.completed, e.invoked);
    EXPECT_FALSE(e.value.has_value());  // plain requests carry no value
    open_.erase(it);
  }
  void on_handled(const RequestHandled& e) const {
    EXPECT_GE(world_->node(e.origin).component, 0);
    EXPECT_EQ(world_->node_name(e.origin).rfind("clients", 0), 0U) << world_->node_name(e.origin);
  }
  void on_replica(const ReplicaStateChanged& e) { refusing_seen = refusing_seen || (!e.up && e.refusing); }
  bool all_resolved() const { return open_.empty(); }
  std::uint64_t invoked = 0, retried = 0;
  bool refusing_seen = false;

 private:
  const World* world_ = nullptr;
  std::map<std::pair<ActorId, std::uint64_t>, Time> open_;  // lookup only
  std::map<ActorId, std::uint64_t> next_op_;
};

TEST(Events, OperationsPairByClientAndOpIdAcrossRetries) {
  auto s = testing::load_or_fail(R"(duration: 20s
components:
  clients: {kind: client, replicas: 2, rate: 300/s, target: app, timeout: 100ms, retries: 2,
            retry_backoff: {base: 5ms, max: 20ms}}
  app: {kind: service, replicas: 2, workers: 2, service_time: {dist: exponential, mean: 2ms}}
faults:
  - {at: 5s, for: 5s, slow: app, factor: 30}
  - {at: 12s, for: 2s, kill: app-1}
)");
  ASSERT_NE(s, nullptr);
  EventAudit audit;
  RunOptions o;
  o.extra_recorders = {&audit};
  const RunRecord rec = testing::run_or_fail(s->spec(), o);
  EXPECT_TRUE(audit.all_resolved());
  EXPECT_GT(audit.invoked, 5000U);
  EXPECT_GT(audit.retried, 100U);  // the slowdown makes attempts time out
  EXPECT_TRUE(audit.refusing_seen);  // kill: down but refusing
  EXPECT_EQ(rec.requests.attempts - rec.requests.sent > 0, true);
}

struct Ping {
  int n;
};

TEST(Bus, AnyEventTypeHasAChannelAndSubscribersRunInOrder) {
  Bus bus;
  std::vector<int> seen;
  Channel<Ping>& ch = bus.channel<Ping>();
  EXPECT_FALSE(ch.active());
  ch.subscribe([](void* ctx, const Ping& p) { static_cast<std::vector<int>*>(ctx)->push_back(p.n); }, &seen);
  ch.subscribe([](void* ctx, const Ping& p) { static_cast<std::vector<int>*>(ctx)->push_back(-p.n); }, &seen);
  EXPECT_EQ(&bus.channel<Ping>(), &ch);  // one channel per type
  EXPECT_TRUE(ch.active());
  ch.publish(Ping{3});
  ch.publish(Ping{5});
  EXPECT_EQ(seen, (std::vector<int>{3, -3, 5, -5}));
  EXPECT_FALSE(bus.channel<OperationResolved>().active());  // other types are separate
}

struct ConstCounter {
  int* seen;
  void on(const Ping& p) const noexcept { *seen += p.n; }
};

TEST(Bus, ConstAndNoexceptHandlersSubscribe) {
  Bus bus;
  int seen = 0;
  const ConstCounter c{&seen};
  bus.subscribe<&ConstCounter::on>(c);
  bus.channel<Ping>().publish(Ping{7});
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(bus.channel<Ping>().subscriber_count(), 1U);
}

}  // namespace
}  // namespace dsim
