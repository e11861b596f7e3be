// The BGP speaker: owns every peer session, the listening socket and the routes each peer is sent.
//
// The owner (svcbgpd's engine, or bgpspeak) hands over desired routes with set_routes(); each
// peer's Adj-RIB-Out sends only the difference. Peers can be added, changed and removed at run time
// without touching the others.
//
// Concurrency: every public method must be called on the io_context's thread (the daemon runs one
// thread; gRPC handlers post onto it). Events are delivered on that thread too. Asio stays out of
// this header (pimpl) so that including it costs nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp/fsm/fsm.h"
#include "bgp/rib/adj_rib_in.h"
#include "bgp/rib/route.h"
#include "bgp/session/config.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::bgp {

struct speaker_event {
  enum class kind {
    state_change,
    notification_sent,
    notification_received,
    update_error,  // an RFC 7606 error we survived (text says what and the action)
    end_of_rib_sent,
    end_of_rib_received,
    connect_attempt,
    updates_written,  // `count` UPDATE messages reached the socket (event-to-UPDATE latency)
    receive_limit,  // received routes past the peer's limits are no longer stored (once a session)
    warning,        // something the operator must fix; text says what
  };
  kind what = kind::state_change;
  std::string peer;
  fsm::state from = fsm::state::idle;
  fsm::state to = fsm::state::idle;
  std::optional<notification_message> notification;
  std::optional<family> fam;
  std::string text;
  std::size_t count = 0;
};

struct message_counters {
  std::uint64_t open = 0, update = 0, notification = 0, keepalive = 0, route_refresh = 0;
  void count(message_type t);
  std::uint64_t total() const { return open + update + notification + keepalive + route_refresh; }
};

struct peer_status {
  peer_config config;
  fsm::state state = fsm::state::idle;
  std::chrono::system_clock::time_point since;  // of the last state change
  std::optional<std::string> last_error;
  std::optional<std::string> held;  // why the owner keeps the session down (speaker::hold_peer)
  std::optional<fsm::negotiated> session;  // in OpenConfirm and Established
  std::optional<ip_address> local_address;
  message_counters sent;
  message_counters received;
  std::uint64_t updates_with_errors = 0;  // RFC 7606 treat-as-withdraw / attribute-discard
  std::size_t routes_exported = 0;        // in the peer's Adj-RIB-Out (desired)
  std::size_t routes_sent = 0;            // the peer holds them
  std::size_t routes_received = 0;
  std::size_t routes_received_stale = 0;
  std::size_t routes_received_bytes = 0;   // what the stored ones cost (max_received_bytes)
  std::uint64_t routes_dropped_limit = 0;  // announced past a limit: counted, not stored
  std::uint64_t routes_dropped_loop = 0;   // announced with our own AS in the path
  std::size_t routes_oversized = 0;        // ours, not sent: they fit no UPDATE
  std::size_t routes_sent_ipv4 = 0, routes_sent_ipv6 = 0;
  std::size_t routes_received_ipv4 = 0, routes_received_ipv6 = 0;
  std::chrono::seconds idle_hold{0};
  bool end_of_rib_sent = false;
  bool end_of_rib_received = false;
  // Time left on the armed hold and keepalive timers (nullopt: not running).
  std::optional<std::chrono::milliseconds> hold_timer_left;
  std::optional<std::chrono::milliseconds> keepalive_timer_left;
};

enum class shutdown_mode {
  graceful_restart,  // close without NOTIFICATION, peers keep our routes (RFC 4724)
  withdraw,          // withdraw every route, then Cease/Administrative Shutdown
};

class speaker {
 public:
  speaker(boost::asio::io_context& io, speaker_config cfg);
  ~speaker();
  speaker(const speaker&) = delete;
  speaker& operator=(const speaker&) = delete;

  void on_event(std::function<void(const speaker_event&)> callback);

  // Opens the listening socket (throws boost::system::system_error when it cannot) and starts every
  // enabled peer.
  void start();

  // Returns false (and changes nothing) when the name or address is already taken. `held`: as
  // hold_peer(), from the start.
  bool add_peer(const peer_config& cfg, std::optional<std::string> held = std::nullopt);
  bool remove_peer(const std::string& name);
  // Unchanged session parameters: the peer is untouched; otherwise it is reset.
  bool update_peer(const peer_config& cfg);

  bool enable_peer(const std::string& name);
  // Cease/Administrative Shutdown with an RFC 8203 message (may be empty).
  bool disable_peer(const std::string& name, const std::string& message);
  // Keeps the peer down for `why` whatever enable/disable say: no connection, no accept (a peer
  // whose node_selector does not match this node); nullopt releases it.
  bool hold_peer(const std::string& name, std::optional<std::string> why,
                 std::optional<notification_message> notify = std::nullopt);
  // Cease/Administrative Reset, then reconnect.
  bool restart_peer(const std::string& name);
  // The path to the peer is gone (its interface went down): drop the session now, as a TCP
  // failure, instead of waiting for the hold timer; it reconnects with backoff.
  bool connection_lost(const std::string& name);
  // in: ROUTE-REFRESH to the peer; out: resend our whole table.
  bool refresh_peer(const std::string& name, bool in);

  // The routes every peer is to have, in the engine's terms (export_policy.h), or one peer's.
  void set_routes(const route_set& routes);
  void set_routes(const std::string& peer, const route_set& routes);
  // The same, when only `changed` prefixes differ from the last set handed over: costs time
  // proportional to `changed`, not to the table.
  void update_routes(const std::string& peer, const route_set& routes,
                     const std::vector<prefix>& changed);
  // The table is complete (every Kubernetes cache synced): send it and End-of-RIB, clear the R bit.
  void set_table_ready();

  // Closes every session as `mode` says, then calls `done` (once everything queued is written).
  void shutdown(shutdown_mode mode, const std::string& message, std::function<void()> done);

  std::vector<peer_status> peers() const;
  std::optional<peer_status> peer(const std::string& name) const;
  // Routes the peer sent us / we send the peer, sorted by prefix.
  std::vector<std::pair<prefix, received_route>> received_routes(const std::string& name) const;
  std::vector<std::pair<prefix, attributes_ptr>> exported_routes(const std::string& name) const;

  const speaker_config& config() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::bgp
