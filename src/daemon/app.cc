#include "src/daemon/app.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "bgp/session/speaker.h"
#include "k8s/client/source.h"
#include "k8s/client/status_writer.h"
#include "k8s/directory/directory_source.h"
#include "k8s/model/cache.h"
#include "src/admin/server.h"
#include "src/daemon/admin_adapter.h"
#include "src/daemon/bfd_links.h"
#include "src/daemon/config_file_source.h"
#include "src/daemon/http_server.h"
#include "src/daemon/log.h"
#include "src/daemon/log_budget.h"
#include "src/daemon/metrics.h"
#include "src/daemon/metrics_table.h"
#include "src/daemon/reload_plan.h"
#include "src/daemon/resource_config.h"
#include "src/engine/policy.h"
#include "src/engine/reconciler.h"
#include "src/netlink/netlink.h"

namespace svcbgp::daemon {

namespace asio = boost::asio;
using admin::daemon_event;
using admin::daemon_status;
using admin::reload_result;
using admin::source_status;
using steady = std::chrono::steady_clock;

namespace {

// One line that says what to change when the BGP port cannot be had.
std::string listen_problem(const config::daemon_config& c, const boost::system::error_code& e) {
  const std::string where =
      (c.listen_address ? (c.listen_address->v6 ? "[" + c.listen_address->to_string() + "]"
                                                : c.listen_address->to_string())
                        : std::string("[::]")) +
      ":" + std::to_string(c.listen_port);
  namespace errc = boost::system::errc;
  if (e == errc::address_in_use) {
    return "listen: " + where +
           " is already in use (another BGP daemon on this node, such as Calico's BIRD or "
           "kube-router?); set listen.port: 0 to only connect to the peers, or pick another "
           "listen.address or listen.port";
  }
  if (e == errc::permission_denied) {
    return "listen: " + where +
           ": permission denied: a port below 1024 needs "
           "CAP_NET_BIND_SERVICE (configs/deploy/overlays/listen-179 adds it); or set "
           "listen.port: 0 to only connect to the peers";
  }
  if (e == errc::address_not_available) {
    return "listen: " + where + ": no such address on this node; fix listen.address";
  }
  return "listen: " + where + ": " + e.message();
}

}  // namespace

struct app::impl : engine::route_sink {
  impl(std::string path, config::daemon_config c, config::environment e,
       std::optional<std::string> level)
      : config_path(std::move(path)),
        cfg(std::move(c)),
        env(std::move(e)),
        log_level_override(std::move(level)),
        reconcile_timer(io),
        shutdown_timer(io),
        signals(io, SIGHUP, SIGTERM, SIGINT),
        reconcile_hist(latency_buckets()),
        event_to_update_hist(latency_buckets()),
        adapter({.status = [this] { return status(); },
                 .speaker = [this] { return speaker.get(); },
                 .selection = [this]() -> const engine::selector* {
                   return reconciler ? &reconciler->current() : nullptr;
                 },
                 .bfd = [this]() -> const bfd_links* { return bfd.get(); },
                 .reload = [this](bool check_only) { return reload(check_only); },
                 .shutdown = [this] { shutdown(); }}) {}

  std::string config_path;
  config::daemon_config cfg;
  config::environment env;
  std::optional<std::string> log_level_override;
  asio::io_context io;
  std::uint32_t router_id = 0;
  std::unique_ptr<bgp::speaker> speaker;
  // The one cluster cache, fed by the source in use (directory or API server).
  k8s::cluster_cache cache;
  bool cache_fed = false;  // a source has delivered its first batch
  std::unique_ptr<k8s::directory_source> directory;
  std::unique_ptr<k8s::source> api;
  // This node's BGPNodeStatus (API source only).
  std::unique_ptr<k8s::client::status_writer> node_status;
  std::unique_ptr<bfd_links> bfd;
  std::unique_ptr<engine::reconciler> reconciler;
  asio::steady_timer reconcile_timer;
  asio::steady_timer shutdown_timer;
  std::unique_ptr<http_server> http;
  std::unique_ptr<admin::server> admin;
  asio::signal_set signals;
  histogram reconcile_hist;
  histogram event_to_update_hist;
  // The oldest cluster change whose UPDATE has not been written yet.
  std::optional<steady::time_point> awaiting_update_since;
  bool awaited_run_done = false;  // the run for awaiting_update_since has happened
  notification_counts notifications;
  // A ToR sending bad UPDATEs in a loop gets 10 log lines a minute; status and /metrics count all.
  log_budget update_error_lines{10, std::chrono::minutes(1)};
  bool table_ready = false;
  bool shutting_down = false;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  std::chrono::system_clock::time_point last_reconfigured = started;
  std::optional<std::string> last_reconfigure_error;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_rejected = 0;
  std::uint64_t reloads_refused = 0;  // valid, but a restart-only key changed
  // The config file, followed: a new text there reloads as SIGHUP does.
  std::unique_ptr<config_file_source> config_file;
  // kubernetes.config: crds: the file's own part; the rest is assembled from svcbgp.io objects.
  config::daemon_config file_cfg;
  std::vector<std::string> last_resource_errors;  // logged once until they change
  // What the admin server serves (svcbgpc), and the WatchEvents subscribers.
  admin_adapter adapter;
  std::unique_ptr<netlink::link_monitor> links;
  // Directly connected peers by the interface they sit behind: a link going down drops them.
  std::map<int, std::vector<std::string>> peers_by_ifindex;
  // Peers whose route could not be looked up (none yet, or a blackhole): tried again every 5 s.
  std::set<std::string> unresolved_peers;
  std::unique_ptr<asio::steady_timer> resolve_timer;

