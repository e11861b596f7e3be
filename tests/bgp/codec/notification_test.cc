// NOTIFICATION (RFC 4271 §4.5, RFC 8203/9003) and ROUTE-REFRESH (RFC 2918, RFC 7313) fixtures
// and the inputs of shared/spec/bgp.md for them.
#include <gtest/gtest.h>

#include "tests/bgp/codec/error_expect.h"
#include "tests/bgp/codec/test_util.h"

namespace svcbgp::bgp::test {
namespace {

TEST(notification_fixture, hold_timer_expired_without_data) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff"  // marker
          "0015"                              // length 21
          "03"                                // type NOTIFICATION
          "04"                                // code 4 Hold Timer Expired
          "00");                              // subcode 0, no data
  expect_fixture(b, notification_message{4, 0, {}}, ctx_4octet());
}

TEST(notification_encode, data_is_cut_to_the_negotiated_size) {
  // Issue 13: a 65,535-byte ROUTE-REFRESH echoed as data made a NOTIFICATION whose length wrapped.
  notification_message n{1, 2, std::vector<std::uint8_t>(65535, 0xab)};
  auto small = ctx_4octet();
  auto b = encode(n, small);
  ASSERT_EQ(b.size(), 4096u);
  EXPECT_EQ((b[16] << 8) | b[17], 4096);
  auto decoded = decode(b, small);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<notification_message>(decoded->msg).data.size(), 4096u - 21);
  auto large = ctx_4octet();
  large.extended_message = true;
  b = encode(n, large);
  ASSERT_EQ(b.size(), 65535u);
  EXPECT_EQ((b[16] << 8) | b[17], 65535);
}

TEST(notification_fixture, attribute_flags_error_with_data) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff"  // marker
          "0019"                              // length 25
          "03"                                // type NOTIFICATION
          "03"                                // code 3 UPDATE Message Error
          "04"                                // subcode 4 Attribute Flags Error
          "c0 01 01 00");                     // data: the attribute (ORIGIN with flags c0)
  expect_fixture(b, notification_message{3, 4, {0xc0, 0x01, 0x01, 0x00}}, ctx_4octet());
}

TEST(notification_fixture, cease_admin_shutdown_with_rfc8203_message) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff"  // marker
          "0021"                              // length 33
          "03"                                // type NOTIFICATION
          "06"                                // code 6 Cease
          "02"                                // subcode 2 Administrative Shutdown
          "0b"                                // shutdown message length 11 (RFC 8203 §2)
          "6d61696e74656e616e6365");          // "maintenance" in UTF-8
  notification_message n{6, 2, hex("0b 6d61696e74656e616e6365")};
  expect_fixture(b, n, ctx_4octet());
  EXPECT_EQ(n.shutdown_message(), "maintenance");
}

TEST(notification_decode, cease_admin_reset_with_multibyte_utf8_message) {
  // RFC 9003 §2: Administrative Reset carries the message too; "ä" is two octets.
  auto b = message_bytes(message_type::notification, hex("06 04 03 61 c3a4"));
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(std::get<notification_message>(d->msg).shutdown_message(), "a\xc3\xa4");
}

TEST(notification_decode, shutdown_message_length_past_data_gives_no_message) {
  // RFC 8203 §3: an inconsistent length means no usable message; the NOTIFICATION still decodes
  // (we never answer a NOTIFICATION with one).
  auto b = message_bytes(message_type::notification, hex("06 02 ff 41"));
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& n = std::get<notification_message>(d->msg);
  EXPECT_EQ(n.data, hex("ff 41"));
  EXPECT_EQ(n.shutdown_message(), std::nullopt);
}

TEST(notification_decode, no_data_is_accepted) {
  auto b = message_bytes(message_type::notification, hex("06 02"));
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(std::get<notification_message>(d->msg), (notification_message{6, 2, {}}));
  EXPECT_EQ(std::get<notification_message>(d->msg).shutdown_message(), std::nullopt);
}

