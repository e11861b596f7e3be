#include "bgp/session/export_policy.h"

namespace svcbgp::bgp {

attributes_ptr export_attributes(const path_attributes& source, family f,
                                 const export_context& ctx) {
  auto out = std::make_shared<path_attributes>(source);
  if (!out->origin) {
    out->origin = origin_type::igp;
  }
  // RFC 4271 §5.1.2: an eBGP speaker prepends its own AS; on iBGP the path goes as the engine made
  // it (empty, or with prepends the engine chose).
  as_path path = source.path.value_or(as_path{});
  if (!ctx.ibgp) {
    if (path.segments.empty() || path.segments.front().type != as_path_segment::kind::as_sequence) {
      path.segments.insert(path.segments.begin(), as_path_segment{});
    }
    auto& asns = path.segments.front().asns;
    asns.insert(asns.begin(), ctx.local_as);
    out->local_pref.reset();  // RFC 4271 §5.1.5: never sent to external peers
  } else if (!out->local_pref) {
    out->local_pref = ctx.default_local_pref;
  }
  out->path = std::move(path);
  out->as4_path.reset();
  out->next_hop.reset();
  out->mp_next_hop.reset();
  out->mp_next_hop_link_local.reset();
  if (f == ipv4_unicast) {
    if (!ctx.next_hop_v4) {
      return nullptr;
    }
    out->next_hop = ctx.next_hop_v4;
  } else {
    if (!ctx.next_hop_v6) {
      return nullptr;
    }
    // RFC 2545 §3: global, then link-local when the peer shares our link. The session decides
    // (peer.cc): only on IPv6 transport, as FRR 8.4 rejects the 32-byte form on an IPv4 session
    // (shared/spec/testing.md); on an IPv6 one it takes it when zebra knows the interface.
    out->mp_next_hop = ctx.next_hop_v6;
    out->mp_next_hop_link_local = ctx.next_hop_v6_link_local;
  }
  return out;
}

}  // namespace svcbgp::bgp
