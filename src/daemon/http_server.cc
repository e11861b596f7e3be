#include "src/daemon/http_server.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <stdexcept>

namespace svcbgp::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("http.listen: expected host:port, got '" + listen + "'");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    throw std::invalid_argument("http.listen: not an IP address: '" + host + "'");
  }
  return {address, static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))};
}

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, const tcp::endpoint& ep, std::map<std::string, handler> r,
       http_limits l)
      : acceptor(io, ep), routes(std::move(r)), limits(l), backoff_timer(io) {}

  struct connection {
    explicit connection(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
  };

  tcp::acceptor acceptor;
  std::map<std::string, handler> routes;
  http_limits limits;
  asio::steady_timer backoff_timer;
  // Oldest first: when the cap is reached, or descriptors run out, the oldest goes.
  std::list<std::shared_ptr<connection>> connections;

  void close_oldest() {
    if (connections.empty()) {
      return;
    }
    boost::system::error_code ignored;
    connections.front()->stream.socket().close(ignored);
    connections.pop_front();
  }

  asio::awaitable<void> serve(std::shared_ptr<connection> c) {
    auto self = shared_from_this();
    auto& stream = c->stream;
    beast::flat_buffer buf;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      parser.body_limit(limits.max_body_bytes);
      // The whole request, idle wait included: a client that sends nothing, or a byte a
      // second, is gone after this.
      stream.expires_after(limits.request_timeout);
      boost::system::error_code ec;
      co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        http::response<http::string_body> res{http::status::payload_too_large, 11};
        res.set(http::field::server, "svcbgpd");
        res.keep_alive(false);
        res.body() = "request too large\n";
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        break;
      }
      auto& req = parser.get();
      http::response<http::string_body> res;
      res.version(req.version());
      res.keep_alive(req.keep_alive());
      res.set(http::field::server, "svcbgpd");
      std::string target(req.target());
      target = target.substr(0, target.find('?'));
      auto it = routes.find(target);
      if (req.method() != http::verb::get && req.method() != http::verb::head) {
        res.result(http::status::method_not_allowed);
        res.body() = "only GET\n";
      } else if (it == routes.end()) {
        res.result(http::status::not_found);
        res.body() = "not found; try /metrics, /healthz, /readyz\n";
      } else {
        auto r = it->second();
        res.result(static_cast<http::status>(r.status));
        res.set(http::field::content_type, r.content_type);
        res.body() = std::move(r.body);
      }
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) {
        break;
      }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
    connections.remove(c);
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    auto backoff = std::chrono::milliseconds(0);
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (!acceptor.is_open()) {
        co_return;
      }
      if (ec) {
        // Out of descriptors (EMFILE, ENFILE) or memory: the pending connection stays queued and
        // every accept fails at once. Free a descriptor and wait, instead of spinning.
        close_oldest();
        backoff =
            std::clamp(backoff * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
        backoff_timer.expires_after(backoff);
        co_await backoff_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      backoff = std::chrono::milliseconds(0);
      if (connections.size() >= limits.max_connections) {
        close_oldest();
      }
      auto c = std::make_shared<connection>(std::move(s));
      connections.push_back(c);
      asio::co_spawn(acceptor.get_executor(), serve(std::move(c)), asio::detached);
    }
  }
};

http_server::http_server(asio::io_context& io, const std::string& listen,
                         std::map<std::string, handler> routes, http_limits limits)
    : impl_(std::make_shared<impl>(io, parse_listen(listen), std::move(routes), limits)) {
  asio::co_spawn(io, impl_->accept_loop(), asio::detached);
}

http_server::~http_server() {
  stop();
}

unsigned short http_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void http_server::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->backoff_timer.cancel();
  while (!impl_->connections.empty()) {
    impl_->close_oldest();
  }
}

}  // namespace svcbgp::daemon