  // engine::route_sink
  void set_routes(const std::string& peer, const bgp::route_set& routes) override {
    speaker->set_routes(peer, routes);
    if (log::enabled(log::level::debug)) {
      log::debug("routes set", {{"peer", peer}, {"routes", std::to_string(routes.size())}});
    }
    daemon_event e;
    e.what = daemon_event::kind::route_change;
    e.at = std::chrono::system_clock::now();
    e.peer_name = peer;
    publish(e);
  }

  void update_routes(const std::string& peer, const bgp::route_set& routes,
                     const std::vector<bgp::prefix>& changed) override {
    speaker->update_routes(peer, routes, changed);
    if (log::enabled(log::level::debug)) {
      for (const auto& p : changed) {
        log::debug(routes.count(p) != 0 ? "route announced" : "route withdrawn",
                   {{"peer", peer}, {"prefix", p.to_string()}});
      }
    }
    if (!adapter.watched()) {
      return;
    }
    daemon_event e;
    e.what = daemon_event::kind::route_change;
    e.at = std::chrono::system_clock::now();
    e.peer_name = peer;
    for (const auto& p : changed) {
      (routes.count(p) != 0 ? e.announced : e.withdrawn).push_back(p);
    }
    publish(e);
  }

  void publish(const daemon_event& e) { adapter.publish(e); }

  bool synced() const { return directory ? directory->synced() : (api && api->synced()); }

  k8s::cluster_cache* active_cache() { return directory || cache_fed ? &cache : nullptr; }

  std::string node_uid() {
    const auto* c = active_cache();
    const auto* n = c != nullptr ? c->find_node(cfg.node_name) : nullptr;
    return n != nullptr ? n->uid : "";
  }

  // What this node's BGPNodeStatus says; the writer sends it when it changed.
  void report_node_status() {
    if (!node_status || shutting_down) {
      return;
    }
    k8s::client::node_report r;
    r.node = cfg.node_name;
    r.local_asn = cfg.local_asn;
    if (!speaker) {
      // Waiting for svcbgp.io objects that make a valid config: say why, with no sessions yet.
      r.config_valid = !last_reconfigure_error;
      r.config_error = last_reconfigure_error.value_or("");
      r.synced = false;
      node_status->report(r, node_uid());
      return;
    }
    for (const auto& p : speaker->peers()) {
      k8s::client::session_report s;
      s.peer = p.config.name;
      s.address = p.config.address.to_string();
      s.peer_asn = p.config.asn;
      s.state = p.held ? "Held" : std::string(bgp::fsm::to_string(p.state));
      s.since = p.since;
      s.last_error = p.last_error.value_or("");
      s.prefixes_sent = p.routes_sent;
      s.prefixes_received = p.routes_received;
      r.sessions.push_back(std::move(s));
    }
    const auto counts = reconciler->current().announced_by_kind();
    r.announced_cluster_ip = counts[static_cast<std::size_t>(engine::ip_kind::cluster_ip)];
    r.announced_external_ip = counts[static_cast<std::size_t>(engine::ip_kind::external_ip)];
    r.announced_load_balancer_ip =
        counts[static_cast<std::size_t>(engine::ip_kind::load_balancer_ip)];
    r.config_generation = reloads_ok;
    r.config_valid = !last_reconfigure_error;
    r.config_error = last_reconfigure_error.value_or("");
    r.synced = synced() && table_ready;
    node_status->report(r, node_uid());
  }

  void start_api_source() {
    auto conn =
        cfg.source == config::k8s_source::in_cluster
            ? k8s::client::load_in_cluster(k8s::client::in_cluster_inputs::from_environment())
            : k8s::client::load_kubeconfig(expand_home(cfg.kubeconfig));
    if (!conn) {
      throw std::runtime_error("kubernetes: " + conn.error().to_string());
    }
    k8s::source_options o;
    o.connection = std::move(*conn);
    o.node_name = cfg.node_name;
    if (cfg.config_from_crds) {
      o.config_namespace = cfg.config_namespace;
    }
    o.log = [](std::string_view m) { log::warn("kubernetes", {{"detail", std::string(m)}}); };
    o.info = [](std::string_view m) { log::info("kubernetes", {{"detail", std::string(m)}}); };
    log::info("watching the API server", {{"server", o.connection.url()}, {"node", cfg.node_name}});
    k8s::client::status_writer_options so;
    so.connection = o.connection;
    so.node = cfg.node_name;
    so.log = [](std::string_view m) { log::warn("node status", {{"detail", std::string(m)}}); };
    so.info = [](std::string_view m) { log::info("node status", {{"detail", std::string(m)}}); };
    node_status = std::make_unique<k8s::client::status_writer>(io, std::move(so));
    node_status->start();
    api = std::make_unique<k8s::source>(io, std::move(o), cache, [this](k8s::cluster_cache&) {
      cache_fed = true;
      on_cluster_batch();
    });
    api->start();
  }

