// Adj-RIB-Out: one table of slots (desired route, sent route, pending change), pending changes
// grouped by attribute set, and packing.
//
// One open-addressing table holds, per prefix, the engine's route, what the peer was sent and the
// list its pending change is in: 32 bytes per prefix per peer, where separate desired, sent and
// pending maps (and the peer's copy of the engine table) cost four node allocations. A pending
// entry takes 5 bytes (IPv4) or 17 (IPv6) more while it waits (packed_prefixes.h).
//
// Pending state, per family:
//   - one `pending_list` per exported attribute set (announcements), kept in first-pending order,
//     and one for withdrawals;
//   - a slot's `pending` points at the list that holds its change.
// A list's vector may hold dead entries (cancelled, moved to another list, or duplicates); an
// entry is live only while its slot points at that list. This makes cancelling O(1) without
// back-references, and draining filters dead entries in the same pass that emits live ones.
// Lists are compacted when dead entries outnumber live ones, so churn without draining stays
// bounded.
#include "bgp/rib/adj_rib_out.h"

#include "bgp/rib/packed_prefixes.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
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

}  // namespace

struct adj_rib_out::impl {
  // Prefixes with a pending change of one kind: an announcement with `attrs`, or (attrs null) a
  // withdrawal. Entries before `sorted` are in prefix order; entries before `head` are consumed.
  struct pending_list {
    attributes_ptr attrs;
    packed_prefixes prefixes;
    std::size_t head = 0;
    std::size_t sorted = 0;
    std::size_t live = 0;
    std::uint32_t id = 0;                    // what slots hold
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
    // During a bulk change: how many prefixes each group not yet made will take (size_groups).
    std::unordered_map<attributes_ptr, std::size_t, attrs_hash, attrs_equal> size_hints;
  };

  // Per prefix, 32-bit ids instead of pointers: with the 18-byte prefix a slot is 32 bytes, half
  // of two shared pointers and a list pointer (P3: 200k prefixes x 4 peers).
  struct slot {
    std::uint32_t want = 0;     // the engine's route (attribute id); 0: not desired
    std::uint32_t sent = 0;     // as exported and sent (attribute id); 0: the peer does not hold it
    std::uint32_t pending = 0;  // list id; 0: nothing pending
  };

  // Attribute sets the slots refer to, reference counted by slot. Keyed by address: the entry
  // holds the set, so the address cannot be reused while the id exists.
  struct attr_entry {
    attributes_ptr ptr;
    std::uint32_t refs = 0;
  };

  // Exported sets, once per (engine set, family); `source` keeps the key's address from being
  // reused while the entry exists.
  struct exported_sets {
    attributes_ptr source;
    std::array<attributes_ptr, family_count> by_family;
    std::array<bool, family_count> done{};
  };

  boost::unordered_flat_map<prefix, slot, prefix_hash> table;
  std::array<family_state, family_count> fams;
  std::vector<attr_entry> attr_entries{1};  // id 0: none
  std::vector<std::uint32_t> attr_free;
  std::unordered_map<const path_attributes*, std::uint32_t> attr_ids;
  std::vector<pending_list*> lists;  // by id; 0: none, 1 + family: the withdrawal lists
  std::vector<std::uint32_t> list_free;
  std::size_t pending_n = 0;
  std::size_t want_n = 0;
  std::size_t unexportable_n = 0;
  std::size_t oversized_n = 0;  // pending, found too large by the last next_updates()
  exporter export_fn;
  mutable std::unordered_map<const path_attributes*, exported_sets> memo;
  std::size_t memo_after_sweep = 0;

  impl() { reset_lists(); }

  void reset_lists() {
    lists.assign({nullptr, &fams[0].withdrawals, &fams[1].withdrawals});
    list_free.clear();
    for (std::size_t i = 0; i < family_count; ++i) {
      fams[i].withdrawals.id = static_cast<std::uint32_t>(1 + i);
    }
  }

