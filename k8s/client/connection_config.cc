#include "k8s/client/connection_config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace svcbgp::k8s::client {

std::string connection_config::url() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + std::to_string(port);
}

namespace {

std::optional<std::uint16_t> parse_port(std::string_view s) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(v);
}

std::string join_path(const std::string& base_dir, const std::string& p) {
  if (p.empty() || p.front() == '/' || base_dir.empty()) {
    return p;
  }
  return base_dir + "/" + p;
}

}  // namespace

std::expected<server_url, std::string> parse_server_url(std::string_view url) {
  server_url out;
  if (url.starts_with("https://")) {
    url.remove_prefix(8);
    out.tls = true;
    out.port = 443;
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
    out.tls = false;
    out.port = 80;
  } else {
    return std::unexpected("expected https:// or http://, got '" + std::string(url) + "'");
  }
  auto slash = url.find('/');
  if (slash != std::string_view::npos) {
    if (url.substr(slash) != "/") {
      return std::unexpected("a path prefix is not supported: '" + std::string(url.substr(slash)) +
                             "'");
    }
    url = url.substr(0, slash);
  }
  std::string_view port;
  if (url.starts_with("[")) {
    auto close = url.find(']');
    if (close == std::string_view::npos) {
      return std::unexpected("unterminated '[' in IPv6 address");
    }
    out.host = std::string(url.substr(1, close - 1));
    auto rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return std::unexpected("unexpected text after ']'");
      }
      port = rest.substr(1);
    }
  } else {
    auto colon = url.find(':');
    if (colon != std::string_view::npos) {
      if (url.find(':', colon + 1) != std::string_view::npos) {
        return std::unexpected("an IPv6 address needs brackets");
      }
      port = url.substr(colon + 1);
      url = url.substr(0, colon);
    }
    out.host = std::string(url);
  }
  if (out.host.empty()) {
    return std::unexpected("no host");
  }
  if (!port.empty() || url.ends_with(":")) {
    auto p = parse_port(port);
    if (!p) {
      return std::unexpected("bad port '" + std::string(port) + "'");
    }
    out.port = *p;
  }
  return out;
}

std::expected<std::string, std::string> read_small_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return std::unexpected("cannot read " + path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::expected<std::string, std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
      return 62;
    }
    if (c == '/' || c == '_') {
      return 63;
    }
    return -1;
  };
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    }
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding) {
      return std::unexpected(std::string("invalid base64 character '") + c + "'");
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

in_cluster_inputs in_cluster_inputs::from_environment() {
  in_cluster_inputs in;
  if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) {
    in.service_host = h;
  }
  if (const char* p = std::getenv("KUBERNETES_SERVICE_PORT")) {
    in.service_port = p;
  }
  return in;
}

std::expected<connection_config, config_error> load_in_cluster(const in_cluster_inputs& in) {
  if (!in.service_host || in.service_host->empty()) {
    return std::unexpected(config_error{"KUBERNETES_SERVICE_HOST", "not set (not in a pod?)"});
  }
  if (!in.service_port || in.service_port->empty()) {
    return std::unexpected(config_error{"KUBERNETES_SERVICE_PORT", "not set (not in a pod?)"});
  }
  connection_config c;
  c.host = *in.service_host;
  if (c.host.size() > 2 && c.host.front() == '[' && c.host.back() == ']') {
    c.host = c.host.substr(1, c.host.size() - 2);
  }
  auto port = parse_port(*in.service_port);
  if (!port) {
    return std::unexpected(
        config_error{"KUBERNETES_SERVICE_PORT", "not a port: '" + *in.service_port + "'"});
  }
  c.port = *port;
  c.tls = true;
  auto ca = read_small_file(in.ca_path);
  if (!ca) {
    return std::unexpected(config_error{"ca.crt", ca.error()});
  }
  c.ca_pem = std::move(*ca);
  // Read once now so that a missing token is a start-up error; the client re-reads it.
  auto token = read_small_file(in.token_path);
  if (!token) {
    return std::unexpected(config_error{"token", token.error()});
  }
  c.token_file = in.token_path;
  return c;
}

