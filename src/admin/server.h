// The admin gRPC server (proto/svcbgp/admin/v1/admin.proto) of svcbgpd.
//
// It listens on a unix socket (mode 0600; a stale socket file is removed first) and, when
// configured, on TCP with mutual TLS only (a client certificate from the configured CA); server
// reflection is on. gRPC runs its own small thread pool
// (synchronous API): every handler posts its call of `admin::control` onto the daemon's
// io_context and waits for the answer, so daemon state is only ever touched on the io thread.
// Conversion to protobuf happens on the gRPC thread, from copies.
//
// WatchEvents: each client gets a bounded queue (watch_queue.h) fed on the io thread; a client
// that does not keep up is dropped (RESOURCE_EXHAUSTED) and the daemon never blocks. A client
// that stops reading altogether is cancelled after `watch_stuck_grace`.
//
// Ownership: the server borrows the io_context and the control, which must outlive it.
// Concurrency: start() and stop() from any thread, including the io thread (stop() then makes
// handlers that wait for the io thread give up with UNAVAILABLE instead of deadlocking).
// gRPC and Asio stay out of this header (pimpl).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace svcbgp::admin {

class control;

struct server_options {
  std::string unix_socket = "/run/svcbgp/svcbgpd.sock";  // empty: no unix socket
  std::string tcp_listen;                                // "host:port"; empty: no TCP
  std::string tls_cert_file;                             // PEM; required with tcp_listen
  std::string tls_key_file;                              // PEM; required with tcp_listen
  // PEM CA bundle; required with tcp_listen: every TCP client must present a certificate it
  // signed (anyone on the node's network reaches the port, and DisablePeer takes a session down).
  std::string tls_client_ca_file;
  std::size_t watch_queue_limit = 1000;  // events per WatchEvents client
  std::chrono::milliseconds watch_stuck_grace{10'000};
  // How long a handler waits for the io thread before answering UNAVAILABLE.
  std::chrono::milliseconds io_timeout{30'000};
  int max_threads = 16;  // gRPC handler threads
  // WatchEvents streams open at once; more are answered RESOURCE_EXHAUSTED, so that streams never
  // hold every handler thread.
  std::size_t max_watchers = 8;
};

struct server_stats {
  std::uint64_t calls = 0;             // RPCs handled
  std::uint64_t watchers = 0;          // WatchEvents streams open now
  std::uint64_t watchers_dropped = 0;  // dropped because their queue filled
  std::uint64_t events_dropped = 0;    // events not queued for dropped watchers
  std::size_t watch_queue_peak = 0;    // deepest any watcher's queue has been
};

class server {
 public:
  server(boost::asio::io_context& io, admin::control& control, server_options options);
  ~server();  // stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts serving; throws std::runtime_error with the reason (bad TLS config, socket
  // path not usable, bind failure).
  void start();
  // Ends every stream and stops serving; idempotent.
  void stop();

  server_stats stats() const;
  // The TCP port actually bound (useful with port 0); 0 without TCP.
  int tcp_port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::admin
