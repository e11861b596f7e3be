// k8s::source against the fake API server (tests/fake_apiserver): initial sync, events, bookmarks,
// 410s, 429, 401 with a rotated token, resets, stalls, malformed lines, server-side timeouts, TLS.
//
// No sleeps: the test thread waits on the source's batch callback (or its log) with a condition
// variable; the timeout is only a failure bound. What the fake saw comes from its request log.
#include <gtest/gtest.h>

#include <set>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "fake_apiserver.h"
#include "k8s/client/connection_config.h"
#include "k8s/client/source.h"

namespace svcbgp::k8s {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::fake_apiserver;

json::value service_json(const std::string& name, const std::string& ip,
                         const std::string& ns = "default") {
  return json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + name +
                     R"(","namespace":")" + ns + R"("},"spec":{"type":"ClusterIP","clusterIP":")" +
                     ip + R"(","clusterIPs":[")" + ip +
                     R"("],"ports":[{"port":80,"protocol":"TCP"}]}})");
}

json::value slice_json(const std::string& name, const std::string& service) {
  return json::parse(
      R"({"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":")" + name +
      R"(","namespace":"default","labels":{"kubernetes.io/service-name":")" + service +
      R"("}},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.5"],"nodeName":"node-1"}]})");
}

json::value node_json(const std::string& name) {
  return json::parse(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name +
                     R"(","labels":{"rack":"r1"}},"status":{"addresses":[{"type":"InternalIP",)"
                     R"("address":"192.168.1.1"}]}})");
}

json::value crd_json(const std::string& plural, const std::string& kind) {
  return json::parse(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",)"
                     R"("metadata":{"name":")" +
                     plural +
                     R"(.svcbgp.io"},"spec":{"group":"svcbgp.io",)"
                     R"("scope":"Cluster","names":{"plural":")" +
                     plural + R"(","kind":")" + kind +
                     R"("},"versions":[{"name":"v1alpha1","served":true,"storage":true}]}})");
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string qget(const json::value& entry, const char* key) {
  const auto* q = entry.at("query").as_object().if_contains(key);
  return q != nullptr && q->is_string() ? std::string(q->get_string()) : std::string("<absent>");
}

int status_of(const json::value& entry) {
  const auto& s = entry.at("status");
  return s.is_null() ? 0 : static_cast<int>(s.to_number<std::int64_t>());
}

