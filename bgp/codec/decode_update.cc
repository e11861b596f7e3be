// UPDATE decoding (RFC 4271 §4.3, §6.3; RFC 4760; RFC 6793) with the revised error handling of
// RFC 7606: errors the RFC lets us survive are recorded in decoded.recovered and decoding goes
// on; the first session-reset error ends it. What each error means is decided by action_for()
// (error.cc) alone; this file only describes what it found.
#include <bitset>
#include <cstring>

#include "bgp/codec/codec.h"
#include "bgp/codec/decode_internal.h"
#include "bgp/codec/reader.h"

namespace svcbgp::bgp {

namespace {

using detail::make_error;
using detail::reader;

struct prefix_error {
  std::size_t offset;
  std::size_t length;
  std::string detail;
};

// <length, prefix> tuples (RFC 4271 §4.3, RFC 4760 §5). Trailing bits past the length are
// cleared. A first pass validates and counts so that `out` grows once.
std::optional<prefix_error> parse_prefixes(reader r, bool v6, std::vector<prefix>& out) {
  const unsigned max_length = v6 ? 128 : 32;
  reader scan = r;
  std::size_t count = 0;
  while (!scan.empty()) {
    std::size_t at = scan.offset();
    std::uint8_t length = *scan.get_u8();
    if (length > max_length) {
      return prefix_error{
          at, 1, "prefix length " + std::to_string(length) + " > " + std::to_string(max_length)};
    }
    std::size_t remaining = scan.remaining();
    if (!scan.skip((std::size_t{length} + 7) / 8)) {
      return prefix_error{at, 1 + remaining,
                          "prefix /" + std::to_string(length) + " runs past the end"};
    }
    ++count;
  }
  out.reserve(out.size() + count);
  while (!r.empty()) {
    std::uint8_t length = *r.get_u8();
    std::size_t n = (std::size_t{length} + 7) / 8;
    auto bytes = *r.get_bytes(n);
    prefix p;
    p.addr.v6 = v6;
    p.length = length;
    if (n != 0) {
      std::memcpy(p.addr.bytes.data(), bytes.data(), n);
      if (length % 8 != 0) {
        p.addr.bytes[n - 1] &= static_cast<std::uint8_t>(0xff << (8 - length % 8));
      }
    }
    out.push_back(p);
  }
  return std::nullopt;
}

struct path_error {
  std::size_t offset;
  std::size_t length;
  std::string detail;
};

// AS_PATH / AS4_PATH segments (RFC 4271 §4.3, RFC 6793 §3). RFC 6793 §6: confederation segments
// in AS4_PATH are dropped, not an error.
std::expected<as_path, path_error> parse_as_path(reader v, std::size_t width, bool drop_confed) {
  as_path path;
  while (!v.empty()) {
    std::size_t at = v.offset();
    auto type = v.get_u8();
    auto count = v.get_u8();
    if (!type || !count) {
      return std::unexpected(path_error{at, 1, "truncated segment header"});
    }
    if (*type < 1 || *type > 4) {
      return std::unexpected(path_error{at, 1, "segment type " + std::to_string(*type)});
    }
    if (*count == 0) {
      return std::unexpected(path_error{at, 2, "segment length 0"});
    }
    auto asns = v.get_sub(std::size_t{*count} * width);
    if (!asns) {
      return std::unexpected(
          path_error{at, 2 + v.remaining(),
                     "segment of " + std::to_string(*count) + " ASNs runs past the attribute"});
    }
    as_path_segment seg;
    seg.type = static_cast<as_path_segment::kind>(*type);
    if (drop_confed && (seg.type == as_path_segment::kind::confed_sequence ||
                        seg.type == as_path_segment::kind::confed_set)) {
      continue;
    }
    seg.asns.reserve(*count);
    for (std::size_t i = 0; i < *count; ++i) {
      seg.asns.push_back(width == 4 ? *asns->get_u32() : *asns->get_u16());
    }
    path.segments.push_back(std::move(seg));
  }
  return path;
}

// RFC 6793 §4.2.3: the leading ASes of AS_PATH that AS4_PATH does not cover, then AS4_PATH.
as_path merge_as4_path(const as_path& path, const as_path& as4) {
  std::size_t n = path.length();
  std::size_t n4 = as4.length();
  if (n < n4) {
    return path;  // AS4_PATH is ignored
  }
  std::size_t keep = n - n4;
  as_path out;
  for (const auto& s : path.segments) {
    if (s.type == as_path_segment::kind::confed_sequence ||
        s.type == as_path_segment::kind::confed_set) {
      out.segments.push_back(s);  // counts 0
      continue;
    }
    if (keep == 0) {
      break;
    }
    if (s.type == as_path_segment::kind::as_set) {
      out.segments.push_back(s);
      keep -= 1;
      continue;
    }
    std::size_t take = std::min(keep, s.asns.size());
    as_path_segment part;
    part.type = s.type;
    part.asns.assign(s.asns.begin(), s.asns.begin() + static_cast<std::ptrdiff_t>(take));
    out.segments.push_back(std::move(part));
    keep -= take;
    if (take < s.asns.size()) {
      break;
    }
  }
  for (const auto& s : as4.segments) {
    auto& segs = out.segments;
    if (!segs.empty() && segs.back().type == as_path_segment::kind::as_sequence &&
        s.type == as_path_segment::kind::as_sequence &&
        segs.back().asns.size() + s.asns.size() <= 255) {
      segs.back().asns.insert(segs.back().asns.end(), s.asns.begin(), s.asns.end());
    } else {
      segs.push_back(s);
    }
  }
  return out;
}

std::string attribute_name(std::uint8_t type) {
  switch (type) {
    case attr_type::origin:
      return "ORIGIN";
    case attr_type::as_path:
      return "AS_PATH";
    case attr_type::next_hop:
      return "NEXT_HOP";
    case attr_type::med:
      return "MULTI_EXIT_DISC";
    case attr_type::local_pref:
      return "LOCAL_PREF";
    case attr_type::atomic_aggregate:
      return "ATOMIC_AGGREGATE";
    case attr_type::aggregator:
      return "AGGREGATOR";
    case attr_type::communities:
      return "COMMUNITIES";
    case attr_type::originator_id:
      return "ORIGINATOR_ID";
    case attr_type::cluster_list:
      return "CLUSTER_LIST";
    case attr_type::mp_reach_nlri:
      return "MP_REACH_NLRI";
    case attr_type::mp_unreach_nlri:
      return "MP_UNREACH_NLRI";
    case attr_type::extended_communities:
      return "EXTENDED_COMMUNITIES";
    case attr_type::as4_path:
      return "AS4_PATH";
    case attr_type::as4_aggregator:
      return "AS4_AGGREGATOR";
    case attr_type::large_communities:
      return "LARGE_COMMUNITY";
    default:
      return "attribute " + std::to_string(type);
  }
}

constexpr std::uint8_t ot_mask = attr_flag::optional | attr_flag::transitive;

// RFC 4271 §5 and the defining RFCs: the Optional and Transitive bits of known attributes.
std::optional<std::uint8_t> expected_flags(std::uint8_t type) {
  constexpr std::uint8_t wk = attr_flag::transitive;
  constexpr std::uint8_t opt_t = attr_flag::optional | attr_flag::transitive;
  constexpr std::uint8_t opt_nt = attr_flag::optional;
  switch (type) {
    case attr_type::origin:
    case attr_type::as_path:
    case attr_type::next_hop:
    case attr_type::local_pref:
    case attr_type::atomic_aggregate:
      return wk;
    case attr_type::med:
    case attr_type::originator_id:
    case attr_type::cluster_list:
    case attr_type::mp_reach_nlri:
    case attr_type::mp_unreach_nlri:
      return opt_nt;
    case attr_type::aggregator:
    case attr_type::communities:
    case attr_type::extended_communities:
    case attr_type::as4_path:
    case attr_type::as4_aggregator:
    case attr_type::large_communities:
      return opt_t;
    default:
      return std::nullopt;
  }
}

struct attribute {
  std::uint8_t flags;
  std::uint8_t type;
  reader value;
  std::span<const std::uint8_t> raw;  // flags, type, length and value, as received
  std::size_t offset;                 // of the flags octet
};

class update_decoder {
 public:
  update_decoder(std::span<const std::uint8_t> msg, const codec_context& ctx)
      : msg_(msg), ctx_(ctx) {
    out_.msg = update_message{};
    u_ = &std::get<update_message>(out_.msg);
  }

