// Untrusted API objects: wrong JSON kinds are errors naming the field; values that are not IPs are
// warnings and the rest of the object is kept; API defaults apply to absent fields.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s/model/json.h"
#include "tests/k8s/model/test_util.h"

namespace svcbgp::k8s {
namespace {

using test::ip;
using test::parse_json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

parse_error service_error(std::string_view text) {
  auto s = service_from_json(parse_json(text));
  EXPECT_FALSE(s) << text;
  return s ? parse_error{} : s.error();
}

service good_service(std::string_view text) {
  auto s = service_from_json(parse_json(text));
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? *s : service{};
}

TEST(ServiceJson, MinimalServiceTakesApiDefaults) {
  service s = good_service(R"({"metadata":{"name":"web"}})");
  EXPECT_EQ(s.meta.key, (object_key{"", "web"}));
  EXPECT_EQ(s.type, service_type::cluster_ip);
  EXPECT_FALSE(s.headless);
  EXPECT_FALSE(s.meta.deleting);
  EXPECT_THAT(s.cluster_ips, IsEmpty());
  EXPECT_EQ(s.external_policy, traffic_policy::cluster);
  EXPECT_EQ(s.internal_policy, traffic_policy::cluster);
  EXPECT_FALSE(s.load_balancer_class);
  EXPECT_THAT(s.warnings, IsEmpty());
}

TEST(ServiceJson, ReadsTypesPoliciesAndIps) {
  service s = good_service(R"({"kind":"Service","apiVersion":"v1",
    "metadata":{"name":"web","namespace":"prod","resourceVersion":"42","uid":"u-1",
      "annotations":{"svcbgp.io/local-pref":"200","other.io/x":"y","svcbgp.io/advertise":"false"}},
    "spec":{"type":"LoadBalancer","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10","fd00::10"],
      "externalIPs":["192.0.2.1","2001:db8::1"],"externalTrafficPolicy":"Local",
      "internalTrafficPolicy":"Cluster","loadBalancerClass":"svcbgp.io/bgp"},
    "status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.7"},{"hostname":"lb.example"},
      {"ip":"198.51.100.8","ipMode":"Proxy"},{"ip":"198.51.100.9","ipMode":"VIP"}]}}})");
  EXPECT_EQ(s.meta.key, (object_key{"prod", "web"}));
  EXPECT_EQ(s.meta.resource_version, "42");
  EXPECT_EQ(s.type, service_type::load_balancer);
  EXPECT_THAT(s.cluster_ips, ElementsAre(ip("10.96.0.10"), ip("fd00::10")));
  EXPECT_THAT(s.external_ips, ElementsAre(ip("192.0.2.1"), ip("2001:db8::1")));
  EXPECT_EQ(s.external_policy, traffic_policy::local);
  EXPECT_EQ(s.internal_policy, traffic_policy::cluster);
  EXPECT_EQ(s.load_balancer_class, "svcbgp.io/bgp");
  ASSERT_EQ(s.ingress.size(), 4u);
  EXPECT_EQ(s.ingress[0].ip, ip("198.51.100.7"));
  EXPECT_FALSE(s.ingress[0].proxy_mode);
  EXPECT_FALSE(s.ingress[1].ip);
  EXPECT_EQ(s.ingress[2].ip, ip("198.51.100.8"));
  EXPECT_TRUE(s.ingress[2].proxy_mode);
  EXPECT_FALSE(s.ingress[3].proxy_mode);
  EXPECT_EQ(s.annotations, (std::map<std::string, std::string>{{"svcbgp.io/advertise", "false"},
                                                               {"svcbgp.io/local-pref", "200"}}));
  EXPECT_THAT(s.warnings, IsEmpty());
}

TEST(ServiceJson, EveryServiceTypeIsRecognised) {
  EXPECT_EQ(good_service(R"({"metadata":{"name":"a"},"spec":{"type":"NodePort"}})").type,
            service_type::node_port);
  EXPECT_EQ(good_service(R"({"metadata":{"name":"a"},"spec":{"type":"ExternalName",
              "externalName":"db.example","clusterIP":""}})")
                .type,
            service_type::external_name);
  EXPECT_EQ(good_service(R"({"metadata":{"name":"a"},"spec":{"type":"ClusterIP"}})").type,
            service_type::cluster_ip);
}

TEST(ServiceJson, ClusterIpNoneIsHeadlessWithoutAddresses) {
  service s = good_service(
      R"({"metadata":{"name":"h"},"spec":{"clusterIP":"None","clusterIPs":["None"]}})");
  EXPECT_TRUE(s.headless);
  EXPECT_THAT(s.cluster_ips, IsEmpty());
  EXPECT_THAT(s.warnings, IsEmpty());
}

