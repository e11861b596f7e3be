#include "k8s/client/status_writer.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <optional>

#include "k8s/client/http_client.h"

namespace svcbgp::k8s::client {

namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

// metadata.resourceVersion of an answer's object; "" when it has none.
std::string resource_version_of(const std::string& text) {
  boost::system::error_code ec;
  auto v = bj::parse(text, ec);
  if (ec || !v.is_object()) {
    return {};
  }
  const auto* meta = v.as_object().if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) {
    return {};
  }
  const auto* rv = meta->as_object().if_contains("resourceVersion");
  return rv != nullptr && rv->is_string() ? std::string(rv->as_string()) : std::string();
}

}  // namespace

struct status_writer::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, status_writer_options o)
      : opts(std::move(o)),
        strand(asio::make_strand(io)),
        client(strand, opts.connection,
               std::make_shared<token_source>(opts.connection.token, opts.connection.token_file,
                                              opts.token_reread)),
        timer(strand),
        object_path(std::string(node_status_path) + "/" + opts.node) {}

  status_writer_options opts;
  asio::strand<asio::io_context::executor_type> strand;
  http_client client;
  asio::steady_timer timer;
  std::string object_path;

  std::optional<node_report> pending;
  std::string node_uid;
  node_conditions conditions;
  std::vector<node_conditions::condition> pending_conditions;
  std::string desired;  // the patch without a precondition: what "changed" compares
  std::string written;
  std::string resource_version;
  std::chrono::steady_clock::time_point last_write{};
  std::chrono::milliseconds backoff{0};
  std::string last_failure;
  bool stopped = false;
  status_writer_stats counters;

  void fail(const std::string& what) {
    ++counters.failures;
    if (what != last_failure && opts.log) {
      opts.log("BGPNodeStatus not written: " + what);
    }
    last_failure = what;
    backoff =
        std::clamp(backoff * 2, std::chrono::milliseconds(1000), std::chrono::milliseconds(30'000));
  }

  asio::awaitable<void> sleep(std::chrono::steady_clock::time_point until) {
    timer.expires_at(until);  // cancelled by report() and stop()
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  // Every argument a named object: GCC 12 mishandles temporaries inside co_await expressions.
  asio::awaitable<std::expected<http_result, std::string>> call(http_method m,
                                                                const std::string& target,
                                                                http_body& body,
                                                                std::string& text) {
    text.clear();
    std::string t = target;
    std::chrono::milliseconds limit(10'000);
    co_return co_await client.send(m, std::move(t), std::move(body), limit, &text);
  }

  // One attempt to bring the object to `desired`; true when written.
  asio::awaitable<bool> write_once() {
    std::string text;
    const std::string status_path = object_path + "/status";
    std::optional<heartbeat> beat;
    if (opts.heartbeat.count() > 0) {
      beat = heartbeat{std::chrono::system_clock::now(), opts.heartbeat};
    }
    http_body patch{"application/merge-patch+json",
                    node_status_patch(*pending, pending_conditions, resource_version, beat)};
    auto r = co_await call(http_method::patch, status_path, patch, text);
    if (!r) {
      fail(r.error());
      co_return false;
    }
    if (r->status == 200) {
      resource_version = resource_version_of(text);
      co_return true;
    }
    if (r->status == 409) {
      // Written meanwhile by someone else (a previous instance of this pod): read, then write.
      ++counters.conflicts;
      http_body none;
      auto g = co_await call(http_method::get, object_path, none, text);
      resource_version = g && g->status == 200 ? resource_version_of(text) : std::string();
      co_return false;
    }
    if (r->status != 404) {
      fail("PATCH " + object_path + "/status: HTTP " + std::to_string(r->status));
      co_return false;
    }
    const std::string collection(node_status_path);
    http_body object{"application/json", node_status_object(opts.node, node_uid)};
    auto c = co_await call(http_method::post, collection, object, text);
    if (!c) {
      fail(c.error());
    } else if (c->status == 201) {
      resource_version = resource_version_of(text);
      counters.crd_missing = false;
      if (opts.info) {
        opts.info("BGPNodeStatus " + opts.node + " created");
      }
    } else if (c->status == 409) {
      resource_version.clear();  // it exists after all: patch again
    } else if (c->status == 404) {
      if (!counters.crd_missing && opts.log) {
        opts.log(
            "BGPNodeStatus is not served (its CustomResourceDefinition is not installed?); "
            "trying again every " +
            std::to_string(opts.missing_crd_retry.count() / 1000) + " s");
      }
      counters.crd_missing = true;
      backoff = opts.missing_crd_retry;
    } else {
      fail("POST " + std::string(node_status_path) + ": HTTP " + std::to_string(c->status));
    }
    co_return false;
  }

  // `self` keeps this alive while the loop runs.
  asio::awaitable<void> run([[maybe_unused]] std::shared_ptr<impl> self) {
    while (!stopped) {
      const bool beat_due = opts.heartbeat.count() > 0 && !written.empty() &&
                            std::chrono::steady_clock::now() >= last_write + opts.heartbeat;
      if (!pending || (desired == written && !beat_due)) {
        co_await sleep(written.empty() || opts.heartbeat.count() == 0
                           ? std::chrono::steady_clock::time_point::max()
                           : last_write + opts.heartbeat);
        continue;
      }
      const auto earliest =
          std::max(last_write + opts.min_interval, std::chrono::steady_clock::now() + backoff);
      if (std::chrono::steady_clock::now() < earliest) {
        co_await sleep(earliest);
        if (stopped) {
          break;
        }
      }
      const auto target = desired;
      backoff = std::chrono::milliseconds(0);
      if (co_await write_once()) {
        written = target;
        last_write = std::chrono::steady_clock::now();
        last_failure.clear();
        ++counters.writes;
      }
    }
    client.shutdown();
  }
};

status_writer::status_writer(asio::io_context& io, status_writer_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

status_writer::~status_writer() {
  stop();
}

void status_writer::start() {
  asio::co_spawn(impl_->strand, impl_->run(impl_), asio::detached);
}

void status_writer::report(const node_report& r, const std::string& node_uid) {
  asio::post(impl_->strand, [d = impl_, r, node_uid] {
    if (d->stopped) {
      return;
    }
    d->pending = r;
    d->node_uid = node_uid;
    d->pending_conditions = d->conditions.update(r, std::chrono::system_clock::now());
    d->desired = node_status_patch(r, d->pending_conditions, "");
    if (d->desired != d->written) {
      d->timer.cancel();  // wake the writer (it keeps to min_interval itself)
    }
  });
}

void status_writer::stop() {
  asio::post(impl_->strand, [d = impl_] {
    d->stopped = true;
    d->timer.cancel();
    d->client.shutdown();
  });
}

status_writer_stats status_writer::stats() const {
  return impl_->counters;
}

}  // namespace svcbgp::k8s::client
