// Route selection: (cluster cache, this node, config) -> the routes each peer must receive, and a
// reason for every (service, IP). Pure: no I/O, no clock (shared/spec/advertisement.md).
//
// Incremental: after a change batch only the services it names are recomputed (and the IPs they
// share with other services); full() and update() must always agree (a property test checks it).
//
// Routes are in the engine's terms (bgp/session/export_policy.h): ORIGIN, communities, MED,
// LOCAL_PREF and, for deprefer on eBGP, our AS repeated in the path; the speaker adds next hop and
// our AS per session.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp/rib/route.h"
#include "k8s/model/cache.h"
#include "src/engine/config.h"

namespace svcbgp::engine {

// Stable identifiers (advertisement.md "Reasons").
enum class reason : std::uint8_t {
  announced,
  announced_aggregate,
  depreferred,
  no_endpoints,
  no_local_endpoints,
  not_in_allowed_cidrs,
  headless,
  opted_out,
  other_load_balancer_class,
  proxy_ip_mode,
  node_excluded,
  node_not_selected,
  node_network_unavailable,
  node_draining,
  kind_disabled,
  bad_annotation,
};
std::string_view to_string(reason r);  // "announced", "announcedAggregate", ...

// One (service, IP) decision.
struct decision {
  k8s::object_key service;
  ip_kind kind = ip_kind::cluster_ip;
  bgp::ip_address ip;
  bgp::prefix announced_as;  // the /32, /128 or aggregate it went out as (when announced)
  k8s::traffic_policy policy = k8s::traffic_policy::cluster;
  bool announced = false;
  reason why = reason::no_endpoints;
  std::string detail;  // e.g. the bad annotation and why; empty when the reason says it all
  std::uint32_t ready_endpoints = 0;  // in the IP's family, cluster-wide
  std::uint32_t local_ready = 0;      // on this node
  std::uint32_t local_draining = 0;   // terminating but serving, on this node
  // Weighted ECMP: the endpoints this service weighs the IP by here (0: the smallest weight);
  // nullopt when the route carries no weight.
  std::optional<std::uint32_t> weight;
  friend bool operator==(const decision&, const decision&) = default;
};

struct selection_result {
  std::map<std::string, bgp::route_set> routes;  // per peer name
  std::vector<decision> decisions;               // sorted by (service, kind, ip)
};

class selector {
 public:
  explicit selector(engine_config cfg);
  ~selector();
  selector(selector&&) noexcept;
  selector& operator=(selector&&) noexcept;

  // Recomputes everything.
  void full(const k8s::cluster_cache& cache);
  // Recomputes what `batch` touched (a node change means everything).
  void update(const k8s::cluster_cache& cache, const k8s::change_batch& batch);

  // Current results. Cost of routes(): proportional to the number of routes, so callers that need
  // only the difference use changed_peers().
  const bgp::route_set& routes(const std::string& peer) const;
  std::vector<decision> decisions() const;
  // Announced decisions by kind_index(kind) (ClusterIP, ExternalIP, LoadBalancerIP): kept as
  // services change, O(1).
  std::array<std::size_t, 3> announced_by_kind() const;
  std::vector<decision> decisions_for(const k8s::object_key& service) const;
  // Prefixes whose route changed only in its weight (weighted ECMP), since the start.
  std::uint64_t weight_updates() const;
  // Peers whose route set changed in the last full()/update().
  const std::vector<std::string>& changed_peers() const;
  // The prefixes whose route to `peer` changed in the last update() (announced, changed or
  // withdrawn), or nullptr when any may have (after full(), or an unknown peer).
  const std::vector<bgp::prefix>* changed_prefixes(const std::string& peer) const;
  selection_result result() const;

  const engine_config& config() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::engine
