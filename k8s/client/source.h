// The Kubernetes API source: reflectors (Services, EndpointSlices, this Node by
// fieldSelector=metadata.name=<node>, and with a config namespace the svcbgp.io config kinds and
// that namespace's Secrets) that list and watch the API server like client-go informers and feed
// one cluster_cache. A config kind whose CRD is not installed answers 404: that reflector backs
// off and retries, and says why in its status; the others go on.
//
// Ownership: the source owns the reflectors; the cache is its owner's (the daemon has one, fed
// by whichever source it runs, as directory_source feeds it) and must outlive the source. The
// callback runs after each batch of events has been applied (one LIST, or the events of one read
// of a watch stream); it coalesces nothing itself (the engine's reconciler debounces) and gets the
// cache to read and take_changes() from.
//
// Concurrency: every reflector runs on its own strand of the io_context; the cache is written on
// one strand, where the callback runs: read it only there, or run the io_context on one thread
// (svcbgpd does). status() and synced() may be called from any thread. Asio stays out of this
// header (pimpl).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/client/connection_config.h"
#include "k8s/client/reflector_state.h"
#include "k8s/model/cache.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::k8s {

struct source_options {
  client::connection_config connection;
  std::string node_name;  // empty: Nodes are not watched
  // Non-empty (kubernetes.config: crds): the svcbgp.io config kinds are watched too, and the
  // Secrets of this namespace.
  std::string config_namespace;
  // Applied to every reflector (selectors are set per resource).
  client::reflector_options reflector;
  std::chrono::milliseconds list_timeout{60'000};
  std::chrono::seconds token_reread{60};
  std::function<void(std::string_view)> log;   // optional: skipped objects, errors
  std::function<void(std::string_view)> info;  // optional: relists and their cause
};

struct resource_status {
  resource which = resource::services;
  std::string path;  // "/api/v1/services"
  client::reflector_status state;
  std::optional<std::string> last_skipped;  // the last malformed object or line, and why
  // Values that were not what their field holds (an IP that is not one), each logged; the rest
  // of the object was used.
  std::uint64_t fields_ignored = 0;
};

std::string_view api_path(resource r);  // "/api/v1/services", ...

class source {
 public:
  using batch_callback = std::function<void(cluster_cache&)>;

  source(boost::asio::io_context& io, source_options options, cluster_cache& cache,
         batch_callback on_batch);
  ~source();
  source(const source&) = delete;
  source& operator=(const source&) = delete;

  void start();
  // Closes the connections and stops the reflectors; the callback is not called afterwards.
  void stop();

  // Every resource has been listed once and its objects are in the cache.
  bool synced() const;
  std::vector<resource_status> status() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace svcbgp::k8s
