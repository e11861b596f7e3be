// bgpspeak: the BGP speaker library on a command line, for interop tests and experiments.
//
//   bgpspeak --config FILE.yaml
//
// Commands on stdin, one per line, each answered by one JSON line on stdout; asynchronous events
// are JSON lines with an "event" key. Logs go to stderr. See tests/interop/README.md.
#include <yaml-cpp/yaml.h>

#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bgp/session/speaker.h"
#include "bgp/tools/route_spec.h"

namespace asio = boost::asio;
namespace json = boost::json;
using namespace svcbgp::bgp;

namespace {

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "bgpspeak: %s\n", msg.c_str());
  std::exit(2);
}

void print(const json::value& v) {
  std::string s = json::serialize(v);
  s.push_back('\n');
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

ip_address need_ip(const YAML::Node& n, const std::string& where) {
  auto a = ip_address::parse(n.as<std::string>());
  if (!a) {
    die(where + ": not an IP address: " + n.as<std::string>());
  }
  return *a;
}

tools::route_spec spec_from_yaml(const YAML::Node& n) {
  tools::route_spec s;
  if (n["communities"]) {
    s.communities = n["communities"].as<std::vector<std::string>>();
  }
  if (n["large_communities"]) {
    s.large_communities = n["large_communities"].as<std::vector<std::string>>();
  }
  if (n["local_pref"]) {
    s.local_pref = n["local_pref"].as<std::uint32_t>();
  }
  if (n["med"]) {
    s.med = n["med"].as<std::uint32_t>();
  }
  if (n["prepend"]) {
    s.prepend = n["prepend"].as<std::uint32_t>();
  }
  return s;
}

// Increments an address by `n` (host order arithmetic over the whole address).
ip_address add(ip_address a, std::uint64_t n) {
  for (int i = static_cast<int>(a.size()) - 1; i >= 0 && n != 0; --i) {
    const std::uint64_t sum = a.bytes[static_cast<std::size_t>(i)] + (n & 0xff);
    a.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sum);
    n = (n >> 8) + (sum >> 8);
  }
  return a;
}

struct app {
  asio::io_context io;
  std::unique_ptr<speaker> sp;
  route_set routes;
  std::uint32_t local_as = 0;

  std::expected<void, std::string> add_route(const std::string& pfx, const tools::route_spec& s) {
    auto p = prefix::parse(pfx);
    if (!p) {
      return std::unexpected("bad prefix '" + pfx + "'");
    }
    auto attrs = tools::to_attributes(s, local_as);
    if (!attrs) {
      return std::unexpected(attrs.error());
    }
    routes[*p] = std::make_shared<const path_attributes>(std::move(*attrs));
    return {};
  }

  void load(const std::string& path) {
    YAML::Node y;
    try {
      y = YAML::LoadFile(path);
    } catch (const std::exception& e) {
      die(path + ": " + e.what());
    }
    speaker_config sc;
    local_as = sc.local_as = y["local_as"].as<std::uint32_t>();
    sc.router_id = need_ip(y["router_id"], "router_id").v4_host_order();
    if (auto l = y["listen"]) {
      if (l["address"]) {
        sc.listen_address = need_ip(l["address"], "listen.address");
      }
      sc.listen_port = l["port"].as<std::uint16_t>(179);
    }
    if (auto g = y["graceful_restart"]) {
      sc.graceful_restart = g["enabled"].as<bool>(true);
      sc.restart_time = g["restart_time"].as<std::uint16_t>(120);
      sc.restarting = g["restarting"].as<bool>(false);
    }
    sc.hold_table = y["hold_eor"].as<bool>(false);
    sp = std::make_unique<speaker>(io, sc);
    for (const auto& n : y["peers"]) {
      peer_config pc;
      pc.name = n["name"].as<std::string>();
      pc.address = need_ip(n["address"], "peers." + pc.name + ".address");
      pc.asn = n["asn"].as<std::uint32_t>();
      pc.port = n["port"].as<std::uint16_t>(179);
      pc.passive = n["passive"].as<bool>(false);
      pc.hold_time = std::chrono::seconds(n["hold_time"].as<int>(90));
      if (n["keepalive_time"]) {
        pc.keepalive_time = std::chrono::seconds(n["keepalive_time"].as<int>());
      }
      pc.connect_retry_time = std::chrono::seconds(n["connect_retry_time"].as<int>(5));
      pc.idle_hold_time = std::chrono::seconds(n["idle_hold_time"].as<int>(1));
      pc.ebgp_multihop = static_cast<std::uint8_t>(n["ebgp_multihop"].as<int>(1));
      pc.ttl_security = n["ttl_security"].as<bool>(false);
      pc.password = n["password"].as<std::string>("");
      if (n["password_file"]) {
        std::ifstream f(n["password_file"].as<std::string>());
        std::getline(f, pc.password);
      }
      if (n["source_address"]) {
        pc.source_address = need_ip(n["source_address"], "source_address");
      }
      if (n["families"]) {
        pc.families.clear();
        for (const auto& f : n["families"]) {
          const auto s = f.as<std::string>();
          pc.families.push_back(s == "ipv6" ? ipv6_unicast : ipv4_unicast);
        }
      }
      if (n["next_hop_v4"]) {
        pc.next_hop_v4 = need_ip(n["next_hop_v4"], "next_hop_v4");
      }
      if (n["next_hop_v6"]) {
        pc.next_hop_v6 = need_ip(n["next_hop_v6"], "next_hop_v6");
      }
      pc.max_prefixes = n["max_prefixes"].as<std::uint32_t>(0);
      pc.max_prefixes_cease = n["max_prefixes_action"].as<std::string>("drop") == "cease";
      pc.max_received_bytes = n["max_received_bytes"].as<std::size_t>(0);
      if (!sp->add_peer(pc)) {
        die("peer " + pc.name + ": duplicate name or address");
      }
    }
    for (const auto& r : y["routes"]) {
      if (auto g = r["generate"]) {
        const auto start = need_ip(g["start"], "routes.generate.start");
        const auto count = g["count"].as<std::uint64_t>();
        const auto length = g["length"].as<int>(start.v6 ? 128 : 32);
        const auto step = std::uint64_t{1} << ((start.v6 ? 128 : 32) - length);
        auto attrs = tools::to_attributes(spec_from_yaml(g), local_as);
        if (!attrs) {
          die("routes.generate: " + attrs.error());
        }
        auto shared = std::make_shared<const path_attributes>(std::move(*attrs));
        for (std::uint64_t i = 0; i < count; ++i) {
          routes[prefix{add(start, i * step), static_cast<std::uint8_t>(length)}] = shared;
        }
      } else if (auto ok = add_route(r["prefix"].as<std::string>(), spec_from_yaml(r)); !ok) {
        die("routes: " + ok.error());
      }
    }
    sp->set_routes(routes);
  }

