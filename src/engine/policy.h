// The rules for one Service (advertisement.md "What is announced", "Policy rules", "Eligible
// node"): from the Service, its EndpointSlices, this node and the config to one decision per
// (kind, IP) and the routes the service asks for, before any merging with other services.
//
// Pure and independent of every other Service, which is what lets the selector recompute one
// service at a time (shared IPs are merged later, per prefix, in selection.cc).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bgp/codec/attributes.h"
#include "bgp/codec/ip.h"
#include "k8s/model/objects.h"
#include "src/engine/config.h"
#include "src/engine/selection.h"

namespace svcbgp::engine {

inline constexpr std::string_view exclude_from_lb_label =
    "node.kubernetes.io/exclude-from-external-load-balancers";

// What the rules need to know about this node; computed once per full().
struct node_context {
  std::string name;
  bool seen = false;                 // the Node object is in the cache
  bool selected = false;             // matches engine_config::node_selector
  bool network_unavailable = false;  // condition NetworkUnavailable=True
  bool excluded = false;             // carries exclude_from_lb_label (any value)
  std::string draining;  // why the node is going away ("cordoned", a taint key); empty if not
};

// The node is being drained or deleted: cordoned, or tainted by the cluster autoscaler or as
// out of service. Empty when it is not.
std::string node_draining(const k8s::node& n);

node_context make_node_context(const k8s::node* n, const engine_config& cfg);
// How a (service, IP) wants its route to look; merged with other services' intents per prefix.
struct route_intent {
  std::vector<std::uint32_t> communities;   // sorted, unique; config-wide + kind + annotation
  std::vector<bgp::large_community> large;  // sorted, unique
  std::uint32_t local_pref = 100;
  bool deprefer = false;  // only draining local endpoints, terminating_endpoints: deprefer
  // Weighted ECMP (Local policy): the ready local endpoints the IP's weight counts from this
  // service; 0 with `weighted` is the smallest weight (a depreferred or terminating-only path).
  bool weighted = false;
  std::uint32_t endpoints = 0;
  friend bool operator==(const route_intent&, const route_intent&) = default;
};

struct route_intent_hash {
  std::size_t operator()(const route_intent& i) const noexcept;
};

struct contribution {
  bgp::prefix prefix;
  ip_kind kind = ip_kind::cluster_ip;
  route_intent intent;
  std::size_t decision = 0;  // the decision (index in service_outcome::decisions) it comes from
};

struct service_outcome {
  std::vector<decision> decisions;  // sorted by (kind, ip)
  std::vector<contribution> contributions;
};

struct rule_context {
  const engine_config* cfg = nullptr;
  node_context node;
  // Whether at least one peer has the kind in its `advertise` list (else kindDisabled).
  std::array<bool, 3> kind_advertised{};
};

rule_context make_rule_context(const engine_config& cfg, const k8s::node* n);

service_outcome evaluate_service(const k8s::service& svc,
                                 const std::vector<const k8s::endpoint_slice*>& slices,
                                 const rule_context& ctx);

// The configured ClusterIP CIDRs in aggregate mode: announced as-is by every eligible node.
std::vector<contribution> aggregate_contributions(const rule_context& ctx);

}  // namespace svcbgp::engine
