#include "src/config/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "src/config/schema.h"

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
    return map(n, path, std::vector<std::string_view>(known));
  }
  bool map(const YAML::Node& n, const std::string& path,
           const std::vector<std::string_view>& known) {
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

// A value read by its declaration (schema.h); which member holds it depends on the type.
struct value {
  std::string text;  // string, choice, ip_or_auto
  std::uint64_t number = 0;
  bool flag = false;
  std::optional<bgp::ip_address> ip;
  std::vector<std::string> items;  // choices
  std::map<std::string, std::string> labels;
  std::vector<bgp::prefix> cidrs;
  std::vector<std::uint32_t> communities;
  std::vector<bgp::large_community> large_communities;
};

std::string joined(const std::vector<std::string_view>& names, std::string_view sep) {
  std::string out;
  for (auto n : names) {
    out += (out.empty() ? "" : std::string(sep)) + std::string(n);
  }
  return out;
}

std::optional<std::string> one_of(walker& w, const YAML::Node& n, const std::string& path,
                                  const std::vector<std::string_view>& choices) {
  auto s = w.str(n, path);
  if (!s) {
    return std::nullopt;
  }
  if (std::find(choices.begin(), choices.end(), *s) == choices.end()) {
    w.error(n, path, "must be one of " + joined(choices, " | ") + ", not '" + *s + "'");
    return std::nullopt;
  }
  return s;
}

std::optional<value> read(walker& w, const YAML::Node& n, const std::string& path,
                          const schema::setting& s) {
  value v;
  switch (s.t) {
    case schema::type::string:
      if (auto x = w.str(n, path)) {
        if (s.max > 0 && x->size() > s.max) {
          w.error(n, path,
                  "longer than " + std::to_string(s.max) + " bytes" +
                      (s.why.empty() ? "" : " (" + std::string(s.why) + ")"));
          return std::nullopt;
        }
        v.text = *x;
        return v;
      }
      return std::nullopt;
    case schema::type::integer: {
      auto x = w.str(n, path);
      if (!x) {
        return std::nullopt;
      }
      auto [p, ec] = std::from_chars(x->data(), x->data() + x->size(), v.number);
      if (ec != std::errc{} || p != x->data() + x->size() || v.number < s.min || v.number > s.max ||
          std::find(s.excluded.begin(), s.excluded.end(), v.number) != s.excluded.end()) {
        w.error(n, path, "must be " + schema::range_text(s));
        return std::nullopt;
      }
      return v;
    }
    case schema::type::boolean:
      if (auto x = w.boolean(n, path)) {
        v.flag = *x;
        return v;
      }
      return std::nullopt;
    case schema::type::ipv4_or_auto:
      if (n.IsScalar() && n.Scalar() == "auto") {
        v.text = "auto";
        return v;
      }
      if ((v.ip = w.ip(n, path)) && v.ip->v6) {
        w.error(n, path, "must be an IPv4 address or auto");
        return std::nullopt;
      }
      return v.ip ? std::optional(v) : std::nullopt;
    case schema::type::ip_or_auto:
      if (n.IsScalar() && n.Scalar() == "auto") {
        v.text = "auto";
        return v;
      }
      [[fallthrough]];
    case schema::type::ip:
      if ((v.ip = w.ip(n, path))) {
        return v;
      }
      return std::nullopt;
    case schema::type::choice:
      if (auto x = one_of(w, n, path, s.choices)) {
        v.text = *x;
        return v;
      }
      return std::nullopt;
    case schema::type::choices: {
      bool ok = n.IsSequence();
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        auto x = one_of(w, c, cp, s.choices);
        ok = ok && x.has_value();
        if (x && std::find(v.items.begin(), v.items.end(), *x) == v.items.end()) {
          v.items.push_back(*x);
        }
      });
      if (ok && v.items.size() < s.min_items) {
        w.error(n, path, "must name at least one of " + joined(s.choices, ", "));
        ok = false;
      }
      return ok ? std::optional(v) : std::nullopt;
    }
    case schema::type::labels:
      v.labels = w.labels(n, path);
      return v;
    case schema::type::cidrs:
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        if (auto p = w.cidr(c, cp)) {
          v.cidrs.push_back(*p);
        }
      });
      return v;
    case schema::type::communities:
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        if (auto x = w.str(c, cp)) {
          if (auto value = bgp::parse_community(*x)) {
            v.communities.push_back(*value);
          } else {
            w.error(c, cp, "not a community (ASN:VALUE or a well-known name): '" + *x + "'");
          }
        }
      });
      return v;
    case schema::type::large_communities:
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        if (auto x = w.str(c, cp)) {
          if (auto value = bgp::large_community::parse(*x)) {
            v.large_communities.push_back(*value);
          } else {
            w.error(c, cp, "not a large community (A:B:C): '" + *x + "'");
          }
        }
      });
      return v;
    case schema::type::object:
    case schema::type::object_list:
      break;
  }
  return std::nullopt;
}

