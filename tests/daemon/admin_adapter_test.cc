// What svcbgpc gets from the daemon's parts (src/daemon/admin_adapter): a daemon still waiting
// for its config (no speaker, no selection) answers empty instead of crashing; peer commands reach
// the speaker and name only its peers; `show route` filters by peer and direction; WatchEvents
// subscriptions end when their handle goes, even after the adapter is gone.
#include "src/daemon/admin_adapter.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace svcbgp::daemon {
namespace {

struct fake_daemon {
  bgp::speaker* speaker = nullptr;
  int reloads = 0, shutdowns = 0;
  admin_adapter adapter{{.status =
                             [] {
                               admin::daemon_status s;
                               s.node_name = "node-1";
                               return s;
                             },
                         .speaker = [this] { return speaker; },
                         .selection = []() -> const engine::selector* { return nullptr; },
                         .bfd = []() -> const bfd_links* { return nullptr; },
                         .reload =
                             [this](bool check_only) {
                               ++reloads;
                               admin::reload_result r;
                               r.ok = check_only;
                               return r;
                             },
                         .shutdown = [this] { ++shutdowns; }}};
};

TEST(admin_adapter, a_daemon_waiting_for_its_config_answers_empty) {
  fake_daemon d;
  auto& a = d.adapter;
  EXPECT_EQ(a.status().node_name, "node-1");
  EXPECT_TRUE(a.peers().empty());
  EXPECT_FALSE(a.enable_peer("tor"));
  EXPECT_FALSE(a.disable_peer("tor", "maintenance"));
  EXPECT_FALSE(a.reset_peer("tor", true, false));
  EXPECT_TRUE(a.routes({}).empty());
  EXPECT_TRUE(a.services(std::nullopt).empty());
  EXPECT_TRUE(a.bfd_sessions().empty());
  // Reload and shutdown still work: they are how a waiting daemon is fixed or stopped.
  EXPECT_TRUE(a.reload(true).ok);
  EXPECT_FALSE(a.reload(false).ok);
  a.shutdown();
  EXPECT_EQ(std::pair(d.reloads, d.shutdowns), std::pair(2, 1));
}

TEST(admin_adapter, peer_commands_and_routes_reach_the_speaker) {
  boost::asio::io_context io;
  bgp::speaker_config sc;
  sc.local_as = 65001;
  sc.router_id = 0x0a000001;
  sc.listen_port = 0;
  bgp::speaker sp(io, sc);
  for (const char* name : {"tor1", "tor2"}) {
    bgp::peer_config p;
    p.name = name;
    p.address = *bgp::ip_address::parse(name == std::string("tor1") ? "192.0.2.1" : "192.0.2.2");
    p.asn = 65000;
    p.enabled = false;  // no connection attempts from a unit test
    p.next_hop_v4 = bgp::ip_address::parse("192.0.2.100");  // what makes our routes exportable
    ASSERT_TRUE(sp.add_peer(p));
  }
  const auto pfx = *bgp::prefix::parse("10.96.0.10/32");
  bgp::route_set routes;
  routes[pfx] = std::make_shared<const bgp::path_attributes>();
  sp.set_routes("tor1", routes);
  io.poll();  // the peer takes its routes on the io thread

  fake_daemon d;
  d.speaker = &sp;
  auto& a = d.adapter;
  ASSERT_EQ(a.peers().size(), 2u);
  EXPECT_TRUE(a.enable_peer("tor1"));
  EXPECT_FALSE(a.enable_peer("tor9"));
  EXPECT_TRUE(a.disable_peer("tor1", "maintenance"));
  EXPECT_FALSE(a.reset_peer("tor9", true, false));

  admin::route_query q;
  auto all = a.routes(q);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].peer, "tor1");
  EXPECT_EQ(all[0].pfx, pfx);
  EXPECT_TRUE(all[0].exported);
  q.peer = "tor2";
  EXPECT_TRUE(a.routes(q).empty());
  q.peer = "tor1";
  q.exported = false;
  EXPECT_TRUE(a.routes(q).empty());  // received only: tor1 sent nothing
}

TEST(admin_adapter, subscriptions_end_with_their_handle) {
  std::vector<std::string> seen;
  std::shared_ptr<void> late;
  {
    fake_daemon d;
    auto& a = d.adapter;
    EXPECT_FALSE(a.watched());
    auto h1 =
        a.subscribe([&](const admin::daemon_event& e) { seen.push_back("1:" + e.peer_name); });
    late = a.subscribe([&](const admin::daemon_event& e) { seen.push_back("2:" + e.peer_name); });
    EXPECT_TRUE(a.watched());
    admin::daemon_event e;
    e.what = admin::daemon_event::kind::route_change;
    e.peer_name = "tor1";
    a.publish(e);
    h1.reset();
    e.peer_name = "tor2";
    a.publish(e);
  }
  late.reset();  // a stream that ends after the daemon: no use of freed memory (ASan run)
  EXPECT_EQ(seen, (std::vector<std::string>{"1:tor1", "2:tor1", "2:tor2"}));
}

}  // namespace
}  // namespace svcbgp::daemon
