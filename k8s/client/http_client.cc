#include "k8s/client/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>

#include "k8s/client/connection_config.h"

namespace svcbgp::k8s::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_error_body = 64 * 1024;

bool is_ip_literal(const std::string& s) {
  boost::system::error_code ec;
  asio::ip::make_address(s, ec);
  return !ec;
}

}  // namespace

token_source::token_source(std::string fixed, std::string file, std::chrono::seconds reread)
    : fixed_(std::move(fixed)), file_(std::move(file)), reread_(reread) {}

std::string token_source::read_locked(std::chrono::steady_clock::time_point now) {
  auto text = read_small_file(file_);
  read_at_ = now;
  if (text) {
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r' || text->back() == ' ' ||
                              text->back() == '\t')) {
      text->pop_back();
    }
    current_ = std::move(*text);
  }
  // A failed read keeps the last token: the file is swapped through a symlink and may be
  // briefly absent.
  return current_;
}

std::string token_source::get(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!fixed_.empty() || file_.empty()) {
    return fixed_;
  }
  if (!read_at_ || now - *read_at_ >= reread_) {
    return read_locked(now);
  }
  return current_;
}

std::string token_source::reload(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!fixed_.empty() || file_.empty()) {
    return fixed_;
  }
  return read_locked(now);
}

namespace {

http::verb verb_of(http_method m) {
  switch (m) {
    case http_method::get:
      return http::verb::get;
    case http_method::post:
      return http::verb::post;
    case http_method::put:
      return http::verb::put;
    case http_method::patch:
      return http::verb::patch;
    case http_method::del:
      return http::verb::delete_;
  }
  return http::verb::get;
}

}  // namespace

struct http_client::impl {
  impl(asio::any_io_executor ex_in, connection_config cfg_in, std::shared_ptr<token_source> t)
      : ex(std::move(ex_in)), cfg(std::move(cfg_in)), tokens(std::move(t)), resolver(ex) {
    host_header = cfg.host.find(':') != std::string::npos ? "[" + cfg.host + "]" : cfg.host;
    host_header += ":" + std::to_string(cfg.port);
    if (cfg.tls) {
      make_ssl_context();
    }
  }

