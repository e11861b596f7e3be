#include "src/admin/convert.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "bgp/codec/ext_community.h"

namespace svcbgp::admin {

std::string family_name(bgp::family f) {
  if (f == bgp::ipv4_unicast) {
    return "ipv4";
  }
  if (f == bgp::ipv6_unicast) {
    return "ipv6";
  }
  return bgp::to_string(f);
}

v1::SessionState to_proto(bgp::fsm::state s) {
  switch (s) {
    case bgp::fsm::state::idle:
      return v1::SESSION_STATE_IDLE;
    case bgp::fsm::state::connect:
      return v1::SESSION_STATE_CONNECT;
    case bgp::fsm::state::active:
      return v1::SESSION_STATE_ACTIVE;
    case bgp::fsm::state::open_sent:
      return v1::SESSION_STATE_OPEN_SENT;
    case bgp::fsm::state::open_confirm:
      return v1::SESSION_STATE_OPEN_CONFIRM;
    case bgp::fsm::state::established:
      return v1::SESSION_STATE_ESTABLISHED;
  }
  return v1::SESSION_STATE_UNSPECIFIED;
}

void set_time(google::protobuf::Timestamp* ts, std::chrono::system_clock::time_point t) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  auto secs = ns / 1'000'000'000;
  auto rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --secs;
  }
  ts->set_seconds(secs);
  ts->set_nanos(static_cast<std::int32_t>(rem));
}

std::string router_id_string(std::uint32_t host_order) {
  return bgp::ip_address::v4(host_order).to_string();
}

void to_proto(const admin::bfd_session_info& s, v1::BfdSession* out) {
  out->set_peer(s.peer);
  out->set_address(s.address.to_string());
  out->set_multihop(s.multihop);
  out->set_state(s.state);
  out->set_remote_state(s.remote_state);
  out->set_diagnostic(s.diagnostic);
  set_time(out->mutable_since(), s.since);
  out->set_transmit_interval_us(static_cast<std::uint32_t>(s.transmit_interval.count()));
  out->set_detect_time_us(static_cast<std::uint32_t>(s.detect_time.count()));
  out->set_local_discriminator(s.local_discriminator);
  out->set_remote_discriminator(s.remote_discriminator);
}

void to_proto(const admin::daemon_status& s, v1::GetStatusResponse* out) {
  out->set_version(s.version);
  out->set_node_name(s.node_name);
  out->set_router_id(s.router_id);
  out->set_local_asn(s.local_asn);
  set_time(out->mutable_started(), s.started);
  set_time(out->mutable_last_reconfigured(), s.last_reconfigured);
  out->set_last_reconfigure_error(s.last_reconfigure_error.value_or(""));
  out->set_config_path(s.config_path);
  for (const auto& src : s.sources) {
    auto* o = out->add_sources();
    o->set_resource(src.resource);
    o->set_synced(src.synced);
    o->set_phase(src.phase);
    o->set_resource_version(src.resource_version);
    o->set_objects(src.objects);
    o->set_relists(src.relists);
    o->set_events(src.events);
    o->set_last_error(src.last_error.value_or(""));
  }
  out->set_ready(s.ready);
}

void to_proto(const bgp::capabilities& c, v1::Capabilities* out) {
  for (const auto& f : c.multiprotocol) {
    out->add_multiprotocol(family_name(f));
  }
  out->set_route_refresh(c.route_refresh);
  out->set_enhanced_route_refresh(c.enhanced_route_refresh);
  out->set_extended_message(c.extended_message);
  if (c.four_octet_as) {
    out->set_four_octet_as(*c.four_octet_as);
  }
  if (c.graceful_restart) {
    auto* gr = out->mutable_graceful_restart();
    gr->set_restart_state(c.graceful_restart->restart_state);
    gr->set_notification(c.graceful_restart->notification);
    gr->set_restart_time(c.graceful_restart->restart_time);
    for (const auto& f : c.graceful_restart->families) {
      gr->add_families(family_name(f.fam));
      if (f.forwarding_preserved) {
        gr->add_preserved(family_name(f.fam));
      }
    }
  }
  for (const auto& u : c.unknown) {
    out->add_unknown_codes(u.code);
  }
}