  std::expected<decoded, decode_error> run() {
    reader r(msg_.subspan(header_size), header_size);
    // RFC 4271 §6.3: lengths past the end of the message -> Malformed Attribute List; the
    // structure is lost, so RFC 7606 keeps the session reset (action_for, site = field).
    std::uint16_t withdrawn_length = *r.get_u16();  // frame() guarantees 23 bytes
    auto withdrawn = r.get_sub(withdrawn_length);
    if (!withdrawn) {
      return fail(make_error(
          error_kind::malformed_attribute_list, header_size, 2,
          "withdrawn routes length " + std::to_string(withdrawn_length) + " past the end"));
    }
    std::size_t attrs_length_at = r.offset();
    auto attrs_length = r.get_u16();
    if (!attrs_length) {
      return fail(make_error(error_kind::malformed_attribute_list, attrs_length_at, r.remaining(),
                             "no room for the total path attribute length"));
    }
    auto attrs = r.get_sub(*attrs_length);
    if (!attrs) {
      return fail(make_error(
          error_kind::malformed_attribute_list, attrs_length_at, 2,
          "total path attribute length " + std::to_string(*attrs_length) + " past the end"));
    }
    attrs_offset_ = attrs->offset();
    attrs_size_ = attrs->remaining();
    reader nlri = r.get_rest();

    // RFC 7606 §5.3: NLRI that cannot be parsed reset the session.
    if (auto err = parse_prefixes(*withdrawn, false, u_->withdrawn)) {
      return fail(make_error(error_kind::invalid_network_field, err->offset, err->length,
                             "withdrawn routes: " + err->detail));
    }
    if (!parse_attributes(*attrs)) {
      return std::unexpected(std::move(*fatal_));
    }
    if (auto err = parse_prefixes(nlri, false, u_->nlri)) {
      return fail(make_error(error_kind::invalid_network_field, err->offset, err->length,
                             "NLRI: " + err->detail));
    }
    if (!check_mandatory() || !check_next_hop()) {
      return std::unexpected(std::move(*fatal_));
    }
    merge_as4();
    return std::move(out_);
  }