TEST(ServiceJson, ClusterIpAloneIsUsedWhenClusterIpsIsAbsentOrEmpty) {
  EXPECT_THAT(
      good_service(R"({"metadata":{"name":"a"},"spec":{"clusterIP":"10.0.0.1"}})").cluster_ips,
      ElementsAre(ip("10.0.0.1")));
  EXPECT_THAT(good_service(R"({"metadata":{"name":"a"},"spec":{"clusterIP":"10.0.0.1",
                "clusterIPs":[]}})")
                  .cluster_ips,
              ElementsAre(ip("10.0.0.1")));
  EXPECT_THAT(good_service(R"({"metadata":{"name":"a"},"spec":{"clusterIP":"10.0.0.1",
                "clusterIPs":null}})")
                  .cluster_ips,
              ElementsAre(ip("10.0.0.1")));
}

TEST(ServiceJson, BadIpsAreWarningsAndTheRestIsKept) {
  service s = good_service(R"({"metadata":{"name":"a"},"spec":{
      "clusterIPs":["10.0.0.1","10.0.0.300"],"externalIPs":["x","192.0.2.1"]},
      "status":{"loadBalancer":{"ingress":[{"ip":"1.2.3"},{"ip":"198.51.100.1"}]}}})");
  EXPECT_THAT(s.cluster_ips, ElementsAre(ip("10.0.0.1")));
  EXPECT_THAT(s.external_ips, ElementsAre(ip("192.0.2.1")));
  ASSERT_EQ(s.ingress.size(), 2u);
  EXPECT_FALSE(s.ingress[0].ip);
  EXPECT_EQ(s.ingress[1].ip, ip("198.51.100.1"));
  EXPECT_THAT(s.warnings, ElementsAre("spec.clusterIPs[1]: not an IP: '10.0.0.300'",
                                      "spec.externalIPs[0]: not an IP: 'x'",
                                      "status.loadBalancer.ingress[0].ip: not an IP: '1.2.3'"));
}

TEST(ServiceJson, NullsMeanAbsent) {
  service s = good_service(R"({"metadata":{"name":"a","namespace":null,"annotations":null,
      "deletionTimestamp":null},"spec":{"type":null,"externalTrafficPolicy":null,
      "loadBalancerClass":null},"status":{"loadBalancer":{"ingress":null}}})");
  EXPECT_FALSE(s.meta.deleting);
  EXPECT_FALSE(s.load_balancer_class);
  EXPECT_THAT(s.ingress, IsEmpty());
}

TEST(ServiceJson, DeletionTimestampMarksDeleting) {
  EXPECT_TRUE(
      good_service(R"({"metadata":{"name":"a","deletionTimestamp":"2024-01-01T00:00:00Z"}})")
          .meta.deleting);
}

TEST(ServiceJson, MissingOrBadMetadataIsAnError) {
  EXPECT_EQ(service_error(R"({"spec":{}})").to_string(), "metadata: missing");
  EXPECT_EQ(service_error(R"({"metadata":[]})").to_string(), "metadata: expected an object");
  EXPECT_EQ(service_error(R"({"metadata":{"namespace":"a"}})").to_string(),
            "metadata.name: missing");
  EXPECT_EQ(service_error(R"({"metadata":{"name":""}})").to_string(), "metadata.name: missing");
  EXPECT_EQ(service_error(R"({"metadata":{"name":7}})").to_string(),
            "metadata.name: expected a string");
  EXPECT_EQ(service_error(R"({"metadata":{"name":"a","namespace":{}}})").to_string(),
            "metadata.namespace: expected a string");
  EXPECT_EQ(service_error(R"({"metadata":{"name":"a","resourceVersion":12}})").to_string(),
            "metadata.resourceVersion: expected a string");
}

TEST(ServiceJson, TopLevelMustBeAnObjectOfTheRightKind) {
  EXPECT_EQ(service_error("[]").to_string(), ": expected an object");
  EXPECT_EQ(service_error("null").path, "");
  EXPECT_EQ(service_error(R"("Service")").path, "");
  EXPECT_EQ(service_error(R"({"kind":"Deployment","metadata":{"name":"a"}})").to_string(),
            "kind: expected Service, got 'Deployment'");
  EXPECT_EQ(service_error(R"({"kind":3,"metadata":{"name":"a"}})").to_string(),
            "kind: expected a string");
  // LIST items have no kind, which is fine.
  EXPECT_TRUE(service_from_json(parse_json(R"({"metadata":{"name":"a"}})")));
}

