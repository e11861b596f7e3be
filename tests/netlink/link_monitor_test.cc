// link_monitor against a real kernel: link and address changes made with `ip` come back as events
// within a bound. The bound is a failure limit; the test waits on the io_context, never sleeps.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>

#include "src/netlink/netlink.h"
#include "tests/netlink/netns.h"

namespace svcbgp::netlink {
namespace {

using kind = link_event::kind;
constexpr auto bound = std::chrono::seconds(5);

class link_monitor_test : public netns_test {
 protected:
  void SetUp() override {
    netns_test::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    // Created down; brought up with the monitor running, so that the kernel's delayed operstate
    // change (linkwatch) is an event we wait for, not one that arrives in the middle of a test.
    // No automatic link-local addresses: their late arrival would interleave with the tests.
    sh("ip link add v0 type veth peer name v1");
    sh("ip link set v0 addrgenmode none");
    sh("ip link set v1 addrgenmode none");
    monitor_ =
        std::make_unique<link_monitor>(io_, [this](const link_event& e) { events_.push_back(e); });
    auto started = monitor_->start();
    ASSERT_TRUE(started) << started.error();
    EXPECT_EQ(monitor_->link_up(ifindex("v0")), false);
    sh("ip link set v0 up");
    sh("ip link set v1 up");
    // Both come up, in whichever order the kernel reports them.
    int v0 = ifindex("v0");
    int v1 = ifindex("v1");
    ASSERT_TRUE(run_until([&] {
      return monitor_->link_up(v0) == true && monitor_->link_up(v1) == true;
    })) << "v0 and v1 not reported up within the bound";
    events_.clear();
  }

  void TearDown() override {
    monitor_.reset();
    netns_test::TearDown();
  }

  // Runs the io_context until `done` holds; false after the bound.
  bool run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      if (io_.stopped()) {
        io_.restart();
      }
      io_.run_one_until(deadline);
    }
    return true;
  }

  // Consumes events up to and including the first that matches; nullopt after the bound.
  std::optional<link_event> next_matching(const std::function<bool(const link_event&)>& match) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
      while (!events_.empty()) {
        link_event e = std::move(events_.front());
        events_.pop_front();
        if (match(e)) {
          return e;
        }
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return std::nullopt;
      }
      if (io_.stopped()) {
        io_.restart();
      }
      io_.run_one_until(deadline);
    }
  }

  std::optional<link_event> wait_for(kind what, const std::string& ifname) {
    return next_matching([&](const link_event& e) { return e.what == what && e.ifname == ifname; });
  }

  // The next event, whatever it is.
  std::optional<link_event> next() {
    return next_matching([](const link_event&) { return true; });
  }

  boost::asio::io_context io_;
  std::unique_ptr<link_monitor> monitor_;
  std::deque<link_event> events_;
};

TEST_F(link_monitor_test, reports_link_down_and_up) {
  sh("ip link set v0 down");
  auto down = wait_for(kind::link_down, "v0");
  ASSERT_TRUE(down) << "no link_down for v0 within the bound";
  EXPECT_EQ(down->ifindex, ifindex("v0"));
  EXPECT_EQ(monitor_->link_up(ifindex("v0")), false);

  sh("ip link set v0 up");
  auto up = wait_for(kind::link_up, "v0");
  ASSERT_TRUE(up) << "no link_up for v0 within the bound";
  EXPECT_EQ(monitor_->link_up(ifindex("v0")), true);
  EXPECT_EQ(monitor_->link_name(ifindex("v0")), "v0");
}

TEST_F(link_monitor_test, the_far_end_going_down_is_carrier_loss) {
  sh("ip link set v1 down");
  auto down = wait_for(kind::link_down, "v0");
  ASSERT_TRUE(down) << "no link_down for v0 within the bound";
  EXPECT_NE(down->detail.find("oper=lowerlayerdown"), std::string::npos) << down->detail;
  sh("ip link set v1 up");
  ASSERT_TRUE(wait_for(kind::link_up, "v0"));
}

TEST_F(link_monitor_test, reports_ipv4_addresses_added_and_removed) {
  sh("ip addr add 10.99.80.9/32 dev v0");
  auto added = wait_for(kind::address_added, "v0");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->address, ip("10.99.80.9"));
  EXPECT_EQ(added->prefix_length, 32);

  sh("ip addr del 10.99.80.9/32 dev v0");
  auto removed = wait_for(kind::address_removed, "v0");
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->address, ip("10.99.80.9"));
}

TEST_F(link_monitor_test, reports_ipv6_addresses) {
  sh("ip addr add fd99:80::1/64 dev v0 nodad");
  auto added = wait_for(kind::address_added, "v0");
  ASSERT_TRUE(added);
  EXPECT_EQ(added->address, ip("fd99:80::1"));
  EXPECT_EQ(added->ifname, "v0");
}

TEST_F(link_monitor_test, a_change_that_keeps_the_link_up_is_not_an_event) {
  sh("ip link set v0 mtu 1400");
  sh("ip addr add 10.99.80.10/32 dev v0");
  // Events are in kernel order: anything the MTU change caused would come first.
  auto e = next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->what, kind::address_added) << to_string(e->what) << " " << e->ifname;
  EXPECT_EQ(e->address, ip("10.99.80.10"));
}

TEST_F(link_monitor_test, stop_ends_the_callbacks) {
  events_.clear();
  monitor_->stop();
  sh("ip link set v0 down");
  io_.restart();
  io_.run();  // returns at once: stop() left nothing pending
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(monitor_->link_up(ifindex("v0")), true);  // the last known state stays
}

TEST_F(link_monitor_test, the_callback_may_destroy_the_monitor) {
  int calls = 0;
  monitor_ = std::make_unique<link_monitor>(io_, [this, &calls](const link_event&) {
    ++calls;
    monitor_.reset();
  });
  auto started = monitor_->start();
  ASSERT_TRUE(started) << started.error();
  sh("ip link set v1 down");  // two events at once: v1 down, then v0 loses its carrier
  ASSERT_TRUE(run_until([&] { return calls > 0; }));
  io_.restart();
  io_.run();  // returns at once: nothing is pending after the monitor is gone
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(monitor_, nullptr);
}

}  // namespace
}  // namespace svcbgp::netlink