  json::object peer_json(const peer_status& s) {
    json::object o;
    o["name"] = s.config.name;
    o["state"] = std::string(fsm::to_string(s.state));
    o["last_error"] = s.last_error ? json::value(*s.last_error) : json::value(nullptr);
    o["received"] = s.routes_received;
    o["stale"] = s.routes_received_stale;
    o["sent"] = s.routes_sent;
    o["exported"] = s.routes_exported;
    o["updates_sent"] = s.sent.update;
    o["updates_received"] = s.received.update;
    o["eor_sent"] = s.end_of_rib_sent;
    o["eor_received"] = s.end_of_rib_received;
    o["idle_hold"] = s.idle_hold.count();
    return o;
  }

  json::value routes_json(const std::string& name) {
    json::array arr;
    for (const auto& [p, r] : sp->received_routes(name)) {
      json::object o;
      o["prefix"] = p.to_string();
      const auto& a = *r.attrs;
      if (a.next_hop) {
        o["next_hop"] = a.next_hop->to_string();
      } else if (a.mp_next_hop) {
        o["next_hop"] = a.mp_next_hop->to_string();
      }
      json::array path;
      if (a.path) {
        for (const auto& seg : a.path->segments) {
          for (auto asn : seg.asns) {
            path.push_back(asn);
          }
        }
      }
      o["as_path"] = std::move(path);
      json::array comms;
      for (auto c : a.communities) {
        comms.push_back(json::value(community_to_string(c)));
      }
      o["communities"] = std::move(comms);
      json::array large;
      for (const auto& c : a.large_communities) {
        large.push_back(json::value(c.to_string()));
      }
      o["large_communities"] = std::move(large);
      if (a.local_pref) {
        o["local_pref"] = *a.local_pref;
      }
      if (a.med) {
        o["med"] = *a.med;
      }
      o["stale"] = r.stale;
      arr.push_back(std::move(o));
    }
    return arr;
  }

  void on_event(const speaker_event& e) {
    json::object o;
    o["peer"] = e.peer;
    switch (e.what) {
      case speaker_event::kind::state_change:
        o["event"] = "state";
        o["from"] = std::string(fsm::to_string(e.from));
        o["to"] = std::string(fsm::to_string(e.to));
        if (!e.text.empty()) {
          o["reason"] = e.text;
        }
        break;
      case speaker_event::kind::notification_sent:
      case speaker_event::kind::notification_received:
        o["event"] = "notification";
        o["direction"] = e.what == speaker_event::kind::notification_sent ? "sent" : "received";
        o["code"] = e.notification->code;
        o["subcode"] = e.notification->subcode;
        o["text"] = e.text;
        break;
      case speaker_event::kind::update_error: {
        o["event"] = "update_error";
        const auto colon = e.text.find(':');
        o["action"] = e.text.substr(0, colon);
        o["text"] = e.text;
        break;
      }
      case speaker_event::kind::end_of_rib_sent:
      case speaker_event::kind::end_of_rib_received:
        o["event"] = "eor";
        o["direction"] = e.what == speaker_event::kind::end_of_rib_sent ? "sent" : "received";
        o["family"] = to_string(*e.fam);
        break;
      case speaker_event::kind::connect_attempt:
        o["event"] = "connect_attempt";
        break;
      case speaker_event::kind::updates_written:
        return;
      case speaker_event::kind::warning:
        o["event"] = "warning";
        o["text"] = e.text;
        break;
      case speaker_event::kind::receive_limit:
        o["event"] = "receive_limit";
        o["text"] = e.text;
        break;
    }
    print(o);
    std::fprintf(stderr, "bgpspeak: %s\n", json::serialize(o).c_str());
  }

