// Selector design: each Service's outcome (decisions + the routes it asks for, its
// "contributions") is kept per service; each prefix keeps, per kind, the distinct route intents
// asking for it with a count. A change batch removes the changed services' old contributions, adds
// the new ones and re-merges only the prefixes they touched, patching each peer's route set in
// place. Nothing walks all services except full(), so update() costs what changed (P6).
//
// Attribute sets and intents are interned (one shared_ptr per distinct value), so equal routes
// share one set and a changed route is a pointer compare.
#include "src/engine/selection.h"

#include <algorithm>
#include <cassert>
#include <memory>

#include <boost/unordered/unordered_flat_map.hpp>

#include "bgp/codec/ext_community.h"
#include "src/engine/policy.h"

namespace svcbgp::engine {

std::string_view to_string(ip_kind k) {
  switch (k) {
    case ip_kind::cluster_ip:
      return "ClusterIP";
    case ip_kind::external_ip:
      return "ExternalIP";
    case ip_kind::load_balancer_ip:
      return "LoadBalancerIP";
  }
  return "unknown";
}

std::string_view to_string(reason r) {
  switch (r) {
    case reason::announced:
      return "announced";
    case reason::announced_aggregate:
      return "announcedAggregate";
    case reason::depreferred:
      return "depreferred";
    case reason::no_endpoints:
      return "noEndpoints";
    case reason::no_local_endpoints:
      return "noLocalEndpoints";
    case reason::not_in_allowed_cidrs:
      return "notInAllowedCidrs";
    case reason::headless:
      return "headless";
    case reason::opted_out:
      return "optedOut";
    case reason::other_load_balancer_class:
      return "otherLoadBalancerClass";
    case reason::proxy_ip_mode:
      return "proxyIpMode";
    case reason::node_excluded:
      return "nodeExcluded";
    case reason::node_not_selected:
      return "nodeNotSelected";
    case reason::node_network_unavailable:
      return "nodeNetworkUnavailable";
    case reason::node_draining:
      return "nodeDraining";
    case reason::kind_disabled:
      return "kindDisabled";
    case reason::bad_annotation:
      return "badAnnotation";
  }
  return "unknown";
}

namespace {

using intent_ptr = std::shared_ptr<const route_intent>;

struct stored_contribution {
  bgp::prefix prefix;
  ip_kind kind;
  intent_ptr intent;
};

// A decision as kept: without its service (the map key), with its rare detail text apart, and
// with the route it contributes, if any (to announced_as, of its kind): 72 bytes, one allocation
// per service (P3: two per service).
struct stored_decision {
  intent_ptr intent;  // null: contributes no route of its own (not announced, or the aggregate)
  bgp::ip_address ip;
  bgp::prefix announced_as;
  ip_kind kind = ip_kind::cluster_ip;
  k8s::traffic_policy policy = k8s::traffic_policy::cluster;
  reason why = reason::no_endpoints;
  bool announced = false;
  std::uint32_t ready_endpoints = 0;
  std::uint32_t local_ready = 0;
  std::uint32_t local_draining = 0;
};

struct service_state {
  std::vector<stored_decision> decisions;
  std::unique_ptr<std::vector<std::string>> details;  // by decision index; null when all empty

  void keep(std::vector<decision> ds) {
    decisions.reserve(ds.size());
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const auto& d = ds[i];
      decisions.push_back({nullptr, d.ip, d.announced_as, d.kind, d.policy, d.why, d.announced,
                           d.ready_endpoints, d.local_ready, d.local_draining});
      if (!d.detail.empty()) {
        if (!details) {
          details = std::make_unique<std::vector<std::string>>(ds.size());
        }
        (*details)[i] = std::move(ds[i].detail);
      }
    }
  }

  template <typename F>
  void for_each_contribution(F f) const {
    for (const auto& d : decisions) {
      if (d.intent) {
        f(d.announced_as, d.kind, d.intent);
      }
    }
  }

  void append_to(const k8s::object_key& key, std::vector<decision>& out) const {
    for (std::size_t i = 0; i < decisions.size(); ++i) {
      const auto& d = decisions[i];
      std::optional<std::uint32_t> weight;  // kept in the intent, not in every decision (P3)
      if (d.intent && d.intent->weighted) {
        weight = d.intent->endpoints;
      }
      out.push_back({key, d.kind, d.ip, d.announced_as, d.policy, d.announced, d.why,
                     details ? (*details)[i] : std::string(), d.ready_endpoints, d.local_ready,
                     d.local_draining, weight});
    }
  }
};

// Who asks for one prefix: the distinct (kind, intent) pairs and how many (service, IP) carry
// each. Few distinct intents exist in practice (config-wide communities, a handful of
// annotations), so the list stays short even when an aggregate covers thousands of services.
struct intent_count {
  intent_ptr intent;
  std::uint32_t count = 0;
  ip_kind kind = ip_kind::cluster_ip;
  bool is(ip_kind k, const intent_ptr& i) const { return kind == k && intent == i; }
};

// Nearly every prefix has a single (kind, intent): it is held in place, and only further ones
// take a vector (P3: 200k prefixes, an allocation each).
struct prefix_state {
  intent_count first;  // count 0: nobody asks
  std::unique_ptr<std::vector<intent_count>> more;

