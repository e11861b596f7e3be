#include "bgp/fsm/negotiate.h"

#include <algorithm>
#include <chrono>

namespace svcbgp::bgp::fsm {

std::vector<family> advertised_families(const capabilities& caps) {
  if (caps.multiprotocol.empty()) {
    return {ipv4_unicast};
  }
  return caps.multiprotocol;
}

std::vector<std::uint8_t> multiprotocol_capability_data(const std::vector<family>& families) {
  // RFC 4760 §8: code 1, length 4, AFI (2 octets), reserved, SAFI.
  std::vector<std::uint8_t> data;
  data.reserve(families.size() * 6);
  for (const family f : families) {
    const auto afi_value = static_cast<std::uint16_t>(f.a);
    data.push_back(cap_code::multiprotocol);
    data.push_back(4);
    data.push_back(static_cast<std::uint8_t>(afi_value >> 8));
    data.push_back(static_cast<std::uint8_t>(afi_value & 0xff));
    data.push_back(0);
    data.push_back(static_cast<std::uint8_t>(f.s));
  }
  return data;
}

std::expected<negotiated, notification_message> negotiate(const config& cfg,
                                                          const open_message& peer) {
  negotiated n;
  n.peer_open = peer;
  n.peer_as = peer.asn();
  n.peer_identifier = peer.bgp_identifier;

  // RFC 4271 §4.2: the smaller of the two hold times; zero means no KEEPALIVEs and no HoldTimer.
  // §10: the keepalive interval is one third of the hold time unless configured lower.
  n.hold_time = std::min(cfg.hold_time, std::chrono::seconds{peer.hold_time});
  if (n.hold_time.count() != 0) {
    const std::chrono::seconds third{n.hold_time.count() / 3};
    const auto configured = cfg.keepalive_time.value_or(third);
    n.keepalive_time = configured.count() > 0 ? std::min(configured, third) : third;
  }

  const capabilities& ours = cfg.local_caps;
  const capabilities& theirs = peer.caps;
  n.four_octet_as = ours.four_octet_as.has_value() && theirs.four_octet_as.has_value();
  n.extended_message = ours.extended_message && theirs.extended_message;
  n.route_refresh = ours.route_refresh && theirs.route_refresh;
  n.enhanced_route_refresh = ours.enhanced_route_refresh && theirs.enhanced_route_refresh;

  const std::vector<family> our_families = advertised_families(ours);
  const std::vector<family> their_families = advertised_families(theirs);
  for (const family f : our_families) {
    if (std::find(their_families.begin(), their_families.end(), f) != their_families.end()) {
      n.families.push_back(f);
    }
  }
  if (n.families.empty()) {
    // RFC 5492 §3: refuse with Unsupported Capability, listing what we require.
    return std::unexpected(notification_message{notif::open_message_error, 7,
                                                multiprotocol_capability_data(our_families)});
  }

  // RFC 4724 §4.2: we act as helper only for a peer that sent the capability, and only when we
  // sent one too (the capability says we understand End-of-RIB).
  if (ours.graceful_restart.has_value() && theirs.graceful_restart.has_value()) {
    n.peer_graceful_restart = theirs.graceful_restart;
  }
  return n;
}

}  // namespace svcbgp::bgp::fsm
