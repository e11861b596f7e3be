// OPEN (RFC 4271 §4.2) with each capability we use, both ways, and every malformed OPEN of
// shared/spec/bgp.md "Inputs a peer may send" with its exact NOTIFICATION (RFC 4271 §6.2).
#include <gtest/gtest.h>

#include "tests/bgp/codec/error_expect.h"
#include "tests/bgp/codec/test_util.h"

namespace svcbgp::bgp::test {
namespace {

// The OPEN fixtures are from AS 65001, BGP identifier 10.0.0.2, to us (AS 65000, 10.0.0.1).
open_message base_open() {
  open_message o;
  o.version = 4;
  o.my_as = 65001;
  o.hold_time = 90;
  o.bgp_identifier = 0x0a000002;
  return o;
}

TEST(open_fixture, without_optional_parameters) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff"  // marker
          "001d"                              // length 29
          "01"                                // type OPEN
          "04"                                // version 4
          "fde9"                              // my AS 65001
          "005a"                              // hold time 90
          "0a000002"                          // BGP identifier 10.0.0.2
          "00");                              // optional parameters length 0
  expect_fixture(b, base_open(), ctx_4octet());
}

TEST(open_fixture, multiprotocol_ipv4_and_ipv6) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff"  // marker
          "002b"                              // length 43
          "01"                                // type OPEN
          "04 fde9 005a 0a000002"             // version, AS 65001, hold 90, id 10.0.0.2
          "0e"                                // optional parameters length 14
          "02 0c"                             // parameter: capabilities, length 12
          "01 04 0001 00 01"                  //   multiprotocol: AFI 1, reserved, SAFI 1
          "01 04 0002 00 01");                //   multiprotocol: AFI 2, reserved, SAFI 1
  auto o = base_open();
  o.caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
  expect_fixture(b, o, ctx_4octet());
}

TEST(open_fixture, route_refresh) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0021 01"  // marker, length 33, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "04"                                        // optional parameters length 4
          "02 02"                                     // capabilities, length 2
          "02 00");                                   //   route refresh (RFC 2918), length 0
  auto o = base_open();
  o.caps.route_refresh = true;
  expect_fixture(b, o, ctx_4octet());
}

TEST(open_fixture, enhanced_route_refresh) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0021 01"  // marker, length 33, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "04"                                        // optional parameters length 4
          "02 02"                                     // capabilities, length 2
          "46 00");                                   //   enhanced route refresh (70), length 0
  auto o = base_open();
  o.caps.enhanced_route_refresh = true;
  expect_fixture(b, o, ctx_4octet());
}

TEST(open_fixture, extended_message) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0021 01"  // marker, length 33, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "04"                                        // optional parameters length 4
          "02 02"                                     // capabilities, length 2
          "06 00");                                   //   extended message (RFC 8654), length 0
  auto o = base_open();
  o.caps.extended_message = true;
  expect_fixture(b, o, ctx_4octet());
}

TEST(open_fixture, graceful_restart_with_restart_and_forwarding_bits) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 002b 01"  // marker, length 43, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "0e"                                        // optional parameters length 14
          "02 0c"                                     // capabilities, length 12
          "40 0a"                                     //   graceful restart (64), length 10
          "8078"                                      //     R bit set, restart time 120
          "0001 01 80"                                //     IPv4 unicast, F bit set
          "0002 01 00");                              //     IPv6 unicast, F bit clear
  auto o = base_open();
  graceful_restart_cap gr;
  gr.restart_state = true;
  gr.restart_time = 120;
  gr.families = {{ipv4_unicast, true}, {ipv6_unicast, false}};
  o.caps.graceful_restart = gr;
  expect_fixture(b, o, ctx_4octet());
}

TEST(open_fixture, graceful_restart_helper_only_without_families) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0023 01"  // marker, length 35, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "06"                                        // optional parameters length 6
          "02 04"                                     // capabilities, length 4
          "40 02"                                     //   graceful restart, length 2
          "00b4");                                    //     no flags, restart time 180
  auto o = base_open();
  graceful_restart_cap gr;
  gr.restart_time = 180;
  o.caps.graceful_restart = gr;
  expect_fixture(b, o, ctx_4octet());
}

