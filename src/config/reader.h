// The declaration-driven reader of src/config: a YAML (or JSON) tree read by schema.h's
// declarations, every problem collected with its key path, each value handed to an applier that
// puts it into the config being built. The file (config.cc) and the svcbgp.io resources
// (resources.cc) both read through it. Internal to src/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/config/config.h"
#include "src/config/schema.h"

namespace svcbgp::config::reader {

inline std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

inline std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Walks the YAML tree, collecting every problem instead of stopping at the first.
class walker {
 public:
  walker(std::vector<config_error>& errors, const environment& env) : errors_(errors), env_(env) {}

  void error(const YAML::Node& n, const std::string& path, std::string message) {
    const int line = n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    errors_.push_back({path, std::move(message), line});
  }

  // A mapping whose keys must all be known.
  bool map(const YAML::Node& n, const std::string& path,
           std::initializer_list<std::string_view> known) {
    return map(n, path, std::vector<std::string_view>(known));
  }
  bool map(const YAML::Node& n, const std::string& path,
           const std::vector<std::string_view>& known) {
    if (!n.IsMap()) {
      error(n, path, "must be a mapping");
      return false;
    }
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>("");
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        error(kv.first, join(path, key), "unknown key");
      }
    }
    return true;
  }

  std::optional<std::string> str(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
      error(n, path, "must be a string");
      return std::nullopt;
    }
    return expand(n, path, n.Scalar());
  }

  std::optional<std::uint64_t> number(const YAML::Node& n, const std::string& path,
                                      std::uint64_t min, std::uint64_t max) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc{} || p != s->data() + s->size() || v < min || v > max) {
      error(n, path, "must be " + std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const YAML::Node& n, const std::string& path) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    if (*s == "true") {
      return true;
    }
    if (*s == "false") {
      return false;
    }
    error(n, path, "must be true or false");
    return std::nullopt;
  }

  std::optional<bgp::ip_address> ip(const YAML::Node& n, const std::string& path) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    auto a = bgp::ip_address::parse(*s);
    if (!a) {
      error(n, path, "not an IP address: '" + *s + "'");
    }
    return a;
  }

  std::optional<bgp::prefix> cidr(const YAML::Node& n, const std::string& path) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    auto p = bgp::prefix::parse(*s);
    const auto slash = s->find('/');
    // prefix::parse clears host bits; in a config they are a typo worth reporting.
    if (!p || slash == std::string::npos ||
        !(bgp::ip_address::parse(s->substr(0, slash)) == p->addr)) {
      error(n, path, "not a CIDR (address/length with no host bits): '" + *s + "'");
      return std::nullopt;
    }
    return p;
  }

  template <class F>
  void list(const YAML::Node& n, const std::string& path, F&& each) {
    if (!n.IsSequence()) {
      error(n, path, "must be a list");
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      each(n[i], index(path, i));
    }
  }

  // A Kubernetes LabelSelector {matchLabels, matchExpressions}; nullopt after an error.
  std::optional<engine::label_selector> selector(const YAML::Node& n, const std::string& path) {
    const auto before = errors_.size();
    engine::label_selector out;
    if (!map(n, path, {"matchLabels", "matchExpressions"})) {
      return std::nullopt;
    }
    if (n["matchLabels"]) {
      out.match_labels = labels(n["matchLabels"], join(path, "matchLabels"));
    }
    if (n["matchExpressions"]) {
      list(n["matchExpressions"], join(path, "matchExpressions"),
           [&](const YAML::Node& e, const std::string& ep) {
             if (auto r = requirement(e, ep)) {
               out.match_expressions.push_back(std::move(*r));
             }
           });
    }
    return errors_.size() == before ? std::optional(std::move(out)) : std::nullopt;
  }

  std::map<std::string, std::string> labels(const YAML::Node& n, const std::string& path) {
    std::map<std::string, std::string> out;
    if (!n.IsMap()) {
      error(n, path, "must be a mapping of label: value");
      return out;
    }
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>("");
      if (auto v = str(kv.second, join(path, key))) {
        out[key] = *v;
      }
    }
    return out;
  }

  template <class E>
  std::optional<E> choice(const YAML::Node& n, const std::string& path,
                          std::initializer_list<std::pair<std::string_view, E>> options) {
    auto s = str(n, path);
    if (!s) {
      return std::nullopt;
    }
    std::string names;
    for (const auto& [name, value] : options) {
      if (*s == name) {
        return value;
      }
      names += (names.empty() ? "" : " | ") + std::string(name);
    }
    error(n, path, "must be one of " + names + ", not '" + *s + "'");
    return std::nullopt;
  }

 private:
  std::optional<engine::label_requirement> requirement(const YAML::Node& e,
                                                       const std::string& path) {
    using op = engine::label_requirement::op;
    static const std::map<std::string, op, std::less<>> ops{{"In", op::in},
                                                            {"NotIn", op::not_in},
                                                            {"Exists", op::exists},
                                                            {"DoesNotExist", op::does_not_exist}};
    if (!map(e, path, {"key", "operator", "values"})) {
      return std::nullopt;
    }
    engine::label_requirement r;
    const auto key = e["key"] ? str(e["key"], join(path, "key")) : std::nullopt;
    if (!e["key"]) {
      error(e, join(path, "key"), "missing");
    }
    const auto o = e["operator"] ? str(e["operator"], join(path, "operator")) : std::nullopt;
    if (!e["operator"]) {
      error(e, join(path, "operator"), "missing");
    }
    if (!key || !o) {
      return std::nullopt;
    }
    const auto it = ops.find(*o);
    if (it == ops.end()) {
      error(e["operator"], join(path, "operator"),
            "must be In, NotIn, Exists or DoesNotExist, not '" + *o + "'");
      return std::nullopt;
    }
    r.key = *key;
    r.operation = it->second;
    if (e["values"]) {
      list(e["values"], join(path, "values"), [&](const YAML::Node& v, const std::string& vp) {
        if (auto x = str(v, vp)) {
          r.values.push_back(*x);
        }
      });
    }
    const bool set = r.operation == op::in || r.operation == op::not_in;
    if (set && r.values.empty()) {
      error(e, join(path, "values"), "must list at least one value for " + *o);
      return std::nullopt;
    }
    if (!set && !r.values.empty()) {
      error(e["values"], join(path, "values"), "must be empty for " + *o);
      return std::nullopt;
    }
    return r;
  }

  // `${NAME}` -> the environment variable; unset is an error naming it.
  std::optional<std::string> expand(const YAML::Node& n, const std::string& path,
                                    const std::string& s) {
    std::string out;
    std::size_t pos = 0;
    while (pos < s.size()) {
      const auto start = s.find("${", pos);
      if (start == std::string::npos) {
        out.append(s, pos);
        break;
      }
      const auto end = s.find('}', start);
      if (end == std::string::npos) {
        error(n, path, "unterminated ${ in '" + s + "'");
        return std::nullopt;
      }
      out.append(s, pos, start - pos);
      const std::string name = s.substr(start + 2, end - start - 2);
      auto value = env_.getenv ? env_.getenv(name) : std::nullopt;
      if (!value) {
        error(n, path, "environment variable " + name + " is not set");
        return std::nullopt;
      }
      out += *value;
      pos = end + 1;
    }
    return out;
  }

  std::vector<config_error>& errors_;
  const environment& env_;
};

