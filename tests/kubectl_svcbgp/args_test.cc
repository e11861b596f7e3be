#include "src/kubectl_svcbgp/args.h"

#include <gtest/gtest.h>

namespace svcbgp::kubectl_svcbgp {
namespace {

std::expected<options, std::string> parse(std::vector<std::string_view> a) {
  return parse_args(a);
}

TEST(kubectl_svcbgp_args, commands_and_flags) {
  auto o = parse({"peers"});
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->what, command::peers);
  EXPECT_FALSE(o->json);
  o = parse({"--node", "node-1", "nodes", "-o", "json", "--kubeconfig=/k"});
  ASSERT_TRUE(o.has_value()) << o.error();
  EXPECT_EQ((std::tuple{o->what, o->json, o->node, o->kubeconfig}),
            (std::tuple{command::nodes, true, std::string("node-1"), std::string("/k")}));
  EXPECT_TRUE(parse({"peers", "-ojson"})->json);
  EXPECT_TRUE(parse({"peers", "--output=json"})->json);
  EXPECT_TRUE(parse({"--json", "peers"})->json);
  EXPECT_EQ(parse({"peers", "--node=n2"})->node, "n2");
  EXPECT_EQ(parse({"peers", "--help"})->what, command::help);
  EXPECT_EQ(parse({"--version"})->what, command::version);
}

TEST(kubectl_svcbgp_args, errors_name_the_argument) {
  EXPECT_EQ(parse({}).error(), "a command is needed: peers, nodes or check");
  EXPECT_EQ(parse({"routes"}).error(), "unknown command routes (peers, nodes or check)");
  EXPECT_EQ(parse({"peers", "nodes"}).error(), "one command only; nodes is extra");
  EXPECT_EQ(parse({"peers", "--node"}).error(), "--node needs a value");
  EXPECT_EQ(parse({"peers", "--node="}).error(), "--node needs a value");
  EXPECT_EQ(parse({"peers", "-o", "yaml"}).error(), "-o yaml: only json is supported");
  EXPECT_EQ(parse({"peers", "--all-namespaces"}).error(), "unknown option --all-namespaces");
}

}  // namespace
}  // namespace svcbgp::kubectl_svcbgp
