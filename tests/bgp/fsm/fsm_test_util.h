// Helpers for the FSM tests: a reference configuration, a valid peer OPEN, one event of each
// type, a driver that brings a fresh machine into any state, and a comparison of action lists
// against their written form in which jittered durations are given as a nominal value.
#pragma once

#include <gtest/gtest.h>

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/codec/error.h"
#include "bgp/fsm/fsm.h"

namespace svcbgp::bgp::fsm::test {

inline constexpr std::uint32_t local_id = 0x0a000001;  // 10.0.0.1
inline constexpr std::uint32_t peer_id = 0x0a000002;   // 10.0.0.2

// Our side: AS 65001, hold 90 s, IPv4 and IPv6 unicast, no graceful restart.
inline config base_config(std::uint64_t seed = 1) {
  config c;
  c.local_as = 65001;
  c.local_identifier = local_id;
  c.peer_as = 65002;
  c.local_caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
  c.local_caps.four_octet_as = 65001;
  c.local_caps.route_refresh = true;
  c.seed = seed;
  return c;
}

inline graceful_restart_cap gr_cap(std::uint16_t restart_time, bool n_bit,
                                   std::vector<family> families, bool forwarding = true) {
  graceful_restart_cap gr;
  gr.restart_time = restart_time;
  gr.notification = n_bit;
  for (const family f : families) {
    gr.families.push_back({f, forwarding});
  }
  return gr;
}

// Both sides graceful-restart capable for both families.
inline config gr_config(bool n_bit = false) {
  config c = base_config();
  c.local_caps.graceful_restart = gr_cap(120, n_bit, {ipv4_unicast, ipv6_unicast});
  return c;
}

inline open_message peer_open(std::uint16_t hold_time = 90) {
  open_message o;
  o.my_as = 65002;
  o.hold_time = hold_time;
  o.bgp_identifier = peer_id;
  o.caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
  o.caps.four_octet_as = 65002;
  o.caps.route_refresh = true;
  return o;
}

inline open_message gr_peer_open(bool n_bit = false) {
  open_message o = peer_open();
  o.caps.graceful_restart = gr_cap(120, n_bit, {ipv4_unicast, ipv6_unicast});
  return o;
}

inline event ev(event_type t) {
  return event{t};
}

inline event open_event(open_message o, event_type t = event_type::bgp_open) {
  event e{t};
  e.open = std::move(o);
  return e;
}

inline event notification_event(notification_message n, event_type t = event_type::notif_msg) {
  event e{t};
  e.notification = std::move(n);
  return e;
}

inline event eor_event(family f) {
  event e{event_type::end_of_rib_received};
  e.fam = f;
  return e;
}

// The event of each type used by the state x event matrix: messages carry a valid payload.
inline event matrix_event(event_type t) {
  event e{t};
  switch (t) {
    case event_type::bgp_open:
    case event_type::bgp_open_with_delay_open_timer_running:
      e.open = peer_open();
      break;
    case event_type::bgp_header_err:
      e.error = decode_error{error_kind::connection_not_synchronized};
      break;
    case event_type::bgp_open_msg_err:
      e.error = decode_error{error_kind::unsupported_version_number, std::nullopt, {0, 4}};
      break;
    case event_type::update_msg_err:
      e.error = decode_error{error_kind::malformed_attribute_list};
      break;
    case event_type::notif_msg:
      e.notification = notification_message{notif::cease, notif::cease_admin_shutdown, {}};
      break;
    case event_type::notif_msg_ver_err:
      e.notification = notification_message{notif::open_message_error, 1, {0, 4}};
      break;
    case event_type::end_of_rib_received:
      e.fam = ipv4_unicast;
      break;
    default:
      break;
  }
  return e;
}

// Drives a fresh machine into `s` with valid events:
//   Connect:     ManualStart
//   Active:      ManualStart_with_PassiveTcpEstablishment
//   OpenSent:    ManualStart, Tcp_CR_Acked
//   OpenConfirm: ... BGPOpen
//   Established: ... KeepAliveMsg
inline void drive_to(machine& m, state s, const open_message& open = peer_open()) {
  if (s == state::idle) {
    return;
  }
  if (s == state::active) {
    m.handle(ev(event_type::manual_start_with_passive_tcp_establishment));
    return;
  }
  m.handle(ev(event_type::manual_start));
  if (s == state::connect) {
    return;
  }
  m.handle(ev(event_type::tcp_cr_acked));
  if (s == state::open_sent) {
    return;
  }
  m.handle(open_event(open));
  if (s == state::open_confirm) {
    return;
  }
  m.handle(ev(event_type::keepalive_msg));
}

// Continues a machine that is in Idle after an error back to Established via its IdleHold.
inline void reestablish(machine& m, const open_message& open) {
  m.handle(ev(event_type::idle_hold_timer_expires));
  m.handle(ev(event_type::tcp_cr_acked));
  m.handle(open_event(open));
  m.handle(ev(event_type::keepalive_msg));
}

// to_string of the action, without session_down's free-text reason.
inline std::string render(const action& a) {
  if (const auto* d = std::get_if<session_down>(&a)) {
    return std::string("session_down keep_stale=") + (d->keep_stale ? "true" : "false");
  }
  return to_string(a);
}

inline std::string render(const std::vector<action>& actions) {
  std::string out;
  for (const auto& a : actions) {
    if (!out.empty()) {
      out += "; ";
    }
    out += render(a);
  }
  return out;
}

inline std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto pos = s.find("; ");
    out.emplace_back(s.substr(0, pos));
    if (pos == std::string_view::npos) {
      break;
    }
    s.remove_prefix(pos + 2);
  }
  return out;
}

// An expected line "start_timer X Ns~" accepts "start_timer X <ms>ms" with ms in [750N, 1000N]
// (RFC 4271 §10 jitter); any other line must match exactly.
inline bool line_matches(const std::string& expected, const std::string& actual) {
  if (expected.size() > 2 && expected.ends_with("s~")) {
    const auto space = expected.rfind(' ');
    const std::string prefix = expected.substr(0, space + 1);
    long nominal = 0;
    std::from_chars(expected.data() + space + 1, expected.data() + expected.size() - 2, nominal);
    if (!actual.starts_with(prefix) || !actual.ends_with("ms")) {
      return false;
    }
    long ms = -1;
    std::from_chars(actual.data() + prefix.size(), actual.data() + actual.size() - 2, ms);
    return ms >= 750 * nominal && ms <= 1000 * nominal;
  }
  return expected == actual;
}

inline ::testing::AssertionResult actions_match(const std::string& expected,
                                                const std::vector<action>& actual) {
  const auto want = split(expected);
  std::vector<std::string> got;
  for (const auto& a : actual) {
    got.push_back(render(a));
  }
  bool ok = want.size() == got.size();
  for (std::size_t i = 0; ok && i < want.size(); ++i) {
    ok = line_matches(want[i], got[i]);
  }
  if (ok) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\n  expected: " << expected << "\n  actual:   " << render(actual);
}

template <class T>
std::vector<T> all_of_type(const std::vector<action>& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const auto* x = std::get_if<T>(&a)) {
      out.push_back(*x);
    }
  }
  return out;
}

inline std::optional<std::chrono::milliseconds> started(const std::vector<action>& actions,
                                                        timer t) {
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<start_timer>(&a); s && s->t == t) {
      return s->after;
    }
  }
  return std::nullopt;
}

}  // namespace svcbgp::bgp::fsm::test
