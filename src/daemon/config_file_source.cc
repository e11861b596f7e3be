#include "src/daemon/config_file_source.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "k8s/directory/folder_watch.h"

namespace svcbgp::daemon {

std::optional<std::string> read_config_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) {
    return std::nullopt;
  }
  return text;
}

namespace {

std::size_t hash_of(const std::string& path) {
  return std::hash<std::string>{}(read_config_text(path).value_or(""));
}

}  // namespace

config_file_source::config_file_source(boost::asio::io_context& io, std::string path,
                                       std::function<void()> on_new_text,
                                       std::chrono::milliseconds settle)
    : io_(io), path_(std::move(path)), on_new_text_(std::move(on_new_text)), settle_(settle) {}

config_file_source::~config_file_source() = default;

void config_file_source::start() {
  mark_seen();
  auto folder = std::filesystem::path(path_).parent_path();
  if (folder.empty()) {
    folder = ".";
  }
  // The folder, not the file: a ConfigMap volume swaps `..data`, and the file's own path never
  // sees an event.
  watch_ = std::make_unique<k8s::folder_watch>(io_, folder.string(), settle_, [this] {
    if (hash_of(path_) != seen_hash_) {
      on_new_text_();
    }
  });
  try {
    watch_->start();
  } catch (...) {
    watch_.reset();
    throw;
  }
}

void config_file_source::stop() {
  if (watch_) {
    watch_->stop();
  }
}

void config_file_source::mark_seen() {
  seen_hash_ = hash_of(path_);
}

}  // namespace svcbgp::daemon
