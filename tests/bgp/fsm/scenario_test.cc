// Sequences of events through the FSM: IdleHold backoff, jitter, hold-time negotiation as seen in
// the actions, graceful-restart helper, collisions, shutdown messages, passive peers, DelayOpen.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/bgp/fsm/fsm_test_util.h"

namespace svcbgp::bgp::fsm::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using enum event_type;

// --- IdleHold ---------------------------------------------------------------------------------

TEST(fsm_idle_hold, doubles_after_each_error_and_caps_at_the_maximum) {
  machine m(base_config());
  m.handle(ev(manual_start));
  const long expected_seconds[] = {1, 2, 4, 8, 16, 32, 64, 120, 120, 120};
  for (const long nominal : expected_seconds) {
    ASSERT_EQ(m.current(), state::connect);
    EXPECT_EQ(m.idle_hold_time(), seconds{nominal});
    const auto down = m.handle(ev(tcp_connection_fails));
    EXPECT_EQ(m.current(), state::idle);
    const auto delay = started(down, timer::idle_hold);
    ASSERT_TRUE(delay);
    EXPECT_GE(delay->count(), 750 * nominal);
    EXPECT_LE(delay->count(), 1000 * nominal);
    // The IdleHoldTimer restarts the machine the way it was started.
    EXPECT_TRUE(actions_match("start_timer ConnectRetryTimer 5s~; connect_tcp",
                              m.handle(ev(idle_hold_timer_expires))));
  }
  EXPECT_EQ(m.connect_retry_counter(), 10u);
  EXPECT_EQ(m.last_error(), "TCP connection failed");
}

TEST(fsm_idle_hold, automatic_start_waits_for_the_idle_hold_timer) {
  machine m(base_config());
  m.handle(ev(automatic_start));
  m.handle(ev(tcp_connection_fails));
  ASSERT_EQ(m.current(), state::idle);
  EXPECT_TRUE(m.handle(ev(automatic_start)).empty());
  EXPECT_TRUE(m.handle(ev(automatic_start_with_damp_peer_oscillations)).empty());
  EXPECT_EQ(m.current(), state::idle);
  m.handle(ev(idle_hold_timer_expires));
  EXPECT_EQ(m.current(), state::connect);
}

TEST(fsm_idle_hold, manual_start_does_not_wait) {
  machine m(base_config());
  m.handle(ev(manual_start));
  m.handle(ev(tcp_connection_fails));
  EXPECT_TRUE(
      actions_match("stop_timer IdleHoldTimer; start_timer ConnectRetryTimer 5s~; connect_tcp",
                    m.handle(ev(manual_start))));
  EXPECT_EQ(m.current(), state::connect);
}

TEST(fsm_idle_hold, passive_start_comes_back_passive) {
  machine m(base_config());
  m.handle(ev(automatic_start_with_passive_tcp_establishment));
  m.handle(ev(hold_timer_expires));  // an unexpected event in Active: error
  ASSERT_EQ(m.current(), state::idle);
  EXPECT_TRUE(
      actions_match("start_timer ConnectRetryTimer 5s~", m.handle(ev(idle_hold_timer_expires))));
  EXPECT_EQ(m.current(), state::active);
}

TEST(fsm_idle_hold, late_expiry_after_manual_start_is_ignored) {
  machine m(base_config());
  m.handle(ev(manual_start));
  m.handle(ev(tcp_connection_fails));
  m.handle(ev(manual_stop));  // cancels the pending restart
  EXPECT_TRUE(m.handle(ev(idle_hold_timer_expires)).empty());
  EXPECT_EQ(m.current(), state::idle);
}

TEST(fsm_idle_hold, manual_stop_is_not_an_error) {
  machine m(base_config());
  drive_to(m, state::established);
  const auto actions = m.handle(ev(manual_stop));
  EXPECT_FALSE(started(actions, timer::idle_hold));
  EXPECT_EQ(m.idle_hold_time(), seconds{1});
  EXPECT_EQ(m.connect_retry_counter(), 0u);
  EXPECT_FALSE(m.last_error());
}

