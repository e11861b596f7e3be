// What a route looks like on the wire to one peer (pure, no I/O).
//
// The engine describes a route in its own terms: ORIGIN, communities, MED, LOCAL_PREF and, in
// `path`, only the extra prepends of our own AS (deprefer). The export policy turns that into the
// attributes for one session: next-hop self, our AS in front of the path on eBGP, LOCAL_PREF on
// iBGP only (RFC 4271 §5.1.5).
#pragma once

#include <optional>

#include "bgp/codec/attributes.h"
#include "bgp/rib/route.h"

namespace svcbgp::bgp {

struct export_context {
  std::uint32_t local_as = 0;
  bool ibgp = false;
  std::optional<ip_address> next_hop_v4;
  std::optional<ip_address> next_hop_v6;
  std::optional<ip_address> next_hop_v6_link_local;  // RFC 2545 §3, with next_hop_v6 only
  std::uint32_t default_local_pref = 100;
};

// The attributes to send, or nullptr when the route cannot be sent (no next hop of its family).
attributes_ptr export_attributes(const path_attributes& source, family f,
                                 const export_context& ctx);

}  // namespace svcbgp::bgp
