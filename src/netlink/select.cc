#include "src/netlink/select.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "src/netlink/interface_table.h"

namespace svcbgp::netlink {

std::optional<int> default_route_ifindex(const std::vector<route_msg>& routes) {
  const route_msg* best = nullptr;
  for (const auto& r : routes) {
    if (r.v6 || r.dst_len != 0 || r.type != RTN_UNICAST || r.table != RT_TABLE_MAIN || r.oif <= 0) {
      continue;
    }
    if (best == nullptr || r.priority < best->priority) {
      best = &r;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return best->oif;
}

std::expected<bgp::ip_address, std::string> choose_first_ipv4(
    const std::vector<link_msg>& links, const std::vector<addr_msg>& addresses,
    std::optional<int> default_ifindex) {
  std::map<int, const link_msg*> by_index;
  for (const auto& l : links) {
    by_index[l.ifindex] = &l;
  }
  // Rank: default-route interface first, then ifindex, then primary before secondary, then the
  // kernel's order (the dump lists addresses in the order they were added).
  using rank = std::tuple<bool, int, bool, std::size_t>;
  std::optional<rank> best_rank;
  std::optional<bgp::ip_address> best;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const auto& a = addresses[i];
    if (a.deleted || a.address.v6 || a.scope != RT_SCOPE_UNIVERSE || a.address.bytes[0] == 127 ||
        a.address.is_unspecified()) {
      continue;
    }
    auto l = by_index.find(a.ifindex);
    if (l == by_index.end()) {
      continue;
    }
    // Administratively up is enough: a router ID must not change when a cable flaps.
    if ((l->second->flags & IFF_UP) == 0 || (l->second->flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    rank r{!(default_ifindex && *default_ifindex == a.ifindex), a.ifindex,
           (a.flags & IFA_F_SECONDARY) != 0, i};
    if (!best_rank || r < *best_rank) {
      best_rank = r;
      best = a.address;
    }
  }
  if (!best) {
    return std::unexpected(std::string(
        "no global IPv4 address on any up, non-loopback interface (set router_id explicitly)"));
  }
  return *best;
}

std::expected<bgp::ip_address, std::string> choose_link_local_ipv6(
    const std::vector<addr_msg>& addresses, int ifindex) {
  for (const auto& a : addresses) {
    if (a.ifindex == ifindex && a.address.v6 && !a.deleted && a.address.is_link_local() &&
        address_is_usable(a)) {
      return a.address;
    }
  }
  return std::unexpected("no usable link-local IPv6 address on ifindex " + std::to_string(ifindex));
}

std::expected<bgp::ip_address, std::string> choose_global_ipv6(
    const std::vector<addr_msg>& addresses, int ifindex, const std::string& ifname) {
  std::optional<bgp::ip_address> best;
  bool best_temporary = true;
  int skipped = 0;
  for (const auto& a : addresses) {
    if (a.ifindex != ifindex || !a.address.v6 || a.deleted) {
      continue;
    }
    if (a.scope != RT_SCOPE_UNIVERSE || a.address.is_link_local() || !address_is_usable(a)) {
      ++skipped;
      continue;
    }
    bool temporary = (a.flags & IFA_F_TEMPORARY) != 0;
    if (!best || (best_temporary && !temporary)) {
      best = a.address;
      best_temporary = temporary;
    }
  }
  if (!best) {
    std::string name = ifname.empty() ? "ifindex " + std::to_string(ifindex)
                                      : ifname + " (ifindex " + std::to_string(ifindex) + ")";
    std::string why = skipped > 0 ? " (only link-local, tentative or deprecated ones)" : "";
    return std::unexpected("no global IPv6 address on " + name + why);
  }
  return *best;
}

std::expected<route_info, std::string> to_route_info(const route_msg& route,
                                                     const bgp::ip_address& dst,
                                                     std::string ifname) {
  auto fail = [&dst](const std::string& why) {
    return std::unexpected("no route to " + dst.to_string() + ": " + why);
  };
  switch (route.type) {
    case RTN_UNICAST:
    case RTN_LOCAL:
      break;
    case RTN_UNREACHABLE:
      return fail("unreachable route");
    case RTN_BLACKHOLE:
      return fail("blackhole route");
    case RTN_PROHIBIT:
      return fail("prohibit route");
    default:
      return fail("route of type " + std::to_string(route.type));
  }
  if (route.oif <= 0) {
    return fail("the kernel named no output interface");
  }
  route_info info;
  info.ifindex = route.oif;
  info.ifname = std::move(ifname);
  info.source = route.prefsrc;
  info.gateway = route.gateway;
  info.local = route.type == RTN_LOCAL;
  info.directly_connected = route.type == RTN_UNICAST && !route.gateway;
  return info;
}

}  // namespace svcbgp::netlink
