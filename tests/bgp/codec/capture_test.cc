// Real captures: what BIRD 2.0.12 and FRR 8.4.4 (Debian 12 packages) sent each other over an eBGP
// session (BIRD AS 65001 at 10.99.250.1, FRR AS 65002 at 10.99.250.2, both with graceful restart,
// IPv4 and IPv6), captured with tcpdump in network namespaces and pasted unchanged. Decoded here
// as if we were the receiving side.
#include <gtest/gtest.h>

#include "tests/bgp/codec/error_expect.h"
#include "tests/bgp/codec/test_util.h"

namespace svcbgp::bgp::test {
namespace {

using seg = as_path_segment;

codec_context ctx_facing(std::uint32_t peer_as, ip_address local) {
  codec_context c = ctx_4octet();
  c.expected_peer_as = peer_as;
  c.local_address = local;
  c.local_identifier = 0x0a63fa63;
  return c;
}

TEST(capture_bird2, open_with_all_capabilities_in_one_parameter) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0045 01"  // marker, length 69, OPEN
          "04 fde9 00f0 0a63fa01"                     // version 4, AS 65001, hold 240, id
          "28"                                        // optional parameters length 40
          "02 26"                                     // capabilities, length 38
          "01 04 0001 00 01"                          //   multiprotocol IPv4 unicast
          "01 04 0002 00 01"                          //   multiprotocol IPv6 unicast
          "02 00"                                     //   route refresh
          "06 00"                                     //   extended message
          "40 0a 0078 0001 01 00 0002 01 00"          //   graceful restart 120 s, no flags
          "41 04 0000fde9"                            //   4-octet AS 65001
          "46 00"                                     //   enhanced route refresh
          "47 00");                                   //   long-lived GR (71), not known to us
  open_message o;
  o.my_as = 65001;
  o.hold_time = 240;
  o.bgp_identifier = 0x0a63fa01;
  o.caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
  o.caps.route_refresh = true;
  o.caps.extended_message = true;
  graceful_restart_cap gr;
  gr.restart_time = 120;
  gr.families = {{ipv4_unicast, false}, {ipv6_unicast, false}};
  o.caps.graceful_restart = gr;
  o.caps.four_octet_as = 65001;
  o.caps.enhanced_route_refresh = true;
  o.caps.unknown = {unknown_capability{71, {}}};
  expect_decodes_to(b, o, ctx_facing(65001, ip4(10, 99, 250, 2)));
  // Our encoder writes BIRD's layout (one parameter, code order) byte for byte.
  EXPECT_EQ(to_hex(encode(o, ctx_4octet())), to_hex(b));
}

TEST(capture_frr8, open_with_one_parameter_per_capability) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 007e 01"           // marker, length 126, OPEN
          "04 fdea 00b4 0a63fa02"                              // version 4, AS 65002, hold 180, id
          "61"                                                 // optional parameters length 97
          "02 06 01 04 0001 00 01"                             // multiprotocol IPv4 unicast
          "02 06 01 04 0002 00 01"                             // multiprotocol IPv6 unicast
          "02 02 80 00"                                        // old Cisco route refresh (128)
          "02 02 02 00"                                        // route refresh
          "02 02 46 00"                                        // enhanced route refresh
          "02 06 41 04 0000fdea"                               // 4-octet AS 65002
          "02 02 06 00"                                        // extended message
          "02 0a 45 08 0001 01 01 0002 01 01"                  // ADD-PATH (69): receive v4, v6
          "02 0b 49 09 07 63746361702d62 00"                   // FQDN (73): "ctcap-b", no domain
          "02 0c 40 0a c078 0001 01 00 0002 01 00"             // graceful restart R N, 120 s
          "02 10 47 0e 0001 01 80 000000 0002 01 80 000000");  // long-lived GR (71)
  open_message o;
  o.my_as = 65002;
  o.hold_time = 180;
  o.bgp_identifier = 0x0a63fa02;
  o.caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
  o.caps.route_refresh = true;
  o.caps.enhanced_route_refresh = true;
  o.caps.four_octet_as = 65002;
  o.caps.extended_message = true;
  graceful_restart_cap gr;
  gr.restart_state = true;
  gr.notification = true;
  gr.restart_time = 120;
  gr.families = {{ipv4_unicast, false}, {ipv6_unicast, false}};
  o.caps.graceful_restart = gr;
  o.caps.unknown = {
      unknown_capability{128, {}},
      unknown_capability{69, hex("0001 01 01 0002 01 01")},
      unknown_capability{73, hex("07 63746361702d62 00")},
      unknown_capability{71, hex("0001 01 80 000000 0002 01 80 000000")},
  };
  expect_decodes_to(b, o, ctx_facing(65002, ip4(10, 99, 250, 1)));
}

