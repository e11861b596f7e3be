// svcbgpd's config from svcbgp.io objects (src/config/resources): the two-rack example of
// configs/examples as the API server would serve it, per-node selection and specificity, joined
// advertisements, Secrets, and every error naming its object and field.
#include "src/config/resources.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace svcbgp::config {
namespace {

daemon_config local() {
  auto c = parse("node_name: node-r1-1\nlocal_asn: 1\nkubernetes: {source: kubeconfig}\n",
                 environment::none());
  EXPECT_TRUE(c);
  return *c;
}

// The objects of one example file, their specs as JSON-ish YAML text.
std::vector<resource_object> example(const std::string& file) {
  std::vector<resource_object> out;
  for (const auto& doc : YAML::LoadAllFromFile(std::string(SVCBGP_SOURCE_ROOT) +
                                               "/configs/examples/two-rack/" + file)) {
    YAML::Emitter e;
    e << YAML::Flow << doc["spec"];
    out.push_back({doc["metadata"]["name"].as<std::string>(), e.c_str()});
  }
  return out;
}

cluster_resources two_rack() {
  cluster_resources r;
  r.node_configs = example("bgpnodeconfigs.yaml");
  r.advertisements = example("bgpadvertisements.yaml");
  r.peers = example("bgppeers.yaml");
  r.secrets = [](const std::string& secret, const std::string& key) -> std::optional<std::string> {
    if (secret == "svcbgp-tor-passwords" && key == "rack-r1") {
      return "r1-md5-secret";
    }
    if (secret == "svcbgp-tor-passwords" && key == "rack-r2") {
      return "r2-md5-secret";
    }
    return std::nullopt;
  };
  return r;
}

std::vector<std::string> errors_of(const cluster_resources& r,
                                   const std::map<std::string, std::string>& labels = {
                                       {"svcbgp.io/rack", "r1"}}) {
  std::vector<std::string> out;
  if (auto c = from_resources(local(), labels, r, environment::none()); !c) {
    for (const auto& e : c.error()) {
      out.push_back(e.to_string());
    }
  }
  return out;
}

TEST(resources, the_two_rack_example_on_a_node_of_rack_r1) {
  const auto c =
      from_resources(local(), {{"svcbgp.io/rack", "r1"}}, two_rack(), environment::none());
  ASSERT_TRUE(c) << c.error().front().to_string();
  // What only the file says stays.
  EXPECT_EQ(c->node_name, "node-r1-1");
  EXPECT_EQ(c->source, k8s_source::kubeconfig);
  // BGPNodeConfig: rack-r1's AS, all-nodes' policy, declared defaults for the rest.
  EXPECT_EQ(c->local_asn, 64601u);
  EXPECT_EQ(c->shutdown, shutdown_mode::withdraw);
  EXPECT_EQ(c->shutdown_message, "node maintenance: traffic moves to the other nodes");
  EXPECT_EQ(c->advertise.node_drain, engine::node_drain_mode::withdraw);
  EXPECT_TRUE(c->advertise.weighted_ecmp.enabled);
  EXPECT_EQ(c->restart_time, 120);
  EXPECT_FALSE(c->router_id);  // auto
  EXPECT_EQ(c->listen_port, 0);
  // BGPAdvertisements joined.
  ASSERT_EQ(c->advertise.cluster_ips.cidrs.size(), 2u);
  EXPECT_EQ(c->advertise.cluster_ips.cidrs[0].to_string(), "10.96.0.0/12");
  EXPECT_EQ(c->advertise.load_balancer_ips.cidrs.size(), 2u);
  EXPECT_EQ(c->advertise.external_ips.cidrs.size(), 1u);
  EXPECT_EQ(c->advertise.local_pref, 200u);
  EXPECT_EQ(c->advertise.communities, std::vector<std::uint32_t>{(65000u << 16) | 100});
  // Every BGPPeer, by name, with its selector and its Secret's password.
  ASSERT_EQ(c->peers.size(), 4u);
  const auto& p = c->peers[0];
  EXPECT_EQ(p.bgp.name, "r1-tor-a");
  EXPECT_EQ(p.bgp.address.to_string(), "10.1.0.1");
  EXPECT_EQ(p.bgp.asn, 65101u);
  EXPECT_EQ(p.bgp.hold_time.count(), 9);
  EXPECT_EQ(p.bgp.password, "r1-md5-secret");
  EXPECT_TRUE(p.bfd.enabled);
  EXPECT_EQ(p.bfd.min_rx_ms, 300u);
  EXPECT_EQ(p.node_selector.match_labels,
            (std::map<std::string, std::string>{{"svcbgp.io/rack", "r1"}}));
  EXPECT_EQ(c->peers[2].bgp.name, "r2-tor-a");
  EXPECT_TRUE(c->peers[2].bgp.max_prefixes_cease);
  EXPECT_EQ(c->peers[2].bgp.max_prefixes, 100u);
  EXPECT_EQ(c->peers[2].bgp.password, "r2-md5-secret");
  EXPECT_EQ(c->peers[3].bgp.hold_time.count(), 90);  // the declared default
}

TEST(resources, the_most_specific_node_config_wins_field_by_field) {
  const auto c =
      from_resources(local(), {{"svcbgp.io/rack", "r2"}}, two_rack(), environment::none());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->local_asn, 64602u);
  EXPECT_EQ(c->shutdown, shutdown_mode::withdraw);  // from all-nodes, which rack-r2 leaves alone
  auto r = two_rack();
  r.node_configs.push_back({"node-one",
                            "{localASN: 64999, nodeSelector: {matchLabels: "
                            "{svcbgp.io/rack: r2, kubernetes.io/hostname: n1}}}"});
  const auto d =
      from_resources(local(), {{"svcbgp.io/rack", "r2"}, {"kubernetes.io/hostname", "n1"}}, r,
                     environment::none());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->local_asn, 64999u);
}

