// A fake admin::control with a fixed, realistic data set (three peers, exported and received
// routes, service decisions), shared by the admin server tests, the svcbgpc golden tests and the
// svcbgpc end-to-end tests.
//
// Concurrency: once `io_thread` is set, every call must come from that thread (the admin server
// posts onto it); a call from another thread is counted in `wrong_thread_calls`. Records are
// guarded by a mutex so tests can read them from their own thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "src/admin/control.h"

namespace svcbgp::testing {

// 2024-01-31 10:00:00 UTC plus `ms` milliseconds.
std::chrono::system_clock::time_point fixture_time(std::int64_t ms = 0);

class fake_control : public admin::control {
 public:
  fake_control();

  admin::daemon_status status() override;
  std::vector<bgp::peer_status> peers() override;
  bool enable_peer(const std::string& name) override;
  bool disable_peer(const std::string& name, const std::string& message) override;
  bool reset_peer(const std::string& name, bool hard, bool in) override;
  std::vector<admin::route_entry> routes(const admin::route_query& q) override;
  std::vector<engine::decision> services(const std::optional<k8s::object_key>& only) override;
  admin::reload_result reload(bool check_only) override;
  void shutdown() override;
  std::shared_ptr<void> subscribe(std::function<void(const admin::daemon_event&)> cb) override;
  std::vector<admin::bfd_session_info> bfd_sessions() override;

  // Delivers an event to every subscriber (call on the io thread).
  void emit(const admin::daemon_event& e);
  std::size_t subscribers();

  std::atomic<std::thread::id> io_thread{};
  std::atomic<int> wrong_thread_calls{0};
  std::atomic<bool> config_broken{false};
  std::atomic<bool> shutdown_called{false};

  struct call {
    std::string what;  // "enable", "disable", "reset"
    std::string peer;
    std::string message;
    bool hard = false;
    bool in = false;
    friend bool operator==(const call&, const call&) = default;
  };
  std::vector<call> calls();

 private:
  void check_thread();

  std::mutex mutex_;
  std::vector<bgp::peer_status> peers_;
  std::vector<admin::route_entry> routes_;  // sorted as the server sends them
  std::vector<engine::decision> decisions_;
  std::vector<call> calls_;
  std::map<int, std::function<void(const admin::daemon_event&)>> subscribers_;
  int next_subscriber_ = 0;
};

}  // namespace svcbgp::testing
