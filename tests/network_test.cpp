// The network: routes by mean latency, serialisation delay, loss, and delivery
// of messages as events at the right simulated time.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dsim/sim/network.h"
#include "dsim/sim/node_state.h"
#include "dsim/sim/simulation.h"

namespace dsim {
namespace {

// An actor that records when messages arrive, and when its node goes down.
class Sink final : public Actor {
 public:
  void on_event(std::uint16_t, std::uint32_t) override {}
  void on_message(const Message& m) override { arrivals.push_back({now_fn(), m.bytes, m.flags, m.token}); }
  void on_down() override { downs.push_back(now_fn()); }
  void on_up() override { ups.push_back(now_fn()); }
  struct Arrival {
    Time at;
    std::uint32_t bytes;
    std::uint8_t flags;
    std::uint32_t token;
  };
  std::vector<Arrival> arrivals;
  std::vector<Time> downs, ups;
  std::function<Time()> now_fn;
};

struct Fixture {
  Simulation sim{1};
  Sink a, b, c, d;
  Fixture() {
    for (Sink* s : {&a, &b, &c, &d}) s->now_fn = [this] { return sim.now(); };
  }
  // a and b as nodes of one zone over the default link `link`.
  Network& one_zone(LinkParams link) {
    Network& net = sim.network();
    net.set_default_link(std::move(link));
    const ZoneId z = net.add_zone("z");
    sim.add_actor(a);
    sim.add_actor(b);
    net.add_node(a.actor_id(), "a", z);
    net.add_node(b.actor_id(), "b", z);
    net.finalize();
    return net;
  }
};

LinkParams constant_link(Time latency, double bandwidth = 0, double loss = 0) {
  return LinkParams{Distribution::constant(static_cast<double>(latency)), bandwidth, loss};
}

Message msg(const Actor& from, const Actor& to, std::uint32_t bytes) {
  Message m;
  m.src = from.actor_id();
  m.dst = to.actor_id();
  m.bytes = bytes;
  return m;
}

TEST(Network, RoutesByLeastMeanLatencyOverExplicitLinks) {
  Fixture f;
  Network& net = f.sim.network();
  net.set_default_link(constant_link(100 * kMicrosecond));
  const ZoneId za = net.add_zone("az-a");
  const ZoneId zb = net.add_zone("az-b");
  const ZoneId zc = net.add_zone("az-c");
  const ZoneId zd = net.add_zone("island");
  net.add_link(za, zb, constant_link(10 * kMillisecond));
  net.add_link(zb, zc, constant_link(10 * kMillisecond));
  net.add_link(za, zc, constant_link(50 * kMillisecond));  // direct but slower
  f.sim.add_actor(f.a);
  f.sim.add_actor(f.b);
  f.sim.add_actor(f.c);
  f.sim.add_actor(f.d);
  net.add_node(f.a.actor_id(), "a", za);
  net.add_node(f.b.actor_id(), "b", za);
  net.add_node(f.c.actor_id(), "c", zc);
  net.add_node(f.d.actor_id(), "d", zd);
  net.finalize();

  EXPECT_EQ(net.route(za, zc).links.size(), 2u);  // via az-b: 20 ms < 50 ms
  EXPECT_DOUBLE_EQ(net.route(za, zc).mean_latency, 20e6);
  EXPECT_TRUE(net.route(za, zd).links.empty());  // not linked: the default

  net.send(msg(f.a, f.c, 100));  // a -> c over two links
  net.send(msg(f.a, f.b, 100));  // same zone: default latency
  net.send(msg(f.a, f.d, 100));  // unlinked zones: default latency
  f.sim.run_until(kTimeMax);
  ASSERT_EQ(f.c.arrivals.size(), 1u);
  EXPECT_EQ(f.c.arrivals[0].at, 20 * kMillisecond);
  ASSERT_EQ(f.b.arrivals.size(), 1u);
  EXPECT_EQ(f.b.arrivals[0].at, 100 * kMicrosecond);
  ASSERT_EQ(f.d.arrivals.size(), 1u);
  EXPECT_EQ(f.d.arrivals[0].at, 100 * kMicrosecond);
}

TEST(Network, BandwidthAddsSerialisationDelayPerHop) {
  Fixture f;
  Network& net = f.sim.network();
  net.set_default_link(constant_link(0));
  const ZoneId za = net.add_zone("a");
  const ZoneId zb = net.add_zone("b");
  net.add_link(za, zb, constant_link(2 * kMillisecond, 8e6));  // 8 Mbps: 1 ms per KB
  f.sim.add_actor(f.a);
  f.sim.add_actor(f.b);
  net.add_node(f.a.actor_id(), "a", za);
  net.add_node(f.b.actor_id(), "b", zb);
  net.finalize();
  net.send(msg(f.a, f.b, 1000));
  net.send(msg(f.a, f.b, 10'000));
  f.sim.run_until(kTimeMax);
  ASSERT_EQ(f.b.arrivals.size(), 2u);
  EXPECT_EQ(f.b.arrivals[0].at, 3 * kMillisecond);
  EXPECT_EQ(f.b.arrivals[1].at, 12 * kMillisecond);
}

TEST(Network, LossDropsTheConfiguredFraction) {
  Fixture f;
  Network& net = f.one_zone(constant_link(kMicrosecond, 0, 0.1));
  const int n = 100'000;
  for (int i = 0; i < n; ++i) net.send(msg(f.a, f.b, 10));
  f.sim.run_until(kTimeMax);
  const double lost = 1.0 - static_cast<double>(f.b.arrivals.size()) / n;
  EXPECT_NEAR(lost, 0.1, 4 * std::sqrt(0.1 * 0.9 / n));
  EXPECT_EQ(net.messages_lost() + f.b.arrivals.size(), static_cast<std::uint64_t>(n));
}

TEST(Network, RandomLatencyDrawsFromTheSendersStream) {
  // Two runs with the same seed deliver at identical times.
  auto run = [] {
    Fixture f;
    Network& net = f.one_zone(LinkParams{Distribution::exponential(1e6), 0, 0});
    for (int i = 0; i < 100; ++i) net.send(msg(f.a, f.b, 10));
    f.sim.run_until(kTimeMax);
    std::vector<Time> at;
    for (const auto& x : f.b.arrivals) at.push_back(x.at);
    return at;
  };
  EXPECT_EQ(run(), run());
}

// Node services: a crashed node loses what is on its way and receives
// nothing; a refusing one answers messages that expect a reply with the
// engine's refusal; the actor hears of both.
TEST(NodeServices, CrashedNodesReceiveNothingAndRefusingOnesRefuse) {
  Fixture f;
  Network& net = f.one_zone(constant_link(kMillisecond));
  Message ask = msg(f.a, f.b, 500);
  ask.flags = kExpectsReply;
  ask.token = 42;
  net.send(ask);                                  // in flight when b crashes at 0.5 ms
  f.sim.run_until(kMillisecond / 2);
  net.set_condition(f.b.actor_id(), NodeCondition::kCrashed);
  EXPECT_EQ(f.b.downs, (std::vector<Time>{kMillisecond / 2}));
  net.send(ask);
  f.sim.run_until(3 * kMillisecond);
  EXPECT_TRUE(f.b.arrivals.empty());              // lost in flight, then dropped
  EXPECT_TRUE(f.a.arrivals.empty());              // a crashed host answers nothing
  EXPECT_EQ(net.messages_dropped(), 2U);

  net.set_condition(f.b.actor_id(), NodeCondition::kRefusing);  // still down: no on_up
  EXPECT_TRUE(f.b.ups.empty());
  const Time t0 = f.sim.now();
  net.send(ask);                                  // refused: an answer 1 ms after it arrives
  net.send(msg(f.a, f.b, 10));                    // expects nothing: silently dropped
  f.sim.run_until(10 * kMillisecond);
  EXPECT_TRUE(f.b.arrivals.empty());
  ASSERT_EQ(f.a.arrivals.size(), 1U);
  EXPECT_EQ(f.a.arrivals[0].at, t0 + 2 * kMillisecond);
  EXPECT_EQ(f.a.arrivals[0].flags, kRefused);
  EXPECT_EQ(f.a.arrivals[0].token, 42U);
  EXPECT_EQ(f.a.arrivals[0].bytes, Network::kRefusalBytes);

  net.set_condition(f.b.actor_id(), NodeCondition::kUp);
  const Time t1 = f.sim.now();
  EXPECT_EQ(f.b.ups, (std::vector<Time>{t1}));
  net.send(ask);
  f.sim.run_until(20 * kMillisecond);
  ASSERT_EQ(f.b.arrivals.size(), 1U);
  EXPECT_EQ(f.b.arrivals[0].at, t1 + kMillisecond);
}

// What a crash loses and keeps: Volatile values reset before on_down runs,
// Durable ones stay until the disk is lost too.
TEST(NodeServices, ACrashResetsVolatileStateAndKeepsDurableState) {
  struct Store final : Actor {
    Durable<std::uint64_t> term{*this, 0};
    Durable<std::vector<int>> log{*this, {}};
    Volatile<std::uint64_t> commit{*this, 0};
    Volatile<bool> leader{*this, false};
    std::uint64_t commit_seen_in_on_down = 99;
    void on_event(std::uint16_t, std::uint32_t) override {}
    void on_message(const Message&) override {}
    void on_down() override { commit_seen_in_on_down = *commit; }
  };
  Simulation sim(1);
  Store s;
  sim.add_actor(s);
  Network& net = sim.network();
  net.add_node(s.actor_id(), "s", net.add_zone("z"));
  net.finalize();
  *s.term = 7;
  s.log->push_back(1);
  s.log->push_back(2);
  *s.commit = 2;
  s.leader = true;
  net.set_condition(s.actor_id(), NodeCondition::kCrashed);
  EXPECT_EQ(*s.term, 7U);
  EXPECT_EQ(*s.log, (std::vector<int>{1, 2}));
  EXPECT_EQ(*s.commit, 0U);
  EXPECT_FALSE(*s.leader);
  EXPECT_EQ(s.commit_seen_in_on_down, 2U);  // on_down sees what is being lost
  net.set_condition(s.actor_id(), NodeCondition::kUp);
  EXPECT_EQ(*s.term, 7U);
  net.set_condition(s.actor_id(), NodeCondition::kCrashed);
  net.lose_disk(s.actor_id());  // the disk is gone too
  EXPECT_EQ(*s.term, 0U);
  EXPECT_TRUE(s.log->empty());
  {  // a value in something the actor owns unregisters when it goes away
    auto peer = std::make_unique<Volatile<int>>(s, 5);
    peer.reset();
    net.set_condition(s.actor_id(), NodeCondition::kUp);
    net.set_condition(s.actor_id(), NodeCondition::kCrashed);  // must not touch the freed value
  }
}

// Pooled payloads (sim/payload.h) through everything that can happen to a
// message: delivered and read, taken and forwarded, lost on the link, cut by
// a partition, sent to a crashed node, refused by a killed one. When the
// network is quiet no payload is left behind.
TEST(Payloads, NoneLeakThroughLossPartitionsCrashesAndRefusals) {
  using Batch = std::vector<std::uint64_t>;  // "a log batch": too large to inline
  struct Node final : Actor {
    Simulation* sim = nullptr;
    ActorId forward_to = 0;
    std::uint64_t read = 0, forwarded = 0, refused = 0, bad = 0;
    void on_event(std::uint16_t, std::uint32_t) override {}
    void on_message(const Message& m) override {
      Network& net = sim->network();
      if (m.has(kRefused)) {
        ++refused;
        return;
      }
      const Batch& b = net.payloads().pool<Batch>().get(m.words[1]);
      if (b.size() != 1000 || b[999] != m.token) ++bad;
      if (forward_to != 0 && m.token % 2 == 1) {
        Message fwd = m;
        fwd.src = actor_id();
        fwd.dst = forward_to;
        fwd.token = m.token;
        fwd.words[1] = net.take_payload(m);  // the same payload goes on
        net.send(fwd);
        ++forwarded;
      } else {
        ++read;  // released when this returns
      }
    }
  };
  // A partition: nothing between a and c.
  struct Cut final : DeliveryFilter {
    ActorId a = 0, c = 0;
    bool allow(const Message& m) override { return !((m.src == a && m.dst == c) || (m.src == c && m.dst == a)); }
  };
  Simulation sim(3);
  Node a, b, c, crashed, killed;
  Network& net = sim.network();
  net.set_default_link(LinkParams{Distribution::exponential(1e6), 8e9, 0.2});  // 20% loss
  const ZoneId z = net.add_zone("z");
  int i = 0;
  for (Node* n : {&a, &b, &c, &crashed, &killed}) {
    n->sim = &sim;
    sim.add_actor(*n);
    net.add_node(n->actor_id(), "n" + std::to_string(i++), z);
  }
  net.finalize();
  b.forward_to = a.actor_id();  // b passes odd batches back to a
  Cut cut;
  cut.a = a.actor_id();
  cut.c = c.actor_id();
  net.set_delivery_filter(&cut);
  net.set_condition(crashed.actor_id(), NodeCondition::kCrashed);
  net.set_condition(killed.actor_id(), NodeCondition::kRefusing);

  auto send_batch = [&](ActorId to, std::uint32_t token, bool expects_reply) {
    Message m;
    m.src = a.actor_id();
    m.dst = to;
    m.bytes = 8000;
    m.token = token;
    m.flags = kPooledPayload | (expects_reply ? kExpectsReply : 0);
    Batch batch(1000, 7);
    batch[999] = token;
    m.words[1] = net.payloads().pool<Batch>().store(std::move(batch));
    net.send(m);
  };
  for (std::uint32_t t = 0; t < 200; ++t) {
    send_batch(b.actor_id(), t, false);
    send_batch(c.actor_id(), t, false);
    send_batch(crashed.actor_id(), t, false);
    send_batch(killed.actor_id(), t, true);
  }
  EXPECT_GT(net.payloads().live(), 0U);  // in flight
  sim.run_until(kTimeMax);
  EXPECT_EQ(net.payloads().live(), 0U) << "a payload slot leaked";
  EXPECT_EQ(a.bad + b.bad, 0U);
  EXPECT_GT(b.read, 50U);
  EXPECT_GT(b.forwarded, 50U);
  EXPECT_GT(a.read, 30U);  // forwarded batches that survived the second hop
  EXPECT_EQ(c.read, 0U);
  EXPECT_EQ(crashed.read + killed.read, 0U);
  EXPECT_GT(a.refused, 100U);  // refusals carry no payload
  EXPECT_GT(net.messages_lost(), 100U);
  EXPECT_GT(net.messages_dropped(), 400U);
}

// A slot acquired is filled in place: a released one comes back with what
// its value owned (a vector's capacity), under a new generation (a stale
// reference differs from the new one).
TEST(Payloads, AcquireReusesAReleasedSlotInPlace) {
  using Batch = std::vector<std::uint64_t>;
  PayloadPool<Batch> pool(7);
  const std::uint64_t a = pool.acquire();
  EXPECT_TRUE(pool.get(a).empty());  // a new slot: a default value
  pool.get(a).assign(1000, 42);
  const auto* data = pool.get(a).data();
  pool.release(a);
  EXPECT_EQ(pool.live(), 0u);
  const std::uint64_t b = pool.acquire();
  EXPECT_NE(a, b);  // the same slot, a new generation
  Batch& v = pool.get(b);
  EXPECT_EQ(v.size(), 1000u);  // as it was: the caller fills every field
  v.clear();
  v.push_back(1);
  EXPECT_EQ(v.data(), data);  // the capacity reused, nothing allocated
  EXPECT_GE(v.capacity(), 1000u);
  EXPECT_EQ(pool.live(), 1u);
}

// Payloads on the wire when a crash or a cut begins are lost with their
// messages, and released: nothing is left when the network is quiet.
TEST(Payloads, InFlightWhenACrashOrACutBeginsAreReleased) {
  using Batch = std::vector<std::uint64_t>;
  struct Node final : Actor {
    Simulation* sim = nullptr;
    std::uint64_t read = 0;
    void on_event(std::uint16_t, std::uint32_t) override {}
    void on_message(const Message& m) override {
      read += sim->network().payloads().pool<Batch>().get(m.words[1]).size() == 100 ? 1 : 0;
    }
  };
  Simulation sim(5);
  Node a, b, c;
  Network& net = sim.network();
  net.set_default_link(LinkParams{Distribution::exponential(1e6), 0, 0});
  const ZoneId z = net.add_zone("z");
  int i = 0;
  for (Node* n : {&a, &b, &c}) {
    n->sim = &sim;
    sim.add_actor(*n);
    net.add_node(n->actor_id(), "m" + std::to_string(i++), z);
  }
  net.finalize();
  for (int k = 0; k < 200; ++k)
    for (const Node* to : {&b, &c}) {
      Message m;
      m.src = a.actor_id();
      m.dst = to->actor_id();
      m.flags = kPooledPayload;
      m.words[1] = net.payloads().pool<Batch>().store(Batch(100, 1));
      net.send(m);
    }
  sim.schedule(kMillisecond / 2, a.actor_id(), 1, 0);
  sim.run_until(kMillisecond / 2);  // some have arrived, most are on the wire
  net.set_condition(b.actor_id(), NodeCondition::kCrashed);
  net.drop_in_flight([&](const Message& m) { return m.dst == c.actor_id(); });  // as a partition's start does
  sim.run_until(kTimeMax);
  EXPECT_EQ(net.payloads().live(), 0U) << "a payload slot leaked";
  EXPECT_GT(b.read + c.read, 0U);
  EXPECT_LT(b.read + c.read, 300U);
  EXPECT_EQ(net.messages_dropped(), 400U - b.read - c.read);
}

TEST(NodeServices, ClocksRunOffByOffsetAndDriftEitherWay) {
  Fixture f;
  Network& net = f.one_zone(constant_link(kMillisecond));
  f.sim.schedule(kSecond, f.a.actor_id(), 1, 0);  // events move the clock
  f.sim.schedule(11 * kSecond, f.a.actor_id(), 1, 0);
  f.sim.run_until(kSecond);
  EXPECT_EQ(net.clock(f.a.actor_id()), kSecond);
  net.set_clock(f.a.actor_id(), -20 * kMillisecond, -100e-6);  // 20 ms behind, losing 100 ppm
  net.set_clock(f.b.actor_id(), 5 * kMillisecond, 200e-6);
  f.sim.run_until(11 * kSecond);
  EXPECT_EQ(net.clock(f.a.actor_id()), 11 * kSecond - 20 * kMillisecond - kMillisecond);
  EXPECT_EQ(net.clock(f.b.actor_id()), 11 * kSecond + 5 * kMillisecond + 2 * kMillisecond);
  net.reset_clock(f.a.actor_id());
  EXPECT_EQ(net.clock(f.a.actor_id()), 11 * kSecond);
}

}  // namespace
}  // namespace dsim
