// Watch decode throughput (shared/spec/performance.md P5): MB/s of watch stream turned into typed
// objects, i.e. boost::json parsing of each line plus service_from_json / endpoint_slice_from_json
// of its "object". The stream is generated here (seeded) in the shape the API server sends:
// metadata with labels, annotations (kubectl's last-applied copy included) and managedFields,
// dual-stack Services, slices with several endpoints.
//
// Release build:
//   meson setup build-bench --buildtype=release && ninja -C build-bench bench/k8s_decode_bench
//   build-bench/bench/k8s_decode_bench
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "k8s/model/json.h"

namespace {

namespace bj = boost::json;
using namespace svcbgp::k8s;

std::string rand_hex(std::mt19937& rng, int n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += digits[rng() % 16];
  }
  return s;
}

std::string uid(std::mt19937& rng) {
  return rand_hex(rng, 8) + "-" + rand_hex(rng, 4) + "-" + rand_hex(rng, 4) + "-" +
         rand_hex(rng, 4) + "-" + rand_hex(rng, 12);
}

std::string v4(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

bj::object managed_fields(const char* manager, bj::object fields) {
  return {{"manager", manager},       {"operation", "Update"},
          {"apiVersion", "v1"},       {"time", "2024-09-20T17:16:28Z"},
          {"fieldsType", "FieldsV1"}, {"fieldsV1", std::move(fields)}};
}

bj::object service_object(std::mt19937& rng, int i) {
  std::string name = "svc-" + std::to_string(i);
  std::string ns = "team-" + std::to_string(i % 50);
  bool lb = i % 3 == 0;
  bj::object meta{
      {"name", name},
      {"namespace", ns},
      {"uid", uid(rng)},
      {"resourceVersion", std::to_string(100000 + i)},
      {"creationTimestamp", "2024-09-20T17:16:28Z"},
      {"labels", {{"app", name}, {"app.kubernetes.io/part-of", ns}, {"tier", "backend"}}},
      {"annotations",
       {{"kubectl.kubernetes.io/last-applied-configuration",
         R"({"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":")" + name +
             R"(","namespace":")" + ns +
             R"("},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080}],)" +
             R"("selector":{"app":")" + name + R"("},"type":"LoadBalancer"}})" + "\n"},
        {"svcbgp.io/communities", "65000:100,65000:200"}}},
      {"managedFields",
       bj::array{managed_fields("kubectl-client-side-apply",
                                {{"f:metadata", {{"f:annotations", {{".", bj::object{}}}}}},
                                 {"f:spec",
                                  {{"f:ports", {{".", bj::object{}}}},
                                   {"f:selector", bj::object{}},
                                   {"f:type", bj::object{}}}}})}}};
  std::uint32_t cip = 0x0a600000u + static_cast<std::uint32_t>(i);
  bj::array cluster_ips{v4(cip)};
  bj::array families{"IPv4"};
  if (i % 4 == 0) {
    cluster_ips.emplace_back(bj::string_view("fd00:10:96::" + rand_hex(rng, 4)));
    families.push_back("IPv6");
  }
  bj::object spec{{"ports", bj::array{bj::object{{"name", "http"},
                                                 {"protocol", "TCP"},
                                                 {"port", 80},
                                                 {"targetPort", 8080},
                                                 {"nodePort", 30000 + i % 2000}}}},
                  {"selector", {{"app", name}}},
                  {"clusterIP", cluster_ips[0]},
                  {"clusterIPs", cluster_ips},
                  {"type", lb ? "LoadBalancer" : "ClusterIP"},
                  {"sessionAffinity", "None"},
                  {"externalTrafficPolicy", i % 2 ? "Local" : "Cluster"},
                  {"ipFamilies", families},
                  {"ipFamilyPolicy", i % 4 == 0 ? "PreferDualStack" : "SingleStack"},
                  {"internalTrafficPolicy", "Cluster"}};
  bj::object status{{"loadBalancer", bj::object{}}};
  if (lb) {
    status["loadBalancer"] = {{"ingress", bj::array{bj::object{{"ip", v4(0xc6336400u + (i & 0xff))},
                                                               {"ipMode", "VIP"}}}}};
  }
  return {{"kind", "Service"},
          {"apiVersion", "v1"},
          {"metadata", std::move(meta)},
          {"spec", std::move(spec)},
          {"status", std::move(status)}};
}

