// Table-driven selection tests: every tests/engine/cases/*.yaml is one case (adding a case is
// adding a file). Objects are kubectl YAML or references to sections of the real fixtures
// ("fixture: cilium/.../trafficpolicy.txtar#service_tp_local.yaml", or a plain file path), read
// by k8s/model's manifest parser so the real shapes are exercised. Format: cases/README.md.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "bgp/codec/ext_community.h"
#include "k8s/model/cache.h"
#include "k8s/model/manifest.h"
#include "src/config/config.h"
#include "src/engine/selection.h"
#include "tests/engine/test_util.h"

namespace svcbgp::engine {
namespace {

namespace fs = std::filesystem;
using testing::describe_route;

std::string cases_dir() {
  return std::string(SVCBGP_ENGINE_CASES);
}

std::string fixtures_dir() {
  const char* env = std::getenv("SVCBGP_FIXTURES");
  return env ? env : "";
}

std::vector<std::uint32_t> communities_of(const YAML::Node& n) {
  std::vector<std::uint32_t> out;
  for (const auto& c : n) {
    auto v = bgp::parse_community(c.as<std::string>());
    if (!v) {
      throw std::runtime_error("bad community in case: " + c.as<std::string>());
    }
    out.push_back(*v);
  }
  return out;
}

std::vector<bgp::large_community> large_of(const YAML::Node& n) {
  std::vector<bgp::large_community> out;
  for (const auto& c : n) {
    auto v = bgp::large_community::parse(c.as<std::string>());
    if (!v) {
      throw std::runtime_error("bad large community in case: " + c.as<std::string>());
    }
    out.push_back(*v);
  }
  return out;
}

bgp::prefix prefix_of(const std::string& s) {
  auto p = bgp::prefix::parse(s);
  if (!p) {
    throw std::runtime_error("bad prefix in case: " + s);
  }
  return *p;
}

std::map<std::string, std::string> labels_of(const YAML::Node& n) {
  std::map<std::string, std::string> out;
  for (const auto& kv : n) {
    out[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  return out;
}

ip_kind kind_of(const std::string& s) {
  if (s == "cluster_ips" || s == "ClusterIP") {
    return ip_kind::cluster_ip;
  }
  if (s == "external_ips" || s == "ExternalIP") {
    return ip_kind::external_ip;
  }
  if (s == "load_balancer_ips" || s == "LoadBalancerIP") {
    return ip_kind::load_balancer_ip;
  }
  throw std::runtime_error("bad kind in case: " + s);
}

// The `config:` of a case: the engine's part of svcbgpd.yaml (interfaces.md), same key names.
// `advertise:` goes through svcbgpd's own config parser, so a case sees the defaults and checks a
// user gets; peers are the engine's view of them (name, ibgp, families, advertise, node_selector).
engine_config config_of(const YAML::Node& n) {
  engine_config cfg;
  cfg.node_name = n["node_name"].as<std::string>("testnode");
  cfg.local_asn = n["local_asn"].as<std::uint32_t>(64512);
  cfg.node_selector.match_labels = labels_of(n["node_selector"]);
  YAML::Node file;
  file["node_name"] = cfg.node_name;
  file["local_asn"] = cfg.local_asn;
  if (n["advertise"]) {
    file["advertise"] = YAML::Clone(n["advertise"]);
  }
  YAML::Emitter text;
  text << file;
  auto parsed = config::parse(text.c_str(), config::environment{});
  if (!parsed) {
    throw std::runtime_error("bad advertise in case: " + parsed.error().front().to_string());
  }
  cfg.advertise = parsed->advertise;
  for (const auto& p : n["peers"]) {
    peer_target t;
    t.name = p["name"].as<std::string>();
    t.ibgp = p["ibgp"].as<bool>(false);
    if (p["families"]) {
      t.families.clear();
      for (const auto& f : p["families"]) {
        t.families.push_back(f.as<std::string>() == "ipv6" ? bgp::ipv6_unicast : bgp::ipv4_unicast);
      }
    }
    if (p["advertise"]) {
      t.advertise.clear();
      for (const auto& k : p["advertise"]) {
        t.advertise.insert(kind_of(k.as<std::string>()));
      }
    }
    t.node_selector.match_labels = labels_of(p["node_selector"]);
    cfg.peers.push_back(std::move(t));
  }
  return cfg;
}

// One object of `objects:` / `node:` as manifest text: inline YAML, or a fixture reference.
std::string manifest_text(const YAML::Node& n) {
  if (n.IsScalar()) {
    return n.as<std::string>();  // kubectl YAML verbatim (keeps "false" a string)
  }
  // {fixture: path[#section], replace: {FROM: TO}}: replace fills templates (graceful-termination).
  if (n.IsMap() && n["fixture"]) {
    const auto ref = n["fixture"].as<std::string>();
    const auto hash = ref.find('#');
    const auto path = fixtures_dir() + "/" + ref.substr(0, hash);
    auto text = testing::read_text_file(path);
    if (!text) {
      throw std::runtime_error("cannot read fixture " + path);
    }
    if (hash == std::string::npos) {
      return *text;
    }
    auto section = testing::txtar_section(*text, ref.substr(hash + 1));
    if (!section) {
      throw std::runtime_error("no section in fixture: " + ref);
    }
    for (const auto& kv : n["replace"]) {
      const auto from = kv.first.as<std::string>();
      const auto to = kv.second.as<std::string>();
      for (auto pos = section->find(from); pos != std::string::npos;
           pos = section->find(from, pos + to.size())) {
        section->replace(pos, from.size(), to);
      }
    }
    return *section;
  }
  YAML::Emitter out;
  out << n;
  return out.c_str();
}

struct route_expect {
  bgp::prefix prefix;
  YAML::Node spec;
};

class selection_case : public ::testing::TestWithParam<std::string> {};

TEST_P(selection_case, routes_and_decisions_match_expectation) {
  const auto path = cases_dir() + "/" + GetParam();
  const YAML::Node doc = YAML::LoadFile(path);
  SCOPED_TRACE(path + ": " + doc["description"].as<std::string>(""));
  const engine_config cfg = config_of(doc["config"]);

  // Everything goes through the manifest parser, as the directory source would read it.
  std::string text;
  if (doc["node"] && !doc["node"].IsNull()) {
    text += manifest_text(doc["node"]) + "\n---\n";
  }
  for (const auto& o : doc["objects"]) {
    text += manifest_text(o) + "\n---\n";
  }
  auto parsed = k8s::parse_manifests(text, GetParam());
  for (const auto& e : parsed.errors) {
    ADD_FAILURE() << "manifest error: " << e.to_string();
  }
  const auto expected_warnings = doc["expect"]["model_warnings"].as<std::size_t>(0);
  std::size_t warnings = 0;
  for (const auto& s : parsed.services) {
    warnings += s.warnings.size();
  }
  for (const auto& s : parsed.slices) {
    warnings += s.warnings.size();
  }
  EXPECT_EQ(warnings, expected_warnings) << "warnings the model recorded while reading";

  k8s::cluster_cache cache;
  for (auto n : parsed.nodes) {
    cache.upsert(std::move(n));
  }
  for (auto s : parsed.services) {
    cache.upsert(std::move(s));
  }
  for (auto s : parsed.slices) {
    cache.upsert(std::move(s));
  }
  cache.take_changes();
  selector sel(cfg);
  sel.full(cache);

  // Routes: exactly the expected prefixes per peer; attributes checked where the case gives them.
  const auto exp_routes = doc["expect"]["routes"];
  for (const auto& peer : cfg.peers) {
    const auto& got = sel.routes(peer.name);
    std::map<bgp::prefix, YAML::Node> want;
    const YAML::Node list = exp_routes[peer.name];
    for (const auto& r : list) {
      want.emplace(prefix_of(r["prefix"].as<std::string>()), r);
    }
    std::set<bgp::prefix> got_prefixes;
    for (const auto& [p, a] : got) {
      got_prefixes.insert(p);
      if (!want.contains(p)) {
        ADD_FAILURE() << "peer " << peer.name << ": unexpected route " << describe_route(p, *a);
      }
    }
    for (const auto& [p, spec] : want) {
      auto it = got.find(p);
      if (it == got.end()) {
        ADD_FAILURE() << "peer " << peer.name << ": missing route " << p.to_string();
        continue;
      }
      const auto& a = *it->second;
      const auto where = "peer " + peer.name + ": " + describe_route(p, a);
      EXPECT_EQ(a.origin, bgp::origin_type::igp) << where;
      if (spec["communities"]) {
        EXPECT_EQ(a.communities, communities_of(spec["communities"])) << where;
      }
      if (spec["large"]) {
        EXPECT_EQ(a.large_communities, large_of(spec["large"])) << where;
      }
      if (spec["local_pref"]) {
        EXPECT_EQ(a.local_pref, spec["local_pref"].as<std::uint32_t>()) << where;
      }
      if (spec["med"]) {
        EXPECT_EQ(a.med, spec["med"].as<std::uint32_t>()) << where;
      }
      // Weighted ECMP: exactly one link bandwidth community when the case names one, else none.
      if (spec["link_bandwidth"]) {
        ASSERT_EQ(a.extended_communities.size(), 1u) << where;
        const auto lb = bgp::parse_link_bandwidth(a.extended_communities[0]);
        ASSERT_TRUE(lb.has_value()) << where;
        EXPECT_EQ(lb->bytes_per_second, spec["link_bandwidth"].as<float>()) << where;
        EXPECT_EQ(lb->asn, cfg.local_asn) << where;
        EXPECT_EQ(lb->transitive, spec["transitive"].as<bool>(false)) << where;
      } else {
        EXPECT_TRUE(a.extended_communities.empty()) << where;
      }
      // The engine's path holds only the deprefer prepends of our own AS.
      const auto prepend = spec["prepend"].as<std::size_t>(0);
      std::vector<std::uint32_t> want_path(prepend, cfg.local_asn);
      std::vector<std::uint32_t> got_path;
      if (a.path) {
        for (const auto& seg : a.path->segments) {
          got_path.insert(got_path.end(), seg.asns.begin(), seg.asns.end());
        }
      }
      EXPECT_EQ(got_path, want_path) << where;
    }
  }
  for (const auto& kv : exp_routes) {
    const auto name = kv.first.as<std::string>();
    EXPECT_TRUE(std::any_of(cfg.peers.begin(), cfg.peers.end(),
                            [&](const peer_target& p) { return p.name == name; }))
        << "expect.routes names an unknown peer " << name;
  }

  // Decisions: the full list, in the selector's order (service, kind, ip).
  const auto got = sel.decisions();
  const auto exp = doc["expect"]["decisions"];
  ASSERT_TRUE(exp.IsSequence()) << "expect.decisions missing";
  std::vector<std::string> got_lines;
  std::vector<std::string> want_lines;
  for (const auto& d : got) {
    got_lines.push_back(
        d.service.to_string() + " " + std::string(to_string(d.kind)) + " " +
        (d.kind == ip_kind::cluster_ip && d.ip == bgp::ip_address{} && d.why == reason::headless
             ? std::string("-")
             : d.ip.to_string()) +
        " " + (d.announced ? "true" : "false") + " " + std::string(to_string(d.why)));
  }
  for (const auto& e : exp) {
    want_lines.push_back(e["service"].as<std::string>() + " " + e["kind"].as<std::string>() + " " +
                         e["ip"].as<std::string>("-") + " " +
                         (e["announced"].as<bool>() ? "true" : "false") + " " +
                         e["reason"].as<std::string>());
  }
  EXPECT_EQ(got_lines, want_lines);
  if (got.size() == exp.size()) {
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto& e = exp[i];
      if (e["detail"]) {
        EXPECT_NE(got[i].detail.find(e["detail"].as<std::string>()), std::string::npos)
            << got_lines[i] << ": detail '" << got[i].detail << "'";
      } else {
        EXPECT_EQ(got[i].detail, "") << got_lines[i];
      }
      if (e["announced_as"]) {
        EXPECT_EQ(got[i].announced_as, prefix_of(e["announced_as"].as<std::string>()))
            << got_lines[i];
      }
      if (e["local_ready"]) {
        EXPECT_EQ(got[i].local_ready, e["local_ready"].as<std::uint32_t>()) << got_lines[i];
      }
      if (e["ready"]) {
        EXPECT_EQ(got[i].ready_endpoints, e["ready"].as<std::uint32_t>()) << got_lines[i];
      }
      if (e["local_draining"]) {
        EXPECT_EQ(got[i].local_draining, e["local_draining"].as<std::uint32_t>()) << got_lines[i];
      }
      if (e["weight"]) {
        const auto w = e["weight"].as<std::string>();
        EXPECT_EQ(got[i].weight ? std::to_string(*got[i].weight) : "none", w) << got_lines[i];
      }
    }
  }

  // The same cluster fed one object at a time through update() ends where full() does.
  k8s::cluster_cache inc_cache;
  selector inc(cfg);
  inc.full(inc_cache);
  for (auto n : parsed.nodes) {
    inc_cache.upsert(std::move(n));
    inc.update(inc_cache, inc_cache.take_changes());
  }
  for (auto s : parsed.slices) {
    inc_cache.upsert(std::move(s));
    inc.update(inc_cache, inc_cache.take_changes());
  }
  for (auto s : parsed.services) {
    inc_cache.upsert(std::move(s));
    inc.update(inc_cache, inc_cache.take_changes());
  }
  EXPECT_EQ(testing::compare_selectors(sel, inc), "");
}

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(cases_dir())) {
    if (e.path().extension() == ".yaml") {
      out.push_back(e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.substr(0, info.param.size() - 5);
  for (auto& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      c = '_';
    }
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(cases, selection_case, ::testing::ValuesIn(case_files()), case_name);

TEST(selection_names, reasons_are_the_stable_identifiers) {
  EXPECT_EQ(to_string(reason::announced_aggregate), "announcedAggregate");
  EXPECT_EQ(to_string(reason::not_in_allowed_cidrs), "notInAllowedCidrs");
  EXPECT_EQ(to_string(reason::other_load_balancer_class), "otherLoadBalancerClass");
  EXPECT_EQ(to_string(reason::node_network_unavailable), "nodeNetworkUnavailable");
  EXPECT_EQ(to_string(reason::node_draining), "nodeDraining");
  EXPECT_EQ(to_string(reason::bad_annotation), "badAnnotation");
  EXPECT_EQ(to_string(ip_kind::load_balancer_ip), "LoadBalancerIP");
}

}  // namespace
}  // namespace svcbgp::engine
