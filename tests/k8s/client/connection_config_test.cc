// In-cluster and kubeconfig loading: every supported field, and errors that name the field.
#include "k8s/client/connection_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace svcbgp::k8s::client {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("svcbgp-cfg-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    auto p = dir_ / name;
    std::ofstream(p) << content;
    return p.string();
  }

  fs::path dir_;
};

TEST_F(ConfigTest, InCluster) {
  in_cluster_inputs in;
  in.service_host = "10.96.0.1";
  in.service_port = "443";
  in.ca_path = write("ca.crt", "CA PEM");
  in.token_path = write("token", "tok\n");
  auto c = load_in_cluster(in);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->host, "10.96.0.1");
  EXPECT_EQ(c->port, 443);
  EXPECT_TRUE(c->tls);
  EXPECT_EQ(c->ca_pem, "CA PEM");
  EXPECT_EQ(c->token_file, in.token_path);
  EXPECT_TRUE(c->token.empty());
  EXPECT_EQ(c->url(), "https://10.96.0.1:443");
}

TEST_F(ConfigTest, InClusterIpv6GetsBrackets) {
  in_cluster_inputs in;
  in.service_host = "fd00:10:96::1";
  in.service_port = "6443";
  in.ca_path = write("ca.crt", "CA");
  in.token_path = write("token", "tok");
  auto c = load_in_cluster(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "fd00:10:96::1");
  EXPECT_EQ(c->url(), "https://[fd00:10:96::1]:6443");
}

TEST_F(ConfigTest, InClusterErrorsNameWhatIsMissing) {
  in_cluster_inputs in;
  EXPECT_EQ(load_in_cluster(in).error().field, "KUBERNETES_SERVICE_HOST");
  in.service_host = "10.0.0.1";
  EXPECT_EQ(load_in_cluster(in).error().field, "KUBERNETES_SERVICE_PORT");
  in.service_port = "http";
  EXPECT_EQ(load_in_cluster(in).error().field, "KUBERNETES_SERVICE_PORT");
  in.service_port = "443";
  in.ca_path = (dir_ / "nope.crt").string();
  auto e = load_in_cluster(in).error();
  EXPECT_EQ(e.field, "ca.crt");
  EXPECT_NE(e.message.find("nope.crt"), std::string::npos);
  in.ca_path = write("ca.crt", "CA");
  in.token_path = (dir_ / "nope").string();
  EXPECT_EQ(load_in_cluster(in).error().field, "token");
}

TEST(ServerUrl, Forms) {
  auto u = parse_server_url("https://10.0.0.1:6443");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "10.0.0.1");
  EXPECT_EQ(u->port, 6443);
  EXPECT_TRUE(u->tls);
  u = parse_server_url("http://localhost:8001/");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->port, 8001);
  u = parse_server_url("https://[fd00::1]");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "fd00::1");
  EXPECT_EQ(u->port, 443);
  u = parse_server_url("https://api.example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 443);
  EXPECT_FALSE(parse_server_url("ftp://x"));
  EXPECT_FALSE(parse_server_url("https://x:99999"));
  EXPECT_FALSE(parse_server_url("https://fd00::1"));
  EXPECT_FALSE(parse_server_url("https://x/prefix"));
}

TEST(Base64, Decodes) {
  EXPECT_EQ(*base64_decode("aGVsbG8gd29ybGQ="), "hello world");
  EXPECT_EQ(*base64_decode("aGVs\nbG8="), "hello");
  EXPECT_FALSE(base64_decode("a*b"));
}

TEST_F(ConfigTest, KubeconfigWithFilesAndToken) {
  write("ca.pem", "CA FROM FILE");
  write("client.crt", "CERT");
  write("client.key", "KEY");
  auto path = write("config", R"(
apiVersion: v1
kind: Config
current-context: b
contexts:
- name: a
  context: {cluster: other, user: other}
- name: b
  context: {cluster: prod, user: admin, namespace: kube-system}
clusters:
- name: prod
  cluster:
    server: https://[fd00::1]:6443
    certificate-authority: ca.pem
    tls-server-name: kubernetes.default
users:
- name: admin
  user:
    token: abc
    client-certificate: client.crt
    client-key: )" + (dir_ / "client.key").string() +
                                  "\n");
  auto c = load_kubeconfig(path);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->host, "fd00::1");
  EXPECT_EQ(c->port, 6443);
  EXPECT_EQ(c->ca_pem, "CA FROM FILE");  // relative to the kubeconfig's folder
  EXPECT_EQ(c->server_name, "kubernetes.default");
  EXPECT_EQ(c->verify_name(), "kubernetes.default");
  EXPECT_EQ(c->token, "abc");
  EXPECT_EQ(c->client_cert_pem, "CERT");
  EXPECT_EQ(c->client_key_pem, "KEY");
}

TEST_F(ConfigTest, KubeconfigWithDataAndTokenFile) {
  write("tok", "t1\n");
  auto path = write("config", R"(
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters:
- name: k
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0EgREFUQQ==
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    tokenFile: tok
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
)");
  auto c = load_kubeconfig(path);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->ca_pem, "CA DATA");
  EXPECT_TRUE(c->insecure_skip_verify);
  EXPECT_EQ(c->token_file, (dir_ / "tok").string());
  EXPECT_EQ(c->client_cert_pem, "CERT");
  EXPECT_EQ(c->client_key_pem, "KEY");
}

TEST_F(ConfigTest, KubeconfigPlainHttpWithoutUser) {
  auto c = load_kubeconfig_text(R"(
current-context: proxy
contexts: [{name: proxy, context: {cluster: local}}]
clusters: [{name: local, cluster: {server: "http://127.0.0.1:8001"}}]
)",
                                "/");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_FALSE(c->tls);
  EXPECT_EQ(c->port, 8001);
  EXPECT_TRUE(c->token.empty());
}

struct bad_case {
  const char* yaml;
  const char* field;
};

TEST_F(ConfigTest, KubeconfigErrorsNameTheField) {
  const bad_case cases[] = {
      {"kind: Config\n", "current-context"},
      {"current-context: x\n", "contexts[x]"},
      {"current-context: x\ncontexts: [{name: x, context: {user: u}}]\n",
       "contexts[x].context.cluster"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n", "clusters[c]"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {}}]\n",
       "clusters[c].cluster.server"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'ftp://h'}}]\n",
       "clusters[c].cluster.server"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority: "
       "/nonexistent/ca}}]\n",
       "clusters[c].cluster.certificate-authority"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority-data: '**'}}]\n",
       "clusters[c].cluster.certificate-authority-data"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h', proxy-url: 'http://p'}}]\n",
       "clusters[c].cluster.proxy-url"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n",
       "users[u]"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {exec: {command: aws}}}]\n",
       "users[u].user.exec"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n",
       "users[u].user.auth-provider"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {tokenFile: /nonexistent/token}}]\n",
       "users[u].user.tokenFile"},
      {"current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
       "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
       "users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]\n",
       "users[u].user.client-key"},
      {"current-context: [unclosed\n", "kubeconfig"},
  };
  for (const auto& c : cases) {
    auto r = load_kubeconfig_text(c.yaml, "/");
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_EQ(r.error().field, c.field) << c.yaml << " -> " << r.error().to_string();
  }
}

TEST_F(ConfigTest, KubeconfigMissingFile) {
  auto r = load_kubeconfig((dir_ / "absent").string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "kubeconfig");
  EXPECT_NE(r.error().message.find("absent"), std::string::npos);
}

}  // namespace
}  // namespace svcbgp::k8s::client