  std::string expand_home(const std::string& path) const {
    if (path.rfind("~/", 0) == 0) {
      if (auto home = env.getenv ? env.getenv("HOME") : std::nullopt) {
        return *home + path.substr(1);
      }
    }
    return path;
  }

  void setup_log() {
    const auto& level = log_level_override ? *log_level_override : cfg.log_level;
    log::setup(log::parse_level(level).value_or(log::level::info),
               cfg.log_fmt == config::log_format::json ? log::format::json : log::format::text);
  }

  void follow_config() {
    config_file = std::make_unique<config_file_source>(io, config_path, [this] {
      if (shutting_down) {
        return;
      }
      log::info("config file changed, reloading", {{"file", config_path}});
      reload(false);
    });
    try {
      config_file->start();
    } catch (const std::system_error& e) {
      log::warn("config file not followed; reload with SIGHUP",
                {{"file", config_path}, {"error", e.what()}});
      config_file.reset();
    }
  }

  void log_warnings() {
    for (const auto& w : cfg.warnings) {
      log::warn("config", {{"file", config_path}, {"warning", w.to_string()}});
    }
  }

  void start() {
    setup_log();
    log_warnings();
    if (cfg.config_from_crds) {
      // BGP needs the local AS, which a BGPNodeConfig holds: watch, serve probes and signals,
      // and wait for the objects to make a valid config.
      file_cfg = cfg;
      start_api_source();
      start_http();
      wait_signal();
      start_admin();  // svcbgpc says what it waits for
      follow_config();
      log::info("waiting for the svcbgp.io config objects",
                {{"node", cfg.node_name}, {"secrets", cfg.config_namespace}});
      while (!shutting_down && !speaker) {
        if (io.run_one() == 0) {
          return;
        }
      }
      if (!speaker) {
        return;
      }
    } else {
      start_bgp();
      if (cfg.source == config::k8s_source::directory) {
        directory = std::make_unique<k8s::directory_source>(io, cfg.directory, cache);
        directory->start([this] { on_cluster_batch(); });
        report_directory_errors();
        // An empty folder produces no batch; the first selection (and the table) must still
        // happen.
        schedule_reconcile();
      } else {
        start_api_source();
      }
      start_http();
      wait_signal();
      start_admin();
      follow_config();
    }
    log::info("svcbgpd started", {{"version", std::string(version)},
                                  {"node", cfg.node_name},
                                  {"router_id", bgp::ip_address::v4(router_id).to_string()},
                                  {"local_asn", std::to_string(cfg.local_asn)},
                                  {"peers", std::to_string(cfg.peers.size())}});
  }

  // The speaker, BFD, the peers and the route selection, from `cfg`.
  void start_bgp() {
    if (cfg.router_id) {
      router_id = cfg.router_id->v4_host_order();
    } else {
      auto rid = netlink::first_ipv4_address();
      if (!rid) {
        throw std::runtime_error("router_id: auto: " + rid.error() + "; set router_id");
      }
      router_id = rid->v4_host_order();
    }

    auto sc = cfg.speaker(router_id);
    // RFC 4724: we may be restarting, and our table is complete only once every resource has
    // synced: hold it (and End-of-RIB) back until then.
    sc.restarting = cfg.graceful_restart;
    sc.hold_table = true;
    speaker = std::make_unique<bgp::speaker>(io, sc);
    speaker->on_event([this](const bgp::speaker_event& e) { on_speaker_event(e); });
    bfd = std::make_unique<bfd_links>(
        io, [this](const std::string& peer, const bgp::bfd::state_changed& c) { on_bfd(peer, c); },
        [](std::string_view m) {
          log::warn("bfd", {{"detail", std::string(m)}});
        });
    bfd->sync(cfg.peers);
    for (const auto& p : cfg.peers) {
      auto why = peer_hold(p).why;
      if (why) {
        log::info("peer held down", {{"peer", p.bgp.name}, {"reason", *why}});
      }
      speaker->add_peer(resolve_peer(p), std::move(why));
    }
    start_link_monitor();
    reconciler = std::make_unique<engine::reconciler>(cfg.engine(), *this);

    try {
      speaker->start();
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(listen_problem(cfg, e.code()));
    }
  }

