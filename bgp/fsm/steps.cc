// The steps the state handlers share (start, OPEN processing, entering Established, the way back
// to Idle, FSM errors), the RFC 4724 helper events, timers and jitter, and RFC 4271 §6.8.
// The policy they implement is described at the top of fsm.cc.
#include <algorithm>
#include <utility>

#include "bgp/fsm/internal.h"
#include "bgp/fsm/negotiate.h"

namespace svcbgp::bgp::fsm {

using internal::bit;
using internal::connection_timers;
using internal::contains;
using internal::emit;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// The events that stand for a received message (RFC 6608 §3 subcodes 1-3 apply to these).
bool is_message_event(event_type t) {
  switch (t) {
    case event_type::bgp_open:
    case event_type::bgp_open_with_delay_open_timer_running:
    case event_type::bgp_header_err:
    case event_type::bgp_open_msg_err:
    case event_type::notif_msg_ver_err:
    case event_type::notif_msg:
    case event_type::keepalive_msg:
    case event_type::update_msg:
    case event_type::update_msg_err:
      return true;
    default:
      return false;
  }
}

}  // namespace

// --- RFC 4724 §4.2 helper: the two events that end stale routes ---------------------------------

std::vector<action> machine::on_graceful_restart(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::restart_timer_expires:
      // "If the session does not get re-established within the Restart Time ... delete all the
      // stale routes". Once Established the timer is stopped; a late expiry changes nothing.
      if (fired_timer_was_running_ && stale_kept_) {
        emit<flush_stale>(out);
        stale_families_.clear();
        stale_kept_ = false;
      }
      break;
    case event_type::end_of_rib_received:
      // "Once the End-of-RIB marker for an address family is received from the peer, it MUST
      // immediately remove any routes from the peer that are still marked as stale".
      if (state_ == state::established && stale_kept_ && e.fam &&
          contains(stale_families_, *e.fam)) {
        emit<flush_stale>(out, *e.fam);
        std::erase(stale_families_, *e.fam);
        stale_kept_ = !stale_families_.empty();
      }
      break;
    default:
      break;
  }
  return out;
}

// --- Shared steps ------------------------------------------------------------------------------

void machine::start(std::vector<action>& out, bool passive) {
  passive_start_ = passive || cfg_.passive;
  if (cfg_.passive) {
    state_ = state::active;
    return;
  }
  arm(out, timer::connect_retry, jittered(cfg_.connect_retry_time));
  if (passive_start_) {
    state_ = state::active;
    return;
  }
  emit<connect_tcp>(out);
  state_ = state::connect;
}

void machine::process_open(std::vector<action>& out, const event& e, bool with_delay_open) {
  if (!e.open) {
    fsm_error(out, e);  // the owner's bug, but the peer must not be left hanging
    return;
  }
  auto n = negotiate(cfg_, *e.open);
  if (!n) {
    const notification_message refusal = n.error();
    to_idle(out, {exit_kind::error, refusal, std::nullopt, "Sent: " + refusal.to_string()});
    return;
  }
  negotiated_ = std::move(*n);
  disarm(out, timer::connect_retry);
  disarm(out, timer::delay_open);
  if (with_delay_open) {
    emit<send_open>(out);  // the OPEN we held back (§8.2.2 Event 20)
  }
  emit<send_keepalive>(out);
  if (negotiated_->hold_time.count() != 0) {
    arm(out, timer::hold, negotiated_->hold_time);
    arm(out, timer::keepalive, jittered(negotiated_->keepalive_time));
  } else {
    // §4.2: a hold time of zero means no HoldTimer and no KEEPALIVEs.
    disarm(out, timer::hold);
    disarm(out, timer::keepalive);
  }
  state_ = state::open_confirm;
}

void machine::enter_established(std::vector<action>& out) {
  if (negotiated_ && negotiated_->hold_time.count() != 0) {
    arm(out, timer::hold, negotiated_->hold_time);
  } else {
    idle_hold_ = cfg_.idle_hold_initial;  // no keepalive to wait for to call the session stable
  }
  if (stale_kept_) {
    // RFC 4724 §4.2: the peer is back within its Restart Time. Families it no longer preserves
    // (no capability, family absent, F bit clear) or no longer negotiates lose their stale
    // routes now; the others keep them until End-of-RIB.
    disarm(out, timer::restart);
    const auto& gr = negotiated_->peer_graceful_restart;
    std::vector<family> kept;
    for (const family f : stale_families_) {
      const bool preserved =
          gr && contains(negotiated_->families, f) &&
          std::any_of(gr->families.begin(), gr->families.end(),
                      [f](const auto& ff) { return ff.fam == f && ff.forwarding_preserved; });
      if (preserved) {
        kept.push_back(f);
      } else {
        emit<flush_stale>(out, f);
      }
    }
    stale_families_ = std::move(kept);
    stale_kept_ = !stale_families_.empty();
  }
  emit<session_up>(out);
  state_ = state::established;
}

