// What two OPENs agree on: hold time and keepalive (RFC 4271 §4.2, §10), capabilities, families
// (RFC 4760 §8), and the Unsupported Capability refusal (RFC 5492 §3).
#include "bgp/fsm/negotiate.h"

#include <gtest/gtest.h>

#include "tests/bgp/fsm/fsm_test_util.h"

namespace svcbgp::bgp::fsm::test {
namespace {

using std::chrono::seconds;

TEST(fsm_negotiate, hold_time_is_the_smaller_and_keepalive_a_third) {
  const auto n = negotiate(base_config(), peer_open(3));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->hold_time, seconds{3});
  EXPECT_EQ(n->keepalive_time, seconds{1});

  const auto ours_smaller = negotiate(base_config(), peer_open(180));
  ASSERT_TRUE(ours_smaller);
  EXPECT_EQ(ours_smaller->hold_time, seconds{90});
  EXPECT_EQ(ours_smaller->keepalive_time, seconds{30});
}

TEST(fsm_negotiate, zero_hold_time_means_no_keepalive) {
  const auto n = negotiate(base_config(), peer_open(0));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->hold_time, seconds{0});
  EXPECT_EQ(n->keepalive_time, seconds{0});
}

TEST(fsm_negotiate, configured_keepalive_is_capped_at_a_third_of_the_hold_time) {
  config c = base_config();
  c.keepalive_time = seconds{10};
  EXPECT_EQ(negotiate(c, peer_open())->keepalive_time, seconds{10});
  c.keepalive_time = seconds{60};
  EXPECT_EQ(negotiate(c, peer_open())->keepalive_time, seconds{30});
  EXPECT_EQ(negotiate(c, peer_open(9))->keepalive_time, seconds{3});
}

TEST(fsm_negotiate, capabilities_need_both_sides) {
  config c = base_config();
  c.local_caps.extended_message = true;
  open_message o = peer_open();
  o.caps.route_refresh = false;
  o.caps.extended_message = true;
  o.caps.enhanced_route_refresh = true;
  const auto n = negotiate(c, o);
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->four_octet_as);
  EXPECT_TRUE(n->extended_message);
  EXPECT_FALSE(n->route_refresh);
  EXPECT_FALSE(n->enhanced_route_refresh);
  EXPECT_EQ(n->peer_as, 65002u);
  EXPECT_EQ(n->peer_identifier, peer_id);
  EXPECT_EQ(n->peer_open, o);

  o.caps.four_octet_as.reset();
  EXPECT_FALSE(negotiate(c, o)->four_octet_as);
}

TEST(fsm_negotiate, families_are_the_intersection) {
  open_message o = peer_open();
  o.caps.multiprotocol = {ipv6_unicast};
  EXPECT_EQ(negotiate(base_config(), o)->families, std::vector<family>{ipv6_unicast});

  o.caps.multiprotocol = {ipv6_unicast, ipv4_unicast};
  EXPECT_EQ(negotiate(base_config(), o)->families,
            (std::vector<family>{ipv4_unicast, ipv6_unicast}));
}

TEST(fsm_negotiate, no_multiprotocol_capability_means_ipv4_unicast) {
  open_message o = peer_open();
  o.caps.multiprotocol.clear();
  EXPECT_EQ(negotiate(base_config(), o)->families, std::vector<family>{ipv4_unicast});

  config c = base_config();
  c.local_caps.multiprotocol.clear();
  EXPECT_EQ(negotiate(c, peer_open())->families, std::vector<family>{ipv4_unicast});
}

TEST(fsm_negotiate, no_common_family_is_unsupported_capability) {
  config c = base_config();
  c.local_caps.multiprotocol = {ipv6_unicast};
  open_message o = peer_open();
  o.caps.multiprotocol.clear();  // IPv4 unicast only
  const auto n = negotiate(c, o);
  ASSERT_FALSE(n);
  // RFC 5492 §3: 2/7 listing our multiprotocol capability (code 1, length 4, AFI 2, SAFI 1).
  EXPECT_EQ(n.error(), (notification_message{2, 7, {0x01, 0x04, 0x00, 0x02, 0x00, 0x01}}));
}

TEST(fsm_negotiate, graceful_restart_when_both_sides_send_it) {
  EXPECT_FALSE(negotiate(base_config(), gr_peer_open())->peer_graceful_restart);
  EXPECT_FALSE(negotiate(gr_config(), peer_open())->peer_graceful_restart);
  const auto n = negotiate(gr_config(), gr_peer_open());
  ASSERT_TRUE(n->peer_graceful_restart);
  EXPECT_EQ(n->peer_graceful_restart->restart_time, 120);
}

}  // namespace
}  // namespace svcbgp::bgp::fsm::test
