// Helpers for the k8s/model tests: fixture files read in place, a txtar splitter, and shorthands
// for building objects and IPs.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>

#include "k8s/model/ip.h"
#include "k8s/model/objects.h"

namespace svcbgp::k8s::test {

// The fixture root (tests/fixtures/kubernetes), from SVCBGP_FIXTURES set by meson.
std::string fixtures_dir();
// A fixture's content by path relative to the root; fails the current test when unreadable.
std::string read_fixture(std::string_view relative_path);

// A txtar archive: `-- name --` lines start sections; text before the first one is the comment.
std::map<std::string, std::string> split_txtar(std::string_view archive);

boost::json::value parse_json(std::string_view text);
ip_addr ip(std::string_view text);  // fails the test on a bad literal

}  // namespace svcbgp::k8s::test
