#include "src/daemon/log_budget.h"

#include <gtest/gtest.h>

namespace svcbgp::daemon {
namespace {

using namespace std::chrono_literals;

TEST(log_budget, a_flood_from_one_peer_logs_a_few_lines_per_window_and_says_how_many_it_left_out) {
  log_budget b(3, 60s);
  const auto t0 = log_budget::clock::time_point{} + 1h;
  int logged = 0;
  for (int i = 0; i < 1000; ++i) {
    logged += b.take("tor1", t0 + std::chrono::milliseconds(i)).log ? 1 : 0;
  }
  EXPECT_EQ(logged, 3);
  // Another peer has its own budget.
  EXPECT_TRUE(b.take("tor2", t0 + 2s).log);
  // The next window's first line carries the count of what was left out.
  auto v = b.take("tor1", t0 + 61s);
  EXPECT_TRUE(v.log);
  EXPECT_EQ(v.suppressed, 997u);
  v = b.take("tor1", t0 + 62s);
  EXPECT_TRUE(v.log);
  EXPECT_EQ(v.suppressed, 0u);
}

TEST(log_budget, forgetting_a_peer_gives_it_a_full_budget) {
  log_budget b(1, 60s);
  const auto t0 = log_budget::clock::time_point{} + 1h;
  EXPECT_TRUE(b.take("tor1", t0).log);
  EXPECT_FALSE(b.take("tor1", t0 + 1s).log);
  b.forget("tor1");
  auto v = b.take("tor1", t0 + 2s);
  EXPECT_TRUE(v.log);
  EXPECT_EQ(v.suppressed, 0u);
}

}  // namespace
}  // namespace svcbgp::daemon
