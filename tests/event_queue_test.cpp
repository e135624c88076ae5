// The event queue pops in (time, insertion) order, whatever the interleaving.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "dsim/sim/event_queue.h"
#include "dsim/sim/rng.h"
#include "dsim/sim/simulation.h"

namespace dsim {
namespace {

TEST(EventQueue, TiesPopInInsertionOrder) {
  EventQueue q;
  for (std::uint32_t i = 0; i < 100; ++i) q.push(Event{5, static_cast<std::uint64_t>(i) << 16, 1, i});
  for (std::uint32_t i = 0; i < 100; ++i) {
    ASSERT_FALSE(q.empty());
    EXPECT_EQ(q.top().arg, i);
    q.pop();
  }
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, MatchesAStableSortUnderRandomInterleaving) {
  Rng rng(3);
  EventQueue q;
  std::vector<Event> reference;  // everything pushed and not yet popped
  std::uint64_t seq = 0;
  Time now = 0;
  for (int step = 0; step < 200'000; ++step) {
    if (q.empty() || rng.uniform() < 0.5) {
      // Few distinct times, so ties are common.
      const Time t = now + static_cast<Time>(rng.below(20));
      const Event e{t, (seq++ << 16) | 7, 1, static_cast<std::uint32_t>(step)};
      q.push(e);
      reference.push_back(e);
    } else {
      auto it = std::min_element(reference.begin(), reference.end(), [](const Event& a, const Event& b) {
        return a.time < b.time || (a.time == b.time && a.seq_kind < b.seq_kind);
      });
      ASSERT_EQ(q.top().time, it->time);
      ASSERT_EQ(q.top().arg, it->arg);
      EXPECT_EQ(q.top().kind(), 7);
      now = q.top().time;
      q.pop();
      reference.erase(it);
    }
    ASSERT_EQ(q.size(), reference.size());
  }
}

// An actor that, on each event, records it and schedules a few more: some
// through the heap, some through the in-order FIFO (mostly in order, sometimes
// not, which must fall back to the heap).
class Recorder final : public Actor {
 public:
  explicit Recorder(Simulation& sim) : sim_(sim) {}
  void on_event(std::uint16_t kind, std::uint32_t arg) override {
    seen.push_back({sim_.now(), kind, arg});
    if (next_arg_ >= 20'000) return;
    const int n = 1 + static_cast<int>(rng_.below(2));
    for (int i = 0; i < n; ++i) {
      const Time delay = static_cast<Time>(rng_.below(8));  // ties are common
      const std::uint32_t a = next_arg_++;
      if (rng_.uniform() < 0.5) {
        sim_.schedule_after(delay, actor_id(), 1, a);
      } else {
        sim_.schedule_in_order(sim_.now() + delay, actor_id(), 2, a);
      }
      scheduled.push_back({sim_.now() + delay, 0, a});
    }
  }
  struct Seen {
    Time time;
    std::uint16_t kind;
    std::uint32_t arg;
  };
  std::vector<Seen> seen;
  std::vector<Seen> scheduled;  // in scheduling order: arg is the sequence

 private:
  Simulation& sim_;
  Rng rng_{11};
  std::uint32_t next_arg_ = 1;
};

TEST(Simulation, InOrderFifoAndHeapRunInTimeThenSequenceOrder) {
  Simulation sim(1);
  Recorder r(sim);
  sim.add_actor(r);
  sim.schedule(0, r.actor_id(), 1, 0);
  r.scheduled.push_back({0, 0, 0});
  sim.run_until(1'000'000);
  ASSERT_EQ(r.seen.size(), r.scheduled.size());
  ASSERT_GT(r.seen.size(), 1000U);
  EXPECT_EQ(sim.pending_events(), 0U);
  // Expected order: by time, then by the order of scheduling (arg).
  std::vector<Recorder::Seen> expected = r.scheduled;
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.time < b.time; });
  bool used_fifo = false;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(r.seen[i].time, expected[i].time) << i;
    ASSERT_EQ(r.seen[i].arg, expected[i].arg) << i;
    used_fifo = used_fifo || r.seen[i].kind == 2;
  }
  EXPECT_TRUE(used_fifo);
}

class Log final : public Actor {
 public:
  explicit Log(Simulation& sim) : sim_(sim) {}
  void on_event(std::uint16_t, std::uint32_t arg) override { seen.emplace_back(sim_.now(), arg); }
  std::vector<std::pair<Time, std::uint32_t>> seen;

 private:
  Simulation& sim_;
};

TEST(Simulation, RunUntilStopsAtTheLimitWithFifoEventsPending) {
  Simulation sim(1);
  Log log(sim);
  sim.add_actor(log);
  sim.schedule_in_order(10, log.actor_id(), 2, 1);
  sim.schedule_in_order(30, log.actor_id(), 2, 2);
  sim.schedule(20, log.actor_id(), 1, 3);
  sim.schedule_in_order(5, log.actor_id(), 2, 4);  // out of order: goes to the heap
  sim.run_until(25);
  EXPECT_EQ(sim.now(), 25);
  const std::vector<std::pair<Time, std::uint32_t>> want{{5, 4}, {10, 1}, {20, 3}};
  EXPECT_EQ(log.seen, want);
  EXPECT_EQ(sim.pending_events(), 1U);  // the event at 30
  sim.run_until(100);
  ASSERT_EQ(log.seen.size(), 4U);
  EXPECT_EQ(log.seen.back(), (std::pair<Time, std::uint32_t>{30, 2}));
}

// An actor that reschedules itself at the same instant forever.
class Spinner final : public Actor {
 public:
  explicit Spinner(Simulation& sim) : sim_(sim) {}
  void on_event(std::uint16_t, std::uint32_t) override { sim_.schedule_after(0, actor_id(), 1, 0); }

 private:
  Simulation& sim_;
};

TEST(Simulation, AZeroDelayLoopIsReportedAsAStall) {
  Simulation sim(1);
  Spinner s(sim);
  sim.add_actor(s);
  // Check every 1000 events so that the stall shows quickly.
  sim.set_progress([](void*, Simulation&) {}, nullptr, 1000);
  sim.set_stall_limit(128'000);
  sim.schedule(5 * kSecond, s.actor_id(), 1, 0);
  try {
    sim.run_until(10 * kSecond);
    FAIL() << "expected SimulationStalled";
  } catch (const SimulationStalled& e) {
    EXPECT_NE(std::string(e.what()).find("stopped advancing at 5 s"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sim.now(), 5 * kSecond);
}

TEST(Simulation, ManyEventsAtOneInstantThatEndAreNotAStall) {
  Simulation sim(1);
  Log log(sim);
  sim.add_actor(log);
  sim.set_progress([](void*, Simulation&) {}, nullptr, 1000);
  sim.set_stall_limit(128'000);
  for (std::uint32_t i = 0; i < 100'000; ++i) sim.schedule(7, log.actor_id(), 1, i);
  sim.schedule(8, log.actor_id(), 1, 0);
  EXPECT_NO_THROW(sim.run_until(100));
  EXPECT_EQ(log.seen.size(), 100'001U);
}

}  // namespace
}  // namespace dsim
