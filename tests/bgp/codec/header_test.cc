// Framing and the message header (RFC 4271 §4.1, §6.1; RFC 8654 for extended messages).
#include <gtest/gtest.h>

#include "tests/bgp/codec/error_expect.h"
#include "tests/bgp/codec/test_util.h"

namespace svcbgp::bgp::test {
namespace {

bytes keepalive() {
  return hex(
      "ffffffffffffffffffffffffffffffff"  // marker
      "0013"                              // length 19
      "04");                              // type KEEPALIVE
}

// A valid UPDATE announcing 10.0.1.0/24 from AS 65001 via 10.0.0.2 (47 octets).
bytes small_update() {
  return update_bytes("", mandatory_attrs(), nlri_10_0_1_0_24);
}

// An expected frame() error: the header's own checks.
std::optional<decode_error> frame_error(const bytes& b, const codec_context& ctx) {
  auto f = frame(b, ctx);
  if (f.has_value()) {
    ADD_FAILURE() << "frame() accepted " << to_hex(b) << " as " << *f;
    return std::nullopt;
  }
  EXPECT_EQ(action_for(f.error()), error_action::session_reset);
  return f.error();
}

TEST(keepalive_fixture, encodes_and_decodes) {
  expect_fixture(keepalive(), keepalive_message{}, ctx_4octet());
}

TEST(frame, returns_the_length_of_the_first_message) {
  auto b = concat({keepalive(), small_update()});
  auto f = frame(b, ctx_4octet());
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(*f, 19u);
  auto g = frame(std::span(b).subspan(19), ctx_4octet());
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(*g, small_update().size());
}

TEST(frame, needs_more_for_every_prefix_of_a_message) {
  auto b = small_update();
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto f = frame(std::span(b).first(n), ctx_4octet());
    ASSERT_TRUE(f.has_value()) << "prefix of " << n << ": " << testing::PrintToString(f.error());
    EXPECT_EQ(*f, 0u) << "prefix of " << n;
  }
}

TEST(frame, one_byte_at_a_time_never_errs) {
  // A peer that sends a byte at a time (shared/spec/bgp.md): the buffer grows by one each call.
  auto b = concat({keepalive(), keepalive()});
  std::size_t consumed = 0;
  int messages = 0;
  for (std::size_t end = 1; end <= b.size(); ++end) {
    auto f = frame(std::span(b).subspan(consumed, end - consumed), ctx_4octet());
    ASSERT_TRUE(f.has_value());
    if (*f != 0) {
      consumed += *f;
      ++messages;
    }
  }
  EXPECT_EQ(messages, 2);
  EXPECT_EQ(consumed, b.size());
}

TEST(header_error, bad_marker_is_connection_not_synchronized) {
  // RFC 4271 §6.1: marker not all ones -> 1/1, no data.
  auto b = keepalive();
  b[5] = 0xfe;
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 1, "");
  EXPECT_EQ(e->offset, 0u);
  EXPECT_EQ(e->length, 16u);
}

TEST(header_error, bad_marker_is_found_before_the_whole_header_arrives) {
  // No need to wait for 19 octets when the first one already is not 0xff.
  auto b = hex("00");
  auto f = frame(b, ctx_4octet());
  if (f.has_value()) {
    EXPECT_EQ(*f, 0u);  // waiting is acceptable, accepting is not
  } else {
    expect_notification(f.error(), 1, 1, "");
  }
}

TEST(header_error, length_18_is_bad_message_length) {
  // RFC 4271 §6.1: length < 19 -> 1/2, data = the erroneous length field.
  auto b = keepalive();
  b[17] = 18;
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "0012");
  EXPECT_EQ(e->offset, 16u);
  EXPECT_EQ(e->length, 2u);
}

TEST(header_error, length_0_is_bad_message_length) {
  auto b = keepalive();
  b[16] = 0;
  b[17] = 0;
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "0000");
}

TEST(header_error, length_4097_is_bad_message_length_without_waiting_for_the_body) {
  // RFC 4271 §4.1: at most 4096 without the extended message capability. The header alone
  // suffices to reject it.
  auto b = hex("ffffffffffffffffffffffffffffffff 1001 02");
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "1001");
  EXPECT_EQ(e->offset, 16u);
}

TEST(header_error, length_4096_is_accepted) {
  // An UPDATE of exactly 4096 octets: mandatory attributes and /32 NLRI (5 octets each), padded
  // with a /24 at the end.
  std::string nlri;
  std::size_t size = 23 + 20;  // header, two length fields, mandatory attributes
  while (size + 5 <= 4096 - 4) {
    nlri += "20 0a000101";
    size += 5;
  }
  while (size < 4096) {
    nlri += "08 0b";  // 11.0.0.0/8, repeated to pad
    size += 2;
  }
  auto b = update_bytes("", mandatory_attrs(), nlri);
  ASSERT_EQ(b.size(), 4096u);
  auto d = decode_one(b, ctx_4octet());
  EXPECT_TRUE(d.has_value()) << testing::PrintToString(d.error());
}

