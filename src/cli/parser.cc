#include "src/cli/parser.h"

#include <algorithm>
#include <cctype>

#include "bgp/codec/ip.h"

namespace svcbgp::cli {

namespace {

// What a table entry matches.
enum class kind {
  end,           // the command may end here
  keyword,       // a keyword (abbreviable)
  peer,          // a peer name
  ip_or_prefix,  // an IP address or a prefix
  service,       // NAMESPACE/NAME
  text,          // any one word (a quoted message)
};

// What a matched entry does to the command.
enum class effect {
  none,
  // verbs
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
  // flags and slots
  detail,
  count,
  check,
  all_peers,
  reload_in,
  reload_out,
  name,
  for_ip,
  route_prefix,
  export_peer,
  protocol_peer,
  message,
};

struct token {
  kind type;
  std::string_view keyword;  // for kind::keyword; a description of the argument otherwise
  effect fx;
  const token* next;  // nullptr: nothing may follow
};

// Tables are declared first so that they can refer to each other (and to themselves, for
// modifiers that may come in any order).
extern const token t_main[];
extern const token t_show[];
extern const token t_show_protocols[];
extern const token t_show_protocols_name[];
extern const token t_show_route[];
extern const token t_show_route_for[];
extern const token t_show_route_export[];
extern const token t_show_route_protocol[];
extern const token t_show_services[];
extern const token t_show_bfd[];
extern const token t_peer_or_all[];
extern const token t_disable[];
extern const token t_disable_message[];
extern const token t_reload[];
extern const token t_configure[];

// Every table ends with this sentinel (a keyword entry with no keyword).
constexpr token sentinel{kind::keyword, "", effect::none, nullptr};

const token t_main[] = {
    {kind::keyword, "show", effect::none, t_show},
    {kind::keyword, "enable", effect::enable, t_peer_or_all},
    {kind::keyword, "disable", effect::disable, t_disable},
    {kind::keyword, "restart", effect::restart, t_peer_or_all},
    {kind::keyword, "reload", effect::reload, t_reload},
    {kind::keyword, "configure", effect::configure, t_configure},
    {kind::keyword, "down", effect::down, nullptr},
    {kind::keyword, "help", effect::help, nullptr},
    {kind::keyword, "quit", effect::quit, nullptr},
    sentinel,
};

const token t_show[] = {
    {kind::keyword, "status", effect::show_status, nullptr},
    {kind::keyword, "protocols", effect::show_protocols, t_show_protocols},
    {kind::keyword, "route", effect::show_route, t_show_route},
    {kind::keyword, "services", effect::show_services, t_show_services},
    {kind::keyword, "bfd", effect::none, t_show_bfd},
    sentinel,
};

const token t_show_bfd[] = {
    {kind::keyword, "sessions", effect::show_bfd_sessions, nullptr},
    sentinel,
};

const token t_show_protocols[] = {
    {kind::end, "", effect::none, nullptr},
    {kind::keyword, "all", effect::detail, t_show_protocols_name},
    {kind::peer, "NAME", effect::name, nullptr},
    sentinel,
};

const token t_show_protocols_name[] = {
    {kind::end, "", effect::none, nullptr},
    {kind::peer, "NAME", effect::name, nullptr},
    sentinel,
};

const token t_show_route[] = {
    {kind::end, "", effect::none, nullptr},
    {kind::keyword, "for", effect::none, t_show_route_for},
    {kind::keyword, "export", effect::none, t_show_route_export},
    {kind::keyword, "protocol", effect::none, t_show_route_protocol},
    {kind::keyword, "count", effect::count, t_show_route},
    {kind::keyword, "all", effect::detail, t_show_route},
    {kind::ip_or_prefix, "PREFIX", effect::route_prefix, t_show_route},
    sentinel,
};

const token t_show_route_for[] = {
    {kind::ip_or_prefix, "IP", effect::for_ip, t_show_route},
    sentinel,
};

const token t_show_route_export[] = {
    {kind::peer, "NAME", effect::export_peer, t_show_route},
    sentinel,
};

const token t_show_route_protocol[] = {
    {kind::peer, "NAME", effect::protocol_peer, t_show_route},
    sentinel,
};

const token t_show_services[] = {
    {kind::end, "", effect::none, nullptr},
    {kind::service, "NAMESPACE/NAME", effect::name, nullptr},
    sentinel,
};

const token t_peer_or_all[] = {
    {kind::keyword, "all", effect::all_peers, nullptr},
    {kind::peer, "NAME", effect::name, nullptr},
    sentinel,
};

const token t_disable[] = {
    {kind::keyword, "all", effect::all_peers, t_disable_message},
    {kind::peer, "NAME", effect::name, t_disable_message},
    sentinel,
};

const token t_disable_message[] = {
    {kind::end, "", effect::none, nullptr},
    {kind::text, "\"MESSAGE\"", effect::message, nullptr},
    sentinel,
};

const token t_reload[] = {
    {kind::keyword, "in", effect::reload_in, t_peer_or_all},
    {kind::keyword, "out", effect::reload_out, t_peer_or_all},
    {kind::keyword, "all", effect::all_peers, nullptr},
    {kind::peer, "NAME", effect::name, nullptr},
    sentinel,
};

const token t_configure[] = {
    {kind::end, "", effect::none, nullptr},
    {kind::keyword, "check", effect::check, nullptr},
    sentinel,
};

bool is_sentinel(const token& t) {
  return t.type == kind::keyword && t.keyword.empty();
}

bool accepts_end(const token* table) {
  if (table == nullptr) {
    return true;
  }
  for (const token* t = table; !is_sentinel(*t); ++t) {
    if (t->type == kind::end) {
      return true;
    }
  }
  return false;
}

// What may come at this point, for messages: keywords and argument descriptions.
std::vector<std::string> expected_here(const token* table) {
  std::vector<std::string> out;
  if (table == nullptr) {
    return out;
  }
  for (const token* t = table; !is_sentinel(*t); ++t) {
    if (t->type != kind::end) {
      out.emplace_back(t->keyword);
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) {
      out += sep;
    }
    out += s;
  }
  return out;
}

bool valid_ip_or_prefix(const std::string& w) {
  if (w.find('/') != std::string::npos) {
    return bgp::prefix::parse(w).has_value();
  }
  return bgp::ip_address::parse(w).has_value();
}

bool looks_like_address(const std::string& w) {
  return !w.empty() && (std::isdigit(static_cast<unsigned char>(w[0])) != 0 ||
                        w.find(':') != std::string::npos || w.find('/') != std::string::npos);
}

bool valid_service(const std::string& w) {
  const auto slash = w.find('/');
  return slash != std::string::npos && slash > 0 && slash + 1 < w.size() &&
         w.find('/', slash + 1) == std::string::npos;
}

bool valid_name(const std::string& w) {
  return !w.empty() && w[0] != '-';
}

void apply(command& c, const token& t, const std::string& word) {
  switch (t.fx) {
    case effect::none:
      break;
    case effect::show_status:
      c.what = verb::show_status;
      break;
    case effect::show_protocols:
      c.what = verb::show_protocols;
      break;
    case effect::show_route:
      c.what = verb::show_route;
      break;
    case effect::show_bfd_sessions:
      c.what = verb::show_bfd_sessions;
      break;
    case effect::show_services:
      c.what = verb::show_services;
      break;
    case effect::enable:
      c.what = verb::enable;
      break;
    case effect::disable:
      c.what = verb::disable;
      break;
    case effect::restart:
      c.what = verb::restart;
      break;
    case effect::reload:
      c.what = verb::reload;
      break;
    case effect::configure:
      c.what = verb::configure;
      break;
    case effect::down:
      c.what = verb::down;
      break;
    case effect::help:
      c.what = verb::help;
      break;
    case effect::quit:
      c.what = verb::quit;
      break;
    case effect::detail:
      c.detail = true;
      break;
    case effect::count:
      c.count = true;
      break;
    case effect::check:
      c.check = true;
      break;
    case effect::all_peers:
      c.all_peers = true;
      break;
    case effect::reload_in:
      c.direction = reload_direction::in;
      break;
    case effect::reload_out:
      c.direction = reload_direction::out;
      break;
    case effect::name:
      c.name = word;
      break;
    case effect::for_ip:
      c.for_ip = word;
      break;
    case effect::route_prefix:
      c.prefix = word;
      break;
    case effect::export_peer:
      c.export_peer = word;
      break;
    case effect::protocol_peer:
      c.protocol_peer = word;
      break;
    case effect::message:
      c.message = word;
      break;
  }
}

// The keywords of `table` that `word` abbreviates; an exact match alone wins.
std::vector<const token*> keyword_matches(const token* table, std::string_view word) {
  std::vector<const token*> out;
  for (const token* t = table; !is_sentinel(*t); ++t) {
    if (t->type != kind::keyword) {
      continue;
    }
    if (t->keyword == word) {
      return {t};
    }
    if (!word.empty() && t->keyword.starts_with(word)) {
      out.push_back(t);
    }
  }
  return out;
}

struct walk_result {
  const token* table = t_main;  // where the walk stopped
  command cmd;
};

// Consumes `words`; on success returns the table reached after the last word.
std::expected<walk_result, parse_error> walk(const std::vector<std::string>& words) {
  walk_result r;
  std::string context;  // the words consumed, for messages
  for (const auto& word : words) {
    const token* table = r.table;
    if (table == nullptr) {
      return std::unexpected(
          parse_error{"unexpected \"" + word + "\" after \"" + context + "\"", {}});
    }
    const auto kws = keyword_matches(table, word);
    const token* hit = nullptr;
    if (kws.size() == 1) {
      hit = kws[0];
    } else if (kws.size() > 1) {
      std::vector<std::string> names;
      for (const auto* t : kws) {
        names.emplace_back(t->keyword);
      }
      std::string where = context.empty() ? "" : " after \"" + context + "\"";
      return std::unexpected(parse_error{
          "ambiguous \"" + word + "\"" + where + ": could be " + join(names, ", "), names});
    } else {
      // Arguments, in table order.
      for (const token* t = table; !is_sentinel(*t) && hit == nullptr; ++t) {
        switch (t->type) {
          case kind::ip_or_prefix:
            if (looks_like_address(word)) {
              if (!valid_ip_or_prefix(word)) {
                return std::unexpected(
                    parse_error{"\"" + word + "\" is not an IP address or prefix", {}});
              }
              hit = t;
            }
            break;
          case kind::service:
            if (!valid_service(word)) {
              return std::unexpected(
                  parse_error{"\"" + word + "\" is not NAMESPACE/NAME", {std::string(t->keyword)}});
            }
            hit = t;
            break;
          case kind::peer:
            if (valid_name(word)) {
              hit = t;
            }
            break;
          case kind::text:
            hit = t;
            break;
          case kind::end:
          case kind::keyword:
            break;
        }
      }
      if (hit == nullptr) {
        auto expected = expected_here(table);
        std::string where = context.empty() ? "unknown command" : "unknown argument";
        std::string after = context.empty() ? "" : " after \"" + context + "\"";
        return std::unexpected(parse_error{
            where + " \"" + word + "\"" + after + "; expected one of: " + join(expected, ", "),
            expected});
      }
    }
    apply(r.cmd, *hit, word);
    r.table = hit->next;
    if (!context.empty()) {
      context += ' ';
    }
    context += hit->type == kind::keyword ? std::string(hit->keyword) : word;
  }
  return r;
}

}  // namespace

std::expected<command, parse_error> parse(const std::vector<std::string>& words) {
  if (words.empty()) {
    return std::unexpected(parse_error{"no command", expected_here(t_main)});
  }
  auto r = walk(words);
  if (!r) {
    return std::unexpected(r.error());
  }
  if (!accepts_end(r->table)) {
    auto expected = expected_here(r->table);
    std::string said;
    for (const auto& w : words) {
      said += (said.empty() ? "" : " ") + w;
    }
    return std::unexpected(parse_error{
        "incomplete command \"" + said + "\"; expected one of: " + join(expected, ", "), expected});
  }
  auto& c = r->cmd;
  if (!c.export_peer.empty() && !c.protocol_peer.empty()) {
    return std::unexpected(parse_error{"\"export\" and \"protocol\" exclude each other", {}});
  }
  if (!c.for_ip.empty() && !c.prefix.empty()) {
    return std::unexpected(parse_error{"\"for IP\" and a PREFIX exclude each other", {}});
  }
  return c;
}

std::expected<std::vector<std::string>, parse_error> split_words(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) != 0) {
      ++i;
    }
    if (i >= line.size()) {
      break;
    }
    std::string word;
    bool quoted = false;
    while (i < line.size() && (quoted || std::isspace(static_cast<unsigned char>(line[i])) == 0)) {
      const char ch = line[i];
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == '\\' && quoted && i + 1 < line.size()) {
        word += line[++i];
      } else {
        word += ch;
      }
      ++i;
    }
    if (quoted) {
      return std::unexpected(parse_error{"unterminated quote", {}});
    }
    out.push_back(std::move(word));
  }
  return out;
}