TEST(ServiceJson, WrongJsonKindsNameTheirPath) {
  EXPECT_EQ(service_error(R"({"metadata":{"name":"a"},"spec":[]})").to_string(),
            "spec: expected an object");
  EXPECT_EQ(
      service_error(R"({"metadata":{"name":"a"},"spec":{"clusterIPs":"10.0.0.1"}})").to_string(),
      "spec.clusterIPs: expected an array");
  EXPECT_EQ(service_error(R"({"metadata":{"name":"a"},"spec":{"clusterIPs":[1]}})").to_string(),
            "spec.clusterIPs[0]: expected a string");
  EXPECT_EQ(service_error(R"({"metadata":{"name":"a"},"spec":{"externalIPs":["1.1.1.1",true]}})")
                .to_string(),
            "spec.externalIPs[1]: expected a string");
  EXPECT_EQ(service_error(R"({"metadata":{"name":"a"},"spec":{"type":1}})").to_string(),
            "spec.type: expected a string");
  EXPECT_EQ(
      service_error(R"({"metadata":{"name":"a"},"spec":{"externalTrafficPolicy":false}})").path,
      "spec.externalTrafficPolicy");
  EXPECT_EQ(service_error(R"({"metadata":{"name":"a"},"status":{"loadBalancer":{"ingress":{}}}})")
                .to_string(),
            "status.loadBalancer.ingress: expected an array");
  EXPECT_EQ(service_error(
                R"({"metadata":{"name":"a"},"status":{"loadBalancer":{"ingress":["1.1.1.1"]}}})")
                .to_string(),
            "status.loadBalancer.ingress[0]: expected an object");
  EXPECT_EQ(
      service_error(R"({"metadata":{"name":"a","annotations":{"svcbgp.io/x":1}}})").to_string(),
      "metadata.annotations.svcbgp.io/x: expected a string");
}

TEST(ServiceJson, UnknownFieldsAndForeignAnnotationsOfAnyKindAreIgnored) {
  service s = good_service(R"({"metadata":{"name":"a","annotations":{"other":{"nested":1}},
      "labels":[1,2]},"spec":{"ports":"junk","selector":7},"extra":[{"x":null}]})");
  EXPECT_THAT(s.annotations, IsEmpty());
}

TEST(ServiceJson, HugeAnnotationValuesAreKeptOnlyUnderOurPrefix) {
  std::string big(1 << 20, 'x');
  boost::json::value v = parse_json(R"({"metadata":{"name":"a","annotations":{}}})");
  auto& ann = v.as_object()["metadata"].as_object()["annotations"].as_object();
  ann["kubectl.kubernetes.io/last-applied-configuration"] = big;
  ann["svcbgp.io/communities"] = big;
  auto s = service_from_json(v);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->annotations.size(), 1u);
  EXPECT_EQ(s->annotations.at("svcbgp.io/communities").size(), big.size());
}

endpoint_slice good_slice(std::string_view text) {
  auto s = endpoint_slice_from_json(parse_json(text));
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? *s : endpoint_slice{};
}

TEST(EndpointSliceJson, ConditionsTakeTheirApiDefaults) {
  endpoint_slice s = good_slice(R"({"metadata":{"name":"web-1","namespace":"prod",
      "labels":{"kubernetes.io/service-name":"web"}},"addressType":"IPv4","endpoints":[
      {"addresses":["10.0.0.1"],"nodeName":"n1"},
      {"addresses":["10.0.0.2"],"conditions":{}},
      {"addresses":["10.0.0.3"],"conditions":{"ready":false,"serving":true,"terminating":true}},
      {"addresses":["10.0.0.4"],"conditions":{"ready":null,"serving":null,"terminating":null}}]})");
  EXPECT_EQ(s.service_name, "web");
  ASSERT_EQ(s.endpoints.size(), 4u);
  EXPECT_EQ(s.endpoints[0].node_name, "n1");
  EXPECT_EQ(s.endpoints[1].node_name, "");
  for (std::size_t i : {0u, 1u, 3u}) {
    EXPECT_TRUE(s.endpoints[i].ready) << i;
    EXPECT_TRUE(s.endpoints[i].serving) << i;
    EXPECT_FALSE(s.endpoints[i].terminating) << i;
  }
  EXPECT_FALSE(s.endpoints[2].ready);
  EXPECT_TRUE(s.endpoints[2].serving);
  EXPECT_TRUE(s.endpoints[2].terminating);
}

TEST(EndpointSliceJson, AddressTypes) {
  EXPECT_EQ(good_slice(R"({"metadata":{"name":"a"},"addressType":"IPv6"})").type,
            address_type::ipv6);
  endpoint_slice f = good_slice(R"({"metadata":{"name":"a"},"addressType":"FQDN",
      "endpoints":[{"addresses":["db.example.com"]}]})");
  EXPECT_EQ(f.type, address_type::fqdn);
  ASSERT_EQ(f.endpoints.size(), 1u);
  EXPECT_FALSE(f.endpoints[0].has_ipv4);
  EXPECT_FALSE(f.endpoints[0].has_ipv6);
  EXPECT_THAT(f.warnings, IsEmpty());
}

