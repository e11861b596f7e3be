// Helpers shared by the codec tests: hex fixtures, contexts, message builders and printers.
//
// Fixtures are written as hex string literals with one commented line per field; `hex()` ignores
// whitespace so that the literals can be split freely. Builders compute the length fields so that
// a mutation test changes exactly the one field it names.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/codec/codec.h"

namespace svcbgp::bgp {

// GoogleTest printers, so that a failed EXPECT_EQ on a message shows its fields.
void PrintTo(const message& m, std::ostream* os);
void PrintTo(const update_message& m, std::ostream* os);
void PrintTo(const open_message& m, std::ostream* os);
void PrintTo(const notification_message& m, std::ostream* os);
void PrintTo(const route_refresh_message& m, std::ostream* os);
void PrintTo(const path_attributes& a, std::ostream* os);
void PrintTo(const prefix& p, std::ostream* os);
void PrintTo(const ip_address& a, std::ostream* os);
void PrintTo(const decode_error& e, std::ostream* os);

}  // namespace svcbgp::bgp

namespace svcbgp::bgp::test {

using bytes = std::vector<std::uint8_t>;

// "ffff 00 13" -> {0xff, 0xff, 0x00, 0x13}; whitespace is ignored, anything else aborts the test.
bytes hex(std::string_view text);
std::string to_hex(std::span<const std::uint8_t> b);
bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts);

// Addresses and prefixes written here without ip.cc, so that a bug there does not hide others.
ip_address ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
ip_address ip6(std::string_view text);  // full or "::"-compressed hex groups, no dotted quad
prefix pfx4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t len);
prefix pfx6(std::string_view addr, std::uint8_t len);

// Contexts: a 4-octet AS session with IPv4 and IPv6 negotiated (the normal case), and a 2-octet
// one.
codec_context ctx_4octet();
codec_context ctx_2octet();

// A header (marker, length computed, type) followed by `body`.
bytes message_bytes(message_type type, std::span<const std::uint8_t> body);
// An UPDATE with the given withdrawn routes, path attributes and NLRI, lengths computed.
bytes update_bytes(std::string_view withdrawn_hex, std::string_view attrs_hex,
                   std::string_view nlri_hex);
// An OPEN with these fixed fields and optional parameters (hex, length computed).
bytes open_bytes(std::uint8_t version, std::uint16_t my_as, std::uint16_t hold, std::uint32_t id,
                 std::string_view params_hex);
// One optional parameter of type 2 holding `caps_hex`.
std::string cap_param(std::string_view caps_hex);

// Runs what a session runs: frame() on the bytes, which must cover exactly one message, then
// decode(). Header errors therefore come from frame(), everything else from decode().
std::expected<decoded, decode_error> decode_one(std::span<const std::uint8_t> b,
                                                const codec_context& ctx);

// A (bytes, struct) fixture both ways: encode(m) must give exactly `b`, and decoding `b` must give
// `m` with nothing recovered. Also checks that the fixture's own length field is right.
void expect_fixture(const bytes& b, const message& m, const codec_context& ctx);
// Decode only (for forms we accept but do not send, and for captures of other daemons).
void expect_decodes_to(const bytes& b, const message& m, const codec_context& ctx);

// Attributes used by many UPDATE tests (4-octet session), hex with flags, type and length.
inline constexpr std::string_view origin_igp = "40 01 01 00";
inline constexpr std::string_view as_path_65001 = "40 02 06 02 01 0000fde9";
inline constexpr std::string_view next_hop_10_0_0_2 = "40 03 04 0a000002";
inline constexpr std::string_view nlri_10_0_1_0_24 = "18 0a0001";
std::string mandatory_attrs();  // ORIGIN + AS_PATH + NEXT_HOP above
// The attributes above as a struct.
path_attributes mandatory_attrs_struct();

}  // namespace svcbgp::bgp::test