  std::uint32_t acquire(const attributes_ptr& a) {
    if (!a) {
      return 0;
    }
    auto [it, inserted] = attr_ids.try_emplace(a.get(), 0);
    if (inserted) {
      std::uint32_t id = 0;
      if (!attr_free.empty()) {
        id = attr_free.back();
        attr_free.pop_back();
      } else {
        id = static_cast<std::uint32_t>(attr_entries.size());
        attr_entries.emplace_back();
      }
      attr_entries[id].ptr = a;
      it->second = id;
    }
    ++attr_entries[it->second].refs;
    return it->second;
  }

  void release_attrs(std::uint32_t id) {
    if (id == 0) {
      return;
    }
    auto& e = attr_entries[id];
    if (--e.refs == 0) {
      attr_ids.erase(e.ptr.get());
      e.ptr.reset();
      attr_free.push_back(id);
    }
  }

  // A copy: acquire() may move the entries.
  attributes_ptr attrs_of(std::uint32_t id) const { return attr_entries[id].ptr; }

  attributes_ptr exported(const prefix& p, const attributes_ptr& want) const {
    if (!want || !export_fn) {
      return want;
    }
    auto& e = memo[want.get()];
    const std::size_t f = family_index(p);
    if (!e.done[f]) {
      e.source = want;
      e.by_family[f] = export_fn(*want, p.fam());
      e.done[f] = true;
    }
    return e.by_family[f];
  }

  // Sets the engine no longer uses would pin memory: drop them once the memo has doubled.
  void maybe_sweep_memo() {
    if (memo.size() > 2 * memo_after_sweep + 64) {
      std::erase_if(memo, [](const auto& kv) { return kv.second.source.use_count() == 1; });
      memo_after_sweep = memo.size();
    }
  }

  // The announcement list for `attrs`, created at the end of the group order when new. Groups are
  // keyed by attribute value, so equal sets held by different pointers still share UPDATEs.
  pending_list* group_for(family_state& fs, const attributes_ptr& attrs) {
    if (fs.last_group != nullptr && fs.last_group->attrs.get() == attrs.get()) {
      return fs.last_group;
    }
    auto [it, inserted] = fs.by_attrs.try_emplace(attrs, nullptr);
    if (inserted) {
      auto& g = fs.groups.emplace_back();
      if (auto hint = fs.size_hints.find(attrs); hint != fs.size_hints.end()) {
        g.prefixes.reserve(hint->second, &fs == &fams[1]);
        fs.size_hints.erase(hint);
      }
      g.attrs = attrs;
      g.self = std::prev(fs.groups.end());
      if (!list_free.empty()) {
        g.id = list_free.back();
        list_free.pop_back();
        lists[g.id] = &g;
      } else {
        g.id = static_cast<std::uint32_t>(lists.size());
        lists.push_back(&g);
      }
      it->second = &g;
    }
    fs.last_group = it->second;
    return it->second;
  }

  void drop_group(family_state& fs, pending_list* l) {
    if (fs.last_group == l) {
      fs.last_group = nullptr;
    }
    lists[l->id] = nullptr;
    list_free.push_back(l->id);
    fs.by_attrs.erase(l->attrs);
    fs.groups.erase(l->self);
  }

  void release(family_state& fs, pending_list* l) {
    --l->live;
    if (l->live != 0) {
      return;
    }
    if (l == &fs.withdrawals) {
      l->prefixes.release();
      l->head = l->sorted = 0;
      return;
    }
    drop_group(fs, l);
  }

  void add(pending_list* l, const prefix& p) {
    l->prefixes.push_back(p);
    ++l->live;
    if (l->prefixes.size() - l->head > 2 * l->live + 64) {
      compact(l);
    }
  }

  // Points p's pending change at list `to` (nullptr: no change pending).
  void make_pending(const prefix& p, slot& s, pending_list* to) {
    const std::uint32_t to_id = to == nullptr ? 0 : to->id;
    if (s.pending == to_id) {
      return;
    }
    auto& fs = fams[family_index(p)];
    if (s.pending != 0) {
      release(fs, lists[std::exchange(s.pending, 0)]);
      --pending_n;
    }
    if (to != nullptr) {
      s.pending = to_id;
      ++pending_n;
      add(to, p);
    }
  }