  void start_http() {
    std::map<std::string, http_server::handler> routes{
        {"/metrics",
         [this] {
           return http_response{200, "text/plain; version=0.0.4", metrics()};
         }},
        {"/healthz",
         [] {
           return http_response{200, "text/plain", "ok\n"};
         }},
        {"/readyz",
         [this] {
           const bool ready = synced() && table_ready;
           return http_response{ready ? 200 : 503, "text/plain",
                                ready ? "ready\n"
                                      : (speaker ? "not ready: Kubernetes caches not synced\n"
                                                 : "not ready: waiting for a valid config from "
                                                   "the svcbgp.io objects\n")};
         }},
    };
    if (!cfg.http_listen.empty()) {
      http = std::make_unique<http_server>(io, cfg.http_listen, std::move(routes));
    }
  }

  // kubernetes.config: crds: the config the objects make for this node, when they are all listed
  // and make a valid one; what is wrong is logged, counted and put in the node's status.
  std::optional<config::daemon_config> config_from_resources() {
    auto next = cache_fed && api ? config_from_cache(cache, api->synced(), file_cfg, env)
                                 : resource_config{};
    if (!next) {
      return std::nullopt;
    }
    if (!*next) {
      report_resource_errors(next->error());
      return std::nullopt;
    }
    return std::move(**next);
  }

  // Before BGP runs: start it once the objects make a valid config; say what is wrong otherwise.
  void try_start_from_resources() {
    auto next = config_from_resources();
    if (!next) {
      return;
    }
    cfg = std::move(*next);
    last_resource_errors.clear();
    last_reconfigure_error.reset();
    ++reloads_ok;
    log::info("config from svcbgp.io objects", {{"local_asn", std::to_string(cfg.local_asn)},
                                                {"peers", std::to_string(cfg.peers.size())}});
    log_warnings();
    start_bgp();
    schedule_reconcile();
  }

  void report_resource_errors(const std::vector<config::config_error>& errors) {
    std::vector<std::string> text;
    for (const auto& e : errors) {
      text.push_back(e.to_string());
    }
    last_reconfigure_error = text.front();
    if (text == last_resource_errors) {
      return;
    }
    last_resource_errors = text;
    ++reloads_rejected;
    for (const auto& t : text) {
      log::error("svcbgp.io config rejected, keeping the running one", {{"error", t}});
    }
    report_node_status();
  }

  // Fills what the config leaves to the kernel: the interface toward a directly connected peer
  // (watched for link loss) and the IPv6 next hop on it (advertisement.md "Path attributes").
  bgp::peer_config resolve_peer(const config::peer& p) {
    auto b = p.bgp;
    auto route = netlink::route_to(b.address);
    if (!route) {
      // Keep what was found before (a route that is a blackhole for a moment must not take the
      // IPv6 next hop, and with it the IPv6 routes, away) and look again in a while.
      log::warn("no route to peer yet", {{"peer", b.name}, {"error", route.error()}});
      if (auto running = speaker ? speaker->peer(b.name) : std::nullopt;
          running && running->config.address == b.address) {
        if (!b.next_hop_v6) {
          b.next_hop_v6 = running->config.next_hop_v6;
        }
        if (!b.next_hop_v6_link_local) {
          b.next_hop_v6_link_local = running->config.next_hop_v6_link_local;
        }
      }
      unresolved_peers.insert(b.name);
      schedule_resolve();
      return b;
    }
    unresolved_peers.erase(b.name);
    // Re-resolved on every reload: forget where this peer was before.
    for (auto& [ifindex, names] : peers_by_ifindex) {
      std::erase(names, b.name);
    }
    if (route->directly_connected) {
      peers_by_ifindex[route->ifindex].push_back(b.name);
      // RFC 2545 §3: a peer on our link also gets our link-local address as a second next hop,
      // unless the configured global next hop is not ours to pair it with.
      if (b.address.v6 && !p.bgp.next_hop_v6) {
        if (auto ll = netlink::link_local_ipv6_on(route->ifindex)) {
          b.next_hop_v6_link_local = *ll;
        }
      }
    }
    const bool wants_v6 =
        std::find(b.families.begin(), b.families.end(), bgp::ipv6_unicast) != b.families.end();
    if (wants_v6 && !b.next_hop_v6 && !b.address.v6) {
      if (auto v6 = netlink::global_ipv6_on(route->ifindex)) {
        b.next_hop_v6 = *v6;
      } else {
        log::error(
            "IPv6 routes will not be sent to this peer: no IPv6 next hop",
            {{"peer", b.name},
             {"error", v6.error()},
             {"fix", "add a global IPv6 address on " + route->ifname + " or set next_hop_v6"}});
      }
    }
    return b;
  }

