#include "src/netlink/message.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <utility>

namespace svcbgp::netlink {

namespace {

// libnl's parsers take a non-const header; they only read it.
nlmsghdr* mutable_header(const nlmsghdr& h) {
  return const_cast<nlmsghdr*>(&h);
}

std::string string_attr(const nlattr* a) {
  const auto* data = static_cast<const char*>(nla_data(a));
  auto len = static_cast<std::size_t>(nla_len(a));
  return std::string(data, ::strnlen(data, len));
}

// An address attribute of the given family: exactly 4 or 16 bytes.
std::expected<bgp::ip_address, std::string> address_attr(const nlattr* a, int family,
                                                         const char* what) {
  auto len = nla_len(a);
  if (family == AF_INET && len == 4) {
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), nla_data(a), 4);
    return bgp::ip_address::v4(b);
  }
  if (family == AF_INET6 && len == 16) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), nla_data(a), 16);
    return bgp::ip_address::v6_bytes(b);
  }
  return std::unexpected(std::string(what) + ": " + std::to_string(len) +
                         " bytes for address family " + std::to_string(family));
}

std::expected<std::optional<bgp::ip_address>, std::string> optional_address(const nlattr* a,
                                                                            int family,
                                                                            const char* what) {
  if (a == nullptr) {
    return std::nullopt;
  }
  auto addr = address_attr(a, family, what);
  if (!addr) {
    return std::unexpected(addr.error());
  }
  return *addr;
}

std::string parse_error(const char* what, int err) {
  return std::string(what) + ": malformed attributes (libnl error " + std::to_string(-err) + ")";
}

}  // namespace

std::expected<link_msg, std::string> decode_link(const nlmsghdr& h) {
  if (h.nlmsg_type != RTM_NEWLINK && h.nlmsg_type != RTM_DELLINK) {
    return std::unexpected("link message: unexpected type " + std::to_string(h.nlmsg_type));
  }
  if (!nlmsg_valid_hdr(&h, sizeof(ifinfomsg))) {
    return std::unexpected(std::string("link message: too short"));
  }
  std::array<nla_policy, IFLA_MAX + 1> policy{};
  policy[IFLA_IFNAME].type = NLA_STRING;
  policy[IFLA_OPERSTATE].type = NLA_U8;
  policy[IFLA_CARRIER].type = NLA_U8;
  std::array<nlattr*, IFLA_MAX + 1> tb{};
  int err = nlmsg_parse(mutable_header(h), sizeof(ifinfomsg), tb.data(), IFLA_MAX, policy.data());
  if (err < 0) {
    return std::unexpected(parse_error("link message", err));
  }
  const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(&h));
  link_msg m;
  m.deleted = h.nlmsg_type == RTM_DELLINK;
  m.ifindex = ifi->ifi_index;
  m.flags = ifi->ifi_flags;
  if (tb[IFLA_IFNAME] != nullptr) {
    m.name = string_attr(tb[IFLA_IFNAME]);
  }
  if (tb[IFLA_OPERSTATE] != nullptr) {
    m.operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
  }
  if (tb[IFLA_CARRIER] != nullptr) {
    m.carrier = nla_get_u8(tb[IFLA_CARRIER]) != 0;
  }
  if (m.ifindex <= 0) {
    return std::unexpected("link message: bad ifindex " + std::to_string(m.ifindex));
  }
  return m;
}

