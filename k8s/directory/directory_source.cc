#include "k8s/directory/directory_source.h"

#include "k8s/directory/folder_watch.h"

#include <boost/asio/io_context.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

namespace svcbgp::k8s {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

bool is_manifest(const fs::path& p) {
  const auto name = p.filename().string();
  if (name.empty() || name[0] == '.') {
    return false;
  }
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Several editors write a file in steps (truncate, write, rename): wait this long after the last
// event before reading, so one save is one read.
constexpr auto settle_time = std::chrono::milliseconds(20);

}  // namespace

struct directory_source::impl {
  impl(asio::io_context& io, std::string dir, cluster_cache& c)
      : io(io),
        directory(std::move(dir)),
        cache(c),
        watch(io, directory, settle_time, [this] { read_all(); }) {}

  asio::io_context& io;
  std::string directory;
  cluster_cache& cache;
  folder_watch watch;
  std::function<void()> on_batch;
  bool synced = false;
  std::size_t reads = 0;
  std::vector<manifest_error> errors;
  // The last good parse of each file, so a broken file keeps its objects.
  std::map<std::string, manifest_objects> good;

  void read_all() {
    ++reads;
    errors.clear();
    std::set<std::string> present;
    std::error_code ec;
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(directory, ec)) {
      // Follows symlinks: a ConfigMap volume's files are links into ..data.
      if (is_manifest(entry.path()) && fs::is_regular_file(entry.path(), ec)) {
        paths.push_back(entry.path());
      }
    }
    if (ec) {
      errors.push_back({directory, 0, "cannot read the folder: " + ec.message()});
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      const auto name = p.string();
      present.insert(name);
      std::ifstream f(p, std::ios::binary);
      std::ostringstream text;
      text << f.rdbuf();
      if (!f && !f.eof()) {
        errors.push_back({name, 0, "cannot read the file"});
        continue;  // keep what it gave before
      }
      auto parsed = parse_manifests(text.str(), name);
      if (!parsed.errors.empty()) {
        errors.insert(errors.end(), parsed.errors.begin(), parsed.errors.end());
        if (good.count(name) != 0) {
          errors.push_back({name, 0, "keeping the objects it held before"});
          continue;
        }
        // Never read well before: use what did parse.
      }
      // Manifests rarely carry a resourceVersion, and the cache compares them to tell changed
      // objects from unchanged ones: stamp each object with its file's content hash.
      std::string stamp = std::to_string(std::hash<std::string>{}(text.str()));
      stamp.insert(stamp.begin(), '#');  // not "#" + ...: GCC 12 -O3 warns -Wrestrict on it
      auto mark = [&](auto& objects) {
        for (auto& o : objects) {
          o.meta.resource_version += stamp;
          if constexpr (requires { o.warnings; }) {
            for (const auto& w : o.warnings) {
              errors.push_back(
                  {name, 0, o.meta.key.to_string() + ": " + w + " (value ignored)", true});
            }
          }
        }
      };
      mark(parsed.services);
      mark(parsed.slices);
      mark(parsed.nodes);
      good[name] = std::move(parsed);
    }
    for (auto it = good.begin(); it != good.end();) {
      it = present.count(it->first) != 0 ? std::next(it) : good.erase(it);
    }
    std::deque<service> services;
    std::deque<endpoint_slice> slices;
    std::deque<node> nodes;
    std::map<object_key, std::string> seen[3];
    auto take = [&](auto& out, const auto& objects, int kind, const std::string& file) {
      for (const auto& o : objects) {
        auto [it, fresh] = seen[kind].emplace(o.meta.key, file);
        if (!fresh) {
          errors.push_back({file, 0,
                            o.meta.key.to_string() + " is also defined in " + it->second +
                                "; the first one is used"});
          continue;
        }
        out.push_back(o);
      }
    };
    for (const auto& [file, objects] : good) {
      take(services, objects.services, 0, file);
      take(slices, objects.slices, 1, file);
      take(nodes, objects.nodes, 2, file);
    }
    cache.replace(std::move(services));
    cache.replace(std::move(slices));
    cache.replace(std::move(nodes));
    synced = true;
    if (cache.has_changes() && on_batch) {
      on_batch();
    }
  }
};

directory_source::directory_source(asio::io_context& io, std::string directory,
                                   cluster_cache& cache)
    : impl_(std::make_unique<impl>(io, std::move(directory), cache)) {}

directory_source::~directory_source() {
  stop();
}

void directory_source::start(std::function<void()> on_batch) {
  auto& d = *impl_;
  d.on_batch = std::move(on_batch);
  d.watch.start();
  d.read_all();
}

void directory_source::stop() {
  impl_->watch.stop();
}

bool directory_source::synced() const {
  return impl_->synced;
}
const std::vector<manifest_error>& directory_source::errors() const {
  return impl_->errors;
}
std::size_t directory_source::reads() const {
  return impl_->reads;
}
const std::string& directory_source::directory() const {
  return impl_->directory;
}

}  // namespace svcbgp::k8s
