// The daemon's HTTP endpoints (/metrics, /healthz, /readyz) on Beast. Handlers are plain functions
// returning (status, content type, body); they run on the io thread.
#pragma once

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

class http_server {
 public:
  using handler = std::function<http_response()>;
  // `listen` is "host:port" ("0.0.0.0:9179", "[::1]:9179"). Throws std::system_error on bind
  // failure, std::invalid_argument on a bad address.
  http_server(boost::asio::io_context& io, const std::string& listen,
              std::map<std::string, handler> routes);
  ~http_server();
  unsigned short port() const;
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace svcbgp::daemon
