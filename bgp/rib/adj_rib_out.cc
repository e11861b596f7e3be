// Adj-RIB-Out: desired and sent tables, pending changes grouped by attribute set, and packing.
//
// Pending state, per family:
//   - one `pending_list` per attribute set (announcements), kept in first-pending order, and one
//     for withdrawals;
//   - `pending` maps each prefix with a pending change to the list that holds it.
// A list's vector may hold dead entries (cancelled, moved to another list, or duplicates); an
// entry is live only while `pending` points at that list. This makes cancelling O(1) without
// back-references, and draining filters dead entries in the same pass that emits live ones.
// Lists are compacted when dead entries outnumber live ones, so churn without draining stays
// bounded.
#include "bgp/rib/adj_rib_out.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>
#include <list>
#include <unordered_map>
#include <utility>

#include <boost/unordered/unordered_flat_map.hpp>

namespace svcbgp::bgp {
namespace {

// The families this speaker carries (ip.h): index 0 is IPv4 unicast, 1 is IPv6 unicast.
constexpr std::size_t family_count = 2;
constexpr std::array<family, family_count> families_in_order{ipv4_unicast, ipv6_unicast};

std::size_t family_index(const prefix& p) {
  return p.addr.v6 ? 1 : 0;
}

std::optional<std::size_t> family_index(family f) {
  for (std::size_t i = 0; i < family_count; ++i) {
    if (families_in_order[i] == f) {
      return i;
    }
  }
  return std::nullopt;
}

std::uint64_t load_be64(const std::uint8_t* b) {
  std::uint64_t x = 0;
  std::memcpy(&x, b, sizeof x);
  if constexpr (std::endian::native == std::endian::little) {
    x = std::byteswap(x);
  }
  return x;
}

// The order of prefix's defaulted <=> (family, address bytes, length), computed on two 64-bit
// words instead of byte by byte: sorting a 1M-prefix group is a large part of draining it.
bool prefix_less(const prefix& a, const prefix& b) {
  if (a.addr.v6 != b.addr.v6) {
    return b.addr.v6;
  }
  for (std::size_t off : {0, 8}) {
    std::uint64_t x = load_be64(a.addr.bytes.data() + off);
    std::uint64_t y = load_be64(b.addr.bytes.data() + off);
    if (x != y) {
      return x < y;
    }
  }
  return a.length < b.length;
}

bool prefix_equal(const prefix& a, const prefix& b) {
  return a.addr.v6 == b.addr.v6 && a.length == b.length &&
         std::memcmp(a.addr.bytes.data(), b.addr.bytes.data(), a.addr.bytes.size()) == 0;
}

}  // namespace

struct adj_rib_out::impl {
  // Prefixes with a pending change of one kind: an announcement with `attrs`, or (attrs null) a
  // withdrawal. Entries before `sorted` are in prefix order; entries before `head` are consumed.
  struct pending_list {
    attributes_ptr attrs;
    std::vector<prefix> prefixes;
    std::size_t head = 0;
    std::size_t sorted = 0;
    std::size_t live = 0;
    std::list<pending_list>::iterator self;  // position in family_state::groups (announcements)
  };

  struct attrs_hash {
    std::size_t operator()(const attributes_ptr& a) const noexcept {
      return a ? path_attributes_hash{}(*a) : 0;
    }
  };
  struct attrs_equal {
    bool operator()(const attributes_ptr& a, const attributes_ptr& b) const {
      return same_attributes(a, b);
    }
  };

  struct family_state {
    std::list<pending_list> groups;  // announcements, in first-pending order
    std::unordered_map<attributes_ptr, pending_list*, attrs_hash, attrs_equal> by_attrs;
    pending_list withdrawals;
    pending_list* last_group = nullptr;  // the group of the last announcement: usually the next's
    std::size_t sent = 0;
  };

