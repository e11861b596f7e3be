// The directory source's reader: YAML and JSON files, several documents, List kinds, other kinds
// skipped, bad documents reported with file and line while the rest is kept, duplicates.
#include "k8s/model/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/k8s/model/test_util.h"

namespace svcbgp::k8s {
namespace {

using test::ip;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> service_names(const manifest_objects& m) {
  std::vector<std::string> names;
  for (const auto& s : m.services) {
    names.push_back(s.meta.key.to_string());
  }
  return names;
}

constexpr std::string_view multi_doc = R"(# a Deployment and its Service, as people write them
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: prod
  annotations:
    svcbgp.io/local-pref: "200"
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  externalTrafficPolicy: Local
  ports:
  - port: 80
    targetPort: "http"
status:
  loadBalancer:
    ingress:
    - ip: 192.0.2.10
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: prod
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
endpoints:
- addresses: ["10.0.0.1"]
  nodeName: n1
  conditions: {ready: true, serving: true, terminating: false}
- addresses: [10.0.0.2]
  conditions:
    ready: false
    terminating: true
ports:
- port: 8080
---
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels:
    zone: "1"
status:
  conditions:
  - type: NetworkUnavailable
    status: "False"
---
)";

TEST(Manifests, MultiDocumentYaml) {
  manifest_objects m = parse_manifests(multi_doc, "web.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  ASSERT_EQ(m.services.size(), 1u);
  const service& s = m.services[0];
  EXPECT_EQ(s.meta.key, (object_key{"prod", "web"}));
  EXPECT_EQ(s.type, service_type::load_balancer);
  EXPECT_THAT(s.cluster_ips, ElementsAre(ip("10.96.0.10")));
  EXPECT_EQ(s.external_policy, traffic_policy::local);
  EXPECT_EQ(s.annotations.at("svcbgp.io/local-pref"), "200");
  ASSERT_EQ(s.ingress.size(), 1u);
  EXPECT_EQ(s.ingress[0].ip, ip("192.0.2.10"));

  ASSERT_EQ(m.slices.size(), 1u);
  const endpoint_slice& es = m.slices[0];
  EXPECT_EQ(es.service_name, "web");
  ASSERT_EQ(es.endpoints.size(), 2u);
  EXPECT_TRUE(es.endpoints[0].has_ipv4);
  EXPECT_TRUE(es.endpoints[0].ready);
  EXPECT_TRUE(es.endpoints[1].has_ipv4);
  EXPECT_FALSE(es.endpoints[1].ready);
  EXPECT_TRUE(es.endpoints[1].serving);  // absent
  EXPECT_TRUE(es.endpoints[1].terminating);

  ASSERT_EQ(m.nodes.size(), 1u);
  EXPECT_EQ(m.nodes[0].labels.at("zone"), "1");
  EXPECT_FALSE(m.nodes[0].network_unavailable);
}

TEST(Manifests, NamespacedObjectsWithoutNamespaceGoToDefault) {
  manifest_objects m = parse_manifests(R"(
apiVersion: v1
kind: Service
metadata: {name: web}
---
kind: Node
apiVersion: v1
metadata: {name: n1, namespace: ignored}
)",
                                       "a.yaml");
  EXPECT_THAT(service_names(m), ElementsAre("default/web"));
  ASSERT_EQ(m.nodes.size(), 1u);
  EXPECT_EQ(m.nodes[0].meta.key.to_string(), "n1");
}

TEST(Manifests, ListKinds) {
  manifest_objects m = parse_manifests(R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a, namespace: p}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: a}
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata: {name: a-1, namespace: p, labels: {kubernetes.io/service-name: a}}
  addressType: IPv4
---
apiVersion: v1
kind: ServiceList
metadata: {resourceVersion: "10"}
items:
- metadata: {name: b, namespace: p, resourceVersion: "7"}
  spec: {clusterIP: None}
---
kind: NodeList
apiVersion: v1
items:
- metadata: {name: n1}
---
kind: EndpointSliceList
apiVersion: discovery.k8s.io/v1
items: []
)",
                                       "list.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  EXPECT_THAT(service_names(m), ElementsAre("p/a", "p/b"));
  EXPECT_TRUE(m.services[1].headless);
  EXPECT_EQ(m.services[1].meta.resource_version, "7");
  ASSERT_EQ(m.slices.size(), 1u);
  EXPECT_EQ(m.slices[0].service_name, "a");
  ASSERT_EQ(m.nodes.size(), 1u);
}

