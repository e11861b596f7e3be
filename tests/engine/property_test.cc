// Property: after every change batch, the incremental selector (update()) holds exactly what a
// selector built from scratch (full()) holds: same decisions, same routes per peer, and it names
// as changed exactly the peers whose route set differs from before the batch.
//
// Random clusters are small on purpose (a dozen services over a few IPs) so that shared IPs,
// shared aggregates and every reason occur often; several hundred seeded sequences.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "k8s/model/cache.h"
#include "src/engine/selection.h"
#include "tests/engine/test_util.h"

namespace svcbgp::engine {
namespace {

constexpr int sequences = 400;
constexpr int batches_per_sequence = 25;

class generator {
 public:
  explicit generator(std::uint32_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  template <typename T>
  const T& one_of(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))];
  }

  static k8s::ip_addr ip(const std::string& s) { return *k8s::ip_addr::parse(s); }
  static bgp::prefix pfx(const std::string& s) { return *bgp::prefix::parse(s); }

  engine_config config() {
    engine_config cfg;
    cfg.node_name = "testnode";
    cfg.local_asn = 64512;
    if (chance(20)) {
      cfg.node_selector.match_labels = {{"bgp", "on"}};
    }
    auto& a = cfg.advertise;
    a.cluster_ips.cidrs = {pfx("10.96.0.0/24"), pfx("fd00:96::/112")};
    a.cluster_ips.communities =
        chance(50) ? std::vector<std::uint32_t>{0xfde80001} : std::vector<std::uint32_t>{};
    a.cluster_ips_mode = chance(50) ? cluster_ip_mode::aggregate : cluster_ip_mode::per_service;
    if (!chance(10)) {
      a.external_ips.cidrs = {pfx("192.0.2.0/24"), pfx("2001:db8:e::/64")};
    }
    a.load_balancer_ips.cidrs = {pfx("198.51.100.0/24"), pfx("2001:db8:1b::/64")};
    a.load_balancer_ips.large_communities = {bgp::large_community{65000, 9, 9}};
    a.load_balancer_class = chance(30) ? "svcbgp.io/bgp" : "";
    a.terminating_endpoints = static_cast<terminating_mode>(pick(3));
    a.empty_services = chance(30) ? empty_services_mode::keep : empty_services_mode::withdraw;
    if (chance(30)) {
      a.aggregation_length_v4 = 28;
    }
    if (chance(30)) {
      a.aggregation_length_v6 = 120;
    }
    a.communities =
        chance(50) ? std::vector<std::uint32_t>{0xfde80064} : std::vector<std::uint32_t>{};
    a.local_pref = chance(50) ? 100 : 150;
    if (chance(30)) {
      a.med = 10;
    }
    a.weighted_ecmp.enabled = chance(40);
    a.weighted_ecmp.transitive = chance(20);
    const int peers = 1 + pick(3);
    for (int i = 0; i < peers; ++i) {
      peer_target p;
      p.name = "tor" + std::to_string(i);
      p.ibgp = chance(50);
      if (chance(25)) {
        p.families = {chance(50) ? bgp::ipv4_unicast : bgp::ipv6_unicast};
      }
      if (chance(30)) {
        p.advertise.erase(static_cast<ip_kind>(pick(3)));
      }
      if (chance(25)) {
        p.node_selector.match_labels = {{"rack", chance(50) ? "r1" : "r2"}};
      }
      cfg.peers.push_back(std::move(p));
    }
    return cfg;
  }

  k8s::node node() {
    k8s::node n;
    n.meta.key.name = "testnode";
    if (chance(80)) {
      n.labels["bgp"] = "on";
    }
    n.labels["rack"] = chance(50) ? "r1" : "r2";
    if (chance(15)) {
      n.labels["node.kubernetes.io/exclude-from-external-load-balancers"] = "";
    }
    n.network_unavailable = chance(10);
    return n;
  }

