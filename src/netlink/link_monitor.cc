// link_monitor: a non-blocking libnl socket subscribed to link and address notifications, its fd
// watched by an Asio stream_descriptor; messages are decoded (message.h) and turned into events by
// the interface_table.
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <utility>
#include <variant>
#include <vector>

#include "src/netlink/interface_table.h"
#include "src/netlink/netlink.h"
#include "src/netlink/socket.h"

namespace svcbgp::netlink {

struct link_monitor::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::io_context& io, callback cb) : descriptor_(io), on_event_(std::move(cb)) {}

  ~impl() { close(); }

  std::expected<void, std::string> start();
  void close();
  void wait();
  void read();
  std::vector<link_event> resync();
  static int on_message(nl_msg* msg, void* arg);

  boost::asio::posix::stream_descriptor descriptor_;
  callback on_event_;
  nl_sock* sock_ = nullptr;
  nl_cb* cb_ = nullptr;  // the socket's callbacks (ours on NL_CB_VALID), one reference held
  interface_table table_;
  std::vector<std::variant<link_msg, addr_msg>> batch_;  // filled while libnl reads
  bool stopped_ = false;
  bool waiting_ = false;
};

int link_monitor::impl::on_message(nl_msg* msg, void* arg) {
  auto* self = static_cast<impl*>(arg);
  const nlmsghdr& h = *nlmsg_hdr(msg);
  // A message the decoder rejects (a family we do not track) is ignored: notifications are
  // advisory and the next resync corrects any state.
  if (h.nlmsg_type == RTM_NEWLINK || h.nlmsg_type == RTM_DELLINK) {
    if (auto m = decode_link(h)) {
      self->batch_.emplace_back(std::move(*m));
    }
  } else if (h.nlmsg_type == RTM_NEWADDR || h.nlmsg_type == RTM_DELADDR) {
    if (auto m = decode_address(h)) {
      self->batch_.emplace_back(std::move(*m));
    }
  }
  return NL_OK;
}

std::expected<void, std::string> link_monitor::impl::start() {
  if (sock_ != nullptr) {
    return std::unexpected(std::string("netlink monitor: already started"));
  }
  sock_ = nl_socket_alloc();
  if (sock_ == nullptr) {
    return std::unexpected(std::string("netlink monitor: cannot allocate a socket"));
  }
  nl_socket_disable_seq_check(sock_);  // notifications carry sequence number 0
  nl_socket_modify_cb(sock_, NL_CB_VALID, NL_CB_CUSTOM, &impl::on_message, this);
  cb_ = nl_socket_get_cb(sock_);
  auto fail = [this](const char* step, int err) {
    std::string msg = std::string("netlink monitor: ") + step + ": " + nl_geterror(err);
    close();
    return std::unexpected(msg);
  };
  if (int err = nl_connect(sock_, NETLINK_ROUTE); err < 0) {
    return fail("cannot open an rtnetlink socket", err);
  }
  // Subscribe before reading the current state, so nothing falls between the two.
  if (int err = nl_socket_add_memberships(sock_, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                          RTNLGRP_IPV6_IFADDR, 0);
      err < 0) {
    return fail("cannot join the link and address groups", err);
  }
  if (int err = nl_socket_set_nonblocking(sock_); err < 0) {
    return fail("cannot make the socket non-blocking", err);
  }
  // Room for a burst (many interfaces flapping at once); an overrun still only costs a resync.
  if (int err = nl_socket_set_buffer_size(sock_, 1 << 20, 0); err < 0) {
    return fail("cannot size the receive buffer", err);
  }
  auto state = rtnl_socket::open();
  if (!state) {
    close();
    return std::unexpected("netlink monitor: " + state.error());
  }
  auto links = state->links();
  auto addresses = links ? state->addresses() : std::unexpected(links.error());
  if (!addresses) {
    close();
    return std::unexpected("netlink monitor: " + addresses.error());
  }
  table_.resync(*links, *addresses);  // the initial state is learnt, not reported
  boost::system::error_code ec;
  descriptor_.assign(nl_socket_get_fd(sock_), ec);
  if (ec) {
    std::string msg = "netlink monitor: cannot watch the socket: " + ec.message();
    close();
    return std::unexpected(msg);
  }
  stopped_ = false;
  wait();
  return {};
}

void link_monitor::impl::close() {
  stopped_ = true;
  if (descriptor_.is_open()) {
    boost::system::error_code ec;
    descriptor_.cancel(ec);
    // libnl owns the fd and closes it in nl_socket_free.
    descriptor_.release();
  }
  if (cb_ != nullptr) {
    nl_cb_put(cb_);
    cb_ = nullptr;
  }
  if (sock_ != nullptr) {
    nl_socket_free(sock_);
    sock_ = nullptr;
  }
}

void link_monitor::impl::wait() {
  if (stopped_ || waiting_) {
    return;
  }
  waiting_ = true;
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->waiting_ = false;
                           if (ec || self->stopped_) {
                             return;
                           }
                           self->read();
                         });
}

void link_monitor::impl::read() {
  bool overrun = false;
  // Drain what is queued: each call reads one datagram; 0 means the socket would block.
  for (;;) {
    int n = nl_recvmsgs_report(sock_, cb_);
    if (n == -NLE_NOMEM) {  // ENOBUFS: the kernel dropped notifications
      overrun = true;
      continue;
    }
    if (n <= 0) {
      break;
    }
  }
  std::vector<link_event> events;
  for (auto& m : batch_) {
    auto produced = std::visit([this](const auto& msg) { return table_.apply(msg); }, m);
    for (auto& e : produced) {
      events.push_back(std::move(e));
    }
  }
  batch_.clear();
  if (overrun) {
    for (auto& e : resync()) {
      events.push_back(std::move(e));
    }
  }
  auto keep_alive = shared_from_this();  // the callback may destroy the link_monitor
  for (const auto& e : events) {
    if (stopped_) {
      return;
    }
    on_event_(e);
  }
  wait();
}

std::vector<link_event> link_monitor::impl::resync() {
  auto state = rtnl_socket::open();
  if (!state) {
    return {};
  }
  auto links = state->links();
  if (!links) {
    return {};
  }
  auto addresses = state->addresses();
  if (!addresses) {
    return {};
  }
  return table_.resync(*links, *addresses);
}

link_monitor::link_monitor(boost::asio::io_context& io, callback on_event)
    : impl_(std::make_shared<impl>(io, std::move(on_event))) {}

link_monitor::~link_monitor() {
  stop();
}

std::expected<void, std::string> link_monitor::start() {
  return impl_->start();
}

void link_monitor::stop() {
  // The pending wait holds its own reference; close() cancels it and it finds stopped_ set.
  impl_->close();
}

std::optional<bool> link_monitor::link_up(int ifindex) const {
  return impl_->table_.is_up(ifindex);
}

std::optional<std::string> link_monitor::link_name(int ifindex) const {
  return impl_->table_.name_of(ifindex);
}

}  // namespace svcbgp::netlink