 private:
  std::unexpected<decode_error> fail(decode_error e) { return std::unexpected(std::move(e)); }

  // Records an error; false when it resets the session (then fatal_ holds it).
  bool report(decode_error e) {
    switch (action_for(e)) {
      case error_action::attribute_discard:
        break;
      case error_action::treat_as_withdraw:
        out_.treat_as_withdraw = true;
        break;
      case error_action::afi_safi_disable:
      case error_action::session_reset:
        fatal_ = std::move(e);
        return false;
    }
    out_.recovered.push_back(std::move(e));
    return true;
  }

  // RFC 4271 §6.3: the data of these subcodes is the erroneous attribute (type, length, value).
  bool attribute_error(error_kind kind, const attribute& a, std::string detail) {
    decode_error e =
        make_error(kind, a.offset, a.raw.size(), attribute_name(a.type) + ": " + std::move(detail));
    e.attribute = a.type;
    if (kind != error_kind::malformed_as_path && kind != error_kind::malformed_attribute_list) {
      e.data.assign(a.raw.begin(), a.raw.end());
    }
    return report(std::move(e));
  }

  bool length_error(const attribute& a, const char* expected) {
    return attribute_error(
        error_kind::attribute_length_error, a,
        "length " + std::to_string(a.value.remaining()) + ", expected " + expected);
  }

