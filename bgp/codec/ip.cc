// IP address and prefix values: text conversion, containment, hashing.
#include "bgp/codec/ip.h"

#include <cstring>

namespace svcbgp::bgp {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Dotted quad, four decimal octets without leading zeros (no octal ambiguity).
std::optional<std::array<std::uint8_t, 4>> parse_v4(std::string_view s) {
  std::array<std::uint8_t, 4> out{};
  std::size_t part = 0;
  std::size_t i = 0;
  while (true) {
    if (part == 4 || i >= s.size()) {
      return std::nullopt;
    }
    std::size_t start = i;
    unsigned value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + static_cast<unsigned>(s[i] - '0');
      if (i - start >= 3 || value > 255) {
        return std::nullopt;
      }
      ++i;
    }
    std::size_t digits = i - start;
    if (digits == 0 || (digits > 1 && s[start] == '0')) {
      return std::nullopt;
    }
    out[part++] = static_cast<std::uint8_t>(value);
    if (i == s.size()) {
      break;
    }
    if (s[i] != '.') {
      return std::nullopt;
    }
    ++i;
  }
  if (part != 4) {
    return std::nullopt;
  }
  return out;
}

// RFC 4291 §2.2 text forms, including "::" and a trailing dotted quad.
std::optional<std::array<std::uint8_t, 16>> parse_v6(std::string_view s) {
  std::array<std::uint16_t, 8> groups{};
  std::size_t count = 0;
  std::optional<std::size_t> gap;  // index in groups where "::" stands
  std::size_t i = 0;
  if (s.size() < 2) {
    return std::nullopt;
  }
  if (s[0] == ':') {
    if (s[1] != ':') {
      return std::nullopt;
    }
    gap = 0;
    i = 2;
    if (i == s.size()) {
      return std::array<std::uint8_t, 16>{};
    }
  }
  while (i < s.size()) {
    if (count == 8) {
      return std::nullopt;
    }
    // A trailing IPv4 part takes two groups.
    std::size_t end = s.find(':', i);
    std::string_view token = s.substr(i, end == std::string_view::npos ? s.size() - i : end - i);
    if (end == std::string_view::npos && token.find('.') != std::string_view::npos) {
      auto v4 = parse_v4(token);
      if (!v4 || count > 6) {
        return std::nullopt;
      }
      groups[count++] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
      groups[count++] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
      i = s.size();
      break;
    }
    if (token.empty() || token.size() > 4) {
      return std::nullopt;
    }
    unsigned value = 0;
    for (char c : token) {
      int h = hex_value(c);
      if (h < 0) {
        return std::nullopt;
      }
      value = value * 16 + static_cast<unsigned>(h);
    }
    groups[count++] = static_cast<std::uint16_t>(value);
    i += token.size();
    if (i == s.size()) {
      break;
    }
    // s[i] == ':'
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap) {
        return std::nullopt;
      }
      gap = count;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;  // trailing single ':'
    }
  }
  std::array<std::uint16_t, 8> full{};
  if (gap) {
    if (count >= 8) {
      return std::nullopt;  // "::" must stand for at least one group
    }
    std::size_t tail = count - *gap;
    for (std::size_t k = 0; k < *gap; ++k) {
      full[k] = groups[k];
    }
    for (std::size_t k = 0; k < tail; ++k) {
      full[8 - tail + k] = groups[*gap + k];
    }
  } else {
    if (count != 8) {
      return std::nullopt;
    }
    full = groups;
  }
  std::array<std::uint8_t, 16> out{};
  for (std::size_t k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<std::uint8_t>(full[k] & 0xff);
  }
  return out;
}

// Clears the bits of `a` past `length`.
void mask_bits(ip_address& a, unsigned length) {
  std::size_t size = a.size();
  for (std::size_t i = 0; i < size; ++i) {
    unsigned first_bit = static_cast<unsigned>(i * 8);
    if (first_bit >= length) {
      a.bytes[i] = 0;
    } else if (length - first_bit < 8) {
      a.bytes[i] &= static_cast<std::uint8_t>(0xff << (8 - (length - first_bit)));
    }
  }
}

}  // namespace

std::string to_string(family f) {
  if (f == ipv4_unicast) {
    return "ipv4-unicast";
  }
  if (f == ipv6_unicast) {
    return "ipv6-unicast";
  }
  return "afi-" + std::to_string(static_cast<unsigned>(f.a)) + "/safi-" +
         std::to_string(static_cast<unsigned>(f.s));
}