TEST(header_error, length_above_4096_is_accepted_with_extended_messages) {
  // RFC 8654 §4: up to 65535 once both sides advertised the capability.
  std::string nlri;
  for (int i = 0; i < 1200; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "20 0a00%02x%02x", i >> 8, i & 0xff);
    nlri += buf;
  }
  auto b = update_bytes("", mandatory_attrs(), nlri);
  ASSERT_GT(b.size(), 4096u);
  auto ctx = ctx_4octet();
  auto e = frame_error(b, ctx);
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, to_hex(std::span(b).subspan(16, 2)));
  ctx.extended_message = true;
  auto d = decode_one(b, ctx);
  ASSERT_TRUE(d.has_value()) << testing::PrintToString(d.error());
  EXPECT_EQ(as_update(*d).nlri.size(), 1200u);
}

TEST(header_error, keepalive_of_20_octets_is_bad_message_length) {
  // RFC 4271 §4.4: a KEEPALIVE is exactly the 19-octet header.
  auto b = concat({keepalive(), hex("00")});
  b[17] = 20;
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "0014");
}

TEST(header_error, open_shorter_than_29_is_bad_message_length) {
  // RFC 4271 §4.2: minimum OPEN length 29.
  auto b = open_bytes(4, 65001, 90, 0x0a000002, "");
  b.pop_back();
  b[17] = 28;
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "001c");
}

TEST(header_error, update_shorter_than_23_is_bad_message_length) {
  // RFC 4271 §4.3: minimum UPDATE length 23.
  auto b = hex("ffffffffffffffffffffffffffffffff 0016 02 0000 00");
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "0016");
}

TEST(header_error, notification_shorter_than_21_is_bad_message_length) {
  // RFC 4271 §4.5: minimum NOTIFICATION length 21.
  auto b = hex("ffffffffffffffffffffffffffffffff 0014 03 06");
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "0014");
}

TEST(header_error, route_refresh_shorter_than_23_is_bad_message_length) {
  // RFC 2918 §3: a ROUTE-REFRESH is 23 octets.
  auto b = hex("ffffffffffffffffffffffffffffffff 0016 05 0001 00");
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 2, "0016");
}

TEST(header_error, unknown_type_6_is_bad_message_type) {
  // RFC 4271 §6.1: 1/3, data = the type octet.
  auto b = keepalive();
  b[18] = 6;
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 3, "06");
  EXPECT_EQ(e->offset, 18u);
  EXPECT_EQ(e->length, 1u);
}

TEST(header_error, type_0_is_bad_message_type) {
  auto b = keepalive();
  b[18] = 0;
  auto e = frame_error(b, ctx_4octet());
  ASSERT_TRUE(e);
  expect_notification(*e, 1, 3, "00");
}

TEST(header_error, decode_checks_the_header_too) {
  // decode() is total: handed bytes frame() would refuse, it errs instead of trusting them.
  auto b = keepalive();
  b[0] = 0;
  auto d = decode(b, ctx_4octet());
  ASSERT_FALSE(d.has_value());
  expect_notification(d.error(), 1, 1, "");
}

TEST(truncation, every_prefix_of_an_update_decodes_to_a_clean_error) {
  // decode() handed a message cut short (header length larger than the span) must err, never
  // read past the span (run under -Dsanitize=true to check the reads).
  auto b = update_bytes("10 0a01", mandatory_attrs() + "c0 08 04 fde90064", nlri_10_0_1_0_24);
  for (std::size_t n = 0; n < b.size(); ++n) {
    bytes cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    auto d = decode(cut, ctx_4octet());
    EXPECT_FALSE(d.has_value()) << "decoded a message cut to " << n << " octets";
  }
}

TEST(truncation, every_consistent_truncation_decodes_or_errs) {
  // The same prefixes with the header length rewritten to match: each is a well-framed message
  // with its body cut. frame() and decode() must give an answer, never crash.
  auto b = update_bytes("10 0a01", mandatory_attrs() + "c0 08 04 fde90064", nlri_10_0_1_0_24);
  int decoded_ok = 0;
  for (std::size_t n = header_size; n <= b.size(); ++n) {
    bytes cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    cut[16] = static_cast<std::uint8_t>(n >> 8);
    cut[17] = static_cast<std::uint8_t>(n);
    auto d = decode_one(cut, ctx_4octet());
    if (d.has_value()) {
      ++decoded_ok;
    }
  }
  EXPECT_GE(decoded_ok, 1);  // at least the complete message
}

TEST(truncation, every_consistent_truncation_of_an_open_decodes_or_errs) {
  auto b = open_bytes(4, 65001, 90, 0x0a000002,
                      cap_param("01 04 0002 00 01  40 06 8078 0001 01 80  41 04 0000fde9"));
  for (std::size_t n = header_size; n <= b.size(); ++n) {
    bytes cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    cut[16] = static_cast<std::uint8_t>(n >> 8);
    cut[17] = static_cast<std::uint8_t>(n);
    auto d = decode_one(cut, ctx_4octet());
    EXPECT_EQ(d.has_value(), n == b.size()) << "cut to " << n;
  }
}

}  // namespace
}  // namespace svcbgp::bgp::test
