#include "tests/bgp/codec/test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace svcbgp::bgp {
namespace {

std::string addr_text(const ip_address& a) {
  std::ostringstream os;
  if (!a.v6) {
    os << int(a.bytes[0]) << '.' << int(a.bytes[1]) << '.' << int(a.bytes[2]) << '.'
       << int(a.bytes[3]);
    for (std::size_t i = 4; i < 16; ++i) {
      if (a.bytes[i] != 0) {
        os << "(garbage in bytes 4..15)";
        break;
      }
    }
    return os.str();
  }
  for (std::size_t i = 0; i < 16; i += 2) {
    if (i != 0) {
      os << ':';
    }
    os << std::hex << ((a.bytes[i] << 8) | a.bytes[i + 1]);
  }
  return os.str();
}

std::string hex_text(std::span<const std::uint8_t> b) {
  return test::to_hex(b);
}

template <typename T>
std::string opt_text(const std::optional<T>& v) {
  if (!v) {
    return "-";
  }
  std::ostringstream os;
  os << +*v;
  return os.str();
}

std::string path_text(const as_path& p) {
  std::ostringstream os;
  for (const auto& s : p.segments) {
    os << " seg" << int(s.type) << "[";
    for (auto a : s.asns) {
      os << ' ' << a;
    }
    os << " ]";
  }
  return os.str();
}

std::string prefixes_text(const std::vector<prefix>& v) {
  std::string s;
  for (const auto& p : v) {
    s += ' ' + addr_text(p.addr) + '/' + std::to_string(p.length);
  }
  return s;
}

}  // namespace

void PrintTo(const ip_address& a, std::ostream* os) {
  *os << addr_text(a);
}

void PrintTo(const prefix& p, std::ostream* os) {
  *os << addr_text(p.addr) << '/' << int(p.length);
}

void PrintTo(const path_attributes& a, std::ostream* os) {
  *os << "{origin=" << (a.origin ? std::to_string(int(*a.origin)) : "-");
  *os << " path=" << (a.path ? path_text(*a.path) : "-");
  *os << " as4_path=" << (a.as4_path ? path_text(*a.as4_path) : "-");
  *os << " next_hop=" << (a.next_hop ? addr_text(*a.next_hop) : "-");
  *os << " med=" << opt_text(a.med) << " local_pref=" << opt_text(a.local_pref);
  *os << " atomic=" << a.atomic_aggregate;
  *os << " aggr="
      << (a.aggr ? std::to_string(a.aggr->asn) + "/" + addr_text(a.aggr->address) : "-");
  *os << " as4_aggr="
      << (a.as4_aggr ? std::to_string(a.as4_aggr->asn) + "/" + addr_text(a.as4_aggr->address)
                     : "-");
  *os << " communities=[";
  for (auto c : a.communities) {
    *os << ' ' << std::hex << c << std::dec;
  }
  *os << " ] ext=[";
  for (auto c : a.extended_communities) {
    *os << ' ' << std::hex << c << std::dec;
  }
  *os << " ] large=[";
  for (const auto& c : a.large_communities) {
    *os << ' ' << c.global_admin << ':' << c.local1 << ':' << c.local2;
  }
  *os << " ] originator=" << (a.originator_id ? addr_text(*a.originator_id) : "-");
  *os << " clusters=" << a.cluster_list.size();
  *os << " mp_nh=" << (a.mp_next_hop ? addr_text(*a.mp_next_hop) : "-");
  *os << " mp_nh_ll=" << (a.mp_next_hop_link_local ? addr_text(*a.mp_next_hop_link_local) : "-");
  *os << " unknown=[";
  for (const auto& u : a.unknown) {
    *os << " {flags=" << std::hex << int(u.flags) << std::dec << " type=" << int(u.type)
        << " value=" << hex_text(u.value) << '}';
  }
  *os << " ]}";
}

void PrintTo(const update_message& m, std::ostream* os) {
  *os << "UPDATE{withdrawn=[" << prefixes_text(m.withdrawn) << " ] attrs=";
  PrintTo(m.attrs, os);
  *os << " nlri=[" << prefixes_text(m.nlri) << " ]";
  if (m.mp_reach_family) {
    *os << " mp_reach(" << int(m.mp_reach_family->a) << '/' << int(m.mp_reach_family->s) << ")=["
        << prefixes_text(m.mp_reach) << " ]";
  }
  if (m.mp_unreach_family) {
    *os << " mp_unreach(" << int(m.mp_unreach_family->a) << '/' << int(m.mp_unreach_family->s)
        << ")=[" << prefixes_text(m.mp_unreach) << " ]";
  }
  *os << '}';
}

