// The BFD control packet (RFC 5880 §4.1) and the checks §6.8.6 makes on every one received.
//
// Pure functions on byte spans. Authentication (the A bit) is not supported: a packet that asks for
// it is refused with its own reason, as are the multipoint bit and Poll with Final together.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

namespace svcbgp::bgp::bfd {

// RFC 5880 §4.1 State (Sta).
enum class state : std::uint8_t { admin_down = 0, down = 1, init = 2, up = 3 };
std::string_view to_string(state s);  // "AdminDown", "Down", "Init", "Up"

// RFC 5880 §4.1 Diagnostic (Diag).
enum class diag : std::uint8_t {
  none = 0,
  control_detection_time_expired = 1,
  echo_function_failed = 2,
  neighbor_signaled_session_down = 3,
  forwarding_plane_reset = 4,
  path_down = 5,
  concatenated_path_down = 6,
  administratively_down = 7,
  reverse_concatenated_path_down = 8,
};
std::string_view to_string(diag d);  // "Control Detection Time Expired", ...

inline constexpr std::size_t packet_size = 24;  // without authentication

struct control_packet {
  diag diagnostic = diag::none;
  state sta = state::down;
  bool poll = false;
  bool final = false;
  bool control_plane_independent = false;
  bool demand = false;
  std::uint8_t detect_mult = 3;
  std::uint32_t my_discriminator = 0;
  std::uint32_t your_discriminator = 0;
  std::uint32_t desired_min_tx_us = 0;
  std::uint32_t required_min_rx_us = 0;
  std::uint32_t required_min_echo_rx_us = 0;
  friend bool operator==(const control_packet&, const control_packet&) = default;
};

// Why a received packet was discarded (RFC 5880 §6.8.6, in its order), for counters and logs.
enum class discard : std::uint8_t {
  truncated,         // fewer bytes than the fixed part
  bad_version,       // not version 1
  bad_length,        // Length below 24 or above what arrived
  zero_detect_mult,  // Detect Mult 0
  multipoint,        // the M bit
  zero_my_discriminator,
  zero_your_discriminator,  // Your Discriminator 0 while the sender is Init or Up
  authentication,           // the A bit: no authentication is configured
  poll_and_final,           // §4.1: never both
};
std::string_view to_string(discard d);

std::array<std::uint8_t, packet_size> encode(const control_packet& p);
std::expected<control_packet, discard> decode(std::span<const std::uint8_t> bytes);

}  // namespace svcbgp::bgp::bfd