namespace {

void counters(const bgp::message_counters& c, v1::MessageCounters* out) {
  out->set_open(c.open);
  out->set_update(c.update);
  out->set_notification(c.notification);
  out->set_keepalive(c.keepalive);
  out->set_route_refresh(c.route_refresh);
  out->set_total(c.total());
}

std::uint32_t seconds(std::chrono::seconds s) {
  return static_cast<std::uint32_t>(s.count() < 0 ? 0 : s.count());
}

}  // namespace

void to_proto(const bgp::peer_status& p, const local_identity& local, v1::Peer* out) {
  const auto& cfg = p.config;
  out->set_name(cfg.name);
  out->set_address(cfg.address.to_string());
  out->set_port(cfg.port);
  out->set_asn(cfg.asn);
  out->set_local_asn(local.local_asn);
  out->set_ibgp(cfg.is_ibgp(local.local_asn));
  out->set_enabled(cfg.enabled);
  out->set_passive(cfg.passive);
  out->set_state(to_proto(p.state));
  out->set_state_name(std::string(bgp::fsm::to_string(p.state)));
  set_time(out->mutable_since(), p.since);
  out->set_last_error(p.last_error.value_or(""));
  out->set_held(p.held.value_or(""));
  out->set_hold_time(seconds(cfg.hold_time));
  out->set_keepalive_time(cfg.keepalive_time ? seconds(*cfg.keepalive_time) : 0);
  out->set_connect_retry_time(seconds(cfg.connect_retry_time));
  out->set_ebgp_multihop(cfg.ebgp_multihop);
  out->set_ttl_security(cfg.ttl_security);
  out->set_md5(!cfg.password.empty());
  if (p.local_address) {
    out->set_local_address(p.local_address->to_string());
  } else if (cfg.source_address) {
    out->set_local_address(cfg.source_address->to_string());
  }
  for (const auto& f : cfg.families) {
    out->add_families(family_name(f));
  }
  out->set_max_prefixes(cfg.max_prefixes);

  // Our OPEN, as bgp/session builds it: every configured family, route refresh, extended
  // message, 4-octet AS, and graceful restart when configured (or when the session negotiated it,
  // which means we sent it).
  bgp::capabilities mine;
  mine.multiprotocol = cfg.families;
  mine.route_refresh = true;
  mine.extended_message = true;
  mine.four_octet_as = local.local_asn;
  const bool gr = local.graceful_restart || (p.session && p.session->peer_graceful_restart);
  if (gr) {
    bgp::graceful_restart_cap cap;
    cap.restart_time = local.restart_time;
    for (const auto& f : cfg.families) {
      cap.families.push_back({f, true});
    }
    mine.graceful_restart = cap;
  }
  to_proto(mine, out->mutable_local_capabilities());

  if (p.session) {
    const auto& n = *p.session;
    auto* s = out->mutable_session();
    s->set_peer_asn(n.peer_as);
    s->set_peer_router_id(router_id_string(n.peer_identifier));
    s->set_hold_time(seconds(n.hold_time));
    s->set_keepalive_time(seconds(n.keepalive_time));
    s->set_four_octet_as(n.four_octet_as);
    s->set_extended_message(n.extended_message);
    s->set_route_refresh(n.route_refresh);
    s->set_enhanced_route_refresh(n.enhanced_route_refresh);
    for (const auto& f : n.families) {
      s->add_families(family_name(f));
    }
    to_proto(n.peer_open.caps, s->mutable_peer_capabilities());
    s->set_peer_hold_time(n.peer_open.hold_time);
    if (p.hold_timer_left) {
      s->set_hold_timer_left_ms(static_cast<std::uint32_t>(p.hold_timer_left->count()));
    }
    if (p.keepalive_timer_left) {
      s->set_keepalive_timer_left_ms(static_cast<std::uint32_t>(p.keepalive_timer_left->count()));
    }
  }
  counters(p.sent, out->mutable_sent());
  counters(p.received, out->mutable_received());
  out->set_updates_with_errors(p.updates_with_errors);
  out->set_routes_exported(p.routes_exported);
  out->set_routes_sent(p.routes_sent);
  out->set_routes_received(p.routes_received);
  out->set_routes_received_stale(p.routes_received_stale);
  out->set_max_prefixes_action(cfg.max_prefixes_cease ? "cease" : "drop");
  out->set_max_received_bytes(cfg.max_received_bytes);
  out->set_routes_received_bytes(p.routes_received_bytes);
  out->set_routes_dropped_limit(p.routes_dropped_limit);
  out->set_routes_dropped_loop(p.routes_dropped_loop);
  out->set_routes_unsendable(p.routes_oversized);
  out->set_idle_hold_time(seconds(p.idle_hold));
  out->set_end_of_rib_sent(p.end_of_rib_sent);
  out->set_end_of_rib_received(p.end_of_rib_received);
}

