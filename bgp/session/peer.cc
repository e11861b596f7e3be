#include "bgp/session/peer.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "bgp/session/asio_address.h"
#include "bgp/session/export_policy.h"
#include "bgp/session/socket_options.h"

namespace svcbgp::bgp {

using boost::system::error_code;

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};

// One TCP connection to the peer. Outlives its peer's interest in it until the writer has flushed
// what was queued (a NOTIFICATION) and closed the socket.
struct peer::connection {
  explicit connection(strand_type& s) : sock(s), wake(s), deadline(s), send_hold(s) {}
  connection(strand_type& s, tcp::socket&& socket)
      : sock(std::move(socket)), wake(s), deadline(s), send_hold(s) {}

  tcp::socket sock;
  asio::steady_timer wake;            // the writer sleeps on it
  asio::steady_timer deadline;        // bounds the final flush, or a held-back connection's wait
  asio::steady_timer send_hold;       // RFC 9687: armed while a write waits for the peer
  std::vector<std::uint8_t> control;  // encoded OPEN/KEEPALIVE/NOTIFICATION/ROUTE-REFRESH
  codec_context ctx;
  bool outgoing = false;
  bool running = false;  // reader and writer started
  bool closing = false;
  bool closed = false;
  ip_address local;
  ip_address remote;
  std::vector<std::function<void()>> on_closed;

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    error_code ignored;
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
    wake.cancel();
    deadline.cancel();
    send_hold.cancel();
    auto callbacks = std::move(on_closed);
    for (auto& cb : callbacks) {
      cb();
    }
  }
};

namespace {

fsm::event make_event(fsm::event_type t) {
  fsm::event e;
  e.type = t;
  return e;
}

fsm::event_type timer_event(fsm::timer t) {
  switch (t) {
    case fsm::timer::connect_retry:
      return fsm::event_type::connect_retry_timer_expires;
    case fsm::timer::hold:
      return fsm::event_type::hold_timer_expires;
    case fsm::timer::keepalive:
      return fsm::event_type::keepalive_timer_expires;
    case fsm::timer::delay_open:
      return fsm::event_type::delay_open_timer_expires;
    case fsm::timer::idle_hold:
      return fsm::event_type::idle_hold_timer_expires;
    case fsm::timer::restart:
      return fsm::event_type::restart_timer_expires;
  }
  return fsm::event_type::hold_timer_expires;
}

std::string_view action_name(error_action a) {
  switch (a) {
    case error_action::attribute_discard:
      return "attribute-discard";
    case error_action::treat_as_withdraw:
      return "treat-as-withdraw";
    case error_action::afi_safi_disable:
      return "afi-safi-disable";
    case error_action::session_reset:
      return "session-reset";
  }
  return "?";
}

}  // namespace

peer::peer(asio::io_context& io, speaker_shared& shared, peer_config cfg)
    : io_(io),
      strand_(asio::make_strand(io)),
      shared_(shared),
      cfg_(std::move(cfg)),
      fsm_(fsm_config()),
      enabled_(cfg_.enabled),
      in_(rib_limits()),
      refresh_timer_(strand_),
      since_(std::chrono::system_clock::now()) {
  for (auto& t : timers_) {
    t.emplace(strand_);
  }
}

peer::~peer() = default;

capabilities peer::local_capabilities() const {
  const auto& sp = shared_.cfg;
  capabilities caps;
  caps.multiprotocol = cfg_.families;
  caps.route_refresh = true;
  caps.extended_message = true;
  caps.four_octet_as = sp.local_as;
  if (sp.graceful_restart) {
    graceful_restart_cap gr;
    // RFC 4724 §4.1: R while we are restarting and this peer has not had our End-of-RIB yet:
    // a peer first reached after the table was ready still keeps our stale routes until then.
    gr.restart_state = sp.restarting && !end_of_rib_ever_sent_;
    gr.restart_time = sp.restart_time;
    for (const auto& f : cfg_.families) {
      // The node keeps forwarding (kube-proxy) while svcbgpd restarts.
      gr.families.push_back({f, true});
    }
    caps.graceful_restart = gr;
  }
  return caps;
}

rib_in_limits peer::rib_limits() const {
  rib_in_limits l;
  l.max_routes = cfg_.max_prefixes_cease ? 0 : cfg_.max_prefixes;
  l.max_bytes = cfg_.max_received_bytes;
  l.local_as = shared_.cfg.local_as;
  return l;
}

