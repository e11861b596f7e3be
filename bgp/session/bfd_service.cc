#include "bgp/session/bfd_service.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <random>

#include "bgp/session/asio_address.h"

namespace svcbgp::bgp {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr int ttl_255 = 255;  // RFC 5881 §5 (GTSM, RFC 5082)

ip_address from_sockaddr(const sockaddr_storage& s) {
  if (s.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(s);
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &a.sin6_addr, 16);
    return ip_address::v6_bytes(b);
  }
  const auto& a = reinterpret_cast<const sockaddr_in&>(s);
  return ip_address::v4(ntohl(a.sin_addr.s_addr));
}

}  // namespace

struct bfd_service::impl : std::enable_shared_from_this<impl> {
  struct slot {
    bfd_session_spec spec;
    bfd::session machine;
    udp::socket tx;
    asio::steady_timer transmit;
    asio::steady_timer detect;
    on_change cb;
    std::uint32_t discr = 0;
    udp::endpoint to;
    bool send_failed = false;
    slot(asio::io_context& io, const bfd_session_spec& s, bfd::session_config c, on_change f)
        : spec(s),
          machine(c),
          tx(io),
          transmit(io),
          detect(io),
          cb(std::move(f)),
          discr(c.local_discriminator) {}
  };
  struct receiver {
    udp::socket sock;
    bool multihop = false;
  };

  asio::io_context& io;
  bfd_service_options opts;
  std::mt19937_64 rng;
  std::map<std::uint32_t, std::unique_ptr<slot>> sessions;
  std::vector<std::unique_ptr<receiver>> receivers;
  bfd_counters counters;
  bool stopped = false;

  impl(asio::io_context& i, bfd_service_options o)
      : io(i), opts(std::move(o)), rng(opts.seed != 0 ? opts.seed : std::random_device{}()) {}

  void log(const std::string& m) {
    if (opts.log) {
      opts.log(m);
    }
  }

  std::expected<void, std::string> open_receiver(bool v6, bool multihop) {
    auto r = std::make_unique<receiver>(receiver{udp::socket(io), multihop});
    const std::uint16_t port = multihop ? opts.multihop_port : opts.single_hop_port;
    boost::system::error_code ec;
    r->sock.open(v6 ? udp::v6() : udp::v4(), ec);
    const int fd = r->sock.native_handle();
    const int one = 1;
    if (!ec && v6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
    } else if (!ec) {
      ::setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
    }
    if (!ec) {
      r->sock.set_option(asio::socket_base::reuse_address(true), ec);
    }
    const auto addr = v6 ? asio::ip::address(asio::ip::address_v6::any())
                         : (opts.listen_v4 ? to_asio(*opts.listen_v4)
                                           : asio::ip::address(asio::ip::address_v4::any()));
    if (!ec) {
      r->sock.bind(udp::endpoint(addr, port), ec);
    }
    if (ec) {
      return std::unexpected("BFD " + std::string(multihop ? "multihop" : "single-hop") + " " +
                             (v6 ? "IPv6" : "IPv4") + " socket on port " + std::to_string(port) +
                             ": " + ec.message());
    }
    r->sock.non_blocking(true, ec);
    receivers.push_back(std::move(r));
    wait_readable(*receivers.back());
    return {};
  }

  void wait_readable(receiver& r) {
    r.sock.async_wait(udp::socket::wait_read,
                      [self = weak_from_this(), rp = &r](boost::system::error_code ec) {
                        auto s = self.lock();
                        if (!s || ec || s->stopped) {
                          return;
                        }
                        s->drain(*rp);
                        s->wait_readable(*rp);
                      });
  }

