// svcbgpd: announces Kubernetes service IPs to the ToR routers over BGP.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "src/daemon/app.h"
#include "src/daemon/log.h"

namespace {

constexpr int exit_usage = 2;

void usage(std::FILE* out) {
  std::fputs(
      "usage: svcbgpd --config FILE [--check] [--log-level LEVEL]\n"
      "       svcbgpd --version | --help\n"
      "  -c, --config FILE      the config file (every key, with its default: "
      "configs/svcbgpd.yaml);\n"
      "                         followed: a change to it (or to the ConfigMap folder holding it)\n"
      "                         reloads as SIGHUP does\n"
      "      --check            validate the config, print every problem with its key path, and "
      "exit\n"
      "      --log-level LEVEL  debug, info, warn or error; overrides log.level, also on reload\n"
      "  -V, --version          print the version and exit\n"
      "  -h, --help             this help\n"
      "Signals: SIGHUP reloads the config; SIGTERM and SIGINT shut down as `shutdown:` says.\n",
      out);
}

int bad_usage(const std::string& problem) {
  std::fprintf(stderr,
               "svcbgpd: %s (options: --config FILE, --check, --log-level LEVEL, --version, "
               "--help)\n",
               problem.c_str());
  return exit_usage;
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
  std::optional<std::string> level;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::optional<std::string> value;  // --flag=value
    if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a.resize(eq);
    }
    auto take_value = [&](const char* what) -> std::optional<std::string> {
      if (value) {
        return value;
      }
      if (i + 1 < argc) {
        return std::string(argv[++i]);
      }
      bad_usage(a + " needs " + what);
      return std::nullopt;
    };
    if (a == "--config" || a == "-c") {
      auto v = take_value("a file");
      if (!v) {
        return exit_usage;
      }
      config_path = *v;
    } else if (a == "--log-level") {
      auto v = take_value("a level");
      if (!v) {
        return exit_usage;
      }
      if (!svcbgp::daemon::log::parse_level(*v)) {
        return bad_usage("--log-level: '" + *v + "' is not one of debug, info, warn, error");
      }
      level = *v;
    } else if (value) {
      return bad_usage(a + " takes no value");
    } else if (a == "--check") {
      check = true;
    } else if (a == "--version" || a == "-V") {
      std::printf("svcbgpd %s\n", std::string(svcbgp::daemon::version).c_str());
      return 0;
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if (a.starts_with("-")) {
      return bad_usage("unknown option " + a);
    } else {
      return bad_usage("unexpected argument '" + a + "'");
    }
  }
  if (config_path.empty()) {
    return bad_usage("--config FILE is required");
  }
  auto env = svcbgp::config::environment::process();
  auto cfg = svcbgp::config::load_file(config_path, env);
  if (!cfg) {
    for (const auto& e : cfg.error()) {
      std::fprintf(stderr, "%s: %s\n", config_path.c_str(), e.to_string().c_str());
    }
    return 1;
  }
  for (const auto& w : cfg->warnings) {
    std::fprintf(stderr, "%s: warning: %s\n", config_path.c_str(), w.to_string().c_str());
  }
  if (check) {
    std::printf("%s: ok (%zu peers)\n", config_path.c_str(), cfg->peers.size());
    return 0;
  }
  try {
    svcbgp::daemon::app app(config_path, std::move(*cfg), env, level);
    return app.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "svcbgpd: %s\n", e.what());
    return 1;
  }
}