// A value read by its declaration (schema.h); which member holds it depends on the type.
struct value {
  std::string text;  // string, choice, ip_or_auto
  std::uint64_t number = 0;
  bool flag = false;
  std::optional<bgp::ip_address> ip;
  std::vector<std::string> items;  // choices
  engine::label_selector selector;
  std::vector<bgp::prefix> cidrs;
  std::vector<std::uint32_t> communities;
  std::vector<bgp::large_community> large_communities;
};

std::optional<value> read(walker& w, const YAML::Node& n, const std::string& path,
                          const schema::setting& s);

// What a setting's value does to the config being built, by key path ("bfd.min_rx_ms").
using applier = std::function<void(const value&, const YAML::Node&, const std::string&)>;

template <class T>
applier set_number(T& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) {
    field = static_cast<T>(v.number);
  };
}
template <class T>
applier set_number(std::optional<T>& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) {
    field = static_cast<T>(v.number);
  };
}
inline applier set_seconds(std::chrono::seconds& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) {
    field = std::chrono::seconds(v.number);
  };
}
inline applier set_flag(bool& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.flag; };
}
inline applier set_text(std::string& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.text; };
}
inline applier set_ip(std::optional<bgp::ip_address>& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.ip; };
}
inline applier set_selector(engine::label_selector& field) {
  return [&field](const value& v, const YAML::Node&, const std::string&) { field = v.selector; };
}
// A choice's text -> its enum value; the declaration has already refused anything else.
template <class E>
applier set_choice(E& field, std::vector<std::pair<std::string_view, E>> options) {
  return [&field, options = std::move(options)](const value& v, const YAML::Node&,
                                                const std::string&) {
    for (const auto& [name, e] : options) {
      if (v.text == name) {
        field = e;
      }
    }
  };
}

// How keys are spelled in the tree: the file's snake_case, or a CRD's (schema::crd_name), where
// a `labels` setting is a LabelSelector and the settings of the other source are unknown keys.
enum class naming { file, crd };

// Reads the mapping `n` by `decl`: unknown keys and missing required ones are errors, each value
// is checked by its declaration, and absent ones with a default get it; `apply` then gets every
// value, in declaration order (a rule between two settings sees the first one applied).
void read_settings(walker& w, const YAML::Node& n, const std::string& path,
                   const std::vector<schema::setting>& decl,
                   const std::map<std::string, applier>& apply, naming how = naming::file,
                   const std::string& prefix = "");

}  // namespace svcbgp::config::reader