void PrintTo(const open_message& m, std::ostream* os) {
  *os << "OPEN{version=" << int(m.version) << " my_as=" << m.my_as << " hold=" << m.hold_time
      << " id=" << std::hex << m.bgp_identifier << std::dec << " mp=[";
  for (const auto& f : m.caps.multiprotocol) {
    *os << ' ' << int(f.a) << '/' << int(f.s);
  }
  *os << " ] rr=" << m.caps.route_refresh << " err=" << m.caps.enhanced_route_refresh
      << " extmsg=" << m.caps.extended_message << " as4=" << opt_text(m.caps.four_octet_as);
  if (m.caps.graceful_restart) {
    const auto& g = *m.caps.graceful_restart;
    *os << " gr={R=" << g.restart_state << " N=" << g.notification << " time=" << g.restart_time
        << " fams=[";
    for (const auto& f : g.families) {
      *os << ' ' << int(f.fam.a) << '/' << int(f.fam.s) << (f.forwarding_preserved ? "F" : "");
    }
    *os << " ]}";
  }
  *os << " unknown=[";
  for (const auto& u : m.caps.unknown) {
    *os << " {" << int(u.code) << ':' << hex_text(u.value) << '}';
  }
  *os << " ]}";
}

void PrintTo(const notification_message& m, std::ostream* os) {
  *os << "NOTIFICATION{" << int(m.code) << '/' << int(m.subcode) << " data=" << hex_text(m.data)
      << '}';
}

void PrintTo(const route_refresh_message& m, std::ostream* os) {
  *os << "ROUTE-REFRESH{" << int(m.fam.a) << '/' << int(m.fam.s) << " subtype=" << int(m.subtype)
      << '}';
}

void PrintTo(const message& m, std::ostream* os) {
  std::visit(
      [os](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, keepalive_message>) {
          *os << "KEEPALIVE";
        } else {
          PrintTo(v, os);
        }
      },
      m);
}

void PrintTo(const decode_error& e, std::ostream* os) {
  *os << "decode_error{kind=" << int(e.kind) << " attr=" << opt_text(e.attribute)
      << " data=" << hex_text(e.data) << " offset=" << e.offset << " length=" << e.length
      << " site=" << int(e.site) << " detail=\"" << e.detail << "\"}";
}

}  // namespace svcbgp::bgp

