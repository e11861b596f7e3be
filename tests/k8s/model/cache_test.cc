// The informer cache: what each event stores and which services it names in the change batch.
#include "k8s/model/cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/k8s/model/test_util.h"

namespace svcbgp::k8s {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

object_key key(std::string ns, std::string name) {
  return object_key{std::move(ns), std::move(name)};
}

service make_service(std::string ns, std::string name, std::string rv = "1") {
  service s;
  s.meta.key = key(std::move(ns), std::move(name));
  s.meta.resource_version = std::move(rv);
  return s;
}

endpoint_slice make_slice(std::string ns, std::string name, std::optional<std::string> owner,
                          std::string rv = "1") {
  endpoint_slice s;
  s.meta.key = key(std::move(ns), std::move(name));
  s.meta.resource_version = std::move(rv);
  s.service_name = std::move(owner);
  return s;
}

node make_node(std::string name, std::string rv = "1") {
  node n;
  n.meta.key.name = std::move(name);
  n.meta.resource_version = std::move(rv);
  return n;
}

std::vector<std::string> slice_names(const std::vector<const endpoint_slice*>& slices) {
  std::vector<std::string> names;
  for (const auto* s : slices) {
    names.push_back(s->meta.key.name);
  }
  return names;
}

TEST(ClusterCache, ResourceNames) {
  EXPECT_EQ(to_string(resource::services), "services");
  EXPECT_EQ(to_string(resource::endpoint_slices), "endpointslices");
  EXPECT_EQ(to_string(resource::nodes), "nodes");
}

TEST(ClusterCache, StartsEmpty) {
  cluster_cache c;
  EXPECT_FALSE(c.has_changes());
  EXPECT_TRUE(c.take_changes().empty());
  EXPECT_EQ(c.size(resource::services), 0u);
  EXPECT_EQ(c.find_service(key("a", "b")), nullptr);
  EXPECT_EQ(c.find_node("n"), nullptr);
  EXPECT_THAT(c.slices_for(key("a", "b")), IsEmpty());
}

TEST(ClusterCache, UpsertStoresAndReplacesAService) {
  cluster_cache c;
  c.upsert(make_service("prod", "web", "1"));
  c.upsert(make_service("prod", "web", "2"));
  ASSERT_NE(c.find_service(key("prod", "web")), nullptr);
  EXPECT_EQ(c.find_service(key("prod", "web"))->meta.resource_version, "2");
  EXPECT_EQ(c.size(resource::services), 1u);
  EXPECT_EQ(c.services().size(), 1u);
  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("prod", "web")));  // coalesced
  EXPECT_EQ(b.events, 2u);
  EXPECT_FALSE(b.node_changed);
  EXPECT_FALSE(c.has_changes());
}

TEST(ClusterCache, RemoveDeletesAndNamesTheService) {
  cluster_cache c;
  c.upsert(make_service("prod", "web"));
  c.take_changes();
  c.remove(resource::services, key("prod", "web"));
  EXPECT_EQ(c.find_service(key("prod", "web")), nullptr);
  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("prod", "web")));
  EXPECT_EQ(b.events, 1u);
}

TEST(ClusterCache, SliceEventsNameTheirService) {
  cluster_cache c;
  c.upsert(make_slice("prod", "web-abc", "web"));
  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("prod", "web")));
  EXPECT_THAT(slice_names(c.slices_for(key("prod", "web"))), ElementsAre("web-abc"));
  // Same name in another namespace is another service.
  EXPECT_THAT(c.slices_for(key("dev", "web")), IsEmpty());

  c.remove(resource::endpoint_slices, key("prod", "web-abc"));
  b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("prod", "web")));
  EXPECT_THAT(c.slices_for(key("prod", "web")), IsEmpty());
  EXPECT_EQ(c.size(resource::endpoint_slices), 0u);
}

TEST(ClusterCache, SliceMovingBetweenServicesNamesBoth) {
  cluster_cache c;
  c.upsert(make_slice("prod", "s1", "old-svc"));
  c.take_changes();
  c.upsert(make_slice("prod", "s1", "new-svc", "2"));
  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("prod", "new-svc"), key("prod", "old-svc")));
  EXPECT_THAT(c.slices_for(key("prod", "old-svc")), IsEmpty());
  EXPECT_THAT(slice_names(c.slices_for(key("prod", "new-svc"))), ElementsAre("s1"));
}

