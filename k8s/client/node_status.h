// BGPNodeStatus (svcbgp.io/v1alpha1, shared/spec/kubernetes-native.md "Resources"): what one
// node's svcbgpd says about itself, written only by it, through the status subresource. Pure: the
// report, the JSON of the object and of its status patch, and the conditions' transition times.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace svcbgp::k8s::client {

inline constexpr std::string_view node_status_path = "/apis/svcbgp.io/v1alpha1/bgpnodestatuses";

struct session_report {
  std::string peer;
  std::string address;
  std::uint32_t peer_asn = 0;
  std::string state;  // "Established", "Active", ..., or "Held" when this node does not peer
  std::chrono::system_clock::time_point since;
  std::string last_error;
  std::uint64_t prefixes_sent = 0;
  std::uint64_t prefixes_received = 0;
  friend bool operator==(const session_report&, const session_report&) = default;
};

struct node_report {
  std::string node;
  std::uint32_t local_asn = 0;
  std::vector<session_report> sessions;
  std::uint64_t announced_cluster_ip = 0;
  std::uint64_t announced_external_ip = 0;
  std::uint64_t announced_load_balancer_ip = 0;
  std::uint64_t config_generation = 0;  // reloads applied since start, 0 = the start's
  bool config_valid = true;
  std::string config_error;  // the last rejected config's first problem
  bool synced = false;       // every resource listed once and the table sent
  friend bool operator==(const node_report&, const node_report&) = default;
};

// The conditions (ConfigValid, Synced, AllSessionsEstablished) with the time each last changed.
class node_conditions {
 public:
  struct condition {
    std::string type;
    bool status = false;
    std::string reason;
    std::string message;
    std::chrono::system_clock::time_point since;
  };
  // Updates the conditions from `r`: a condition whose status changed takes `now`.
  const std::vector<condition>& update(const node_report& r,
                                       std::chrono::system_clock::time_point now);

 private:
  std::vector<condition> conditions_;
};

// The object created when it is missing: no status (the status subresource writes that), owned by
// the Node so that it goes with it.
std::string node_status_object(const std::string& node, const std::string& node_uid);
// When a status was written and how often it is written when nothing changes, so that a reader
// can tell a node whose svcbgpd stopped from one whose sessions are simply unchanged.
struct heartbeat {
  std::chrono::system_clock::time_point at;
  std::chrono::seconds every{0};
};

// A JSON merge patch of the status; with a resource version, a precondition: a write made from an
// older read fails with 409 instead of overwriting.
std::string node_status_patch(const node_report& r,
                              const std::vector<node_conditions::condition>& conditions,
                              const std::string& resource_version,
                              const std::optional<heartbeat>& beat = std::nullopt);

std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace svcbgp::k8s::client
