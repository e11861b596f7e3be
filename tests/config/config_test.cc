#include "src/config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace svcbgp::config {
namespace {

environment fake_env(std::map<std::string, std::string> vars = {},
                     std::map<std::string, std::string> files = {}) {
  environment e;
  e.getenv = [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  e.read_file = [files](const std::string& p) -> std::optional<std::string> {
    auto it = files.find(p);
    return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  e.hostname = "host-a";
  return e;
}

std::vector<std::string> errors_of(std::string_view yaml, const environment& env = fake_env()) {
  auto r = parse(yaml, env);
  std::vector<std::string> out;
  if (!r) {
    for (const auto& e : r.error()) {
      out.push_back(e.path + ": " + e.message);
    }
  }
  return out;
}

TEST(config, the_example_in_configs_is_valid) {
  auto env = environment::process();
  auto real_getenv = env.getenv;
  env.getenv = [real_getenv](const std::string& n) -> std::optional<std::string> {
    return n == "NODE_NAME" ? std::optional<std::string>("node-1") : real_getenv(n);
  };
  auto c = load_file(std::string(SVCBGP_SOURCE_ROOT) + "/configs/svcbgpd.yaml", env);
  ASSERT_TRUE(c) << c.error().front().to_string();
  EXPECT_EQ(c->node_name, "node-1");
  EXPECT_EQ(c->local_asn, 64512u);
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].bgp.name, "tor1");
  EXPECT_EQ(c->peers[0].bgp.max_prefixes, 1000u);
  EXPECT_EQ(c->advertise.cluster_ips.cidrs.size(), 2u);
  EXPECT_EQ(c->advertise.communities, std::vector<std::uint32_t>{(65000u << 16) | 100});
  EXPECT_EQ(c->advertise.batch_delay.count(), 10);
}

TEST(config, minimal_file_takes_the_documented_defaults) {
  auto c = parse("local_asn: 65001\n", fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node_name, "n1");
  EXPECT_FALSE(c->router_id);
  EXPECT_EQ(c->listen_port, 0);  // active only: coexists with a node BIRD on 179
  EXPECT_EQ(c->shutdown, shutdown_mode::graceful_restart);
  EXPECT_EQ(c->advertise.terminating_endpoints, engine::terminating_mode::deprefer);
  EXPECT_EQ(c->source, k8s_source::in_cluster);
}

TEST(config, aggregation_shorter_than_an_allowed_cidr_warns) {
  auto c = parse(
      "local_asn: 65001\n"
      "advertise:\n"
      "  external_ips: {cidrs: [192.0.2.0/28, 10.0.0.0/8]}\n"
      "  load_balancer_ips: {cidrs: [\"2001:db8:1b::/64\"]}\n"
      "  aggregation_length_v4: 24\n"
      "  aggregation_length_v6: 48\n",
      fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c) << c.error().front().to_string();
  ASSERT_EQ(c->warnings.size(), 2u);
  EXPECT_EQ(c->warnings[0].to_string(),
            "advertise.aggregation_length_v4: 24 is shorter than advertise.external_ips.cidrs[0] "
            "192.0.2.0/28: routes from it go out as 192.0.2.0/28 at the widest");
  EXPECT_EQ(c->warnings[1].path, "advertise.aggregation_length_v6");
}

TEST(config, shutdown_message_is_configured_and_bounded) {
  auto env = fake_env({{"NODE_NAME", "n1"}});
  EXPECT_EQ(parse("local_asn: 65001\n", env)->shutdown_message, "svcbgpd shutting down");
  auto c = parse("local_asn: 65001\nshutdown_message: \"rack r1 maintenance, ticket 42\"\n", env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->shutdown_message, "rack r1 maintenance, ticket 42");
  auto bad = parse("local_asn: 65001\nshutdown_message: " + std::string(256, 'x') + "\n", env);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().front().to_string(),
            "line 2: shutdown_message: longer than 255 bytes (RFC 9003)");
}

TEST(config, node_name_falls_back_to_the_hostname) {
  auto c = parse("local_asn: 65001\n", fake_env());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node_name, "host-a");
}

