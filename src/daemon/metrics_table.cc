#include "src/daemon/metrics_table.h"

#include "src/engine/selection.h"

namespace svcbgp::daemon {

std::string render_metrics(const metrics_snapshot& s) {
  metrics_writer w;
  const auto& peers = s.peers;
  w.family("svcbgp_bgp_session_up", "gauge", "1 when the BGP session is Established.");
  for (const auto& p : peers) {
    w.sample("svcbgp_bgp_session_up", {{"peer", p.config.name}},
             p.state == bgp::fsm::state::established ? 1 : 0);
  }
  w.family("svcbgp_bgp_session_state", "gauge", "1 for the session's current FSM state.");
  for (const auto& p : peers) {
    for (auto s : {bgp::fsm::state::idle, bgp::fsm::state::connect, bgp::fsm::state::active,
                   bgp::fsm::state::open_sent, bgp::fsm::state::open_confirm,
                   bgp::fsm::state::established}) {
      w.sample("svcbgp_bgp_session_state",
               {{"peer", p.config.name}, {"state", std::string(bgp::fsm::to_string(s))}},
               p.state == s ? 1 : 0);
    }
  }
  const auto messages = [&](const char* name, const char* help, bool sent) {
    w.family(name, "counter", help);
    for (const auto& p : peers) {
      const auto& c = sent ? p.sent : p.received;
      for (const auto& [type, v] :
           {std::pair{"open", c.open}, std::pair{"update", c.update},
            std::pair{"notification", c.notification}, std::pair{"keepalive", c.keepalive},
            std::pair{"route_refresh", c.route_refresh}}) {
        w.sample(name, {{"peer", p.config.name}, {"type", type}}, static_cast<double>(v));
      }
    }
  };
  messages("svcbgp_bgp_messages_sent_total", "BGP messages sent.", true);
  messages("svcbgp_bgp_messages_received_total", "BGP messages received.", false);
  w.family("svcbgp_bgp_notifications_total", "counter", "NOTIFICATION messages by direction.");
  for (const auto& [key, v] : *s.notifications) {
    const auto& [peer, dir, code, subcode] = key;
    w.sample("svcbgp_bgp_notifications_total",
             {{"peer", peer},
              {"direction", dir},
              {"code", std::to_string(code)},
              {"subcode", std::to_string(subcode)}},
             static_cast<double>(v));
  }
  w.family("svcbgp_bgp_announced_prefixes", "gauge", "Prefixes the peer holds from us.");
  for (const auto& p : peers) {
    w.sample("svcbgp_bgp_announced_prefixes", {{"peer", p.config.name}, {"family", "ipv4"}},
             static_cast<double>(p.routes_sent_ipv4));
    w.sample("svcbgp_bgp_announced_prefixes", {{"peer", p.config.name}, {"family", "ipv6"}},
             static_cast<double>(p.routes_sent_ipv6));
  }
  w.family("svcbgp_bgp_received_prefixes", "gauge", "Prefixes received from the peer.");
  for (const auto& p : peers) {
    w.sample("svcbgp_bgp_received_prefixes", {{"peer", p.config.name}, {"family", "ipv4"}},
             static_cast<double>(p.routes_received_ipv4));
    w.sample("svcbgp_bgp_received_prefixes", {{"peer", p.config.name}, {"family", "ipv6"}},
             static_cast<double>(p.routes_received_ipv6));
  }
  w.family("svcbgp_bgp_received_routes_dropped_total", "counter",
           "Received routes not stored: past the peer's limits, or with our own AS in the path.");
  for (const auto& p : peers) {
    w.sample("svcbgp_bgp_received_routes_dropped_total",
             {{"peer", p.config.name}, {"reason", "limit"}},
             static_cast<double>(p.routes_dropped_limit));
    w.sample("svcbgp_bgp_received_routes_dropped_total",
             {{"peer", p.config.name}, {"reason", "own_as"}},
             static_cast<double>(p.routes_dropped_loop));
  }
  w.family("svcbgp_bgp_routes_unsendable", "gauge",
           "Routes for the peer that fit no UPDATE (attributes too large); never sent.");
  for (const auto& p : peers) {
    w.sample("svcbgp_bgp_routes_unsendable", {{"peer", p.config.name}},
             static_cast<double>(p.routes_oversized));
  }
  w.family("svcbgp_bgp_received_bytes", "gauge",
           "What the received routes stored cost (max_received_bytes counts this).");
  for (const auto& p : peers) {
    w.sample("svcbgp_bgp_received_bytes", {{"peer", p.config.name}},
             static_cast<double>(p.routes_received_bytes));
  }
  const auto& src = s.sources;
  w.family("svcbgp_k8s_watch_events_total", "counter", "Watch events applied, by resource.");
  for (const auto& s : src) {
    w.sample("svcbgp_k8s_watch_events_total", {{"resource", s.resource}, {"type", "all"}},
             static_cast<double>(s.events));
  }
  w.family("svcbgp_k8s_relists_total", "counter", "Full relists, by resource.");
  for (const auto& s : src) {
    w.sample("svcbgp_k8s_relists_total", {{"resource", s.resource}},
             static_cast<double>(s.relists));
  }
  w.family("svcbgp_k8s_objects_skipped_total", "counter",
           "Objects skipped as malformed, by resource (directory source: in the last read).");
  for (const auto& s : src) {
    w.sample("svcbgp_k8s_objects_skipped_total", {{"resource", s.resource}},
             static_cast<double>(s.skipped));
  }
  w.family("svcbgp_k8s_fields_ignored_total", "counter",
           "Values ignored inside objects that were used (an IP that is not one), by resource "
           "(directory source: in the last read).");
  for (const auto& s : src) {
    w.sample("svcbgp_k8s_fields_ignored_total", {{"resource", s.resource}},
             static_cast<double>(s.fields_ignored));
  }
  w.family("svcbgp_k8s_synced", "gauge", "1 once the resource has been listed.");
  for (const auto& s : src) {
    w.sample("svcbgp_k8s_synced", {{"resource", s.resource}}, s.synced ? 1 : 0);
  }
  // Counts kept by the selector: a scrape costs the same at 100k services as at 10.
  std::map<std::string, std::uint64_t> announced;
  for (auto kind : {engine::ip_kind::cluster_ip, engine::ip_kind::external_ip,
                    engine::ip_kind::load_balancer_ip}) {
    announced[std::string(engine::to_string(kind))] = s.announced[static_cast<std::size_t>(kind)];
  }
  w.family("svcbgp_config_reloads_total", "counter",
           "Config reloads (SIGHUP, the admin API, the file changing), by result.");
  w.sample("svcbgp_config_reloads_total", {{"result", "ok"}}, static_cast<double>(s.reloads_ok));
  w.sample("svcbgp_config_reloads_total", {{"result", "rejected"}},
           static_cast<double>(s.reloads_rejected));
  w.sample("svcbgp_config_reloads_total", {{"result", "refused"}},
           static_cast<double>(s.reloads_refused));
  w.family("svcbgp_services_announced", "gauge", "Service IPs announced, by kind.");
  for (const auto& [kind, v] : announced) {
    w.sample("svcbgp_services_announced", {{"kind", kind}}, static_cast<double>(v));
  }
  if (!s.bfd.empty()) {
    w.family("svcbgp_bfd_session_up", "gauge", "1 while the peer's BFD session is Up.");
    for (const auto& b : s.bfd) {
      w.sample("svcbgp_bfd_session_up", {{"peer", b.peer}},
               b.session.local == bgp::bfd::state::up ? 1 : 0);
    }
    w.family("svcbgp_bfd_session_state", "gauge",
             "The BFD session's state (RFC 5880 §4.1), one-hot.");
    for (const auto& b : s.bfd) {
      for (auto st : {bgp::bfd::state::admin_down, bgp::bfd::state::down, bgp::bfd::state::init,
                      bgp::bfd::state::up}) {
        w.sample("svcbgp_bfd_session_state",
                 {{"peer", b.peer}, {"state", std::string(bgp::bfd::to_string(st))}},
                 b.session.local == st ? 1 : 0);
      }
    }
    w.family("svcbgp_bfd_packets_total", "counter", "BFD control packets, by direction.");
    w.sample("svcbgp_bfd_packets_total", {{"direction", "received"}},
             static_cast<double>(s.bfd_counters.received));
    w.sample("svcbgp_bfd_packets_total", {{"direction", "sent"}},
             static_cast<double>(s.bfd_counters.sent));
    w.family("svcbgp_bfd_packets_dropped_total", "counter",
             "Received BFD packets dropped before any session saw them, by reason.");
    for (const auto& [reason, n] : s.bfd_counters.dropped) {
      w.sample("svcbgp_bfd_packets_dropped_total", {{"reason", reason}}, static_cast<double>(n));
    }
    w.family("svcbgp_bfd_detect_expirations_total", "counter",
             "BFD sessions brought Down by their detection time (a silent path).");
    w.sample("svcbgp_bfd_detect_expirations_total", {},
             static_cast<double>(s.bfd_counters.detect_expirations));
  }
  w.family("svcbgp_weight_updates_total", "counter",
           "Prefixes re-sent only because their weighted-ECMP link bandwidth changed.");
  w.sample("svcbgp_weight_updates_total", {}, static_cast<double>(s.weight_updates));
  w.write_histogram("svcbgp_reconcile_duration_seconds", "Time of one route selection run.", {},
                    *s.reconcile);
  w.write_histogram("svcbgp_event_to_update_seconds",
                    "From a cluster change reaching svcbgpd to the UPDATE written to a peer.", {},
                    *s.event_to_update);
  return w.text();
}

}  // namespace svcbgp::daemon
