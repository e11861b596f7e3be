// bgp::bfd_service over real UDP sockets on the loopback: two services (on different ports, as two
// hosts would be on one) bring a session Up over IPv4 and IPv6; packets that are garbage, come with
// a TTL below 255 or name no session are dropped and counted without touching the session; a peer
// that goes silent is detected.
#include "bgp/session/bfd_service.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <thread>

namespace svcbgp::bgp {
namespace {

using namespace std::chrono_literals;

bfd_service_options ports(std::uint16_t base, bool a) {
  bfd_service_options o;
  o.single_hop_port = static_cast<std::uint16_t>(base + (a ? 0 : 1));
  o.peer_single_hop_port = static_cast<std::uint16_t>(base + (a ? 1 : 0));
  o.multihop_port = static_cast<std::uint16_t>(base + (a ? 2 : 3));
  o.peer_multihop_port = static_cast<std::uint16_t>(base + (a ? 3 : 2));
  o.seed = a ? 1 : 2;
  return o;
}

class BfdServiceTest : public ::testing::Test {
 protected:
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 10s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < end) {
      io_.run_one_for(10ms);
    }
    return pred();
  }

  // Sends raw bytes to a service's single-hop port from an ordinary socket (TTL 64).
  static void send_raw(std::uint16_t port, const std::vector<std::uint8_t>& bytes, int ttl = 64) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    ::close(fd);
  }

  boost::asio::io_context io_;
};

TEST_F(BfdServiceTest, two_services_come_up_over_ipv4_and_ipv6) {
  bfd_service a(io_, ports(23780, true));
  bfd_service b(io_, ports(23780, false));
  ASSERT_TRUE(a.start().has_value());
  ASSERT_TRUE(b.start().has_value());
  std::vector<bfd::state_changed> changes;
  for (const char* addr : {"127.0.0.1", "::1"}) {
    bfd_session_spec s;
    s.peer = *ip_address::parse(addr);
    auto da = a.add(s, [&](const bfd::state_changed& c) { changes.push_back(c); });
    auto db = b.add(s, {});
    ASSERT_TRUE(da.has_value()) << da.error();
    ASSERT_TRUE(db.has_value()) << db.error();
    ASSERT_TRUE(run_until([&] {
      return a.status(*da)->local == bfd::state::up && b.status(*db)->local == bfd::state::up;
    })) << addr;
    EXPECT_EQ(a.status(*da)->remote_discriminator, *db);
    // Going Up changed both sides' Desired Min TX: awaited until the Poll Sequences have ended.
    ASSERT_TRUE(run_until([&] { return !a.status(*da)->poll && !b.status(*db)->poll; })) << addr;
    EXPECT_EQ(a.status(*da)->tx_interval, 300ms) << addr;
    EXPECT_EQ(a.status(*da)->detect_time, 900ms) << addr;
  }
  EXPECT_EQ(a.counters().dropped, (std::map<std::string, std::uint64_t>{}));
  EXPECT_GT(a.counters().sent, 4u);
}

TEST_F(BfdServiceTest, bad_packets_are_dropped_and_counted_and_the_session_stays_up) {
  bfd_service a(io_, ports(23790, true));
  bfd_service b(io_, ports(23790, false));
  ASSERT_TRUE(a.start().has_value());
  ASSERT_TRUE(b.start().has_value());
  bfd_session_spec s;
  s.peer = *ip_address::parse("127.0.0.1");
  std::vector<bfd::state_changed> changes;
  auto da = a.add(s, [&](const bfd::state_changed& c) { changes.push_back(c); });
  auto db = b.add(s, {});
  ASSERT_TRUE(run_until([&] { return a.status(*da)->local == bfd::state::up; }));
  const auto before = changes.size();
  bfd::control_packet p;
  p.sta = bfd::state::down;
  p.my_discriminator = 4242;
  const auto good = bfd::encode(p);
  // A well-formed Down packet for our session from a host further away: TTL 64 (RFC 5881 §5).
  p.your_discriminator = *da;
  const auto spoof = bfd::encode(p);
  send_raw(23790, std::vector<std::uint8_t>(spoof.begin(), spoof.end()), 64);
  send_raw(23790, {0x20, 0x40, 0x03}, 255);  // truncated
  p.your_discriminator = 0xdeadbeef;         // names no session
  const auto stranger = bfd::encode(p);
  send_raw(23790, std::vector<std::uint8_t>(stranger.begin(), stranger.end()), 255);
  auto versioned = std::vector<std::uint8_t>(good.begin(), good.end());
  versioned[0] = 0x40;
  send_raw(23790, versioned, 255);
  ASSERT_TRUE(run_until([&] {
    const auto d = a.counters().dropped;
    return d.contains("ttl") && d.contains("truncated") && d.contains("no_session") &&
           d.contains("bad_version");
  })) << a.counters().dropped.size();
  // Each datagram is dropped before any session sees it: once all four are counted, nothing else
  // of theirs is to come.
  EXPECT_EQ(changes.size(), before);  // nothing reached the session
  EXPECT_EQ(a.status(*da)->local, bfd::state::up);
}

TEST_F(BfdServiceTest, a_silent_peer_is_detected) {
  bfd_service a(io_, ports(23800, true));
  auto b = std::make_unique<bfd_service>(io_, ports(23800, false));
  ASSERT_TRUE(a.start().has_value());
  ASSERT_TRUE(b->start().has_value());
  bfd_session_spec s;
  s.peer = *ip_address::parse("127.0.0.1");
  std::optional<bfd::state_changed> down;
  auto da = a.add(s, [&](const bfd::state_changed& c) {
    if (c.to == bfd::state::down) {
      down = c;
    }
  });
  b->add(s, {});
  ASSERT_TRUE(run_until([&] { return a.status(*da)->local == bfd::state::up; }));
  // From the Up timers on (b's Poll Sequence of going Up has ended): 3 x 300 ms.
  ASSERT_TRUE(run_until([&] { return a.status(*da)->detect_time == 900ms; }));
  b.reset();  // the peer stops sending, without a word
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return down.has_value(); }, 5s));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(down->why, bfd::diag::control_detection_time_expired);
  EXPECT_EQ(a.counters().detect_expirations, 1u);
  std::printf("# silent peer detected after %.0f ms (3 x 300 ms after its last packet)\n",
              std::chrono::duration<double, std::milli>(took).count());
}

}  // namespace
}  // namespace svcbgp::bgp