// What a setting's value does to the config being built, by key path ("bfd.min_rx_ms").
using applier = std::function<void(const value&, const YAML::Node&, const std::string&)>;

template <class T>
applier set_number(T& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) {
    field = static_cast<T>(v.number);
  };
}
template <class T>
applier set_number(std::optional<T>& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) {
    field = static_cast<T>(v.number);
  };
}
applier set_seconds(std::chrono::seconds& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) {
    field = std::chrono::seconds(v.number);
  };
}
applier set_flag(bool& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.flag; };
}
applier set_text(std::string& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.text; };
}
applier set_ip(std::optional<bgp::ip_address>& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.ip; };
}
applier set_labels(std::map<std::string, std::string>& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.labels; };
}
// A choice's text -> its enum value; the declaration has already refused anything else.
template <class E>
applier set_choice(E& field, std::vector<std::pair<std::string_view, E>> options) {
  return [&field, options = std::move(options)](const value& v, const YAML::Node&,
                                                const std::string&) {
    for (const auto& [name, e] : options) {
      if (v.text == name) {
        field = e;
      }
    }
  };
}

// Reads the mapping `n` by `decl`: unknown keys and missing required ones are errors, each value
// is checked by its declaration, and absent ones with a default get it; `apply` then gets every
// value, in declaration order (a rule between two settings sees the first one applied).
void read_settings(walker& w, const YAML::Node& n, const std::string& path,
                   const std::vector<schema::setting>& decl,
                   const std::map<std::string, applier>& apply, const std::string& prefix = "") {
  std::vector<std::string_view> known;
  for (const auto& s : decl) {
    if (s.where != schema::source::crd) {
      known.push_back(s.key);
    }
  }
  if (!w.map(n, path, known)) {
    return;
  }
  for (const auto& s : decl) {
    if (s.where == schema::source::crd) {
      continue;
    }
    const std::string key(s.key);
    const auto p = join(path, key);
    std::optional<YAML::Node> v;
    if (const YAML::Node found = n[key]; found) {
      v = found;
    } else if (s.t == schema::type::object) {
      v = YAML::Node(YAML::NodeType::Map);
    } else if (!s.default_value.empty()) {
      v = YAML::Load(std::string(s.default_value));
    } else {
      if (s.required) {
        w.error(n, p, "missing");
      }
      continue;
    }
    if (s.t == schema::type::object) {
      read_settings(w, *v, p, s.fields, apply, prefix + key + ".");
      continue;
    }
    const auto a = apply.find(prefix + key);
    if (a == apply.end()) {
      throw std::logic_error("config: no applier for declared setting " + prefix + key);
    }
    if (s.t == schema::type::object_list) {
      a->second(value{}, *v, p);
    } else if (auto x = read(w, *v, p, s)) {
      a->second(*x, *v, p);
    }
  }
}

void parse_peer(walker& w, const YAML::Node& n, const std::string& path, const environment& env,
                std::vector<peer>& peers) {
  peer p;
  auto& b = p.bgp;
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
      {"node_selector", set_labels(p.node_selector)},
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
  };
  read_settings(w, n, path, schema::peer_settings(), apply);
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
      {"node_selector", set_labels(c.node_selector)},
      {"peers",
       [&](const value&, const YAML::Node& n, const std::string& path) {
         w.list(n, path, [&](const YAML::Node& e, const std::string& ep) {
           parse_peer(w, e, ep, env, c.peers);
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
  if (!root.IsMap()) {
    w.error(root, "", "must be a mapping");
    return std::unexpected(std::move(errors));
  }
  read_settings(w, root, "", schema::daemon_settings(), apply);
  if (c.node_name.empty() && !root["node_name"]) {
    if (auto e = env.getenv ? env.getenv("NODE_NAME") : std::nullopt) {
      c.node_name = *e;
    } else {
      c.node_name = env.hostname;
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