  bool parse_attributes(reader ar) {
    while (!ar.empty()) {
      std::size_t start = ar.offset();
      std::size_t available = ar.remaining();
      std::uint8_t flags = *ar.get_u8();
      auto type = ar.get_u8();
      std::optional<std::size_t> length;
      if (type) {
        if (flags & attr_flag::extended_length) {
          length = ar.get_u16();
        } else {
          length = ar.get_u8();
        }
      }
      std::optional<reader> value;
      if (length) {
        value = ar.get_sub(*length);
      }
      if (!value) {
        // RFC 7606 §4: treat-as-withdraw, the NLRI is found from the total length.
        decode_error e = make_error(
            error_kind::malformed_attribute_list, start, available,
            (type ? attribute_name(*type) + ": " : std::string()) +
                (length ? "length " + std::to_string(*length) + " past the path attributes"
                        : std::string("truncated attribute header")));
        e.attribute = type;
        e.site = error_site::attribute_overrun;
        return report(std::move(e));
      }
      attribute a{flags, *type, *value, msg_.subspan(start, ar.offset() - start), start};
      if (seen_[a.type]) {
        // RFC 7606 §3 g.
        decode_error e = make_error(error_kind::malformed_attribute_list, start, a.raw.size(),
                                    attribute_name(a.type) + ": appears more than once");
        e.attribute = a.type;
        e.site = error_site::duplicate_attribute;
        if (!report(std::move(e))) {
          return false;
        }
        continue;
      }
      seen_.set(a.type);
      if (!parse_attribute(a)) {
        return false;
      }
    }
    return true;
  }