  json::object ok() { return json::object{{"ok", true}}; }
  json::object fail(const std::string& why) { return json::object{{"ok", false}, {"error", why}}; }

  // Returns false when the program is to end (after the reply is printed by the caller).
  json::object command(const std::string& line, bool& quit) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string s; in >> s;) {
      w.push_back(s);
    }
    if (w.empty()) {
      return fail("empty command");
    }
    const auto& cmd = w[0];
    const auto rest = [&](std::size_t from) {
      std::string s;
      for (std::size_t i = from; i < w.size(); ++i) {
        s += (i > from ? " " : "") + w[i];
      }
      return s;
    };
    if (cmd == "announce" && w.size() >= 2) {
      auto spec = tools::parse_route_words({w.begin() + 2, w.end()});
      if (!spec) {
        return fail(spec.error());
      }
      if (auto r = add_route(w[1], *spec); !r) {
        return fail(r.error());
      }
      sp->set_routes(routes);
      return ok();
    }
    if (cmd == "withdraw" && w.size() == 2) {
      auto p = prefix::parse(w[1]);
      if (!p) {
        return fail("bad prefix '" + w[1] + "'");
      }
      routes.erase(*p);
      sp->set_routes(routes);
      return ok();
    }
    if (cmd == "disable" && w.size() >= 2) {
      return sp->disable_peer(w[1], rest(2)) ? ok() : fail("no peer " + w[1]);
    }
    if (cmd == "enable" && w.size() == 2) {
      return sp->enable_peer(w[1]) ? ok() : fail("no peer " + w[1]);
    }
    if (cmd == "restart" && w.size() == 2) {
      return sp->restart_peer(w[1]) ? ok() : fail("no peer " + w[1]);
    }
    if (cmd == "refresh" && w.size() == 3) {
      return sp->refresh_peer(w[1], w[2] == "in") ? ok() : fail("no peer " + w[1]);
    }
    if (cmd == "sync") {
      sp->set_table_ready();
      return ok();
    }
    if (cmd == "show") {
      json::array peers;
      for (const auto& s : sp->peers()) {
        peers.push_back(peer_json(s));
      }
      auto o = ok();
      o["peers"] = std::move(peers);
      return o;
    }
    if (cmd == "routes" && w.size() == 2) {
      if (!sp->peer(w[1])) {
        return fail("no peer " + w[1]);
      }
      auto o = ok();
      o["received"] = routes_json(w[1]);
      return o;
    }
    if (cmd == "quit") {
      quit = true;
      return ok();
    }
    return fail("unknown command: " + line);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string config;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else {
      die("usage: bgpspeak --config FILE.yaml");
    }
  }
  if (config.empty()) {
    die("usage: bgpspeak --config FILE.yaml");
  }
  app a;
  try {
    a.load(config);
  } catch (const YAML::Exception& e) {
    die(config + ": " + e.what());
  }
  a.sp->on_event([&a](const speaker_event& e) { a.on_event(e); });
  try {
    a.sp->start();
  } catch (const std::exception& e) {
    die(std::string("cannot start: ") + e.what());
  }

  asio::posix::stream_descriptor input(a.io, ::dup(STDIN_FILENO));
  asio::streambuf buf;
  bool quitting = false;
  auto finish = [&](shutdown_mode mode) {
    if (quitting) {
      return;
    }
    quitting = true;
    a.sp->shutdown(mode, "bgpspeak exiting", [&a] { a.io.stop(); });
  };
  std::function<void()> read_line = [&] {
    asio::async_read_until(input, buf, '\n', [&](boost::system::error_code ec, std::size_t) {
      if (ec) {
        finish(shutdown_mode::withdraw);
        return;
      }
      std::istream is(&buf);
      std::string line;
      std::getline(is, line);
      bool quit = false;
      auto reply = a.command(line, quit);
      print(reply);
      if (quit) {
        const bool graceful = line.find("graceful") != std::string::npos;
        finish(graceful ? shutdown_mode::graceful_restart : shutdown_mode::withdraw);
        return;
      }
      read_line();
    });
  };
  read_line();
  asio::signal_set signals(a.io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code, int) { finish(shutdown_mode::withdraw); });
  a.io.run();
  return 0;
}