  k8s::object_key service_key() {
    return {pick(2) == 0 ? "a" : "b", "svc" + std::to_string(pick(8))};
  }

  k8s::service service(const k8s::object_key& key) {
    static const std::vector<std::string> cluster_v4 = {"10.96.0.1", "10.96.0.2", "10.96.0.3",
                                                        "10.96.0.17", "10.97.0.1"};
    static const std::vector<std::string> cluster_v6 = {"fd00:96::1", "fd00:96::2", "fd00:96::101"};
    static const std::vector<std::string> external = {"192.0.2.1", "192.0.2.2", "192.0.2.33",
                                                      "203.0.113.5", "2001:db8:e::1"};
    static const std::vector<std::string> lb = {"198.51.100.1", "198.51.100.2", "198.51.100.3",
                                                "192.0.2.1", "2001:db8:1b::1"};
    k8s::service s;
    s.meta.key = key;
    s.type = static_cast<k8s::service_type>(pick(10) < 6 ? 2 : pick(4));
    if (chance(8)) {
      s.headless = true;
    } else if (s.type != k8s::service_type::external_name) {
      const int fam = pick(3);  // v4, v6, dual
      if (fam != 1) {
        s.cluster_ips.push_back(ip(one_of(cluster_v4)));
      }
      if (fam != 0) {
        s.cluster_ips.push_back(ip(one_of(cluster_v6)));
      }
    }
    for (int i = pick(3); i > 0; --i) {
      s.external_ips.push_back(ip(one_of(external)));
    }
    for (int i = pick(3); i > 0; --i) {
      k8s::load_balancer_ingress in;
      if (!chance(10)) {
        in.ip = ip(one_of(lb));
      }
      in.proxy_mode = chance(10);
      s.ingress.push_back(in);
    }
    s.external_policy = chance(50) ? k8s::traffic_policy::local : k8s::traffic_policy::cluster;
    s.internal_policy = chance(20) ? k8s::traffic_policy::local : k8s::traffic_policy::cluster;
    if (chance(20)) {
      s.load_balancer_class = chance(50) ? "svcbgp.io/bgp" : "other";
    }
    if (chance(8)) {
      s.annotations["svcbgp.io/advertise"] = chance(70) ? "false" : "maybe";
    }
    if (chance(25)) {
      s.annotations["svcbgp.io/communities"] =
          one_of(std::vector<std::string>{"65000:1", "65000:2,65000:1", "65000:x"});
    }
    if (chance(15)) {
      s.annotations["svcbgp.io/large-communities"] =
          one_of(std::vector<std::string>{"65000:1:2", "bad"});
    }
    if (chance(15)) {
      s.annotations["svcbgp.io/local-pref"] = one_of(std::vector<std::string>{"200", "50", "x"});
    }
    if (chance(15)) {
      s.annotations["svcbgp.io/weighted-ecmp"] =
          one_of(std::vector<std::string>{"true", "false", "yes"});
    }
    return s;
  }

  k8s::endpoint_slice slice() {
    k8s::endpoint_slice s;
    const auto owner = service_key();
    s.meta.key = {owner.ns, owner.name + "-" + std::to_string(pick(3))};
    if (!chance(5)) {
      s.service_name = owner.name;
    }
    s.type = chance(10) ? k8s::address_type::fqdn
                        : (chance(60) ? k8s::address_type::ipv4 : k8s::address_type::ipv6);
    for (int i = pick(4); i > 0; --i) {
      k8s::endpoint e;
      const bool v6 = s.type == k8s::address_type::ipv6;
      // Now and then an address of the other family (bad input).
      ((v6 != chance(10)) ? e.has_ipv6 : e.has_ipv4) = true;
      const int where = pick(10);
      if (where < 4) {
        e.node_name = "testnode";
      } else if (where < 9) {
        e.node_name = "node" + std::to_string(where);
      }
      e.ready = !chance(25);
      e.serving = !chance(20);
      e.terminating = chance(25);
      s.endpoints.push_back(std::move(e));
    }
    return s;
  }

