// The admin server against a fake daemon on a real io thread, over a real unix socket.
#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "svcbgp/admin/v1/admin.grpc.pb.h"
#include "tests/admin/harness.h"

namespace svcbgp::testing {
namespace {

namespace v1 = ::svcbgp::admin::v1;
using namespace std::chrono_literals;

class admin_server_test : public ::testing::Test {
 protected:
  explicit admin_server_test(admin::server_options opts = {}) : h_(opts) {}

  void SetUp() override {
    h_.start();
    channel_ = grpc::CreateChannel("unix:" + h_.socket(), grpc::InsecureChannelCredentials());
    stub_ = v1::Admin::NewStub(channel_);
  }
  void TearDown() override { EXPECT_EQ(h_.fake().wrong_thread_calls, 0); }

  template <typename Resp, typename Req, typename Method>
  grpc::Status read_all(Method m, const Req& req, Resp* all) {
    grpc::ClientContext ctx;
    auto reader = (stub_.get()->*m)(&ctx, req);
    Resp chunk;
    while (reader->Read(&chunk)) {
      all->MergeFrom(chunk);
    }
    return reader->Finish();
  }

  admin_harness h_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Admin::Stub> stub_;
};

TEST_F(admin_server_test, socket_is_mode_0600) {
  struct stat st {};
  ASSERT_EQ(::stat(h_.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(admin_server_start, removes_a_stale_socket_and_refuses_other_files) {
  {
    admin_harness h;
    // A socket file left behind by a crashed daemon.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", h.socket().c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
    EXPECT_NO_THROW(h.start());
    auto stub = v1::Admin::NewStub(
        grpc::CreateChannel("unix:" + h.socket(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    v1::GetStatusResponse st;
    EXPECT_TRUE(stub->GetStatus(&ctx, {}, &st).ok());
  }
  {
    admin_harness h;
    std::ofstream(h.socket()) << "not a socket";
    EXPECT_THROW(h.start(), std::runtime_error);
  }
}

TEST(admin_server_start, refuses_tcp_without_tls) {
  admin::server_options o;
  o.tcp_listen = "127.0.0.1:0";
  admin_harness h(o);
  try {
    h.start();
    FAIL() << "started TCP without TLS";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("TLS"), std::string::npos) << e.what();
  }
}

TEST(admin_server_start, refuses_tcp_without_a_client_ca) {
  admin::server_options o;
  o.tcp_listen = "127.0.0.1:0";
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  admin_harness h(o);
  try {
    h.start();
    FAIL() << "started TCP without client certificates";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tls_client_ca_file"), std::string::npos) << e.what();
  }
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A client of the TCP port, with the given certificate ("" for none).
std::unique_ptr<v1::Admin::Stub> tls_stub(const std::string& dir, int port,
                                          const std::string& cert) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = file_text(dir + "/ca.pem");
  if (!cert.empty()) {
    tls.pem_cert_chain = file_text(dir + "/" + cert + ".pem");
    tls.pem_private_key = file_text(dir + "/" + cert + ".key");
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  return v1::Admin::NewStub(grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                                      grpc::SslCredentials(tls), args));
}

TEST(admin_server_start, tcp_serves_only_clients_with_a_certificate_from_the_ca) {
  admin_harness probe;  // only for its temporary directory
  if (!make_test_pki(probe.dir())) {
    GTEST_SKIP() << "openssl cannot make test certificates";
  }
  admin_harness h(tls_options(probe.dir()));
  h.start();
  ASSERT_GT(h.server().tcp_port(), 0);
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::GetStatusResponse st;
    const auto status =
        tls_stub(probe.dir(), h.server().tcp_port(), "client")->GetStatus(&ctx, {}, &st);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(st.node_name(), "node-a");
  }
  // Issue 13: a client with no credential called DisablePeer and took the session down.
  for (const char* cert : {"", "rogue"}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::DisablePeerRequest req;
    req.set_name("tor1");
    v1::DisablePeerResponse out;
    const auto status =
        tls_stub(probe.dir(), h.server().tcp_port(), cert)->DisablePeer(&ctx, req, &out);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "client certificate '" << cert << "': " << status.error_message();
  }
  h.sync();
  EXPECT_TRUE(h.fake().calls().empty());
}

// Lists services through the reflection protocol (grpc.reflection.v1alpha), as grpcurl does.
TEST_F(admin_server_test, reflection_lists_the_admin_service) {
  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  const auto wait = [&](std::intptr_t want) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<std::intptr_t>(tag), want);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(wait(1));
  // ServerReflectionRequest { list_services (7): "" }
  const std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, reinterpret_cast<void*>(2));
  ASSERT_TRUE(wait(2));
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(3));
  ASSERT_TRUE(wait(3));
  call->WritesDone(reinterpret_cast<void*>(4));
  wait(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  wait(5);

  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(in.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  // ServerReflectionResponse { list_services_response (6): { service (1): { name (1) } } }
  google::protobuf::UnknownFieldSet response;
  ASSERT_TRUE(response.ParseFromString(bytes));
  std::vector<std::string> names;
  for (int i = 0; i < response.field_count(); ++i) {
    if (response.field(i).number() != 6) {
      continue;
    }
    google::protobuf::UnknownFieldSet list;
    ASSERT_TRUE(list.ParseFromString(response.field(i).length_delimited()));
    for (int j = 0; j < list.field_count(); ++j) {
      google::protobuf::UnknownFieldSet service;
      ASSERT_TRUE(service.ParseFromString(list.field(j).length_delimited()));
      names.push_back(service.field(0).length_delimited());
    }
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "svcbgp.admin.v1.Admin"), names.end())
      << ::testing::PrintToString(names);
}

TEST_F(admin_server_test, get_status) {
  grpc::ClientContext ctx;
  v1::GetStatusResponse st;
  ASSERT_TRUE(stub_->GetStatus(&ctx, {}, &st).ok());
  EXPECT_EQ(st.version(), "0.1.0");
  EXPECT_EQ(st.node_name(), "node-a");
  EXPECT_EQ(st.local_asn(), 64512u);
  EXPECT_EQ(st.started().seconds(), 1706695200);
  ASSERT_EQ(st.sources_size(), 3);
  EXPECT_EQ(st.sources(1).resource(), "endpointslices");
  EXPECT_EQ(st.sources(1).objects(), 57u);
  EXPECT_TRUE(st.ready());
  EXPECT_GT(st.server_time().seconds(), 0);
}

TEST_F(admin_server_test, list_peers_with_detail) {
  v1::ListPeersRequest req;
  req.set_detail(true);
  v1::ListPeersResponse all;
  ASSERT_TRUE(read_all(&v1::Admin::Stub::ListPeers, req, &all).ok());
  ASSERT_EQ(all.peers_size(), 3);
  const auto& tor1 = all.peers(0);
  EXPECT_EQ(tor1.name(), "tor1");
  EXPECT_EQ(tor1.state(), v1::SESSION_STATE_ESTABLISHED);
  EXPECT_EQ(tor1.state_name(), "Established");
  EXPECT_EQ(tor1.session().peer_router_id(), "10.0.0.1");
  EXPECT_EQ(tor1.session().hold_time(), 90u);
  EXPECT_EQ(tor1.session().hold_timer_left_ms(), 66'677u);
  EXPECT_EQ(tor1.session().keepalive_timer_left_ms(), 7'050u);
  EXPECT_TRUE(tor1.local_capabilities().has_graceful_restart());
  ASSERT_EQ(tor1.family_stats_size(), 2);
  EXPECT_EQ(tor1.family_stats(0).family(), "ipv4");
  EXPECT_EQ(tor1.family_stats(0).received(), 2u);
  EXPECT_EQ(tor1.family_stats(0).received_stale(), 1u);
  EXPECT_EQ(tor1.family_stats(0).exported(), 2u);
  EXPECT_EQ(tor1.family_stats(1).exported(), 1u);
  EXPECT_EQ(all.peers(1).last_error(), "Received: Cease/Administrative Shutdown: \"maintenance\"");
  EXPECT_FALSE(all.peers(2).enabled());
}

TEST_F(admin_server_test, get_peer_and_unknown_peer) {
  {
    grpc::ClientContext ctx;
    v1::GetPeerRequest req;
    req.set_name("tor2");
    v1::GetPeerResponse resp;
    ASSERT_TRUE(stub_->GetPeer(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.peer().address(), "10.0.0.5");
    EXPECT_TRUE(resp.peer().ibgp());
  }
  grpc::ClientContext ctx;
  v1::GetPeerRequest req;
  req.set_name("nope");
  v1::GetPeerResponse resp;
  const auto st = stub_->GetPeer(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "no such peer: nope");
}

TEST_F(admin_server_test, enable_disable_reset) {
  {
    grpc::ClientContext ctx;
    v1::DisablePeerRequest req;
    req.set_name("tor1");
    req.set_message("maintenance");
    v1::DisablePeerResponse resp;
    ASSERT_TRUE(stub_->DisablePeer(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.peers_size(), 1);
  }
  {
    grpc::ClientContext ctx;
    v1::EnablePeerRequest req;
    req.set_all(true);
    v1::EnablePeerResponse resp;
    ASSERT_TRUE(stub_->EnablePeer(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.peers_size(), 3);
  }
  for (auto kind : {v1::RESET_KIND_HARD, v1::RESET_KIND_SOFT_IN, v1::RESET_KIND_SOFT_OUT}) {
    grpc::ClientContext ctx;
    v1::ResetPeerRequest req;
    req.set_name("tor2");
    req.set_kind(kind);
    v1::ResetPeerResponse resp;
    ASSERT_TRUE(stub_->ResetPeer(&ctx, req, &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    v1::EnablePeerRequest req;
    req.set_name("nope");
    v1::EnablePeerResponse resp;
    EXPECT_EQ(stub_->EnablePeer(&ctx, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  using c = fake_control::call;
  const std::vector<c> want = {
      {"disable", "tor1", "maintenance", false, false},
      {"enable", "tor1", "", false, false},
      {"enable", "tor2", "", false, false},
      {"enable", "tor3", "", false, false},
      {"reset", "tor2", "", true, false},
      {"reset", "tor2", "", false, true},
      {"reset", "tor2", "", false, false},
  };
  EXPECT_EQ(h_.fake().calls(), want);
}

TEST_F(admin_server_test, list_routes_filters_and_counts) {
  v1::ListRoutesResponse all;
  ASSERT_TRUE(read_all(&v1::Admin::Stub::ListRoutes, v1::ListRoutesRequest{}, &all).ok());
  ASSERT_EQ(all.routes_size(), 5);
  EXPECT_EQ(all.routes(0).prefix(), "10.96.0.0/12");
  EXPECT_EQ(all.routes(0).direction(), v1::ROUTE_DIRECTION_EXPORTED);
  EXPECT_EQ(all.routes(0).attributes().as_path(), "64512");
  EXPECT_EQ(all.routes(0).attributes().communities(0), "65000:100");
  EXPECT_EQ(all.routes(0).attributes().large_communities(0), "64512:1:2");
  EXPECT_EQ(all.routes(3).prefix(), "0.0.0.0/0");
  EXPECT_EQ(all.routes(4).stale(), true);
  EXPECT_EQ(all.counts_size(), 4);

  v1::ListRoutesRequest req;
  req.set_for_ip("10.96.0.1");
  v1::ListRoutesResponse one;
  ASSERT_TRUE(read_all(&v1::Admin::Stub::ListRoutes, req, &one).ok());
  ASSERT_EQ(one.routes_size(), 1);
  EXPECT_EQ(one.routes(0).prefix(), "10.96.0.0/12");

  req.Clear();
  req.set_peer("tor1");
  req.set_direction(v1::ROUTE_DIRECTION_RECEIVED);
  req.set_count_only(true);
  v1::ListRoutesResponse counts;
  ASSERT_TRUE(read_all(&v1::Admin::Stub::ListRoutes, req, &counts).ok());
  EXPECT_EQ(counts.routes_size(), 0);
  ASSERT_EQ(counts.counts_size(), 2);
  EXPECT_EQ(counts.counts(0).routes(), 2u);
  EXPECT_EQ(counts.counts(0).networks(), 2u);

  req.Clear();
  req.set_prefix("10.96.0.0/99");
  v1::ListRoutesResponse bad;
  EXPECT_EQ(read_all(&v1::Admin::Stub::ListRoutes, req, &bad).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  req.Clear();
  req.set_peer("nope");
  EXPECT_EQ(read_all(&v1::Admin::Stub::ListRoutes, req, &bad).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(admin_server_test, list_services_filters) {
  v1::ListServicesResponse all;
  ASSERT_TRUE(read_all(&v1::Admin::Stub::ListServices, v1::ListServicesRequest{}, &all).ok());
  ASSERT_EQ(all.services_size(), 4);
  EXPECT_EQ(all.services(0).reason(), "announcedAggregate");
  EXPECT_EQ(all.services(1).reason(), "noLocalEndpoints");

  v1::ListServicesRequest req;
  req.set_namespace_("shop");
  req.set_name("web");
  v1::ListServicesResponse web;
  ASSERT_TRUE(read_all(&v1::Admin::Stub::ListServices, req, &web).ok());
  EXPECT_EQ(web.services_size(), 2);

  req.Clear();
  req.set_ip("198.51.100.10");
  v1::ListServicesResponse by_ip;
  ASSERT_TRUE(read_all(&v1::Admin::Stub::ListServices, req, &by_ip).ok());
  ASSERT_EQ(by_ip.services_size(), 1);
  EXPECT_EQ(by_ip.services(0).kind(), "LoadBalancerIP");

  req.Clear();
  req.set_name("web");
  EXPECT_EQ(read_all(&v1::Admin::Stub::ListServices, req, &by_ip).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(admin_server_test, reload_config_and_check_only) {
  {
    grpc::ClientContext ctx;
    v1::ReloadConfigRequest req;
    req.set_check_only(true);
    v1::ReloadConfigResponse resp;
    ASSERT_TRUE(stub_->ReloadConfig(&ctx, req, &resp).ok());
    EXPECT_TRUE(resp.ok());
    EXPECT_EQ(resp.changes_size(), 2);
    EXPECT_EQ(resp.config_path(), "/etc/svcbgp/svcbgp.yaml");
  }
  EXPECT_TRUE(h_.fake().calls().empty());  // check_only applied nothing
  h_.fake().config_broken = true;
  grpc::ClientContext ctx;
  v1::ReloadConfigResponse resp;
  ASSERT_TRUE(stub_->ReloadConfig(&ctx, {}, &resp).ok());
  EXPECT_FALSE(resp.ok());
  EXPECT_EQ(resp.errors(0), "peers[1].asn: must be 1..4294967295");
}

TEST_F(admin_server_test, shutdown_reaches_the_daemon) {
  grpc::ClientContext ctx;
  v1::ShutdownResponse resp;
  ASSERT_TRUE(stub_->Shutdown(&ctx, {}, &resp).ok());
  h_.sync();  // the shutdown was posted before this
  EXPECT_TRUE(h_.fake().shutdown_called);
}

admin::daemon_event state_event(const char* peer) {
  admin::daemon_event e;
  e.what = admin::daemon_event::kind::peer_state;
  bgp::speaker_event s;
  s.peer = peer;
  s.from = bgp::fsm::state::open_confirm;
  s.to = bgp::fsm::state::established;
  e.peer = s;
  e.at = fixture_time();
  return e;
}

TEST_F(admin_server_test, watch_events_snapshot_then_live_events) {
  grpc::ClientContext ctx;
  auto reader = stub_->WatchEvents(&ctx, v1::WatchEventsRequest{});
  v1::WatchEventsResponse ev;
  std::vector<std::string> snapshot;
  while (reader->Read(&ev) && !ev.has_snapshot_complete()) {
    if (ev.has_bfd()) {
      EXPECT_TRUE(ev.bfd().snapshot());
      snapshot.push_back("bfd " + ev.bfd().peer() + " " + ev.bfd().address() + " " + ev.bfd().to());
      continue;
    }
    ASSERT_TRUE(ev.has_peer());
    EXPECT_EQ(ev.peer().kind(), v1::PeerEvent::KIND_SNAPSHOT);
    snapshot.push_back(ev.peer().peer());
  }
  ASSERT_TRUE(ev.has_snapshot_complete());
  EXPECT_EQ(snapshot, (std::vector<std::string>{"tor1", "tor2", "tor3", "bfd tor1 10.0.0.1 Up",
                                                "bfd tor2 fd99:1::1 Down"}));

  h_.on_io([&] {
    h_.fake().emit(state_event("tor2"));
    admin::daemon_event r;
    r.what = admin::daemon_event::kind::route_change;
    r.peer_name = "tor1";
    r.announced = {*bgp::prefix::parse("198.51.100.11/32")};
    r.withdrawn = {*bgp::prefix::parse("198.51.100.12/32")};
    h_.fake().emit(r);
    admin::daemon_event d;
    d.what = admin::daemon_event::kind::service_decision;
    d.decision = h_.fake().services(std::nullopt)[0];
    h_.fake().emit(d);
    admin::daemon_event b;
    b.what = admin::daemon_event::kind::bfd_state;
    b.bfd = admin::bfd_event{"tor1", *bgp::ip_address::parse("10.0.0.1"), false, "Up",
                             "Down", "Control Detection Time Expired"};
    h_.fake().emit(b);
  });
  ASSERT_TRUE(reader->Read(&ev));
  EXPECT_EQ(ev.peer().peer(), "tor2");
  EXPECT_EQ(ev.peer().kind(), v1::PeerEvent::KIND_STATE_CHANGE);
  EXPECT_EQ(ev.peer().to(), v1::SESSION_STATE_ESTABLISHED);
  ASSERT_TRUE(reader->Read(&ev));
  EXPECT_EQ(ev.routes().announced(0), "198.51.100.11/32");
  EXPECT_EQ(ev.routes().withdrawn(0), "198.51.100.12/32");
  ASSERT_TRUE(reader->Read(&ev));
  EXPECT_EQ(ev.service().name(), "kubernetes");
  ASSERT_TRUE(reader->Read(&ev));
  ASSERT_TRUE(ev.has_bfd());
  EXPECT_EQ(ev.bfd().peer(), "tor1");
  EXPECT_EQ(ev.bfd().address(), "10.0.0.1");
  EXPECT_FALSE(ev.bfd().snapshot());
  EXPECT_EQ(ev.bfd().from(), "Up");
  EXPECT_EQ(ev.bfd().to(), "Down");
  EXPECT_EQ(ev.bfd().diagnostic(), "Control Detection Time Expired");
  ctx.TryCancel();
  while (reader->Read(&ev)) {
  }
  reader->Finish();
}

TEST_F(admin_server_test, watch_events_of_other_kinds_leave_bfd_out) {
  grpc::ClientContext ctx;
  v1::WatchEventsRequest req;
  req.add_kinds(v1::EVENT_KIND_PEER);
  auto reader = stub_->WatchEvents(&ctx, req);
  v1::WatchEventsResponse ev;
  int snapshot = 0;
  while (reader->Read(&ev) && !ev.has_snapshot_complete()) {
    EXPECT_TRUE(ev.has_peer()) << ev.ShortDebugString();
    ++snapshot;
  }
  EXPECT_EQ(snapshot, 3);
  h_.on_io([&] {
    admin::daemon_event b;
    b.what = admin::daemon_event::kind::bfd_state;
    b.bfd = admin::bfd_event{"tor1", *bgp::ip_address::parse("10.0.0.1"), false, "Up",
                             "Down", "Control Detection Time Expired"};
    h_.fake().emit(b);
    h_.fake().emit(state_event("tor2"));
  });
  ASSERT_TRUE(reader->Read(&ev));
  EXPECT_EQ(ev.peer().peer(), "tor2") << ev.ShortDebugString();
  ctx.TryCancel();
  while (reader->Read(&ev)) {
  }
  reader->Finish();
}

TEST(admin_server_watch, streams_past_the_cap_get_resource_exhausted) {
  // Issue 13: sixteen open WatchEvents streams used every handler thread.
  admin::server_options o;
  o.max_watchers = 3;
  admin_harness h(o);
  h.start();
  auto stub = v1::Admin::NewStub(
      grpc::CreateChannel("unix:" + h.socket(), grpc::InsecureChannelCredentials()));
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchEventsResponse>>> readers;
  for (int i = 0; i < 3; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(stub->WatchEvents(contexts.back().get(), v1::WatchEventsRequest{}));
    v1::WatchEventsResponse ev;
    while (readers.back()->Read(&ev) && !ev.has_snapshot_complete()) {
    }
    ASSERT_TRUE(ev.has_snapshot_complete());
  }
  grpc::ClientContext extra;
  auto reader = stub->WatchEvents(&extra, v1::WatchEventsRequest{});
  v1::WatchEventsResponse ev;
  EXPECT_FALSE(reader->Read(&ev));
  const auto st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(st.error_message().find("too many WatchEvents streams open (3)"), std::string::npos)
      << st.error_message();
  // Unary calls still get a thread.
  grpc::ClientContext ctx;
  v1::GetStatusResponse status;
  EXPECT_TRUE(stub->GetStatus(&ctx, {}, &status).ok());
  for (std::size_t i = 0; i < readers.size(); ++i) {
    contexts[i]->TryCancel();
    while (readers[i]->Read(&ev)) {
    }
    readers[i]->Finish();
  }
}

TEST_F(admin_server_test, stop_on_the_io_thread_ends_streams_without_deadlock) {
  grpc::ClientContext ctx;
  auto reader = stub_->WatchEvents(&ctx, v1::WatchEventsRequest{});
  v1::WatchEventsResponse ev;
  while (reader->Read(&ev) && !ev.has_snapshot_complete()) {
  }
  ASSERT_TRUE(ev.has_snapshot_complete());
  // The daemon stops the server from its io thread (on shutdown) while a stream is open.
  h_.on_io([&] { h_.server().stop(); });
  while (reader->Read(&ev)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  struct stat st {};
  EXPECT_NE(::stat(h_.socket().c_str(), &st), 0);  // the socket file is gone
}

class admin_server_slow_client_test : public admin_server_test {
 protected:
  static admin::server_options options() {
    admin::server_options o;
    o.watch_queue_limit = 1000;
    o.watch_stuck_grace = 60s;  // the test resumes reading itself
    return o;
  }
  admin_server_slow_client_test() : admin_server_test(options()) {}
};

TEST_F(admin_server_slow_client_test, a_client_that_stops_reading_is_dropped_and_never_blocks) {
  grpc::ClientContext ctx;
  auto reader = stub_->WatchEvents(&ctx, v1::WatchEventsRequest{});
  v1::WatchEventsResponse ev;
  while (reader->Read(&ev) && !ev.has_snapshot_complete()) {
  }
  ASSERT_TRUE(ev.has_snapshot_complete());
  EXPECT_EQ(h_.server().stats().watchers, 1u);

  // The client stops reading; the daemon publishes 100,000 events on its io thread.
  constexpr int events = 100'000;
  std::chrono::steady_clock::duration took{};
  h_.on_io([&] {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < events; ++i) {
      h_.fake().emit(state_event("tor1"));
    }
    took = std::chrono::steady_clock::now() - start;
  });
  const auto stats = h_.server().stats();
  EXPECT_EQ(stats.watchers_dropped, 1u);
  EXPECT_LE(stats.watch_queue_peak, 1000u);  // memory bounded by the queue limit
  EXPECT_GT(stats.events_dropped, static_cast<std::uint64_t>(events) / 2);
  // Never blocked on the client: the whole burst is a few microseconds per event.
  EXPECT_LT(took, 5s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();

  // When the client reads again it gets what was already sent, then RESOURCE_EXHAUSTED.
  int read = 0;
  while (reader->Read(&ev)) {
    ++read;
  }
  const auto st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  EXPECT_LT(read, events);
  h_.sync();  // the unsubscription is posted when the stream ends
  h_.sync();
  EXPECT_EQ(h_.fake().subscribers(), 0u);
  EXPECT_EQ(h_.server().stats().watchers, 0u);
}

}  // namespace
}  // namespace svcbgp::testing
