// Private to the codec: the per-type body decoders decode() dispatches to.
#pragma once

#include <expected>
#include <span>

#include "bgp/codec/codec.h"

namespace svcbgp::bgp::detail {

// `msg` is the whole message, header included, already framed.
std::expected<decoded, decode_error> decode_open(std::span<const std::uint8_t> msg,
                                                 const codec_context& ctx);
std::expected<decoded, decode_error> decode_update(std::span<const std::uint8_t> msg,
                                                   const codec_context& ctx);

inline decode_error make_error(error_kind kind, std::size_t offset, std::size_t length,
                               std::string detail) {
  decode_error e;
  e.kind = kind;
  e.offset = offset;
  e.length = length;
  e.detail = std::move(detail);
  return e;
}

}  // namespace svcbgp::bgp::detail