std::vector<std::string> complete(const std::vector<std::string>& before, std::string_view partial,
                                  const std::vector<std::string>& peers) {
  std::vector<std::string> out;
  auto r = walk(before);
  if (!r || r->table == nullptr) {
    return out;
  }
  for (const token* t = r->table; !is_sentinel(*t); ++t) {
    if (t->type == kind::keyword && t->keyword.starts_with(partial)) {
      out.emplace_back(t->keyword);
    } else if (t->type == kind::peer) {
      for (const auto& p : peers) {
        if (p.starts_with(partial)) {
          out.push_back(p);
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string help_text() {
  return "show status                                  daemon, node, router ID, Kubernetes sync\n"
         "show protocols [all] [NAME]                  BGP sessions\n"
         "show route [for IP | PREFIX] [export NAME | protocol NAME] [count] [all]\n"
         "                                             exported and received routes\n"
         "show services [NAMESPACE/NAME]               announcement decisions and reasons\n"
         "show bfd sessions                            BFD toward the peers (RFC 5880)\n"
         "enable NAME | all                            start a session\n"
         "disable NAME | all [\"MESSAGE\"]               stop a session (Cease with the message)\n"
         "restart NAME | all                           hard reset a session\n"
         "reload [in | out] NAME | all                 route refresh in / resend out\n"
         "configure [check]                            reload (or only check) the config file\n"
         "down                                         shut svcbgpd down\n"
         "help, quit\n"
         "Keywords may be abbreviated to any unique prefix: `s p` = `show protocols`.\n";
}

}  // namespace svcbgp::cli