TEST(resources, two_equally_specific_node_configs_that_disagree_are_an_error_on_both) {
  auto r = two_rack();
  r.node_configs.push_back(
      {"rack-r1-again", "{localASN: 64700, nodeSelector: {matchLabels: {svcbgp.io/rack: r1}}}"});
  EXPECT_EQ(errors_of(r),
            (std::vector<std::string>{
                "BGPNodeConfig rack-r1-again: spec.localASN: 64700 here and 64601 in "
                "BGPNodeConfig rack-r1, whose nodeSelector is as specific: make one of them more "
                "specific",
                "BGPNodeConfig rack-r1: spec.localASN: 64601 here and 64700 in BGPNodeConfig "
                "rack-r1-again, whose nodeSelector is as specific: make one of them more "
                "specific"}));
  // Agreeing is no conflict.
  r.node_configs.back().spec =
      "{localASN: 64601, nodeSelector: {matchLabels: {svcbgp.io/rack: r1}}}";
  EXPECT_EQ(errors_of(r), std::vector<std::string>{});
}

TEST(resources, advertisements_that_disagree_on_a_value_are_an_error_on_both) {
  auto r = two_rack();
  r.advertisements.push_back({"more-pref", "{localPref: 300}"});
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{
                              "BGPAdvertisement more-pref: spec.localPref: 300 here and 200 in "
                              "BGPAdvertisement public-lb; one value per node",
                              "BGPAdvertisement public-lb: spec.localPref: 200 here and 300 in "
                              "BGPAdvertisement more-pref; one value per node"}));
}

TEST(resources, an_advertisement_for_other_nodes_is_left_out) {
  auto r = two_rack();
  r.advertisements.push_back(
      {"r2-only",
       "{externalIPs: {cidrs: [192.0.2.0/24]}, localPref: 300, nodeSelector: "
       "{matchLabels: {svcbgp.io/rack: r2}}}"});
  const auto c = from_resources(local(), {{"svcbgp.io/rack", "r1"}}, r, environment::none());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->advertise.external_ips.cidrs.size(), 1u);
  EXPECT_EQ(c->advertise.local_pref, 200u);
}