TEST(notification_decode, data_of_500_octets_is_kept_whole) {
  bytes body{3, 1};
  for (int i = 0; i < 500; ++i) {
    body.push_back(static_cast<std::uint8_t>(i));
  }
  auto b = message_bytes(message_type::notification, body);
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  const auto& n = std::get<notification_message>(d->msg);
  EXPECT_EQ(n.data.size(), 500u);
  EXPECT_EQ(n.data, bytes(body.begin() + 2, body.end()));
  EXPECT_EQ(encode(n, ctx_4octet()), b);
}

TEST(notification_decode, unknown_code_is_accepted) {
  auto b = message_bytes(message_type::notification, hex("63 07 0102"));
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(std::get<notification_message>(d->msg), (notification_message{0x63, 7, {1, 2}}));
}

TEST(notification_names, code_and_subcode_names) {
  EXPECT_EQ(notification_code_name(6), "Cease");
  EXPECT_EQ(notification_subcode_name(6, 2), "Administrative Shutdown");
  EXPECT_EQ(notification_subcode_name(3, 11), "Malformed AS_PATH");
}

TEST(route_refresh_fixture, normal_ipv4_unicast) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff"  // marker
          "0017"                              // length 23
          "05"                                // type ROUTE-REFRESH
          "0001"                              // AFI 1 IPv4
          "00"                                // subtype 0 normal (RFC 7313 §3; reserved in 2918)
          "01");                              // SAFI 1 unicast
  expect_fixture(b, route_refresh_message{ipv4_unicast, 0}, ctx_4octet());
}

TEST(route_refresh_fixture, beginning_of_route_refresh_ipv6) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0017 05"  // marker, length 23, ROUTE-REFRESH
          "0002"                                      // AFI 2 IPv6
          "01"                                        // subtype 1 BoRR (RFC 7313 §3)
          "01");                                      // SAFI 1
  expect_fixture(b, route_refresh_message{ipv6_unicast, 1}, ctx_4octet());
}

TEST(route_refresh_fixture, end_of_route_refresh_ipv4) {
  auto b =
      hex("ffffffffffffffffffffffffffffffff 0017 05"  // marker, length 23, ROUTE-REFRESH
          "0001"                                      // AFI 1
          "02"                                        // subtype 2 EoRR
          "01");                                      // SAFI 1
  expect_fixture(b, route_refresh_message{ipv4_unicast, 2}, ctx_4octet());
}

TEST(route_refresh_decode, family_never_negotiated_is_decoded_for_the_session_to_ignore) {
  // RFC 2918 §4: a ROUTE-REFRESH for an AFI/SAFI we did not advertise is ignored, not an error.
  auto ctx = ctx_4octet();
  ctx.families = {ipv4_unicast};
  auto b = hex("ffffffffffffffffffffffffffffffff 0017 05 0002 00 01");
  auto d = decode_one(b, ctx);
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(std::get<route_refresh_message>(d->msg), (route_refresh_message{ipv6_unicast, 0}));
}

TEST(route_refresh_error, borr_of_24_octets_is_invalid_message_length) {
  // RFC 7313 §5: subtype 1 or 2 with a length other than 4 (body) -> 7/1, data = the message.
  auto b = hex("ffffffffffffffffffffffffffffffff 0018 05 0001 01 01 00");
  auto e = expect_reset(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 7, 1, to_hex(b));
}

TEST(route_refresh_decode, unknown_subtype_is_decoded_for_the_session_to_ignore) {
  // RFC 7313 §5: subtypes other than 0, 1, 2 are ignored by the receiver.
  auto b = hex("ffffffffffffffffffffffffffffffff 0017 05 0001 07 01");
  auto d = decode_one(b, ctx_4octet());
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(std::get<route_refresh_message>(d->msg).subtype, 7);
}

}  // namespace
}  // namespace svcbgp::bgp::test