// The source on its own io thread, and what its callbacks reported.
class harness {
 public:
  explicit harness(source_options opts) {
    opts.log = [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      logs_.emplace_back(line);
      cv_.notify_all();
    };
    opts.info = [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      logs_.emplace_back("info: " + std::string(line));
      cv_.notify_all();
    };
    source_ = std::make_unique<source>(io_, std::move(opts), cache_, [this](cluster_cache& c) {
      std::lock_guard lock(mutex_);
      auto before = std::move(services_);
      services_.clear();
      for (const auto& svc : c.services()) {
        services_[svc->meta.key.to_string()] = svc->meta.resource_version;
      }
      for (const auto& [key, rv] : before) {
        if (!services_.contains(key)) {
          removed_.insert(key);
        }
      }
      slices_ = c.size(resource::endpoint_slices);
      nodes_ = c.size(resource::nodes);
      for (auto r : {resource::bgp_node_configs, resource::bgp_advertisements, resource::bgp_peers,
                     resource::secrets}) {
        auto& into = configs_[std::string(to_string(r))];
        into.clear();
        for (const auto& [key, o] : c.config_objects(r)) {
          std::string data;
          for (const auto& [k, v] : o.data) {
            data += k + "=" + v + ";";
          }
          into[key.to_string()] = r == resource::secrets ? data : o.spec;
        }
      }
      node1_ = c.find_node("node-1") != nullptr;
      c.take_changes();
      ++batches_;
      cv_.notify_all();
    });
    source_->start();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~harness() {
    source_->stop();
    guard_.reset();
    io_.stop();
    thread_.join();
    source_.reset();
  }

  // Waits (bounded) until pred() holds; pred runs under the lock.
  template <class Pred>
  bool wait(Pred pred, std::chrono::seconds bound = 30s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, bound, [&] { return pred(); });
  }
  bool wait_synced() {
    return wait([&] { return source_->synced(); });
  }
  bool synced() const { return source_->synced(); }
  bool has_service(const std::string& key) const { return services_.contains(key); }
  std::string service_rv(const std::string& key) const {
    auto it = services_.find(key);
    return it == services_.end() ? "" : it->second;
  }
  std::size_t count_logged(const std::string& needle) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(logs_.begin(), logs_.end(), [&](const auto& l) {
      return l.find(needle) != std::string::npos;
    }));
  }
  bool logged(const std::string& needle) const {
    for (const auto& l : logs_) {
      if (l.find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  resource_status status(resource r) const {
    for (auto& s : source_->status()) {
      if (s.which == r) {
        return s;
      }
    }
    return {};
  }

  std::size_t slices_ = 0;
  std::size_t nodes_ = 0;
  // kind -> key -> spec JSON (a Secret: its decoded data, "k=v;")
  std::map<std::string, std::map<std::string, std::string>> configs_;
  bool node1_ = false;
  std::map<std::string, std::string> services_;
  std::set<std::string> removed_;  // services that were in the cache once and left it

 private:
  boost::asio::io_context io_;
  cluster_cache cache_;  // the owner's, as svcbgpd's is
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::unique_ptr<source> source_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> logs_;
  std::uint64_t batches_ = 0;
};

class SourceTest : public ::testing::Test {
 protected:
  void start_fake(std::vector<std::string> args = {}) {
    fake_ = std::make_unique<fake_apiserver>(std::move(args));
    ASSERT_TRUE(fake_->ok()) << fake_->error();
  }

  source_options options() {
    source_options o;
    auto url = client::parse_server_url(fake_->url);
    EXPECT_TRUE(url);
    o.connection.host = url->host;
    o.connection.port = url->port;
    o.connection.tls = url->tls;
    if (url->tls) {
      o.connection.ca_pem = read_file(fake_->ca);
    }
    o.connection.token = fake_->token;
    o.node_name = "node-1";
    o.reflector.backoff_initial = 50ms;
    o.reflector.backoff_jitter = 0;
    o.reflector.seed = 7;
    return o;
  }

  json::array requests(const std::string& filter) { return fake_->requests(filter); }

  // Long-polls the fake's request log until a request matching `filter` satisfies `pred`.
  template <class Pred>
  bool wait_request(const std::string& filter, Pred pred, std::chrono::seconds bound = 30s) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    // The fake logs a request when it ends, so ids are not visible in order (a watch started
    // earlier ends later): rescan the whole log each round, and long-poll only to wait for more.
    std::set<std::int64_t> seen;
    std::uint64_t next = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& e : fake_->requests(filter, 0, 0)) {
        const auto id = e.at("id").to_number<std::int64_t>();
        next = std::max(next, static_cast<std::uint64_t>(id) + 1);
        if (seen.insert(id).second && pred(e)) {
          return true;
        }
      }
      fake_->requests(filter, next, 5);
    }
    return false;
  }

  std::unique_ptr<fake_apiserver> fake_;
};

TEST_F(SourceTest, InitialSyncFromKubeconfig) {
  start_fake();
  for (int i = 0; i < 3; ++i) {
    fake_->apply(service_json("svc" + std::to_string(i), "10.96.0." + std::to_string(10 + i)));
  }
  fake_->apply(slice_json("svc0-abc", "svc0"));
  fake_->apply(node_json("node-1"));
  fake_->apply(node_json("node-2"));

  auto cfg = client::load_kubeconfig(fake_->kubeconfig);
  ASSERT_TRUE(cfg) << cfg.error().to_string();
  auto o = options();
  o.connection = *cfg;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(h.wait([&] { return h.services_.size() == 3 && h.slices_ == 1 && h.node1_; }));
  EXPECT_EQ(h.nodes_, 1u);  // only this node, by fieldSelector

  auto lists = requests("verb=list&resource=services");
  ASSERT_GE(lists.size(), 1u);
  EXPECT_EQ(qget(lists[0], "resourceVersion"), "0");
  EXPECT_EQ(qget(lists[0], "limit"), "500");
  const auto& headers = lists[0].at("headers").as_object();
  EXPECT_EQ(headers.at("User-Agent").as_string(), "svcbgp/0.1");
  EXPECT_EQ(headers.at("Authorization").as_string(), "Bearer " + fake_->token);
  auto node_lists = requests("verb=list&resource=nodes");
  ASSERT_GE(node_lists.size(), 1u);
  EXPECT_EQ(qget(node_lists[0], "fieldSelector"), "metadata.name=node-1");

  ASSERT_TRUE(wait_request("verb=watch&resource=services", [](const json::value& e) {
    return qget(e, "allowWatchBookmarks") == "true" && qget(e, "watch") == "true";
  }));
  auto st = h.status(resource::services);
  EXPECT_TRUE(st.state.synced);
  EXPECT_EQ(st.state.objects, 3u);
  EXPECT_EQ(st.path, "/api/v1/services");
}

