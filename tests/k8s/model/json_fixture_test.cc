// The kubernetes/api round-trip fixtures: every field of Service, EndpointSlice and Node, with
// placeholder values. The parser must tolerate all of them, read the fields the model uses, and
// turn placeholders where it needs IPs into warnings. The YAML twin of each fixture goes through
// the manifest reader and must give the same object.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s/model/json.h"
#include "k8s/model/manifest.h"
#include "tests/k8s/model/test_util.h"

namespace svcbgp::k8s {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view head = "api/testdata/HEAD/";

void expect_placeholder_meta(const object_meta& m, std::string_view ns) {
  EXPECT_EQ(m.key.ns, ns);
  EXPECT_EQ(m.key.name, "nameValue");
  EXPECT_EQ(m.resource_version, "resourceVersionValue");
  EXPECT_TRUE(m.deleting);  // deletionTimestamp is set
}

void expect_service_fixture(const service& s) {
  expect_placeholder_meta(s.meta, "namespaceValue");
  EXPECT_EQ(s.type, service_type::cluster_ip);  // "typeValue" is unknown
  EXPECT_FALSE(s.headless);
  EXPECT_THAT(s.cluster_ips, IsEmpty());
  EXPECT_THAT(s.external_ips, IsEmpty());
  EXPECT_EQ(s.external_policy, traffic_policy::cluster);
  EXPECT_EQ(s.internal_policy, traffic_policy::cluster);
  EXPECT_EQ(s.load_balancer_class, "loadBalancerClassValue");
  ASSERT_EQ(s.ingress.size(), 1u);
  EXPECT_FALSE(s.ingress[0].ip);
  EXPECT_FALSE(s.ingress[0].proxy_mode);
  EXPECT_THAT(s.annotations, IsEmpty());  // "annotationsKey" is not under svcbgp.io/
  EXPECT_THAT(s.warnings,
              ElementsAre("spec.type: unknown service type 'typeValue', using ClusterIP",
                          "spec.clusterIPs[0]: not an IP: 'clusterIPsValue'",
                          "spec.externalIPs[0]: not an IP: 'externalIPsValue'",
                          "spec.externalTrafficPolicy: unknown traffic policy "
                          "'externalTrafficPolicyValue', using Cluster",
                          "spec.internalTrafficPolicy: unknown traffic policy "
                          "'internalTrafficPolicyValue', using Cluster",
                          "status.loadBalancer.ingress[0].ip: not an IP: 'ipValue'",
                          "status.loadBalancer.ingress[0].ipMode: unknown ipMode 'ipModeValue', "
                          "using VIP"));
}

void expect_slice_fixture(const endpoint_slice& s) {
  expect_placeholder_meta(s.meta, "namespaceValue");
  EXPECT_FALSE(s.service_name);  // only "labelsKey"
  EXPECT_EQ(s.type, address_type::ipv4);
  ASSERT_EQ(s.endpoints.size(), 1u);
  const endpoint& e = s.endpoints[0];
  EXPECT_FALSE(e.has_ipv4);
  EXPECT_FALSE(e.has_ipv6);
  EXPECT_EQ(e.node_name, "nodeNameValue");
  EXPECT_TRUE(e.ready);
  EXPECT_TRUE(e.serving);
  EXPECT_TRUE(e.terminating);
  EXPECT_THAT(s.warnings, ElementsAre("addressType: unknown addressType 'addressTypeValue'",
                                      "endpoints[0].addresses[0]: not an IP: 'addressesValue'"));
}

void expect_node_fixture(const node& n) {
  expect_placeholder_meta(n.meta, "");  // cluster-scoped: the namespace in the text is ignored
  EXPECT_EQ(n.labels, (std::map<std::string, std::string>{{"labelsKey", "labelsValue"}}));
  EXPECT_FALSE(n.network_unavailable);  // the only condition is "typeValue"
  ASSERT_EQ(n.addresses.size(), 1u);
  EXPECT_EQ(n.addresses[0].type, "typeValue");
  EXPECT_EQ(n.addresses[0].address, "addressValue");
}

std::string fixture(std::string_view name) {
  return test::read_fixture(std::string(head) + std::string(name));
}

TEST(ApiFixture, ServiceJsonReadsEveryModelField) {
  auto s = service_from_json(test::parse_json(fixture("core.v1.Service.json")));
  ASSERT_TRUE(s) << s.error().to_string();
  expect_service_fixture(*s);
}

TEST(ApiFixture, EndpointSliceJsonReadsEveryModelField) {
  auto s =
      endpoint_slice_from_json(test::parse_json(fixture("discovery.k8s.io.v1.EndpointSlice.json")));
  ASSERT_TRUE(s) << s.error().to_string();
  expect_slice_fixture(*s);
}

TEST(ApiFixture, NodeJsonReadsEveryModelField) {
  auto n = node_from_json(test::parse_json(fixture("core.v1.Node.json")));
  ASSERT_TRUE(n) << n.error().to_string();
  expect_node_fixture(*n);
}

TEST(ApiFixture, ServiceYamlGivesTheSameServiceAsJson) {
  manifest_objects m = parse_manifests(fixture("core.v1.Service.yaml"), "core.v1.Service.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  ASSERT_EQ(m.services.size(), 1u);
  expect_service_fixture(m.services[0]);
  EXPECT_EQ(m.services[0], *service_from_json(test::parse_json(fixture("core.v1.Service.json"))));
}

TEST(ApiFixture, EndpointSliceYamlGivesTheSameSliceAsJson) {
  manifest_objects m =
      parse_manifests(fixture("discovery.k8s.io.v1.EndpointSlice.yaml"), "es.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  ASSERT_EQ(m.slices.size(), 1u);
  expect_slice_fixture(m.slices[0]);
  EXPECT_EQ(m.slices[0], *endpoint_slice_from_json(
                             test::parse_json(fixture("discovery.k8s.io.v1.EndpointSlice.json"))));
}

TEST(ApiFixture, NodeYamlGivesTheSameNodeAsJson) {
  manifest_objects m = parse_manifests(fixture("core.v1.Node.yaml"), "node.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  ASSERT_EQ(m.nodes.size(), 1u);
  expect_node_fixture(m.nodes[0]);
  EXPECT_EQ(m.nodes[0], *node_from_json(test::parse_json(fixture("core.v1.Node.json"))));
}

TEST(ApiFixture, JsonFixtureFilesAreReadByTheManifestReaderToo) {
  manifest_objects m = parse_manifests(fixture("core.v1.Service.json"), "svc.json");
  EXPECT_THAT(m.errors, IsEmpty());
  ASSERT_EQ(m.services.size(), 1u);
  expect_service_fixture(m.services[0]);
}

TEST(ApiFixture, OtherKindsAreRejectedByTheTypedReaders) {
  // An Endpoints object is not an EndpointSlice, and a Status is not a Service.
  auto es = endpoint_slice_from_json(test::parse_json(fixture("core.v1.Endpoints.json")));
  ASSERT_FALSE(es);
  EXPECT_EQ(es.error().path, "kind");
  auto svc = service_from_json(test::parse_json(fixture("core.v1.Status.json")));
  ASSERT_FALSE(svc);
  EXPECT_EQ(svc.error().path, "kind");
  // ...and the manifest reader skips them silently.
  manifest_objects m = parse_manifests(fixture("core.v1.Endpoints.yaml"), "ep.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  EXPECT_THAT(m.slices, IsEmpty());
}

TEST(ApiFixture, WatchEventObjectIsNotReadAsAService) {
  // The event wrapper itself has no metadata; the reflector unwraps "object" first.
  boost::json::value v = test::parse_json(fixture("core.v1.WatchEvent.json"));
  EXPECT_FALSE(service_from_json(v));
}

}  // namespace
}  // namespace svcbgp::k8s
