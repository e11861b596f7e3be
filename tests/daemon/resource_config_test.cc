// kubernetes.config: crds in the daemon: the config the cache's svcbgp.io objects make for this
// node, only once they are listed and the node is known, with passwords from its own namespace.
#include "src/daemon/resource_config.h"

#include <gtest/gtest.h>

namespace svcbgp::daemon {
namespace {

config::daemon_config file_part() {
  auto c = config::parse(
      "node_name: node-1\nkubernetes: {source: kubeconfig, config: crds, namespace: bgp}\n",
      config::environment::none());
  EXPECT_TRUE(c);
  return *c;
}

k8s::config_object object(const std::string& ns, const std::string& name, std::string spec,
                          std::map<std::string, std::string> data = {}) {
  return {{{ns, name}, "1"}, std::move(spec), std::move(data)};
}

k8s::cluster_cache cluster() {
  k8s::cluster_cache c;
  k8s::node n;
  n.meta.key = {"", "node-1"};
  n.labels = {{"rack", "a"}};
  c.upsert(n);
  c.upsert(k8s::resource::bgp_node_configs, object("", "rack-a", R"({"localASN":64601,
      "nodeSelector":{"matchLabels":{"rack":"a"}}})"));
  c.upsert(k8s::resource::bgp_node_configs, object("", "rack-b", R"({"localASN":64602,
      "nodeSelector":{"matchLabels":{"rack":"b"}}})"));
  c.upsert(k8s::resource::bgp_advertisements,
           object("", "all", R"({"clusterIPs":{"cidrs":["10.96.0.0/16"]}})"));
  c.upsert(k8s::resource::bgp_peers, object("", "tor", R"({"address":"10.0.0.1","asn":65000,
               "passwordSecretRef":{"name":"md5","key":"tor"}})"));
  // The same Secret name in another namespace must never be read.
  c.upsert(k8s::resource::secrets, object("other", "md5", "{}", {{"tor", "wrong"}}));
  c.upsert(k8s::resource::secrets, object("bgp", "md5", "{}", {{"tor", "right"}}));
  return c;
}

TEST(resource_config, this_nodes_config_from_the_cache) {
  const auto c = cluster();
  const auto r = config_from_cache(c, true, file_part(), config::environment::none());
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r) << r->error().front().to_string();
  EXPECT_EQ((*r)->local_asn, 64601u);
  EXPECT_EQ((*r)->node_name, "node-1");
  ASSERT_EQ((*r)->peers.size(), 1u);
  EXPECT_EQ((*r)->peers[0].bgp.name, "tor");
  EXPECT_EQ((*r)->peers[0].bgp.password, "right");
  EXPECT_EQ((*r)->advertise.cluster_ips.cidrs.size(), 1u);
}

TEST(resource_config, nothing_until_listed_and_the_node_is_known) {
  const auto c = cluster();
  EXPECT_FALSE(config_from_cache(c, false, file_part(), config::environment::none()));
  auto other = file_part();
  other.node_name = "node-9";
  EXPECT_FALSE(config_from_cache(c, true, other, config::environment::none()));
}

TEST(resource_config, a_secret_only_in_another_namespace_is_missing) {
  auto c = cluster();
  c.remove(k8s::resource::secrets, {"bgp", "md5"});
  const auto r = config_from_cache(c, true, file_part(), config::environment::none());
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().front().to_string(),
            "BGPPeer tor: spec.passwordSecretRef: no key 'tor' in Secret md5 (svcbgp's "
            "namespace)");
}

}  // namespace
}  // namespace svcbgp::daemon
