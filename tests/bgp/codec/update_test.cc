// UPDATE (RFC 4271 §4.3) fixtures for every attribute we know, both ways, and the size helpers
// the Adj-RIB-Out packs with.
//
// encode.cc puts MP_REACH_NLRI / MP_UNREACH_NLRI first (RFC 7606 §5.1), then the other
// attributes in type-code order with unknown ones interleaved by type code; MP attributes always
// carry the extended-length flag, others only when longer than 255 octets.
#include <gtest/gtest.h>

#include "tests/bgp/codec/error_expect.h"
#include "tests/bgp/codec/test_util.h"

namespace svcbgp::bgp::test {
namespace {

using seg = as_path_segment;

bytes with_two_unknown() {
  return update_bytes("", mandatory_attrs() + "c0 63 01 01  c0 63 01 02", nlri_10_0_1_0_24);
}

TEST(update_fixture, every_ipv4_attribute_on_a_4_octet_session) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff"     // marker
          "0086"                                 // length 134
          "02"                                   // type UPDATE
          "0003"                                 // withdrawn routes length 3
          "10 0a01"                              //   10.1.0.0/16
          "0063"                                 // total path attribute length 99
          "40 01 01 00"                          // ORIGIN, well-known transitive: IGP
          "40 02 14"                             // AS_PATH, length 20
          "02 02 0000fde9 0000fdea"              //   AS_SEQUENCE of 2: 65001 65002
          "01 02 0000fdeb fa56ea01"              //   AS_SET of 2: 65003 4200000001
          "40 03 04 0a000002"                    // NEXT_HOP 10.0.0.2
          "80 04 04 00000064"                    // MULTI_EXIT_DISC, optional: 100
          "40 05 04 000000c8"                    // LOCAL_PREF 200
          "40 06 00"                             // ATOMIC_AGGREGATE
          "c0 07 08 0000fde9 0a000002"           // AGGREGATOR, optional transitive: 65001, 10.0.0.2
          "c0 08 08 fde90064 ffffff01"           // COMMUNITIES 65001:100, NO_EXPORT
          "c0 10 08 0002fde9 00000064"           // EXTENDED_COMMUNITIES: route target 65001:100
          "c0 20 0c 0000fde9 00000001 00000002"  // LARGE_COMMUNITIES 65001:1:2
          "10 0a02"                              // NLRI 10.2.0.0/16
          "20 c0000201"                          //      192.0.2.1/32
          "00");                                 //      0.0.0.0/0
  update_message u;
  u.withdrawn = {pfx4(10, 1, 0, 0, 16)};
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{
      {seg{seg::kind::as_sequence, {65001, 65002}}, seg{seg::kind::as_set, {65003, 4200000001u}}}};
  u.attrs.next_hop = ip4(10, 0, 0, 2);
  u.attrs.med = 100;
  u.attrs.local_pref = 200;
  u.attrs.atomic_aggregate = true;
  u.attrs.aggr = aggregator{65001, ip4(10, 0, 0, 2)};
  u.attrs.communities = {0xfde90064, 0xffffff01};
  u.attrs.extended_communities = {0x0002fde900000064};
  u.attrs.large_communities = {large_community{65001, 1, 2}};
  u.nlri = {pfx4(10, 2, 0, 0, 16), pfx4(192, 0, 2, 1, 32), pfx4(0, 0, 0, 0, 0)};
  expect_fixture(b, u, ctx_4octet());
  EXPECT_FALSE(u.is_end_of_rib());
}

TEST(update_fixture, origin_incomplete_and_2_octet_as_path_with_as_set) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0035 02"  // marker, length 53, UPDATE
          "0000"                                      // no withdrawn routes
          "001a"                                      // path attributes length 26
          "40 01 01 02"                               // ORIGIN INCOMPLETE
          "40 02 0c"                                  // AS_PATH, length 12, 2-octet ASNs
          "02 02 fde9 fdea"                           //   AS_SEQUENCE 65001 65002
          "01 02 fdeb fdec"                           //   AS_SET {65003 65004}
          "40 03 04 0a000002"                         // NEXT_HOP 10.0.0.2
          "18 0a0001");                               // NLRI 10.0.1.0/24
  update_message u;
  u.attrs.origin = origin_type::incomplete;
  u.attrs.path = as_path{
      {seg{seg::kind::as_sequence, {65001, 65002}}, seg{seg::kind::as_set, {65003, 65004}}}};
  u.attrs.next_hop = ip4(10, 0, 0, 2);
  u.nlri = {pfx4(10, 0, 1, 0, 24)};
  expect_fixture(b, u, ctx_2octet());
}

