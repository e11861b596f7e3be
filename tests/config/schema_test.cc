// The declarations of src/config/schema: the parser applies exactly what they say (defaults,
// ranges, choices), and the CRD checked in under configs/deploy/crds/ is what they generate.
#include "src/config/schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "src/config/config.h"

#include <yaml-cpp/yaml.h>

#include <tuple>

namespace svcbgp::config {
namespace {

// A host named n1, nothing else.
environment host_n1() {
  auto e = environment::none();
  e.hostname = "n1";
  return e;
}

std::string file_config(const std::string& peer_lines) {
  const bool own_asn = peer_lines.starts_with("    asn:");
  return "local_asn: 65001\npeers:\n  - name: tor1\n    address: 10.0.0.1\n" +
         std::string(own_asn ? "" : "    asn: 65000\n") + peer_lines;
}

std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  if (auto r = parse(yaml, host_n1()); !r) {
    for (const auto& e : r.error()) {
      out.push_back(e.path + ": " + e.message);
    }
  }
  return out;
}

// Every default, written out as the declarations say it, in a peer's YAML.
void write_defaults(const std::vector<schema::setting>& settings, const std::string& indent,
                    std::string& out) {
  for (const auto& s : settings) {
    if (s.where == schema::source::crd) {
      continue;
    }
    if (s.t == schema::type::object) {
      std::string inner;
      write_defaults(s.fields, indent + "  ", inner);
      if (!inner.empty()) {
        out += indent + std::string(s.key) + ":\n" + inner;
      }
    } else if (!s.default_value.empty()) {
      out += indent + std::string(s.key) + ": " + std::string(s.default_value) + "\n";
    }
  }
}

TEST(schema, a_peer_with_every_default_written_out_equals_one_with_none) {
  std::string lines;
  write_defaults(schema::peer_settings(), "    ", lines);
  ASSERT_NE(lines.find("hold_time: 90"), std::string::npos) << lines;
  const auto bare = parse(file_config(""), host_n1());
  const auto full = parse(file_config(lines), host_n1());
  ASSERT_TRUE(bare);
  ASSERT_TRUE(full) << full.error().front().to_string() << "\n" << lines;
  EXPECT_EQ(bare->peers, full->peers);
  // ... and those defaults are the documented ones, not a struct's initialisers.
  const auto& p = bare->peers.at(0);
  EXPECT_EQ(p.bgp.hold_time.count(), 90);
  EXPECT_EQ(p.bgp.max_prefixes, 1000u);
  EXPECT_EQ(p.bgp.max_received_bytes, 4194304u);
  EXPECT_EQ(p.bgp.families, (std::vector<bgp::family>{bgp::ipv4_unicast, bgp::ipv6_unicast}));
  EXPECT_TRUE(p.source_address_auto);
  EXPECT_EQ(p.bfd.min_rx_ms, 300u);
  EXPECT_TRUE(p.bfd.strict);
}

// Every setting that takes a value, with its key path: {"advertise", "weighted_ecmp",
// "bandwidth_per_endpoint"}; a list of objects ("peers") counts as its first element.
struct leaf {
  std::vector<std::string> path;
  const schema::setting* s;
};
void leaves(const std::vector<schema::setting>& settings, std::vector<std::string> at,
            std::vector<leaf>& out) {
  for (const auto& s : settings) {
    if (s.where == schema::source::crd) {
      continue;
    }
    auto p = at;
    p.emplace_back(s.key);
    if (s.t == schema::type::object || s.t == schema::type::object_list) {
      leaves(s.fields, p, out);
    } else {
      out.push_back({p, &s});
    }
  }
}

// A valid file with `value` (YAML text) at `path`; a peer gets the keys it needs first.
std::string with_value(const std::vector<std::string>& path, const std::string& value) {
  YAML::Node root = YAML::Load("local_asn: 65001\n");
  YAML::Node n = root;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (path[i] == "peers") {
      if (!root["peers"]) {
        root["peers"].push_back(YAML::Load("{name: tor1, address: 10.0.0.1, asn: 65000}"));
      }
      n.reset(root["peers"][0]);
      continue;
    }
    YAML::Node next = n[path[i]];
    n.reset(next);
  }
  n[path.back()] = YAML::Load(value);
  if (path.back() == "keepalive_time") {
    n["hold_time"] = 0;  // no third-of-hold rule in the way
  }
  return YAML::Dump(root);
}

