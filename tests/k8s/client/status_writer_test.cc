// k8s::client::status_writer against the fake API server: the CRD missing, then installed; only
// changes written, at most once per interval, and a heartbeat when nothing changes; a conflict
// read and written again.
#include "k8s/client/status_writer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "tests/k8s/client/fake_apiserver.h"

namespace svcbgp::k8s::client {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

const char* crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"bgpnodestatuses.svcbgp.io"},
  "spec":{"group":"svcbgp.io","scope":"Cluster","names":{"plural":"bgpnodestatuses",
  "singular":"bgpnodestatus","kind":"BGPNodeStatus","listKind":"BGPNodeStatusList"},
  "versions":[{"name":"v1alpha1","served":true,"storage":true,"subresources":{"status":{}},
  "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})";

class StatusWriterTest : public ::testing::Test {
 protected:
  void make(std::chrono::milliseconds interval = 100ms, std::chrono::seconds heartbeat = 60s) {
    ASSERT_TRUE(fake_.ok()) << fake_.error();
    auto cfg = load_kubeconfig(fake_.kubeconfig);
    ASSERT_TRUE(cfg) << cfg.error().to_string();
    status_writer_options o;
    o.connection = *cfg;
    o.node = "node-1";
    o.min_interval = interval;
    o.heartbeat = heartbeat;
    o.missing_crd_retry = 200ms;
    o.log = [this](std::string_view m) { logs_.emplace_back(m); };
    writer_ = std::make_unique<status_writer>(io_, std::move(o));
    writer_->start();
  }

  // Runs the io_context until `pred` holds (the limit only bounds a failure).
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 10s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < end) {
      io_.run_one_for(20ms);
    }
    return pred();
  }

  bj::value object() {
    auto r = fake_.call("GET", "/objects/bgpnodestatuses/-/node-1");
    return r;
  }

  node_report report(const std::string& state) {
    node_report r;
    r.node = "node-1";
    r.local_asn = 64512;
    r.sessions.push_back({"tor1", "10.0.0.1", 65000, state, {}, "", 1, 0});
    r.synced = true;
    return r;
  }

  testing::fake_apiserver fake_;
  boost::asio::io_context io_;
  std::vector<std::string> logs_;
  std::unique_ptr<status_writer> writer_;
};

TEST_F(StatusWriterTest, AMissingCrdIsReportedOnceThenTheStatusIsWrittenOnceItExists) {
  make();
  writer_->report(report("Active"), "uid-1");
  ASSERT_TRUE(run_until([&] { return writer_->stats().crd_missing; }))
      << (logs_.empty() ? "no log" : logs_.back()) << "; failures " << writer_->stats().failures;
  // Tried again (a POST that found no such resource), and not reported again.
  const char* creates = "method=POST&path=/apis/svcbgp.io/v1alpha1/bgpnodestatuses";
  const auto before = fake_.requests(creates).size();
  ASSERT_TRUE(run_until([&] { return fake_.requests(creates).size() > before; }));
  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_NE(logs_[0].find("not served"), std::string::npos);
  fake_.apply(bj::parse(crd));
  ASSERT_TRUE(run_until([&] { return writer_->stats().writes == 1; }));
  const auto o = object();
  EXPECT_EQ(o.at("metadata").at("ownerReferences").at(0).at("uid"), "uid-1");
  EXPECT_EQ(o.at("status").at("sessions").at(0).at("state"), "Active");
  EXPECT_FALSE(writer_->stats().crd_missing);
}

TEST_F(StatusWriterTest, OnlyChangesAreWrittenAtMostOncePerInterval) {
  fake_.apply(bj::parse(crd));
  make(400ms);
  writer_->report(report("Active"), "uid-1");
  ASSERT_TRUE(run_until([&] { return writer_->stats().writes == 1; }));
  const auto first = std::chrono::steady_clock::now();
  writer_->report(report("Active"), "uid-1");  // the same: nothing to write
  writer_->report(report("Established"), "uid-1");
  ASSERT_TRUE(run_until([&] { return writer_->stats().writes == 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - first, 300ms);
  EXPECT_EQ(object().at("status").at("sessions").at(0).at("state"), "Established");
  EXPECT_EQ(fake_.requests("verb=patch&resource=bgpnodestatuses").size(), 3u);  // 404, 2 writes
}

// Nothing changes, and the status is written again after `heartbeat` with a later heartbeatTime:
// what lets kubectl svcbgp tell a stopped svcbgpd from a quiet one.
TEST_F(StatusWriterTest, AnUnchangedStatusIsWrittenAgainEveryHeartbeat) {
  fake_.apply(bj::parse(crd));
  make(100ms, 1s);
  writer_->report(report("Established"), "uid-1");
  ASSERT_TRUE(run_until([&] { return writer_->stats().writes == 1; }));
  const auto first = std::chrono::steady_clock::now();
  auto o = object();
  const std::string beat1(o.at("status").at("heartbeatTime").as_string());
  EXPECT_EQ(o.at("status").at("heartbeatSeconds"), 1);
  ASSERT_TRUE(run_until([&] { return writer_->stats().writes == 2; }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - first, 900ms);
  const std::string beat2(object().at("status").at("heartbeatTime").as_string());
  EXPECT_LT(beat1, beat2);  // RFC 3339 in UTC sorts as time does
  EXPECT_EQ(object().at("status").at("sessions").at(0).at("state"), "Established");
}

TEST_F(StatusWriterTest, AConflictIsReadAndWrittenAgain) {
  fake_.apply(bj::parse(crd));
  make();
  writer_->report(report("Active"), "uid-1");
  ASSERT_TRUE(run_until([&] { return writer_->stats().writes == 1; }));
  fake_.fault(bj::parse(R"({"type":"409","resource":"bgpnodestatuses","verb":"patch"})"));
  writer_->report(report("Established"), "uid-1");
  ASSERT_TRUE(run_until([&] { return writer_->stats().writes == 2; }));
  EXPECT_EQ(writer_->stats().conflicts, 1u);
  EXPECT_EQ(object().at("status").at("sessions").at(0).at("state"), "Established");
}

}  // namespace
}  // namespace svcbgp::k8s::client
