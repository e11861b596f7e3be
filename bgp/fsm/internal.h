// Helpers shared by the FSM's translation units (fsm.cc: the state handlers; steps.cc: the steps
// they share, timers and graceful restart). Internal to bgp/fsm.
//
// Concurrency: none.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "bgp/fsm/fsm.h"

namespace svcbgp::bgp::fsm::internal {

inline constexpr std::uint8_t bit(timer t) {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(t));
}

// Timers the connection itself runs; IdleHold and Restart outlive the connection.
inline constexpr timer connection_timers[] = {timer::connect_retry, timer::delay_open, timer::hold,
                                              timer::keepalive};

// Constructs the action in place: moving a temporary variant trips GCC 12's
// -Wmaybe-uninitialized on flush_stale's optional (GCC PR 80635).
template <class T, class... Args>
void emit(std::vector<action>& out, Args&&... args) {
  out.emplace_back(std::in_place_type<T>, T{std::forward<Args>(args)...});
}

inline bool contains(const std::vector<family>& v, family f) {
  return std::find(v.begin(), v.end(), f) != v.end();
}

}  // namespace svcbgp::bgp::fsm::internal
