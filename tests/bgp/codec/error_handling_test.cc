// Malformed UPDATEs (shared/spec/bgp.md "Inputs a peer may send"): each test changes one field of
// a valid UPDATE and checks the exact outcome: the RFC 7606 action with the UPDATE still decoded,
// or, where RFC 7606 leaves no choice, a session reset with the NOTIFICATION of RFC 4271 §6.3.
//
// The valid UPDATE (47 octets): header 0..18, withdrawn length 19, attribute length 21,
// ORIGIN at 23, AS_PATH at 27, NEXT_HOP at 36, NLRI 10.0.1.0/24 at 43. Attributes a test adds
// go after NEXT_HOP, at 43, and push the NLRI back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/bgp/codec/error_expect.h"
#include "tests/bgp/codec/test_util.h"

namespace svcbgp::bgp::test {
namespace {

using testing::AnyOf;
using testing::Eq;
using seg = as_path_segment;

constexpr std::size_t extra_attr_at = 43;

bytes valid_update() {
  return update_bytes("", mandatory_attrs(), nlri_10_0_1_0_24);
}
bytes with_extra(std::string_view attr_hex) {
  return update_bytes("", mandatory_attrs() + std::string(attr_hex), nlri_10_0_1_0_24);
}
const std::vector<prefix> the_nlri{pfx4(10, 0, 1, 0, 24)};

void expect_offset_in(const decode_error& e, std::size_t lo, std::size_t hi) {
  EXPECT_GE(e.offset, lo) << testing::PrintToString(e);
  EXPECT_LT(e.offset, hi) << testing::PrintToString(e);
}

// An IPv6 MP_REACH_NLRI with the given next-hop length octet and next-hop octets.
std::string mp_reach(std::string_view nh_len_hex, std::string_view nh_hex,
                     std::string_view afi_hex = "0002") {
  auto value = hex(std::string(afi_hex) + "01" + std::string(nh_len_hex) + std::string(nh_hex) +
                   "00" + "40 fd99000100000000");
  char buf[16];
  std::snprintf(buf, sizeof buf, "900e%04x", static_cast<unsigned>(value.size()));
  return buf + to_hex(value);
}
const std::string global_nh = "fd990000000000000000000000000001";

TEST(update_error, valid_base_decodes_without_errors) {
  auto d = decode_one(valid_update(), ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_TRUE(d->recovered.empty());
  update_message u;
  u.attrs = mandatory_attrs_struct();
  u.nlri = the_nlri;
  EXPECT_EQ(d->msg, message{u});
}

// --- Lengths of the UPDATE's own fields -------------------------------------------------------

TEST(update_error, withdrawn_routes_length_past_the_end_is_malformed_attribute_list) {
  // RFC 4271 §6.3; RFC 7606 §4: with the structure lost no softer action is possible.
  auto b = valid_update();
  b[20] = 0x40;
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 1, "");
  EXPECT_EQ(e->offset, 19u);
}

TEST(update_error, total_attribute_length_past_the_end_is_malformed_attribute_list) {
  // RFC 4271 §6.3; RFC 7606 §4 (withdrawn + attribute lengths + 23 > message length).
  auto b = valid_update();
  b[22] += 5;
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 1, "");
  EXPECT_EQ(e->offset, 21u);
}

TEST(update_error, attribute_length_past_the_attribute_list_is_treat_as_withdraw) {
  // RFC 7606 §4 first case: MED claims 5 octets, 4 remain; the NLRI is still found from the
  // Total Path Attribute Length and withdrawn.
  auto d = expect_recovered(with_extra("80 04 05 00000064"), ctx_4octet(),
                            error_kind::malformed_attribute_list, error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
  expect_notification(*find_recovered(*d, error_kind::malformed_attribute_list), 3, 1, "");
}

TEST(update_error, attribute_header_cut_short_is_treat_as_withdraw) {
  // RFC 7606 §4 second case: two octets left, not enough for an attribute header.
  auto d = expect_recovered(with_extra("80 04"), ctx_4octet(), error_kind::malformed_attribute_list,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
}

TEST(update_error, mp_reach_past_the_attribute_list_is_a_reset) {
  // RFC 7606 §3 j, §4: the overrunning attribute is MP_REACH_NLRI, whose NLRI cannot be found.
  auto b = update_bytes("", mandatory_attrs() + "90 0e 0030 0002 01 10" + global_nh + "00", "");
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  EXPECT_EQ(int(to_notification(*e).code), 3);
}

// --- Flags ------------------------------------------------------------------------------------

TEST(update_error, origin_with_optional_flag_is_treat_as_withdraw) {
  // RFC 7606 §3 c: Optional/Transitive bits in conflict -> malformed, treat-as-withdraw;
  // RFC 4271 §6.3: 3/4 with the attribute as data.
  auto b =
      update_bytes("", "c0 01 01 00" + std::string(as_path_65001) + std::string(next_hop_10_0_0_2),
                   nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::attribute_flags_error,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  const auto* e = find_recovered(*d, error_kind::attribute_flags_error);
  expect_notification(*e, 3, 4, "c0 01 01 00");
  expect_offset_in(*e, 23, 27);
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
}

TEST(update_error, med_with_well_known_flags_is_treat_as_withdraw) {
  // RFC 7606 §3 c (MED is optional non-transitive).
  auto d = expect_recovered(with_extra("40 04 04 00000064"), ctx_4octet(),
                            error_kind::attribute_flags_error, error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::attribute_flags_error), 3, 4,
                      "40 04 04 00000064");
}

TEST(update_error, aggregator_with_well_known_flags_is_treat_as_withdraw) {
  // RFC 7606 §3 c: treat-as-withdraw "unless the specification for the attribute mandates
  // different handling for incorrect Attribute Flags"; §7.7 only softens a wrong length.
  auto d = expect_recovered(with_extra("40 07 08 0000fde9 0a000002"), ctx_4octet(),
                            error_kind::attribute_flags_error, error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
}

TEST(update_error, partial_bit_on_a_well_known_attribute_is_accepted_or_withdrawn_never_reset) {
  // RFC 4271 §4.3: Partial must be 0 for well-known attributes; RFC 7606 §3 c names only the
  // Optional and Transitive bits, so either accepting or treat-as-withdraw is in line.
  auto b =
      update_bytes("", "60 01 01 00" + std::string(as_path_65001) + std::string(next_hop_10_0_0_2),
                   nlri_10_0_1_0_24);
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
}

// --- Duplicates -------------------------------------------------------------------------------

TEST(update_error, duplicate_origin_keeps_the_first_and_discards_the_rest) {
  // RFC 7606 §3 g: all occurrences but the first are discarded; the UPDATE stands.
  auto d = expect_recovered(with_extra("40 01 01 01"), ctx_4octet(),
                            error_kind::malformed_attribute_list, error_action::attribute_discard);
  ASSERT_TRUE(d);
  EXPECT_EQ(as_update(*d).attrs.origin, origin_type::igp);
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
  EXPECT_FALSE(d->treat_as_withdraw);
}

TEST(update_error, duplicate_mp_reach_is_a_reset) {
  // RFC 7606 §3 g: MP_REACH_NLRI more than once -> Malformed Attribute List, reset.
  auto b = update_bytes("",
                        mp_reach("10", global_nh) + mp_reach("10", global_nh) +
                            std::string(origin_igp) + std::string(as_path_65001),
                        "");
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 1, "");
}

TEST(update_error, duplicate_mp_unreach_is_a_reset) {
  auto b = update_bytes("",
                        "90 0f 000c 0002 01 40 fd99000100000000"
                        "90 0f 000c 0002 01 40 fd99000200000000",
                        "");
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 1, "");
}

// --- Missing mandatory attributes ---------------------------------------------------------------

TEST(update_error, missing_origin_is_treat_as_withdraw) {
  // RFC 7606 §3 d; RFC 4271 §6.3: 3/3, data = the missing type code.
  auto b = update_bytes("", std::string(as_path_65001) + std::string(next_hop_10_0_0_2),
                        nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::missing_well_known_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::missing_well_known_attribute), 3, 3, "01");
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
}

TEST(update_error, missing_as_path_is_treat_as_withdraw) {
  auto b =
      update_bytes("", std::string(origin_igp) + std::string(next_hop_10_0_0_2), nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::missing_well_known_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::missing_well_known_attribute), 3, 3, "02");
}

