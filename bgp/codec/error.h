// Decode errors and what they mean on the wire.
//
// The decoder reports what is wrong (`decode_error`: kind, attribute, offset and length of the bad
// field, NOTIFICATION data); `action_for` is the one place that decides what that means: a
// NOTIFICATION (RFC 4271 §6) or one of the RFC 7606 §3 actions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp/codec/message.h"

namespace svcbgp::bgp {

// RFC 4271 §4.5 error codes.
namespace notif {
inline constexpr std::uint8_t message_header_error = 1;
inline constexpr std::uint8_t open_message_error = 2;
inline constexpr std::uint8_t update_message_error = 3;
inline constexpr std::uint8_t hold_timer_expired = 4;
inline constexpr std::uint8_t fsm_error = 5;
inline constexpr std::uint8_t cease = 6;
inline constexpr std::uint8_t route_refresh_message_error = 7;  // RFC 7313 §5
inline constexpr std::uint8_t send_hold_timer_expired = 8;      // RFC 9687 §4

// Cease subcodes, RFC 4486 §4 / RFC 8203.
inline constexpr std::uint8_t cease_max_prefixes = 1;
inline constexpr std::uint8_t cease_admin_shutdown = 2;
inline constexpr std::uint8_t cease_peer_deconfigured = 3;
inline constexpr std::uint8_t cease_admin_reset = 4;
inline constexpr std::uint8_t cease_connection_rejected = 5;
inline constexpr std::uint8_t cease_other_config_change = 6;
inline constexpr std::uint8_t cease_collision_resolution = 7;
inline constexpr std::uint8_t cease_out_of_resources = 8;
inline constexpr std::uint8_t cease_hard_reset = 9;  // RFC 8538
inline constexpr std::uint8_t cease_bfd_down = 10;   // RFC 9384
}  // namespace notif

// Name of a code and subcode for logs and the CLI: ("Cease", "Administrative Shutdown").
std::string_view notification_code_name(std::uint8_t code);
std::string_view notification_subcode_name(std::uint8_t code, std::uint8_t subcode);

// Each kind maps to exactly one RFC 4271 §6 (code, subcode); RFC 7606 may soften it.
enum class error_kind : std::uint8_t {
  // RFC 4271 §6.1 message header
  connection_not_synchronized,  // 1/1
  bad_message_length,           // 1/2, data = the length field
  bad_message_type,             // 1/3, data = the type
  // RFC 4271 §6.2 OPEN
  unsupported_version_number,      // 2/1, data = our version (2 octets)
  bad_peer_as,                     // 2/2
  bad_bgp_identifier,              // 2/3
  unsupported_optional_parameter,  // 2/4
  unacceptable_hold_time,          // 2/6
  unsupported_capability,          // 2/7, RFC 5492 §3
  malformed_open,                  // 2/0, lengths inconsistent inside OPEN
  // RFC 4271 §6.3 UPDATE
  malformed_attribute_list,           // 3/1
  unrecognized_well_known_attribute,  // 3/2
  missing_well_known_attribute,       // 3/3, data = the missing type code
  attribute_flags_error,              // 3/4, data = the attribute
  attribute_length_error,             // 3/5, data = the attribute
  invalid_origin_attribute,           // 3/6
  invalid_next_hop_attribute,         // 3/8
  optional_attribute_error,           // 3/9
  invalid_network_field,              // 3/10
  malformed_as_path,                  // 3/11
  // RFC 7313 §5
  invalid_route_refresh_length,  // 7/1
};

// RFC 7606 §2 approaches, in increasing order of harm.
enum class error_action : std::uint8_t {
  attribute_discard,  // drop the attribute, keep the routes
  treat_as_withdraw,  // the UPDATE's NLRI are withdrawn
  afi_safi_disable,   // not used: we reset instead (RFC 7606 §2 allows it)
  session_reset,      // send the NOTIFICATION and close
};

// Added for RFC 7606: two errors share subcode 3/1 (Malformed Attribute List) but not the action,
// so the decoder says where the error arose; action_for() reads it.
enum class error_site : std::uint8_t {
  field,                // the field named by kind and attribute
  duplicate_attribute,  // RFC 7606 §3 g: a repeated attribute
  attribute_overrun,    // RFC 7606 §4: an attribute runs past the Total Path Attribute Length
};

struct decode_error {
  error_kind kind = error_kind::malformed_attribute_list;
  std::optional<std::uint8_t> attribute;  // type code of the attribute at fault, if any
  std::vector<std::uint8_t> data;         // NOTIFICATION data as RFC 4271 §6 prescribes
  std::size_t offset = 0;                 // of the bad field from the start of the message
  std::size_t length = 0;                 // of the bad field
  std::string detail;                     // "MED: length 3, expected 4"
  error_site site = error_site::field;    // (added) see error_site
  std::string to_string() const;          // "UPDATE Attribute Length Error at 34+3: MED: ..."
};

// The NOTIFICATION RFC 4271 §6 prescribes for this error, whatever RFC 7606 does with it.
notification_message to_notification(const decode_error& e);

// The single decision: what RFC 7606 (for UPDATEs) or RFC 4271 (otherwise) makes of the error.
error_action action_for(const decode_error& e);

}  // namespace svcbgp::bgp
