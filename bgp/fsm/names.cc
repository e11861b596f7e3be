// Names of states, timers, events and actions, for logs, the CLI and golden tests.
//
// Events and timers carry their RFC 4271 §8.1 names. Actions are rendered with numbers only (no
// codec lookups), so that a golden log does not change when a NOTIFICATION's display name does.

#include <cstdio>
#include <string>
#include <type_traits>

#include "bgp/fsm/fsm.h"

namespace svcbgp::bgp::fsm {

namespace {

std::string family_name(const family& f) {
  if (f == ipv4_unicast) {
    return "ipv4-unicast";
  }
  if (f == ipv6_unicast) {
    return "ipv6-unicast";
  }
  return "afi-" + std::to_string(static_cast<unsigned>(f.a)) + "/safi-" +
         std::to_string(static_cast<unsigned>(f.s));
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

}  // namespace

std::string_view to_string(state s) {
  switch (s) {
    case state::idle:
      return "Idle";
    case state::connect:
      return "Connect";
    case state::active:
      return "Active";
    case state::open_sent:
      return "OpenSent";
    case state::open_confirm:
      return "OpenConfirm";
    case state::established:
      return "Established";
  }
  return "?";
}

std::string_view to_string(timer t) {
  switch (t) {
    case timer::connect_retry:
      return "ConnectRetryTimer";
    case timer::hold:
      return "HoldTimer";
    case timer::keepalive:
      return "KeepaliveTimer";
    case timer::delay_open:
      return "DelayOpenTimer";
    case timer::idle_hold:
      return "IdleHoldTimer";
    case timer::restart:
      return "RestartTimer";
  }
  return "?";
}

std::string_view to_string(event_type e) {
  switch (e) {
    case event_type::manual_start:
      return "ManualStart";
    case event_type::manual_stop:
      return "ManualStop";
    case event_type::automatic_start:
      return "AutomaticStart";
    case event_type::manual_start_with_passive_tcp_establishment:
      return "ManualStart_with_PassiveTcpEstablishment";
    case event_type::automatic_start_with_passive_tcp_establishment:
      return "AutomaticStart_with_PassiveTcpEstablishment";
    case event_type::automatic_start_with_damp_peer_oscillations:
      return "AutomaticStart_with_DampPeerOscillations";
    case event_type::automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment:
      return "AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment";
    case event_type::automatic_stop:
      return "AutomaticStop";
    case event_type::connect_retry_timer_expires:
      return "ConnectRetryTimer_Expires";
    case event_type::hold_timer_expires:
      return "HoldTimer_Expires";
    case event_type::keepalive_timer_expires:
      return "KeepaliveTimer_Expires";
    case event_type::delay_open_timer_expires:
      return "DelayOpenTimer_Expires";
    case event_type::idle_hold_timer_expires:
      return "IdleHoldTimer_Expires";
    case event_type::tcp_connection_valid:
      return "TcpConnection_Valid";
    case event_type::tcp_cr_invalid:
      return "Tcp_CR_Invalid";
    case event_type::tcp_cr_acked:
      return "Tcp_CR_Acked";
    case event_type::tcp_connection_confirmed:
      return "TcpConnectionConfirmed";
    case event_type::tcp_connection_fails:
      return "TcpConnectionFails";
    case event_type::bgp_open:
      return "BGPOpen";
    case event_type::bgp_open_with_delay_open_timer_running:
      return "BGPOpen_with_DelayOpenTimer_running";
    case event_type::bgp_header_err:
      return "BGPHeaderErr";
    case event_type::bgp_open_msg_err:
      return "BGPOpenMsgErr";
    case event_type::open_collision_dump:
      return "OpenCollisionDump";
    case event_type::notif_msg_ver_err:
      return "NotifMsgVerErr";
    case event_type::notif_msg:
      return "NotifMsg";
    case event_type::keepalive_msg:
      return "KeepAliveMsg";
    case event_type::update_msg:
      return "UpdateMsg";
    case event_type::update_msg_err:
      return "UpdateMsgErr";
    case event_type::restart_timer_expires:
      return "RestartTimer_Expires";
    case event_type::end_of_rib_received:
      return "EndOfRib_Received";
  }
  return "?";
}

std::string to_string(const action& a) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, connect_tcp>) {
          return "connect_tcp";
        } else if constexpr (std::is_same_v<T, drop_tcp>) {
          return "drop_tcp";
        } else if constexpr (std::is_same_v<T, send_open>) {
          return "send_open";
        } else if constexpr (std::is_same_v<T, send_keepalive>) {
          return "send_keepalive";
        } else if constexpr (std::is_same_v<T, send_notification>) {
          std::string s = "send_notification " + std::to_string(x.msg.code) + "/" +
                          std::to_string(x.msg.subcode);
          if (!x.msg.data.empty()) {
            s += " data=" + hex(x.msg.data);
          }
          return s;
        } else if constexpr (std::is_same_v<T, start_timer>) {
          return "start_timer " + std::string(to_string(x.t)) + " " +
                 std::to_string(x.after.count()) + "ms";
        } else if constexpr (std::is_same_v<T, stop_timer>) {
          return "stop_timer " + std::string(to_string(x.t));
        } else if constexpr (std::is_same_v<T, session_up>) {
          return "session_up";
        } else if constexpr (std::is_same_v<T, session_down>) {
          return std::string("session_down keep_stale=") + (x.keep_stale ? "true" : "false") +
                 " reason=\"" + x.reason + "\"";
        } else {
          static_assert(std::is_same_v<T, flush_stale>);
          return "flush_stale " + (x.fam ? family_name(*x.fam) : std::string("all"));
        }
      },
      a);
}

}  // namespace svcbgp::bgp::fsm