TEST(Manifests, JsonFile) {
  manifest_objects m = parse_manifests(R"(
{"kind":"List","apiVersion":"v1","items":[
  {"kind":"Service","apiVersion":"v1","metadata":{"name":"a","namespace":"p"},
   "spec":{"clusterIPs":["10.0.0.1","fd00::1"],"ports":[{"port":80}]}},
  {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"}}
]})",
                                       "objects.json");
  EXPECT_THAT(m.errors, IsEmpty());
  ASSERT_EQ(m.services.size(), 1u);
  EXPECT_THAT(m.services[0].cluster_ips, ElementsAre(ip("10.0.0.1"), ip("fd00::1")));
}

TEST(Manifests, BadJsonIsReportedWithALine) {
  manifest_objects m =
      parse_manifests("{\"kind\": \"Service\",\n \"metadata\": {\"name\": }\n}", "bad.json");
  EXPECT_THAT(m.services, IsEmpty());
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(m.errors[0].file, "bad.json");
  EXPECT_GE(m.errors[0].line, 1);
}

TEST(Manifests, BadDocumentIsReportedWithFileAndLineAndTheOthersAreKept) {
  manifest_objects m = parse_manifests(R"(apiVersion: v1
kind: Service
metadata: {name: first, namespace: p}
---
apiVersion: v1
kind: Service
metadata:
  name: broken
  namespace: p
spec:
  clusterIPs: 10.0.0.1
---
apiVersion: v1
kind: Service
metadata: {name: third, namespace: p}
)",
                                       "dir/svc.yaml");
  EXPECT_THAT(service_names(m), ElementsAre("p/first", "p/third"));
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(m.errors[0].file, "dir/svc.yaml");
  EXPECT_EQ(m.errors[0].line, 5);
  EXPECT_EQ(m.errors[0].to_string(),
            "dir/svc.yaml:5: Service p/broken: spec.clusterIPs: expected an array");
}

TEST(Manifests, YamlSyntaxErrorLosesOnlyItsDocument) {
  manifest_objects m = parse_manifests(R"(apiVersion: v1
kind: Service
metadata: {name: first, namespace: p}
---
apiVersion: v1
kind: Service
metadata: {name: [unclosed
---
apiVersion: v1
kind: Service
metadata: {name: third, namespace: p}
)",
                                       "svc.yaml");
  EXPECT_THAT(service_names(m), ElementsAre("p/first", "p/third"));
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_GE(m.errors[0].line, 4);
  EXPECT_LE(m.errors[0].line, 8);
  EXPECT_THAT(m.errors[0].message, HasSubstr("YAML"));
}

TEST(Manifests, BadListItemIsReportedAtItsLine) {
  manifest_objects m = parse_manifests(R"(kind: ServiceList
apiVersion: v1
items:
- metadata: {name: ok, namespace: p}
- metadata: {namespace: p}
- metadata: {name: ok2, namespace: p}
)",
                                       "l.yaml");
  EXPECT_THAT(service_names(m), ElementsAre("p/ok", "p/ok2"));
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(m.errors[0].to_string(), "l.yaml:5: Service: metadata.name: missing");
}

TEST(Manifests, ObjectsWithoutKindOrNotObjectsAreErrors) {
  manifest_objects m =
      parse_manifests("metadata: {name: a}\n---\n- 1\n- 2\n---\n# only a comment\n", "x.yaml");
  ASSERT_EQ(m.errors.size(), 2u);
  EXPECT_EQ(m.errors[0].to_string(), "x.yaml:1: an object without kind");
  EXPECT_EQ(m.errors[1].line, 3);
}

TEST(Manifests, OurKindsInOtherApiGroupsAreSkipped) {
  manifest_objects m = parse_manifests(R"(apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello}
spec:
  template: {spec: {containers: [{image: x}]}}
)",
                                       "knative.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  EXPECT_THAT(m.services, IsEmpty());
}

TEST(Manifests, ScalarsConvertOnlyWhereTheyLookTyped) {
  // Quoted "true" stays a string (a label value); plain true is a boolean (a condition); a plain
  // number where the API wants a string is an error, as with kubectl.
  manifest_objects m = parse_manifests(R"(kind: EndpointSlice
apiVersion: discovery.k8s.io/v1
metadata:
  name: s
  labels: {kubernetes.io/service-name: "true"}
addressType: IPv4
endpoints:
- addresses: [10.0.0.1]
  conditions: {ready: False, serving: TRUE}
---
kind: Service
apiVersion: v1
metadata:
  name: n
  annotations: {svcbgp.io/local-pref: 200}
)",
                                       "s.yaml");
  ASSERT_EQ(m.slices.size(), 1u);
  EXPECT_EQ(m.slices[0].service_name, "true");
  EXPECT_FALSE(m.slices[0].endpoints[0].ready);
  EXPECT_TRUE(m.slices[0].endpoints[0].serving);
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_THAT(m.errors[0].message, HasSubstr("svcbgp.io/local-pref: expected a string"));
}

