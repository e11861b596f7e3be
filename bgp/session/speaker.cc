#include "bgp/session/speaker.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <set>

#include "bgp/session/asio_address.h"
#include "bgp/session/peer.h"
#include "bgp/session/socket_options.h"

namespace svcbgp::bgp {

using boost::system::error_code;

void message_counters::count(message_type t) {
  switch (t) {
    case message_type::open:
      ++open;
      break;
    case message_type::update:
      ++update;
      break;
    case message_type::notification:
      ++notification;
      break;
    case message_type::keepalive:
      ++keepalive;
      break;
    case message_type::route_refresh:
      ++route_refresh;
      break;
  }
}

bool peer_config::session_differs(const peer_config& o) const {
  // Everything but the routes' next hops and the prefix limit needs a new session to take effect.
  peer_config a = *this;
  peer_config b = o;
  a.next_hop_v4 = b.next_hop_v4;
  a.next_hop_v6 = b.next_hop_v6;
  a.next_hop_v6_link_local = b.next_hop_v6_link_local;
  a.max_prefixes = b.max_prefixes;
  a.max_prefixes_cease = b.max_prefixes_cease;
  a.max_received_bytes = b.max_received_bytes;
  return !(a == b);
}

using peer_ptr = std::shared_ptr<peer>;

struct speaker::impl {
  impl(asio::io_context& io_ctx, speaker_config c) : io(io_ctx), strand(asio::make_strand(io_ctx)) {
    shared.cfg = std::move(c);
    if (shared.cfg.seed == 0) {
      shared.cfg.seed =
          static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    shared.table_ready = !shared.cfg.hold_table;
  }

  asio::io_context& io;
  strand_type strand;
  speaker_shared shared;
  std::map<std::string, peer_ptr> peers;
  std::optional<tcp::acceptor> acceptor;
  asio::steady_timer accept_backoff{strand};
  bool started = false;
  route_set all_routes;

  peer_ptr find(const std::string& name) const {
    auto it = peers.find(name);
    return it == peers.end() ? nullptr : it->second;
  }

  peer_ptr find_by_address(const ip_address& a) const {
    for (const auto& [name, p] : peers) {
      if (p->config().address == a) {
        return p;
      }
    }
    return nullptr;
  }

  // Names of peers whose MD5 key the listener could not take: nothing is accepted from them
  // (fail closed), they may still connect out.
  std::set<std::string> md5_failed;

  void set_md5(const peer_config& cfg, const std::string& key) {
    if (!acceptor || (cfg.password.empty() && key.empty())) {
      return;
    }
    const bool v6 = acceptor->local_endpoint().address().is_v6();
    if (auto e = set_tcp_md5(acceptor->native_handle(), v6, cfg.address, key); e && !key.empty()) {
      md5_failed.insert(cfg.name);
      speaker_event se;
      se.what = speaker_event::kind::warning;
      se.peer = cfg.name;
      se.text = "TCP MD5 key not set on the listener (" + e.message() +
                "): connections from this peer are refused";
      if (shared.emit) {
        shared.emit(se);
      }
      return;
    }
    md5_failed.erase(cfg.name);
  }

