#include "src/config/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace svcbgp::config {
namespace {

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Walks the YAML tree, collecting every problem instead of stopping at the first.
class walker {
 public:
  walker(std::vector<config_error>& errors, const environment& env) : errors_(errors), env_(env) {}

  void error(const YAML::Node& n, const std::string& path, std::string message) {
    const int line = n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    errors_.push_back({path, std::move(message), line});
  }

  // A mapping whose keys must all be known.
  bool map(const YAML::Node& n, const std::string& path,
           std::initializer_list<std::string_view> known) {
    if (!n.IsMap()) {
      error(n, path, "must be a mapping");
      return false;
    }
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>("");
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        error(kv.first, join(path, key), "unknown key");
      }
    }
    return true;
  }

  std::optional<std::string> str(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
      error(n, path, "must be a string");
      return std::nullopt;
    }
    return expand(n, path, n.Scalar());
  }

  std::optional<std::uint64_t> number(const YAML::Node& n, const std::string& path,
                                      std::uint64_t min, std::uint64_t max) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc{} || p != s->data() + s->size() || v < min || v > max) {
      error(n, path, "must be " + std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const YAML::Node& n, const std::string& path) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    if (*s == "true") {
      return true;
    }
    if (*s == "false") {
      return false;
    }
    error(n, path, "must be true or false");
    return std::nullopt;
  }

  std::optional<bgp::ip_address> ip(const YAML::Node& n, const std::string& path) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    auto a = bgp::ip_address::parse(*s);
    if (!a) {
      error(n, path, "not an IP address: '" + *s + "'");
    }
    return a;
  }

  std::optional<bgp::prefix> cidr(const YAML::Node& n, const std::string& path) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    auto p = bgp::prefix::parse(*s);
    const auto slash = s->find('/');
    // prefix::parse clears host bits; in a config they are a typo worth reporting.
    if (!p || slash == std::string::npos ||
        !(bgp::ip_address::parse(s->substr(0, slash)) == p->addr)) {
      error(n, path, "not a CIDR (address/length with no host bits): '" + *s + "'");
      return std::nullopt;
    }
    return p;
  }

  template <class F>
  void list(const YAML::Node& n, const std::string& path, F&& each) {
    if (!n.IsSequence()) {
      error(n, path, "must be a list");
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      each(n[i], index(path, i));
    }
  }

  std::map<std::string, std::string> labels(const YAML::Node& n, const std::string& path) {
    std::map<std::string, std::string> out;
    if (!n.IsMap()) {
      error(n, path, "must be a mapping of label: value");
      return out;
    }
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>("");
      if (auto v = str(kv.second, join(path, key))) {
        out[key] = *v;
      }
    }
    return out;
  }

  template <class E>
  std::optional<E> choice(const YAML::Node& n, const std::string& path,
                          std::initializer_list<std::pair<std::string_view, E>> options) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    std::string names;
    for (const auto& [name, value] : options) {
      if (*s == name) {
        return value;
      }
      names += (names.empty() ? "" : " | ") + std::string(name);
    }
    error(n, path, "must be one of " + names + ", not '" + *s + "'");
    return std::nullopt;
  }

 private:
  // `${NAME}` -> the environment variable; unset is an error naming it.
  std::optional<std::string> expand(const YAML::Node& n, const std::string& path,
                                    const std::string& s) {
    std::string out;
    std::size_t pos = 0;
    while (pos < s.size()) {
      const auto start = s.find("${", pos);
      if (start == std::string::npos) {
        out.append(s, pos);
        break;
      }
      const auto end = s.find('}', start);
      if (end == std::string::npos) {
        error(n, path, "unterminated ${ in '" + s + "'");
        return std::nullopt;
      }
      out.append(s, pos, start - pos);
      const std::string name = s.substr(start + 2, end - start - 2);
      auto value = env_.getenv ? env_.getenv(name) : std::nullopt;
      if (!value) {
        error(n, path, "environment variable " + name + " is not set");
        return std::nullopt;
      }
      out += *value;
      pos = end + 1;
    }
    return out;
  }

  std::vector<config_error>& errors_;
  const environment& env_;
};

