#include "src/kubectl_svcbgp/cluster_view.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "k8s/client/node_status.h"
#include "tests/cli/golden.h"

namespace svcbgp::kubectl_svcbgp {
namespace {

using namespace std::chrono;
using svcbgp::testing::expect_golden;

std::string fixture() {
  const char* dir = std::getenv("FIXTURE_DIR");
  std::ifstream in(std::string(dir ? dir : "tests/kubectl_svcbgp/fixtures") +
                   "/bgpnodestatuses.json");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

time_point at(const char* s) {
  return *parse_rfc3339(s);
}

std::vector<node_row> fixture_nodes() {
  auto page = parse_status_list(fixture());
  EXPECT_TRUE(page.has_value()) << page.error();
  return select_nodes(page ? page->nodes : std::vector<node_row>{}, "");
}

TEST(cluster_view, reads_every_node_in_name_order) {
  auto nodes = fixture_nodes();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].node, "node-1");
  EXPECT_EQ(nodes[0].local_asn, 64601u);
  EXPECT_EQ(nodes[0].config_generation, 3u);
  ASSERT_EQ(nodes[0].sessions.size(), 2u);
  EXPECT_EQ(nodes[0].sessions[1].address, "fd00:1::1");
  EXPECT_EQ(nodes[0].sessions[1].last_error, "Received: Cease / Administrative shutdown");
  EXPECT_EQ(*nodes[0].sessions[0].since, at("2026-12-07T09:01:02.250Z"));
  EXPECT_FALSE(nodes[2].has_status);
  EXPECT_EQ(nodes[0].sessions_up(), (std::pair<std::size_t, std::size_t>{1, 2}));
  EXPECT_EQ(nodes[1].sessions_up(),
            (std::pair<std::size_t, std::size_t>{1, 1}));  // Held: not asked for
}

TEST(cluster_view, peers_and_nodes_tables) {
  auto nodes = fixture_nodes();
  expect_golden("peers", render_peers(nodes, at("2026-12-07T12:00:00Z")));
  expect_golden("nodes", render_nodes(nodes));
  expect_golden("peers_json", peers_json(nodes));
  expect_golden("nodes_json", nodes_json(nodes));
}

TEST(cluster_view, a_held_session_is_not_asked_for_and_a_missing_status_cannot_vouch) {
  auto nodes = fixture_nodes();
  EXPECT_TRUE(any_unhealthy(nodes));
  EXPECT_TRUE(any_unhealthy(select_nodes(nodes, "node-1")));   // tor-b Active
  EXPECT_FALSE(any_unhealthy(select_nodes(nodes, "node-2")));  // tor-a up, tor-rack1 held
  EXPECT_TRUE(any_unhealthy(select_nodes(nodes, "node-3")));   // nothing written yet
  EXPECT_TRUE(select_nodes(nodes, "node-9").empty());
}

// What svcbgpd's writer produces is what the plugin reads back.
TEST(cluster_view, reads_what_the_status_writer_writes) {
  k8s::client::node_report r;
  r.node = "node-7";
  r.local_asn = 4200000001u;
  r.config_generation = 2;
  r.announced_cluster_ip = 5;
  r.announced_load_balancer_ip = 1;
  r.synced = true;
  r.sessions = {{"tor", "192.0.2.1", 65000, "Established", at("2026-12-07T10:00:00Z"), "", 5, 0},
                {"tor6", "2001:db8::1", 65000, "Connect", at("2026-12-07T11:00:00Z"),
                 "connect: Connection refused", 0, 0}};
  k8s::client::node_conditions conds;
  auto patch = boost::json::parse(
      k8s::client::node_status_patch(r, conds.update(r, at("2026-12-07T11:00:00Z")), ""));
  boost::json::object item{{"metadata", {{"name", "node-7"}}}, {"status", patch.at("status")}};
  boost::json::object list{{"kind", "BGPNodeStatusList"}, {"items", boost::json::array{item}}};
  auto page = parse_status_list(boost::json::serialize(list));
  ASSERT_TRUE(page.has_value()) << page.error();
  ASSERT_EQ(page->nodes.size(), 1u);
  const auto& n = page->nodes[0];
  EXPECT_EQ(n.problem, "");
  EXPECT_EQ(n.local_asn, 4200000001u);
  EXPECT_EQ((std::tuple{n.config_generation, n.cluster_ips, n.external_ips, n.load_balancer_ips}),
            (std::tuple{2u, 5u, 0u, 1u}));
  ASSERT_EQ(n.sessions.size(), 2u);
  EXPECT_EQ(n.sessions[1].state, "Connect");
  EXPECT_EQ(n.sessions[1].last_error, "connect: Connection refused");
  EXPECT_EQ(*n.sessions[0].since, at("2026-12-07T10:00:00Z"));
  EXPECT_EQ(n.sessions[0].sent, 5u);
  EXPECT_TRUE(n.unhealthy());
  EXPECT_EQ(render_nodes({n}).substr(render_nodes({n}).find('\n') + 1),
            "node-7   4200000001   2        True     1/2        5             0              1"
            "        AllSessionsEstablished: 1 down; tor6 is Connect\n");
}

// One bad object is reported on its line; the others are read.
TEST(cluster_view, an_unreadable_item_is_named_and_hides_nothing_else) {
  auto page = parse_status_list(R"({"kind":"BGPNodeStatusList","items":[
    {"metadata":{"name":"bad"},"status":{"localASN":64600,"sessions":[{"peer":"t","state":"Established","peerASN":"65000"}]}},
    {"metadata":{"name":"late"},"status":{"sessions":[{"peer":"t","state":"Established","since":"yesterday"}]}},
    7,
    {"metadata":{"name":"good"},"status":{"localASN":64601,"sessions":[{"peer":"t","state":"Established"}]}}]})");
  ASSERT_TRUE(page.has_value()) << page.error();
  auto nodes = select_nodes(page->nodes, "");
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0].problem,
            "status.sessions[0].peerASN: expected an integer from 0 to 4294967295");
  EXPECT_EQ(nodes[1].node, "good");
  EXPECT_FALSE(nodes[1].unhealthy());
  EXPECT_EQ(nodes[2].node, "items[2]");
  EXPECT_EQ(nodes[2].problem, "not an object");
  EXPECT_EQ(nodes[3].node, "late");
  EXPECT_EQ(nodes[3].problem, "status.sessions[0].since: not an RFC 3339 time");
  EXPECT_TRUE(any_unhealthy(nodes));
  std::string peers = render_peers(nodes, at("2026-12-07T12:00:00Z"));
  EXPECT_NE(peers.find("\nbad        -          -      -              -         Unknown"),
            std::string::npos)
      << peers;
  EXPECT_NE(peers.find("unreadable status: status.sessions[0].peerASN: expected an integer"),
            std::string::npos);
}