  void make_ssl_context() {
    ssl_ctx.emplace(asio::ssl::context::tls_client);
    boost::system::error_code ec;
    ssl_ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3,
                         ec);
    if (!cfg.ca_pem.empty()) {
      ssl_ctx->add_certificate_authority(asio::buffer(cfg.ca_pem), ec);
      if (ec) {
        ssl_ctx_error = "certificate authority: " + ec.message();
        return;
      }
    } else {
      ssl_ctx->set_default_verify_paths(ec);
    }
    if (!cfg.client_cert_pem.empty()) {
      ssl_ctx->use_certificate_chain(asio::buffer(cfg.client_cert_pem), ec);
      if (ec) {
        ssl_ctx_error = "client certificate: " + ec.message();
        return;
      }
      ssl_ctx->use_private_key(asio::buffer(cfg.client_key_pem), asio::ssl::context::pem, ec);
      if (ec) {
        ssl_ctx_error = "client key: " + ec.message();
        return;
      }
    }
  }

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void drop() {
    if (tls || plain) {
      boost::system::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      lowest().close();
    }
    connected = false;
  }

  asio::awaitable<std::expected<void, std::string>> connect(
      std::chrono::steady_clock::time_point deadline) {
    drop();
    tls.reset();
    plain.reset();
    buffer.clear();
    if (!ssl_ctx_error.empty()) {
      co_return std::unexpected(ssl_ctx_error);
    }
    auto [rec, results] =
        co_await resolver.async_resolve(cfg.host, std::to_string(cfg.port), nothrow);
    if (rec) {
      co_return std::unexpected("resolve " + cfg.host + ": " + rec.message());
    }
    if (cfg.tls) {
      tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex, *ssl_ctx);
    } else {
      plain = std::make_unique<beast::tcp_stream>(ex);
    }
    lowest().expires_at(deadline);
    auto [cec, ep] = co_await lowest().async_connect(results, nothrow);
    if (cec) {
      co_return std::unexpected("connect " + host_header + ": " + cec.message());
    }
    lowest().socket().set_option(tcp::no_delay(true), cec);
    if (tls) {
      SSL* ssl = tls->native_handle();
      std::string name = cfg.verify_name();
      bool ip = is_ip_literal(name);
      if (!ip) {
        SSL_set_tlsext_host_name(ssl, name.c_str());
      }
      if (cfg.insecure_skip_verify) {
        tls->set_verify_mode(asio::ssl::verify_none);
      } else {
        tls->set_verify_mode(asio::ssl::verify_peer);
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str())
                    : SSL_set1_host(ssl, name.c_str());
        if (ok != 1) {
          co_return std::unexpected("TLS: cannot verify against name '" + name + "'");
        }
      }
      auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client, nothrow);
      if (hec) {
        std::string msg = "TLS handshake with " + host_header + ": " + hec.message();
        long vr = SSL_get_verify_result(ssl);
        if (vr != X509_V_OK) {
          msg += std::string(" (certificate verify failed: ") + X509_verify_cert_error_string(vr) +
                 ")";
        }
        drop();
        co_return std::unexpected(std::move(msg));
      }
    }
    connected = true;
    co_return std::expected<void, std::string>{};
  }

  // One request, with the two retries every caller wants: once on a fresh connection when a
  // kept-alive one turns out closed before any answer (`repeatable` requests only), and once with
  // the token read again after a 401. `text`, when given, is cleared before each attempt.
  template <class Body>
  asio::awaitable<std::expected<http_result, std::string>> round_trip(
      http::request<Body>& req, std::optional<std::chrono::milliseconds> timeout, bool repeatable,
      const std::function<void()>& on_head, const body_handler& on_body, std::string* text) {
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, user_agent);
    req.set(http::field::accept, "application/json");
    bool retried_401 = false;
    bool retried_fresh = false;
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      const auto deadline = now + timeout.value_or(std::chrono::milliseconds(60'000));
      const bool reused = connected;
      if (shut) {
        co_return std::unexpected(std::string("client shut down"));
      }
      if (!connected) {
        auto c = co_await connect(deadline);
        if (shut) {
          drop();
          co_return std::unexpected(std::string("client shut down"));
        }
        if (!c) {
          co_return std::unexpected(c.error());
        }
      }
      lowest().expires_at(deadline);
      const auto token = tokens ? tokens->get(now) : std::string();
      if (token.empty()) {
        req.erase(http::field::authorization);
      } else {
        req.set(http::field::authorization, "Bearer " + token);
      }
      if (text) {
        text->clear();
      }
      bool retry_fresh = false;
      std::expected<http_result, std::string> r;
      if (tls) {
        r = co_await exchange(*tls, req, timeout, retry_fresh, reused, on_head, on_body);
      } else {
        r = co_await exchange(*plain, req, timeout, retry_fresh, reused, on_head, on_body);
      }
      if (!r && retry_fresh && !retried_fresh && repeatable) {
        retried_fresh = true;  // the server closed an idle kept-alive connection
        continue;
      }
      if (r && r->status == 401 && !retried_401 && tokens && !tokens->empty()) {
        retried_401 = true;
        tokens->reload(std::chrono::steady_clock::now());
        continue;
      }
      co_return r;
    }
  }

  template <class Stream, class Request>
  asio::awaitable<std::expected<http_result, std::string>> exchange(
      Stream& stream, const Request& req, std::optional<std::chrono::milliseconds> timeout,
      bool& retry_fresh, bool reused, const std::function<void()>& on_head,
      const body_handler& on_body) {
    retry_fresh = false;
    auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
    if (wec) {
      drop();
      retry_fresh = reused;
      co_return std::unexpected("write: " + wec.message());
    }
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, nothrow);
    if (hec) {
      drop();
      retry_fresh = reused && hn == 0;
      co_return std::unexpected("read response head: " + hec.message());
    }
    http_result result;
    result.status = parser.get().result_int();
    if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) {
      result.retry_after = std::string(it->value());
    }
    if (result.status < 200 || result.status >= 300) {
      http::response_parser<http::string_body> sp(std::move(parser));
      sp.body_limit(max_error_body);
      auto [eec, en] = co_await http::async_read(stream, buffer, sp, nothrow);
      result.error_body = sp.get().body();
      if (eec || !sp.get().keep_alive()) {
        drop();
      }
      co_return result;
    }
    if (on_head) {
      on_head();
    }
    if (!timeout) {
      lowest().expires_never();
    }
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      auto [rec, rn] = co_await http::async_read_some(stream, buffer, parser, nothrow);
      if (rec == http::error::need_buffer) {
        rec = {};
      }
      if (rec) {
        drop();
        co_return std::unexpected("read: " + rec.message());
      }
      std::size_t got = chunk.size() - parser.get().body().size;
      if (!on_body(std::string_view(chunk.data(), got))) {
        drop();
        result.complete = false;
        co_return result;
      }
    }
    if (!parser.get().keep_alive()) {
      drop();
    }
    co_return result;
  }

  asio::any_io_executor ex;
  connection_config cfg;
  std::shared_ptr<token_source> tokens;
  std::string host_header;
  std::optional<asio::ssl::context> ssl_ctx;
  std::string ssl_ctx_error;
  tcp::resolver resolver;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::array<char, 64 * 1024> chunk{};
  bool connected = false;
  bool shut = false;
};

http_client::http_client(asio::any_io_executor ex, connection_config config,
                         std::shared_ptr<token_source> tokens)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(config), std::move(tokens))) {}

http_client::~http_client() = default;

void http_client::close() {
  impl_->drop();
}

void http_client::shutdown() {
  impl_->shut = true;
  impl_->resolver.cancel();
  impl_->drop();
}

asio::awaitable<std::expected<http_result, std::string>> http_client::get(
    std::string target, std::optional<std::chrono::milliseconds> timeout,
    std::function<void()> on_head, body_handler on_body) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  const bool repeatable = true;
  std::string* no_text = nullptr;
  co_return co_await impl_->round_trip(req, timeout, repeatable, on_head, on_body, no_text);
}

asio::awaitable<std::expected<http_result, std::string>> http_client::send(
    http_method method, std::string target, http_body body, std::chrono::milliseconds timeout,
    std::string* text) {
  http::request<http::string_body> req{verb_of(method), target, 11};
  if (!body.content_type.empty()) {
    req.set(http::field::content_type, body.content_type);
  }
  req.body() = std::move(body.text);
  req.prepare_payload();
  const std::optional<std::chrono::milliseconds> bound = timeout;
  const bool repeatable = method != http_method::post;  // a POST may have been applied
  const std::function<void()> on_head;
  const body_handler on_body = [text](std::string_view piece) {
    if (text) {
      text->append(piece);
    }
    return true;
  };
  co_return co_await impl_->round_trip(req, bound, repeatable, on_head, on_body, text);
}

}  // namespace svcbgp::k8s::client