const bytes as4_on_2_octet_session =
    hex("ffffffffffffffffffffffffffffffff 004f 02"  // marker, length 79, UPDATE
        "0000"                                      // no withdrawn routes
        "0035"                                      // path attributes length 53
        "40 01 01 00"                               // ORIGIN IGP
        "40 02 06 02 02 fde9 5ba0"                  // AS_PATH: SEQUENCE 65001 AS_TRANS
        "40 03 04 0a000002"                         // NEXT_HOP 10.0.0.2
        "c0 07 06 5ba0 0a000002"                    // AGGREGATOR AS_TRANS, 10.0.0.2 (6 octets)
        "c0 11 0a 02 02 0000fde9 fa56ea01"          // AS4_PATH: SEQUENCE 65001 4200000001
        "c0 12 08 fa56ea01 0a000002"                // AS4_AGGREGATOR 4200000001, 10.0.0.2
        "10 0a02");                                 // NLRI 10.2.0.0/16

TEST(update_fixture, as4_path_and_as4_aggregator_are_sent_to_a_2_octet_peer) {
  // RFC 6793 §4.2.2: towards an OLD speaker, AS_TRANS in AS_PATH/AGGREGATOR and the real ASNs
  // in AS4_PATH/AS4_AGGREGATOR.
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65001, 4200000001u}}}};
  u.attrs.next_hop = ip4(10, 0, 0, 2);
  u.attrs.aggr = aggregator{4200000001u, ip4(10, 0, 0, 2)};
  u.nlri = {pfx4(10, 2, 0, 0, 16)};
  EXPECT_EQ(to_hex(encode(u, ctx_2octet())), to_hex(as4_on_2_octet_session));
}

TEST(update_fixture, as4_path_and_as4_aggregator_are_merged_from_a_2_octet_peer) {
  // RFC 6793 §4.2.3: the real path is rebuilt from AS_PATH and AS4_PATH; the aggregator comes from
  // AS4_AGGREGATOR since AGGREGATOR holds AS_TRANS. The received AS4 attributes are kept raw.
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65001, 4200000001u}}}};
  u.attrs.as4_path = as_path{{seg{seg::kind::as_sequence, {65001, 4200000001u}}}};
  u.attrs.next_hop = ip4(10, 0, 0, 2);
  u.attrs.aggr = aggregator{4200000001u, ip4(10, 0, 0, 2)};
  u.attrs.as4_aggr = aggregator{4200000001u, ip4(10, 0, 0, 2)};
  u.nlri = {pfx4(10, 2, 0, 0, 16)};
  expect_decodes_to(as4_on_2_octet_session, u, ctx_2octet());
  // And the decoded struct encodes back to the same bytes: the raw AS4 fields are not re-sent.
  EXPECT_EQ(to_hex(encode(u, ctx_2octet())), to_hex(as4_on_2_octet_session));
}

