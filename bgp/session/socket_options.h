// Per-peer socket options on Linux: TCP MD5 (RFC 2385), TTL for multihop, GTSM (RFC 5082).
// Plain file descriptors, so that both the listener and connected sockets can use them.
#pragma once

#include <string_view>
#include <system_error>

#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

// Installs (or with an empty key removes) the MD5 key for `peer` on `fd`. On an IPv6 socket an IPv4
// peer is given as its v4-mapped address, which is how the kernel sees it on a dual-stack listener.
std::error_code set_tcp_md5(int fd, bool socket_is_v6, const ip_address& peer,
                            std::string_view key);
std::error_code set_ttl(int fd, bool socket_is_v6, int ttl);
// RFC 5082 §3: drop packets whose TTL is below `min_ttl` (255 - hops + 1).
std::error_code set_min_ttl(int fd, bool socket_is_v6, int min_ttl);
// No Nagle: a KEEPALIVE or an End-of-RIB behind an unacknowledged segment would wait for the
// peer's delayed ACK (40 ms on Linux).
std::error_code set_no_delay(int fd);
// TCP keepalive probes after `idle` seconds, every `interval`, `count` of them, and the same bound
// on unacknowledged data (TCP_USER_TIMEOUT): with a hold time of 0 nothing else notices a dead
// peer.
std::error_code set_keepalive(int fd, int idle, int interval, int count);

}  // namespace svcbgp::bgp
