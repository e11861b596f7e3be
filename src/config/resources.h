// svcbgpd's config from svcbgp.io resources (kubernetes.config: crds; shared/spec/
// kubernetes-native.md "One schema, two sources"): the file keeps what a node needs to reach the
// API server, and the rest comes from BGPNodeConfig, BGPPeer and BGPAdvertisement objects, read
// by the same declarations as the file (schema.h), so both accept the same values.
//
// - BGPNodeConfig: those whose nodeSelector matches this node's labels; field by field, the most
//   specific selector (most labels) wins, and two equally specific ones that set one field to
//   different values are an error on both.
// - BGPAdvertisement: those whose nodeSelector matches; lists (CIDRs, communities) are joined,
//   and a value two of them set differently is an error on both.
// - BGPPeer: every one, named by metadata.name, its nodeSelector kept for svcbgpd to apply as the
//   node's labels change; passwordSecretRef read through `secrets`.
//
// Pure: objects in, a config or every problem out, each naming its object and field
// ("BGPPeer tor1: spec.holdTime: must be 0 or 3..65535"). A problem in any object refuses the
// whole set, as a bad file is refused: the running config stays.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <vector>

#include "src/config/config.h"

namespace svcbgp::config {

struct resource_object {
  std::string name;  // metadata.name
  std::string spec;  // the spec as the API server sent it (JSON), or YAML
};

struct cluster_resources {
  std::vector<resource_object> node_configs, advertisements, peers;
  secret_lookup secrets;
};

std::expected<daemon_config, std::vector<config_error>> from_resources(
    const daemon_config& local, const std::map<std::string, std::string>& node_labels,
    const cluster_resources& r, const environment& env);

}  // namespace svcbgp::config