  // RFC 5082 §3 on the listener too, so that the handshake itself is protected: possible only
  // when every peer uses GTSM (the listener is shared); otherwise each accepted socket gets it.
  void set_listener_min_ttl() {
    if (!acceptor || peers.empty()) {
      return;
    }
    int min_ttl = 255;
    for (const auto& [name, p] : peers) {
      if (!p->config().ttl_security) {
        min_ttl = 0;
        break;
      }
      min_ttl = std::min(min_ttl, 256 - std::max<int>(1, p->config().ebgp_multihop));
    }
    const bool v6 = acceptor->local_endpoint().address().is_v6();
    if (auto e = set_min_ttl(acceptor->native_handle(), v6, min_ttl); e && min_ttl != 0) {
      speaker_event se;
      se.what = speaker_event::kind::warning;
      se.text = "GTSM minimum TTL not set on the listener: " + e.message();
      if (shared.emit) {
        shared.emit(se);
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    auto backoff = std::chrono::milliseconds(0);
    for (;;) {
      error_code ec;
      tcp::socket s =
          co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
          co_return;
        }
        // Out of descriptors (EMFILE) or memory: the queued connection stays and every accept
        // fails at once. Wait instead of spinning the io thread every session runs on.
        backoff =
            std::clamp(backoff * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
        accept_backoff.expires_after(backoff);
        co_await accept_backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!acceptor->is_open()) {
          co_return;
        }
        continue;
      }
      backoff = std::chrono::milliseconds(0);
      const auto remote = from_asio(s.remote_endpoint(ec).address());
      // Passive accept is for configured peers only, and only with the MD5 key they need.
      if (auto p = find_by_address(remote); p && !md5_failed.contains(p->config().name)) {
        p->accept(std::move(s));
      } else {
        s.close(ec);
      }
    }
  }
};

speaker::speaker(asio::io_context& io, speaker_config cfg)
    : impl_(std::make_unique<impl>(io, std::move(cfg))) {}

speaker::~speaker() {
  impl_->accept_backoff.cancel();
  if (impl_->acceptor) {
    error_code ignored;
    impl_->acceptor->close(ignored);
  }
}

void speaker::on_event(std::function<void(const speaker_event&)> callback) {
  impl_->shared.emit = std::move(callback);
}

void speaker::start() {
  auto& d = *impl_;
  const auto& c = d.shared.cfg;
  if (c.listen_port != 0) {
    const auto address = c.listen_address ? to_asio(*c.listen_address)
                                          : asio::ip::address(asio::ip::address_v6::any());
    tcp::endpoint endpoint(address, c.listen_port);
    d.acceptor.emplace(d.strand);
    d.acceptor->open(endpoint.protocol());
    d.acceptor->set_option(tcp::acceptor::reuse_address(true));
    if (address.is_v6()) {
      d.acceptor->set_option(asio::ip::v6_only(false));
    }
    d.acceptor->bind(endpoint);
    d.acceptor->listen();
    for (const auto& [name, p] : d.peers) {
      d.set_md5(p->config(), p->config().password);
    }
    d.set_listener_min_ttl();
    asio::co_spawn(d.strand, d.accept_loop(), asio::detached);
  }
  d.started = true;
  for (const auto& [name, p] : d.peers) {
    if (p->config().enabled) {
      p->start();
    }
  }
}

bool speaker::add_peer(const peer_config& cfg, std::optional<std::string> held) {
  auto& d = *impl_;
  if (d.find(cfg.name) || d.find_by_address(cfg.address)) {
    return false;
  }
  auto p = std::make_shared<bgp::peer>(d.io, d.shared, cfg);
  d.peers.emplace(cfg.name, p);
  p->hold(std::move(held));
  d.set_md5(cfg, cfg.password);
  d.set_listener_min_ttl();
  p->set_routes(d.all_routes);
  if (d.started && cfg.enabled) {
    p->start();
  }
  return true;
}

bool speaker::remove_peer(const std::string& name) {
  auto& d = *impl_;
  auto p = d.find(name);
  if (!p) {
    return false;
  }
  p->stop(notification_message{notif::cease, notif::cease_peer_deconfigured, {}});
  d.set_md5(p->config(), "");
  d.md5_failed.erase(name);
  d.peers.erase(name);
  d.set_listener_min_ttl();
  return true;
}

bool speaker::update_peer(const peer_config& cfg) {
  auto& d = *impl_;
  auto p = d.find(cfg.name);
  if (!p) {
    return false;
  }
  if (auto other = d.find_by_address(cfg.address); other && other != p) {
    return false;
  }
  if (p->config().password != cfg.password || !(p->config().address == cfg.address)) {
    d.set_md5(p->config(), "");
    d.set_md5(cfg, cfg.password);
  }
  p->reconfigure(cfg);
  d.set_listener_min_ttl();
  return true;
}

bool speaker::enable_peer(const std::string& name) {
  auto p = impl_->find(name);
  if (!p) {
    return false;
  }
  if (!p->enabled()) {
    p->start();
  }
  return true;
}

bool speaker::disable_peer(const std::string& name, const std::string& message) {
  auto p = impl_->find(name);
  if (!p) {
    return false;
  }
  p->stop(notification_message::cease_with_message(notif::cease_admin_shutdown, message));
  return true;
}

bool speaker::hold_peer(const std::string& name, std::optional<std::string> why,
                        std::optional<notification_message> notify) {
  auto p = impl_->find(name);
  if (!p) {
    return false;
  }
  p->hold(std::move(why), std::move(notify));
  return true;
}

bool speaker::restart_peer(const std::string& name) {
  auto p = impl_->find(name);
  if (!p) {
    return false;
  }
  p->restart();
  return true;
}

bool speaker::connection_lost(const std::string& name) {
  auto p = impl_->find(name);
  if (!p) {
    return false;
  }
  p->connection_lost();
  return true;
}

bool speaker::refresh_peer(const std::string& name, bool in) {
  auto p = impl_->find(name);
  if (!p) {
    return false;
  }
  p->refresh(in);
  return true;
}

void speaker::set_routes(const route_set& routes) {
  impl_->all_routes = routes;
  for (const auto& [name, p] : impl_->peers) {
    p->set_routes(routes);
  }
}

void speaker::set_routes(const std::string& name, const route_set& routes) {
  if (auto p = impl_->find(name)) {
    p->set_routes(routes);
  }
}

void speaker::update_routes(const std::string& name, const route_set& routes,
                            const std::vector<prefix>& changed) {
  if (auto p = impl_->find(name)) {
    p->update_routes(routes, changed);
  }
}

void speaker::set_table_ready() {
  auto& d = *impl_;
  if (d.shared.table_ready) {
    return;
  }
  d.shared.table_ready = true;
  for (const auto& [name, p] : d.peers) {
    p->table_ready();
  }
}

void speaker::shutdown(shutdown_mode mode, const std::string& message, std::function<void()> done) {
  auto& d = *impl_;
  d.accept_backoff.cancel();
  if (d.acceptor) {
    error_code ignored;
    d.acceptor->close(ignored);
  }
  auto remaining = std::make_shared<std::size_t>(d.peers.size() + 1);
  auto finish = [remaining, done = std::move(done)] {
    if (--*remaining == 0 && done) {
      done();
    }
  };
  for (const auto& [name, p] : d.peers) {
    p->shutdown(mode,
                notification_message::cease_with_message(notif::cease_admin_shutdown, message),
                finish);
  }
  finish();
}

std::vector<peer_status> speaker::peers() const {
  std::vector<peer_status> out;
  for (const auto& [name, p] : impl_->peers) {
    out.push_back(p->status());
  }
  return out;
}

std::optional<peer_status> speaker::peer(const std::string& name) const {
  if (auto p = impl_->find(name)) {
    return p->status();
  }
  return std::nullopt;
}

std::vector<std::pair<prefix, received_route>> speaker::received_routes(
    const std::string& name) const {
  std::vector<std::pair<prefix, received_route>> out;
  if (auto p = impl_->find(name)) {
    out.assign(p->rib_in().routes().begin(), p->rib_in().routes().end());
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return out;
}

std::vector<std::pair<prefix, attributes_ptr>> speaker::exported_routes(
    const std::string& name) const {
  std::vector<std::pair<prefix, attributes_ptr>> out;
  if (auto p = impl_->find(name)) {
    const route_set desired = p->rib_out().desired();
    out.assign(desired.begin(), desired.end());
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return out;
}

const speaker_config& speaker::config() const {
  return impl_->shared.cfg;
}

}  // namespace svcbgp::bgp
