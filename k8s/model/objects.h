// The typed view of the Kubernetes objects svcbgp uses: only the fields the engine reads, with API
// defaults applied (objects.cc documents each default). Everything else in the JSON is ignored.
//
// Memory matters (shared/spec/performance.md P3: 100k Services + 200k EndpointSlices per node), so
// objects keep only what is used: Service annotations only under "svcbgp.io/", EndpointSlice labels
// only as the owning service's name, Node labels in full (node selectors need them).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "k8s/model/ip.h"

namespace svcbgp::k8s {

// namespace/name; Nodes have an empty namespace.
struct object_key {
  std::string ns;
  std::string name;
  std::string to_string() const { return ns.empty() ? name : ns + "/" + name; }
  friend auto operator<=>(const object_key&, const object_key&) = default;
};

struct object_meta {
  object_key key;
  std::string resource_version;
  bool deleting = false;  // metadata.deletionTimestamp is set
  friend bool operator==(const object_meta&, const object_meta&) = default;
};

enum class traffic_policy : std::uint8_t { cluster, local };
enum class service_type : std::uint8_t { cluster_ip, node_port, load_balancer, external_name };

struct load_balancer_ingress {
  std::optional<ip_addr> ip;  // absent for hostname-only ingress
  bool proxy_mode = false;    // ipMode: Proxy (absent = VIP)
  friend bool operator==(const load_balancer_ingress&, const load_balancer_ingress&) = default;
};

struct service {
  object_meta meta;
  service_type type = service_type::cluster_ip;
  bool headless = false;              // clusterIP "None"
  std::vector<ip_addr> cluster_ips;   // spec.clusterIPs, else spec.clusterIP; empty when headless
  std::vector<ip_addr> external_ips;  // spec.externalIPs
  traffic_policy external_policy = traffic_policy::cluster;  // absent = Cluster
  traffic_policy internal_policy = traffic_policy::cluster;  // absent = Cluster
  std::optional<std::string> load_balancer_class;
  std::vector<load_balancer_ingress> ingress;      // status.loadBalancer.ingress
  std::map<std::string, std::string> annotations;  // only keys starting with "svcbgp.io/"
  // Values in spec that were not IPs, as "spec.externalIPs[1]: not an IP: 'x'"; the rest is used.
  std::vector<std::string> warnings;
  friend bool operator==(const service&, const service&) = default;
};

enum class address_type : std::uint8_t { ipv4, ipv6, fqdn };

// Of its addresses only the families are kept: selection counts an endpoint for a family it has an
// address of, and 200k slices' address vectors were a tenth of the cache (P3).
struct endpoint {
  std::string node_name;  // empty: no nodeName
  bool has_ipv4 = false;
  bool has_ipv6 = false;
  // Conditions with their API defaults: absent ready/serving = true, absent terminating = false.
  bool ready = true;
  bool serving = true;
  bool terminating = false;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

struct endpoint_slice {
  object_meta meta;
  std::optional<std::string> service_name;  // label kubernetes.io/service-name
  address_type type = address_type::ipv4;
  std::vector<endpoint> endpoints;
  std::vector<std::string> warnings;
  friend bool operator==(const endpoint_slice&, const endpoint_slice&) = default;
};

struct node_address {
  std::string type;  // InternalIP, ExternalIP, Hostname, ...
  std::string address;
  friend bool operator==(const node_address&, const node_address&) = default;
};

struct node {
  object_meta meta;
  std::string uid;  // metadata.uid: the owner of this node's BGPNodeStatus
  std::map<std::string, std::string> labels;
  bool network_unavailable = false;     // condition NetworkUnavailable=True
  bool unschedulable = false;           // spec.unschedulable: cordoned (kubectl cordon / drain)
  std::vector<std::string> taint_keys;  // spec.taints[].key
  std::vector<node_address> addresses;
  friend bool operator==(const node&, const node&) = default;
};

// A svcbgp.io config object (BGPNodeConfig, BGPAdvertisement, BGPPeer) or a Secret, kept as
// svcbgpd's config reads it (config::from_resources): the spec's JSON, or the Secret's data.
struct config_object {
  object_meta meta;
  std::string spec;                         // JSON text; "{}" when absent
  std::map<std::string, std::string> data;  // a Secret's data, base64-decoded
  friend bool operator==(const config_object&, const config_object&) = default;
};

}  // namespace svcbgp::k8s