  bool empty() const { return first.count == 0; }

  template <typename F>
  void for_each(F f) const {
    if (first.count != 0) {
      f(first);
    }
    if (more) {
      for (const auto& a : *more) {
        f(a);
      }
    }
  }

  void add(ip_kind kind, const intent_ptr& intent) {
    if (first.count == 0) {
      first = {intent, 1, kind};
    } else if (first.is(kind, intent)) {
      ++first.count;
    } else {
      if (!more) {
        more = std::make_unique<std::vector<intent_count>>();
      }
      auto it = std::find_if(more->begin(), more->end(),
                             [&](const auto& e) { return e.is(kind, intent); });
      if (it == more->end()) {
        more->push_back({intent, 1, kind});
      } else {
        ++it->count;
      }
    }
  }

  void remove(ip_kind kind, const intent_ptr& intent) {
    if (first.count != 0 && first.is(kind, intent)) {
      if (--first.count == 0) {
        // The last of the others, if any, takes its place.
        first = {};
        if (more) {
          first = std::move(more->back());
          more->pop_back();
        }
      }
    } else if (more) {
      auto it = std::find_if(more->begin(), more->end(),
                             [&](const auto& e) { return e.is(kind, intent); });
      if (it != more->end() && --it->count == 0) {
        more->erase(it);
      }
    }
    if (more && more->empty()) {
      more.reset();
    }
  }
};

// What decides a peer's routes. Peers with equal profiles (the usual case: every ToR of a node
// takes the same kinds over the same kind of session) share one route table (P3).
struct profile {
  bool selected = false;  // this node matches the peer's node_selector
  std::uint8_t kind_mask = 0;
  bool v4 = false;
  bool v6 = false;
  bool ibgp = false;
  friend bool operator==(const profile&, const profile&) = default;
};

struct route_table {
  profile prof;
  bool changed = false;
  // Prefixes whose route changed in the last update(); after full() every prefix may have.
  std::vector<bgp::prefix> changed_prefixes;
  bool changed_all = true;
  bgp::route_set routes;
};

struct peer_state {
  std::string name;
  profile prof;  // selected is set by full()
  std::size_t table = 0;
};

// Interning table; entries nobody else holds are dropped once it has doubled since the last sweep.
template <typename T, typename Hash>
class interner {
 public:
  std::shared_ptr<const T> get(T value) {
    auto it = table_.find(value);
    if (it != table_.end()) {
      return it->second;
    }
    auto ptr = std::make_shared<const T>(value);
    table_.emplace(std::move(value), ptr);
    return ptr;
  }
  void maybe_sweep() {
    if (table_.size() > 2 * after_sweep_ + 1024) {
      sweep();
    }
  }
  void sweep() {
    std::erase_if(table_, [](const auto& kv) { return kv.second.use_count() == 1; });
    after_sweep_ = table_.size();
  }

 private:
  std::unordered_map<T, std::shared_ptr<const T>, Hash> table_;
  std::size_t after_sweep_ = 0;
};

}  // namespace

// More changed prefixes than a batch of single changes makes (after full() or a relist): their
// lists are sized once, and shrunk again afterwards to keep the steady state small (P3).
constexpr std::size_t bulk_prefixes = 4096;

struct selector::impl {
  engine_config cfg;
  rule_context ctx;
  bool initialized = false;
  std::unordered_map<k8s::object_key, service_state, k8s::object_key_hash> services;
  std::vector<stored_contribution> aggregates;  // configured ClusterIP CIDRs
  boost::unordered_flat_map<bgp::prefix, prefix_state, bgp::prefix_hash> prefixes;
  // Prefixes to re-merge; a vector, not a set, because clearing a hash set costs its bucket count,
  // which after full() is the size of the whole table (P6).
  std::vector<bgp::prefix> dirty;
  std::vector<peer_state> peers;
  std::vector<route_table> tables;
  std::vector<std::string> changed_names;
  interner<route_intent, route_intent_hash> intents;
  interner<bgp::path_attributes, bgp::path_attributes_hash> attrs;

