// Files are split into documents at `---` lines ourselves (rather than YAML::LoadAll) so that a
// syntax error loses one document, not the file. Each YAML document is converted to a
// boost::json::value and read by the *_from_json functions.
#include "k8s/model/manifest.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <span>

#include "k8s/model/json.h"

namespace svcbgp::k8s {
namespace {

namespace bj = boost::json;

constexpr int max_depth = 256;
const std::string yaml_str_tag = "tag:yaml.org,2002:str";

// Where an object was defined, for duplicate reports.
struct origin {
  std::string file;
  int line = 0;
};

// YAML 1.2 core-schema resolution of a plain (unquoted) scalar. The model reads only strings and
// booleans, so floats and other forms stay strings; ints become int64 so that a number where the
// API wants a string fails here as it does with kubectl.
bj::value resolve_plain(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") {
    return bj::value(true);
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return bj::value(false);
  }
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return bj::value(nullptr);
  }
  std::string_view digits = s;
  if (digits.front() == '+') {
    digits.remove_prefix(1);
  }
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec == std::errc() && end == digits.data() + digits.size()) {
    return bj::value(n);
  }
  return bj::value(s);
}

// YAML -> JSON with a node budget: aliases can make a small file expand without bound ("billion
// laughs"), while a file without them has fewer nodes than bytes.
class yaml_converter {
 public:
  explicit yaml_converter(std::size_t budget) : budget_(budget) {}

  std::optional<bj::value> convert(const YAML::Node& n, int depth = 0) {
    if (budget_ == 0) {
      fail(n, "too many nodes (aliases expand beyond the file's size)");
      return std::nullopt;
    }
    --budget_;
    if (depth > max_depth) {
      fail(n, "nested too deeply");
      return std::nullopt;
    }
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return bj::value(nullptr);
      case YAML::NodeType::Scalar:
        // "?" marks a plain scalar; "!" a quoted one, which is always a string.
        if (n.Tag() == "?") {
          return resolve_plain(n.Scalar());
        }
        if (n.Tag() == "!" || n.Tag() == yaml_str_tag) {
          return bj::value(n.Scalar());
        }
        return resolve_plain(n.Scalar());
      case YAML::NodeType::Sequence: {
        bj::array a;
        a.reserve(n.size());
        for (const auto& item : n) {
          auto v = convert(item, depth + 1);
          if (!v) {
            return std::nullopt;
          }
          a.push_back(std::move(*v));
        }
        return bj::value(std::move(a));
      }
      case YAML::NodeType::Map: {
        bj::object o;
        o.reserve(n.size());
        for (auto it = n.begin(); it != n.end(); ++it) {
          if (!it->first.IsScalar()) {
            fail(it->first, "a mapping key must be a scalar");
            return std::nullopt;
          }
          auto v = convert(it->second, depth + 1);
          if (!v) {
            return std::nullopt;
          }
          o.insert_or_assign(it->first.Scalar(), std::move(*v));
        }
        return bj::value(std::move(o));
      }
    }
    return bj::value(nullptr);
  }

  std::size_t remaining() const { return budget_; }
  const std::string& error() const { return error_; }
  int error_line() const { return error_line_; }

 private:
  void fail(const YAML::Node& n, std::string message) {
    error_ = std::move(message);
    error_line_ = n.Mark().is_null() ? 0 : n.Mark().line;
  }

  std::size_t budget_;
  std::string error_;
  int error_line_ = 0;
};

std::string_view string_field(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return {};
  }
  return std::string_view(v->get_string().data(), v->get_string().size());
}

// "Service default/web" as far as the object says.
std::string describe(std::string_view kind, const bj::value& v) {
  std::string out(kind);
  const bj::object* o = v.if_object();
  const bj::value* m = o == nullptr ? nullptr : o->if_contains("metadata");
  if (m != nullptr && m->is_object()) {
    std::string_view ns = string_field(m->get_object(), "namespace");
    std::string_view name = string_field(m->get_object(), "name");
    if (!name.empty()) {
      out += ' ';
      if (!ns.empty()) {
        out += ns;
        out += '/';
      }
      out += name;
    }
  }
  return out;
}

