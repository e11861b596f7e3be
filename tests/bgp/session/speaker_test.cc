// Component tests of the speaker: the real session layer on loopback against a scripted peer that
// checks the bytes on the wire.
#include "bgp/session/speaker.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "tests/bgp/session/scripted_peer.h"

namespace svcbgp::bgp {
namespace {

namespace asio = boost::asio;
using testing::scripted_peer;
using namespace std::chrono_literals;

attributes_ptr attrs_with_community(std::uint32_t community) {
  auto a = std::make_shared<path_attributes>();
  a->origin = origin_type::igp;
  a->communities = {community};
  return a;
}

prefix pfx(const char* text) {
  return *prefix::parse(text);
}

// A free TCP port on loopback for the speaker to listen on (its config uses 0 for "no listener").
std::uint16_t free_port() {
  boost::asio::io_context tmp;
  boost::asio::ip::tcp::acceptor a(tmp, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A socket option (TCP_NODELAY by default) of this process's connected TCP sockets whose local
// port (side 0) or remote port (side 1) is `port`: the speaker lives in this process, so its
// sockets are ours to inspect.
std::vector<int> option_of_sockets_on(std::uint16_t port, int side, int level = IPPROTO_TCP,
                                      int name = TCP_NODELAY) {
  std::vector<int> out;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) {
    return out;
  }
  while (auto* e = ::readdir(d)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == ::dirfd(d)) {
      continue;
    }
    sockaddr_storage local{};
    sockaddr_storage remote{};
    socklen_t ll = sizeof local;
    socklen_t rl = sizeof remote;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &rl) != 0) {
      continue;
    }
    const auto& sa = side == 0 ? local : remote;
    const std::uint16_t p =
        ntohs(sa.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(sa).sin6_port
                                       : reinterpret_cast<const sockaddr_in&>(sa).sin_port);
    int v = 0;
    socklen_t vl = sizeof v;
    if (p == port && ::getsockopt(fd, level, name, &v, &vl) == 0) {
      out.push_back(v);
    }
  }
  ::closedir(d);
  return out;
}

// A socket option of the listening socket on `port` (bound, not connected); -1 when none is found.
int listener_option(std::uint16_t port, int level, int name) {
  int out = -1;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) {
    return out;
  }
  while (auto* e = ::readdir(d)) {
    const int fd = std::atoi(e->d_name);
    sockaddr_storage local{};
    socklen_t ll = sizeof local;
    int listening = 0;
    socklen_t sl = sizeof listening;
    if (fd <= 2 || fd == ::dirfd(d) ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &sl) != 0 || listening == 0 ||
        local.ss_family != AF_INET ||
        ntohs(reinterpret_cast<const sockaddr_in&>(local).sin_port) != port) {
      continue;
    }
    socklen_t vl = sizeof out;
    ::getsockopt(fd, level, name, &out, &vl);
  }
  ::closedir(d);
  return out;
}

open_message peer_open(std::uint32_t id) {
  open_message o;
  o.my_as = 65000;
  o.hold_time = 90;
  o.bgp_identifier = id;
  o.caps.four_octet_as = 65000;
  return o;
}

class speaker_test : public ::testing::Test {
 protected:
  speaker_test() : guard_(asio::make_work_guard(io_)) {}

