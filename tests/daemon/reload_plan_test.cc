// plan_reload(): what a new config changes, decided before anything is applied.
#include "src/daemon/reload_plan.h"

#include <gtest/gtest.h>

namespace svcbgp::daemon {
namespace {

config::daemon_config load(const std::string& yaml) {
  config::environment env;
  env.getenv = [](const std::string& n) -> std::optional<std::string> {
    return n == "NODE_NAME" ? std::optional<std::string>("node-1") : std::nullopt;
  };
  auto c = config::parse(
      (yaml.find("local_asn") == std::string::npos ? "local_asn: 65001\n" : "") + yaml, env);
  EXPECT_TRUE(c) << (c ? "" : c.error().front().to_string());
  return c ? *c : config::daemon_config{};
}

std::vector<std::string> names(const std::vector<config::peer>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) {
    out.push_back(p.bgp.name);
  }
  return out;
}

const std::string two_peers =
    "peers:\n"
    "  - {name: tor1, address: 10.0.0.1, asn: 65000}\n"
    "  - {name: tor2, address: 10.0.0.2, asn: 65000}\n";

TEST(reload_plan, the_same_config_changes_nothing) {
  const auto p = plan_reload(load(two_peers), load(two_peers));
  EXPECT_TRUE(p.ok());
  EXPECT_TRUE(p.changes().empty());
}

TEST(reload_plan, a_peer_renamed_at_the_same_address_is_removed_before_it_is_added) {
  const auto p =
      plan_reload(load(two_peers), load("peers:\n"
                                        "  - {name: tor1, address: 10.0.0.1, asn: 65000}\n"
                                        "  - {name: tor9, address: 10.0.0.2, asn: 65000}\n"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.remove, std::vector<std::string>{"tor2"});
  EXPECT_EQ(names(p.add), std::vector<std::string>{"tor9"});
  EXPECT_EQ(p.changes(), (std::vector<std::string>{"peer tor2 removed", "peer tor9 added"}));
}

TEST(reload_plan, two_peers_swapping_addresses_are_both_removed_then_added) {
  const auto p =
      plan_reload(load(two_peers), load("peers:\n"
                                        "  - {name: tor1, address: 10.0.0.2, asn: 65000}\n"
                                        "  - {name: tor2, address: 10.0.0.1, asn: 65000}\n"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.remove, (std::vector<std::string>{"tor1", "tor2"}));
  EXPECT_EQ(names(p.add), (std::vector<std::string>{"tor1", "tor2"}));
  EXPECT_EQ(p.changes(), (std::vector<std::string>{"peer tor1 moved to 10.0.0.2",
                                                   "peer tor2 moved to 10.0.0.1"}));
}

TEST(reload_plan, a_session_parameter_resets_a_limit_only_updates) {
  const auto p = plan_reload(
      load(two_peers), load("peers:\n"
                            "  - {name: tor1, address: 10.0.0.1, asn: 65000, hold_time: 30}\n"
                            "  - {name: tor2, address: 10.0.0.2, asn: 65000, max_prefixes: 5}\n"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(names(p.reset), std::vector<std::string>{"tor1"});
  EXPECT_EQ(names(p.update), std::vector<std::string>{"tor2"});
  EXPECT_TRUE(p.remove.empty());
  EXPECT_FALSE(p.reselect);
}

TEST(reload_plan, advertise_changes_select_routes_again) {
  const auto p =
      plan_reload(load(two_peers), load(two_peers + "advertise: {communities: [\"65000:1\"]}\n"));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.reselect);
  EXPECT_EQ(p.changes(), std::vector<std::string>{"advertise: routes selected again"});
}

TEST(reload_plan, a_restart_only_key_refuses_the_whole_plan) {
  // Issue 13: local_asn was "after a restart" yet the engine took it at once; node_name, http and
  // admin changes were neither applied nor reported.
  const auto p =
      plan_reload(load(two_peers),
                  load("local_asn: 65002\nnode_name: node-2\nhttp: {listen: \"127.0.0.1:9999\"}\n"
                       "peers:\n  - {name: tor3, address: 10.0.0.3, asn: 65000}\n"));
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.refused, (std::vector<std::string>{"node_name: node-1 -> node-2 needs a restart",
                                                 "local_asn: 65001 -> 65002 needs a restart",
                                                 "http.listen: 0.0.0.0:9179 -> 127.0.0.1:9999 "
                                                 "needs a restart"}));
  EXPECT_TRUE(p.remove.empty());
  EXPECT_TRUE(p.add.empty());
}

TEST(reload_plan, switching_between_the_file_and_svcbgp_io_objects_needs_a_restart) {
  auto crds = load(two_peers);
  crds.config_from_crds = true;
  crds.config_namespace = "bgp";
  const auto p = plan_reload(load(two_peers), crds);
  EXPECT_EQ(p.refused, (std::vector<std::string>{
                           "kubernetes.config: file -> crds needs a restart",
                           "kubernetes.namespace: svcbgp-system -> bgp needs a restart"}));
}

}  // namespace
}  // namespace svcbgp::daemon