TEST(capture_frr8, ipv4_update_with_extended_length_as_path_and_med) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0037 02"  // marker, length 55, UPDATE
          "0000"                                      // no withdrawn routes
          "001c"                                      // path attributes length 28
          "40 01 01 00"                               // ORIGIN IGP
          "50 02 0006 02 01 0000fdea"                 // AS_PATH, extended length: 65002
          "40 03 04 0a63fa02"                         // NEXT_HOP 10.99.250.2
          "80 04 04 00000000"                         // MED 0
          "18 0afa03");                               // NLRI 10.250.3.0/24
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65002}}}};
  u.attrs.next_hop = ip4(10, 99, 250, 2);
  u.attrs.med = 0;
  u.nlri = {pfx4(10, 250, 3, 0, 24)};
  expect_decodes_to(b, u, ctx_facing(65002, ip4(10, 99, 250, 1)));
}

TEST(capture_frr8, end_of_rib_ipv4_and_ipv6) {
  auto v4 = hex("ffffffffffffffffffffffffffffffff 0017 02 0000 0000");
  auto v6 =
      hex("ffffffffffffffffffffffffffffffff 001d 02"  // marker, length 29, UPDATE
          "0000 0006"                                 // no withdrawn, attributes length 6
          "80 0f 03 0002 01");                        // MP_UNREACH, 1-octet length, IPv6
  auto ctx = ctx_facing(65002, ip4(10, 99, 250, 1));
  expect_decodes_to(v4, update_message{}, ctx);
  update_message u;
  u.mp_unreach_family = ipv6_unicast;
  expect_decodes_to(v6, u, ctx);
  EXPECT_EQ(u.end_of_rib_family(), ipv6_unicast);
}

TEST(capture_frr8, notification_invalid_network_field) {
  // FRR's answer to BIRD's IPv6 UPDATE below (see shared/spec/testing.md).
  auto b = hex("ffffffffffffffffffffffffffffffff 0015 03 03 0a");
  expect_decodes_to(b, notification_message{3, 10, {}}, ctx_4octet());
}

TEST(capture_bird2, ipv4_update_with_two_prefixes) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0034 02"  // marker, length 52, UPDATE
          "0000"                                      // no withdrawn routes
          "0014"                                      // path attributes length 20
          "40 01 01 00"                               // ORIGIN IGP
          "40 02 06 02 01 0000fde9"                   // AS_PATH 65001
          "40 03 04 0a63fa01"                         // NEXT_HOP 10.99.250.1
          "18 0afa01"                                 // NLRI 10.250.1.0/24
          "20 0afa0201");                             //      10.250.2.1/32
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65001}}}};
  u.attrs.next_hop = ip4(10, 99, 250, 1);
  u.nlri = {pfx4(10, 250, 1, 0, 24), pfx4(10, 250, 2, 1, 32)};
  auto ctx = ctx_facing(65001, ip4(10, 99, 250, 2));
  expect_decodes_to(b, u, ctx);
  EXPECT_EQ(to_hex(encode(u, ctx)), to_hex(b));
}

TEST(capture_bird2, ipv6_update_with_global_and_link_local_next_hop) {
  // The UPDATE FRR 8.4.4 reset the session on (3/10); it is valid (RFC 2545 §3, RFC 4760 §3).
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0056 02"  // marker, length 86, UPDATE
          "0000"                                      // no withdrawn routes
          "003f"                                      // path attributes length 63
          "90 0e 002e"                                // MP_REACH_NLRI, extended length 46
          "0002 01"                                   //   IPv6 unicast
          "20"                                        //   next hop length 32
          "fd990250000000000000000000000001"          //   global fd99:250::1
          "fe80000000000000283f5cfffe887f7b"          //   link-local fe80::283f:5cff:fe88:7f7b
          "00"                                        //   reserved
          "40 fd99025000000000"                       //   fd99:250::/64
          "40 01 01 00"                               // ORIGIN IGP
          "40 02 06 02 01 0000fde9");                 // AS_PATH 65001
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65001}}}};
  u.attrs.mp_next_hop = ip6("fd99:250::1");
  u.attrs.mp_next_hop_link_local = ip6("fe80::283f:5cff:fe88:7f7b");
  u.mp_reach_family = ipv6_unicast;
  u.mp_reach = {pfx6("fd99:250::", 64)};
  auto ctx = ctx_facing(65001, ip4(10, 99, 250, 2));
  expect_decodes_to(b, u, ctx);
  EXPECT_EQ(to_hex(encode(u, ctx)), to_hex(b));
}

TEST(capture_bird2, keepalive) {
  expect_decodes_to(hex("ffffffffffffffffffffffffffffffff 0013 04"), keepalive_message{},
                    ctx_4octet());
}

}  // namespace
}  // namespace svcbgp::bgp::test
