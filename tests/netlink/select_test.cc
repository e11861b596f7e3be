// The rules behind first_ipv4_address, global_ipv6_on and route_to, on decoded values.
#include "src/netlink/select.h"

#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

namespace svcbgp::netlink {
namespace {

bgp::ip_address ip(const char* text) {
  return *bgp::ip_address::parse(text);
}

link_msg link(int ifindex, const std::string& name, std::uint32_t flags = IFF_UP | IFF_RUNNING) {
  link_msg m;
  m.ifindex = ifindex;
  m.name = name;
  m.flags = flags;
  return m;
}

addr_msg address(int ifindex, const char* text, std::uint8_t scope = RT_SCOPE_UNIVERSE,
                 std::uint32_t flags = 0) {
  addr_msg m;
  m.ifindex = ifindex;
  m.address = ip(text);
  m.prefix_length = m.address.v6 ? 64 : 24;
  m.scope = scope;
  m.flags = flags;
  return m;
}

route_msg default_route(int oif, std::uint32_t metric) {
  route_msg r;
  r.type = RTN_UNICAST;
  r.table = RT_TABLE_MAIN;
  r.oif = oif;
  r.priority = metric;
  r.gateway = ip("10.99.80.254");
  return r;
}

TEST(default_route_ifindex, lowest_metric_ipv4_default_in_the_main_table) {
  route_msg other_table = default_route(9, 0);
  other_table.table = 100;
  route_msg host = default_route(8, 0);
  host.dst_len = 32;
  EXPECT_EQ(
      default_route_ifindex({other_table, host, default_route(3, 200), default_route(2, 100)}), 2);
  EXPECT_EQ(default_route_ifindex({other_table, host}), std::nullopt);
}

TEST(choose_first_ipv4, skips_loopback_down_links_host_scope_and_ipv6) {
  std::vector<link_msg> links = {link(1, "lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING),
                                 link(2, "eth0", 0), link(3, "eth1")};
  std::vector<addr_msg> addresses = {address(1, "10.255.0.1"),
                                     address(2, "10.99.80.1"),
                                     address(3, "fd99:80::1"),
                                     address(3, "127.0.0.2"),
                                     address(3, "10.99.80.9", RT_SCOPE_HOST),
                                     address(3, "10.99.80.129")};
  EXPECT_EQ(choose_first_ipv4(links, addresses, std::nullopt), ip("10.99.80.129"));
}

TEST(choose_first_ipv4, admin_up_without_carrier_still_counts) {
  // A router ID must not change when a cable flaps.
  EXPECT_EQ(choose_first_ipv4({link(2, "eth0", IFF_UP)}, {address(2, "10.99.80.1")}, std::nullopt),
            ip("10.99.80.1"));
}

TEST(choose_first_ipv4, prefers_the_default_route_interface_then_ifindex_then_primary) {
  std::vector<link_msg> links = {link(2, "eth0"), link(3, "eth1")};
  std::vector<addr_msg> addresses = {address(3, "10.99.80.200", RT_SCOPE_UNIVERSE, IFA_F_SECONDARY),
                                     address(3, "10.99.80.129"), address(2, "10.99.80.1")};
  EXPECT_EQ(choose_first_ipv4(links, addresses, std::nullopt), ip("10.99.80.1"));
  EXPECT_EQ(choose_first_ipv4(links, addresses, 3), ip("10.99.80.129"));
}

TEST(choose_first_ipv4, error_says_what_to_do) {
  auto r = choose_first_ipv4({link(1, "lo", IFF_UP | IFF_LOOPBACK)}, {address(1, "127.0.0.1")},
                             std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("set router_id explicitly"), std::string::npos);
}

TEST(choose_global_ipv6, skips_link_local_tentative_deprecated_and_other_interfaces) {
  std::vector<addr_msg> addresses = {
      address(2, "fe80::1", RT_SCOPE_LINK),
      address(2, "fd99:80::5", RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE),
      address(2, "fd99:80::7", RT_SCOPE_UNIVERSE, IFA_F_DEPRECATED),
      address(3, "fd99:81::1"),
      address(2, "10.99.80.1"),
      address(2, "fd99:80::1"),
  };
  EXPECT_EQ(choose_global_ipv6(addresses, 2, "eth0"), ip("fd99:80::1"));
}

TEST(choose_global_ipv6, prefers_a_stable_address_to_a_temporary_one) {
  std::vector<addr_msg> addresses = {
      address(2, "fd99:80::aaaa", RT_SCOPE_UNIVERSE, IFA_F_TEMPORARY),
      address(2, "fd99:80::1"),
  };
  EXPECT_EQ(choose_global_ipv6(addresses, 2, "eth0"), ip("fd99:80::1"));
}

TEST(choose_global_ipv6, error_names_the_interface_and_why) {
  auto r = choose_global_ipv6({address(2, "fe80::1", RT_SCOPE_LINK)}, 2, "eth0");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(),
            "no global IPv6 address on eth0 (ifindex 2) (only link-local, tentative or deprecated "
            "ones)");
  r = choose_global_ipv6({}, 4, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "no global IPv6 address on ifindex 4");
}

TEST(choose_link_local_ipv6, only_a_usable_link_local_address_on_that_interface) {
  std::vector<addr_msg> addresses = {
      address(3, "fe80::3", RT_SCOPE_LINK),
      address(2, "fe80::5", RT_SCOPE_LINK, IFA_F_TENTATIVE),
      address(2, "fd99:80::1"),
      address(2, "fe80::1", RT_SCOPE_LINK),
  };
  EXPECT_EQ(choose_link_local_ipv6(addresses, 2), ip("fe80::1"));
  auto r = choose_link_local_ipv6({address(2, "fe80::5", RT_SCOPE_LINK, IFA_F_TENTATIVE)}, 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "no usable link-local IPv6 address on ifindex 2");
}

TEST(to_route_info, directly_connected_has_no_gateway) {
  route_msg r;
  r.type = RTN_UNICAST;
  r.oif = 2;
  r.prefsrc = ip("10.99.80.1");
  auto info = to_route_info(r, ip("10.99.80.5"), "eth0");
  ASSERT_TRUE(info) << info.error();
  EXPECT_TRUE(info->directly_connected);
  EXPECT_FALSE(info->local);
  EXPECT_EQ(info->ifindex, 2);
  EXPECT_EQ(info->ifname, "eth0");
  EXPECT_EQ(info->source, ip("10.99.80.1"));
  EXPECT_EQ(info->gateway, std::nullopt);
}

TEST(to_route_info, via_a_gateway_is_not_directly_connected) {
  route_msg r;
  r.type = RTN_UNICAST;
  r.oif = 2;
  r.gateway = ip("10.99.80.2");
  auto info = to_route_info(r, ip("192.0.2.1"), "eth0");
  ASSERT_TRUE(info) << info.error();
  EXPECT_FALSE(info->directly_connected);
  EXPECT_EQ(info->gateway, ip("10.99.80.2"));
}

TEST(to_route_info, own_address_is_local) {
  route_msg r;
  r.type = RTN_LOCAL;
  r.oif = 1;
  auto info = to_route_info(r, ip("10.99.80.1"), "lo");
  ASSERT_TRUE(info) << info.error();
  EXPECT_TRUE(info->local);
  EXPECT_FALSE(info->directly_connected);
}

TEST(to_route_info, unreachable_and_blackhole_are_errors) {
  route_msg r;
  r.type = RTN_BLACKHOLE;
  auto info = to_route_info(r, ip("192.0.2.1"), "");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error(), "no route to 192.0.2.1: blackhole route");
  r.type = RTN_UNREACHABLE;
  EXPECT_FALSE(to_route_info(r, ip("192.0.2.1"), ""));
}

}  // namespace
}  // namespace svcbgp::netlink
