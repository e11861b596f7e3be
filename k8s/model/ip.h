// An IP address as Kubernetes objects carry it. k8s/ must not include bgp/ (architecture.md), so it
// has its own small value type; the engine converts.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace svcbgp::k8s {

struct ip_addr {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes

  // Dotted quad or IPv6 text (no zone, no brackets); nullopt otherwise.
  static std::optional<ip_addr> parse(std::string_view text);
  std::string to_string() const;
  friend constexpr auto operator<=>(const ip_addr&, const ip_addr&) = default;
};

}  // namespace svcbgp::k8s