void parse_kind(walker& w, const YAML::Node& n, const std::string& path, engine::kind_config& k,
                std::initializer_list<std::string_view> extra_keys,
                const YAML::Node& root_for_extra,
                std::function<void(const std::string&, const YAML::Node&)> extra) {
  std::vector<std::string_view> known{"cidrs", "communities", "large_communities"};
  known.insert(known.end(), extra_keys.begin(), extra_keys.end());
  if (!n.IsMap()) {
    w.error(n, path, "must be a mapping");
    return;
  }
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>("");
    const auto p = join(path, key);
    if (key == "cidrs") {
      w.list(kv.second, p, [&](const YAML::Node& c, const std::string& cp) {
        if (auto pf = w.cidr(c, cp)) {
          k.cidrs.push_back(*pf);
        }
      });
    } else if (key == "communities") {
      w.list(kv.second, p, [&](const YAML::Node& c, const std::string& cp) {
        if (auto s = w.str(c, cp)) {
          if (auto v = bgp::parse_community(*s)) {
            k.communities.push_back(*v);
          } else {
            w.error(c, cp, "not a community (ASN:VALUE): '" + *s + "'");
          }
        }
      });
    } else if (key == "large_communities") {
      w.list(kv.second, p, [&](const YAML::Node& c, const std::string& cp) {
        if (auto s = w.str(c, cp)) {
          if (auto v = bgp::large_community::parse(*s)) {
            k.large_communities.push_back(*v);
          } else {
            w.error(c, cp, "not a large community (A:B:C): '" + *s + "'");
          }
        }
      });
    } else if (std::find(extra_keys.begin(), extra_keys.end(), key) != extra_keys.end()) {
      extra(key, kv.second);
    } else {
      w.error(kv.first, p, "unknown key");
    }
  }
  (void)root_for_extra;
}

std::optional<std::set<engine::ip_kind>> parse_kinds(walker& w, const YAML::Node& n,
                                                     const std::string& path) {
  std::set<engine::ip_kind> out;
  w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
    if (auto k =
            w.choice<engine::ip_kind>(c, cp,
                                      {{"cluster_ips", engine::ip_kind::cluster_ip},
                                       {"external_ips", engine::ip_kind::external_ip},
                                       {"load_balancer_ips", engine::ip_kind::load_balancer_ip}})) {
      out.insert(*k);
    }
  });
  return out;
}