TEST(fsm_idle_hold, collision_is_not_an_error) {
  machine m(base_config());
  drive_to(m, state::open_confirm);
  const auto actions = m.handle(ev(open_collision_dump));
  EXPECT_FALSE(started(actions, timer::idle_hold));
  EXPECT_EQ(m.idle_hold_time(), seconds{1});
}

TEST(fsm_idle_hold, resets_after_a_keepalive_interval_in_established) {
  machine m(base_config());
  m.handle(ev(manual_start));
  for (int i = 0; i < 3; ++i) {
    m.handle(ev(tcp_connection_fails));
    m.handle(ev(idle_hold_timer_expires));
  }
  EXPECT_EQ(m.idle_hold_time(), seconds{8});
  m.handle(ev(tcp_cr_acked));
  m.handle(open_event(peer_open()));
  m.handle(ev(keepalive_msg));
  ASSERT_EQ(m.current(), state::established);
  EXPECT_EQ(m.idle_hold_time(), seconds{8});  // reaching Established is not enough
  m.handle(ev(keepalive_timer_expires));
  EXPECT_EQ(m.idle_hold_time(), seconds{1});
}

TEST(fsm_idle_hold, resets_on_established_when_there_is_no_keepalive) {
  machine m(base_config());
  m.handle(ev(manual_start));
  m.handle(ev(tcp_connection_fails));
  m.handle(ev(idle_hold_timer_expires));
  EXPECT_EQ(m.idle_hold_time(), seconds{2});
  m.handle(ev(tcp_cr_acked));
  m.handle(open_event(peer_open(0)));
  m.handle(ev(keepalive_msg));
  EXPECT_EQ(m.idle_hold_time(), seconds{1});
}

// --- Jitter (RFC 4271 §10)
// --------------------------------------------------------------------------

std::vector<action> run_to_established_and_fail(std::uint64_t seed) {
  machine m(base_config(seed));
  std::vector<action> all;
  for (const event& e : {ev(manual_start), ev(connect_retry_timer_expires), ev(tcp_cr_acked),
                         open_event(peer_open()), ev(keepalive_msg), ev(keepalive_timer_expires),
                         ev(tcp_connection_fails)}) {
    const auto a = m.handle(e);
    all.insert(all.end(), a.begin(), a.end());
  }
  return all;
}

TEST(fsm_jitter, intervals_stay_within_three_quarters_and_the_full_value) {
  std::set<long> distinct;
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    for (const auto& a : run_to_established_and_fail(seed)) {
      const auto* s = std::get_if<start_timer>(&a);
      if (s == nullptr) {
        continue;
      }
      const long ms = s->after.count();
      switch (s->t) {
        case timer::connect_retry:
          EXPECT_GE(ms, 3750);
          EXPECT_LE(ms, 5000);
          distinct.insert(ms);
          break;
        case timer::keepalive:
          EXPECT_GE(ms, 22500);
          EXPECT_LE(ms, 30000);
          break;
        case timer::idle_hold:
          EXPECT_GE(ms, 750);
          EXPECT_LE(ms, 1000);
          break;
        case timer::hold:
          // No jitter on the HoldTimer.
          EXPECT_TRUE(ms == 90000 || ms == 240000) << ms;
          break;
        default:
          ADD_FAILURE() << to_string(a);
      }
    }
  }
  EXPECT_GT(distinct.size(), 200u);  // the whole range is used, not a handful of values
}

TEST(fsm_jitter, deterministic_per_seed) {
  for (std::uint64_t seed : {1u, 2u, 42u, 0xdeadbeefu}) {
    EXPECT_EQ(render(run_to_established_and_fail(seed)), render(run_to_established_and_fail(seed)));
  }
  EXPECT_NE(render(run_to_established_and_fail(1)), render(run_to_established_and_fail(2)));
}

// --- Hold time negotiation, as the actions show it ----------------------------------------------

