// What the admin API (src/admin, gRPC) may see and do in the daemon.
//
// The daemon (src/daemon/app) implements it; the admin server calls it only on the daemon's io
// thread (it posts each call there and waits for the answer), so implementations need no locking.
// Tests of the admin server and of svcbgpc use a fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp/rib/adj_rib_in.h"
#include "bgp/session/speaker.h"
#include "src/engine/selection.h"

namespace svcbgp::admin {

struct source_status {
  std::string resource;  // "services", "endpointslices", "nodes"
  bool synced = false;   // listed at least once
  std::string phase;     // "listing", "watching", "backing off", "directory"
  std::string resource_version;
  std::size_t objects = 0;
  std::uint64_t relists = 0;
  std::uint64_t events = 0;
  std::optional<std::string> last_error;
  // Bad input (API: since start; directory: in the last read): objects skipped whole, and values
  // ignored inside objects that were used.
  std::uint64_t skipped = 0;
  std::uint64_t fields_ignored = 0;
};

struct daemon_status {
  std::string version;
  std::string node_name;
  std::string router_id;
  std::uint32_t local_asn = 0;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point last_reconfigured;
  std::optional<std::string> last_reconfigure_error;
  std::string config_path;
  std::vector<source_status> sources;
  bool ready = false;  // every resource synced once, table sent
  // What our OPENs advertise for graceful restart (RFC 4724), shown by `show protocols all`.
  bool graceful_restart = false;
  std::uint16_t restart_time = 0;
};

// A route as the CLI shows it: exported to a peer, or received from one.
struct route_entry {
  bgp::prefix pfx;
  std::string peer;
  bool exported = true;  // false: received
  bgp::attributes_ptr attrs;
  bool stale = false;
  std::chrono::system_clock::time_point since;  // the peer's session state change time
};

struct route_query {
  std::optional<bgp::prefix> pfx;         // exact prefix
  std::optional<bgp::ip_address> for_ip;  // longest match containing this IP
  std::optional<std::string> peer;        // only this peer
  bool exported = true;
  bool received = true;
};

// One BFD session, as `show bfd sessions` shows it.
struct bfd_session_info {
  std::string peer;
  bgp::ip_address address;
  bool multihop = false;
  std::string state;  // RFC 5880 §4.1 names
  std::string remote_state;
  std::string diagnostic;
  std::chrono::system_clock::time_point since;
  std::chrono::microseconds transmit_interval{0};
  std::chrono::microseconds detect_time{0};
  std::uint32_t local_discriminator = 0;
  std::uint32_t remote_discriminator = 0;
};

struct reload_result {
  bool ok = true;
  std::vector<std::string> errors;   // "peers[1].asn: must be 1..4294967295"
  std::vector<std::string> changes;  // "peer tor2 added", "peer tor1 reset (hold_time changed)"
};

// A BFD session's state change.
struct bfd_event {
  std::string peer;
  bgp::ip_address address;
  bool multihop = false;
  std::string from, to;  // RFC 5880 §4.1 names
  std::string diagnostic;
};

// Events for WatchEvents.
struct daemon_event {
  enum class kind { peer_state, route_change, service_decision, bfd_state } what = kind::peer_state;
  std::chrono::system_clock::time_point at;
  std::optional<bgp::speaker_event> peer;         // peer_state
  std::string peer_name;                          // route_change
  std::vector<bgp::prefix> announced, withdrawn;  // route_change
  std::optional<engine::decision> decision;       // service_decision
  std::optional<bfd_event> bfd;                   // bfd_state
};

class control {
 public:
  virtual ~control() = default;

  virtual daemon_status status() = 0;
  virtual std::vector<bgp::peer_status> peers() = 0;
  virtual bool enable_peer(const std::string& name) = 0;
  virtual bool disable_peer(const std::string& name, const std::string& message) = 0;
  // hard: Cease/Administrative Reset; soft: route refresh in, or resend out.
  virtual bool reset_peer(const std::string& name, bool hard, bool in) = 0;
  virtual std::vector<route_entry> routes(const route_query& q) = 0;
  virtual std::vector<engine::decision> services(const std::optional<k8s::object_key>& only) = 0;
  virtual reload_result reload(bool check_only) = 0;
  virtual void shutdown() = 0;
  // Subscribes to events; the callback runs on the io thread and must not block. Destroying the
  // returned handle unsubscribes.
  virtual std::shared_ptr<void> subscribe(std::function<void(const daemon_event&)> callback) = 0;
  virtual std::vector<bfd_session_info> bfd_sessions() = 0;
};

}  // namespace svcbgp::admin