TEST(open_fixture, four_octet_as_above_65535_with_as_trans) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0025 01"  // marker, length 37, OPEN
          "04"                                        // version
          "5ba0"                                      // my AS = AS_TRANS 23456 (RFC 6793 §4.1)
          "005a 0a000002"                             // hold 90, id 10.0.0.2
          "08"                                        // optional parameters length 8
          "02 06"                                     // capabilities, length 6
          "41 04 fa56ea01");                          //   4-octet AS (65): 4200000001
  auto o = base_open();
  o.my_as = as_trans;
  o.caps.four_octet_as = 4200000001u;
  auto ctx = ctx_4octet();
  ctx.expected_peer_as = 4200000001u;
  expect_fixture(b, o, ctx);
  EXPECT_EQ(o.asn(), 4200000001u);
}

TEST(open_fixture, four_octet_as_below_65536) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0025 01"  // marker, length 37, OPEN
          "04 fde9 005a 0a000002"                     // version, AS 65001, hold, id
          "08"                                        // optional parameters length 8
          "02 06"                                     // capabilities, length 6
          "41 04 0000fde9");                          //   4-octet AS: 65001
  auto o = base_open();
  o.caps.four_octet_as = 65001;
  expect_fixture(b, o, ctx_4octet());
}

// Every capability at once. encode.cc writes them all in one Capabilities parameter, in code
// order (as BIRD does); FRR and GoBGP send one parameter per capability, which we must accept.
open_message all_caps_open() {
  auto o = base_open();
  o.caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
  o.caps.route_refresh = true;
  o.caps.enhanced_route_refresh = true;
  o.caps.extended_message = true;
  o.caps.four_octet_as = 65001;
  graceful_restart_cap gr;
  gr.restart_state = true;
  gr.restart_time = 120;
  gr.families = {{ipv4_unicast, true}, {ipv6_unicast, false}};
  o.caps.graceful_restart = gr;
  return o;
}

TEST(open_fixture, every_capability_in_one_parameter) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0043 01"  // marker, length 67, OPEN
          "04 fde9 005a 0a000002"                     // version, AS 65001, hold 90, id
          "26"                                        // optional parameters length 38
          "02 24"                                     // capabilities, length 36
          "01 04 0001 00 01"                          //   multiprotocol IPv4 unicast
          "01 04 0002 00 01"                          //   multiprotocol IPv6 unicast
          "02 00"                                     //   route refresh
          "06 00"                                     //   extended message
          "40 0a 8078 0001 01 80 0002 01 00"          //   graceful restart
          "41 04 0000fde9"                            //   4-octet AS 65001
          "46 00");                                   //   enhanced route refresh
  expect_fixture(b, all_caps_open(), ctx_4octet());
}

TEST(open_decode, every_capability_one_parameter_each) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 004f 01"  // marker, length 79, OPEN
          "04 fde9 005a 0a000002"                     // version, AS 65001, hold 90, id
          "32"                                        // optional parameters length 50
          "02 06  01 04 0001 00 01"                   // multiprotocol IPv4 unicast
          "02 06  01 04 0002 00 01"                   // multiprotocol IPv6 unicast
          "02 02  02 00"                              // route refresh
          "02 02  06 00"                              // extended message
          "02 0c  40 0a 8078 0001 01 80 0002 01 00"   // graceful restart R, 120 s, v4 F, v6
          "02 06  41 04 0000fde9"                     // 4-octet AS 65001
          "02 02  46 00");                            // enhanced route refresh
  expect_decodes_to(b, all_caps_open(), ctx_4octet());
}

TEST(open_decode, unknown_capability_is_kept_and_ignored) {
  // RFC 5492 §5: an unrecognized capability is ignored (we keep it for the CLI).
  auto b = open_bytes(4, 65001, 90, 0x0a000002, cap_param("49 03 01 61 00"));  // FQDN, "a"
  auto o = base_open();
  o.caps.unknown = {unknown_capability{73, {0x01, 0x61, 0x00}}};
  expect_decodes_to(b, o, ctx_4octet());
}

