// IP addresses and prefixes as the BGP codec carries them.
//
// Plain value types with no dependency on Asio or the OS, so that the pure libraries (codec, fsm,
// rib) can use them. Conversion to and from text lives here too; conversion to socket addresses
// belongs to bgp/session.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace svcbgp::bgp {

// RFC 4760 §3: Address Family Identifier and Subsequent AFI. Only unicast is carried.
enum class afi : std::uint16_t { ipv4 = 1, ipv6 = 2 };
enum class safi : std::uint8_t { unicast = 1 };

struct family {
  afi a = afi::ipv4;
  safi s = safi::unicast;
  friend constexpr auto operator<=>(const family&, const family&) = default;
};

inline constexpr family ipv4_unicast{afi::ipv4, safi::unicast};
inline constexpr family ipv6_unicast{afi::ipv6, safi::unicast};

std::string to_string(family f);  // "ipv4-unicast", "ipv6-unicast", "afi-N/safi-M"

// An IPv4 or IPv6 address. IPv4 uses the first 4 bytes of `bytes`, the rest are zero, so that
// default comparison orders and compares correctly.
struct ip_address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  static ip_address v4(std::uint32_t host_order);
  static ip_address v4(std::array<std::uint8_t, 4> b);
  static ip_address v6_bytes(const std::array<std::uint8_t, 16>& b);
  // Accepts dotted quad or RFC 5952/4291 IPv6 text; nullopt on anything else.
  static std::optional<ip_address> parse(std::string_view text);

  std::uint32_t v4_host_order() const;  // only meaningful when !v6
  afi family_afi() const { return v6 ? afi::ipv6 : afi::ipv4; }
  std::size_t size() const { return v6 ? 16 : 4; }
  bool is_unspecified() const;
  bool is_link_local() const;     // fe80::/10 or 169.254/16
  std::string to_string() const;  // RFC 5952 for IPv6

  friend constexpr auto operator<=>(const ip_address&, const ip_address&) = default;
};

// A prefix; bits of `addr` past `length` are always zero (parse and the decoder enforce it).
struct prefix {
  ip_address addr;
  std::uint8_t length = 0;

  static std::optional<prefix> parse(
      std::string_view text);  // "10.0.0.0/8", "fd00::/64", bare IP = host
  static prefix host(const ip_address& a) {
    return prefix{a, static_cast<std::uint8_t>(a.v6 ? 128 : 32)};
  }
  family fam() const { return addr.v6 ? ipv6_unicast : ipv4_unicast; }
  bool contains(const ip_address& a) const;
  bool contains(const prefix& p) const;
  // The covering prefix of the given length (length must be <= this->length).
  prefix truncated(std::uint8_t new_length) const;
  std::string to_string() const;

  friend constexpr auto operator<=>(const prefix&, const prefix&) = default;
};

struct prefix_hash {
  std::size_t operator()(const prefix& p) const noexcept;
};

}  // namespace svcbgp::bgp