  void schedule_resolve() {
    if (!resolve_timer) {
      resolve_timer = std::make_unique<asio::steady_timer>(io);
    }
    if (resolve_timer->expiry() > asio::steady_timer::clock_type::now()) {
      return;  // already due
    }
    resolve_timer->expires_after(std::chrono::seconds(5));
    resolve_timer->async_wait([this](boost::system::error_code ec) {
      if (ec || shutting_down) {
        return;
      }
      const auto names = unresolved_peers;
      for (const auto& name : names) {
        for (const auto& p : cfg.peers) {
          if (p.bgp.name == name) {
            speaker->update_peer(resolve_peer(p));
          }
        }
      }
    });
  }

  void start_link_monitor() {
    links = std::make_unique<netlink::link_monitor>(io, [this](const netlink::link_event& e) {
      using k = netlink::link_event::kind;
      auto it = peers_by_ifindex.find(e.ifindex);
      if (it == peers_by_ifindex.end()) {
        return;
      }
      if (e.what == k::address_added || e.what == k::address_removed) {
        // The next hops chosen from this interface's addresses (a link-local address finishing
        // duplicate detection, a global one renumbered): choose again; no session resets.
        const auto names = it->second;
        for (const auto& name : names) {
          for (const auto& p : cfg.peers) {
            if (p.bgp.name == name) {
              speaker->update_peer(resolve_peer(p));
            }
          }
        }
        return;
      }
      for (const auto& name : it->second) {
        if (e.what == k::link_down) {
          // Not after the hold time: the path is gone now.
          log::warn("link to peer down, dropping the session",
                    {{"peer", name}, {"interface", e.ifname}});
          speaker->connection_lost(name);
        } else if (auto st = speaker->peer(name);
                   st && st->state != bgp::fsm::state::established && st->config.enabled) {
          // Back now, not after an IdleHold grown while the link was down.
          log::info("link to peer up, reconnecting", {{"peer", name}, {"interface", e.ifname}});
          speaker->restart_peer(name);
        }
      }
    });
    if (auto started = links->start(); !started) {
      log::warn("link monitoring off", {{"error", started.error()}});
      links.reset();
    }
  }

  void start_admin() {
    if (cfg.admin_socket.empty() && cfg.admin_listen.empty()) {
      return;
    }
    if (!cfg.admin_socket.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(cfg.admin_socket).parent_path(),
                                          ec);
    }
    admin::server_options o;
    o.unix_socket = cfg.admin_socket;
    o.tcp_listen = cfg.admin_listen;
    o.tls_cert_file = cfg.admin_tls_cert;
    o.tls_key_file = cfg.admin_tls_key;
    o.tls_client_ca_file = cfg.admin_tls_client_ca;
    admin = std::make_unique<admin::server>(io, adapter, o);
    admin->start();
    log::info("admin API listening", {{"socket", cfg.admin_socket}, {"tcp", cfg.admin_listen}});
  }

  void report_directory_errors() {
    for (const auto& e : directory->errors()) {
      log::warn("manifest problem",
                {{"file", e.file}, {"line", std::to_string(e.line)}, {"error", e.message}});
    }
  }

  void on_cluster_batch() {
    if (directory) {
      report_directory_errors();
    }
    if (cfg.config_from_crds) {
      const auto& pending = cache.pending();
      if (!speaker) {
        try_start_from_resources();
        return;
      }
      if (pending.config_changed || pending.node_changed) {
        reload_from_resources();
      }
    }
    apply_peer_selection();
    schedule_reconcile();
  }

  // A change to the objects (or to this node's labels): applied as a reload is, and only when
  // it changes something (the Node changes often).
  void reload_from_resources() {
    auto next = config_from_resources();
    if (!next) {
      return;
    }
    const auto plan = plan_reload(cfg, *next);
    if (plan.ok() && plan.changes().empty() && !last_reconfigure_error) {
      return;
    }
    if (!plan.ok()) {
      // A restart-only field changed (localASN, routerID, ...): said once, not at every Node
      // update.
      if (plan.refused == last_resource_errors) {
        return;
      }
      last_resource_errors = plan.refused;
    }
    apply_config(std::move(*next), false, "svcbgp.io objects");
  }

  // Why the peer's session is held down, and the NOTIFICATION that ends a running one: its
  // node_selector first (Cease/Administrative Shutdown with the reason), then its BFD (RFC 5882:
  // Cease/BFD Down, RFC 9384, at once).
  struct peer_hold_reason {
    std::optional<std::string> why;
    std::optional<bgp::notification_message> notify;
  };
  peer_hold_reason peer_hold(const config::peer& p) {
    if (auto why = node_selection_hold(p)) {
      return {std::move(why), std::nullopt};
    }
    if (auto why = bfd ? bfd->hold(p) : std::nullopt) {
      return {std::move(why),
              bgp::notification_message{bgp::notif::cease, bgp::notif::cease_bfd_down, {}}};
    }
    return {};
  }

