// `show route` [for IP | PREFIX] [peer] [exported | received]: the routes the admin API lists,
// chosen from what each peer's tables hold. Pure; the daemon reads the tables from the speaker.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "bgp/rib/adj_rib_in.h"
#include "src/admin/control.h"

namespace svcbgp::daemon {

struct peer_tables {
  std::string peer;
  std::chrono::system_clock::time_point since;  // of the session's last state change
  std::vector<std::pair<bgp::prefix, bgp::attributes_ptr>> exported;
  std::vector<std::pair<bgp::prefix, bgp::received_route>> received;
};

std::vector<admin::route_entry> query_routes(const std::vector<peer_tables>& tables,
                                             const admin::route_query& q);

}  // namespace svcbgp::daemon