TEST(ClusterCache, UnlabelledSlicesAreStoredButBelongToNoService) {
  cluster_cache c;
  c.upsert(make_slice("prod", "orphan", std::nullopt));
  EXPECT_EQ(c.size(resource::endpoint_slices), 1u);
  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, IsEmpty());
  EXPECT_EQ(b.events, 1u);
  // Gaining the label later names the service.
  c.upsert(make_slice("prod", "orphan", "web", "2"));
  EXPECT_THAT(c.take_changes().services, ElementsAre(key("prod", "web")));
}

TEST(ClusterCache, SlicesForReturnsKeyOrderWhateverTheArrivalOrder) {
  cluster_cache c;
  for (const char* name : {"web-c", "web-a", "web-d", "web-b"}) {
    c.upsert(make_slice("prod", name, "web"));
  }
  c.upsert(make_slice("prod", "other", "db"));
  EXPECT_THAT(slice_names(c.slices_for(key("prod", "web"))),
              ElementsAre("web-a", "web-b", "web-c", "web-d"));
  c.upsert(make_slice("prod", "web-b", "web", "2"));  // re-upsert does not duplicate
  EXPECT_EQ(c.slices_for(key("prod", "web")).size(), 4u);
  c.remove(resource::endpoint_slices, key("prod", "web-a"));
  EXPECT_THAT(slice_names(c.slices_for(key("prod", "web"))),
              ElementsAre("web-b", "web-c", "web-d"));
}

TEST(ClusterCache, RemovingAnUnknownObjectIsHarmless) {
  cluster_cache c;
  c.remove(resource::endpoint_slices, key("prod", "nope"));
  c.remove(resource::services, key("prod", "nope"));
  EXPECT_EQ(c.size(resource::services), 0u);
  EXPECT_EQ(c.take_changes().events, 2u);
}

TEST(ClusterCache, NodeEventsSetNodeChanged) {
  cluster_cache c;
  c.upsert(make_node("n1"));
  ASSERT_NE(c.find_node("n1"), nullptr);
  change_batch b = c.take_changes();
  EXPECT_TRUE(b.node_changed);
  EXPECT_FALSE(b.empty());
  EXPECT_THAT(b.services, IsEmpty());
  c.remove(resource::nodes, key("", "n1"));
  EXPECT_EQ(c.find_node("n1"), nullptr);
  EXPECT_TRUE(c.take_changes().node_changed);
}

TEST(ClusterCache, RelistOfServicesRecordsAddedChangedAndVanished) {
  cluster_cache c;
  c.upsert(make_service("p", "same", "5"));
  c.upsert(make_service("p", "changed", "5"));
  c.upsert(make_service("p", "gone", "5"));
  c.take_changes();

  std::deque<service> list;
  list.push_back(make_service("p", "same", "5"));
  list.push_back(make_service("p", "changed", "9"));
  list.push_back(make_service("p", "new", "9"));
  c.replace(std::move(list));

  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("p", "changed"), key("p", "gone"), key("p", "new")));
  EXPECT_EQ(b.events, 3u);
  EXPECT_EQ(c.size(resource::services), 3u);
  EXPECT_EQ(c.find_service(key("p", "gone")), nullptr);
  EXPECT_EQ(c.find_service(key("p", "changed"))->meta.resource_version, "9");
}

TEST(ClusterCache, RelistWithEqualResourceVersionsChangesNothing) {
  cluster_cache c;
  c.upsert(make_service("p", "a", "5"));
  c.take_changes();
  service same = make_service("p", "a", "5");
  same.type = service_type::load_balancer;  // resourceVersion decides, not content
  c.replace(std::deque<service>{same});
  EXPECT_FALSE(c.has_changes());
  EXPECT_TRUE(c.take_changes().empty());
}

TEST(ClusterCache, RelistWithoutResourceVersionsComparesContent) {
  // The directory source has no resourceVersions.
  cluster_cache c;
  c.replace(std::deque<service>{make_service("p", "a", ""), make_service("p", "b", "")});
  c.take_changes();
  service edited = make_service("p", "b", "");
  edited.external_policy = traffic_policy::local;
  c.replace(std::deque<service>{make_service("p", "a", ""), edited});
  EXPECT_THAT(c.take_changes().services, ElementsAre(key("p", "b")));
}

