// Weighted ECMP through update(): a changed count of ready local endpoints re-sends the IP with
// its new link bandwidth and counts a weight update; a change that leaves the count alone (an
// endpoint on another node) sends nothing (issue 16).
#include <gtest/gtest.h>

#include "bgp/codec/ext_community.h"
#include "k8s/model/cache.h"
#include "k8s/model/manifest.h"
#include "src/engine/selection.h"

namespace svcbgp::engine {
namespace {

constexpr const char* node_yaml = R"(apiVersion: v1
kind: Node
metadata:
  name: testnode
)";

constexpr const char* service_yaml = R"(apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: w
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  clusterIPs: [10.96.0.10]
  externalTrafficPolicy: Local
  ports: [{port: 80, protocol: TCP}]
status:
  loadBalancer:
    ingress: [{ip: 198.51.100.10}]
)";

std::string slice_yaml(int local, int remote) {
  std::string s = R"(apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: w
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
)";
  for (int i = 0; i < local + remote; ++i) {
    s += "- {addresses: [10.244." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
         "], conditions: {ready: true}, " + "nodeName: " + (i < local ? "testnode" : "node2") +
         "}\n";
  }
  return s;
}

class weights : public ::testing::Test {
 protected:
  weights() {
    engine_config cfg;
    cfg.node_name = "testnode";
    cfg.local_asn = 65010;
    cfg.advertise.load_balancer_ips.cidrs = {*bgp::prefix::parse("198.51.100.0/24")};
    cfg.advertise.weighted_ecmp.enabled = true;
    cfg.advertise.weighted_ecmp.bandwidth_per_endpoint_mbps = 8;  // 1,000,000 bytes/s
    peer_target tor;
    tor.name = "tor1";
    tor.advertise = {ip_kind::load_balancer_ip};
    cfg.peers = {tor};
    sel_ = std::make_unique<selector>(cfg);
    apply(std::string(node_yaml) + "---\n" + service_yaml + "---\n" + slice_yaml(1, 0));
    cache_.take_changes();
    sel_->full(cache_);
  }

  void apply(const std::string& text) {
    auto parsed = k8s::parse_manifests(text, "test.yaml");
    for (auto n : parsed.nodes) {
      cache_.upsert(std::move(n));
    }
    for (auto s : parsed.services) {
      cache_.upsert(std::move(s));
    }
    for (auto s : parsed.slices) {
      cache_.upsert(std::move(s));
    }
  }

  void update(const std::string& text) {
    apply(text);
    sel_->update(cache_, cache_.take_changes());
  }

  float bandwidth() {
    const auto& routes = sel_->routes("tor1");
    auto it = routes.find(*bgp::prefix::parse("198.51.100.10/32"));
    EXPECT_NE(it, routes.end());
    if (it == routes.end() || it->second->extended_communities.size() != 1) {
      return -1;
    }
    return bgp::parse_link_bandwidth(it->second->extended_communities[0])->bytes_per_second;
  }

  k8s::cluster_cache cache_;
  std::unique_ptr<selector> sel_;
};

TEST_F(weights, a_new_local_endpoint_resends_the_ip_with_its_new_weight) {
  EXPECT_EQ(bandwidth(), 1'000'000.0f);
  update(slice_yaml(2, 0));
  EXPECT_EQ(bandwidth(), 2'000'000.0f);
  EXPECT_EQ(sel_->weight_updates(), 1u);
  const auto* changed = sel_->changed_prefixes("tor1");
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(*changed, std::vector<bgp::prefix>{*bgp::prefix::parse("198.51.100.10/32")});
}

TEST_F(weights, an_endpoint_elsewhere_changes_nothing_here) {
  update(slice_yaml(1, 3));
  EXPECT_EQ(bandwidth(), 1'000'000.0f);
  EXPECT_EQ(sel_->weight_updates(), 0u);
  const auto* changed = sel_->changed_prefixes("tor1");
  ASSERT_NE(changed, nullptr);
  EXPECT_TRUE(changed->empty());
  EXPECT_TRUE(sel_->changed_peers().empty());
}

// FRR reads the bandwidth into 32 bits of bytes/s: past that it is held at the largest float below
// 2^32 (5,000 endpoints x 8 Mbit/s would be 5e9 bytes/s).
TEST_F(weights, a_sum_past_32_bits_of_bytes_per_second_is_held_below_it) {
  update(slice_yaml(5000, 0));
  EXPECT_EQ(bandwidth(), 4294967040.0f);
}

}  // namespace
}  // namespace svcbgp::engine