// A status not written again for three heartbeats says nothing about the node now.
TEST(cluster_view, a_status_without_a_recent_heartbeat_is_stale) {
  auto page = parse_status_list(R"({"kind":"BGPNodeStatusList","items":[
    {"metadata":{"name":"old"},"status":{"localASN":64601,"heartbeatTime":"2026-12-07T11:50:00Z",
     "heartbeatSeconds":60,"sessions":[{"peer":"tor","state":"Established"}]}},
    {"metadata":{"name":"recent"},"status":{"localASN":64602,"heartbeatTime":"2026-12-07T11:57:30Z",
     "heartbeatSeconds":60,"sessions":[{"peer":"tor","state":"Established"}]}},
    {"metadata":{"name":"unbeating"},"status":{"localASN":64603,
     "sessions":[{"peer":"tor","state":"Established"}]}}]})");
  ASSERT_TRUE(page.has_value()) << page.error();
  auto nodes = select_nodes(page->nodes, "");
  mark_stale(nodes, at("2026-12-07T12:00:00Z"));
  EXPECT_EQ(nodes[0].stale, "stale: no heartbeat for 10m (written every 60s): is svcbgpd running?");
  EXPECT_TRUE(nodes[0].unhealthy());
  EXPECT_EQ(nodes[1].stale, "");  // 2m30s: within three heartbeats
  EXPECT_FALSE(nodes[1].unhealthy());
  EXPECT_EQ(nodes[2].stale, "");  // no heartbeat written: taken as it is
  EXPECT_FALSE(nodes[2].unhealthy());
  EXPECT_EQ(
      render_nodes(nodes),
      "NODE        AS      CONFIG   SYNCED   SESSIONS   CLUSTER IPS   EXTERNAL IPS   LB IPS   "
      "PROBLEMS\n"
      "old         -       -        -        -          -             -              -        "
      "stale: no heartbeat for 10m (written every 60s): is svcbgpd running?\n"
      "recent      64602   0        -        1/1        0             0              0        -\n"
      "unbeating   64603   0        -        1/1        0             0              0        -\n");
}