fsm::config peer::fsm_config() const {
  fsm::config c;
  c.local_as = shared_.cfg.local_as;
  c.local_identifier = shared_.cfg.router_id;
  c.peer_as = cfg_.asn;
  c.passive = cfg_.passive;
  c.hold_time = cfg_.hold_time;
  c.keepalive_time = cfg_.keepalive_time;
  c.connect_retry_time = cfg_.connect_retry_time;
  c.idle_hold_initial = cfg_.idle_hold_time;
  c.local_caps = local_capabilities();
  c.seed = shared_.cfg.seed ^ std::hash<std::string>{}(cfg_.name);
  return c;
}

open_message peer::local_open() const {
  open_message o;
  const auto as = shared_.cfg.local_as;
  o.my_as = as > 0xffff ? as_trans : static_cast<std::uint16_t>(as);
  o.hold_time = static_cast<std::uint16_t>(cfg_.hold_time.count());
  o.bgp_identifier = shared_.cfg.router_id;
  o.caps = local_capabilities();
  return o;
}

void peer::emit(speaker_event e) {
  e.peer = cfg_.name;
  if (shared_.emit) {
    shared_.emit(e);
  }
}

void peer::start() {
  enabled_ = true;
  if (held_) {
    return;
  }
  fsm_.set_config(fsm_config());
  dispatch(make_event(cfg_.passive ? fsm::event_type::manual_start_with_passive_tcp_establishment
                                   : fsm::event_type::manual_start));
}

void peer::stop(notification_message cease) {
  enabled_ = false;
  halt(std::move(cease));
}

void peer::halt(notification_message cease) {
  if (pending_) {
    drop(std::exchange(pending_, nullptr));
  }
  auto e = make_event(fsm::event_type::manual_stop);
  e.notification = std::move(cease);
  dispatch(std::move(e));
}

void peer::restart() {
  notification_message reset{notif::cease, notif::cease_admin_reset, {}};
  stop(reset);
  start();
}

void peer::hold(std::optional<std::string> why, std::optional<notification_message> notify) {
  if (why.has_value() == held_.has_value()) {
    held_ = std::move(why);  // a new reason, same effect
    return;
  }
  held_ = std::move(why);
  if (!enabled_) {
    return;
  }
  if (held_) {
    halt(notify ? *notify
                : notification_message::cease_with_message(notif::cease_admin_shutdown, *held_));
  } else {
    start();
  }
}

void peer::dispatch(fsm::event e) {
  deferred_.push_back(std::move(e));
  if (in_dispatch_) {
    return;
  }
  in_dispatch_ = true;
  while (!deferred_.empty()) {
    fsm::event ev = std::move(deferred_.front());
    deferred_.erase(deferred_.begin());
    const auto before = fsm_.current();
    for (const auto& a : fsm_.handle(ev)) {
      execute(a);
    }
    const auto after = fsm_.current();
    if (before != after) {
      since_ = std::chrono::system_clock::now();
      speaker_event se;
      se.what = speaker_event::kind::state_change;
      se.from = before;
      se.to = after;
      // Why: the error that ended the session, else the RFC 4271 §8.1 event that moved it.
      if (auto err = fsm_.last_error(); err && after == fsm::state::idle) {
        se.text = *err;
      } else {
        se.text = std::string(fsm::to_string(ev.type));
      }
      emit(std::move(se));
    }
  }
  in_dispatch_ = false;
  // After an error the FSM sits in Idle; an enabled peer starts again, which the FSM delays by
  // IdleHold (RFC 4271 §8.1.1 DampPeerOscillations).
  if (fsm_.current() == fsm::state::idle && enabled_ && !held_ && !shutdown_cease_ &&
      !timer_deadline_[static_cast<std::size_t>(fsm::timer::idle_hold)] && !suppress_auto_start_) {
    suppress_auto_start_ = true;
    dispatch(make_event(cfg_.passive
                            ? fsm::event_type::automatic_start_with_passive_tcp_establishment
                            : fsm::event_type::automatic_start));
    suppress_auto_start_ = false;
  }
}

void peer::execute(const fsm::action& a) {
  std::visit(overloaded{
                 [&](const fsm::connect_tcp&) { do_connect(); },
                 [&](const fsm::drop_tcp&) {
                   drop(conn_);
                   conn_.reset();
                 },
                 [&](const fsm::send_open&) { queue(conn_, local_open()); },
                 [&](const fsm::send_keepalive&) { queue(conn_, keepalive_message{}); },
                 [&](const fsm::send_notification& n) {
                   queue(conn_, n.msg);
                   speaker_event e;
                   e.what = speaker_event::kind::notification_sent;
                   e.notification = n.msg;
                   e.text = n.msg.to_string();
                   emit(std::move(e));
                 },
                 [&](const fsm::start_timer& t) { start_timer(t.t, t.after); },
                 [&](const fsm::stop_timer& t) { stop_timer(t.t); },
                 [&](const fsm::session_up&) { on_session_up(); },
                 [&](const fsm::session_down& d) { on_session_down(d); },
                 [&](const fsm::flush_stale& f) { in_.flush_stale(f.fam); },
             },
             a);
}

