// decode_link / decode_address / decode_route on messages built here with libnl (no kernel).
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <memory>

#include "src/netlink/message.h"

namespace svcbgp::netlink {
namespace {

using msg_ptr = std::unique_ptr<nl_msg, void (*)(nl_msg*)>;

template <typename Header>
msg_ptr make(int type, const Header& header) {
  msg_ptr m(nlmsg_alloc_simple(type, 0), nlmsg_free);
  EXPECT_EQ(nlmsg_append(m.get(), const_cast<Header*>(&header), sizeof(header), NLMSG_ALIGNTO), 0);
  return m;
}

bgp::ip_address ip(const char* text) {
  return *bgp::ip_address::parse(text);
}

void put_address(nl_msg* m, int attr, const bgp::ip_address& a) {
  ASSERT_EQ(nla_put(m, attr, static_cast<int>(a.size()), a.bytes.data()), 0);
}

TEST(decode_link, reads_index_name_flags_operstate_and_carrier) {
  ifinfomsg ifi{};
  ifi.ifi_index = 7;
  ifi.ifi_flags = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
  auto m = make(RTM_NEWLINK, ifi);
  nla_put_string(m.get(), IFLA_IFNAME, "eth0");
  nla_put_u8(m.get(), IFLA_OPERSTATE, IF_OPER_UP);
  nla_put_u8(m.get(), IFLA_CARRIER, 1);
  auto l = decode_link(*nlmsg_hdr(m.get()));
  ASSERT_TRUE(l) << l.error();
  EXPECT_FALSE(l->deleted);
  EXPECT_EQ(l->ifindex, 7);
  EXPECT_EQ(l->name, "eth0");
  EXPECT_EQ(l->flags, static_cast<std::uint32_t>(IFF_UP | IFF_RUNNING | IFF_LOWER_UP));
  EXPECT_EQ(l->operstate, IF_OPER_UP);
  EXPECT_EQ(l->carrier, true);
}

TEST(decode_link, dellink_is_marked_deleted) {
  ifinfomsg ifi{};
  ifi.ifi_index = 3;
  auto m = make(RTM_DELLINK, ifi);
  auto l = decode_link(*nlmsg_hdr(m.get()));
  ASSERT_TRUE(l) << l.error();
  EXPECT_TRUE(l->deleted);
  EXPECT_FALSE(l->carrier.has_value());
}

TEST(decode_link, rejects_other_types_and_short_headers) {
  ifaddrmsg ifa{};
  auto wrong = make(RTM_NEWADDR, ifa);
  auto r = decode_link(*nlmsg_hdr(wrong.get()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("unexpected type"), std::string::npos);

  std::uint32_t four = 0;
  auto shrt = make(RTM_NEWLINK, four);  // 4 bytes, less than an ifinfomsg
  auto s = decode_link(*nlmsg_hdr(shrt.get()));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("too short"), std::string::npos);
}

TEST(decode_link, rejects_an_attribute_of_the_wrong_size) {
  ifinfomsg ifi{};
  ifi.ifi_index = 2;
  auto m = make(RTM_NEWLINK, ifi);
  std::uint64_t big = 0;
  nla_put(m.get(), IFLA_OPERSTATE, 0, &big);  // NLA_U8 with no payload
  auto r = decode_link(*nlmsg_hdr(m.get()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("malformed attributes"), std::string::npos);
}

TEST(decode_address, ipv4_prefers_ifa_local_over_the_peer_address) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = 24;
  ifa.ifa_index = 4;
  ifa.ifa_flags = IFA_F_PERMANENT;
  auto m = make(RTM_NEWADDR, ifa);
  put_address(m.get(), IFA_ADDRESS, ip("10.99.80.254"));
  put_address(m.get(), IFA_LOCAL, ip("10.99.80.1"));
  nla_put_string(m.get(), IFA_LABEL, "eth0");
  auto a = decode_address(*nlmsg_hdr(m.get()));
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->address, ip("10.99.80.1"));
  EXPECT_EQ(a->prefix_length, 24);
  EXPECT_EQ(a->ifindex, 4);
  EXPECT_EQ(a->label, "eth0");
  EXPECT_EQ(a->flags, static_cast<std::uint32_t>(IFA_F_PERMANENT));
}

TEST(decode_address, ipv6_takes_ifa_address_and_ifa_flags_overrides_the_header) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET6;
  ifa.ifa_prefixlen = 64;
  ifa.ifa_index = 4;
  ifa.ifa_flags = 0;
  auto m = make(RTM_DELADDR, ifa);
  put_address(m.get(), IFA_ADDRESS, ip("fd99:80::1"));
  nla_put_u32(m.get(), IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_NOPREFIXROUTE);
  auto a = decode_address(*nlmsg_hdr(m.get()));
  ASSERT_TRUE(a) << a.error();
  EXPECT_TRUE(a->deleted);
  EXPECT_EQ(a->address, ip("fd99:80::1"));
  EXPECT_EQ(a->flags, static_cast<std::uint32_t>(IFA_F_TENTATIVE | IFA_F_NOPREFIXROUTE));
}

