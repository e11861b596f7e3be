// Label selectors as Kubernetes evaluates them (apimachinery's labels.Selector): matchLabels and
// every expression ANDed; NotIn and DoesNotExist hold for a node without the label.
#include "src/engine/label_selector.h"

#include <gtest/gtest.h>

namespace svcbgp::engine {
namespace {

using op = label_requirement::op;
using labels = std::map<std::string, std::string>;

TEST(label_selector, empty_selects_every_node) {
  EXPECT_TRUE(labels_match({}, {}));
  EXPECT_TRUE(labels_match({}, {{"rack", "r1"}}));
  EXPECT_EQ(to_string(label_selector{}), "");
}

TEST(label_selector, each_operator) {
  const auto one = [](label_requirement r) { return label_selector{{}, {std::move(r)}}; };
  const auto in = one({"rack", op::in, {"r1", "r2"}});
  EXPECT_TRUE(labels_match(in, {{"rack", "r2"}}));
  EXPECT_FALSE(labels_match(in, {{"rack", "r3"}}));
  EXPECT_FALSE(labels_match(in, {}));
  const auto not_in = one({"rack", op::not_in, {"r1"}});
  EXPECT_TRUE(labels_match(not_in, {{"rack", "r2"}}));
  EXPECT_TRUE(labels_match(not_in, {}));  // no label: not in the set
  EXPECT_FALSE(labels_match(not_in, {{"rack", "r1"}}));
  const auto exists = one({"gpu", op::exists, {}});
  EXPECT_TRUE(labels_match(exists, {{"gpu", ""}}));
  EXPECT_FALSE(labels_match(exists, {{"rack", "r1"}}));
  const auto absent = one({"gpu", op::does_not_exist, {}});
  EXPECT_FALSE(labels_match(absent, {{"gpu", "a100"}}));
  EXPECT_TRUE(labels_match(absent, {{"rack", "r1"}}));
}

TEST(label_selector, everything_must_hold_and_prints_as_kubectl_does) {
  const label_selector s{{{"rack", "r1"}},
                         {{"zone", op::in, {"a", "b"}},
                          {"gpu", op::does_not_exist, {}},
                          {"tier", op::not_in, {"x"}},
                          {"bgp", op::exists, {}}}};
  EXPECT_TRUE(labels_match(s, {{"rack", "r1"}, {"zone", "a"}, {"bgp", "on"}}));
  EXPECT_FALSE(labels_match(s, {{"rack", "r2"}, {"zone", "a"}, {"bgp", "on"}}));
  EXPECT_FALSE(labels_match(s, {{"rack", "r1"}, {"zone", "a"}}));
  EXPECT_FALSE(labels_match(s, {{"rack", "r1"}, {"zone", "a"}, {"bgp", "on"}, {"tier", "x"}}));
  EXPECT_EQ(to_string(s), "rack=r1,zone in (a,b),!gpu,tier notin (x),bgp");
  EXPECT_EQ(s.size(), 5u);
}

}  // namespace
}  // namespace svcbgp::engine
