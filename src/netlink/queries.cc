// The synchronous queries of netlink.h: fetch dumps or one route over a fresh rtnetlink socket
// and let select.h decide.
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "src/netlink/netlink.h"
#include "src/netlink/select.h"
#include "src/netlink/socket.h"

namespace svcbgp::netlink {

std::string to_string(link_event::kind k) {
  switch (k) {
    case link_event::kind::link_up:
      return "link-up";
    case link_event::kind::link_down:
      return "link-down";
    case link_event::kind::address_added:
      return "address-added";
    case link_event::kind::address_removed:
      return "address-removed";
  }
  return "unknown";
}

std::expected<bgp::ip_address, std::string> first_ipv4_address() {
  auto sock = rtnl_socket::open();
  if (!sock) {
    return std::unexpected(sock.error());
  }
  auto links = sock->links();
  if (!links) {
    return std::unexpected(links.error());
  }
  auto addresses = sock->addresses();
  if (!addresses) {
    return std::unexpected(addresses.error());
  }
  auto routes = sock->routes(AF_INET);
  if (!routes) {
    return std::unexpected(routes.error());
  }
  return choose_first_ipv4(*links, *addresses, default_route_ifindex(*routes));
}

std::expected<route_info, std::string> route_to(const bgp::ip_address& dst) {
  std::string what = "netlink: route to " + dst.to_string();
  auto sock = rtnl_socket::open();
  if (!sock) {
    return std::unexpected(sock.error());
  }
  nl_msg* msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
  if (msg == nullptr) {
    return std::unexpected(what + ": cannot allocate a message");
  }
  rtmsg header{};
  header.rtm_family = dst.v6 ? AF_INET6 : AF_INET;
  header.rtm_dst_len = dst.v6 ? 128 : 32;
  if (nlmsg_append(msg, &header, sizeof(header), NLMSG_ALIGNTO) < 0 ||
      nla_put(msg, RTA_DST, static_cast<int>(dst.size()), dst.bytes.data()) < 0) {
    nlmsg_free(msg);
    return std::unexpected(what + ": cannot build the request");
  }
  std::optional<route_msg> answer;
  auto r = sock->transact(
      msg,
      [&answer](const nlmsghdr& h) -> std::expected<void, std::string> {
        auto m = decode_route(h);
        if (!m) {
          return std::unexpected(m.error());
        }
        if (!answer) {
          answer = std::move(*m);
        }
        return {};
      },
      what);
  if (!r) {
    return std::unexpected(r.error());
  }
  if (!answer) {
    return std::unexpected(what + ": the kernel sent no route");
  }
  std::string ifname;
  if (answer->oif > 0) {
    if (auto name = sock->link_name(answer->oif)) {
      ifname = std::move(*name);
    }
  }
  return to_route_info(*answer, dst, std::move(ifname));
}

namespace {

// The addresses of every interface and the name of `ifindex`, handed to one of select.h's choices.
template <typename Choose>
std::expected<bgp::ip_address, std::string> choose_on(int ifindex, Choose choose) {
  auto sock = rtnl_socket::open();
  if (!sock) {
    return std::unexpected(sock.error());
  }
  auto addresses = sock->addresses();
  if (!addresses) {
    return std::unexpected(addresses.error());
  }
  std::string ifname;
  if (auto name = sock->link_name(ifindex)) {
    ifname = std::move(*name);
  }
  return choose(*addresses, ifname);
}

}  // namespace

std::expected<bgp::ip_address, std::string> global_ipv6_on(int ifindex) {
  return choose_on(ifindex, [&](const std::vector<addr_msg>& a, const std::string& ifname) {
    return choose_global_ipv6(a, ifindex, ifname);
  });
}

std::expected<bgp::ip_address, std::string> link_local_ipv6_on(int ifindex) {
  return choose_on(ifindex, [&](const std::vector<addr_msg>& a, const std::string&) {
    return choose_link_local_ipv6(a, ifindex);
  });
}

}  // namespace svcbgp::netlink
