#include "src/daemon/admin_adapter.h"

#include <list>
#include <mutex>

#include "src/daemon/bfd_links.h"
#include "src/daemon/route_query.h"

namespace svcbgp::daemon {

struct admin_adapter::subscriber_list {
  std::mutex mutex;
  std::list<std::function<void(const admin::daemon_event&)>> callbacks;
};

admin_adapter::admin_adapter(parts p)
    : parts_(std::move(p)), subscribers_(std::make_shared<subscriber_list>()) {}

admin_adapter::~admin_adapter() = default;

admin::daemon_status admin_adapter::status() {
  return parts_.status();
}

std::vector<bgp::peer_status> admin_adapter::peers() {
  auto* sp = parts_.speaker();
  return sp != nullptr ? sp->peers() : std::vector<bgp::peer_status>{};
}

bool admin_adapter::enable_peer(const std::string& name) {
  auto* sp = parts_.speaker();
  return sp != nullptr && sp->enable_peer(name);
}

bool admin_adapter::disable_peer(const std::string& name, const std::string& message) {
  auto* sp = parts_.speaker();
  return sp != nullptr && sp->disable_peer(name, message);
}

bool admin_adapter::reset_peer(const std::string& name, bool hard, bool in) {
  auto* sp = parts_.speaker();
  return sp != nullptr && (hard ? sp->restart_peer(name) : sp->refresh_peer(name, in));
}

std::vector<admin::route_entry> admin_adapter::routes(const admin::route_query& q) {
  const auto* sp = parts_.speaker();
  if (sp == nullptr) {
    return {};
  }
  std::vector<peer_tables> tables;
  for (const auto& p : sp->peers()) {
    if (q.peer && *q.peer != p.config.name) {
      continue;
    }
    peer_tables t{p.config.name, p.since, {}, {}};
    if (q.exported) {
      t.exported = sp->exported_routes(p.config.name);
    }
    if (q.received) {
      t.received = sp->received_routes(p.config.name);
    }
    tables.push_back(std::move(t));
  }
  return query_routes(tables, q);
}

std::vector<engine::decision> admin_adapter::services(const std::optional<k8s::object_key>& only) {
  const auto* sel = parts_.selection();
  if (sel == nullptr) {
    return {};
  }
  return only ? sel->decisions_for(*only) : sel->decisions();
}

admin::reload_result admin_adapter::reload(bool check_only) {
  return parts_.reload(check_only);
}

void admin_adapter::shutdown() {
  parts_.shutdown();
}

std::vector<admin::bfd_session_info> admin_adapter::bfd_sessions() {
  std::vector<admin::bfd_session_info> out;
  const auto* bfd = parts_.bfd();
  if (bfd == nullptr) {
    return out;
  }
  for (const auto& l : bfd->sessions()) {
    admin::bfd_session_info s;
    s.peer = l.peer;
    s.address = l.address;
    s.multihop = l.multihop;
    s.state = std::string(bgp::bfd::to_string(l.session.local));
    s.remote_state = std::string(bgp::bfd::to_string(l.session.remote));
    s.diagnostic = std::string(bgp::bfd::to_string(l.session.local_diag));
    s.since = l.since;
    s.transmit_interval = l.session.tx_interval;
    s.detect_time = l.session.detect_time;
    s.local_discriminator = l.session.local_discriminator;
    s.remote_discriminator = l.session.remote_discriminator;
    out.push_back(std::move(s));
  }
  return out;
}

std::shared_ptr<void> admin_adapter::subscribe(std::function<void(const admin::daemon_event&)> cb) {
  std::lock_guard lock(subscribers_->mutex);
  auto it = subscribers_->callbacks.insert(subscribers_->callbacks.end(), std::move(cb));
  return std::shared_ptr<void>(nullptr, [weak = std::weak_ptr(subscribers_), it](void*) {
    if (auto s = weak.lock()) {
      std::lock_guard lock(s->mutex);
      s->callbacks.erase(it);
    }
  });
}

bool admin_adapter::watched() const {
  std::lock_guard lock(subscribers_->mutex);
  return !subscribers_->callbacks.empty();
}

void admin_adapter::publish(const admin::daemon_event& e) {
  // Called outside the lock: a callback may drop the last hold on a stream, whose subscription
  // then leaves the list.
  std::vector<std::function<void(const admin::daemon_event&)>> callbacks;
  {
    std::lock_guard lock(subscribers_->mutex);
    callbacks.assign(subscribers_->callbacks.begin(), subscribers_->callbacks.end());
  }
  for (const auto& cb : callbacks) {
    cb(e);
  }
}

}  // namespace svcbgp::daemon