  bool parse_attribute(attribute& a) {
    auto& attrs = u_->attrs;
    auto expected = expected_flags(a.type);
    if (!expected) {
      return keep_unknown(a);
    }
    // RFC 6793 §6: AS4_PATH / AS4_AGGREGATOR between 4-octet speakers are discarded (after the
    // malformation checks, so that a malformed one is reported as such); their flags do not
    // matter then.
    bool as4_attr = a.type == attr_type::as4_path || a.type == attr_type::as4_aggregator;
    // RFC 4271 §6.3 / RFC 7606 §3 c: only the Optional and Transitive bits are checked.
    if (!(as4_attr && ctx_.four_octet_as) && (a.flags & ot_mask) != *expected) {
      return attribute_error(
          error_kind::attribute_flags_error, a,
          "flags " + std::to_string(a.flags) + ", expected " + std::to_string(*expected));
    }
    reader& v = a.value;
    const std::size_t len = v.remaining();
    switch (a.type) {
      case attr_type::origin: {  // RFC 7606 §7.1
        if (len != 1) {
          return length_error(a, "1");
        }
        std::uint8_t o = *v.get_u8();
        if (o > 2) {
          return attribute_error(error_kind::invalid_origin_attribute, a,
                                 "value " + std::to_string(o));
        }
        attrs.origin = static_cast<origin_type>(o);
        return true;
      }
      case attr_type::as_path: {  // RFC 7606 §7.2
        auto path = parse_as_path(v, ctx_.four_octet_as ? 4 : 2, false);
        if (!path) {
          decode_error e = make_error(error_kind::malformed_as_path, path.error().offset,
                                      path.error().length, "AS_PATH: " + path.error().detail);
          e.attribute = a.type;
          return report(std::move(e));
        }
        attrs.path = std::move(*path);
        return true;
      }
      case attr_type::next_hop: {  // RFC 7606 §7.3; semantics checked in check_next_hop()
        if (len != 4) {
          return length_error(a, "4");
        }
        attrs.next_hop = ip_address::v4(*v.get_u32());
        next_hop_raw_ = a.raw;
        next_hop_offset_ = a.offset;
        return true;
      }
      case attr_type::med:  // RFC 7606 §7.4
        if (len != 4) {
          return length_error(a, "4");
        }
        attrs.med = *v.get_u32();
        return true;
      case attr_type::local_pref:  // RFC 7606 §7.5
        if (len != 4) {
          return length_error(a, "4");
        }
        attrs.local_pref = *v.get_u32();
        return true;
      case attr_type::atomic_aggregate:  // RFC 7606 §7.6
        if (len != 0) {
          return length_error(a, "0");
        }
        attrs.atomic_aggregate = true;
        return true;
      case attr_type::aggregator: {  // RFC 7606 §7.7, RFC 6793 §3
        std::size_t want = ctx_.four_octet_as ? 8 : 6;
        if (len != want) {
          return length_error(a, ctx_.four_octet_as ? "8" : "6");
        }
        aggregator ag;
        ag.asn = ctx_.four_octet_as ? *v.get_u32() : *v.get_u16();
        ag.address = ip_address::v4(*v.get_u32());
        attrs.aggr = ag;
        return true;
      }
      case attr_type::communities:  // RFC 7606 §7.8
        if (len == 0 || len % 4 != 0) {
          return length_error(a, "a non-zero multiple of 4");
        }
        attrs.communities.reserve(len / 4);
        while (!v.empty()) {
          attrs.communities.push_back(*v.get_u32());
        }
        return true;
      case attr_type::originator_id:  // RFC 7606 §7.9
        if (len != 4) {
          return length_error(a, "4");
        }
        attrs.originator_id = ip_address::v4(*v.get_u32());
        return true;
      case attr_type::cluster_list:  // RFC 7606 §7.10
        if (len == 0 || len % 4 != 0) {
          return length_error(a, "a non-zero multiple of 4");
        }
        attrs.cluster_list.reserve(len / 4);
        while (!v.empty()) {
          attrs.cluster_list.push_back(*v.get_u32());
        }
        return true;
      case attr_type::mp_reach_nlri:
        return mp_reach(a);
      case attr_type::mp_unreach_nlri:
        return mp_unreach(a);
      case attr_type::extended_communities:  // RFC 7606 §7.14
        if (len == 0 || len % 8 != 0) {
          return length_error(a, "a non-zero multiple of 8");
        }
        attrs.extended_communities.reserve(len / 8);
        while (!v.empty()) {
          std::uint64_t hi = *v.get_u32();
          attrs.extended_communities.push_back(hi << 32 | *v.get_u32());
        }
        return true;
      case attr_type::as4_path: {  // RFC 6793 §6: malformed -> attribute discard
        if (len < 6) {
          return attribute_error(error_kind::optional_attribute_error, a,
                                 "length " + std::to_string(len) + ", too short for one AS");
        }
        auto path = parse_as_path(v, 4, true);
        if (!path) {
          return attribute_error(error_kind::optional_attribute_error, a, path.error().detail);
        }
        if (ctx_.four_octet_as) {
          return attribute_error(error_kind::optional_attribute_error, a,
                                 "sent by a 4-octet AS speaker");
        }
        attrs.as4_path = std::move(*path);
        return true;
      }
      case attr_type::as4_aggregator: {  // RFC 6793 §6
        if (len != 8) {
          return length_error(a, "8");
        }
        if (ctx_.four_octet_as) {
          return attribute_error(error_kind::optional_attribute_error, a,
                                 "sent by a 4-octet AS speaker");
        }
        aggregator ag;
        ag.asn = *v.get_u32();
        ag.address = ip_address::v4(*v.get_u32());
        attrs.as4_aggr = ag;
        return true;
      }
      case attr_type::large_communities:  // RFC 8092 §6
        if (len == 0 || len % 12 != 0) {
          return length_error(a, "a non-zero multiple of 12");
        }
        attrs.large_communities.reserve(len / 12);
        while (!v.empty()) {
          large_community c;
          c.global_admin = *v.get_u32();
          c.local1 = *v.get_u32();
          c.local2 = *v.get_u32();
          attrs.large_communities.push_back(c);
        }
        return true;
      default:
        return keep_unknown(a);
    }
  }