std::expected<addr_msg, std::string> decode_address(const nlmsghdr& h) {
  if (h.nlmsg_type != RTM_NEWADDR && h.nlmsg_type != RTM_DELADDR) {
    return std::unexpected("address message: unexpected type " + std::to_string(h.nlmsg_type));
  }
  if (!nlmsg_valid_hdr(&h, sizeof(ifaddrmsg))) {
    return std::unexpected(std::string("address message: too short"));
  }
  std::array<nla_policy, IFA_MAX + 1> policy{};
  policy[IFA_LABEL].type = NLA_STRING;
  policy[IFA_FLAGS].type = NLA_U32;
  std::array<nlattr*, IFA_MAX + 1> tb{};
  int err = nlmsg_parse(mutable_header(h), sizeof(ifaddrmsg), tb.data(), IFA_MAX, policy.data());
  if (err < 0) {
    return std::unexpected(parse_error("address message", err));
  }
  const auto* ifa = static_cast<const ifaddrmsg*>(nlmsg_data(&h));
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) {
    return std::unexpected("address message: address family " + std::to_string(ifa->ifa_family));
  }
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the far end on point-to-point links
  // and the only one IPv6 sends otherwise.
  const nlattr* a = tb[IFA_LOCAL] != nullptr ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  if (a == nullptr) {
    return std::unexpected(std::string("address message: no IFA_LOCAL or IFA_ADDRESS"));
  }
  auto addr = address_attr(a, ifa->ifa_family, "address message");
  if (!addr) {
    return std::unexpected(addr.error());
  }
  addr_msg m;
  m.deleted = h.nlmsg_type == RTM_DELADDR;
  m.ifindex = static_cast<int>(ifa->ifa_index);
  m.address = *addr;
  m.prefix_length = ifa->ifa_prefixlen;
  m.scope = ifa->ifa_scope;
  m.flags = tb[IFA_FLAGS] != nullptr ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
  if (tb[IFA_LABEL] != nullptr) {
    m.label = string_attr(tb[IFA_LABEL]);
  }
  return m;
}

std::expected<route_msg, std::string> decode_route(const nlmsghdr& h) {
  if (h.nlmsg_type != RTM_NEWROUTE && h.nlmsg_type != RTM_DELROUTE) {
    return std::unexpected("route message: unexpected type " + std::to_string(h.nlmsg_type));
  }
  if (!nlmsg_valid_hdr(&h, sizeof(rtmsg))) {
    return std::unexpected(std::string("route message: too short"));
  }
  std::array<nla_policy, RTA_MAX + 1> policy{};
  policy[RTA_OIF].type = NLA_U32;
  policy[RTA_PRIORITY].type = NLA_U32;
  policy[RTA_TABLE].type = NLA_U32;
  std::array<nlattr*, RTA_MAX + 1> tb{};
  int err = nlmsg_parse(mutable_header(h), sizeof(rtmsg), tb.data(), RTA_MAX, policy.data());
  if (err < 0) {
    return std::unexpected(parse_error("route message", err));
  }
  const auto* rtm = static_cast<const rtmsg*>(nlmsg_data(&h));
  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) {
    return std::unexpected("route message: address family " + std::to_string(rtm->rtm_family));
  }
  int family = rtm->rtm_family;
  route_msg m;
  m.v6 = family == AF_INET6;
  m.dst_len = rtm->rtm_dst_len;
  m.type = rtm->rtm_type;
  m.table = tb[RTA_TABLE] != nullptr ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  if (tb[RTA_PRIORITY] != nullptr) {
    m.priority = nla_get_u32(tb[RTA_PRIORITY]);
  }
  if (tb[RTA_OIF] != nullptr) {
    m.oif = static_cast<int>(nla_get_u32(tb[RTA_OIF]));
  }
  struct address_field {
    int attr;
    const char* name;
    std::optional<bgp::ip_address>* out;
  };
  for (const address_field& f : {address_field{RTA_DST, "RTA_DST", &m.dst},
                                 address_field{RTA_GATEWAY, "RTA_GATEWAY", &m.gateway},
                                 address_field{RTA_PREFSRC, "RTA_PREFSRC", &m.prefsrc}}) {
    auto a = optional_address(tb[f.attr], family, f.name);
    if (!a) {
      return std::unexpected("route message: " + a.error());
    }
    *f.out = *a;
  }
  // RFC 5549 style: an IPv4 route through an IPv6 next hop.
  if (!m.gateway && tb[RTA_VIA] != nullptr) {
    auto len = nla_len(tb[RTA_VIA]);
    const auto* via = static_cast<const rtvia*>(nla_data(tb[RTA_VIA]));
    if (len < static_cast<int>(sizeof(rtvia))) {
      return std::unexpected(std::string("route message: RTA_VIA too short"));
    }
    auto want = via->rtvia_family == AF_INET6 ? 16 : via->rtvia_family == AF_INET ? 4 : -1;
    if (want < 0 || len != static_cast<int>(sizeof(rtvia)) + want) {
      return std::unexpected(std::string("route message: bad RTA_VIA"));
    }
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), via->rtvia_addr, static_cast<std::size_t>(want));
    if (want == 4) {
      m.gateway = bgp::ip_address::v4(std::array<std::uint8_t, 4>{b[0], b[1], b[2], b[3]});
    } else {
      m.gateway = bgp::ip_address::v6_bytes(b);
    }
  }
  // Multipath: the first next hop stands for the route (its interface and gateway).
  if (m.oif == 0 && tb[RTA_MULTIPATH] != nullptr) {
    auto remaining = nla_len(tb[RTA_MULTIPATH]);
    const auto* nh = static_cast<const rtnexthop*>(nla_data(tb[RTA_MULTIPATH]));
    if (remaining < static_cast<int>(sizeof(rtnexthop)) || nh->rtnh_len < sizeof(rtnexthop) ||
        nh->rtnh_len > remaining) {
      return std::unexpected(std::string("route message: bad RTA_MULTIPATH"));
    }
    m.oif = nh->rtnh_ifindex;
    auto nested_len = static_cast<int>(nh->rtnh_len - RTNH_ALIGN(sizeof(rtnexthop)));
    if (!m.gateway && nested_len > 0) {
      std::array<nlattr*, RTA_MAX + 1> nested{};
      auto* first = reinterpret_cast<nlattr*>(
          const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(nh)) +
          RTNH_ALIGN(sizeof(rtnexthop)));
      if (nla_parse(nested.data(), RTA_MAX, first, nested_len, nullptr) < 0) {
        return std::unexpected(std::string("route message: bad next hop in RTA_MULTIPATH"));
      }
      auto gw = optional_address(nested[RTA_GATEWAY], family, "RTA_MULTIPATH gateway");
      if (!gw) {
        return std::unexpected("route message: " + gw.error());
      }
      m.gateway = *gw;
    }
  }
  return m;
}