void peer::start_timer(fsm::timer t, std::chrono::milliseconds after) {
  const auto i = static_cast<std::size_t>(t);
  const auto generation = ++timer_generation_[i];
  auto& timer = *timers_[i];
  timer.expires_after(after);
  timer_deadline_[i] = timer.expiry();
  timer.async_wait(asio::bind_executor(
      strand_, [self = shared_from_this(), t, i, generation](const error_code& ec) {
        if (ec || self->timer_generation_[i] != generation) {
          return;
        }
        self->timer_deadline_[i].reset();
        self->dispatch(make_event(timer_event(t)));
      }));
}

void peer::stop_timer(fsm::timer t) {
  const auto i = static_cast<std::size_t>(t);
  ++timer_generation_[i];
  timer_deadline_[i].reset();
  timers_[i]->cancel();
}

void peer::do_connect() {
  if (conn_) {
    drop(conn_);
  }
  auto c = std::make_shared<connection>(strand_);
  c->outgoing = true;
  c->remote = cfg_.address;
  conn_ = c;
  const tcp::endpoint endpoint(to_asio(cfg_.address), cfg_.port);
  error_code ec;
  c->sock.open(endpoint.protocol(), ec);
  const bool v6 = cfg_.address.v6;
  if (!ec) {
    const int fd = c->sock.native_handle();
    if (!cfg_.password.empty()) {
      if (auto err = set_tcp_md5(fd, v6, cfg_.address, cfg_.password)) {
        ec = error_code(err.value(), boost::system::system_category());
      }
    }
    if (auto err = prepare_socket(fd, v6); !ec && err) {
      ec = error_code(err.value(), boost::system::system_category());
    }
    if (!ec && cfg_.source_address) {
      c->sock.bind(tcp::endpoint(to_asio(*cfg_.source_address), 0), ec);
    }
  }
  speaker_event attempt;
  attempt.what = speaker_event::kind::connect_attempt;
  emit(std::move(attempt));
  if (ec) {
    asio::post(strand_, [self = shared_from_this(), c, msg = ec.message()] {
      if (c != self->conn_) {
        return;
      }
      self->conn_.reset();
      auto e = make_event(fsm::event_type::tcp_connection_fails);
      self->dispatch(std::move(e));
    });
    return;
  }
  c->sock.async_connect(
      endpoint, asio::bind_executor(strand_, [self = shared_from_this(), c](const error_code& err) {
        if (c != self->conn_ || c->closing) {
          return;
        }
        if (err) {
          c->close();
          self->conn_.reset();
          self->dispatch(make_event(fsm::event_type::tcp_connection_fails));
          return;
        }
        error_code ignored;
        c->local = from_asio(c->sock.local_endpoint(ignored).address());
        self->adopt(c);
        self->dispatch(make_event(fsm::event_type::tcp_cr_acked));
      }));
}

void peer::adopt(const connection_ptr& c) {
  c->ctx.local_as = shared_.cfg.local_as;
  c->ctx.local_identifier = shared_.cfg.router_id;
  c->ctx.expected_peer_as = cfg_.asn;
  c->ctx.local_address = c->local;
  c->ctx.four_octet_as = true;
  c->ctx.extended_message = false;
  c->ctx.families = cfg_.families;
  c->running = true;
  asio::co_spawn(strand_, reader(c), asio::detached);
  asio::co_spawn(strand_, writer(c), asio::detached);
}

void peer::drop(const connection_ptr& c) {
  if (!c || c->closing) {
    return;
  }
  c->closing = true;
  if (!c->running) {
    c->close();
    return;
  }
  // The writer flushes what is queued (the NOTIFICATION) and closes; a peer that does not read
  // gets 3 seconds.
  c->deadline.expires_after(std::chrono::seconds(3));
  c->deadline.async_wait([c](const error_code& ec) {
    if (!ec) {
      c->close();
    }
  });
  c->wake.cancel();
}

void peer::queue(const connection_ptr& c, const message& m) {
  if (!c || c->closed) {
    return;
  }
  encode(m, c->ctx, c->control);
  sent_.count(type_of(m));
  wake(c);
}

