#include "src/engine/annotations.h"

#include "src/engine/config.h"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace svcbgp::engine {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits "a, b,c" on commas; empty items are errors (a stray comma is a typo worth reporting).
std::vector<std::string_view> split_list(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const auto comma = s.find(',');
    out.push_back(trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) {
      break;
    }
    s.remove_prefix(comma + 1);
  }
  return out;
}

// The whole annotation is dropped on any bad item: applying half of what the user wrote would be
// harder to notice than applying none of it.
template <typename T, typename Parse>
std::vector<T> parse_list(std::string_view key, std::string_view value, std::string_view what,
                          Parse parse, std::vector<std::string>& problems) {
  std::vector<T> out;
  if (trim(value).empty()) {
    return out;
  }
  for (const auto item : split_list(value)) {
    auto parsed = parse(item);
    if (!parsed) {
      problems.push_back(std::string(key) + ": bad " + std::string(what) + " '" +
                         std::string(item) + "'");
      return {};
    }
    out.push_back(*parsed);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

service_annotations parse_annotations(const std::map<std::string, std::string>& annotations,
                                      const advertise_config& limits) {
  service_annotations out;
  if (auto it = annotations.find(std::string(annotation_advertise)); it != annotations.end()) {
    const auto v = trim(it->second);
    if (v == "false") {
      out.opted_out = true;
    } else if (v != "true") {
      out.problems.push_back(std::string(annotation_advertise) +
                             ": expected \"true\" or \"false\", got '" + it->second + "'");
    }
  }
  if (auto it = annotations.find(std::string(annotation_communities)); it != annotations.end()) {
    out.communities = parse_list<std::uint32_t>(
        annotation_communities, it->second, "community",
        [](std::string_view t) { return bgp::parse_community(t); }, out.problems);
  }
  if (auto it = annotations.find(std::string(annotation_large_communities));
      it != annotations.end()) {
    out.large = parse_list<bgp::large_community>(
        annotation_large_communities, it->second, "large community",
        [](std::string_view t) { return bgp::large_community::parse(t); }, out.problems);
  }
  const auto& forbidden = limits.forbidden_communities;
  for (auto c : out.communities) {
    if (std::find(forbidden.begin(), forbidden.end(), c) != forbidden.end()) {
      const auto numeric = std::to_string(c >> 16) + ":" + std::to_string(c & 0xffff);
      const auto name = bgp::community_to_string(c);
      out.problems.push_back(std::string(annotation_communities) + ": " + numeric +
                             (name != numeric ? " (" + name + ")" : "") +
                             " is a well-known community a Service may not set");
      out.communities.clear();
      break;
    }
  }
  const auto too_many = [&](std::string_view key, std::size_t n) {
    if (n <= limits.max_annotation_communities) {
      return false;
    }
    out.problems.push_back(std::string(key) + ": " + std::to_string(n) + " values, at most " +
                           std::to_string(limits.max_annotation_communities));
    return true;
  };
  if (too_many(annotation_communities, out.communities.size())) {
    out.communities.clear();
  }
  if (too_many(annotation_large_communities, out.large.size())) {
    out.large.clear();
  }
  if (auto it = annotations.find(std::string(annotation_local_pref)); it != annotations.end()) {
    const auto v = trim(it->second);
    std::uint32_t lp = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), lp);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) {
      out.problems.push_back(std::string(annotation_local_pref) + ": bad local-pref '" +
                             it->second + "'");
    } else {
      out.local_pref = lp;
    }
  }
  if (auto it = annotations.find(std::string(annotation_weighted_ecmp)); it != annotations.end()) {
    const auto v = trim(it->second);
    if (v == "true" || v == "false") {
      out.weighted_ecmp = v == "true";
    } else {
      out.problems.push_back(std::string(annotation_weighted_ecmp) + ": must be \"true\" or " +
                             "\"false\", not '" + it->second + "'");
    }
  }
  return out;
}

}  // namespace svcbgp::engine