TEST(cluster_view, answers_that_are_not_a_status_list) {
  EXPECT_EQ(parse_status_list("<html>").error().substr(0, 22), "the answer is not JSON");
  EXPECT_EQ(parse_status_list(R"({"kind":"Status","code":500})").error(),
            "the answer is not a BGPNodeStatusList");
  EXPECT_EQ(parse_status_list(R"({"kind":"BGPNodeStatusList"})").error(),
            "the BGPNodeStatusList has no items list");
  auto page = parse_status_list(
      R"({"kind":"BGPNodeStatusList","metadata":{"continue":"eyJ2IjoxfQ=="},"items":null})");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->continue_token, "eyJ2IjoxfQ==");
  EXPECT_TRUE(page->nodes.empty());
}

TEST(cluster_view, failures_say_what_to_do) {
  EXPECT_EQ(describe_failure(404, ""),
            "the BGPNodeStatus resource is not installed (404 from "
            "/apis/svcbgp.io/v1alpha1/bgpnodestatuses): kubectl apply -k configs/deploy/crds, and "
            "svcbgpd writes one per node");
  EXPECT_EQ(
      describe_failure(
          403,
          R"({"kind":"Status","message":"bgpnodestatuses.svcbgp.io is forbidden: User \"bob\" cannot list"})"),
      "the API server answered 403 (Forbidden: listing bgpnodestatuses.svcbgp.io needs RBAC "
      "list): bgpnodestatuses.svcbgp.io is forbidden: User \"bob\" cannot list");
  EXPECT_EQ(describe_failure(500, "not json"), "the API server answered 500");
}

TEST(cluster_view, ages_as_kubectl_prints_them) {
  const std::pair<seconds, const char*> cases[] = {
      {-5s, "0s"},           {0s, "0s"},        {45s, "45s"},
      {119s, "119s"},        {120s, "2m"},      {303s, "5m3s"},
      {600s, "10m"},         {179min, "179m"},  {3h, "3h"},
      {3h + 12min, "3h12m"}, {8h, "8h"},        {47h, "47h"},
      {48h, "2d"},           {52h, "2d4h"},     {24h * 8, "8d"},
      {24h * 729, "729d"},   {24h * 730, "2y"}, {24h * 731, "2y1d"},
      {24h * 365 * 9, "9y"}};
  for (auto [d, want] : cases) {
    EXPECT_EQ(age(d), want) << d.count() << "s";
  }
}

TEST(cluster_view, rfc3339_times) {
  EXPECT_EQ(at("2026-12-07T12:00:00+01:30"), at("2026-12-07T10:30:00Z"));
  EXPECT_EQ(at("2026-12-07T12:00:00-00:30"), at("2026-12-07T12:30:00z"));
  EXPECT_EQ(at("2026-12-07T12:00:00.5Z") - at("2026-12-07T12:00:00Z"), milliseconds(500));
  EXPECT_EQ(at("2026-12-07T12:00:00.123456789123Z") - at("2026-12-07T12:00:00Z"),
            duration_cast<system_clock::duration>(nanoseconds(123456789)));
  EXPECT_EQ(at("1970-01-01T00:00:00Z").time_since_epoch().count(), 0);
  for (const char* bad : {"", "2026-12-07", "2026-12-07T12:00:00", "2026-02-30T12:00:00Z",
                          "2026-12-07T24:00:00Z", "2026-12-07T12:00:00.Z", "2026-12-07T12:00:00Zx",
                          "2026-12-07T12:00:00+1:00", "2026-12-07 12:00:00Q"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace svcbgp::kubectl_svcbgp
