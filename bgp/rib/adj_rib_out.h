// Adj-RIB-Out of one peer (RFC 4271 §3.2, §9.2): what the peer should have, what it was sent, and
// the difference packed into as few UPDATEs as the message size allows.
//
// The engine hands over its routes (a full set, or one prefix at a time); only the difference
// against what the peer already holds becomes pending. Routes are held as the engine gave them and
// turned into this session's attributes by the exporter, once per distinct attribute set, so the
// Adj-RIB-Out is the only per-peer copy of the table (shared/spec/performance.md P3). Pending
// announcements are grouped by exported attribute set, as OpenBGPD's rde_adjout.c does, so
// prefixes with equal attributes share UPDATEs. A prefix changed back before it was sent produces
// nothing.
//
// Concurrency: none; owned by one peer session, used on its strand.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "bgp/codec/codec.h"
#include "bgp/rib/route.h"

namespace svcbgp::bgp {

class adj_rib_out {
 public:
  // The attributes this session sends for an engine route of family f, or nullptr when the route
  // cannot be sent on it. Must be a pure function of its arguments until replaced.
  using exporter = std::function<attributes_ptr(const path_attributes& route, family f)>;

  adj_rib_out();
  ~adj_rib_out();
  adj_rib_out(adj_rib_out&&) noexcept;
  adj_rib_out& operator=(adj_rib_out&&) noexcept;

  // Replaces the desired set. Work is proportional to |desired| + |previous desired|; a prefix
  // whose attribute pointer did not change costs one lookup.
  void set(const route_set& desired);
  // Only the `changed` prefixes of `desired` are new: each is announced, or withdrawn when absent.
  void update(const route_set& desired, const std::vector<prefix>& changed);
  // Incremental forms of set() for one prefix.
  void announce(const prefix& p, attributes_ptr attrs);
  void withdraw(const prefix& p);

  // Replaces the exporter (none: routes are sent as given) and makes pending whatever now
  // differs from what the peer holds.
  void set_exporter(exporter x);

  // The session went down (or a route refresh asks for everything): the peer holds nothing, so
  // every exportable route is pending again. The second form also replaces the exporter (a new
  // session has a new next hop) in the same pass.
  void reset();
  void reset(exporter x);

  // Packs pending changes into UPDATEs fitting ctx.max_size() for the families in ctx.families,
  // at most `max_messages` of them, and records them as sent. Withdrawals come first. Prefixes of
  // families not negotiated stay pending (and are never sent on this session).
  std::vector<update_message> next_updates(const codec_context& ctx, std::size_t max_messages);

  bool has_pending() const;
  std::size_t pending_count() const;  // prefixes with a pending announce or withdraw
  // Routes the peer should hold, as exported (built on each call: for tests and `show route`).
  route_set desired() const;
  std::size_t desired_count() const;       // routes given that the exporter can send
  std::size_t unexportable_count() const;  // routes given that it cannot
  // Routes whose attributes leave no room for their prefix in one UPDATE of the session's size:
  // they stay pending. As found by the last next_updates().
  std::size_t oversized_count() const;
  // What the peer has been sent and holds now (built on each call).
  route_set sent() const;
  std::size_t sent_count() const;
  std::size_t sent_count(family f) const;

  // RFC 4724 §2 End-of-RIB marker for a family.
  static update_message end_of_rib(family f);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::bgp
