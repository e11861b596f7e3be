// The declarations of src/config/schema: the parser applies exactly what they say (defaults,
// ranges, choices), and the CRD checked in under configs/deploy/crds/ is what they generate.
#include "src/config/schema.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "src/config/config.h"

namespace svcbgp::config {
namespace {

environment no_env() {
  environment e;
  e.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  e.read_file = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
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
  if (auto r = parse(yaml, no_env()); !r) {
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
      out += indent + std::string(s.key) + ":\n";
      write_defaults(s.fields, indent + "  ", out);
    } else if (!s.default_value.empty()) {
      out += indent + std::string(s.key) + ": " + std::string(s.default_value) + "\n";
    }
  }
}

TEST(schema, a_peer_with_every_default_written_out_equals_one_with_none) {
  std::string lines;
  write_defaults(schema::peer_settings(), "    ", lines);
  ASSERT_NE(lines.find("hold_time: 90"), std::string::npos) << lines;
  const auto bare = parse(file_config(""), no_env());
  const auto full = parse(file_config(lines), no_env());
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

// Each integer setting refuses one past each end of its declared range, with the range in the
// message, and accepts both ends.
TEST(schema, integer_ranges_are_the_declared_ones) {
  const auto check = [](const schema::setting& s, const std::string& prefix,
                        const std::string& indent) {
    const auto at = [&](std::uint64_t v) {
      std::string lines;
      if (prefix.empty()) {
        lines = indent + std::string(s.key) + ": " + std::to_string(v) + "\n";
      } else {
        lines =
            "    " + prefix + ":\n" + indent + std::string(s.key) + ": " + std::to_string(v) + "\n";
      }
      if (s.key == "keepalive_time") {
        lines += "    hold_time: 0\n";  // no third-of-hold rule in the way
      }
      return errors_of(file_config(lines));
    };
    const auto path = "peers[0]." + (prefix.empty() ? "" : prefix + ".") + std::string(s.key);
    const auto want = std::vector<std::string>{path + ": must be " + schema::range_text(s)};
    EXPECT_EQ(at(s.min), std::vector<std::string>{}) << path;
    EXPECT_EQ(at(s.max), std::vector<std::string>{}) << path;
    EXPECT_EQ(at(s.max + 1), want) << path;
    if (s.min > 0) {
      EXPECT_EQ(at(s.min - 1), want) << path;
    }
    for (auto x : s.excluded) {
      EXPECT_EQ(at(x), want) << path;
    }
  };
  int checked = 0;
  for (const auto& s : schema::peer_settings()) {
    if (s.where == schema::source::crd) {
      continue;
    }
    if (s.t == schema::type::integer) {
      check(s, "", "    ");
      ++checked;
    }
    for (const auto& f : s.fields) {
      if (f.t == schema::type::integer) {
        check(f, std::string(s.key), "      ");
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 12);
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

// configs/deploy/crds/bgppeers.yaml is generated: SVCBGP_UPDATE_GOLDEN=1 rewrites it.
TEST(schema, the_checked_in_bgppeer_crd_is_the_generated_one) {
  const std::string path = std::string(SVCBGP_SOURCE_ROOT) + "/configs/deploy/crds/bgppeers.yaml";
  const auto generated = schema::to_yaml(schema::bgp_peer_crd());
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

}  // namespace
}  // namespace svcbgp::config
