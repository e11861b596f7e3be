// The RFC 4271 §8.2.2 state machine: one switch on the state, then one on the event, in the order
// the RFC describes them. Where we depart from the RFC text the comment says so and why.
//
// Choices beyond the RFC (§8.2.2 leaves them to the implementation):
//
// - IdleHold (the "peer oscillation damping" of §8.1.1). Every exit to Idle other than ManualStop
//   and OpenCollisionDump is an error exit: it arms the IdleHoldTimer with the current delay and
//   doubles the delay (idle_hold_initial .. idle_hold_max). When the IdleHoldTimer fires the
//   machine starts again by itself, the way it was last started; an AutomaticStart (3, 5, 6, 7)
//   that arrives meanwhile is held back, a ManualStart (1, 4) is obeyed at once. The delay goes
//   back to idle_hold_initial once a session has proven stable: at the first KeepaliveTimer
//   expiry in Established (one keepalive interval after the session came up, with the peer's
//   messages keeping our HoldTimer alive), or on reaching Established when the negotiated hold
//   time is 0 and there is no keepalive to wait for.
// - Jitter (§10): ConnectRetry, IdleHold and Keepalive intervals are scaled by 0.75..1.0 from a
//   splitmix64 generator seeded with config.seed; the HoldTimer is not jittered.
// - Passive peers (config.passive) never initiate a connection: their start arms no
//   ConnectRetryTimer, whose expiry in Active would otherwise make them connect (§8.2.2 Active).
//   The passive start events (4, 5, 7) on a peer that is not passive follow the RFC.
// - FSM errors use the RFC 6608 subcodes for unexpected messages and 0 for unexpected timers.
// - Collisions (§6.8) are detected by the owner, which holds both connections; the loser gets
//   OpenCollisionDump and sends Cease/Connection Collision Resolution (RFC 4486). That is not an
//   error, so no IdleHold. A second OPEN on the same connection is an unexpected message.
// - ManualStop and AutomaticStop send the event's NOTIFICATION, else Cease/Administrative
//   Shutdown (6/2) or Cease/Out of Resources (6/8, RFC 4486); the owner passes the precise Cease
//   (6/1 max prefixes, 6/3 deconfigured, ...). AutomaticStop is an error exit: back off, retry.
// - Graceful restart helper (RFC 4724 §4.2, RFC 8538 §3): to_idle() and on_graceful_restart()
//   in steps.cc, with the shared steps, timers and jitter.
#include "bgp/fsm/fsm.h"

#include <utility>

#include "bgp/fsm/internal.h"

namespace svcbgp::bgp::fsm {

using internal::bit;
using internal::emit;

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// §8.2.2: "A HoldTimer value of 4 minutes is suggested" while waiting for the peer's OPEN.
constexpr seconds large_hold_time{240};

bool is_passive_start(event_type t) {
  return t == event_type::manual_start_with_passive_tcp_establishment ||
         t == event_type::automatic_start_with_passive_tcp_establishment ||
         t == event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment;
}

std::optional<timer> timer_of(event_type t) {
  switch (t) {
    case event_type::connect_retry_timer_expires:
      return timer::connect_retry;
    case event_type::hold_timer_expires:
      return timer::hold;
    case event_type::keepalive_timer_expires:
      return timer::keepalive;
    case event_type::delay_open_timer_expires:
      return timer::delay_open;
    case event_type::idle_hold_timer_expires:
      return timer::idle_hold;
    case event_type::restart_timer_expires:
      return timer::restart;
    default:
      return std::nullopt;
  }
}

notification_message cease(std::uint8_t subcode) {
  return notification_message{notif::cease, subcode, {}};
}

// The NOTIFICATION for a decode error, with a fallback should the owner not attach the error.
notification_message error_notification(const event& e, std::uint8_t fallback_code) {
  if (e.error) {
    return to_notification(*e.error);
  }
  return notification_message{fallback_code, 0, {}};
}

std::string received_reason(const event& e) {
  if (e.notification) {
    return "Received: " + e.notification->to_string();
  }
  return "Received: NOTIFICATION";
}

}  // namespace

