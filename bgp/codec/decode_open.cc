// OPEN decoding (RFC 4271 §4.2, RFC 5492, RFC 9072) and the checks of RFC 4271 §6.2 / RFC 6793.
//
// Length inconsistencies inside the OPEN (optional parameters past the end of the message, a
// truncated RFC 9072 header, a capability past its parameter, trailing bytes) have no subcode of
// their own, so they are OPEN Message Error / Unspecific (2/0, RFC 4271 §4.5: "zero (Unspecific)
// is used when no appropriate subcode is defined"). The message length itself is valid, so
// 1/2 Bad Message Length would point at the wrong field.
#include "bgp/codec/codec.h"
#include "bgp/codec/decode_internal.h"
#include "bgp/codec/reader.h"

namespace svcbgp::bgp {

namespace {

using detail::make_error;
using detail::reader;

// Fixed field offsets from the start of the message (RFC 4271 §4.2).
constexpr std::size_t version_offset = 19;
constexpr std::size_t my_as_offset = 20;
constexpr std::size_t hold_time_offset = 22;
constexpr std::size_t identifier_offset = 24;
constexpr std::size_t opt_len_offset = 28;

constexpr std::uint8_t capabilities_parameter = 2;  // RFC 5492 §4

std::unexpected<decode_error> malformed(std::size_t offset, std::size_t length,
                                        std::string detail) {
  return std::unexpected(make_error(error_kind::malformed_open, offset, length, std::move(detail)));
}

// One capability TLV (RFC 5492 §4). Duplicates of single-valued capabilities keep the first.
std::expected<void, decode_error> decode_capability(std::uint8_t code, reader value,
                                                    std::size_t cap_offset, capabilities& caps,
                                                    bool& seen_gr, bool& seen_as4) {
  std::size_t len = value.remaining();
  auto bad = [&](const char* what) {
    return malformed(cap_offset, 2 + len,
                     std::string(what) + " capability with length " + std::to_string(len));
  };
  switch (code) {
    case cap_code::multiprotocol: {  // RFC 4760 §8
      if (len != 4) {
        return bad("multiprotocol");
      }
      family f;
      f.a = static_cast<afi>(*value.get_u16());
      value.skip(1);  // reserved
      f.s = static_cast<safi>(*value.get_u8());
      // RFC 5492 §4: one instance per family; the same family twice is kept once.
      for (const auto& have : caps.multiprotocol) {
        if (have == f) {
          return {};
        }
      }
      caps.multiprotocol.push_back(f);
      return {};
    }
    case cap_code::route_refresh:  // RFC 2918 §2
      if (len != 0) {
        return bad("route refresh");
      }
      caps.route_refresh = true;
      return {};
    case cap_code::extended_message:  // RFC 8654 §3
      if (len != 0) {
        return bad("extended message");
      }
      caps.extended_message = true;
      return {};
    case cap_code::enhanced_route_refresh:  // RFC 7313 §3
      if (len != 0) {
        return bad("enhanced route refresh");
      }
      caps.enhanced_route_refresh = true;
      return {};
    case cap_code::four_octet_as:  // RFC 6793 §3
      if (len != 4) {
        return bad("4-octet AS");
      }
      if (!seen_as4) {
        seen_as4 = true;
        caps.four_octet_as = *value.get_u32();
      } else if (*value.get_u32() != *caps.four_octet_as) {
        // Two different ASNs: the peer's AS is ambiguous (RFC 4271 §6.2 Bad Peer AS).
        return std::unexpected(make_error(error_kind::bad_peer_as, cap_offset, 6,
                                          "two different 4-octet AS capabilities"));
      }
      return {};
    case cap_code::graceful_restart: {  // RFC 4724 §3
      if (len < 2 || (len - 2) % 4 != 0) {
        return bad("graceful restart");
      }
      if (seen_gr) {
        return {};
      }
      seen_gr = true;
      graceful_restart_cap gr;
      std::uint16_t flags_time = *value.get_u16();
      gr.restart_state = (flags_time & 0x8000) != 0;
      gr.notification = (flags_time & 0x4000) != 0;  // RFC 8538 §2
      gr.restart_time = flags_time & 0x0fff;
      gr.families.reserve((len - 2) / 4);
      while (!value.empty()) {
        graceful_restart_cap::family_flags ff;
        ff.fam.a = static_cast<afi>(*value.get_u16());
        ff.fam.s = static_cast<safi>(*value.get_u8());
        ff.forwarding_preserved = (*value.get_u8() & 0x80) != 0;
        gr.families.push_back(ff);
      }
      caps.graceful_restart = std::move(gr);
      return {};
    }
    default: {
      unknown_capability u;
      u.code = code;
      auto bytes = value.rest();
      u.value.assign(bytes.begin(), bytes.end());
      caps.unknown.push_back(std::move(u));
      return {};
    }
  }
}

}  // namespace

namespace detail {

std::expected<decoded, decode_error> decode_open(std::span<const std::uint8_t> msg,
                                                 const codec_context& ctx) {
  reader r(msg.subspan(header_size), header_size);
  open_message open;
  // frame() guarantees the 10 fixed octets.
  open.version = *r.get_u8();
  open.my_as = *r.get_u16();
  open.hold_time = *r.get_u16();
  open.bgp_identifier = *r.get_u32();
  std::uint8_t opt_len = *r.get_u8();

  // RFC 4271 §6.2: a version we do not speak makes the rest meaningless; check it first.
  if (open.version != 4) {
    auto e = make_error(error_kind::unsupported_version_number, version_offset, 1,
                        "version " + std::to_string(open.version));
    e.data = {0x00, 0x04};  // the largest version we support
    return std::unexpected(std::move(e));
  }

  // RFC 9072 §2: a non-zero length followed by parameter type 255 announces the extended format.
  bool extended = opt_len != 0 && r.peek_u8() == std::uint8_t{255};
  std::optional<reader> params;
  if (extended) {
    r.skip(1);
    auto ext_len = r.get_u16();
    if (!ext_len) {  // CVE-2022-40302: truncated extended header
      return malformed(opt_len_offset, 1 + r.remaining(), "truncated extended parameters length");
    }
    params = r.get_sub(*ext_len);
    if (!params) {
      return malformed(opt_len_offset + 2, 2,
                       "extended optional parameters length " + std::to_string(*ext_len) +
                           " past the end of the message");
    }
  } else {
    params = r.get_sub(opt_len);
    if (!params) {  // CVE-2022-43681
      return malformed(
          opt_len_offset, 1,
          "optional parameters length " + std::to_string(opt_len) + " past the end of the message");
    }
  }
  if (!r.empty()) {
    return malformed(r.offset(), r.remaining(), "bytes after the optional parameters");
  }

  bool seen_gr = false;
  bool seen_as4 = false;
  while (!params->empty()) {
    std::size_t param_offset = params->offset();
    auto type = params->get_u8();
    std::optional<std::size_t> len;
    if (extended) {
      if (auto l = params->get_u16()) {
        len = *l;
      }
    } else if (auto l = params->get_u8()) {
      len = *l;
    }
    if (!type || !len) {
      return malformed(param_offset, params->remaining() + 1, "truncated optional parameter");
    }
    auto value = params->get_sub(*len);
    if (!value) {
      return malformed(
          param_offset, extended ? 3 : 2,
          "optional parameter length " + std::to_string(*len) + " past the optional parameters");
    }
    if (*type != capabilities_parameter) {
      // RFC 4271 §6.2; type 1 (authentication) is deprecated by RFC 5492 too.
      return std::unexpected(make_error(error_kind::unsupported_optional_parameter, param_offset,
                                        value->offset() + *len - param_offset,
                                        "optional parameter type " + std::to_string(*type)));
    }
    while (!value->empty()) {
      std::size_t cap_offset = value->offset();
      auto code = value->get_u8();
      auto cap_len = value->get_u8();
      if (!code || !cap_len) {
        return malformed(cap_offset, 1, "truncated capability header");
      }
      auto cap_value = value->get_sub(*cap_len);
      if (!cap_value) {
        return malformed(cap_offset, 2,
                         "capability " + std::to_string(*code) + " length " +
                             std::to_string(*cap_len) + " past its parameter");
      }
      auto ok = decode_capability(*code, *cap_value, cap_offset, open.caps, seen_gr, seen_as4);
      if (!ok) {
        return std::unexpected(std::move(ok.error()));
      }
    }
  }

  if (auto ok = validate_open(open, ctx); !ok) {
    return std::unexpected(std::move(ok.error()));
  }
  return decoded{std::move(open), {}, false};
}

}  // namespace detail

// RFC 4271 §6.2 in its order: version, peer AS, hold time, identifier.
std::expected<void, decode_error> validate_open(const open_message& open,
                                                const codec_context& ctx) {
  if (open.version != 4) {
    auto e = make_error(error_kind::unsupported_version_number, version_offset, 1,
                        "version " + std::to_string(open.version));
    e.data = {0x00, 0x04};
    return std::unexpected(std::move(e));
  }
  auto bad_as = [](std::size_t offset, std::size_t length, std::string detail) {
    return std::unexpected(make_error(error_kind::bad_peer_as, offset, length, std::move(detail)));
  };
  if (open.my_as == 0) {
    return bad_as(my_as_offset, 2, "AS 0");
  }
  if (open.caps.four_octet_as) {
    std::uint32_t as4 = *open.caps.four_octet_as;
    if (as4 == 0) {
      return bad_as(my_as_offset, 2, "4-octet AS capability with AS 0");
    }
    // RFC 6793 §4.1: My AS is the AS itself when it fits in 2 octets, AS_TRANS otherwise.
    std::uint32_t expected_my_as = as4 > 0xffff ? as_trans : as4;
    if (open.my_as != expected_my_as) {
      return bad_as(my_as_offset, 2,
                    "My AS " + std::to_string(open.my_as) + " is neither AS_TRANS nor the " +
                        "4-octet AS " + std::to_string(as4));
    }
  } else if (open.my_as == as_trans) {
    return bad_as(my_as_offset, 2, "AS_TRANS without the 4-octet AS capability");
  }
  if (ctx.expected_peer_as && open.asn() != *ctx.expected_peer_as) {
    return bad_as(
        my_as_offset, 2,
        "AS " + std::to_string(open.asn()) + ", expected " + std::to_string(*ctx.expected_peer_as));
  }
  // RFC 4271 §6.2: hold time 1 or 2 seconds is unacceptable (0 disables keepalives).
  if (open.hold_time == 1 || open.hold_time == 2) {
    return std::unexpected(make_error(error_kind::unacceptable_hold_time, hold_time_offset, 2,
                                      "hold time " + std::to_string(open.hold_time)));
  }
  // RFC 4271 §6.2: identifier 0. RFC 6286 §2.2: equal to ours only matters for an internal peer
  // (identifiers need only be unique within an AS).
  bool internal = ctx.local_as != 0 && open.asn() == ctx.local_as;
  if (open.bgp_identifier == 0 ||
      (internal && ctx.local_identifier != 0 && open.bgp_identifier == ctx.local_identifier)) {
    return std::unexpected(
        make_error(error_kind::bad_bgp_identifier, identifier_offset, 4,
                   open.bgp_identifier == 0 ? "identifier 0" : "identifier equal to ours"));
  }
  return {};
}

}  // namespace svcbgp::bgp
