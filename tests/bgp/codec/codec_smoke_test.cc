// Smoke test of the codec: a few encode/decode round trips and one error of each RFC 7606 action.
// The byte-exact fixtures and mutations live in the other tests of this directory.
#include <gtest/gtest.h>

#include "bgp/codec/codec.h"

namespace svcbgp::bgp {
namespace {

codec_context ctx4() {
  codec_context c;
  c.four_octet_as = true;
  c.families = {ipv4_unicast, ipv6_unicast};
  c.local_as = 65000;
  c.local_identifier = 0x0a000001;
  c.local_address = ip_address::parse("10.0.0.1");
  return c;
}

prefix pfx(std::string_view s) {
  return *prefix::parse(s);
}

decoded round_trip(const message& m, const codec_context& ctx) {
  auto bytes = encode(m, ctx);
  auto f = frame(bytes, ctx);
  EXPECT_TRUE(f.has_value());
  EXPECT_EQ(f.value_or(0), bytes.size());
  auto d = decode(bytes, ctx);
  EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().to_string());
  return d.value_or(decoded{});
}

update_message ipv4_update() {
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{{as_path_segment::kind::as_sequence, {65001, 4200000000u}}}};
  u.attrs.next_hop = ip_address::parse("10.0.0.2");
  u.attrs.med = 10;
  u.attrs.communities = {0xfde90064, 0xffffff01};
  u.attrs.large_communities = {{4200000000u, 1, 2}};
  u.nlri = {pfx("10.1.0.0/16"), pfx("10.2.3.0/24"), pfx("0.0.0.0/0"), pfx("10.9.9.9/32")};
  u.withdrawn = {pfx("192.168.0.0/20")};
  return u;
}

TEST(codec_smoke, keepalive_notification_route_refresh_round_trip) {
  auto c = ctx4();
  EXPECT_EQ(round_trip(keepalive_message{}, c).msg, message{keepalive_message{}});
  notification_message n{6, 2, {5, 'h', 'e', 'l', 'l', 'o'}};
  auto d = round_trip(n, c);
  EXPECT_EQ(d.msg, message{n});
  EXPECT_EQ(std::get<notification_message>(d.msg).shutdown_message(), "hello");
  route_refresh_message rr{ipv6_unicast, 1};
  EXPECT_EQ(round_trip(rr, c).msg, message{rr});
}

TEST(codec_smoke, open_round_trip) {
  open_message o;
  o.hold_time = 90;
  o.bgp_identifier = 0x0a000002;
  o.caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
  o.caps.route_refresh = true;
  o.caps.enhanced_route_refresh = true;
  o.caps.four_octet_as = 4200000000u;
  o.caps.graceful_restart = graceful_restart_cap{true, true, 120, {{ipv6_unicast, true}}};
  o.caps.unknown = {{73, {1, 2, 3}}};
  o.my_as = as_trans;
  auto d = round_trip(o, ctx4());
  EXPECT_EQ(d.msg, message{o});
  EXPECT_EQ(std::get<open_message>(d.msg).asn(), 4200000000u);
}

TEST(codec_smoke, ipv4_update_round_trip_and_base_size) {
  auto c = ctx4();
  auto u = ipv4_update();
  auto d = round_trip(u, c);
  EXPECT_EQ(d.msg, message{u});
  EXPECT_TRUE(d.recovered.empty());

  update_message only_nlri;
  only_nlri.attrs = u.attrs;
  only_nlri.nlri = u.nlri;
  std::size_t expected = update_base_size(u.attrs, ipv4_unicast, c);
  for (const auto& p : u.nlri) {
    expected += nlri_size(p);
  }
  EXPECT_EQ(encode(only_nlri, c).size(), expected);
}

TEST(codec_smoke, two_octet_session_uses_as4_path_and_merges_it_back) {
  auto c = ctx4();
  c.four_octet_as = false;
  auto u = ipv4_update();
  auto d = round_trip(u, c);
  const auto& got = std::get<update_message>(d.msg);
  EXPECT_EQ(got.attrs.path, u.attrs.path);  // merged (RFC 6793 §4.2.3)
  ASSERT_TRUE(got.attrs.as4_path);
  EXPECT_EQ(got.attrs.as4_path->segments.at(0).asns,
            (std::vector<std::uint32_t>{65001, 4200000000u}));
}

TEST(codec_smoke, ipv6_update_and_end_of_rib) {
  auto c = ctx4();
  update_message u;
  u.attrs.origin = origin_type::incomplete;
  u.attrs.path = as_path{};
  u.attrs.mp_next_hop = ip_address::parse("2001:db8::1");
  u.attrs.mp_next_hop_link_local = ip_address::parse("fe80::1");
  u.mp_reach_family = ipv6_unicast;
  u.mp_reach = {pfx("2001:db8:1::/48"), pfx("2001:db8:2::1/128")};
  auto d = round_trip(u, c);
  EXPECT_EQ(d.msg, message{u});

  std::size_t expected = update_base_size(u.attrs, ipv6_unicast, c);
  for (const auto& p : u.mp_reach) {
    expected += nlri_size(p);
  }
  EXPECT_EQ(encode(u, c).size(), expected);

  update_message eor;
  eor.mp_unreach_family = ipv6_unicast;
  EXPECT_EQ(encode(eor, c).size(), withdraw_base_size(ipv6_unicast));
  auto e = round_trip(eor, c);
  EXPECT_EQ(std::get<update_message>(e.msg).end_of_rib_family(), ipv6_unicast);
  EXPECT_EQ(std::get<update_message>(round_trip(update_message{}, c).msg).end_of_rib_family(),
            ipv4_unicast);
}

TEST(codec_smoke, rfc7606_actions) {
  auto c = ctx4();
  auto u = ipv4_update();
  u.withdrawn.clear();
  auto bytes = encode(u, c);
  // Attributes start at 23: ORIGIN (4 octets) then AS_PATH; make ORIGIN's value 7.
  ASSERT_EQ(bytes[23 + 1], attr_type::origin);
  bytes[23 + 3] = 7;
  auto d = decode(bytes, c);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->treat_as_withdraw);
  ASSERT_EQ(d->recovered.size(), 1u);
  EXPECT_EQ(d->recovered[0].kind, error_kind::invalid_origin_attribute);
  EXPECT_EQ(to_notification(d->recovered[0]).data,
            (std::vector<std::uint8_t>{0x40, 0x01, 0x01, 0x07}));

  // A prefix length of 33 in the NLRI resets the session with 3/10.
  bytes = encode(u, c);
  bytes[bytes.size() - 5] = 33;  // the /32 at the end
  auto r = decode(bytes, c);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(action_for(r.error()), error_action::session_reset);
  EXPECT_EQ(to_notification(r.error()).subcode, 10);
}

TEST(codec_smoke, open_errors) {
  auto c = ctx4();
  open_message o;
  o.my_as = 65001;
  o.hold_time = 2;
  o.bgp_identifier = 1;
  auto bytes = encode(o, c);
  auto d = decode(bytes, c);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(to_notification(d.error()), (notification_message{2, 6, {}}));
  bytes[19] = 3;  // version
  d = decode(bytes, c);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(to_notification(d.error()), (notification_message{2, 1, {0, 4}}));
}

}  // namespace
}  // namespace svcbgp::bgp