  // Every datagram waiting on the socket, with its source and TTL (hop limit).
  void drain(receiver& r) {
    for (;;) {
      std::array<std::uint8_t, 512> buf{};
      sockaddr_storage from{};
      alignas(cmsghdr) char control[256];
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(r.sock.native_handle(), &msg, MSG_DONTWAIT);
      if (n < 0) {
        return;  // EAGAIN: drained; anything else shows on the next wait
      }
      int ttl = -1;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
          std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
        }
      }
      received(std::span(buf.data(), static_cast<std::size_t>(n)), from_sockaddr(from), ttl,
               r.multihop);
    }
  }

  void drop(const std::string& why) { ++counters.dropped[why]; }

  void received(std::span<const std::uint8_t> bytes, const ip_address& src, int ttl,
                bool multihop) {
    ++counters.received;
    auto p = bfd::decode(bytes);
    if (!p) {
      drop(std::string(bfd::to_string(p.error())));
      return;
    }
    if (!multihop && ttl != ttl_255) {
      drop("ttl");  // RFC 5881 §5: anything else came from further than one hop
      return;
    }
    slot* s = nullptr;
    if (p->your_discriminator != 0) {
      auto it = sessions.find(p->your_discriminator);
      if (it != sessions.end() && it->second->spec.peer == src &&
          it->second->spec.multihop == multihop) {
        s = it->second.get();
      }
    } else {
      for (auto& [d, sl] : sessions) {
        if (sl->spec.peer == src && sl->spec.multihop == multihop) {
          s = sl.get();
          break;
        }
      }
    }
    if (s == nullptr) {
      drop("no_session");
      return;
    }
    apply(*s, s->machine.handle(bfd::event{bfd::event_type::packet_received, *p, std::nullopt}));
  }

  void arm(slot& s, bfd::timer t, std::chrono::microseconds after) {
    auto& timer = t == bfd::timer::transmit ? s.transmit : s.detect;
    timer.expires_after(after);
    timer.async_wait([self = weak_from_this(), d = s.discr, t](boost::system::error_code ec) {
      auto me = self.lock();
      if (!me || ec || me->stopped) {
        return;
      }
      auto it = me->sessions.find(d);
      if (it == me->sessions.end()) {
        return;
      }
      me->apply(*it->second, it->second->machine.handle(bfd::event{
                                 t == bfd::timer::transmit ? bfd::event_type::transmit_timer_expired
                                                           : bfd::event_type::detect_timer_expired,
                                 std::nullopt, std::nullopt}));
    });
  }

  void apply(slot& s, const std::vector<bfd::action>& actions) {
    const auto discr = s.discr;
    for (const auto& a : actions) {
      if (const auto* sp = std::get_if<bfd::send_packet>(&a)) {
        const auto bytes = bfd::encode(sp->packet);
        boost::system::error_code ec;
        s.tx.send_to(asio::buffer(bytes), s.to, 0, ec);
        if (ec && !s.send_failed) {
          log("BFD to " + s.spec.peer.to_string() + ": " + ec.message());
        }
        s.send_failed = static_cast<bool>(ec);
        counters.sent += ec ? 0 : 1;
      } else if (const auto* st = std::get_if<bfd::start_timer>(&a)) {
        arm(s, st->t, st->after);
      } else if (const auto* sp2 = std::get_if<bfd::stop_timer>(&a)) {
        (sp2->t == bfd::timer::transmit ? s.transmit : s.detect).cancel();
      } else if (const auto* c = std::get_if<bfd::state_changed>(&a)) {
        if (c->why == bfd::diag::control_detection_time_expired) {
          ++counters.detect_expirations;
        }
        auto cb = s.cb;
        if (cb) {
          cb(*c);  // may remove the session: nothing of `s` is used after the last action
        }
        if (!sessions.contains(discr)) {
          return;
        }
      }
    }
  }

  std::uint32_t new_discriminator() {
    std::uniform_int_distribution<std::uint32_t> d(1, 0xffffffffu);
    for (;;) {
      const auto v = d(rng);
      if (!sessions.contains(v)) {
        return v;
      }
    }
  }

  std::expected<std::uint32_t, std::string> add(const bfd_session_spec& spec, on_change cb) {
    bfd::session_config c;
    c.local_discriminator = new_discriminator();
    c.params = spec.params;
    c.seed = rng();
    auto s = std::make_unique<slot>(io, spec, c, std::move(cb));
    boost::system::error_code ec;
    s->tx.open(spec.peer.v6 ? udp::v6() : udp::v4(), ec);
    if (ec) {
      return std::unexpected("BFD socket toward " + spec.peer.to_string() + ": " + ec.message());
    }
    const int fd = s->tx.native_handle();
    if (spec.peer.v6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl_255, sizeof ttl_255);
    } else {
      ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl_255, sizeof ttl_255);
    }
    // RFC 5881 §4: one source port per session, in 49152-65535.
    const auto local = spec.local ? to_asio(*spec.local)
                                  : (spec.peer.v6 ? asio::ip::address(asio::ip::address_v6::any())
                                                  : asio::ip::address(asio::ip::address_v4::any()));
    std::uniform_int_distribution<int> port(49152, 65535);
    for (int i = 0; i < 64; ++i) {
      s->tx.bind(udp::endpoint(local, static_cast<std::uint16_t>(port(rng))), ec);
      if (!ec) {
        break;
      }
    }
    if (ec) {
      return std::unexpected("BFD source port toward " + spec.peer.to_string() + ": " +
                             ec.message());
    }
    s->to = udp::endpoint(to_asio(spec.peer),
                          spec.multihop ? opts.peer_multihop_port : opts.peer_single_hop_port);
    const auto d = s->discr;
    auto& ref = *s;
    sessions.emplace(d, std::move(s));
    apply(ref, ref.machine.handle(bfd::event{bfd::event_type::start, std::nullopt, std::nullopt}));
    return d;
  }
};

