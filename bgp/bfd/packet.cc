#include "bgp/bfd/packet.h"

namespace svcbgp::bgp::bfd {
namespace {

constexpr std::uint8_t version = 1;

// §4.1 flag bits of the second octet, after State.
constexpr std::uint8_t flag_poll = 0x20;
constexpr std::uint8_t flag_final = 0x10;
constexpr std::uint8_t flag_cpi = 0x08;
constexpr std::uint8_t flag_auth = 0x04;
constexpr std::uint8_t flag_demand = 0x02;
constexpr std::uint8_t flag_multipoint = 0x01;

void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

}  // namespace

std::string_view to_string(state s) {
  switch (s) {
    case state::admin_down:
      return "AdminDown";
    case state::down:
      return "Down";
    case state::init:
      return "Init";
    case state::up:
      return "Up";
  }
  return "?";
}

std::string_view to_string(diag d) {
  switch (d) {
    case diag::none:
      return "No Diagnostic";
    case diag::control_detection_time_expired:
      return "Control Detection Time Expired";
    case diag::echo_function_failed:
      return "Echo Function Failed";
    case diag::neighbor_signaled_session_down:
      return "Neighbor Signaled Session Down";
    case diag::forwarding_plane_reset:
      return "Forwarding Plane Reset";
    case diag::path_down:
      return "Path Down";
    case diag::concatenated_path_down:
      return "Concatenated Path Down";
    case diag::administratively_down:
      return "Administratively Down";
    case diag::reverse_concatenated_path_down:
      return "Reverse Concatenated Path Down";
  }
  return "Reserved";
}

std::string_view to_string(discard d) {
  switch (d) {
    case discard::truncated:
      return "truncated";
    case discard::bad_version:
      return "bad_version";
    case discard::bad_length:
      return "bad_length";
    case discard::zero_detect_mult:
      return "zero_detect_mult";
    case discard::multipoint:
      return "multipoint";
    case discard::zero_my_discriminator:
      return "zero_my_discriminator";
    case discard::zero_your_discriminator:
      return "zero_your_discriminator";
    case discard::authentication:
      return "authentication";
    case discard::poll_and_final:
      return "poll_and_final";
  }
  return "?";
}

std::array<std::uint8_t, packet_size> encode(const control_packet& p) {
  std::array<std::uint8_t, packet_size> out{};
  out[0] =
      static_cast<std::uint8_t>(version << 5 | (static_cast<std::uint8_t>(p.diagnostic) & 0x1f));
  out[1] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.sta) << 6 |
                                     (p.poll ? flag_poll : 0) | (p.final ? flag_final : 0) |
                                     (p.control_plane_independent ? flag_cpi : 0) |
                                     (p.demand ? flag_demand : 0));
  out[2] = p.detect_mult;
  out[3] = packet_size;
  put32(&out[4], p.my_discriminator);
  put32(&out[8], p.your_discriminator);
  put32(&out[12], p.desired_min_tx_us);
  put32(&out[16], p.required_min_rx_us);
  put32(&out[20], p.required_min_echo_rx_us);
  return out;
}

// RFC 5880 §6.8.6, the checks that need no session: in the RFC's order, so that a packet with
// several faults is counted under the first.
std::expected<control_packet, discard> decode(std::span<const std::uint8_t> b) {
  if (b.size() < packet_size) {
    return std::unexpected(discard::truncated);
  }
  if (b[0] >> 5 != version) {
    return std::unexpected(discard::bad_version);
  }
  const bool auth = (b[1] & flag_auth) != 0;
  const std::size_t length = b[3];
  if (length < (auth ? packet_size + 2 : packet_size) || length > b.size()) {
    return std::unexpected(discard::bad_length);
  }
  control_packet p;
  p.diagnostic = static_cast<diag>(b[0] & 0x1f);
  p.sta = static_cast<state>(b[1] >> 6);
  p.poll = (b[1] & flag_poll) != 0;
  p.final = (b[1] & flag_final) != 0;
  p.control_plane_independent = (b[1] & flag_cpi) != 0;
  p.demand = (b[1] & flag_demand) != 0;
  p.detect_mult = b[2];
  p.my_discriminator = get32(&b[4]);
  p.your_discriminator = get32(&b[8]);
  p.desired_min_tx_us = get32(&b[12]);
  p.required_min_rx_us = get32(&b[16]);
  p.required_min_echo_rx_us = get32(&b[20]);
  if (p.detect_mult == 0) {
    return std::unexpected(discard::zero_detect_mult);
  }
  if ((b[1] & flag_multipoint) != 0) {
    return std::unexpected(discard::multipoint);
  }
  if (p.my_discriminator == 0) {
    return std::unexpected(discard::zero_my_discriminator);
  }
  if (p.your_discriminator == 0 && p.sta != state::down && p.sta != state::admin_down) {
    return std::unexpected(discard::zero_your_discriminator);
  }
  if (auth) {
    return std::unexpected(discard::authentication);
  }
  if (p.poll && p.final) {
    return std::unexpected(discard::poll_and_final);
  }
  return p;
}

}  // namespace svcbgp::bgp::bfd
