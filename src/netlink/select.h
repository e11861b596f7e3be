// The choices behind the queries of netlink.h, made on decoded dumps: which address is the
// router ID, which IPv6 address is the next hop on an interface, what a route answer means.
//
// Pure functions on values (message.h); the socket side (queries.cc) only fetches the dumps.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "src/netlink/message.h"
#include "src/netlink/netlink.h"

namespace svcbgp::netlink {

// The interface of the IPv4 default route in the main table with the lowest metric.
std::optional<int> default_route_ifindex(const std::vector<route_msg>& routes);

// See first_ipv4_address() in netlink.h for the rule.
std::expected<bgp::ip_address, std::string> choose_first_ipv4(
    const std::vector<link_msg>& links, const std::vector<addr_msg>& addresses,
    std::optional<int> default_ifindex);

// See global_ipv6_on() in netlink.h. `ifname` only names the interface in the error.
// The usable link-local (fe80::/10) IPv6 address on `ifindex`, for the second next hop of RFC 2545
// §3; an error when there is none.
std::expected<bgp::ip_address, std::string> choose_link_local_ipv6(
    const std::vector<addr_msg>& addresses, int ifindex);
std::expected<bgp::ip_address, std::string> choose_global_ipv6(
    const std::vector<addr_msg>& addresses, int ifindex, const std::string& ifname);

// The kernel's answer to RTM_GETROUTE for `dst`; unreachable, blackhole and prohibit routes are
// errors. `ifname` is the name of route.oif.
std::expected<route_info, std::string> to_route_info(const route_msg& route,
                                                     const bgp::ip_address& dst,
                                                     std::string ifname);

}  // namespace svcbgp::netlink
