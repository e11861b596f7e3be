// svcbgpd's config file, followed: a new text in it (an edit, or the kubelet swapping a ConfigMap
// volume's `..data` link, which never touches the file's own path) calls back once; a text
// already seen, loaded or rejected, never does again. The daemon reloads on the call as on SIGHUP.
//
// Concurrency: runs on the io_context's thread; the callback runs there too.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace svcbgp::k8s {
class folder_watch;
}

namespace svcbgp::daemon {

// The file's bytes (through symlinks); nullopt when it cannot be read.
std::optional<std::string> read_config_text(const std::string& path);

class config_file_source {
 public:
  config_file_source(boost::asio::io_context& io, std::string path,
                     std::function<void()> on_new_text,
                     std::chrono::milliseconds settle = std::chrono::milliseconds(100));
  ~config_file_source();

  // Takes the text now in the file as seen. Throws std::system_error when its folder cannot be
  // watched (the daemon then reloads on SIGHUP only).
  void start();
  void stop();
  // The text now in the file has been loaded or rejected: following does not retry it.
  void mark_seen();
  const std::string& path() const { return path_; }

 private:
  boost::asio::io_context& io_;
  std::string path_;
  std::function<void()> on_new_text_;
  std::chrono::milliseconds settle_;
  std::size_t seen_hash_ = 0;
  std::unique_ptr<k8s::folder_watch> watch_;
};

}  // namespace svcbgp::daemon