// ManualStop / AutomaticStop in OpenSent, OpenConfirm and Established: the event's Cease (an
// RFC 8203 message, the max-prefix Cease) or the default one, then Idle.
void machine::stop_sending_cease(std::vector<action>& out, const event& e) {
  const bool manual = e.type == event_type::manual_stop;
  auto n = e.notification.value_or(
      cease(manual ? notif::cease_admin_shutdown : notif::cease_out_of_resources));
  to_idle(out, {manual ? exit_kind::manual_stop : exit_kind::automatic_stop, n, std::nullopt,
                "Sent: " + n.to_string()});
}

void machine::hold_timer_expired(std::vector<action>& out) {
  to_idle(out, {exit_kind::error, notification_message{notif::hold_timer_expired, 0, {}},
                std::nullopt, "Hold timer expired"});
}

machine::machine(config cfg)
    : cfg_(std::move(cfg)), idle_hold_(cfg_.idle_hold_initial), rng_state_(cfg_.seed) {}

std::vector<action> machine::handle(const event& e) {
  // A timer whose expiry we are handling no longer runs; remember whether we had armed it, so
  // that a late expiry of a timer we stopped is recognised where it matters (IdleHold, Restart).
  fired_timer_was_running_ = false;
  if (const auto t = timer_of(e.type)) {
    fired_timer_was_running_ = running(*t);
    running_ = static_cast<std::uint8_t>(running_ & ~bit(*t));
  }
  switch (state_) {
    case state::idle:
      return on_idle(e);
    case state::connect:
      return on_connect(e);
    case state::active:
      return on_active(e);
    case state::open_sent:
      return on_open_sent(e);
    case state::open_confirm:
      return on_open_confirm(e);
    case state::established:
      return on_established(e);
  }
  return {};
}

// --- Idle: refuse connections, wait for a start ------------------------------------------------

std::vector<action> machine::on_idle(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::manual_start:
    case event_type::manual_start_with_passive_tcp_establishment:
      // The operator asked: no IdleHold delay.
      disarm(out, timer::idle_hold);
      connect_retry_counter_ = 0;
      start(out, is_passive_start(e.type));
      break;
    case event_type::automatic_start:
    case event_type::automatic_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_damp_peer_oscillations:
    case event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment:
      // §8.1.1 DampPeerOscillations: after an error the start waits for the IdleHoldTimer, which
      // starts the machine when it fires. IdleHold applies to every automatic start, so events
      // 6 and 7 behave as 3 and 5.
      if (running(timer::idle_hold)) {
        break;
      }
      connect_retry_counter_ = 0;
      start(out, is_passive_start(e.type));
      break;
    case event_type::idle_hold_timer_expires:
      // Not reset to zero: the ConnectRetryCounter keeps counting consecutive failures.
      if (fired_timer_was_running_) {
        start(out, passive_start_);
      }
      break;
    case event_type::manual_stop:
      // §8.2.2 ignores it in Idle; what we still hold for the peer (a pending IdleHold restart,
      // stale routes) is released, since the operator wants the peer down.
      disarm(out, timer::idle_hold);
      if (stale_kept_) {
        disarm(out, timer::restart);
        emit<flush_stale>(out);
        stale_families_.clear();
        stale_kept_ = false;
      }
      break;
    case event_type::restart_timer_expires:
    case event_type::end_of_rib_received:
      return on_graceful_restart(e);
    default:
      // Events 8-12, 14-28: "does not cause change in the state of the local system".
      break;
  }
  return out;
}

// --- Connect: waiting for our outgoing TCP connection ------------------------------------------

