// Private to k8s/client: one HTTP/1.1 connection to the API server (plain or TLS), kept alive
// between requests, used by one reflector for its LISTs and WATCHes in turn.
//
// get() sends one GET, reads the response head, and hands the body to `on_body` piece by piece as
// it arrives (chunked framing already removed), so a watch stream is decoded as it comes and a
// LIST is parsed without holding its text. send() makes the writes (POST, PUT, PATCH, DELETE) with
// a JSON body. A 401 re-reads the token and retries once. Errors are
// values: a transport failure is a message ("connect 10.0.0.1:6443: Connection refused", "TLS
// handshake with api:6443: certificate verify failed (...)"), an HTTP error is a status.
//
// Beast and OpenSSL stay in http_client.cc (pimpl); this header costs only Asio's awaitable.
//
// Concurrency: one client per reflector, used only on that reflector's strand; the token_source
// is shared by every client and locks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "k8s/client/connection_config.h"

namespace svcbgp::k8s::client {

inline constexpr std::string_view user_agent = "svcbgp/0.1";

// The bearer token: fixed, or read from a file (a rotated projected token) at most once a minute
// and again after a 401.
class token_source {
 public:
  token_source(std::string fixed, std::string file, std::chrono::seconds reread);
  std::string get(std::chrono::steady_clock::time_point now);
  std::string reload(std::chrono::steady_clock::time_point now);
  bool empty() const { return fixed_.empty() && file_.empty(); }

 private:
  std::string read_locked(std::chrono::steady_clock::time_point now);

  std::mutex mutex_;
  std::string fixed_;
  std::string file_;
  std::chrono::seconds reread_;
  std::string current_;
  std::optional<std::chrono::steady_clock::time_point> read_at_;
};

enum class http_method : std::uint8_t { get, post, put, patch, del };

// A request body and its media type ("application/json", "application/merge-patch+json", ...).
struct http_body {
  std::string content_type;
  std::string text;
};

struct http_result {
  unsigned status = 0;
  std::string retry_after;  // the header, if present
  std::string error_body;   // the body of a non-2xx answer (truncated to 64 KiB)
  bool complete = true;     // false when on_body asked to stop before the end
};

class http_client {
 public:
  // Called for each read with the body bytes it brought (possibly none: the head, a chunk
  // header); return false to stop reading (the connection is then closed).
  using body_handler = std::function<bool(std::string_view)>;

  http_client(boost::asio::any_io_executor ex, connection_config config,
              std::shared_ptr<token_source> tokens);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // `target` is the path and query. `timeout` bounds the whole exchange; nullopt bounds only the
  // connection and the head (a watch: the reflector's watchdog covers the body). on_head runs once
  // a 2xx head arrived, before any body.
  boost::asio::awaitable<std::expected<http_result, std::string>> get(
      std::string target, std::optional<std::chrono::milliseconds> timeout,
      std::function<void()> on_head, body_handler on_body);

  // One request with a body; the whole answer's body is in `text` (an error's in error_body).
  // Only a request that may be repeated (all but POST) is sent again on a fresh connection when a
  // kept-alive one turns out closed before any answer.
  boost::asio::awaitable<std::expected<http_result, std::string>> send(
      http_method method, std::string target, http_body body, std::chrono::milliseconds timeout,
      std::string* text);

  // Abort the exchange in progress (its get() returns an error) and drop the connection.
  void close();
  // close(), and every later get() fails at once (also one still resolving or connecting).
  void shutdown();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::k8s::client
