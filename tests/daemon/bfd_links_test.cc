// What a peer's BFD means for its BGP session (RFC 5882): held while BFD is not Up, always when
// strict, only once the peer has shown it runs BFD when not; and bfd_links over real sockets:
// sessions follow the config, a timer change keeps the session.
#include "src/daemon/bfd_links.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace svcbgp::daemon {
namespace {

using bgp::bfd::diag;
using bgp::bfd::state;

config::bfd_config on(bool strict = true) {
  config::bfd_config c;
  c.enabled = true;
  c.strict = strict;
  return c;
}

TEST(bfd_links, bgp_waits_for_bfd_as_the_config_says) {
  EXPECT_EQ(bfd_hold(config::bfd_config{}, false, state::down, diag::none), std::nullopt);
  EXPECT_EQ(bfd_hold(on(), false, state::down, diag::none),
            "BFD Down: waiting for BFD to come Up (bfd.strict)");
  EXPECT_EQ(bfd_hold(on(), true, state::up, diag::none), std::nullopt);
  EXPECT_EQ(bfd_hold(on(), true, state::down, diag::control_detection_time_expired),
            "BFD Down (Control Detection Time Expired)");
  EXPECT_EQ(bfd_hold(on(), true, state::init, diag::none), "BFD Init");
  // Not strict: a peer that never ran BFD keeps its BGP session; one that did is held on Down.
  EXPECT_EQ(bfd_hold(on(false), false, state::down, diag::none), std::nullopt);
  EXPECT_EQ(bfd_hold(on(false), true, state::down, diag::neighbor_signaled_session_down),
            "BFD Down (Neighbor Signaled Session Down)");
}

config::peer peer(const char* name, const char* address) {
  config::peer p;
  p.bgp.name = name;
  p.bgp.address = *bgp::ip_address::parse(address);
  p.bfd = on();
  return p;
}

TEST(bfd_links, sessions_follow_the_config) {
  boost::asio::io_context io;
  std::vector<std::string> logs;
  bfd_links links(io, {}, [&](std::string_view m) { logs.emplace_back(m); });
  auto a = peer("tor1", "192.0.2.1");
  auto b = peer("tor2", "192.0.2.2");
  b.bfd.enabled = false;
  links.sync({a, b});
  auto s = links.sessions();
  // Port 3784 may be taken on this machine (an FRR bfdd): then every enabled peer is held and says
  // why, which is also what a user sees.
  if (!logs.empty()) {
    EXPECT_TRUE(links.hold(a)->starts_with("BFD unavailable: ")) << *links.hold(a);
    GTEST_SKIP() << logs.front();
  }
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].peer, "tor1");
  EXPECT_EQ(links.hold(a), "BFD Down: waiting for BFD to come Up (bfd.strict)");
  EXPECT_EQ(links.hold(b), std::nullopt);
  const auto discr = s[0].session.local_discriminator;
  // A faster receive interval: the same session, carried by a Poll Sequence (no flap).
  a.bfd.min_rx_ms = 100;
  links.sync({a, b});
  ASSERT_EQ(links.sessions().size(), 1u);
  EXPECT_EQ(links.sessions()[0].session.local_discriminator, discr);
  EXPECT_TRUE(links.sessions()[0].session.poll);
  // A new address: a new session; BFD off: none.
  a.bgp.address = *bgp::ip_address::parse("192.0.2.9");
  links.sync({a, b});
  EXPECT_NE(links.sessions()[0].session.local_discriminator, discr);
  a.bfd.enabled = false;
  links.sync({a, b});
  EXPECT_TRUE(links.sessions().empty());
}

}  // namespace
}  // namespace svcbgp::daemon
