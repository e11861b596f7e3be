// The reconciler: batching, first full selection, then only changed peers, through a fake sink.
#include "src/engine/reconciler.h"

#include <gtest/gtest.h>
#include <deque>

#include "k8s/model/manifest.h"

namespace svcbgp::engine {
namespace {

using namespace std::chrono_literals;
using clock = reconciler::clock;

struct recording_sink : route_sink {
  std::vector<std::pair<std::string, std::size_t>> calls;  // peer, routes
  bgp::route_set last;
  std::vector<std::vector<bgp::prefix>> deltas;  // changed prefixes of each update_routes call
  void set_routes(const std::string& peer, const bgp::route_set& routes) override {
    calls.emplace_back(peer, routes.size());
    last = routes;
  }
  void update_routes(const std::string& peer, const bgp::route_set& routes,
                     const std::vector<bgp::prefix>& changed) override {
    deltas.push_back(changed);
    set_routes(peer, routes);
  }
};

constexpr std::string_view cluster_yaml = R"(
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: LoadBalancer, clusterIP: 10.96.0.10, externalTrafficPolicy: Local}
status: {loadBalancer: {ingress: [{ip: 198.51.100.10}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.244.0.5], nodeName: n1}]
)";

engine_config config(std::chrono::milliseconds delay = 10ms) {
  engine_config c;
  c.node_name = "n1";
  c.local_asn = 64512;
  c.advertise.load_balancer_ips.cidrs = {*bgp::prefix::parse("198.51.100.0/24")};
  c.advertise.batch_delay = delay;
  peer_target a;
  a.name = "tor1";
  peer_target b;
  b.name = "tor2";
  b.advertise = {ip_kind::cluster_ip};  // never gets the LoadBalancer IP
  c.peers = {a, b};
  return c;
}

void load(k8s::cluster_cache& cache, std::string_view yaml) {
  auto m = k8s::parse_manifests(yaml, "test.yaml");
  ASSERT_TRUE(m.errors.empty()) << m.errors.front().to_string();
  auto deque_of = [](auto& v) {
    return std::deque(std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  };
  cache.replace(deque_of(m.services));
  cache.replace(deque_of(m.slices));
  cache.replace(deque_of(m.nodes));
}

TEST(reconciler, the_first_batch_arms_the_timer_and_later_ones_join_it) {
  recording_sink sink;
  reconciler r(config(25ms), sink);
  const auto t0 = clock::time_point{} + 1s;
  EXPECT_EQ(r.on_batch(t0), t0 + 25ms);
  EXPECT_EQ(r.on_batch(t0 + 5ms), std::nullopt);
  EXPECT_EQ(r.pending_since(), t0);
  k8s::cluster_cache cache;
  r.run(cache);
  EXPECT_FALSE(r.run_pending());
  EXPECT_EQ(r.on_batch(t0 + 30ms), t0 + 55ms);
}

TEST(reconciler, the_first_run_pushes_every_peer) {
  recording_sink sink;
  reconciler r(config(), sink);
  k8s::cluster_cache cache;
  load(cache, cluster_yaml);
  r.run(cache);
  ASSERT_EQ(sink.calls.size(), 2u);
  EXPECT_TRUE(sink.deltas.empty());  // the first run hands over whole sets
  EXPECT_EQ(sink.calls[0], (std::pair<std::string, std::size_t>{"tor1", 1}));
  EXPECT_EQ(sink.calls[1], (std::pair<std::string, std::size_t>{"tor2", 0}));
  EXPECT_FALSE(cache.has_changes());  // the run consumed them
}

TEST(reconciler, a_change_pushes_only_the_peers_whose_routes_changed) {
  recording_sink sink;
  reconciler r(config(), sink);
  k8s::cluster_cache cache;
  load(cache, cluster_yaml);
  r.run(cache);
  sink.calls.clear();
  // The endpoint leaves this node: the Local-policy LoadBalancer IP is withdrawn from tor1 only.
  std::string moved(cluster_yaml);
  moved.replace(moved.rfind("nodeName: n1"), 12, "nodeName: n2");
  load(cache, moved);
  r.on_batch(clock::now());
  r.run(cache);
  ASSERT_EQ(sink.calls.size(), 1u);
  EXPECT_EQ(sink.calls[0], (std::pair<std::string, std::size_t>{"tor1", 0}));
  // Handed over as a difference: exactly the one withdrawn prefix, not the whole table.
  ASSERT_EQ(sink.deltas.size(), 1u);
  EXPECT_EQ(sink.deltas[0], std::vector<bgp::prefix>{*bgp::prefix::parse("198.51.100.10/32")});
  auto d = r.current().decisions();
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(to_string(d.back().why), "noLocalEndpoints");
}

TEST(reconciler, a_run_with_nothing_changed_pushes_nothing) {
  recording_sink sink;
  reconciler r(config(), sink);
  k8s::cluster_cache cache;
  load(cache, cluster_yaml);
  r.run(cache);
  sink.calls.clear();
  load(cache, cluster_yaml);  // the same objects again: no change
  r.run(cache);
  EXPECT_TRUE(sink.calls.empty());
  EXPECT_EQ(r.statistics().runs, 2u);
}

TEST(reconciler, reconfigure_selects_everything_again) {
  recording_sink sink;
  reconciler r(config(), sink);
  k8s::cluster_cache cache;
  load(cache, cluster_yaml);
  r.run(cache);
  sink.calls.clear();
  auto c = config();
  c.advertise.load_balancer_ips.cidrs = {*bgp::prefix::parse("203.0.113.0/24")};
  r.reconfigure(c, cache);
  ASSERT_EQ(sink.calls.size(), 2u);
  EXPECT_EQ(sink.calls[0], (std::pair<std::string, std::size_t>{"tor1", 0}));
  EXPECT_EQ(to_string(r.current().decisions().back().why), "notInAllowedCidrs");
}

}  // namespace
}  // namespace svcbgp::engine