  // RFC 4271 §5, §6.3. Optional transitive attributes are kept unparsed with their flags as
  // received (the encoder sets Partial when passing them on), so a corrupt one we do not
  // understand (attribute 23, CVE-2023-38802) cannot hurt the session.
  bool keep_unknown(const attribute& a) {
    if ((a.flags & attr_flag::optional) == 0) {
      return attribute_error(error_kind::unrecognized_well_known_attribute, a,
                             "unrecognized well-known attribute");
    }
    if ((a.flags & attr_flag::transitive) == 0) {
      return true;  // optional non-transitive: quietly ignored
    }
    unknown_attribute u;
    u.flags = static_cast<std::uint8_t>(a.flags & ~attr_flag::extended_length);
    u.type = a.type;
    auto bytes = a.value.rest();
    u.value.assign(bytes.begin(), bytes.end());
    u_->attrs.unknown.push_back(std::move(u));
    return true;
  }

  bool negotiated(family f) const {
    if (f != ipv4_unicast && f != ipv6_unicast) {
      return false;
    }
    for (const auto& have : ctx_.families) {
      if (have == f) {
        return true;
      }
    }
    return false;
  }

  // RFC 4760 §7 / RFC 7606 §7.11-7.12: any error in MP_REACH/MP_UNREACH is an Optional Attribute
  // Error and resets the session (we do not use AFI/SAFI disable).
  bool mp_error(const attribute& a, std::size_t offset, std::size_t length, std::string detail) {
    decode_error e = make_error(error_kind::optional_attribute_error, offset, length,
                                attribute_name(a.type) + ": " + std::move(detail));
    e.attribute = a.type;
    e.data.assign(a.raw.begin(), a.raw.end());
    return report(std::move(e));
  }

  std::optional<family> mp_family(attribute& a) {
    std::size_t at = a.value.offset();
    auto afi_value = a.value.get_u16();
    auto safi_value = a.value.get_u8();
    if (!afi_value || !safi_value) {
      mp_error(a, a.offset, a.raw.size(), "too short for AFI/SAFI");
      return std::nullopt;
    }
    family f{static_cast<afi>(*afi_value), static_cast<safi>(*safi_value)};
    if (!negotiated(f)) {
      mp_error(a, at, 3, "family " + to_string(f) + " not negotiated");
      return std::nullopt;
    }
    return f;
  }

  bool mp_reach(attribute& a) {
    auto f = mp_family(a);
    if (!f) {
      return false;
    }
    reader& v = a.value;
    std::size_t nh_at = v.offset();
    auto nh_length = v.get_u8();
    if (!nh_length) {
      return mp_error(a, a.offset, a.raw.size(), "no next hop length");
    }
    auto nh = v.get_bytes(*nh_length);
    if (!nh) {
      return mp_error(a, nh_at, 1 + v.remaining(),
                      "next hop length " + std::to_string(*nh_length) + " past the attribute");
    }
    // RFC 4760 §3, RFC 2545 §3: IPv4 4 octets; IPv6 16, or 32 with a link-local address.
    // RFC 7606 §7.11: an unexpected next hop length resets the session.
    bool ok_length = f->a == afi::ipv4 ? *nh_length == 4 : (*nh_length == 16 || *nh_length == 32);
    if (!ok_length) {
      return mp_error(a, nh_at, 1 + *nh_length,
                      "next hop length " + std::to_string(*nh_length) + " for " + to_string(*f));
    }
    if (!v.get_u8()) {  // reserved (RFC 4760 §3)
      return mp_error(a, a.offset, a.raw.size(), "no reserved octet");
    }
    auto& attrs = u_->attrs;
    if (f->a == afi::ipv4) {
      std::array<std::uint8_t, 4> b{};
      std::memcpy(b.data(), nh->data(), 4);
      attrs.mp_next_hop = ip_address::v4(b);
    } else {
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), nh->data(), 16);
      attrs.mp_next_hop = ip_address::v6_bytes(b);
      if (*nh_length == 32) {
        std::memcpy(b.data(), nh->data() + 16, 16);
        attrs.mp_next_hop_link_local = ip_address::v6_bytes(b);
      }
    }
    u_->mp_reach_family = *f;
    if (auto err = parse_prefixes(v.get_rest(), f->a == afi::ipv6, u_->mp_reach)) {
      return mp_error(a, err->offset, err->length, err->detail);
    }
    return true;
  }