void peer::wake(const connection_ptr& c) {
  if (c) {
    c->wake.cancel();
  }
}

std::chrono::seconds peer::send_hold_time() const {
  if (cfg_.send_hold_time.count() != 0) {
    return cfg_.send_hold_time;
  }
  return std::max<std::chrono::seconds>(std::chrono::minutes(8), 2 * cfg_.hold_time);
}

// RFC 9687 §3: a write that makes no progress for the send hold time means the peer stopped
// reading (its own hold timer may still be fed by TCP ACKs of its KEEPALIVEs): close the session,
// whatever the hold time says, so that the ToR's stale view of our routes ends.
void peer::arm_send_hold(const connection_ptr& c) {
  c->send_hold.expires_after(send_hold_time());
  c->send_hold.async_wait([self = shared_from_this(), c](const error_code& ec) {
    if (ec || c != self->conn_ || c->closing) {
      return;
    }
    auto e = make_event(fsm::event_type::automatic_stop);
    e.notification = notification_message{notif::send_hold_timer_expired, 0, {}};
    self->dispatch(std::move(e));
  });
}

// Each ROUTE-REFRESH resends the whole table: a peer asking in a loop gets one resend per
// refresh_interval, the requests in between folded into the next.
void peer::resend_for_refresh(const connection_ptr& c) {
  const auto now = std::chrono::steady_clock::now();
  if (refresh_waiting_) {
    ++refreshes_folded_;
    return;
  }
  if (last_refresh_ && now - *last_refresh_ < refresh_interval) {
    ++refreshes_folded_;
    refresh_waiting_ = true;
    refresh_timer_.expires_at(*last_refresh_ + refresh_interval);
    refresh_timer_.async_wait([self = shared_from_this(), c](const error_code& ec) {
      self->refresh_waiting_ = false;
      if (!ec && c == self->conn_ && !c->closing) {
        self->resend_for_refresh(c);
      }
    });
    return;
  }
  last_refresh_ = now;
  out_.reset();
  wake(c);
}

bool peer::can_send_routes() const {
  return fsm_.current() == fsm::state::established && conn_ && !conn_->closing &&
         (shared_.table_ready || !shared_.cfg.hold_table);
}