TEST(update_fixture, as4_path_longer_prefix_is_kept_from_as_path) {
  // RFC 6793 §4.2.3: AS_PATH longer than AS4_PATH: the leading extra ASNs of AS_PATH are kept
  // (here 65000 prepended by a 2-octet speaker that did not touch AS4_PATH).
  auto b = update_bytes("",
                        "40 01 01 00"
                        "40 02 08 02 03 fde8 fde9 5ba0"  // 65000 65001 AS_TRANS
                        "40 03 04 0a000002"
                        "c0 11 0a 02 02 0000fde9 fa56ea01",  // 65001 4200000001
                        "10 0a02");
  auto d = decode_one(b, ctx_2octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& u = as_update(*d);
  ASSERT_TRUE(u.attrs.path);
  EXPECT_EQ(*u.attrs.path, (as_path{{seg{seg::kind::as_sequence, {65000, 65001, 4200000001u}}}}));
}

TEST(update_fixture, as4_path_from_a_4_octet_peer_is_ignored) {
  // RFC 6793 §4.2.2: a NEW speaker does not send AS4_PATH to a NEW speaker; one received on a
  // 4-octet session must not change the path.
  auto b = update_bytes("",
                        "40 01 01 00"
                        "40 02 06 02 01 0000fde9"
                        "40 03 04 0a000002"
                        "c0 11 06 02 01 0000fdea",
                        "10 0a02");
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& u = as_update(*d);
  ASSERT_TRUE(u.attrs.path);
  EXPECT_EQ(*u.attrs.path, (as_path{{seg{seg::kind::as_sequence, {65001}}}}));
}

TEST(update_fixture, mp_reach_ipv6_with_16_octet_next_hop) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0057 02"  // marker, length 87, UPDATE
          "0000"                                      // no withdrawn routes
          "0040"                                      // path attributes length 64
          "90 0e 002f"                                // MP_REACH_NLRI, optional, extended length 47
          "0002 01"                                   //   AFI 2 IPv6, SAFI 1 unicast
          "10"                                        //   next hop length 16
          "fd990000000000000000000000000001"          // fd99::1
          "00"                                        //   reserved
          "40 fd99000100000000"                       //   fd99:1::/64
          "80 fd990002000000000000000000000001"       // fd99:2::1/128
          "40 01 01 00"                               // ORIGIN IGP
          "40 02 06 02 01 0000fde9");                 // AS_PATH 65001
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65001}}}};
  u.attrs.mp_next_hop = ip6("fd99::1");
  u.mp_reach_family = ipv6_unicast;
  u.mp_reach = {pfx6("fd99:1::", 64), pfx6("fd99:2::1", 128)};
  expect_fixture(b, u, ctx_4octet());
}

TEST(update_fixture, mp_reach_ipv6_with_32_octet_next_hop) {
  // RFC 2545 §3: global address followed by the link-local one.
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0056 02"  // marker, length 86, UPDATE
          "0000"                                      // no withdrawn routes
          "003f"                                      // path attributes length 63
          "90 0e 002e"                                // MP_REACH_NLRI, extended length 46
          "0002 01"                                   //   IPv6 unicast
          "20"                                        //   next hop length 32
          "fd990000000000000000000000000001"          //   global fd99::1
          "fe800000000000000000000000000001"          //   link-local fe80::1
          "00"                                        //   reserved
          "40 fd99000100000000"                       //   fd99:1::/64
          "40 01 01 00"                               // ORIGIN IGP
          "40 02 06 02 01 0000fde9");                 // AS_PATH 65001
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65001}}}};
  u.attrs.mp_next_hop = ip6("fd99::1");
  u.attrs.mp_next_hop_link_local = ip6("fe80::1");
  u.mp_reach_family = ipv6_unicast;
  u.mp_reach = {pfx6("fd99:1::", 64)};
  expect_fixture(b, u, ctx_4octet());
}

TEST(update_fixture, mp_unreach_ipv6) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0027 02"  // marker, length 39, UPDATE
          "0000"                                      // no withdrawn routes
          "0010"                                      // path attributes length 16
          "90 0f 000c"                                // MP_UNREACH_NLRI, extended length 12
          "0002 01"                                   //   IPv6 unicast
          "40 fd99000100000000");                     //   fd99:1::/64
  update_message u;
  u.mp_unreach_family = ipv6_unicast;
  u.mp_unreach = {pfx6("fd99:1::", 64)};
  expect_fixture(b, u, ctx_4octet());
  EXPECT_FALSE(u.is_end_of_rib());
}

TEST(update_fixture, ipv4_withdrawal_only) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 001f 02"  // marker, length 31, UPDATE
          "0008"                                      // withdrawn routes length 8
          "18 0a0001"                                 //   10.0.1.0/24
          "18 0a0002"                                 //   10.0.2.0/24
          "0000");                                    // no path attributes
  update_message u;
  u.withdrawn = {pfx4(10, 0, 1, 0, 24), pfx4(10, 0, 2, 0, 24)};
  expect_fixture(b, u, ctx_4octet());
  EXPECT_FALSE(u.is_end_of_rib());
}

TEST(update_fixture, unknown_optional_transitive_kept_with_partial_bit) {
  // RFC 4271 §5: an unrecognized optional transitive attribute is passed on with Partial set.
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0036 02"  // marker, length 54, UPDATE
          "0000"                                      // no withdrawn routes
          "001b"                                      // path attributes length 27
          "40 01 01 00"                               // ORIGIN IGP
          "40 02 06 02 01 0000fde9"                   // AS_PATH 65001
          "40 03 04 0a000002"                         // NEXT_HOP 10.0.0.2
          "e0 63 04 01020304"                         // type 99, optional transitive partial
          "18 0a0001");                               // NLRI 10.0.1.0/24
  update_message u;
  u.attrs = mandatory_attrs_struct();
  u.attrs.unknown = {unknown_attribute{0xe0, 99, {1, 2, 3, 4}}};
  u.nlri = {pfx4(10, 0, 1, 0, 24)};
  expect_fixture(b, u, ctx_4octet());
}