std::string dotted(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) {
    out += out.empty() ? p : (p == "peers" ? "." + p : "." + p);
  }
  // peers.X -> peers[0].X
  if (const auto at = out.find("peers."); at != std::string::npos) {
    out.replace(at, 6, "peers[0].");
  }
  return out;
}

// Each integer setting refuses one past each end of its declared range, with the range in the
// message, and accepts both ends.
TEST(schema, integer_ranges_are_the_declared_ones) {
  std::vector<leaf> all;
  leaves(schema::daemon_settings(), {}, all);
  int checked = 0;
  for (const auto& [path, s] : all) {
    if (s->t != schema::type::integer) {
      continue;
    }
    ++checked;
    const auto at = [&](std::uint64_t v) { return errors_of(with_value(path, std::to_string(v))); };
    const auto want =
        std::vector<std::string>{dotted(path) + ": must be " + schema::range_text(*s)};
    EXPECT_EQ(at(s->min), std::vector<std::string>{}) << dotted(path);
    EXPECT_EQ(at(s->max), std::vector<std::string>{}) << dotted(path);
    EXPECT_EQ(at(s->max + 1), want) << dotted(path);
    if (s->min > 0) {
      EXPECT_EQ(at(s->min - 1), want) << dotted(path);
    }
    for (auto x : s->excluded) {
      EXPECT_EQ(at(x), want) << dotted(path);
    }
  }
  EXPECT_EQ(checked, 23);
}

// Every choice refuses a value it does not list, naming those it does; and every default passes.
TEST(schema, choices_and_defaults_of_every_setting) {
  std::vector<leaf> all;
  leaves(schema::daemon_settings(), {}, all);
  for (const auto& [path, s] : all) {
    if (!s->default_value.empty()) {
      EXPECT_EQ(errors_of(with_value(path, std::string(s->default_value))),
                std::vector<std::string>{})
          << dotted(path);
    }
    if (s->t == schema::type::choice) {
      std::string names;
      for (auto c : s->choices) {
        names += (names.empty() ? "" : " | ") + std::string(c);
      }
      EXPECT_EQ(errors_of(with_value(path, "nonsense")),
                std::vector<std::string>{dotted(path) + ": must be one of " + names +
                                         ", not 'nonsense'"});
    }
  }
}

TEST(schema, a_file_with_every_default_written_out_equals_one_with_none) {
  std::string lines;
  write_defaults(schema::daemon_settings(), "", lines);
  const auto bare = parse(file_config(""), host_n1());
  const auto written = parse(lines + file_config(""), host_n1());
  ASSERT_TRUE(bare);
  ASSERT_TRUE(written) << written.error().front().to_string() << "\n" << lines;
  EXPECT_EQ(bare->advertise, written->advertise);
  EXPECT_EQ(bare->peers, written->peers);
  EXPECT_EQ(
      std::tie(bare->router_id, bare->listen_port, bare->graceful_restart, bare->restart_time,
               bare->shutdown, bare->shutdown_message, bare->source, bare->kubeconfig,
               bare->directory, bare->admin_socket, bare->http_listen, bare->log_level,
               bare->log_fmt),
      std::tie(written->router_id, written->listen_port, written->graceful_restart,
               written->restart_time, written->shutdown, written->shutdown_message, written->source,
               written->kubeconfig, written->directory, written->admin_socket, written->http_listen,
               written->log_level, written->log_fmt));
  // The engine's own idea of the forbidden communities is the declared one.
  EXPECT_EQ(bare->advertise.forbidden_communities, engine::default_forbidden_communities());
  EXPECT_EQ(bare->restart_time, 120);
  EXPECT_EQ(bare->http_listen, "0.0.0.0:9179");
}

TEST(schema, choices_name_what_is_allowed) {
  EXPECT_EQ(errors_of(file_config("    max_prefixes_action: stop\n")),
            std::vector<std::string>{
                "peers[0].max_prefixes_action: must be one of drop | cease, not 'stop'"});
  EXPECT_EQ(errors_of(file_config("    families: []\n")),
            std::vector<std::string>{"peers[0].families: must name at least one of ipv4, ipv6"});
  EXPECT_EQ(errors_of(file_config("    advertise: [cluster_ips, nodes]\n")),
            std::vector<std::string>{"peers[0].advertise[1]: must be one of cluster_ips | "
                                     "external_ips | load_balancer_ips, not 'nodes'"});
}

