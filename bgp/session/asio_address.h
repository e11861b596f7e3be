// Conversions between the codec's ip_address and Asio's; only for the session layer's .cc files.
#pragma once

#include <boost/asio/ip/address.hpp>

#include "bgp/codec/ip.h"

namespace svcbgp::bgp {

inline boost::asio::ip::address to_asio(const ip_address& a) {
  if (a.v6) {
    return boost::asio::ip::address_v6(a.bytes);
  }
  return boost::asio::ip::address_v4(a.v4_host_order());
}

// A v4-mapped IPv6 address (dual-stack listener) comes back as IPv4.
inline ip_address from_asio(const boost::asio::ip::address& a) {
  if (a.is_v6()) {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) {
      return ip_address::v4(
          boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_uint());
    }
    return ip_address::v6_bytes(v6.to_bytes());
  }
  return ip_address::v4(a.to_v4().to_uint());
}

}  // namespace svcbgp::bgp