  route_set desired;
  route_set sent;
  // Open addressing: one cache miss per lookup and no allocation per entry, which matters when
  // a whole table (1M prefixes) becomes pending at once.
  boost::unordered_flat_map<prefix, pending_list*, prefix_hash> pending;
  std::array<family_state, family_count> fams;

  // The announcement list for `attrs`, created at the end of the group order when new. Groups are
  // keyed by attribute value, so equal sets held by different pointers still share UPDATEs.
  pending_list* group_for(family_state& fs, const attributes_ptr& attrs) {
    if (fs.last_group != nullptr && fs.last_group->attrs.get() == attrs.get()) {
      return fs.last_group;
    }
    auto [it, inserted] = fs.by_attrs.try_emplace(attrs, nullptr);
    if (inserted) {
      auto& g = fs.groups.emplace_back();
      g.attrs = attrs;
      g.self = std::prev(fs.groups.end());
      it->second = &g;
    }
    fs.last_group = it->second;
    return it->second;
  }

  void release(family_state& fs, pending_list* l) {
    --l->live;
    if (l->live != 0) {
      return;
    }
    if (l == &fs.withdrawals) {
      l->prefixes = {};
      l->head = l->sorted = 0;
      return;
    }
    if (fs.last_group == l) {
      fs.last_group = nullptr;
    }
    fs.by_attrs.erase(l->attrs);
    fs.groups.erase(l->self);
  }

  void add(pending_list* l, const prefix& p) {
    l->prefixes.push_back(p);
    ++l->live;
    if (l->prefixes.size() - l->head > 2 * l->live + 64) {
      compact(l);
    }
  }

  // Points p's pending change at list `to` (nullptr: no change pending).
  void make_pending(const prefix& p, pending_list* to) {
    auto& fs = fams[family_index(p)];
    if (to == nullptr) {
      auto it = pending.find(p);
      if (it != pending.end()) {
        pending_list* from = it->second;
        pending.erase(it);
        release(fs, from);
      }
      return;
    }
    auto [it, inserted] = pending.try_emplace(p, to);
    if (!inserted) {
      if (it->second == to) {
        return;
      }
      pending_list* from = it->second;
      it->second = to;
      release(fs, from);
    }
    add(to, p);
  }

  // The one rule of set(), announce() and withdraw(): compare what should be with what the peer
  // holds, and make exactly that difference pending.
  void reconcile(const prefix& p, const attributes_ptr* want) {
    assert(want == nullptr || *want != nullptr);  // the engine always gives an attribute set
    auto s = sent.find(p);
    if (want == nullptr) {
      make_pending(p, s == sent.end() ? nullptr : &fams[family_index(p)].withdrawals);
    } else if (s != sent.end() && same_attributes(s->second, *want)) {
      make_pending(p, nullptr);
    } else {
      make_pending(p, group_for(fams[family_index(p)], *want));
    }
  }

  bool is_live(const pending_list* l, const prefix& p) const {
    auto it = pending.find(p);
    return it != pending.end() && it->second == l;
  }

  // Sorts the unsorted tail into the sorted part; duplicates end up adjacent.
  void sort_list(pending_list* l) {
    auto& v = l->prefixes;
    if (l->head > 0) {
      v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(l->head));
      l->sorted -= std::min(l->sorted, l->head);
      l->head = 0;
    }
    if (l->sorted == v.size()) {
      return;
    }
    auto mid = v.begin() + static_cast<std::ptrdiff_t>(l->sorted);
    std::sort(mid, v.end(), prefix_less);
    std::inplace_merge(v.begin(), mid, v.end(), prefix_less);
    l->sorted = v.size();
  }

  // Drops dead and duplicate entries.
  void compact(pending_list* l) {
    sort_list(l);
    auto& v = l->prefixes;
    v.erase(std::unique(v.begin(), v.end(), prefix_equal), v.end());
    v.erase(std::remove_if(v.begin(), v.end(), [&](const prefix& p) { return !is_live(l, p); }),
            v.end());
    l->sorted = v.size();
  }