TEST(update_fixture, route_reflection_attributes) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0041 02"  // marker, length 65, UPDATE
          "0000"                                      // no withdrawn routes
          "0026"                                      // path attributes length 38
          "40 01 01 00"                               // ORIGIN IGP
          "40 02 06 02 01 0000fde9"                   // AS_PATH 65001
          "40 03 04 0a000002"                         // NEXT_HOP 10.0.0.2
          "80 09 04 0a000003"                         // ORIGINATOR_ID 10.0.0.3 (RFC 4456)
          "80 0a 08 0a000004 0a000005"                // CLUSTER_LIST 10.0.0.4 10.0.0.5
          "18 0a0001");                               // NLRI 10.0.1.0/24
  update_message u;
  u.attrs = mandatory_attrs_struct();
  u.attrs.originator_id = ip4(10, 0, 0, 3);
  u.attrs.cluster_list = {0x0a000004, 0x0a000005};
  u.nlri = {pfx4(10, 0, 1, 0, 24)};
  expect_fixture(b, u, ctx_4octet());
}

TEST(update_fixture, communities_over_255_octets_use_extended_length) {
  // 70 communities = 280 octets: the extended-length flag and a 2-octet length (RFC 4271 §4.3).
  std::string comms;
  update_message u;
  u.attrs = mandatory_attrs_struct();
  for (std::uint32_t i = 0; i < 70; ++i) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "fde9%04x", i);
    comms += buf;
    u.attrs.communities.push_back(0xfde90000 | i);
  }
  u.nlri = {pfx4(10, 0, 1, 0, 24)};
  auto b = update_bytes("",
                        mandatory_attrs() +
                            "d0 08 0118"  // COMMUNITIES, optional transitive extended, 280
                            + comms,
                        nlri_10_0_1_0_24);
  expect_fixture(b, u, ctx_4octet());
}

TEST(update_fixture, end_of_rib_ipv4) {
  // RFC 4724 §2: an UPDATE with no withdrawn routes, no attributes and no NLRI.
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0017 02"  // marker, length 23, UPDATE
          "0000"                                      // withdrawn routes length 0
          "0000");                                    // path attributes length 0
  update_message u;
  expect_fixture(b, u, ctx_4octet());
  EXPECT_TRUE(u.is_end_of_rib());
  EXPECT_EQ(u.end_of_rib_family(), ipv4_unicast);
}

TEST(update_fixture, end_of_rib_ipv6) {
  // RFC 4724 §2: an UPDATE with only an empty MP_UNREACH_NLRI for the family.
  auto b =
      hex("ffffffffffffffffffffffffffffffff 001e 02"  // marker, length 30, UPDATE
          "0000"                                      // withdrawn routes length 0
          "0007"                                      // path attributes length 7
          "90 0f 0003"                                // MP_UNREACH_NLRI, extended length 3
          "0002 01");                                 //   IPv6 unicast, no prefixes
  update_message u;
  u.mp_unreach_family = ipv6_unicast;
  expect_fixture(b, u, ctx_4octet());
  EXPECT_TRUE(u.is_end_of_rib());
  EXPECT_EQ(u.end_of_rib_family(), ipv6_unicast);
}

TEST(update_decode, end_of_rib_ipv6_without_extended_length) {
  // FRR and BIRD send the IPv6 End-of-RIB with a 1-octet attribute length.
  auto b = hex("ffffffffffffffffffffffffffffffff 001d 02 0000 0006 80 0f 03 0002 01");
  update_message u;
  u.mp_unreach_family = ipv6_unicast;
  expect_decodes_to(b, u, ctx_4octet());
}

