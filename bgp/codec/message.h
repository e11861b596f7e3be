// BGP messages (RFC 4271 §4) as decoded values, with the OPEN capabilities we use.
//
// The codec turns bytes into these and back (codec.h); nothing here does I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp/codec/attributes.h"
#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

inline constexpr std::size_t header_size = 19;
inline constexpr std::size_t max_message_size = 4096;            // RFC 4271 §4.1
inline constexpr std::size_t max_extended_message_size = 65535;  // RFC 8654
inline constexpr std::uint16_t as_trans = 23456;                 // RFC 6793 §9

enum class message_type : std::uint8_t {
  open = 1,
  update = 2,
  notification = 3,
  keepalive = 4,
  route_refresh = 5,  // RFC 2918
};

// RFC 5492 capability codes.
namespace cap_code {
inline constexpr std::uint8_t multiprotocol = 1;            // RFC 4760
inline constexpr std::uint8_t route_refresh = 2;            // RFC 2918
inline constexpr std::uint8_t extended_message = 6;         // RFC 8654
inline constexpr std::uint8_t graceful_restart = 64;        // RFC 4724
inline constexpr std::uint8_t four_octet_as = 65;           // RFC 6793
inline constexpr std::uint8_t enhanced_route_refresh = 70;  // RFC 7313
}  // namespace cap_code

// RFC 4724 §3.
struct graceful_restart_cap {
  struct family_flags {
    family fam;
    bool forwarding_preserved = false;  // F bit
    friend bool operator==(const family_flags&, const family_flags&) = default;
  };
  bool restart_state = false;      // R bit
  bool notification = false;       // N bit (RFC 8538)
  std::uint16_t restart_time = 0;  // 12 bits
  std::vector<family_flags> families;
  friend bool operator==(const graceful_restart_cap&, const graceful_restart_cap&) = default;
};

struct unknown_capability {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const unknown_capability&, const unknown_capability&) = default;
};

// What an OPEN advertises. Unknown capabilities are kept so the CLI can show them.
struct capabilities {
  std::vector<family> multiprotocol;
  bool route_refresh = false;
  bool enhanced_route_refresh = false;
  bool extended_message = false;
  std::optional<std::uint32_t> four_octet_as;
  std::optional<graceful_restart_cap> graceful_restart;
  std::vector<unknown_capability> unknown;
  friend bool operator==(const capabilities&, const capabilities&) = default;
};

struct open_message {
  std::uint8_t version = 4;
  std::uint16_t my_as = 0;  // 2-octet field; AS_TRANS when the real AS is larger
  std::uint16_t hold_time = 0;
  std::uint32_t bgp_identifier = 0;  // host order
  capabilities caps;
  // The speaker's AS: the 4-octet capability when present, else my_as.
  std::uint32_t asn() const { return caps.four_octet_as.value_or(my_as); }
  friend bool operator==(const open_message&, const open_message&) = default;
};

struct update_message {
  std::vector<prefix> withdrawn;  // IPv4, classic field
  path_attributes attrs;
  std::vector<prefix> nlri;  // IPv4, classic field
  // MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760); the MP next hop is in attrs.
  std::optional<family> mp_reach_family;
  std::vector<prefix> mp_reach;
  std::optional<family> mp_unreach_family;
  std::vector<prefix> mp_unreach;

  // RFC 4724 §2: an UPDATE with nothing in it (IPv4) or an empty MP_UNREACH (other families).
  bool is_end_of_rib() const;
  std::optional<family> end_of_rib_family() const;
  friend bool operator==(const update_message&, const update_message&) = default;
};

struct notification_message {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;
  // RFC 8203/9003: for Cease/Administrative Shutdown or Reset, the UTF-8 message in `data`.
  std::optional<std::string> shutdown_message() const;
  std::string to_string() const;  // "Cease/Administrative Shutdown: \"maintenance\""
  // RFC 8203/9003: Cease/Administrative Shutdown (or Reset) carrying `text`, cut to 255 octets
  // at a character boundary.
  static notification_message cease_with_message(std::uint8_t subcode, std::string_view text);
  friend bool operator==(const notification_message&, const notification_message&) = default;
};

struct keepalive_message {
  friend bool operator==(const keepalive_message&, const keepalive_message&) = default;
};

// RFC 2918 §3, RFC 7313 §3 (subtype: 0 normal, 1 BoRR, 2 EoRR).
struct route_refresh_message {
  family fam;
  std::uint8_t subtype = 0;
  friend bool operator==(const route_refresh_message&, const route_refresh_message&) = default;
};

using message = std::variant<open_message, update_message, notification_message, keepalive_message,
                             route_refresh_message>;

message_type type_of(const message& m);
std::string_view to_string(message_type t);

}  // namespace svcbgp::bgp
