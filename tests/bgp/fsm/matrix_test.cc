// The whole RFC 4271 §8.2.2 state x event matrix, plus the RFC 4724 events 29 and 30: for each of
// the 6 states and 30 events, the next state and the actions, read top to bottom like the RFC.
//
// Each row starts from a fresh machine driven into the state with valid events (drive_to), using
// base_config(): hold 90 s, ConnectRetry 5 s, IdleHold 1 s, no DelayOpen, no graceful restart.
// Message events carry a valid payload (matrix_event): the peer's OPEN, a Connection Not
// Synchronized header error (1/1), an Unsupported Version OPEN error (2/1, data 0004), a Malformed
// Attribute List UPDATE error (3/1), a Cease/Administrative Shutdown NOTIFICATION.
//
// "Ns~" is a jittered duration: N seconds times 0.75..1.0 (RFC 4271 §10).
#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <utility>

#include "tests/bgp/fsm/fsm_test_util.h"

namespace svcbgp::bgp::fsm::test {
namespace {

using enum event_type;

constexpr state Idle = state::idle;
constexpr state Connect = state::connect;
constexpr state Active = state::active;
constexpr state OpenSent = state::open_sent;
constexpr state OpenConfirm = state::open_confirm;
constexpr state Established = state::established;

constexpr event_type manual_start_passive = manual_start_with_passive_tcp_establishment;
constexpr event_type automatic_start_passive = automatic_start_with_passive_tcp_establishment;
constexpr event_type automatic_start_damp = automatic_start_with_damp_peer_oscillations;
constexpr event_type automatic_start_damp_passive =
    automatic_start_with_damp_peer_oscillations_and_passive_tcp_establishment;
constexpr event_type bgp_open_delay_open = bgp_open_with_delay_open_timer_running;

constexpr const char* crt_start = "start_timer ConnectRetryTimer 5s~";
constexpr const char* crt_stop = "stop_timer ConnectRetryTimer";
constexpr const char* idle_hold_start = "start_timer IdleHoldTimer 1s~";
constexpr const char* hold_start_large = "start_timer HoldTimer 240000ms";  // §8.2.2: 4 minutes
constexpr const char* hold_start = "start_timer HoldTimer 90000ms";
constexpr const char* keepalive_start = "start_timer KeepaliveTimer 30s~";
constexpr const char* hold_stop = "stop_timer HoldTimer";
constexpr const char* keepalive_stop = "stop_timer KeepaliveTimer";
constexpr const char* tcp_drop = "drop_tcp";
constexpr const char* down = "session_down keep_stale=false";

struct row {
  state from;
  int number;  // the RFC's event number, checked against the enum
  event_type on;
  state to;
  std::vector<const char*> actions;
};

void PrintTo(const row& r, std::ostream* os) {
  *os << to_string(r.from) << " x " << to_string(r.on) << " (Event " << r.number << ") -> "
      << to_string(r.to);
}

const std::vector<row>& matrix() {
  static const std::vector<row> rows = {
      // --- Idle (RFC 4271 §8.2.2) ---
      {Idle, 1, manual_start, Connect, {crt_start, "connect_tcp"}},
      {Idle, 2, manual_stop, Idle, {}},
      {Idle, 3, automatic_start, Connect, {crt_start, "connect_tcp"}},
      {Idle, 4, manual_start_passive, Active, {crt_start}},
      {Idle, 5, automatic_start_passive, Active, {crt_start}},
      {Idle, 6, automatic_start_damp, Connect, {crt_start, "connect_tcp"}},
      {Idle, 7, automatic_start_damp_passive, Active, {crt_start}},
      {Idle, 8, automatic_stop, Idle, {}},
      {Idle, 9, connect_retry_timer_expires, Idle, {}},
      {Idle, 10, hold_timer_expires, Idle, {}},
      {Idle, 11, keepalive_timer_expires, Idle, {}},
      {Idle, 12, delay_open_timer_expires, Idle, {}},
      {Idle, 13, idle_hold_timer_expires, Idle, {}},
      {Idle, 14, tcp_connection_valid, Idle, {}},
      {Idle, 15, tcp_cr_invalid, Idle, {}},
      {Idle, 16, tcp_cr_acked, Idle, {}},
      {Idle, 17, tcp_connection_confirmed, Idle, {}},
      {Idle, 18, tcp_connection_fails, Idle, {}},
      {Idle, 19, bgp_open, Idle, {}},
      {Idle, 20, bgp_open_delay_open, Idle, {}},
      {Idle, 21, bgp_header_err, Idle, {}},
      {Idle, 22, bgp_open_msg_err, Idle, {}},
      {Idle, 23, open_collision_dump, Idle, {}},
      {Idle, 24, notif_msg_ver_err, Idle, {}},
      {Idle, 25, notif_msg, Idle, {}},
      {Idle, 26, keepalive_msg, Idle, {}},
      {Idle, 27, update_msg, Idle, {}},
      {Idle, 28, update_msg_err, Idle, {}},
      {Idle, 29, restart_timer_expires, Idle, {}},
      {Idle, 30, end_of_rib_received, Idle, {}},
      // --- Connect (RFC 4271 §8.2.2) ---
      {Connect, 1, manual_start, Connect, {}},
      {Connect, 2, manual_stop, Idle, {crt_stop, tcp_drop}},
      {Connect, 3, automatic_start, Connect, {}},
      {Connect, 4, manual_start_passive, Connect, {}},
      {Connect, 5, automatic_start_passive, Connect, {}},
      {Connect, 6, automatic_start_damp, Connect, {}},
      {Connect, 7, automatic_start_damp_passive, Connect, {}},
      {Connect, 8, automatic_stop, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 9, connect_retry_timer_expires, Connect, {tcp_drop, crt_start, "connect_tcp"}},
      {Connect, 10, hold_timer_expires, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 11, keepalive_timer_expires, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 12, delay_open_timer_expires, OpenSent, {crt_stop, "send_open", hold_start_large}},
      {Connect, 13, idle_hold_timer_expires, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 14, tcp_connection_valid, Connect, {}},
      {Connect, 15, tcp_cr_invalid, Connect, {}},
      {Connect, 16, tcp_cr_acked, OpenSent, {crt_stop, "send_open", hold_start_large}},
      {Connect, 17, tcp_connection_confirmed, OpenSent, {crt_stop, "send_open", hold_start_large}},
      {Connect, 18, tcp_connection_fails, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 19, bgp_open, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect,
       20,
       bgp_open_delay_open,
       OpenConfirm,
       {crt_stop, "send_open", "send_keepalive", hold_start, keepalive_start}},
      {Connect, 21, bgp_header_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 22, bgp_open_msg_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 23, open_collision_dump, Idle, {crt_stop, tcp_drop}},
      {Connect, 24, notif_msg_ver_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 25, notif_msg, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 26, keepalive_msg, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 27, update_msg, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 28, update_msg_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Connect, 29, restart_timer_expires, Connect, {}},
      {Connect, 30, end_of_rib_received, Connect, {}},
      // --- Active (RFC 4271 §8.2.2) ---
      {Active, 1, manual_start, Active, {}},
      {Active, 2, manual_stop, Idle, {crt_stop, tcp_drop}},
      {Active, 3, automatic_start, Active, {}},
      {Active, 4, manual_start_passive, Active, {}},
      {Active, 5, automatic_start_passive, Active, {}},
      {Active, 6, automatic_start_damp, Active, {}},
      {Active, 7, automatic_start_damp_passive, Active, {}},
      {Active, 8, automatic_stop, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 9, connect_retry_timer_expires, Connect, {crt_start, "connect_tcp"}},
      {Active, 10, hold_timer_expires, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 11, keepalive_timer_expires, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 12, delay_open_timer_expires, OpenSent, {crt_stop, "send_open", hold_start_large}},
      {Active, 13, idle_hold_timer_expires, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 14, tcp_connection_valid, Active, {}},
      {Active, 15, tcp_cr_invalid, Active, {}},
      {Active, 16, tcp_cr_acked, OpenSent, {crt_stop, "send_open", hold_start_large}},
      {Active, 17, tcp_connection_confirmed, OpenSent, {crt_stop, "send_open", hold_start_large}},
      {Active, 18, tcp_connection_fails, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 19, bgp_open, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active,
       20,
       bgp_open_delay_open,
       OpenConfirm,
       {crt_stop, "send_open", "send_keepalive", hold_start, keepalive_start}},
      {Active, 21, bgp_header_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 22, bgp_open_msg_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 23, open_collision_dump, Idle, {crt_stop, tcp_drop}},
      {Active, 24, notif_msg_ver_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 25, notif_msg, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 26, keepalive_msg, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 27, update_msg, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 28, update_msg_err, Idle, {crt_stop, tcp_drop, idle_hold_start}},
      {Active, 29, restart_timer_expires, Active, {}},
      {Active, 30, end_of_rib_received, Active, {}},
      // --- OpenSent (RFC 4271 §8.2.2) ---
      {OpenSent, 1, manual_start, OpenSent, {}},
      {OpenSent, 2, manual_stop, Idle, {"send_notification 6/2", hold_stop, tcp_drop}},
      {OpenSent, 3, automatic_start, OpenSent, {}},
      {OpenSent, 4, manual_start_passive, OpenSent, {}},
      {OpenSent, 5, automatic_start_passive, OpenSent, {}},
      {OpenSent, 6, automatic_start_damp, OpenSent, {}},
      {OpenSent, 7, automatic_start_damp_passive, OpenSent, {}},
      {OpenSent,
       8,
       automatic_stop,
       Idle,
       {"send_notification 6/8", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       9,
       connect_retry_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       10,
       hold_timer_expires,
       Idle,
       {"send_notification 4/0", tcp_drop, idle_hold_start}},
      {OpenSent,
       11,
       keepalive_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       12,
       delay_open_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       13,
       idle_hold_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent, 14, tcp_connection_valid, OpenSent, {}},
      {OpenSent, 15, tcp_cr_invalid, OpenSent, {}},
      {OpenSent, 16, tcp_cr_acked, OpenSent, {}},
      {OpenSent, 17, tcp_connection_confirmed, OpenSent, {}},
      {OpenSent, 18, tcp_connection_fails, Active, {hold_stop, tcp_drop, crt_start}},
      {OpenSent, 19, bgp_open, OpenConfirm, {"send_keepalive", hold_start, keepalive_start}},
      {OpenSent,
       20,
       bgp_open_delay_open,
       Idle,
       {"send_notification 5/1", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       21,
       bgp_header_err,
       Idle,
       {"send_notification 1/1", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       22,
       bgp_open_msg_err,
       Idle,
       {"send_notification 2/1 data=0004", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent, 23, open_collision_dump, Idle, {"send_notification 6/7", hold_stop, tcp_drop}},
      {OpenSent, 24, notif_msg_ver_err, Idle, {hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent, 25, notif_msg, Idle, {hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       26,
       keepalive_msg,
       Idle,
       {"send_notification 5/1", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       27,
       update_msg,
       Idle,
       {"send_notification 5/1", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent,
       28,
       update_msg_err,
       Idle,
       {"send_notification 5/1", hold_stop, tcp_drop, idle_hold_start}},
      {OpenSent, 29, restart_timer_expires, OpenSent, {}},
      {OpenSent, 30, end_of_rib_received, OpenSent, {}},
      // --- OpenConfirm (RFC 4271 §8.2.2) ---
      {OpenConfirm, 1, manual_start, OpenConfirm, {}},
      {OpenConfirm,
       2,
       manual_stop,
       Idle,
       {"send_notification 6/2", hold_stop, keepalive_stop, tcp_drop}},
      {OpenConfirm, 3, automatic_start, OpenConfirm, {}},
      {OpenConfirm, 4, manual_start_passive, OpenConfirm, {}},
      {OpenConfirm, 5, automatic_start_passive, OpenConfirm, {}},
      {OpenConfirm, 6, automatic_start_damp, OpenConfirm, {}},
      {OpenConfirm, 7, automatic_start_damp_passive, OpenConfirm, {}},
      {OpenConfirm,
       8,
       automatic_stop,
       Idle,
       {"send_notification 6/8", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       9,
       connect_retry_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       10,
       hold_timer_expires,
       Idle,
       {"send_notification 4/0", keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm, 11, keepalive_timer_expires, OpenConfirm, {"send_keepalive", keepalive_start}},
      {OpenConfirm,
       12,
       delay_open_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       13,
       idle_hold_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm, 14, tcp_connection_valid, OpenConfirm, {}},
      {OpenConfirm, 15, tcp_cr_invalid, OpenConfirm, {}},
      {OpenConfirm, 16, tcp_cr_acked, OpenConfirm, {}},
      {OpenConfirm, 17, tcp_connection_confirmed, OpenConfirm, {}},
      {OpenConfirm,
       18,
       tcp_connection_fails,
       Idle,
       {hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       19,
       bgp_open,
       Idle,
       {"send_notification 5/2", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       20,
       bgp_open_delay_open,
       Idle,
       {"send_notification 5/2", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       21,
       bgp_header_err,
       Idle,
       {"send_notification 1/1", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       22,
       bgp_open_msg_err,
       Idle,
       {"send_notification 2/1 data=0004", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       23,
       open_collision_dump,
       Idle,
       {"send_notification 6/7", hold_stop, keepalive_stop, tcp_drop}},
      {OpenConfirm,
       24,
       notif_msg_ver_err,
       Idle,
       {hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm, 25, notif_msg, Idle, {hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm, 26, keepalive_msg, Established, {hold_start, "session_up"}},
      {OpenConfirm,
       27,
       update_msg,
       Idle,
       {"send_notification 5/2", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm,
       28,
       update_msg_err,
       Idle,
       {"send_notification 5/2", hold_stop, keepalive_stop, tcp_drop, idle_hold_start}},
      {OpenConfirm, 29, restart_timer_expires, OpenConfirm, {}},
      {OpenConfirm, 30, end_of_rib_received, OpenConfirm, {}},
      // --- Established (RFC 4271 §8.2.2) ---
      {Established, 1, manual_start, Established, {}},
      {Established,
       2,
       manual_stop,
       Idle,
       {"send_notification 6/2", hold_stop, keepalive_stop, tcp_drop, down}},
      {Established, 3, automatic_start, Established, {}},
      {Established, 4, manual_start_passive, Established, {}},
      {Established, 5, automatic_start_passive, Established, {}},
      {Established, 6, automatic_start_damp, Established, {}},
      {Established, 7, automatic_start_damp_passive, Established, {}},
      {Established,
       8,
       automatic_stop,
       Idle,
       {"send_notification 6/8", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       9,
       connect_retry_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       10,
       hold_timer_expires,
       Idle,
       {"send_notification 4/0", keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established, 11, keepalive_timer_expires, Established, {"send_keepalive", keepalive_start}},
      {Established,
       12,
       delay_open_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       13,
       idle_hold_timer_expires,
       Idle,
       {"send_notification 5/0", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established, 14, tcp_connection_valid, Established, {}},
      {Established, 15, tcp_cr_invalid, Established, {}},
      {Established, 16, tcp_cr_acked, Established, {}},
      {Established, 17, tcp_connection_confirmed, Established, {}},
      {Established,
       18,
       tcp_connection_fails,
       Idle,
       {hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       19,
       bgp_open,
       Idle,
       {"send_notification 5/3", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       20,
       bgp_open_delay_open,
       Idle,
       {"send_notification 5/3", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       21,
       bgp_header_err,
       Idle,
       {"send_notification 1/1", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       22,
       bgp_open_msg_err,
       Idle,
       {"send_notification 5/3", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       23,
       open_collision_dump,
       Idle,
       {"send_notification 6/7", hold_stop, keepalive_stop, tcp_drop, down}},
      {Established,
       24,
       notif_msg_ver_err,
       Idle,
       {hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established,
       25,
       notif_msg,
       Idle,
       {hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established, 26, keepalive_msg, Established, {hold_start}},
      {Established, 27, update_msg, Established, {hold_start}},
      {Established,
       28,
       update_msg_err,
       Idle,
       {"send_notification 3/1", hold_stop, keepalive_stop, tcp_drop, down, idle_hold_start}},
      {Established, 29, restart_timer_expires, Established, {}},
      {Established, 30, end_of_rib_received, Established, {}},

  };
  return rows;
}

std::string expected_actions(const row& r) {
  std::string out;
  for (const char* a : r.actions) {
    if (!out.empty()) {
      out += "; ";
    }
    out += a;
  }
  return out;
}

TEST(fsm_matrix, covers_every_state_and_event_once) {
  std::set<std::pair<state, event_type>> seen;
  for (const row& r : matrix()) {
    EXPECT_EQ(static_cast<int>(r.on), r.number) << to_string(r.on);
    EXPECT_TRUE(seen.insert({r.from, r.on}).second)
        << "duplicate row " << to_string(r.from) << " x " << to_string(r.on);
  }
  EXPECT_EQ(seen.size(), 6u * event_count);
}

class fsm_matrix_row : public ::testing::TestWithParam<row> {};

TEST_P(fsm_matrix_row, next_state_and_actions) {
  const row& r = GetParam();
  machine m(base_config());
  drive_to(m, r.from);
  ASSERT_EQ(m.current(), r.from);
  const auto actions = m.handle(matrix_event(r.on));
  EXPECT_EQ(to_string(m.current()), to_string(r.to));
  EXPECT_TRUE(actions_match(expected_actions(r), actions));
}

INSTANTIATE_TEST_SUITE_P(rfc4271, fsm_matrix_row, ::testing::ValuesIn(matrix()),
                         [](const ::testing::TestParamInfo<row>& info) {
                           return std::string(to_string(info.param.from)) + "_" +
                                  std::to_string(info.param.number) + "_" +
                                  std::string(to_string(info.param.on));
                         });

}  // namespace
}  // namespace svcbgp::bgp::fsm::test
