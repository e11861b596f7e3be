// Helpers shared by the rib tests: prefixes, attribute sets, contexts, and the wire round trip.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "bgp/codec/codec.h"
#include "bgp/rib/route.h"

namespace svcbgp::bgp::testing {

inline prefix v4_host(std::uint32_t i) {
  return prefix::host(ip_address::v4(0x0a000000u + i));
}

inline prefix v4_net(std::uint32_t i, std::uint8_t len) {
  return prefix{ip_address::v4(0x0a000000u + (i << (32 - len))), len};
}

inline prefix v6_host(std::uint32_t i) {
  std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  b[12] = static_cast<std::uint8_t>(i >> 24);
  b[13] = static_cast<std::uint8_t>(i >> 16);
  b[14] = static_cast<std::uint8_t>(i >> 8);
  b[15] = static_cast<std::uint8_t>(i);
  return prefix::host(ip_address::v6_bytes(b));
}

inline ip_address v6_addr(std::uint8_t last) {
  std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  b[15] = last;
  return ip_address::v6_bytes(b);
}

// An eBGP-style attribute set for IPv4 (NEXT_HOP) or IPv6 (MP next hop); `tag` goes into the
// communities so that different tags give different sets.
inline path_attributes make_attrs(bool v6, std::uint32_t tag = 0,
                                  std::size_t extra_communities = 0) {
  path_attributes a;
  a.origin = origin_type::igp;
  a.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence, {65001}}}};
  if (v6) {
    a.mp_next_hop = v6_addr(1);
  } else {
    a.next_hop = ip_address::v4(0xc0000201u);  // 192.0.2.1
  }
  a.communities.push_back((65001u << 16) | tag);
  for (std::size_t i = 0; i < extra_communities; ++i) {
    a.communities.push_back((65002u << 16) | static_cast<std::uint32_t>(i));
  }
  return a;
}

inline attributes_ptr make_attrs_ptr(bool v6, std::uint32_t tag = 0,
                                     std::size_t extra_communities = 0) {
  return std::make_shared<const path_attributes>(make_attrs(v6, tag, extra_communities));
}

inline codec_context make_ctx(std::vector<family> fams = {ipv4_unicast, ipv6_unicast},
                              bool extended = false) {
  // Designated initializers: GCC 12 warns (falsely) about the default `families` list otherwise.
  codec_context ctx{.four_octet_as = true,
                    .extended_message = extended,
                    .families = std::move(fams),
                    .local_as = 65000,
                    .local_identifier = 0x0a000001};
  return ctx;
}

// Encodes and decodes an UPDATE as the peer would see it.
inline decoded round_trip(const update_message& u, const codec_context& ctx,
                          std::size_t* encoded_size = nullptr) {
  std::vector<std::uint8_t> bytes = encode(message{u}, ctx);
  if (encoded_size != nullptr) {
    *encoded_size = bytes.size();
  }
  EXPECT_LE(bytes.size(), ctx.max_size());
  auto d = decode(bytes, ctx);
  EXPECT_TRUE(d.has_value());
  if (!d) {
    return decoded{message{update_message{}}};
  }
  EXPECT_FALSE(d->treat_as_withdraw);
  EXPECT_TRUE(d->recovered.empty());
  return *std::move(d);
}

// Every prefix an UPDATE carries, announced or withdrawn.
inline std::size_t prefix_count(const update_message& u) {
  return u.withdrawn.size() + u.nlri.size() + u.mp_reach.size() + u.mp_unreach.size();
}

inline std::size_t ceil_div(std::size_t a, std::size_t b) {
  return (a + b - 1) / b;
}

}  // namespace svcbgp::bgp::testing