TEST(update_decode, attributes_in_any_order_are_accepted) {
  // RFC 4271 §5: the type-code order is a SHOULD for the sender only.
  auto b = update_bytes("",
                        "40 03 04 0a000002  80 04 04 00000064  40 02 06 02 01 0000fde9"
                        "40 01 01 00",
                        nlri_10_0_1_0_24);
  update_message u;
  u.attrs = mandatory_attrs_struct();
  u.attrs.med = 100;
  u.nlri = {pfx4(10, 0, 1, 0, 24)};
  expect_decodes_to(b, u, ctx_4octet());
}

TEST(update_decode, prefix_bits_past_the_length_are_cleared) {
  // ip.h: bits past `length` are always zero; 10.0.1.0/23 has a stray bit in its third octet.
  auto b = update_bytes("", mandatory_attrs(), "17 0a0001");
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(as_update(*d).nlri, std::vector<prefix>{pfx4(10, 0, 0, 0, 23)});
}

TEST(update_decode, unknown_optional_transitive_without_partial_keeps_its_flags) {
  // attributes.h: flags as received (the extended-length bit cleared).
  auto b = update_bytes("", mandatory_attrs() + "d0 63 0002 abcd", nlri_10_0_1_0_24);
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(as_update(*d).attrs.unknown,
            (std::vector<unknown_attribute>{unknown_attribute{0xc0, 99, {0xab, 0xcd}}}));
}

TEST(update_size, nlri_size_counts_the_length_octet_and_the_needed_octets) {
  EXPECT_EQ(nlri_size(pfx4(0, 0, 0, 0, 0)), 1u);
  EXPECT_EQ(nlri_size(pfx4(10, 0, 0, 0, 8)), 2u);
  EXPECT_EQ(nlri_size(pfx4(10, 0, 0, 0, 9)), 3u);
  EXPECT_EQ(nlri_size(pfx4(10, 0, 1, 0, 24)), 4u);
  EXPECT_EQ(nlri_size(pfx4(10, 0, 1, 1, 32)), 5u);
  EXPECT_EQ(nlri_size(pfx6("fd99:1::", 64)), 9u);
  EXPECT_EQ(nlri_size(pfx6("fd99:1::1", 128)), 17u);
}

TEST(update_size, ipv4_base_plus_nlri_is_the_encoded_size) {
  auto ctx = ctx_4octet();
  update_message u;
  u.attrs = mandatory_attrs_struct();
  u.attrs.communities = {0xfde90064};
  u.nlri = {pfx4(10, 0, 1, 0, 24), pfx4(10, 0, 2, 1, 32), pfx4(10, 0, 0, 0, 8)};
  std::size_t expected = update_base_size(u.attrs, ipv4_unicast, ctx);
  for (const auto& p : u.nlri) {
    expected += nlri_size(p);
  }
  EXPECT_EQ(encode(u, ctx).size(), expected);
}

TEST(update_size, ipv6_base_plus_nlri_is_the_encoded_size) {
  auto ctx = ctx_4octet();
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {65001}}}};
  u.attrs.mp_next_hop = ip6("fd99::1");
  u.attrs.mp_next_hop_link_local = ip6("fe80::1");
  u.mp_reach_family = ipv6_unicast;
  u.mp_reach = {pfx6("fd99:1::", 64), pfx6("fd99:2::1", 128)};
  std::size_t expected = update_base_size(u.attrs, ipv6_unicast, ctx);
  for (const auto& p : u.mp_reach) {
    expected += nlri_size(p);
  }
  EXPECT_EQ(encode(u, ctx).size(), expected);
}

TEST(update_size, withdraw_base_sizes) {
  EXPECT_EQ(withdraw_base_size(ipv4_unicast), 23u);
  EXPECT_EQ(withdraw_base_size(ipv6_unicast), 30u);
  update_message u;
  u.mp_unreach_family = ipv6_unicast;
  u.mp_unreach = {pfx6("fd99:1::", 64)};
  EXPECT_EQ(encode(u, ctx_4octet()).size(), withdraw_base_size(ipv6_unicast) + 9);
}

TEST(update_encode, long_as_path_is_split_into_segments_of_255) {
  // RFC 4271 §4.3: a segment holds at most 255 ASNs; 300 become 255 + 45 and decode as one path
  // of two segments.
  update_message u;
  u.attrs = mandatory_attrs_struct();
  u.attrs.path->segments[0].asns.clear();
  for (std::uint32_t i = 0; i < 300; ++i) {
    u.attrs.path->segments[0].asns.push_back(65001 + i);
  }
  u.nlri = {pfx4(10, 0, 1, 0, 24)};
  auto b = encode(u, ctx_4octet());
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& path = *as_update(*d).attrs.path;
  ASSERT_EQ(path.segments.size(), 2u);
  EXPECT_EQ(path.segments[0].asns.size(), 255u);
  EXPECT_EQ(path.segments[1].asns.size(), 45u);
  EXPECT_EQ(path.length(), 300u);
}

