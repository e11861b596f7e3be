// Configuration of the speaker and of each peer, as plain values (no Asio), so the daemon's config
// loader and the admin API can build and compare them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

struct peer_config {
  std::string name;
  ip_address address;
  std::uint32_t asn = 0;
  std::uint16_t port = 179;
  bool passive = false;
  bool enabled = true;
  std::chrono::seconds hold_time{90};
  std::optional<std::chrono::seconds> keepalive_time;  // default: a third of the hold time
  std::chrono::seconds connect_retry_time{5};
  // RFC 9687: a peer that reads nothing for this long while we have data for it is dropped with
  // NOTIFICATION 8. 0: max(8 minutes, twice the hold time), as the RFC suggests.
  std::chrono::seconds send_hold_time{0};
  std::chrono::seconds idle_hold_time{1};  // first IdleHold delay; doubles up to 120 s
  std::uint8_t ebgp_multihop = 1;          // TTL of our packets on eBGP; iBGP uses 64
  bool ttl_security = false;               // RFC 5082 GTSM
  std::string password;                    // TCP MD5 (RFC 2385); empty = none
  std::optional<ip_address> source_address;
  std::vector<family> families{ipv4_unicast};
  // Next hops to send instead of the session's local address (next-hop self); needed for the
  // family that differs from the session's transport.
  std::optional<ip_address> next_hop_v4;
  std::optional<ip_address> next_hop_v6;
  // RFC 2545 §3: on a link shared with the peer, the link-local address of our interface, sent
  // after the global next hop on IPv6 sessions (the owner fills it for directly connected peers).
  std::optional<ip_address> next_hop_v6_link_local;
  // Received routes (svcbgp never uses them): past max_prefixes, or max_received_bytes of routes
  // and attributes, further routes are counted and not stored; with max_prefixes_cease the
  // session is closed instead (RFC 4486). 0 = no limit.
  std::uint32_t max_prefixes = 0;
  bool max_prefixes_cease = false;
  std::size_t max_received_bytes = 0;

  bool is_ibgp(std::uint32_t local_as) const { return asn == local_as; }
  // Whether changing from `other` to this needs the session to be reset.
  bool session_differs(const peer_config& other) const;
  friend bool operator==(const peer_config&, const peer_config&) = default;
};

struct speaker_config {
  std::uint32_t local_as = 0;
  std::uint32_t router_id = 0;               // host order
  std::optional<ip_address> listen_address;  // nullopt: "::" (dual-stack)
  std::uint16_t listen_port = 179;           // 0: never listen
  bool graceful_restart = true;
  std::uint16_t restart_time = 120;
  // RFC 4724 §4.1: we restarted; the R bit is set until the table is ready.
  bool restarting = false;
  // Hold the table and End-of-RIB back until set_table_ready() (every Kubernetes cache synced).
  bool hold_table = false;
  std::uint64_t seed = 0;  // jitter; 0 = from the clock
};

}  // namespace svcbgp::bgp