TEST(fsm_hold_time, peer_hold_of_three_gives_keepalive_of_one) {
  machine m(base_config());
  drive_to(m, state::open_sent);
  const auto actions = m.handle(open_event(peer_open(3)));
  EXPECT_TRUE(actions_match(
      "send_keepalive; start_timer HoldTimer 3000ms; start_timer KeepaliveTimer 1s~", actions));
  ASSERT_TRUE(m.session());
  EXPECT_EQ(m.session()->hold_time, seconds{3});
  EXPECT_EQ(m.session()->keepalive_time, seconds{1});
  EXPECT_TRUE(
      actions_match("start_timer HoldTimer 3000ms; session_up", m.handle(ev(keepalive_msg))));
  EXPECT_TRUE(actions_match("start_timer HoldTimer 3000ms", m.handle(ev(update_msg))));
}

TEST(fsm_hold_time, zero_runs_no_hold_or_keepalive_timer) {
  machine m(base_config());
  drive_to(m, state::open_sent);
  EXPECT_TRUE(
      actions_match("send_keepalive; stop_timer HoldTimer", m.handle(open_event(peer_open(0)))));
  EXPECT_TRUE(actions_match("session_up", m.handle(ev(keepalive_msg))));
  EXPECT_TRUE(m.handle(ev(keepalive_msg)).empty());
  EXPECT_TRUE(m.handle(ev(update_msg)).empty());
  EXPECT_TRUE(actions_match("send_notification 6/2; drop_tcp; session_down keep_stale=false",
                            m.handle(ev(manual_stop))));
}

TEST(fsm_hold_time, expiry_sends_hold_timer_expired) {
  machine m(base_config());
  drive_to(m, state::established);
  const auto actions = m.handle(ev(hold_timer_expires));
  const auto sent = all_of_type<send_notification>(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg, (notification_message{4, 0, {}}));
  const auto downs = all_of_type<session_down>(actions);
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].reason, "Hold timer expired");
}

// --- OPEN refusal
// -----------------------------------------------------------------------------------

TEST(fsm_open, no_common_family_sends_unsupported_capability) {
  config c = base_config();
  c.local_caps.multiprotocol = {ipv6_unicast};
  machine m(c);
  drive_to(m, state::open_sent);
  open_message o = peer_open();
  o.caps.multiprotocol.clear();
  EXPECT_TRUE(
      actions_match("send_notification 2/7 data=010400020001; stop_timer HoldTimer; drop_tcp; "
                    "start_timer IdleHoldTimer 1s~",
                    m.handle(open_event(o))));
  EXPECT_EQ(m.current(), state::idle);
  EXPECT_FALSE(m.session());
}

TEST(fsm_open, decode_error_sends_its_notification) {
  machine m(base_config());
  drive_to(m, state::open_sent);
  event e{bgp_open_msg_err};
  e.error = decode_error{error_kind::bad_peer_as};
  const auto sent = all_of_type<send_notification>(m.handle(e));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg, to_notification(*e.error));
  EXPECT_EQ(sent[0].msg.code, 2);
  EXPECT_EQ(sent[0].msg.subcode, 2);
}

TEST(fsm_open, update_error_in_established_sends_its_notification) {
  machine m(base_config());
  drive_to(m, state::established);
  event e{update_msg_err};
  e.error = decode_error{error_kind::attribute_length_error, 4, {0x40, 0x04, 0x03, 1, 2, 3}};
  const auto sent = all_of_type<send_notification>(m.handle(e));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg, (notification_message{3, 5, {0x40, 0x04, 0x03, 1, 2, 3}}));
}

// --- Stops
// ------------------------------------------------------------------------------------------

TEST(fsm_stop, manual_stop_sends_exactly_the_given_shutdown_message) {
  machine m(base_config());
  drive_to(m, state::established);
  // RFC 8203: length octet, then UTF-8.
  const std::string text = "maintenance, back in 10 minutes";
  notification_message shutdown{notif::cease, notif::cease_admin_shutdown,
                                std::vector<std::uint8_t>(1 + text.size())};
  shutdown.data[0] = static_cast<std::uint8_t>(text.size());
  std::copy(text.begin(), text.end(), shutdown.data.begin() + 1);
  event e{manual_stop};
  e.notification = shutdown;
  const auto actions = m.handle(e);
  const auto sent = all_of_type<send_notification>(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg, shutdown);
  const auto downs = all_of_type<session_down>(actions);
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_FALSE(downs[0].keep_stale);
  EXPECT_EQ(m.current(), state::idle);
}

