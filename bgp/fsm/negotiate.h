// What two OPENs agree on (RFC 4271 §4.2, RFC 5492), for the FSM's OpenSent -> OpenConfirm step.
//
// Internal to bgp/fsm, separate so that tests can check the negotiation without driving the
// machine. Pure functions; the OPEN is already validated by the codec (codec.h validate_open).
//
// Concurrency: none.
#pragma once

#include <cstdint>
#include <expected>
#include <vector>

#include "bgp/fsm/fsm.h"

namespace svcbgp::bgp::fsm {

// The families an OPEN's capabilities advertise. RFC 4760 §8: a speaker that sends no
// multiprotocol capability supports IPv4 unicast only.
std::vector<family> advertised_families(const capabilities& caps);

// The session parameters, or the NOTIFICATION that refuses the OPEN: Unsupported Capability (2/7,
// RFC 5492 §3) when the two sides have no family in common.
std::expected<negotiated, notification_message> negotiate(const config& cfg,
                                                          const open_message& peer);

// RFC 5492 §3 data for 2/7: our multiprotocol capabilities, encoded as in our OPEN.
std::vector<std::uint8_t> multiprotocol_capability_data(const std::vector<family>& families);

}  // namespace svcbgp::bgp::fsm
