// svcbgpd's application object in-process, for what only the whole daemon shows; test.sh runs it
// again under AddressSanitizer.
#include "src/daemon/app.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "svcbgp/admin/v1/admin.grpc.pb.h"

namespace svcbgp::daemon {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::svcbgp::admin::v1;
using namespace std::chrono_literals;

struct temp_dir {
  temp_dir() {
    std::string t = (fs::temp_directory_path() / "svcbgp-app-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

// GetStatus once the admin socket appears (the app has started), for up to 10 s.
grpc::Status first_status(v1::Admin::Stub& stub, v1::GetStatusResponse& status) {
  grpc::Status st;
  for (int i = 0; i < 500; ++i) {
    grpc::ClientContext c;
    c.set_wait_for_ready(true);
    c.set_deadline(std::chrono::system_clock::now() + 20ms);
    if ((st = stub.GetStatus(&c, v1::GetStatusRequest{}, &status)).ok()) {
      break;
    }
  }
  return st;
}

// The items of a streamed answer (`count` of each chunk), or -1 when the call fails.
template <class Response, class Reader>
int streamed_items(Reader& reader, int (Response::*count)() const) {
  Response r;
  int n = 0;
  while (reader.Read(&r)) {
    n += (r.*count)();
  }
  return reader.Finish().ok() ? n : -1;
}

// Issue 13: SIGTERM with a WatchEvents stream open exited 139: the stream's subscription outlived
// the subscriber list and was dropped into freed memory.
TEST(app, sigterm_with_a_watch_events_stream_open_exits_cleanly) {
  temp_dir dir;
  fs::create_directory(dir.path + "/cluster");
  const std::string socket = dir.path + "/svcbgpd.sock";
  const std::string path = dir.path + "/svcbgpd.yaml";
  std::ofstream(path) << "node_name: node-1\nrouter_id: 10.99.1.1\nlocal_asn: 65001\n"
                         "kubernetes: {source: directory, directory: "
                      << dir.path << "/cluster}\nadmin: {socket: " << socket
                      << "}\nhttp: {listen: \"\"}\nlog: {level: error}\n";
  auto env = config::environment::process();
  auto cfg = config::load_file(path, env);
  ASSERT_TRUE(cfg) << cfg.error().front().to_string();

  int code = -1;
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<v1::WatchEventsResponse>> reader;
  {
    app a(path, std::move(*cfg), env);
    std::thread runner([&] { code = a.run(); });
    auto stub = v1::Admin::NewStub(
        grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
    v1::GetStatusResponse status;
    const auto st = first_status(*stub, status);
    ASSERT_TRUE(st.ok()) << st.error_message();
    reader = stub->WatchEvents(&ctx, v1::WatchEventsRequest{});
    v1::WatchEventsResponse ev;
    while (reader->Read(&ev) && !ev.has_snapshot_complete()) {
    }
    ASSERT_TRUE(ev.has_snapshot_complete());
    // The subscription is taken in the io step that sent the snapshot; a call after it is served
    // after that step.
    grpc::ClientContext c;
    ASSERT_TRUE(stub->GetStatus(&c, v1::GetStatusRequest{}, &status).ok());
    ::kill(::getpid(), SIGTERM);
    runner.join();
  }  // the app is gone, the stream still open on our side
  EXPECT_EQ(code, 0);
  ctx.TryCancel();
  reader->Finish();
}

// kubernetes.config: crds before the objects can be read (here: no API server at all): svcbgpd
// waits for them, and svcbgpc can already ask it what it is doing: a status that is not ready, no
// peers, no routes; SIGTERM still ends it.
TEST(app, svcbgpc_is_answered_while_waiting_for_the_config_objects) {
  temp_dir dir;
  const std::string socket = dir.path + "/svcbgpd.sock";
  const std::string path = dir.path + "/svcbgpd.yaml";
  const std::string kubeconfig = dir.path + "/kubeconfig";
  std::ofstream(kubeconfig)
      << "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: c\n  cluster: "
         "{server: \"https://127.0.0.1:1\", insecure-skip-tls-verify: true}\nusers:\n- name: u\n"
         "  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n";
  std::ofstream(path) << "node_name: node-1\nkubernetes: {source: kubeconfig, kubeconfig: "
                      << kubeconfig
                      << ", config: crds, namespace: svcbgp-system}\nadmin: {socket: " << socket
                      << "}\nhttp: {listen: \"\"}\nlog: {level: error}\n";
  auto env = config::environment::process();
  auto cfg = config::load_file(path, env);
  ASSERT_TRUE(cfg) << cfg.error().front().to_string();

  int code = -1;
  app a(path, std::move(*cfg), env);
  std::thread runner([&] { code = a.run(); });
  auto stub =
      v1::Admin::NewStub(grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  v1::GetStatusResponse status;
  const auto st = first_status(*stub, status);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(status.node_name(), "node-1");
  EXPECT_FALSE(status.ready());
  EXPECT_EQ(status.local_asn(), 0u);
  grpc::ClientContext c1, c2;
  auto peers = stub->ListPeers(&c1, v1::ListPeersRequest{});
  EXPECT_EQ(streamed_items(*peers, &v1::ListPeersResponse::peers_size), 0);
  auto routes = stub->ListRoutes(&c2, v1::ListRoutesRequest{});
  EXPECT_EQ(streamed_items(*routes, &v1::ListRoutesResponse::routes_size), 0);
  ::kill(::getpid(), SIGTERM);
  runner.join();
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace svcbgp::daemon
