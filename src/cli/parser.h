// svcbgpc's command grammar: words -> command, with birdc's unique-prefix abbreviation.
//
// The grammar is a set of token tables (in the manner of OpenBGPD's bgpctl parser): each table
// lists the keywords and argument kinds that may come next and the table after them. Every
// keyword may be abbreviated to a unique prefix among the keywords of its table (`s p` = `show
// protocols`); an ambiguous prefix is an error that lists the candidates. The same tables drive
// completion in the interactive prompt.
//
// Pure: no I/O. Peer and service names are not checked here (the daemon answers NOT_FOUND).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace svcbgp::cli {

enum class verb {
  show_status,
  show_protocols,
  show_route,
  show_services,
  show_bfd_sessions,
  enable,
  disable,
  restart,
  reload,
  configure,
  down,
  help,
  quit,
};

enum class reload_direction { both, in, out };

struct command {
  verb what = verb::help;
  // show protocols NAME / enable|disable|restart|reload NAME; show services NAMESPACE/NAME.
  std::string name;
  bool all_peers = false;  // enable|disable|restart|reload all
  bool detail = false;     // show protocols all / show route ... all
  // show route
  std::string for_ip;         // for IP (or for PREFIX: longest match of its address)
  std::string prefix;         // exact prefix
  std::string export_peer;    // export NAME: what NAME is sent
  std::string protocol_peer;  // protocol NAME: what NAME sent us
  bool count = false;
  // disable
  std::string message;
  // reload
  reload_direction direction = reload_direction::both;
  // configure
  bool check = false;
};

struct parse_error {
  std::string message;                  // one line, no trailing newline
  std::vector<std::string> candidates;  // what would have been accepted at the error
};

std::expected<command, parse_error> parse(const std::vector<std::string>& words);

// Splits an interactive line into words: whitespace separates, double quotes group (a
// backslash escapes the next character inside quotes). An unterminated quote is an error.
std::expected<std::vector<std::string>, parse_error> split_words(std::string_view line);

// Completions of `partial` after the complete words `before`: the keywords of the table reached
// that start with `partial`, and the names in `peers` where a peer name may come. Sorted.
std::vector<std::string> complete(const std::vector<std::string>& before, std::string_view partial,
                                  const std::vector<std::string>& peers);

// The command summary printed by `help` and on usage errors.
std::string help_text();

}  // namespace svcbgp::cli
