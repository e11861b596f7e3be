// libFuzzer target for the BGP codec: frame() and decode() over arbitrary bytes, with several
// session contexts, and a round trip for everything that decodes.
//
// Properties checked (a violation aborts, which libFuzzer reports as a crash):
// - frame() and decode() never crash, hang or read out of bounds (ASan, UBSan);
// - frame() returns 0 or a length within the buffer and the context's maximum;
// - a decode error is one whose action_for() is session_reset (codec.h);
// - a decoded message re-encodes (when it fits ctx.max_size()) to bytes that frame() takes whole
//   and decode() accepts again, and encoding that second decode gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "bgp/codec/codec.h"

namespace {

using svcbgp::bgp::codec_context;

std::vector<codec_context> make_contexts() {
  using namespace svcbgp::bgp;
  std::vector<codec_context> v;
  codec_context c;
  c.four_octet_as = true;
  c.extended_message = false;
  c.families = {ipv4_unicast, ipv6_unicast};
  c.local_address = ip_address::v4(0x0a000001);
  c.local_as = 65000;
  c.local_identifier = 0x0a000001;
  c.expected_peer_as = 65001;
  v.push_back(c);  // 4-octet, 4096, both families

  c.four_octet_as = false;
  c.extended_message = true;
  c.expected_peer_as.reset();
  v.push_back(c);  // 2-octet, extended messages, any peer AS

  c.four_octet_as = true;
  c.families = {ipv4_unicast};
  c.local_as = 65001;
  c.expected_peer_as = 65001;
  v.push_back(c);  // iBGP, 4-octet, extended messages, IPv4 only

  c.four_octet_as = false;
  c.extended_message = false;
  c.families = {ipv6_unicast};
  c.local_address.reset();
  v.push_back(c);  // 2-octet, 4096, IPv6 only
  return v;
}

[[noreturn]] void fail(const char* what, std::span<const std::uint8_t> bytes) {
  std::fprintf(stderr, "bgp_decode_fuzz: %s (message of %zu bytes)\n", what, bytes.size());
  std::abort();
}

void round_trip(const svcbgp::bgp::message& m, const codec_context& ctx) {
  using namespace svcbgp::bgp;
  std::vector<std::uint8_t> once = encode(m, ctx);
  if (once.size() > ctx.max_size()) {
    return;  // the caller keeps messages within max_size() (codec.h); the decoder may not
  }
  auto framed = frame(once, ctx);
  if (!framed.has_value()) {
    fail("frame() rejected a re-encoded message", once);
  }
  if (*framed != once.size()) {
    fail("frame() did not take a re-encoded message whole", once);
  }
  auto again = decode(once, ctx);
  if (!again.has_value()) {
    std::fprintf(stderr, "%s\n", again.error().to_string().c_str());
    fail("decode() rejected a re-encoded message", once);
  }
  std::vector<std::uint8_t> twice = encode(again->msg, ctx);
  if (twice != once) {
    fail("encode(decode(encode(m))) differs from encode(m)", once);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace svcbgp::bgp;
  static const std::vector<codec_context> contexts = make_contexts();
  const std::span<const std::uint8_t> input(data, size);

  for (const auto& ctx : contexts) {
    std::span<const std::uint8_t> rest = input;
    // Several messages may follow one another, as on the wire.
    while (!rest.empty()) {
      auto framed = frame(rest, ctx);
      if (!framed.has_value()) {
        if (action_for(framed.error()) != error_action::session_reset) {
          fail("frame() error that is not a session reset", rest);
        }
        break;
      }
      if (*framed == 0) {
        // Need more: decode() of the partial message must fail cleanly.
        if (decode(rest, ctx).has_value()) {
          fail("decode() accepted a message frame() needs more bytes for", rest);
        }
        break;
      }
      if (*framed > rest.size() || *framed < header_size || *framed > ctx.max_size()) {
        fail("frame() returned an impossible length", rest);
      }
      auto one = rest.first(*framed);
      auto d = decode(one, ctx);
      if (!d.has_value()) {
        if (action_for(d.error()) != error_action::session_reset) {
          fail("decode() returned an error that is not a session reset", one);
        }
        (void)to_notification(d.error());
        (void)d.error().to_string();
      } else {
        for (const auto& e : d->recovered) {
          if (action_for(e) == error_action::session_reset) {
            fail("a recovered error asks for a session reset", one);
          }
        }
        round_trip(d->msg, ctx);
      }
      rest = rest.subspan(*framed);
    }
  }
  return 0;
}