  ~speaker_test() override {
    if (sp_) {
      call([&] { sp_->shutdown(shutdown_mode::graceful_restart, "", [] {}); });
      call([&] { sp_.reset(); });
    }
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  // Runs `f` on the io thread, where the speaker lives, and waits for it.
  template <class F>
  auto call(F&& f) -> std::invoke_result_t<F> {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  void start(speaker_config sc, std::vector<peer_config> peers) {
    sc.listen_port = sc.listen_port == 179 ? 0 : sc.listen_port;
    sp_ = std::make_unique<speaker>(io_, sc);
    sp_->on_event([this](const speaker_event& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    });
    for (auto& p : peers) {
      sp_->add_peer(p);
    }
    thread_ = std::thread([this] { io_.run(); });
    call([&] { sp_->start(); });
  }

  // local() that also listens, on 127.0.0.1 and a free port.
  static speaker_config listening() {
    auto sc = local();
    sc.listen_address = ip_address::parse("127.0.0.1");
    sc.listen_port = free_port();
    return sc;
  }

  static speaker_config local() {
    speaker_config sc;
    sc.local_as = 65001;
    sc.router_id = 0x0a000001;
    sc.listen_port = 0;
    sc.seed = 7;
    return sc;
  }

  static peer_config to(const scripted_peer& p, const char* address = "127.0.0.1") {
    peer_config pc;
    pc.name = std::string("p") + address;
    pc.address = *ip_address::parse(address);
    pc.asn = 65000;
    pc.port = p.port();
    pc.connect_retry_time = 1s;
    pc.idle_hold_time = 1s;
    return pc;
  }

  // Waits for an event matching `pred` (condition variable; the timeout only bounds a failure).
  template <class Pred>
  std::optional<speaker_event> wait_event(Pred pred, std::chrono::seconds timeout = 10s) {
    std::unique_lock lock(mu_);
    std::optional<speaker_event> found;
    cv_.wait_for(lock, timeout, [&] {
      for (; seen_ < events_.size(); ++seen_) {
        if (pred(events_[seen_])) {
          found = events_[seen_++];
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::optional<speaker_event> wait_state(fsm::state s) {
    return wait_event([s](const speaker_event& e) {
      return e.what == speaker_event::kind::state_change && e.to == s;
    });
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
  std::unique_ptr<speaker> sp_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<speaker_event> events_;
  std::size_t seen_ = 0;
};

TEST_F(speaker_test, sends_open_with_our_capabilities) {
  scripted_peer tor;
  start(local(), {to(tor)});
  auto open = tor.establish();
  ASSERT_TRUE(open);
  EXPECT_EQ(open->version, 4);
  EXPECT_EQ(open->asn(), 65001u);
  EXPECT_EQ(open->bgp_identifier, 0x0a000001u);
  EXPECT_EQ(open->hold_time, 90);
  EXPECT_TRUE(open->caps.route_refresh);
  EXPECT_TRUE(open->caps.extended_message);
  ASSERT_TRUE(open->caps.graceful_restart);
  EXPECT_EQ(open->caps.graceful_restart->restart_time, 120);
  EXPECT_TRUE(wait_state(fsm::state::established));
}

TEST_F(speaker_test, every_state_change_says_why) {
  // Issue 13: every state-change log line had reason="".
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  ASSERT_TRUE(wait_state(fsm::state::established));
  tor.close();
  ASSERT_TRUE(wait_state(fsm::state::idle));
  std::vector<std::string> seen;
  {
    std::lock_guard lock(mu_);
    for (const auto& e : events_) {
      if (e.what == speaker_event::kind::state_change) {
        seen.push_back(std::string(fsm::to_string(e.to)) + ": " + e.text);
      }
    }
  }
  ASSERT_GE(seen.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.begin() + 4),
            (std::vector<std::string>{"Connect: ManualStart", "OpenSent: Tcp_CR_Acked",
                                      "OpenConfirm: BGPOpen", "Established: KeepAliveMsg"}));
  for (const auto& s : seen) {
    EXPECT_FALSE(s.ends_with(": ")) << s;
  }
}

TEST_F(speaker_test, sends_the_table_with_next_hop_self_then_end_of_rib) {
  scripted_peer tor;
  start(local(), {to(tor)});
  route_set routes{{pfx("10.96.0.1/32"), attrs_with_community(0xfde80064)},
                   {pfx("10.96.0.2/32"), attrs_with_community(0xfde80064)}};
  call([&] { sp_->set_routes(routes); });
  ASSERT_TRUE(tor.establish());
  auto u = tor.read_until<update_message>();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->nlri, (std::vector<prefix>{pfx("10.96.0.1/32"), pfx("10.96.0.2/32")}));
  EXPECT_EQ(u->attrs.next_hop, ip_address::parse("127.0.0.1"));
  ASSERT_TRUE(u->attrs.path);
  EXPECT_EQ(u->attrs.path->to_string(), "65001");
  EXPECT_EQ(u->attrs.communities, std::vector<std::uint32_t>{0xfde80064});
  EXPECT_FALSE(u->attrs.local_pref);  // eBGP
  auto eor = tor.read_until<update_message>();
  ASSERT_TRUE(eor);
  EXPECT_TRUE(eor->is_end_of_rib());
}

TEST_F(speaker_test, a_change_sends_only_the_difference) {
  scripted_peer tor;
  start(local(), {to(tor)});
  auto a = attrs_with_community(1);
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.1/32"), a}, {pfx("10.96.0.2/32"), a}}); });
  ASSERT_TRUE(tor.establish());
  ASSERT_TRUE(tor.read_until<update_message>());  // the table
  ASSERT_TRUE(tor.read_until<update_message>());  // End-of-RIB
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.1/32"), a}}); });
  auto u = tor.read_until<update_message>();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->withdrawn, std::vector<prefix>{pfx("10.96.0.2/32")});
  EXPECT_TRUE(u->nlri.empty());
}

TEST_F(speaker_test, malformed_update_resets_the_session_with_the_exact_notification) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  // UPDATE whose withdrawn-routes length (255) runs past the end of the message: the structure is
  // lost, so even RFC 7606 resets the session (RFC 4271 §6.3, Malformed Attribute List).
  const std::vector<std::uint8_t> bad = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x19,
                                         0x02, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00};
  tor.send_raw(bad);
  auto n = tor.read_until<notification_message>();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, notif::update_message_error);
  EXPECT_EQ(n->subcode, 1);  // Malformed Attribute List
  EXPECT_TRUE(tor.closed_by_speaker());
  auto sent = wait_event(
      [](const speaker_event& e) { return e.what == speaker_event::kind::notification_sent; });
  ASSERT_TRUE(sent);
}

TEST_F(speaker_test, bad_med_length_is_treated_as_withdraw_and_the_session_stays_up) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  update_message good;
  good.attrs.origin = origin_type::igp;
  good.attrs.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence, {65000}}}};
  good.attrs.next_hop = ip_address::parse("127.0.0.9");  // not ours
  good.nlri = {pfx("192.0.2.1/32")};
  tor.send(good);
  // The same route again with MED of length 3 (RFC 7606 §7.4: treat-as-withdraw).
  auto bytes = encode(good, tor.ctx);
  // Insert a MED attribute (flags 0x80, type 4, length 3) before the NLRI: rebuild by hand.
  const std::size_t attr_len_off = 19 + 2;
  const std::size_t attr_len = (std::size_t{bytes[attr_len_off]} << 8) | bytes[attr_len_off + 1];
  const std::size_t nlri_off = attr_len_off + 2 + attr_len;
  std::vector<std::uint8_t> med = {0x80, 0x04, 0x03, 0x00, 0x00, 0x01};
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(nlri_off), med.begin(), med.end());
  const std::size_t new_attr_len = attr_len + med.size();
  bytes[attr_len_off] = static_cast<std::uint8_t>(new_attr_len >> 8);
  bytes[attr_len_off + 1] = static_cast<std::uint8_t>(new_attr_len);
  bytes[16] = static_cast<std::uint8_t>(bytes.size() >> 8);
  bytes[17] = static_cast<std::uint8_t>(bytes.size());
  tor.send_raw(bytes);
  auto err = wait_event(
      [](const speaker_event& e) { return e.what == speaker_event::kind::update_error; });
  ASSERT_TRUE(err);
  EXPECT_NE(err->text.find("treat-as-withdraw"), std::string::npos) << err->text;
  auto status = call([&] { return sp_->peer("p127.0.0.1"); });
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, fsm::state::established);
  EXPECT_EQ(status->routes_received, 0u);
  EXPECT_EQ(status->updates_with_errors, 1u);
}

