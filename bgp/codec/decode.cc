// Framing (RFC 4271 §4.1, §6.1) and the decode() entry point; the small message types are decoded
// here, OPEN and UPDATE in decode_open.cc and decode_update.cc.
#include "bgp/codec/codec.h"
#include "bgp/codec/decode_internal.h"
#include "bgp/codec/reader.h"

namespace svcbgp::bgp {

namespace {

using detail::make_error;
using detail::reader;

constexpr std::size_t open_min_size = 29;          // RFC 4271 §4.2
constexpr std::size_t update_min_size = 23;        // RFC 4271 §4.3
constexpr std::size_t notification_min_size = 21;  // RFC 4271 §4.5
constexpr std::size_t route_refresh_size = 23;     // RFC 2918 §3

decode_error bad_length(std::span<const std::uint8_t> buffer, std::string detail) {
  auto e = make_error(error_kind::bad_message_length, 16, 2, std::move(detail));
  if (buffer.size() >= 18) {
    e.data.assign(buffer.begin() + 16, buffer.begin() + 18);  // RFC 4271 §6.1: the length field
  }
  return e;
}

}  // namespace

std::expected<std::size_t, decode_error> frame(std::span<const std::uint8_t> buffer,
                                               const codec_context& ctx) {
  // RFC 4271 §6.1: the marker must be all ones; a bad one is reported without waiting for more.
  for (std::size_t i = 0; i < 16 && i < buffer.size(); ++i) {
    if (buffer[i] != 0xff) {
      return std::unexpected(
          make_error(error_kind::connection_not_synchronized, 0, 16, "marker is not all ones"));
    }
  }
  if (buffer.size() < header_size) {
    return 0;
  }
  std::size_t length = (std::size_t{buffer[16]} << 8) | buffer[17];
  std::uint8_t type = buffer[18];
  if (length < header_size || length > ctx.max_size()) {
    return std::unexpected(bad_length(buffer, "length " + std::to_string(length) + " outside 19.." +
                                                  std::to_string(ctx.max_size())));
  }
  std::size_t minimum = 0;
  bool exact = false;
  switch (static_cast<message_type>(type)) {
    case message_type::open:
      minimum = open_min_size;
      break;
    case message_type::update:
      minimum = update_min_size;
      break;
    case message_type::notification:
      minimum = notification_min_size;
      break;
    case message_type::keepalive:
      minimum = header_size;
      exact = true;
      break;
    case message_type::route_refresh:
      minimum = route_refresh_size;
      exact = true;
      break;
    default: {
      auto e = make_error(error_kind::bad_message_type, 18, 1,
                          "unknown message type " + std::to_string(type));
      e.data = {type};  // RFC 4271 §6.1
      return std::unexpected(std::move(e));
    }
  }
  // RFC 8654 §3: OPEN and KEEPALIVE stay within 4096 even with extended messages.
  if (type == static_cast<std::uint8_t>(message_type::open) && length > max_message_size) {
    return std::unexpected(bad_length(buffer, "OPEN longer than 4096"));
  }
  if (length < minimum || (exact && length != minimum)) {
    if (type == static_cast<std::uint8_t>(message_type::route_refresh) && length >= 22) {
      // RFC 7313 §5: a BoRR/EoRR of the wrong length is a ROUTE-REFRESH Message Error carrying
      // the complete message, so wait for all of it; subtype 0 keeps RFC 4271 §6.1.
      if (buffer.size() < length) {
        return 0;
      }
      if (buffer[21] == 1 || buffer[21] == 2) {
        auto e = make_error(error_kind::invalid_route_refresh_length, 16, 2,
                            "ROUTE-REFRESH subtype " + std::to_string(buffer[21]) + " length " +
                                std::to_string(length));
        e.data.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(length));
        return std::unexpected(std::move(e));
      }
    }
    return std::unexpected(
        bad_length(buffer, std::string(to_string(static_cast<message_type>(type))) + " length " +
                               std::to_string(length) + (exact ? ", expected " : ", minimum ") +
                               std::to_string(minimum)));
  }
  if (buffer.size() < length) {
    return 0;
  }
  return length;
}

std::expected<decoded, decode_error> decode(std::span<const std::uint8_t> message_bytes,
                                            const codec_context& ctx) {
  auto framed = frame(message_bytes, ctx);
  if (!framed) {
    return std::unexpected(std::move(framed.error()));
  }
  if (*framed == 0 || *framed != message_bytes.size()) {
    return std::unexpected(bad_length(
        message_bytes,
        "message is " + std::to_string(message_bytes.size()) + " bytes, not what its length says"));
  }
  reader body(message_bytes.subspan(header_size), header_size);
  switch (static_cast<message_type>(message_bytes[18])) {
    case message_type::open:
      return detail::decode_open(message_bytes, ctx);
    case message_type::update:
      return detail::decode_update(message_bytes, ctx);
    case message_type::notification: {
      notification_message n;
      n.code = *body.get_u8();  // frame() guarantees 21 bytes
      n.subcode = *body.get_u8();
      auto data = body.rest();
      n.data.assign(data.begin(), data.end());
      return decoded{std::move(n), {}, false};
    }
    case message_type::keepalive:
      return decoded{keepalive_message{}, {}, false};
    case message_type::route_refresh: {
      // RFC 2918 §3 / RFC 7313 §3. A family we did not negotiate, or an unknown subtype, is
      // decoded as is: RFC 2918 §4 and RFC 7313 §5 say to ignore it, which the session does.
      route_refresh_message rr;
      rr.fam.a = static_cast<afi>(*body.get_u16());
      rr.subtype = *body.get_u8();
      rr.fam.s = static_cast<safi>(*body.get_u8());
      return decoded{rr, {}, false};
    }
  }
  // Unreachable: frame() rejected unknown types.
  return std::unexpected(make_error(error_kind::bad_message_type, 18, 1, "unknown type"));
}

}  // namespace svcbgp::bgp