std::vector<family_counts> count_families(const bgp::peer_status& p,
                                          const std::vector<admin::route_entry>& routes) {
  std::vector<family_counts> out;
  for (const auto& f : p.config.families) {
    out.push_back({f, 0, 0, 0});
  }
  for (const auto& r : routes) {
    if (r.peer != p.config.name) {
      continue;
    }
    const auto f = r.pfx.fam();
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& c) { return c.fam == f; });
    if (it == out.end()) {
      out.push_back({f, 0, 0, 0});
      it = out.end() - 1;
    }
    if (r.exported) {
      ++it->exported;
    } else {
      ++it->received;
      if (r.stale) {
        ++it->received_stale;
      }
    }
  }
  return out;
}

void add_family_stats(const std::vector<family_counts>& counts, v1::Peer* out) {
  out->clear_family_stats();
  for (const auto& c : counts) {
    auto* f = out->add_family_stats();
    f->set_family(family_name(c.fam));
    f->set_received(c.received);
    f->set_received_stale(c.received_stale);
    f->set_exported(c.exported);
  }
}

peers_answer collect_peers(admin::control& c, bool detail, const std::string* only) {
  peers_answer a;
  const auto st = c.status();
  a.local = {st.local_asn, st.graceful_restart, st.restart_time};
  for (auto& p : c.peers()) {
    if (only == nullptr || p.config.name == *only) {
      a.peers.push_back(std::move(p));
    }
  }
  std::sort(a.peers.begin(), a.peers.end(),
            [](const auto& x, const auto& y) { return x.config.name < y.config.name; });
  for (auto& b : c.bfd_sessions()) {
    if (only == nullptr || b.peer == *only) {
      a.bfd.emplace(b.peer, std::move(b));
    }
  }
  if (detail) {
    for (const auto& p : a.peers) {
      admin::route_query q;
      q.peer = p.config.name;
      a.counts.push_back(count_families(p, c.routes(q)));
    }
  }
  return a;
}

void to_proto(const peers_answer& a, std::size_t i, v1::Peer* out) {
  const auto& p = a.peers.at(i);
  to_proto(p, a.local, out);
  if (auto it = a.bfd.find(p.config.name); it != a.bfd.end()) {
    to_proto(it->second, out->mutable_bfd());
  }
  if (i < a.counts.size()) {
    add_family_stats(a.counts[i], out);
  }
}

namespace {

std::string origin_name(bgp::origin_type o) {
  switch (o) {
    case bgp::origin_type::igp:
      return "IGP";
    case bgp::origin_type::egp:
      return "EGP";
    case bgp::origin_type::incomplete:
      return "Incomplete";
  }
  return "?";
}

std::optional<std::uint32_t> last_as(const bgp::as_path& p) {
  // BIRD's "[AS64512i]": the last AS of the last segment (for an AS_SET, its last member).
  for (auto it = p.segments.rbegin(); it != p.segments.rend(); ++it) {
    if (it->type == bgp::as_path_segment::kind::confed_sequence ||
        it->type == bgp::as_path_segment::kind::confed_set) {
      continue;
    }
    if (!it->asns.empty()) {
      return it->asns.back();
    }
  }
  return std::nullopt;
}

}  // namespace

