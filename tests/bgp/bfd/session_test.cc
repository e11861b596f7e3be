// The BFD session state machine (RFC 5880 §6.8): the whole state x event matrix, then scenarios of
// two machines talking (the handshake, intervals negotiated to the slower side, a parameter change
// through Poll/Final without a flap, detection, demand mode), with time and jitter injected.
#include "bgp/bfd/session.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>

namespace svcbgp::bgp::bfd {
namespace {

using namespace std::chrono_literals;

session_config cfg(std::uint32_t discr = 7, std::uint64_t seed = 1) {
  session_config c;
  c.local_discriminator = discr;
  c.seed = seed;
  return c;
}

control_packet from_remote(state s, std::uint32_t your = 7) {
  control_packet p;
  p.sta = s;
  p.my_discriminator = 99;
  p.your_discriminator = your;
  p.desired_min_tx_us = 300'000;
  p.required_min_rx_us = 300'000;
  p.detect_mult = 3;
  return p;
}

event rx(state s) {
  return event{event_type::packet_received, from_remote(s), std::nullopt};
}
event ev(event_type t) {
  return event{t, std::nullopt, std::nullopt};
}

// A fresh machine driven into `s` with valid events.
session in_state(state s) {
  session m(cfg());
  m.handle(ev(event_type::start));
  switch (s) {
    case state::down:
      break;
    case state::init:
      m.handle(rx(state::down));
      break;
    case state::up:
      m.handle(rx(state::init));
      break;
    case state::admin_down:
      m.handle(ev(event_type::admin_down));
      break;
  }
  EXPECT_EQ(m.current(), s);
  return m;
}

std::optional<state_changed> change_in(const std::vector<action>& as) {
  for (const auto& a : as) {
    if (const auto* c = std::get_if<state_changed>(&a)) {
      return *c;
    }
  }
  return std::nullopt;
}

struct row {
  state from;
  const char* event;
  state to;
  diag why;  // when the state changes
};

void PrintTo(const row& r, std::ostream* os) {
  *os << to_string(r.from) << " x " << r.event << " -> " << to_string(r.to);
}

event named(const std::string& e) {
  if (e == "rxDown")
    return rx(state::down);
  if (e == "rxInit")
    return rx(state::init);
  if (e == "rxUp")
    return rx(state::up);
  if (e == "rxAdminDown")
    return rx(state::admin_down);
  if (e == "transmit")
    return ev(event_type::transmit_timer_expired);
  if (e == "detect")
    return ev(event_type::detect_timer_expired);
  if (e == "adminDown")
    return ev(event_type::admin_down);
  if (e == "adminUp")
    return ev(event_type::admin_up);
  if (e == "start")
    return ev(event_type::start);
  parameters p;
  p.desired_min_tx = 100ms;
  p.required_min_rx = 100ms;
  return event{event_type::parameters_changed, std::nullopt, p};
}

constexpr diag none = diag::none;
constexpr diag detect = diag::control_detection_time_expired;
constexpr diag neighbor = diag::neighbor_signaled_session_down;
constexpr diag admin = diag::administratively_down;
constexpr state AdminDown = state::admin_down, Down = state::down, Init = state::init,
                Up = state::up;

class matrix : public ::testing::TestWithParam<row> {};

// RFC 5880 §6.8.6 (packets), §6.8.4 (detection), §6.8.16 (administrative control).
INSTANTIATE_TEST_SUITE_P(
    rfc5880, matrix,
    ::testing::Values(
        row{Down, "rxDown", Init, none}, row{Down, "rxInit", Up, none},
        row{Down, "rxUp", Down, none}, row{Down, "rxAdminDown", Down, none},
        row{Down, "transmit", Down, none}, row{Down, "detect", Down, none},
        row{Down, "adminDown", AdminDown, admin}, row{Down, "adminUp", Down, none},
        row{Down, "params", Down, none}, row{Down, "start", Down, none},
        row{Init, "rxDown", Init, none}, row{Init, "rxInit", Up, none}, row{Init, "rxUp", Up, none},
        row{Init, "rxAdminDown", Down, neighbor}, row{Init, "transmit", Init, none},
        row{Init, "detect", Down, detect}, row{Init, "adminDown", AdminDown, admin},
        row{Init, "adminUp", Init, none}, row{Init, "params", Init, none},
        row{Init, "start", Init, none}, row{Up, "rxDown", Down, neighbor},
        row{Up, "rxInit", Up, none}, row{Up, "rxUp", Up, none},
        row{Up, "rxAdminDown", Down, neighbor}, row{Up, "transmit", Up, none},
        row{Up, "detect", Down, detect}, row{Up, "adminDown", AdminDown, admin},
        row{Up, "adminUp", Up, none}, row{Up, "params", Up, none}, row{Up, "start", Up, none},
        row{AdminDown, "rxDown", AdminDown, none}, row{AdminDown, "rxInit", AdminDown, none},
        row{AdminDown, "rxUp", AdminDown, none}, row{AdminDown, "rxAdminDown", AdminDown, none},
        row{AdminDown, "transmit", AdminDown, none}, row{AdminDown, "detect", AdminDown, none},
        row{AdminDown, "adminDown", AdminDown, none}, row{AdminDown, "adminUp", Down, none},
        row{AdminDown, "params", AdminDown, none}, row{AdminDown, "start", AdminDown, none}),
    [](const auto& info) {
      return std::string(to_string(info.param.from)) + "_" + info.param.event;
    });

TEST_P(matrix, next_state_and_diag) {
  const row& r = GetParam();
  auto m = in_state(r.from);
  const auto out = m.handle(named(r.event));
  EXPECT_EQ(m.current(), r.to);
  const auto c = change_in(out);
  if (r.to == r.from) {
    EXPECT_FALSE(c.has_value()) << to_string(action{*c});
  } else {
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ((std::tuple{c->from, c->to, c->why}), (std::tuple{r.from, r.to, r.why}));
    EXPECT_EQ(m.status().local_diag, r.why);
  }
}

// --- two machines ------------------------------------------------------------------------------

// Two sessions wired back to back, with a clock: each send is delivered at once, timers fire in
// time order. What an owner (bgp/bfd I/O) does with the actions, minus sockets.
struct link {
  struct side {
    session s;
    std::map<timer, microseconds> due;  // absolute, from the link's clock
    std::vector<state_changed> changes;
    std::vector<control_packet> sent;
  };
  side a;
  side b;
  microseconds now{0};
  bool cut = false;  // packets are lost (the silent failure BFD exists for)