  bool mp_unreach(attribute& a) {
    auto f = mp_family(a);
    if (!f) {
      return false;
    }
    u_->mp_unreach_family = *f;
    if (auto err = parse_prefixes(a.value.get_rest(), f->a == afi::ipv6, u_->mp_unreach)) {
      return mp_error(a, err->offset, err->length, err->detail);
    }
    return true;
  }

  // RFC 4271 §6.3 / RFC 7606 §3 d: well-known mandatory attributes when there are NLRI. NEXT_HOP
  // is needed only for the classic NLRI field (RFC 4760 §3). This also covers NLRI with no
  // attributes at all, and MP_UNREACH with NLRI and nothing else (CVE-2023-47234).
  bool check_mandatory() {
    bool classic = !u_->nlri.empty();
    if (!classic && u_->mp_reach.empty()) {
      return true;
    }
    for (std::uint8_t type : {attr_type::origin, attr_type::as_path, attr_type::next_hop}) {
      if (type == attr_type::next_hop && !classic) {
        continue;
      }
      if (!seen_[type]) {
        decode_error e = make_error(error_kind::missing_well_known_attribute, attrs_offset_,
                                    attrs_size_, "missing " + attribute_name(type));
        e.attribute = type;
        e.data = {type};  // RFC 4271 §6.3: the type code of the missing attribute
        if (!report(std::move(e))) {
          return false;
        }
      }
    }
    return true;
  }

  // RFC 4271 §6.3: a NEXT_HOP that is not a valid host address, or is our own address, is
  // semantically wrong; RFC 7606 §7.3 makes it treat-as-withdraw. Only the classic NLRI use it
  // (RFC 4760 §3: ignored for an MP_REACH-only UPDATE).
  bool check_next_hop() {
    const auto& nh = u_->attrs.next_hop;
    if (u_->nlri.empty() || !nh) {
      return true;
    }
    std::string why;
    if (ctx_.local_address && *ctx_.local_address == *nh) {
      why = "our own address";
    } else if (nh->is_unspecified()) {
      why = "0.0.0.0";
    } else if ((nh->bytes[0] & 0xf0) == 0xe0) {
      why = "multicast";
    } else if (nh->v4_host_order() == 0xffffffff) {
      why = "broadcast";
    } else {
      return true;
    }
    decode_error e = make_error(error_kind::invalid_next_hop_attribute, next_hop_offset_,
                                next_hop_raw_.size(), "NEXT_HOP " + nh->to_string() + ": " + why);
    e.attribute = attr_type::next_hop;
    e.data.assign(next_hop_raw_.begin(), next_hop_raw_.end());
    return report(std::move(e));
  }

  // RFC 6793 §4.2.3, on a session with a 2-octet speaker only.
  void merge_as4() {
    if (ctx_.four_octet_as) {
      return;
    }
    auto& attrs = u_->attrs;
    if (attrs.aggr && attrs.aggr->asn != as_trans) {
      return;  // AS4_AGGREGATOR and AS4_PATH are ignored
    }
    if (attrs.aggr && attrs.as4_aggr) {
      attrs.aggr = attrs.as4_aggr;
    }
    if (attrs.path && attrs.as4_path) {
      attrs.path = merge_as4_path(*attrs.path, *attrs.as4_path);
    }
  }

  std::span<const std::uint8_t> msg_;
  const codec_context& ctx_;
  decoded out_;
  update_message* u_ = nullptr;
  std::optional<decode_error> fatal_;
  std::bitset<256> seen_;
  std::size_t attrs_offset_ = 0;
  std::size_t attrs_size_ = 0;
  std::span<const std::uint8_t> next_hop_raw_;
  std::size_t next_hop_offset_ = 0;
};

}  // namespace

namespace detail {

std::expected<decoded, decode_error> decode_update(std::span<const std::uint8_t> msg,
                                                   const codec_context& ctx) {
  return update_decoder(msg, ctx).run();
}

}  // namespace detail

}  // namespace svcbgp::bgp
