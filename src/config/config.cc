#include "src/config/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "src/config/build.h"
#include "src/config/reader.h"
#include "src/config/schema.h"

namespace svcbgp::config {

std::string config_error::to_string() const {
  std::string s;
  if (line > 0) {
    s = "line " + std::to_string(line) + ": ";
  }
  return s + (path.empty() ? message : path + ": " + message);
}

environment environment::none() {
  environment e;
  e.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  e.read_file = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return e;
}

environment environment::process() {
  environment e;
  e.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  e.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      return std::nullopt;
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) {
    e.hostname = host;
  }
  return e;
}

std::expected<daemon_config, std::vector<config_error>> parse(std::string_view yaml_text,
                                                              const environment& env) {
  std::vector<config_error> errors;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    errors.push_back({"", "not valid YAML: " + e.msg, e.mark.line + 1});
    return std::unexpected(std::move(errors));
  }
  reader::walker w(errors, env);
  daemon_config c;
  const auto apply = build::root_appliers(w, c, env);
  if (!root.IsMap()) {
    w.error(root, "", "must be a mapping");
    return std::unexpected(std::move(errors));
  }
  // kubernetes.config: crds leaves to svcbgp.io objects what they hold (resources.h).
  const YAML::Node k8s = root["kubernetes"];
  const bool crds = k8s && k8s.IsMap() && k8s["config"] && k8s["config"].IsScalar() &&
                    k8s["config"].Scalar() == "crds";
  auto decl = schema::daemon_settings();
  for (auto& s : decl) {
    s.required = s.required && !crds;
  }
  reader::read_settings(w, root, "", decl, apply);
  if (crds) {
    for (const auto* key : {"local_asn", "router_id", "listen", "graceful_restart", "shutdown",
                            "shutdown_message", "node_selector", "peers", "advertise"}) {
      if (root[key]) {
        w.error(root[key], key,
                "comes from svcbgp.io objects with kubernetes.config: crds (BGPNodeConfig, "
                "BGPAdvertisement, BGPPeer); remove it here");
      }
    }
    if (c.source == k8s_source::directory) {
      w.error(k8s["config"], "kubernetes.config",
              "crds needs the API server: kubernetes.source in-cluster or kubeconfig");
    }
  }
  if (c.config_namespace.empty()) {
    auto ns = env.getenv ? env.getenv("POD_NAMESPACE") : std::nullopt;
    c.config_namespace = ns && !ns->empty() ? *ns : "svcbgp-system";
  }
  if (c.node_name.empty() && !root["node_name"]) {
    if (auto e = env.getenv ? env.getenv("NODE_NAME") : std::nullopt) {
      c.node_name = *e;
    } else {
      c.node_name = env.hostname;
    }
  }
  build::check(w, errors, root, c);
  if (!errors.empty()) {
    return std::unexpected(std::move(errors));
  }
  return c;
}

std::expected<daemon_config, std::vector<config_error>> load_file(const std::string& path,
                                                                  const environment& env) {
  auto text = env.read_file ? env.read_file(path) : std::nullopt;
  if (!text) {
    return std::unexpected(std::vector<config_error>{{"", "cannot read " + path}});
  }
  return parse(*text, env);
}

engine::engine_config daemon_config::engine() const {
  engine::engine_config e;
  e.node_name = node_name;
  e.node_selector = node_selector;
  e.local_asn = local_asn;
  e.advertise = advertise;
  for (const auto& p : peers) {
    engine::peer_target t;
    t.name = p.bgp.name;
    t.ibgp = p.bgp.asn == local_asn;
    t.families = p.bgp.families;
    t.advertise = p.advertise;
    t.node_selector = p.node_selector;
    e.peers.push_back(std::move(t));
  }
  return e;
}

bgp::speaker_config daemon_config::speaker(std::uint32_t router_id_host_order) const {
  bgp::speaker_config s;
  s.local_as = local_asn;
  s.router_id = router_id_host_order;
  s.listen_address = listen_address;
  s.listen_port = listen_port;
  s.graceful_restart = graceful_restart;
  s.restart_time = restart_time;
  return s;
}

}  // namespace svcbgp::config
