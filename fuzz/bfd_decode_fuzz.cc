// libFuzzer target for the BFD control packet decoder (RFC 5880 §4.1, §6.8.6): arbitrary bytes
// from the network, as a UDP payload arrives on port 3784 or 4784.
//
// Properties checked (a violation aborts, which libFuzzer reports as a crash):
// - decode() never crashes or reads out of bounds (ASan, UBSan);
// - a decoded packet re-encodes to 24 bytes that decode to the same packet;
// - a session fed the packet (whatever its state) never crashes, and its timers are positive.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "bgp/bfd/packet.h"
#include "bgp/bfd/session.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace svcbgp::bgp::bfd;
  const auto p = decode(std::span(data, size));
  if (!p) {
    return 0;
  }
  const auto bytes = encode(*p);
  const auto again = decode(bytes);
  if (!again || !(*again == *p)) {
    std::abort();
  }
  for (const auto ev : {event_type::start, event_type::admin_down}) {
    session_config c;
    c.local_discriminator = 7;
    session s(c);
    s.handle(event{event_type::start, {}, {}});
    if (ev == event_type::admin_down) {
      s.handle(event{ev, {}, {}});
    }
    for (int i = 0; i < 3; ++i) {
      for (const auto& a : s.handle(event{event_type::packet_received, *p, {}})) {
        if (const auto* t = std::get_if<start_timer>(&a); t && t->after.count() < 0) {
          std::abort();
        }
      }
    }
    s.handle(event{event_type::detect_timer_expired, {}, {}});
    s.handle(event{event_type::transmit_timer_expired, {}, {}});
  }
  return 0;
}