  // The one rule of every change: compare what should be sent with what the peer holds, and make
  // exactly that difference pending. `out` is the slot's route as exported.
  void reconcile(const prefix& p, slot& s, const attributes_ptr& out) {
    auto& fs = fams[family_index(p)];
    if (out == nullptr) {
      make_pending(p, s, s.sent != 0 ? &fs.withdrawals : nullptr);
    } else if (s.sent != 0 && same_attributes(attr_entries[s.sent].ptr, out)) {
      make_pending(p, s, nullptr);
    } else {
      make_pending(p, s, group_for(fs, out));
    }
  }

  // Replaces the engine's route of one slot.
  void assign(const prefix& p, slot& s, const attributes_ptr& want) {
    if (s.want != 0) {
      --want_n;
      unexportable_n -= exported(p, attr_entries[s.want].ptr) ? 0 : 1;
      release_attrs(std::exchange(s.want, 0));
    }
    s.want = acquire(want);
    attributes_ptr out = exported(p, want);
    if (want) {
      ++want_n;
      unexportable_n += out ? 0 : 1;
    }
    reconcile(p, s, out);
  }

  void erase_if_unused(const prefix& p) {
    auto it = table.find(p);
    if (it != table.end() && it->second.want == 0 && it->second.sent == 0 &&
        it->second.pending == 0) {
      table.erase(it);
    }
  }

  void announce(const prefix& p, const attributes_ptr& attrs) {
    assert(attrs != nullptr);  // the engine always gives an attribute set
    auto& s = table[p];
    if (attr_entries[s.want].ptr.get() != attrs.get()) {
      assign(p, s, attrs);
    }
  }

  void withdraw(const prefix& p) {
    auto it = table.find(p);
    if (it == table.end() || it->second.want == 0) {
      return;
    }
    assign(p, it->second, nullptr);
    erase_if_unused(p);
  }

  // Re-evaluates every slot after the exporter changed; with `resend`, the peer holds nothing.
  void reevaluate(bool resend) {
    memo.clear();
    memo_after_sweep = 0;
    unexportable_n = 0;
    if (resend) {
      clear_pending();
      size_groups([this](auto count) {
        for (const auto& [p, s] : table) {
          count(p, attr_entries[s.want].ptr);
        }
      });
    }
    for (auto& [p, s] : table) {
      if (resend) {
        release_attrs(std::exchange(s.sent, 0));
        s.pending = 0;
      }
      attributes_ptr out = exported(p, attr_entries[s.want].ptr);
      unexportable_n += s.want != 0 && !out ? 1 : 0;
      reconcile(p, s, out);
    }
    end_sizing();
    memo_after_sweep = memo.size();
    // Only a resend empties slots: those that were kept for a route the peer held.
    if (resend && want_n != table.size()) {
      boost::unordered::erase_if(table, [](const auto& kv) {
        return kv.second.want == 0 && kv.second.sent == 0 && kv.second.pending == 0;
      });
    }
  }

  // On a resend, the first table or a relist's worth of new prefixes, a whole table becomes
  // pending at once, for every peer: each list is sized first, so the peak is the table, not a
  // vector's doubling (P3). `each(count)` calls count(prefix, attributes) for every route that
  // will become pending. Lists yet to be made take their size when group_for() makes them, so the
  // group order stays the order of first pending; the caller then calls end_sizing().
  template <typename Each>
  void size_groups(Each each) {
    // Routes come mostly in runs of one set: the last counter found serves the next route too,
    // instead of hashing the set's value again.
    std::array<std::pair<const path_attributes*, std::size_t*>, family_count> last{};
    each([&](const prefix& p, const attributes_ptr& want) {
      attributes_ptr out = exported(p, want);
      if (!out) {
        return;
      }
      const std::size_t f = family_index(p);
      if (last[f].first != out.get()) {
        last[f] = {out.get(), &fams[f].size_hints[out]};
      }
      ++*last[f].second;
    });
    for (auto& fs : fams) {
      for (auto it = fs.size_hints.begin(); it != fs.size_hints.end();) {
        auto g = fs.by_attrs.find(it->first);
        if (g == fs.by_attrs.end()) {
          ++it;
          continue;
        }
        g->second->prefixes.reserve(it->second, &fs == &fams[1]);
        it = fs.size_hints.erase(it);
      }
    }
  }
  void end_sizing() {
    for (auto& fs : fams) {
      fs.size_hints.clear();
    }
  }

