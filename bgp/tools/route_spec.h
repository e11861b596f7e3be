// Route attributes as bgpspeak and tests write them: "communities=65000:1,65000:2 large=1:2:3
// local_pref=200 med=10 prepend=2". Pure; shared by the YAML config and the stdin commands.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/codec/attributes.h"

namespace svcbgp::bgp::tools {

struct route_spec {
  std::vector<std::string> communities;
  std::vector<std::string> large_communities;
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::uint32_t prepend = 0;
};

// The engine-side attributes (export_policy.h): prepends are our AS repeated in `path`.
std::expected<path_attributes, std::string> to_attributes(const route_spec& spec,
                                                          std::uint32_t local_as);

// Parses "key=value" words; an unknown key or a bad value is an error naming it.
std::expected<route_spec, std::string> parse_route_words(const std::vector<std::string>& words);

}  // namespace svcbgp::bgp::tools