TEST_F(speaker_test, disable_sends_cease_with_the_shutdown_message) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  call([&] { return sp_->disable_peer("p127.0.0.1", "maintenance"); });
  auto n = tor.read_until<notification_message>();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, notif::cease);
  EXPECT_EQ(n->subcode, notif::cease_admin_shutdown);
  EXPECT_EQ(n->shutdown_message(), std::optional<std::string>("maintenance"));
  EXPECT_TRUE(tor.closed_by_speaker());
}

TEST_F(speaker_test, enable_after_disable_reconnects) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  call([&] { return sp_->disable_peer("p127.0.0.1", "maintenance"); });
  ASSERT_TRUE(tor.read_until<notification_message>());
  call([&] { return sp_->enable_peer("p127.0.0.1"); });
  ASSERT_TRUE(tor.establish());
  EXPECT_TRUE(wait_state(fsm::state::established));
}

TEST_F(speaker_test, a_peer_sending_one_byte_at_a_time_establishes) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.accept());
  ASSERT_TRUE(tor.read_until<open_message>());
  open_message mine;
  mine.my_as = 65000;
  mine.hold_time = 90;
  mine.bgp_identifier = 0x0a000002;
  mine.caps.four_octet_as = 65000;
  auto bytes = encode(mine, tor.ctx);
  auto ka = encode(keepalive_message{}, tor.ctx);
  bytes.insert(bytes.end(), ka.begin(), ka.end());
  for (auto b : bytes) {
    tor.send_raw(std::span<const std::uint8_t>(&b, 1));
  }
  EXPECT_TRUE(wait_state(fsm::state::established));
}

