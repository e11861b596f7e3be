#include "src/kubectl_svcbgp/cluster_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "bgp/codec/text.h"
#include "k8s/client/node_status.h"

namespace svcbgp::kubectl_svcbgp {
namespace {

namespace bj = boost::json;

// A field that is there but has the wrong shape is a problem; one that is absent is its zero.
struct reader {
  std::string problem;

  static const bj::value* at(const bj::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }
  std::string str(const bj::object& o, std::string_view key, std::string_view where) {
    auto* v = at(o, key);
    if (!v) {
      return {};
    }
    if (!v->is_string()) {
      return fail(where, key, "expected a string"), std::string{};
    }
    return std::string(v->get_string());
  }
  std::uint64_t num(const bj::object& o, std::string_view key, std::string_view where,
                    std::uint64_t max = UINT64_MAX) {
    auto* v = at(o, key);
    if (!v) {
      return 0;
    }
    if (v->is_uint64() && v->get_uint64() <= max) {
      return v->get_uint64();
    }
    if (v->is_int64() && v->get_int64() >= 0 && std::uint64_t(v->get_int64()) <= max) {
      return std::uint64_t(v->get_int64());
    }
    fail(where, key, fmt::format("expected an integer from 0 to {}", max));
    return 0;
  }
  const bj::object* obj(const bj::object& o, std::string_view key, std::string_view where) {
    auto* v = at(o, key);
    if (!v) {
      return nullptr;
    }
    if (!v->is_object()) {
      return fail(where, key, "expected an object"), nullptr;
    }
    return &v->get_object();
  }
  const bj::array* arr(const bj::object& o, std::string_view key, std::string_view where) {
    auto* v = at(o, key);
    if (!v) {
      return nullptr;
    }
    if (!v->is_array()) {
      return fail(where, key, "expected a list"), nullptr;
    }
    return &v->get_array();
  }
  void fail(std::string_view where, std::string_view key, std::string_view what) {
    if (problem.empty()) {
      problem = fmt::format("{}{}: {}", where, key, what);
    }
  }
};

void read_status(const bj::object& st, node_row& n, reader& r) {
  n.local_asn = std::uint32_t(r.num(st, "localASN", "status.", UINT32_MAX));
  n.config_generation = r.num(st, "configGeneration", "status.");
  if (auto beat = r.str(st, "heartbeatTime", "status."); !beat.empty()) {
    n.heartbeat = parse_rfc3339(beat);
    if (!n.heartbeat) {
      r.fail("status.", "heartbeatTime", "not an RFC 3339 time");
    }
  }
  n.heartbeat_every = std::chrono::seconds(r.num(st, "heartbeatSeconds", "status.", 86400 * 365));
  if (auto* a = r.obj(st, "announced", "status.")) {
    n.cluster_ips = r.num(*a, "clusterIP", "status.announced.");
    n.external_ips = r.num(*a, "externalIP", "status.announced.");
    n.load_balancer_ips = r.num(*a, "loadBalancerIP", "status.announced.");
  }
  if (auto* ss = r.arr(st, "sessions", "status.")) {
    for (std::size_t i = 0; i < ss->size(); ++i) {
      std::string where = fmt::format("status.sessions[{}].", i);
      if (!(*ss)[i].is_object()) {
        r.fail(where.substr(0, where.size() - 1), "", "expected an object");
        continue;
      }
      const auto& o = (*ss)[i].get_object();
      session_row s;
      s.peer = r.str(o, "peer", where);
      s.address = r.str(o, "peerAddress", where);
      s.peer_asn = std::uint32_t(r.num(o, "peerASN", where, UINT32_MAX));
      s.state = r.str(o, "state", where);
      if (s.state.empty()) {
        r.fail(where, "state", "missing");
      }
      if (auto since = r.str(o, "since", where); !since.empty()) {
        s.since = parse_rfc3339(since);
        if (!s.since) {
          r.fail(where, "since", "not an RFC 3339 time");
        }
      }
      s.last_error = r.str(o, "lastError", where);
      s.sent = r.num(o, "prefixesSent", where);
      s.received = r.num(o, "prefixesReceived", where);
      n.sessions.push_back(std::move(s));
    }
  }
  if (auto* cs = r.arr(st, "conditions", "status.")) {
    for (std::size_t i = 0; i < cs->size(); ++i) {
      std::string where = fmt::format("status.conditions[{}].", i);
      if (!(*cs)[i].is_object()) {
        continue;
      }
      const auto& o = (*cs)[i].get_object();
      condition_row c;
      c.type = r.str(o, "type", where);
      c.status = r.str(o, "status", where) == "True";
      c.reason = r.str(o, "reason", where);
      c.message = r.str(o, "message", where);
      n.conditions.push_back(std::move(c));
    }
  }
}

std::string dash(std::string s) {
  return s.empty() ? "-" : bgp::printable(s);
}

// The node's line says only this when its status cannot be trusted for its sessions.
bool unknown(const node_row& n) {
  return !n.problem.empty() || !n.has_status || !n.stale.empty();
}

std::string problems(const node_row& n) {
  if (!n.problem.empty()) {
    return "unreadable status: " + bgp::printable(n.problem);
  }
  if (!n.has_status) {
    return "no status written yet";
  }
  if (!n.stale.empty()) {
    return n.stale;
  }
  std::string out;
  for (const auto& c : n.conditions) {
    if (c.status) {
      continue;
    }
    if (!out.empty()) {
      out += "; ";
    }
    out += c.type + (c.message.empty() ? "" : ": " + bgp::printable(c.message));
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::pair<std::size_t, std::size_t> node_row::sessions_up() const {
  std::size_t up = 0, wanted = 0;
  for (const auto& s : sessions) {
    wanted += s.wanted();
    up += s.wanted() && s.up();
  }
  return {up, wanted};
}

bool node_row::unhealthy() const {
  auto [up, wanted] = sessions_up();
  return !has_status || !problem.empty() || !stale.empty() || up != wanted;
}

std::expected<status_page, std::string> parse_status_list(std::string_view json) {
  boost::system::error_code ec;
  bj::value v = bj::parse(json, ec);
  if (ec) {
    return std::unexpected("the answer is not JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return std::unexpected("the answer is not a JSON object");
  }
  const auto& list = v.get_object();
  auto* kind = list.if_contains("kind");
  if (!kind || !kind->is_string() || kind->get_string() != "BGPNodeStatusList") {
    return std::unexpected("the answer is not a BGPNodeStatusList");
  }
  auto* items = list.if_contains("items");
  if (!items || !(items->is_array() || items->is_null())) {
    return std::unexpected("the BGPNodeStatusList has no items list");
  }
  status_page page;
  if (auto* meta = list.if_contains("metadata"); meta && meta->is_object()) {
    if (auto* c = meta->get_object().if_contains("continue"); c && c->is_string()) {
      page.continue_token = std::string(c->get_string());
    }
  }
  if (items->is_null()) {
    return page;
  }
  const auto& arr = items->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    node_row n;
    reader r;
    const bj::object* meta = nullptr;
    if (arr[i].is_object()) {
      meta = r.obj(arr[i].get_object(), "metadata", "");
    }
    if (meta) {
      n.node = r.str(*meta, "name", "metadata.");
    }
    if (n.node.empty()) {
      n.node = fmt::format("items[{}]", i);
    }
    if (!arr[i].is_object()) {
      n.problem = "not an object";
    } else if (auto* st = r.obj(arr[i].get_object(), "status", "")) {
      n.has_status = true;
      read_status(*st, n, r);
    }
    if (!r.problem.empty()) {
      n.problem = r.problem;
    }
    page.nodes.push_back(std::move(n));
  }
  return page;
}

std::string describe_failure(unsigned status, std::string_view body) {
  if (status == 404) {
    return "the BGPNodeStatus resource is not installed (404 from " +
           std::string(k8s::client::node_status_path) +
           "): kubectl apply -k configs/deploy/crds, and svcbgpd writes one per node";
  }
  std::string message;
  boost::system::error_code ec;
  if (auto v = bj::parse(body, ec); !ec && v.is_object()) {
    if (auto* m = v.get_object().if_contains("message"); m && m->is_string()) {
      message = bgp::printable(std::string(m->get_string()));
    }
  }
  std::string out = fmt::format("the API server answered {}", status);
  if (status == 401) {
    out += " (Unauthorized: the kubeconfig's credentials were refused)";
  }
  if (status == 403) {
    out += " (Forbidden: listing bgpnodestatuses.svcbgp.io needs RBAC list)";
  }
  return message.empty() ? out : out + ": " + message;
}

std::vector<node_row> select_nodes(std::vector<node_row> nodes, std::string_view node) {
  if (!node.empty()) {
    std::erase_if(nodes, [&](const node_row& n) { return n.node != node; });
  }
  std::ranges::stable_sort(nodes, {}, &node_row::node);
  return nodes;
}

bool any_unhealthy(const std::vector<node_row>& nodes) {
  return std::ranges::any_of(nodes, &node_row::unhealthy);
}

void mark_stale(std::vector<node_row>& nodes, time_point now) {
  for (auto& n : nodes) {
    if (!n.heartbeat || n.heartbeat_every.count() <= 0) {
      continue;
    }
    if (now - *n.heartbeat > 3 * n.heartbeat_every) {
      n.stale = fmt::format("stale: no heartbeat for {} (written every {}s): is svcbgpd running?",
                            age(now - *n.heartbeat), n.heartbeat_every.count());
    }
  }
}

std::string age(std::chrono::system_clock::duration d) {
  using namespace std::chrono;
  auto s = duration_cast<seconds>(d).count();
  if (s < 0) {
    return "0s";
  }
  auto m = s / 60, h = s / 3600, days = h / 24, years = days / 365;
  if (s < 120) {
    return fmt::format("{}s", s);
  }
  if (m < 10) {
    return s % 60 ? fmt::format("{}m{}s", m, s % 60) : fmt::format("{}m", m);
  }
  if (m < 180) {
    return fmt::format("{}m", m);
  }
  if (h < 8) {
    return m % 60 ? fmt::format("{}h{}m", h, m % 60) : fmt::format("{}h", h);
  }
  if (h < 48) {
    return fmt::format("{}h", h);
  }
  if (h < 24 * 8) {
    return h % 24 ? fmt::format("{}d{}h", days, h % 24) : fmt::format("{}d", days);
  }
  if (days < 365 * 2) {
    return fmt::format("{}d", days);
  }
  if (days < 365 * 8) {
    return days % 365 ? fmt::format("{}y{}d", years, days % 365) : fmt::format("{}y", years);
  }
  return fmt::format("{}y", years);
}

std::string render_peers(const std::vector<node_row>& nodes, time_point now) {
  std::vector<std::vector<std::string>> rows{{"NODE", "LOCAL AS", "PEER", "PEER ADDRESS", "PEER AS",
                                              "STATE", "SINCE", "SENT", "RECEIVED", "LAST ERROR"}};
  for (const auto& n : nodes) {
    if (unknown(n)) {
      rows.push_back({n.node, "-", "-", "-", "-", "Unknown", "-", "-", "-", problems(n)});
      continue;
    }
    for (const auto& s : n.sessions) {
      rows.push_back({n.node, std::to_string(n.local_asn), dash(s.peer), dash(s.address),
                      s.peer_asn ? std::to_string(s.peer_asn) : "-", dash(s.state),
                      s.since ? age(now - *s.since) : "-", std::to_string(s.sent),
                      std::to_string(s.received), dash(s.last_error)});
    }
  }
  return bgp::columns(rows, 3);  // kubectl's spacing
}

std::string render_nodes(const std::vector<node_row>& nodes) {
  std::vector<std::vector<std::string>> rows{{"NODE", "AS", "CONFIG", "SYNCED", "SESSIONS",
                                              "CLUSTER IPS", "EXTERNAL IPS", "LB IPS", "PROBLEMS"}};
  for (const auto& n : nodes) {
    if (unknown(n)) {
      rows.push_back({n.node, "-", "-", "-", "-", "-", "-", "-", problems(n)});
      continue;
    }
    auto synced = std::ranges::find(n.conditions, std::string("Synced"), &condition_row::type);
    auto [up, wanted] = n.sessions_up();
    rows.push_back({n.node, std::to_string(n.local_asn), std::to_string(n.config_generation),
                    synced == n.conditions.end() ? "-" : (synced->status ? "True" : "False"),
                    fmt::format("{}/{}", up, wanted), std::to_string(n.cluster_ips),
                    std::to_string(n.external_ips), std::to_string(n.load_balancer_ips),
                    problems(n)});
  }
  return bgp::columns(rows, 3);  // kubectl's spacing
}

std::string peers_json(const std::vector<node_row>& nodes) {
  bj::array out;
  for (const auto& n : nodes) {
    if (unknown(n)) {
      out.push_back(bj::object{{"node", n.node}, {"state", "Unknown"}, {"problem", problems(n)}});
      continue;
    }
    for (const auto& s : n.sessions) {
      bj::object o{{"node", n.node},           {"localASN", n.local_asn}, {"peer", s.peer},
                   {"peerAddress", s.address}, {"peerASN", s.peer_asn},   {"state", s.state},
                   {"wanted", s.wanted()}};
      if (s.since) {
        o["since"] = k8s::client::rfc3339(*s.since);
      }
      o["prefixesSent"] = s.sent;
      o["prefixesReceived"] = s.received;
      if (!s.last_error.empty()) {
        o["lastError"] = s.last_error;
      }
      out.push_back(std::move(o));
    }
  }
  return bj::serialize(out) + "\n";
}

std::string nodes_json(const std::vector<node_row>& nodes) {
  bj::array out;
  for (const auto& n : nodes) {
    bj::object o{{"node", n.node}, {"healthy", !n.unhealthy()}};
    if (unknown(n)) {
      o["problem"] = problems(n);
      out.push_back(std::move(o));
      continue;
    }
    auto [up, wanted] = n.sessions_up();
    o["localASN"] = n.local_asn;
    o["configGeneration"] = n.config_generation;
    o["sessionsEstablished"] = up;
    o["sessionsWanted"] = wanted;
    o["announced"] = bj::object{{"clusterIP", n.cluster_ips},
                                {"externalIP", n.external_ips},
                                {"loadBalancerIP", n.load_balancer_ips}};
    bj::array conds;
    for (const auto& c : n.conditions) {
      conds.push_back(bj::object{{"type", c.type},
                                 {"status", c.status ? "True" : "False"},
                                 {"reason", c.reason},
                                 {"message", c.message}});
    }
    o["conditions"] = std::move(conds);
    out.push_back(std::move(o));
  }
  return bj::serialize(out) + "\n";
}

std::optional<time_point> parse_rfc3339(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    int v = 0;
    if (pos + n > s.size()) {
      return std::nullopt;
    }
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, v);
    if (ec != std::errc{} || p != s.data() + pos + n) {
      return std::nullopt;
    }
    return v;
  };
  auto sep = [&](std::size_t pos, std::string_view any) {
    return pos < s.size() && any.find(s[pos]) != std::string_view::npos;
  };
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  auto h = digits(11, 2), mi = digits(14, 2), se = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || !sep(4, "-") || !sep(7, "-") || !sep(10, "Tt ") ||
      !sep(13, ":") || !sep(16, ":") || *h > 23 || *mi > 59 || *se > 60) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{year{*y}, month{unsigned(*mo)}, day{unsigned(*d)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  nanoseconds frac{0};
  if (sep(pos, ".")) {
    std::size_t start = ++pos;
    long long scale = 1'000'000'000, v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 1) {
        scale /= 10;
        v += (s[pos] - '0') * scale;
      }
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
    frac = nanoseconds(v);
  }
  minutes offset{0};
  if (sep(pos, "Zz")) {
    ++pos;
  } else if (sep(pos, "+-")) {
    auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (!oh || !om || !sep(pos + 3, ":") || *oh > 23 || *om > 59) {
      return std::nullopt;
    }
    offset = hours(*oh) + minutes(*om);
    if (s[pos] == '-') {
      offset = -offset;
    }
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) {
    return std::nullopt;
  }
  auto t = sys_days(ymd) + hours(*h) + minutes(*mi) + seconds(*se) + frac - offset;
  return time_point(duration_cast<system_clock::duration>(t.time_since_epoch()));
}

}  // namespace svcbgp::kubectl_svcbgp