void parse_peer(walker& w, const YAML::Node& n, const std::string& path, const environment& env,
                std::vector<peer>& peers) {
  if (!w.map(n, path,
             {"name",
              "address",
              "asn",
              "port",
              "passive",
              "hold_time",
              "keepalive_time",
              "connect_retry_time",
              "send_hold_time",
              "ebgp_multihop",
              "ttl_security",
              "password_file",
              "source_address",
              "families",
              "max_prefixes",
              "max_prefixes_action",
              "max_received_bytes",
              "node_selector",
              "advertise",
              "next_hop_v4",
              "next_hop_v6",
              "enabled",
              "bfd"})) {
    return;
  }
  peer p;
  auto& b = p.bgp;
  // svcbgp never uses received routes: a ToR that reflects the other nodes' routes back costs
  // this much at most (issue 13), and keeps its session.
  b.max_prefixes = default_max_prefixes;
  b.max_received_bytes = default_max_received_bytes;
  const auto sub = [&](const char* key) { return n[key]; };
  if (auto v = sub("name"); v) {
    if (auto s = w.str(v, join(path, "name"))) {
      b.name = *s;
    }
  } else {
    w.error(n, join(path, "name"), "missing");
  }
  if (auto v = sub("address"); v) {
    if (auto a = w.ip(v, join(path, "address"))) {
      b.address = *a;
    }
  } else {
    w.error(n, join(path, "address"), "missing");
  }
  if (auto v = sub("asn"); v) {
    if (auto x = w.number(v, join(path, "asn"), 1, 4294967295u)) {
      b.asn = static_cast<std::uint32_t>(*x);
    }
  } else {
    w.error(n, join(path, "asn"), "missing");
  }
  if (auto v = sub("port"); v) {
    if (auto x = w.number(v, join(path, "port"), 1, 65535)) {
      b.port = static_cast<std::uint16_t>(*x);
    }
  }
  if (auto v = sub("passive"); v) {
    b.passive = w.boolean(v, join(path, "passive")).value_or(false);
  }
  if (auto v = sub("enabled"); v) {
    b.enabled = w.boolean(v, join(path, "enabled")).value_or(true);
  }
  if (auto v = sub("hold_time"); v) {
    // RFC 4271 §4.2: 0 or at least 3 seconds.
    if (auto x = w.number(v, join(path, "hold_time"), 0, 65535)) {
      if (*x == 1 || *x == 2) {
        w.error(v, join(path, "hold_time"), "must be 0 or 3..65535 (RFC 4271 §4.2)");
      } else {
        b.hold_time = std::chrono::seconds(*x);
      }
    }
  }
  if (auto v = sub("keepalive_time"); v) {
    if (auto x = w.number(v, join(path, "keepalive_time"), 1, 21845)) {
      b.keepalive_time = std::chrono::seconds(*x);
      if (b.hold_time.count() != 0 && *x * 3 > static_cast<std::uint64_t>(b.hold_time.count())) {
        w.error(v, join(path, "keepalive_time"), "must be at most a third of hold_time");
      }
    }
  }
  if (auto v = sub("connect_retry_time"); v) {
    if (auto x = w.number(v, join(path, "connect_retry_time"), 1, 65535)) {
      b.connect_retry_time = std::chrono::seconds(*x);
    }
  }
  if (auto v = sub("send_hold_time"); v) {
    if (auto x = w.number(v, join(path, "send_hold_time"), 0, 65535)) {
      b.send_hold_time = std::chrono::seconds(*x);
    }
  }
  if (auto v = sub("ebgp_multihop"); v) {
    if (auto x = w.number(v, join(path, "ebgp_multihop"), 1, 255)) {
      b.ebgp_multihop = static_cast<std::uint8_t>(*x);
    }
  }
  if (auto v = sub("ttl_security"); v) {
    b.ttl_security = w.boolean(v, join(path, "ttl_security")).value_or(false);
  }
  if (auto v = sub("password_file"); v) {
    if (auto s = w.str(v, join(path, "password_file"))) {
      p.password_file = *s;
      auto content = env.read_file ? env.read_file(*s) : std::nullopt;
      if (!content) {
        w.error(v, join(path, "password_file"), "cannot read '" + *s + "'");
      } else {
        std::string pw = *content;
        while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) {
          pw.pop_back();
        }
        if (pw.empty() || pw.size() > 80) {
          w.error(v, join(path, "password_file"), "password must be 1..80 bytes (TCP MD5)");
        }
        b.password = pw;
      }
    }
  }
  if (auto v = sub("source_address"); v) {
    if (auto s = w.str(v, join(path, "source_address")); s && *s != "auto") {
      p.source_address_auto = false;
      b.source_address = w.ip(v, join(path, "source_address"));
    }
  }
  if (auto v = sub("families"); v) {
    b.families.clear();
    w.list(v, join(path, "families"), [&](const YAML::Node& c, const std::string& cp) {
      if (auto f = w.choice<bgp::family>(
              c, cp, {{"ipv4", bgp::ipv4_unicast}, {"ipv6", bgp::ipv6_unicast}})) {
        b.families.push_back(*f);
      }
    });
    if (b.families.empty()) {
      w.error(v, join(path, "families"), "must name at least one of ipv4, ipv6");
    }
  } else {
    b.families = {bgp::ipv4_unicast, bgp::ipv6_unicast};
  }
  if (auto v = sub("max_prefixes"); v) {
    if (auto x = w.number(v, join(path, "max_prefixes"), 0, 4294967295u)) {
      b.max_prefixes = static_cast<std::uint32_t>(*x);
    }
  }
  if (auto v = sub("max_prefixes_action"); v) {
    b.max_prefixes_cease =
        w.choice<bool>(v, join(path, "max_prefixes_action"), {{"drop", false}, {"cease", true}})
            .value_or(false);
  }
  if (auto v = sub("max_received_bytes"); v) {
    if (auto x = w.number(v, join(path, "max_received_bytes"), 0, 1ull << 40)) {
      b.max_received_bytes = static_cast<std::size_t>(*x);
    }
  }
  if (auto v = sub("next_hop_v4"); v) {
    b.next_hop_v4 = w.ip(v, join(path, "next_hop_v4"));
  }
  if (auto v = sub("next_hop_v6"); v) {
    b.next_hop_v6 = w.ip(v, join(path, "next_hop_v6"));
  }
  if (auto v = sub("node_selector"); v) {
    p.node_selector = w.labels(v, join(path, "node_selector"));
  }
  if (auto v = sub("advertise"); v) {
    if (auto k = parse_kinds(w, v, join(path, "advertise"))) {
      p.advertise = *k;
    }
  }
  if (auto v = sub("bfd"); v) {
    const auto bp = join(path, "bfd");
    if (w.map(v, bp, {"enabled", "min_rx_ms", "min_tx_ms", "multiplier", "strict"})) {
      if (v["enabled"]) {
        p.bfd.enabled = w.boolean(v["enabled"], join(bp, "enabled")).value_or(false);
      }
      // FRR's ranges: 10..60000 ms, and a multiplier of 2..255 (RFC 5880 allows 1).
      for (auto [key, field] :
           {std::pair{"min_rx_ms", &p.bfd.min_rx_ms}, std::pair{"min_tx_ms", &p.bfd.min_tx_ms}}) {
        if (v[key]) {
          *field = static_cast<std::uint32_t>(
              w.number(v[key], join(bp, key), 10, 60000).value_or(*field));
        }
      }
      if (v["multiplier"]) {
        p.bfd.multiplier = static_cast<std::uint32_t>(
            w.number(v["multiplier"], join(bp, "multiplier"), 1, 255).value_or(3));
      }
      if (v["strict"]) {
        p.bfd.strict = w.boolean(v["strict"], join(bp, "strict")).value_or(true);
      }
    }
  }
  peers.push_back(std::move(p));
}

}  // namespace