std::string link_flags_to_string(std::uint32_t flags) {
  static constexpr std::pair<std::uint32_t, const char*> names[] = {
      {IFF_UP, "UP"},
      {IFF_BROADCAST, "BROADCAST"},
      {IFF_LOOPBACK, "LOOPBACK"},
      {IFF_POINTOPOINT, "POINTOPOINT"},
      {IFF_RUNNING, "RUNNING"},
      {IFF_NOARP, "NOARP"},
      {IFF_MULTICAST, "MULTICAST"},
      {IFF_LOWER_UP, "LOWER_UP"},
      {IFF_DORMANT, "DORMANT"}};
  std::string out;
  for (auto [bit, name] : names) {
    if ((flags & bit) != 0) {
      if (!out.empty()) {
        out += ',';
      }
      out += name;
    }
  }
  return out.empty() ? std::string("none") : out;
}

std::string operstate_to_string(std::uint8_t operstate) {
  switch (operstate) {
    case IF_OPER_UNKNOWN:
      return "unknown";
    case IF_OPER_NOTPRESENT:
      return "notpresent";
    case IF_OPER_DOWN:
      return "down";
    case IF_OPER_LOWERLAYERDOWN:
      return "lowerlayerdown";
    case IF_OPER_TESTING:
      return "testing";
    case IF_OPER_DORMANT:
      return "dormant";
    case IF_OPER_UP:
      return "up";
    default:
      return "oper-" + std::to_string(operstate);
  }
}

}  // namespace svcbgp::netlink