TEST(config, received_routes_are_bounded_by_default) {
  // Issue 13: max_prefixes defaulted to 0 and each route could carry ~64 KB of attributes.
  auto c = parse("local_asn: 65001\npeers: [{name: t, address: 10.0.0.1, asn: 65000}]\n",
                 fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->peers[0].bgp.max_prefixes, 1000u);
  EXPECT_FALSE(c->peers[0].bgp.max_prefixes_cease);
  EXPECT_EQ(c->peers[0].bgp.max_received_bytes, 4u << 20);
  c = parse(
      "local_asn: 65001\npeers: [{name: t, address: 10.0.0.1, asn: 65000, max_prefixes: 5,"
      " max_prefixes_action: cease, max_received_bytes: 0}]\n",
      fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->peers[0].bgp.max_prefixes_cease);
  EXPECT_EQ(c->peers[0].bgp.max_received_bytes, 0u);
  const auto errors = errors_of(
      "local_asn: 65001\npeers: [{name: t, address: 10.0.0.1, asn: 65000,"
      " max_prefixes_action: restart}]\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("peers[0].max_prefixes_action: ", 0), 0u) << errors[0];
}

TEST(config, peer_bfd) {
  // Issue 17: off by default; FRR's 300 ms x 3; strict.
  auto c = parse("local_asn: 65001\npeers: [{name: t, address: 10.0.0.1, asn: 65000}]\n",
                 fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->peers[0].bfd, config::bfd_config{});
  EXPECT_FALSE(c->peers[0].bfd.enabled);
  c = parse(
      "local_asn: 65001\npeers: [{name: t, address: 10.0.0.1, asn: 65000, bfd: {enabled: true,"
      " min_rx_ms: 100, min_tx_ms: 200, multiplier: 5, strict: false}}]\n",
      fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->peers[0].bfd, (config::bfd_config{true, 100, 200, 5, false}));
  EXPECT_EQ(errors_of("local_asn: 65001\npeers: [{name: t, address: 10.0.0.1, asn: 65000, bfd:"
                      " {min_rx_ms: 5, multiplier: 0, echo: true}}]\n"),
            (std::vector<std::string>{"peers[0].bfd.echo: unknown key",
                                      "peers[0].bfd.min_rx_ms: must be 10..60000",
                                      "peers[0].bfd.multiplier: must be 1..255"}));
}

TEST(config, weighted_ecmp) {
  // Issue 16: off by default; 10 Mbit/s an endpoint, non-transitive.
  auto c = parse("local_asn: 65001\n", fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->advertise.weighted_ecmp, engine::weighted_ecmp_config{});
  EXPECT_FALSE(c->advertise.weighted_ecmp.enabled);
  EXPECT_EQ(c->advertise.weighted_ecmp.bandwidth_per_endpoint_mbps, 10u);
  c = parse(
      "local_asn: 65001\nadvertise:\n  weighted_ecmp: {enabled: true, bandwidth_per_endpoint: 25,"
      " transitive: true}\n",
      fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->advertise.weighted_ecmp, (engine::weighted_ecmp_config{true, 25, true}));
  EXPECT_EQ(errors_of("local_asn: 65001\nadvertise:\n  weighted_ecmp: {bandwidth_per_endpoint: 0,"
                      " weight: 2}\n"),
            (std::vector<std::string>{
                "advertise.weighted_ecmp.weight: unknown key",
                "advertise.weighted_ecmp.bandwidth_per_endpoint: must be 1..10000"}));
}

TEST(config, allowed_cidrs_reaching_special_ranges_need_allow_special_ranges) {
  // Issue 13: 0.0.0.0/0, ::/0, loopback, link-local, multicast and the node's and peers' own
  // addresses were accepted as allowed CIDRs without a word.
  const std::string base =
      "local_asn: 65001\nrouter_id: 192.0.2.1\n"
      "peers: [{name: tor, address: 203.0.113.1, asn: 65000}]\nadvertise:\n";
  const auto errors =
      errors_of(base +
                "  external_ips: {cidrs: [0.0.0.0/0, 169.254.169.254/32, \"::/0\"]}\n"
                "  load_balancer_ips: {cidrs: [203.0.113.0/24, 198.51.100.0/24]}\n"
                "  cluster_ips: {cidrs: [192.0.2.0/28]}\n");
  ASSERT_EQ(errors.size(), 5u) << ::testing::PrintToString(errors);
  // In the order of the kinds, then of the CIDRs.
  EXPECT_NE(errors[0].find("cluster_ips.cidrs[0]: 192.0.2.0/28 reaches into 192.0.2.1/32, this "
                           "node's router_id"),
            std::string::npos)
      << errors[0];
  EXPECT_EQ(errors[1],
            "advertise.external_ips.cidrs[0]: 0.0.0.0/0 reaches into 0.0.0.0/8, \"this network\" "
            "(RFC 791); narrow it, or set advertise.allow_special_ranges: true if this is meant");
  EXPECT_NE(errors[2].find("external_ips.cidrs[1]: 169.254.169.254/32 reaches into 169.254.0.0/16"),
            std::string::npos)
      << errors[2];
  EXPECT_NE(errors[3].find("external_ips.cidrs[2]: ::/0 reaches into ::/128"), std::string::npos)
      << errors[3];
  EXPECT_NE(errors[4].find("load_balancer_ips.cidrs[0]: 203.0.113.0/24 reaches into "
                           "203.0.113.1/32, the address of peer tor"),
            std::string::npos)
      << errors[4];
  EXPECT_TRUE(parse(base + "  allow_special_ranges: true\n  external_ips: {cidrs: [0.0.0.0/0]}\n",
                    fake_env({{"NODE_NAME", "n1"}})));
}

TEST(config, annotation_bounds) {
  auto c = parse("local_asn: 65001\n", fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->advertise.max_annotation_communities, 16u);
  EXPECT_EQ(c->advertise.forbidden_communities, engine::default_forbidden_communities());
  c = parse(
      "local_asn: 65001\nadvertise: {max_annotation_communities: 4,"
      " forbidden_communities: [blackhole, \"65000:1\"]}\n",
      fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->advertise.max_annotation_communities, 4u);
  EXPECT_EQ(c->advertise.forbidden_communities,
            (std::vector<std::uint32_t>{0xffff029au, (65000u << 16) | 1}));
  const auto errors =
      errors_of("local_asn: 65001\nadvertise: {forbidden_communities: [blackhole, bogus]}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            "advertise.forbidden_communities[1]: not a community (ASN:VALUE or a well-known name): "
            "'bogus'");
}

TEST(config, admin_over_tcp_needs_tls_and_client_certificates) {
  auto errors = errors_of("local_asn: 65001\nadmin: {listen: \"0.0.0.0:50051\"}\n");
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0],
            "admin.listen: gRPC over TCP needs TLS: set admin.tls_cert_file and "
            "admin.tls_key_file");
  EXPECT_EQ(errors[1],
            "admin.listen: gRPC over TCP needs client certificates: set "
            "admin.tls_client_ca_file (anyone on the node's network reaches the port)");
  auto c = parse(
      "local_asn: 65001\nadmin: {listen: \"0.0.0.0:50051\", tls_cert_file: /c, tls_key_file: /k,"
      " tls_client_ca_file: /ca}\n",
      fake_env({{"NODE_NAME", "n1"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->admin_tls_client_ca, "/ca");
}

TEST(config, errors_name_the_key_path) {
  EXPECT_EQ(errors_of("local_asn: 65001\npeers:\n  - {name: a, address: 10.0.0.1, asn: 65000}\n"
                      "  - {name: b, address: 10.0.0.2, asn: 0}\n"),
            std::vector<std::string>{"peers[1].asn: must be 1..4294967295"});
}

TEST(config, every_problem_is_reported_at_once) {
  auto errs = errors_of(
      "local_asn: 70000000000\n"
      "listen: {port: 70000}\n"
      "peers:\n"
      "  - {name: a, address: 10.0.0.300, asn: 65000, hold_time: 2}\n");
  EXPECT_EQ(errs, (std::vector<std::string>{
                      "local_asn: must be 1..4294967295",
                      "listen.port: must be 0..65535",
                      "peers[0].address: not an IP address: '10.0.0.300'",
                      "peers[0].hold_time: must be 0 or 3..65535 (RFC 4271 §4.2)",
                  }));
}

TEST(config, unknown_keys_are_errors) {
  EXPECT_EQ(errors_of("local_asn: 65001\nadvertise: {comunities: ['65000:1']}\n"),
            std::vector<std::string>{"advertise.comunities: unknown key"});
  EXPECT_EQ(
      errors_of("local_asn: 65001\npeers: [{name: a, address: 10.0.0.1, asn: 1, pasive: true}]\n"),
      std::vector<std::string>{"peers[0].pasive: unknown key"});
}

TEST(config, two_peers_with_one_address_contradict) {
  EXPECT_EQ(
      errors_of("local_asn: 65001\npeers:\n  - {name: a, address: 10.0.0.1, asn: 65000}\n"
                "  - {name: b, address: 10.0.0.1, asn: 65000}\n"),
      std::vector<std::string>{"peers[1].address: 10.0.0.1 is already the address of peers[0]"});
  EXPECT_EQ(errors_of("local_asn: 65001\npeers:\n  - {name: a, address: 10.0.0.1, asn: 65000}\n"
                      "  - {name: a, address: 10.0.0.2, asn: 65000}\n"),
            std::vector<std::string>{"peers[1].name: 'a' is already the name of peers[0]"});
}

TEST(config, bad_values_name_what_was_expected) {
  EXPECT_EQ(errors_of("local_asn: 65001\nshutdown: drain\n"),
            std::vector<std::string>{
                "shutdown: must be one of graceful-restart | withdraw, not 'drain'"});
  EXPECT_EQ(errors_of("local_asn: 65001\nadvertise: {external_ips: {cidrs: [192.0.2.1/24]}}\n"),
            std::vector<std::string>{"advertise.external_ips.cidrs[0]: not a CIDR (address/length "
                                     "with no host bits): '192.0.2.1/24'"});
  EXPECT_EQ(errors_of("local_asn: 65001\nadvertise: {communities: ['65000:x']}\n"),
            std::vector<std::string>{"advertise.communities[0]: not a community (ASN:VALUE or a "
                                     "well-known name): '65000:x'"});
  EXPECT_EQ(
      errors_of("local_asn: 65001\npeers: [{name: a, address: 10.0.0.1, asn: 1, "
                "hold_time: 9, keepalive_time: 4}]\n"),
      std::vector<std::string>{"peers[0].keepalive_time: must be at most a third of hold_time"});
}

TEST(config, environment_variables_are_expanded) {
  auto c = parse("node_name: ${NODE}\nlocal_asn: ${ASN}\n",
                 fake_env({{"NODE", "worker-7"}, {"ASN", "65010"}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node_name, "worker-7");
  EXPECT_EQ(c->local_asn, 65010u);
  EXPECT_EQ(errors_of("node_name: ${NOPE}\nlocal_asn: 1\n"),
            (std::vector<std::string>{"node_name: environment variable NOPE is not set",
                                      "node_name: empty: set it, or the NODE_NAME environment "
                                      "variable"}));
}

TEST(config, password_file_is_read_and_checked) {
  auto env = fake_env({}, {{"/pw", "s3cret\n"}});
  auto c = parse(
      "local_asn: 1\npeers: [{name: a, address: 10.0.0.1, asn: 2, password_file: /pw}]\n", env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->peers[0].bgp.password, "s3cret");
  EXPECT_EQ(errors_of("local_asn: 1\npeers: [{name: a, address: 10.0.0.1, asn: 2, "
                      "password_file: /missing}]\n"),
            std::vector<std::string>{"peers[0].password_file: cannot read '/missing'"});
}

TEST(config, broken_yaml_names_the_line) {
  auto r = parse("local_asn: 1\npeers: [\n  {name: a\n", fake_env());
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().size(), 1u);
  EXPECT_GT(r.error()[0].line, 1);
  EXPECT_NE(r.error()[0].message.find("not valid YAML"), std::string::npos);
}

TEST(config, engine_and_speaker_views) {
  auto c = parse(
      "local_asn: 65001\nnode_name: n\npeers:\n"
      "  - {name: ibgp, address: 10.0.0.1, asn: 65001, advertise: [load_balancer_ips]}\n"
      "  - {name: ebgp, address: 10.0.0.2, asn: 65000, families: [ipv4]}\n",
      fake_env());
  ASSERT_TRUE(c);
  auto e = c->engine();
  ASSERT_EQ(e.peers.size(), 2u);
  EXPECT_TRUE(e.peers[0].ibgp);
  EXPECT_EQ(e.peers[0].advertise, std::set<engine::ip_kind>{engine::ip_kind::load_balancer_ip});
  EXPECT_FALSE(e.peers[1].ibgp);
  EXPECT_EQ(e.peers[1].families, std::vector<bgp::family>{bgp::ipv4_unicast});
  auto s = c->speaker(0x0a000001);
  EXPECT_EQ(s.local_as, 65001u);
  EXPECT_EQ(s.router_id, 0x0a000001u);
}

// kubernetes.config: crds: the file holds what reaches the API server, nothing the objects hold.
TEST(config, with_crds_the_file_keeps_only_what_reaches_the_api_server) {
  const auto c = parse("node_name: n1\nkubernetes: {source: kubeconfig, config: crds}\n",
                       fake_env({{"POD_NAMESPACE", "bgp-system"}}));
  ASSERT_TRUE(c) << c.error().front().to_string();
  EXPECT_TRUE(c->config_from_crds);
  EXPECT_EQ(c->config_namespace, "bgp-system");
  EXPECT_EQ(c->local_asn, 0u);  // from a BGPNodeConfig
  EXPECT_EQ(errors_of("local_asn: 65001\nkubernetes: {config: crds, source: directory}\n"
                      "peers: []\n"),
            (std::vector<std::string>{
                "local_asn: comes from svcbgp.io objects with kubernetes.config: crds "
                "(BGPNodeConfig, BGPAdvertisement, BGPPeer); remove it here",
                "peers: comes from svcbgp.io objects with kubernetes.config: crds (BGPNodeConfig, "
                "BGPAdvertisement, BGPPeer); remove it here",
                "kubernetes.config: crds needs the API server: kubernetes.source in-cluster or "
                "kubeconfig"}));
  // Without crds, local_asn is needed, and the namespace defaults.
  EXPECT_EQ(errors_of("kubernetes: {config: file}\n"),
            std::vector<std::string>{"local_asn: missing"});
  EXPECT_EQ(parse("local_asn: 1\n", fake_env())->config_namespace, "svcbgp-system");
}

}  // namespace
}  // namespace svcbgp::config
