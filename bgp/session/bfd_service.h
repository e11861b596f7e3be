// BFD over UDP (RFC 5881 single-hop, RFC 5883 multihop): the sockets and timers that carry the
// pure sessions of bgp/bfd. One receive socket per family and per hop kind (port 3784 or 4784),
// one send socket per session bound to a source port in 49152-65535 with TTL 255. A received
// packet is decoded, its TTL checked (255 on single-hop, RFC 5881 §5), and given to the session
// its Your Discriminator names, or while that is 0 the session of its source address; anything
// else is dropped and counted by reason, never handed to a session.
//
// Asio stays in the .cc (pimpl). Concurrency: every call from the io_context's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bgp/bfd/session.h"
#include "bgp/codec/ip.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::bgp {

struct bfd_service_options {
  std::uint16_t single_hop_port = 3784;       // RFC 5881 §4
  std::uint16_t multihop_port = 4784;         // RFC 5883 §5
  std::uint16_t peer_single_hop_port = 3784;  // where packets go (tests run two services)
  std::uint16_t peer_multihop_port = 4784;
  std::optional<ip_address> listen_v4;  // default 0.0.0.0; the v6 socket binds [::]
  bool ipv6 = true;
  std::uint64_t seed = 0;  // 0: random discriminators and jitter
  std::function<void(std::string_view)> log;
};

struct bfd_session_spec {
  ip_address peer;
  std::optional<ip_address> local;  // the source address; default: the kernel's choice
  bool multihop = false;
  bfd::parameters params;
};

struct bfd_counters {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::map<std::string, std::uint64_t> dropped;  // by reason: a bfd::discard, "ttl", "no_session"
  std::uint64_t detect_expirations = 0;
};

class bfd_service {
 public:
  using on_change = std::function<void(const bfd::state_changed&)>;

  bfd_service(boost::asio::io_context& io, bfd_service_options options);
  ~bfd_service();
  bfd_service(const bfd_service&) = delete;
  bfd_service& operator=(const bfd_service&) = delete;

  // Opens the receive sockets; an error names the socket and why.
  std::expected<void, std::string> start();
  // A session toward spec.peer, started at once; returns its local discriminator.
  std::expected<std::uint32_t, std::string> add(const bfd_session_spec& spec, on_change cb);
  void remove(std::uint32_t discriminator);
  void set_parameters(std::uint32_t discriminator, const bfd::parameters& p);
  void set_admin_down(std::uint32_t discriminator, bool down);
  std::optional<bfd::session_status> status(std::uint32_t discriminator) const;
  bfd_counters counters() const;
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace svcbgp::bgp