TEST(fsm_stop, automatic_stop_sends_the_given_cease_and_backs_off) {
  machine m(base_config());
  drive_to(m, state::established);
  event e{automatic_stop};
  e.notification =
      notification_message{notif::cease, notif::cease_max_prefixes, {0, 1, 0, 0, 0, 100}};
  const auto actions = m.handle(e);
  EXPECT_EQ(all_of_type<send_notification>(actions).at(0).msg, *e.notification);
  EXPECT_TRUE(started(actions, timer::idle_hold));
}

TEST(fsm_stop, received_notification_is_the_reason) {
  machine m(base_config());
  drive_to(m, state::established);
  const auto actions = m.handle(
      notification_event(notification_message{notif::cease, notif::cease_peer_deconfigured, {}}));
  EXPECT_TRUE(all_of_type<send_notification>(actions).empty());
  const auto downs = all_of_type<session_down>(actions);
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_TRUE(downs[0].reason.starts_with("Received: ")) << downs[0].reason;
  EXPECT_EQ(m.last_error(), downs[0].reason);
}

// --- Passive peers and DelayOpen
// ------------------------------------------------------------------

TEST(fsm_passive, passive_peer_never_connects) {
  config c = base_config();
  c.passive = true;
  machine m(c);
  EXPECT_TRUE(m.handle(ev(manual_start)).empty());
  EXPECT_EQ(m.current(), state::active);
  EXPECT_TRUE(m.handle(ev(connect_retry_timer_expires)).empty());
  EXPECT_EQ(m.current(), state::active);
  EXPECT_TRUE(actions_match("send_open; start_timer HoldTimer 240000ms",
                            m.handle(ev(tcp_connection_confirmed))));
  EXPECT_TRUE(actions_match("stop_timer HoldTimer; drop_tcp", m.handle(ev(tcp_connection_fails))));
  EXPECT_EQ(m.current(), state::active);
}

TEST(fsm_delay_open, open_is_held_back_until_the_peer_speaks) {
  config c = base_config();
  c.delay_open_time = seconds{5};
  machine m(c);
  m.handle(ev(manual_start));
  EXPECT_TRUE(actions_match("stop_timer ConnectRetryTimer; start_timer DelayOpenTimer 5000ms",
                            m.handle(ev(tcp_cr_acked))));
  EXPECT_EQ(m.current(), state::connect);
  // The owner may report event 19; with the DelayOpenTimer running it is event 20.
  EXPECT_TRUE(actions_match(
      "stop_timer DelayOpenTimer; send_open; send_keepalive; start_timer HoldTimer 90000ms; "
      "start_timer KeepaliveTimer 30s~",
      m.handle(open_event(peer_open()))));
  EXPECT_EQ(m.current(), state::open_confirm);
}

TEST(fsm_delay_open, expiry_sends_our_open) {
  config c = base_config();
  c.delay_open_time = seconds{5};
  machine m(c);
  m.handle(ev(manual_start));
  m.handle(ev(tcp_cr_acked));
  EXPECT_TRUE(actions_match("send_open; start_timer HoldTimer 240000ms",
                            m.handle(ev(delay_open_timer_expires))));
  EXPECT_EQ(m.current(), state::open_sent);
}

TEST(fsm_delay_open, connection_failure_goes_back_to_active) {
  config c = base_config();
  c.delay_open_time = seconds{5};
  machine m(c);
  m.handle(ev(manual_start));
  m.handle(ev(tcp_cr_acked));
  EXPECT_TRUE(actions_match("start_timer ConnectRetryTimer 5s~; stop_timer DelayOpenTimer",
                            m.handle(ev(tcp_connection_fails))));
  EXPECT_EQ(m.current(), state::active);
}

// --- Collision (RFC 4271 §6.8)
// ------------------------------------------------------------------------

