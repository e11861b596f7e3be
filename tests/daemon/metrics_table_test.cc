#include "src/daemon/metrics_table.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace svcbgp::daemon {
namespace {

struct fixture {
  notification_counts notifications{{{"tor1", "received", 6, 2}, 3}};
  histogram reconcile{latency_buckets()};
  histogram event_to_update{latency_buckets()};
  metrics_snapshot snap;

  fixture() {
    bgp::peer_status p;
    p.config.name = "tor1";
    p.state = bgp::fsm::state::established;
    p.sent.update = 7;
    p.received.keepalive = 2;
    p.routes_sent_ipv4 = 5;
    p.routes_received_ipv6 = 1;
    p.routes_dropped_limit = 4;
    p.routes_oversized = 1;
    snap.peers.push_back(p);
    admin::source_status s;
    s.resource = "services";
    s.synced = true;
    s.events = 12;
    s.relists = 1;
    snap.sources.push_back(s);
    snap.notifications = &notifications;
    snap.announced = {1, 0, 5};
    snap.weight_updates = 4;
    bfd_link_status b;
    b.peer = "tor1";
    b.session.local = bgp::bfd::state::up;
    snap.bfd = {b};
    snap.bfd_counters.received = 30;
    snap.bfd_counters.sent = 31;
    snap.bfd_counters.dropped["ttl"] = 2;
    snap.bfd_counters.detect_expirations = 1;
    snap.reloads_ok = 2;
    snap.reloads_refused = 1;
    reconcile.observe(0.001);
    snap.reconcile = &reconcile;
    snap.event_to_update = &event_to_update;
  }
};

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    out.insert(l);
  }
  return out;
}

TEST(metrics_table, what_a_scrape_shows_for_one_peer_and_one_resource) {
  fixture f;
  const auto lines = lines_of(render_metrics(f.snap));
  for (const char* want : {
           "svcbgp_bgp_session_up{peer=\"tor1\"} 1",
           "svcbgp_bgp_session_state{peer=\"tor1\",state=\"Established\"} 1",
           "svcbgp_bgp_session_state{peer=\"tor1\",state=\"Idle\"} 0",
           "svcbgp_bgp_messages_sent_total{peer=\"tor1\",type=\"update\"} 7",
           "svcbgp_bgp_messages_received_total{peer=\"tor1\",type=\"keepalive\"} 2",
           "svcbgp_bgp_notifications_total{peer=\"tor1\",direction=\"received\",code=\"6\","
           "subcode=\"2\"} 3",
           "svcbgp_bgp_announced_prefixes{peer=\"tor1\",family=\"ipv4\"} 5",
           "svcbgp_bgp_received_prefixes{peer=\"tor1\",family=\"ipv6\"} 1",
           "svcbgp_bgp_received_routes_dropped_total{peer=\"tor1\",reason=\"limit\"} 4",
           "svcbgp_bgp_routes_unsendable{peer=\"tor1\"} 1",
           "svcbgp_k8s_watch_events_total{resource=\"services\",type=\"all\"} 12",
           "svcbgp_k8s_relists_total{resource=\"services\"} 1",
           "svcbgp_k8s_synced{resource=\"services\"} 1",
           "svcbgp_config_reloads_total{result=\"ok\"} 2",
           "svcbgp_config_reloads_total{result=\"refused\"} 1",
           "svcbgp_services_announced{kind=\"ClusterIP\"} 1",
           "svcbgp_services_announced{kind=\"LoadBalancerIP\"} 5",
           "svcbgp_weight_updates_total 4",
           "svcbgp_bfd_session_up{peer=\"tor1\"} 1",
           "svcbgp_bfd_session_state{peer=\"tor1\",state=\"Up\"} 1",
           "svcbgp_bfd_session_state{peer=\"tor1\",state=\"Down\"} 0",
           "svcbgp_bfd_packets_total{direction=\"received\"} 30",
           "svcbgp_bfd_packets_dropped_total{reason=\"ttl\"} 2",
           "svcbgp_bfd_detect_expirations_total 1",
           "svcbgp_reconcile_duration_seconds_count 1",
       }) {
    EXPECT_TRUE(lines.count(want)) << want;
  }
}

TEST(metrics_table, every_sample_belongs_to_a_family_with_help_and_type) {
  fixture f;
  std::set<std::string> typed;
  std::set<std::string> helped;
  std::istringstream in(render_metrics(f.snap));
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# HELP ", 0) == 0) {
      helped.insert(l.substr(7, l.find(' ', 7) - 7));
    } else if (l.rfind("# TYPE ", 0) == 0) {
      typed.insert(l.substr(7, l.find(' ', 7) - 7));
    } else if (!l.empty()) {
      auto name = l.substr(0, l.find_first_of("{ "));
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s(suffix);
        if (!typed.count(name) && name.size() > s.size() &&
            name.compare(name.size() - s.size(), s.size(), s) == 0) {
          name.resize(name.size() - s.size());
        }
      }
      EXPECT_TRUE(typed.count(name) && helped.count(name)) << l;
    }
  }
}

}  // namespace
}  // namespace svcbgp::daemon
