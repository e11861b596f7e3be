// k8s::client::http_client's writes against the fake API server (tests/fake_apiserver), as the
// node status writer and LoadBalancer IPAM make them: create, a merge patch, a stale precondition.
#include "k8s/client/http_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "tests/k8s/client/fake_apiserver.h"

namespace svcbgp::k8s::client {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() {
    auto cfg = load_kubeconfig(fake_.kubeconfig);
    EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().to_string());
    tokens_ = std::make_shared<token_source>(cfg->token, cfg->token_file, 60s);
    client_ = std::make_unique<http_client>(io_.get_executor(), *cfg, tokens_);
  }

  struct answer {
    unsigned status = 0;
    json::value body;
  };

  answer send(http_method m, const std::string& target, const std::string& type,
              const json::value& body) {
    std::string text;
    auto fut = asio::co_spawn(
        io_, client_->send(m, target, {type, json::serialize(body)}, 10s, &text), asio::use_future);
    io_.restart();
    io_.run();
    auto r = fut.get();
    EXPECT_TRUE(r) << (r ? "" : r.error());
    if (!r) {
      return {};
    }
    return {r->status, json::parse(r->status < 300 ? text : r->error_body)};
  }

  testing::fake_apiserver fake_;
  asio::io_context io_;
  std::shared_ptr<token_source> tokens_;
  std::unique_ptr<http_client> client_;
};

TEST_F(HttpClientTest, CreatePatchAndAStalePrecondition) {
  ASSERT_TRUE(fake_.ok()) << fake_.error();
  const auto svc = json::parse(R"({"apiVersion":"v1","kind":"Service",
      "metadata":{"name":"a","namespace":"w"},"spec":{"type":"ClusterIP","clusterIP":"10.96.0.1"}})");
  auto a = send(http_method::post, "/api/v1/namespaces/w/services", "application/json", svc);
  ASSERT_EQ(a.status, 201u);
  const auto rv = json::value_to<std::string>(a.body.at("metadata").at("resourceVersion"));
  a = send(http_method::patch, "/api/v1/namespaces/w/services/a", "application/merge-patch+json",
           json::parse(R"({"metadata":{"labels":{"x":"1"}}})"));
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.body.at("metadata").at("labels").at("x"), "1");
  // A patch that says which version it was made from fails once the object has moved on.
  json::object stale;
  stale["metadata"] = json::object{{"resourceVersion", rv}, {"labels", json::object{{"x", "2"}}}};
  a = send(http_method::patch, "/api/v1/namespaces/w/services/a", "application/merge-patch+json",
           stale);
  EXPECT_EQ(a.status, 409u);
  EXPECT_EQ(a.body.at("reason"), "Conflict");
  a = send(http_method::del, "/api/v1/namespaces/w/services/a", "application/json", json::object{});
  EXPECT_EQ(a.status, 200u);
  a = send(http_method::get, "/api/v1/namespaces/w/services/a", "", nullptr);
  EXPECT_EQ(a.status, 404u);
}

}  // namespace
}  // namespace svcbgp::k8s::client
