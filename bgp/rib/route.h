// Routes as the RIBs hold them: a prefix and a shared, immutable attribute set.
//
// Attribute sets are shared by pointer so that 100,000 service routes with the same attributes cost
// one set, and so that comparing two routes is usually a pointer compare.
#pragma once

#include <memory>
#include <unordered_map>

#include "bgp/codec/attributes.h"
#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

using attributes_ptr = std::shared_ptr<const path_attributes>;

inline bool same_attributes(const attributes_ptr& a, const attributes_ptr& b) {
  return a == b || (a && b && *a == *b);
}

// A desired or sent table: prefix -> attributes.
using route_set = std::unordered_map<prefix, attributes_ptr, prefix_hash>;

}  // namespace svcbgp::bgp
