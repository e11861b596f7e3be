// Adj-RIB-In: applying decoded UPDATEs, RFC 7606 treat-as-withdraw, RFC 4724 stale routes.
#include "bgp/rib/adj_rib_in.h"

#include <gtest/gtest.h>

#include "tests/bgp/rib/rib_test_util.h"

namespace svcbgp::bgp {
namespace {

using namespace svcbgp::bgp::testing;

decoded as_decoded(update_message u, bool treat_as_withdraw = false) {
  decoded d{message{std::move(u)}};
  d.treat_as_withdraw = treat_as_withdraw;
  return d;
}

update_message announce_v4(std::vector<prefix> nlri, std::uint32_t tag = 0) {
  update_message u;
  u.attrs = make_attrs(false, tag);
  u.nlri = std::move(nlri);
  return u;
}

update_message announce_v6(std::vector<prefix> nlri, std::uint32_t tag = 0) {
  update_message u;
  u.attrs = make_attrs(true, tag);
  u.mp_reach_family = ipv6_unicast;
  u.mp_reach = std::move(nlri);
  return u;
}

TEST(adj_rib_in, applies_announcements_and_withdrawals_of_both_families) {
  adj_rib_in rib;
  auto c = rib.apply(as_decoded(announce_v4({v4_host(1), v4_host(2), v4_host(3)})));
  EXPECT_EQ(c.announced, 3u);
  EXPECT_EQ(c.withdrawn, 0u);
  c = rib.apply(as_decoded(announce_v6({v6_host(1), v6_host(2)})));
  EXPECT_EQ(c.announced, 2u);
  EXPECT_EQ(rib.size(), 5u);
  EXPECT_EQ(rib.size(ipv4_unicast), 3u);
  EXPECT_EQ(rib.size(ipv6_unicast), 2u);
  EXPECT_EQ(*rib.routes().at(v6_host(1)).attrs, make_attrs(true));

  update_message w;
  w.withdrawn = {v4_host(1), v4_host(9)};  // 9 was never announced
  w.mp_unreach_family = ipv6_unicast;
  w.mp_unreach = {v6_host(2)};
  c = rib.apply(as_decoded(w));
  EXPECT_EQ(c.announced, 0u);
  EXPECT_EQ(c.withdrawn, 2u);
  EXPECT_EQ(rib.size(ipv4_unicast), 2u);
  EXPECT_EQ(rib.size(ipv6_unicast), 1u);
  EXPECT_FALSE(rib.routes().contains(v4_host(1)));
}

TEST(adj_rib_in, replaces_attributes_of_a_reannounced_prefix) {
  adj_rib_in rib;
  rib.apply(as_decoded(announce_v4({v4_host(1)}, 1)));
  rib.apply(as_decoded(announce_v4({v4_host(1)}, 2)));
  EXPECT_EQ(rib.size(), 1u);
  EXPECT_EQ(*rib.routes().at(v4_host(1)).attrs, make_attrs(false, 2));
}

TEST(adj_rib_in, shares_one_attribute_set_across_the_prefixes_of_an_update) {
  adj_rib_in rib;
  rib.apply(as_decoded(announce_v4({v4_host(1), v4_host(2), v4_host(3)})));
  const auto& r = rib.routes();
  EXPECT_EQ(r.at(v4_host(1)).attrs.get(), r.at(v4_host(2)).attrs.get());
  EXPECT_EQ(r.at(v4_host(1)).attrs.get(), r.at(v4_host(3)).attrs.get());
  // A later update with other attributes gets its own set.
  rib.apply(as_decoded(announce_v4({v4_host(4)}, 5)));
  EXPECT_NE(r.at(v4_host(1)).attrs.get(), r.at(v4_host(4)).attrs.get());
  EXPECT_EQ(*r.at(v4_host(1)).attrs, make_attrs(false));
}

TEST(adj_rib_in, treat_as_withdraw_removes_every_prefix_of_the_update) {
  adj_rib_in rib;
  rib.apply(as_decoded(announce_v4({v4_host(1), v4_host(2), v4_host(3)})));
  rib.apply(as_decoded(announce_v6({v6_host(1)})));
  // RFC 7606 §2: the announced NLRI of a malformed update are withdrawn, never installed.
  update_message bad = announce_v4({v4_host(1), v4_host(7)});
  bad.withdrawn = {v4_host(2)};
  auto c = rib.apply(as_decoded(bad, true));
  EXPECT_EQ(c.announced, 0u);
  EXPECT_EQ(c.withdrawn, 2u);
  EXPECT_FALSE(rib.routes().contains(v4_host(1)));
  EXPECT_FALSE(rib.routes().contains(v4_host(2)));
  EXPECT_FALSE(rib.routes().contains(v4_host(7)));
  EXPECT_TRUE(rib.routes().contains(v4_host(3)));

  auto bad6 = announce_v6({v6_host(1), v6_host(5)});
  c = rib.apply(as_decoded(bad6, true));
  EXPECT_EQ(c.withdrawn, 1u);
  EXPECT_EQ(rib.size(ipv6_unicast), 0u);
  EXPECT_EQ(rib.size(), 1u);
}

TEST(adj_rib_in, end_of_rib_changes_nothing) {
  adj_rib_in rib;
  rib.apply(as_decoded(announce_v4({v4_host(1)})));
  rib.apply(as_decoded(announce_v6({v6_host(1)})));
  rib.mark_stale();
  for (family f : {ipv4_unicast, ipv6_unicast}) {
    update_message eor;
    if (f == ipv6_unicast) {
      eor.mp_unreach_family = f;
    }
    auto c = rib.apply(as_decoded(eor));
    EXPECT_EQ(c.announced + c.withdrawn, 0u);
  }
  EXPECT_EQ(rib.size(), 2u);
  EXPECT_TRUE(rib.routes().at(v4_host(1)).stale);
}

TEST(adj_rib_in, ignores_messages_other_than_update) {
  adj_rib_in rib;
  auto c = rib.apply(decoded{message{keepalive_message{}}});
  EXPECT_EQ(c.announced + c.withdrawn, 0u);
  EXPECT_EQ(rib.size(), 0u);
}

TEST(adj_rib_in, stale_routes_are_flushed_per_family) {
  adj_rib_in rib;
  rib.apply(as_decoded(announce_v4({v4_host(1), v4_host(2)})));
  rib.apply(as_decoded(announce_v6({v6_host(1), v6_host(2)})));
  rib.mark_stale(ipv4_unicast);
  EXPECT_TRUE(rib.routes().at(v4_host(1)).stale);
  EXPECT_FALSE(rib.routes().at(v6_host(1)).stale);

  rib.mark_stale(ipv6_unicast);
  // IPv4 End-of-RIB arrived: only IPv4 stale routes go.
  EXPECT_EQ(rib.flush_stale(ipv4_unicast), 2u);
  EXPECT_EQ(rib.size(ipv4_unicast), 0u);
  EXPECT_EQ(rib.size(ipv6_unicast), 2u);
  EXPECT_EQ(rib.flush_stale(ipv6_unicast), 2u);
  EXPECT_EQ(rib.size(), 0u);
}

TEST(adj_rib_in, reannounce_clears_stale) {
  adj_rib_in rib;
  rib.apply(as_decoded(announce_v4({v4_host(1), v4_host(2)})));
  rib.apply(as_decoded(announce_v6({v6_host(1)})));
  rib.mark_stale();
  EXPECT_TRUE(rib.routes().at(v6_host(1)).stale);
  rib.apply(as_decoded(announce_v4({v4_host(1)})));
  EXPECT_FALSE(rib.routes().at(v4_host(1)).stale);
  EXPECT_TRUE(rib.routes().at(v4_host(2)).stale);
  EXPECT_EQ(rib.flush_stale(), 2u);
  EXPECT_EQ(rib.size(), 1u);
  EXPECT_TRUE(rib.routes().contains(v4_host(1)));
  EXPECT_EQ(rib.flush_stale(), 0u);
}

TEST(adj_rib_in, clear_empties_every_family) {
  adj_rib_in rib;
  rib.apply(as_decoded(announce_v4({v4_host(1)})));
  rib.apply(as_decoded(announce_v6({v6_host(1)})));
  rib.clear();
  EXPECT_EQ(rib.size(), 0u);
  EXPECT_EQ(rib.size(ipv4_unicast), 0u);
  EXPECT_EQ(rib.size(ipv6_unicast), 0u);
}

TEST(adj_rib_in, routes_beyond_max_routes_are_counted_not_stored) {
  adj_rib_in rib(rib_in_limits{.max_routes = 2});
  auto c = rib.apply(as_decoded(announce_v4({v4_host(1), v4_host(2), v4_host(3)})));
  EXPECT_EQ(c.announced, 3u);
  EXPECT_EQ(c.dropped_limit, 1u);
  EXPECT_EQ(rib.size(), 2u);
  // A stored route may change its attributes; a withdrawal makes room for a new one.
  c = rib.apply(as_decoded(announce_v4({v4_host(1)}, 7)));
  EXPECT_EQ(c.dropped_limit, 0u);
  EXPECT_EQ(*rib.routes().at(v4_host(1)).attrs, make_attrs(false, 7));
  update_message w;
  w.withdrawn = {v4_host(2)};
  rib.apply(as_decoded(w));
  c = rib.apply(as_decoded(announce_v4({v4_host(4)})));
  EXPECT_EQ(c.dropped_limit, 0u);
  EXPECT_EQ(rib.size(), 2u);
}

TEST(adj_rib_in, the_byte_limit_bounds_routes_with_huge_attributes) {
  // Issue 13: routes with ~64 KB of unknown attributes each took RSS from 20 to 106 MiB.
  adj_rib_in rib(rib_in_limits{.max_bytes = 256 * 1024});
  for (std::uint32_t i = 0; i < 100; ++i) {
    auto u = announce_v4({v4_host(i)}, i);
    u.attrs.unknown.push_back({0xc0, 99, std::vector<std::uint8_t>(60000, 1)});
    rib.apply(as_decoded(u));
  }
  EXPECT_EQ(rib.size(), 4u);  // 4 x 60 KB fit in 256 KiB, the fifth does not
  EXPECT_LE(rib.bytes(), 256u * 1024);
  // Small routes still fit beside them.
  auto c = rib.apply(as_decoded(announce_v4({v4_host(200), v4_host(201)})));
  EXPECT_EQ(c.dropped_limit, 0u);
  // Withdrawing everything gives every byte back.
  update_message w;
  for (std::uint32_t i = 0; i < 202; ++i) {
    w.withdrawn.push_back(v4_host(i));
  }
  rib.apply(as_decoded(w));
  EXPECT_EQ(rib.size(), 0u);
  EXPECT_EQ(rib.bytes(), 0u);
}

TEST(adj_rib_in, shared_attributes_cost_once) {
  adj_rib_in rib;
  std::vector<prefix> many;
  for (std::uint32_t i = 0; i < 10; ++i) {
    many.push_back(v4_host(i));
  }
  rib.apply(as_decoded(announce_v4(many)));
  EXPECT_LT(rib.bytes(), attribute_bytes(make_attrs(false)) + 10 * 100);
  EXPECT_GE(rib.bytes(), attribute_bytes(make_attrs(false)));
}

TEST(adj_rib_in, paths_through_our_own_as_are_dropped_before_counting) {
  // A ToR reflecting the other nodes' routes back: AS_PATH "65000 64512" where 64512 is ours.
  adj_rib_in rib(rib_in_limits{.max_routes = 10, .local_as = 64512});
  rib.apply(as_decoded(announce_v4({v4_host(1)})));
  auto u = announce_v4({v4_host(1), v4_host(2)});
  u.attrs.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence, {65000, 64512}}}};
  auto c = rib.apply(as_decoded(u));
  EXPECT_EQ(c.dropped_loop, 2u);
  EXPECT_EQ(c.announced, 0u);
  EXPECT_EQ(rib.size(), 0u);  // the earlier v4_host(1) was replaced by a looped path: gone
  EXPECT_EQ(rib.bytes(), 0u);
}

TEST(adj_rib_in, stale_routes_stay_inside_the_limit) {
  adj_rib_in rib(rib_in_limits{.max_routes = 2});
  rib.apply(as_decoded(announce_v4({v4_host(1), v4_host(2)})));
  rib.mark_stale();
  // The peer restarted and announces other prefixes: the stale ones still hold their places.
  auto c = rib.apply(as_decoded(announce_v4({v4_host(3)})));
  EXPECT_EQ(c.dropped_limit, 1u);
  c = rib.apply(as_decoded(announce_v4({v4_host(1)})));
  EXPECT_EQ(c.dropped_limit, 0u);
  EXPECT_FALSE(rib.routes().at(v4_host(1)).stale);
  EXPECT_EQ(rib.flush_stale(), 1u);
  EXPECT_EQ(rib.size(), 1u);
}

}  // namespace
}  // namespace svcbgp::bgp
