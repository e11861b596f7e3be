// svcbgpc's output: admin API responses -> text in birdc's layout, or JSON.
//
// Pure functions of (response, now): no I/O, no gRPC, so golden tests compare them exactly.
// Times are local time as BIRD prints them (HH:MM:SS.mmm for today, YYYY-MM-DD before); tests
// set TZ=UTC. Every function returns complete lines ("\n"-terminated), trailing blanks trimmed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "bgp/codec/text.h"
#include "svcbgp/admin/v1/admin.pb.h"

namespace svcbgp::cli {

namespace v1 = ::svcbgp::admin::v1;
using time_point = std::chrono::system_clock::time_point;

time_point from_proto(const google::protobuf::Timestamp& ts);
// BIRD's "Since" column: "12:34:56.789" for today (local time), "2024-01-31" before.
std::string format_since(const google::protobuf::Timestamp& ts, time_point now);
// "2024-01-31 12:34:56.789".
std::string format_time(const google::protobuf::Timestamp& ts);

// show status
std::string render_status(const v1::GetStatusResponse& s);
// show protocols [all]: the table, and with `detail` BIRD's block under each line.
std::string render_protocols(const v1::ListPeersResponse& peers, bool detail, time_point now);
// show route [all]; `filtered`: a prefix or IP was asked for (an empty answer is then "Network
// not found", as in BIRD).
std::string render_routes(const v1::ListRoutesResponse& routes, bool detail, bool filtered,
                          time_point now);
// show route count
std::string render_route_count(const v1::ListRoutesResponse& routes);
// show route for IP: which service the IP belongs to.
std::string render_ip_owner(const v1::ListServicesResponse& services, std::string_view ip);
// show services
std::string render_services(const v1::ListServicesResponse& services);
// show bfd sessions, in BIRD's columns (the peer's name where BIRD has the interface; interval
// and timeout in seconds).
std::string render_bfd_sessions(const v1::ListBfdSessionsResponse& r, time_point now);
// enable / disable / restart / reload: "tor1: enabled" per peer.
std::string render_peer_action(const google::protobuf::RepeatedPtrField<std::string>& peers,
                               std::string_view done);
// configure [check]
std::string render_reload(const v1::ReloadConfigResponse& r, bool check_only);

// One JSON document (snake_case field names, default values included, indented).
std::string to_json(const google::protobuf::Message& m);

// Text from tenants and peers made safe for a terminal (bgp/codec/text.h).
using bgp::printable;

}  // namespace svcbgp::cli