void to_proto(const bgp::path_attributes& a, v1::Attributes* out) {
  if (a.origin) {
    out->set_origin(origin_name(*a.origin));
  }
  if (a.path) {
    out->set_as_path(a.path->to_string());
    if (auto o = last_as(*a.path)) {
      out->set_origin_as(*o);
    }
  }
  if (a.next_hop) {
    out->set_next_hop(a.next_hop->to_string());
  } else if (a.mp_next_hop) {
    out->set_next_hop(a.mp_next_hop->to_string());
  }
  if (a.mp_next_hop_link_local) {
    out->set_next_hop_link_local(a.mp_next_hop_link_local->to_string());
  }
  if (a.med) {
    out->set_med(*a.med);
  }
  if (a.local_pref) {
    out->set_local_pref(*a.local_pref);
  }
  out->set_atomic_aggregate(a.atomic_aggregate);
  if (a.aggr) {
    out->set_aggregator(std::to_string(a.aggr->asn) + " " + a.aggr->address.to_string());
  }
  for (auto c : a.communities) {
    out->add_communities(bgp::community_to_string(c));
  }
  for (const auto& c : a.large_communities) {
    out->add_large_communities(c.to_string());
  }
  for (auto c : a.extended_communities) {
    out->add_extended_communities(bgp::ext_community_to_string(c));
  }
  if (a.originator_id) {
    out->set_originator_id(a.originator_id->to_string());
  }
  for (auto c : a.cluster_list) {
    out->add_cluster_list(router_id_string(c));
  }
  for (const auto& u : a.unknown) {
    out->add_unknown_types(u.type);
  }
}

void to_proto(const admin::route_entry& r, v1::Route* out) {
  out->set_prefix(r.pfx.to_string());
  out->set_peer(r.peer);
  out->set_direction(r.exported ? v1::ROUTE_DIRECTION_EXPORTED : v1::ROUTE_DIRECTION_RECEIVED);
  out->set_stale(r.stale);
  set_time(out->mutable_since(), r.since);
  if (r.attrs) {
    to_proto(*r.attrs, out->mutable_attributes());
  }
}

std::vector<v1::RouteCount> count_routes(const std::vector<admin::route_entry>& routes,
                                         bool exported, bool received) {
  // (direction, family) -> (routes, distinct prefixes)
  std::map<std::pair<int, bgp::family>, std::pair<std::uint64_t, std::set<bgp::prefix>>> m;
  for (const auto& f : {bgp::ipv4_unicast, bgp::ipv6_unicast}) {
    if (exported) {
      m[{v1::ROUTE_DIRECTION_EXPORTED, f}];
    }
    if (received) {
      m[{v1::ROUTE_DIRECTION_RECEIVED, f}];
    }
  }
  for (const auto& r : routes) {
    auto& e =
        m[{r.exported ? v1::ROUTE_DIRECTION_EXPORTED : v1::ROUTE_DIRECTION_RECEIVED, r.pfx.fam()}];
    ++e.first;
    e.second.insert(r.pfx);
  }
  std::vector<v1::RouteCount> out;
  for (const auto& [key, value] : m) {
    v1::RouteCount c;
    c.set_direction(static_cast<v1::RouteDirection>(key.first));
    c.set_family(family_name(key.second));
    c.set_routes(value.first);
    c.set_networks(value.second.size());
    out.push_back(std::move(c));
  }
  return out;
}

void to_proto(const engine::decision& d, v1::ServiceDecision* out) {
  out->set_namespace_(d.service.ns);
  out->set_name(d.service.name);
  out->set_kind(std::string(engine::to_string(d.kind)));
  // A headless service has no IP; Kubernetes writes "None" for it.
  out->set_ip(d.why == engine::reason::headless ? "None" : d.ip.to_string());
  if (d.announced) {
    out->set_announced_as(d.announced_as.to_string());
  }
  out->set_traffic_policy(d.policy == k8s::traffic_policy::local ? "Local" : "Cluster");
  out->set_announced(d.announced);
  out->set_reason(std::string(engine::to_string(d.why)));
  out->set_detail(d.detail);
  out->set_ready_endpoints(d.ready_endpoints);
  out->set_local_ready(d.local_ready);
  out->set_local_draining(d.local_draining);
  if (d.weight) {
    out->set_weight(*d.weight);
  }
}