bfd_service::bfd_service(asio::io_context& io, bfd_service_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

bfd_service::~bfd_service() {
  stop();
}

std::expected<void, std::string> bfd_service::start() {
  for (bool multihop : {false, true}) {
    if (auto r = impl_->open_receiver(false, multihop); !r) {
      return r;
    }
    if (impl_->opts.ipv6) {
      if (auto r = impl_->open_receiver(true, multihop); !r) {
        return r;
      }
    }
  }
  return {};
}

std::expected<std::uint32_t, std::string> bfd_service::add(const bfd_session_spec& spec,
                                                           on_change cb) {
  return impl_->add(spec, std::move(cb));
}

void bfd_service::remove(std::uint32_t discriminator) {
  impl_->sessions.erase(discriminator);  // its timers and socket close with it
}

void bfd_service::set_parameters(std::uint32_t discriminator, const bfd::parameters& p) {
  auto it = impl_->sessions.find(discriminator);
  if (it != impl_->sessions.end()) {
    impl_->apply(*it->second, it->second->machine.handle(bfd::event{
                                  bfd::event_type::parameters_changed, std::nullopt, p}));
  }
}

void bfd_service::set_admin_down(std::uint32_t discriminator, bool down) {
  auto it = impl_->sessions.find(discriminator);
  if (it != impl_->sessions.end()) {
    impl_->apply(*it->second, it->second->machine.handle(bfd::event{
                                  down ? bfd::event_type::admin_down : bfd::event_type::admin_up,
                                  std::nullopt, std::nullopt}));
  }
}

std::optional<bfd::session_status> bfd_service::status(std::uint32_t discriminator) const {
  auto it = impl_->sessions.find(discriminator);
  if (it == impl_->sessions.end()) {
    return std::nullopt;
  }
  return it->second->machine.status();
}

bfd_counters bfd_service::counters() const {
  return impl_->counters;
}

void bfd_service::stop() {
  impl_->stopped = true;
  impl_->sessions.clear();
  for (auto& r : impl_->receivers) {
    boost::system::error_code ec;
    r->sock.close(ec);
  }
  impl_->receivers.clear();
}

}  // namespace svcbgp::bgp
