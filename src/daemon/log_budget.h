// How many lines one source (a peer) may add to the log per window: a misbehaving ToR that sends
// thousands of bad UPDATEs must not flood the node's log. Pure; the caller passes the time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace svcbgp::daemon {

class log_budget {
 public:
  using clock = std::chrono::steady_clock;

  log_budget(std::size_t lines_per_window, clock::duration window)
      : lines_(lines_per_window), window_(window) {}

  struct verdict {
    bool log = false;
    // Lines left out for this key since the last one logged (the caller says so in that line).
    std::uint64_t suppressed = 0;
  };
  verdict take(const std::string& key, clock::time_point now);
  void forget(const std::string& key) { keys_.erase(key); }

 private:
  struct state {
    clock::time_point window_start;
    std::size_t used = 0;
    std::uint64_t suppressed = 0;
  };
  std::size_t lines_;
  clock::duration window_;
  std::map<std::string, state> keys_;
};

}  // namespace svcbgp::daemon
