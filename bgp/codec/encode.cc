// Encoding of messages (RFC 4271 §4) and the size helpers the Adj-RIB-Out packs with.
//
// Choices made here:
// - OPEN: all capabilities go in ONE Capabilities optional parameter (type 2, RFC 5492 §4); when
//   that parameter exceeds 255 octets the RFC 9072 extended length format is used.
// - UPDATE: MP_REACH_NLRI / MP_UNREACH_NLRI come first (RFC 7606 §5.1 "SHALL be encoded as the
//   very first path attribute"), the others follow in type-code order (RFC 4271 §5 "SHOULD"),
//   unknown attributes interleaved by their type code. MP_REACH/MP_UNREACH always use the
//   extended-length flag so that update_base_size() + nlri_size() sums are exact; other attributes
//   use it only when the value exceeds 255 octets.
// - On a 2-octet session, AS_PATH/AGGREGATOR carry AS_TRANS for large ASNs and AS4_PATH /
//   AS4_AGGREGATOR are generated from attrs.path / attrs.aggr (RFC 6793 §4.2.2); the received
//   attrs.as4_path / attrs.as4_aggr are never re-encoded.
// - Unknown optional transitive attributes are always sent with the Partial bit (RFC 4271 §5):
//   we never originate them, so any we send is one we pass on.
#include <algorithm>
#include <array>

#include "bgp/codec/codec.h"

namespace svcbgp::bgp {

namespace {

void put_u8(std::vector<std::uint8_t>& out, std::uint8_t v) {
  out.push_back(v);
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void patch_u16(std::vector<std::uint8_t>& out, std::size_t at, std::size_t v) {
  out[at] = static_cast<std::uint8_t>(v >> 8);
  out[at + 1] = static_cast<std::uint8_t>(v);
}

void put_address(std::vector<std::uint8_t>& out, const ip_address& a) {
  out.insert(out.end(), a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.size()));
}

// RFC 4271 §4.3: <length, prefix> with only the octets the length needs.
void put_prefix(std::vector<std::uint8_t>& out, const prefix& p) {
  out.push_back(p.length);
  std::size_t n = (std::size_t{p.length} + 7) / 8;
  out.insert(out.end(), p.addr.bytes.begin(),
             p.addr.bytes.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(n, 16)));
}

// Starts the header of a message; returns where it starts, for finish_header().
std::size_t start_header(std::vector<std::uint8_t>& out, message_type t) {
  std::size_t start = out.size();
  out.insert(out.end(), 16, 0xff);  // RFC 4271 §4.1 marker
  put_u16(out, 0);
  put_u8(out, static_cast<std::uint8_t>(t));
  return start;
}

void finish_header(std::vector<std::uint8_t>& out, std::size_t start) {
  patch_u16(out, start + 16, out.size() - start);
}

// Attribute header with a 2-octet length placeholder; end_attribute() fixes flags and length.
std::size_t begin_attribute(std::vector<std::uint8_t>& out, std::uint8_t flags, std::uint8_t type) {
  put_u8(out, flags);
  put_u8(out, type);
  put_u16(out, 0);
  return out.size();
}

void end_attribute(std::vector<std::uint8_t>& out, std::size_t value_start, bool force_extended) {
  std::size_t length = out.size() - value_start;
  std::size_t flags_at = value_start - 4;
  if (force_extended || length > 255) {
    out[flags_at] |= attr_flag::extended_length;
    patch_u16(out, value_start - 2, length);
    return;
  }
  out[flags_at] &= static_cast<std::uint8_t>(~attr_flag::extended_length);
  out[value_start - 2] = static_cast<std::uint8_t>(length);
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(value_start - 1));
}

bool is_confed(as_path_segment::kind k) {
  return k == as_path_segment::kind::confed_sequence || k == as_path_segment::kind::confed_set;
}

bool needs_as4(const as_path& p) {
  for (const auto& s : p.segments) {
    for (auto asn : s.asns) {
      if (asn > 0xffff) {
        return true;
      }
    }
  }
  return false;
}