TEST_F(speaker_test, a_bad_peer_does_not_disturb_another) {
  scripted_peer good("127.0.0.1");
  scripted_peer bad("127.0.0.2");
  start(local(), {to(good, "127.0.0.1"), to(bad, "127.0.0.2")});
  ASSERT_TRUE(good.establish());
  ASSERT_TRUE(bad.establish());
  ASSERT_TRUE(good.read_until<update_message>());  // End-of-RIB
  std::vector<std::uint8_t> garbage(19, 0x00);     // bad marker
  bad.send_raw(garbage);
  auto n = bad.read_until<notification_message>();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, notif::message_header_error);
  EXPECT_EQ(n->subcode, 1);  // Connection Not Synchronized
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.9/32"), attrs_with_community(1)}}); });
  auto u = good.read_until<update_message>();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->nlri, std::vector<prefix>{pfx("10.96.0.9/32")});
  auto status = call([&] { return sp_->peer("p127.0.0.1"); });
  EXPECT_EQ(status->state, fsm::state::established);
}

TEST_F(speaker_test, routes_past_max_prefixes_are_counted_and_the_session_stays) {
  // Issue 13: a ToR reflecting the other nodes' routes back must cost bounded memory, not the
  // session that carries our own routes.
  scripted_peer tor;
  auto pc = to(tor);
  pc.max_prefixes = 2;
  start(local(), {pc});
  ASSERT_TRUE(tor.establish());
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence, {65000}}}};
  u.attrs.next_hop = ip_address::parse("127.0.0.9");
  // Our own routes reflected back (AS_PATH "65000 <ours>") are never stored nor take room.
  u.attrs.path->segments[0].asns.push_back(local().local_as);
  u.nlri = {pfx("10.96.0.1/32")};
  tor.send(u);
  u.attrs.path->segments[0].asns.pop_back();
  u.nlri = {pfx("192.0.2.1/32"), pfx("192.0.2.2/32"), pfx("192.0.2.3/32")};
  tor.send(u);
  auto limit = wait_event(
      [](const speaker_event& e) { return e.what == speaker_event::kind::receive_limit; });
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->text.rfind("received routes past the limit (2 routes, ", 0), 0u) << limit->text;
  // A route we send afterwards still arrives: the session is up and reading.
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.9/32"), attrs_with_community(1)}}); });
  ASSERT_TRUE(tor.read_until<update_message>());
  auto status = call([&] { return sp_->peer(pc.name); });
  EXPECT_EQ(status->state, fsm::state::established);
  EXPECT_EQ(status->routes_received, 2u);
  EXPECT_EQ(status->routes_dropped_limit, 1u);
  EXPECT_EQ(status->routes_dropped_loop, 1u);
  EXPECT_GT(status->routes_received_bytes, 0u);
}

TEST_F(speaker_test, max_prefixes_exceeded_sends_cease) {
  scripted_peer tor;
  auto pc = to(tor);
  pc.max_prefixes = 2;
  pc.max_prefixes_cease = true;
  start(local(), {pc});
  ASSERT_TRUE(tor.establish());
  update_message u;
  u.attrs.origin = origin_type::igp;
  u.attrs.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence, {65000}}}};
  u.attrs.next_hop = ip_address::parse("127.0.0.9");
  u.nlri = {pfx("192.0.2.1/32"), pfx("192.0.2.2/32"), pfx("192.0.2.3/32")};
  tor.send(u);
  auto n = tor.read_until<notification_message>();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->code, notif::cease);
  EXPECT_EQ(n->subcode, notif::cease_max_prefixes);
  // RFC 4486 §4: AFI 1, SAFI 1, limit 2.
  EXPECT_EQ(n->data, (std::vector<std::uint8_t>{0, 1, 1, 0, 0, 0, 2}));
}

TEST_F(speaker_test, shutdown_withdraw_withdraws_then_sends_cease) {
  scripted_peer tor;
  start(local(), {to(tor)});
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.1/32"), attrs_with_community(1)}}); });
  ASSERT_TRUE(tor.establish());
  ASSERT_TRUE(tor.read_until<update_message>());  // the route
  ASSERT_TRUE(tor.read_until<update_message>());  // End-of-RIB
  std::promise<void> done;
  call([&] { sp_->shutdown(shutdown_mode::withdraw, "node drain", [&] { done.set_value(); }); });
  auto w = tor.read_until<update_message>();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->withdrawn, std::vector<prefix>{pfx("10.96.0.1/32")});
  auto n = tor.read_until<notification_message>();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->subcode, notif::cease_admin_shutdown);
  EXPECT_EQ(n->shutdown_message(), std::optional<std::string>("node drain"));
  EXPECT_EQ(done.get_future().wait_for(10s), std::future_status::ready);
}

