// Routes as the RIBs hold them: a prefix and a shared, immutable attribute set.
//
// Attribute sets are shared by pointer so that 100,000 service routes with the same attributes cost
// one set, and so that comparing two routes is usually a pointer compare.
#pragma once

#include <memory>

#include <boost/unordered/unordered_flat_map.hpp>

#include "bgp/codec/attributes.h"
#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

using attributes_ptr = std::shared_ptr<const path_attributes>;

inline bool same_attributes(const attributes_ptr& a, const attributes_ptr& b) {
  return a == b || (a && b && *a == *b);
}

// A desired or sent table: prefix -> attributes. Open addressing: 40 bytes a route in place,
// where a node map spends a 64-byte allocation and a bucket (P3: the selector's table).
using route_set = boost::unordered_flat_map<prefix, attributes_ptr, prefix_hash>;

}  // namespace svcbgp::bgp