  link(session_config ca, session_config cb) : a{session(ca)}, b{session(cb)} {}

  void apply(side& self, side& other, const std::vector<action>& as) {
    for (const auto& x : as) {
      if (const auto* s = std::get_if<send_packet>(&x)) {
        self.sent.push_back(s->packet);
        if (!cut) {
          deliver(other, self, s->packet);
        }
      } else if (const auto* t = std::get_if<start_timer>(&x)) {
        self.due[t->t] = now + t->after;
      } else if (const auto* t = std::get_if<stop_timer>(&x)) {
        self.due.erase(t->t);
      } else if (const auto* c = std::get_if<state_changed>(&x)) {
        self.changes.push_back(*c);
      }
    }
  }
  void deliver(side& to, side& from, const control_packet& p) {
    auto bytes = encode(p);  // through the codec, as on the wire
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded.has_value());
    apply(to, from, to.s.handle(event{event_type::packet_received, *decoded, std::nullopt}));
  }
  void start() {
    apply(a, b, a.s.handle(ev(event_type::start)));
    apply(b, a, b.s.handle(ev(event_type::start)));
  }
  // Runs timers in order until `until`.
  void run(microseconds until) {
    for (;;) {
      side* who = nullptr;
      side* other = nullptr;
      timer which{};
      microseconds when = until;
      for (auto [self, peer] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        for (auto [t, at] : self->due) {
          if (at <= when) {
            when = at;
            who = self;
            other = peer;
            which = t;
          }
        }
      }
      if (who == nullptr) {
        now = until;
        return;
      }
      now = when;
      who->due.erase(which);
      apply(*who, *other,
            who->s.handle(ev(which == timer::transmit ? event_type::transmit_timer_expired
                                                      : event_type::detect_timer_expired)));
    }
  }
};

session_config with_params(std::uint32_t discr, microseconds tx, microseconds rx, std::uint8_t mult,
                           std::uint64_t seed) {
  auto c = cfg(discr, seed);
  c.params = {tx, rx, mult};
  return c;
}

TEST(bfd_session, two_sides_come_up_and_negotiate_to_the_slower_side) {
  link l(with_params(1, 300ms, 300ms, 3, 1), with_params(2, 100ms, 500ms, 5, 2));
  l.start();
  l.run(3s);
  ASSERT_EQ(l.a.s.current(), state::up);
  ASSERT_EQ(l.b.s.current(), state::up);
  // a sends at max(its 300 ms, b's 500 ms Required Min RX); b at max(100 ms, a's 300 ms).
  EXPECT_EQ(l.a.s.status().tx_interval, 500ms);
  EXPECT_EQ(l.b.s.status().tx_interval, 300ms);
  // a detects b after b's Detect Mult 5 x max(a's 300 ms RX, b's 100 ms TX); b: 3 x 500 ms.
  EXPECT_EQ(l.a.s.status().detect_time, 1500ms);
  EXPECT_EQ(l.b.s.status().detect_time, 1500ms);
  EXPECT_EQ(l.a.s.status().remote_discriminator, 2u);
  EXPECT_FALSE(l.a.s.status().poll);  // the Poll Sequence of going Up has ended
  EXPECT_FALSE(l.b.s.status().poll);
  // a met b's Init and went Down -> Up; b went Down -> Init -> Up; nothing after that.
  EXPECT_EQ(l.a.changes.size(), 1u);
  EXPECT_EQ(l.b.changes.size(), 2u);
  l.run(13s);
  EXPECT_EQ(l.a.changes.size() + l.b.changes.size(), 3u);
}

TEST(bfd_session, not_up_means_at_least_one_second_between_packets) {
  session s(cfg());
  auto out = s.handle(ev(event_type::start));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<send_packet>(out[0]).packet.desired_min_tx_us, 1'000'000u);
  const auto after = std::get<start_timer>(out[1]).after;
  EXPECT_GE(after, 750ms);
  EXPECT_LE(after, 1000ms);
}