TEST(fsm_collision, higher_identifier_keeps_its_own_connection) {
  EXPECT_TRUE(keep_locally_initiated(0x0a000002, 0x0a000001));
  EXPECT_FALSE(keep_locally_initiated(0x0a000001, 0x0a000002));
  // Compared as unsigned host-order integers: 192.0.2.1 > 10.0.0.1.
  EXPECT_TRUE(keep_locally_initiated(0xc0000201, 0x0a000001));
  EXPECT_FALSE(keep_locally_initiated(0x0a000001, 0xc0000201));
}

TEST(fsm_collision, loser_sends_cease_collision_resolution) {
  for (const state s : {state::open_sent, state::open_confirm, state::established}) {
    machine m(base_config());
    drive_to(m, s);
    const auto actions = m.handle(ev(open_collision_dump));
    const auto sent = all_of_type<send_notification>(actions);
    ASSERT_EQ(sent.size(), 1u) << to_string(s);
    EXPECT_EQ(sent[0].msg, (notification_message{6, 7, {}}));
    EXPECT_FALSE(started(actions, timer::idle_hold));
    EXPECT_EQ(m.current(), state::idle);
  }
}

TEST(fsm_collision, both_orders_with_two_machines) {
  // Each speaker has an outgoing (ours) and an incoming connection; §6.8 picks one of the two.
  for (const bool local_higher : {true, false}) {
    config c = base_config();
    c.local_identifier = local_higher ? 0x0a000003 : 0x0a000001;
    machine outgoing(c);
    machine incoming(c);
    drive_to(outgoing, state::open_confirm);
    incoming.handle(ev(manual_start_with_passive_tcp_establishment));
    incoming.handle(ev(tcp_connection_confirmed));
    incoming.handle(open_event(peer_open()));
    ASSERT_EQ(incoming.current(), state::open_confirm);

    const bool keep_ours = keep_locally_initiated(c.local_identifier, peer_id);
    EXPECT_EQ(keep_ours, local_higher);
    machine& loser = keep_ours ? incoming : outgoing;
    machine& winner = keep_ours ? outgoing : incoming;
    loser.handle(ev(open_collision_dump));
    winner.handle(ev(keepalive_msg));
    EXPECT_EQ(loser.current(), state::idle);
    EXPECT_EQ(winner.current(), state::established);
  }
}

// --- Graceful restart helper (RFC 4724 §4.2, RFC 8538)
// ------------------------------------------------

TEST(fsm_graceful_restart, tcp_failure_keeps_routes_stale_and_starts_the_restart_timer) {
  machine m(gr_config());
  drive_to(m, state::established, gr_peer_open());
  EXPECT_TRUE(actions_match(
      "stop_timer HoldTimer; stop_timer KeepaliveTimer; drop_tcp; session_down keep_stale=true; "
      "start_timer RestartTimer 120000ms; start_timer IdleHoldTimer 1s~",
      m.handle(ev(tcp_connection_fails))));
  EXPECT_TRUE(m.stale_routes_kept());
}

TEST(fsm_graceful_restart, end_of_rib_flushes_its_family) {
  machine m(gr_config());
  drive_to(m, state::established, gr_peer_open());
  m.handle(ev(tcp_connection_fails));
  m.handle(ev(idle_hold_timer_expires));
  m.handle(ev(tcp_cr_acked));
  m.handle(open_event(gr_peer_open()));
  // Back within the restart time: the timer stops, the routes stay stale until End-of-RIB.
  EXPECT_TRUE(actions_match("start_timer HoldTimer 90000ms; stop_timer RestartTimer; session_up",
                            m.handle(ev(keepalive_msg))));
  EXPECT_TRUE(m.stale_routes_kept());
  EXPECT_TRUE(actions_match("flush_stale ipv6-unicast", m.handle(eor_event(ipv6_unicast))));
  EXPECT_TRUE(m.stale_routes_kept());
  EXPECT_TRUE(m.handle(eor_event(ipv6_unicast)).empty());
  EXPECT_TRUE(actions_match("flush_stale ipv4-unicast", m.handle(eor_event(ipv4_unicast))));
  EXPECT_FALSE(m.stale_routes_kept());
  EXPECT_TRUE(m.handle(ev(restart_timer_expires)).empty());  // late expiry: nothing left
}