TEST(resources, errors_name_the_object_and_the_field) {
  auto r = two_rack();
  r.peers[1].spec = "{address: 10.1.0.2, asn: 65101, holdTime: 2, families: [ipv5]}";
  r.node_configs[1].spec = "{localASN: 0, nodeSelector: {matchLabels: {svcbgp.io/rack: r1}}}";
  r.advertisements[0].spec = "{clusterIPs: {cidrs: [10.96.0.1/12]}, colour: blue}";
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{
                              "BGPNodeConfig rack-r1: spec.localASN: must be 1..4294967295",
                              "BGPAdvertisement cluster-ips: spec.colour: unknown key",
                              "BGPAdvertisement cluster-ips: spec.clusterIPs.cidrs[0]: not a CIDR "
                              "(address/length with no host bits): '10.96.0.1/12'"}));
  r = two_rack();
  r.peers[1].spec = "{address: 10.1.0.2, asn: 65101, holdTime: 2, families: [ipv5]}";
  EXPECT_EQ(errors_of(r),
            (std::vector<std::string>{
                "BGPPeer r1-tor-b: spec.holdTime: must be 0 or 3..65535 (RFC 4271 §4.2)",
                "BGPPeer r1-tor-b: spec.families[0]: must be one of ipv4 | ipv6, not 'ipv5'"}));
}

TEST(resources, secrets_and_selectors) {
  auto r = two_rack();
  r.peers[0].spec =
      "{address: 10.1.0.1, asn: 65101, passwordSecretRef: {name: svcbgp-tor-passwords, key: "
      "rack-r9}}";
  EXPECT_EQ(errors_of(r), std::vector<std::string>{
                              "BGPPeer r1-tor-a: spec.passwordSecretRef: no key 'rack-r9' in "
                              "Secret svcbgp-tor-passwords (svcbgp's namespace)"});
  r = two_rack();
  r.peers[0].spec =
      "{address: 10.1.0.1, asn: 65101, nodeSelector: {matchExpressions: [{key: a, operator: "
      "Exists, values: [x]}, {key: b, operator: In}, {key: c, operator: Has}, {operator: "
      "NotIn, values: [y]}]}}";
  EXPECT_EQ(errors_of(r),
            (std::vector<std::string>{
                "BGPPeer r1-tor-a: spec.nodeSelector.matchExpressions[0].values: must be empty "
                "for Exists",
                "BGPPeer r1-tor-a: spec.nodeSelector.matchExpressions[1].values: must list at "
                "least one value for In",
                "BGPPeer r1-tor-a: spec.nodeSelector.matchExpressions[2].operator: must be In, "
                "NotIn, Exists or DoesNotExist, not 'Has'",
                "BGPPeer r1-tor-a: spec.nodeSelector.matchExpressions[3].key: missing"}));
  r = two_rack();
  r.peers[1].spec = "{address: 10.1.0.1, asn: 65101}";
  EXPECT_EQ(errors_of(r),
            std::vector<std::string>{"BGPPeer r1-tor-b: spec.address: 10.1.0.1 is already the "
                                     "address of BGPPeer r1-tor-a"});
  r = two_rack();
  r.peers[0].spec = "not json {";
  EXPECT_EQ(errors_of(r).size(), 1u);
}

