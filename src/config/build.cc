#include "src/config/build.h"

#include <string_view>

namespace svcbgp::config::build {

using namespace reader;

namespace {

// An aggregate never leaves the allowed CIDR that holds the IP (engine/policy.cc clamps it): a
// length shorter than an allowed CIDR's is valid, but does not do what it says there.
void warn_aggregation(daemon_config& c) {
  const auto& a = c.advertise;
  const std::pair<const char*, const engine::kind_config*> kinds[] = {
      {"cluster_ips", &a.cluster_ips},
      {"external_ips", &a.external_ips},
      {"load_balancer_ips", &a.load_balancer_ips}};
  for (const auto& [name, kc] : kinds) {
    for (std::size_t i = 0; i < kc->cidrs.size(); ++i) {
      const auto& cidr = kc->cidrs[i];
      const auto& agg = cidr.addr.v6 ? a.aggregation_length_v6 : a.aggregation_length_v4;
      if (agg && *agg < cidr.length) {
        c.warnings.push_back(
            {std::string("advertise.aggregation_length_") + (cidr.addr.v6 ? "v6" : "v4"),
             std::to_string(*agg) + " is shorter than advertise." + name + ".cidrs[" +
                 std::to_string(i) + "] " + cidr.to_string() + ": routes from it go out as " +
                 cidr.to_string() + " at the widest"});
      }
    }
  }
}

// Ranges no service IP belongs in: an allowed CIDR that reaches into one lets a tenant's
// ExternalIP announce it (RFC 6890 special-purpose registries; the default route included, as
// 0.0.0.0/0 and ::/0 reach into all of them).
struct special_range {
  const char* cidr;
  const char* what;
};
constexpr special_range special_ranges[] = {
    {"0.0.0.0/8", "\"this network\" (RFC 791)"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local (cloud metadata 169.254.169.254)"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved (RFC 1112)"},
    {"::/128", "the unspecified address"},
    {"::1/128", "loopback"},
    {"::ffff:0:0/96", "IPv4-mapped addresses"},
    {"fe80::/10", "link-local"},
    {"ff00::/8", "multicast"},
};

// Allowed CIDRs are the law (engine/policy.cc): one that covers a special range, or the node's or
// a peer's own address, is an error unless advertise.allow_special_ranges says it is meant.
void check_special_ranges(walker& w, const YAML::Node& root, const daemon_config& c) {
  if (c.advertise.allow_special_ranges) {
    return;
  }
  std::vector<std::pair<bgp::prefix, std::string>> forbidden;
  for (const auto& r : special_ranges) {
    forbidden.emplace_back(*bgp::prefix::parse(r.cidr), r.what);
  }
  if (c.router_id) {
    forbidden.emplace_back(bgp::prefix::host(*c.router_id), "this node's router_id");
  }
  for (const auto& p : c.peers) {
    forbidden.emplace_back(bgp::prefix::host(p.bgp.address), "the address of peer " + p.bgp.name);
  }
  const std::pair<const char*, const engine::kind_config*> kinds[] = {
      {"cluster_ips", &c.advertise.cluster_ips},
      {"external_ips", &c.advertise.external_ips},
      {"load_balancer_ips", &c.advertise.load_balancer_ips}};
  for (const auto& [name, kc] : kinds) {
    for (std::size_t i = 0; i < kc->cidrs.size(); ++i) {
      const auto& cidr = kc->cidrs[i];
      for (const auto& [range, what] : forbidden) {
        if (range.addr.v6 != cidr.addr.v6 || !(cidr.contains(range) || range.contains(cidr))) {
          continue;
        }
        const auto path = std::string("advertise.") + name + ".cidrs[" + std::to_string(i) + "]";
        w.error(root["advertise"][name]["cidrs"][i], path,
                cidr.to_string() + " reaches into " + range.to_string() + ", " + what +
                    "; narrow it, or set advertise.allow_special_ranges: true if this is meant");
        break;
      }
    }
  }
}

}  // namespace

void read_peer(walker& w, const YAML::Node& n, const std::string& path, const environment& env,
               naming how, const secret_lookup* secrets, std::vector<peer>& peers) {
  peer p;
  auto& b = p.bgp;
  std::string secret_name, secret_key;
  const std::map<std::string, applier> apply{
      {"name", [&](const value& v, const YAML::Node&, const std::string&) { b.name = v.text; }},
      {"address",
       [&](const value& v, const YAML::Node&, const std::string&) { b.address = *v.ip; }},
      {"asn", set_number(b.asn)},
      {"port", set_number(b.port)},
      {"passive", set_flag(b.passive)},
      {"enabled", set_flag(b.enabled)},
      {"hold_time", set_seconds(b.hold_time)},
      {"keepalive_time",
       [&](const value& v, const YAML::Node& node, const std::string& kp) {
         b.keepalive_time = std::chrono::seconds(v.number);
         if (b.hold_time.count() != 0 &&
             v.number * 3 > static_cast<std::uint64_t>(b.hold_time.count())) {
           w.error(node, kp, "must be at most a third of hold_time");
         }
       }},
      {"connect_retry_time", set_seconds(b.connect_retry_time)},
      {"send_hold_time", set_seconds(b.send_hold_time)},
      {"ebgp_multihop", set_number(b.ebgp_multihop)},
      {"ttl_security", set_flag(b.ttl_security)},
      {"password_file",
       [&](const value& v, const YAML::Node& node, const std::string& kp) {
         p.password_file = v.text;
         auto content = env.read_file ? env.read_file(v.text) : std::nullopt;
         if (!content) {
           w.error(node, kp, "cannot read '" + v.text + "'");
           return;
         }
         std::string pw = *content;
         while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) {
           pw.pop_back();
         }
         if (pw.empty() || pw.size() > 80) {
           w.error(node, kp, "password must be 1..80 bytes (TCP MD5)");
         }
         b.password = pw;
       }},
      {"source_address",
       [&](const value& v, const YAML::Node&, const std::string&) {
         p.source_address_auto = v.text == "auto";
         b.source_address = v.ip;
       }},
      {"families",
       [&](const value& v, const YAML::Node&, const std::string&) {
         b.families.clear();
         for (const auto& f : v.items) {
           b.families.push_back(f == "ipv4" ? bgp::ipv4_unicast : bgp::ipv6_unicast);
         }
       }},
      {"next_hop_v4", set_ip(b.next_hop_v4)},
      {"next_hop_v6", set_ip(b.next_hop_v6)},
      {"max_prefixes", set_number(b.max_prefixes)},
      {"max_prefixes_action",
       [&](const value& v, const YAML::Node&, const std::string&) {
         b.max_prefixes_cease = v.text == "cease";
       }},
      {"max_received_bytes", set_number(b.max_received_bytes)},
      {"node_selector", set_selector(p.node_selector)},
      {"advertise",
       [&](const value& v, const YAML::Node&, const std::string&) {
         p.advertise.clear();
         for (const auto& k : v.items) {
           p.advertise.insert(k == "cluster_ips"    ? engine::ip_kind::cluster_ip
                              : k == "external_ips" ? engine::ip_kind::external_ip
                                                    : engine::ip_kind::load_balancer_ip);
         }
       }},
      {"bfd.enabled", set_flag(p.bfd.enabled)},
      {"bfd.min_rx_ms", set_number(p.bfd.min_rx_ms)},
      {"bfd.min_tx_ms", set_number(p.bfd.min_tx_ms)},
      {"bfd.multiplier", set_number(p.bfd.multiplier)},
      {"bfd.strict", set_flag(p.bfd.strict)},
      {"password_secret_ref.name", set_text(secret_name)},
      {"password_secret_ref.key", set_text(secret_key)},
  };
  read_settings(w, n, path, schema::peer_settings(), apply, how);
  if (!secret_name.empty()) {
    const auto where = join(path, "passwordSecretRef");
    auto pw = secrets != nullptr && *secrets ? (*secrets)(secret_name, secret_key) : std::nullopt;
    if (!pw) {
      w.error(n["passwordSecretRef"], where,
              "no key '" + secret_key + "' in Secret " + secret_name + " (svcbgp's namespace)");
    } else if (pw->empty() || pw->size() > 80) {
      w.error(n["passwordSecretRef"], where, "password must be 1..80 bytes (TCP MD5)");
    } else {
      b.password = *pw;
    }
  }
  peers.push_back(std::move(p));
}