ip_address ip_address::v4(std::uint32_t host_order) {
  ip_address a;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

ip_address ip_address::v4(std::array<std::uint8_t, 4> b) {
  ip_address a;
  std::memcpy(a.bytes.data(), b.data(), 4);
  return a;
}

ip_address ip_address::v6_bytes(const std::array<std::uint8_t, 16>& b) {
  ip_address a;
  a.v6 = true;
  a.bytes = b;
  return a;
}

std::optional<ip_address> ip_address::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    if (auto b = parse_v6(text)) {
      return v6_bytes(*b);
    }
    return std::nullopt;
  }
  if (auto b = parse_v4(text)) {
    return v4(*b);
  }
  return std::nullopt;
}

std::uint32_t ip_address::v4_host_order() const {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

bool ip_address::is_unspecified() const {
  for (std::size_t i = 0; i < size(); ++i) {
    if (bytes[i] != 0) {
      return false;
    }
  }
  return true;
}

bool ip_address::is_link_local() const {
  if (v6) {
    return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
  }
  return bytes[0] == 169 && bytes[1] == 254;
}

std::string ip_address::to_string() const {
  std::string out;
  if (!v6) {
    out.reserve(15);
    for (std::size_t i = 0; i < 4; ++i) {
      if (i != 0) {
        out.push_back('.');
      }
      out += std::to_string(bytes[i]);
    }
    return out;
  }
  std::array<std::uint16_t, 8> g{};
  for (std::size_t k = 0; k < 8; ++k) {
    g[k] = static_cast<std::uint16_t>((bytes[2 * k] << 8) | bytes[2 * k + 1]);
  }
  // RFC 5952 §5: IPv4-mapped addresses in mixed notation.
  if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
    return "::ffff:" +
           ip_address::v4(std::array<std::uint8_t, 4>{bytes[12], bytes[13], bytes[14], bytes[15]})
               .to_string();
  }
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
  int best_start = -1;
  int best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int start = k;
    while (k < 8 && g[k] == 0) {
      ++k;
    }
    if (k - start > best_len) {
      best_start = start;
      best_len = k - start;
    }
  }
  if (best_len < 2) {
    best_start = -1;
  }
  out.reserve(39);
  for (int k = 0; k < 8; ++k) {
    if (k == best_start) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (k != 0 && k != best_start + best_len) {
      out.push_back(':');
    }
    // RFC 5952 §4.1: no leading zeros, §4.3: lower case.
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned nibble = (g[k] >> shift) & 0xf;
      if (nibble != 0 || started || shift == 0) {
        out.push_back(hex_digits[nibble]);
        started = true;
      }
    }
  }
  return out;
}

std::optional<prefix> prefix::parse(std::string_view text) {
  std::size_t slash = text.find('/');
  auto addr = ip_address::parse(text.substr(0, slash));
  if (!addr) {
    return std::nullopt;
  }
  unsigned max_length = addr->v6 ? 128 : 32;
  if (slash == std::string_view::npos) {
    return prefix::host(*addr);
  }
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3 || (len_text.size() > 1 && len_text[0] == '0')) {
    return std::nullopt;
  }
  unsigned length = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    length = length * 10 + static_cast<unsigned>(c - '0');
  }
  if (length > max_length) {
    return std::nullopt;
  }
  prefix p{*addr, static_cast<std::uint8_t>(length)};
  mask_bits(p.addr, length);  // host bits are cleared, not rejected
  return p;
}

bool prefix::contains(const ip_address& a) const {
  if (a.v6 != addr.v6) {
    return false;
  }
  ip_address masked = a;
  mask_bits(masked, length);
  return masked == addr;
}

bool prefix::contains(const prefix& p) const {
  return p.addr.v6 == addr.v6 && p.length >= length && contains(p.addr);
}

prefix prefix::truncated(std::uint8_t new_length) const {
  prefix p = *this;
  if (new_length < p.length) {
    p.length = new_length;
    mask_bits(p.addr, new_length);
  }
  return p;
}

std::string prefix::to_string() const {
  return addr.to_string() + "/" + std::to_string(length);
}

std::size_t prefix_hash::operator()(const prefix& p) const noexcept {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  std::memcpy(&hi, p.addr.bytes.data(), 8);
  std::memcpy(&lo, p.addr.bytes.data() + 8, 8);
  std::uint64_t h = hi * 0x9e3779b97f4a7c15ULL;
  h ^= (lo + 0x632be59bd9b4e019ULL + (h << 6) + (h >> 2));
  h ^= (std::uint64_t{p.length} << 1 | (p.addr.v6 ? 1 : 0)) * 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

}  // namespace svcbgp::bgp