std::vector<action> machine::on_connect(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::manual_start:
    case event_type::automatic_start:
    case event_type::manual_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_damp_peer_oscillations:
    case event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment:
      break;
    case event_type::manual_stop:
      to_idle(out, {exit_kind::manual_stop, std::nullopt, std::nullopt, "ManualStop"});
      break;
    case event_type::connect_retry_timer_expires:
      emit<drop_tcp>(out);
      arm(out, timer::connect_retry, jittered(cfg_.connect_retry_time));
      disarm(out, timer::delay_open);
      emit<connect_tcp>(out);
      break;
    case event_type::delay_open_timer_expires:
      disarm(out, timer::connect_retry);
      emit<send_open>(out);
      arm(out, timer::hold, large_hold_time);
      state_ = state::open_sent;
      break;
    case event_type::tcp_connection_valid:
    case event_type::tcp_cr_invalid:
      // The owner processes (or rejects) the connection; the state does not change.
      break;
    case event_type::tcp_cr_acked:
    case event_type::tcp_connection_confirmed:
      disarm(out, timer::connect_retry);
      if (cfg_.delay_open_time) {
        arm(out, timer::delay_open, *cfg_.delay_open_time);
        break;
      }
      emit<send_open>(out);
      arm(out, timer::hold, large_hold_time);
      state_ = state::open_sent;
      break;
    case event_type::tcp_connection_fails:
      if (running(timer::delay_open)) {
        arm(out, timer::connect_retry, jittered(cfg_.connect_retry_time));
        disarm(out, timer::delay_open);
        state_ = state::active;
        break;
      }
      to_idle(out, {exit_kind::error, std::nullopt, std::nullopt, "TCP connection failed"});
      break;
    case event_type::bgp_open:
      // Events 19 and 20 are the same OPEN; which applies is ours to know.
      if (running(timer::delay_open)) {
        process_open(out, e, true);
      } else {
        fsm_error(out, e);
      }
      break;
    case event_type::bgp_open_with_delay_open_timer_running:
      process_open(out, e, true);
      break;
    case event_type::bgp_header_err:
    case event_type::bgp_open_msg_err:
      // No NOTIFICATION: we have not sent an OPEN (SendNOTIFICATIONwithoutOPEN is FALSE).
      to_idle(out, {exit_kind::error, std::nullopt, std::nullopt,
                    e.error ? e.error->to_string() : std::string(to_string(e.type))});
      break;
    case event_type::notif_msg_ver_err:
      to_idle(out, {exit_kind::error, std::nullopt, e.notification, received_reason(e)});
      break;
    case event_type::automatic_stop:
      to_idle(out, {exit_kind::automatic_stop, std::nullopt, std::nullopt, "AutomaticStop"});
      break;
    case event_type::open_collision_dump:
      to_idle(out, {exit_kind::collision, std::nullopt, std::nullopt, "Connection collision"});
      break;
    case event_type::restart_timer_expires:
    case event_type::end_of_rib_received:
      return on_graceful_restart(e);
    default:
      // Events 10-11, 13, 25-28.
      fsm_error(out, e);
      break;
  }
  return out;
}

// --- Active: listening for the peer's connection -----------------------------------------------

std::vector<action> machine::on_active(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::manual_start:
    case event_type::automatic_start:
    case event_type::manual_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_damp_peer_oscillations:
    case event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment:
      break;
    case event_type::manual_stop:
      to_idle(out, {exit_kind::manual_stop, std::nullopt, std::nullopt, "ManualStop"});
      break;
    case event_type::connect_retry_timer_expires:
      if (cfg_.passive) {
        break;  // a passive peer waits for the peer to connect, however long that takes
      }
      arm(out, timer::connect_retry, jittered(cfg_.connect_retry_time));
      emit<connect_tcp>(out);
      state_ = state::connect;
      break;
    case event_type::delay_open_timer_expires:
      disarm(out, timer::connect_retry);
      emit<send_open>(out);
      arm(out, timer::hold, large_hold_time);
      state_ = state::open_sent;
      break;
    case event_type::tcp_connection_valid:
    case event_type::tcp_cr_invalid:
      break;
    case event_type::tcp_cr_acked:
    case event_type::tcp_connection_confirmed:
      disarm(out, timer::connect_retry);
      if (cfg_.delay_open_time) {
        arm(out, timer::delay_open, *cfg_.delay_open_time);
        break;
      }
      emit<send_open>(out);
      arm(out, timer::hold, large_hold_time);
      state_ = state::open_sent;
      break;
    case event_type::tcp_connection_fails:
      // §8.2.2 also restarts the ConnectRetryTimer here, but Idle ignores its expiry; the
      // IdleHoldTimer brings us back instead.
      to_idle(out, {exit_kind::error, std::nullopt, std::nullopt, "TCP connection failed"});
      break;
    case event_type::bgp_open:
      if (running(timer::delay_open)) {
        process_open(out, e, true);
      } else {
        fsm_error(out, e);
      }
      break;
    case event_type::bgp_open_with_delay_open_timer_running:
      process_open(out, e, true);
      break;
    case event_type::bgp_header_err:
    case event_type::bgp_open_msg_err:
      to_idle(out, {exit_kind::error, std::nullopt, std::nullopt,
                    e.error ? e.error->to_string() : std::string(to_string(e.type))});
      break;
    case event_type::notif_msg_ver_err:
      to_idle(out, {exit_kind::error, std::nullopt, e.notification, received_reason(e)});
      break;
    case event_type::automatic_stop:
      to_idle(out, {exit_kind::automatic_stop, std::nullopt, std::nullopt, "AutomaticStop"});
      break;
    case event_type::open_collision_dump:
      to_idle(out, {exit_kind::collision, std::nullopt, std::nullopt, "Connection collision"});
      break;
    case event_type::restart_timer_expires:
    case event_type::end_of_rib_received:
      return on_graceful_restart(e);
    default:
      // Events 10-11, 13, 25-28.
      fsm_error(out, e);
      break;
  }
  return out;
}

