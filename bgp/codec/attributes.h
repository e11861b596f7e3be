// BGP path attributes (RFC 4271 §4.3, §5) as decoded values.
//
// `path_attributes` is the unit the Adj-RIB-Out groups prefixes by, so it is a regular value type
// with equality and a hash. Attributes the codec does not know are kept raw (`unknown_attribute`)
// so that optional transitive ones can be passed on with the Partial bit (RFC 4271 §5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

// RFC 4271 §4.3 attribute type codes, plus the later RFCs listed in shared/spec/bgp.md.
namespace attr_type {
inline constexpr std::uint8_t origin = 1;
inline constexpr std::uint8_t as_path = 2;
inline constexpr std::uint8_t next_hop = 3;
inline constexpr std::uint8_t med = 4;
inline constexpr std::uint8_t local_pref = 5;
inline constexpr std::uint8_t atomic_aggregate = 6;
inline constexpr std::uint8_t aggregator = 7;
inline constexpr std::uint8_t communities = 8;            // RFC 1997
inline constexpr std::uint8_t originator_id = 9;          // RFC 4456
inline constexpr std::uint8_t cluster_list = 10;          // RFC 4456
inline constexpr std::uint8_t mp_reach_nlri = 14;         // RFC 4760
inline constexpr std::uint8_t mp_unreach_nlri = 15;       // RFC 4760
inline constexpr std::uint8_t extended_communities = 16;  // RFC 4360
inline constexpr std::uint8_t as4_path = 17;              // RFC 6793
inline constexpr std::uint8_t as4_aggregator = 18;        // RFC 6793
inline constexpr std::uint8_t large_communities = 32;     // RFC 8092
}  // namespace attr_type

namespace attr_flag {
inline constexpr std::uint8_t optional = 0x80;
inline constexpr std::uint8_t transitive = 0x40;
inline constexpr std::uint8_t partial = 0x20;
inline constexpr std::uint8_t extended_length = 0x10;
}  // namespace attr_flag

enum class origin_type : std::uint8_t { igp = 0, egp = 1, incomplete = 2 };

struct as_path_segment {
  enum class kind : std::uint8_t {
    as_set = 1,
    as_sequence = 2,
    confed_sequence = 3,
    confed_set = 4
  };
  kind type = kind::as_sequence;
  std::vector<std::uint32_t> asns;
  friend bool operator==(const as_path_segment&, const as_path_segment&) = default;
};

struct as_path {
  std::vector<as_path_segment> segments;
  // RFC 4271 §9.1.2.2 a): an AS_SET counts 1, confederation segments 0.
  std::size_t length() const;
  std::string to_string() const;  // "65000 65001 {65002 65003}"
  friend bool operator==(const as_path&, const as_path&) = default;
};

struct aggregator {
  std::uint32_t asn = 0;
  ip_address address;  // always IPv4
  friend bool operator==(const aggregator&, const aggregator&) = default;
};

struct large_community {
  std::uint32_t global_admin = 0;
  std::uint32_t local1 = 0;
  std::uint32_t local2 = 0;
  std::string to_string() const;  // "65000:1:2"
  static std::optional<large_community> parse(std::string_view text);
  friend auto operator<=>(const large_community&, const large_community&) = default;
};

// Standard community as one 32-bit value (RFC 1997); text form "65000:100" or the well-known names.
std::string community_to_string(std::uint32_t c);
std::optional<std::uint32_t> parse_community(std::string_view text);

struct unknown_attribute {
  std::uint8_t flags = 0;  // as received, extended-length bit cleared
  std::uint8_t type = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const unknown_attribute&, const unknown_attribute&) = default;
};

// The attributes shared by all prefixes of one UPDATE, minus the MP_REACH/MP_UNREACH NLRI, which
// the codec keeps on the update itself. The IPv6 next hop of MP_REACH is kept here so that two
// IPv6 routes with different next hops never share an attribute set.
struct path_attributes {
  std::optional<origin_type> origin;
  std::optional<as_path> path;
  // Received AS4_PATH, kept raw for display; the decoder merges it into `path` (RFC 6793 §4.2.3).
  std::optional<as_path> as4_path;
  std::optional<ip_address> next_hop;  // NEXT_HOP (IPv4)
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<aggregator> aggr;
  std::optional<aggregator> as4_aggr;
  std::vector<std::uint32_t> communities;
  std::vector<std::uint64_t> extended_communities;
  std::vector<large_community> large_communities;
  std::optional<ip_address> originator_id;
  std::vector<std::uint32_t> cluster_list;
  // MP_REACH next hop (RFC 2545 §3: global, optionally followed by link-local).
  std::optional<ip_address> mp_next_hop;
  std::optional<ip_address> mp_next_hop_link_local;
  std::vector<unknown_attribute> unknown;

  friend bool operator==(const path_attributes&, const path_attributes&) = default;
};

struct path_attributes_hash {
  std::size_t operator()(const path_attributes& a) const noexcept;
};

}  // namespace svcbgp::bgp
