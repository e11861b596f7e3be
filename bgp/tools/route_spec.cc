#include "bgp/tools/route_spec.h"

#include <charconv>

namespace svcbgp::bgp::tools {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto pos = s.find(sep);
    out.emplace_back(s.substr(0, pos));
    if (pos == std::string_view::npos) {
      break;
    }
    s.remove_prefix(pos + 1);
  }
  return out;
}

std::optional<std::uint32_t> parse_u32(std::string_view s) {
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::expected<path_attributes, std::string> to_attributes(const route_spec& spec,
                                                          std::uint32_t local_as) {
  path_attributes a;
  a.origin = origin_type::igp;
  for (const auto& c : spec.communities) {
    auto v = parse_community(c);
    if (!v) {
      return std::unexpected("bad community '" + c + "' (want ASN:VALUE)");
    }
    a.communities.push_back(*v);
  }
  for (const auto& c : spec.large_communities) {
    auto v = large_community::parse(c);
    if (!v) {
      return std::unexpected("bad large community '" + c + "' (want A:B:C)");
    }
    a.large_communities.push_back(*v);
  }
  a.local_pref = spec.local_pref;
  a.med = spec.med;
  if (spec.prepend > 0) {
    a.path = as_path{{as_path_segment{as_path_segment::kind::as_sequence,
                                      std::vector<std::uint32_t>(spec.prepend, local_as)}}};
  }
  return a;
}

std::expected<route_spec, std::string> parse_route_words(const std::vector<std::string>& words) {
  route_spec spec;
  for (const auto& w : words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos) {
      return std::unexpected("expected key=value, got '" + w + "'");
    }
    const std::string key = w.substr(0, eq);
    const std::string value = w.substr(eq + 1);
    if (key == "communities") {
      spec.communities = split(value, ',');
    } else if (key == "large" || key == "large_communities") {
      spec.large_communities = split(value, ',');
    } else if (key == "local_pref" || key == "med" || key == "prepend") {
      auto v = parse_u32(value);
      if (!v) {
        return std::unexpected(key + ": not a number: '" + value + "'");
      }
      if (key == "local_pref") {
        spec.local_pref = v;
      } else if (key == "med") {
        spec.med = v;
      } else {
        spec.prepend = *v;
      }
    } else {
      return std::unexpected("unknown attribute '" + key + "'");
    }
  }
  return spec;
}

}  // namespace svcbgp::bgp::tools