// --- OpenSent: our OPEN is out, waiting for the peer's -----------------------------------------

std::vector<action> machine::on_open_sent(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::manual_start:
    case event_type::automatic_start:
    case event_type::manual_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_damp_peer_oscillations:
    case event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment:
      break;
    case event_type::manual_stop:
    case event_type::automatic_stop:
      stop_sending_cease(out, e);
      break;
    case event_type::hold_timer_expires:
      hold_timer_expired(out);
      break;
    case event_type::tcp_connection_valid:
    case event_type::tcp_cr_acked:
    case event_type::tcp_connection_confirmed:
    case event_type::tcp_cr_invalid:
      // A second connection is tracked by the owner for collision detection (§6.8).
      break;
    case event_type::tcp_connection_fails:
      // Back to listening, with the ConnectRetryTimer to try again ourselves.
      negotiated_.reset();
      disarm(out, timer::hold);
      emit<drop_tcp>(out);
      if (!cfg_.passive) {
        arm(out, timer::connect_retry, jittered(cfg_.connect_retry_time));
      }
      state_ = state::active;
      break;
    case event_type::bgp_open:
      process_open(out, e, false);
      break;
    case event_type::bgp_header_err:
    case event_type::bgp_open_msg_err: {
      auto n =
          error_notification(e, e.type == event_type::bgp_header_err ? notif::message_header_error
                                                                     : notif::open_message_error);
      to_idle(out, {exit_kind::error, n, std::nullopt,
                    e.error ? e.error->to_string() : "Sent: " + n.to_string()});
      break;
    }
    case event_type::open_collision_dump: {
      auto n = cease(notif::cease_collision_resolution);
      to_idle(out, {exit_kind::collision, n, std::nullopt, "Sent: " + n.to_string()});
      break;
    }
    case event_type::notif_msg_ver_err:
    case event_type::notif_msg:
      // §8.2.2 lists NotifMsg among the FSM errors of OpenSent; we do not answer a NOTIFICATION
      // with another (the peer closes the connection right after sending it, §4.5).
      to_idle(out, {exit_kind::error, std::nullopt, e.notification, received_reason(e)});
      break;
    case event_type::restart_timer_expires:
    case event_type::end_of_rib_received:
      return on_graceful_restart(e);
    default:
      // Events 9, 11-13, 20, 26-28.
      fsm_error(out, e);
      break;
  }
  return out;
}

// --- OpenConfirm: OPENs exchanged, waiting for the peer's KEEPALIVE ----------------------------