  // One random change to the cache.
  void mutate(k8s::cluster_cache& cache) {
    const int what = pick(100);
    if (what < 35) {
      cache.upsert(service(service_key()));
    } else if (what < 45) {
      cache.remove(k8s::resource::services, service_key());
    } else if (what < 80) {
      cache.upsert(slice());
    } else if (what < 90) {
      auto s = slice();
      cache.remove(k8s::resource::endpoint_slices, s.meta.key);
    } else if (what < 97) {
      cache.upsert(node());
    } else {
      cache.remove(k8s::resource::nodes, {"", "testnode"});
    }
  }

 private:
  std::mt19937 rng_;
};

TEST(selection_property, incremental_update_equals_full_recompute) {
  std::size_t announced = 0;
  std::size_t shared = 0;
  for (int seq = 0; seq < sequences; ++seq) {
    generator gen(static_cast<std::uint32_t>(seq) * 7919U + 1U);
    const engine_config cfg = gen.config();
    k8s::cluster_cache cache;
    selector inc(cfg);
    inc.full(cache);
    for (int b = 0; b < batches_per_sequence; ++b) {
      std::map<std::string, bgp::route_set> before;
      for (const auto& p : cfg.peers) {
        before[p.name] = inc.routes(p.name);
      }
      for (int n = 1 + gen.pick(3); n > 0; --n) {
        gen.mutate(cache);
      }
      inc.update(cache, cache.take_changes());
      selector fresh(cfg);
      fresh.full(cache);
      const auto diff = testing::compare_selectors(inc, fresh);
      ASSERT_EQ(diff, "") << "sequence " << seq << " batch " << b;
      std::vector<std::string> want_changed;
      for (const auto& p : cfg.peers) {
        const auto& now = inc.routes(p.name);
        bool same = now.size() == before[p.name].size();
        for (const auto& [pfx, a] : now) {
          auto it = before[p.name].find(pfx);
          same = same && it != before[p.name].end() && bgp::same_attributes(a, it->second);
        }
        if (!same) {
          want_changed.push_back(p.name);
        }
      }
      auto got_changed = inc.changed_peers();
      std::sort(got_changed.begin(), got_changed.end());
      ASSERT_EQ(got_changed, want_changed) << "sequence " << seq << " batch " << b;
      // The reported difference is complete: the old routes patched with the changed prefixes
      // are the new routes (the speaker applies exactly this).
      for (const auto& p : cfg.peers) {
        const auto* changed = inc.changed_prefixes(p.name);
        if (changed == nullptr) {
          continue;  // a node change made it a full recomputation
        }
        auto patched = before[p.name];
        const auto& now = inc.routes(p.name);
        for (const auto& pfx : *changed) {
          if (auto it = now.find(pfx); it != now.end()) {
            patched[pfx] = it->second;
          } else {
            patched.erase(pfx);
          }
        }
        ASSERT_EQ(patched, now) << "sequence " << seq << " batch " << b << " peer " << p.name;
      }
      std::map<bgp::ip_address, int> per_ip;
      std::array<std::size_t, 3> by_kind{};
      for (const auto& d : inc.decisions()) {
        announced += d.announced ? 1 : 0;
        if (d.announced) {
          ++per_ip[d.ip];
          ++by_kind[static_cast<std::size_t>(d.kind)];
        }
      }
      // The counts /metrics reads are kept as services change, and equal a walk of them.
      ASSERT_EQ(inc.announced_by_kind(), by_kind) << "sequence " << seq << " batch " << b;
      for (const auto& [ip, n] : per_ip) {
        shared += n > 1 ? 1 : 0;
      }
    }
  }
  // The generator must actually exercise announcements and shared IPs.
  EXPECT_GT(announced, 1000U);
  EXPECT_GT(shared, 100U);
}

}  // namespace
}  // namespace svcbgp::engine