// RFC 4271 §4.3 / RFC 6793 §3: segments of at most 255 ASNs, 2 or 4 octets each.
void put_as_path_value(std::vector<std::uint8_t>& out, const as_path& p, bool four_octet,
                       bool skip_confed) {
  for (const auto& s : p.segments) {
    if (skip_confed && is_confed(s.type)) {
      continue;  // RFC 6793 §3: no confederation segments in AS4_PATH
    }
    // A segment of length 0 is malformed (RFC 7606 §7.2): an empty one is simply not sent.
    std::size_t done = 0;
    while (done < s.asns.size()) {
      std::size_t n = std::min<std::size_t>(255, s.asns.size() - done);
      put_u8(out, static_cast<std::uint8_t>(s.type));
      put_u8(out, static_cast<std::uint8_t>(n));
      for (std::size_t i = done; i < done + n; ++i) {
        std::uint32_t asn = s.asns[i];
        if (four_octet) {
          put_u32(out, asn);
        } else {
          put_u16(out, static_cast<std::uint16_t>(asn > 0xffff ? as_trans : asn));
        }
      }
      done += n;
    }
  }
}

struct mp_part {
  family fam;
  std::span<const prefix> prefixes;
};

void put_mp_reach(std::vector<std::uint8_t>& out, const path_attributes& a, const mp_part& mp) {
  std::size_t v = begin_attribute(out, attr_flag::optional, attr_type::mp_reach_nlri);
  put_u16(out, static_cast<std::uint16_t>(mp.fam.a));
  put_u8(out, static_cast<std::uint8_t>(mp.fam.s));
  // RFC 4760 §3 next hop; RFC 2545 §3: IPv6 global, optionally followed by link-local.
  std::optional<ip_address> nh = a.mp_next_hop;
  if (!nh && mp.fam.a == afi::ipv4) {
    nh = a.next_hop;
  }
  if (!nh) {
    put_u8(out, 0);
  } else if (nh->v6 && a.mp_next_hop_link_local) {
    put_u8(out, 32);
    put_address(out, *nh);
    put_address(out, *a.mp_next_hop_link_local);
  } else {
    put_u8(out, static_cast<std::uint8_t>(nh->size()));
    put_address(out, *nh);
  }
  put_u8(out, 0);  // reserved
  for (const auto& p : mp.prefixes) {
    put_prefix(out, p);
  }
  end_attribute(out, v, true);
}

void put_mp_unreach(std::vector<std::uint8_t>& out, const mp_part& mp) {
  std::size_t v = begin_attribute(out, attr_flag::optional, attr_type::mp_unreach_nlri);
  put_u16(out, static_cast<std::uint16_t>(mp.fam.a));
  put_u8(out, static_cast<std::uint8_t>(mp.fam.s));
  for (const auto& p : mp.prefixes) {
    put_prefix(out, p);
  }
  end_attribute(out, v, true);
}

bool is_known_type(std::uint8_t t) {
  switch (t) {
    case attr_type::origin:
    case attr_type::as_path:
    case attr_type::next_hop:
    case attr_type::med:
    case attr_type::local_pref:
    case attr_type::atomic_aggregate:
    case attr_type::aggregator:
    case attr_type::communities:
    case attr_type::originator_id:
    case attr_type::cluster_list:
    case attr_type::mp_reach_nlri:
    case attr_type::mp_unreach_nlri:
    case attr_type::extended_communities:
    case attr_type::as4_path:
    case attr_type::as4_aggregator:
    case attr_type::large_communities:
      return true;
    default:
      return false;
  }
}

constexpr std::uint8_t well_known = attr_flag::transitive;
constexpr std::uint8_t optional_transitive = attr_flag::optional | attr_flag::transitive;
constexpr std::uint8_t optional_non_transitive = attr_flag::optional;