namespace {

using result = std::expected<connection_config, config_error>;

// The entry of a named list (clusters, users, contexts) with this name, or null.
YAML::Node find_named(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  for (const auto& entry : list) {
    if (entry.IsMap() && entry["name"] && entry["name"].as<std::string>() == name) {
      return entry;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string str(const YAML::Node& n) {
  return n && n.IsScalar() ? n.as<std::string>() : std::string();
}

// `<field>-data` (base64) or `<field>` (a file path); absent = empty.
std::expected<std::string, config_error> data_or_file(const YAML::Node& m,
                                                      const std::string& prefix,
                                                      const std::string& field,
                                                      const std::string& base_dir) {
  if (auto d = str(m[field + "-data"]); !d.empty()) {
    auto decoded = base64_decode(d);
    if (!decoded) {
      return std::unexpected(config_error{prefix + field + "-data", decoded.error()});
    }
    return std::move(*decoded);
  }
  if (auto p = str(m[field]); !p.empty()) {
    auto content = read_small_file(join_path(base_dir, p));
    if (!content) {
      return std::unexpected(config_error{prefix + field, content.error()});
    }
    return std::move(*content);
  }
  return std::string();
}

result load_kubeconfig_node(const YAML::Node& root, const std::string& base_dir) {
  if (!root.IsMap()) {
    return std::unexpected(config_error{"kubeconfig", "not a YAML mapping"});
  }
  auto current = str(root["current-context"]);
  if (current.empty()) {
    return std::unexpected(config_error{"current-context", "missing"});
  }
  auto ctx_entry = find_named(root["contexts"], current);
  if (!ctx_entry) {
    return std::unexpected(config_error{"contexts[" + current + "]", "missing"});
  }
  auto ctx = ctx_entry["context"];
  if (!ctx || !ctx.IsMap()) {
    return std::unexpected(config_error{"contexts[" + current + "].context", "missing"});
  }
  auto cluster_name = str(ctx["cluster"]);
  if (cluster_name.empty()) {
    return std::unexpected(config_error{"contexts[" + current + "].context.cluster", "missing"});
  }
  auto cluster_entry = find_named(root["clusters"], cluster_name);
  if (!cluster_entry || !cluster_entry["cluster"] || !cluster_entry["cluster"].IsMap()) {
    return std::unexpected(config_error{"clusters[" + cluster_name + "]", "missing"});
  }
  auto cluster = cluster_entry["cluster"];
  std::string cprefix = "clusters[" + cluster_name + "].cluster.";
  for (const char* unsupported : {"proxy-url"}) {
    if (cluster[unsupported]) {
      return std::unexpected(config_error{cprefix + unsupported, "not supported"});
    }
  }
  auto server = str(cluster["server"]);
  if (server.empty()) {
    return std::unexpected(config_error{cprefix + "server", "missing"});
  }
  auto url = parse_server_url(server);
  if (!url) {
    return std::unexpected(config_error{cprefix + "server", url.error()});
  }
  connection_config c;
  c.host = url->host;
  c.port = url->port;
  c.tls = url->tls;
  auto ca = data_or_file(cluster, cprefix, "certificate-authority", base_dir);
  if (!ca) {
    return std::unexpected(ca.error());
  }
  c.ca_pem = std::move(*ca);
  if (auto skip = cluster["insecure-skip-tls-verify"]) {
    try {
      c.insecure_skip_verify = skip.as<bool>();
    } catch (const YAML::Exception&) {
      return std::unexpected(config_error{cprefix + "insecure-skip-tls-verify", "not a boolean"});
    }
  }
  c.server_name = str(cluster["tls-server-name"]);

  auto user_name = str(ctx["user"]);
  if (user_name.empty()) {
    return c;  // no credentials, e.g. kubectl proxy
  }
  auto user_entry = find_named(root["users"], user_name);
  if (!user_entry) {
    return std::unexpected(config_error{"users[" + user_name + "]", "missing"});
  }
  auto user = user_entry["user"];
  if (!user || user.IsNull()) {
    return c;
  }
  if (!user.IsMap()) {
    return std::unexpected(config_error{"users[" + user_name + "].user", "not a mapping"});
  }
  std::string uprefix = "users[" + user_name + "].user.";
  for (const char* unsupported : {"exec", "auth-provider", "username", "password", "as",
                                  "as-groups", "as-uid", "impersonate", "impersonate-groups"}) {
    if (user[unsupported]) {
      return std::unexpected(config_error{uprefix + unsupported, "not supported"});
    }
  }
  c.token = str(user["token"]);
  if (auto tf = str(user["tokenFile"]); !tf.empty()) {
    c.token_file = join_path(base_dir, tf);
    if (c.token.empty()) {
      auto t = read_small_file(c.token_file);
      if (!t) {
        return std::unexpected(config_error{uprefix + "tokenFile", t.error()});
      }
    } else {
      c.token_file.clear();  // kubectl: token wins over tokenFile
    }
  }
  auto cert = data_or_file(user, uprefix, "client-certificate", base_dir);
  if (!cert) {
    return std::unexpected(cert.error());
  }
  auto key = data_or_file(user, uprefix, "client-key", base_dir);
  if (!key) {
    return std::unexpected(key.error());
  }
  if (cert->empty() != key->empty()) {
    return std::unexpected(
        config_error{uprefix + (cert->empty() ? "client-certificate" : "client-key"),
                     "missing (client-certificate and client-key go together)"});
  }
  c.client_cert_pem = std::move(*cert);
  c.client_key_pem = std::move(*key);
  return c;
}

}  // namespace

result load_kubeconfig_text(std::string_view yaml, const std::string& base_dir) {
  try {
    return load_kubeconfig_node(YAML::Load(std::string(yaml)), base_dir);
  } catch (const YAML::Exception& e) {
    return std::unexpected(config_error{"kubeconfig", std::string("invalid YAML: ") + e.what()});
  }
}

result load_kubeconfig(const std::string& path_in) {
  std::string path = path_in;
  if (path.empty()) {
    if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
      std::string_view v(env);
      path = std::string(v.substr(0, v.find(':')));
    } else if (const char* home = std::getenv("HOME")) {
      path = std::string(home) + "/.kube/config";
    } else {
      return std::unexpected(config_error{"KUBECONFIG", "not set and no $HOME"});
    }
  }
  auto text = read_small_file(path);
  if (!text) {
    return std::unexpected(config_error{"kubeconfig", text.error()});
  }
  auto slash = path.rfind('/');
  std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return load_kubeconfig_text(*text, base_dir.empty() ? "/" : base_dir);
}

}  // namespace svcbgp::k8s::client