// matchExpressions as Kubernetes reads them: In, NotIn (a missing label is not in the set), Exists,
// DoesNotExist; a BGPNodeConfig's specificity counts its expressions too.
TEST(resources, match_expressions_select_nodes) {
  auto r = two_rack();
  r.peers[0].spec =
      "{address: 10.1.0.1, asn: 65101, nodeSelector: {matchExpressions: [{key: svcbgp.io/rack, "
      "operator: In, values: [r1, r3]}, {key: svcbgp.io/spine, operator: DoesNotExist}]}}";
  r.peers[1].spec =
      "{address: 10.1.0.2, asn: 65101, nodeSelector: {matchLabels: {svcbgp.io/rack: r1}, "
      "matchExpressions: [{key: zone, operator: NotIn, values: [z9]}, {key: svcbgp.io/rack, "
      "operator: Exists}]}}";
  r.node_configs.push_back({"r1-z1",
                            "{localASN: 65199, nodeSelector: {matchLabels: {svcbgp.io/rack: r1}, "
                            "matchExpressions: [{key: zone, operator: In, values: [z1]}]}}"});
  const auto peers_for = [&](const std::map<std::string, std::string>& labels) {
    std::vector<std::string> out;
    const auto c = from_resources(local(), labels, r, environment::none());
    EXPECT_TRUE(c) << (c ? "" : c.error()[0].to_string());
    for (const auto& p : c ? c->peers : std::vector<peer>{}) {
      if (engine::labels_match(p.node_selector, labels)) {
        out.push_back(p.bgp.name);
      }
    }
    out.push_back(c ? std::to_string(c->local_asn) : "");
    return out;
  };
  EXPECT_EQ(peers_for({{"svcbgp.io/rack", "r1"}}),
            (std::vector<std::string>{"r1-tor-a", "r1-tor-b", "64601"}));
  // rack-r1 and r1-z1 both select it; r1-z1 has one requirement more.
  EXPECT_EQ(peers_for({{"svcbgp.io/rack", "r1"}, {"zone", "z1"}}),
            (std::vector<std::string>{"r1-tor-a", "r1-tor-b", "65199"}));
  EXPECT_EQ(peers_for({{"svcbgp.io/rack", "r1"}, {"zone", "z9"}, {"svcbgp.io/spine", ""}}),
            (std::vector<std::string>{"64601"}));
}

// Each rack reaches its ToR at the same (anycast gateway) address: one BGPPeer per rack, told apart
// by nodeSelector. A node gets the one that selects it; a node neither selects gets one, held; a
// node both select is refused, naming both.
TEST(resources, peers_sharing_an_address_are_told_apart_by_node_selector) {
  auto r = two_rack();
  r.peers = {
      {"gw-r1",
       "{address: 169.254.0.1, asn: 65101, nodeSelector: {matchLabels: {svcbgp.io/rack: r1}}}"},
      {"gw-r2",
       "{address: 169.254.0.1, asn: 65102, nodeSelector: {matchLabels: {svcbgp.io/rack: r2}}}"}};
  const auto peers_for = [&](const std::map<std::string, std::string>& labels) {
    const auto c = from_resources(local(), labels, r, environment::none());
    EXPECT_TRUE(c) << (c ? "" : c.error()[0].to_string());
    std::vector<std::pair<std::string, std::uint32_t>> out;
    for (const auto& p : c ? c->peers : std::vector<peer>{}) {
      out.emplace_back(p.bgp.name, p.bgp.asn);
    }
    return out;
  };
  using v = std::vector<std::pair<std::string, std::uint32_t>>;
  EXPECT_EQ(peers_for({{"svcbgp.io/rack", "r1"}}), (v{{"gw-r1", 65101}}));
  EXPECT_EQ(peers_for({{"svcbgp.io/rack", "r2"}}), (v{{"gw-r2", 65102}}));
  r.node_configs.push_back(
      {"rack-r3", "{localASN: 64603, nodeSelector: {matchLabels: {svcbgp.io/rack: r3}}}"});
  EXPECT_EQ(peers_for({{"svcbgp.io/rack", "r3"}}), (v{{"gw-r1", 65101}}));  // held: not selected
  r.peers[1].spec = "{address: 169.254.0.1, asn: 65102}";                   // every node
  EXPECT_EQ(errors_of(r),
            std::vector<std::string>{"BGPPeer gw-r2: spec.address: 169.254.0.1 is already "
                                     "the address of BGPPeer gw-r1"});
}

TEST(resources, a_node_no_config_selects_has_no_as) {
  auto r = two_rack();
  EXPECT_EQ(errors_of(r, {{"svcbgp.io/rack", "r3"}}),
            std::vector<std::string>{
                "BGPNodeConfig: none that selects node node-r1-1 sets localASN (one with an "
                "empty nodeSelector applies to every node)"});
}

}  // namespace
}  // namespace svcbgp::config
