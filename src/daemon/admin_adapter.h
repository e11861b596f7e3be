// The admin API's view of svcbgpd (admin::control, the interface the admin server owns), answered
// from the parts the daemon hands it: the speaker, the route selection, the BFD sessions, and the
// daemon's own status, reload and shutdown. Any part may be missing: while svcbgpd waits for a
// config from svcbgp.io objects it has no speaker and no selection, and svcbgpc gets empty
// answers instead of a crash. It also keeps the WatchEvents subscribers.
//
// Concurrency: the admin server calls it on the daemon's io thread; subscribe()'s handles may be
// dropped on a gRPC thread, even after the adapter is gone (the subscriber list is shared and
// guarded).
#pragma once

#include <functional>
#include <memory>

#include "src/admin/control.h"

namespace svcbgp::daemon {

class bfd_links;

class admin_adapter final : public admin::control {
 public:
  struct parts {
    std::function<admin::daemon_status()> status;
    std::function<bgp::speaker*()> speaker;              // null until BGP starts
    std::function<const engine::selector*()> selection;  // null until BGP starts
    std::function<const bfd_links*()> bfd;               // null when no peer runs BFD
    std::function<admin::reload_result(bool)> reload;    // check_only
    std::function<void()> shutdown;
  };

  explicit admin_adapter(parts p);
  ~admin_adapter() override;
  admin_adapter(const admin_adapter&) = delete;
  admin_adapter& operator=(const admin_adapter&) = delete;

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

  // Someone watches: worth building an event with details.
  bool watched() const;
  // Hands the event to every subscriber, on the calling (io) thread.
  void publish(const admin::daemon_event& e);

 private:
  struct subscriber_list;
  parts parts_;
  std::shared_ptr<subscriber_list> subscribers_;
};

}  // namespace svcbgp::daemon
