// A scripted BGP peer for component tests: a plain blocking socket on loopback that sends exactly
// the bytes a test wants and decodes what the speaker sends. Reads time out (a failure bound, not a
// synchronisation): a test never sleeps.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bgp/codec/codec.h"

namespace svcbgp::bgp::testing {

class scripted_peer {
 public:
  // Listens on `address`, port chosen by the kernel.
  explicit scripted_peer(const std::string& address = "127.0.0.1");
  std::uint16_t port() const;

  // Waits for the speaker to connect; false on timeout.
  bool accept(std::chrono::seconds timeout = std::chrono::seconds(10));
  // Connects to a listening speaker instead (passive tests).
  bool connect(const std::string& address, std::uint16_t port, const std::string& from);

  void send(const message& m);
  void send_raw(std::span<const std::uint8_t> bytes);
  // The next message, or nullopt on timeout / closed connection / undecodable bytes.
  std::optional<message> read(std::chrono::seconds timeout = std::chrono::seconds(10));
  // Reads until a message of that type arrives (others are skipped, KEEPALIVEs included).
  template <class T>
  std::optional<T> read_until(std::chrono::seconds timeout = std::chrono::seconds(10)) {
    for (int i = 0; i < 100000; ++i) {
      auto m = read(timeout);
      if (!m) {
        return std::nullopt;
      }
      if (auto* t = std::get_if<T>(&*m)) {
        return *t;
      }
    }
    return std::nullopt;
  }
  // True when the speaker closed the connection (EOF) within the timeout.
  bool closed_by_speaker(std::chrono::seconds timeout = std::chrono::seconds(10));
  void close();

  // Accepts, reads the speaker's OPEN, answers OPEN + KEEPALIVE, reads its KEEPALIVE.
  std::optional<open_message> establish(std::uint32_t as = 65000, std::uint32_t id = 0x0a000002,
                                        std::vector<family> families = {ipv4_unicast});

  codec_context ctx;

 private:
  bool fill(std::size_t n, std::chrono::seconds timeout);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::socket sock_;
  std::vector<std::uint8_t> buf_;
};

}  // namespace svcbgp::bgp::testing