  void on_bfd(const std::string& peer, const bgp::bfd::state_changed& c) {
    log::info("BFD session state", {{"peer", peer},
                                    {"from", std::string(bgp::bfd::to_string(c.from))},
                                    {"to", std::string(bgp::bfd::to_string(c.to))},
                                    {"diag", std::string(bgp::bfd::to_string(c.why))}});
    daemon_event de;
    de.what = daemon_event::kind::bfd_state;
    de.at = std::chrono::system_clock::now();
    de.bfd = admin::bfd_event{peer,
                              {},
                              false,
                              std::string(bgp::bfd::to_string(c.from)),
                              std::string(bgp::bfd::to_string(c.to)),
                              std::string(bgp::bfd::to_string(c.why))};
    for (const auto& l : bfd->sessions()) {
      if (l.peer == peer) {
        de.bfd->address = l.address;
        de.bfd->multihop = l.multihop;
      }
    }
    publish(de);
    if (!shutting_down) {
      apply_peer_selection();
    }
  }

  // peers[].node_selector: a ToR this node's labels do not select gets no connection and no
  // accept. Nothing is known before the Node is, so such a peer waits for it.
  std::optional<std::string> node_selection_hold(const config::peer& p) {
    if (p.node_selector.empty()) {
      return std::nullopt;
    }
    auto* c = active_cache();
    const k8s::node* n = c != nullptr ? c->find_node(cfg.node_name) : nullptr;
    if (n == nullptr) {
      return "node not selected: waiting for Node " + cfg.node_name + " and its labels";
    }
    if (engine::labels_match(p.node_selector, n->labels)) {
      return std::nullopt;
    }
    return "node not selected: its labels do not match node_selector " +
           engine::to_string(p.node_selector);
  }

  void apply_peer_selection() {
    for (const auto& p : cfg.peers) {
      auto [why, notify] = peer_hold(p);
      const auto before = speaker->peer(p.bgp.name);
      if (before && before->held.has_value() != why.has_value()) {
        if (why) {
          log::info("peer held down", {{"peer", p.bgp.name}, {"reason", *why}});
        } else {
          log::info("peer no longer held, starting", {{"peer", p.bgp.name}});
        }
      }
      speaker->hold_peer(p.bgp.name, std::move(why), std::move(notify));
    }
  }

