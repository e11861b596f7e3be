// rtnetlink messages decoded into plain values (the part of src/netlink that needs no kernel).
//
// decode_link / decode_address / decode_route read one message (an RTM_NEWLINK, RTM_NEWADDR,
// RTM_NEWROUTE or its DEL twin) through libnl's bounded attribute parser and keep only what
// svcbgpd uses. They never throw; a malformed or unexpected message is an error value. The structs
// carry no libnl type, so the logic that consumes them (interface_table.h, select.h) is pure.
//
// Concurrency: none; plain functions on values.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "bgp/codec/ip.h"

struct nlmsghdr;

namespace svcbgp::netlink {

struct link_msg {
  bool deleted = false;  // RTM_DELLINK
  int ifindex = 0;
  std::string name;             // IFLA_IFNAME
  std::uint32_t flags = 0;      // ifi_flags: IFF_UP, IFF_RUNNING, IFF_LOOPBACK, IFF_LOWER_UP ...
  std::uint8_t operstate = 0;   // IFLA_OPERSTATE (IF_OPER_*); 0 = unknown
  std::optional<bool> carrier;  // IFLA_CARRIER when the kernel sends it
};

struct addr_msg {
  bool deleted = false;  // RTM_DELADDR
  int ifindex = 0;
  bgp::ip_address address;  // IFA_LOCAL, else IFA_ADDRESS
  std::uint8_t prefix_length = 0;
  std::uint8_t scope = 0;   // RT_SCOPE_*: 0 universe (global), 253 link, 254 host
  std::uint32_t flags = 0;  // IFA_FLAGS when present, else ifa_flags (IFA_F_*)
  std::string label;        // IFA_LABEL (IPv4 only)
};

struct route_msg {
  bool v6 = false;
  std::uint8_t dst_len = 0;
  std::uint8_t type = 0;       // RTN_UNICAST, RTN_LOCAL, RTN_UNREACHABLE ...
  std::uint32_t table = 0;     // RTA_TABLE, else rtm_table
  std::uint32_t priority = 0;  // RTA_PRIORITY (metric)
  int oif = 0;                 // RTA_OIF, else the first next hop of RTA_MULTIPATH
  std::optional<bgp::ip_address> dst, gateway, prefsrc;  // gateway from RTA_GATEWAY or RTA_VIA
};

// Each checks the message type and the lengths of the header and of every attribute it reads.
// The caller guarantees that h.nlmsg_len bytes are readable (libnl does for received messages).
std::expected<link_msg, std::string> decode_link(const nlmsghdr& h);
std::expected<addr_msg, std::string> decode_address(const nlmsghdr& h);
std::expected<route_msg, std::string> decode_route(const nlmsghdr& h);

// "UP,BROADCAST,RUNNING,LOWER_UP" and "up", "lowerlayerdown" ... for log lines.
std::string link_flags_to_string(std::uint32_t flags);
std::string operstate_to_string(std::uint8_t operstate);

}  // namespace svcbgp::netlink
