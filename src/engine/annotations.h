// The svcbgp.io/ annotations of a Service (advertisement.md "Annotations on a Service"), parsed.
//
// Pure. A bad value never throws and never hides the service: the attribute is left out and the
// problem is described in `problems`, which the selection puts in the decision's detail.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bgp/codec/attributes.h"

namespace svcbgp::engine {

inline constexpr std::string_view annotation_advertise = "svcbgp.io/advertise";
inline constexpr std::string_view annotation_communities = "svcbgp.io/communities";
inline constexpr std::string_view annotation_large_communities = "svcbgp.io/large-communities";
inline constexpr std::string_view annotation_local_pref = "svcbgp.io/local-pref";
inline constexpr std::string_view annotation_weighted_ecmp = "svcbgp.io/weighted-ecmp";

struct service_annotations {
  bool opted_out = false;                   // svcbgp.io/advertise: "false"
  std::vector<std::uint32_t> communities;   // empty when absent or bad
  std::vector<bgp::large_community> large;  // empty when absent or bad
  std::optional<std::uint32_t> local_pref;  // absent when absent or bad
  std::optional<bool> weighted_ecmp;        // "true" | "false"; absent when absent or bad
  std::vector<std::string> problems;        // "svcbgp.io/communities: bad community '65000:x'"
};

// `limits`: max_annotation_communities and forbidden_communities; an annotation past them is
// dropped whole, with a problem that says why.
struct advertise_config;
service_annotations parse_annotations(const std::map<std::string, std::string>& annotations,
                                      const advertise_config& limits);

}  // namespace svcbgp::engine
