#include "k8s/model/cache.h"

#include <stdexcept>

#include <algorithm>
#include <deque>
#include <functional>
#include <utility>

namespace svcbgp::k8s {

std::string_view to_string(resource r) {
  switch (r) {
    case resource::services:
      return "services";
    case resource::endpoint_slices:
      return "endpointslices";
    case resource::nodes:
      return "nodes";
    case resource::bgp_node_configs:
      return "bgpnodeconfigs";
    case resource::bgp_advertisements:
      return "bgpadvertisements";
    case resource::bgp_peers:
      return "bgppeers";
    case resource::secrets:
      return "secrets";
  }
  return "unknown";
}

namespace {

std::size_t config_index(resource r) {
  if (!is_config(r)) {
    throw std::logic_error("cluster_cache: " + std::string(to_string(r)) + " is not a config kind");
  }
  return static_cast<std::size_t>(r) - static_cast<std::size_t>(resource::bgp_node_configs);
}

std::size_t key_hash(std::string_view ns, std::string_view name) {
  std::size_t h = std::hash<std::string_view>{}(ns);
  // boost::hash_combine's mixing, so "a/bc" and "ab/c" differ.
  h ^= std::hash<std::string_view>{}(name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

std::size_t object_key_hash::operator()(const object_key& k) const noexcept {
  return key_hash(k.ns, k.name);
}

namespace {

// The index slot of a labelled slice's service (see slices_by_owner_).
std::optional<std::size_t> owner_hash(const endpoint_slice& s) {
  if (!s.service_name) {
    return std::nullopt;
  }
  return key_hash(s.meta.key.ns, *s.service_name);
}

bool owned_by(const endpoint_slice& s, const object_key& service_key) {
  return s.service_name && *s.service_name == service_key.name && s.meta.key.ns == service_key.ns;
}

// The service a slice belongs to, if it is labelled.
std::optional<object_key> owner_of(const endpoint_slice& s) {
  if (!s.service_name) {
    return std::nullopt;
  }
  return object_key{s.meta.key.ns, *s.service_name};
}

// A relist treats an object as unchanged when its resourceVersion is the same. Objects without one
// (the directory source) are compared by content instead, so a re-read folder touches only what
// was edited.
template <typename T>
bool same_version(const T& a, const T& b) {
  if (!a.meta.resource_version.empty() || !b.meta.resource_version.empty()) {
    return a.meta.resource_version == b.meta.resource_version;
  }
  return a == b;
}

// Inserts or replaces in place; returns the stored object.
template <typename T>
T& put(object_set<T>& set, T object) {
  auto it = set.find(object.meta.key);
  if (it != set.end()) {
    **it = std::move(object);
    return **it;
  }
  return **set.insert(std::make_unique<T>(std::move(object))).first;
}

// Calls changed(was, now) for each object a relist adds, changes or removes (null: absent).
template <typename T, typename Changed>
void for_each_difference(const object_set<T>& before, const object_set<T>& after, Changed changed) {
  for (const auto& o : after) {
    auto old = before.find(o->meta.key);
    const T* was = old == before.end() ? nullptr : old->get();
    if (was == nullptr || !same_version(*was, *o)) {
      changed(was, o.get());
    }
  }
  for (const auto& o : before) {
    if (!after.contains(o->meta.key)) {
      changed(o.get(), nullptr);
    }
  }
}

bool key_less(const endpoint_slice* s, const object_key& k) {
  return s->meta.key < k;
}

// The listed objects by key, consumed from the front as they move, so a relist of 200k slices
// never holds them twice (P3). A key listed twice keeps its last object.
template <typename T>
object_set<T> take_all(std::deque<T>& objects) {
  object_set<T> fresh;
  fresh.reserve(objects.size());
  while (!objects.empty()) {
    put(fresh, std::move(objects.front()));
    objects.pop_front();
  }
  return fresh;
}

// A relist's item that could not be read keeps its cached version: the API server still has the
// object, and dropping it would withdraw its routes.
template <typename T>
void keep_previous(const object_set<T>& old, object_set<T>& fresh,
                   const std::vector<object_key>& keep) {
  for (const auto& key : keep) {
    if (auto it = old.find(key); it != old.end() && !fresh.contains(key)) {
      fresh.insert(std::make_unique<T>(**it));
    }
  }
}

}  // namespace

void cluster_cache::touch_service(const object_key& key) {
  pending_.services.insert(key);
}

void cluster_cache::index_slice(const endpoint_slice& s) {
  auto owner = owner_hash(s);
  if (!owner) {
    return;
  }
  // Kept sorted so slices_for() returns key order without sorting.
  auto& keys = slices_by_owner_[*owner];
  auto it = std::lower_bound(keys.begin(), keys.end(), s.meta.key, key_less);
  if (it == keys.end() || (*it)->meta.key != s.meta.key) {
    keys.insert(it, &s);
  }
}

void cluster_cache::unindex_slice(const endpoint_slice& s) {
  auto owner = owner_hash(s);
  if (!owner) {
    return;
  }
  auto bucket = slices_by_owner_.find(*owner);
  if (bucket == slices_by_owner_.end()) {
    return;
  }
  auto& keys = bucket->second;
  auto it = std::lower_bound(keys.begin(), keys.end(), s.meta.key, key_less);
  if (it != keys.end() && (*it)->meta.key == s.meta.key) {
    keys.erase(it);
  }
  if (keys.empty()) {
    slices_by_owner_.erase(bucket);
  }
}

void cluster_cache::upsert(service s) {
  ++pending_.events;
  touch_service(put(services_, std::move(s)).meta.key);
}

void cluster_cache::upsert(endpoint_slice s) {
  ++pending_.events;
  if (auto it = slices_.find(s.meta.key); it != slices_.end()) {
    // The old owner loses this slice's endpoints, even when the label moved elsewhere.
    if (auto owner = owner_of(**it)) {
      touch_service(*owner);
    }
    unindex_slice(**it);
  }
  const endpoint_slice& stored = put(slices_, std::move(s));
  index_slice(stored);
  if (auto owner = owner_of(stored)) {
    touch_service(*owner);
  }
}

void cluster_cache::upsert(node n) {
  ++pending_.events;
  put(nodes_, std::move(n));
  pending_.node_changed = true;
}

void cluster_cache::remove(resource r, const object_key& key) {
  ++pending_.events;
  switch (r) {
    case resource::services:
      services_.erase(key);
      touch_service(key);
      break;
    case resource::endpoint_slices: {
      auto it = slices_.find(key);
      if (it != slices_.end()) {
        if (auto owner = owner_of(**it)) {
          touch_service(*owner);
        }
        unindex_slice(**it);
        slices_.erase(it);
      }
      break;
    }
    case resource::nodes:
      nodes_.erase(object_key{{}, key.name});
      pending_.node_changed = true;
      break;
    case resource::bgp_node_configs:
    case resource::bgp_advertisements:
    case resource::bgp_peers:
    case resource::secrets:
      pending_.config_changed = config_[config_index(r)].erase(key) > 0 || pending_.config_changed;
      break;
  }
}

void cluster_cache::upsert(resource r, config_object o) {
  ++pending_.events;
  auto& objects = config_[config_index(r)];
  auto [it, fresh] = objects.try_emplace(o.meta.key, o);
  if (!fresh && !(it->second == o)) {
    it->second = std::move(o);
    pending_.config_changed = true;
  }
  pending_.config_changed = pending_.config_changed || fresh;
}

void cluster_cache::replace(resource r, std::deque<config_object> objects,
                            const std::vector<object_key>& keep) {
  auto& now = config_[config_index(r)];
  std::map<object_key, config_object> fresh;
  for (auto& o : objects) {
    auto key = o.meta.key;
    fresh.insert_or_assign(std::move(key), std::move(o));
  }
  for (const auto& k : keep) {
    if (auto it = now.find(k); it != now.end()) {
      fresh.insert_or_assign(k, it->second);
    }
  }
  if (fresh != now) {
    ++pending_.events;
    pending_.config_changed = true;
    now = std::move(fresh);
  }
}

const std::map<object_key, config_object>& cluster_cache::config_objects(resource r) const {
  return config_[config_index(r)];
}

// For each relist, `events` grows by the number of objects that were added, changed or vanished:
// a relist that changes nothing leaves the batch empty.
void cluster_cache::replace(std::deque<service> objects, const std::vector<object_key>& keep) {
  auto fresh = take_all(objects);
  keep_previous(services_, fresh, keep);
  for_each_difference(services_, fresh, [&](const service* was, const service* now) {
    ++pending_.events;
    touch_service((now != nullptr ? now : was)->meta.key);
  });
  services_ = std::move(fresh);
}

void cluster_cache::replace(std::deque<endpoint_slice> objects,
                            const std::vector<object_key>& keep) {
  auto fresh = take_all(objects);
  keep_previous(slices_, fresh, keep);
  for_each_difference(slices_, fresh, [&](const endpoint_slice* was, const endpoint_slice* now) {
    ++pending_.events;
    for (const auto* s : {was, now}) {
      if (s == nullptr) {
        continue;
      }
      if (auto owner = owner_of(*s)) {
        touch_service(*owner);
      }
    }
  });
  // The index points into the old set: emptied before the old objects go.
  slices_by_owner_.clear();
  slices_ = std::move(fresh);
  // Rebuilding the index is linear in the slices, as the relist itself is.
  for (const auto& s : slices_) {
    if (auto owner = owner_hash(*s)) {
      slices_by_owner_[*owner].push_back(s.get());
    }
  }
  for (auto& [owner, keys] : slices_by_owner_) {
    std::sort(keys.begin(), keys.end(),
              [](const auto* a, const auto* b) { return a->meta.key < b->meta.key; });
  }
}

void cluster_cache::replace(std::deque<node> objects, const std::vector<object_key>& keep) {
  auto fresh = take_all(objects);
  keep_previous(nodes_, fresh, keep);
  for_each_difference(nodes_, fresh, [&](const node*, const node*) {
    ++pending_.events;
    pending_.node_changed = true;
  });
  nodes_ = std::move(fresh);
}

change_batch cluster_cache::take_changes() {
  return std::exchange(pending_, change_batch{});
}

const service* cluster_cache::find_service(const object_key& key) const {
  auto it = services_.find(key);
  return it == services_.end() ? nullptr : it->get();
}

std::vector<const endpoint_slice*> cluster_cache::slices_for(const object_key& service_key) const {
  std::vector<const endpoint_slice*> out;
  auto bucket = slices_by_owner_.find(object_key_hash{}(service_key));
  if (bucket == slices_by_owner_.end()) {
    return out;
  }
  out.reserve(bucket->second.size());
  for (const auto* s : bucket->second) {
    if (owned_by(*s, service_key)) {
      out.push_back(s);
    }
  }
  return out;
}

const node* cluster_cache::find_node(const std::string& name) const {
  auto it = nodes_.find(object_key{{}, name});
  return it == nodes_.end() ? nullptr : it->get();
}

std::size_t cluster_cache::size(resource r) const {
  switch (r) {
    case resource::services:
      return services_.size();
    case resource::endpoint_slices:
      return slices_.size();
    case resource::nodes:
      return nodes_.size();
    case resource::bgp_node_configs:
    case resource::bgp_advertisements:
    case resource::bgp_peers:
    case resource::secrets:
      return config_[config_index(r)].size();
  }
  return 0;
}

}  // namespace svcbgp::k8s