  bool is_live(const pending_list* l, const prefix& p) const {
    auto it = table.find(p);
    return it != table.end() && it->second.pending == l->id;
  }

  // Sorts the unsorted tail into the sorted part; duplicates end up adjacent.
  void sort_list(pending_list* l) {
    auto& v = l->prefixes;
    if (l->head > 0) {
      v.erase_front(l->head);
      l->sorted -= std::min(l->sorted, l->head);
      l->head = 0;
    }
    v.sort_tail(l->sorted);
    l->sorted = v.size();
  }

  // Drops dead and duplicate entries.
  void compact(pending_list* l) {
    sort_list(l);
    l->prefixes.filter_unique([&](const prefix& p) { return is_live(l, p); });
    l->sorted = l->prefixes.size();
  }

  void clear_pending() {
    pending_n = 0;
    for (auto& fs : fams) {
      fs.groups.clear();
      fs.by_attrs.clear();
      fs.withdrawals = pending_list{};
      fs.last_group = nullptr;
      fs.sent = 0;
    }
    reset_lists();
  }

  // Packs live entries of `l` into messages of at most `max_size` bytes. `base` is the size of a
  // message with no prefix; each prefix adds nlri_size() (exact: the codec always gives
  // MP_REACH/MP_UNREACH a 2-octet length). `emit(prefixes)` builds and stores one message;
  // `record(slot)` marks one prefix sent and says whether its slot is now unused. Stops when
  // `budget` messages have been produced; the rest stays pending.
  template <typename Emit, typename Record>
  void pack(pending_list* l, std::size_t base, std::size_t max_size, std::size_t& budget,
            Emit&& emit, Record&& record) {
    sort_list(l);
    auto& v = l->prefixes;
    auto size_with = [&](std::size_t nlri_bytes) { return base + nlri_bytes; };
    std::vector<prefix> batch;
    std::size_t nlri_bytes = 0;
    std::size_t i = l->head;
    for (const std::size_t end = v.size(); i < end && budget > 0; ++i) {
      const prefix p = v[i];
      auto it = table.find(p);
      if (it == table.end() || it->second.pending != l->id) {
        continue;  // dead, or a duplicate of one already taken
      }
      std::size_t n = nlri_size(p);
      if (size_with(nlri_bytes + n) > max_size) {
        if (batch.empty()) {
          // Not even one prefix fits beside these attributes: it can never be sent, so it stays
          // pending rather than producing an oversized UPDATE (and is counted, for the owner to
          // report).
          oversized_n += l->live;
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
      it->second.pending = 0;
      --pending_n;
      --l->live;
      if (record(it->second)) {
        table.erase(it);
      }
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

void adj_rib_out::set(const route_set& desired) {
  auto& m = *impl_;
  if (m.table.empty()) {
    m.size_groups([&](auto count) {
      for (const auto& [p, attrs] : desired) {
        count(p, attrs);
      }
    });
  }
  if (m.table.size() < desired.size()) {
    m.table.reserve(desired.size());
  }
  for (const auto& [p, attrs] : desired) {
    m.announce(p, attrs);
  }
  m.end_sizing();
  // Every given prefix is now desired: any more are prefixes the new set drops.
  if (m.want_n != desired.size()) {
    std::vector<prefix> gone;
    for (const auto& [p, s] : m.table) {
      if (s.want != 0 && !desired.contains(p)) {
        gone.push_back(p);
      }
    }
    for (const auto& p : gone) {
      m.withdraw(p);
    }
  }
  m.maybe_sweep_memo();
}

void adj_rib_out::update(const route_set& desired, const std::vector<prefix>& changed) {
  auto& m = *impl_;
  // Small batches skip the counting pass; a prefix the table does not hold becomes pending.
  if (changed.size() >= 1024) {
    m.size_groups([&](auto count) {
      for (const auto& p : changed) {
        auto it = desired.find(p);
        if (it != desired.end() && it->second && !m.table.contains(p)) {
          count(p, it->second);
        }
      }
    });
  }
  for (const auto& p : changed) {
    auto it = desired.find(p);
    if (it == desired.end() || !it->second) {
      m.withdraw(p);
    } else {
      m.announce(p, it->second);
    }
  }
  m.end_sizing();
  m.maybe_sweep_memo();
}

void adj_rib_out::announce(const prefix& p, attributes_ptr attrs) {
  impl_->announce(p, std::move(attrs));
  impl_->maybe_sweep_memo();
}

void adj_rib_out::withdraw(const prefix& p) {
  impl_->withdraw(p);
}

void adj_rib_out::set_exporter(exporter x) {
  impl_->export_fn = std::move(x);
  impl_->reevaluate(false);
}

void adj_rib_out::reset() {
  impl_->reevaluate(true);
}

void adj_rib_out::reset(exporter x) {
  impl_->export_fn = std::move(x);
  impl_->reevaluate(true);
}

std::vector<update_message> adj_rib_out::next_updates(const codec_context& ctx,
                                                      std::size_t max_messages) {
  auto& m = *impl_;
  std::vector<update_message> out;
  std::size_t budget = max_messages;
  const std::size_t max_size = ctx.max_size();
  m.oversized_n = 0;

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
    m.pack(
        &fs.withdrawals, withdraw_base_size(f), max_size, budget,
        [&](const std::vector<prefix>& batch) {
          auto& u = out.emplace_back();
          if (v6) {
            u.mp_unreach_family = f;
            u.mp_unreach = batch;
          } else {
            u.withdrawn = batch;
          }
        },
        [&](impl::slot& s) {
          fs.sent -= s.sent != 0 ? 1 : 0;
          m.release_attrs(std::exchange(s.sent, 0));
          return s.want == 0;
        });
    if (fs.withdrawals.live == 0) {
      fs.withdrawals.prefixes.release();
      fs.withdrawals.head = fs.withdrawals.sorted = 0;
    }
  }

  for (std::size_t fi : negotiated) {
    auto& fs = m.fams[fi];
    const family f = families_in_order[fi];
    const bool v6 = f == ipv6_unicast;
    for (auto it = fs.groups.begin(); it != fs.groups.end() && budget > 0;) {
      impl::pending_list& g = *it;
      // One lookup for the group; each prefix then takes a reference on the id.
      const std::uint32_t gid = m.acquire(g.attrs);
      m.pack(
          &g, update_base_size(*g.attrs, f, ctx), max_size, budget,
          [&](const std::vector<prefix>& batch) {
            auto& u = out.emplace_back();
            u.attrs = *g.attrs;
            if (v6) {
              u.mp_reach_family = f;
              u.mp_reach = batch;
            } else {
              u.nlri = batch;
            }
          },
          [&](impl::slot& s) {
            fs.sent += s.sent != 0 ? 0 : 1;
            ++m.attr_entries[gid].refs;
            m.release_attrs(std::exchange(s.sent, gid));
            return false;
          });
      m.release_attrs(gid);
      ++it;
      if (g.live == 0) {
        m.drop_group(fs, &g);
      }
    }
  }
  return out;
}

bool adj_rib_out::has_pending() const {
  return impl_->pending_n != 0;
}

std::size_t adj_rib_out::pending_count() const {
  return impl_->pending_n;
}

route_set adj_rib_out::desired() const {
  route_set out;
  out.reserve(impl_->want_n);
  for (const auto& [p, s] : impl_->table) {
    if (auto e = impl_->exported(p, impl_->attrs_of(s.want))) {
      out.emplace(p, std::move(e));
    }
  }
  return out;
}

std::size_t adj_rib_out::desired_count() const {
  return impl_->want_n - impl_->unexportable_n;
}

std::size_t adj_rib_out::unexportable_count() const {
  return impl_->unexportable_n;
}

std::size_t adj_rib_out::oversized_count() const {
  return impl_->oversized_n;
}

route_set adj_rib_out::sent() const {
  route_set out;
  for (const auto& [p, s] : impl_->table) {
    if (s.sent != 0) {
      out.emplace(p, impl_->attrs_of(s.sent));
    }
  }
  return out;
}

std::size_t adj_rib_out::sent_count() const {
  return impl_->fams[0].sent + impl_->fams[1].sent;
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