TEST_F(speaker_test, reconnects_after_the_peer_drops_the_connection) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  tor.close();
  EXPECT_TRUE(wait_state(fsm::state::idle));
  // IdleHold (1 s) then a new connection.
  ASSERT_TRUE(tor.establish());
  EXPECT_TRUE(wait_state(fsm::state::established));
}

TEST_F(speaker_test, passive_accept_is_for_configured_peers_only) {
  // The speaker listens; a configured peer connects in, an unknown address is closed at once.
  scripted_peer unused;
  auto sc = local();
  sc.listen_address = ip_address::parse("127.0.0.1");
  sc.listen_port = 0;
  // Port 0 means "do not listen" in the config, so pick a free port from the kernel.
  {
    boost::asio::io_context tmp;
    boost::asio::ip::tcp::acceptor a(tmp, {boost::asio::ip::make_address("127.0.0.1"), 0});
    sc.listen_port = a.local_endpoint().port();
  }
  auto pc = to(unused, "127.0.0.4");
  pc.passive = true;
  start(sc, {pc});
  scripted_peer stranger;
  ASSERT_TRUE(stranger.connect("127.0.0.1", sc.listen_port, "127.0.0.5"));
  EXPECT_TRUE(stranger.closed_by_speaker());
  scripted_peer known;
  ASSERT_TRUE(known.connect("127.0.0.1", sc.listen_port, "127.0.0.4"));
  open_message mine;
  mine.my_as = 65000;
  mine.hold_time = 90;
  mine.bgp_identifier = 0x0a000002;
  mine.caps.four_octet_as = 65000;
  known.send(mine);
  ASSERT_TRUE(known.read_until<open_message>());
  known.send(keepalive_message{});
  EXPECT_TRUE(wait_state(fsm::state::established));
}

TEST_F(speaker_test, the_listener_drops_low_ttl_packets_while_every_peer_uses_gtsm) {
  // Issue 13 (read): GTSM was only set per connection, so the listener accepted a handshake from
  // anywhere. RFC 5082 §3: with every peer under GTSM the listener takes TTL 255 only.
  scripted_peer tor;
  auto sc = listening();
  auto gtsm = to(tor);
  gtsm.passive = true;
  gtsm.ttl_security = true;
  start(sc, {gtsm});
  EXPECT_EQ(call([&] { return listener_option(sc.listen_port, IPPROTO_IP, IP_MINTTL); }), 255);
  // A peer without GTSM must still reach us: the listener lets every TTL in again.
  auto plain = to(tor, "127.0.0.5");
  plain.passive = true;
  call([&] { sp_->add_peer(plain); });
  EXPECT_EQ(call([&] { return listener_option(sc.listen_port, IPPROTO_IP, IP_MINTTL); }), 0);
}

TEST_F(speaker_test, every_bgp_socket_has_no_delay) {
  // Issue 13: without TCP_NODELAY the End-of-RIB waited 41 ms behind Nagle and a delayed ACK.
  scripted_peer out_side;
  auto sc = listening();
  auto passive = to(out_side, "127.0.0.4");
  passive.passive = true;
  start(sc, {to(out_side), passive});
  ASSERT_TRUE(out_side.establish());
  EXPECT_EQ(option_of_sockets_on(out_side.port(), 1), std::vector<int>{1});  // connected out
  scripted_peer in_side;
  ASSERT_TRUE(in_side.connect("127.0.0.1", sc.listen_port, "127.0.0.4"));
  in_side.send(peer_open(0x0a000004));
  ASSERT_TRUE(in_side.read_until<open_message>());
  EXPECT_EQ(option_of_sockets_on(sc.listen_port, 0), std::vector<int>{1});  // accepted
}

// RFC 4271 §6.8: both sides connect at once; the connection opened by the higher identifier wins.
TEST_F(speaker_test, collision_keeps_the_peers_connection_when_its_identifier_is_higher) {
  scripted_peer out_side;  // the speaker connects here
  auto sc = listening();
  start(sc, {to(out_side)});
  ASSERT_TRUE(out_side.accept());
  ASSERT_TRUE(out_side.read_until<open_message>());  // the speaker is in OpenSent
  scripted_peer in_side;
  ASSERT_TRUE(in_side.connect("127.0.0.1", sc.listen_port, "127.0.0.1"));
  in_side.send(peer_open(0x0b000000));  // higher than the speaker's 10.0.0.1
  auto cease = out_side.read_until<notification_message>();
  ASSERT_TRUE(cease);
  EXPECT_EQ(cease->code, notif::cease);
  EXPECT_EQ(cease->subcode, notif::cease_collision_resolution);
  ASSERT_TRUE(in_side.read_until<open_message>());
  in_side.send(keepalive_message{});
  ASSERT_TRUE(in_side.read_until<keepalive_message>());
  EXPECT_TRUE(wait_state(fsm::state::established));
}

