// Codec throughput on a full table (shared/spec/performance.md P4): prefixes per second decoded
// from, and encoded into, UPDATEs packed the way a real sender packs them.
//
// The table is generated here with a fixed seed, not checked in: 100,000 IPv4 /32 and 100,000
// IPv6 /128 spread unevenly over 300 attribute sets (AS paths of 1-6 ASNs, communities, MED, next
// hops), packed per attribute set into UPDATEs of at most 4096 octets with the codec's own size
// helpers, as bgp/rib does. Run (release build, see bench/meson.build):
//   build-bench/bench/codec_bench
// Each benchmark runs 5 repetitions; with --benchmark_report_aggregates_only=true it prints mean,
// median, stddev and cv. The figure to quote is the median of "prefixes/s".
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_context.h"
#include "bgp/codec/codec.h"

#ifndef SVCBGP_COMMIT
#define SVCBGP_COMMIT "unknown"
#endif

namespace {

using namespace svcbgp::bgp;

constexpr std::size_t table_prefixes = 100'000;
constexpr std::size_t attribute_sets = 300;
constexpr std::uint32_t seed = 20240611;

using svcbgp::bench::bench_context;

path_attributes random_attributes(std::mt19937& rng, bool v6, std::size_t index) {
  path_attributes a;
  a.origin = origin_type::igp;
  as_path_segment s;
  s.asns.push_back(65001);
  std::uniform_int_distribution<int> hops(0, 5);
  std::uniform_int_distribution<std::uint32_t> asn(64512, 65534);
  for (int i = hops(rng); i > 0; --i) {
    s.asns.push_back(asn(rng));
  }
  a.path = as_path{{s}};
  if (index % 2 == 0) {
    a.med = static_cast<std::uint32_t>(index);
  }
  for (std::size_t i = 0; i < index % 4; ++i) {
    a.communities.push_back(0xfde90000u + static_cast<std::uint32_t>(rng() % 1000));
  }
  if (v6) {
    std::array<std::uint8_t, 16> nh{0xfd, 0x99};
    nh[14] = static_cast<std::uint8_t>(index >> 8);
    nh[15] = static_cast<std::uint8_t>(index);
    a.mp_next_hop = ip_address::v6_bytes(nh);
  } else {
    a.next_hop = ip_address::v4(0x0a010000u + static_cast<std::uint32_t>(index));
  }
  return a;
}

struct table {
  std::vector<update_message> updates;
  std::vector<std::uint8_t> wire;  // all UPDATEs back to back
  std::size_t prefixes = 0;
};

// Packs the prefixes of each attribute set into UPDATEs of at most max_size() octets.
table make_table(bool v6) {
  std::mt19937 rng(seed + (v6 ? 1 : 0));
  const auto ctx = bench_context();
  std::vector<path_attributes> sets;
  for (std::size_t i = 0; i < attribute_sets; ++i) {
    sets.push_back(random_attributes(rng, v6, i));
  }
  std::vector<std::vector<prefix>> by_set(attribute_sets);
  for (std::size_t i = 0; i < table_prefixes; ++i) {
    prefix p;
    p.addr.v6 = v6;
    if (v6) {
      p.addr.bytes[0] = 0xfd;
      p.addr.bytes[1] = 0x99;
      for (std::size_t b = 2; b < 16; ++b) {
        p.addr.bytes[b] = static_cast<std::uint8_t>(rng());
      }
      p.length = 128;
    } else {
      p.addr = ip_address::v4(0x0a000000u | (rng() & 0x00ffffffu));
      p.length = 32;
    }
    // Skewed like a real table: a few attribute sets hold most prefixes (u^3 puts about half of
    // them in the first 13% of the sets), so large sets fill 4096-octet UPDATEs and small ones
    // send short ones.
    double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    by_set[static_cast<std::size_t>(u * u * u * attribute_sets) % attribute_sets].push_back(p);
  }
  table t;
  const family f = v6 ? ipv6_unicast : ipv4_unicast;
  for (std::size_t s = 0; s < attribute_sets; ++s) {
    const std::size_t base = update_base_size(sets[s], f, ctx);
    update_message u;
    std::size_t size = base;
    auto flush = [&] {
      if (u.nlri.empty() && u.mp_reach.empty()) {
        return;
      }
      t.prefixes += u.nlri.size() + u.mp_reach.size();
      t.updates.push_back(std::move(u));
      u = update_message{};
      size = base;
    };
    for (const auto& p : by_set[s]) {
      if (size + nlri_size(p) > ctx.max_size()) {
        flush();
      }
      if (u.nlri.empty() && u.mp_reach.empty()) {
        u.attrs = sets[s];
        if (v6) {
          u.mp_reach_family = ipv6_unicast;
        }
      }
      (v6 ? u.mp_reach : u.nlri).push_back(p);
      size += nlri_size(p);
    }
    flush();
  }
  for (const auto& u : t.updates) {
    encode(u, ctx, t.wire);
  }
  return t;
}

const table& ipv4_table() {
  static const table t = make_table(false);
  return t;
}

const table& ipv6_table() {
  static const table t = make_table(true);
  return t;
}

void decode_table(benchmark::State& state, const table& t) {
  const auto ctx = bench_context();
  std::size_t decoded_prefixes = 0;
  for (auto _ : state) {
    std::span<const std::uint8_t> rest(t.wire);
    while (!rest.empty()) {
      auto n = frame(rest, ctx);
      if (!n || *n == 0) {
        state.SkipWithError("frame() failed on the generated table");
        return;
      }
      auto d = decode(rest.first(*n), ctx);
      if (!d) {
        state.SkipWithError("decode() failed on the generated table");
        return;
      }
      const auto& u = std::get<update_message>(d->msg);
      decoded_prefixes += u.nlri.size() + u.mp_reach.size();
      benchmark::DoNotOptimize(d);
      rest = rest.subspan(*n);
    }
  }
  if (decoded_prefixes != t.prefixes * state.iterations()) {
    state.SkipWithError("decoded a different number of prefixes than generated");
  }
  state.counters["prefixes/s"] =
      benchmark::Counter(static_cast<double>(decoded_prefixes), benchmark::Counter::kIsRate);
  state.counters["updates"] = static_cast<double>(t.updates.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(t.wire.size() * state.iterations()));
}

void encode_table(benchmark::State& state, const table& t) {
  const auto ctx = bench_context();
  std::vector<std::uint8_t> out;
  out.reserve(t.wire.size());
  for (auto _ : state) {
    out.clear();
    for (const auto& u : t.updates) {
      encode(u, ctx, out);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out != t.wire) {
    state.SkipWithError("encoding is not deterministic");
  }
  state.counters["prefixes/s"] = benchmark::Counter(
      static_cast<double>(t.prefixes * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["updates"] = static_cast<double>(t.updates.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(t.wire.size() * state.iterations()));
}

void BM_decode_ipv4_full_table(benchmark::State& state) {
  decode_table(state, ipv4_table());
}
void BM_decode_ipv6_full_table(benchmark::State& state) {
  decode_table(state, ipv6_table());
}
void BM_encode_ipv4_full_table(benchmark::State& state) {
  encode_table(state, ipv4_table());
}
void BM_encode_ipv6_full_table(benchmark::State& state) {
  encode_table(state, ipv6_table());
}

BENCHMARK(BM_decode_ipv4_full_table)->Unit(benchmark::kMillisecond)->Repetitions(5);
BENCHMARK(BM_decode_ipv6_full_table)->Unit(benchmark::kMillisecond)->Repetitions(5);
BENCHMARK(BM_encode_ipv4_full_table)->Unit(benchmark::kMillisecond)->Repetitions(5);
BENCHMARK(BM_encode_ipv6_full_table)->Unit(benchmark::kMillisecond)->Repetitions(5);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("commit", SVCBGP_COMMIT);
  benchmark::AddCustomContext("nproc", std::to_string(std::thread::hardware_concurrency()));
  benchmark::AddCustomContext("prefixes_per_family", std::to_string(table_prefixes));
  benchmark::AddCustomContext("attribute_sets", std::to_string(attribute_sets));
  benchmark::AddCustomContext("seed", std::to_string(seed));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
