// Building a daemon_config from declared settings: what each setting does to the config
// (its applier), and the rules between settings, shared by the file (config.cc) and the svcbgp.io
// resources (resources.cc). Internal to src/config.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/config/reader.h"

namespace svcbgp::config::build {

using reader::applier;
using reader::naming;
using reader::walker;

// One peer from a `peers[]` entry (naming::file) or a BGPPeer's spec (naming::crd, where
// `secrets` resolves passwordSecretRef and the caller sets the name).
void read_peer(walker& w, const YAML::Node& n, const std::string& path, const environment& env,
               naming how, const secret_lookup* secrets, std::vector<peer>& peers);

// The appliers of every key path below the root (peers excepted when `how` is crd).
std::map<std::string, applier> root_appliers(walker& w, daemon_config& c, const environment& env);

// Contradictions between settings (two peers with one name or address, admin TLS, node name,
// allowed CIDRs reaching special ranges), as errors; then warnings about what is valid but
// probably not meant. `root` locates errors in the file (an empty node: no line).
void check(walker& w, std::vector<config_error>& errors, const YAML::Node& root, daemon_config& c);

}  // namespace svcbgp::config::build