  void schedule_reconcile() {
    const auto now = steady::now();
    // The histogram times a change to the UPDATE it causes. A start left by a change that caused
    // none (a relist that changed nothing, a route the peer already had) must not be charged to
    // this one.
    if (!awaiting_update_since || awaited_run_done) {
      awaiting_update_since = now;
      awaited_run_done = false;
    }
    auto due = reconciler->on_batch(now);
    if (!due) {
      return;
    }
    reconcile_timer.expires_at(*due);
    reconcile_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || shutting_down) {
        return;
      }
      run_reconcile();
    });
  }

  void run_reconcile() {
    auto* c = active_cache();
    if (c == nullptr) {
      return;  // nothing listed yet; the first batch schedules a run
    }
    const auto start = steady::now();
    const auto pushed_before = reconciler->statistics().peer_updates;
    reconciler->run(*c);
    reconcile_hist.observe(std::chrono::duration<double>(steady::now() - start).count());
    if (reconciler->statistics().peer_updates == pushed_before) {
      awaiting_update_since.reset();
    } else {
      awaited_run_done = true;
    }
    if (!table_ready && synced()) {
      table_ready = true;
      speaker->set_table_ready();
      log::info("table ready: every Kubernetes resource synced, sending End-of-RIB");
    }
    report_node_status();
  }

  void on_speaker_event(const bgp::speaker_event& e) {
    using k = bgp::speaker_event::kind;
    switch (e.what) {
      case k::state_change:
        log::info("session state changed", {{"peer", e.peer},
                                            {"from", std::string(bgp::fsm::to_string(e.from))},
                                            {"to", std::string(bgp::fsm::to_string(e.to))},
                                            {"reason", e.text}});
        report_node_status();
        break;
      case k::notification_sent:
      case k::notification_received: {
        const bool sent = e.what == k::notification_sent;
        ++notifications[{e.peer, sent ? "sent" : "received", e.notification->code,
                         e.notification->subcode}];
        log::info(sent ? "NOTIFICATION sent" : "NOTIFICATION received",
                  {{"peer", e.peer}, {"notification", e.text}});
        break;
      }
      case k::update_error: {
        const auto v = update_error_lines.take(e.peer, log_budget::clock::now());
        if (v.log && v.suppressed > 0) {
          log::warn("UPDATE error survived (RFC 7606)",
                    {{"peer", e.peer},
                     {"error", e.text},
                     {"not_logged_before", std::to_string(v.suppressed)}});
        } else if (v.log) {
          log::warn("UPDATE error survived (RFC 7606)", {{"peer", e.peer}, {"error", e.text}});
        }
        break;
      }
      case k::end_of_rib_sent:
      case k::end_of_rib_received:
        log::info(e.what == k::end_of_rib_sent ? "End-of-RIB sent" : "End-of-RIB received",
                  {{"peer", e.peer}, {"family", bgp::to_string(*e.fam)}});
        break;
      case k::connect_attempt:
        log::debug("connecting", {{"peer", e.peer}});
        break;
      case k::receive_limit:
        log::warn("receive limit reached", {{"peer", e.peer}, {"detail", e.text}});
        break;
      case k::warning:
        log::error("peer", {{"peer", e.peer}, {"error", e.text}});
        break;
      case k::updates_written:
        if (awaiting_update_since) {
          event_to_update_hist.observe(
              std::chrono::duration<double>(steady::now() - *awaiting_update_since).count());
          awaiting_update_since.reset();
          awaited_run_done = false;
        }
        break;
    }
    if (e.what == k::state_change || e.what == k::notification_received ||
        e.what == k::notification_sent) {
      daemon_event de;
      de.what = daemon_event::kind::peer_state;
      de.at = std::chrono::system_clock::now();
      de.peer = e;
      publish(de);
    }
  }

  void wait_signal() {
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) {
        return;
      }
      if (sig == SIGHUP) {
        log::info("SIGHUP: reloading the config", {{"file", config_path}});
        reload(false);
        wait_signal();
        return;
      }
      log::info("shutting down", {{"signal", std::to_string(sig)}});
      shutdown();
    });
  }

  void shutdown() {
    if (shutting_down) {
      return;
    }
    shutting_down = true;
    reconcile_timer.cancel();
    if (resolve_timer) {
      resolve_timer->cancel();
    }
    if (config_file) {
      config_file->stop();
    }
    if (directory) {
      directory->stop();
    }
    if (api) {
      api->stop();
    }
    if (node_status) {
      node_status->stop();
    }
    if (bfd) {
      bfd->admin_down_all();  // RFC 5882 §3.2: planned, not a failure; graceful restart may go on
    }
    if (http) {
      http->stop();
    }
    if (admin) {
      admin->stop();
    }
    auto mode = cfg.shutdown == config::shutdown_mode::withdraw
                    ? bgp::shutdown_mode::withdraw
                    : bgp::shutdown_mode::graceful_restart;
    // A node being drained or deleted is not coming back: graceful restart would have the ToRs
    // keep its routes for restart_time, pointing at a node that is gone.
    if (mode == bgp::shutdown_mode::graceful_restart &&
        cfg.advertise.node_drain != engine::node_drain_mode::ignore) {
      const auto* c = active_cache();
      const auto* n = c != nullptr ? c->find_node(cfg.node_name) : nullptr;
      if (const auto why = n != nullptr ? engine::node_draining(*n) : ""; !why.empty()) {
        log::info("node draining: withdrawing instead of graceful restart", {{"node", why}});
        mode = bgp::shutdown_mode::withdraw;
      }
    }
    if (!speaker) {
      io.stop();  // still waiting for a config: nothing announced
      return;
    }
    speaker->shutdown(mode, cfg.shutdown_message, [this] { io.stop(); });
    // A peer that does not read must not hold the process.
    shutdown_timer.expires_after(std::chrono::seconds(5));
    shutdown_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) {
        io.stop();
      }
    });
  }

  reload_result reload(bool check_only) {
    if (!check_only && config_file) {
      // Whatever becomes of this text, following the file does not retry it.
      config_file->mark_seen();
    }
    auto next = config::load_file(config_path, env);
    if (!speaker) {
      // Still waiting for the objects: the file's part is taken as it is now.
      reload_result r;
      if (!next) {
        r.ok = false;
        for (const auto& e : next.error()) {
          r.errors.push_back(e.to_string());
        }
      } else if (!check_only) {
        file_cfg = cfg = *next;
        try_start_from_resources();
      }
      return r;
    }
    if (next && next->config_from_crds && file_cfg.config_from_crds) {
      // The file's part changed: the objects make the rest, as before.
      auto assembled = config_from_cache(cache, api && api->synced(), *next, env);
      if (!assembled) {
        reload_result r;
        r.ok = false;
        r.errors.push_back("the svcbgp.io objects are not all listed yet");
        return r;
      }
      if (!check_only) {
        file_cfg = *next;
      }
      next = std::move(*assembled);
    }
    return apply_config(std::move(next), check_only, config_path);
  }

  reload_result apply_config(
      std::expected<config::daemon_config, std::vector<config::config_error>> next, bool check_only,
      const std::string& from) {
    reload_result r;
    if (!next) {
      r.ok = false;
      for (const auto& e : next.error()) {
        r.errors.push_back(e.to_string());
      }
      if (!check_only) {
        ++reloads_rejected;
        last_reconfigure_error = r.errors.front();
        report_node_status();
        log::error("config rejected, keeping the running one",
                   {{"file", from},
                    {"errors", std::to_string(r.errors.size())},
                    {"first", r.errors.front()}});
      }
      return r;
    }
    // All or nothing: the plan is made before anything is touched.
    const auto plan = plan_reload(cfg, *next);
    if (!plan.ok()) {
      r.ok = false;
      r.errors = plan.refused;
      if (!check_only) {
        ++reloads_refused;
        last_reconfigure_error = r.errors.front();
        report_node_status();
        log::error("config refused, nothing applied: a key changed that only a restart applies",
                   {{"file", from},
                    {"keys", std::to_string(r.errors.size())},
                    {"first", r.errors.front()}});
      }
      return r;
    }
    r.changes = plan.changes();
    if (check_only) {
      return r;
    }
    for (const auto& name : plan.remove) {
      for (auto& [ifindex, names] : peers_by_ifindex) {
        std::erase(names, name);
      }
      speaker->remove_peer(name);
    }
    cfg = std::move(*next);
    bfd->sync(cfg.peers);
    for (const auto& p : plan.add) {
      speaker->add_peer(resolve_peer(p), peer_hold(p).why);
    }
    for (const auto* list : {&plan.reset, &plan.update}) {
      for (const auto& p : *list) {
        speaker->update_peer(resolve_peer(p));
      }
    }
    apply_peer_selection();
    setup_log();
    ++reloads_ok;
    log_warnings();
    if (auto* c = active_cache()) {
      reconciler->reconfigure(cfg.engine(), *c);
    } else {
      reconciler = std::make_unique<engine::reconciler>(cfg.engine(), *this);
    }
    last_reconfigured = std::chrono::system_clock::now();
    last_reconfigure_error.reset();
    last_resource_errors.clear();
    report_node_status();
    for (const auto& c : r.changes) {
      log::info("config reloaded", {{"change", c}});
    }
    if (r.changes.empty()) {
      log::info("config reloaded", {{"change", "none"}});
    }
    return r;
  }

  std::string metrics() {
    metrics_snapshot snap;
    if (speaker) {
      snap.peers = speaker->peers();
      snap.announced = reconciler->current().announced_by_kind();
      snap.weight_updates = reconciler->current().weight_updates();
    }
    snap.notifications = &notifications;
    snap.sources = sources();
    if (bfd) {
      snap.bfd = bfd->sessions();
      snap.bfd_counters = bfd->counters();
    }
    snap.reloads_ok = reloads_ok;
    snap.reloads_rejected = reloads_rejected;
    snap.reloads_refused = reloads_refused;
    snap.reconcile = &reconcile_hist;
    snap.event_to_update = &event_to_update_hist;
    return render_metrics(snap);
  }

  daemon_status status() {
    daemon_status s;
    s.version = std::string(version);
    s.node_name = cfg.node_name;
    s.router_id = bgp::ip_address::v4(router_id).to_string();
    s.local_asn = cfg.local_asn;
    s.started = started;
    s.last_reconfigured = last_reconfigured;
    s.last_reconfigure_error = last_reconfigure_error;
    s.config_path = config_path;
    s.sources = sources();
    s.ready = synced() && table_ready;
    s.graceful_restart = cfg.graceful_restart;
    s.restart_time = cfg.restart_time;
    return s;
  }

  std::vector<source_status> sources() const {
    std::vector<source_status> out;
    if (api) {
      for (const auto& r : api->status()) {
        source_status s;
        s.resource = std::string(k8s::to_string(r.which));
        s.synced = r.state.synced;
        s.phase = std::string(k8s::client::to_string(r.state.phase));
        s.resource_version = r.state.resource_version;
        s.objects = r.state.objects;
        s.relists = r.state.relists;
        for (auto n : r.state.events) {
          s.events += n;
        }
        s.last_error = r.state.last_error;
        s.skipped = r.state.malformed;
        s.fields_ignored = r.fields_ignored;
        out.push_back(std::move(s));
      }
      return out;
    }
    if (!directory) {
      return out;
    }
    for (auto r : {k8s::resource::services, k8s::resource::endpoint_slices, k8s::resource::nodes}) {
      source_status s;
      s.resource = std::string(k8s::to_string(r));
      s.synced = directory->synced();
      s.phase = "directory";
      s.objects = cache.size(r);
      s.relists = directory->reads();
      s.events = directory->reads();
      if (!directory->errors().empty()) {
        s.last_error = directory->errors().front().to_string();
      }
      if (r == k8s::resource::services) {  // the folder's problems, once
        for (const auto& e : directory->errors()) {
          (e.value_ignored ? s.fields_ignored : s.skipped) += 1;
        }
      }
      out.push_back(std::move(s));
    }
    return out;
  }
};

app::app(std::string config_path, config::daemon_config cfg, config::environment env,
         std::optional<std::string> log_level)
    : impl_(std::make_unique<impl>(std::move(config_path), std::move(cfg), std::move(env),
                                   std::move(log_level))) {}

app::~app() = default;

boost::asio::io_context& app::io() {
  return impl_->io;
}

int app::run() {
  impl_->start();
  impl_->io.run();
  log::info("svcbgpd stopped");
  return 0;
}

}  // namespace svcbgp::daemon
