#include "k8s/model/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace svcbgp::k8s {

std::optional<ip_addr> ip_addr::parse(std::string_view text) {
  // inet_pton needs a terminated string; the longest IPv6 text form is 45 characters.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf) || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  ip_addr a;
  // A colon decides the family, so "1.2.3.4" is never read as IPv6 and vice versa.
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) {
      return std::nullopt;
    }
    return a;
  }
  a.v6 = true;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) {
    return std::nullopt;
  }
  return a;
}

std::string ip_addr::to_string() const {
  // glibc's inet_ntop follows RFC 5952 (lower case, longest zero run compressed, no lone "::").
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf)) == nullptr) {
    return {};
  }
  return buf;
}

}  // namespace svcbgp::k8s