bj::object slice_object(std::mt19937& rng, int i) {
  std::string service = "svc-" + std::to_string(i);
  std::string ns = "team-" + std::to_string(i % 50);
  std::string name = service + "-" + rand_hex(rng, 5);
  bj::array endpoints;
  int count = 3 + static_cast<int>(rng() % 8);
  for (int e = 0; e < count; ++e) {
    bool terminating = rng() % 10 == 0;
    endpoints.push_back(bj::object{
        {"addresses", bj::array{v4(0x0af40000u + static_cast<std::uint32_t>(rng() & 0xffff))}},
        {"conditions", {{"ready", !terminating}, {"serving", true}, {"terminating", terminating}}},
        {"targetRef",
         {{"kind", "Pod"},
          {"namespace", ns},
          {"name", service + "-" + rand_hex(rng, 10)},
          {"uid", uid(rng)}}},
        {"nodeName", "worker-" + std::to_string(rng() % 200)},
        {"zone", "zone-" + std::to_string(rng() % 3)}});
  }
  bj::object meta{
      {"name", name},
      {"generateName", service + "-"},
      {"namespace", ns},
      {"uid", uid(rng)},
      {"resourceVersion", std::to_string(200000 + i)},
      {"generation", 3},
      {"creationTimestamp", "2024-09-20T17:16:28Z"},
      {"labels",
       {{"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"},
        {"kubernetes.io/service-name", service},
        {"app", service}}},
      {"annotations",
       {{"endpoints.kubernetes.io/last-change-trigger-time", "2024-09-20T17:16:30Z"}}},
      {"ownerReferences", bj::array{bj::object{{"apiVersion", "v1"},
                                               {"kind", "Service"},
                                               {"name", service},
                                               {"uid", uid(rng)},
                                               {"controller", true},
                                               {"blockOwnerDeletion", true}}}},
      {"managedFields",
       bj::array{managed_fields("kube-controller-manager", {{"f:addressType", bj::object{}},
                                                            {"f:endpoints", bj::object{}},
                                                            {"f:metadata",
                                                             {{"f:labels", {{".", bj::object{}}}},
                                                              {"f:ownerReferences", bj::object{}}}},
                                                            {"f:ports", bj::object{}}})}}};
  return {{"kind", "EndpointSlice"},
          {"apiVersion", "discovery.k8s.io/v1"},
          {"metadata", std::move(meta)},
          {"addressType", "IPv4"},
          {"endpoints", std::move(endpoints)},
          {"ports", bj::array{bj::object{{"name", "http"}, {"protocol", "TCP"}, {"port", 8080}}}}};
}

// One watch line per object: {"type":"ADDED","object":{...}}.
std::vector<std::string> watch_stream(bool slices, int n) {
  std::mt19937 rng(slices ? 2 : 1);
  std::vector<std::string> lines;
  lines.reserve(n);
  for (int i = 0; i < n; ++i) {
    bj::object event{{"type", i % 5 == 0 ? "ADDED" : "MODIFIED"},
                     {"object", slices ? slice_object(rng, i) : service_object(rng, i)}};
    lines.push_back(bj::serialize(event) + "\n");
  }
  return lines;
}

std::size_t total_bytes(const std::vector<std::string>& lines) {
  std::size_t n = 0;
  for (const auto& l : lines) {
    n += l.size();
  }
  return n;
}

const std::vector<std::string>& service_stream() {
  static const auto lines = watch_stream(false, 5000);
  return lines;
}
const std::vector<std::string>& slice_stream() {
  static const auto lines = watch_stream(true, 5000);
  return lines;
}

// A reused parser with a monotonic arena reset per line: no allocation per JSON node once warm,
// which is how a reflector should parse.
template <typename Decode>
void decode_stream(benchmark::State& state, const std::vector<std::string>& lines, Decode decode) {
  unsigned char buffer[16384];
  bj::stream_parser parser;
  std::size_t failures = 0;
  for (auto _ : state) {
    for (const auto& line : lines) {
      bj::monotonic_resource arena(buffer, sizeof(buffer));
      parser.reset(&arena);
      boost::system::error_code ec;
      parser.write(line.data(), line.size(), ec);
      if (!ec) {
        parser.finish(ec);
      }
      if (ec) {
        ++failures;
        continue;
      }
      bj::value event = parser.release();
      const bj::value* object = event.as_object().if_contains("object");
      auto obj = decode(*object);
      if (!obj) {
        ++failures;
      }
      benchmark::DoNotOptimize(obj);
    }
  }
  if (failures != 0) {
    state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes(lines)));
  state.counters["lines"] = static_cast<double>(lines.size());
  state.counters["bytes_per_line"] = static_cast<double>(total_bytes(lines)) / lines.size();
}

void BM_decode_services(benchmark::State& state) {
  decode_stream(state, service_stream(), [](const bj::value& v) { return service_from_json(v); });
}
BENCHMARK(BM_decode_services)->Unit(benchmark::kMillisecond);

void BM_decode_endpoint_slices(benchmark::State& state) {
  decode_stream(state, slice_stream(),
                [](const bj::value& v) { return endpoint_slice_from_json(v); });
}
BENCHMARK(BM_decode_endpoint_slices)->Unit(benchmark::kMillisecond);

// The JSON parse alone, to show how the cost splits between Boost.JSON and the translation.
void BM_parse_only_endpoint_slices(benchmark::State& state) {
  decode_stream(state, slice_stream(), [](const bj::value& v) { return v.is_object(); });
}
BENCHMARK(BM_parse_only_endpoint_slices)->Unit(benchmark::kMillisecond);

// The simplest way to parse (boost::json::parse per line, default allocator), for comparison.
void BM_decode_endpoint_slices_default_parse(benchmark::State& state) {
  const auto& lines = slice_stream();
  for (auto _ : state) {
    for (const auto& line : lines) {
      boost::system::error_code ec;
      bj::value event = bj::parse(line, ec);
      auto obj = endpoint_slice_from_json(event.as_object().at("object"));
      benchmark::DoNotOptimize(obj);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes(lines)));
}
BENCHMARK(BM_decode_endpoint_slices_default_parse)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
