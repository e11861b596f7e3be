#include "src/config/schema.h"

#include <cctype>

namespace svcbgp::config::schema {

const std::vector<setting>& peer_settings() {
  static const std::vector<setting> settings = [] {
    using t = type;
    const std::vector<std::string_view> kinds{"cluster_ips", "external_ips", "load_balancer_ips"};
    std::vector<setting> s{
        {.key = "name",
         .t = t::string,
         .doc = "Unique; what svcbgpc calls the session (show protocols, disable NAME)",
         .required = true,
         .where = source::file},
        {.key = "address", .t = t::ip, .doc = "The peer's address (unique)", .required = true},
        {.key = "asn",
         .t = t::integer,
         .doc = "The peer's AS; equal to the local AS means iBGP",
         .min = 1,
         .max = 4294967295u,
         .required = true},
        {.key = "port",
         .t = t::integer,
         .doc = "The peer's TCP port",
         .min = 1,
         .max = 65535,
         .default_value = "179"},
        {.key = "passive",
         .t = t::boolean,
         .doc = "Never connect, only accept",
         .default_value = "false"},
        {.key = "enabled",
         .t = t::boolean,
         .doc = "false: configured but administratively down",
         .default_value = "true"},
        {.key = "hold_time",
         .t = t::integer,
         .doc = "Seconds; 0 turns keepalives off",
         .min = 0,
         .max = 65535,
         .excluded = {1, 2},
         .why = "RFC 4271 §4.2",
         .default_value = "90"},
        {.key = "keepalive_time",
         .t = t::integer,
         .doc = "Seconds, at most a third of hold_time; default a third of it",
         .min = 1,
         .max = 21845},
        {.key = "connect_retry_time",
         .t = t::integer,
         .doc = "Seconds between connection attempts (with jitter)",
         .min = 1,
         .max = 65535,
         .default_value = "5"},
        {.key = "send_hold_time",
         .t = t::integer,
         .doc = "RFC 9687: drop a peer that reads nothing this long; 0 = max(480, 2 x hold_time)",
         .min = 0,
         .max = 65535,
         .default_value = "0"},
        {.key = "ebgp_multihop",
         .t = t::integer,
         .doc = "TTL of our packets on eBGP (1: directly connected)",
         .min = 1,
         .max = 255,
         .default_value = "1"},
        {.key = "ttl_security",
         .t = t::boolean,
         .doc = "GTSM (RFC 5082): send TTL 255, accept only 255 - hops + 1",
         .default_value = "false"},
        {.key = "password_file",
         .t = t::string,
         .doc = "TCP MD5 (RFC 2385) password, 1..80 bytes, read from this file",
         .where = source::file},
        {.key = "password_secret_ref",
         .t = t::object,
         .doc = "TCP MD5 (RFC 2385) password, 1..80 bytes, from a Secret in svcbgp's namespace",
         .where = source::crd,
         .fields = {{.key = "name", .t = t::string, .doc = "The Secret", .required = true},
                    {.key = "key",
                     .t = t::string,
                     .doc = "The key in its data",
                     .default_value = "password"}}},
        {.key = "source_address",
         .t = t::ip_or_auto,
         .doc = "Our address on the session; auto: the kernel's route to the peer chooses",
         .default_value = "auto"},
        {.key = "families",
         .t = t::choices,
         .doc = "Address families announced on this session",
         .choices = {"ipv4", "ipv6"},
         .min_items = 1,
         .default_value = "[ipv4, ipv6]"},
        {.key = "next_hop_v4",
         .t = t::ip,
         .doc = "IPv4 next hop sent; default: our address on the session"},
        {.key = "next_hop_v6",
         .t = t::ip,
         .doc = "IPv6 next hop sent; default: our global IPv6 address toward the peer"},
        {.key = "max_prefixes",
         .t = t::integer,
         .doc = "Received routes stored (svcbgp uses none); 0 = no limit",
         .min = 0,
         .max = 4294967295u,
         .default_value = "1000"},
        {.key = "max_prefixes_action",
         .t = t::choice,
         .doc = "Past max_prefixes: drop (count, do not store) or cease (RFC 4486)",
         .choices = {"drop", "cease"},
         .default_value = "drop"},
        {.key = "max_received_bytes",
         .t = t::integer,
         .doc = "Bytes of received routes and attributes stored at most; 0 = no limit",
         .min = 0,
         .max = 1ull << 40,
         .default_value = "4194304"},
        {.key = "node_selector",
         .t = t::labels,
         .doc = "Only nodes with these labels peer with this router; empty: every node"},
        {.key = "advertise",
         .t = t::choices,
         .doc = "The kinds of service IP this peer is sent",
         .choices = kinds,
         .default_value = "[cluster_ips, external_ips, load_balancer_ips]"},
        {.key = "bfd",
         .t = t::object,
         .doc = "RFC 5880/5881 failure detection; its Down takes the BGP session down at once",
         .fields = {{.key = "enabled", .t = t::boolean, .doc = "Run BFD", .default_value = "false"},
                    {.key = "min_rx_ms",
                     .t = t::integer,
                     .doc = "Slowest receive interval we ask for, ms (FRR's range)",
                     .min = 10,
                     .max = 60000,
                     .default_value = "300"},
                    {.key = "min_tx_ms",
                     .t = t::integer,
                     .doc = "Fastest transmit interval we offer, ms",
                     .min = 10,
                     .max = 60000,
                     .default_value = "300"},
                    {.key = "multiplier",
                     .t = t::integer,
                     .doc = "Detection after this many of the slower side's intervals",
                     .min = 1,
                     .max = 255,
                     .default_value = "3"},
                    {.key = "strict",
                     .t = t::boolean,
                     .doc = "BGP waits for BFD Up; false: only once the peer has shown it runs BFD",
                     .default_value = "true"}}},
    };
    return s;
  }();
  return settings;
}

namespace {

// What each kind of service IP has: allowed CIDRs and the communities its routes carry.
std::vector<setting> kind_fields(std::string_view what, std::vector<setting> extra) {
  std::vector<setting> f{
      {.key = "cidrs", .t = type::cidrs, .doc = what.data()},
      {.key = "communities",
       .t = type::communities,
       .doc = "Communities added to these routes, on top of advertise.communities"},
      {.key = "large_communities",
       .t = type::large_communities,
       .doc = "Large communities added to these routes"},
  };
  f.insert(f.end(), extra.begin(), extra.end());
  return f;
}

}  // namespace

const std::vector<setting>& advertise_settings() {
  static const std::vector<setting> settings = [] {
    using t = type;
    std::vector<setting> s{
        {.key = "cluster_ips",
         .crd_key = "clusterIPs",
         .t = t::object,
         .doc = "ClusterIPs",
         .fields = kind_fields(
             "Allowed ClusterIP ranges (the service CIDRs); none: no ClusterIP is announced",
             {{.key = "mode",
               .t = t::choice,
               .doc = "aggregate: the CIDRs themselves from every node; per-service: each IP",
               .choices = {"aggregate", "per-service"},
               .default_value = "aggregate"}})},
        {.key = "external_ips",
         .crd_key = "externalIPs",
         .t = t::object,
         .doc = "spec.externalIPs",
         .fields =
             kind_fields("Allowed ExternalIP ranges; an IP outside them is not announced", {})},
        {.key = "load_balancer_ips",
         .crd_key = "loadBalancerIPs",
         .t = t::object,
         .doc = "status.loadBalancer.ingress",
         .fields = kind_fields(
             "Allowed LoadBalancer IP ranges; an IP outside them is not announced",
             {{.key = "class",
               .t = t::string,
               .doc = "Only services of this spec.loadBalancerClass; empty: only those without"}})},
        {.key = "terminating_endpoints",
         .t = t::choice,
         .doc = "A Local service whose ready endpoints here are all terminating",
         .choices = {"withdraw", "keep", "deprefer"},
         .default_value = "deprefer"},
        {.key = "node_drain",
         .t = t::choice,
         .doc = "While this node is cordoned or tainted for draining",
         .choices = {"deprefer", "withdraw", "ignore"},
         .default_value = "deprefer"},
        {.key = "allow_special_ranges",
         .t = t::boolean,
         .doc = "Allowed CIDRs may reach into loopback, link-local, multicast and our peers' "
                "addresses",
         .default_value = "false"},
        {.key = "deprefer_prepend",
         .t = t::integer,
         .doc = "How many times our AS is prepended to a depreferred route on eBGP",
         .min = 1,
         .max = 32,
         .default_value = "3"},
        {.key = "empty_services",
         .t = t::choice,
         .doc = "A Cluster service with no ready endpoint anywhere",
         .choices = {"withdraw", "keep"},
         .default_value = "withdraw"},
        {.key = "aggregation_length_v4",
         .t = t::integer,
         .doc = "Cluster-policy IPv4 routes go out as the covering prefix of this length",
         .min = 1,
         .max = 32},
        {.key = "aggregation_length_v6",
         .t = t::integer,
         .doc = "Cluster-policy IPv6 routes go out as the covering prefix of this length",
         .min = 1,
         .max = 128},
        {.key = "communities", .t = t::communities, .doc = "Communities on every route"},
        {.key = "large_communities",
         .t = t::large_communities,
         .doc = "Large communities on every route"},
        {.key = "max_annotation_communities",
         .t = t::integer,
         .doc = "What one Service's annotations may add, of each kind of community",
         .min = 0,
         .max = 1000,
         .default_value = "16"},
        {.key = "forbidden_communities",
         .t = t::communities,
         .doc = "Communities a Service's annotations may not set",
         .default_value = "[graceful-shutdown, accept-own, llgr-stale, no-llgr, blackhole, "
                          "no-export, no-advertise, no-export-subconfed, no-peer]"},
        {.key = "local_pref",
         .t = t::integer,
         .doc = "LOCAL_PREF on iBGP",
         .min = 0,
         .max = 4294967295u,
         .default_value = "100"},
        {.key = "med",
         .t = t::integer,
         .doc = "MULTI_EXIT_DISC; none by default",
         .min = 0,
         .max = 4294967295u},
        {.key = "batch_delay_ms",
         .t = t::integer,
         .doc = "Changes within this many ms go out in one batch",
         .min = 0,
         .max = 60000,
         .default_value = "10"},
        {.key = "weighted_ecmp",
         .t = t::object,
         .doc = "Link bandwidth extended community in proportion to this node's ready endpoints",
         .fields = {{.key = "enabled",
                     .t = t::boolean,
                     .doc = "For Local services; svcbgp.io/weighted-ecmp opts one in or out",
                     .default_value = "false"},
                    {.key = "bandwidth_per_endpoint",
                     .t = t::integer,
                     .doc = "Mbit/s per ready endpoint (FRR holds a path's sum in 32 bits of "
                            "bytes/s)",
                     .min = 1,
                     .max = 10000,
                     .default_value = "10"},
                    {.key = "transitive",
                     .t = t::boolean,
                     .doc = "Type 0x00 instead of 0x40, for routers that drop the non-transitive "
                            "one",
                     .default_value = "false"}}},
    };
    return s;
  }();
  return settings;
}

const std::vector<setting>& daemon_settings() {
  static const std::vector<setting> settings = [] {
    using t = type;
    std::vector<setting> s{
        {.key = "node_name",
         .t = t::string,
         .doc = "This node; default: $NODE_NAME, else the hostname"},
        {.key = "router_id",
         .crd_key = "routerID",
         .t = t::ipv4_or_auto,
         .doc = "BGP identifier; auto: the node's first IPv4 address",
         .default_value = "auto"},
        {.key = "local_asn",
         .crd_key = "localASN",
         .t = t::integer,
         .doc = "Our AS",
         .min = 1,
         .max = 4294967295u,
         .required = true},
        {.key = "listen",
         .t = t::object,
         .doc = "Where peers may connect to us",
         .fields = {{.key = "address", .t = t::ip, .doc = "Default: every address"},
                    {.key = "port",
                     .t = t::integer,
                     .doc = "0: never listen (a node's own BGP daemon may hold 179)",
                     .min = 0,
                     .max = 65535,
                     .default_value = "0"}}},
        {.key = "graceful_restart",
         .t = t::object,
         .doc = "RFC 4724",
         .fields = {{.key = "enabled",
                     .t = t::boolean,
                     .doc = "Advertise the capability",
                     .default_value = "true"},
                    {.key = "restart_time",
                     .t = t::integer,
                     .doc = "Seconds the peers keep our routes while we restart",
                     .min = 1,
                     .max = 4095,
                     .why = "RFC 4724 §3: 12 bits",
                     .default_value = "120"}}},
        {.key = "shutdown",
         .t = t::choice,
         .doc = "On SIGTERM: keep routes for the restart time, or withdraw them first",
         .choices = {"graceful-restart", "withdraw"},
         .default_value = "graceful-restart"},
        {.key = "shutdown_message",
         .t = t::string,
         .doc = "The Cease's shutdown communication with shutdown: withdraw",
         .max = 255,
         .why = "RFC 9003",
         .default_value = "svcbgpd shutting down"},
        {.key = "node_selector",
         .t = t::labels,
         .doc = "Only nodes with these labels announce anything"},
        {.key = "peers", .t = t::object_list, .doc = "The BGP sessions", .fields = peer_settings()},
        {.key = "advertise",
         .t = t::object,
         .doc = "What is announced and with which attributes",
         .fields = advertise_settings()},
        {.key = "kubernetes",
         .t = t::object,
         .doc = "Where Services, EndpointSlices and the Node come from",
         .fields = {{.key = "source",
                     .t = t::choice,
                     .doc = "in-cluster (the pod's service account), kubeconfig, or directory",
                     .choices = {"in-cluster", "kubeconfig", "directory"},
                     .default_value = "in-cluster"},
                    {.key = "kubeconfig",
                     .t = t::string,
                     .doc = "For source kubeconfig",
                     .default_value = "~/.kube/config"},
                    {.key = "directory",
                     .t = t::string,
                     .doc = "For source directory: a folder of manifests",
                     .default_value = "/etc/svcbgp/cluster"},
                    {.key = "config",
                     .t = t::choice,
                     .doc = "file: everything here; crds: only what reaches the API server here, "
                            "the rest from BGPNodeConfig, BGPAdvertisement and BGPPeer objects",
                     .choices = {"file", "crds"},
                     .default_value = "file"},
                    {.key = "namespace",
                     .t = t::string,
                     .doc = "Where BGPPeer passwords' Secrets are read (config: crds); default: "
                            "$POD_NAMESPACE, else svcbgp-system"}}},
        {.key = "admin",
         .t = t::object,
         .doc = "The gRPC admin API (svcbgpc)",
         .fields = {{.key = "socket",
                     .t = t::string,
                     .doc = "Unix socket",
                     .default_value = "/run/svcbgp/svcbgpd.sock"},
                    {.key = "listen", .t = t::string, .doc = "host:port over TLS; empty: off"},
                    {.key = "tls_cert_file", .t = t::string, .doc = "PEM certificate for listen"},
                    {.key = "tls_key_file", .t = t::string, .doc = "PEM key for listen"},
                    {.key = "tls_client_ca_file",
                     .t = t::string,
                     .doc = "PEM CA that signs the clients' certificates"}}},
        {.key = "http",
         .t = t::object,
         .doc = "Metrics and probes",
         .fields = {{.key = "listen",
                     .t = t::string,
                     .doc = "/metrics, /healthz, /readyz",
                     .default_value = "0.0.0.0:9179"}}},
        {.key = "log",
         .t = t::object,
         .doc = "Logging",
         .fields = {{.key = "level",
                     .t = t::choice,
                     .doc = "Least severe level written",
                     .choices = {"debug", "info", "warn", "error"},
                     .default_value = "info"},
                    {.key = "format",
                     .t = t::choice,
                     .doc = "text (logfmt) or json",
                     .choices = {"text", "json"},
                     .default_value = "text"}}},
    };
    return s;
  }();
  return settings;
}

std::string camel(std::string_view key) {
  std::string out;
  bool up = false;
  for (char c : key) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

std::string crd_name(const setting& s) {
  return s.crd_key.empty() ? camel(s.key) : std::string(s.crd_key);
}

std::string range_text(const setting& s) {
  std::string out;
  std::uint64_t from = s.min;
  const auto segment = [&](std::uint64_t a, std::uint64_t b) {
    out += (out.empty() ? "" : " or ") +
           (a == b ? std::to_string(a) : std::to_string(a) + ".." + std::to_string(b));
  };
  for (auto x : s.excluded) {  // ascending, inside min..max
    if (x > from) {
      segment(from, x - 1);
    }
    from = x + 1;
  }
  segment(from, s.max);
  if (!s.why.empty()) {
    out += " (" + std::string(s.why) + ")";
  }
  return out;
}

const crd& bgp_peer_crd() {
  static const crd c{
      .kind = "BGPPeer",
      .plural = "bgppeers",
      .singular = "bgppeer",
      .short_name = "bgpp",
      .comment =
          "BGPPeer: one BGP session from the nodes its nodeSelector picks (all by default) to a "
          "router\n(shared/spec/kubernetes-native.md \"Resources\"); the same settings as a "
          "`peers[]` entry of the\nconfig file, named in camelCase, with metadata.name as "
          "its name and a Secret instead of a\npassword file. Generated from "
          "src/config/schema.cc: do not edit by hand.",
      .columns = {{"Address", "string", ".spec.address"},
                  {"AS", "integer", ".spec.asn"},
                  {"BFD", "boolean", ".spec.bfd.enabled"},
                  {"Enabled", "boolean", ".spec.enabled"},
                  {"Age", "date", ".metadata.creationTimestamp"}},
      .spec = &peer_settings(),
  };
  return c;
}

namespace {

// The settings of `from` named in `keys`, in that order: a CRD takes its fields from the
// declarations, never a copy of them.
std::vector<setting> pick(const std::vector<setting>& from,
                          std::initializer_list<std::string_view> keys) {
  std::vector<setting> out;
  for (auto k : keys) {
    for (const auto& s : from) {
      if (s.key == k) {
        out.push_back(s);
      }
    }
  }
  return out;
}

setting selector(std::string_view key, std::string_view doc) {
  return {.key = key, .t = type::labels, .doc = doc, .where = source::crd};
}

}  // namespace

const crd& bgp_advertisement_crd() {
  static const std::vector<setting> spec = [] {
    auto s = pick(advertise_settings(), {"cluster_ips", "external_ips", "load_balancer_ips",
                                         "aggregation_length_v4", "aggregation_length_v6",
                                         "communities", "large_communities", "local_pref", "med"});
    s.push_back(selector("node_selector", "Only from nodes with these labels; empty: all"));
    return s;
  }();
  static const crd c{
      .kind = "BGPAdvertisement",
      .plural = "bgpadvertisements",
      .singular = "bgpadvertisement",
      .short_name = "bgpadv",
      .comment =
          "BGPAdvertisement: which service IPs are announced, from which nodes, to which "
          "peers, with\nwhich attributes (shared/spec/kubernetes-native.md \"Resources\"); "
          "the `advertise:` settings of the\nconfig file that belong to routes, named in "
          "camelCase, and three selectors. Several may\napply to one service: their "
          "attributes merge. Generated from src/config/schema.cc: do not edit\nby hand.",
      .columns = {{"Local pref", "integer", ".spec.localPref"},
                  {"Age", "date", ".metadata.creationTimestamp"}},
      .spec = &spec,
      .defaults = false,
  };
  return c;
}

const crd& bgp_node_config_crd() {
  static const std::vector<setting> spec = [] {
    auto s = pick(daemon_settings(), {"local_asn", "router_id", "listen", "graceful_restart",
                                      "shutdown", "shutdown_message"});
    for (auto& x : s) {
      x.required = false;  // each object sets some fields; merged, they must hold local_asn
    }
    s.push_back({.key = "advertise",
                 .t = type::object,
                 .doc = "How this node treats its routes",
                 .fields = pick(advertise_settings(),
                                {"terminating_endpoints", "node_drain", "allow_special_ranges",
                                 "deprefer_prepend", "empty_services", "max_annotation_communities",
                                 "forbidden_communities", "batch_delay_ms", "weighted_ecmp"})});
    s.push_back(selector("node_selector",
                         "The nodes this applies to; the most specific selector wins, a tie is an "
                         "error"));
    return s;
  }();
  static const crd c{
      .kind = "BGPNodeConfig",
      .plural = "bgpnodeconfigs",
      .singular = "bgpnodeconfig",
      .short_name = "bgpnc",
      .comment =
          "BGPNodeConfig: per-node settings chosen by nodeSelector (shared/spec/"
          "kubernetes-native.md\n\"Resources\"): the local AS of a rack, router ID, "
          "listen address, graceful restart and the\nroute policy knobs of the config "
          "file, named in camelCase. Generated from src/config/schema.cc:\ndo not edit "
          "by hand.",
      .columns = {{"AS", "integer", ".spec.localASN"},
                  {"Router ID", "string", ".spec.routerID"},
                  {"Age", "date", ".metadata.creationTimestamp"}},
      .spec = &spec,
      .defaults = false,
  };
  return c;
}

namespace {

std::string type_text(const setting& s) {
  const auto list = [&] {
    std::string out;
    for (auto c : s.choices) {
      out += (out.empty() ? "" : ", ") + std::string("`") + std::string(c) + "`";
    }
    return out;
  };
  switch (s.t) {
    case type::string:
      return s.max > 0 ? "string, at most " + std::to_string(s.max) + " bytes" +
                             (s.why.empty() ? "" : " (" + std::string(s.why) + ")")
                       : "string";
    case type::integer:
      return "integer " + range_text(s);
    case type::boolean:
      return "true or false";
    case type::ip:
      return "IP address";
    case type::ip_or_auto:
      return "IP address or `auto`";
    case type::ipv4_or_auto:
      return "IPv4 address or `auto`";
    case type::choice:
      return "one of " + list();
    case type::choices:
      return "list of " + list() + (s.min_items > 0 ? ", not empty" : "");
    case type::labels:
      return "labels (`key: value`; in a resource, a LabelSelector: matchLabels, matchExpressions)";
    case type::cidrs:
      return "list of CIDRs";
    case type::communities:
      return "list of communities (`ASN:VALUE` or a well-known name)";
    case type::large_communities:
      return "list of large communities (`A:B:C`)";
    case type::object:
      return "mapping";
    case type::object_list:
      return "list of mappings";
  }
  return "";
}

void reference_rows(std::string& out, const std::vector<setting>& settings,
                    const std::string& prefix) {
  for (const auto& s : settings) {
    if (s.where == source::crd) {
      continue;
    }
    const auto path = prefix + std::string(s.key);
    if (s.t == type::object || s.t == type::object_list) {
      reference_rows(out, s.fields, path + (s.t == type::object_list ? "[]." : "."));
      continue;
    }
    out += "| `" + path + "` | " + type_text(s) + " | " +
           (s.default_value.empty() ? (s.required ? "required" : "unset")
                                    : "`" + std::string(s.default_value) + "`") +
           " | " + std::string(s.doc) + " |\n";
  }
}

}  // namespace

std::string reference_markdown() {
  std::string out =
      "# svcbgpd's configuration: every setting\n\n"
      "Generated from `src/config/schema.cc`, the declarations the parser reads (`svcbgpd "
      "--check` applies\nexactly these ranges and defaults); `configs/svcbgpd.yaml` shows each in "
      "context. The CRDs in\n`configs/deploy/crds/` carry the same settings in camelCase.\n\n"
      "| key | type | default | what it does |\n|---|---|---|---|\n";
  reference_rows(out, daemon_settings(), "");
  return out;
}

std::vector<const crd*> generated_crds() {
  return {&bgp_advertisement_crd(), &bgp_node_config_crd(), &bgp_peer_crd()};
}

namespace {

// YAML text of a scalar written as a flow item: quoted when YAML would read it otherwise.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

void line(std::string& out, int indent, std::string_view text) {
  out.append(static_cast<std::size_t>(indent), ' ');
  out += text;
  out += '\n';
}

void properties(std::string& out, int indent, const std::vector<setting>& settings, bool defaults);

// The openAPIV3Schema of one setting, as `KEY:` and its body at `indent`.
void property(std::string& out, int indent, const setting& s, bool defaults) {
  line(out, indent, crd_name(s) + ":");
  const int in = indent + 2;
  line(out, in,
       "description: " +
           quoted(defaults || s.default_value.empty()
                      ? std::string(s.doc)
                      : std::string(s.doc) + " (default: " + std::string(s.default_value) + ")"));
  switch (s.t) {
    case type::string:
      line(out, in, "type: string");
      line(out, in, "minLength: 1");
      if (s.max > 0) {
        line(out, in, "maxLength: " + std::to_string(s.max));
      }
      break;
    case type::integer:
      line(out, in, "type: integer");
      line(out, in, "minimum: " + std::to_string(s.min));
      line(out, in, "maximum: " + std::to_string(s.max));
      if (!s.excluded.empty()) {
        std::string values;
        for (auto x : s.excluded) {
          values += (values.empty() ? "" : ", ") + std::to_string(x);
        }
        line(out, in, "not: {enum: [" + values + "]}");
      }
      break;
    case type::boolean:
      line(out, in, "type: boolean");
      break;
    case type::ipv4_or_auto:
      line(out, in, "type: string");
      line(out, in, "anyOf:");
      line(out, in + 2, "- format: ipv4");
      line(out, in + 2, "- enum: [auto]");
      break;
    case type::cidrs:
      line(out, in, "type: array");
      line(out, in, "items: {type: string, format: cidr}");
      break;
    case type::communities:
      line(out, in, "type: array");
      line(out, in, "items: {type: string, pattern: '^([0-9]{1,5}:[0-9]{1,5}|[a-z-]+)$'}");
      break;
    case type::large_communities:
      line(out, in, "type: array");
      line(out, in, "items: {type: string, pattern: '^[0-9]{1,10}:[0-9]{1,10}:[0-9]{1,10}$'}");
      break;
    case type::object_list:
      line(out, in, "type: array");
      line(out, in, "items:");
      line(out, in + 2, "type: object");
      properties(out, in + 2, s.fields, defaults);
      break;
    case type::ip:
    case type::ip_or_auto:
      line(out, in, "type: string");
      line(out, in, "anyOf:");
      line(out, in + 2, "- format: ipv4");
      line(out, in + 2, "- format: ipv6");
      if (s.t == type::ip_or_auto) {
        line(out, in + 2, "- enum: [auto]");
      }
      break;
    case type::choice: {
      line(out, in, "type: string");
      std::string values;
      for (auto c : s.choices) {
        values += (values.empty() ? "" : ", ") + std::string(c);
      }
      line(out, in, "enum: [" + values + "]");
      break;
    }
    case type::choices: {
      line(out, in, "type: array");
      if (s.min_items > 0) {
        line(out, in, "minItems: " + std::to_string(s.min_items));
      }
      std::string values;
      for (auto c : s.choices) {
        values += (values.empty() ? "" : ", ") + std::string(c);
      }
      line(out, in, "items: {type: string, enum: [" + values + "]}");
      line(out, in, "x-kubernetes-list-type: set");
      break;
    }
    case type::labels:
      line(out, in, "type: object");
      line(out, in, "properties:");
      line(out, in + 2, "matchLabels:");
      line(out, in + 4, "type: object");
      line(out, in + 4, "additionalProperties: {type: string}");
      line(out, in + 2, "matchExpressions:");
      line(out, in + 4, "type: array");
      line(out, in + 4, "items:");
      line(out, in + 6, "type: object");
      line(out, in + 6, "required: [key, operator]");
      line(out, in + 6, "properties:");
      line(out, in + 8, "key: {type: string}");
      line(out, in + 8, "operator: {type: string, enum: [In, NotIn, Exists, DoesNotExist]}");
      line(out, in + 8, "values: {type: array, items: {type: string}}");
      break;
    case type::object:
      line(out, in, "type: object");
      properties(out, in, s.fields, defaults);
      break;
  }
  if (defaults && !s.default_value.empty()) {
    line(out, in, "default: " + std::string(s.default_value));
  }
}

void properties(std::string& out, int indent, const std::vector<setting>& settings, bool defaults) {
  std::vector<std::string> required;
  line(out, indent, "properties:");
  for (const auto& s : settings) {
    if (s.where == source::file) {
      continue;
    }
    property(out, indent + 2, s, defaults);
    if (s.required) {
      required.push_back(crd_name(s));
    }
  }
  if (!required.empty()) {
    std::string names;
    for (const auto& r : required) {
      names += (names.empty() ? "" : ", ") + r;
    }
    line(out, indent, "required: [" + names + "]");
  }
  // Unknown fields: the API server prunes them, and refuses them under kubectl's default
  // --validate=strict (a structural schema may not say additionalProperties: false).
}

}  // namespace

std::string to_yaml(const crd& c) {
  std::string out;
  std::string_view comment = c.comment;
  while (!comment.empty()) {
    const auto nl = comment.find('\n');
    line(out, 0, "# " + std::string(comment.substr(0, nl)));
    comment = nl == std::string_view::npos ? std::string_view{} : comment.substr(nl + 1);
  }
  const std::string kind(c.kind), plural(c.plural);
  line(out, 0, "apiVersion: apiextensions.k8s.io/v1");
  line(out, 0, "kind: CustomResourceDefinition");
  line(out, 0, "metadata:");
  line(out, 2, "name: " + plural + ".svcbgp.io");
  line(out, 0, "spec:");
  line(out, 2, "group: svcbgp.io");
  line(out, 2, "scope: Cluster");
  line(out, 2, "names:");
  line(out, 4, "plural: " + plural);
  line(out, 4, "singular: " + std::string(c.singular));
  line(out, 4, "kind: " + kind);
  line(out, 4, "listKind: " + kind + "List");
  line(out, 4, "shortNames: [" + std::string(c.short_name) + "]");
  line(out, 2, "versions:");
  line(out, 4, "- name: v1alpha1");
  line(out, 6, "served: true");
  line(out, 6, "storage: true");
  line(out, 6, "additionalPrinterColumns:");
  for (const auto& col : c.columns) {
    line(out, 8, "- name: " + std::string(col.name));
    line(out, 10, "type: " + std::string(col.type));
    line(out, 10, "jsonPath: " + std::string(col.json_path));
  }
  line(out, 6, "schema:");
  line(out, 8, "openAPIV3Schema:");
  line(out, 10, "type: object");
  line(out, 10, "properties:");
  line(out, 12, "apiVersion: {type: string}");
  line(out, 12, "kind: {type: string}");
  line(out, 12, "metadata: {type: object}");
  line(out, 12, "spec:");
  line(out, 14, "type: object");
  properties(out, 14, *c.spec, c.defaults);
  line(out, 10, "required: [spec]");
  return out;
}

}  // namespace svcbgp::config::schema
