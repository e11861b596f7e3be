// kubectl svcbgp check's pure parts: the API server's lists as from_resources reads them, Secrets,
// and the table and JSON it prints.
#include "src/kubectl_svcbgp/config_check.h"

#include <gtest/gtest.h>

namespace svcbgp::kubectl_svcbgp {
namespace {

TEST(config_check, lists_as_the_api_server_sends_them) {
  const auto peers = parse_resource_list(
      R"({"apiVersion":"svcbgp.io/v1alpha1","kind":"BGPPeerList","metadata":{"resourceVersion":"7",
          "continue":"abc"},"items":[
        {"apiVersion":"svcbgp.io/v1alpha1","kind":"BGPPeer","metadata":{"name":"tor-b"},
         "spec":{"address":"10.0.0.2","asn":65000,"passwordSecretRef":{"name":"pw","key":"b"}}},
        {"apiVersion":"svcbgp.io/v1alpha1","kind":"BGPPeer","metadata":{"name":"tor-a"},
         "spec":{"address":"10.0.0.1","asn":65000}}]})",
      "BGPPeerList");
  ASSERT_TRUE(peers) << peers.error();
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ((*peers)[0].name, "tor-a");  // sorted, as svcbgpd names sessions
  EXPECT_EQ((*peers)[0].spec, R"({"address":"10.0.0.1","asn":65000})");
  EXPECT_EQ(referenced_secrets(*peers), std::set<std::string>{"pw"});
  EXPECT_EQ(continue_token(R"({"kind":"BGPPeerList","metadata":{"continue":"abc"}})"), "abc");
  EXPECT_EQ(parse_resource_list(R"({"kind":"Status","message":"no"})", "BGPPeerList").error(),
            "the answer is not a BGPPeerList");
  EXPECT_EQ(
      parse_resource_list(R"({"kind":"BGPPeerList","items":[{"spec":{}}]})", "BGPPeerList").error(),
      "BGPPeerList: items[0] has no metadata.name");
  EXPECT_EQ(parse_resource_list(R"({"kind":"BGPPeerList","items":null})", "BGPPeerList")->size(),
            0u);
}

TEST(config_check, nodes_and_secrets) {
  const auto nodes = parse_node_list(
      R"({"kind":"NodeList","items":[{"metadata":{"name":"n1","labels":{"rack":"r1"}}},
                                     {"metadata":{"name":"n2"}}]})");
  ASSERT_TRUE(nodes);
  EXPECT_EQ((*nodes)[0].labels, (std::map<std::string, std::string>{{"rack", "r1"}}));
  EXPECT_TRUE((*nodes)[1].labels.empty());
  const auto s = parse_secret(R"({"kind":"Secret","data":{"b":"c2VjcmV0"}})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->at("b"), "secret");
  EXPECT_FALSE(parse_secret(R"({"kind":"Secret","data":{"b":"!!"}})"));
}

check_input fabric() {
  check_input in;
  in.node_configs = {{"all", R"({"localASN":64512})"}};
  in.peers = {{"tor-a", R"({"address":"10.0.0.1","asn":65000,"nodeSelector":{"matchLabels":
                           {"rack":"r1"}},"passwordSecretRef":{"name":"pw","key":"a"}})"},
              {"tor-b", R"({"address":"10.0.0.2","asn":65000})"}};
  in.secrets = {{"pw", {{"a", "md5-a"}}}};
  return in;
}

TEST(config_check, one_result_per_node_with_the_peers_it_takes) {
  const std::vector<node_labels> nodes{{"n2", {}}, {"n1", {{"rack", "r1"}}}};
  const auto results = check(fabric(), nodes);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(render_check(results, {}),
            "NODE  LOCAL AS    RESULT  PEERS\n"
            "n1    64512       ok      tor-a,tor-b\n"
            "n2    64512       ok      tor-b\n");
  EXPECT_EQ(check_json(results),
            R"([{"node":"n1","ok":true,"localASN":64512,"peers":["tor-a","tor-b"],"errors":[]},)"
            R"({"node":"n2","ok":true,"localASN":64512,"peers":["tor-b"],"errors":[]}])"
            "\n");
}

TEST(config_check, an_unreadable_secret_is_said_and_a_missing_one_is_an_error) {
  auto in = fabric();
  in.secrets.clear();
  in.unreadable_secrets = {"pw"};
  const std::vector<node_labels> nodes{{"n1", {{"rack", "r1"}}}};
  EXPECT_EQ(render_check(check(in, nodes), in.unreadable_secrets),
            "NODE  LOCAL AS    RESULT  PEERS\n"
            "n1    64512       ok      tor-a,tor-b\n"
            "Secret pw is not readable with these credentials: the passwords from it were not "
            "checked\n");
  in.unreadable_secrets.clear();
  EXPECT_EQ(render_check(check(in, nodes), {}),
            "NODE  LOCAL AS    RESULT  PEERS\n"
            "n1    -           error   -\n"
            "n1: BGPPeer tor-a: spec.passwordSecretRef: no key 'a' in Secret pw (svcbgp's "
            "namespace)\n");
}

}  // namespace
}  // namespace svcbgp::kubectl_svcbgp