  explicit impl(engine_config c) : cfg(std::move(c)) {
    ctx = make_rule_context(cfg, nullptr);
    for (const auto& p : cfg.peers) {
      peer_state ps;
      ps.name = p.name;
      ps.prof.ibgp = p.ibgp;
      for (const auto k : p.advertise) {
        ps.prof.kind_mask |= static_cast<std::uint8_t>(1U << static_cast<unsigned>(k));
      }
      for (const auto f : p.families) {
        ps.prof.v4 = ps.prof.v4 || f == bgp::ipv4_unicast;
        ps.prof.v6 = ps.prof.v6 || f == bgp::ipv6_unicast;
      }
      peers.push_back(std::move(ps));
    }
    tables.emplace_back();  // before full(): no peer is selected, none has routes
  }

  // The table for a profile; every unselected peer shares the empty one.
  std::size_t table_for(profile prof) {
    if (!prof.selected) {
      prof = profile{};
    }
    for (std::size_t i = 0; i < tables.size(); ++i) {
      if (tables[i].prof == prof) {
        return i;
      }
    }
    tables.emplace_back().prof = prof;
    return tables.size() - 1;
  }

  void add(const bgp::prefix& prefix, ip_kind kind, const intent_ptr& intent) {
    prefixes[prefix].add(kind, intent);
    dirty.push_back(prefix);
  }

  void remove(const bgp::prefix& prefix, ip_kind kind, const intent_ptr& intent) {
    auto pit = prefixes.find(prefix);
    if (pit == prefixes.end()) {
      return;
    }
    pit->second.remove(kind, intent);
    dirty.push_back(prefix);
  }

  // Announced IPs by kind, kept as services change so that /metrics never walks them.
  std::array<std::size_t, 3> announced{};

  void count(const service_state& st, int sign) {
    for (const auto& d : st.decisions) {
      if (d.announced) {
        announced[static_cast<std::size_t>(d.kind)] += static_cast<std::size_t>(sign);
      }
    }
  }

  void set_service(const k8s::cluster_cache& cache, const k8s::object_key& key) {
    auto it = services.find(key);
    if (it != services.end()) {
      count(it->second, -1);
      it->second.for_each_contribution(
          [this](const auto& prefix, ip_kind kind, const auto& intent) {
            remove(prefix, kind, intent);
          });
    }
    const k8s::service* svc = cache.find_service(key);
    if (svc == nullptr) {
      if (it != services.end()) {
        services.erase(it);
      }
      return;
    }
    auto outcome = evaluate_service(*svc, cache.slices_for(key), ctx);
    service_state st;
    st.keep(std::move(outcome.decisions));
    for (auto& c : outcome.contributions) {
      auto& d = st.decisions[c.decision];
      assert(d.announced_as == c.prefix && d.kind == c.kind);
      d.intent = intents.get(std::move(c.intent));
      add(c.prefix, c.kind, d.intent);
    }
    if (st.decisions.empty()) {
      if (it != services.end()) {
        services.erase(it);
      }
      return;
    }
    count(st, 1);
    services.insert_or_assign(key, std::move(st));
  }

  std::uint64_t weight_updates = 0;  // prefixes re-sent only because their weight changed

  static bool only_weight_differs(const bgp::path_attributes& a, const bgp::path_attributes& b) {
    if (a.extended_communities == b.extended_communities) {
      return false;
    }
    auto same = a;
    same.extended_communities = b.extended_communities;
    return same == b;
  }

  // Bytes per second for `endpoints` ready local endpoints; 0 endpoints (only terminating or
  // depreferred ones) is the smallest weight a ToR can still give: 1 byte/s.
  std::uint64_t link_bandwidth_of(std::uint64_t endpoints) const {
    const auto& w = cfg.advertise.weighted_ecmp;
    double bytes =
        endpoints == 0 ? 1.0 : double(endpoints) * w.bandwidth_per_endpoint_mbps * 125'000.0;
    // FRR reads the float into 32 bits of bytes/s: held to the largest float below 2^32.
    bytes = std::min(bytes, 4294967040.0);
    return bgp::link_bandwidth(cfg.local_asn, static_cast<float>(bytes), w.transitive);
  }

