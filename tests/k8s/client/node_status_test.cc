#include "k8s/client/node_status.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace svcbgp::k8s::client {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

node_report report() {
  node_report r;
  r.node = "node-1";
  r.local_asn = 64512;
  r.sessions.push_back({"tor1", "10.0.0.1", 65000, "Established",
                        std::chrono::system_clock::time_point{} + 1000s, "", 5, 0});
  r.sessions.push_back({"tor2", "10.0.0.2", 65000, "Active",
                        std::chrono::system_clock::time_point{} + 2000s, "Connection refused", 0,
                        0});
  r.announced_load_balancer_ip = 5;
  r.synced = true;
  return r;
}

TEST(node_status, a_node_without_an_as_yet_removes_the_field) {
  auto r = report();
  r.local_asn = 0;
  r.sessions.clear();
  r.config_valid = false;
  r.config_error = "BGPPeer tor: spec.holdTime: must be 0 or 3..65535";
  node_conditions c;
  const auto v = bj::parse(node_status_patch(r, c.update(r, {}), ""));
  EXPECT_TRUE(v.at("status").at("localASN").is_null());
  const auto& conds = v.at("status").at("conditions").as_array();
  EXPECT_EQ(conds[0].at("type"), "ConfigValid");
  EXPECT_EQ(conds[0].at("status"), "False");
  EXPECT_EQ(conds[0].at("message"), "BGPPeer tor: spec.holdTime: must be 0 or 3..65535");
}

TEST(node_status, the_patch_carries_sessions_counts_conditions_and_a_precondition) {
  node_conditions c;
  const auto t = std::chrono::system_clock::time_point{} + 3000s;
  const auto v = bj::parse(node_status_patch(report(), c.update(report(), t), "42"));
  EXPECT_EQ(v.at("metadata").at("resourceVersion"), "42");
  const auto& st = v.at("status");
  EXPECT_EQ(st.at("localASN"), 64512);
  EXPECT_EQ(st.at("announced").at("loadBalancerIP"), 5);
  const auto& s = st.at("sessions").as_array();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].at("state"), "Established");
  EXPECT_EQ(s[0].at("since"), "1970-01-01T00:16:40Z");
  EXPECT_FALSE(s[0].as_object().contains("lastError"));
  EXPECT_EQ(s[1].at("lastError"), "Connection refused");
  const auto& conds = st.at("conditions").as_array();
  ASSERT_EQ(conds.size(), 3u);
  EXPECT_EQ(conds[2].at("type"), "AllSessionsEstablished");
  EXPECT_EQ(conds[2].at("status"), "False");
  EXPECT_EQ(conds[2].at("message"), "1 down; tor2 is Active");
  // Without a resource version, no precondition.
  EXPECT_FALSE(bj::parse(node_status_patch(report(), {}, "")).as_object().contains("metadata"));
  EXPECT_FALSE(st.as_object().contains("heartbeatTime"));
}

TEST(node_status, a_heartbeat_says_when_and_how_often) {
  const auto t = std::chrono::system_clock::time_point{} + 3000s;
  const auto v = bj::parse(node_status_patch(report(), {}, "", heartbeat{t, 60s}));
  EXPECT_EQ(v.at("status").at("heartbeatTime"), "1970-01-01T00:50:00Z");
  EXPECT_EQ(v.at("status").at("heartbeatSeconds"), 60);
}

TEST(node_status, a_condition_keeps_its_time_until_its_status_changes) {
  node_conditions c;
  const auto t0 = std::chrono::system_clock::time_point{} + 100s;
  auto r = report();
  c.update(r, t0);
  auto conds = c.update(r, t0 + 50s);
  EXPECT_EQ(conds[2].since, t0);
  r.sessions[1].state = "Established";
  conds = c.update(r, t0 + 60s);
  EXPECT_TRUE(conds[2].status);
  EXPECT_EQ(conds[2].since, t0 + 60s);
  EXPECT_EQ(conds[0].since, t0);  // ConfigValid did not change
}

TEST(node_status, a_held_session_is_not_down) {
  auto r = report();
  r.sessions[1].state = "Held";
  node_conditions c;
  EXPECT_TRUE(c.update(r, {})[2].status);
}

TEST(node_status, the_object_is_owned_by_its_node) {
  const auto v = bj::parse(node_status_object("node-1", "uid-1"));
  EXPECT_EQ(v.at("kind"), "BGPNodeStatus");
  EXPECT_EQ(v.at("metadata").at("ownerReferences").at(0).at("uid"), "uid-1");
  EXPECT_FALSE(v.as_object().contains("status"));
}

}  // namespace
}  // namespace svcbgp::k8s::client
