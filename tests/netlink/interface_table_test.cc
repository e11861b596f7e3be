// interface_table: decoded messages in, transitions out (no kernel).
#include "src/netlink/interface_table.h"

#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_addr.h>

namespace svcbgp::netlink {
namespace {

using kind = link_event::kind;

link_msg link(int ifindex, const std::string& name, bool up, bool running = true) {
  link_msg m;
  m.ifindex = ifindex;
  m.name = name;
  m.flags = (up ? IFF_UP : 0) | (up && running ? IFF_RUNNING | IFF_LOWER_UP : 0);
  m.operstate = up && running ? IF_OPER_UP : IF_OPER_DOWN;
  return m;
}

addr_msg address(int ifindex, const char* text, std::uint8_t len, std::uint32_t flags = 0) {
  addr_msg m;
  m.ifindex = ifindex;
  m.address = *bgp::ip_address::parse(text);
  m.prefix_length = len;
  m.flags = flags;
  return m;
}

TEST(link_is_up, needs_admin_up_running_and_carrier) {
  EXPECT_TRUE(link_is_up(link(2, "eth0", true)));
  EXPECT_FALSE(link_is_up(link(2, "eth0", false)));
  EXPECT_FALSE(link_is_up(link(2, "eth0", true, false)));  // admin up, no carrier
  auto no_carrier = link(2, "eth0", true);
  no_carrier.carrier = false;
  EXPECT_FALSE(link_is_up(no_carrier));
  auto lower_down = link(2, "eth0", true);
  lower_down.operstate = IF_OPER_LOWERLAYERDOWN;
  EXPECT_FALSE(link_is_up(lower_down));
  auto unknown = link(1, "lo", true);  // drivers without operstate report UNKNOWN
  unknown.operstate = IF_OPER_UNKNOWN;
  EXPECT_TRUE(link_is_up(unknown));
}

TEST(interface_table, reports_transitions_only) {
  interface_table t;
  auto e = t.apply(link(3, "eth1", true));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].what, kind::link_up);
  EXPECT_EQ(e[0].ifname, "eth1");
  EXPECT_EQ(e[0].ifindex, 3);
  EXPECT_NE(e[0].detail.find("oper=up"), std::string::npos);

  EXPECT_TRUE(t.apply(link(3, "eth1", true)).empty());  // an MTU change, say

  e = t.apply(link(3, "eth1", true, false));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].what, kind::link_down);
  EXPECT_EQ(t.is_up(3), false);
  EXPECT_EQ(t.name_of(3), "eth1");
  EXPECT_EQ(t.is_up(99), std::nullopt);
}

TEST(interface_table, a_new_link_that_is_down_is_not_an_event) {
  interface_table t;
  EXPECT_TRUE(t.apply(link(4, "veth0", false)).empty());
  EXPECT_EQ(t.is_up(4), false);
}

TEST(interface_table, deleting_an_up_link_reports_it_down_and_its_addresses_removed) {
  interface_table t;
  t.apply(link(5, "eth2", true));
  t.apply(address(5, "10.99.80.1", 24));
  link_msg del;
  del.deleted = true;
  del.ifindex = 5;
  auto e = t.apply(del);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].what, kind::link_down);
  EXPECT_EQ(e[0].ifname, "eth2");  // the name is remembered when the message has none
  EXPECT_EQ(e[1].what, kind::address_removed);
  EXPECT_EQ(e[1].address, bgp::ip_address::parse("10.99.80.1"));
  EXPECT_EQ(t.is_up(5), std::nullopt);
}

TEST(interface_table, addresses_are_reported_once_and_named_after_their_link) {
  interface_table t;
  t.apply(link(2, "eth0", true));
  auto e = t.apply(address(2, "10.99.80.1", 24));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].what, kind::address_added);
  EXPECT_EQ(e[0].ifname, "eth0");
  EXPECT_EQ(e[0].prefix_length, 24);
  EXPECT_TRUE(t.apply(address(2, "10.99.80.1", 24)).empty());  // lifetime refresh
  auto del = address(2, "10.99.80.1", 24);
  del.deleted = true;
  e = t.apply(del);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].what, kind::address_removed);
  EXPECT_TRUE(t.apply(del).empty());
}

TEST(interface_table, ipv6_address_counts_once_duplicate_detection_is_done) {
  interface_table t;
  t.apply(link(2, "eth0", true));
  EXPECT_TRUE(t.apply(address(2, "fd99:80::1", 64, IFA_F_TENTATIVE)).empty());
  auto e = t.apply(address(2, "fd99:80::1", 64));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].what, kind::address_added);
  e = t.apply(address(2, "fd99:80::1", 64, IFA_F_DEPRECATED));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].what, kind::address_removed);
  EXPECT_EQ(e[0].detail, "deprecated");
}

TEST(interface_table, resync_reports_only_the_difference) {
  interface_table t;
  t.resync({link(2, "eth0", true), link(3, "eth1", true)},
           {address(2, "10.99.80.1", 24), address(3, "10.99.80.129", 25)});
  // Meanwhile: eth1 vanished, eth0 went down, a new address and a new up link appeared.
  auto e = t.resync({link(2, "eth0", false), link(4, "eth2", true)},
                    {address(2, "10.99.80.1", 24), address(4, "10.99.80.200", 32)});
  std::vector<std::pair<kind, std::string>> got;
  for (const auto& x : e) {
    got.emplace_back(x.what, x.ifname + (x.address ? " " + x.address->to_string() : ""));
  }
  std::vector<std::pair<kind, std::string>> want = {
      {kind::address_removed, "eth1 10.99.80.129"},
      {kind::link_down, "eth1"},
      {kind::link_down, "eth0"},
      {kind::link_up, "eth2"},
      {kind::address_added, "eth2 10.99.80.200"},
  };
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace svcbgp::netlink
