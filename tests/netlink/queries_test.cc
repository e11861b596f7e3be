// first_ipv4_address, route_to and global_ipv6_on against a real kernel, in a namespace per test.
#include <gtest/gtest.h>

#include "src/netlink/netlink.h"
#include "tests/netlink/netns.h"

namespace svcbgp::netlink {
namespace {

using queries = netns_test;

TEST_F(queries, first_ipv4_address_finds_the_address_and_ignores_loopback) {
  veth("v0", "v1");
  sh("ip addr add 10.99.80.1/25 dev v0");
  auto a = first_ipv4_address();
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(*a, ip("10.99.80.1"));
}

TEST_F(queries, first_ipv4_address_prefers_the_interface_of_the_default_route) {
  veth("v0", "v1");
  veth("w0", "w1");
  sh("ip addr add 10.99.80.1/25 dev v0");
  sh("ip addr add 10.99.80.129/25 dev w0");
  sh("ip route add default via 10.99.80.130 dev w0");
  auto a = first_ipv4_address();
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(*a, ip("10.99.80.129"));
}

TEST_F(queries, first_ipv4_address_is_an_error_with_only_loopback) {
  auto a = first_ipv4_address();
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("no global IPv4 address"), std::string::npos) << a.error();
}

TEST_F(queries, route_to_a_directly_connected_address_names_the_interface_and_no_gateway) {
  veth("v0", "v1");
  sh("ip addr add 10.99.80.1/25 dev v0");
  auto r = route_to(ip("10.99.80.5"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->ifname, "v0");
  EXPECT_EQ(r->ifindex, ifindex("v0"));
  EXPECT_TRUE(r->directly_connected);
  EXPECT_FALSE(r->local);
  EXPECT_EQ(r->gateway, std::nullopt);
  EXPECT_EQ(r->source, ip("10.99.80.1"));
}

TEST_F(queries, route_to_an_address_behind_a_gateway_gives_the_gateway) {
  veth("v0", "v1");
  sh("ip addr add 10.99.80.1/25 dev v0");
  sh("ip route add 10.99.80.192/26 via 10.99.80.2 dev v0");
  auto r = route_to(ip("10.99.80.200"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->ifname, "v0");
  EXPECT_FALSE(r->directly_connected);
  EXPECT_EQ(r->gateway, ip("10.99.80.2"));
  EXPECT_EQ(r->source, ip("10.99.80.1"));
}

TEST_F(queries, route_to_an_ipv6_neighbour) {
  veth("v0", "v1");
  sh("ip addr add fd99:80::1/64 dev v0 nodad");
  auto r = route_to(ip("fd99:80::2"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->ifname, "v0");
  EXPECT_TRUE(r->directly_connected);
  EXPECT_EQ(r->source, ip("fd99:80::1"));
}

TEST_F(queries, route_to_an_own_address_is_local) {
  veth("v0", "v1");
  sh("ip addr add 10.99.80.1/25 dev v0");
  auto r = route_to(ip("10.99.80.1"));
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->local);
  EXPECT_FALSE(r->directly_connected);
}

TEST_F(queries, route_to_an_unreachable_address_is_an_error) {
  veth("v0", "v1");
  sh("ip addr add 10.99.80.1/25 dev v0");
  auto r = route_to(ip("203.0.113.1"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("203.0.113.1"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("unreachable"), std::string::npos) << r.error();
}

TEST_F(queries, global_ipv6_on_skips_link_local) {
  veth("v0", "v1");
  sh("ip addr add fe80::99/64 dev v0 nodad");
  sh("ip addr add fd99:80::1/64 dev v0 nodad");
  auto a = global_ipv6_on(ifindex("v0"));
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(*a, ip("fd99:80::1"));
}

TEST_F(queries, global_ipv6_on_skips_tentative_and_deprecated_and_names_the_interface) {
  // v1 stays down, so v0 has no carrier and duplicate detection never finishes: tentative.
  sh("ip link add v0 type veth peer name v1");
  sh("ip link set v0 up");
  sh("ip addr add fd99:80::5/64 dev v0");
  sh("ip addr add fd99:80::7/64 dev v0 nodad preferred_lft 0");
  auto a = global_ipv6_on(ifindex("v0"));
  ASSERT_FALSE(a) << a->to_string();
  EXPECT_NE(a.error().find("no global IPv6 address on v0"), std::string::npos) << a.error();
}

TEST_F(queries, global_ipv6_on_an_interface_without_ipv6_is_an_error) {
  veth("v0", "v1");
  sh("ip addr add 10.99.80.1/25 dev v0");
  sh("sysctl -qw net.ipv6.conf.v0.disable_ipv6=1");
  EXPECT_FALSE(global_ipv6_on(ifindex("v0")));
}

}  // namespace
}  // namespace svcbgp::netlink