TEST_F(speaker_test, collision_keeps_our_connection_when_our_identifier_is_higher) {
  scripted_peer out_side;
  auto sc = listening();
  start(sc, {to(out_side)});
  ASSERT_TRUE(out_side.accept());
  ASSERT_TRUE(out_side.read_until<open_message>());
  scripted_peer in_side;
  ASSERT_TRUE(in_side.connect("127.0.0.1", sc.listen_port, "127.0.0.1"));
  in_side.send(peer_open(0x09000000));  // lower than 10.0.0.1
  auto cease = in_side.read_until<notification_message>();
  ASSERT_TRUE(cease);
  EXPECT_EQ(cease->subcode, notif::cease_collision_resolution);
  EXPECT_TRUE(in_side.closed_by_speaker());
  out_side.send(peer_open(0x09000000));
  out_side.send(keepalive_message{});
  ASSERT_TRUE(out_side.read_until<keepalive_message>());
  EXPECT_TRUE(wait_state(fsm::state::established));
}

TEST_F(speaker_test, a_late_open_on_a_held_connection_never_beats_an_established_session) {
  // Issue 13: the held-back connection's OPEN, arriving once the session was Established, tore the
  // session down with Cease 6/7. RFC 4271 §6.8: the new connection is the one closed.
  scripted_peer out_side;
  auto sc = listening();
  start(sc, {to(out_side)});
  ASSERT_TRUE(out_side.accept());
  ASSERT_TRUE(out_side.read_until<open_message>());  // OpenSent
  scripted_peer in_side;
  ASSERT_TRUE(in_side.connect("127.0.0.1", sc.listen_port, "127.0.0.1"));  // held back
  out_side.send(peer_open(0x0b000000));
  out_side.send(keepalive_message{});
  ASSERT_TRUE(wait_state(fsm::state::established));
  in_side.send(peer_open(0x0b000000));  // would win against OpenSent; not against Established
  auto cease = in_side.read_until<notification_message>();
  ASSERT_TRUE(cease);
  EXPECT_EQ((std::pair{cease->code, cease->subcode}),
            (std::pair{notif::cease, notif::cease_collision_resolution}));
  EXPECT_TRUE(in_side.closed_by_speaker());
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.9/32"), attrs_with_community(1)}}); });
  auto u = out_side.read_until<update_message>();
  while (u && u->is_end_of_rib()) {
    u = out_side.read_until<update_message>();
  }
  ASSERT_TRUE(u);
  EXPECT_EQ(u->nlri, std::vector<prefix>{pfx("10.96.0.9/32")});
  EXPECT_EQ(call([&] { return sp_->peer("p127.0.0.1")->state; }), fsm::state::established);
}

TEST_F(speaker_test, a_held_connection_that_never_speaks_is_dropped) {
  // Issue 13: it stayed forever. Now it gets the hold time we offer.
  scripted_peer out_side;
  auto sc = listening();
  auto pc = to(out_side);
  pc.hold_time = 3s;
  start(sc, {pc});
  ASSERT_TRUE(out_side.accept());
  ASSERT_TRUE(out_side.read_until<open_message>());
  scripted_peer in_side;
  ASSERT_TRUE(in_side.connect("127.0.0.1", sc.listen_port, "127.0.0.1"));
  EXPECT_TRUE(in_side.closed_by_speaker(8s));
}

TEST_F(speaker_test, a_peer_that_stops_reading_is_dropped_by_the_send_hold_timer) {
  // Issue 13: a peer that stops reading kept the session "up" forever while our UPDATEs never
  // arrived. RFC 9687: NOTIFICATION 8 and the session goes down.
  scripted_peer tor;
  auto pc = to(tor);
  pc.send_hold_time = 2s;
  start(local(), {pc});
  ASSERT_TRUE(tor.establish());
  ASSERT_TRUE(wait_state(fsm::state::established));
  // More than the kernel buffers hold (4 MiB send + the peer's receive): one UPDATE per route.
  call([&] {
    route_set many;
    for (std::uint32_t i = 0; i < 150000; ++i) {
      many.emplace(prefix{ip_address::v4(0x0a000000u + i), 32}, attrs_with_community(i));
    }
    sp_->set_routes(many);
  });
  auto down = wait_event(
      [](const speaker_event& e) {
        return e.what == speaker_event::kind::state_change && e.to == fsm::state::idle;
      },
      30s);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->text, "Sent: Send Hold Timer Expired/Unspecific") << down->text;
}

