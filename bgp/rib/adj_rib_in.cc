#include "bgp/rib/adj_rib_in.h"

#include <variant>

namespace svcbgp::bgp {
namespace {

std::size_t family_index(const prefix& p) {
  return p.addr.v6 ? 1 : 0;
}

bool in_family(const prefix& p, const std::optional<family>& fam) {
  return !fam || p.fam() == *fam;
}

// A hash-map node with its prefix and route: what each stored route costs besides attributes.
constexpr std::size_t route_bytes = 80;

bool path_holds(const path_attributes& a, std::uint32_t as) {
  if (as == 0 || !a.path) {
    return false;
  }
  for (const auto& seg : a.path->segments) {
    for (auto x : seg.asns) {
      if (x == as) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::size_t attribute_bytes(const path_attributes& a) {
  std::size_t n = sizeof(path_attributes) + a.communities.size() * 4 +
                  a.extended_communities.size() * 8 + a.large_communities.size() * 12 +
                  a.cluster_list.size() * 4;
  for (const auto* p : {&a.path, &a.as4_path}) {
    if (*p) {
      for (const auto& seg : (*p)->segments) {
        n += sizeof(seg) + seg.asns.size() * 4;
      }
    }
  }
  for (const auto& u : a.unknown) {
    n += sizeof(u) + u.value.size();
  }
  return n;
}

void adj_rib_in::hold(const attributes_ptr& a) {
  if (attr_routes_[a.get()]++ == 0) {
    bytes_ += attribute_bytes(*a);
  }
  bytes_ += route_bytes;
}

void adj_rib_in::release(const attributes_ptr& a) {
  bytes_ -= route_bytes;
  auto it = attr_routes_.find(a.get());
  if (--it->second == 0) {
    bytes_ -= attribute_bytes(*a);
    attr_routes_.erase(it);
  }
}

adj_rib_in::iterator adj_rib_in::erase(iterator it) {
  --family_size_[family_index(it->first)];
  release(it->second.attrs);
  return routes_.erase(it);
}

adj_rib_in::change_counts adj_rib_in::apply(const decoded& d) {
  change_counts counts;
  const auto* u = std::get_if<update_message>(&d.msg);
  if (u == nullptr) {
    return counts;
  }

  auto remove = [&](const prefix& p) {
    if (auto it = routes_.find(p); it != routes_.end()) {
      erase(it);
      ++counts.withdrawn;
    }
  };

  // RFC 7606 §2: treat-as-withdraw applies to every prefix the UPDATE carries, announced or not.
  if (d.treat_as_withdraw) {
    for (const auto* list : {&u->withdrawn, &u->nlri, &u->mp_reach, &u->mp_unreach}) {
      for (const prefix& p : *list) {
        remove(p);
      }
    }
    return counts;
  }

  for (const prefix& p : u->withdrawn) {
    remove(p);
  }
  for (const prefix& p : u->mp_unreach) {
    remove(p);
  }
  if (u->nlri.empty() && u->mp_reach.empty()) {
    return counts;  // withdrawals only, or End-of-RIB (RFC 4724 §2)
  }

  const std::size_t announced = u->nlri.size() + u->mp_reach.size();
  if (path_holds(u->attrs, limits_.local_as)) {
    // RFC 4271 §9.1.2: our own routes coming back. Dropped before counting, and an earlier
    // route for the prefix is replaced by nothing (implicit withdrawal).
    for (const auto* list : {&u->nlri, &u->mp_reach}) {
      for (const prefix& p : *list) {
        remove(p);
      }
    }
    counts.dropped_loop = announced;
    return counts;
  }
  // One attribute set per UPDATE, shared by all its prefixes (and with the previous UPDATE's
  // prefixes when the attributes are equal).
  if (!last_attrs_ || *last_attrs_ != u->attrs) {
    last_attrs_ = std::make_shared<const path_attributes>(u->attrs);
  }
  for (const auto* list : {&u->nlri, &u->mp_reach}) {
    for (const prefix& p : *list) {
      ++counts.announced;
      auto it = routes_.find(p);
      if (it != routes_.end() && it->second.attrs == last_attrs_) {
        it->second.stale = false;  // RFC 4724 §4.2: a re-announced route is fresh again
        continue;
      }
      // Replacing a route frees its place; a new one needs room under both limits.
      const std::size_t routes_after = routes_.size() + (it == routes_.end() ? 1 : 0);
      const std::size_t extra =
          route_bytes +
          (attr_routes_.contains(last_attrs_.get()) ? 0 : attribute_bytes(*last_attrs_));
      std::size_t freed = 0;
      if (it != routes_.end()) {
        freed = route_bytes + (attr_routes_.find(it->second.attrs.get())->second == 1
                                   ? attribute_bytes(*it->second.attrs)
                                   : 0);
      }
      if ((limits_.max_routes != 0 && routes_after > limits_.max_routes) ||
          (limits_.max_bytes != 0 && bytes_ - freed + extra > limits_.max_bytes)) {
        if (it != routes_.end()) {
          erase(it);  // its old attributes are no longer what the peer announces
        }
        ++counts.dropped_limit;
        continue;
      }
      if (it == routes_.end()) {
        it = routes_.try_emplace(p).first;
        ++family_size_[family_index(p)];
      } else {
        release(it->second.attrs);
      }
      hold(last_attrs_);
      it->second.attrs = last_attrs_;
      it->second.stale = false;
    }
  }
  return counts;
}

void adj_rib_in::mark_stale(std::optional<family> fam) {
  for (auto& [p, r] : routes_) {
    if (in_family(p, fam)) {
      r.stale = true;
    }
  }
}

std::size_t adj_rib_in::flush_stale(std::optional<family> fam) {
  std::size_t removed = 0;
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (it->second.stale && in_family(it->first, fam)) {
      it = erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

void adj_rib_in::clear() {
  routes_ = {};
  family_size_ = {};
  last_attrs_.reset();
  attr_routes_ = {};
  bytes_ = 0;
}

std::size_t adj_rib_in::size(family f) const {
  if (f == ipv4_unicast) {
    return family_size_[0];
  }
  if (f == ipv6_unicast) {
    return family_size_[1];
  }
  return 0;
}

}  // namespace svcbgp::bgp
