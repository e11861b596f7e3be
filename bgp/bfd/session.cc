#include "bgp/bfd/session.h"

#include <algorithm>
#include <string>

namespace svcbgp::bgp::bfd {
namespace {

constexpr microseconds slow_tx{1'000'000};  // §6.8.3: at least 1 s while the session is not Up

std::string ms(microseconds us) {
  if (us.count() % 1000 == 0) {
    return std::to_string(us.count() / 1000) + "ms";
  }
  return std::to_string(us.count()) + "us";
}

}  // namespace

std::string_view to_string(timer t) {
  return t == timer::transmit ? "Transmit" : "Detect";
}

std::string_view to_string(event_type e) {
  switch (e) {
    case event_type::start:
      return "Start";
    case event_type::packet_received:
      return "PacketReceived";
    case event_type::transmit_timer_expired:
      return "TransmitTimerExpired";
    case event_type::detect_timer_expired:
      return "DetectTimerExpired";
    case event_type::admin_down:
      return "AdminDown";
    case event_type::admin_up:
      return "AdminUp";
    case event_type::parameters_changed:
      return "ParametersChanged";
  }
  return "?";
}

std::string to_string(const action& a) {
  struct visitor {
    std::string operator()(const send_packet& s) const {
      const auto& p = s.packet;
      return "send " + std::string(to_string(p.sta)) + (p.poll ? " P" : "") +
             (p.final ? " F" : "") + " diag=" + std::to_string(static_cast<int>(p.diagnostic)) +
             " your=" + std::to_string(p.your_discriminator) +
             " tx=" + ms(microseconds(p.desired_min_tx_us)) +
             " rx=" + ms(microseconds(p.required_min_rx_us)) +
             " mult=" + std::to_string(p.detect_mult);
    }
    std::string operator()(const start_timer& s) const {
      return "start_timer " + std::string(to_string(s.t)) + " " + ms(s.after);
    }
    std::string operator()(const stop_timer& s) const {
      return "stop_timer " + std::string(to_string(s.t));
    }
    std::string operator()(const state_changed& s) const {
      return "state " + std::string(to_string(s.from)) + " -> " + std::string(to_string(s.to)) +
             " (" + std::string(to_string(s.why)) + ")";
    }
  };
  return std::visit(visitor{}, a);
}

session::session(session_config cfg) : cfg_(std::move(cfg)), rng_(cfg_.seed) {}

microseconds session::advertised_tx() const {
  return state_ == state::up ? cfg_.params.desired_min_tx
                             : std::max(cfg_.params.desired_min_tx, slow_tx);
}

// §6.8.7: the larger of our Desired Min TX and the remote's Required Min RX.
microseconds session::transmit_interval() const {
  return std::max(tx_held_.value_or(advertised_tx()), remote_min_rx_);
}

// §6.8.7: never periodically while the remote's Required Min RX is 0; §6.6: not while the remote
// is in Demand mode with both sides Up.
bool session::may_transmit() const {
  return started_ && remote_min_rx_.count() > 0 &&
         !(remote_demand_ && state_ == state::up && remote_state_ == state::up);
}

// §6.8.4: Detect Mult received x max(our Required Min RX, their Desired Min TX); 0 before the
// remote spoke.
microseconds session::detect_time() const {
  return std::max(rx_held_.value_or(cfg_.params.required_min_rx), remote_min_tx_) * remote_mult_;
}

// §6.8.7: 75-100 % of the interval, 75-90 % with a Detect Mult of 1.
microseconds session::jittered(microseconds interval) {
  const double high = cfg_.params.detect_mult == 1 ? 0.90 : 1.0;
  std::uniform_real_distribution<double> u(0.75, high);
  return microseconds(static_cast<std::int64_t>(static_cast<double>(interval.count()) * u(rng_)));
}

control_packet session::packet(bool final) const {
  control_packet p;
  p.diagnostic = diag_;
  p.sta = state_;
  p.poll = poll_ && !final;
  p.final = final;
  p.detect_mult = cfg_.params.detect_mult;
  p.my_discriminator = cfg_.local_discriminator;
  p.your_discriminator = remote_discr_;
  p.desired_min_tx_us = static_cast<std::uint32_t>(advertised_tx().count());
  p.required_min_rx_us = static_cast<std::uint32_t>(cfg_.params.required_min_rx.count());
  return p;
}

void session::rearm_transmit(std::vector<action>& out) {
  if (!may_transmit()) {
    if (armed_tx_.count() != 0) {
      out.push_back(stop_timer{timer::transmit});
      armed_tx_ = microseconds(0);
    }
    return;
  }
  const auto iv = transmit_interval();
  if (iv != armed_tx_) {
    out.push_back(start_timer{timer::transmit, jittered(iv)});
    armed_tx_ = iv;
  }
}

void session::set_state(state to, diag why, std::vector<action>& out) {
  if (to == state_) {
    return;
  }
  const auto before = advertised_tx();
  const state from = state_;
  state_ = to;
  diag_ = why;
  out.push_back(state_changed{from, to, why});
  if (from == state::up) {
    tx_held_.reset();  // §6.8.3's holds protect an Up session only
    rx_held_.reset();
  }
  if (advertised_tx() != before) {
    poll_ = true;  // going Up (or leaving it) changes Desired Min TX: §6.8.3, §6.5
  }
}

std::vector<action> session::on_packet(const control_packet& p) {
  std::vector<action> out;
  // §6.8.6, in order.
  remote_discr_ = p.my_discriminator;
  remote_state_ = p.sta;
  remote_demand_ = p.demand;
  remote_min_rx_ = microseconds(p.required_min_rx_us);
  remote_min_tx_ = microseconds(p.desired_min_tx_us);
  remote_mult_ = p.detect_mult;
  if (p.final && poll_) {
    poll_ = false;
    tx_held_.reset();
    rx_held_.reset();
  }
  if (state_ != state::admin_down) {
    if (p.sta == state::admin_down) {
      if (state_ != state::down) {
        set_state(state::down, diag::neighbor_signaled_session_down, out);
      }
    } else if (state_ == state::down) {
      if (p.sta == state::down) {
        set_state(state::init, diag::none, out);
      } else if (p.sta == state::init) {
        set_state(state::up, diag::none, out);
      }
    } else if (state_ == state::init) {
      if (p.sta == state::init || p.sta == state::up) {
        set_state(state::up, diag::none, out);
      }
    } else if (p.sta == state::down) {
      set_state(state::down, diag::neighbor_signaled_session_down, out);
    }
    out.push_back(start_timer{timer::detect, detect_time()});
  }
  if (p.poll) {
    out.push_back(send_packet{packet(true)});  // §6.8.7: a Final at once, whatever the timer
  }
  rearm_transmit(out);
  return out;
}

std::vector<action> session::handle(const event& e) {
  std::vector<action> out;
  switch (e.type) {
    case event_type::start:
      if (!started_) {
        started_ = true;
        out.push_back(send_packet{packet(false)});
        rearm_transmit(out);
      }
      break;
    case event_type::packet_received:
      if (e.packet) {
        return on_packet(*e.packet);
      }
      break;
    case event_type::transmit_timer_expired:
      armed_tx_ = microseconds(0);
      if (may_transmit()) {
        out.push_back(send_packet{packet(false)});
        rearm_transmit(out);
      }
      break;
    case event_type::detect_timer_expired:
      if (state_ == state::init || state_ == state::up) {
        set_state(state::down, diag::control_detection_time_expired, out);
      }
      // §6.8.1: the remote is forgotten once the detection time passes.
      remote_discr_ = 0;
      remote_state_ = state::down;
      remote_demand_ = false;
      remote_min_rx_ = microseconds(1);
      remote_min_tx_ = microseconds(0);
      remote_mult_ = 0;
      rearm_transmit(out);
      break;
    case event_type::admin_down:
      if (state_ != state::admin_down) {
        set_state(state::admin_down, diag::administratively_down, out);
        out.push_back(stop_timer{timer::detect});
        // §6.8.16: the remote learns it from us (diag 3) rather than by its detection time, which
        // is shorter than our next packet at the slow rate.
        if (may_transmit()) {
          out.push_back(send_packet{packet(false)});
          armed_tx_ = microseconds(0);
        }
        rearm_transmit(out);
      }
      break;
    case event_type::admin_up:
      if (state_ == state::admin_down) {
        set_state(state::down, diag::none, out);
        rearm_transmit(out);
      }
      break;
    case event_type::parameters_changed:
      if (e.params && *e.params != cfg_.params) {
        const auto old_tx = advertised_tx();
        const auto old_rx = cfg_.params.required_min_rx;
        cfg_.params = *e.params;
        if (state_ == state::up) {
          if (advertised_tx() > old_tx && !tx_held_) {
            tx_held_ = old_tx;  // §6.8.3: slower only once the remote has acknowledged
          }
          if (cfg_.params.required_min_rx < old_rx && !rx_held_) {
            rx_held_ = old_rx;  // §6.8.3: detect as before until the remote sends faster
          }
        }
        if (advertised_tx() != old_tx || cfg_.params.required_min_rx != old_rx) {
          poll_ = true;  // §6.5: the P bit rides on the periodic packets until a Final
        }
        rearm_transmit(out);
      }
      break;
  }
  return out;
}

session_status session::status() const {
  session_status s;
  s.local = state_;
  s.remote = remote_state_;
  s.local_diag = diag_;
  s.local_discriminator = cfg_.local_discriminator;
  s.remote_discriminator = remote_discr_;
  s.tx_interval = may_transmit() ? transmit_interval() : microseconds(0);
  s.detect_time = detect_time();
  s.remote_min_rx = remote_min_rx_;
  s.remote_min_tx = remote_min_tx_;
  s.remote_detect_mult = remote_mult_;
  s.poll = poll_;
  return s;
}

}  // namespace svcbgp::bgp::bfd