void put_attributes(std::vector<std::uint8_t>& out, const path_attributes& a,
                    const std::optional<mp_part>& reach, const std::optional<mp_part>& unreach,
                    const codec_context& ctx) {
  // RFC 7606 §5.1: MP attributes first.
  if (reach) {
    put_mp_reach(out, a, *reach);
  }
  if (unreach) {
    put_mp_unreach(out, *unreach);
  }

  // Unknown attributes, sorted by type code, are emitted between the known ones.
  std::vector<const unknown_attribute*> unknown;
  if (!a.unknown.empty()) {
    unknown.reserve(a.unknown.size());
    for (const auto& u : a.unknown) {
      if (!is_known_type(u.type)) {
        unknown.push_back(&u);
      }
    }
    std::stable_sort(unknown.begin(), unknown.end(),
                     [](const auto* x, const auto* y) { return x->type < y->type; });
  }
  std::size_t next_unknown = 0;
  auto unknown_below = [&](unsigned limit) {
    while (next_unknown < unknown.size() && unknown[next_unknown]->type < limit) {
      const auto& u = *unknown[next_unknown++];
      // RFC 4271 §5: an unrecognized optional transitive attribute is passed on with Partial.
      std::uint8_t flags = u.flags;
      if ((flags & optional_transitive) == optional_transitive) {
        flags |= attr_flag::partial;
      }
      std::size_t v = begin_attribute(out, flags, u.type);
      out.insert(out.end(), u.value.begin(), u.value.end());
      end_attribute(out, v, false);
    }
  };
  auto simple = [&](std::uint8_t flags, std::uint8_t type, auto&& body) {
    unknown_below(type);
    std::size_t v = begin_attribute(out, flags, type);
    body();
    end_attribute(out, v, false);
  };

  const bool four = ctx.four_octet_as;
  if (a.origin) {
    simple(well_known, attr_type::origin,
           [&] { put_u8(out, static_cast<std::uint8_t>(*a.origin)); });
  }
  if (a.path) {
    simple(well_known, attr_type::as_path, [&] { put_as_path_value(out, *a.path, four, false); });
  }
  if (a.next_hop) {
    simple(well_known, attr_type::next_hop, [&] { put_address(out, *a.next_hop); });
  }
  if (a.med) {
    simple(optional_non_transitive, attr_type::med, [&] { put_u32(out, *a.med); });
  }
  if (a.local_pref) {
    simple(well_known, attr_type::local_pref, [&] { put_u32(out, *a.local_pref); });
  }
  if (a.atomic_aggregate) {
    simple(well_known, attr_type::atomic_aggregate, [] {});
  }
  if (a.aggr) {
    simple(optional_transitive, attr_type::aggregator, [&] {
      if (four) {
        put_u32(out, a.aggr->asn);
      } else {
        put_u16(out, static_cast<std::uint16_t>(a.aggr->asn > 0xffff ? as_trans : a.aggr->asn));
      }
      put_address(out, a.aggr->address);
    });
  }
  if (!a.communities.empty()) {
    simple(optional_transitive, attr_type::communities, [&] {
      for (auto c : a.communities) {
        put_u32(out, c);
      }
    });
  }
  if (a.originator_id) {
    simple(optional_non_transitive, attr_type::originator_id,
           [&] { put_address(out, *a.originator_id); });
  }
  if (!a.cluster_list.empty()) {
    simple(optional_non_transitive, attr_type::cluster_list, [&] {
      for (auto c : a.cluster_list) {
        put_u32(out, c);
      }
    });
  }
  if (!a.extended_communities.empty()) {
    simple(optional_transitive, attr_type::extended_communities, [&] {
      for (auto c : a.extended_communities) {
        put_u32(out, static_cast<std::uint32_t>(c >> 32));
        put_u32(out, static_cast<std::uint32_t>(c));
      }
    });
  }
  // RFC 6793 §4.2.2: AS4_PATH / AS4_AGGREGATOR only towards a 2-octet speaker, only when needed.
  if (!four && a.path && needs_as4(*a.path)) {
    simple(optional_transitive, attr_type::as4_path,
           [&] { put_as_path_value(out, *a.path, true, true); });
  }
  if (!four && a.aggr && a.aggr->asn > 0xffff) {
    simple(optional_transitive, attr_type::as4_aggregator, [&] {
      put_u32(out, a.aggr->asn);
      put_address(out, a.aggr->address);
    });
  }
  if (!a.large_communities.empty()) {
    simple(optional_transitive, attr_type::large_communities, [&] {
      for (const auto& c : a.large_communities) {
        put_u32(out, c.global_admin);
        put_u32(out, c.local1);
        put_u32(out, c.local2);
      }
    });
  }
  unknown_below(256);
}