TEST(update_error, missing_next_hop_with_ipv4_nlri_is_treat_as_withdraw) {
  auto b = update_bytes("", std::string(origin_igp) + std::string(as_path_65001), nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::missing_well_known_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::missing_well_known_attribute), 3, 3, "03");
}

TEST(update_error, missing_origin_with_mp_reach_nlri_is_treat_as_withdraw) {
  // RFC 7606 §3 d applies to MP_REACH NLRI too (NEXT_HOP is not needed there, RFC 4760 §3).
  auto b = update_bytes("", mp_reach("10", global_nh) + std::string(as_path_65001), "");
  auto d = expect_recovered(b, ctx_4octet(), error_kind::missing_well_known_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::missing_well_known_attribute), 3, 3, "01");
  EXPECT_EQ(as_update(*d).mp_reach, std::vector<prefix>{pfx6("fd99:1::", 64)});
}

TEST(update_error, nlri_with_zero_length_attributes_is_treat_as_withdraw) {
  // RFC 7606 §3 d, §5.2: NLRI present, Total Path Attribute Length 0.
  auto b = update_bytes("", "", nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::missing_well_known_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
}

TEST(update_error, mp_unreach_with_nlri_and_no_mandatory_attributes_is_treat_as_withdraw) {
  // CVE-2023-47234; RFC 7606 §3 d: the IPv4 NLRI lacks ORIGIN, AS_PATH and NEXT_HOP. The
  // MP_UNREACH withdrawal still applies.
  auto b = update_bytes("", "90 0f 000c 0002 01 40 fd99000100000000", nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::missing_well_known_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  const auto& u = as_update(*d);
  EXPECT_EQ(u.nlri, the_nlri);
  EXPECT_EQ(u.mp_unreach_family, ipv6_unicast);
  EXPECT_EQ(u.mp_unreach, std::vector<prefix>{pfx6("fd99:1::", 64)});
}

TEST(update_error, withdrawal_only_needs_no_mandatory_attributes) {
  auto d = decode_one(update_bytes("18 0a0001", "", ""), ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_TRUE(d->recovered.empty());
}

// --- NLRI syntax ----------------------------------------------------------------------------

TEST(update_error, nlri_prefix_length_33_is_invalid_network_field) {
  // RFC 7606 §5.3: NLRI that cannot be parsed -> reset; RFC 4271 §6.3: 3/10.
  auto e = expect_reset(update_bytes("", mandatory_attrs(), "21 0a000101 00"), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 10, "");
  EXPECT_EQ(e->offset, 43u);
}

TEST(update_error, withdrawn_prefix_length_33_is_invalid_network_field) {
  auto e = expect_reset(update_bytes("21 0a000101 00", "", ""), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 10, "");
  EXPECT_EQ(e->offset, 21u);
}

TEST(update_error, nlri_prefix_past_the_end_is_invalid_network_field) {
  // RFC 7606 §5.3: a /24 with two octets left.
  auto e = expect_reset(update_bytes("", mandatory_attrs(), "18 0a00"), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 10, "");
  EXPECT_EQ(e->offset, 43u);
}

TEST(update_error, mp_reach_prefix_length_129_is_a_reset) {
  // RFC 7606 §5.3, §7.11: session reset (AFI/SAFI disable not used); RFC 4271 §6.3 names 3/10,
  // RFC 4760 §7 names 3/9 for an incorrect MP_REACH_NLRI: either is correct.
  auto attr = "90 0e 0027 0002 01 10" + global_nh +
              "00"                                       // extended length 39, IPv6, next hop
              "81 fd990000000000000000000000000001 00";  // prefix length 129, 17 octets
  auto b = update_bytes("", attr + std::string(origin_igp) + std::string(as_path_65001), "");
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  auto n = to_notification(*e);
  EXPECT_EQ(int(n.code), 3);
  EXPECT_THAT(int(n.subcode), AnyOf(Eq(9), Eq(10)));
}

TEST(update_error, mp_unreach_prefix_length_129_is_a_reset) {
  auto b = update_bytes("", "90 0f 0015 0002 01 81 fd990000000000000000000000000001 00", "");
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  auto n = to_notification(*e);
  EXPECT_EQ(int(n.code), 3);
  EXPECT_THAT(int(n.subcode), AnyOf(Eq(9), Eq(10)));
}

// --- AS_PATH ------------------------------------------------------------------------------------

TEST(update_error, as_path_segment_length_0_is_treat_as_withdraw) {
  // RFC 7606 §7.2: a segment of length zero is malformed; RFC 4271 §6.3: 3/11.
  auto b =
      update_bytes("", std::string(origin_igp) + "40 02 02 02 00" + std::string(next_hop_10_0_0_2),
                   nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::malformed_as_path,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::malformed_as_path), 3, 11, "");
  expect_offset_in(*find_recovered(*d, error_kind::malformed_as_path), 27, 32);
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
}

TEST(update_error, as_path_segment_past_the_attribute_is_treat_as_withdraw) {
  // RFC 7606 §7.2 overrun: the segment claims 2 ASNs, the attribute holds 1.
  auto b = update_bytes(
      "", std::string(origin_igp) + "40 02 06 02 02 0000fde9" + std::string(next_hop_10_0_0_2),
      nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::malformed_as_path,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
}

TEST(update_error, as_path_single_trailing_octet_is_treat_as_withdraw) {
  // RFC 7606 §7.2 underrun: one octet left after the last segment.
  auto b = update_bytes(
      "", std::string(origin_igp) + "40 02 07 02 01 0000fde9 02" + std::string(next_hop_10_0_0_2),
      nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::malformed_as_path,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
}

TEST(update_error, as_path_unknown_segment_type_is_treat_as_withdraw) {
  // RFC 7606 §7.2: an unrecognized segment type.
  auto b = update_bytes(
      "", std::string(origin_igp) + "40 02 06 05 01 0000fde9" + std::string(next_hop_10_0_0_2),
      nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::malformed_as_path,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
}

TEST(update_error, as_path_of_3000_asns_in_an_extended_message_is_accepted) {
  // RFC 8654: 12 segments (11 x 255 + 195) = 12,024 octets of AS_PATH in one 12 KB UPDATE.
  std::string segs;
  as_path expected;
  std::uint32_t asn = 4200000000u;
  for (int remaining = 3000; remaining > 0;) {
    int n = std::min(remaining, 255);
    char buf[16];
    std::snprintf(buf, sizeof buf, "02%02x", n);
    segs += buf;
    seg s{seg::kind::as_sequence, {}};
    for (int i = 0; i < n; ++i, ++asn) {
      std::snprintf(buf, sizeof buf, "%08x", asn);
      segs += buf;
      s.asns.push_back(asn);
    }
    expected.segments.push_back(s);
    remaining -= n;
  }
  ASSERT_EQ(hex(segs).size(), 12024u);
  auto b = update_bytes(
      "", std::string(origin_igp) + "50 02 2ef8" + segs + std::string(next_hop_10_0_0_2),
      nlri_10_0_1_0_24);
  auto ctx = ctx_4octet();
  ctx.extended_message = true;
  auto d = decode_one(b, ctx);
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_TRUE(d->recovered.empty());
  ASSERT_TRUE(as_update(*d).attrs.path);
  EXPECT_EQ(*as_update(*d).attrs.path, expected);
  EXPECT_EQ(as_update(*d).attrs.path->length(), 3000u);
  EXPECT_EQ(encode(d->msg, ctx), b);
}

TEST(update_error, as4_path_malformed_is_discarded) {
  // RFC 6793 §6 / RFC 7606 §7: a malformed AS4_PATH is discarded, the AS_PATH is used as is.
  auto b = update_bytes("",
                        std::string(origin_igp) + "40 02 06 02 02 fde9 5ba0" +
                            std::string(next_hop_10_0_0_2) + "c0 11 02 02 00",
                        nlri_10_0_1_0_24);
  auto d = decode_one(b, ctx_2octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_FALSE(d->treat_as_withdraw);
  ASSERT_EQ(d->recovered.size(), 1u);
  EXPECT_EQ(action_for(d->recovered[0]), error_action::attribute_discard);
  const auto& u = as_update(*d);
  EXPECT_FALSE(u.attrs.as4_path);
  EXPECT_EQ(*u.attrs.path, (as_path{{seg{seg::kind::as_sequence, {65001, as_trans}}}}));
}

// --- Unknown attributes ----------------------------------------------------------------------

TEST(update_error, corrupted_attribute_23_is_never_a_reset) {
  // CVE-2023-38802: a Tunnel Encapsulation attribute (23, optional transitive) with garbage
  // inside. We do not parse it: it is an unknown optional transitive attribute, kept as is.
  auto d = decode_one(with_extra("c0 17 05 ffff000301"), ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_TRUE(d->recovered.empty());
  EXPECT_FALSE(d->treat_as_withdraw);
  const auto& u = as_update(*d);
  EXPECT_EQ(u.nlri, the_nlri);
  EXPECT_EQ(u.attrs.unknown,
            (std::vector<unknown_attribute>{unknown_attribute{0xc0, 23, hex("ffff000301")}}));
}

TEST(update_error, unknown_well_known_attribute_is_a_reset) {
  // RFC 4271 §6.3: 3/2, data = the attribute; RFC 7606 does not soften it.
  auto e = expect_reset(with_extra("40 63 01 00"), ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 2, "40 63 01 00");
  expect_offset_in(*e, extra_attr_at, extra_attr_at + 4);
}

TEST(update_error, unknown_optional_non_transitive_attribute_is_accepted) {
  // RFC 4271 §5: quietly ignored (whether kept for display or dropped).
  auto d = decode_one(with_extra("80 63 01 00"), ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_TRUE(d->recovered.empty());
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
}

// --- NEXT_HOP -----------------------------------------------------------------------------------

TEST(update_error, next_hop_of_length_3_is_treat_as_withdraw) {
  // RFC 7606 §7.3 (malformed NEXT_HOP); RFC 4271 §6.3: 3/5 with the attribute.
  auto b =
      update_bytes("", std::string(origin_igp) + std::string(as_path_65001) + "40 03 03 0a0000",
                   nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::attribute_length_error,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  const auto* e = find_recovered(*d, error_kind::attribute_length_error);
  expect_notification(*e, 3, 5, "40 03 03 0a0000");
  expect_offset_in(*e, 36, 42);
  EXPECT_EQ(as_update(*d).nlri, the_nlri);
}

TEST(update_error, next_hop_equal_to_our_address_is_treat_as_withdraw) {
  // RFC 4271 §6.3: a semantically incorrect NEXT_HOP -> the route is ignored, no NOTIFICATION
  // (RFC 7606 §7.3 keeps that); 3/8 with the attribute names it.
  auto b =
      update_bytes("", std::string(origin_igp) + std::string(as_path_65001) + "40 03 04 0a000001",
                   nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::invalid_next_hop_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::invalid_next_hop_attribute), 3, 8,
                      "40 03 04 0a000001");
}

// --- MP_REACH_NLRI ------------------------------------------------------------------------------

void expect_mp_reach_reset(const std::string& attr, const codec_context& ctx) {
  auto b = update_bytes("", attr + std::string(origin_igp) + std::string(as_path_65001), "");
  auto e = expect_reset(b, ctx);
  ASSERT_TRUE(e);
  expect_notification(*e, 3, 9, attr);
  EXPECT_EQ(e->attribute, std::optional<std::uint8_t>(attr_type::mp_reach_nlri));
  expect_offset_in(*e, 23, 23 + hex(attr).size());
}

TEST(update_error, mp_reach_next_hop_length_0_is_a_reset) {
  // RFC 7606 §7.11: a next-hop length inconsistent with the AFI/SAFI hides the NLRI -> reset;
  // RFC 4760 §7: 3/9 Optional Attribute Error.
  expect_mp_reach_reset(mp_reach("00", ""), ctx_4octet());
}

TEST(update_error, mp_reach_next_hop_length_17_is_a_reset) {
  expect_mp_reach_reset(mp_reach("11", global_nh + "00"), ctx_4octet());
}

TEST(update_error, mp_reach_next_hop_length_33_is_a_reset) {
  expect_mp_reach_reset(mp_reach("21", global_nh + "fe800000000000000000000000000001" + "00"),
                        ctx_4octet());
}

TEST(update_error, mp_reach_ipv6_with_ipv4_next_hop_is_a_reset) {
  // Mismatching families: IPv6 NLRI with a 4-octet next hop (RFC 2545 §3 wants 16 or 32).
  expect_mp_reach_reset(mp_reach("04", "0a000002"), ctx_4octet());
}

TEST(update_error, mp_reach_for_a_family_not_negotiated_is_a_reset) {
  // RFC 4760 §7: an MP_REACH_NLRI we cannot use; we reset (3/9) rather than disable the
  // AFI/SAFI (RFC 7606 §2 allows either).
  auto ctx = ctx_4octet();
  ctx.families = {ipv4_unicast};
  expect_mp_reach_reset(mp_reach("10", global_nh), ctx);
}

TEST(update_error, mp_reach_shorter_than_its_next_hop_is_a_reset) {
  expect_mp_reach_reset("90 0e 0008 0002 01 10 fd990000", ctx_4octet());
}

// --- Attribute lengths and values: RFC 7606 §7 -------------------------------------------------

struct attr_case {
  const char* name;
  const char* attr_hex;  // replaces nothing; appended after the mandatory attributes
  error_kind kind;
  error_action action;
  const char* rfc;
};

class attribute_malformed : public testing::TestWithParam<attr_case> {};

TEST_P(attribute_malformed, has_its_rfc7606_action_and_keeps_the_nlri) {
  const auto& c = GetParam();
  auto d = expect_recovered(with_extra(c.attr_hex), ctx_4octet(), c.kind, c.action);
  ASSERT_TRUE(d) << c.rfc;
  EXPECT_EQ(as_update(*d).nlri, the_nlri) << c.rfc;
  const auto* e = find_recovered(*d, c.kind);
  ASSERT_NE(e, nullptr);
  // RFC 4271 §6.3: the attribute-specific subcodes carry the attribute as data.
  if (c.kind == error_kind::attribute_length_error) {
    EXPECT_EQ(to_hex(to_notification(*e).data), to_hex(hex(c.attr_hex))) << c.rfc;
  }
  expect_offset_in(*e, extra_attr_at, extra_attr_at + hex(c.attr_hex).size());
}

INSTANTIATE_TEST_SUITE_P(
    rfc7606, attribute_malformed,
    testing::Values(
        attr_case{"med_length_3", "80 04 03 000064", error_kind::attribute_length_error,
                  error_action::treat_as_withdraw, "RFC 7606 §7.4"},
        attr_case{"local_pref_length_5", "40 05 05 0000006400", error_kind::attribute_length_error,
                  error_action::treat_as_withdraw, "RFC 7606 §7.5"},
        attr_case{"atomic_aggregate_length_1", "40 06 01 00", error_kind::attribute_length_error,
                  error_action::attribute_discard, "RFC 7606 §7.6"},
        attr_case{"aggregator_length_7", "c0 07 07 0000fde9 0a0000",
                  error_kind::attribute_length_error, error_action::attribute_discard,
                  "RFC 7606 §7.7"},
        attr_case{"aggregator_2_octet_on_4_octet_session", "c0 07 06 fde9 0a000002",
                  error_kind::attribute_length_error, error_action::attribute_discard,
                  "RFC 7606 §7.7"},
        attr_case{"communities_length_5", "c0 08 05 fde9006400", error_kind::attribute_length_error,
                  error_action::treat_as_withdraw, "RFC 7606 §7.8"},
        attr_case{"originator_id_length_5", "80 09 05 0a00000300",
                  error_kind::attribute_length_error, error_action::treat_as_withdraw,
                  "RFC 7606 §7.9"},
        attr_case{"cluster_list_length_5", "80 0a 05 0a00000400",
                  error_kind::attribute_length_error, error_action::treat_as_withdraw,
                  "RFC 7606 §7.10"},
        attr_case{"extended_communities_length_9", "c0 10 09 0002fde90000006400",
                  error_kind::attribute_length_error, error_action::treat_as_withdraw,
                  "RFC 7606 §7.14"},
        attr_case{"large_communities_length_13", "c0 20 0d 0000fde9 00000001 00000002 00",
                  error_kind::attribute_length_error, error_action::treat_as_withdraw,
                  "RFC 8092 §6"},
        attr_case{"as4_aggregator_length_6", "c0 12 06 fde9 0a000002",
                  error_kind::attribute_length_error, error_action::attribute_discard,
                  "RFC 6793 §6"}),
    [](const testing::TestParamInfo<attr_case>& i) { return std::string(i.param.name); });

TEST(update_error, origin_value_3_is_treat_as_withdraw) {
  // RFC 7606 §7.1; RFC 4271 §6.3: 3/6 with the attribute.
  auto b =
      update_bytes("", "40 01 01 03" + std::string(as_path_65001) + std::string(next_hop_10_0_0_2),
                   nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::invalid_origin_attribute,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::invalid_origin_attribute), 3, 6,
                      "40 01 01 03");
}

TEST(update_error, origin_length_2_is_treat_as_withdraw) {
  // RFC 7606 §7.1.
  auto b = update_bytes(
      "", "40 01 02 0000" + std::string(as_path_65001) + std::string(next_hop_10_0_0_2),
      nlri_10_0_1_0_24);
  auto d = expect_recovered(b, ctx_4octet(), error_kind::attribute_length_error,
                            error_action::treat_as_withdraw);
  ASSERT_TRUE(d);
  expect_notification(*find_recovered(*d, error_kind::attribute_length_error), 3, 5,
                      "40 01 02 0000");
}

TEST(update_error, discarded_attribute_is_absent_and_routes_stay) {
  // RFC 7606 §2 attribute discard: the rest of the UPDATE is used as if the attribute was never
  // there.
  auto d = expect_recovered(with_extra("40 06 01 00"), ctx_4octet(),
                            error_kind::attribute_length_error, error_action::attribute_discard);
  ASSERT_TRUE(d);
  EXPECT_FALSE(as_update(*d).attrs.atomic_aggregate);
  EXPECT_FALSE(d->treat_as_withdraw);
}

}  // namespace
}  // namespace svcbgp::bgp::test
