// The daemon's HTTP endpoints (/metrics, /healthz, /readyz) on Beast. Handlers are plain functions
// returning (status, content type, body); they run on the io thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace svcbgp::daemon {

struct http_response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Anyone on the node's network reaches this port: what one client can hold is bounded.
struct http_limits {
  std::chrono::milliseconds request_timeout{10'000};  // a whole request, from its first wait
  std::size_t max_connections = 32;  // past it the oldest connection is closed for the new one
  std::size_t max_header_bytes = 8192;
  std::size_t max_body_bytes = 1024;  // GET only: a body is of no use
};

class http_server {
 public:
  using handler = std::function<http_response()>;
  // `listen` is "host:port" ("0.0.0.0:9179", "[::1]:9179"). Throws std::system_error on bind
  // failure, std::invalid_argument on a bad address.
  http_server(boost::asio::io_context& io, const std::string& listen,
              std::map<std::string, handler> routes, http_limits limits = {});
  ~http_server();
  unsigned short port() const;
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace svcbgp::daemon
