// The RFC 4271 §8 finite state machine of one BGP connection, as a pure state machine.
//
// `machine::handle(event)` returns the actions the owner must carry out (send, connect, drop,
// arm or stop a timer, routes up or down). It owns no socket and no clock: timer expiry and TCP
// outcomes arrive as events, so tests drive it with no event loop. Randomness (jitter) comes from
// a seeded generator in the config.
//
// Collision detection (§6.8) involves two connections, so the owner keeps two machines and asks
// `resolve_collision` which one to keep, then feeds OpenCollisionDump to the loser.
//
// Beyond RFC 4271 the machine keeps the graceful-restart state of RFC 4724: as helper it says
// whether the peer's routes are to be kept stale when the session drops, and for how long.
//
// Concurrency: none; the owner (bgp/session) calls it from the peer's strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/codec/error.h"
#include "bgp/codec/message.h"

namespace svcbgp::bgp::fsm {

enum class state : std::uint8_t { idle, connect, active, open_sent, open_confirm, established };
std::string_view to_string(state s);  // "Idle", "Connect", ..., "Established" (BIRD's spelling)

enum class timer : std::uint8_t {
  connect_retry,
  hold,
  keepalive,
  delay_open,
  idle_hold,
  restart,  // RFC 4724 §4.2: how long we keep a restarting peer's routes as stale
};
std::string_view to_string(timer t);

// RFC 4271 §8.1, numbered as in the RFC; the last two are RFC 4724's.
enum class event_type : std::uint8_t {
  manual_start = 1,
  manual_stop = 2,
  automatic_start = 3,
  manual_start_with_passive_tcp_establishment = 4,
  automatic_start_with_passive_tcp_establishment = 5,
  automatic_start_with_damp_peer_oscillations = 6,
  automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment = 7,
  automatic_stop = 8,
  connect_retry_timer_expires = 9,
  hold_timer_expires = 10,
  keepalive_timer_expires = 11,
  delay_open_timer_expires = 12,
  idle_hold_timer_expires = 13,
  tcp_connection_valid = 14,
  tcp_cr_invalid = 15,
  tcp_cr_acked = 16,
  tcp_connection_confirmed = 17,
  tcp_connection_fails = 18,
  bgp_open = 19,
  bgp_open_with_delay_open_timer_running = 20,
  bgp_header_err = 21,
  bgp_open_msg_err = 22,
  open_collision_dump = 23,
  notif_msg_ver_err = 24,
  notif_msg = 25,
  keepalive_msg = 26,
  update_msg = 27,
  update_msg_err = 28,
  // RFC 4724 §4.2
  restart_timer_expires = 29,
  end_of_rib_received = 30,
};
std::string_view to_string(event_type e);
inline constexpr int event_count = 30;

struct event {
  event_type type = event_type::manual_start;
  std::optional<open_message> open;  // bgp_open*
  std::optional<notification_message>
      notification;                   // notif_msg*, and for manual/automatic stop the
                                      // Cease to send (e.g. RFC 8203 shutdown message)
  std::optional<decode_error> error;  // bgp_header_err, bgp_open_msg_err, update_msg_err
  std::optional<family> fam;          // end_of_rib_received
};

// --- actions ----------------------------------------------------------------------------------
struct connect_tcp {};  // initiate the outgoing TCP connection
struct drop_tcp {};     // close the TCP connection (after sending what was queued)
struct send_open {};    // the owner builds it from config.local_open
struct send_keepalive {};
struct send_notification {
  notification_message msg;
};
struct start_timer {
  timer t;
  std::chrono::milliseconds after;
};
struct stop_timer {
  timer t;
};
// The session reached Established; negotiated() is valid until session_down.
struct session_up {};
// The session left Established (or never reached it but had routes kept stale). `keep_stale`:
// RFC 4724 helper mode, keep the peer's routes marked stale until `restart` fires or End-of-RIB.
struct session_down {
  bool keep_stale = false;
  std::string reason;  // "Hold timer expired", "Received: Cease/Administrative Shutdown ..."
};
// Drop the peer's routes still marked stale (for one family, or all when fam is empty).
struct flush_stale {
  std::optional<family> fam;
};

using action = std::variant<connect_tcp, drop_tcp, send_open, send_keepalive, send_notification,
                            start_timer, stop_timer, session_up, session_down, flush_stale>;
std::string to_string(const action& a);

struct config {
  std::uint32_t local_as = 0;
  std::uint32_t local_identifier = 0;
  std::optional<std::uint32_t> peer_as;  // nullopt: accept any
  bool passive = false;                  // wait for the peer to connect
  std::chrono::seconds hold_time{90};
  std::optional<std::chrono::seconds> keepalive_time;  // default: hold / 3
  std::chrono::seconds connect_retry_time{5};
  std::chrono::seconds idle_hold_initial{1};
  std::chrono::seconds idle_hold_max{120};
  std::optional<std::chrono::seconds> delay_open_time;  // RFC 4271 DelayOpen, off by default
  capabilities local_caps;  // what our OPEN advertises (gr, families, ...)
  std::uint64_t seed = 1;   // jitter generator (RFC 4271 §10: 0.75..1.0 of the interval)
};

// What both OPENs agreed on; valid while Established (and in OpenConfirm).
struct negotiated {
  open_message peer_open;
  std::uint32_t peer_as = 0;
  std::uint32_t peer_identifier = 0;
  std::chrono::seconds hold_time{0};  // min of both; 0 = no keepalives/hold (RFC 4271 §4.2)
  std::chrono::seconds keepalive_time{0};
  bool four_octet_as = false;
  bool extended_message = false;
  bool route_refresh = false;
  bool enhanced_route_refresh = false;
  std::vector<family> families;  // both sides
  // RFC 4724: the peer's GR capability, when both sides sent one.
  std::optional<graceful_restart_cap> peer_graceful_restart;
};

class machine {
 public:
  explicit machine(config cfg);