TEST(bfd_session, jitter_stays_in_75_to_100_percent_and_90_with_detect_mult_1) {
  for (std::uint8_t mult : {3, 1}) {
    auto c = cfg();
    c.params.detect_mult = mult;
    session s(c);
    s.handle(ev(event_type::start));
    s.handle(rx(state::init));  // Up: 300 ms
    microseconds lo = 1h, hi = 0us;
    for (int i = 0; i < 2000; ++i) {
      for (const auto& a : s.handle(ev(event_type::transmit_timer_expired))) {
        if (const auto* t = std::get_if<start_timer>(&a); t && t->t == timer::transmit) {
          lo = std::min(lo, t->after);
          hi = std::max(hi, t->after);
        }
      }
    }
    EXPECT_GE(lo, 225ms) << int(mult);
    EXPECT_LE(hi, mult == 1 ? 270ms : 300ms) << int(mult);
    EXPECT_GT(hi, mult == 1 ? 260ms : 290ms) << int(mult);  // the whole range is used
  }
}

TEST(bfd_session, a_silent_path_is_detected_and_the_remote_forgotten) {
  link l(with_params(1, 300ms, 300ms, 3, 1), with_params(2, 300ms, 300ms, 3, 2));
  l.start();
  l.run(3s);
  ASSERT_EQ(l.a.s.current(), state::up);
  l.cut = true;
  const auto t0 = l.now;  // b's last packet came within one interval (300 ms) before
  l.run(t0 + 500ms);
  EXPECT_EQ(l.a.s.current(), state::up);
  l.run(t0 + 950ms);  // 3 x 300 ms after b's last packet at the latest
  ASSERT_EQ(l.a.s.current(), state::down);
  EXPECT_EQ(l.a.changes.back().why, diag::control_detection_time_expired);
  EXPECT_EQ(l.a.s.status().remote_discriminator, 0u);
  EXPECT_EQ(l.b.s.current(), state::down);
  // The path heals: both sides come back Up.
  l.cut = false;
  l.run(l.now + 5s);
  EXPECT_EQ(l.a.s.current(), state::up);
  EXPECT_EQ(l.b.s.current(), state::up);
}

