// The session the micro benchmarks encode for: 4-octet AS, both families, eBGP 65000 -> 65001.
#pragma once

#include "bgp/codec/codec.h"

namespace svcbgp::bench {

inline bgp::codec_context bench_context() {
  bgp::codec_context c;
  c.four_octet_as = true;
  c.families = {bgp::ipv4_unicast, bgp::ipv6_unicast};
  c.local_address = bgp::ip_address::v4(0x0a000001);
  c.local_as = 65000;
  c.local_identifier = 0x0a000001;
  c.expected_peer_as = 65001;
  return c;
}

}  // namespace svcbgp::bench