  void clear_pending() {
    pending = {};
    for (auto& fs : fams) {
      fs.groups.clear();
      fs.by_attrs.clear();
      fs.withdrawals = pending_list{};
      fs.last_group = nullptr;
    }
  }

  // Packs live entries of `l` into messages of at most `max_size` bytes. `base` is the size of a
  // message with no prefix; each prefix adds nlri_size() (exact: the codec always gives
  // MP_REACH/MP_UNREACH a 2-octet length). `emit(prefixes)` builds and stores one message and
  // records it as sent. Stops when `budget` messages have been produced; the rest stays pending.
  template <typename Emit>
  void pack(pending_list* l, std::size_t base, std::size_t max_size, std::size_t& budget,
            Emit&& emit) {
    sort_list(l);
    auto& v = l->prefixes;
    auto size_with = [&](std::size_t nlri_bytes) { return base + nlri_bytes; };
    std::vector<prefix> batch;
    std::size_t nlri_bytes = 0;
    std::size_t i = l->head;
    for (; i < v.size() && budget > 0; ++i) {
      const prefix& p = v[i];
      auto it = pending.find(p);
      if (it == pending.end() || it->second != l) {
        continue;  // dead, or a duplicate of one already taken
      }
      std::size_t n = nlri_size(p);
      if (size_with(nlri_bytes + n) > max_size) {
        if (batch.empty()) {
          // Not even one prefix fits beside these attributes: it can never be sent, so it stays
          // pending rather than producing an oversized UPDATE.
          break;
        }
        emit(batch);
        --budget;
        batch.clear();
        nlri_bytes = 0;
        if (budget == 0 || size_with(n) > max_size) {
          break;
        }
      }
      nlri_bytes += n;
      batch.push_back(p);
      pending.erase(it);
      --l->live;
    }
    l->head = i;
    if (!batch.empty()) {
      emit(batch);
      --budget;
    }
  }
};

adj_rib_out::adj_rib_out() : impl_(std::make_unique<impl>()) {}
adj_rib_out::~adj_rib_out() = default;
adj_rib_out::adj_rib_out(adj_rib_out&&) noexcept = default;
adj_rib_out& adj_rib_out::operator=(adj_rib_out&&) noexcept = default;

void adj_rib_out::set(route_set desired) {
  auto& m = *impl_;
  route_set old = std::exchange(m.desired, std::move(desired));
  if (m.sent.size() < m.desired.size()) {
    m.pending.reserve(m.pending.size() + (m.desired.size() - m.sent.size()));
  }
  // A prefix whose attributes pointer did not change needs nothing: its pending state already
  // is the difference between desired and sent. That makes a repeated set() one lookup per prefix.
  std::size_t kept = 0;
  for (const auto& [p, attrs] : m.desired) {
    auto o = old.find(p);
    if (o != old.end()) {
      ++kept;
      if (o->second == attrs) {
        continue;
      }
    }
    m.reconcile(p, &attrs);
  }
  if (kept == old.size()) {
    return;  // every old prefix is still desired
  }
  for (const auto& [p, attrs] : old) {
    if (!m.desired.contains(p)) {
      m.reconcile(p, nullptr);
    }
  }
}

void adj_rib_out::announce(const prefix& p, attributes_ptr attrs) {
  auto& m = *impl_;
  auto& slot = m.desired[p];
  slot = std::move(attrs);
  m.reconcile(p, &slot);
}

void adj_rib_out::withdraw(const prefix& p) {
  auto& m = *impl_;
  m.desired.erase(p);
  m.reconcile(p, nullptr);
}

void adj_rib_out::reset() {
  auto& m = *impl_;
  m.sent = route_set{};
  m.clear_pending();
  for (auto& fs : m.fams) {
    fs.sent = 0;
  }
  for (const auto& [p, attrs] : m.desired) {
    assert(attrs != nullptr);
    m.make_pending(p, m.group_for(m.fams[family_index(p)], attrs));
  }
}

