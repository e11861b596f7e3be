// Adj-RIB-Out of one peer (RFC 4271 §3.2, §9.2): what the peer should have, what it was sent, and
// the difference packed into as few UPDATEs as the message size allows.
//
// The engine hands over the full desired set (as MetalLB's Session.Set does); only the difference
// against what the peer already holds becomes pending. Pending announcements are grouped by
// attribute set, as OpenBGPD's rde_adjout.c does, so prefixes with equal attributes share
// UPDATEs. A prefix changed back before it was sent produces nothing.
//
// Concurrency: none; owned by one peer session, used on its strand.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "bgp/codec/codec.h"
#include "bgp/rib/route.h"

namespace svcbgp::bgp {

class adj_rib_out {
 public:
  adj_rib_out();
  ~adj_rib_out();
  adj_rib_out(adj_rib_out&&) noexcept;
  adj_rib_out& operator=(adj_rib_out&&) noexcept;

  // Replaces the desired set. Work is proportional to |desired| + |previous desired|.
  void set(route_set desired);
  // Incremental forms of set() for one prefix.
  void announce(const prefix& p, attributes_ptr attrs);
  void withdraw(const prefix& p);

  // The session went down (or a route refresh asks for everything): the peer holds nothing, so
  // every desired route is pending again.
  void reset();

  // Packs pending changes into UPDATEs fitting ctx.max_size() for the families in ctx.families,
  // at most `max_messages` of them, and records them as sent. Withdrawals come first. Prefixes of
  // families not negotiated stay pending (and are never sent on this session).
  std::vector<update_message> next_updates(const codec_context& ctx, std::size_t max_messages);

  bool has_pending() const;
  std::size_t pending_count() const;  // prefixes with a pending announce or withdraw
  const route_set& desired() const;
  // What the peer has been sent and holds now.
  const route_set& sent() const;
  std::size_t sent_count(family f) const;

  // RFC 4724 §2 End-of-RIB marker for a family.
  static update_message end_of_rib(family f);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::bgp