TEST(fsm_graceful_restart, restart_timer_expiry_flushes_everything) {
  machine m(gr_config());
  drive_to(m, state::established, gr_peer_open());
  m.handle(ev(tcp_connection_fails));
  m.handle(ev(idle_hold_timer_expires));
  EXPECT_TRUE(actions_match("flush_stale all", m.handle(ev(restart_timer_expires))));
  EXPECT_FALSE(m.stale_routes_kept());
  EXPECT_EQ(m.current(), state::connect);
}

TEST(fsm_graceful_restart, families_the_peer_does_not_preserve_are_flushed_at_once) {
  machine m(gr_config());
  open_message o = gr_peer_open();
  o.caps.graceful_restart = gr_cap(90, false, {ipv4_unicast});
  drive_to(m, state::established, o);
  EXPECT_TRUE(actions_match(
      "stop_timer HoldTimer; stop_timer KeepaliveTimer; drop_tcp; session_down keep_stale=true; "
      "flush_stale ipv6-unicast; start_timer RestartTimer 90000ms; start_timer IdleHoldTimer 1s~",
      m.handle(ev(tcp_connection_fails))));
}

TEST(fsm_graceful_restart, forwarding_bit_clear_on_return_flushes_the_family) {
  machine m(gr_config());
  drive_to(m, state::established, gr_peer_open());
  m.handle(ev(tcp_connection_fails));
  open_message back = gr_peer_open();
  back.caps.graceful_restart->families[1].forwarding_preserved = false;  // IPv6
  m.handle(ev(idle_hold_timer_expires));
  m.handle(ev(tcp_cr_acked));
  m.handle(open_event(back));
  EXPECT_TRUE(actions_match(
      "start_timer HoldTimer 90000ms; stop_timer RestartTimer; flush_stale ipv6-unicast; "
      "session_up",
      m.handle(ev(keepalive_msg))));
  EXPECT_TRUE(m.stale_routes_kept());  // IPv4 still waits for its End-of-RIB
}

TEST(fsm_graceful_restart, return_without_the_capability_flushes_everything) {
  machine m(gr_config());
  drive_to(m, state::established, gr_peer_open());
  m.handle(ev(tcp_connection_fails));
  m.handle(ev(idle_hold_timer_expires));
  m.handle(ev(tcp_cr_acked));
  m.handle(open_event(peer_open()));
  EXPECT_TRUE(actions_match(
      "start_timer HoldTimer 90000ms; stop_timer RestartTimer; flush_stale ipv4-unicast; "
      "flush_stale ipv6-unicast; session_up",
      m.handle(ev(keepalive_msg))));
  EXPECT_FALSE(m.stale_routes_kept());
}

TEST(fsm_graceful_restart, notification_without_n_bit_drops_routes) {
  machine m(gr_config());
  drive_to(m, state::established, gr_peer_open());
  const auto actions = m.handle(notification_event({notif::cease, notif::cease_admin_reset, {}}));
  EXPECT_FALSE(all_of_type<session_down>(actions).at(0).keep_stale);
  EXPECT_FALSE(started(actions, timer::restart));
  EXPECT_FALSE(m.stale_routes_kept());
}

TEST(fsm_graceful_restart, notification_with_n_bit_keeps_routes) {
  machine m(gr_config(true));
  drive_to(m, state::established, gr_peer_open(true));
  const auto actions = m.handle(notification_event({notif::cease, notif::cease_admin_reset, {}}));
  EXPECT_TRUE(all_of_type<session_down>(actions).at(0).keep_stale);
  EXPECT_EQ(started(actions, timer::restart), milliseconds{120000});
}

TEST(fsm_graceful_restart, hard_reset_with_n_bit_drops_routes) {
  machine m(gr_config(true));
  drive_to(m, state::established, gr_peer_open(true));
  // RFC 8538 §3: Cease/Hard Reset, carrying the original NOTIFICATION (6/2) as data.
  const auto actions =
      m.handle(notification_event({notif::cease, notif::cease_hard_reset, {6, 2}}));
  EXPECT_FALSE(all_of_type<session_down>(actions).at(0).keep_stale);
  EXPECT_FALSE(m.stale_routes_kept());
}

