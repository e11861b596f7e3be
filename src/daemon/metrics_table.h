// What /metrics shows (shared/spec/interfaces.md "Metrics"): every family, its help and labels,
// rendered from a snapshot the daemon takes on its io thread. Pure, so the table is tested on its
// own; counts come in already kept (a scrape costs the same at 100k services as at 10).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "bgp/session/speaker.h"
#include "src/admin/control.h"
#include "src/daemon/bfd_links.h"
#include "src/daemon/metrics.h"

namespace svcbgp::daemon {

// NOTIFICATIONs counted by (peer, "sent" | "received", code, subcode).
using notification_counts = std::map<std::tuple<std::string, std::string, int, int>, std::uint64_t>;

struct metrics_snapshot {
  std::vector<bgp::peer_status> peers;
  const notification_counts* notifications = nullptr;
  std::vector<admin::source_status> sources;
  // Service IPs announced, by engine::ip_kind (cluster, external, load balancer).
  std::array<std::size_t, 3> announced{};
  // Prefixes re-sent only because their weighted-ECMP weight changed (a reload starts it again).
  std::uint64_t weight_updates = 0;
  std::vector<bfd_link_status> bfd;  // one per peer with bfd.enabled
  bgp::bfd_counters bfd_counters;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_rejected = 0;
  std::uint64_t reloads_refused = 0;
  const histogram* reconcile = nullptr;
  const histogram* event_to_update = nullptr;
};

std::string render_metrics(const metrics_snapshot& s);

}  // namespace svcbgp::daemon
