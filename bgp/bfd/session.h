// One BFD session in asynchronous mode (RFC 5880 §6.8), as a pure state machine.
//
// `session::handle(event)` returns what the owner must do: send a control packet, start or stop
// a timer, report a state change. It owns no socket and no clock: timer expiry and received
// packets arrive as events, so tests drive it with no event loop. Jitter comes from a seeded
// generator in the config. Demand mode and the echo function are not used (we never set D and
// advertise a Required Min Echo RX of 0); a peer in demand mode is honoured by ceasing periodic
// transmission (§6.6). Selecting the session for a received packet (by Your Discriminator, or by
// address while it is 0) is the owner's job; the packet has passed decode()'s checks.
//
// Concurrency: none; the owner calls it from one strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "bgp/bfd/packet.h"

namespace svcbgp::bgp::bfd {

using std::chrono::microseconds;

struct parameters {
  microseconds desired_min_tx{300'000};  // FRR's defaults: 300 ms x 3
  microseconds required_min_rx{300'000};
  std::uint8_t detect_mult = 3;
  friend bool operator==(const parameters&, const parameters&) = default;
};

struct session_config {
  std::uint32_t local_discriminator = 1;  // non-zero, unique among this system's sessions
  parameters params;
  std::uint64_t seed = 1;  // jitter (§6.8.7)
};

enum class timer : std::uint8_t { transmit, detect };
std::string_view to_string(timer t);

enum class event_type : std::uint8_t {
  start,                   // begin sending (Down)
  packet_received,         // `packet` set
  transmit_timer_expired,  // time for the next periodic packet
  detect_timer_expired,    // the remote said nothing for a detection time
  admin_down,              // §6.8.16
  admin_up,
  parameters_changed,  // `params` set; a Poll Sequence carries them (§6.8.3)
};
inline constexpr int event_type_count = 7;
std::string_view to_string(event_type e);

struct event {
  event_type type = event_type::start;
  std::optional<control_packet> packet;
  std::optional<parameters> params;
};

struct send_packet {
  control_packet packet;
};
struct start_timer {
  timer t;
  microseconds after;
};
struct stop_timer {
  timer t;
};
struct state_changed {
  state from;
  state to;
  diag why;
};
using action = std::variant<send_packet, start_timer, stop_timer, state_changed>;
std::string to_string(const action& a);

// What `show bfd sessions` and the BGP integration read.
struct session_status {
  state local = state::down;
  state remote = state::down;
  diag local_diag = diag::none;
  std::uint32_t local_discriminator = 0;
  std::uint32_t remote_discriminator = 0;
  microseconds tx_interval{0};    // the negotiated periodic interval (before jitter); 0: none
  microseconds detect_time{0};    // the remote's detection time here; 0 until a packet came
  microseconds remote_min_rx{0};  // what the remote asks of us
  microseconds remote_min_tx{0};  // what the remote says it sends at
  std::uint8_t remote_detect_mult = 0;
  bool poll = false;  // a Poll Sequence is outstanding
};

class session {
 public:
  explicit session(session_config cfg);

  std::vector<action> handle(const event& e);
  session_status status() const;
  state current() const { return state_; }

 private:
  // What goes in our packets: at least 1 s while not Up (§6.8.3).
  microseconds advertised_tx() const;
  microseconds transmit_interval() const;
  microseconds detect_time() const;
  bool may_transmit() const;
  microseconds jittered(microseconds interval);
  control_packet packet(bool final) const;
  void set_state(state to, diag why, std::vector<action>& out);
  void rearm_transmit(std::vector<action>& out);
  std::vector<action> on_packet(const control_packet& p);

  session_config cfg_;
  std::mt19937_64 rng_;
  state state_ = state::down;
  state remote_state_ = state::down;
  diag diag_ = diag::none;
  bool started_ = false;
  std::uint32_t remote_discr_ = 0;
  bool remote_demand_ = false;
  microseconds remote_min_rx_{1};  // §6.8.1: initialised to 1
  microseconds remote_min_tx_{0};
  std::uint8_t remote_mult_ = 0;
  bool poll_ = false;
  // Until a Poll Sequence ends: the transmit interval of before an increase, and the Required Min
  // RX of before a decrease (§6.8.3), so that neither side can time out in between.
  std::optional<microseconds> tx_held_;
  std::optional<microseconds> rx_held_;
  microseconds armed_tx_{0};  // the interval the transmit timer was armed with; 0: not armed
};

}  // namespace svcbgp::bgp::bfd
