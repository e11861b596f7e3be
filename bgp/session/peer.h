// One configured peer: its FSM, its TCP connection, timers, Adj-RIB-Out and Adj-RIB-In.
//
// Internal to bgp/session (includes Asio). The FSM decides; this class carries out its actions:
// connect, send, arm timers, drop. Each connection is its own object with one reader and one
// writer coroutine (Asio's chat_server pattern), so a dropped connection can still flush its
// NOTIFICATION while a new one starts.
//
// Concurrency: everything runs on the peer's strand; the speaker calls in from the io thread.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "bgp/codec/codec.h"
#include "bgp/fsm/fsm.h"
#include "bgp/rib/adj_rib_in.h"
#include "bgp/rib/adj_rib_out.h"
#include "bgp/session/config.h"
#include "bgp/session/export_policy.h"
#include "bgp/session/speaker.h"

namespace svcbgp::bgp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using strand_type = asio::strand<asio::io_context::executor_type>;

// Shared by all peers: what the speaker is and how to reach its owner.
struct speaker_shared {
  speaker_config cfg;
  bool table_ready = false;
  std::function<void(const speaker_event&)> emit;
};

class peer : public std::enable_shared_from_this<peer> {
 public:
  peer(asio::io_context& io, speaker_shared& shared, peer_config cfg);
  ~peer();

  void start();
  // ManualStop with the given Cease; the peer stays down until start().
  void stop(notification_message cease);
  // Hard reset: Cease/Administrative Reset, then start again.
  void restart();
  // The owner keeps the session down for `why` (this node is not selected by the peer's
  // node_selector): no connection, no accept, whatever enable/disable say; nullopt lets it start.
  // `notify`: the NOTIFICATION that ends a running session (default: Cease/Administrative
  // Shutdown carrying `why`).
  void hold(std::optional<std::string> why,
            std::optional<notification_message> notify = std::nullopt);
  // An incoming connection from this peer's address (RFC 4271 §8.2.1.4 passive, §6.8 collision).
  void accept(tcp::socket socket);
  void set_routes(const route_set& source);
  void update_routes(const route_set& source, const std::vector<prefix>& changed);
  void table_ready();
  void refresh(bool in);
  void connection_lost();
  void reconfigure(peer_config cfg);
  // graceful: close without NOTIFICATION; otherwise withdraw all, Cease, close. `done` when closed.
  void shutdown(shutdown_mode mode, notification_message cease, std::function<void()> done);

  const peer_config& config() const { return cfg_; }
  // False after stop() or shutdown(), until start().
  bool enabled() const { return enabled_; }
  const std::optional<std::string>& held() const { return held_; }
  peer_status status() const;
  const adj_rib_in& rib_in() const { return in_; }
  const adj_rib_out& rib_out() const { return out_; }

 private:
  std::error_code prepare_socket(int fd, bool v6) const;
  struct connection;
  using connection_ptr = std::shared_ptr<connection>;

  fsm::config fsm_config() const;
  rib_in_limits rib_limits() const;
  capabilities local_capabilities() const;
  open_message local_open() const;

  void dispatch(fsm::event e);
  void execute(const fsm::action& a);
  void start_timer(fsm::timer t, std::chrono::milliseconds after);
  void stop_timer(fsm::timer t);
  void do_connect();
  void adopt(const connection_ptr& c);
  void drop(const connection_ptr& c);
  void on_session_up();
  void on_session_down(const fsm::session_down& d);
  void queue(const connection_ptr& c, const message& m);
  void wake(const connection_ptr& c);
  void handle_message(const connection_ptr& c, std::span<const std::uint8_t> bytes);
  void handle_update(const connection_ptr& c, decoded d);
  void resolve_collision(const connection_ptr& incoming, const open_message& open);
  bool can_send_routes() const;
  std::chrono::seconds send_hold_time() const;
  void resend_for_refresh(const connection_ptr& c);
  void arm_send_hold(const connection_ptr& c);
  void emit(speaker_event e);
  void finish_shutdown();

  asio::awaitable<void> reader(connection_ptr c);
  asio::awaitable<void> writer(connection_ptr c);
  asio::awaitable<void> read_collision_open(connection_ptr c);

  asio::io_context& io_;
  strand_type strand_;
  speaker_shared& shared_;
  peer_config cfg_;
  // Before fsm_, whose config (local_capabilities) reads it.
  bool end_of_rib_ever_sent_ = false;  // since the process started: the R bit (RFC 4724 §4.1)
  fsm::machine fsm_;
  connection_ptr conn_;     // the connection the FSM is running on
  connection_ptr pending_;  // an incoming connection held during collision detection
  std::array<std::optional<asio::steady_timer>, 6> timers_;
  std::array<std::uint64_t, 6> timer_generation_{};
  // When each armed timer fires (none: not armed): `show protocols all` shows the time left, as
  // BIRD does, and an armed IdleHold keeps the automatic restart from firing early.
  std::array<std::optional<asio::steady_timer::time_point>, 6> timer_deadline_{};
  bool enabled_ = true;
  std::optional<std::string> held_;
  void halt(notification_message cease);
  bool in_dispatch_ = false;
  bool suppress_auto_start_ = false;
  std::vector<fsm::event> deferred_;

  // The engine's routes live only in out_, which exports them for this session.
  bool has_table_ = false;  // set_routes() was called once: update_routes() can be incremental
  void export_routes(bool resend);
  void report_unexportable();
  void report_oversized(const connection_ptr& c);
  std::size_t oversized_ = 0;
  adj_rib_out out_;
  adj_rib_in in_;
  asio::steady_timer refresh_timer_;
  bool end_of_rib_sent_ = false;
  bool end_of_rib_received_ = false;
  std::optional<ip_address> local_address_;
  std::size_t unexportable_ = 0;

  std::chrono::system_clock::time_point since_;
  message_counters sent_;
  message_counters received_;
  std::uint64_t updates_with_errors_ = 0;
  static constexpr std::chrono::seconds refresh_interval{5};
  std::optional<std::chrono::steady_clock::time_point> last_refresh_;
  bool refresh_waiting_ = false;
  std::uint64_t refreshes_folded_ = 0;
  std::uint64_t dropped_limit_ = 0;
  std::uint64_t dropped_loop_ = 0;
  bool warned_limit_ = false;

  std::optional<notification_message> shutdown_cease_;
  std::vector<std::function<void()>> shutdown_done_;
};

}  // namespace svcbgp::bgp
