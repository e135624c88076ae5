// The event queue pops in (time, insertion) order, whatever the interleaving.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/event_queue.h"
#include "sim/rng.h"

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

}  // namespace
}  // namespace dsim