TEST(bfd_session, a_parameter_change_goes_through_poll_and_final_without_a_flap) {
  link l(with_params(1, 300ms, 300ms, 3, 1), with_params(2, 300ms, 300ms, 3, 2));
  l.start();
  l.run(3s);
  ASSERT_EQ(l.a.s.current(), state::up);
  const auto changes = l.a.changes.size() + l.b.changes.size();
  const auto sent_before = l.a.sent.size();
  // Slower: 1 s both ways. The P bit rides on a's periodic packets, b answers F at once.
  parameters slow{1s, 1s, 3};
  l.apply(l.a, l.b, l.a.s.handle(event{event_type::parameters_changed, std::nullopt, slow}));
  EXPECT_TRUE(l.a.s.status().poll);
  EXPECT_EQ(l.a.s.status().tx_interval, 300ms);  // held until the Final (§6.8.3)
  l.run(l.now + 2s);
  EXPECT_FALSE(l.a.s.status().poll);
  EXPECT_EQ(l.a.s.status().tx_interval, 1s);
  EXPECT_EQ(l.b.s.status().tx_interval, 1s);  // b sends no faster than a's new Required Min RX
  EXPECT_EQ(l.b.s.status().detect_time, 3s);
  bool polled = false;
  bool finaled = false;
  for (std::size_t i = sent_before; i < l.a.sent.size(); ++i) {
    polled = polled || l.a.sent[i].poll;
  }
  for (const auto& p : l.b.sent) {
    finaled = finaled || p.final;
  }
  EXPECT_TRUE(polled);
  EXPECT_TRUE(finaled);
  l.run(l.now + 20s);
  EXPECT_EQ(l.a.changes.size() + l.b.changes.size(), changes);  // no flap
  // Faster again: the detection time on a follows once b acknowledged.
  l.apply(l.a, l.b,
          l.a.s.handle(event{event_type::parameters_changed, std::nullopt, parameters{}}));
  l.run(l.now + 3s);
  EXPECT_EQ(l.a.s.status().tx_interval, 300ms);
  EXPECT_EQ(l.b.s.status().detect_time, 900ms);
  EXPECT_EQ(l.a.changes.size() + l.b.changes.size(), changes);
}

TEST(bfd_session, admin_down_is_signalled_and_the_remote_goes_down_with_diag_3) {
  link l(with_params(1, 300ms, 300ms, 3, 1), with_params(2, 300ms, 300ms, 3, 2));
  l.start();
  l.run(3s);
  l.apply(l.a, l.b, l.a.s.handle(ev(event_type::admin_down)));
  l.run(l.now + 2s);
  EXPECT_EQ(l.a.s.current(), state::admin_down);
  EXPECT_EQ(l.b.s.current(), state::down);
  EXPECT_EQ(l.b.changes.back().why, diag::neighbor_signaled_session_down);
  l.apply(l.a, l.b, l.a.s.handle(ev(event_type::admin_up)));
  l.run(l.now + 5s);
  EXPECT_EQ(l.a.s.current(), state::up);
  EXPECT_EQ(l.b.s.current(), state::up);
}

TEST(bfd_session, no_periodic_packets_while_the_remote_asks_for_none) {
  session s(cfg());
  s.handle(ev(event_type::start));
  auto p = from_remote(state::down);
  p.required_min_rx_us = 0;  // §6.8.7
  auto out = s.handle(event{event_type::packet_received, p, std::nullopt});
  EXPECT_EQ(to_string(out.back()), "stop_timer Transmit");
  EXPECT_TRUE(s.handle(ev(event_type::transmit_timer_expired)).empty());
  // Demand mode on the remote, both Up: periodic transmission ceases too (§6.6).
  session d(cfg());
  d.handle(ev(event_type::start));
  d.handle(rx(state::init));
  auto up = from_remote(state::up);
  up.demand = true;
  out = d.handle(event{event_type::packet_received, up, std::nullopt});
  EXPECT_EQ(to_string(out.back()), "stop_timer Transmit");
}

TEST(bfd_session, a_poll_is_answered_with_a_final_at_once) {
  auto s = in_state(state::up);
  auto p = from_remote(state::up);
  p.poll = true;
  const auto out = s.handle(event{event_type::packet_received, p, std::nullopt});
  ASSERT_FALSE(out.empty());
  bool final = false;
  for (const auto& a : out) {
    if (const auto* sp = std::get_if<send_packet>(&a)) {
      final = sp->packet.final && !sp->packet.poll;
    }
  }
  EXPECT_TRUE(final);
}

TEST(bfd_session, actions_read_as_text) {
  session s(cfg());
  const auto out = s.handle(ev(event_type::start));
  EXPECT_EQ(to_string(out[0]), "send Down diag=0 your=0 tx=1000ms rx=300ms mult=3");
  EXPECT_EQ(to_string(action{state_changed{state::up, state::down, diag::path_down}}),
            "state Up -> Down (Path Down)");
}

}  // namespace
}  // namespace svcbgp::bgp::bfd