TEST(fsm_graceful_restart, n_bit_needs_both_sides) {
  machine m(gr_config(false));
  drive_to(m, state::established, gr_peer_open(true));
  const auto actions = m.handle(ev(hold_timer_expires));
  EXPECT_FALSE(all_of_type<session_down>(actions).at(0).keep_stale);
}

TEST(fsm_graceful_restart, hold_timer_expiry_with_n_bit_keeps_routes) {
  machine m(gr_config(true));
  drive_to(m, state::established, gr_peer_open(true));
  const auto actions = m.handle(ev(hold_timer_expires));
  EXPECT_TRUE(all_of_type<session_down>(actions).at(0).keep_stale);
}

TEST(fsm_graceful_restart, our_stop_is_not_a_peer_restart) {
  machine m(gr_config(true));
  drive_to(m, state::established, gr_peer_open(true));
  EXPECT_FALSE(all_of_type<session_down>(m.handle(ev(manual_stop))).at(0).keep_stale);

  machine a(gr_config(true));
  drive_to(a, state::established, gr_peer_open(true));
  EXPECT_FALSE(all_of_type<session_down>(a.handle(ev(automatic_stop))).at(0).keep_stale);
}

TEST(fsm_graceful_restart, manual_stop_while_waiting_flushes_stale_routes) {
  machine m(gr_config());
  drive_to(m, state::established, gr_peer_open());
  m.handle(ev(tcp_connection_fails));
  EXPECT_TRUE(actions_match("stop_timer IdleHoldTimer; stop_timer RestartTimer; flush_stale all",
                            m.handle(ev(manual_stop))));
  EXPECT_FALSE(m.stale_routes_kept());
}

TEST(fsm_graceful_restart, peer_without_capability_gets_no_help) {
  machine m(gr_config());
  drive_to(m, state::established, peer_open());
  const auto actions = m.handle(ev(tcp_connection_fails));
  EXPECT_FALSE(all_of_type<session_down>(actions).at(0).keep_stale);
  EXPECT_FALSE(m.stale_routes_kept());
}

// --- Names
// --------------------------------------------------------------------------------------------

TEST(fsm_names, states_timers_and_events_have_rfc_names) {
  EXPECT_EQ(to_string(state::idle), "Idle");
  EXPECT_EQ(to_string(state::open_confirm), "OpenConfirm");
  EXPECT_EQ(to_string(state::established), "Established");
  EXPECT_EQ(to_string(timer::connect_retry), "ConnectRetryTimer");
  EXPECT_EQ(to_string(timer::idle_hold), "IdleHoldTimer");
  EXPECT_EQ(to_string(event_type::manual_start), "ManualStart");
  EXPECT_EQ(to_string(event_type::hold_timer_expires), "HoldTimer_Expires");
  EXPECT_EQ(to_string(event_type::bgp_open), "BGPOpen");
  EXPECT_EQ(to_string(event_type::tcp_cr_acked), "Tcp_CR_Acked");
  std::set<std::string_view> names;
  for (int i = 1; i <= event_count; ++i) {
    const auto name = to_string(static_cast<event_type>(i));
    EXPECT_NE(name, "?") << i;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(event_count));
}

TEST(fsm_names, actions_render_for_golden_logs) {
  EXPECT_EQ(to_string(action{start_timer{timer::hold, milliseconds{90000}}}),
            "start_timer HoldTimer 90000ms");
  EXPECT_EQ(to_string(action{send_notification{{6, 2, {0x03, 'a', 'b', 'c'}}}}),
            "send_notification 6/2 data=03616263");
  EXPECT_EQ(to_string(action{session_down{true, "Hold timer expired"}}),
            "session_down keep_stale=true reason=\"Hold timer expired\"");
  EXPECT_EQ(to_string(action{flush_stale{}}), "flush_stale all");
  EXPECT_EQ(to_string(action{flush_stale{ipv6_unicast}}), "flush_stale ipv6-unicast");
}

}  // namespace
}  // namespace svcbgp::bgp::fsm::test