void to_proto(const bgp::speaker_event& e, v1::PeerEvent* out) {
  using k = bgp::speaker_event::kind;
  out->set_peer(e.peer);
  switch (e.what) {
    case k::state_change:
      out->set_kind(v1::PeerEvent::KIND_STATE_CHANGE);
      break;
    case k::notification_sent:
      out->set_kind(v1::PeerEvent::KIND_NOTIFICATION_SENT);
      break;
    case k::notification_received:
      out->set_kind(v1::PeerEvent::KIND_NOTIFICATION_RECEIVED);
      break;
    case k::update_error:
      out->set_kind(v1::PeerEvent::KIND_UPDATE_ERROR);
      break;
    case k::end_of_rib_sent:
      out->set_kind(v1::PeerEvent::KIND_END_OF_RIB_SENT);
      break;
    case k::end_of_rib_received:
      out->set_kind(v1::PeerEvent::KIND_END_OF_RIB_RECEIVED);
      break;
    case k::connect_attempt:
      out->set_kind(v1::PeerEvent::KIND_CONNECT_ATTEMPT);
      break;
    case k::updates_written:
      out->set_kind(v1::PeerEvent::KIND_UPDATES_WRITTEN);
      break;
    case k::receive_limit:
      out->set_kind(v1::PeerEvent::KIND_RECEIVE_LIMIT);
      break;
    case k::warning:
      out->set_kind(v1::PeerEvent::KIND_WARNING);
      break;
  }
  out->set_from(to_proto(e.from));
  out->set_to(to_proto(e.to));
  if (e.notification) {
    out->set_notification(e.notification->to_string());
  }
  if (e.fam) {
    out->set_family(family_name(*e.fam));
  }
  out->set_text(e.text);
  out->set_count(e.count);
}

void to_proto(const admin::daemon_event& e, v1::WatchEventsResponse* out) {
  set_time(out->mutable_at(), e.at);
  switch (e.what) {
    case admin::daemon_event::kind::peer_state:
      if (e.peer) {
        to_proto(*e.peer, out->mutable_peer());
      } else {
        out->mutable_peer()->set_peer(e.peer_name);
      }
      break;
    case admin::daemon_event::kind::route_change: {
      auto* r = out->mutable_routes();
      r->set_peer(e.peer_name);
      for (const auto& p : e.announced) {
        r->add_announced(p.to_string());
      }
      for (const auto& p : e.withdrawn) {
        r->add_withdrawn(p.to_string());
      }
      break;
    }
    case admin::daemon_event::kind::service_decision:
      if (e.decision) {
        to_proto(*e.decision, out->mutable_service());
      } else {
        out->mutable_service();
      }
      break;
    case admin::daemon_event::kind::bfd_state: {
      auto* b = out->mutable_bfd();
      if (e.bfd) {
        b->set_peer(e.bfd->peer);
        b->set_address(e.bfd->address.to_string());
        b->set_multihop(e.bfd->multihop);
        b->set_from(e.bfd->from);
        b->set_to(e.bfd->to);
        b->set_diagnostic(e.bfd->diagnostic);
      }
      break;
    }
  }
}

void snapshot_event(const admin::bfd_session_info& s, std::chrono::system_clock::time_point now,
                    v1::WatchEventsResponse* out) {
  set_time(out->mutable_at(), now);
  auto* b = out->mutable_bfd();
  b->set_peer(s.peer);
  b->set_address(s.address.to_string());
  b->set_multihop(s.multihop);
  b->set_snapshot(true);
  b->set_to(s.state);
  b->set_diagnostic(s.diagnostic);
}

void snapshot_event(const bgp::peer_status& p, std::chrono::system_clock::time_point now,
                    v1::WatchEventsResponse* out) {
  set_time(out->mutable_at(), now);
  auto* e = out->mutable_peer();
  e->set_peer(p.config.name);
  e->set_kind(v1::PeerEvent::KIND_SNAPSHOT);
  e->set_from(to_proto(p.state));
  e->set_to(to_proto(p.state));
  e->set_text(p.last_error.value_or(""));
}

}  // namespace svcbgp::admin