TEST(open_decode, rfc9072_extended_optional_parameters) {
  // RFC 9072 §2: length 255 and type 255 announce a 2-octet parameters length and 2-octet
  // parameter lengths.
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0029 01"  // marker, length 41, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "ff"                                        // Non-Ext OP Len 255
          "ff"                                        // Non-Ext OP Type 255
          "0009"                                      // Extended Opt. Parm. Length 9
          "02 0006"                                   // capabilities, 2-octet length 6
          "41 04 0000fde9");                          //   4-octet AS 65001
  auto o = base_open();
  o.caps.four_octet_as = 65001;
  expect_decodes_to(b, o, ctx_4octet());
}

TEST(open_decode, optional_parameters_of_exactly_255_octets_are_not_rfc9072) {
  // RFC 9072 §2: only Non-Ext OP Type 255 announces the extended form; a classic parameter block
  // of 255 octets starting with a Capabilities parameter is still classic.
  std::string filler(251 * 2, 'a');  // unknown capability 200 with 251 octets of 0xaa
  auto b = open_bytes(4, 65001, 90, 0x0a000002, "02 fd  c8 fb " + filler);
  ASSERT_EQ(b[28], 255);
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& o = std::get<open_message>(d->msg);
  ASSERT_EQ(o.caps.unknown.size(), 1u);
  EXPECT_EQ(o.caps.unknown[0].code, 200);
  EXPECT_EQ(o.caps.unknown[0].value.size(), 251u);
}

TEST(open_fixture, capabilities_over_255_octets_use_rfc9072_both_ways) {
  // encode.cc: the Capabilities parameter grows past 255 octets -> RFC 9072 extended form.
  auto o = base_open();
  o.caps.four_octet_as = 65001;
  for (std::uint8_t code = 200; code < 203; ++code) {
    o.caps.unknown.push_back(unknown_capability{code, bytes(100, code)});
  }
  auto ctx = ctx_4octet();
  auto b = encode(o, ctx);
  ASSERT_GT(b.size(), 29u + 255u);
  EXPECT_EQ(b[28], 255);  // Non-Ext OP Len
  EXPECT_EQ(b[29], 255);  // Non-Ext OP Type
  std::size_t ext_len = std::size_t(b[30]) << 8 | b[31];
  EXPECT_EQ(ext_len, b.size() - 32);
  expect_decodes_to(b, o, ctx);
}

// --- Malformed OPENs (RFC 4271 §6.2). Each mutates one field of a valid OPEN. ----------------

bytes valid_open_with(std::uint8_t version, std::uint16_t as, std::uint16_t hold,
                      std::uint32_t id) {
  return open_bytes(version, as, hold, id, cap_param("41 04 0000fde9"));
}

TEST(open_error, valid_base_is_accepted) {
  auto d = decode_one(valid_open_with(4, 65001, 90, 0x0a000002), ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
}

TEST(open_error, version_3_is_unsupported_version_number) {
  // RFC 4271 §6.2: subcode 1, data = the largest version we support (2 octets).
  auto e = expect_reset(valid_open_with(3, 65001, 90, 0x0a000002), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 1, "0004");
  EXPECT_EQ(e->offset, 19u);
}

TEST(open_error, my_as_0_is_bad_peer_as) {
  // RFC 7607 §2: AS 0 in an OPEN is Bad Peer AS, whatever we expected.
  auto ctx = ctx_4octet();
  ctx.expected_peer_as.reset();
  auto e = expect_reset(open_bytes(4, 0, 90, 0x0a000002, ""), ctx);
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 2, "");
  EXPECT_EQ(e->offset, 20u);
}

TEST(open_error, four_octet_as_capability_0_is_bad_peer_as) {
  // RFC 7607 §2 applies to the 4-octet AS capability as well.
  auto ctx = ctx_4octet();
  ctx.expected_peer_as.reset();
  auto e = expect_reset(open_bytes(4, 0, 90, 0x0a000002, cap_param("41 04 00000000")), ctx);
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 2, "");
}

