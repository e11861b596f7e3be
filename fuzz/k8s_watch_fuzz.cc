// libFuzzer target for what a faulty API server controls: the watch stream decoder over arbitrary
// bytes, fed in pieces whose cuts come from the input too, and the object parsers over every
// object it yields (as Service, EndpointSlice and Node alike).
//
// Properties checked (a violation aborts, which libFuzzer reports as a crash):
// - nothing crashes, hangs or reads out of bounds (ASan, UBSan);
// - cutting the same bytes differently gives the same events and errors, in the same order;
// - the decoder's counters add up to what it returned, and it never buffers past its line limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/serialize.hpp>

#include "k8s/client/watch_decoder.h"
#include "k8s/model/json.h"

namespace {

using svcbgp::k8s::client::watch_decode_result;
using svcbgp::k8s::client::watch_decoder;

constexpr std::size_t max_line = 4096;

// Events as text, for comparing two runs.
std::vector<std::string> run(std::string_view body, std::size_t cut) {
  watch_decoder d(max_line);
  std::vector<watch_decode_result> results;
  for (std::size_t at = 0; at < body.size(); at += cut) {
    d.feed(body.substr(at, cut), results);
    if (d.buffered() > max_line + 1) {
      std::abort();
    }
  }
  if (auto last = d.finish()) {
    results.push_back(std::move(*last));
  }
  if (d.events() + d.malformed() + d.too_large() != results.size()) {
    std::abort();
  }
  std::vector<std::string> out;
  for (const auto& r : results) {
    if (!r) {
      out.push_back("error " + r.error().message);
      continue;
    }
    out.push_back(std::string(to_string(r->type)) + " " + boost::json::serialize(r->object));
    (void)svcbgp::k8s::service_from_json(r->object);
    (void)svcbgp::k8s::endpoint_slice_from_json(r->object);
    (void)svcbgp::k8s::node_from_json(r->object);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  // The first byte chooses a second way of cutting the rest.
  const std::size_t cut = 1 + data[0] % 17;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (run(body, body.size() + 1) != run(body, cut)) {
    std::abort();
  }
  return 0;
}
