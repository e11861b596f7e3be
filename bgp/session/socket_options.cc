#include "bgp/session/socket_options.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

namespace svcbgp::bgp {
namespace {

std::error_code last_error() {
  return {errno, std::system_category()};
}

std::error_code check(int rc) {
  return rc == 0 ? std::error_code{} : last_error();
}

}  // namespace

std::error_code set_tcp_md5(int fd, bool socket_is_v6, const ip_address& peer,
                            std::string_view key) {
  tcp_md5sig sig{};
  if (key.size() > TCP_MD5SIG_MAXKEYLEN) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (socket_is_v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
    sa->sin6_family = AF_INET6;
    if (peer.v6) {
      std::memcpy(&sa->sin6_addr, peer.bytes.data(), 16);
    } else {
      sa->sin6_addr.s6_addr[10] = 0xff;
      sa->sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&sa->sin6_addr.s6_addr[12], peer.bytes.data(), 4);
    }
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
    sa->sin_family = AF_INET;
    std::memcpy(&sa->sin_addr, peer.bytes.data(), 4);
  }
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  return check(setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)));
}

std::error_code set_ttl(int fd, bool socket_is_v6, int ttl) {
  if (socket_is_v6) {
    // A dual-stack socket may carry IPv4: set both.
    int rc = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
    if (rc != 0) {
      return last_error();
    }
    setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
    return {};
  }
  return check(setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)));
}

std::error_code set_min_ttl(int fd, bool socket_is_v6, int min_ttl) {
  if (socket_is_v6) {
    int rc = setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min_ttl, sizeof(min_ttl));
    if (rc != 0) {
      return last_error();
    }
    setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min_ttl, sizeof(min_ttl));
    return {};
  }
  return check(setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min_ttl, sizeof(min_ttl)));
}

std::error_code set_no_delay(int fd) {
  const int on = 1;
  return check(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)));
}

std::error_code set_keepalive(int fd, int idle, int interval, int count) {
  const int on = 1;
  const unsigned user_timeout = static_cast<unsigned>((idle + interval * count) * 1000);
  const int options[][3] = {{SOL_SOCKET, SO_KEEPALIVE, on},
                            {IPPROTO_TCP, TCP_KEEPIDLE, idle},
                            {IPPROTO_TCP, TCP_KEEPINTVL, interval},
                            {IPPROTO_TCP, TCP_KEEPCNT, count}};
  for (const auto& [level, name, value] : options) {
    if (auto e = check(setsockopt(fd, level, name, &value, sizeof(value)))) {
      return e;
    }
  }
  return check(setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout)));
}

}  // namespace svcbgp::bgp