std::map<std::string, applier> root_appliers(walker& w, daemon_config& c, const environment& env) {
  auto& a = c.advertise;
  const auto kind = [&](const std::string& key, engine::kind_config& k) {
    return std::vector<std::pair<std::string, applier>>{
        {key + ".cidrs",
         [&k](const value& v, const YAML::Node&, const std::string&) { k.cidrs = v.cidrs; }},
        {key + ".communities", [&k](const value& v, const YAML::Node&,
                                    const std::string&) { k.communities = v.communities; }},
        {key + ".large_communities", [&k](const value& v, const YAML::Node&, const std::string&) {
           k.large_communities = v.large_communities;
         }}};
  };
  std::map<std::string, applier> apply{
      {"node_name", set_text(c.node_name)},
      {"router_id",
       [&](const value& v, const YAML::Node&, const std::string&) { c.router_id = v.ip; }},
      {"local_asn", set_number(c.local_asn)},
      {"listen.address", set_ip(c.listen_address)},
      {"listen.port", set_number(c.listen_port)},
      {"graceful_restart.enabled", set_flag(c.graceful_restart)},
      {"graceful_restart.restart_time", set_number(c.restart_time)},
      {"shutdown", set_choice(c.shutdown, {{"graceful-restart", shutdown_mode::graceful_restart},
                                           {"withdraw", shutdown_mode::withdraw}})},
      {"shutdown_message", set_text(c.shutdown_message)},
      {"node_selector", set_selector(c.node_selector)},
      {"peers",
       [&](const value&, const YAML::Node& n, const std::string& path) {
         w.list(n, path, [&](const YAML::Node& e, const std::string& ep) {
           read_peer(w, e, ep, env, naming::file, nullptr, c.peers);
         });
       }},
      {"advertise.cluster_ips.mode",
       set_choice(a.cluster_ips_mode, {{"aggregate", engine::cluster_ip_mode::aggregate},
                                       {"per-service", engine::cluster_ip_mode::per_service}})},
      {"advertise.load_balancer_ips.class", set_text(a.load_balancer_class)},
      {"advertise.terminating_endpoints",
       set_choice(a.terminating_endpoints, {{"withdraw", engine::terminating_mode::withdraw},
                                            {"keep", engine::terminating_mode::keep},
                                            {"deprefer", engine::terminating_mode::deprefer}})},
      {"advertise.node_drain",
       set_choice(a.node_drain, {{"deprefer", engine::node_drain_mode::deprefer},
                                 {"withdraw", engine::node_drain_mode::withdraw},
                                 {"ignore", engine::node_drain_mode::ignore}})},
      {"advertise.allow_special_ranges", set_flag(a.allow_special_ranges)},
      {"advertise.deprefer_prepend", set_number(a.deprefer_prepend)},
      {"advertise.empty_services",
       set_choice(a.empty_services, {{"withdraw", engine::empty_services_mode::withdraw},
                                     {"keep", engine::empty_services_mode::keep}})},
      {"advertise.aggregation_length_v4", set_number(a.aggregation_length_v4)},
      {"advertise.aggregation_length_v6", set_number(a.aggregation_length_v6)},
      {"advertise.communities", [&](const value& v, const YAML::Node&,
                                    const std::string&) { a.communities = v.communities; }},
      {"advertise.large_communities",
       [&](const value& v, const YAML::Node&, const std::string&) {
         a.large_communities = v.large_communities;
       }},
      {"advertise.max_annotation_communities", set_number(a.max_annotation_communities)},
      {"advertise.forbidden_communities",
       [&](const value& v, const YAML::Node&, const std::string&) {
         a.forbidden_communities = v.communities;
       }},
      {"advertise.local_pref", set_number(a.local_pref)},
      {"advertise.med", set_number(a.med)},
      {"advertise.batch_delay_ms",
       [&](const value& v, const YAML::Node&, const std::string&) {
         a.batch_delay = std::chrono::milliseconds(v.number);
       }},
      {"advertise.weighted_ecmp.enabled", set_flag(a.weighted_ecmp.enabled)},
      {"advertise.weighted_ecmp.bandwidth_per_endpoint",
       set_number(a.weighted_ecmp.bandwidth_per_endpoint_mbps)},
      {"advertise.weighted_ecmp.transitive", set_flag(a.weighted_ecmp.transitive)},
      {"kubernetes.source", set_choice(c.source, {{"in-cluster", k8s_source::in_cluster},
                                                  {"kubeconfig", k8s_source::kubeconfig},
                                                  {"directory", k8s_source::directory}})},
      {"kubernetes.kubeconfig", set_text(c.kubeconfig)},
      {"kubernetes.directory", set_text(c.directory)},
      {"kubernetes.config", [&](const value& v, const YAML::Node&,
                                const std::string&) { c.config_from_crds = v.text == "crds"; }},
      {"kubernetes.namespace", set_text(c.config_namespace)},
      {"admin.socket", set_text(c.admin_socket)},
      {"admin.listen", set_text(c.admin_listen)},
      {"admin.tls_cert_file", set_text(c.admin_tls_cert)},
      {"admin.tls_key_file", set_text(c.admin_tls_key)},
      {"admin.tls_client_ca_file", set_text(c.admin_tls_client_ca)},
      {"http.listen", set_text(c.http_listen)},
      {"log.level", set_text(c.log_level)},
      {"log.format",
       set_choice(c.log_fmt, {{"text", log_format::text}, {"json", log_format::json}})},
  };
  for (const auto& [key, k] :
       {std::pair<std::string, engine::kind_config*>{"advertise.cluster_ips", &a.cluster_ips},
        {"advertise.external_ips", &a.external_ips},
        {"advertise.load_balancer_ips", &a.load_balancer_ips}}) {
    for (auto& [path, fn] : kind(key, *k)) {
      apply.emplace(path, std::move(fn));
    }
  }
  return apply;
}

