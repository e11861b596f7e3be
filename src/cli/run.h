// Executes one parsed svcbgpc command against the daemon and prints the result.
//
// Exit codes scripts can rely on: 0 ok; 1 the command failed (unknown peer, config with errors,
// daemon refused); 2 usage error (unknown or ambiguous command); 3 svcbgpd cannot be reached.
//
// Concurrency: one thread.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "src/cli/client.h"
#include "src/cli/parser.h"

namespace svcbgp::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_unreachable = 3;

inline constexpr const char* default_socket = "/run/svcbgp/svcbgpd.sock";

struct run_options {
  std::string socket = default_socket;  // or tls://HOST:PORT
  bool json = false;
};

// Why the socket cannot be used ("no such file (is svcbgpd running?)", "permission denied ..."),
// or nullopt when it looks usable.
std::optional<std::string> socket_problem(const std::string& path);

int execute(const command& c, admin_client& client, const run_options& o, std::ostream& out,
            std::ostream& err);

}  // namespace svcbgp::cli
