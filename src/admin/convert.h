// Conversion of the daemon's values (src/admin/control.h) into admin API messages (proto/).
//
// Pure functions: no gRPC, no I/O, no clock. The admin server calls them on its gRPC threads with
// copies it got from the io thread; tests call them directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/admin/control.h"
#include "svcbgp/admin/v1/admin.pb.h"

namespace svcbgp::admin {

namespace v1 = ::svcbgp::admin::v1;

// "ipv4" / "ipv6" (BIRD's channel names); other families as bgp::to_string prints them.
std::string family_name(bgp::family f);
v1::SessionState to_proto(bgp::fsm::state s);
void set_time(google::protobuf::Timestamp* ts, std::chrono::system_clock::time_point t);
std::string router_id_string(std::uint32_t host_order);

void to_proto(const admin::daemon_status& s, v1::GetStatusResponse* out);
void to_proto(const admin::bfd_session_info& s, v1::BfdSession* out);

// What our OPEN to this peer advertises; mirrors bgp::peer::local_capabilities() (bgp/session).
struct local_identity {
  std::uint32_t local_asn = 0;
  bool graceful_restart = false;
  std::uint16_t restart_time = 0;
};
void to_proto(const bgp::capabilities& c, v1::Capabilities* out);
void to_proto(const bgp::peer_status& p, const local_identity& local, v1::Peer* out);

// Per-family route counts of one peer, computed from its routes.
struct family_counts {
  bgp::family fam;
  std::uint64_t received = 0;
  std::uint64_t received_stale = 0;
  std::uint64_t exported = 0;
};
std::vector<family_counts> count_families(const bgp::peer_status& p,
                                          const std::vector<admin::route_entry>& routes);
void add_family_stats(const std::vector<family_counts>& counts, v1::Peer* out);

// What ListPeers and GetPeer answer, read from the daemon in one io-thread step.
struct peers_answer {
  local_identity local;
  std::vector<bgp::peer_status> peers;                 // sorted by name
  std::vector<std::vector<family_counts>> counts;      // with detail, one per peer
  std::map<std::string, admin::bfd_session_info> bfd;  // by peer name
};
// `only`: that peer alone (none when it does not exist).
peers_answer collect_peers(admin::control& c, bool detail, const std::string* only);
// Peer `i` of `a`, with its BFD session and family counts.
void to_proto(const peers_answer& a, std::size_t i, v1::Peer* out);

void to_proto(const bgp::path_attributes& a, v1::Attributes* out);
void to_proto(const admin::route_entry& r, v1::Route* out);
// Counts per (direction, family) of `routes`; `exported` / `received` say which directions were
// selected (unselected directions are left out, selected ones listed even when empty).
std::vector<v1::RouteCount> count_routes(const std::vector<admin::route_entry>& routes,
                                         bool exported, bool received);

void to_proto(const engine::decision& d, v1::ServiceDecision* out);
void to_proto(const bgp::speaker_event& e, v1::PeerEvent* out);
void to_proto(const admin::daemon_event& e, v1::WatchEventsResponse* out);
// The snapshot event of one peer (WatchEvents starts with one per peer).
void snapshot_event(const bgp::peer_status& p, std::chrono::system_clock::time_point now,
                    v1::WatchEventsResponse* out);
// ... and one per BFD session, when BFD events are wanted.
void snapshot_event(const admin::bfd_session_info& s, std::chrono::system_clock::time_point now,
                    v1::WatchEventsResponse* out);

}  // namespace svcbgp::admin
