#include "src/cli/client.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <grpcpp/grpcpp.h>

#include "svcbgp/admin/v1/admin.grpc.pb.h"

namespace svcbgp::cli {

namespace {

constexpr auto call_timeout = std::chrono::seconds(30);

call_error to_error(const grpc::Status& s) {
  return call_error{static_cast<int>(s.error_code()), s.error_message()};
}

void set_deadline(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + call_timeout);
}

}  // namespace

bool call_error::unreachable() const {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

bool call_error::not_found() const {
  return code == grpc::StatusCode::NOT_FOUND;
}

struct admin_client::impl {
  std::unique_ptr<v1::Admin::Stub> stub;

  template <typename Req, typename Resp, typename Method>
  result<Resp> unary(Method method, const Req& req) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    Resp resp;
    const auto st = (stub.get()->*method)(&ctx, req, &resp);
    if (!st.ok()) {
      return std::unexpected(to_error(st));
    }
    return resp;
  }

  // Reads a stream to its end, merging the chunks.
  template <typename Req, typename Resp, typename Method>
  result<Resp> merged(Method method, const Req& req) {
    grpc::ClientContext ctx;
    set_deadline(ctx);
    auto reader = (stub.get()->*method)(&ctx, req);
    Resp all;
    Resp chunk;
    while (reader->Read(&chunk)) {
      all.MergeFrom(chunk);
      chunk.Clear();
    }
    const auto st = reader->Finish();
    if (!st.ok()) {
      return std::unexpected(to_error(st));
    }
    return all;
  }
};

namespace {

std::string read_pem(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error(std::string(what) + " '" + path + "' cannot be read");
  }
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

admin_client::admin_client(const std::string& target, const tls_files& tls)
    : impl_(std::make_unique<impl>()) {
  if (target.starts_with("tls://")) {
    if (tls.ca.empty() || tls.cert.empty() || tls.key.empty()) {
      throw std::runtime_error(target + " needs --ca, --cert and --key");
    }
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = read_pem(tls.ca, "--ca");
    o.pem_cert_chain = read_pem(tls.cert, "--cert");
    o.pem_private_key = read_pem(tls.key, "--key");
    grpc::ChannelArguments args;
    if (!tls.server_name.empty()) {
      args.SetSslTargetNameOverride(tls.server_name);
    }
    impl_->stub = v1::Admin::NewStub(
        grpc::CreateCustomChannel(target.substr(6), grpc::SslCredentials(o), args));
    return;
  }
  const std::string uri = target.starts_with("unix:") ? target : "unix:" + target;
  impl_->stub = v1::Admin::NewStub(grpc::CreateChannel(uri, grpc::InsecureChannelCredentials()));
}

admin_client::~admin_client() = default;

result<v1::GetStatusResponse> admin_client::get_status() {
  return impl_->unary<v1::GetStatusRequest, v1::GetStatusResponse>(&v1::Admin::Stub::GetStatus,
                                                                   v1::GetStatusRequest{});
}

result<v1::ListBfdSessionsResponse> admin_client::list_bfd_sessions() {
  return impl_->unary<v1::ListBfdSessionsRequest, v1::ListBfdSessionsResponse>(
      &v1::Admin::Stub::ListBfdSessions, v1::ListBfdSessionsRequest{});
}

result<v1::ListPeersResponse> admin_client::list_peers(bool detail) {
  v1::ListPeersRequest req;
  req.set_detail(detail);
  return impl_->merged<v1::ListPeersRequest, v1::ListPeersResponse>(&v1::Admin::Stub::ListPeers,
                                                                    req);
}

result<v1::GetPeerResponse> admin_client::get_peer(const std::string& name) {
  v1::GetPeerRequest req;
  req.set_name(name);
  return impl_->unary<v1::GetPeerRequest, v1::GetPeerResponse>(&v1::Admin::Stub::GetPeer, req);
}

result<v1::EnablePeerResponse> admin_client::enable_peer(const v1::EnablePeerRequest& req) {
  return impl_->unary<v1::EnablePeerRequest, v1::EnablePeerResponse>(&v1::Admin::Stub::EnablePeer,
                                                                     req);
}

result<v1::DisablePeerResponse> admin_client::disable_peer(const v1::DisablePeerRequest& req) {
  return impl_->unary<v1::DisablePeerRequest, v1::DisablePeerResponse>(
      &v1::Admin::Stub::DisablePeer, req);
}

result<v1::ResetPeerResponse> admin_client::reset_peer(const v1::ResetPeerRequest& req) {
  return impl_->unary<v1::ResetPeerRequest, v1::ResetPeerResponse>(&v1::Admin::Stub::ResetPeer,
                                                                   req);
}

result<v1::ListRoutesResponse> admin_client::list_routes(const v1::ListRoutesRequest& req) {
  return impl_->merged<v1::ListRoutesRequest, v1::ListRoutesResponse>(&v1::Admin::Stub::ListRoutes,
                                                                      req);
}

result<v1::ListServicesResponse> admin_client::list_services(const v1::ListServicesRequest& req) {
  return impl_->merged<v1::ListServicesRequest, v1::ListServicesResponse>(
      &v1::Admin::Stub::ListServices, req);
}

result<v1::ReloadConfigResponse> admin_client::reload_config(bool check_only) {
  v1::ReloadConfigRequest req;
  req.set_check_only(check_only);
  return impl_->unary<v1::ReloadConfigRequest, v1::ReloadConfigResponse>(
      &v1::Admin::Stub::ReloadConfig, req);
}

result<v1::ShutdownResponse> admin_client::shutdown() {
  return impl_->unary<v1::ShutdownRequest, v1::ShutdownResponse>(&v1::Admin::Stub::Shutdown,
                                                                 v1::ShutdownRequest{});
}

}  // namespace svcbgp::cli
