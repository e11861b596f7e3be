// The informer cache: every Service, EndpointSlice and this Node, indexed for the engine, plus the
// set of services touched since the consumer last looked (a change batch).
//
// Pure (no I/O): reflectors, the directory source and tests all feed it the same way. A relist
// replaces one resource's objects atomically and turns vanished objects into deletions, so the
// engine never sees a half-filled cache.
//
// Concurrency: none; owned by the k8s source's strand. The engine reads it on the same strand or
// through a copy (see k8s/client).
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "k8s/model/objects.h"

namespace svcbgp::k8s {

// The config kinds (kubernetes.config: crds) come after the three the engine reads.
enum class resource : std::uint8_t {
  services,
  endpoint_slices,
  nodes,
  bgp_node_configs,
  bgp_advertisements,
  bgp_peers,
  secrets,
};
inline constexpr std::size_t resource_count = 7;
std::string_view to_string(resource r);  // "services", "endpointslices", "nodes", "bgppeers", ...
constexpr bool is_config(resource r) {
  return r >= resource::bgp_node_configs;
}

struct object_key_hash {
  std::size_t operator()(const object_key& k) const noexcept;
};

// Cached objects live behind pointers in flat sets keyed on their own meta.key: the key is held
// once, not once more as a map key (P3), and an object updated in place keeps its address, which
// the slice index and the engine hold.
struct meta_key_hash {
  using is_transparent = void;
  std::size_t operator()(const object_key& k) const noexcept { return object_key_hash{}(k); }
  template <typename T>
  std::size_t operator()(const std::unique_ptr<T>& o) const noexcept {
    return (*this)(o->meta.key);
  }
};
struct meta_key_equal {
  using is_transparent = void;
  static const object_key& key(const object_key& k) { return k; }
  template <typename T>
  static const object_key& key(const std::unique_ptr<T>& o) {
    return o->meta.key;
  }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return key(a) == key(b);
  }
};
template <typename T>
using object_set = boost::unordered_flat_set<std::unique_ptr<T>, meta_key_hash, meta_key_equal>;

// What changed since the last take_changes(), coalesced: a service touched ten times is listed
// once.
struct change_batch {
  // Services whose selection may differ: the service itself changed, or one of its slices did
  // (for a slice that moved between services, both).
  std::set<object_key> services;
  bool node_changed = false;
  bool config_changed = false;  // a config object or a Secret
  std::size_t events = 0;       // raw events folded into this batch
  bool empty() const { return services.empty() && !node_changed && !config_changed; }
};

class cluster_cache {
 public:
  // ADDED / MODIFIED.
  void upsert(service s);
  void upsert(endpoint_slice s);
  void upsert(node n);
  void upsert(resource r, config_object o);  // r: a config kind
  // DELETED (the object's last state is not needed).
  void remove(resource r, const object_key& key);
  // A relist of one resource: afterwards exactly `objects` are cached; the difference is recorded.
  // `keep`: keys whose cached version stays when `objects` lacks them (a relist's item that could
  // not be read).
  void replace(std::deque<service> objects, const std::vector<object_key>& keep = {});
  void replace(std::deque<endpoint_slice> objects, const std::vector<object_key>& keep = {});
  void replace(std::deque<node> objects, const std::vector<object_key>& keep = {});
  void replace(resource r, std::deque<config_object> objects,
               const std::vector<object_key>& keep = {});

  change_batch take_changes();
  bool has_changes() const { return !pending_.empty(); }
  // What take_changes() would return, left in place.
  const change_batch& pending() const { return pending_; }

  const service* find_service(const object_key& key) const;
  const object_set<service>& services() const { return services_; }
  // Every slice labelled with this service's name in its namespace.
  std::vector<const endpoint_slice*> slices_for(const object_key& service_key) const;
  // The node with this name, if cached (the daemon watches only its own).
  const node* find_node(const std::string& name) const;
  std::size_t size(resource r) const;
  // The objects of a config kind, by key.
  const std::map<object_key, config_object>& config_objects(resource r) const;

 private:
  void touch_service(const object_key& key);
  void index_slice(const endpoint_slice& s);
  void unindex_slice(const endpoint_slice& s);

  object_set<service> services_;
  object_set<endpoint_slice> slices_;
  object_set<node> nodes_;  // keyed with an empty namespace
  // hash of the service key -> its slices, in key order. Keyed by the hash alone, not by a second
  // copy of the 64-byte key (P3): services whose hashes collide share a list, which slices_for()
  // filters by owner.
  boost::unordered_flat_map<std::size_t, std::vector<const endpoint_slice*>> slices_by_owner_;
  std::array<std::map<object_key, config_object>, 4> config_;  // by resource - bgp_node_configs
  change_batch pending_;
};

}  // namespace svcbgp::k8s
