// svcbgpd: announces Kubernetes service IPs to the ToR routers over BGP.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "src/daemon/app.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: svcbgpd --config FILE [--check] [--log-level debug|info|warn|error]\n"
               "       svcbgpd --version\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // A fixed mmap threshold. glibc raises it after each large free (up to 32 MiB), so later large
  // transient buffers (a relist's pages, a table's rehash, a full table's pending lists) come from
  // the heap and leave holes in it; at 1 MiB they are mapped and given back. 11 MiB less peak RSS
  // with 100k Services (bench/RESULTS.md, P3).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  std::string config_path;
  bool check = false;
  std::string level;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a == "--check") {
      check = true;
    } else if (a == "--log-level" && i + 1 < argc) {
      level = argv[++i];
    } else if (a == "--version") {
      std::printf("svcbgpd %s\n", std::string(svcbgp::daemon::version).c_str());
      return 0;
    } else {
      return usage();
    }
  }
  if (config_path.empty()) {
    return usage();
  }
  auto env = svcbgp::config::environment::process();
  auto cfg = svcbgp::config::load_file(config_path, env);
  if (!cfg) {
    for (const auto& e : cfg.error()) {
      std::fprintf(stderr, "%s: %s\n", config_path.c_str(), e.to_string().c_str());
    }
    return 1;
  }
  if (check) {
    std::printf("%s: ok (%zu peers)\n", config_path.c_str(), cfg->peers.size());
    return 0;
  }
  if (!level.empty()) {
    cfg->log_level = level;
  }
  try {
    svcbgp::daemon::app app(config_path, std::move(*cfg), env);
    return app.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "svcbgpd: %s\n", e.what());
    return 1;
  }
}
