#include "src/admin/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <expected>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>

#include "src/admin/convert.h"
#include "src/admin/watch_queue.h"
#include "svcbgp/admin/v1/admin.grpc.pb.h"

namespace svcbgp::admin {

namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;
using namespace std::chrono_literals;

// Streams send lists in chunks of this many entries.
constexpr int peer_chunk = 100;
constexpr int route_chunk = 500;
constexpr int service_chunk = 500;

struct watcher {
  watcher(std::size_t limit, ServerContext* c) : queue(limit), ctx(c) {}
  watch_queue<v1::WatchEventsResponse> queue;
  std::set<int> kinds;  // EventKind values; empty = all
  // Guards ctx against the handler returning while the io thread cancels a stuck stream.
  std::mutex ctx_mutex;
  ServerContext* ctx;
  bool finished = false;
  std::shared_ptr<void> subscription;  // io thread only

  bool wants(v1::EventKind k) const { return kinds.empty() || kinds.contains(k); }
};

v1::EventKind event_kind(const admin::daemon_event& e) {
  switch (e.what) {
    case admin::daemon_event::kind::peer_state:
      return v1::EVENT_KIND_PEER;
    case admin::daemon_event::kind::route_change:
      return v1::EVENT_KIND_ROUTE;
    case admin::daemon_event::kind::service_decision:
      return v1::EVENT_KIND_SERVICE;
    case admin::daemon_event::kind::bfd_state:
      return v1::EVENT_KIND_BFD;
  }
  return v1::EVENT_KIND_UNSPECIFIED;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(std::string("admin: cannot read ") + what + " " + path + ": " +
                             std::strerror(errno));
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Removes a stale socket file (never anything else) and creates the parent directory.
void prepare_socket_path(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && !fs::exists(p.parent_path(), ec)) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) {
      throw std::runtime_error("admin: cannot create " + p.parent_path().string() + ": " +
                               ec.message());
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw std::runtime_error("admin: " + path + " exists and is not a socket");
    }
    if (::unlink(path.c_str()) != 0) {
      throw std::runtime_error("admin: cannot remove stale socket " + path + ": " +
                               std::strerror(errno));
    }
  }
}

bool peer_exists(admin::control& c, const std::string& name) {
  const auto peers = c.peers();
  return std::any_of(peers.begin(), peers.end(),
                     [&](const bgp::peer_status& p) { return p.config.name == name; });
}

struct drop_counters {
  std::atomic<std::uint64_t> watchers_dropped{0};
  std::atomic<std::uint64_t> events_dropped{0};
  std::atomic<std::size_t> queue_peak{0};
};

// On the io thread: queues one event for `w`, dropping `w` when its queue is full. Never blocks.
void deliver(boost::asio::io_context& io, std::chrono::milliseconds stuck_grace,
             drop_counters& drops, const std::shared_ptr<watcher>& w, v1::WatchEventsResponse ev) {
  bool overflowed = false;
  if (w->queue.push(std::move(ev), &overflowed)) {
    auto peak = drops.queue_peak.load();
    const auto size = w->queue.size();
    while (size > peak && !drops.queue_peak.compare_exchange_weak(peak, size)) {
    }
    return;
  }
  ++drops.events_dropped;
  if (!overflowed) {
    return;
  }
  ++drops.watchers_dropped;
  // The handler ends the stream as soon as it is not blocked writing; a client that stopped
  // reading altogether keeps it blocked, so cancel the call after a grace period.
  auto timer = std::make_shared<boost::asio::steady_timer>(io, stuck_grace);
  timer->async_wait([timer, weak = std::weak_ptr<watcher>(w)](const boost::system::error_code&) {
    if (auto s = weak.lock()) {
      std::lock_guard lock(s->ctx_mutex);
      if (!s->finished) {
        s->ctx->TryCancel();
      }
    }
  });
}

}  // namespace

struct server::impl final : v1::Admin::Service {
  impl(boost::asio::io_context& i, admin::control& c, server_options o)
      : io(i), ctl(c), opts(std::move(o)) {}

