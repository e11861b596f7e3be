#include "src/admin/watch_queue.h"

#include <gtest/gtest.h>

namespace svcbgp::admin {
namespace {

using namespace std::chrono_literals;

TEST(watch_queue, delivers_in_order) {
  watch_queue<int> q(3);
  EXPECT_TRUE(q.push(1));
  EXPECT_TRUE(q.push(2));
  EXPECT_EQ(q.pop(0ms), 1);
  EXPECT_EQ(q.pop(0ms), 2);
  EXPECT_EQ(q.pop(0ms), std::nullopt);
  EXPECT_EQ(q.status(), watch_queue<int>::state::open);
}

TEST(watch_queue, overflow_empties_the_queue_and_refuses_everything_after) {
  watch_queue<int> q(2);
  bool overflowed = false;
  EXPECT_TRUE(q.push(1, &overflowed));
  EXPECT_TRUE(q.push(2, &overflowed));
  EXPECT_FALSE(overflowed);
  EXPECT_FALSE(q.push(3, &overflowed));
  EXPECT_TRUE(overflowed);
  overflowed = false;
  EXPECT_FALSE(q.push(4, &overflowed));
  EXPECT_FALSE(overflowed);  // reported once
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.peak(), 2u);
  EXPECT_EQ(q.status(), watch_queue<int>::state::overflowed);
  EXPECT_EQ(q.pop(0ms), std::nullopt);
}

TEST(watch_queue, close_ends_the_consumer) {
  watch_queue<int> q(2);
  q.close();
  EXPECT_FALSE(q.push(1));
  EXPECT_EQ(q.pop(1s), std::nullopt);
  EXPECT_EQ(q.status(), watch_queue<int>::state::closed);
}

}  // namespace
}  // namespace svcbgp::admin
