#include "src/daemon/log_budget.h"

namespace svcbgp::daemon {

log_budget::verdict log_budget::take(const std::string& key, clock::time_point now) {
  auto [it, fresh] = keys_.try_emplace(key, state{now, 0, 0});
  auto& s = it->second;
  if (!fresh && now - s.window_start >= window_) {
    s.window_start = now;
    s.used = 0;
  }
  if (s.used >= lines_) {
    ++s.suppressed;
    return {};
  }
  ++s.used;
  verdict v{true, s.suppressed};
  s.suppressed = 0;
  return v;
}

}  // namespace svcbgp::daemon
