// The `directory` source: Services, EndpointSlices and Nodes from a folder of YAML/JSON manifests,
// re-read when the folder changes (inotify), fed into the same cluster_cache as the API source.
//
// A file that does not parse is reported with its path and line, and its previously read objects
// stay in the cache: a typo in one manifest never withdraws what it announced before. Files
// ending in .yaml, .yml or .json are read; others (and dot-files) are ignored. A ConfigMap
// mounted as a folder swaps a `..data` symlink; that is a change like any other.
//
// Concurrency: runs on the io_context thread that constructed it; the callback runs there too.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "k8s/model/cache.h"
#include "k8s/model/manifest.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::k8s {

class directory_source {
 public:
  directory_source(boost::asio::io_context& io, std::string directory, cluster_cache& cache);
  ~directory_source();

  // Reads the folder now, then on every change; `on_batch` runs after each read that changed
  // the cache. Throws std::system_error when the folder cannot be watched.
  void start(std::function<void()> on_batch);
  void stop();

  bool synced() const;                                // read once
  const std::vector<manifest_error>& errors() const;  // of the last read
  std::size_t reads() const;
  const std::string& directory() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::k8s