TEST(Manifests, DocumentMarkerWithContentAndCrlf) {
  manifest_objects m = parse_manifests(
      "--- {kind: Service, apiVersion: v1, metadata: {name: a}}\r\n"
      "--- \r\nkind: Service\r\napiVersion: v1\r\nmetadata:\r\n  name: b\r\n",
      "crlf.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  EXPECT_THAT(service_names(m), ElementsAre("default/a", "default/b"));
}

TEST(Manifests, AliasBombIsRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'h'; ++c) {
    std::string name(1, c);
    bomb += name + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) {
      bomb += (i ? ", *" : "*") + prev;
    }
    bomb += "]\n";
    prev = name;
  }
  bomb += "kind: Service\n";
  manifest_objects m = parse_manifests(bomb, "bomb.yaml");
  EXPECT_THAT(m.services, IsEmpty());
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_THAT(m.errors[0].message, HasSubstr("too many nodes"));
}

TEST(Manifests, DuplicatesWithinAFileKeepTheFirst) {
  manifest_objects m = parse_manifests(R"(kind: Service
apiVersion: v1
metadata: {name: a, namespace: p}
spec: {clusterIP: 10.0.0.1}
---
kind: Service
apiVersion: v1
metadata: {name: a, namespace: p}
spec: {clusterIP: 10.0.0.2}
)",
                                       "d.yaml");
  ASSERT_EQ(m.services.size(), 1u);
  EXPECT_THAT(m.services[0].cluster_ips, ElementsAre(ip("10.0.0.1")));
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(m.errors[0].to_string(), "d.yaml:6: duplicate Service p/a, first defined at d.yaml:1");
}

TEST(DirectoryFiles, MergesFilesAndReportsDuplicatesNamingBothFiles) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"10-web.yaml",
       "kind: Service\napiVersion: v1\nmetadata: {name: web, namespace: p}\n"
       "spec: {clusterIP: 10.0.0.1}\n"},
      {"20-db.json",
       R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"db","namespace":"p"}})"},
      {"30-copy.yaml",
       "# copied by mistake\nkind: Service\napiVersion: v1\n"
       "metadata: {name: web, namespace: p}\nspec: {clusterIP: 10.0.0.9}\n"},
      {"40-slice.yaml",
       "kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\n"
       "metadata: {name: web-1, namespace: p, labels: "
       "{kubernetes.io/service-name: web}}\naddressType: IPv4\n"},
      {"50-deploy.yaml", "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: web}\n"},
  };
  manifest_objects m = parse_directory_files(files);
  EXPECT_THAT(service_names(m), ElementsAre("p/web", "p/db"));
  EXPECT_THAT(m.services[0].cluster_ips, ElementsAre(ip("10.0.0.1")));
  EXPECT_EQ(m.slices.size(), 1u);
  ASSERT_EQ(m.errors.size(), 1u);
  EXPECT_EQ(m.errors[0].to_string(),
            "30-copy.yaml:2: duplicate Service p/web, first defined at 10-web.yaml:1");
}

TEST(DirectoryFiles, SameNameInDifferentKindsOrNamespacesIsNoDuplicate) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"a.yaml", "kind: Service\napiVersion: v1\nmetadata: {name: web, namespace: p}\n"},
      {"b.yaml",
       "kind: Service\napiVersion: v1\nmetadata: {name: web, namespace: q}\n"
       "---\nkind: EndpointSlice\napiVersion: discovery.k8s.io/v1\n"
       "metadata: {name: web, namespace: p}\n"},
  };
  manifest_objects m = parse_directory_files(files);
  EXPECT_THAT(m.errors, IsEmpty());
  EXPECT_EQ(m.services.size(), 2u);
  EXPECT_EQ(m.slices.size(), 1u);
}

TEST(DirectoryFiles, EmptyInputs) {
  EXPECT_TRUE(parse_directory_files({}).services.empty());
  manifest_objects m = parse_manifests("", "empty.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
  m = parse_manifests("---\n---\n", "markers.yaml");
  EXPECT_THAT(m.errors, IsEmpty());
}

}  // namespace
}  // namespace svcbgp::k8s
