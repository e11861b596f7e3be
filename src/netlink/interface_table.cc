#include "src/netlink/interface_table.h"

#include <linux/if.h>
#include <linux/if_addr.h>

#include <utility>

namespace svcbgp::netlink {

namespace {

std::string describe(const link_msg& m) {
  std::string d =
      "flags=" + link_flags_to_string(m.flags) + " oper=" + operstate_to_string(m.operstate);
  if (m.carrier) {
    d += *m.carrier ? " carrier=1" : " carrier=0";
  }
  if (m.deleted) {
    d += " deleted";
  }
  return d;
}

}  // namespace

bool link_is_up(const link_msg& m) {
  if (m.deleted) {
    return false;
  }
  // The kernel sets IFF_RUNNING only when the device is up and its operstate is UP or UNKNOWN
  // (drivers that do not report one), so it already folds in carrier; the explicit checks cover
  // messages that carry the attributes without the flag in step.
  if ((m.flags & IFF_UP) == 0 || (m.flags & IFF_RUNNING) == 0) {
    return false;
  }
  if (m.carrier && !*m.carrier) {
    return false;
  }
  switch (m.operstate) {
    case IF_OPER_NOTPRESENT:
    case IF_OPER_DOWN:
    case IF_OPER_LOWERLAYERDOWN:
    case IF_OPER_TESTING:
    case IF_OPER_DORMANT:
      return false;
    default:
      return true;
  }
}

bool address_is_usable(const addr_msg& m) {
  return !m.deleted && (m.flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED | IFA_F_DADFAILED)) == 0;
}

std::string interface_table::name_or_index(int ifindex) const {
  auto it = links_.find(ifindex);
  if (it != links_.end() && !it->second.name.empty()) {
    return it->second.name;
  }
  return "if" + std::to_string(ifindex);
}

std::vector<link_event> interface_table::apply(const link_msg& m) {
  std::vector<link_event> out;
  bool up = link_is_up(m);
  auto it = links_.find(m.ifindex);
  bool was_up = it != links_.end() && it->second.up;
  std::string name = !m.name.empty()      ? m.name
                     : it != links_.end() ? it->second.name
                                          : std::string();
  if (up != was_up) {
    link_event e;
    e.what = up ? link_event::kind::link_up : link_event::kind::link_down;
    e.ifindex = m.ifindex;
    e.ifname = name.empty() ? "if" + std::to_string(m.ifindex) : name;
    e.detail = describe(m);
    out.push_back(std::move(e));
  }
  if (m.deleted) {
    links_.erase(m.ifindex);
    // The kernel removes a deleted link's addresses without always saying so per address.
    for (auto a = addresses_.begin(); a != addresses_.end();) {
      if (std::get<0>(*a) == m.ifindex) {
        link_event e;
        e.what = link_event::kind::address_removed;
        e.ifindex = m.ifindex;
        e.ifname = name.empty() ? "if" + std::to_string(m.ifindex) : name;
        e.address = std::get<1>(*a);
        e.prefix_length = std::get<2>(*a);
        e.detail = "link deleted";
        out.push_back(std::move(e));
        a = addresses_.erase(a);
      } else {
        ++a;
      }
    }
  } else {
    links_[m.ifindex] = link_state{std::move(name), up};
  }
  return out;
}

std::vector<link_event> interface_table::apply(const addr_msg& m) {
  std::vector<link_event> out;
  address_key key{m.ifindex, m.address, m.prefix_length};
  bool usable = address_is_usable(m);
  bool known = addresses_.contains(key);
  if (usable == known) {
    return out;
  }
  link_event e;
  e.what = usable ? link_event::kind::address_added : link_event::kind::address_removed;
  e.ifindex = m.ifindex;
  e.ifname = name_or_index(m.ifindex);
  e.address = m.address;
  e.prefix_length = m.prefix_length;
  if (!m.deleted && !usable) {
    e.detail = (m.flags & IFA_F_DEPRECATED) != 0 ? "deprecated" : "tentative or dad failed";
  }
  if (usable) {
    addresses_.insert(key);
  } else {
    addresses_.erase(key);
  }
  out.push_back(std::move(e));
  return out;
}

std::vector<link_event> interface_table::resync(const std::vector<link_msg>& links,
                                                const std::vector<addr_msg>& addresses) {
  std::vector<link_event> out;
  auto append = [&out](std::vector<link_event> events) {
    for (auto& e : events) {
      out.push_back(std::move(e));
    }
  };
  // Addresses first, so that a vanished link's addresses are reported with its name.
  std::set<address_key> present;
  for (const auto& a : addresses) {
    if (address_is_usable(a)) {
      present.insert(address_key{a.ifindex, a.address, a.prefix_length});
    }
  }
  std::vector<address_key> gone;
  for (const auto& key : addresses_) {
    if (!present.contains(key)) {
      gone.push_back(key);
    }
  }
  for (const auto& [ifindex, address, length] : gone) {
    addr_msg del;
    del.deleted = true;
    del.ifindex = ifindex;
    del.address = address;
    del.prefix_length = length;
    append(apply(del));
  }
  std::set<int> seen;
  for (const auto& l : links) {
    seen.insert(l.ifindex);
  }
  std::vector<int> vanished;
  for (const auto& [ifindex, state] : links_) {
    if (!seen.contains(ifindex)) {
      vanished.push_back(ifindex);
    }
  }
  for (int ifindex : vanished) {
    link_msg del;
    del.deleted = true;
    del.ifindex = ifindex;
    append(apply(del));
  }
  for (const auto& l : links) {
    append(apply(l));
  }
  for (const auto& a : addresses) {
    append(apply(a));
  }
  return out;
}

std::optional<bool> interface_table::is_up(int ifindex) const {
  auto it = links_.find(ifindex);
  if (it == links_.end()) {
    return std::nullopt;
  }
  return it->second.up;
}

std::optional<std::string> interface_table::name_of(int ifindex) const {
  auto it = links_.find(ifindex);
  if (it == links_.end()) {
    return std::nullopt;
  }
  return it->second.name;
}

}  // namespace svcbgp::netlink