// kubernetes.config: crds. The svcbgp.io kinds reach the cache as their spec's JSON and Secrets of
// svcbgp's namespace (only) as their decoded data; a kind whose CRD is missing answers 404, backs
// off and says so, the rest go on, and it syncs once the CRD is installed.
TEST_F(SourceTest, ConfigKindsAndTheSecretsOfOneNamespace) {
  start_fake();
  fake_->apply(crd_json("bgppeers", "BGPPeer"));
  fake_->apply(crd_json("bgpnodeconfigs", "BGPNodeConfig"));
  fake_->apply(
      json::parse(R"({"apiVersion":"svcbgp.io/v1alpha1","kind":"BGPPeer",)"
                  R"("metadata":{"name":"tor1"},"spec":{"address":"10.0.0.1","asn":65000}})"));
  fake_->apply(json::parse(R"({"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":)"
                           R"({"name":"pw","namespace":"svcbgp"},"data":{"tor1":"c2VjcmV0"}})"));
  fake_->apply(json::parse(R"({"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":)"
                           R"({"name":"other","namespace":"kube-system"},"data":{"x":"eA=="}})"));
  auto o = options();
  o.config_namespace = "svcbgp";
  harness h(o);
  ASSERT_TRUE(h.wait(
      [&] { return h.configs_["bgppeers"].size() == 1 && h.configs_["secrets"].size() == 1; }));
  EXPECT_EQ(h.configs_["bgppeers"]["tor1"], R"({"address":"10.0.0.1","asn":65000})");
  EXPECT_EQ(h.configs_["secrets"]["svcbgp/pw"], "tor1=secret;");
  // BGPAdvertisement's CRD is not installed: 404, said, retried; nothing else waits for it.
  ASSERT_TRUE(h.wait([&] { return h.logged("bgpadvertisements"); }));
  ASSERT_TRUE(
      wait_request("path=/apis/svcbgp.io/v1alpha1/bgpadvertisements", [&](const json::value&) {
        return requests("path=/apis/svcbgp.io/v1alpha1/bgpadvertisements").size() >= 3;
      }));
  auto adv = requests("path=/apis/svcbgp.io/v1alpha1/bgpadvertisements");
  EXPECT_EQ(status_of(adv[0]), 404);
  // Three 404s, one log line: a missing CRD is said once, not at every backoff.
  EXPECT_EQ(h.count_logged("bgpadvertisements: retrying"), 1u);
  EXPECT_FALSE(h.status(resource::bgp_advertisements).state.synced);
  EXPECT_FALSE(h.synced());
  EXPECT_EQ(h.status(resource::secrets).path, "/api/v1/namespaces/svcbgp/secrets");
  fake_->apply(crd_json("bgpadvertisements", "BGPAdvertisement"));
  ASSERT_TRUE(h.wait_synced());
  // A change, and a deletion, reach the cache.
  fake_->apply(
      json::parse(R"({"apiVersion":"svcbgp.io/v1alpha1","kind":"BGPPeer",)"
                  R"("metadata":{"name":"tor1"},"spec":{"address":"10.0.0.1","asn":65001}})"));
  ASSERT_TRUE(h.wait(
      [&] { return h.configs_["bgppeers"]["tor1"] == R"({"address":"10.0.0.1","asn":65001})"; }));
  fake_->remove("secrets", "svcbgp", "pw");
  ASSERT_TRUE(h.wait([&] { return h.configs_["secrets"].empty(); }));
}

