#include "src/daemon/route_query.h"

#include <algorithm>

namespace svcbgp::daemon {

std::vector<admin::route_entry> query_routes(const std::vector<peer_tables>& tables,
                                             const admin::route_query& q) {
  std::vector<admin::route_entry> out;
  const auto match = [&](const bgp::prefix& p) {
    if (q.pfx && !(p == *q.pfx)) {
      return false;
    }
    return !q.for_ip || p.contains(*q.for_ip);
  };
  for (const auto& t : tables) {
    if (q.peer && *q.peer != t.peer) {
      continue;
    }
    if (q.exported) {
      for (const auto& [pfx, attrs] : t.exported) {
        if (match(pfx)) {
          out.push_back({pfx, t.peer, true, attrs, false, t.since});
        }
      }
    }
    if (q.received) {
      for (const auto& [pfx, r] : t.received) {
        if (match(pfx)) {
          out.push_back({pfx, t.peer, false, r.attrs, r.stale, t.since});
        }
      }
    }
  }
  if (q.for_ip && !out.empty()) {
    // Longest match, as `show route for` does in BIRD.
    std::uint8_t longest = 0;
    for (const auto& r : out) {
      longest = std::max(longest, r.pfx.length);
    }
    std::erase_if(out, [&](const admin::route_entry& r) { return r.pfx.length != longest; });
  }
  return out;
}

}  // namespace svcbgp::daemon
