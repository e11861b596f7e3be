// Adj-RIB-In of one peer (RFC 4271 §3.2): the routes the peer sent us, kept for display and
// counting (svcbgp never re-advertises them: RFC 8212 default policy), with RFC 4724 stale marks.
//
// Concurrency: none; owned by one peer session, used on its strand.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <unordered_map>

#include "bgp/codec/codec.h"
#include "bgp/rib/route.h"

namespace svcbgp::bgp {

struct received_route {
  attributes_ptr attrs;
  bool stale = false;  // kept from before a peer restart (RFC 4724 §4.2)
};

class adj_rib_in {
 public:
  struct change_counts {
    std::size_t announced = 0;
    std::size_t withdrawn = 0;
  };

  // Applies one decoded UPDATE: NLRI and MP_REACH announce, withdrawn and MP_UNREACH withdraw;
  // with d.treat_as_withdraw every prefix in it is withdrawn (RFC 7606 §2). A re-announced stale
  // route is no longer stale.
  change_counts apply(const decoded& d);

  // RFC 4724 §4.2: the peer restarted; keep its routes, marked stale.
  void mark_stale(std::optional<family> fam = std::nullopt);
  // Removes routes still stale; returns how many.
  std::size_t flush_stale(std::optional<family> fam = std::nullopt);
  void clear();

  std::size_t size() const { return routes_.size(); }
  std::size_t size(family f) const;
  const std::unordered_map<prefix, received_route, prefix_hash>& routes() const { return routes_; }

 private:
  std::unordered_map<prefix, received_route, prefix_hash> routes_;
  std::array<std::size_t, 2> family_size_{};  // IPv4, IPv6 unicast: size(f) in O(1)
  // The attributes of the last update that announced something, shared with the next update
  // when equal (peers send a full table as many UPDATEs with the same attributes).
  attributes_ptr last_attrs_;
};

}  // namespace svcbgp::bgp
