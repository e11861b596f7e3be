// What the engine needs from svcbgpd's config (shared/spec/interfaces.md `advertise:` and the
// peers' `advertise`, `node_selector`, `families`). Plain values; the daemon's loader fills them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bgp/codec/attributes.h"
#include "bgp/codec/ip.h"
#include "src/engine/label_selector.h"

namespace svcbgp::engine {

enum class ip_kind : std::uint8_t { cluster_ip, external_ip, load_balancer_ip };
std::string_view to_string(ip_kind k);  // "ClusterIP", "ExternalIP", "LoadBalancerIP"

enum class cluster_ip_mode : std::uint8_t { aggregate, per_service };
enum class terminating_mode : std::uint8_t { withdraw, keep, deprefer };
// A cordoned node, or one tainted for deletion: its routes deprefered (as for terminating
// endpoints), withdrawn, or left alone.
enum class node_drain_mode : std::uint8_t { deprefer, withdraw, ignore };
enum class empty_services_mode : std::uint8_t { withdraw, keep };

struct kind_config {
  std::vector<bgp::prefix> cidrs;  // allowed (and, for ClusterIPs in aggregate mode, announced)
  // Extra communities for routes of this kind, on top of the config-wide ones.
  std::vector<std::uint32_t> communities;
  std::vector<bgp::large_community> large_communities;
  friend bool operator==(const kind_config&, const kind_config&) = default;
};

// RFC 1997, 3765, 7611, 7999, 8326, 9494 well-known communities, which change what the ToR does
// with the route (drop it, keep it from peers, blackhole it) for every service sharing the IP.
inline std::vector<std::uint32_t> default_forbidden_communities() {
  return {0xffff0000u,   // GRACEFUL_SHUTDOWN
          0xffff0001u,   // ACCEPT_OWN
          0xffff0006u,   // LLGR_STALE
          0xffff0007u,   // NO_LLGR
          0xffff029au,   // BLACKHOLE (65535:666)
          0xffffff01u,   // NO_EXPORT
          0xffffff02u,   // NO_ADVERTISE
          0xffffff03u,   // NO_EXPORT_SUBCONFED
          0xffffff04u};  // NOPEER
}

// Local-policy IPs carry the link bandwidth extended community in proportion to this node's ready
// local endpoints, so that a ToR doing weighted ECMP spreads traffic by pod, not by node
// (draft-ietf-idr-link-bandwidth; FRR since 7.4).
struct weighted_ecmp_config {
  bool enabled = false;  // the svcbgp.io/weighted-ecmp annotation opts a service in or out
  // Mbit/s, as FRR's `set extcommunity bandwidth`. Only the ratios matter to ECMP; small values
  // keep a node's sum inside the 32 bits of bytes/s FRR holds it in (34 Gbit/s: 3,400 endpoints
  // here).
  std::uint32_t bandwidth_per_endpoint_mbps = 10;
  bool transitive = false;  // type 0x00 instead of 0x40, for ToRs that want it
  friend bool operator==(const weighted_ecmp_config&, const weighted_ecmp_config&) = default;
};

struct advertise_config {
  kind_config cluster_ips;
  cluster_ip_mode cluster_ips_mode = cluster_ip_mode::aggregate;
  kind_config external_ips;
  kind_config load_balancer_ips;
  std::string load_balancer_class;  // "" = only services without spec.loadBalancerClass
  terminating_mode terminating_endpoints = terminating_mode::deprefer;
  std::uint32_t deprefer_prepend = 3;
  node_drain_mode node_drain = node_drain_mode::deprefer;
  // Allowed CIDRs may reach into special-purpose ranges and the node's and peers' addresses
  // (config.cc check_special_ranges); the engine does not read it.
  bool allow_special_ranges = false;
  empty_services_mode empty_services = empty_services_mode::withdraw;
  // Cluster-policy /32s and /128s are announced as the covering prefix of this length instead.
  std::optional<std::uint8_t> aggregation_length_v4;
  std::optional<std::uint8_t> aggregation_length_v6;
  std::vector<std::uint32_t> communities;
  std::vector<bgp::large_community> large_communities;
  // What one Service's annotations may add (its IP may be shared with other tenants' services):
  // at most this many communities and large communities each, none of the forbidden ones.
  std::size_t max_annotation_communities = 16;
  std::vector<std::uint32_t> forbidden_communities = default_forbidden_communities();
  std::uint32_t local_pref = 100;  // iBGP
  std::optional<std::uint32_t> med;
  std::chrono::milliseconds batch_delay{10};
  weighted_ecmp_config weighted_ecmp;
  friend bool operator==(const advertise_config&, const advertise_config&) = default;
};

struct peer_target {
  std::string name;
  bool ibgp = false;
  std::vector<bgp::family> families{bgp::ipv4_unicast, bgp::ipv6_unicast};
  std::set<ip_kind> advertise{ip_kind::cluster_ip, ip_kind::external_ip, ip_kind::load_balancer_ip};
  label_selector node_selector;  // this node's labels must match, else no routes
};

struct engine_config {
  std::string node_name;
  // Our AS number: the engine prepends it for deprefer on eBGP (advertisement.md "Local" policy).
  std::uint32_t local_asn = 0;
  label_selector node_selector;  // global eligibility
  advertise_config advertise;
  std::vector<peer_target> peers;
};

}  // namespace svcbgp::engine