  // The merged attributes of a prefix for peers taking `kind_mask` kinds over iBGP or eBGP;
  // nullptr when no service of those kinds asks for it (advertisement.md "Shared IPs").
  bgp::attributes_ptr merge(const prefix_state& ps, std::uint8_t kind_mask, bool ibgp) {
    std::vector<std::uint32_t> communities;
    std::vector<bgp::large_community> large;
    std::uint32_t local_pref = 0;
    bool any = false;
    bool all_deprefer = true;
    bool all_weighted = true;
    std::uint64_t endpoints = 0;
    std::size_t sources = 0;
    ps.for_each([&](const intent_count& a) {
      if ((kind_mask & (1U << static_cast<unsigned>(a.kind))) == 0) {
        return;
      }
      const auto& intent = a.intent;
      any = true;
      ++sources;
      all_deprefer = all_deprefer && intent->deprefer;
      all_weighted = all_weighted && intent->weighted;
      endpoints += std::uint64_t{intent->endpoints} * a.count;  // a shared IP sums its services
      local_pref = std::max(local_pref, intent->local_pref);
      communities.insert(communities.end(), intent->communities.begin(), intent->communities.end());
      large.insert(large.end(), intent->large.begin(), intent->large.end());
    });
    if (!any) {
      return nullptr;
    }
    if (sources > 1) {  // a single intent is already sorted and unique
      std::sort(communities.begin(), communities.end());
      communities.erase(std::unique(communities.begin(), communities.end()), communities.end());
      std::sort(large.begin(), large.end());
      large.erase(std::unique(large.begin(), large.end()), large.end());
    }
    bgp::path_attributes a;
    a.origin = bgp::origin_type::igp;
    a.communities = std::move(communities);
    a.large_communities = std::move(large);
    a.med = cfg.advertise.med;
    if (all_deprefer) {
      // Deprefer: a worse path, still a path (advertisement.md "Local" policy).
      if (ibgp) {
        local_pref = local_pref >= 100 ? local_pref - 100 : 0;
      } else if (cfg.local_asn != 0 && cfg.advertise.deprefer_prepend > 0) {
        bgp::as_path_segment seg;
        seg.type = bgp::as_path_segment::kind::as_sequence;
        seg.asns.assign(cfg.advertise.deprefer_prepend, cfg.local_asn);
        a.path = bgp::as_path{{std::move(seg)}};
      }
    }
    a.local_pref = local_pref;  // the speaker strips it on eBGP (RFC 4271 §5.1.5)
    if (all_weighted) {
      a.extended_communities.push_back(link_bandwidth_of(endpoints));
    }
    return attrs.get(std::move(a));
  }

  // Re-merges one prefix and patches every route table.
  void refresh(const bgp::prefix& p) {
    auto pit = prefixes.find(p);
    std::array<std::optional<bgp::attributes_ptr>, 16> memo;
    const bool v6 = p.addr.v6;
    bool weight_changed = false;
    for (auto& peer : tables) {
      const profile& pr = peer.prof;
      bgp::attributes_ptr want;
      if (pit != prefixes.end() && pr.selected && (v6 ? pr.v6 : pr.v4)) {
        auto& slot = memo[pr.kind_mask * 2 + (pr.ibgp ? 1 : 0)];
        if (!slot) {
          slot = merge(pit->second, pr.kind_mask, pr.ibgp);
        }
        want = *slot;
      }
      auto rit = peer.routes.find(p);
      bool changed = false;
      if (!want) {
        if (rit != peer.routes.end()) {
          peer.routes.erase(rit);
          changed = true;
        }
      } else if (rit == peer.routes.end()) {
        peer.routes.emplace(p, std::move(want));
        changed = true;
      } else if (rit->second != want) {
        weight_changed = weight_changed || only_weight_differs(*rit->second, *want);
        rit->second = std::move(want);
        changed = true;
      }
      if (changed) {
        peer.changed = true;
        if (!peer.changed_all) {
          peer.changed_prefixes.push_back(p);
        }
      }
    }
    weight_updates += weight_changed ? 1 : 0;
    if (pit != prefixes.end() && pit->second.empty()) {
      prefixes.erase(pit);
    }
  }

  void flush() {
    std::sort(dirty.begin(), dirty.end());
    dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
    if (dirty.size() > bulk_prefixes) {
      // A relist's worth: sized once rather than by doubling, as it is alive during the push (P3).
      for (auto& t : tables) {
        if (t.prof.selected) {
          t.changed_prefixes.reserve(dirty.size());
        }
      }
    }
    for (const auto& p : dirty) {
      refresh(p);
    }
    dirty.clear();
    if (dirty.capacity() > bulk_prefixes) {
      dirty.shrink_to_fit();  // after full(): keep the steady state small
    }
    changed_names.clear();
    for (auto& peer : peers) {
      if (tables[peer.table].changed) {
        changed_names.push_back(peer.name);
      }
    }
  }

