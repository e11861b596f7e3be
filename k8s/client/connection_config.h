// Where the API server is and how to authenticate to it: loaded from the in-cluster service
// account or from a kubeconfig's current context (shared/spec/kubernetes.md "Sources").
//
// Pure apart from reading the files named (small, at start-up). A missing or unsupported field is
// an error naming it ("users[admin].user.exec: not supported"), never an exception.
//
// Concurrency: none; plain values.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace svcbgp::k8s::client {

struct connection_config {
  std::string host;  // a name or an IP literal, without brackets
  std::uint16_t port = 443;
  bool tls = true;
  std::string ca_pem;  // empty with tls: the system's default trust store
  bool insecure_skip_verify = false;
  std::string token;       // a fixed bearer token
  std::string token_file;  // or a file re-read every minute and after a 401
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string server_name;  // TLS SNI and the name the certificate must carry; empty = host
  std::string verify_name() const { return server_name.empty() ? host : server_name; }
  // "https://host:port", with brackets for IPv6.
  std::string url() const;
};

struct config_error {
  std::string field;    // "KUBERNETES_SERVICE_HOST", "clusters[prod].cluster.server"
  std::string message;  // "not set", "not supported", "cannot read /x: No such file"
  std::string to_string() const { return field + ": " + message; }
};

struct server_url {
  bool tls = true;
  std::string host;
  std::uint16_t port = 443;
};
// "https://10.0.0.1:6443", "http://localhost:8001", "https://[fd00::1]", "https://api.example".
// A path other than "/" is refused (svcbgp does not speak to API servers behind a prefix).
std::expected<server_url, std::string> parse_server_url(std::string_view url);

struct in_cluster_inputs {
  std::optional<std::string> service_host;  // KUBERNETES_SERVICE_HOST
  std::optional<std::string> service_port;  // KUBERNETES_SERVICE_PORT
  std::string ca_path = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  // The variables from the process environment and the standard paths.
  static in_cluster_inputs from_environment();
};
std::expected<connection_config, config_error> load_in_cluster(const in_cluster_inputs& in);

// The current context of the kubeconfig at `path` (KUBECONFIG's first entry when empty, then
// ~/.kube/config). Relative file paths in it are relative to the kubeconfig's folder.
std::expected<connection_config, config_error> load_kubeconfig(const std::string& path);
std::expected<connection_config, config_error> load_kubeconfig_text(std::string_view yaml,
                                                                    const std::string& base_dir);

std::expected<std::string, std::string> base64_decode(std::string_view in);
std::expected<std::string, std::string> read_small_file(const std::string& path);

}  // namespace svcbgp::k8s::client
