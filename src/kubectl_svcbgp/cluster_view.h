// `kubectl svcbgp`: one view of the cluster's BGP from every node's BGPNodeStatus
// (shared/spec/kubernetes-native.md "The cluster view"). Pure: a list's JSON in, rows out; rows
// and `now` in, text or JSON out. Golden tests compare the output exactly.
//
// A session the node's config asks for is every one not "Held" (held: the peer's node_selector
// leaves this node out). A node whose status is missing, unreadable or stale cannot vouch for its
// sessions, so it counts as down too: the exit status is for alerts, and silence is not health.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svcbgp::kubectl_svcbgp {

using time_point = std::chrono::system_clock::time_point;

struct session_row {
  std::string peer;
  std::string address;
  std::uint32_t peer_asn = 0;
  std::string state;
  std::optional<time_point> since;
  std::string last_error;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool wanted() const { return state != "Held"; }
  bool up() const { return state == "Established"; }
};

struct condition_row {
  std::string type;
  bool status = false;
  std::string reason;
  std::string message;
};

struct node_row {
  std::string node;
  bool has_status = false;  // false: svcbgpd has not written it yet
  std::string problem;      // why this item could not be read ("status.sessions[0].peerASN: ...")
  std::optional<time_point> heartbeat;  // written again every heartbeat_every when nothing changes
  std::chrono::seconds heartbeat_every{0};
  std::string stale;  // set by mark_stale: no heartbeat for too long
  std::uint32_t local_asn = 0;
  std::uint64_t config_generation = 0;
  std::vector<session_row> sessions;
  std::uint64_t cluster_ips = 0;
  std::uint64_t external_ips = 0;
  std::uint64_t load_balancer_ips = 0;
  std::vector<condition_row> conditions;
  // Established sessions and those asked for.
  std::pair<std::size_t, std::size_t> sessions_up() const;
  // The node cannot vouch for every session it was asked for.
  bool unhealthy() const;
};

struct status_page {
  std::vector<node_row> nodes;
  std::string continue_token;  // non-empty: another page follows (LIST with limit)
};

// One page of GET /apis/svcbgp.io/v1alpha1/bgpnodestatuses. A list that is not a
// BGPNodeStatusList is an error; one item that cannot be read becomes a row with `problem` set,
// so one bad object hides nothing else.
std::expected<status_page, std::string> parse_status_list(std::string_view json);

// What a LIST answered with `status` (not 200) means, for the user: a 404 is the CRD not being
// installed; otherwise the API server's own message from the Status body.
std::string describe_failure(unsigned status, std::string_view body);

// Sorted by node name; with `node`, only that node's row (none when it has no status object).
std::vector<node_row> select_nodes(std::vector<node_row> nodes, std::string_view node);
bool any_unhealthy(const std::vector<node_row>& nodes);
// A status whose heartbeat is more than three intervals old (svcbgpd stopped, or cannot reach the
// API server) says nothing about the node now: marked, and unhealthy. One without a heartbeat
// (an svcbgpd from before heartbeats) is taken as it is.
void mark_stale(std::vector<node_row>& nodes, time_point now);

// kubectl's age: "45s", "5m3s", "3h12m", "2d4h", ... as `kubectl get` prints AGE.
std::string age(std::chrono::system_clock::duration d);

// `kubectl svcbgp peers`: one line per session, in node then status order.
std::string render_peers(const std::vector<node_row>& nodes, time_point now);
// `kubectl svcbgp nodes`: one line per node.
std::string render_nodes(const std::vector<node_row>& nodes);
// --json: an array of objects with the same facts, times as RFC 3339.
std::string peers_json(const std::vector<node_row>& nodes);
std::string nodes_json(const std::vector<node_row>& nodes);

// "2026-12-07T15:04:05Z", "...05.123Z", "...05+01:00" (RFC 3339 §5.6).
std::optional<time_point> parse_rfc3339(std::string_view s);

}  // namespace svcbgp::kubectl_svcbgp
