#include "src/daemon/reload_plan.h"

#include <algorithm>
#include <map>

namespace svcbgp::daemon {
namespace {

std::string text(const std::optional<bgp::ip_address>& a, const char* none) {
  return a ? a->to_string() : none;
}

std::string text(config::k8s_source s) {
  switch (s) {
    case config::k8s_source::in_cluster:
      return "in-cluster";
    case config::k8s_source::kubeconfig:
      return "kubeconfig";
    case config::k8s_source::directory:
      return "directory";
  }
  return "?";
}

}  // namespace

std::vector<std::string> reload_plan::changes() const {
  std::vector<std::string> out;
  for (const auto& name : remove) {
    if (std::none_of(add.begin(), add.end(), [&](const auto& p) { return p.bgp.name == name; })) {
      out.push_back("peer " + name + " removed");
    }
  }
  for (const auto& p : add) {
    const bool moved = std::find(remove.begin(), remove.end(), p.bgp.name) != remove.end();
    out.push_back("peer " + p.bgp.name +
                  (moved ? " moved to " + p.bgp.address.to_string() : " added"));
  }
  for (const auto& p : reset) {
    out.push_back("peer " + p.bgp.name + " reset");
  }
  for (const auto& p : update) {
    out.push_back("peer " + p.bgp.name + " updated");
  }
  if (advertise_changed) {
    out.push_back("advertise: routes selected again");
  }
  return out;
}

reload_plan plan_reload(const config::daemon_config& running, const config::daemon_config& next) {
  reload_plan p;
  const auto refuse = [&](const char* key, const std::string& from, const std::string& to) {
    if (from != to) {
      p.refused.push_back(std::string(key) + ": " + (from.empty() ? "\"\"" : from) + " -> " +
                          (to.empty() ? "\"\"" : to) + " needs a restart");
    }
  };
  refuse("node_name", running.node_name, next.node_name);
  refuse("local_asn", std::to_string(running.local_asn), std::to_string(next.local_asn));
  refuse("router_id", text(running.router_id, "auto"), text(next.router_id, "auto"));
  refuse("listen.address", text(running.listen_address, "::"), text(next.listen_address, "::"));
  refuse("listen.port", std::to_string(running.listen_port), std::to_string(next.listen_port));
  refuse("graceful_restart.enabled", running.graceful_restart ? "true" : "false",
         next.graceful_restart ? "true" : "false");
  refuse("graceful_restart.restart_time", std::to_string(running.restart_time),
         std::to_string(next.restart_time));
  refuse("kubernetes.source", text(running.source), text(next.source));
  refuse("kubernetes.kubeconfig", running.kubeconfig, next.kubeconfig);
  refuse("kubernetes.directory", running.directory, next.directory);
  refuse("kubernetes.config", running.config_from_crds ? "crds" : "file",
         next.config_from_crds ? "crds" : "file");
  refuse("kubernetes.namespace", running.config_namespace, next.config_namespace);
  refuse("admin.socket", running.admin_socket, next.admin_socket);
  refuse("admin.listen", running.admin_listen, next.admin_listen);
  refuse("admin.tls_cert_file", running.admin_tls_cert, next.admin_tls_cert);
  refuse("admin.tls_key_file", running.admin_tls_key, next.admin_tls_key);
  refuse("admin.tls_client_ca_file", running.admin_tls_client_ca, next.admin_tls_client_ca);
  refuse("http.listen", running.http_listen, next.http_listen);
  if (!p.refused.empty()) {
    return p;
  }

  std::map<std::string, const config::peer*> old_peers;
  for (const auto& q : running.peers) {
    old_peers[q.bgp.name] = &q;
  }
  std::map<std::string, const config::peer*> new_peers;
  for (const auto& q : next.peers) {
    new_peers[q.bgp.name] = &q;
  }
  for (const auto& [name, q] : old_peers) {
    auto it = new_peers.find(name);
    if (it == new_peers.end() || !(it->second->bgp.address == q->bgp.address)) {
      p.remove.push_back(name);
    }
  }
  for (const auto& q : next.peers) {
    auto it = old_peers.find(q.bgp.name);
    if (it == old_peers.end() || !(it->second->bgp.address == q.bgp.address)) {
      p.add.push_back(q);
    } else if (!(it->second->bgp == q.bgp)) {
      (q.bgp.session_differs(it->second->bgp) ? p.reset : p.update).push_back(q);
    } else if (q.node_selector != it->second->node_selector ||
               q.advertise != it->second->advertise) {
      p.update.push_back(q);
    }
  }
  p.advertise_changed =
      !(running.advertise == next.advertise) || running.node_selector != next.node_selector;
  p.reselect = p.advertise_changed ||
               std::any_of(next.peers.begin(), next.peers.end(),
                           [&](const config::peer& q) {
                             auto it = old_peers.find(q.bgp.name);
                             return it == old_peers.end() ||
                                    it->second->node_selector != q.node_selector ||
                                    it->second->advertise != q.advertise;
                           }) ||
               running.peers.size() != next.peers.size();
  return p;
}

}  // namespace svcbgp::daemon