TEST(EndpointSliceJson, AddressesOfTheWrongFamilyOrNotIpsAreWarnings) {
  endpoint_slice s = good_slice(R"({"metadata":{"name":"a"},"addressType":"IPv4",
      "endpoints":[{"addresses":["10.0.0.1","fd00::1","pod-a"]}]})");
  ASSERT_EQ(s.endpoints.size(), 1u);
  EXPECT_TRUE(s.endpoints[0].has_ipv4);
  EXPECT_FALSE(s.endpoints[0].has_ipv6);
  ASSERT_EQ(s.warnings.size(), 2u);
  EXPECT_EQ(s.warnings[0],
            "endpoints[0].addresses[1]: IPv6 address 'fd00::1' in a slice of another addressType");
  EXPECT_EQ(s.warnings[1], "endpoints[0].addresses[2]: not an IP: 'pod-a'");
}

TEST(EndpointSliceJson, WrongJsonKindsNameTheirPath) {
  auto err = [](std::string_view text) {
    auto s = endpoint_slice_from_json(parse_json(text));
    EXPECT_FALSE(s) << text;
    return s ? std::string() : s.error().to_string();
  };
  EXPECT_EQ(err(R"({"metadata":{"name":"a"},"endpoints":{}})"), "endpoints: expected an array");
  EXPECT_EQ(err(R"({"metadata":{"name":"a"},"endpoints":[{"addresses":"10.0.0.1"}]})"),
            "endpoints[0].addresses: expected an array");
  EXPECT_EQ(err(R"({"metadata":{"name":"a"},"endpoints":[{"conditions":{"ready":"true"}}]})"),
            "endpoints[0].conditions.ready: expected a boolean");
  EXPECT_EQ(err(R"({"metadata":{"name":"a"},"endpoints":[{"nodeName":1}]})"),
            "endpoints[0].nodeName: expected a string");
  EXPECT_EQ(err(R"({"metadata":{"name":"a","labels":{"kubernetes.io/service-name":1}}})"),
            "metadata.labels.kubernetes.io/service-name: expected a string");
  EXPECT_EQ(err(R"({"metadata":{"name":"a"},"addressType":4})"), "addressType: expected a string");
  EXPECT_EQ(err(R"({"kind":"Service","metadata":{"name":"a"}})"),
            "kind: expected EndpointSlice, got 'Service'");
  EXPECT_EQ(err(R"({"metadata":{}})"), "metadata.name: missing");
}

TEST(NodeJson, ReadsLabelsConditionAndAddresses) {
  auto n = node_from_json(parse_json(R"({"kind":"Node","metadata":{"name":"n1",
      "labels":{"node.kubernetes.io/exclude-from-external-load-balancers":"","zone":"a"}},
      "status":{"conditions":[{"type":"Ready","status":"True"},
        {"type":"NetworkUnavailable","status":"True"}],
      "addresses":[{"type":"InternalIP","address":"10.1.0.1"},
        {"type":"Hostname","address":"n1"}]}})"));
  ASSERT_TRUE(n) << n.error().to_string();
  EXPECT_EQ(n->meta.key, (object_key{"", "n1"}));
  EXPECT_EQ(n->labels.size(), 2u);
  EXPECT_TRUE(n->network_unavailable);
  ASSERT_EQ(n->addresses.size(), 2u);
  EXPECT_EQ(n->addresses[0].type, "InternalIP");
  EXPECT_EQ(n->addresses[0].address, "10.1.0.1");
}

TEST(NodeJson, NetworkUnavailableOnlyWhenTrue) {
  auto n = node_from_json(parse_json(R"({"metadata":{"name":"n1"},"status":{"conditions":[
      {"type":"NetworkUnavailable","status":"False"}]}})"));
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->network_unavailable);
}

TEST(NodeJson, WrongJsonKindsAreErrors) {
  auto n = node_from_json(parse_json(R"({"metadata":{"name":"n1","labels":{"a":1}}})"));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().to_string(), "metadata.labels.a: expected a string");
  n = node_from_json(parse_json(R"({"metadata":{"name":"n1"},"status":{"conditions":{}}})"));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().path, "status.conditions");
  n = node_from_json(parse_json(R"({"kind":"Service","metadata":{"name":"n1"}})"));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().path, "kind");
}

}  // namespace
}  // namespace svcbgp::k8s