asio::awaitable<void> peer::writer(connection_ptr c) {
  auto self = shared_from_this();
  std::vector<std::uint8_t> buf;
  for (;;) {
    buf.clear();
    std::size_t updates = 0;
    if (!c->control.empty()) {
      std::swap(buf, c->control);
    } else if (c == conn_ && can_send_routes()) {
      // Control messages go first each round, so a long table never starves KEEPALIVEs.
      auto routes = out_.next_updates(c->ctx, 64);
      report_oversized(c);
      for (const auto& u : routes) {
        encode(message{u}, c->ctx, buf);
        sent_.count(message_type::update);
      }
      updates = routes.size();
      if (routes.empty() && !end_of_rib_sent_) {
        // RFC 4724 §2: End-of-RIB after the initial table, for every negotiated family.
        end_of_rib_sent_ = true;
        if (!end_of_rib_ever_sent_) {
          end_of_rib_ever_sent_ = true;
          fsm_.set_config(fsm_config());  // the R bit is clear from now on
        }
        for (const auto& f : c->ctx.families) {
          encode(message{adj_rib_out::end_of_rib(f)}, c->ctx, buf);
          sent_.count(message_type::update);
          speaker_event e;
          e.what = speaker_event::kind::end_of_rib_sent;
          e.fam = f;
          emit(std::move(e));
        }
      }
      if (buf.empty() && shutdown_cease_) {
        // Everything is withdrawn: now the Cease (RFC 8203 message) and close.
        auto e = make_event(fsm::event_type::manual_stop);
        e.notification = *shutdown_cease_;
        dispatch(std::move(e));
        continue;
      }
    }
    if (buf.empty()) {
      if (c->closing || c->closed) {
        c->close();
        co_return;
      }
      c->wake.expires_at(asio::steady_timer::time_point::max());
      error_code ignored;
      co_await c->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    error_code ec;
    arm_send_hold(c);
    co_await asio::async_write(c->sock, asio::buffer(buf),
                               asio::redirect_error(asio::use_awaitable, ec));
    c->send_hold.cancel();
    if (ec) {
      const bool current = c == conn_ && !c->closing;
      c->close();
      if (current) {
        conn_.reset();
        dispatch(make_event(fsm::event_type::tcp_connection_fails));
      }
      co_return;
    }
    if (updates > 0) {
      speaker_event e;
      e.what = speaker_event::kind::updates_written;
      e.count = updates;
      emit(std::move(e));
    }
  }
}

asio::awaitable<void> peer::reader(connection_ptr c) {
  auto self = shared_from_this();
  // Room for two extended messages, so one is always readable after compaction.
  std::vector<std::uint8_t> buf(2 * max_extended_message_size + 2);
  std::size_t have = 0;
  for (;;) {
    error_code ec;
    const std::size_t n =
        co_await c->sock.async_read_some(asio::buffer(buf.data() + have, buf.size() - have),
                                         asio::redirect_error(asio::use_awaitable, ec));
    const auto live = [&] { return (c == conn_ || c == pending_) && !c->closing; };
    if (!live()) {
      co_return;
    }
    if (ec) {
      if (c == pending_) {
        pending_.reset();
        c->close();
        co_return;
      }
      c->close();
      conn_.reset();
      dispatch(make_event(fsm::event_type::tcp_connection_fails));
      co_return;
    }
    have += n;
    std::size_t off = 0;
    while (live()) {
      auto len = frame(std::span<const std::uint8_t>(buf.data() + off, have - off), c->ctx);
      if (!len) {
        if (c == pending_) {
          drop(std::exchange(pending_, nullptr));
          co_return;
        }
        auto e = make_event(fsm::event_type::bgp_header_err);
        e.error = len.error();
        dispatch(std::move(e));
        co_return;
      }
      if (*len == 0) {
        break;
      }
      handle_message(c, std::span<const std::uint8_t>(buf.data() + off, *len));
      off += *len;
    }
    if (off > 0) {
      std::memmove(buf.data(), buf.data() + off, have - off);
      have -= off;
    }
  }
}

void peer::handle_message(const connection_ptr& c, std::span<const std::uint8_t> bytes) {
  const auto type = static_cast<message_type>(bytes[18]);
  auto d = decode(bytes, c->ctx);
  if (c == pending_) {
    if (d && type == message_type::open) {
      resolve_collision(c, std::get<open_message>(d->msg));
    } else {
      drop(std::exchange(pending_, nullptr));
    }
    return;
  }
  received_.count(type);
  if (!d) {
    auto e = make_event(type == message_type::open     ? fsm::event_type::bgp_open_msg_err
                        : type == message_type::update ? fsm::event_type::update_msg_err
                                                       : fsm::event_type::bgp_header_err);
    e.error = d.error();
    dispatch(std::move(e));
    return;
  }
  std::visit(
      overloaded{
          [&](open_message& o) {
            auto e = make_event(fsm::event_type::bgp_open);
            e.open = std::move(o);
            dispatch(std::move(e));
          },
          [&](update_message&) { handle_update(c, std::move(*d)); },
          [&](notification_message& n) {
            speaker_event se;
            se.what = speaker_event::kind::notification_received;
            se.notification = n;
            se.text = n.to_string();
            emit(std::move(se));
            // RFC 4271 §8.1.2 event 24: a NOTIFICATION with a version error.
            const bool version_error = n.code == notif::open_message_error && n.subcode == 1;
            auto e = make_event(version_error ? fsm::event_type::notif_msg_ver_err
                                              : fsm::event_type::notif_msg);
            e.notification = std::move(n);
            dispatch(std::move(e));
          },
          [&](keepalive_message&) { dispatch(make_event(fsm::event_type::keepalive_msg)); },
          [&](route_refresh_message& rr) {
            if (fsm_.current() != fsm::state::established) {
              return;
            }
            const auto& fams = c->ctx.families;
            // RFC 2918 §4: a refresh for a family we did not negotiate is ignored.
            if (std::find(fams.begin(), fams.end(), rr.fam) != fams.end() && rr.subtype == 0) {
              resend_for_refresh(c);
            }
          },
      },
      d->msg);
}

void peer::handle_update(const connection_ptr& c, decoded d) {
  if (fsm_.current() != fsm::state::established) {
    dispatch(make_event(fsm::event_type::update_msg));  // the FSM's error (RFC 6608)
    return;
  }
  for (const auto& err : d.recovered) {
    ++updates_with_errors_;
    speaker_event se;
    se.what = speaker_event::kind::update_error;
    se.text = std::string(action_name(action_for(err))) + ": " + err.to_string();
    emit(std::move(se));
  }
  const auto& u = std::get<update_message>(d.msg);
  if (auto f = u.end_of_rib_family(); f && !d.treat_as_withdraw) {
    end_of_rib_received_ = true;
    speaker_event se;
    se.what = speaker_event::kind::end_of_rib_received;
    se.fam = f;
    emit(std::move(se));
    dispatch(make_event(fsm::event_type::update_msg));
    auto e = make_event(fsm::event_type::end_of_rib_received);
    e.fam = f;
    dispatch(std::move(e));
    return;
  }
  const auto counts = in_.apply(d);
  dropped_limit_ += counts.dropped_limit;
  dropped_loop_ += counts.dropped_loop;
  if (counts.dropped_limit != 0 && !warned_limit_) {
    // Once per session: the peer goes on sending, and every UPDATE would say it again.
    warned_limit_ = true;
    speaker_event se;
    se.what = speaker_event::kind::receive_limit;
    se.text = "received routes past the limit (" + std::to_string(in_.size()) + " routes, " +
              std::to_string(in_.bytes()) + " bytes stored) are counted, not stored";
    emit(std::move(se));
  }
  dispatch(make_event(fsm::event_type::update_msg));
  if (cfg_.max_prefixes_cease && cfg_.max_prefixes != 0 && in_.size() > cfg_.max_prefixes &&
      c == conn_) {
    // RFC 4486 §4: Cease/Maximum Number of Prefixes Reached, data AFI, SAFI, limit.
    const auto f = u.mp_reach_family.value_or(ipv4_unicast);
    const auto afi_v = static_cast<std::uint16_t>(f.a);
    const auto limit = cfg_.max_prefixes;
    notification_message n{
        notif::cease,
        notif::cease_max_prefixes,
        {static_cast<std::uint8_t>(afi_v >> 8), static_cast<std::uint8_t>(afi_v),
         static_cast<std::uint8_t>(f.s), static_cast<std::uint8_t>(limit >> 24),
         static_cast<std::uint8_t>(limit >> 16), static_cast<std::uint8_t>(limit >> 8),
         static_cast<std::uint8_t>(limit)}};
    auto e = make_event(fsm::event_type::automatic_stop);
    e.notification = std::move(n);
    dispatch(std::move(e));
  }
}

void peer::on_session_up() {
  const auto& n = *fsm_.session();
  warned_limit_ = false;
  if (n.hold_time.count() == 0) {
    // RFC 4271 §4.4: no KEEPALIVEs and no hold timer: TCP keepalive finds a dead peer (in 60 s).
    if (auto e = set_keepalive(conn_->sock.native_handle(), 30, 10, 3)) {
      speaker_event se;
      se.what = speaker_event::kind::warning;
      se.text = "hold time 0 and TCP keepalive could not be set: " + e.message();
      emit(std::move(se));
    }
  }
  conn_->ctx.four_octet_as = n.four_octet_as;
  conn_->ctx.extended_message = n.extended_message;
  conn_->ctx.families = n.families;
  local_address_ = conn_->local;
  end_of_rib_sent_ = false;
  end_of_rib_received_ = false;
  export_routes(true);
  wake(conn_);
}

void peer::on_session_down(const fsm::session_down& d) {
  if (d.keep_stale) {
    in_.mark_stale();
  } else {
    in_.clear();
  }
  out_.reset();
  end_of_rib_sent_ = false;
}

// The export context of this session: next-hop self from the local address unless configured.
void peer::export_routes(bool resend) {
  export_context x;
  x.local_as = shared_.cfg.local_as;
  x.ibgp = cfg_.is_ibgp(shared_.cfg.local_as);
  x.next_hop_v4 = cfg_.next_hop_v4;
  x.next_hop_v6 = cfg_.next_hop_v6;
  if (local_address_) {
    if (!local_address_->v6 && !x.next_hop_v4) {
      x.next_hop_v4 = local_address_;
    }
    if (local_address_->v6 && !local_address_->is_link_local() && !x.next_hop_v6) {
      x.next_hop_v6 = local_address_;
    }
    if (local_address_->v6) {
      x.next_hop_v6_link_local = cfg_.next_hop_v6_link_local;
    }
  }
  auto exporter = [x](const path_attributes& route, family f) {
    return export_attributes(route, f, x);
  };
  if (resend) {
    out_.reset(std::move(exporter));
  } else {
    out_.set_exporter(std::move(exporter));
  }
  report_unexportable();
}

void peer::report_unexportable() {
  const std::size_t skipped = out_.unexportable_count();
  // Before a session exists there is no local address to default the next hop to: not an error.
  if (skipped != 0 && skipped != unexportable_ && local_address_) {
    speaker_event se;
    se.what = speaker_event::kind::update_error;
    se.text = std::to_string(skipped) +
              " routes not sent: no next hop of their family (set next_hop_v4/next_hop_v6)";
    emit(std::move(se));
  }
  unexportable_ = skipped;
}

// Logged once per change of the count: the writer asks again on every wake.
void peer::report_oversized(const connection_ptr& c) {
  const std::size_t n = out_.oversized_count();
  if (n != 0 && n != oversized_) {
    speaker_event se;
    se.what = speaker_event::kind::warning;
    se.text = std::to_string(n) + " routes not sent: their attributes leave no room for the " +
              "prefix in one UPDATE of " + std::to_string(c->ctx.max_size()) + " bytes";
    emit(std::move(se));
  }
  oversized_ = n;
}

void peer::update_routes(const route_set& source, const std::vector<prefix>& changed) {
  if (!has_table_) {
    set_routes(source);
    return;
  }
  out_.update(source, changed);
  if (can_send_routes()) {
    wake(conn_);
  }
}

void peer::set_routes(const route_set& source) {
  if (!has_table_) {
    export_routes(false);  // the configured next hops, until a session gives a local address
    has_table_ = true;
  }
  out_.set(source);
  report_unexportable();
  if (can_send_routes()) {
    wake(conn_);
  }
}

void peer::table_ready() {
  if (can_send_routes()) {
    wake(conn_);
  }
}

void peer::refresh(bool in) {
  if (fsm_.current() != fsm::state::established || !conn_) {
    return;
  }
  if (in) {
    const auto& n = *fsm_.session();
    if (!n.route_refresh) {
      return;
    }
    for (const auto& f : n.families) {
      queue(conn_, route_refresh_message{f, 0});
    }
    return;
  }
  out_.reset();
  end_of_rib_sent_ = false;
  wake(conn_);
}

void peer::connection_lost() {
  if (!conn_) {
    return;
  }
  auto c = std::exchange(conn_, nullptr);
  c->control.clear();
  drop(c);
  dispatch(make_event(fsm::event_type::tcp_connection_fails));
}

void peer::reconfigure(peer_config cfg) {
  const bool reset = cfg.session_differs(cfg_);
  const bool was_enabled = cfg_.enabled;
  cfg_ = std::move(cfg);
  in_.set_limits(rib_limits());  // for what comes next; what is stored stays
  if (reset) {
    if (was_enabled) {
      stop(notification_message{notif::cease, notif::cease_other_config_change, {}});
    }
    if (cfg_.enabled) {
      start();
    }
  } else {
    export_routes(false);
    wake(conn_);
  }
}

// What every BGP socket gets, outgoing or accepted. Fails closed: a socket without the TTL or
// GTSM it was configured with is not used.
std::error_code peer::prepare_socket(int fd, bool v6) const {
  const bool ibgp = cfg_.is_ibgp(shared_.cfg.local_as);
  // RFC 5082 §3: GTSM sends with TTL 255 and accepts only 255 - hops + 1 and above.
  const int ttl = cfg_.ttl_security ? 255 : (ibgp ? 64 : std::max<int>(1, cfg_.ebgp_multihop));
  if (auto e = set_ttl(fd, v6, ttl)) {
    return e;
  }
  if (cfg_.ttl_security) {
    if (auto e = set_min_ttl(fd, v6, 256 - std::max<int>(1, cfg_.ebgp_multihop))) {
      return e;
    }
  }
  return set_no_delay(fd);
}

void peer::accept(tcp::socket socket) {
  auto c = std::make_shared<connection>(strand_, std::move(socket));
  error_code ignored;
  c->local = from_asio(c->sock.local_endpoint(ignored).address());
  c->remote = cfg_.address;
  const bool v6 = c->sock.local_endpoint(ignored).address().is_v6();
  if (!enabled_ || held_ || shutdown_cease_ || prepare_socket(c->sock.native_handle(), v6)) {
    c->close();
    return;
  }
  switch (fsm_.current()) {
    case fsm::state::connect:
    case fsm::state::active:
      // RFC 4271 §8.2.2: an incoming connection in Connect/Active is taken; our own attempt, not
      // yet answered, is dropped.
      if (conn_) {
        drop(std::exchange(conn_, nullptr));
      }
      conn_ = c;
      adopt(c);
      dispatch(make_event(fsm::event_type::tcp_connection_confirmed));
      return;
    case fsm::state::open_sent:
    case fsm::state::open_confirm:
      // RFC 4271 §6.8: hold it until its OPEN tells us the peer's identifier, but not forever:
      // a connection that never speaks is dropped after the hold time we offer.
      if (pending_) {
        drop(pending_);
      }
      pending_ = c;
      adopt(c);
      c->deadline.expires_after(cfg_.hold_time.count() != 0 ? cfg_.hold_time
                                                            : std::chrono::seconds(90));
      c->deadline.async_wait([self = shared_from_this(), c](const error_code& ec) {
        if (!ec && c == self->pending_) {
          self->drop(std::exchange(self->pending_, nullptr));
        }
      });
      return;
    case fsm::state::idle:
    case fsm::state::established:
      // Idle refuses (§8.2.2); Established wins a collision (§6.8).
      c->close();
      return;
  }
}

void peer::resolve_collision(const connection_ptr& incoming, const open_message& open) {
  pending_.reset();
  incoming->deadline.cancel();
  const bool existing_ours = conn_ && conn_->outgoing;
  // RFC 4271 §6.8: against an Established session the new connection is the one closed.
  if (fsm_.current() == fsm::state::established || !existing_ours ||
      fsm::keep_locally_initiated(shared_.cfg.router_id, open.bgp_identifier)) {
    queue(incoming, notification_message{notif::cease, notif::cease_collision_resolution, {}});
    drop(incoming);
    return;
  }
  // The peer's connection wins: dump ours and run the FSM again on theirs, its OPEN already read.
  suppress_auto_start_ = true;
  dispatch(make_event(fsm::event_type::open_collision_dump));
  dispatch(make_event(fsm::event_type::automatic_start_with_passive_tcp_establishment));
  suppress_auto_start_ = false;
  if (fsm_.current() != fsm::state::active) {
    drop(incoming);
    return;
  }
  conn_ = incoming;
  dispatch(make_event(fsm::event_type::tcp_connection_confirmed));
  auto e = make_event(fsm::event_type::bgp_open);
  e.open = open;
  dispatch(std::move(e));
}

void peer::shutdown(shutdown_mode mode, notification_message cease, std::function<void()> done) {
  enabled_ = false;
  if (pending_) {
    drop(std::exchange(pending_, nullptr));
  }
  auto c = conn_;
  if (!c || c->closed) {
    done();
    return;
  }
  c->on_closed.push_back(std::move(done));
  if (mode == shutdown_mode::graceful_restart || fsm_.current() != fsm::state::established) {
    // RFC 4724: no NOTIFICATION, so the peer keeps our routes as stale.
    for (std::size_t i = 0; i < timers_.size(); ++i) {
      stop_timer(static_cast<fsm::timer>(i));
    }
    conn_.reset();
    c->control.clear();
    drop(c);
    return;
  }
  shutdown_cease_ = std::move(cease);
  out_.set({});
  wake(c);
}

peer_status peer::status() const {
  peer_status s;
  s.config = cfg_;
  s.config.password = cfg_.password.empty() ? "" : "*";
  s.config.enabled = enabled_;  // after disable/enable, not what the config file said
  s.held = held_;
  s.state = fsm_.current();
  s.since = since_;
  s.last_error = fsm_.last_error();
  s.session = fsm_.session();
  s.local_address = local_address_;
  s.sent = sent_;
  s.received = received_;
  s.updates_with_errors = updates_with_errors_;
  s.routes_exported = out_.desired_count();
  s.routes_sent = out_.sent_count();
  s.routes_received = in_.size();
  s.routes_received_bytes = in_.bytes();
  s.routes_dropped_limit = dropped_limit_;
  s.routes_dropped_loop = dropped_loop_;
  s.routes_oversized = oversized_;
  s.routes_sent_ipv4 = out_.sent_count(ipv4_unicast);
  s.routes_sent_ipv6 = out_.sent_count(ipv6_unicast);
  s.routes_received_ipv4 = in_.size(ipv4_unicast);
  s.routes_received_ipv6 = in_.size(ipv6_unicast);
  for (const auto& [p, r] : in_.routes()) {
    s.routes_received_stale += r.stale ? 1 : 0;
  }
  s.idle_hold = fsm_.idle_hold_time();
  const auto left = [this](fsm::timer t) -> std::optional<std::chrono::milliseconds> {
    const auto& d = timer_deadline_[static_cast<std::size_t>(t)];
    if (!d) {
      return std::nullopt;
    }
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        *d - asio::steady_timer::clock_type::now()));
  };
  s.hold_timer_left = left(fsm::timer::hold);
  s.keepalive_timer_left = left(fsm::timer::keepalive);
  s.end_of_rib_sent = end_of_rib_sent_;
  s.end_of_rib_received = end_of_rib_received_;
  return s;
}

}  // namespace svcbgp::bgp
