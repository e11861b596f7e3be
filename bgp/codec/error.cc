// What a decode error means on the wire: its NOTIFICATION (RFC 4271 §6) and, for UPDATEs, the
// RFC 7606 action. action_for() is the only place in svcbgp that makes that decision.
#include "bgp/codec/error.h"

#include <utility>

namespace svcbgp::bgp {

namespace {

std::pair<std::uint8_t, std::uint8_t> code_of(error_kind k) {
  switch (k) {
    case error_kind::connection_not_synchronized:
      return {notif::message_header_error, 1};
    case error_kind::bad_message_length:
      return {notif::message_header_error, 2};
    case error_kind::bad_message_type:
      return {notif::message_header_error, 3};
    case error_kind::unsupported_version_number:
      return {notif::open_message_error, 1};
    case error_kind::bad_peer_as:
      return {notif::open_message_error, 2};
    case error_kind::bad_bgp_identifier:
      return {notif::open_message_error, 3};
    case error_kind::unsupported_optional_parameter:
      return {notif::open_message_error, 4};
    case error_kind::unacceptable_hold_time:
      return {notif::open_message_error, 6};
    case error_kind::unsupported_capability:
      return {notif::open_message_error, 7};
    case error_kind::malformed_open:
      return {notif::open_message_error, 0};
    case error_kind::malformed_attribute_list:
      return {notif::update_message_error, 1};
    case error_kind::unrecognized_well_known_attribute:
      return {notif::update_message_error, 2};
    case error_kind::missing_well_known_attribute:
      return {notif::update_message_error, 3};
    case error_kind::attribute_flags_error:
      return {notif::update_message_error, 4};
    case error_kind::attribute_length_error:
      return {notif::update_message_error, 5};
    case error_kind::invalid_origin_attribute:
      return {notif::update_message_error, 6};
    case error_kind::invalid_next_hop_attribute:
      return {notif::update_message_error, 8};
    case error_kind::optional_attribute_error:
      return {notif::update_message_error, 9};
    case error_kind::invalid_network_field:
      return {notif::update_message_error, 10};
    case error_kind::malformed_as_path:
      return {notif::update_message_error, 11};
    case error_kind::invalid_route_refresh_length:
      return {notif::route_refresh_message_error, 1};
  }
  return {notif::update_message_error, 0};
}

// The RFC 7606 §7 action for a malformed instance of a known attribute.
error_action action_for_attribute(std::uint8_t type) {
  switch (type) {
    case attr_type::origin:                // §7.1
    case attr_type::as_path:               // §7.2
    case attr_type::next_hop:              // §7.3
    case attr_type::med:                   // §7.4
    case attr_type::local_pref:            // §7.5 (we do not tell iBGP from eBGP here)
    case attr_type::communities:           // §7.8
    case attr_type::originator_id:         // §7.9
    case attr_type::cluster_list:          // §7.10
    case attr_type::extended_communities:  // §7.14
    case attr_type::large_communities:     // RFC 8092 §6
      return error_action::treat_as_withdraw;
    case attr_type::atomic_aggregate:  // §7.6
    case attr_type::aggregator:        // §7.7
    case attr_type::as4_path:          // RFC 6793 §6
    case attr_type::as4_aggregator:    // RFC 6793 §6
      return error_action::attribute_discard;
    case attr_type::mp_reach_nlri:    // §7.11, §3 j: the NLRI cannot be located reliably
    case attr_type::mp_unreach_nlri:  // §7.12; AFI/SAFI disable is not used (§2 allows reset)
      return error_action::session_reset;
    default:
      // §3 a: the default for a malformed attribute.
      return error_action::treat_as_withdraw;
  }
}

bool is_mp_attribute(const std::optional<std::uint8_t>& a) {
  return a && (*a == attr_type::mp_reach_nlri || *a == attr_type::mp_unreach_nlri);
}

}  // namespace

std::string_view notification_code_name(std::uint8_t code) {
  switch (code) {
    case notif::message_header_error:
      return "Message Header Error";
    case notif::open_message_error:
      return "OPEN Message Error";
    case notif::update_message_error:
      return "UPDATE Message Error";
    case notif::hold_timer_expired:
      return "Hold Timer Expired";
    case notif::fsm_error:
      return "Finite State Machine Error";
    case notif::cease:
      return "Cease";
    case notif::route_refresh_message_error:
      return "ROUTE-REFRESH Message Error";
    case notif::send_hold_timer_expired:
      return "Send Hold Timer Expired";
    default:
      return "Unknown Error";
  }
}

// Names as in the IANA "BGP Error Subcodes" registries.
std::string_view notification_subcode_name(std::uint8_t code, std::uint8_t subcode) {
  switch (code) {
    case notif::message_header_error:
      switch (subcode) {
        case 0:
          return "Unspecific";
        case 1:
          return "Connection Not Synchronized";
        case 2:
          return "Bad Message Length";
        case 3:
          return "Bad Message Type";
      }
      break;
    case notif::open_message_error:
      switch (subcode) {
        case 0:
          return "Unspecific";
        case 1:
          return "Unsupported Version Number";
        case 2:
          return "Bad Peer AS";
        case 3:
          return "Bad BGP Identifier";
        case 4:
          return "Unsupported Optional Parameter";
        case 5:
          return "Authentication Failure (deprecated)";
        case 6:
          return "Unacceptable Hold Time";
        case 7:
          return "Unsupported Capability";  // RFC 5492
        case 11:
          return "Role Mismatch";  // RFC 9234
      }
      break;
    case notif::update_message_error:
      switch (subcode) {
        case 0:
          return "Unspecific";
        case 1:
          return "Malformed Attribute List";
        case 2:
          return "Unrecognized Well-known Attribute";
        case 3:
          return "Missing Well-known Attribute";
        case 4:
          return "Attribute Flags Error";
        case 5:
          return "Attribute Length Error";
        case 6:
          return "Invalid ORIGIN Attribute";
        case 7:
          return "AS Routing Loop (deprecated)";
        case 8:
          return "Invalid NEXT_HOP Attribute";
        case 9:
          return "Optional Attribute Error";
        case 10:
          return "Invalid Network Field";
        case 11:
          return "Malformed AS_PATH";
      }
      break;
    case notif::hold_timer_expired:
    case notif::send_hold_timer_expired:
      if (subcode == 0) {
        return "Unspecific";
      }
      break;
    case notif::fsm_error:  // RFC 6608
      switch (subcode) {
        case 0:
          return "Unspecified Error";
        case 1:
          return "Receive Unexpected Message in OpenSent State";
        case 2:
          return "Receive Unexpected Message in OpenConfirm State";
        case 3:
          return "Receive Unexpected Message in Established State";
      }
      break;
    case notif::cease:  // RFC 4486, RFC 8538, RFC 9384
      switch (subcode) {
        case 0:
          return "Unspecific";
        case notif::cease_max_prefixes:
          return "Maximum Number of Prefixes Reached";
        case notif::cease_admin_shutdown:
          return "Administrative Shutdown";
        case notif::cease_peer_deconfigured:
          return "Peer De-configured";
        case notif::cease_admin_reset:
          return "Administrative Reset";
        case notif::cease_connection_rejected:
          return "Connection Rejected";
        case notif::cease_other_config_change:
          return "Other Configuration Change";
        case notif::cease_collision_resolution:
          return "Connection Collision Resolution";
        case notif::cease_out_of_resources:
          return "Out of Resources";
        case notif::cease_hard_reset:
          return "Hard Reset";
        case notif::cease_bfd_down:
          return "BFD Down";
      }
      break;
    case notif::route_refresh_message_error:  // RFC 7313 §5
      switch (subcode) {
        case 0:
          return "Reserved";
        case 1:
          return "Invalid Message Length";
      }
      break;
  }
  return "Unknown Subcode";
}

std::string decode_error::to_string() const {
  auto [code, subcode] = code_of(kind);
  std::string out(notification_code_name(code));
  out.push_back('/');
  out += notification_subcode_name(code, subcode);
  out += " at " + std::to_string(offset) + "+" + std::to_string(length);
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

notification_message to_notification(const decode_error& e) {
  auto [code, subcode] = code_of(e.kind);
  return notification_message{code, subcode, e.data};
}

// RFC 7606 for UPDATE errors, RFC 4271 §6 (always a reset) for everything else.
error_action action_for(const decode_error& e) {
  switch (e.kind) {
    // Header, OPEN and ROUTE-REFRESH errors: RFC 4271 §6.1, §6.2; RFC 7313 §5.
    case error_kind::connection_not_synchronized:
    case error_kind::bad_message_length:
    case error_kind::bad_message_type:
    case error_kind::unsupported_version_number:
    case error_kind::bad_peer_as:
    case error_kind::bad_bgp_identifier:
    case error_kind::unsupported_optional_parameter:
    case error_kind::unacceptable_hold_time:
    case error_kind::unsupported_capability:
    case error_kind::malformed_open:
    case error_kind::invalid_route_refresh_length:
      return error_action::session_reset;

    case error_kind::malformed_attribute_list:
      switch (e.site) {
        case error_site::duplicate_attribute:
          // §3 g: repeated MP_REACH/MP_UNREACH reset; any other repeat is discarded.
          return is_mp_attribute(e.attribute) ? error_action::session_reset
                                              : error_action::attribute_discard;
        case error_site::attribute_overrun:
          // §4: treat-as-withdraw, the NLRI is found from the Total Path Attribute Length;
          // unless the overrunning attribute is MP_REACH/MP_UNREACH, whose NLRI is lost (§3 j).
          return is_mp_attribute(e.attribute) ? error_action::session_reset
                                              : error_action::treat_as_withdraw;
        case error_site::field:
          // Withdrawn Routes Length or Total Path Attribute Length past the message: the
          // structure of the UPDATE is lost (RFC 4271 §6.3; RFC 7606 §3 j, §4).
          return error_action::session_reset;
      }
      return error_action::session_reset;

    case error_kind::unrecognized_well_known_attribute:
      // RFC 4271 §6.3; RFC 7606 does not soften it.
      return error_action::session_reset;

    case error_kind::missing_well_known_attribute:
      // §3 d (also NLRI with no attributes, §5.2; CVE-2023-47234).
      return error_action::treat_as_withdraw;

    case error_kind::invalid_network_field:
      // §5.3: an NLRI that cannot be parsed makes treat-as-withdraw impossible.
      return error_action::session_reset;

    case error_kind::attribute_flags_error:
      // §3 c: treat-as-withdraw, as no attribute spec we know mandates otherwise; except
      // MP_REACH/MP_UNREACH, whose NLRI are then not parsed (§3 j).
      if (!e.attribute) {
        return error_action::session_reset;
      }
      return is_mp_attribute(e.attribute) ? error_action::session_reset
                                          : error_action::treat_as_withdraw;

    case error_kind::attribute_length_error:
    case error_kind::invalid_origin_attribute:
    case error_kind::invalid_next_hop_attribute:
    case error_kind::optional_attribute_error:
    case error_kind::malformed_as_path:
      if (!e.attribute) {
        return error_action::session_reset;
      }
      return action_for_attribute(*e.attribute);
  }
  return error_action::session_reset;
}

}  // namespace svcbgp::bgp
