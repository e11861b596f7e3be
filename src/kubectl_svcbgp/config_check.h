// `kubectl svcbgp check`: the config each node would run from the cluster's svcbgp.io objects
// (BGPNodeConfig, BGPAdvertisement, BGPPeer, and the Secrets their passwords come from),
// assembled by the same code as svcbgpd (config::from_resources), so that a bad object is found
// before any node reads it: what `svcbgpd --check` is for the file.
//
// Pure: the lists' JSON in, per-node results out; results in, text or JSON out.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "src/config/resources.h"

namespace svcbgp::kubectl_svcbgp {

// The items of one LIST answer (a kind's List) as the objects from_resources reads; a list that
// is not one, or an item without metadata.name, is an error naming it.
std::expected<std::vector<config::resource_object>, std::string> parse_resource_list(
    std::string_view json, std::string_view list_kind);

// metadata.continue of a List: another page follows when not empty.
std::string continue_token(std::string_view json);

struct node_labels {
  std::string name;
  std::map<std::string, std::string> labels;
};
// The items of GET /api/v1/nodes (a NodeList).
std::expected<std::vector<node_labels>, std::string> parse_node_list(std::string_view json);

// The Secrets BGPPeers take passwords from (spec.passwordSecretRef.name), to be read.
std::set<std::string> referenced_secrets(const std::vector<config::resource_object>& peers);
// A Secret's data, base64-decoded (GET /api/v1/namespaces/NS/secrets/NAME).
std::expected<std::map<std::string, std::string>, std::string> parse_secret(std::string_view json);

struct node_result {
  std::string node;
  std::uint32_t local_asn = 0;
  std::vector<std::string> peers;   // the BGPPeers whose nodeSelector takes this node
  std::vector<std::string> errors;  // "BGPPeer tor1: spec.holdTime: must be ..."
};

struct check_input {
  std::vector<config::resource_object> node_configs, advertisements, peers;
  std::map<std::string, std::map<std::string, std::string>> secrets;  // readable ones
  std::set<std::string> unreadable_secrets;  // referenced but not readable here (403, 404)
};

// One result per node, sorted by name.
std::vector<node_result> check(const check_input& in, const std::vector<node_labels>& nodes);

std::string render_check(const std::vector<node_result>& results,
                         const std::set<std::string>& unreadable_secrets);
std::string check_json(const std::vector<node_result>& results);

}  // namespace svcbgp::kubectl_svcbgp