// RFC 5492 §4 capability TLVs, in code order; unknown ones last, as given.
void put_capabilities(std::vector<std::uint8_t>& out, const capabilities& c) {
  auto cap = [&](std::uint8_t code, auto&& body) {
    put_u8(out, code);
    put_u8(out, 0);
    std::size_t len_at = out.size() - 1;
    body();
    out[len_at] = static_cast<std::uint8_t>(out.size() - len_at - 1);
  };
  for (const auto& f : c.multiprotocol) {
    cap(cap_code::multiprotocol, [&] {  // RFC 4760 §8
      put_u16(out, static_cast<std::uint16_t>(f.a));
      put_u8(out, 0);
      put_u8(out, static_cast<std::uint8_t>(f.s));
    });
  }
  if (c.route_refresh) {
    cap(cap_code::route_refresh, [] {});
  }
  if (c.extended_message) {
    cap(cap_code::extended_message, [] {});
  }
  if (c.graceful_restart) {
    const auto& gr = *c.graceful_restart;
    cap(cap_code::graceful_restart, [&] {  // RFC 4724 §3, RFC 8538 §2 (N bit)
      std::uint16_t flags_time = static_cast<std::uint16_t>(gr.restart_time & 0x0fff);
      if (gr.restart_state) {
        flags_time |= 0x8000;
      }
      if (gr.notification) {
        flags_time |= 0x4000;
      }
      put_u16(out, flags_time);
      for (const auto& f : gr.families) {
        put_u16(out, static_cast<std::uint16_t>(f.fam.a));
        put_u8(out, static_cast<std::uint8_t>(f.fam.s));
        put_u8(out, f.forwarding_preserved ? 0x80 : 0);
      }
    });
  }
  if (c.four_octet_as) {
    cap(cap_code::four_octet_as, [&] { put_u32(out, *c.four_octet_as); });  // RFC 6793 §3
  }
  if (c.enhanced_route_refresh) {
    cap(cap_code::enhanced_route_refresh, [] {});
  }
  for (const auto& u : c.unknown) {
    cap(u.code, [&] {
      out.insert(out.end(), u.value.begin(),
                 u.value.begin() +
                     static_cast<std::ptrdiff_t>(std::min<std::size_t>(u.value.size(), 255)));
    });
  }
}

void encode_open(const open_message& m, std::vector<std::uint8_t>& out) {
  put_u8(out, m.version);
  std::uint16_t my_as = m.my_as;
  if (m.caps.four_octet_as) {
    // RFC 6793 §4.1: AS_TRANS in My Autonomous System when the AS does not fit.
    my_as = *m.caps.four_octet_as > 0xffff ? as_trans
                                           : static_cast<std::uint16_t>(*m.caps.four_octet_as);
  }
  put_u16(out, my_as);
  put_u16(out, m.hold_time);
  put_u32(out, m.bgp_identifier);

  std::vector<std::uint8_t> caps;
  put_capabilities(caps, m.caps);
  if (caps.empty()) {
    put_u8(out, 0);
  } else if (caps.size() + 2 <= 255) {
    put_u8(out, static_cast<std::uint8_t>(caps.size() + 2));
    put_u8(out, 2);  // Capabilities optional parameter
    put_u8(out, static_cast<std::uint8_t>(caps.size()));
    out.insert(out.end(), caps.begin(), caps.end());
  } else {
    // RFC 9072 §2: Non-Ext OP Len = 255, Non-Ext OP Type = 255, then 2-octet lengths.
    put_u8(out, 255);
    put_u8(out, 255);
    put_u16(out, static_cast<std::uint16_t>(caps.size() + 3));
    put_u8(out, 2);
    put_u16(out, static_cast<std::uint16_t>(caps.size()));
    out.insert(out.end(), caps.begin(), caps.end());
  }
}