std::string config_error::to_string() const {
  std::string s;
  if (line > 0) {
    s = "line " + std::to_string(line) + ": ";
  }
  return s + (path.empty() ? message : path + ": " + message);
}

environment environment::process() {
  environment e;
  e.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  e.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      return std::nullopt;
    }
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) {
    e.hostname = host;
  }
  return e;
}

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

std::expected<daemon_config, std::vector<config_error>> parse(std::string_view yaml_text,
                                                              const environment& env) {
  std::vector<config_error> errors;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    errors.push_back({"", "not valid YAML: " + e.msg, e.mark.line + 1});
    return std::unexpected(std::move(errors));
  }
  walker w(errors, env);
  daemon_config c;
  if (!w.map(root, "",
             {"node_name", "router_id", "local_asn", "listen", "graceful_restart", "shutdown",
              "shutdown_message", "node_selector", "peers", "advertise", "kubernetes", "admin",
              "http", "log"})) {
    return std::unexpected(std::move(errors));
  }
  if (auto v = root["node_name"]) {
    c.node_name = w.str(v, "node_name").value_or("");
  } else if (auto e = env.getenv ? env.getenv("NODE_NAME") : std::nullopt) {
    c.node_name = *e;
  } else {
    c.node_name = env.hostname;
  }
  if (auto v = root["router_id"]) {
    if (auto s = w.str(v, "router_id"); s && *s != "auto") {
      c.router_id = w.ip(v, "router_id");
      if (c.router_id && c.router_id->v6) {
        w.error(v, "router_id", "must be an IPv4 address or auto");
      }
    }
  }
  if (auto v = root["local_asn"]) {
    if (auto x = w.number(v, "local_asn", 1, 4294967295u)) {
      c.local_asn = static_cast<std::uint32_t>(*x);
    }
  } else {
    w.error(root, "local_asn", "missing");
  }
  if (auto v = root["listen"]; v && w.map(v, "listen", {"address", "port"})) {
    if (v["address"]) {
      c.listen_address = w.ip(v["address"], "listen.address");
    }
    if (v["port"]) {
      c.listen_port =
          static_cast<std::uint16_t>(w.number(v["port"], "listen.port", 0, 65535).value_or(0));
    }
  }
  if (auto v = root["graceful_restart"];
      v && w.map(v, "graceful_restart", {"enabled", "restart_time"})) {
    if (v["enabled"]) {
      c.graceful_restart = w.boolean(v["enabled"], "graceful_restart.enabled").value_or(true);
    }
    if (v["restart_time"]) {
      // RFC 4724 §3: 12 bits.
      c.restart_time = static_cast<std::uint16_t>(
          w.number(v["restart_time"], "graceful_restart.restart_time", 1, 4095).value_or(120));
    }
  }
  if (auto v = root["shutdown"]) {
    c.shutdown = w.choice<shutdown_mode>(v, "shutdown",
                                         {{"graceful-restart", shutdown_mode::graceful_restart},
                                          {"withdraw", shutdown_mode::withdraw}})
                     .value_or(shutdown_mode::graceful_restart);
  }
  if (auto v = root["shutdown_message"]) {
    // RFC 9003 §2: at most 255 octets of UTF-8.
    if (auto m = w.str(v, "shutdown_message")) {
      if (m->size() > 255) {
        w.error(v, "shutdown_message", "longer than 255 bytes (RFC 9003)");
      } else {
        c.shutdown_message = *m;
      }
    }
  }
  if (auto v = root["node_selector"]) {
    c.node_selector = w.labels(v, "node_selector");
  }
  if (auto v = root["peers"]) {
    w.list(v, "peers",
           [&](const YAML::Node& n, const std::string& p) { parse_peer(w, n, p, env, c.peers); });
  }
  auto& a = c.advertise;
  if (auto v = root["advertise"];
      v && w.map(v, "advertise",
                 {"cluster_ips", "external_ips", "load_balancer_ips", "terminating_endpoints",
                  "node_drain", "allow_special_ranges", "deprefer_prepend", "empty_services",
                  "aggregation_length_v4", "aggregation_length_v6", "communities",
                  "large_communities", "max_annotation_communities", "forbidden_communities",
                  "local_pref", "med", "batch_delay_ms", "weighted_ecmp"})) {
    if (auto k = v["cluster_ips"]) {
      parse_kind(w, k, "advertise.cluster_ips", a.cluster_ips, {"mode"}, v,
                 [&](const std::string&, const YAML::Node& n) {
                   a.cluster_ips_mode =
                       w.choice<engine::cluster_ip_mode>(
                            n, "advertise.cluster_ips.mode",
                            {{"aggregate", engine::cluster_ip_mode::aggregate},
                             {"per-service", engine::cluster_ip_mode::per_service}})
                           .value_or(engine::cluster_ip_mode::aggregate);
                 });
    }
    if (auto k = v["external_ips"]) {
      parse_kind(w, k, "advertise.external_ips", a.external_ips, {}, v,
                 [](const std::string&, const YAML::Node&) {});
    }
    if (auto k = v["load_balancer_ips"]) {
      parse_kind(w, k, "advertise.load_balancer_ips", a.load_balancer_ips, {"class"}, v,
                 [&](const std::string&, const YAML::Node& n) {
                   a.load_balancer_class =
                       w.str(n, "advertise.load_balancer_ips.class").value_or("");
                 });
    }
    if (auto x = v["terminating_endpoints"]) {
      a.terminating_endpoints =
          w.choice<engine::terminating_mode>(x, "advertise.terminating_endpoints",
                                             {{"withdraw", engine::terminating_mode::withdraw},
                                              {"keep", engine::terminating_mode::keep},
                                              {"deprefer", engine::terminating_mode::deprefer}})
              .value_or(engine::terminating_mode::deprefer);
    }
    if (auto x = v["allow_special_ranges"]) {
      a.allow_special_ranges = w.boolean(x, "advertise.allow_special_ranges").value_or(false);
    }
    if (auto x = v["node_drain"]) {
      a.node_drain =
          w.choice<engine::node_drain_mode>(x, "advertise.node_drain",
                                            {{"deprefer", engine::node_drain_mode::deprefer},
                                             {"withdraw", engine::node_drain_mode::withdraw},
                                             {"ignore", engine::node_drain_mode::ignore}})
              .value_or(engine::node_drain_mode::deprefer);
    }
    if (auto x = v["deprefer_prepend"]) {
      a.deprefer_prepend =
          static_cast<std::uint32_t>(w.number(x, "advertise.deprefer_prepend", 1, 32).value_or(3));
    }
    if (auto x = v["empty_services"]) {
      a.empty_services = w.choice<engine::empty_services_mode>(
                              x, "advertise.empty_services",
                              {{"withdraw", engine::empty_services_mode::withdraw},
                               {"keep", engine::empty_services_mode::keep}})
                             .value_or(engine::empty_services_mode::withdraw);
    }
    if (auto x = v["aggregation_length_v4"]) {
      if (auto n = w.number(x, "advertise.aggregation_length_v4", 1, 32)) {
        a.aggregation_length_v4 = static_cast<std::uint8_t>(*n);
      }
    }
    if (auto x = v["aggregation_length_v6"]) {
      if (auto n = w.number(x, "advertise.aggregation_length_v6", 1, 128)) {
        a.aggregation_length_v6 = static_cast<std::uint8_t>(*n);
      }
    }
    engine::kind_config global;
    YAML::Node global_node;
    for (const char* key : {"communities", "large_communities"}) {
      if (v[key]) {
        global_node[key] = v[key];
      }
    }
    if (global_node.size() > 0) {
      parse_kind(w, global_node, "advertise", global, {}, v,
                 [](const std::string&, const YAML::Node&) {});
      a.communities = global.communities;
      a.large_communities = global.large_communities;
    }
    if (auto x = v["max_annotation_communities"]) {
      a.max_annotation_communities = static_cast<std::size_t>(
          w.number(x, "advertise.max_annotation_communities", 0, 1000).value_or(16));
    }
    if (auto x = v["forbidden_communities"]) {
      a.forbidden_communities.clear();
      w.list(x, "advertise.forbidden_communities", [&](const YAML::Node& c, const std::string& cp) {
        if (auto s = w.str(c, cp)) {
          if (auto value = bgp::parse_community(*s)) {
            a.forbidden_communities.push_back(*value);
          } else {
            w.error(c, cp, "not a community (ASN:VALUE or a well-known name): '" + *s + "'");
          }
        }
      });
    }
    if (auto x = v["local_pref"]) {
      a.local_pref = static_cast<std::uint32_t>(
          w.number(x, "advertise.local_pref", 0, 4294967295u).value_or(100));
    }
    if (auto x = v["med"]) {
      if (auto n = w.number(x, "advertise.med", 0, 4294967295u)) {
        a.med = static_cast<std::uint32_t>(*n);
      }
    }
    if (auto x = v["weighted_ecmp"];
        x &&
        w.map(x, "advertise.weighted_ecmp", {"enabled", "bandwidth_per_endpoint", "transitive"})) {
      auto& we = a.weighted_ecmp;
      if (x["enabled"]) {
        we.enabled = w.boolean(x["enabled"], "advertise.weighted_ecmp.enabled").value_or(false);
      }
      if (x["bandwidth_per_endpoint"]) {
        // Mbit/s; FRR holds a path's bandwidth in 32 bits of bytes/s (34 Gbit/s) in all.
        we.bandwidth_per_endpoint_mbps = static_cast<std::uint32_t>(
            w.number(x["bandwidth_per_endpoint"], "advertise.weighted_ecmp.bandwidth_per_endpoint",
                     1, 10000)
                .value_or(we.bandwidth_per_endpoint_mbps));
      }
      if (x["transitive"]) {
        we.transitive =
            w.boolean(x["transitive"], "advertise.weighted_ecmp.transitive").value_or(false);
      }
    }
    if (auto x = v["batch_delay_ms"]) {
      a.batch_delay =
          std::chrono::milliseconds(w.number(x, "advertise.batch_delay_ms", 0, 60000).value_or(10));
    }
  }
  if (auto v = root["kubernetes"];
      v && w.map(v, "kubernetes", {"source", "kubeconfig", "directory"})) {
    if (v["source"]) {
      c.source = w.choice<k8s_source>(v["source"], "kubernetes.source",
                                      {{"in-cluster", k8s_source::in_cluster},
                                       {"kubeconfig", k8s_source::kubeconfig},
                                       {"directory", k8s_source::directory}})
                     .value_or(k8s_source::in_cluster);
    }
    if (v["kubeconfig"]) {
      c.kubeconfig = w.str(v["kubeconfig"], "kubernetes.kubeconfig").value_or(c.kubeconfig);
    }
    if (v["directory"]) {
      c.directory = w.str(v["directory"], "kubernetes.directory").value_or(c.directory);
    }
  }
  if (auto v = root["admin"];
      v && w.map(v, "admin",
                 {"socket", "listen", "tls_cert_file", "tls_key_file", "tls_client_ca_file"})) {
    if (v["tls_client_ca_file"]) {
      c.admin_tls_client_ca =
          w.str(v["tls_client_ca_file"], "admin.tls_client_ca_file").value_or("");
    }
    if (v["tls_cert_file"]) {
      c.admin_tls_cert = w.str(v["tls_cert_file"], "admin.tls_cert_file").value_or("");
    }
    if (v["tls_key_file"]) {
      c.admin_tls_key = w.str(v["tls_key_file"], "admin.tls_key_file").value_or("");
    }
    if (v["socket"]) {
      c.admin_socket = w.str(v["socket"], "admin.socket").value_or(c.admin_socket);
    }
    if (v["listen"]) {
      c.admin_listen = w.str(v["listen"], "admin.listen").value_or("");
    }
  }
  if (auto v = root["http"]; v && w.map(v, "http", {"listen"})) {
    if (v["listen"]) {
      c.http_listen = w.str(v["listen"], "http.listen").value_or(c.http_listen);
    }
  }
  if (auto v = root["log"]; v && w.map(v, "log", {"level", "format"})) {
    if (v["level"]) {
      c.log_level =
          w.choice<std::string>(
               v["level"], "log.level",
               {{"debug", "debug"}, {"info", "info"}, {"warn", "warn"}, {"error", "error"}})
              .value_or("info");
    }
    if (v["format"]) {
      c.log_fmt = w.choice<log_format>(v["format"], "log.format",
                                       {{"text", log_format::text}, {"json", log_format::json}})
                      .value_or(log_format::text);
    }
  }
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
  if (!errors.empty()) {
    return std::unexpected(std::move(errors));
  }
  warn_aggregation(c);
  return c;
}

std::expected<daemon_config, std::vector<config_error>> load_file(const std::string& path,
                                                                  const environment& env) {
  auto text = env.read_file ? env.read_file(path) : std::nullopt;
  if (!text) {
    return std::unexpected(std::vector<config_error>{{"", "cannot read " + path}});
  }
  return parse(*text, env);
}

engine::engine_config daemon_config::engine() const {
  engine::engine_config e;
  e.node_name = node_name;
  e.node_selector = node_selector;
  e.local_asn = local_asn;
  e.advertise = advertise;
  for (const auto& p : peers) {
    engine::peer_target t;
    t.name = p.bgp.name;
    t.ibgp = p.bgp.asn == local_asn;
    t.families = p.bgp.families;
    t.advertise = p.advertise;
    t.node_selector = p.node_selector;
    e.peers.push_back(std::move(t));
  }
  return e;
}

bgp::speaker_config daemon_config::speaker(std::uint32_t router_id_host_order) const {
  bgp::speaker_config s;
  s.local_as = local_asn;
  s.router_id = router_id_host_order;
  s.listen_address = listen_address;
  s.listen_port = listen_port;
  s.graceful_restart = graceful_restart;
  s.restart_time = restart_time;
  return s;
}

}  // namespace svcbgp::config
