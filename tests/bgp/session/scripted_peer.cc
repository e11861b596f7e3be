#include "tests/bgp/session/scripted_peer.h"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace svcbgp::bgp::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

scripted_peer::scripted_peer(const std::string& address)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address(address), 0)), sock_(io_) {}

std::uint16_t scripted_peer::port() const {
  return acceptor_.local_endpoint().port();
}

bool scripted_peer::accept(std::chrono::seconds timeout) {
  if (!wait_readable(acceptor_.native_handle(), timeout)) {
    return false;
  }
  if (sock_.is_open()) {
    sock_.close();
  }
  buf_.clear();
  acceptor_.accept(sock_);
  return true;
}

bool scripted_peer::connect(const std::string& address, std::uint16_t port,
                            const std::string& from) {
  boost::system::error_code ec;
  sock_ = tcp::socket(io_);
  sock_.open(tcp::v4());
  sock_.bind(tcp::endpoint(asio::ip::make_address(from), 0));
  sock_.connect(tcp::endpoint(asio::ip::make_address(address), port), ec);
  return !ec;
}

void scripted_peer::send(const message& m) {
  auto bytes = encode(m, ctx);
  send_raw(bytes);
}

void scripted_peer::send_raw(std::span<const std::uint8_t> bytes) {
  boost::system::error_code ec;
  asio::write(sock_, asio::buffer(bytes.data(), bytes.size()), ec);
}

bool scripted_peer::fill(std::size_t n, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(sock_.native_handle(), left)) {
      return false;
    }
    std::uint8_t tmp[65536];
    boost::system::error_code ec;
    const auto got = sock_.read_some(asio::buffer(tmp), ec);
    if (ec || got == 0) {
      return false;
    }
    buf_.insert(buf_.end(), tmp, tmp + got);
  }
  return true;
}

std::optional<message> scripted_peer::read(std::chrono::seconds timeout) {
  if (!fill(header_size, timeout)) {
    return std::nullopt;
  }
  const std::size_t len = (std::size_t{buf_[16]} << 8) | buf_[17];
  if (len < header_size || !fill(len, timeout)) {
    return std::nullopt;
  }
  auto d = decode(std::span<const std::uint8_t>(buf_.data(), len), ctx);
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(len));
  if (!d) {
    return std::nullopt;
  }
  return std::move(d->msg);
}

bool scripted_peer::closed_by_speaker(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(sock_.native_handle(), left)) {
      return false;
    }
    std::uint8_t tmp[65536];
    boost::system::error_code ec;
    const auto got = sock_.read_some(asio::buffer(tmp), ec);
    if (ec || got == 0) {
      return true;
    }
  }
}

void scripted_peer::close() {
  boost::system::error_code ec;
  sock_.close(ec);
}

std::optional<open_message> scripted_peer::establish(std::uint32_t as, std::uint32_t id,
                                                     std::vector<family> families) {
  if (!accept()) {
    return std::nullopt;
  }
  auto open = read_until<open_message>();
  if (!open) {
    return std::nullopt;
  }
  open_message mine;
  mine.my_as = static_cast<std::uint16_t>(as);
  mine.hold_time = 90;
  mine.bgp_identifier = id;
  mine.caps.multiprotocol = families;
  mine.caps.four_octet_as = as;
  mine.caps.route_refresh = true;
  send(mine);
  send(keepalive_message{});
  ctx.families = families;
  if (!read_until<keepalive_message>()) {
    return std::nullopt;
  }
  return open;
}

}  // namespace svcbgp::bgp::testing