TEST(open_error, unexpected_peer_as_is_bad_peer_as) {
  // RFC 4271 §6.2: the AS does not match the one configured for the peer.
  auto e =
      expect_reset(open_bytes(4, 65002, 90, 0x0a000002, cap_param("41 04 0000fdea")), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 2, "");
}

TEST(open_error, hold_time_1_is_unacceptable) {
  // RFC 4271 §6.2: hold time 1 or 2 must be rejected, subcode 6.
  auto e = expect_reset(valid_open_with(4, 65001, 1, 0x0a000002), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 6, "");
  EXPECT_EQ(e->offset, 22u);
}

TEST(open_error, hold_time_2_is_unacceptable) {
  auto e = expect_reset(valid_open_with(4, 65001, 2, 0x0a000002), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 6, "");
  EXPECT_EQ(e->offset, 22u);
}

TEST(open_error, hold_time_0_and_3_are_accepted) {
  // RFC 4271 §4.2: zero (no keepalives) or at least three seconds.
  EXPECT_TRUE(decode_one(valid_open_with(4, 65001, 0, 0x0a000002), ctx_4octet()).has_value());
  EXPECT_TRUE(decode_one(valid_open_with(4, 65001, 3, 0x0a000002), ctx_4octet()).has_value());
}

TEST(open_error, bgp_identifier_0_is_bad_bgp_identifier) {
  // RFC 6286 §2.2 (updating RFC 4271 §6.2): zero is never a valid identifier, subcode 3.
  auto e = expect_reset(valid_open_with(4, 65001, 90, 0), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 3, "");
  EXPECT_EQ(e->offset, 24u);
}

TEST(open_error, bgp_identifier_equal_to_ours_on_ibgp_is_bad_bgp_identifier) {
  // RFC 6286 §2.2: the same identifier as ours from an internal peer is Bad BGP Identifier.
  auto ctx = ctx_4octet();
  ctx.expected_peer_as = ctx.local_as;
  auto e = expect_reset(open_bytes(4, 65000, 90, ctx.local_identifier, cap_param("41 04 0000fde8")),
                        ctx);
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 3, "");
  EXPECT_EQ(e->offset, 24u);
}

TEST(open_error, bgp_identifier_equal_to_ours_on_ebgp_is_accepted) {
  // RFC 6286 §2.2: identifiers need only be unique within an AS; an external peer may share ours.
  auto ctx = ctx_4octet();
  auto d = decode_one(valid_open_with(4, 65001, 90, ctx.local_identifier), ctx);
  EXPECT_TRUE(d.has_value()) << testing::PrintToString(d.error());
}

TEST(open_error, optional_parameters_length_past_the_end_is_rejected) {
  // CVE-2022-43681: the optional parameters length claims one octet more than the message has.
  auto b = valid_open_with(4, 65001, 90, 0x0a000002);
  b[28] += 1;
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 0, "");
  EXPECT_EQ(e->offset, 28u);
}

TEST(open_error, optional_parameters_length_short_of_the_end_is_rejected) {
  // Trailing octets after the parameters: the lengths are inconsistent (RFC 4271 §6.2).
  auto b = valid_open_with(4, 65001, 90, 0x0a000002);
  b[28] -= 2;
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 0, "");
}

TEST(open_error, rfc9072_extended_length_cut_off_is_rejected) {
  // CVE-2022-40302: Non-Ext OP Len 255 and type 255, but the message ends inside the 2-octet
  // Extended Opt. Parm. Length.
  auto b =
      hex("ffffffffffffffffffffffffffffffff 001f 01"  // marker, length 31, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "ff ff"                                     // Non-Ext OP Len 255, Non-Ext OP Type 255
          "00");                                      // 1 of the 2 octets of the length
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 0, "");
}

TEST(open_error, rfc9072_extended_parameter_past_the_end_is_rejected) {
  // RFC 9072 §2: the extended parameters length (9) is one more than what follows (8).
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0028 01"  // marker, length 40, OPEN
          "04 fde9 005a 0a000002"                     // version, AS, hold, id
          "ff ff 0009"                                // extended form, length 9
          "02 0006 41 04 0000fd");                    // capability cut one octet short
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 0, "");
}

