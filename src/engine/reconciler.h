// The reconciler: coalesces batches of cluster changes for `batch_delay`, runs selection, and hands
// each changed peer's desired routes to the speaker (through route_sink, so tests use a fake).
//
// Pure: time comes in as arguments. The daemon arms a timer for the deadline on_batch() returns
// and calls run() when it fires. It keeps the last selection for the admin API.
//
// Concurrency: none; the daemon calls it on its io thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "src/engine/selection.h"

namespace svcbgp::engine {

class route_sink {
 public:
  virtual ~route_sink() = default;
  virtual void set_routes(const std::string& peer, const bgp::route_set& routes) = 0;
  // Only `changed` prefixes differ from the last routes handed over; `routes` is the full set.
  // A sink that can apply a difference does so in time proportional to `changed`.
  virtual void update_routes(const std::string& peer, const bgp::route_set& routes,
                             const std::vector<bgp::prefix>& changed) {
    (void)changed;
    set_routes(peer, routes);
  }
};

class reconciler {
 public:
  using clock = std::chrono::steady_clock;

  struct stats {
    std::uint64_t runs = 0;
    std::uint64_t batches = 0;
    std::uint64_t peer_updates = 0;  // set_routes calls
    clock::duration last_duration{};
    clock::duration max_duration{};
  };

  reconciler(engine_config cfg, route_sink& sink);

  // A batch of changes reached the cache at `now`. Returns when run() is due if the caller must
  // arm its timer (first batch since the last run), nullopt when a run is already due.
  std::optional<clock::time_point> on_batch(clock::time_point now);
  // Selection over what changed since the last run (everything on the first run); pushes the
  // routes of every peer whose set changed.
  void run(k8s::cluster_cache& cache);
  // A new config: everything is selected again and every peer's routes are pushed.
  void reconfigure(engine_config cfg, k8s::cluster_cache& cache);

  bool run_pending() const { return pending_.has_value(); }
  // When the oldest change not yet selected arrived (for the event-to-UPDATE histogram).
  std::optional<clock::time_point> pending_since() const { return pending_; }
  const selector& current() const { return selector_; }
  const stats& statistics() const { return stats_; }

 private:
  void push(const std::vector<std::string>& peers);

  selector selector_;
  route_sink& sink_;
  std::optional<clock::time_point> pending_;
  bool initialized_ = false;
  stats stats_;
};

}  // namespace svcbgp::engine
