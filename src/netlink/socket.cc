#include "src/netlink/socket.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <cstring>

namespace svcbgp::netlink {

namespace {

struct round_trip {
  const rtnl_socket::on_message* handle = nullptr;
  std::string handler_error;  // first error from `handle`
  int kernel_errno = 0;       // from an NLMSG_ERROR
};

int on_valid(nl_msg* msg, void* arg) {
  auto* rt = static_cast<round_trip*>(arg);
  if (!rt->handler_error.empty()) {
    return NL_SKIP;
  }
  auto r = (*rt->handle)(*nlmsg_hdr(msg));
  if (!r) {
    rt->handler_error = r.error();
  }
  return NL_OK;
}

int on_error(sockaddr_nl*, nlmsgerr* err, void* arg) {
  auto* rt = static_cast<round_trip*>(arg);
  rt->kernel_errno = -err->error;
  return NL_STOP;
}

// An ACK (NLMSG_ERROR with 0) ends a request that has no reply of its own.
int on_ack(nl_msg*, void*) {
  return NL_STOP;
}

}  // namespace

void rtnl_socket::deleter::operator()(nl_sock* s) const {
  nl_socket_free(s);
}

std::expected<rtnl_socket, std::string> rtnl_socket::open() {
  nl_sock* s = nl_socket_alloc();
  if (s == nullptr) {
    return std::unexpected(std::string("netlink: cannot allocate a socket"));
  }
  rtnl_socket sock(s);
  nl_socket_disable_auto_ack(s);
  if (int err = nl_connect(s, NETLINK_ROUTE); err < 0) {
    return std::unexpected(std::string("netlink: cannot open an rtnetlink socket: ") +
                           nl_geterror(err));
  }
  return sock;
}

std::expected<void, std::string> rtnl_socket::transact(nl_msg* request, const on_message& handle,
                                                       const std::string& what) {
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> owned(request, nlmsg_free);
  int sent = nl_send_auto(sock_.get(), request);
  if (sent < 0) {
    return std::unexpected(what + ": cannot send the request: " + nl_geterror(sent));
  }
  std::unique_ptr<nl_cb, void (*)(nl_cb*)> cb(nl_cb_alloc(NL_CB_DEFAULT), nl_cb_put);
  if (!cb) {
    return std::unexpected(what + ": cannot allocate netlink callbacks");
  }
  round_trip rt;
  rt.handle = &handle;
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &rt);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &rt);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &rt);
  int err = nl_recvmsgs(sock_.get(), cb.get());
  if (rt.kernel_errno != 0) {
    return std::unexpected(what + ": " + std::strerror(rt.kernel_errno));
  }
  if (err < 0) {
    return std::unexpected(what + ": " + nl_geterror(err));
  }
  if (!rt.handler_error.empty()) {
    return std::unexpected(what + ": " + rt.handler_error);
  }
  return {};
}

std::expected<void, std::string> rtnl_socket::dump(int type, int family, const on_message& handle,
                                                   const std::string& what) {
  constexpr int attempts = 5;
  std::expected<void, std::string> result;
  for (int i = 0; i < attempts; ++i) {
    nl_msg* msg = nlmsg_alloc_simple(type, NLM_F_DUMP);
    if (msg == nullptr) {
      return std::unexpected(what + ": cannot allocate a message");
    }
    // Each dump gets its own header type with only the family set, as iproute2 sends it.
    int appended = 0;
    if (type == RTM_GETLINK) {
      ifinfomsg header{};
      header.ifi_family = static_cast<unsigned char>(family);
      appended = nlmsg_append(msg, &header, sizeof(header), NLMSG_ALIGNTO);
    } else if (type == RTM_GETADDR) {
      ifaddrmsg header{};
      header.ifa_family = static_cast<unsigned char>(family);
      appended = nlmsg_append(msg, &header, sizeof(header), NLMSG_ALIGNTO);
    } else {
      rtmsg header{};
      header.rtm_family = static_cast<unsigned char>(family);
      appended = nlmsg_append(msg, &header, sizeof(header), NLMSG_ALIGNTO);
    }
    if (appended < 0) {
      nlmsg_free(msg);
      return std::unexpected(what + ": cannot build the request");
    }
    result = transact(msg, handle, what);
    // An interrupted dump (NLM_F_DUMP_INTR) means the table changed meanwhile: ask again.
    if (result || result.error().find(nl_geterror(NLE_DUMP_INTR)) == std::string::npos) {
      return result;
    }
  }
  return result;
}

std::expected<std::vector<link_msg>, std::string> rtnl_socket::links() {
  std::vector<link_msg> out;
  auto r = dump(
      RTM_GETLINK, AF_UNSPEC,
      [&out](const nlmsghdr& h) -> std::expected<void, std::string> {
        auto m = decode_link(h);
        if (!m) {
          return std::unexpected(m.error());
        }
        out.push_back(std::move(*m));
        return {};
      },
      "netlink: listing links");
  if (!r) {
    return std::unexpected(r.error());
  }
  return out;
}

std::expected<std::vector<addr_msg>, std::string> rtnl_socket::addresses() {
  std::vector<addr_msg> out;
  auto collect = [&out](const nlmsghdr& h) -> std::expected<void, std::string> {
    auto m = decode_address(h);
    if (!m) {
      return std::unexpected(m.error());
    }
    out.push_back(std::move(*m));
    return {};
  };
  for (int family : {AF_INET, AF_INET6}) {
    auto r = dump(RTM_GETADDR, family, collect, "netlink: listing addresses");
    if (!r) {
      return std::unexpected(r.error());
    }
  }
  return out;
}

std::expected<std::vector<route_msg>, std::string> rtnl_socket::routes(int family) {
  std::vector<route_msg> out;
  auto r = dump(
      RTM_GETROUTE, family,
      [&out](const nlmsghdr& h) -> std::expected<void, std::string> {
        auto m = decode_route(h);
        if (!m) {
          return std::unexpected(m.error());
        }
        out.push_back(std::move(*m));
        return {};
      },
      "netlink: listing routes");
  if (!r) {
    return std::unexpected(r.error());
  }
  return out;
}

std::expected<std::string, std::string> rtnl_socket::link_name(int ifindex) {
  nl_msg* msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
  if (msg == nullptr) {
    return std::unexpected(std::string("netlink: cannot allocate a message"));
  }
  ifinfomsg header{};
  header.ifi_family = AF_UNSPEC;
  header.ifi_index = ifindex;
  if (nlmsg_append(msg, &header, sizeof(header), NLMSG_ALIGNTO) < 0) {
    nlmsg_free(msg);
    return std::unexpected(std::string("netlink: cannot build the request"));
  }
  std::string name;
  auto r = transact(
      msg,
      [&name](const nlmsghdr& h) -> std::expected<void, std::string> {
        auto m = decode_link(h);
        if (!m) {
          return std::unexpected(m.error());
        }
        name = m->name;
        return {};
      },
      "netlink: looking up interface " + std::to_string(ifindex));
  if (!r) {
    return std::unexpected(r.error());
  }
  return name;
}

}  // namespace svcbgp::netlink
