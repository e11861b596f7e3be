#include "src/daemon/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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
  impl(asio::io_context& io, const tcp::endpoint& ep, std::map<std::string, handler> r)
      : acceptor(io, ep), routes(std::move(r)) {}

  tcp::acceptor acceptor;
  std::map<std::string, handler> routes;

  asio::awaitable<void> serve(tcp::socket sock) {
    auto self = shared_from_this();
    beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      co_await http::async_read(sock, buf, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return;
      }
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
      co_await http::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) {
        co_return;
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) {
          co_return;
        }
        continue;
      }
      asio::co_spawn(acceptor.get_executor(), serve(std::move(s)), asio::detached);
    }
  }
};

http_server::http_server(asio::io_context& io, const std::string& listen,
                         std::map<std::string, handler> routes)
    : impl_(std::make_shared<impl>(io, parse_listen(listen), std::move(routes))) {
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
}

}  // namespace svcbgp::daemon