TEST_F(speaker_test, route_refresh_in_a_loop_gets_one_resend_per_interval) {
  // Issue 13: each ROUTE-REFRESH resent the whole table with no limit.
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.9/32"), attrs_with_community(1)}}); });
  const auto next_route = [&](std::chrono::seconds timeout) -> bool {
    for (;;) {
      auto m = tor.read(timeout);
      if (!m) {
        return false;
      }
      if (auto* u = std::get_if<update_message>(&*m); u && !u->nlri.empty()) {
        return true;
      }
    }
  };
  ASSERT_TRUE(next_route(10s));
  tor.send(route_refresh_message{ipv4_unicast, 0});
  ASSERT_TRUE(next_route(10s));  // the first refresh is answered at once
  const auto asked = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    tor.send(route_refresh_message{ipv4_unicast, 0});
  }
  ASSERT_TRUE(next_route(15s));  // twenty more: one resend, after the interval
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 4s);
  EXPECT_FALSE(next_route(7s)) << "the folded refreshes were answered more than once";
}

TEST_F(speaker_test, hold_time_zero_turns_tcp_keepalive_on) {
  // Issue 13: hold time 0 and no TCP keepalive kept a dead ToR's session up for ever.
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.accept());
  ASSERT_TRUE(tor.read_until<open_message>());
  auto o = peer_open(0x0a000002);
  o.hold_time = 0;  // RFC 4271 §4.2: the smaller offer wins, so the session has none
  tor.send(o);
  tor.send(keepalive_message{});
  ASSERT_TRUE(wait_state(fsm::state::established));
  EXPECT_EQ(option_of_sockets_on(tor.port(), 1, SOL_SOCKET, SO_KEEPALIVE), std::vector<int>{1});
  EXPECT_EQ(option_of_sockets_on(tor.port(), 1, IPPROTO_TCP, TCP_USER_TIMEOUT),
            std::vector<int>{60000});
}

TEST_F(speaker_test, the_restart_bit_stays_set_until_that_peer_has_had_end_of_rib) {
  // Issue 13 (found against GoBGP): an OPEN sent once the cluster had synced carried R=0 although
  // that peer had not had our End-of-RIB yet (RFC 4724 §4.1).
  scripted_peer first;
  auto sc = local();
  sc.restarting = true;
  sc.hold_table = true;
  start(sc, {to(first)});
  auto open = first.establish();
  ASSERT_TRUE(open && open->caps.graceful_restart);
  EXPECT_TRUE(open->caps.graceful_restart->restart_state);
  call([&] { sp_->set_table_ready(); });
  auto eor = first.read_until<update_message>();
  ASSERT_TRUE(eor && eor->is_end_of_rib());
  // A second ToR reached after the table was ready has not had End-of-RIB: R is still set.
  scripted_peer second("127.0.0.2");
  call([&] { sp_->add_peer(to(second, "127.0.0.2")); });
  open = second.establish();
  ASSERT_TRUE(open && open->caps.graceful_restart);
  EXPECT_TRUE(open->caps.graceful_restart->restart_state);
  ASSERT_TRUE(second.read_until<update_message>());  // its End-of-RIB
  // Once it has had End-of-RIB, its next session says R=0.
  second.close();
  open = second.establish();
  ASSERT_TRUE(open && open->caps.graceful_restart);
  EXPECT_FALSE(open->caps.graceful_restart->restart_state);
}

TEST_F(speaker_test, a_route_that_fits_no_update_is_reported_and_counted) {
  // Issue 13: a route whose attributes fit no UPDATE stayed pending with no log or metric.
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());  // no extended message: 4,096 bytes
  auto huge = std::make_shared<path_attributes>();
  huge->origin = origin_type::igp;
  for (std::uint32_t i = 0; i < 1100; ++i) {
    huge->communities.push_back((65000u << 16) | i);
  }
  call([&] {
    sp_->set_routes(
        route_set{{pfx("10.96.0.1/32"), huge}, {pfx("10.96.0.2/32"), attrs_with_community(1)}});
  });
  auto warning =
      wait_event([](const speaker_event& e) { return e.what == speaker_event::kind::warning; });
  ASSERT_TRUE(warning);
  EXPECT_EQ(warning->text,
            "1 routes not sent: their attributes leave no room for the prefix in one UPDATE of "
            "4096 bytes");
  auto u = tor.read_until<update_message>();
  while (u && u->nlri.empty()) {
    u = tor.read_until<update_message>();
  }
  ASSERT_TRUE(u);
  EXPECT_EQ(u->nlri, std::vector<prefix>{pfx("10.96.0.2/32")});  // the other route goes out
  EXPECT_EQ(call([&] { return sp_->peer(to(tor).name)->routes_oversized; }), 1u);
}