void check(walker& w, std::vector<config_error>& errors, const YAML::Node& root, daemon_config& c) {
  // Contradictions between keys.
  std::map<std::string, std::size_t> names;
  std::map<bgp::ip_address, std::size_t> addresses;
  for (std::size_t i = 0; i < c.peers.size(); ++i) {
    const auto& p = c.peers[i].bgp;
    if (auto [it, fresh] = names.emplace(p.name, i); !fresh && !p.name.empty()) {
      errors.push_back(
          {index("peers", i) + ".name",
           "'" + p.name + "' is already the name of peers[" + std::to_string(it->second) + "]"});
    }
    if (auto [it, fresh] = addresses.emplace(p.address, i); !fresh) {
      errors.push_back({index("peers", i) + ".address", p.address.to_string() +
                                                            " is already the address of peers[" +
                                                            std::to_string(it->second) + "]"});
    }
  }
  if (c.admin_listen.size() > 0 && c.admin_listen.find(':') == std::string::npos) {
    errors.push_back({"admin.listen", "must be host:port"});
  }
  if (!c.admin_listen.empty() && (c.admin_tls_cert.empty() || c.admin_tls_key.empty())) {
    errors.push_back({"admin.listen",
                      "gRPC over TCP needs TLS: set admin.tls_cert_file and "
                      "admin.tls_key_file"});
  }
  if (!c.admin_listen.empty() && c.admin_tls_client_ca.empty()) {
    errors.push_back({"admin.listen",
                      "gRPC over TCP needs client certificates: set admin.tls_client_ca_file "
                      "(anyone on the node's network reaches the port)"});
  }
  if (c.source == k8s_source::directory && c.directory.empty()) {
    errors.push_back({"kubernetes.directory", "must be set for source directory"});
  }
  if (c.node_name.empty()) {
    errors.push_back({"node_name", "empty: set it, or the NODE_NAME environment variable"});
  }
  check_special_ranges(w, root, c);
  if (errors.empty()) {
    warn_aggregation(c);
  }
}

}  // namespace svcbgp::config::build