TEST_F(SourceTest, PlainHttp) {
  start_fake({"--plain"});
  fake_->apply(service_json("web", "10.96.0.10"));
  harness h(options());
  ASSERT_TRUE(h.wait_synced());
  EXPECT_TRUE(h.wait([&] { return h.has_service("default/web"); }));
}

TEST_F(SourceTest, AddedModifiedDeletedReachTheCache) {
  start_fake({"--chunking", "mixed"});
  harness h(options());
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(
      wait_request("verb=watch&resource=services", [](const json::value&) { return true; }));

  auto added = fake_->apply(service_json("web", "10.96.0.10"));
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/web"); }));
  std::string rv1 = h.service_rv("default/web");

  auto changed = service_json("web", "10.96.0.10");
  changed.at("metadata").as_object()["labels"] = json::object{{"app", "web"}};
  fake_->apply(changed);
  ASSERT_TRUE(h.wait([&] { return h.service_rv("default/web") != rv1; }));

  fake_->apply(slice_json("web-1", "web"));
  ASSERT_TRUE(h.wait([&] { return h.slices_ == 1; }));

  fake_->remove("services", "default", "web");
  ASSERT_TRUE(h.wait([&] { return !h.has_service("default/web"); }));
  auto st = h.status(resource::services);
  EXPECT_EQ(st.state.event_count(client::event_type::added), 1u);
  EXPECT_EQ(st.state.event_count(client::event_type::modified), 1u);
  EXPECT_EQ(st.state.event_count(client::event_type::deleted), 1u);
  EXPECT_EQ(st.state.lists, 1u);
}

TEST_F(SourceTest, BookmarksAdvanceTheVersionAndTheNextWatchStartsThere) {
  start_fake({"--bookmark-interval", "0.2"});
  auto o = options();
  o.reflector.min_watch_timeout = 1s;  // the server ends each watch after 1 s
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  // A change to another resource moves the global resourceVersion; only a bookmark tells the
  // Services watch about it.
  auto r = fake_->apply(slice_json("other-1", "other"));
  std::string rv = std::string(r.at("resourceVersion").as_string());
  ASSERT_TRUE(h.wait([&] { return h.slices_ == 1; }));
  ASSERT_TRUE(wait_request("verb=watch&resource=services",
                           [&](const json::value& e) { return qget(e, "resourceVersion") == rv; }))
      << "no Services watch resumed from the bookmark's resourceVersion " << rv;
  EXPECT_EQ(h.status(resource::services).state.lists, 1u);
  EXPECT_GE(h.status(resource::services).state.event_count(client::event_type::bookmark), 1u);
  EXPECT_EQ(requests("verb=list&resource=services").size(), 1u);
}

TEST_F(SourceTest, WatchExpiredRelistsAndDropsObjectsDeletedMeanwhile) {
  start_fake();
  fake_->apply(service_json("a", "10.96.0.1"));
  fake_->apply(service_json("b", "10.96.0.2"));
  // The first Services watch stalls; while it does, b goes away and history is compacted. The
  // watchdog re-watches from the list's version, which is gone: ERROR 410, relist.
  fake_->fault(json::parse(R"({"type":"stall","resource":"services","verb":"watch"})"));
  auto o = options();
  o.reflector.stall_timeout = 2s;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/b"); }));
  fake_->remove("services", "default", "b");
  fake_->call("POST", "/compact");
  ASSERT_TRUE(h.wait([&] { return !h.has_service("default/b") && h.has_service("default/a"); }));
  auto st = h.status(resource::services);
  EXPECT_EQ(st.state.relists, 1u);
  EXPECT_EQ(st.state.event_count(client::event_type::error), 1u);
  EXPECT_EQ(st.state.event_count(client::event_type::deleted), 0u);
  auto lists = requests("verb=list&resource=services");
  ASSERT_GE(lists.size(), 2u);
  EXPECT_NE(qget(lists[1], "resourceVersion"), "0");  // at the last version seen, unpaged
  EXPECT_EQ(qget(lists[1], "limit"), "<absent>");
}