TEST_F(speaker_test, peers_are_added_and_removed_without_touching_the_others) {
  scripted_peer first("127.0.0.1");
  scripted_peer second("127.0.0.2");
  start(local(), {to(first, "127.0.0.1")});
  ASSERT_TRUE(first.establish());
  ASSERT_TRUE(first.read_until<update_message>());  // End-of-RIB
  ASSERT_TRUE(call([&] { return sp_->add_peer(to(second, "127.0.0.2")); }));
  ASSERT_TRUE(second.establish());
  ASSERT_TRUE(call([&] { return sp_->remove_peer("p127.0.0.2"); }));
  auto n = second.read_until<notification_message>();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->subcode, notif::cease_peer_deconfigured);
  // The first session saw nothing but KEEPALIVEs: a new route still reaches it on the same session.
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.7/32"), attrs_with_community(1)}}); });
  auto u = first.read_until<update_message>();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->nlri, std::vector<prefix>{pfx("10.96.0.7/32")});
  EXPECT_EQ(call([&] { return sp_->peer("p127.0.0.1")->sent.open; }), 1u);
}

TEST_F(speaker_test, a_flood_of_keepalives_is_absorbed) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  // 16 MiB of KEEPALIVEs in large writes.
  auto one = encode(keepalive_message{}, tor.ctx);
  std::vector<std::uint8_t> chunk;
  for (int i = 0; i < 50000; ++i) {
    chunk.insert(chunk.end(), one.begin(), one.end());
  }
  for (int i = 0; i < 18; ++i) {
    tor.send_raw(chunk);
  }
  call([&] { sp_->set_routes(route_set{{pfx("10.96.0.8/32"), attrs_with_community(1)}}); });
  std::optional<update_message> u;
  do {
    u = tor.read_until<update_message>();
  } while (u && u->is_end_of_rib());
  ASSERT_TRUE(u);
  EXPECT_EQ(u->nlri, std::vector<prefix>{pfx("10.96.0.8/32")});
  auto status = call([&] { return sp_->peer("p127.0.0.1"); });
  EXPECT_EQ(status->state, fsm::state::established);
  EXPECT_GT(status->received.keepalive, 1u);
}

TEST_F(speaker_test, connection_lost_drops_at_once_without_notification_and_reconnects) {
  scripted_peer tor;
  start(local(), {to(tor)});
  ASSERT_TRUE(tor.establish());
  ASSERT_TRUE(call([&] { return sp_->connection_lost("p127.0.0.1"); }));
  // No NOTIFICATION: the path is gone, so the socket just closes.
  EXPECT_FALSE(tor.read_until<notification_message>(std::chrono::seconds(2)));
  auto down = wait_state(fsm::state::idle);
  ASSERT_TRUE(down);
  ASSERT_TRUE(tor.establish());
}

TEST_F(speaker_test, update_routes_sends_only_the_changed_prefixes) {
  scripted_peer tor;
  start(local(), {to(tor)});
  auto a = attrs_with_community(1);
  route_set routes{{pfx("10.96.0.1/32"), a}, {pfx("10.96.0.2/32"), a}};
  call([&] { sp_->set_routes("p127.0.0.1", routes); });
  ASSERT_TRUE(tor.establish());
  ASSERT_TRUE(tor.read_until<update_message>());  // the table
  ASSERT_TRUE(tor.read_until<update_message>());  // End-of-RIB
  routes.erase(pfx("10.96.0.2/32"));
  routes[pfx("10.96.0.3/32")] = attrs_with_community(2);
  call([&] {
    sp_->update_routes("p127.0.0.1", routes, {pfx("10.96.0.2/32"), pfx("10.96.0.3/32")});
  });
  auto w = tor.read_until<update_message>();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->withdrawn, std::vector<prefix>{pfx("10.96.0.2/32")});
  auto u = tor.read_until<update_message>();
  ASSERT_TRUE(u);
  EXPECT_EQ(u->nlri, std::vector<prefix>{pfx("10.96.0.3/32")});
  EXPECT_EQ(u->attrs.communities, std::vector<std::uint32_t>{2});
  EXPECT_EQ(u->attrs.next_hop, ip_address::parse("127.0.0.1"));
  EXPECT_EQ(call([&] { return sp_->peer("p127.0.0.1")->routes_sent; }), 2u);
}

}  // namespace
}  // namespace svcbgp::bgp