TEST(open_error, capability_length_past_its_parameter_is_rejected) {
  // RFC 5492 §4: the capability (length 6) runs past its parameter (length 4) into the next one.
  auto b = open_bytes(4, 65001, 90, 0x0a000002,
                      "02 04 41 06 0000"  // parameter of 4 octets, capability claims 6
                      "02 02 02 00");     // a route refresh parameter after it
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 0, "");
}

TEST(open_error, unsupported_optional_parameter_type_is_rejected) {
  // RFC 4271 §6.2: an optional parameter other than capabilities (here 1, authentication,
  // deprecated by RFC 5492) is Unsupported Optional Parameter, subcode 4.
  auto b = open_bytes(4, 65001, 90, 0x0a000002, "01 02 0000");
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 4, "");
}

TEST(open_error, duplicate_identical_capabilities_are_accepted) {
  // RFC 5492 §4 leaves repeated capabilities to each capability; repeating the same 4-octet AS
  // or route refresh is harmless.
  auto b = open_bytes(4, 65001, 90, 0x0a000002,
                      cap_param("41 04 0000fde9  02 00") + cap_param("41 04 0000fde9  02 00"));
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& o = std::get<open_message>(d->msg);
  EXPECT_EQ(o.caps.four_octet_as, 65001u);
  EXPECT_TRUE(o.caps.route_refresh);
  EXPECT_TRUE(o.caps.unknown.empty());
}

TEST(open_error, duplicate_multiprotocol_family_counts_once) {
  auto b = open_bytes(4, 65001, 90, 0x0a000002,
                      cap_param("01 04 0001 00 01  01 04 0001 00 01  41 04 0000fde9"));
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& o = std::get<open_message>(d->msg);
  EXPECT_EQ(o.caps.multiprotocol, std::vector<family>{ipv4_unicast});
}

TEST(open_error, duplicate_four_octet_as_with_different_values_is_bad_peer_as) {
  // Two different 4-octet AS numbers: the peer's AS is ambiguous, so neither can be checked
  // against the configuration (RFC 4271 §6.2 Bad Peer AS).
  auto b = open_bytes(4, 65001, 90, 0x0a000002,
                      cap_param("41 04 0000fde9") + cap_param("41 04 0000fdea"));
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 2, "");
}

TEST(open_error, four_octet_as_capability_mismatching_my_as_is_bad_peer_as) {
  // RFC 6793 §4.1: with a 4-octet AS above 65535, My AS must be AS_TRANS; here it is 65001.
  auto ctx = ctx_4octet();
  ctx.expected_peer_as = 4200000001u;
  auto e = expect_reset(open_bytes(4, 65001, 90, 0x0a000002, cap_param("41 04 fa56ea01")), ctx);
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 2, "");
}

TEST(open_error, as_trans_in_my_as_with_a_2_octet_capability_is_bad_peer_as) {
  // RFC 6793 §4.1: AS_TRANS is only for ASNs that do not fit in 2 octets.
  auto e = expect_reset(open_bytes(4, as_trans, 90, 0x0a000002, cap_param("41 04 0000fde9")),
                        ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 2, 2, "");
}

TEST(open_error, wrong_capability_length_is_rejected) {
  // RFC 6793 §3: the 4-octet AS capability has length 4; here 3.
  auto e =
      expect_reset(open_bytes(4, 65001, 90, 0x0a000002, cap_param("41 03 00fde9")), ctx_4octet());
  ASSERT_TRUE(e);
  EXPECT_EQ(int(to_notification(*e).code), 2);
}

TEST(validate_open, accepts_the_expected_peer) {
  auto o = base_open();
  o.caps.four_octet_as = 65001;
  EXPECT_TRUE(validate_open(o, ctx_4octet()).has_value());
}

TEST(validate_open, rejects_hold_time_2_without_decoding) {
  auto o = base_open();
  o.hold_time = 2;
  auto r = validate_open(o, ctx_4octet());
  ASSERT_FALSE(r.has_value());
  expect_notification(r.error(), 2, 6, "");
}

}  // namespace
}  // namespace svcbgp::bgp::test
