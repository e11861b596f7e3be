#include "src/config/reader.h"

#include <algorithm>
#include <stdexcept>

namespace svcbgp::config::reader {
namespace {

std::string joined(const std::vector<std::string_view>& names, std::string_view sep) {
  std::string out;
  for (auto n : names) {
    out += (out.empty() ? "" : std::string(sep)) + std::string(n);
  }
  return out;
}

std::optional<std::string> one_of(walker& w, const YAML::Node& n, const std::string& path,
                                  const std::vector<std::string_view>& choices) {
  auto s = w.str(n, path);
  if (!s) {
    return std::nullopt;
  }
  if (std::find(choices.begin(), choices.end(), *s) == choices.end()) {
    w.error(n, path, "must be one of " + joined(choices, " | ") + ", not '" + *s + "'");
    return std::nullopt;
  }
  return s;
}

}  // namespace

std::optional<value> read(walker& w, const YAML::Node& n, const std::string& path,
                          const schema::setting& s) {
  value v;
  switch (s.t) {
    case schema::type::string:
      if (auto x = w.str(n, path)) {
        if (s.max > 0 && x->size() > s.max) {
          w.error(n, path,
                  "longer than " + std::to_string(s.max) + " bytes" +
                      (s.why.empty() ? "" : " (" + std::string(s.why) + ")"));
          return std::nullopt;
        }
        v.text = *x;
        return v;
      }
      return std::nullopt;
    case schema::type::integer: {
      auto x = w.str(n, path);
      if (!x) {
        return std::nullopt;
      }
      auto [p, ec] = std::from_chars(x->data(), x->data() + x->size(), v.number);
      if (ec != std::errc{} || p != x->data() + x->size() || v.number < s.min || v.number > s.max ||
          std::find(s.excluded.begin(), s.excluded.end(), v.number) != s.excluded.end()) {
        w.error(n, path, "must be " + schema::range_text(s));
        return std::nullopt;
      }
      return v;
    }
    case schema::type::boolean:
      if (auto x = w.boolean(n, path)) {
        v.flag = *x;
        return v;
      }
      return std::nullopt;
    case schema::type::ipv4_or_auto:
      if (n.IsScalar() && n.Scalar() == "auto") {
        v.text = "auto";
        return v;
      }
      if ((v.ip = w.ip(n, path)) && v.ip->v6) {
        w.error(n, path, "must be an IPv4 address or auto");
        return std::nullopt;
      }
      return v.ip ? std::optional(v) : std::nullopt;
    case schema::type::ip_or_auto:
      if (n.IsScalar() && n.Scalar() == "auto") {
        v.text = "auto";
        return v;
      }
      [[fallthrough]];
    case schema::type::ip:
      if ((v.ip = w.ip(n, path))) {
        return v;
      }
      return std::nullopt;
    case schema::type::choice:
      if (auto x = one_of(w, n, path, s.choices)) {
        v.text = *x;
        return v;
      }
      return std::nullopt;
    case schema::type::choices: {
      bool ok = n.IsSequence();
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        auto x = one_of(w, c, cp, s.choices);
        ok = ok && x.has_value();
        if (x && std::find(v.items.begin(), v.items.end(), *x) == v.items.end()) {
          v.items.push_back(*x);
        }
      });
      if (ok && v.items.size() < s.min_items) {
        w.error(n, path, "must name at least one of " + joined(s.choices, ", "));
        ok = false;
      }
      return ok ? std::optional(v) : std::nullopt;
    }
    case schema::type::labels:
      v.selector.match_labels = w.labels(n, path);
      return v;
    case schema::type::cidrs:
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        if (auto p = w.cidr(c, cp)) {
          v.cidrs.push_back(*p);
        }
      });
      return v;
    case schema::type::communities:
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        if (auto x = w.str(c, cp)) {
          if (auto value = bgp::parse_community(*x)) {
            v.communities.push_back(*value);
          } else {
            w.error(c, cp, "not a community (ASN:VALUE or a well-known name): '" + *x + "'");
          }
        }
      });
      return v;
    case schema::type::large_communities:
      w.list(n, path, [&](const YAML::Node& c, const std::string& cp) {
        if (auto x = w.str(c, cp)) {
          if (auto value = bgp::large_community::parse(*x)) {
            v.large_communities.push_back(*value);
          } else {
            w.error(c, cp, "not a large community (A:B:C): '" + *x + "'");
          }
        }
      });
      return v;
    case schema::type::object:
    case schema::type::object_list:
      break;
  }
  return std::nullopt;
}

// Reads the mapping `n` by `decl`: unknown keys and missing required ones are errors, each value
// is checked by its declaration, and absent ones with a default get it; `apply` then gets every
// value, in declaration order (a rule between two settings sees the first one applied).
void read_settings(walker& w, const YAML::Node& n, const std::string& path,
                   const std::vector<schema::setting>& decl,
                   const std::map<std::string, applier>& apply, naming how,
                   const std::string& prefix) {
  const auto other = how == naming::file ? schema::source::crd : schema::source::file;
  std::vector<std::string> names;
  for (const auto& s : decl) {
    if (s.where != other) {
      names.push_back(how == naming::file ? std::string(s.key) : schema::crd_name(s));
    }
  }
  if (!w.map(n, path, std::vector<std::string_view>(names.begin(), names.end()))) {
    return;
  }
  for (const auto& s : decl) {
    if (s.where == other) {
      continue;
    }
    const std::string key(s.key);
    const std::string name = how == naming::file ? key : schema::crd_name(s);
    const auto p = join(path, name);
    std::optional<YAML::Node> v;
    if (const YAML::Node found = n[name]; found) {
      v = found;
    } else if (s.t == schema::type::object) {
      // Absent: its defaults apply, unless it has a field that must be given (then it is unset).
      if (std::any_of(s.fields.begin(), s.fields.end(), [](const auto& f) { return f.required; })) {
        continue;
      }
      v = YAML::Node(YAML::NodeType::Map);
    } else if (!s.default_value.empty()) {
      v = YAML::Load(std::string(s.default_value));
    } else {
      if (s.required) {
        w.error(n, p, "missing");
      }
      continue;
    }
    if (s.t == schema::type::object) {
      read_settings(w, *v, p, s.fields, apply, how, prefix + key + ".");
      continue;
    }
    const auto a = apply.find(prefix + key);
    if (a == apply.end()) {
      throw std::logic_error("config: no applier for declared setting " + prefix + key);
    }
    if (s.t == schema::type::labels && how == naming::crd) {
      if (auto sel = w.selector(*v, p)) {
        value x;
        x.selector = std::move(*sel);
        a->second(x, *v, p);
      }
      continue;
    }
    if (s.t == schema::type::object_list) {
      a->second(value{}, *v, p);
    } else if (auto x = read(w, *v, p, s)) {
      a->second(*x, *v, p);
    }
  }
}

}  // namespace svcbgp::config::reader
