#include "src/engine/reconciler.h"

namespace svcbgp::engine {

reconciler::reconciler(engine_config cfg, route_sink& sink)
    : selector_(std::move(cfg)), sink_(sink) {}

std::optional<reconciler::clock::time_point> reconciler::on_batch(clock::time_point now) {
  ++stats_.batches;
  if (pending_) {
    return std::nullopt;
  }
  pending_ = now;
  return now + selector_.config().advertise.batch_delay;
}

void reconciler::run(k8s::cluster_cache& cache) {
  pending_.reset();
  const auto start = clock::now();
  if (!initialized_) {
    cache.take_changes();
    selector_.full(cache);
    initialized_ = true;
    std::vector<std::string> all;
    for (const auto& p : selector_.config().peers) {
      all.push_back(p.name);
    }
    push(all);
  } else {
    // The batch is dropped before the push: after a relist it names every service, and the
    // peers' pending lists are built during the push (P3 peak).
    bool changed = false;
    if (auto batch = cache.take_changes(); !batch.empty()) {
      selector_.update(cache, batch);
      changed = true;
    }
    if (changed) {
      push(selector_.changed_peers());
    }
  }
  ++stats_.runs;
  stats_.last_duration = clock::now() - start;
  stats_.max_duration = std::max(stats_.max_duration, stats_.last_duration);
}

void reconciler::reconfigure(engine_config cfg, k8s::cluster_cache& cache) {
  selector_ = selector(std::move(cfg));
  initialized_ = false;
  run(cache);
}

void reconciler::push(const std::vector<std::string>& peers) {
  for (const auto& p : peers) {
    if (const auto* changed = selector_.changed_prefixes(p)) {
      sink_.update_routes(p, selector_.routes(p), *changed);
    } else {
      sink_.set_routes(p, selector_.routes(p));
    }
    ++stats_.peer_updates;
  }
}

}  // namespace svcbgp::engine
