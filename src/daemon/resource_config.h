// kubernetes.config: crds: svcbgpd's config from the svcbgp.io objects in the cluster cache
// (config::from_resources), with the file's own part (node name, kubernetes, admin, http, log).
//
// Pure: the cache in, a config or every problem out; nothing while the objects are not all listed
// or this node is not known yet (its labels pick the BGPNodeConfigs). Passwords come from the
// Secrets of the file's kubernetes.namespace, and no other.
#pragma once

#include <expected>
#include <optional>
#include <vector>

#include "k8s/model/cache.h"
#include "src/config/config.h"

namespace svcbgp::daemon {

using resource_config =
    std::optional<std::expected<config::daemon_config, std::vector<config::config_error>>>;

resource_config config_from_cache(const k8s::cluster_cache& cache, bool synced,
                                  const config::daemon_config& file_part,
                                  const config::environment& env);

}  // namespace svcbgp::daemon
