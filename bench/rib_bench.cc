// Session up with a whole table in the Adj-RIB-Out (performance.md P2, the sender's own cost):
// time from reset(exporter) until the first UPDATE is encoded, and until the whole table is.
// Release build, then:
//   ninja -C build-bench bench/rib_bench && build-bench/bench/rib_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "bench/bench_context.h"
#include "bgp/codec/codec.h"
#include "bgp/rib/adj_rib_out.h"

namespace {

using namespace svcbgp::bgp;

using svcbgp::bench::bench_context;

// Service routes as the engine gives them: one attribute set, N host routes.
route_set service_table(std::size_t n) {
  path_attributes a;
  a.origin = origin_type::igp;
  a.communities = {0xfde90001u};
  a.local_pref = 100;
  auto attrs = std::make_shared<const path_attributes>(a);
  route_set r;
  r.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    r.emplace(prefix::host(ip_address::v4(0x0a000000u + static_cast<std::uint32_t>(i))), attrs);
  }
  return r;
}

// Next-hop self and our AS in front, as the session's export policy does.
adj_rib_out::exporter session_exporter() {
  return [](const path_attributes& a, family) {
    auto out = a;
    out.next_hop = ip_address::v4(0x0a000001);
    out.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence, {65000}}}};
    out.local_pref.reset();
    return std::make_shared<const path_attributes>(std::move(out));
  };
}

// The writer's step: up to `budget` UPDATEs, encoded.
std::size_t write_step(adj_rib_out& rib, const codec_context& ctx, std::size_t budget,
                       std::vector<std::uint8_t>& wire) {
  auto updates = rib.next_updates(ctx, budget);
  for (const auto& u : updates) {
    encode(message{u}, ctx, wire);
  }
  return updates.size();
}

void BM_session_up_first_update(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto ctx = bench_context();
  adj_rib_out rib;
  rib.set(service_table(n));  // computed before the session, as in P2
  std::vector<std::uint8_t> wire;
  for (auto _ : state) {
    rib.reset(session_exporter());
    wire.clear();
    benchmark::DoNotOptimize(write_step(rib, ctx, 1, wire));
  }
}

void BM_session_up_whole_table(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto ctx = bench_context();
  adj_rib_out rib;
  rib.set(service_table(n));
  std::vector<std::uint8_t> wire;
  std::size_t messages = 0;
  for (auto _ : state) {
    rib.reset(session_exporter());
    wire.clear();
    while (std::size_t k = write_step(rib, ctx, 64, wire)) {
      messages += k;
    }
  }
  state.counters["updates"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kAvgIterations);
  state.counters["prefixes/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

// Both benchmarks: the table sizes of P2, medians of 5.
void table_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(10'000)
      ->Arg(100'000)
      ->Arg(1'000'000)
      ->Unit(benchmark::kMillisecond)
      ->Repetitions(5)
      ->ReportAggregatesOnly(true);
}

}  // namespace

BENCHMARK(BM_session_up_first_update)->Apply(table_sizes);
BENCHMARK(BM_session_up_whole_table)->Apply(table_sizes);

BENCHMARK_MAIN();
