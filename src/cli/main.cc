// svcbgpc [-s SOCKET] [--json] [COMMAND...]: the birdc-style client of svcbgpd.
//
// With a command it runs it and exits (codes in run.h); without one it is an interactive prompt
// (libedit: line editing, history in ~/.svcbgpc_history, TAB completion of keywords and peers).
#include <editline/readline.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/cli/client.h"
#include "src/cli/parser.h"
#include "src/cli/run.h"

namespace {

using namespace svcbgp::cli;

void usage(std::ostream& os) {
  os << "usage: svcbgpc [-s SOCKET | -s tls://HOST:PORT --ca F --cert F --key F] [--json] "
        "[COMMAND...]\n"
        "With no command, an interactive prompt (history, TAB completion).\n"
        "  -s, --socket SOCKET  svcbgpd's admin socket (default "
     << default_socket
     << "),\n"
        "                       or tls://HOST:PORT for its TCP port (admin.listen, mutual TLS)\n"
        "      --ca FILE        PEM CA that signed svcbgpd's certificate (with tls://)\n"
        "      --cert FILE      PEM client certificate (with tls://)\n"
        "      --key FILE       PEM key of the client certificate (with tls://)\n"
        "      --server-name N  the name svcbgpd's certificate carries, if not HOST\n"
        "  -j, --json           print the answer as JSON\n"
        "  -V, --version        print svcbgpc's version and exit\n"
        "  -h, --help           this help and the commands\n"
        "Commands:\n"
     << help_text();
}

// Completion state for libedit (a C callback API).
std::vector<std::string> completion_peers;
std::vector<std::string> completion_candidates;

char* completion_generator(const char* /*text*/, int state) {
  if (state < 0 || static_cast<std::size_t>(state) >= completion_candidates.size()) {
    return nullptr;
  }
  return ::strdup(completion_candidates[static_cast<std::size_t>(state)].c_str());
}

char** complete_line(const char* text, int start, int /*end*/) {
  const std::string before_text(rl_line_buffer, static_cast<std::size_t>(start));
  auto words = split_words(before_text);
  completion_candidates.clear();
  if (words) {
    completion_candidates = complete(*words, text, completion_peers);
  }
  rl_attempted_completion_over = 1;  // no file name completion
  return rl_completion_matches(text, completion_generator);
}

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home != nullptr ? std::string(home) + "/.svcbgpc_history" : std::string();
}

int interactive(admin_client& client, run_options& o) {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  if (tty) {
    auto st = client.get_status();
    if (!st) {
      std::cerr << "svcbgpc: cannot connect to svcbgpd at " << o.socket << ": "
                << st.error().message << '\n';
      return exit_unreachable;
    }
    std::cout << "svcbgpd " << st->version() << " ready." << std::endl;
    if (auto peers = client.list_peers(false)) {
      for (const auto& p : peers->peers()) {
        completion_peers.push_back(p.name());
      }
    }
    rl_attempted_completion_function = complete_line;
    read_history(history_path().c_str());
  }
  int last = exit_ok;
  for (;;) {
    std::string line;
    if (tty) {
      char* raw = readline("svcbgp> ");
      if (raw == nullptr) {
        std::cout << '\n';
        break;
      }
      line = raw;
      std::free(raw);
      if (line.find_first_not_of(" \t") != std::string::npos) {
        add_history(line.c_str());
      }
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    auto words = split_words(line);
    if (!words) {
      std::cerr << "svcbgpc: " << words.error().message << '\n';
      last = exit_usage;
      continue;
    }
    if (words->empty()) {
      continue;
    }
    auto cmd = parse(*words);
    if (!cmd) {
      std::cerr << "svcbgpc: " << cmd.error().message << '\n';
      last = exit_usage;
      continue;
    }
    if (cmd->what == verb::quit) {
      break;
    }
    last = execute(*cmd, client, o, std::cout, std::cerr);
    std::cout.flush();
  }
  if (tty) {
    write_history(history_path().c_str());
  }
  return last;
}

}  // namespace

int main(int argc, char** argv) {
  run_options o;
  tls_files tls;
  std::vector<std::string> words;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-s" || a == "--socket") {
      if (i + 1 >= argc) {
        std::cerr << "svcbgpc: " << a << " needs a path\n";
        usage(std::cerr);
        return exit_usage;
      }
      o.socket = argv[++i];
    } else if (a.starts_with("--socket=")) {
      o.socket = a.substr(9);
    } else if (a == "--ca" || a == "--cert" || a == "--key" || a == "--server-name") {
      if (i + 1 >= argc) {
        std::cerr << "svcbgpc: " << a << " needs a value\n";
        usage(std::cerr);
        return exit_usage;
      }
      std::string& field = a == "--ca"     ? tls.ca
                           : a == "--cert" ? tls.cert
                           : a == "--key"  ? tls.key
                                           : tls.server_name;
      field = argv[++i];
    } else if (a == "--json" || a == "-j") {
      o.json = true;
    } else if (a == "-h" || a == "--help") {
      usage(std::cout);
      return exit_ok;
    } else if (a == "-V" || a == "--version") {
      std::cout << "svcbgpc " << SVCBGP_VERSION << '\n';
      return exit_ok;
    } else if (a == "--") {
      ++i;
      break;
    } else if (a.starts_with("-") && a.size() > 1) {
      std::cerr << "svcbgpc: unknown option " << a << '\n';
      usage(std::cerr);
      return exit_usage;
    } else {
      break;
    }
  }
  for (; i < argc; ++i) {
    words.emplace_back(argv[i]);
  }

  std::optional<command> cmd;
  if (!words.empty()) {
    auto parsed = parse(words);
    if (!parsed) {
      std::cerr << "svcbgpc: " << parsed.error().message << '\n';
      return exit_usage;
    }
    cmd = *parsed;
    if (cmd->what == verb::help || cmd->what == verb::quit) {
      if (cmd->what == verb::help) {
        std::cout << help_text();
      }
      return exit_ok;
    }
  }

  const bool over_tls = o.socket.starts_with("tls://");
  if (!over_tls && (!tls.ca.empty() || !tls.cert.empty() || !tls.key.empty())) {
    std::cerr << "svcbgpc: --ca, --cert and --key go with -s tls://HOST:PORT\n";
    return exit_usage;
  }
  if (auto problem = over_tls ? std::nullopt : socket_problem(o.socket)) {
    std::cerr << "svcbgpc: cannot connect to svcbgpd at " << o.socket << ": " << *problem << '\n';
    return exit_unreachable;
  }
  std::unique_ptr<admin_client> connected;
  try {
    connected = std::make_unique<admin_client>(o.socket, tls);
  } catch (const std::runtime_error& e) {
    std::cerr << "svcbgpc: " << e.what() << '\n';
    return exit_usage;
  }
  admin_client& client = *connected;
  if (!cmd) {
    return interactive(client, o);
  }
  return execute(*cmd, client, o, std::cout, std::cerr);
}
