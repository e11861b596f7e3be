#include "bgp/codec/ext_community.h"

#include <bit>
#include <cstdio>

#include "bgp/codec/message.h"

namespace svcbgp::bgp {
namespace {

constexpr std::uint8_t two_octet_as = 0x00;  // RFC 4360 §3.1; 0x40 non-transitive
constexpr std::uint8_t non_transitive = 0x40;
constexpr std::uint8_t subtype_link_bandwidth = 0x04;

}  // namespace

std::uint64_t link_bandwidth(std::uint32_t asn, float bytes_per_second, bool transitive) {
  const std::uint64_t type = transitive ? two_octet_as : two_octet_as | non_transitive;
  const std::uint64_t as2 = asn > 0xffff ? as_trans : asn;
  return type << 56 | std::uint64_t{subtype_link_bandwidth} << 48 | as2 << 32 |
         std::bit_cast<std::uint32_t>(bytes_per_second);
}

std::optional<link_bandwidth_value> parse_link_bandwidth(std::uint64_t ec) {
  const auto type = static_cast<std::uint8_t>(ec >> 56);
  if ((type & ~non_transitive) != two_octet_as ||
      static_cast<std::uint8_t>(ec >> 48) != subtype_link_bandwidth) {
    return std::nullopt;
  }
  return link_bandwidth_value{static_cast<std::uint16_t>(ec >> 32),
                              std::bit_cast<float>(static_cast<std::uint32_t>(ec)),
                              (type & non_transitive) == 0};
}

std::string ext_community_to_string(std::uint64_t ec) {
  const auto type = static_cast<std::uint16_t>(ec >> 48);
  char kind[24];
  switch (type & 0xf0ff) {  // the transitive bit and the IANA-authority bit do not change the kind
    case 0x0002:
      std::snprintf(kind, sizeof kind, "rt");
      break;
    case 0x0003:
      std::snprintf(kind, sizeof kind, "ro");
      break;
    default:
      std::snprintf(kind, sizeof kind, "unknown 0x%x", static_cast<unsigned>(type));
  }
  char out[80];
  switch (ec >> 56) {
    case 0x00:  // RFC 4360 §3.1: two-octet AS specific
    case 0x40:
      std::snprintf(out, sizeof out, "(%s, %u, %u)", kind,
                    static_cast<unsigned>((ec >> 32) & 0xffff),
                    static_cast<unsigned>(ec & 0xffffffff));
      break;
    case 0x01:  // §3.2: IPv4 address specific
    case 0x41: {
      const auto a = static_cast<std::uint32_t>(ec >> 16);
      std::snprintf(out, sizeof out, "(%s, %u.%u.%u.%u, %u)", kind, a >> 24, (a >> 16) & 0xff,
                    (a >> 8) & 0xff, a & 0xff, static_cast<unsigned>(ec & 0xffff));
      break;
    }
    case 0x02:  // RFC 5668: four-octet AS specific
    case 0x42:
      std::snprintf(out, sizeof out, "(%s, %u, %u)", kind,
                    static_cast<unsigned>((ec >> 16) & 0xffffffff),
                    static_cast<unsigned>(ec & 0xffff));
      break;
    default:
      std::snprintf(out, sizeof out, "(generic, 0x%x, 0x%x)", static_cast<unsigned>(ec >> 32),
                    static_cast<unsigned>(ec & 0xffffffff));
  }
  return out;
}

}  // namespace svcbgp::bgp
