// What a new config changes in a running svcbgpd, decided before anything is touched
// (kubernetes-native.md "One schema, two sources"): a pure function of the old and the new
// config, so that a reload is all or nothing.
//
// Peers whose address changes are removed and added again (their session resets anyway), and
// every removal goes before any addition: a peer renamed at the same address, or two peers that
// swap addresses, never meet an address still taken. A key that only a restart can apply
// (local_asn, router_id, listen, graceful_restart, node_name, kubernetes, admin, http) makes the
// whole plan refused: nothing of it is applied, and the reason names the key.
#pragma once

#include <string>
#include <vector>

#include "src/config/config.h"

namespace svcbgp::daemon {

struct reload_plan {
  std::vector<std::string> remove;   // peer names; applied first
  std::vector<config::peer> add;     // new peers, and peers whose address changed
  std::vector<config::peer> update;  // changed without a session reset (next hops, limits)
  std::vector<config::peer> reset;   // changed so that the session must start again
  bool reselect = false;             // advertise, selectors or peers changed: select routes again
  bool advertise_changed = false;    // advertise or the global node_selector
  std::vector<std::string> refused;  // "local_asn: 65001 -> 65002 needs a restart"

  bool ok() const { return refused.empty(); }
  // One line per change, for the log and the ReloadConfig answer ("peer tor1 reset", ...).
  std::vector<std::string> changes() const;
};

reload_plan plan_reload(const config::daemon_config& running, const config::daemon_config& next);

}  // namespace svcbgp::daemon
