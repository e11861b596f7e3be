#include "src/daemon/resource_config.h"

#include "src/config/resources.h"

namespace svcbgp::daemon {

resource_config config_from_cache(const k8s::cluster_cache& cache, bool synced,
                                  const config::daemon_config& file_part,
                                  const config::environment& env) {
  if (!synced) {
    return std::nullopt;
  }
  const auto* n = cache.find_node(file_part.node_name);
  if (n == nullptr) {
    return std::nullopt;
  }
  const auto objects = [&](k8s::resource kind) {
    std::vector<config::resource_object> out;
    for (const auto& [key, o] : cache.config_objects(kind)) {
      out.push_back({key.name, o.spec});
    }
    return out;
  };
  config::cluster_resources r;
  r.node_configs = objects(k8s::resource::bgp_node_configs);
  r.advertisements = objects(k8s::resource::bgp_advertisements);
  r.peers = objects(k8s::resource::bgp_peers);
  r.secrets = [&cache, &file_part](const std::string& secret,
                                   const std::string& key) -> std::optional<std::string> {
    const auto& all = cache.config_objects(k8s::resource::secrets);
    auto s = all.find(k8s::object_key{file_part.config_namespace, secret});
    if (s == all.end()) {
      return std::nullopt;
    }
    auto k = s->second.data.find(key);
    return k == s->second.data.end() ? std::nullopt : std::optional(k->second);
  };
  return config::from_resources(file_part, n->labels, r, env);
}

}  // namespace svcbgp::daemon