TEST_F(SourceTest, ListAnswerThatIsNotAListKeepsTheCache) {
  start_fake();
  fake_->apply(service_json("a", "10.96.0.1"));
  fake_->apply(service_json("b", "10.96.0.2"));
  // As above, the re-watch after a stall is 410 and the Services are listed again; that LIST is
  // answered 200 with a Status body (issue 13: the cache emptied and live routes were withdrawn).
  fake_->fault(json::parse(R"([{"type":"stall","resource":"services","verb":"watch"},)"
                           R"({"type":"chunking","chunking":"normal","resource":"services",)"
                           R"("verb":"list"},)"
                           R"({"type":"status200","resource":"services","verb":"list"}])"));
  auto o = options();
  o.reflector.stall_timeout = 2s;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/b"); }));
  fake_->apply(service_json("c", "10.96.0.3"));
  fake_->call("POST", "/compact");
  // The list after the bad answer brings c; a and b were never dropped on the way.
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/c"); }));
  EXPECT_TRUE(h.removed_.empty()) << *h.removed_.begin();
  auto lists = requests("verb=list&resource=services");
  ASSERT_GE(lists.size(), 3u);
  EXPECT_EQ(lists[1].at("fault").as_string(), "status200");
  EXPECT_TRUE(
      h.logged("LIST answer is not a List (kind 'Status', no items: too old resource version)"));
  EXPECT_EQ(h.status(resource::services).state.relists, 1u);
}

TEST_F(SourceTest, MalformedObjectInARelistKeepsItsCachedVersion) {
  start_fake();
  fake_->apply(service_json("a", "10.96.0.1"));
  fake_->apply(service_json("b", "10.96.0.2"));
  fake_->fault(json::parse(R"({"type":"stall","resource":"services","verb":"watch"})"));
  auto o = options();
  o.reflector.stall_timeout = 2s;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/b"); }));
  const auto b_before = h.service_rv("default/b");
  // While the watch stalls, b becomes unreadable and c appears; the relist after 410 lists both.
  // Issue 13: b disappeared from the cache (its routes withdrawn), where the same object in a
  // MODIFIED event keeps its old version.
  auto bad = service_json("b", "10.96.0.2");
  bad.as_object()["spec"] = "not-an-object";
  fake_->apply(bad);
  fake_->apply(service_json("c", "10.96.0.3"));
  fake_->call("POST", "/compact");
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/c"); }));
  EXPECT_TRUE(h.removed_.empty()) << *h.removed_.begin();
  EXPECT_EQ(h.service_rv("default/b"), b_before);
  EXPECT_TRUE(
      h.logged("services: skipped: default/b: spec: expected an object (the cached "
               "version, if any, stays)"));
  // The relist is logged with its cause (at info in svcbgpd).
  EXPECT_TRUE(h.logged("info: services: relisting after watch ERROR 410"));
}

TEST_F(SourceTest, ListExpiredOnAContinueTokenListsEverythingAgain) {
  start_fake();
  for (int i = 0; i < 5; ++i) {
    fake_->apply(service_json("s" + std::to_string(i), "10.96.1." + std::to_string(i)));
  }
  // The first page goes through (a no-op fault takes the first LIST); the continue page is
  // answered 410.
  fake_->fault(
      json::parse(R"([{"type":"chunking","chunking":"normal","resource":"services","verb":"list"},)"
                  R"({"type":"410","resource":"services","verb":"list"}])"));
  auto o = options();
  o.reflector.page_size = 2;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(h.wait([&] { return h.services_.size() == 5; }));
  auto lists = requests("verb=list&resource=services");
  ASSERT_GE(lists.size(), 3u);
  EXPECT_EQ(qget(lists[0], "limit"), "2");
  EXPECT_EQ(qget(lists[1], "limit"), "2");
  EXPECT_NE(qget(lists[1], "continue"), "<absent>");
  EXPECT_EQ(status_of(lists[1]), 410);
  EXPECT_EQ(qget(lists[2], "continue"), "<absent>");
  EXPECT_EQ(qget(lists[2], "limit"), "<absent>");
  EXPECT_EQ(status_of(lists[2]), 200);
}