TEST(update_encode, unknown_optional_transitive_is_passed_on_with_partial_set) {
  // RFC 4271 §5: an unrecognized optional transitive attribute is passed on with the Partial bit
  // set. decode.cc keeps the received flags (c0) and says the encoder sets Partial.
  auto ctx = ctx_4octet();
  auto d = decode_one(update_bytes("", mandatory_attrs() + "c0 63 02 abcd", nlri_10_0_1_0_24), ctx);
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(to_hex(encode(d->msg, ctx)),
            to_hex(update_bytes("", mandatory_attrs() + "e0 63 02 abcd", nlri_10_0_1_0_24)));
}

TEST(update_encode, empty_as_path_segment_is_not_sent) {
  // RFC 7606 §7.2: a receiver treats a segment of length zero as malformed and withdraws our
  // routes; an empty AS_SEQUENCE (a path built for iBGP) must go out as an empty AS_PATH.
  update_message u;
  u.attrs = mandatory_attrs_struct();
  u.attrs.path = as_path{{seg{seg::kind::as_sequence, {}}}};
  u.nlri = {pfx4(10, 0, 1, 0, 24)};
  EXPECT_EQ(to_hex(encode(u, ctx_4octet())),
            to_hex(update_bytes("", "40 01 01 00  40 02 00  40 03 04 0a000002", nlri_10_0_1_0_24)));
}

TEST(update_decode, empty_as_path_is_accepted) {
  // RFC 4271 §5.1.2: an iBGP peer originating a route sends an empty AS_PATH.
  auto d = decode_one(
      update_bytes("", "40 01 01 00  40 02 00  40 03 04 0a000002", nlri_10_0_1_0_24), ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_TRUE(d->recovered.empty());
  ASSERT_TRUE(as_update(*d).attrs.path);
  EXPECT_TRUE(as_update(*d).attrs.path->segments.empty());
}

TEST(update_decode, as4_path_longer_than_as_path_is_ignored) {
  // RFC 6793 §4.2.3: when AS_PATH has fewer ASNs than AS4_PATH, AS4_PATH is ignored.
  auto b = update_bytes("",
                        "40 01 01 00"
                        "40 02 06 02 02 fde9 5ba0"  // 65001 AS_TRANS
                        "40 03 04 0a000002"
                        "c0 11 0e 02 03 0000fde8 0000fde9 fa56ea01",  // three ASNs
                        "10 0a02");
  auto d = decode_one(b, ctx_2octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(*as_update(*d).attrs.path, (as_path{{seg{seg::kind::as_sequence, {65001, as_trans}}}}));
}

TEST(update_decode, as4_path_is_ignored_when_aggregator_is_not_as_trans) {
  // RFC 6793 §4.2.3: AGGREGATOR with a real AS means AS4_PATH and AS4_AGGREGATOR are stale.
  auto b = update_bytes("",
                        "40 01 01 00"
                        "40 02 06 02 02 fde9 5ba0"
                        "40 03 04 0a000002"
                        "c0 07 06 fdea 0a000003"  // AGGREGATOR 65002
                        "c0 11 0a 02 02 0000fde9 fa56ea01"
                        "c0 12 08 fa56ea01 0a000002",
                        "10 0a02");
  auto d = decode_one(b, ctx_2octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& a = as_update(*d).attrs;
  EXPECT_EQ(*a.path, (as_path{{seg{seg::kind::as_sequence, {65001, as_trans}}}}));
  EXPECT_EQ(a.aggr, (aggregator{65002, ip4(10, 0, 0, 3)}));
}

TEST(update_decode, duplicate_unknown_attribute_keeps_the_first) {
  // RFC 7606 §3 g applies to unrecognized attributes too.
  auto d = decode_one(with_two_unknown(), ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(as_update(*d).attrs.unknown,
            (std::vector<unknown_attribute>{unknown_attribute{0xc0, 99, {0x01}}}));
  EXPECT_FALSE(d->treat_as_withdraw);
}

}  // namespace
}  // namespace svcbgp::bgp::test