// Collects objects from any number of files, reporting duplicates; the first definition wins.
class collector {
 public:
  // One document: an object or a List. item_lines gives each List item's line when known.
  void add_document(std::string_view file, int line, const bj::value& v,
                    std::span<const int> item_lines) {
    if (v.is_null()) {
      return;  // an empty document (comments only, or a trailing `---`)
    }
    const bj::object* o = v.if_object();
    if (o == nullptr) {
      error(file, line, "expected an object, not a list or scalar");
      return;
    }
    std::string_view kind = string_field(*o, "kind");
    std::string_view item_kind;
    if (kind == "List") {
      item_kind = {};
    } else if (kind == "ServiceList") {
      item_kind = "Service";
    } else if (kind == "EndpointSliceList") {
      item_kind = "EndpointSlice";
    } else if (kind == "NodeList") {
      item_kind = "Node";
    } else {
      add_object(file, line, v, {});
      return;
    }
    const bj::value* items = o->if_contains("items");
    if (items == nullptr || items->is_null()) {
      return;
    }
    if (!items->is_array()) {
      error(file, line, std::string(kind) + ": items: expected an array");
      return;
    }
    const bj::array& a = items->get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      add_object(file, i < item_lines.size() ? item_lines[i] : line, a[i], item_kind);
    }
  }

  void error(std::string_view file, int line, std::string message) {
    out_.errors.push_back(manifest_error{std::string(file), line, std::move(message)});
  }

  manifest_objects take() { return std::move(out_); }

 private:
  // implied_kind: the element kind of a typed List, whose items may omit `kind`.
  void add_object(std::string_view file, int line, const bj::value& v,
                  std::string_view implied_kind) {
    const bj::object* o = v.if_object();
    if (o == nullptr) {
      error(file, line, "expected an object");
      return;
    }
    std::string_view kind = string_field(*o, "kind");
    if (kind.empty()) {
      kind = implied_kind;
    }
    if (kind.empty()) {
      error(file, line, "an object without kind");
      return;
    }
    // A kind of ours in another API group (a Knative "Service") is someone else's object.
    std::string_view api_version = string_field(*o, "apiVersion");
    if (kind == "Service") {
      if (api_version.empty() || api_version == "v1") {
        keep(file, line, v, kind, service_from_json(v), out_.services, services_seen_, true);
      }
    } else if (kind == "EndpointSlice") {
      if (api_version.empty() || api_version == "discovery.k8s.io/v1") {
        keep(file, line, v, kind, endpoint_slice_from_json(v), out_.slices, slices_seen_, true);
      }
    } else if (kind == "Node") {
      if (api_version.empty() || api_version == "v1") {
        keep(file, line, v, kind, node_from_json(v), out_.nodes, nodes_seen_, false);
      }
    }
  }

  template <typename T>
  void keep(std::string_view file, int line, const bj::value& v, std::string_view kind,
            std::expected<T, parse_error> parsed, std::vector<T>& out,
            std::map<object_key, origin>& seen, bool namespaced) {
    if (!parsed) {
      error(file, line, describe(kind, v) + ": " + parsed.error().to_string());
      return;
    }
    if (namespaced && parsed->meta.key.ns.empty()) {
      parsed->meta.key.ns = "default";
    }
    auto [it, inserted] = seen.try_emplace(parsed->meta.key, origin{std::string(file), line});
    if (!inserted) {
      error(file, line,
            "duplicate " + std::string(kind) + " " + parsed->meta.key.to_string() +
                ", first defined at " + it->second.file + ":" + std::to_string(it->second.line));
      return;
    }
    out.push_back(std::move(*parsed));
  }

  manifest_objects out_;
  std::map<object_key, origin> services_seen_;
  std::map<object_key, origin> slices_seen_;
  std::map<object_key, origin> nodes_seen_;
};

struct document {
  std::string_view text;
  int first_line = 0;  // 0-based line of the document's first line in the file
};

bool is_separator(std::string_view line) {
  if (!line.starts_with("---")) {
    return false;
  }
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' ||
         line[3] == '\n';
}

// Splits at `---` lines (column 0, which YAML reserves for document markers); each document but
// the first starts with its marker line, which yaml-cpp accepts.
std::vector<document> split_documents(std::string_view text) {
  std::vector<document> docs;
  std::size_t start = 0;
  int start_line = 0;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    if (pos != 0 && is_separator(text.substr(pos, next - pos))) {
      docs.push_back(document{text.substr(start, pos - start), start_line});
      start = pos;
      start_line = line_no;
    }
    pos = next;
    ++line_no;
  }
  docs.push_back(document{text.substr(start), start_line});
  return docs;
}

void parse_yaml_document(collector& c, std::string_view file, const document& doc,
                         std::size_t& budget) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(doc.text));
  } catch (const YAML::Exception& e) {
    int line = doc.first_line + (e.mark.is_null() ? 0 : e.mark.line) + 1;
    c.error(file, line, "YAML: " + e.msg);
    return;
  }
  // Lines are where the object's first key is; Mark() is 0-based within the document.
  auto line_of = [&](const YAML::Node& n) {
    return doc.first_line + (n.Mark().is_null() ? 0 : n.Mark().line) + 1;
  };
  std::vector<int> item_lines;
  if (root.IsMap()) {
    const YAML::Node items = root["items"];
    if (items && items.IsSequence()) {
      item_lines.reserve(items.size());
      for (const auto& item : items) {
        item_lines.push_back(line_of(item));
      }
    }
  }
  yaml_converter conv(budget);
  std::optional<bj::value> v;
  try {
    v = conv.convert(root);
    budget = conv.remaining();  // shared by the file's documents
  } catch (const YAML::Exception& e) {
    c.error(file, line_of(root), "YAML: " + e.msg);
    return;
  }
  if (!v) {
    c.error(file, doc.first_line + conv.error_line() + 1, "YAML: " + conv.error());
    return;
  }
  c.add_document(file, line_of(root), *v, item_lines);
}

void parse_into(collector& c, std::string_view text, std::string_view file) {
  // JSON is YAML too, but Boost.JSON reads it faster and exactly; a JSON syntax error falls
  // through to the YAML reader, which reports it with a line.
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    if (!ec) {
      int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + first, '\n'));
      c.add_document(file, line, v, {});
      return;
    }
  }
  std::size_t budget = text.size() + 64;
  for (const document& doc : split_documents(text)) {
    parse_yaml_document(c, file, doc, budget);
  }
}

}  // namespace

manifest_objects parse_manifests(std::string_view text, std::string_view file_name) {
  collector c;
  parse_into(c, text, file_name);
  return c.take();
}

manifest_objects parse_directory_files(
    const std::vector<std::pair<std::string, std::string>>& files) {
  collector c;
  for (const auto& [file, text] : files) {
    parse_into(c, text, file);
  }
  return c.take();
}

}  // namespace svcbgp::k8s
