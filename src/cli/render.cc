#include "src/cli/render.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <vector>

namespace svcbgp::cli {

namespace {

// Appends `line` without trailing blanks, and a newline; nothing unprintable reaches the terminal.
void put(std::string& out, std::string line) {
  line = printable(line);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
    line.pop_back();
  }
  out += line;
  out += '\n';
}

std::tm local(time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  return tm;
}

int millis(const google::protobuf::Timestamp& ts) {
  return ts.nanos() / 1'000'000;
}

template <typename Seq>
std::string join(const Seq& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += s;
  }
  return out;
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

}  // namespace

time_point from_proto(const google::protobuf::Timestamp& ts) {
  return time_point(std::chrono::duration_cast<time_point::duration>(
      std::chrono::seconds(ts.seconds()) + std::chrono::nanoseconds(ts.nanos())));
}

// BIRD's TM_ISO_SHORT_MS: the time of day within 20 hours, a date beyond.
std::string format_since(const google::protobuf::Timestamp& ts, time_point now) {
  const auto when = from_proto(ts);
  const auto t = local(when);
  if (now - when < std::chrono::hours(20)) {
    return fmt::format("{:02}:{:02}:{:02}.{:03}", t.tm_hour, t.tm_min, t.tm_sec, millis(ts));
  }
  return fmt::format("{:04}-{:02}-{:02}", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday);
}

std::string format_time(const google::protobuf::Timestamp& ts) {
  const auto t = local(from_proto(ts));
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, millis(ts));
}

// ----------------------------------------------------------------------------------------------
// show status

std::string render_status(const v1::GetStatusResponse& s) {
  std::string out;
  put(out, "svcbgpd " + s.version());
  put(out, "Node name is " + s.node_name());
  put(out, "Router ID is " + s.router_id());
  put(out, "Local AS is " + std::to_string(s.local_asn()));
  put(out, "Current server time is " + format_time(s.server_time()));
  put(out, "Last reboot on " + format_time(s.started()));
  auto up = s.server_time().seconds() - s.started().seconds();
  up = std::max<std::int64_t>(up, 0);
  put(out, fmt::format("Uptime is {}d {:02}:{:02}:{:02}", up / 86400, up % 86400 / 3600,
                       up % 3600 / 60, up % 60));
  put(out, "Last reconfiguration on " + format_time(s.last_reconfigured()));
  if (!s.last_reconfigure_error().empty()) {
    put(out, "Last reconfiguration failed: " + s.last_reconfigure_error());
  }
  put(out, "Config file is " + s.config_path());
  put(out, "Kubernetes sources:");
  put(out, fmt::format("  {:<16} {:<6} {:<12} {:>8} {:>8} {:>8}  {}", "Resource", "Synced", "Phase",
                       "Objects", "Relists", "Events", "Version"));
  for (const auto& src : s.sources()) {
    put(out, fmt::format("  {:<16} {:<6} {:<12} {:>8} {:>8} {:>8}  {}", src.resource(),
                         yes_no(src.synced()), src.phase(), src.objects(), src.relists(),
                         src.events(), src.resource_version()));
    if (!src.last_error().empty()) {
      put(out, "    Last error: " + src.last_error());
    }
  }
  put(out, s.ready() ? "Daemon is up and running"
                     : "Daemon is starting: waiting for every Kubernetes resource to sync");
  return out;
}

// ----------------------------------------------------------------------------------------------
// show protocols