std::optional<mp_part> reach_part(const update_message& u) {
  if (!u.mp_reach_family && u.mp_reach.empty()) {
    return std::nullopt;
  }
  // Not value_or(): its argument would be evaluated on an empty vector.
  family f = u.mp_reach_family ? *u.mp_reach_family : u.mp_reach.front().fam();
  return mp_part{f, u.mp_reach};
}

std::optional<mp_part> unreach_part(const update_message& u) {
  if (!u.mp_unreach_family && u.mp_unreach.empty()) {
    return std::nullopt;
  }
  // Not value_or(): its argument would be evaluated on an empty vector.
  family f = u.mp_unreach_family ? *u.mp_unreach_family : u.mp_unreach.front().fam();
  return mp_part{f, u.mp_unreach};
}

void encode_update(const update_message& u, const codec_context& ctx,
                   std::vector<std::uint8_t>& out) {
  std::size_t withdrawn_at = out.size();
  put_u16(out, 0);
  for (const auto& p : u.withdrawn) {
    put_prefix(out, p);
  }
  patch_u16(out, withdrawn_at, out.size() - withdrawn_at - 2);

  std::size_t attrs_at = out.size();
  put_u16(out, 0);
  put_attributes(out, u.attrs, reach_part(u), unreach_part(u), ctx);
  patch_u16(out, attrs_at, out.size() - attrs_at - 2);

  for (const auto& p : u.nlri) {
    put_prefix(out, p);
  }
}

}  // namespace

void encode(const message& m, const codec_context& ctx, std::vector<std::uint8_t>& out) {
  std::size_t start = start_header(out, type_of(m));
  if (const auto* open = std::get_if<open_message>(&m)) {
    encode_open(*open, out);
  } else if (const auto* update = std::get_if<update_message>(&m)) {
    encode_update(*update, ctx, out);
  } else if (const auto* n = std::get_if<notification_message>(&m)) {
    put_u8(out, n->code);
    put_u8(out, n->subcode);
    // Verbatim, cut to what fits the negotiated size (RFC 8654 §5): the data may echo a message
    // as long as the largest one, and the length field must not wrap.
    const auto room = ctx.max_size() - (out.size() - start);
    const auto n_data = std::min(n->data.size(), room);
    out.insert(out.end(), n->data.begin(), n->data.begin() + static_cast<std::ptrdiff_t>(n_data));
  } else if (const auto* rr = std::get_if<route_refresh_message>(&m)) {
    // RFC 2918 §3, RFC 7313 §3: AFI, subtype (reserved in RFC 2918), SAFI.
    put_u16(out, static_cast<std::uint16_t>(rr->fam.a));
    put_u8(out, rr->subtype);
    put_u8(out, static_cast<std::uint8_t>(rr->fam.s));
  }
  // KEEPALIVE: the header alone.
  finish_header(out, start);
}

std::vector<std::uint8_t> encode(const message& m, const codec_context& ctx) {
  std::vector<std::uint8_t> out;
  out.reserve(128);
  encode(m, ctx, out);
  return out;
}

std::size_t nlri_size(const prefix& p) {
  return 1 + (std::size_t{p.length} + 7) / 8;
}

std::size_t update_base_size(const path_attributes& attrs, family f, const codec_context& ctx) {
  thread_local std::vector<std::uint8_t> scratch;
  scratch.clear();
  std::optional<mp_part> reach;
  if (f != ipv4_unicast) {
    reach = mp_part{f, {}};
  }
  put_attributes(scratch, attrs, reach, std::nullopt, ctx);
  return header_size + 2 + 2 + scratch.size();
}

std::size_t withdraw_base_size(family f) {
  if (f == ipv4_unicast) {
    return header_size + 2 + 2;
  }
  // MP_UNREACH: flags, type, 2-octet length, AFI, SAFI.
  return header_size + 2 + 2 + 4 + 3;
}

}  // namespace svcbgp::bgp