  void full(const k8s::cluster_cache& cache) {
    const k8s::node* n = cache.find_node(cfg.node_name);
    ctx = make_rule_context(cfg, n);
    services.clear();
    announced = {};
    prefixes.clear();
    dirty.clear();
    aggregates.clear();
    std::vector<route_table> old = std::move(tables);
    std::vector<std::size_t> old_table(peers.size());
    tables.clear();
    for (std::size_t i = 0; i < peers.size(); ++i) {
      auto& peer = peers[i];
      old_table[i] = peer.table;
      peer.prof.selected = n != nullptr && labels_match(cfg.peers[i].node_selector, n->labels);
      peer.table = table_for(peer.prof);
    }
    for (auto& c : aggregate_contributions(ctx)) {
      aggregates.push_back({c.prefix, c.kind, intents.get(std::move(c.intent))});
      add(c.prefix, c.kind, aggregates.back().intent);
    }
    services.reserve(cache.services().size());
    for (const auto& svc : cache.services()) {
      set_service(cache, svc->meta.key);
    }
    for (auto& t : tables) {
      if (t.prof.selected) {
        t.routes.reserve(dirty.size());
      }
    }
    flush();
    // Interned pointers survive full(), so equal sets compare equal pointer by pointer.
    changed_names.clear();
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if (tables[peers[i].table].routes != old[old_table[i]].routes) {
        changed_names.push_back(peers[i].name);
      }
    }
    old.clear();
    intents.sweep();
    attrs.sweep();
    initialized = true;
  }

  void update(const k8s::cluster_cache& cache, const k8s::change_batch& batch) {
    if (!initialized || batch.node_changed) {
      full(cache);
      return;
    }
    for (auto& t : tables) {
      t.changed = false;
      t.changed_all = false;
      t.changed_prefixes.clear();
      if (t.changed_prefixes.capacity() > bulk_prefixes) {
        t.changed_prefixes.shrink_to_fit();  // after a relist: keep the steady state small
      }
    }
    for (const auto& key : batch.services) {
      set_service(cache, key);
    }
    flush();
    intents.maybe_sweep();
    attrs.maybe_sweep();
  }
};

selector::selector(engine_config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}
selector::~selector() = default;
selector::selector(selector&&) noexcept = default;
selector& selector::operator=(selector&&) noexcept = default;

void selector::full(const k8s::cluster_cache& cache) {
  impl_->full(cache);
}

void selector::update(const k8s::cluster_cache& cache, const k8s::change_batch& batch) {
  impl_->update(cache, batch);
}

const bgp::route_set& selector::routes(const std::string& peer) const {
  static const bgp::route_set empty;
  for (const auto& p : impl_->peers) {
    if (p.name == peer) {
      return impl_->tables[p.table].routes;
    }
  }
  return empty;
}

std::vector<decision> selector::decisions() const {
  std::vector<const k8s::object_key*> keys;
  keys.reserve(impl_->services.size());
  std::size_t total = 0;
  for (const auto& [key, st] : impl_->services) {
    keys.push_back(&key);
    total += st.decisions.size();
  }
  std::sort(keys.begin(), keys.end(), [](const auto* a, const auto* b) { return *a < *b; });
  std::vector<decision> out;
  out.reserve(total);
  for (const auto* key : keys) {
    impl_->services.at(*key).append_to(*key, out);
  }
  return out;
}

std::array<std::size_t, 3> selector::announced_by_kind() const {
  return impl_->announced;
}

std::uint64_t selector::weight_updates() const {
  return impl_->weight_updates;
}

std::vector<decision> selector::decisions_for(const k8s::object_key& service) const {
  auto it = impl_->services.find(service);
  std::vector<decision> out;
  if (it != impl_->services.end()) {
    it->second.append_to(service, out);
  }
  return out;
}

const std::vector<std::string>& selector::changed_peers() const {
  return impl_->changed_names;
}

const std::vector<bgp::prefix>* selector::changed_prefixes(const std::string& peer) const {
  for (std::size_t i = 0; i < impl_->peers.size(); ++i) {
    if (impl_->cfg.peers[i].name == peer) {
      const auto& t = impl_->tables[impl_->peers[i].table];
      return t.changed_all ? nullptr : &t.changed_prefixes;
    }
  }
  return nullptr;
}

selection_result selector::result() const {
  selection_result out;
  for (const auto& p : impl_->peers) {
    out.routes.emplace(p.name, impl_->tables[p.table].routes);
  }
  out.decisions = decisions();
  return out;
}

const engine_config& selector::config() const {
  return impl_->cfg;
}

}  // namespace svcbgp::engine