  boost::asio::io_context& io;
  admin::control& ctl;
  server_options opts;
  std::unique_ptr<grpc::Server> grpc_server;
  int bound_tcp_port = 0;
  bool socket_created = false;
  std::atomic<bool> stopping{false};

  std::mutex watchers_mutex;
  std::vector<std::weak_ptr<watcher>> watchers;

  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> watchers_open{0};
  // Shared with the event subscriptions, which may outlive this object by one io-thread step.
  std::shared_ptr<drop_counters> drops = std::make_shared<drop_counters>();

  // Runs f(control) on the io thread and waits for its result. Never touches daemon state here.
  template <typename F>
  auto on_io(ServerContext* ctx, F f)
      -> std::expected<std::invoke_result_t<F&, admin::control&>, Status> {
    using result = std::invoke_result_t<F&, admin::control&>;
    ++calls;
    if (stopping) {
      return std::unexpected(Status(StatusCode::UNAVAILABLE, "svcbgpd is shutting down"));
    }
    auto promise = std::make_shared<std::promise<result>>();
    auto future = promise->get_future();
    boost::asio::post(io, [promise, f = std::move(f), c = &ctl]() mutable {
      try {
        promise->set_value(f(*c));
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + opts.io_timeout;
    while (future.wait_for(50ms) != std::future_status::ready) {
      if (stopping) {
        return std::unexpected(Status(StatusCode::UNAVAILABLE, "svcbgpd is shutting down"));
      }
      if (ctx->IsCancelled()) {
        return std::unexpected(Status(StatusCode::CANCELLED, "cancelled by the client"));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return std::unexpected(Status(StatusCode::UNAVAILABLE, "svcbgpd did not answer in time"));
      }
    }
    try {
      return future.get();
    } catch (const std::exception& e) {
      return std::unexpected(Status(StatusCode::INTERNAL, e.what()));
    }
  }

  Status GetStatus(ServerContext* ctx, const v1::GetStatusRequest*,
                   v1::GetStatusResponse* out) override {
    auto r = on_io(ctx, [](admin::control& c) { return c.status(); });
    if (!r) {
      return r.error();
    }
    to_proto(*r, out);
    set_time(out->mutable_server_time(), std::chrono::system_clock::now());
    return Status::OK;
  }

  Status ListBfdSessions(ServerContext* ctx, const v1::ListBfdSessionsRequest*,
                         v1::ListBfdSessionsResponse* out) override {
    auto r = on_io(ctx, [](admin::control& c) { return c.bfd_sessions(); });
    if (!r) {
      return r.error();
    }
    for (const auto& s : *r) {
      to_proto(s, out->add_sessions());
    }
    set_time(out->mutable_server_time(), std::chrono::system_clock::now());
    return Status::OK;
  }

  Status ListPeers(ServerContext* ctx, const v1::ListPeersRequest* req,
                   grpc::ServerWriter<v1::ListPeersResponse>* writer) override {
    auto r = on_io(ctx, [detail = req->detail()](admin::control& c) {
      return collect_peers(c, detail, nullptr);
    });
    if (!r) {
      return r.error();
    }
    v1::ListPeersResponse chunk;
    for (std::size_t i = 0; i < r->peers.size(); ++i) {
      to_proto(*r, i, chunk.add_peers());
      if (chunk.peers_size() == peer_chunk) {
        if (!writer->Write(chunk)) {
          return Status(StatusCode::CANCELLED, "client went away");
        }
        chunk.Clear();
      }
    }
    if (chunk.peers_size() > 0 || r->peers.empty()) {
      writer->Write(chunk);
    }
    return Status::OK;
  }

  Status GetPeer(ServerContext* ctx, const v1::GetPeerRequest* req,
                 v1::GetPeerResponse* out) override {
    if (req->name().empty()) {
      return Status(StatusCode::INVALID_ARGUMENT, "peer name missing");
    }
    auto r = on_io(
        ctx, [name = req->name()](admin::control& c) { return collect_peers(c, true, &name); });
    if (!r) {
      return r.error();
    }
    if (r->peers.empty()) {
      return Status(StatusCode::NOT_FOUND, "no such peer: " + req->name());
    }
    to_proto(*r, 0, out->mutable_peer());
    return Status::OK;
  }

  // Applies `fn` to one peer or to all; the names it acted on, sorted.
  template <typename F>
  Status for_peers(ServerContext* ctx, const std::string& name, bool all, F fn,
                   google::protobuf::RepeatedPtrField<std::string>* out) {
    if (!all && name.empty()) {
      return Status(StatusCode::INVALID_ARGUMENT, "peer name missing");
    }
    auto r =
        on_io(ctx, [name, all, fn](admin::control& c) -> std::optional<std::vector<std::string>> {
          std::vector<std::string> names;
          if (all) {
            for (const auto& p : c.peers()) {
              names.push_back(p.config.name);
            }
            std::sort(names.begin(), names.end());
          } else {
            names.push_back(name);
          }
          std::vector<std::string> done;
          for (const auto& n : names) {
            if (fn(c, n)) {
              done.push_back(n);
            } else if (!all) {
              return std::nullopt;
            }
          }
          return done;
        });
    if (!r) {
      return r.error();
    }
    if (!*r) {
      return Status(StatusCode::NOT_FOUND, "no such peer: " + name);
    }
    for (auto& n : **r) {
      out->Add(std::move(n));
    }
    return Status::OK;
  }

  Status EnablePeer(ServerContext* ctx, const v1::EnablePeerRequest* req,
                    v1::EnablePeerResponse* out) override {
    return for_peers(
        ctx, req->name(), req->all(),
        [](admin::control& c, const std::string& n) { return c.enable_peer(n); },
        out->mutable_peers());
  }

  Status DisablePeer(ServerContext* ctx, const v1::DisablePeerRequest* req,
                     v1::DisablePeerResponse* out) override {
    if (req->message().size() > 255) {
      // RFC 8203: the length is one octet.
      return Status(StatusCode::INVALID_ARGUMENT, "shutdown message longer than 255 bytes");
    }
    return for_peers(
        ctx, req->name(), req->all(),
        [msg = req->message()](admin::control& c, const std::string& n) {
          return c.disable_peer(n, msg);
        },
        out->mutable_peers());
  }

  Status ResetPeer(ServerContext* ctx, const v1::ResetPeerRequest* req,
                   v1::ResetPeerResponse* out) override {
    const bool hard =
        req->kind() == v1::RESET_KIND_HARD || req->kind() == v1::RESET_KIND_UNSPECIFIED;
    const bool in = req->kind() == v1::RESET_KIND_SOFT_IN;
    return for_peers(
        ctx, req->name(), req->all(),
        [hard, in](admin::control& c, const std::string& n) { return c.reset_peer(n, hard, in); },
        out->mutable_peers());
  }

  Status ListRoutes(ServerContext* ctx, const v1::ListRoutesRequest* req,
                    grpc::ServerWriter<v1::ListRoutesResponse>* writer) override {
    admin::route_query q;
    if (!req->prefix().empty()) {
      q.pfx = bgp::prefix::parse(req->prefix());
      if (!q.pfx) {
        return Status(StatusCode::INVALID_ARGUMENT, "not a prefix: " + req->prefix());
      }
    }
    if (!req->for_ip().empty()) {
      q.for_ip = bgp::ip_address::parse(req->for_ip());
      if (!q.for_ip) {
        return Status(StatusCode::INVALID_ARGUMENT, "not an IP address: " + req->for_ip());
      }
    }
    if (!req->peer().empty()) {
      q.peer = req->peer();
    }
    q.exported = req->direction() != v1::ROUTE_DIRECTION_RECEIVED;
    q.received = req->direction() != v1::ROUTE_DIRECTION_EXPORTED;
    auto r = on_io(ctx, [q](admin::control& c) -> std::optional<std::vector<admin::route_entry>> {
      if (q.peer && !peer_exists(c, *q.peer)) {
        return std::nullopt;
      }
      return c.routes(q);
    });
    if (!r) {
      return r.error();
    }
    if (!*r) {
      return Status(StatusCode::NOT_FOUND, "no such peer: " + req->peer());
    }
    auto& routes = **r;
    std::sort(routes.begin(), routes.end(), [](const auto& a, const auto& b) {
      return std::tie(b.exported, a.pfx, a.peer) < std::tie(a.exported, b.pfx, b.peer);
    });
    const auto counts = count_routes(routes, q.exported, q.received);
    v1::ListRoutesResponse chunk;
    if (!req->count_only()) {
      for (const auto& route : routes) {
        to_proto(route, chunk.add_routes());
        if (chunk.routes_size() == route_chunk) {
          if (!writer->Write(chunk)) {
            return Status(StatusCode::CANCELLED, "client went away");
          }
          chunk.Clear();
        }
      }
    }
    for (const auto& c : counts) {
      *chunk.add_counts() = c;
    }
    writer->Write(chunk);
    return Status::OK;
  }

  Status ListServices(ServerContext* ctx, const v1::ListServicesRequest* req,
                      grpc::ServerWriter<v1::ListServicesResponse>* writer) override {
    std::optional<k8s::object_key> only;
    if (!req->name().empty()) {
      if (req->namespace_().empty()) {
        return Status(StatusCode::INVALID_ARGUMENT, "a service name needs its namespace");
      }
      only = k8s::object_key{req->namespace_(), req->name()};
    }
    std::optional<bgp::prefix> ip;
    if (!req->ip().empty()) {
      ip = bgp::prefix::parse(req->ip());
      if (!ip) {
        return Status(StatusCode::INVALID_ARGUMENT, "not an IP address or prefix: " + req->ip());
      }
    }
    auto r = on_io(ctx, [only](admin::control& c) { return c.services(only); });
    if (!r) {
      return r.error();
    }
    auto& decisions = *r;
    std::erase_if(decisions, [&](const engine::decision& d) {
      return (!req->namespace_().empty() && d.service.ns != req->namespace_()) ||
             (ip && !ip->contains(d.ip));
    });
    std::stable_sort(decisions.begin(), decisions.end(), [](const auto& a, const auto& b) {
      return std::tie(a.service, a.kind, a.ip) < std::tie(b.service, b.kind, b.ip);
    });
    v1::ListServicesResponse chunk;
    for (const auto& d : decisions) {
      to_proto(d, chunk.add_services());
      if (chunk.services_size() == service_chunk) {
        if (!writer->Write(chunk)) {
          return Status(StatusCode::CANCELLED, "client went away");
        }
        chunk.Clear();
      }
    }
    if (chunk.services_size() > 0 || decisions.empty()) {
      writer->Write(chunk);
    }
    return Status::OK;
  }

  Status ReloadConfig(ServerContext* ctx, const v1::ReloadConfigRequest* req,
                      v1::ReloadConfigResponse* out) override {
    auto r = on_io(ctx, [check = req->check_only()](admin::control& c) {
      auto result = c.reload(check);
      return std::make_pair(std::move(result), c.status().config_path);
    });
    if (!r) {
      return r.error();
    }
    out->set_ok(r->first.ok);
    for (const auto& e : r->first.errors) {
      out->add_errors(e);
    }
    for (const auto& c : r->first.changes) {
      out->add_changes(c);
    }
    out->set_config_path(r->second);
    return Status::OK;
  }

  Status Shutdown(ServerContext*, const v1::ShutdownRequest*, v1::ShutdownResponse*) override {
    ++calls;
    if (stopping) {
      return Status(StatusCode::UNAVAILABLE, "svcbgpd is shutting down");
    }
    // Not waited for: shutting down stops this server, which waits for this call to finish.
    boost::asio::post(io, [c = &ctl] { c->shutdown(); });
    return Status::OK;
  }

  Status WatchEvents(ServerContext* ctx, const v1::WatchEventsRequest* req,
                     grpc::ServerWriter<v1::WatchEventsResponse>* writer) override {
    ++calls;
    if (stopping) {
      return Status(StatusCode::UNAVAILABLE, "svcbgpd is shutting down");
    }
    auto w = std::make_shared<watcher>(opts.watch_queue_limit, ctx);
    for (auto k : req->kinds()) {
      w->kinds.insert(k);
    }
    {
      std::lock_guard lock(watchers_mutex);
      std::erase_if(watchers, [](const auto& x) { return x.expired(); });
      if (watchers_open.load() >= opts.max_watchers) {
        return Status(StatusCode::RESOURCE_EXHAUSTED, "too many WatchEvents streams open (" +
                                                          std::to_string(opts.max_watchers) +
                                                          "); close one and retry");
      }
      watchers.push_back(w);
    }
    ++watchers_open;
    boost::asio::post(io, [ctlp = &ctl, iop = &io, w, drops = drops,
                           grace = opts.watch_stuck_grace] {
      if (w->queue.status() != watch_queue<v1::WatchEventsResponse>::state::open) {
        return;  // the stream ended before it got here
      }
      // Snapshot and subscription in one io-thread step: no event falls between them.
      const auto now = std::chrono::system_clock::now();
      auto peers = ctlp->peers();
      std::sort(peers.begin(), peers.end(),
                [](const auto& x, const auto& y) { return x.config.name < y.config.name; });
      for (const auto& p : peers) {
        v1::WatchEventsResponse ev;
        snapshot_event(p, now, &ev);
        deliver(*iop, grace, *drops, w, std::move(ev));
      }
      if (w->wants(v1::EVENT_KIND_BFD)) {
        for (const auto& b : ctlp->bfd_sessions()) {
          v1::WatchEventsResponse ev;
          snapshot_event(b, now, &ev);
          deliver(*iop, grace, *drops, w, std::move(ev));
        }
      }
      v1::WatchEventsResponse done;
      set_time(done.mutable_at(), now);
      done.mutable_snapshot_complete();
      deliver(*iop, grace, *drops, w, std::move(done));
      std::weak_ptr<watcher> weak = w;
      w->subscription = ctlp->subscribe([iop, drops, grace, weak](const admin::daemon_event& e) {
        auto s = weak.lock();
        if (!s || !s->wants(event_kind(e))) {
          return;
        }
        if (const auto st = s->queue.status();
            st != watch_queue<v1::WatchEventsResponse>::state::open) {
          if (st == watch_queue<v1::WatchEventsResponse>::state::overflowed) {
            ++drops->events_dropped;  // counted, not converted
          }
          return;
        }
        v1::WatchEventsResponse ev;
        to_proto(e, &ev);
        deliver(*iop, grace, *drops, s, std::move(ev));
      });
    });

    Status result = Status::OK;
    for (;;) {
      auto ev = w->queue.pop(200ms);
      if (ev) {
        if (!writer->Write(*ev)) {
          result = Status(StatusCode::CANCELLED, "client went away");
          break;
        }
        continue;
      }
      const auto st = w->queue.status();
      if (st == watch_queue<v1::WatchEventsResponse>::state::overflowed) {
        result = Status(StatusCode::RESOURCE_EXHAUSTED, "event queue full (" +
                                                            std::to_string(w->queue.limit()) +
                                                            " events): client too slow, dropped");
        break;
      }
      if (st == watch_queue<v1::WatchEventsResponse>::state::closed || stopping) {
        result = Status(StatusCode::UNAVAILABLE, "svcbgpd is shutting down");
        break;
      }
      if (ctx->IsCancelled()) {
        result = Status(StatusCode::CANCELLED, "cancelled by the client");
        break;
      }
    }
    // A drop that happened while the last Write was blocked wins over "client went away".
    if (w->queue.status() == watch_queue<v1::WatchEventsResponse>::state::overflowed &&
        result.error_code() == StatusCode::CANCELLED && !ctx->IsCancelled()) {
      result = Status(StatusCode::RESOURCE_EXHAUSTED, "event queue full: client too slow, dropped");
    }
    {
      std::lock_guard lock(w->ctx_mutex);
      w->finished = true;
    }
    w->queue.close();
    // Unsubscribe on the io thread (the handle belongs to it).
    boost::asio::post(io, [w] { w->subscription.reset(); });
    --watchers_open;
    return result;
  }

  void start() {
    if (opts.unix_socket.empty() && opts.tcp_listen.empty()) {
      throw std::runtime_error("admin: neither a unix socket nor a TCP address configured");
    }
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    if (!opts.unix_socket.empty()) {
      prepare_socket_path(opts.unix_socket);
      builder.AddListeningPort("unix:" + opts.unix_socket, grpc::InsecureServerCredentials());
    }
    if (!opts.tcp_listen.empty()) {
      if (opts.tls_cert_file.empty() || opts.tls_key_file.empty()) {
        throw std::runtime_error("admin: TCP listen " + opts.tcp_listen +
                                 " needs TLS (a server certificate and key); refusing plain TCP");
      }
      if (opts.tls_client_ca_file.empty()) {
        throw std::runtime_error("admin: TCP listen " + opts.tcp_listen +
                                 " needs a client CA (admin.tls_client_ca_file): without client "
                                 "certificates anyone on the network could disable a peer");
      }
      grpc::SslServerCredentialsOptions tls(
          GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      tls.pem_root_certs = read_file(opts.tls_client_ca_file, "TLS client CA");
      tls.pem_key_cert_pairs.push_back({read_file(opts.tls_key_file, "TLS key"),
                                        read_file(opts.tls_cert_file, "TLS certificate")});
      builder.AddListeningPort(opts.tcp_listen, grpc::SslServerCredentials(tls), &bound_tcp_port);
    }
    builder.RegisterService(this);
    grpc::ResourceQuota quota("svcbgp-admin");
    quota.SetMaxThreads(opts.max_threads);
    builder.SetResourceQuota(quota);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 2);
    // The socket is created by bind(): a umask makes it 0600 from the start, chmod makes sure.
    const mode_t old_mask = ::umask(0177);
    grpc_server = builder.BuildAndStart();
    ::umask(old_mask);
    if (!grpc_server) {
      throw std::runtime_error("admin: cannot listen on " +
                               (opts.unix_socket.empty() ? opts.tcp_listen : opts.unix_socket) +
                               (opts.tcp_listen.empty() ? "" : " / " + opts.tcp_listen));
    }
    if (!opts.unix_socket.empty()) {
      socket_created = true;
      if (::chmod(opts.unix_socket.c_str(), 0600) != 0) {
        throw std::runtime_error("admin: chmod " + opts.unix_socket + ": " + std::strerror(errno));
      }
    }
  }

  void stop() {
    if (stopping.exchange(true)) {
      return;
    }
    {
      std::lock_guard lock(watchers_mutex);
      for (auto& weak : watchers) {
        if (auto w = weak.lock()) {
          w->queue.close();
        }
      }
    }
    if (grpc_server) {
      grpc_server->Shutdown(std::chrono::system_clock::now() + 2s);
      grpc_server->Wait();
      grpc_server.reset();
    }
    if (socket_created) {
      ::unlink(opts.unix_socket.c_str());
      socket_created = false;
    }
  }
};

server::server(boost::asio::io_context& io, admin::control& control, server_options options)
    : impl_(std::make_unique<impl>(io, control, std::move(options))) {}

server::~server() {
  stop();
}

void server::start() {
  impl_->start();
}

void server::stop() {
  impl_->stop();
}

server_stats server::stats() const {
  server_stats s;
  s.calls = impl_->calls;
  s.watchers = impl_->watchers_open;
  s.watchers_dropped = impl_->drops->watchers_dropped;
  s.events_dropped = impl_->drops->events_dropped;
  s.watch_queue_peak = impl_->drops->queue_peak;
  return s;
}

int server::tcp_port() const {
  return impl_->bound_tcp_port;
}

}  // namespace svcbgp::admin