TEST_F(SourceTest, TooManyRequestsWaitsRetryAfter) {
  start_fake();
  fake_->apply(service_json("web", "10.96.0.10"));
  fake_->fault(
      json::parse(R"({"type":"429","resource":"services","verb":"list","retry_after":1})"));
  harness h(options());
  ASSERT_TRUE(h.wait_synced());
  auto lists = requests("verb=list&resource=services");
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(status_of(lists[0]), 429);
  EXPECT_EQ(status_of(lists[1]), 200);
  double gap = lists[1].at("time").to_number<double>() - lists[0].at("time").to_number<double>();
  EXPECT_GE(gap, 0.99);
}

TEST_F(SourceTest, UnauthorizedRereadsTheTokenFileAndRetries) {
  auto dir = std::filesystem::temp_directory_path() / ("svcbgp-tok-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto token_file = (dir / "token").string();
  std::ofstream(token_file) << "first-token\n";
  start_fake({"--token-file", token_file});
  auto o = options();
  o.connection.token.clear();
  o.connection.token_file = token_file;
  o.reflector.min_watch_timeout = 1s;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  // Rotate as the kubelet does: a new file swapped in.
  std::ofstream(token_file + ".new") << "second-token\n";
  std::filesystem::rename(token_file + ".new", token_file);
  // After the swap the client must authenticate with the new token. The usual path is a 401 on
  // the old token, a re-read of the file and a retry of that request; any 401 seen must be that.
  // (About one run in five here shows no 401 at all in the fake's log: not yet explained, see the
  // closing note of this change; the test asserts what must hold either way.)
  ASSERT_TRUE(wait_request("", [](const json::value& e) {
    return e.at("headers").at("Authorization").as_string() == "Bearer second-token" &&
           status_of(e) == 200;
  }));
  for (const auto& e : fake_->requests("", 0, 0)) {
    if (status_of(e) != 401) {
      continue;
    }
    EXPECT_EQ(e.at("headers").at("Authorization").as_string(), "Bearer first-token");
    const std::string path(e.at("path").as_string());
    EXPECT_TRUE(wait_request("path=" + path, [](const json::value& r) {
      return r.at("headers").at("Authorization").as_string() == "Bearer second-token";
    }));
  }

  fake_->apply(service_json("after-rotation", "10.96.0.99"));
  EXPECT_TRUE(h.wait([&] { return h.has_service("default/after-rotation"); }));
  EXPECT_EQ(h.status(resource::services).state.lists, 1u);
  std::filesystem::remove_all(dir);
}

TEST_F(SourceTest, ConnectionResetMidChunkRewatches) {
  start_fake();
  fake_->fault(json::parse(R"({"type":"reset","resource":"services","verb":"watch"})"));
  harness h(options());
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(
      wait_request("verb=watch&resource=services", [](const json::value&) { return true; }));
  fake_->apply(service_json("web", "10.96.0.10"));  // its event is cut in half, then RST
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/web"); }));
  auto st = h.status(resource::services);
  EXPECT_EQ(st.state.lists, 1u);
  EXPECT_GE(st.state.watches, 2u);
  ASSERT_TRUE(st.state.last_error);
  EXPECT_NE(st.state.last_error->find("WATCH: read"), std::string::npos) << *st.state.last_error;
}

TEST_F(SourceTest, StalledStreamReconnects) {
  start_fake();
  fake_->fault(json::parse(R"({"type":"stall","resource":"services","verb":"watch"})"));
  auto o = options();
  o.reflector.stall_timeout = 1s;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  fake_->apply(service_json("web", "10.96.0.10"));
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/web"); }));
  auto st = h.status(resource::services);
  EXPECT_EQ(st.state.lists, 1u);
  ASSERT_TRUE(st.state.last_error);
  EXPECT_NE(st.state.last_error->find("stalled"), std::string::npos);
  EXPECT_TRUE(h.wait([&] { return h.logged("stalled"); }));
}

TEST_F(SourceTest, MalformedLineIsCountedAndSkipped) {
  start_fake();
  fake_->fault(json::parse(R"({"type":"malformed","resource":"services","verb":"watch"})"));
  harness h(options());
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(
      wait_request("verb=watch&resource=services", [](const json::value&) { return true; }));
  fake_->apply(service_json("web", "10.96.0.10"));
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/web"); }));
  auto st = h.status(resource::services);
  EXPECT_EQ(st.state.malformed, 1u);
  ASSERT_TRUE(st.last_skipped);
  EXPECT_NE(st.last_skipped->find("not JSON"), std::string::npos) << *st.last_skipped;
  EXPECT_EQ(st.state.lists, 1u);
  EXPECT_EQ(st.state.watches, 1u);  // the stream went on
}

TEST_F(SourceTest, BadValuesInAGoodObjectAreCountedLoggedAndTheRestUsed) {
  start_fake();
  auto bad = service_json("listed", "10.96.0.10");
  bad.as_object()["spec"].as_object()["externalIPs"] = json::array{"192.0.2.1", "not-an-ip"};
  fake_->apply(bad);
  harness h(options());
  ASSERT_TRUE(h.wait_synced());
  ASSERT_TRUE(h.has_service("default/listed"));
  EXPECT_TRUE(
      h.wait([&] { return h.logged("field ignored: default/listed: spec.externalIPs[1]"); }));
  ASSERT_TRUE(
      wait_request("verb=watch&resource=services", [](const json::value&) { return true; }));
  auto watched = service_json("watched", "10.96.0.11");
  watched.as_object()["spec"].as_object()["clusterIPs"] = json::array{"10.96.0.11", "999.1.1.1"};
  fake_->apply(watched);
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/watched"); }));
  EXPECT_TRUE(
      h.wait([&] { return h.logged("field ignored: default/watched: spec.clusterIPs[1]"); }));
  EXPECT_TRUE(h.wait([&] { return h.status(resource::services).fields_ignored == 2; }));
  EXPECT_EQ(h.status(resource::services).state.malformed, 0u);  // nothing was skipped whole
}

TEST_F(SourceTest, ServerSideTimeoutRewatchesWithoutRelisting) {
  start_fake();
  auto o = options();
  o.reflector.min_watch_timeout = 1s;
  harness h(o);
  ASSERT_TRUE(h.wait_synced());
  int seen = 0;
  ASSERT_TRUE(wait_request("verb=watch&resource=services", [&](const json::value& e) {
    auto t = std::stoi(qget(e, "timeoutSeconds"));
    EXPECT_GE(t, 1);
    EXPECT_LT(t, 2);
    return ++seen == 3;
  }));
  fake_->apply(service_json("web", "10.96.0.10"));
  ASSERT_TRUE(h.wait([&] { return h.has_service("default/web"); }));
  EXPECT_EQ(requests("verb=list&resource=services").size(), 1u);
  EXPECT_EQ(h.status(resource::services).state.lists, 1u);
}

TEST_F(SourceTest, WrongCaFailsWithAClearError) {
  start_fake();
  auto o = options();
  o.connection.ca_pem = read_file(fake_->client_cert);  // a certificate, but not the CA
  harness h(o);
  ASSERT_TRUE(h.wait([&] { return h.logged("certificate verify failed"); }));
  // The log line comes before the status is updated: wait for the status itself.
  ASSERT_TRUE(h.wait([&] { return h.status(resource::services).state.last_error.has_value(); }));
  auto st = h.status(resource::services);
  EXPECT_FALSE(st.state.synced);
  ASSERT_TRUE(st.state.last_error);
  EXPECT_NE(st.state.last_error->find("TLS handshake"), std::string::npos) << *st.state.last_error;
  EXPECT_NE(st.state.phase, client::reflector_phase::watching);  // backing off or listing again
}

TEST_F(SourceTest, WrongServerNameFails) {
  start_fake();
  auto o = options();
  o.connection.server_name = "not-the-apiserver.example";
  harness h(o);
  ASSERT_TRUE(h.wait([&] { return h.logged("certificate verify failed"); }));
  EXPECT_FALSE(h.status(resource::services).state.synced);
}

}  // namespace
}  // namespace svcbgp::k8s
