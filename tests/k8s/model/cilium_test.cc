// Cilium's load-balancer test archives: Services and EndpointSlices as `kubectl get -o yaml` shows
// them on real clusters. Each *.yaml section goes through the manifest reader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s/model/manifest.h"
#include "tests/k8s/model/test_util.h"

namespace svcbgp::k8s {
namespace {

using test::ip;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::map<std::string, std::string> archive(std::string_view name) {
  return test::split_txtar(
      test::read_fixture("cilium/pkg/loadbalancer/tests/testdata/" + std::string(name) + ".txtar"));
}

manifest_objects section(const std::map<std::string, std::string>& files, const std::string& name) {
  auto it = files.find(name);
  EXPECT_NE(it, files.end()) << "no section " << name;
  manifest_objects m = parse_manifests(it == files.end() ? "" : it->second, name);
  for (const auto& e : m.errors) {
    ADD_FAILURE() << e.to_string();
  }
  return m;
}

TEST(CiliumFixture, TxtarSplitterFindsEverySection) {
  auto files = archive("dualstack");
  EXPECT_EQ(files.size(), 11u);
  EXPECT_TRUE(files.contains("service.yaml"));
  EXPECT_TRUE(files.contains("endpointslice-ipv6.yaml"));
  EXPECT_TRUE(files.at("addrv4.yaml").starts_with("addr: 1.1.1.1\n"));
}

TEST(CiliumFixture, EveryYamlSectionParsesWithoutErrors) {
  for (const char* name :
       {"dualstack", "graceful-termination", "headless", "loadbalancer", "trafficpolicy"}) {
    for (const auto& [file, text] : archive(name)) {
      // addrv4.yaml and friends are Cilium's own node-address records, not API objects.
      if (!file.ends_with(".yaml") || file.starts_with("addr")) {
        continue;
      }
      manifest_objects m = parse_manifests(text, file);
      EXPECT_THAT(m.errors, IsEmpty()) << name << " " << file;
      for (const auto& s : m.services) {
        EXPECT_THAT(s.warnings, IsEmpty()) << name << " " << file;
      }
      for (const auto& s : m.slices) {
        EXPECT_THAT(s.warnings, IsEmpty()) << name << " " << file;
      }
    }
  }
}

TEST(CiliumFixture, DualStackServiceAndSlices) {
  auto files = archive("dualstack");
  manifest_objects svc = section(files, "service.yaml");
  ASSERT_EQ(svc.services.size(), 1u);
  const service& s = svc.services[0];
  EXPECT_EQ(s.meta.key, (object_key{"default", "echo-dualstack"}));
  EXPECT_EQ(s.meta.resource_version, "729");
  EXPECT_EQ(s.type, service_type::node_port);
  EXPECT_THAT(s.cluster_ips, ElementsAre(ip("10.96.207.99"), ip("fd00:10:96::b050")));
  EXPECT_TRUE(s.cluster_ips[1].v6);
  EXPECT_EQ(s.external_policy, traffic_policy::cluster);
  EXPECT_EQ(s.internal_policy, traffic_policy::cluster);
  EXPECT_THAT(s.ingress, IsEmpty());  // loadBalancer: {}

  manifest_objects v6 = section(files, "endpointslice-ipv6.yaml");
  ASSERT_EQ(v6.slices.size(), 1u);
  EXPECT_EQ(v6.slices[0].meta.key, (object_key{"default", "echo-dualstack-mchrt"}));
  EXPECT_EQ(v6.slices[0].service_name, "echo-dualstack");
  EXPECT_EQ(v6.slices[0].type, address_type::ipv6);
  ASSERT_EQ(v6.slices[0].endpoints.size(), 2u);
  EXPECT_TRUE(v6.slices[0].endpoints[0].has_ipv6);
  EXPECT_FALSE(v6.slices[0].endpoints[0].has_ipv4);
  EXPECT_EQ(v6.slices[0].endpoints[0].node_name, "dual-stack-worker2");
  EXPECT_TRUE(v6.slices[0].endpoints[1].has_ipv6);

  manifest_objects v4 = section(files, "endpointslice-ipv4.yaml");
  ASSERT_EQ(v4.slices.size(), 1u);
  EXPECT_EQ(v4.slices[0].type, address_type::ipv4);
  EXPECT_EQ(v4.slices[0].meta.resource_version, "796");
  ASSERT_EQ(v4.slices[0].endpoints.size(), 2u);
  for (const endpoint& e : v4.slices[0].endpoints) {
    EXPECT_TRUE(e.has_ipv4);
    EXPECT_FALSE(e.has_ipv6);
  }
  EXPECT_EQ(v4.slices[0].endpoints[1].node_name, "dual-stack-worker");
  EXPECT_TRUE(v4.slices[0].endpoints[1].ready);
  EXPECT_FALSE(v4.slices[0].endpoints[1].terminating);
}

// The archive's template, with its placeholders replaced as the script does.
endpoint_slice graceful_slice(bool ready1, bool term1, bool ready2, bool term2) {
  std::string text = archive("graceful-termination").at("endpointslice.yaml.tmpl");
  auto replace = [&](std::string_view from, bool to) {
    auto pos = text.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    text.replace(pos, from.size(), to ? "true" : "false");
  };
  replace("$READY1", ready1);
  replace("$TERM1", term1);
  replace("$READY2", ready2);
  replace("$TERM2", term2);
  manifest_objects m = parse_manifests(text, "endpointslice.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  return m.slices.empty() ? endpoint_slice{} : m.slices[0];
}

TEST(CiliumFixture, GracefulTerminationConditions) {
  endpoint_slice active = graceful_slice(true, false, true, false);
  EXPECT_EQ(active.meta.key, (object_key{"test", "graceful-term-svc-pg7nd"}));
  EXPECT_EQ(active.service_name, "graceful-term-svc");
  ASSERT_EQ(active.endpoints.size(), 2u);
  EXPECT_TRUE(active.endpoints[0].ready);
  EXPECT_FALSE(active.endpoints[0].terminating);

  endpoint_slice one = graceful_slice(false, true, true, false);
  ASSERT_EQ(one.endpoints.size(), 2u);
  EXPECT_TRUE(one.endpoints[0].has_ipv4);
  EXPECT_FALSE(one.endpoints[0].ready);
  EXPECT_TRUE(one.endpoints[0].serving);
  EXPECT_TRUE(one.endpoints[0].terminating);
  EXPECT_TRUE(one.endpoints[1].ready);
  EXPECT_FALSE(one.endpoints[1].terminating);

  endpoint_slice both = graceful_slice(false, true, false, true);
  for (const endpoint& e : both.endpoints) {
    EXPECT_FALSE(e.ready);
    EXPECT_TRUE(e.serving);
    EXPECT_TRUE(e.terminating);
    EXPECT_EQ(e.node_name, "graceful-term-control-plane");
  }

  manifest_objects svc = section(archive("graceful-termination"), "service.yaml");
  ASSERT_EQ(svc.services.size(), 1u);
  EXPECT_THAT(svc.services[0].cluster_ips, ElementsAre(ip("10.96.116.33")));
  EXPECT_EQ(svc.services[0].type, service_type::cluster_ip);
  // kubectl's last-applied annotation is not ours.
  EXPECT_THAT(svc.services[0].annotations, IsEmpty());
}

TEST(CiliumFixture, HeadlessServices) {
  auto files = archive("headless");
  manifest_objects none = section(files, "service_clusterip_none.yaml");
  ASSERT_EQ(none.services.size(), 1u);
  EXPECT_TRUE(none.services[0].headless);  // written "none" in this archive
  EXPECT_THAT(none.services[0].cluster_ips, IsEmpty());

  manifest_objects normal = section(files, "service.yaml");
  ASSERT_EQ(normal.services.size(), 1u);
  EXPECT_FALSE(normal.services[0].headless);
  EXPECT_THAT(normal.services[0].cluster_ips, ElementsAre(ip("1.1.1.1")));

  manifest_objects slice = section(files, "endpointslice.yaml");
  ASSERT_EQ(slice.slices.size(), 1u);  // `annotations:` with no value is null, not an error
  EXPECT_EQ(slice.slices[0].service_name, "echo");
}

TEST(CiliumFixture, LoadBalancerStatusAndClass) {
  auto files = archive("loadbalancer");
  manifest_objects svc = section(files, "service.yaml");
  ASSERT_EQ(svc.services.size(), 1u);
  const service& s = svc.services[0];
  EXPECT_EQ(s.type, service_type::load_balancer);
  EXPECT_EQ(s.load_balancer_class, "test");
  ASSERT_EQ(s.ingress.size(), 1u);
  EXPECT_EQ(s.ingress[0].ip, ip("172.16.1.1"));
  EXPECT_FALSE(s.ingress[0].proxy_mode);  // ipMode is commented out: VIP

  manifest_objects slice = section(files, "endpointslice.yaml");
  ASSERT_EQ(slice.slices.size(), 1u);
  ASSERT_EQ(slice.slices[0].endpoints.size(), 2u);
  for (const endpoint& e : slice.slices[0].endpoints) {
    // No conditions at all: ready and serving, not terminating.
    EXPECT_TRUE(e.ready);
    EXPECT_TRUE(e.serving);
    EXPECT_FALSE(e.terminating);
  }
  EXPECT_EQ(slice.slices[0].endpoints[1].node_name, "nodeport-worker2");
}

TEST(CiliumFixture, LoadBalancerIpModeProxy) {
  std::string text = archive("loadbalancer").at("service.yaml");
  auto pos = text.find("#ipMode: Proxy");
  ASSERT_NE(pos, std::string::npos);
  text.erase(pos, 1);  // what the script's "sed" does to switch to Proxy mode
  manifest_objects m = parse_manifests(text, "service.yaml");
  ASSERT_EQ(m.services.size(), 1u);
  ASSERT_EQ(m.services[0].ingress.size(), 1u);
  EXPECT_TRUE(m.services[0].ingress[0].proxy_mode);
}

TEST(CiliumFixture, TrafficPolicies) {
  auto files = archive("trafficpolicy");
  manifest_objects local = section(files, "service_tp_local.yaml");
  ASSERT_EQ(local.services.size(), 1u);
  EXPECT_EQ(local.services[0].external_policy, traffic_policy::local);
  EXPECT_EQ(local.services[0].internal_policy, traffic_policy::local);
  ASSERT_EQ(local.services[0].ingress.size(), 1u);
  EXPECT_EQ(local.services[0].ingress[0].ip, ip("1.1.1.1"));

  manifest_objects mixed = section(files, "service_tp_mixed.yaml");
  ASSERT_EQ(mixed.services.size(), 1u);
  EXPECT_EQ(mixed.services[0].external_policy, traffic_policy::cluster);
  EXPECT_EQ(mixed.services[0].internal_policy, traffic_policy::local);

  manifest_objects slice = section(files, "endpointslice.yaml");
  ASSERT_EQ(slice.slices.size(), 1u);
  ASSERT_EQ(slice.slices[0].endpoints.size(), 2u);
  EXPECT_EQ(slice.slices[0].endpoints[0].node_name, "testnode");
  EXPECT_EQ(slice.slices[0].endpoints[1].node_name, "othernode");
  EXPECT_TRUE(slice.slices[0].endpoints[1].has_ipv4);
}

}  // namespace
}  // namespace svcbgp::k8s