namespace {

std::string protocol_state(const v1::Peer& p) {
  if (!p.enabled() || !p.held().empty()) {
    return "down";
  }
  return p.state() == v1::SESSION_STATE_ESTABLISHED ? "up" : "start";
}

std::string protocol_info(const v1::Peer& p) {
  if (!p.enabled()) {
    return "";
  }
  if (!p.held().empty()) {
    return "Held: " + p.held();
  }
  std::string info = fmt::format("{:<13} ", p.state_name());
  if (p.state() != v1::SESSION_STATE_ESTABLISHED) {
    info += p.last_error();
  }
  return info;
}

void capabilities(std::string& out, const v1::Capabilities& c) {
  if (c.multiprotocol_size() > 0) {
    put(out, "      Multiprotocol");
    put(out, "        AF announced: " + join(c.multiprotocol(), " "));
  }
  if (c.route_refresh()) {
    put(out, "      Route refresh");
  }
  if (c.extended_message()) {
    put(out, "      Extended message");
  }
  if (c.has_graceful_restart()) {
    const auto& gr = c.graceful_restart();
    put(out, "      Graceful restart");
    if (gr.restart_state()) {
      put(out, "        Restart recovery");
    }
    // As birdc: a capability that lists no families (BIRD's own default) is just the name.
    if (gr.families_size() > 0) {
      put(out, "        Restart time: " + std::to_string(gr.restart_time()));
      put(out, "        AF supported: " + join(gr.families(), " "));
      put(out, "        AF preserved: " + join(gr.preserved(), " "));
    }
  }
  if (c.has_four_octet_as()) {
    put(out, "      4-octet AS numbers");
  }
  if (c.enhanced_route_refresh()) {
    put(out, "      Enhanced refresh");
  }
  for (auto code : c.unknown_codes()) {
    // Capabilities we do not negotiate, named as the IANA registry does.
    switch (code) {
      case 5:
        put(out, "      Extended next hop");
        break;
      case 69:
        put(out, "      ADD-PATH");
        break;
      case 71:
        put(out, "      Long-lived graceful restart");
        break;
      case 73:
        put(out, "      Hostname");
        break;
      default:
        put(out, "      Unknown capability " + std::to_string(code));
    }
  }
}

// BIRD's BFD times: seconds with milliseconds.
std::string bfd_seconds(std::uint32_t us) {
  return fmt::format("{:.3f}", us / 1e6);
}

std::string timer(std::uint32_t configured) {
  return "---/" + std::to_string(configured);
}

// BIRD's "%t/%u": seconds left (0.000 when the timer is not running) over the negotiated time.
std::string timer_left(bool armed, std::uint32_t left_ms, std::uint32_t negotiated) {
  const std::uint32_t ms = armed ? left_ms : 0;
  return fmt::format("{}.{:03}/{}", ms / 1000, ms % 1000, negotiated);
}

void protocol_detail(std::string& out, const v1::Peer& p) {
  const bool up = p.state() == v1::SESSION_STATE_ESTABLISHED;
  put(out, "  BGP state:          " +
               (p.enabled() && p.held().empty() ? p.state_name() : std::string("Down")));
  if (!p.held().empty()) {
    put(out, "    Held:             " + p.held());
  }
  put(out, "    Neighbor address: " + p.address());
  if (p.port() != 179) {
    put(out, "    Neighbor port:    " + std::to_string(p.port()));
  }
  put(out, "    Neighbor AS:      " + std::to_string(p.asn()));
  put(out, "    Local AS:         " + std::to_string(p.local_asn()));
  if (p.has_session()) {
    const auto& s = p.session();
    put(out, "    Neighbor ID:      " + s.peer_router_id());
    put(out, "    Local capabilities");
    capabilities(out, p.local_capabilities());
    put(out, "    Neighbor capabilities");
    capabilities(out, s.peer_capabilities());
    std::string kind = p.ibgp() ? "internal" : "external";
    if (!p.ibgp() && p.ebgp_multihop() > 1) {
      kind += " multihop";
    }
    if (s.four_octet_as()) {
      kind += " AS4";
    }
    put(out, "    Session:          " + kind);
  }
  if (!p.local_address().empty()) {
    put(out, "    Source address:   " + p.local_address());
  }
  if (p.has_bfd()) {
    const auto& b = p.bfd();
    std::string line = printable(b.state());
    if (b.state() == "Up") {
      line += ", interval " + bfd_seconds(b.transmit_interval_us()) + " s, timeout " +
              bfd_seconds(b.detect_time_us()) + " s";
    } else if (!b.diagnostic().empty() && b.diagnostic() != "No Diagnostic") {
      line += " (" + printable(b.diagnostic()) + ")";
    }
    put(out, "    BFD session:      " + line);
  }
  if (up) {
    const auto& s = p.session();
    put(out, "    Hold timer:       " +
                 timer_left(s.has_hold_timer_left_ms(), s.hold_timer_left_ms(), s.hold_time()));
    put(out,
        "    Keepalive timer:  " + timer_left(s.has_keepalive_timer_left_ms(),
                                              s.keepalive_timer_left_ms(), s.keepalive_time()));
  } else if (p.enabled() && p.held().empty() && !p.passive()) {
    put(out, "    Connect retry:    " + timer(p.connect_retry_time()));
  }
  if (!up && !p.last_error().empty()) {
    put(out, "    Last error:       " + p.last_error());
  }
  // GoBGP's `neighbor` layout (BIRD has no such table): Sent, then Rcvd.
  put(out, "    Message statistics:");
  put(out, fmt::format("      {:<14}{:>10} {:>10}", "", "Sent", "Rcvd"));
  const auto row = [&](const char* name, std::uint64_t tx, std::uint64_t rx) {
    put(out, fmt::format("      {:<14}{:>10} {:>10}", name, tx, rx));
  };
  row("Opens:", p.sent().open(), p.received().open());
  row("Notifications:", p.sent().notification(), p.received().notification());
  row("Updates:", p.sent().update(), p.received().update());
  row("Keepalives:", p.sent().keepalive(), p.received().keepalive());
  row("Route Refresh:", p.sent().route_refresh(), p.received().route_refresh());
  row("Total:", p.sent().total(), p.received().total());
  put(out, "    Update errors:    " + std::to_string(p.updates_with_errors()) +
               " (RFC 7606 treat-as-withdraw or attribute discard)");
  put(out, "    End-of-RIB:       received " + yes_no(p.end_of_rib_received()) + ", sent " +
               yes_no(p.end_of_rib_sent()));
  if (p.routes_received_stale() > 0) {
    put(out, "    Graceful restart: " + std::to_string(p.routes_received_stale()) +
                 " stale routes kept while the neighbor restarts");
  }
  if (p.max_prefixes() > 0 || p.max_received_bytes() > 0) {
    std::string limit;
    if (p.max_prefixes() > 0) {
      limit = std::to_string(p.max_prefixes()) + " routes";
    }
    if (p.max_received_bytes() > 0) {
      limit += (limit.empty() ? "" : ", ") + std::to_string(p.max_received_bytes()) + " bytes";
    }
    put(out, "    Receive limit:    " + limit +
                 (p.max_prefixes_action() == "cease" ? " (past it: Cease)"
                                                     : " (past it: counted, not stored)"));
  }
  if (p.routes_unsendable() > 0) {
    put(out, "    Routes unsent:    " + std::to_string(p.routes_unsendable()) +
                 " (their attributes fit no UPDATE)");
  }
  if (p.routes_dropped_limit() > 0 || p.routes_dropped_loop() > 0) {
    put(out, "    Routes dropped:   " + std::to_string(p.routes_dropped_limit()) +
                 " past the limit, " + std::to_string(p.routes_dropped_loop()) +
                 " with our own AS in the path");
  }
  // One channel per family, with its route counts when the daemon sent them.
  std::vector<std::string> families(p.families().begin(), p.families().end());
  for (const auto& f : p.family_stats()) {
    if (std::find(families.begin(), families.end(), f.family()) == families.end()) {
      families.push_back(f.family());
    }
  }
  for (const auto& fam : families) {
    put(out, "  Channel " + fam);
    bool chan_up = false;
    if (up) {
      for (const auto& f : p.session().families()) {
        chan_up = chan_up || f == fam;
      }
    }
    put(out, std::string("    State:          ") + (chan_up ? "UP" : "DOWN"));
    put(out, "    Table:          " + std::string(fam == "ipv6" ? "master6" : "master4"));
    for (const auto& f : p.family_stats()) {
      if (f.family() != fam) {
        continue;
      }
      // BIRD's line as BIRD parsers read it; what BIRD has no word for goes on a line of its own.
      put(out, "    Routes:         " + std::to_string(f.received()) + " imported, " +
                   std::to_string(f.exported()) + " exported");
      if (f.received_stale() > 0) {
        put(out, "    Stale routes:   " + std::to_string(f.received_stale()) +
                     " imported, kept for graceful restart");
      }
    }
  }
}

}  // namespace

