// The BGP wire codec: pure and total functions from bytes to messages and back.
//
// Never throws (except std::bad_alloc), logs or sends. Every read of peer bytes goes through a
// bounded reader (reader.h), one sub-reader per nested field. Errors are values (error.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <vector>

#include "bgp/codec/error.h"
#include "bgp/codec/message.h"

namespace svcbgp::bgp {

// What the session has negotiated so far; decoding and encoding depend on it.
struct codec_context {
  bool four_octet_as = true;      // RFC 6793: both sides sent the capability
  bool extended_message = false;  // RFC 8654: both sides sent the capability
  // Families negotiated (RFC 4760); MP_REACH/MP_UNREACH/ROUTE-REFRESH for others are errors.
  std::vector<family> families{ipv4_unicast};
  // Our address on the session: a NEXT_HOP equal to it is semantically wrong (RFC 4271 §6.3).
  std::optional<ip_address> local_address;
  // AS of this session's peer and ours; used for the OPEN AS checks.
  std::uint32_t local_as = 0;
  std::uint32_t local_identifier = 0;
  std::optional<std::uint32_t> expected_peer_as;

  std::size_t max_size() const {
    return extended_message ? max_extended_message_size : max_message_size;
  }
};

// Framing (RFC 4271 §4.1): looks at the start of `buffer` and says how long the first message is,
// 0 when more bytes are needed, or a header error (bad marker, length out of range or below the
// type's minimum, unknown type).
std::expected<std::size_t, decode_error> frame(std::span<const std::uint8_t> buffer,
                                               const codec_context& ctx);

struct decoded {
  message msg;
  // Errors RFC 7606 lets us survive (attribute discard, treat-as-withdraw); the message already has
  // them applied: discarded attributes are absent; for treat-as-withdraw, `treat_as_withdraw` is
  // set and all NLRI of the update (classic and MP) are to be handled as withdrawn.
  std::vector<decode_error> recovered;
  bool treat_as_withdraw = false;
};

// Decodes exactly one message (header included) as returned by frame(). A returned error is one
// whose action_for() is session_reset.
std::expected<decoded, decode_error> decode(std::span<const std::uint8_t> message_bytes,
                                            const codec_context& ctx);

// OPEN checks of RFC 4271 §6.2 and RFC 6793 against the context (peer AS, identifier, hold time,
// AS_TRANS consistency). decode() calls it for OPEN messages.
std::expected<void, decode_error> validate_open(const open_message& open, const codec_context& ctx);

// Appends the encoding of `m` to `out`. The caller keeps messages within ctx.max_size(); the rib's
// packing uses the size helpers below to do so.
void encode(const message& m, const codec_context& ctx, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const message& m, const codec_context& ctx);

// Size helpers for update packing (bgp/rib).
std::size_t nlri_size(const prefix& p);  // 1 + ceil(length / 8)
// Bytes of an UPDATE carrying `attrs` and no prefixes at all, for family `f` (for IPv6, including
// an MP_REACH attribute header with its next hop and an empty NLRI list).
std::size_t update_base_size(const path_attributes& attrs, family f, const codec_context& ctx);
// Bytes of an UPDATE withdrawing no prefixes of family `f` (classic for IPv4, MP_UNREACH for IPv6).
std::size_t withdraw_base_size(family f);

}  // namespace svcbgp::bgp