std::vector<update_message> adj_rib_out::next_updates(const codec_context& ctx,
                                                      std::size_t max_messages) {
  auto& m = *impl_;
  std::vector<update_message> out;
  std::size_t budget = max_messages;
  const std::size_t max_size = ctx.max_size();

  std::vector<std::size_t> negotiated;
  for (family f : ctx.families) {
    if (auto i = family_index(f);
        i && std::find(negotiated.begin(), negotiated.end(), *i) == negotiated.end()) {
      negotiated.push_back(*i);
    }
  }
  std::sort(negotiated.begin(), negotiated.end());

  // RFC 4271 §9.2: withdrawals first, so a peer never holds a route longer than it should.
  for (std::size_t fi : negotiated) {
    auto& fs = m.fams[fi];
    if (budget == 0) {
      break;
    }
    if (fs.withdrawals.live == 0) {
      continue;
    }
    const family f = families_in_order[fi];
    const bool v6 = f == ipv6_unicast;
    m.pack(&fs.withdrawals, withdraw_base_size(f), max_size, budget,
           [&](const std::vector<prefix>& batch) {
             auto& u = out.emplace_back();
             if (v6) {
               u.mp_unreach_family = f;
               u.mp_unreach = batch;
             } else {
               u.withdrawn = batch;
             }
             for (const prefix& p : batch) {
               fs.sent -= m.sent.erase(p);
             }
           });
    if (fs.withdrawals.live == 0) {
      fs.withdrawals = impl::pending_list{};
    }
  }

  std::size_t announcing = 0;
  for (std::size_t fi : negotiated) {
    for (const auto& g : m.fams[fi].groups) {
      announcing += g.live;
    }
  }
  if (announcing > 0 && budget > 0) {
    m.sent.reserve(m.sent.size() + announcing);
  }
  for (std::size_t fi : negotiated) {
    auto& fs = m.fams[fi];
    const family f = families_in_order[fi];
    const bool v6 = f == ipv6_unicast;
    for (auto it = fs.groups.begin(); it != fs.groups.end() && budget > 0;) {
      impl::pending_list& g = *it;
      m.pack(&g, update_base_size(*g.attrs, f, ctx), max_size, budget,
             [&](const std::vector<prefix>& batch) {
               auto& u = out.emplace_back();
               u.attrs = *g.attrs;
               if (v6) {
                 u.mp_reach_family = f;
                 u.mp_reach = batch;
               } else {
                 u.nlri = batch;
               }
               for (const prefix& p : batch) {
                 auto [s, inserted] = m.sent.insert_or_assign(p, g.attrs);
                 fs.sent += inserted ? 1 : 0;
               }
             });
      ++it;
      if (g.live == 0) {
        if (fs.last_group == &g) {
          fs.last_group = nullptr;
        }
        fs.by_attrs.erase(g.attrs);
        fs.groups.erase(g.self);
      }
    }
  }

  // A drained table should not keep the pending index's slots (~40 bytes per prefix ever pending).
  if (m.pending.empty() && m.pending.bucket_count() > 1024) {
    m.pending = {};
  }
  return out;
}

bool adj_rib_out::has_pending() const {
  return !impl_->pending.empty();
}

std::size_t adj_rib_out::pending_count() const {
  return impl_->pending.size();
}

const route_set& adj_rib_out::desired() const {
  return impl_->desired;
}

const route_set& adj_rib_out::sent() const {
  return impl_->sent;
}

std::size_t adj_rib_out::sent_count(family f) const {
  auto i = family_index(f);
  return i ? impl_->fams[*i].sent : 0;
}

update_message adj_rib_out::end_of_rib(family f) {
  update_message u;
  if (f != ipv4_unicast) {
    // RFC 4724 §2: for other families, an UPDATE with only an empty MP_UNREACH_NLRI.
    u.mp_unreach_family = f;
  }
  return u;
}

}  // namespace svcbgp::bgp
