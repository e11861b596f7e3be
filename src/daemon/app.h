// svcbgpd: the application object. Owns the io_context and every component, wires
// k8s source -> cluster cache -> reconciler (engine) -> speaker (bgp), serves /metrics /healthz
// /readyz, handles signals (SIGHUP reload, SIGTERM/SIGINT shutdown) and implements the admin
// API's view of the daemon (src/admin/control.h: the admin server, its consumer, owns it).
//
// Concurrency: one io_context on one thread; every method runs on it (the admin server posts).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "src/admin/control.h"
#include "src/config/config.h"

namespace boost::asio {
class io_context;
}

namespace svcbgp::daemon {

inline constexpr std::string_view version = SVCBGP_VERSION;  // meson's project version

using admin::control;
using admin::daemon_event;
using admin::daemon_status;
using admin::reload_result;
using admin::route_entry;
using admin::route_query;
using admin::source_status;

class app : public control {
 public:
  // `log_level`: the command line's --log-level, which outranks the file's on every reload.
  app(std::string config_path, config::daemon_config cfg, config::environment env,
      std::optional<std::string> log_level = std::nullopt);
  ~app() override;

  // Runs until shut down; returns the process exit code. Start-up failures throw.
  int run();
  boost::asio::io_context& io();

  // control
  daemon_status status() override;
  std::vector<bgp::peer_status> peers() override;
  bool enable_peer(const std::string& name) override;
  bool disable_peer(const std::string& name, const std::string& message) override;
  bool reset_peer(const std::string& name, bool hard, bool in) override;
  std::vector<route_entry> routes(const route_query& q) override;
  std::vector<engine::decision> services(const std::optional<k8s::object_key>& only) override;
  reload_result reload(bool check_only) override;
  std::vector<admin::bfd_session_info> bfd_sessions() override;
  void shutdown() override;
  std::shared_ptr<void> subscribe(std::function<void(const daemon_event&)> callback) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace svcbgp::daemon
