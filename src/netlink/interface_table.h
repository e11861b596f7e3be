// The link_monitor's memory of interfaces and their usable addresses, and the rule that turns
// decoded rtnetlink messages into link_events (transitions only).
//
// Pure: it takes decoded messages (message.h) and returns events; the monitor feeds it from the
// socket, tests feed it by hand. Owned by one link_monitor; not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "src/netlink/message.h"
#include "src/netlink/netlink.h"

namespace svcbgp::netlink {

// Administratively up and operationally running (IFF_UP, IFF_RUNNING, carrier, operstate).
bool link_is_up(const link_msg& m);
// An address that can be used now: not tentative, deprecated or failed duplicate detection.
bool address_is_usable(const addr_msg& m);

class interface_table {
 public:
  // One message in, the transitions it causes out (none, or one).
  std::vector<link_event> apply(const link_msg& m);
  std::vector<link_event> apply(const addr_msg& m);
  // A complete dump replaces what is known; returns the difference as events (links that
  // vanished are reported down, addresses that vanished removed).
  std::vector<link_event> resync(const std::vector<link_msg>& links,
                                 const std::vector<addr_msg>& addresses);

  std::optional<bool> is_up(int ifindex) const;
  std::optional<std::string> name_of(int ifindex) const;

 private:
  struct link_state {
    std::string name;
    bool up = false;
  };
  using address_key = std::tuple<int, bgp::ip_address, std::uint8_t>;

  std::string name_or_index(int ifindex) const;

  std::map<int, link_state> links_;
  std::set<address_key> addresses_;
};

}  // namespace svcbgp::netlink