std::string render_protocols(const v1::ListPeersResponse& peers, bool detail, time_point now) {
  std::string out;
  put(out, "Name       Proto      Table      State  Since         Info");
  bool first = true;
  for (const auto& p : peers.peers()) {
    if (detail && !first) {
      put(out, "");
    }
    first = false;
    put(out, fmt::format("{:<10} {:<10} {:<10} {:<5}  {:<12}  {}", p.name(), "BGP", "---",
                         protocol_state(p), format_since(p.since(), now), protocol_info(p)));
    if (detail) {
      protocol_detail(out, p);
    }
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// show route

namespace {

std::string table_name(v1::RouteDirection d, const std::string& family) {
  const char* suffix = family == "ipv6" ? "6" : "4";
  return (d == v1::ROUTE_DIRECTION_EXPORTED ? "export" : "master") + std::string(suffix);
}

std::string family_of(const std::string& prefix) {
  return prefix.find(':') == std::string::npos ? "ipv4" : "ipv6";
}

char origin_char(const std::string& origin) {
  if (origin == "IGP") {
    return 'i';
  }
  if (origin == "EGP") {
    return 'e';
  }
  if (origin == "Incomplete") {
    return '?';
  }
  return 0;
}

// "65000:100" -> "(65000,100)" as BIRD prints standard communities; names stay as they are.
std::string bird_community(const std::string& c) {
  const auto colon = c.find(':');
  if (colon == std::string::npos || c.find_first_not_of("0123456789:") != std::string::npos) {
    return "(" + c + ")";
  }
  return "(" + c.substr(0, colon) + "," + c.substr(colon + 1) + ")";
}

// "65000:1:2" -> "(65000, 1, 2)".
std::string bird_large_community(const std::string& c) {
  std::string out = "(";
  for (char ch : c) {
    out += ch == ':' ? std::string(", ") : std::string(1, ch);
  }
  return out + ")";
}

void route_attributes(std::string& out, const v1::Attributes& a) {
  put(out, "\tType: BGP univ");
  if (!a.origin().empty()) {
    put(out, "\tBGP.origin: " + a.origin());
  }
  put(out, "\tBGP.as_path: " + a.as_path());
  if (!a.next_hop().empty()) {
    put(out, "\tBGP.next_hop: " + a.next_hop() +
                 (a.next_hop_link_local().empty() ? "" : " " + a.next_hop_link_local()));
  }
  if (a.has_med()) {
    put(out, "\tBGP.med: " + std::to_string(a.med()));
  }
  if (a.has_local_pref()) {
    put(out, "\tBGP.local_pref: " + std::to_string(a.local_pref()));
  }
  if (a.atomic_aggregate()) {
    put(out, "\tBGP.atomic_aggr:");
  }
  if (!a.aggregator().empty()) {
    // "AS ADDRESS" -> BIRD's "ADDRESS ASn".
    const auto space = a.aggregator().find(' ');
    put(out, "\tBGP.aggregator: " + a.aggregator().substr(space + 1) + " AS" +
                 a.aggregator().substr(0, space));
  }
  if (a.communities_size() > 0) {
    std::vector<std::string> cs;
    for (const auto& c : a.communities()) {
      cs.push_back(bird_community(c));
    }
    put(out, "\tBGP.community: " + join(cs, " "));
  }
  if (a.extended_communities_size() > 0) {
    std::vector<std::string> cs;
    for (const auto& c : a.extended_communities()) {
      cs.push_back(printable(c));
    }
    put(out, "\tBGP.ext_community: " + join(cs, " "));
  }
  if (a.large_communities_size() > 0) {
    std::vector<std::string> cs;
    for (const auto& c : a.large_communities()) {
      cs.push_back(bird_large_community(c));
    }
    put(out, "\tBGP.large_community: " + join(cs, " "));
  }
  if (!a.originator_id().empty()) {
    put(out, "\tBGP.originator_id: " + a.originator_id());
  }
  if (a.cluster_list_size() > 0) {
    put(out, "\tBGP.cluster_list: " + join(a.cluster_list(), " "));
  }
}

}  // namespace

std::string render_routes(const v1::ListRoutesResponse& routes, bool detail, bool filtered,
                          time_point now) {
  std::string out;
  std::string table;
  for (const auto& r : routes.routes()) {
    const auto t = table_name(r.direction(), family_of(r.prefix()));
    if (t != table) {
      table = t;
      put(out, "Table " + table + ":");
    }
    const auto& a = r.attributes();
    std::string path_info = "[";
    if (a.has_origin_as()) {
      path_info += "AS" + std::to_string(a.origin_as());
    }
    if (const char o = origin_char(a.origin()); o != 0) {
      path_info += o;
    }
    path_info += "]";
    put(out, fmt::format("{:<20} unicast [{} {}] * (100{}) {}", r.prefix(), r.peer(),
                         format_since(r.since(), now), r.stale() ? "s" : "", path_info));
    if (!a.next_hop().empty()) {
      put(out, "\tvia " + a.next_hop());
    } else if (r.direction() == v1::ROUTE_DIRECTION_EXPORTED) {
      put(out, "\tvia self");
    }
    if (detail) {
      route_attributes(out, a);
    }
  }
  if (routes.routes_size() == 0 && filtered) {
    put(out, "Network not found");
  }
  return out;
}

std::string render_route_count(const v1::ListRoutesResponse& routes) {
  std::string out;
  std::uint64_t total = 0;
  std::uint64_t networks = 0;
  for (const auto& c : routes.counts()) {
    put(out, fmt::format("{} of {} routes for {} networks in table {}", c.routes(), c.routes(),
                         c.networks(), table_name(c.direction(), c.family())));
    total += c.routes();
    networks += c.networks();
  }
  put(out, fmt::format("Total: {} of {} routes for {} networks in {} tables", total, total,
                       networks, routes.counts_size()));
  return out;
}

std::string render_ip_owner(const v1::ListServicesResponse& services, std::string_view ip) {
  std::string out;
  if (services.services_size() == 0) {
    put(out, "IP " + std::string(ip) + " belongs to no service");
    return out;
  }
  for (const auto& d : services.services()) {
    std::string line = "IP " + d.ip() + " belongs to service " + d.namespace_() + "/" + d.name() +
                       " (" + d.kind() + ", " + d.traffic_policy() + "): ";
    line += d.announced() ? "announced as " + d.announced_as() : std::string("not announced");
    line += " (" + d.reason() + (d.detail().empty() ? "" : ": " + d.detail()) + ")";
    put(out, line);
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// show services

std::string render_services(const v1::ListServicesResponse& services) {
  // WEIGHT only when weighted ECMP gives some route a weight: otherwise it says nothing.
  const bool weights =
      std::ranges::any_of(services.services(), [](const auto& d) { return d.has_weight(); });
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"SERVICE", "KIND", "IP", "POLICY", "LOCAL", "READY", "ANNOUNCED", "REASON"});
  if (weights) {
    rows[0].insert(rows[0].begin() + 6, "WEIGHT");
  }
  for (const auto& d : services.services()) {
    std::string reason = d.reason();
    if (!d.detail().empty()) {
      reason += " (" + d.detail() + ")";
    }
    // Escaped before the columns are measured, so that they stay aligned.
    rows.push_back({printable(d.namespace_() + "/" + d.name()), printable(d.kind()),
                    printable(d.ip()), printable(d.traffic_policy()),
                    std::to_string(d.local_ready()) + "/" + std::to_string(d.local_draining()),
                    std::to_string(d.ready_endpoints()),
                    d.announced() ? printable(d.announced_as()) : std::string("no"),
                    printable(reason)});
    if (weights) {
      rows.back().insert(rows.back().begin() + 6,
                         d.has_weight() ? std::to_string(d.weight()) : std::string("-"));
    }
  }
  return bgp::columns(rows, 2);
}

std::string render_bfd_sessions(const v1::ListBfdSessionsResponse& r, time_point now) {
  if (r.sessions_size() == 0) {
    return "No BFD sessions (peers[].bfd.enabled)\n";
  }
  std::vector<std::vector<std::string>> rows{
      {"IP address", "Peer", "State", "Since", "Interval", "Timeout"}};
  for (const auto& s : r.sessions()) {
    rows.push_back({printable(s.address()) + (s.multihop() ? " (multihop)" : ""),
                    printable(s.peer()), printable(s.state()), format_since(s.since(), now),
                    bfd_seconds(s.transmit_interval_us()), bfd_seconds(s.detect_time_us())});
  }
  return bgp::columns(rows, 2);
}

std::string render_peer_action(const google::protobuf::RepeatedPtrField<std::string>& peers,
                               std::string_view done) {
  std::string out;
  for (const auto& p : peers) {
    put(out, p + ": " + std::string(done));
  }
  return out;
}

std::string render_reload(const v1::ReloadConfigResponse& r, bool check_only) {
  std::string out;
  put(out, "Reading configuration from " + r.config_path());
  for (const auto& e : r.errors()) {
    put(out, r.config_path() + ": " + e);
  }
  if (!r.ok()) {
    put(out, check_only ? "Configuration has errors" : "Configuration has errors, not applied");
    return out;
  }
  put(out, check_only ? "Configuration OK" : "Reconfigured");
  for (const auto& c : r.changes()) {
    put(out, "  " + c);
  }
  return out;
}

std::string to_json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.always_print_primitive_fields = true;
  o.preserve_proto_field_names = true;
  std::string out;
  const auto st = google::protobuf::util::MessageToJsonString(m, &out, o);
  if (!st.ok()) {
    return "{}\n";
  }
  if (out.empty() || out.back() != '\n') {
    out += '\n';
  }
  return out;
}

}  // namespace svcbgp::cli
