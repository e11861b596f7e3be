// The extended communities (RFC 4360) svcbgp makes, and how they are shown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace svcbgp::bgp {

// draft-ietf-idr-link-bandwidth §2: a two-octet AS specific extended community, subtype 0x04, with
// the AS (AS_TRANS when it needs four octets, RFC 6793 §9) and the bandwidth in bytes per second
// as an IEEE 754 single-precision float. Non-transitive (type 0x40) unless `transitive`.
std::uint64_t link_bandwidth(std::uint32_t asn, float bytes_per_second, bool transitive);

struct link_bandwidth_value {
  std::uint16_t asn = 0;
  float bytes_per_second = 0;
  bool transitive = false;
};
std::optional<link_bandwidth_value> parse_link_bandwidth(std::uint64_t ec);

// As BIRD shows it: "(rt, 65000, 100)", "(ro, 192.0.2.1, 7)", "(unknown 0x4004, 64601,
// 1232348160)", and "(generic, 0x3000001, 0x2)" for the kinds it does not split.
std::string ext_community_to_string(std::uint64_t ec);

}  // namespace svcbgp::bgp
