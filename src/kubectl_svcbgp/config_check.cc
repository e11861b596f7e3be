#include "src/kubectl_svcbgp/config_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "bgp/codec/text.h"
#include "k8s/client/connection_config.h"

namespace svcbgp::kubectl_svcbgp {
namespace {

namespace bj = boost::json;

const bj::object* object_at(const bj::object* o, std::string_view key) {
  if (o == nullptr) {
    return nullptr;
  }
  const auto* v = o->if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

std::string string_at(const bj::object* o, std::string_view key) {
  if (o == nullptr) {
    return {};
  }
  const auto* v = o->if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The items of a List of `kind`, each an object with metadata.name.
std::expected<std::vector<std::pair<std::string, const bj::object*>>, std::string> items_of(
    const bj::value& v, std::string_view list_kind) {
  const auto* o = v.if_object();
  if (o == nullptr || string_at(o, "kind") != list_kind) {
    return std::unexpected("the answer is not a " + std::string(list_kind));
  }
  std::vector<std::pair<std::string, const bj::object*>> out;
  const auto* items = o->if_contains("items");
  if (items == nullptr || items->is_null()) {
    return out;
  }
  if (!items->is_array()) {
    return std::unexpected(std::string(list_kind) + ": items is not a list");
  }
  for (std::size_t i = 0; i < items->get_array().size(); ++i) {
    const auto* item = items->get_array()[i].if_object();
    const auto name = string_at(object_at(item, "metadata"), "name");
    if (item == nullptr || name.empty()) {
      return std::unexpected(fmt::format("{}: items[{}] has no metadata.name", list_kind, i));
    }
    out.emplace_back(name, item);
  }
  return out;
}

}  // namespace

std::expected<std::vector<config::resource_object>, std::string> parse_resource_list(
    std::string_view json, std::string_view list_kind) {
  boost::system::error_code ec;
  const auto v = bj::parse(json, ec);
  if (ec) {
    return std::unexpected(std::string(list_kind) + ": not JSON: " + ec.message());
  }
  auto items = items_of(v, list_kind);
  if (!items) {
    return std::unexpected(items.error());
  }
  std::vector<config::resource_object> out;
  for (const auto& [name, item] : *items) {
    const auto* spec = item->if_contains("spec");
    out.push_back({name, spec != nullptr ? bj::serialize(*spec) : std::string("{}")});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::string continue_token(std::string_view json) {
  boost::system::error_code ec;
  const auto v = bj::parse(json, ec);
  return ec ? std::string() : string_at(object_at(v.if_object(), "metadata"), "continue");
}

std::expected<std::vector<node_labels>, std::string> parse_node_list(std::string_view json) {
  boost::system::error_code ec;
  const auto v = bj::parse(json, ec);
  if (ec) {
    return std::unexpected("NodeList: not JSON: " + ec.message());
  }
  auto items = items_of(v, "NodeList");
  if (!items) {
    return std::unexpected(items.error());
  }
  std::vector<node_labels> out;
  for (const auto& [name, item] : *items) {
    node_labels n{name, {}};
    if (const auto* labels = object_at(object_at(item, "metadata"), "labels")) {
      for (const auto& kv : *labels) {
        if (kv.value().is_string()) {
          n.labels.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
        }
      }
    }
    out.push_back(std::move(n));
  }
  return out;
}

std::set<std::string> referenced_secrets(const std::vector<config::resource_object>& peers) {
  std::set<std::string> out;
  for (const auto& p : peers) {
    boost::system::error_code ec;
    const auto v = bj::parse(p.spec, ec);
    if (!ec) {
      if (auto name = string_at(object_at(v.if_object(), "passwordSecretRef"), "name");
          !name.empty()) {
        out.insert(std::move(name));
      }
    }
  }
  return out;
}

std::expected<std::map<std::string, std::string>, std::string> parse_secret(std::string_view json) {
  boost::system::error_code ec;
  const auto v = bj::parse(json, ec);
  if (ec || !v.is_object()) {
    return std::unexpected("Secret: not a JSON object");
  }
  std::map<std::string, std::string> out;
  if (const auto* data = object_at(&v.get_object(), "data")) {
    for (const auto& kv : *data) {
      if (!kv.value().is_string()) {
        continue;
      }
      auto d = k8s::client::base64_decode(kv.value().get_string());
      if (!d) {
        return std::unexpected("Secret: data." + std::string(kv.key()) + ": " + d.error());
      }
      out.emplace(std::string(kv.key()), std::move(*d));
    }
  }
  return out;
}

std::vector<node_result> check(const check_input& in, const std::vector<node_labels>& nodes) {
  const auto env = config::environment::none();
  config::cluster_resources r{
      in.node_configs, in.advertisements, in.peers,
      [&in](const std::string& secret, const std::string& key) -> std::optional<std::string> {
        if (in.unreadable_secrets.contains(secret)) {
          return "unreadable";  // not checked here; said below the table
        }
        auto s = in.secrets.find(secret);
        if (s == in.secrets.end()) {
          return std::nullopt;
        }
        auto k = s->second.find(key);
        return k == s->second.end() ? std::nullopt : std::optional(k->second);
      }};
  std::vector<node_result> out;
  for (const auto& n : nodes) {
    node_result res{n.name, 0, {}, {}};
    auto local = config::parse("node_name: '" + n.name + "'\nlocal_asn: 1\n", env);
    if (!local) {
      res.errors.push_back("node name " + n.name + ": " + local.error().front().to_string());
      out.push_back(std::move(res));
      continue;
    }
    auto c = config::from_resources(*local, n.labels, r, env);
    if (!c) {
      for (const auto& e : c.error()) {
        res.errors.push_back(e.to_string());
      }
    } else {
      res.local_asn = c->local_asn;
      for (const auto& p : c->peers) {
        if (engine::labels_match(p.node_selector, n.labels)) {
          res.peers.push_back(p.bgp.name);
        }
      }
    }
    out.push_back(std::move(res));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.node < b.node; });
  return out;
}

std::string render_check(const std::vector<node_result>& results,
                         const std::set<std::string>& unreadable_secrets) {
  std::size_t width = 4;
  for (const auto& r : results) {
    width = std::max(width, r.node.size());
  }
  std::string out =
      fmt::format("{:<{}}  {:<10}  {:<6}  {}\n", "NODE", width, "LOCAL AS", "RESULT", "PEERS");
  for (const auto& r : results) {
    std::string peers;
    for (const auto& p : r.peers) {
      peers += (peers.empty() ? "" : ",") + p;
    }
    out += fmt::format("{:<{}}  {:<10}  {:<6}  {}\n", bgp::printable(r.node), width,
                       r.errors.empty() ? std::to_string(r.local_asn) : std::string("-"),
                       r.errors.empty() ? "ok" : "error", peers.empty() ? "-" : peers);
  }
  for (const auto& r : results) {
    for (const auto& e : r.errors) {
      out += bgp::printable(r.node) + ": " + bgp::printable(e) + "\n";
    }
  }
  for (const auto& s : unreadable_secrets) {
    out += "Secret " + bgp::printable(s) +
           " is not readable with these credentials: the passwords from it were not checked\n";
  }
  return out;
}

std::string check_json(const std::vector<node_result>& results) {
  bj::array arr;
  for (const auto& r : results) {
    bj::array peers, errors;
    for (const auto& p : r.peers) {
      peers.emplace_back(p);
    }
    for (const auto& e : r.errors) {
      errors.emplace_back(e);
    }
    bj::object o;
    o["node"] = r.node;
    o["ok"] = r.errors.empty();
    if (r.errors.empty()) {
      o["localASN"] = r.local_asn;
    }
    o["peers"] = std::move(peers);
    o["errors"] = std::move(errors);
    arr.emplace_back(std::move(o));
  }
  return bj::serialize(arr) + "\n";
}

}  // namespace svcbgp::kubectl_svcbgp