TEST(schema, a_crd_only_setting_is_unknown_in_the_file) {
  EXPECT_EQ(errors_of(file_config("    password_secret_ref: {name: tor1}\n")),
            std::vector<std::string>{"peers[0].password_secret_ref: unknown key"});
}

TEST(schema, range_text_and_camel_case) {
  schema::setting s{.key = "hold_time", .t = schema::type::integer, .min = 0, .max = 65535};
  EXPECT_EQ(schema::range_text(s), "0..65535");
  s.excluded = {1, 2};
  EXPECT_EQ(schema::range_text(s), "0 or 3..65535");
  s.excluded = {0};
  EXPECT_EQ(schema::range_text(s), "1..65535");
  s.excluded = {1};
  EXPECT_EQ(schema::range_text(s), "0 or 2..65535");
  EXPECT_EQ(schema::camel("min_rx_ms"), "minRxMs");
  EXPECT_EQ(schema::camel("next_hop_v4"), "nextHopV4");
  EXPECT_EQ(schema::camel("asn"), "asn");
}

// docs/config-reference.md is generated too.
TEST(schema, the_checked_in_reference_is_the_generated_one) {
  const std::string path = std::string(SVCBGP_SOURCE_ROOT) + "/docs/config-reference.md";
  const auto generated = schema::reference_markdown();
  if (std::getenv("SVCBGP_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << generated;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), generated) << path << ": SVCBGP_UPDATE_GOLDEN=1 tests/config/schema_test";
}

// The README says every key, with its default, is in configs/svcbgpd.yaml: each declared key is
// there (written, or commented out with an example), and a written value of a key with a default
// is that default.
TEST(schema, the_example_config_shows_every_key_with_its_default) {
  const std::string path = std::string(SVCBGP_SOURCE_ROOT) + "/configs/svcbgpd.yaml";
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const YAML::Node example = YAML::Load(text);
  std::vector<leaf> all;
  leaves(schema::daemon_settings(), {}, all);
  const auto same = [](const YAML::Node& a, const YAML::Node& b) {
    if (a.IsScalar() && b.IsScalar()) {
      return a.Scalar() == b.Scalar();
    }
    if (!a.IsSequence() || !b.IsSequence() || a.size() != b.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].IsScalar() || !b[i].IsScalar() || a[i].Scalar() != b[i].Scalar()) {
        return false;
      }
    }
    return true;
  };
  for (const auto& [p, s] : all) {
    const auto mentioned = [&](const std::string& key) {
      for (auto at = text.find(key + ":"); at != std::string::npos;
           at = text.find(key + ":", at + 1)) {
        if (at == 0 || text[at - 1] == ' ' || text[at - 1] == '\n' || text[at - 1] == '{') {
          return true;
        }
      }
      return false;
    };
    EXPECT_TRUE(mentioned(p.back())) << dotted(p) << " is not in " << path;
    YAML::Node n = example;
    for (const auto& k : p) {
      const YAML::Node next = n.IsSequence() ? n[0][k] : n[k];
      if (!next) {
        n.reset();
        break;
      }
      n.reset(next);
    }
    if (n.IsDefined() && !n.IsNull() && !s->default_value.empty() && p.back() != "node_name") {
      EXPECT_TRUE(same(n, YAML::Load(std::string(s->default_value))))
          << dotted(p) << ": the example says " << YAML::Dump(n) << ", the default is "
          << s->default_value;
    }
  }
}

// configs/deploy/crds/PLURAL.yaml is generated: SVCBGP_UPDATE_GOLDEN=1 rewrites them.
TEST(schema, the_checked_in_crds_are_the_generated_ones) {
  for (const auto* c : schema::generated_crds()) {
    const std::string path = std::string(SVCBGP_SOURCE_ROOT) + "/configs/deploy/crds/" +
                             std::string(c->plural) + ".yaml";
    const auto generated = schema::to_yaml(*c);
    if (std::getenv("SVCBGP_UPDATE_GOLDEN") != nullptr) {
      std::ofstream(path, std::ios::binary) << generated;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), generated) << path
                                   << " differs from src/config/schema.cc's declarations; "
                                      "SVCBGP_UPDATE_GOLDEN=1 tests/config/schema_test rewrites it";
  }
}

}  // namespace
}  // namespace svcbgp::config
