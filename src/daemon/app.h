// svcbgpd: the composition root. Owns the io_context and every component and wires them:
// k8s source -> the cluster cache -> reconciler (engine) -> speaker (bgp); the config file
// (config_file_source) or svcbgp.io objects (resource_config) -> the reload plan; /metrics
// (metrics_table), /healthz, /readyz; signals (SIGHUP reload, SIGTERM/SIGINT shutdown); the admin
// server through admin_adapter.
//
// Concurrency: one io_context on one thread; everything runs on it (the admin server posts).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "src/config/config.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::daemon {

inline constexpr std::string_view version = SVCBGP_VERSION;  // meson's project version

class app {
 public:
  // `log_level`: the command line's --log-level, which outranks the file's on every reload.
  app(std::string config_path, config::daemon_config cfg, config::environment env,
      std::optional<std::string> log_level = std::nullopt);
  ~app();

  // Runs until shut down; returns the process exit code. Start-up failures throw.
  int run();
  boost::asio::io_context& io();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::daemon
