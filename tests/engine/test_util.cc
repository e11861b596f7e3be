#include "tests/engine/test_util.h"

#include <fstream>
#include <sstream>

namespace svcbgp::engine::testing {
namespace {

std::string describe_decision(const decision& d) {
  return d.service.to_string() + " " + std::string(to_string(d.kind)) + " " + d.ip.to_string() +
         (d.announced ? " announced as " + d.announced_as.to_string() : " not announced") + " " +
         std::string(to_string(d.why)) + (d.detail.empty() ? "" : " (" + d.detail + ")");
}

}  // namespace

std::string describe_route(const bgp::prefix& p, const bgp::path_attributes& a) {
  std::string out = p.to_string() + " comm=[";
  for (std::size_t i = 0; i < a.communities.size(); ++i) {
    out += (i ? "," : "") + bgp::community_to_string(a.communities[i]);
  }
  out += "] large=[";
  for (std::size_t i = 0; i < a.large_communities.size(); ++i) {
    out += (i ? "," : "") + a.large_communities[i].to_string();
  }
  out += "] lp=" + (a.local_pref ? std::to_string(*a.local_pref) : std::string("-"));
  out += " med=" + (a.med ? std::to_string(*a.med) : std::string("-"));
  out += " path=[" + (a.path ? a.path->to_string() : std::string()) + "]";
  return out;
}

std::string compare_selectors(const selector& a, const selector& b) {
  const auto da = a.decisions();
  const auto db = b.decisions();
  for (std::size_t i = 0; i < std::max(da.size(), db.size()); ++i) {
    if (i >= da.size() || i >= db.size() || !(da[i] == db[i])) {
      return "decision " + std::to_string(i) + ": " +
             (i < da.size() ? describe_decision(da[i]) : "<none>") + " vs " +
             (i < db.size() ? describe_decision(db[i]) : "<none>");
    }
  }
  for (const auto& peer : a.config().peers) {
    const auto& ra = a.routes(peer.name);
    const auto& rb = b.routes(peer.name);
    for (const auto& [p, attrs] : ra) {
      auto it = rb.find(p);
      if (it == rb.end()) {
        return "peer " + peer.name + ": only in first: " + describe_route(p, *attrs);
      }
      if (!bgp::same_attributes(attrs, it->second)) {
        return "peer " + peer.name + ": " + describe_route(p, *attrs) + " vs " +
               describe_route(p, *it->second);
      }
    }
    for (const auto& [p, attrs] : rb) {
      if (!ra.contains(p)) {
        return "peer " + peer.name + ": only in second: " + describe_route(p, *attrs);
      }
    }
  }
  return {};
}

std::optional<std::string> txtar_section(const std::string& archive_text, const std::string& name) {
  std::istringstream in(archive_text);
  std::string line;
  std::string out;
  bool inside = false;
  bool found = false;
  while (std::getline(in, line)) {
    if (line.starts_with("-- ") && line.ends_with(" --") && line.size() >= 6) {
      if (inside) {
        break;
      }
      inside = line.substr(3, line.size() - 6) == name;
      found = found || inside;
      continue;
    }
    if (inside) {
      out += line + "\n";
    }
  }
  return found ? std::optional<std::string>(out) : std::nullopt;
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace svcbgp::engine::testing
