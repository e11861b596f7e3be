// Calls back once the changes inside one folder settle: inotify on the folder, one call per burst
// of events. Used for the directory source's manifests and for svcbgpd's own config file, whose
// ConfigMap volume the kubelet updates by swapping a `..data` symlink (no event on the file's
// own path ever comes).
//
// Concurrency: runs on the io_context's thread; the callback runs there too.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace svcbgp::k8s {

class folder_watch {
 public:
  folder_watch(boost::asio::io_context& io, std::string folder, std::chrono::milliseconds settle,
               std::function<void()> on_change);
  ~folder_watch();

  // Throws std::system_error when the folder cannot be watched.
  void start();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::k8s