void machine::to_idle(std::vector<action>& out, exit_info info) {
  const bool was_established = state_ == state::established;
  if (info.send) {
    emit<send_notification>(out, *info.send);
  }
  for (const timer t : connection_timers) {
    disarm(out, t);
  }
  emit<drop_tcp>(out);

  const bool stop = info.kind == exit_kind::manual_stop || info.kind == exit_kind::automatic_stop;
  if (was_established) {
    // RFC 4724 §4.2: keep the routes of a peer that may be restarting: one that sent the
    // capability with families, when the session ended without a NOTIFICATION; RFC 8538 §3:
    // with the N bit on both sides, also after one (ours or the peer's) other than Hard Reset.
    // A stop of ours is not a restart of the peer: its routes go.
    const auto& gr = negotiated_->peer_graceful_restart;
    std::vector<family> preserved;
    if (gr && gr->restart_time != 0) {
      for (const auto& ff : gr->families) {
        if (contains(negotiated_->families, ff.fam)) {
          preserved.push_back(ff.fam);
        }
      }
    }
    bool keep = !stop && !preserved.empty();
    const auto& notification = info.send ? info.send : info.received;
    if (keep && notification) {
      const bool n_bit = gr->notification && cfg_.local_caps.graceful_restart &&
                         cfg_.local_caps.graceful_restart->notification;
      const bool hard_reset =
          notification->code == notif::cease && notification->subcode == notif::cease_hard_reset;
      keep = n_bit && !hard_reset;
    }
    emit<session_down>(out, keep, info.reason);
    if (keep) {
      // The owner marks all the peer's routes stale; those of families the peer does not
      // preserve go at once.
      for (const family f : negotiated_->families) {
        if (!contains(preserved, f)) {
          emit<flush_stale>(out, f);
        }
      }
      for (const family f : preserved) {
        if (!contains(stale_families_, f)) {
          stale_families_.push_back(f);
        }
      }
      stale_kept_ = true;
      arm(out, timer::restart, seconds{gr->restart_time});
    } else {
      // session_down without keep_stale drops every route of the peer, stale ones included.
      disarm(out, timer::restart);
      stale_families_.clear();
      stale_kept_ = false;
    }
  } else if (stop && stale_kept_) {
    disarm(out, timer::restart);
    emit<flush_stale>(out);
    stale_families_.clear();
    stale_kept_ = false;
  }

  negotiated_.reset();
  state_ = state::idle;
  if (info.kind == exit_kind::manual_stop) {
    connect_retry_counter_ = 0;
    return;
  }
  ++connect_retry_counter_;
  if (info.kind == exit_kind::collision) {
    return;  // resolving a collision is no fault of the peer's: no IdleHold
  }
  last_error_ = info.reason;
  arm(out, timer::idle_hold, jittered(idle_hold_));
  idle_hold_ = std::min(idle_hold_ * 2, cfg_.idle_hold_max);
}

void machine::fsm_error(std::vector<action>& out, const event& e) {
  const std::string reason =
      "FSM error: " + std::string(to_string(e.type)) + " in " + std::string(to_string(state_));
  if (state_ == state::connect || state_ == state::active) {
    // No OPEN sent yet, so no NOTIFICATION (§8.2.2 Connect and Active, "any other event").
    to_idle(out, {exit_kind::error, std::nullopt, std::nullopt, reason});
    return;
  }
  // RFC 6608 §4: unexpected messages have a subcode per state; anything else is 0, Unspecified.
  std::uint8_t subcode = 0;
  if (is_message_event(e.type)) {
    subcode = state_ == state::open_sent ? 1 : state_ == state::open_confirm ? 2 : 3;
  }
  to_idle(out, {exit_kind::error, notification_message{notif::fsm_error, subcode, {}}, std::nullopt,
                reason});
}

// --- Timers --------------------------------------------------------------------------------------

void machine::arm(std::vector<action>& out, timer t, milliseconds after) {
  emit<start_timer>(out, t, after);
  running_ = static_cast<std::uint8_t>(running_ | bit(t));
}

void machine::disarm(std::vector<action>& out, timer t) {
  if (running(t)) {
    emit<stop_timer>(out, t);
    running_ = static_cast<std::uint8_t>(running_ & ~bit(t));
  }
}

bool machine::running(timer t) const {
  return (running_ & bit(t)) != 0;
}

milliseconds machine::jittered(seconds nominal) {
  // RFC 4271 §10: "multiplied by a random factor which is uniformly distributed in the range
  // from 0.75 to 1.0". Integer per-mille steps keep it exact and the same on every platform.
  const auto factor = static_cast<std::int64_t>(750 + next_random() % 251);
  return milliseconds{milliseconds(nominal).count() * factor / 1000};
}

std::uint64_t machine::next_random() {
  // splitmix64 (Steele, Lea, Flood 2014): one 64-bit state word, good enough for jitter.
  rng_state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = rng_state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool keep_locally_initiated(std::uint32_t local_identifier, std::uint32_t remote_identifier) {
  // RFC 4271 §6.8: identifiers compared as host-order unsigned integers; the connection opened
  // by the speaker with the higher one survives. Equal identifiers never get this far: the
  // codec refuses an OPEN carrying ours (Bad BGP Identifier).
  return local_identifier > remote_identifier;
}

}  // namespace svcbgp::bgp::fsm
