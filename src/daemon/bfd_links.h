// svcbgpd's BFD sessions (RFC 5882): one per peer with bfd.enabled, toward its address, multihop
// when the peer is more than one hop away (ebgp_multihop > 1), and what they mean for BGP: while a
// peer's BFD is not Up, its session is held down (and a running one ends with Cease/BFD Down,
// RFC 9384) so that the ToR stops sending into a dead path at once, not after the hold time.
//
// The BFD sockets and timers are bgp::bfd_service's; this file decides. Concurrency: the
// io_context's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/session/bfd_service.h"
#include "src/config/config.h"

namespace svcbgp::daemon {

// Pure: why BGP toward a peer waits for BFD, or nullopt when it does not. `ever_up`: this peer's
// BFD has been Up since svcbgpd started (the peer runs BFD); without `strict`, BGP waits only then.
std::optional<std::string> bfd_hold(const config::bfd_config& c, bool ever_up, bgp::bfd::state s,
                                    bgp::bfd::diag d);

struct bfd_link_status {
  std::string peer;
  bgp::ip_address address;
  bool multihop = false;
  bool ever_up = false;
  std::chrono::system_clock::time_point since;  // the last state change (or the session's start)
  bgp::bfd::session_status session;
};

class bfd_links {
 public:
  using on_change = std::function<void(const std::string& peer, const bgp::bfd::state_changed&)>;

  bfd_links(boost::asio::io_context& io, on_change cb, std::function<void(std::string_view)> log);
  ~bfd_links();

  // Sessions for exactly the peers with bfd.enabled: added, removed, or retuned through a Poll
  // Sequence (no flap) when only their timers changed.
  void sync(const std::vector<config::peer>& peers);
  std::optional<std::string> hold(const config::peer& p) const;
  std::vector<bfd_link_status> sessions() const;
  // Shutting down: every session AdminDown (sent at once), so that peers see a planned stop.
  void admin_down_all();
  bgp::bfd_counters counters() const;

 private:
  struct link {
    config::bfd_config cfg;
    bgp::bfd_session_spec spec;
    std::uint32_t discriminator = 0;
    bool ever_up = false;
    std::chrono::system_clock::time_point since = std::chrono::system_clock::now();
  };
  boost::asio::io_context& io_;
  on_change cb_;
  std::function<void(std::string_view)> log_;
  std::unique_ptr<bgp::bfd_service> service_;
  std::string unavailable_;  // why the BFD sockets could not be opened
  std::map<std::string, link> links_;
};

}  // namespace svcbgp::daemon
