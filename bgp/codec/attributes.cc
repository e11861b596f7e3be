// Path attribute values: text forms and the hash the Adj-RIB-Out groups by.
#include "bgp/codec/attributes.h"

#include <charconv>
#include <cstring>

namespace svcbgp::bgp {

namespace {

// RFC 1997 and IANA "BGP Well-known Communities".
struct named_community {
  std::uint32_t value;
  std::string_view name;
};
constexpr named_community well_known_communities[] = {
    {0xFFFF0000, "graceful-shutdown"},  // RFC 8326
    {0xFFFF0001, "accept-own"},         // RFC 7611
    {0xFFFF0006, "llgr-stale"},         // RFC 9494
    {0xFFFF0007, "no-llgr"},            // RFC 9494
    {0xFFFF029A, "blackhole"},          // RFC 7999
    {0xFFFFFF01, "no-export"},
    {0xFFFFFF02, "no-advertise"},
    {0xFFFFFF03, "no-export-subconfed"},
    {0xFFFFFF04, "no-peer"},  // RFC 3765
};

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  T value{};
  if (s.empty()) {
    return std::nullopt;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

inline void hash_combine(std::size_t& seed, std::uint64_t v) {
  std::uint64_t h = v * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 32;
  seed ^= static_cast<std::size_t>(h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

void hash_address(std::size_t& seed, const ip_address& a) {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  std::memcpy(&hi, a.bytes.data(), 8);
  std::memcpy(&lo, a.bytes.data() + 8, 8);
  hash_combine(seed, hi);
  hash_combine(seed, lo ^ (a.v6 ? 1 : 0));
}

void hash_path(std::size_t& seed, const as_path& p) {
  hash_combine(seed, p.segments.size());
  for (const auto& s : p.segments) {
    hash_combine(seed, static_cast<std::uint64_t>(s.type) << 32 | s.asns.size());
    for (auto asn : s.asns) {
      hash_combine(seed, asn);
    }
  }
}

}  // namespace

// RFC 4271 §9.1.2.2 a): an AS_SET counts 1; RFC 5065 §5.3: confederation segments count 0.
std::size_t as_path::length() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    switch (s.type) {
      case as_path_segment::kind::as_sequence:
        n += s.asns.size();
        break;
      case as_path_segment::kind::as_set:
        n += 1;
        break;
      case as_path_segment::kind::confed_sequence:
      case as_path_segment::kind::confed_set:
        break;
    }
  }
  return n;
}

std::string as_path::to_string() const {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    const char* open = "";
    const char* close = "";
    switch (s.type) {
      case as_path_segment::kind::as_sequence:
        break;
      case as_path_segment::kind::as_set:
        open = "{";
        close = "}";
        break;
      case as_path_segment::kind::confed_sequence:
        open = "(";
        close = ")";
        break;
      case as_path_segment::kind::confed_set:
        open = "[";
        close = "]";
        break;
    }
    out += open;
    for (std::size_t i = 0; i < s.asns.size(); ++i) {
      if (i != 0) {
        out.push_back(' ');
      }
      out += std::to_string(s.asns[i]);
    }
    out += close;
  }
  return out;
}

std::string large_community::to_string() const {
  return std::to_string(global_admin) + ":" + std::to_string(local1) + ":" + std::to_string(local2);
}

std::optional<large_community> large_community::parse(std::string_view text) {
  std::size_t a = text.find(':');
  if (a == std::string_view::npos) {
    return std::nullopt;
  }
  std::size_t b = text.find(':', a + 1);
  if (b == std::string_view::npos) {
    return std::nullopt;
  }
  auto g = parse_number<std::uint32_t>(text.substr(0, a));
  auto l1 = parse_number<std::uint32_t>(text.substr(a + 1, b - a - 1));
  auto l2 = parse_number<std::uint32_t>(text.substr(b + 1));
  if (!g || !l1 || !l2) {
    return std::nullopt;
  }
  return large_community{*g, *l1, *l2};
}

std::string community_to_string(std::uint32_t c) {
  for (const auto& n : well_known_communities) {
    if (n.value == c) {
      return std::string(n.name);
    }
  }
  return std::to_string(c >> 16) + ":" + std::to_string(c & 0xffff);
}

std::optional<std::uint32_t> parse_community(std::string_view text) {
  for (const auto& n : well_known_communities) {
    if (n.name == text) {
      return n.value;
    }
  }
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  auto hi = parse_number<std::uint16_t>(text.substr(0, colon));
  auto lo = parse_number<std::uint16_t>(text.substr(colon + 1));
  if (!hi || !lo) {
    return std::nullopt;
  }
  return (std::uint32_t{*hi} << 16) | *lo;
}

std::size_t path_attributes_hash::operator()(const path_attributes& a) const noexcept {
  std::size_t seed = 0;
  hash_combine(seed, a.origin ? static_cast<std::uint64_t>(*a.origin) + 1 : 0);
  if (a.path) {
    hash_path(seed, *a.path);
  } else {
    hash_combine(seed, 0xa5);
  }
  if (a.as4_path) {
    hash_path(seed, *a.as4_path);
  }
  if (a.next_hop) {
    hash_address(seed, *a.next_hop);
  }
  hash_combine(seed, a.med ? (std::uint64_t{1} << 32 | *a.med) : 0);
  hash_combine(seed, a.local_pref ? (std::uint64_t{1} << 32 | *a.local_pref) : 0);
  hash_combine(seed, a.atomic_aggregate ? 1 : 0);
  if (a.aggr) {
    hash_combine(seed, a.aggr->asn);
    hash_address(seed, a.aggr->address);
  }
  if (a.as4_aggr) {
    hash_combine(seed, a.as4_aggr->asn);
    hash_address(seed, a.as4_aggr->address);
  }
  hash_combine(seed, a.communities.size());
  for (auto c : a.communities) {
    hash_combine(seed, c);
  }
  hash_combine(seed, a.extended_communities.size());
  for (auto c : a.extended_communities) {
    hash_combine(seed, c);
  }
  hash_combine(seed, a.large_communities.size());
  for (const auto& c : a.large_communities) {
    hash_combine(seed, (std::uint64_t{c.global_admin} << 32) | c.local1);
    hash_combine(seed, c.local2);
  }
  if (a.originator_id) {
    hash_address(seed, *a.originator_id);
  }
  for (auto c : a.cluster_list) {
    hash_combine(seed, c);
  }
  if (a.mp_next_hop) {
    hash_address(seed, *a.mp_next_hop);
  }
  if (a.mp_next_hop_link_local) {
    hash_address(seed, *a.mp_next_hop_link_local);
  }
  hash_combine(seed, a.unknown.size());
  for (const auto& u : a.unknown) {
    hash_combine(seed, (std::uint64_t{u.flags} << 8) | u.type);
    for (auto b : u.value) {
      hash_combine(seed, b);
    }
  }
  return seed;
}

}  // namespace svcbgp::bgp