TEST(decode_address, rejects_an_address_of_the_wrong_length) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET6;
  auto m = make(RTM_NEWADDR, ifa);
  put_address(m.get(), IFA_ADDRESS, ip("10.0.0.1"));  // 4 bytes in an IPv6 message
  auto a = decode_address(*nlmsg_hdr(m.get()));
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("4 bytes"), std::string::npos);
}

TEST(decode_address, rejects_a_message_without_an_address) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  auto m = make(RTM_NEWADDR, ifa);
  EXPECT_FALSE(decode_address(*nlmsg_hdr(m.get())));
}

TEST(decode_route, reads_oif_gateway_prefsrc_table_and_metric) {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_dst_len = 32;
  rtm.rtm_type = RTN_UNICAST;
  rtm.rtm_table = RT_TABLE_MAIN;
  auto m = make(RTM_NEWROUTE, rtm);
  put_address(m.get(), RTA_DST, ip("192.0.2.1"));
  put_address(m.get(), RTA_GATEWAY, ip("10.99.80.2"));
  put_address(m.get(), RTA_PREFSRC, ip("10.99.80.1"));
  nla_put_u32(m.get(), RTA_OIF, 5);
  nla_put_u32(m.get(), RTA_PRIORITY, 100);
  nla_put_u32(m.get(), RTA_TABLE, RT_TABLE_MAIN);
  auto r = decode_route(*nlmsg_hdr(m.get()));
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->v6);
  EXPECT_EQ(r->oif, 5);
  EXPECT_EQ(r->dst, ip("192.0.2.1"));
  EXPECT_EQ(r->gateway, ip("10.99.80.2"));
  EXPECT_EQ(r->prefsrc, ip("10.99.80.1"));
  EXPECT_EQ(r->priority, 100u);
  EXPECT_EQ(r->table, static_cast<std::uint32_t>(RT_TABLE_MAIN));
  EXPECT_EQ(r->type, RTN_UNICAST);
}

TEST(decode_route, ipv4_route_via_an_ipv6_next_hop) {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_type = RTN_UNICAST;
  auto m = make(RTM_NEWROUTE, rtm);
  auto gw = ip("fe80::1");
  std::array<std::uint8_t, sizeof(rtvia) + 16> via{};
  auto* v = reinterpret_cast<rtvia*>(via.data());
  v->rtvia_family = AF_INET6;
  std::memcpy(via.data() + sizeof(rtvia), gw.bytes.data(), 16);
  nla_put(m.get(), RTA_VIA, static_cast<int>(via.size()), via.data());
  nla_put_u32(m.get(), RTA_OIF, 2);
  auto r = decode_route(*nlmsg_hdr(m.get()));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->gateway, gw);
}

TEST(decode_route, multipath_takes_the_first_next_hop) {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_type = RTN_UNICAST;
  auto m = make(RTM_NEWROUTE, rtm);
  nlattr* mp = nla_nest_start(m.get(), RTA_MULTIPATH);
  for (auto [ifindex, gw] : {std::pair{6, "10.99.80.2"}, std::pair{7, "10.99.80.3"}}) {
    auto* nh = static_cast<rtnexthop*>(nlmsg_reserve(m.get(), sizeof(rtnexthop), NLMSG_ALIGNTO));
    ASSERT_NE(nh, nullptr);
    nh->rtnh_ifindex = ifindex;
    auto before = nlmsg_hdr(m.get())->nlmsg_len;
    put_address(m.get(), RTA_GATEWAY, ip(gw));
    nh->rtnh_len =
        static_cast<unsigned short>(sizeof(rtnexthop) + (nlmsg_hdr(m.get())->nlmsg_len - before));
  }
  nla_nest_end(m.get(), mp);
  auto r = decode_route(*nlmsg_hdr(m.get()));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->oif, 6);
  EXPECT_EQ(r->gateway, ip("10.99.80.2"));
}

TEST(decode_route, rejects_a_gateway_of_the_other_family) {
  rtmsg rtm{};
  rtm.rtm_family = AF_INET6;
  auto m = make(RTM_NEWROUTE, rtm);
  put_address(m.get(), RTA_GATEWAY, ip("10.99.80.2"));
  auto r = decode_route(*nlmsg_hdr(m.get()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("RTA_GATEWAY"), std::string::npos);
}

TEST(link_flags_to_string, names_the_flags_for_logs) {
  EXPECT_EQ(link_flags_to_string(IFF_UP | IFF_RUNNING | IFF_LOWER_UP), "UP,RUNNING,LOWER_UP");
  EXPECT_EQ(link_flags_to_string(0), "none");
  EXPECT_EQ(operstate_to_string(IF_OPER_LOWERLAYERDOWN), "lowerlayerdown");
}

}  // namespace
}  // namespace svcbgp::netlink