  std::vector<action> handle(const event& e);

  state current() const { return state_; }
  const config& cfg() const { return cfg_; }
  void set_config(config cfg) { cfg_ = std::move(cfg); }
  // Valid in OpenConfirm and Established.
  const std::optional<negotiated>& session() const { return negotiated_; }
  std::uint32_t connect_retry_counter() const { return connect_retry_counter_; }
  // Current IdleHold delay (doubles after each error, reset after a stable session).
  std::chrono::seconds idle_hold_time() const { return idle_hold_; }
  // Whether the peer's routes are being kept stale (RFC 4724 helper).
  bool stale_routes_kept() const { return stale_kept_; }
  std::optional<std::string> last_error() const { return last_error_; }

 private:
  // Implementation-defined; see fsm.cc.
  // Why the connection went back to Idle: decides IdleHold (errors only) and, when leaving
  // Established, whether the peer's routes are kept stale (RFC 4724 §4.2, RFC 8538 §3).
  enum class exit_kind : std::uint8_t { manual_stop, automatic_stop, collision, error };
  struct exit_info {
    exit_kind kind = exit_kind::error;
    std::optional<notification_message> send;      // sent before dropping the connection
    std::optional<notification_message> received;  // the peer's NOTIFICATION, if that was it
    std::string reason;
  };

  std::vector<action> on_idle(const event& e);
  std::vector<action> on_connect(const event& e);
  std::vector<action> on_active(const event& e);
  std::vector<action> on_open_sent(const event& e);
  std::vector<action> on_open_confirm(const event& e);
  std::vector<action> on_established(const event& e);
  // Events 29 and 30, the same in every state.
  std::vector<action> on_graceful_restart(const event& e);

  void start(std::vector<action>& out, bool passive);
  void process_open(std::vector<action>& out, const event& e, bool with_delay_open);
  void enter_established(std::vector<action>& out);
  void to_idle(std::vector<action>& out, exit_info info);
  void fsm_error(std::vector<action>& out, const event& e);
  void stop_sending_cease(std::vector<action>& out, const event& e);
  void hold_timer_expired(std::vector<action>& out);
  void arm(std::vector<action>& out, timer t, std::chrono::milliseconds after);
  void disarm(std::vector<action>& out, timer t);
  bool running(timer t) const;
  std::chrono::milliseconds jittered(std::chrono::seconds nominal);
  std::uint64_t next_random();

  config cfg_;
  state state_ = state::idle;
  std::optional<negotiated> negotiated_;
  std::uint32_t connect_retry_counter_ = 0;
  std::chrono::seconds idle_hold_;
  bool stale_kept_ = false;
  bool passive_start_ = false;
  std::optional<std::string> last_error_;
  std::uint64_t rng_state_;
  std::uint8_t running_ = 0;              // bit per timer: which timers we asked the owner to run
  std::vector<family> stale_families_;    // RFC 4724 helper: families whose routes are stale
  bool fired_timer_was_running_ = false;  // for the expiry event being handled
};

// RFC 4271 §6.8: with two connections to one peer, which to keep. `local_initiated` is whether the
// connection under consideration is the one we opened. Returns true when the connection initiated
// by the speaker with the higher BGP Identifier is kept, i.e. whether the one we opened survives.
bool keep_locally_initiated(std::uint32_t local_identifier, std::uint32_t remote_identifier);

}  // namespace svcbgp::bgp::fsm
