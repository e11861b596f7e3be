// What svcbgpd asks the kernel about the node's network: its addresses, the route toward each
// peer, and a monitor that reports links going down or up and addresses coming and going.
//
// The queries open their own rtnetlink socket, ask, and close it: small synchronous requests,
// meant for start-up and for the rare moment the daemon needs to know again (a peer added, a link
// event). The monitor is a long-lived subscription whose socket is read on the io_context.
//
// Errors are values: a query returns std::expected with a message fit for the log. libnl and Asio
// stay out of this header (pimpl) so that including it costs nothing.
//
// Concurrency: the queries may run on any thread; they use the network namespace of the calling
// thread. A link_monitor is used only on the io_context's thread (start, stop, its queries) and
// calls its callback there.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bgp/codec/ip.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::netlink {

// The kernel's answer to "how do I reach this address" (RTM_GETROUTE, as `ip route get`).
struct route_info {
  int ifindex = 0;     // output interface
  std::string ifname;  // its name ("eth0"); "" when the kernel no longer knows the index
  std::optional<bgp::ip_address> source;   // the preferred source address the kernel would use
  std::optional<bgp::ip_address> gateway;  // next hop; none when the destination is on-link
  bool directly_connected = false;         // unicast route with no gateway
  bool local = false;                      // the destination is one of this node's own addresses
};

// Something that happened to an interface, as the link_monitor reports it.
struct link_event {
  enum class kind { link_up, link_down, address_added, address_removed };
  kind what = kind::link_down;
  int ifindex = 0;
  std::string ifname;
  std::optional<bgp::ip_address> address;  // address events only
  std::uint8_t prefix_length = 0;          // address events only
  std::string detail;                      // for the log: "flags=UP,LOWER_UP oper=up carrier=1"
};

std::string to_string(link_event::kind k);  // "link-up", "link-down", "address-added", ...

// The node's first IPv4 address, for `router_id: auto`: a global-scope IPv4 address (not
// 127/8) of an administratively up, non-loopback interface; the interface holding the IPv4
// default route (lowest metric, main table) wins, then the lowest ifindex; primary before
// secondary addresses.
std::expected<bgp::ip_address, std::string> first_ipv4_address();

// The route toward `dst` as the kernel would use it now. An unreachable destination is an error.
std::expected<route_info, std::string> route_to(const bgp::ip_address& dst);

// The global IPv6 address on interface `ifindex` for an IPv6 next hop: global scope (so not
// link-local), and neither tentative, deprecated nor failed duplicate detection. A stable address
// wins over a temporary (privacy) one. An error names the interface when there is none.
std::expected<bgp::ip_address, std::string> global_ipv6_on(int ifindex);
// The link-local IPv6 address on `ifindex` (RFC 2545 §3's second next hop on a shared link).
std::expected<bgp::ip_address, std::string> link_local_ipv6_on(int ifindex);

// Subscribes to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR and reports changes.
//
// A link is up when it is administratively up and operationally running (IFF_UP, IFF_RUNNING,
// carrier): a veth whose peer goes down, or a NIC losing carrier, is reported down. Events are
// transitions only (an MTU change on an up link is not an event). An address counts while it is
// usable: IPv6 addresses are reported when duplicate detection finishes and removed when they
// become deprecated. On start the monitor learns the current state silently; after a netlink
// buffer overrun it reads the state again and reports the difference.
//
// Ownership: the monitor owns its socket. Destroying it (or stop()) cancels the read; the callback
// is not called afterwards, and may itself destroy the monitor.
class link_monitor {
 public:
  using callback = std::function<void(const link_event&)>;

  link_monitor(boost::asio::io_context& io, callback on_event);
  ~link_monitor();
  link_monitor(const link_monitor&) = delete;
  link_monitor& operator=(const link_monitor&) = delete;

  // Opens the socket, learns the current state and starts reading. Errors say what failed.
  std::expected<void, std::string> start();
  void stop();

  // The last known state of an interface; nullopt for an index the monitor has not seen.
  std::optional<bool> link_up(int ifindex) const;
  std::optional<std::string> link_name(int ifindex) const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace svcbgp::netlink
