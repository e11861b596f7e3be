// A connected rtnetlink socket (libnl) and the request/dump round trips the queries and the
// monitor's resync use.
//
// Internal to src/netlink. The socket is blocking and owned by the object (freed on destruction);
// one round trip at a time, on one thread. It lives in the network namespace of the thread that
// opened it.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/netlink/message.h"

struct nl_sock;
struct nl_msg;

namespace svcbgp::netlink {

class rtnl_socket {
 public:
  using on_message = std::function<std::expected<void, std::string>(const nlmsghdr&)>;

  static std::expected<rtnl_socket, std::string> open();

  // Sends `request` (taking ownership) and passes each answer to `handle` until the answer is
  // complete (NLMSG_DONE for a dump, the single reply otherwise). A kernel error comes back as
  // "what: strerror".
  std::expected<void, std::string> transact(nl_msg* request, const on_message& handle,
                                            const std::string& what);
  // RTM_GETLINK / RTM_GETADDR / RTM_GETROUTE with NLM_F_DUMP; retried if the kernel reports the
  // dump was interrupted by a change.
  std::expected<void, std::string> dump(int type, int family, const on_message& handle,
                                        const std::string& what);

  std::expected<std::vector<link_msg>, std::string> links();
  std::expected<std::vector<addr_msg>, std::string> addresses();  // IPv4 then IPv6
  std::expected<std::vector<route_msg>, std::string> routes(int family);
  // The name of an interface by index (RTM_GETLINK for that index).
  std::expected<std::string, std::string> link_name(int ifindex);

 private:
  struct deleter {
    void operator()(nl_sock* s) const;
  };
  explicit rtnl_socket(nl_sock* s) : sock_(s) {}
  std::unique_ptr<nl_sock, deleter> sock_;
};

}  // namespace svcbgp::netlink
