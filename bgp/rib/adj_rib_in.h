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

// What one peer may make us hold. svcbgp never uses received routes, and a ToR that reflects the
// other nodes' routes back (FRR and IOS do unless told not to) would fill every node's memory.
struct rib_in_limits {
  std::size_t max_routes = 0;  // 0: no limit
  std::size_t max_bytes = 0;   // of stored routes and their distinct attribute sets; 0: no limit
  std::uint32_t local_as = 0;  // RFC 4271 §9.1.2: a path through it is a loop, never stored
};

class adj_rib_in {
 public:
  struct change_counts {
    std::size_t announced = 0;
    std::size_t withdrawn = 0;
    std::size_t dropped_limit = 0;  // announced but not stored: a limit was reached
    std::size_t dropped_loop = 0;   // announced with our own AS in the path
  };

  adj_rib_in() = default;
  explicit adj_rib_in(rib_in_limits limits) : limits_(limits) {}
  void set_limits(rib_in_limits limits) { limits_ = limits; }

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
  // What the stored routes cost, as the byte limit counts it.
  std::size_t bytes() const { return bytes_; }
  std::size_t size(family f) const;
  const std::unordered_map<prefix, received_route, prefix_hash>& routes() const { return routes_; }

 private:
  std::unordered_map<prefix, received_route, prefix_hash> routes_;
  std::array<std::size_t, 2> family_size_{};  // IPv4, IPv6 unicast: size(f) in O(1)
  // The attributes of the last update that announced something, shared with the next update
  // when equal (peers send a full table as many UPDATEs with the same attributes).
  attributes_ptr last_attrs_;

  using iterator = std::unordered_map<prefix, received_route, prefix_hash>::iterator;
  void hold(const attributes_ptr& a);
  void release(const attributes_ptr& a);
  iterator erase(iterator it);

  rib_in_limits limits_;
  std::size_t bytes_ = 0;
  // Routes per distinct attribute set: an attribute set costs its bytes once.
  std::unordered_map<const path_attributes*, std::size_t> attr_routes_;
};

// Roughly what one attribute set costs in memory.
std::size_t attribute_bytes(const path_attributes& a);

}  // namespace svcbgp::bgp