TEST(ClusterCache, RelistOfSlicesNamesOldAndNewOwnersAndReindexes) {
  cluster_cache c;
  c.upsert(make_slice("p", "kept", "svc-a", "1"));
  c.upsert(make_slice("p", "moved", "svc-a", "1"));
  c.upsert(make_slice("p", "vanished", "svc-b", "1"));
  c.take_changes();

  std::deque<endpoint_slice> list;
  list.push_back(make_slice("p", "kept", "svc-a", "1"));
  list.push_back(make_slice("p", "moved", "svc-c", "2"));
  list.push_back(make_slice("p", "fresh", "svc-d", "1"));
  c.replace(std::move(list));

  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("p", "svc-a"), key("p", "svc-b"), key("p", "svc-c"),
                                      key("p", "svc-d")));
  EXPECT_EQ(b.events, 3u);
  EXPECT_THAT(slice_names(c.slices_for(key("p", "svc-a"))), ElementsAre("kept"));
  EXPECT_THAT(c.slices_for(key("p", "svc-b")), IsEmpty());
  EXPECT_THAT(slice_names(c.slices_for(key("p", "svc-c"))), ElementsAre("moved"));
  EXPECT_THAT(slice_names(c.slices_for(key("p", "svc-d"))), ElementsAre("fresh"));
}

TEST(ClusterCache, RelistOfUnchangedSlicesIsSilent) {
  cluster_cache c;
  c.replace(std::deque<endpoint_slice>{make_slice("p", "s1", "web", "3"),
                                       make_slice("p", "s2", "web", "4")});
  EXPECT_EQ(c.take_changes().services.size(), 1u);
  c.replace(std::deque<endpoint_slice>{make_slice("p", "s2", "web", "4"),
                                       make_slice("p", "s1", "web", "3")});
  EXPECT_FALSE(c.has_changes());
  EXPECT_THAT(slice_names(c.slices_for(key("p", "web"))), ElementsAre("s1", "s2"));
}

TEST(ClusterCache, RelistOfNodes) {
  cluster_cache c;
  c.replace(std::deque<node>{make_node("n1", "1")});
  EXPECT_TRUE(c.take_changes().node_changed);
  c.replace(std::deque<node>{make_node("n1", "1")});
  EXPECT_FALSE(c.take_changes().node_changed);
  c.replace(std::deque<node>{});
  EXPECT_TRUE(c.take_changes().node_changed);
  EXPECT_EQ(c.find_node("n1"), nullptr);
}

TEST(ClusterCache, ChangesAccumulateAcrossResourcesUntilTaken) {
  cluster_cache c;
  c.upsert(make_service("p", "a"));
  c.upsert(make_slice("p", "b-1", "b"));
  c.upsert(make_node("n1"));
  EXPECT_TRUE(c.has_changes());
  change_batch b = c.take_changes();
  EXPECT_THAT(b.services, ElementsAre(key("p", "a"), key("p", "b")));
  EXPECT_TRUE(b.node_changed);
  EXPECT_EQ(b.events, 3u);
  EXPECT_TRUE(c.take_changes().empty());
}

TEST(ObjectKeyHash, DistinguishesWhereTheSlashFalls) {
  object_key_hash h;
  EXPECT_NE(h(key("ab", "c")), h(key("a", "bc")));
  EXPECT_EQ(h(key("a", "b")), h(key("a", "b")));
}

// The config kinds: a change is a change only when the object differs (a relist or a resync
// that brings the same objects wakes nobody), and each kind is kept apart.
TEST(cache, config_objects_change_only_when_they_differ) {
  cluster_cache c;
  config_object peer{{{"", "tor1"}, "5"}, R"({"asn":65000})", {}};
  c.upsert(resource::bgp_peers, peer);
  EXPECT_TRUE(c.take_changes().config_changed);
  c.upsert(resource::bgp_peers, peer);
  EXPECT_FALSE(c.take_changes().config_changed);
  std::deque<config_object> same{peer};
  c.replace(resource::bgp_peers, same);
  EXPECT_FALSE(c.take_changes().config_changed);
  config_object secret{{{"svcbgp", "pw"}, "1"}, "{}", {{"tor1", "x"}}};
  c.upsert(resource::secrets, secret);
  EXPECT_TRUE(c.take_changes().config_changed);
  EXPECT_EQ(c.size(resource::bgp_peers), 1u);
  EXPECT_EQ(c.config_objects(resource::secrets).at(object_key{"svcbgp", "pw"}).data.at("tor1"),
            "x");
  c.replace(resource::bgp_peers, {});
  const auto b = c.take_changes();
  EXPECT_TRUE(b.config_changed);
  EXPECT_TRUE(b.services.empty());
  EXPECT_EQ(c.size(resource::bgp_peers), 0u);
  c.remove(resource::secrets, {"svcbgp", "nope"});
  EXPECT_FALSE(c.take_changes().config_changed);
  c.remove(resource::secrets, {"svcbgp", "pw"});
  EXPECT_TRUE(c.take_changes().config_changed);
  EXPECT_THROW(c.config_objects(resource::services), std::logic_error);
}

}  // namespace
}  // namespace svcbgp::k8s
