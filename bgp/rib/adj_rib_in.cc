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

}  // namespace

adj_rib_in::change_counts adj_rib_in::apply(const decoded& d) {
  change_counts counts;
  const auto* u = std::get_if<update_message>(&d.msg);
  if (u == nullptr) {
    return counts;
  }

  auto remove = [&](const prefix& p) {
    if (routes_.erase(p) != 0) {
      --family_size_[family_index(p)];
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

  // One attribute set per UPDATE, shared by all its prefixes (and with the previous UPDATE's
  // prefixes when the attributes are equal).
  if (!last_attrs_ || *last_attrs_ != u->attrs) {
    last_attrs_ = std::make_shared<const path_attributes>(u->attrs);
  }
  for (const auto* list : {&u->nlri, &u->mp_reach}) {
    for (const prefix& p : *list) {
      auto [it, inserted] = routes_.try_emplace(p);
      if (inserted) {
        ++family_size_[family_index(p)];
      }
      it->second.attrs = last_attrs_;
      it->second.stale = false;  // RFC 4724 §4.2: a re-announced route is fresh again
      ++counts.announced;
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
      --family_size_[family_index(it->first)];
      it = routes_.erase(it);
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