namespace svcbgp::bgp::test {

bytes hex(std::string_view text) {
  bytes out;
  int nibble = -1;
  for (char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else if (c == ' ' || c == '\n' || c == '\t') {
      continue;
    } else {
      ADD_FAILURE() << "bad hex character '" << c << "' in fixture";
      return out;
    }
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  if (nibble >= 0) {
    ADD_FAILURE() << "odd number of hex digits in fixture";
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> b) {
  std::string s;
  char buf[3];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02x", x);
    s += buf;
  }
  return s;
}

bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  bytes out;
  for (auto p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

ip_address ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  ip_address r;
  r.bytes[0] = a;
  r.bytes[1] = b;
  r.bytes[2] = c;
  r.bytes[3] = d;
  return r;
}

ip_address ip6(std::string_view text) {
  // Split on "::" into a head and a tail of 16-bit groups.
  auto groups = [](std::string_view s) {
    std::vector<std::uint16_t> g;
    while (!s.empty()) {
      auto colon = s.find(':');
      auto part = s.substr(0, colon);
      g.push_back(static_cast<std::uint16_t>(std::stoul(std::string(part), nullptr, 16)));
      if (colon == std::string_view::npos) {
        break;
      }
      s.remove_prefix(colon + 1);
    }
    return g;
  };
  std::vector<std::uint16_t> head;
  std::vector<std::uint16_t> tail;
  auto dc = text.find("::");
  if (dc == std::string_view::npos) {
    head = groups(text);
  } else {
    head = groups(text.substr(0, dc));
    tail = groups(text.substr(dc + 2));
  }
  std::vector<std::uint16_t> all = head;
  all.resize(8 - tail.size(), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  EXPECT_EQ(all.size(), 8u) << text;
  ip_address r;
  r.v6 = true;
  for (std::size_t i = 0; i < 8 && i < all.size(); ++i) {
    r.bytes[2 * i] = static_cast<std::uint8_t>(all[i] >> 8);
    r.bytes[2 * i + 1] = static_cast<std::uint8_t>(all[i]);
  }
  return r;
}

prefix pfx4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t len) {
  return prefix{ip4(a, b, c, d), len};
}

prefix pfx6(std::string_view addr, std::uint8_t len) {
  return prefix{ip6(addr), len};
}

codec_context ctx_4octet() {
  codec_context c;
  c.four_octet_as = true;
  c.extended_message = false;
  c.families = {ipv4_unicast, ipv6_unicast};
  c.local_address = ip4(10, 0, 0, 1);
  c.local_as = 65000;
  c.local_identifier = 0x0a000001;
  c.expected_peer_as = 65001;
  return c;
}

codec_context ctx_2octet() {
  codec_context c = ctx_4octet();
  c.four_octet_as = false;
  return c;
}

bytes message_bytes(message_type type, std::span<const std::uint8_t> body) {
  bytes out(16, 0xff);
  std::size_t len = header_size + body.size();
  out.push_back(static_cast<std::uint8_t>(len >> 8));
  out.push_back(static_cast<std::uint8_t>(len));
  out.push_back(static_cast<std::uint8_t>(type));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

bytes update_bytes(std::string_view withdrawn_hex, std::string_view attrs_hex,
                   std::string_view nlri_hex) {
  bytes w = hex(withdrawn_hex);
  bytes a = hex(attrs_hex);
  bytes n = hex(nlri_hex);
  bytes body;
  body.push_back(static_cast<std::uint8_t>(w.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(w.size()));
  body.insert(body.end(), w.begin(), w.end());
  body.push_back(static_cast<std::uint8_t>(a.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(a.size()));
  body.insert(body.end(), a.begin(), a.end());
  body.insert(body.end(), n.begin(), n.end());
  return message_bytes(message_type::update, body);
}

bytes open_bytes(std::uint8_t version, std::uint16_t my_as, std::uint16_t hold, std::uint32_t id,
                 std::string_view params_hex) {
  bytes p = hex(params_hex);
  bytes body{version,
             static_cast<std::uint8_t>(my_as >> 8),
             static_cast<std::uint8_t>(my_as),
             static_cast<std::uint8_t>(hold >> 8),
             static_cast<std::uint8_t>(hold),
             static_cast<std::uint8_t>(id >> 24),
             static_cast<std::uint8_t>(id >> 16),
             static_cast<std::uint8_t>(id >> 8),
             static_cast<std::uint8_t>(id),
             static_cast<std::uint8_t>(p.size())};
  body.insert(body.end(), p.begin(), p.end());
  return message_bytes(message_type::open, body);
}

std::string cap_param(std::string_view caps_hex) {
  bytes c = hex(caps_hex);
  char buf[8];
  std::snprintf(buf, sizeof buf, "02%02x", static_cast<unsigned>(c.size()));
  return std::string(buf) + to_hex(c);
}

std::expected<decoded, decode_error> decode_one(std::span<const std::uint8_t> b,
                                                const codec_context& ctx) {
  auto f = frame(b, ctx);
  if (!f) {
    return std::unexpected(f.error());
  }
  EXPECT_EQ(*f, b.size()) << "frame() must see exactly one message in " << to_hex(b);
  return decode(b.first(std::min(*f == 0 ? b.size() : *f, b.size())), ctx);
}

void expect_fixture(const bytes& b, const message& m, const codec_context& ctx) {
  ASSERT_GE(b.size(), header_size);
  ASSERT_EQ(std::size_t(b[16] << 8 | b[17]), b.size()) << "the fixture's length field is wrong";
  EXPECT_EQ(to_hex(encode(m, ctx)), to_hex(b)) << "encode";
  bytes appended{0xaa};
  encode(m, ctx, appended);
  EXPECT_EQ(to_hex(appended), "aa" + to_hex(b)) << "encode must append to what is in `out`";
  expect_decodes_to(b, m, ctx);
}

void expect_decodes_to(const bytes& b, const message& m, const codec_context& ctx) {
  ASSERT_GE(b.size(), header_size);
  ASSERT_EQ(std::size_t(b[16] << 8 | b[17]), b.size()) << "the fixture's length field is wrong";
  auto d = decode_one(b, ctx);
  ASSERT_TRUE(d.has_value()) << "decode failed: " << testing::PrintToString(d.error());
  EXPECT_EQ(d->msg, m);
  EXPECT_TRUE(d->recovered.empty()) << testing::PrintToString(d->recovered.front());
  EXPECT_FALSE(d->treat_as_withdraw);
}

std::string mandatory_attrs() {
  return std::string(origin_igp) + std::string(as_path_65001) + std::string(next_hop_10_0_0_2);
}

path_attributes mandatory_attrs_struct() {
  path_attributes a;
  a.origin = origin_type::igp;
  a.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence, {65001}}}};
  a.next_hop = ip4(10, 0, 0, 2);
  return a;
}

}  // namespace svcbgp::bgp::test
