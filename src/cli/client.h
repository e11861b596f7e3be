// svcbgpc's transport: one admin API connection (gRPC over the daemon's unix socket, or over TCP
// with mutual TLS).
//
// Streams are read to the end and merged into one response message (the chunks' repeated
// fields concatenated), so callers see one message per command. gRPC stays in client.cc.
//
// Concurrency: one thread; each call blocks until the answer or a 30 s deadline.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "svcbgp/admin/v1/admin.pb.h"

namespace svcbgp::cli {

namespace v1 = ::svcbgp::admin::v1;

struct call_error {
  int code = 0;  // grpc::StatusCode
  std::string message;
  bool unreachable() const;  // UNAVAILABLE / DEADLINE_EXCEEDED: the daemon is not answering
  bool not_found() const;
};

template <typename T>
using result = std::expected<T, call_error>;

// Mutual TLS toward svcbgpd's TCP admin port (admin.listen).
struct tls_files {
  std::string ca;           // PEM CA that signed svcbgpd's certificate
  std::string cert;         // PEM: our client certificate (signed by admin.tls_client_ca_file)
  std::string key;          // PEM: its key
  std::string server_name;  // checked against svcbgpd's certificate; empty: the host given
};

class admin_client {
 public:
  // `target`: a unix socket path, "unix:PATH", or "tls://HOST:PORT" (then `tls` is used; its
  // files are read here and a missing one throws std::runtime_error naming it).
  explicit admin_client(const std::string& target, const tls_files& tls = {});
  ~admin_client();
  admin_client(const admin_client&) = delete;
  admin_client& operator=(const admin_client&) = delete;

  result<v1::GetStatusResponse> get_status();
  result<v1::ListPeersResponse> list_peers(bool detail);
  result<v1::GetPeerResponse> get_peer(const std::string& name);
  result<v1::EnablePeerResponse> enable_peer(const v1::EnablePeerRequest& req);
  result<v1::DisablePeerResponse> disable_peer(const v1::DisablePeerRequest& req);
  result<v1::ResetPeerResponse> reset_peer(const v1::ResetPeerRequest& req);
  result<v1::ListRoutesResponse> list_routes(const v1::ListRoutesRequest& req);
  result<v1::ListServicesResponse> list_services(const v1::ListServicesRequest& req);
  result<v1::ReloadConfigResponse> reload_config(bool check_only);
  result<v1::ShutdownResponse> shutdown();
  result<v1::ListBfdSessionsResponse> list_bfd_sessions();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::cli