std::vector<action> machine::on_open_confirm(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::manual_start:
    case event_type::automatic_start:
    case event_type::manual_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_damp_peer_oscillations:
    case event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment:
      break;
    case event_type::manual_stop:
    case event_type::automatic_stop:
      stop_sending_cease(out, e);
      break;
    case event_type::hold_timer_expires:
      hold_timer_expired(out);
      break;
    case event_type::keepalive_timer_expires:
      emit<send_keepalive>(out);
      if (negotiated_ && negotiated_->keepalive_time.count() != 0) {
        arm(out, timer::keepalive, jittered(negotiated_->keepalive_time));
      }
      break;
    case event_type::tcp_connection_valid:
    case event_type::tcp_cr_acked:
    case event_type::tcp_connection_confirmed:
    case event_type::tcp_cr_invalid:
      break;
    case event_type::tcp_connection_fails:
      to_idle(out, {exit_kind::error, std::nullopt, std::nullopt, "TCP connection failed"});
      break;
    case event_type::notif_msg_ver_err:
    case event_type::notif_msg:
      to_idle(out, {exit_kind::error, std::nullopt, e.notification, received_reason(e)});
      break;
    case event_type::bgp_header_err:
    case event_type::bgp_open_msg_err: {
      auto n =
          error_notification(e, e.type == event_type::bgp_header_err ? notif::message_header_error
                                                                     : notif::open_message_error);
      to_idle(out, {exit_kind::error, n, std::nullopt,
                    e.error ? e.error->to_string() : "Sent: " + n.to_string()});
      break;
    }
    case event_type::open_collision_dump: {
      auto n = cease(notif::cease_collision_resolution);
      to_idle(out, {exit_kind::collision, n, std::nullopt, "Sent: " + n.to_string()});
      break;
    }
    case event_type::keepalive_msg:
      enter_established(out);
      break;
    case event_type::restart_timer_expires:
    case event_type::end_of_rib_received:
      return on_graceful_restart(e);
    default:
      // Events 9, 12-13, 20, 27-28, and 19: §8.2.2 processes an OPEN here for collision
      // detection, which the owner does across both connections (it sends OpenCollisionDump);
      // a second OPEN on this connection is an unexpected message.
      fsm_error(out, e);
      break;
  }
  return out;
}

// --- Established ---------------------------------------------------------------------------------

std::vector<action> machine::on_established(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::manual_start:
    case event_type::automatic_start:
    case event_type::manual_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_passive_tcp_establishment:
    case event_type::automatic_start_with_damp_peer_oscillations:
    case event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment:
      break;
    case event_type::manual_stop:
    case event_type::automatic_stop:
      stop_sending_cease(out, e);
      break;
    case event_type::hold_timer_expires:
      hold_timer_expired(out);
      break;
    case event_type::keepalive_timer_expires:
      emit<send_keepalive>(out);
      if (negotiated_ && negotiated_->keepalive_time.count() != 0) {
        arm(out, timer::keepalive, jittered(negotiated_->keepalive_time));
      }
      // The session has lasted a keepalive interval: it is stable, forget past errors.
      idle_hold_ = cfg_.idle_hold_initial;
      break;
    case event_type::tcp_connection_valid:
    case event_type::tcp_cr_acked:
    case event_type::tcp_connection_confirmed:
    case event_type::tcp_cr_invalid:
      // A second connection is tracked by the owner until it sends an OPEN (§6.8).
      break;
    case event_type::tcp_connection_fails:
      to_idle(out, {exit_kind::error, std::nullopt, std::nullopt, "TCP connection failed"});
      break;
    case event_type::notif_msg_ver_err:
    case event_type::notif_msg:
      to_idle(out, {exit_kind::error, std::nullopt, e.notification, received_reason(e)});
      break;
    case event_type::keepalive_msg:
    case event_type::update_msg:
      if (negotiated_ && negotiated_->hold_time.count() != 0) {
        arm(out, timer::hold, negotiated_->hold_time);
      }
      break;
    case event_type::update_msg_err:
    case event_type::bgp_header_err: {
      // §8.2.2 lists BGPHeaderErr as an FSM error here, but §6.1 requires a Message Header
      // Error NOTIFICATION for any header error, whatever the state.
      auto n =
          error_notification(e, e.type == event_type::bgp_header_err ? notif::message_header_error
                                                                     : notif::update_message_error);
      to_idle(out, {exit_kind::error, n, std::nullopt,
                    e.error ? e.error->to_string() : "Sent: " + n.to_string()});
      break;
    }
    case event_type::open_collision_dump: {
      auto n = cease(notif::cease_collision_resolution);
      to_idle(out, {exit_kind::collision, n, std::nullopt, "Sent: " + n.to_string()});
      break;
    }
    case event_type::restart_timer_expires:
    case event_type::end_of_rib_received:
      return on_graceful_restart(e);
    default:
      // Events 9, 12-13, 19-20, 22 (an OPEN on an Established connection is unexpected).
      fsm_error(out, e);
      break;
  }
  return out;
}

}  // namespace svcbgp::bgp::fsm
