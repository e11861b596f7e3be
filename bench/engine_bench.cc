// Route selection cost (shared/spec/performance.md P6, advertisement.md "Timing"):
//   BM_full_selection/100000    full() over 100,000 Services and 200,000 EndpointSlices
//   BM_one_change/N             one endpoint change (slice upsert + take_changes + update()) with
//                               N = 10,000 and 100,000 services cached; must be flat in N.
// At the end the ratio of the two one-change medians (100k / 10k) is printed: ~1.0 means the
// churn cost does not grow with the cluster.
//
// The cluster is generated here with a fixed seed: 5,000 nodes, services of all kinds (ClusterIP,
// LoadBalancer, ExternalIPs), a third with Local policy, two IPv4 slices of three endpoints each.
// Run (release build, see bench/meson.build):
//   build-bench/bench/engine_bench --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "k8s/model/cache.h"
#include "src/engine/selection.h"

#ifndef SVCBGP_COMMIT
#define SVCBGP_COMMIT "unknown"
#endif

namespace {

using namespace svcbgp;

constexpr std::uint32_t seed = 20240612;
constexpr int nodes = 5000;
constexpr const char* this_node = "node-0";

k8s::ip_addr v4(std::uint32_t host_order) {
  k8s::ip_addr a;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

engine::engine_config bench_config() {
  engine::engine_config cfg;
  cfg.node_name = this_node;
  cfg.local_asn = 64512;
  auto& a = cfg.advertise;
  a.cluster_ips.cidrs = {*bgp::prefix::parse("10.96.0.0/12")};
  a.cluster_ips_mode = engine::cluster_ip_mode::per_service;
  a.external_ips.cidrs = {*bgp::prefix::parse("172.16.0.0/12")};
  a.load_balancer_ips.cidrs = {*bgp::prefix::parse("100.64.0.0/10")};
  a.communities = {0xfde80064};
  engine::peer_target tor1;
  tor1.name = "tor1";
  engine::peer_target tor2;
  tor2.name = "tor2";
  tor2.ibgp = true;
  cfg.peers = {tor1, tor2};
  return cfg;
}

struct dataset {
  k8s::cluster_cache cache;
  std::vector<k8s::endpoint_slice> slices;  // a copy of every slice, to mutate
};

k8s::endpoint_slice make_slice(const k8s::object_key& svc, int index, std::mt19937& rng) {
  std::uniform_int_distribution<int> node(0, nodes - 1);
  k8s::endpoint_slice s;
  s.meta.key = {svc.ns, svc.name + "-" + std::to_string(index)};
  s.service_name = svc.name;
  s.type = k8s::address_type::ipv4;
  for (int e = 0; e < 3; ++e) {
    k8s::endpoint ep;
    ep.has_ipv4 = true;
    // One slice in ten has an endpoint here, so Local services announce now and then.
    ep.node_name =
        (e == 0 && rng() % 10 == 0) ? std::string(this_node) : "node-" + std::to_string(node(rng));
    s.endpoints.push_back(std::move(ep));
  }
  return s;
}

// Built once per size and kept for the whole run.
dataset& cluster(std::size_t services) {
  static std::map<std::size_t, std::unique_ptr<dataset>> built;
  auto& d = built[services];
  if (d) {
    return *d;
  }
  d = std::make_unique<dataset>();
  std::mt19937 rng(seed);
  k8s::node self;
  self.meta.key.name = this_node;
  self.labels["topology.kubernetes.io/zone"] = "z1";
  d->cache.upsert(std::move(self));
  for (std::size_t i = 0; i < services; ++i) {
    const auto n = static_cast<std::uint32_t>(i);
    k8s::service s;
    s.meta.key = {"ns-" + std::to_string(i % 100), "svc-" + std::to_string(i)};
    s.cluster_ips.push_back(v4(0x0a600001u + n));
    if (i % 4 == 0) {
      s.type = k8s::service_type::load_balancer;
      k8s::load_balancer_ingress in;
      in.ip = v4(0x64400001u + n);
      s.ingress.push_back(in);
    }
    if (i % 10 == 1) {
      s.external_ips.push_back(v4(0xac100001u + n));
    }
    if (i % 3 == 0) {
      s.external_policy = k8s::traffic_policy::local;
    }
    for (int k = 0; k < 2; ++k) {
      d->slices.push_back(make_slice(s.meta.key, k, rng));
      d->cache.upsert(d->slices.back());
    }
    d->cache.upsert(std::move(s));
  }
  d->cache.take_changes();
  return *d;
}

void BM_full_selection(benchmark::State& state) {
  auto& d = cluster(static_cast<std::size_t>(state.range(0)));
  const auto cfg = bench_config();
  std::size_t routes = 0;
  for (auto _ : state) {
    engine::selector sel(cfg);
    sel.full(d.cache);
    routes = sel.routes("tor1").size();
    benchmark::DoNotOptimize(routes);
  }
  state.counters["routes_per_peer"] = static_cast<double>(routes);
  state.counters["services"] = static_cast<double>(d.cache.size(k8s::resource::services));
  state.counters["slices"] = static_cast<double>(d.cache.size(k8s::resource::endpoint_slices));
}

// One endpoint flips ready <-> not ready on this node: the churn P6 is about.
void BM_one_change(benchmark::State& state) {
  auto& d = cluster(static_cast<std::size_t>(state.range(0)));
  engine::selector sel(bench_config());
  sel.full(d.cache);
  std::mt19937 rng(seed + 1);
  std::size_t changed = 0;
  for (auto _ : state) {
    auto& s = d.slices[rng() % d.slices.size()];
    auto& ep = s.endpoints.front();
    ep.node_name = this_node;
    ep.ready = !ep.ready;
    d.cache.upsert(s);
    const auto batch = d.cache.take_changes();
    sel.update(d.cache, batch);
    changed += sel.changed_peers().size();
  }
  benchmark::DoNotOptimize(changed);
  state.counters["changes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_full_selection)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(5);
BENCHMARK(BM_one_change)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond)->Repetitions(5);

// Keeps the one-change medians to print their ratio (performance.md: report the ratio).
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") {
        medians_[r.run_name.function_name + "/" + r.run_name.args] = {r.GetAdjustedRealTime(),
                                                                      r.GetAdjustedCPUTime()};
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratio() const {
    auto small = medians_.find("BM_one_change/10000");
    auto large = medians_.find("BM_one_change/100000");
    if (small != medians_.end() && large != medians_.end() && small->second.real > 0 &&
        small->second.cpu > 0) {
      std::cout << "one change, 100k vs 10k services cached (medians): real " << large->second.real
                << " / " << small->second.real << " us = ratio "
                << large->second.real / small->second.real << "; cpu " << large->second.cpu << " / "
                << small->second.cpu << " us = ratio " << large->second.cpu / small->second.cpu
                << "\n";
    }
  }

 private:
  struct times {
    double real = 0;
    double cpu = 0;
  };
  std::map<std::string, times> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("commit", SVCBGP_COMMIT);
  benchmark::AddCustomContext("nproc", std::to_string(std::thread::hardware_concurrency()));
  benchmark::AddCustomContext("nodes", std::to_string(nodes));
  benchmark::AddCustomContext("seed", std::to_string(seed));
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratio();
  benchmark::Shutdown();
  return 0;
}
