#include "src/config/resources.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "src/config/build.h"
#include "src/config/reader.h"
#include "src/config/schema.h"

namespace svcbgp::config {
namespace {

using reader::naming;
using reader::walker;

// A CRD's spec settings without its nodeSelector, which picks nodes and is not a setting.
std::vector<schema::setting> settings_of(const schema::crd& c) {
  std::vector<schema::setting> out;
  for (const auto& s : *c.spec) {
    if (s.key != "node_selector") {
      out.push_back(s);
    }
  }
  return out;
}

struct parsed {
  const resource_object* object = nullptr;
  YAML::Node spec;                  // without nodeSelector
  engine::label_selector selector;  // its nodeSelector
};

std::string where(std::string_view kind, const resource_object& o) {
  return std::string(kind) + " " + o.name + ": spec";
}

// Parses one object's spec and its nodeSelector; nullopt (with the error) when either is broken.
std::optional<parsed> parse_object(walker& w, std::string_view kind, const resource_object& o) {
  YAML::Node spec;
  try {
    spec = YAML::Load(o.spec);
  } catch (const YAML::ParserException& e) {
    w.error(YAML::Node(), where(kind, o), "not valid JSON or YAML: " + e.msg);
    return std::nullopt;
  }
  if (!spec.IsMap()) {
    w.error(spec, where(kind, o), "must be a mapping");
    return std::nullopt;
  }
  parsed p{&o, YAML::Node(YAML::NodeType::Map), {}};
  for (const auto& kv : spec) {
    const auto key = kv.first.as<std::string>("");
    if (key != "nodeSelector") {
      p.spec[key] = kv.second;
      continue;
    }
    auto sel = w.selector(kv.second, where(kind, o) + ".nodeSelector");
    if (!sel) {
      return std::nullopt;
    }
    p.selector = std::move(*sel);
  }
  return p;
}

std::string text(const YAML::Node& n) {
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

// Merges `from` (object `name`, specificity `rank`) into `into`, field by field. Lists are leaves
// (the more specific object's list wins) unless `join_lists`, where they are joined. `origin`
// records, per field, which object set it and how specific it was.
struct origin {
  int rank;
  std::string name;
};
void merge(walker& w, YAML::Node into, const YAML::Node& from, const std::string& path,
           std::string_view kind, const std::string& name, int rank, bool join_lists,
           std::map<std::string, origin>& origins) {
  for (const auto& kv : from) {
    const auto key = kv.first.as<std::string>("");
    const auto field = path.empty() ? key : path + "." + key;
    const YAML::Node v = kv.second;
    YAML::Node have = into[key];
    if (v.IsMap() && (!have || have.IsMap())) {
      if (!have) {
        into[key] = YAML::Node(YAML::NodeType::Map);
      }
      merge(w, into[key], v, field, kind, name, rank, join_lists, origins);
      continue;
    }
    if (v.IsSequence() && join_lists && have && have.IsSequence()) {
      for (const auto& item : v) {
        const auto t = text(item);
        bool seen = false;
        for (const auto& h : have) {
          seen = seen || text(h) == t;
        }
        if (!seen) {
          have.push_back(item);
        }
      }
      continue;
    }
    auto it = origins.find(field);
    if (it != origins.end() && it->second.rank == rank && text(have) != text(v)) {
      const auto message = [&](const std::string& other, const YAML::Node& mine,
                               const YAML::Node& theirs) {
        return text(mine) + " here and " + text(theirs) + " in " + std::string(kind) + " " + other +
               (join_lists ? "; one value per node"
                           : ", whose nodeSelector is as specific: make one of them more "
                             "specific");
      };
      w.error(v, std::string(kind) + " " + name + ": spec." + field,
              message(it->second.name, v, have));
      w.error(v, std::string(kind) + " " + it->second.name + ": spec." + field,
              message(name, have, v));
      continue;
    }
    if (it == origins.end() || it->second.rank <= rank) {
      into[key] = v;
      origins[field] = {rank, name};
    }
  }
}

// Racks often reach their ToRs at the same address (an anycast gateway, 169.254.0.1 on unnumbered
// links): BGPPeers that share an address are fine while their nodeSelectors pick this node for at
// most one of them. That one stays (or, when none picks it, the first listed, held like any peer
// this node is not selected for); two that both pick it are left for check() to refuse.
void keep_one_peer_per_address(std::vector<peer>& peers, std::vector<std::string>& names,
                               const std::map<std::string, std::string>& node_labels) {
  std::vector<bool> drop(peers.size(), false);
  for (std::size_t i = 0; i < peers.size(); ++i) {
    std::vector<std::size_t> same;
    for (std::size_t j = i; j < peers.size(); ++j) {
      if (!drop[j] && peers[j].bgp.address == peers[i].bgp.address) {
        same.push_back(j);
      }
    }
    std::vector<std::size_t> selected;
    for (auto j : same) {
      if (engine::labels_match(peers[j].node_selector, node_labels)) {
        selected.push_back(j);
      }
    }
    if (same.size() < 2 || selected.size() > 1) {
      continue;
    }
    const auto keep = selected.empty() ? same.front() : selected.front();
    for (auto j : same) {
      drop[j] = j != keep;
    }
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (drop[i]) {
      continue;
    }
    if (out != i) {
      peers[out] = std::move(peers[i]);
      names[out] = std::move(names[i]);
    }
    ++out;
  }
  peers.resize(out);
  names.resize(out);
}

}  // namespace

std::expected<daemon_config, std::vector<config_error>> from_resources(
    const daemon_config& local, const std::map<std::string, std::string>& node_labels,
    const cluster_resources& r, const environment& env) {
  std::vector<config_error> errors;
  walker w(errors, env);
  const auto fail = [&] {
    for (auto& e : errors) {
      e.line = 0;  // JSON from the API server has no lines worth naming
    }
    return std::unexpected(std::move(errors));
  };
  daemon_config c = local;
  c.peers.clear();
  c.node_selector = {};
  c.local_asn = 0;
  c.warnings.clear();
  auto apply = build::root_appliers(w, c, env);
  const auto node_decl = settings_of(schema::bgp_node_config_crd());
  const auto adv_decl = settings_of(schema::bgp_advertisement_crd());

  // Each object checked on its own first, so that an error names it.
  const auto checked = [&](std::string_view kind, const std::vector<resource_object>& objects,
                           const std::vector<schema::setting>& decl, const std::string& prefix) {
    std::vector<parsed> out;
    for (const auto& o : objects) {
      auto p = parse_object(w, kind, o);
      if (!p) {
        continue;
      }
      daemon_config scratch;
      reader::read_settings(w, p->spec, where(kind, o), decl, build::root_appliers(w, scratch, env),
                            naming::crd, prefix);
      if (engine::labels_match(p->selector, node_labels)) {
        out.push_back(std::move(*p));
      }
    }
    return out;
  };
  auto node_configs = checked("BGPNodeConfig", r.node_configs, node_decl, "");
  const auto advertisements = checked("BGPAdvertisement", r.advertisements, adv_decl, "advertise.");
  if (!errors.empty()) {
    return fail();
  }

  std::stable_sort(node_configs.begin(), node_configs.end(), [](const parsed& a, const parsed& b) {
    return a.selector.size() < b.selector.size();
  });
  YAML::Node node(YAML::NodeType::Map);
  std::map<std::string, origin> origins;
  for (const auto& p : node_configs) {
    merge(w, node, p.spec, "", "BGPNodeConfig", p.object->name, static_cast<int>(p.selector.size()),
          false, origins);
  }
  YAML::Node adv(YAML::NodeType::Map);
  origins.clear();
  for (const auto& p : advertisements) {
    merge(w, adv, p.spec, "", "BGPAdvertisement", p.object->name, 0, true, origins);
  }
  if (!errors.empty()) {
    return fail();
  }
  reader::read_settings(w, node, "BGPNodeConfig (merged): spec", node_decl, apply, naming::crd);
  reader::read_settings(w, adv, "BGPAdvertisement (merged): spec", adv_decl, apply, naming::crd,
                        "advertise.");
  if (c.local_asn == 0) {
    errors.push_back({"BGPNodeConfig", "none that selects node " + c.node_name +
                                           " sets localASN (one with an empty nodeSelector "
                                           "applies to every node)"});
  }

  std::vector<std::string> peer_names;
  for (const auto& o : r.peers) {
    auto p = parse_object(w, "BGPPeer", o);
    if (!p) {
      continue;
    }
    const auto before = c.peers.size();
    build::read_peer(w, p->spec, where("BGPPeer", o), env, naming::crd, &r.secrets, c.peers);
    if (c.peers.size() > before) {
      c.peers.back().bgp.name = o.name;
      c.peers.back().node_selector = p->selector;  // read once, by parse_object
      peer_names.push_back(o.name);
    }
  }
  keep_one_peer_per_address(c.peers, peer_names, node_labels);
  build::check(w, errors, YAML::Node(), c);
  // The rules between peers speak of peers[i]: name the objects instead.
  for (auto& e : errors) {
    for (std::size_t i = 0; i < peer_names.size(); ++i) {
      const auto index = "peers[" + std::to_string(i) + "]";
      const auto named = "BGPPeer " + peer_names[i];
      if (e.path.starts_with(index + ".")) {
        e.path = named + ": spec." + schema::camel(e.path.substr(index.size() + 1));
      }
      for (auto at = e.message.find(index); at != std::string::npos;
           at = e.message.find(index, at + named.size())) {
        e.message.replace(at, index.size(), named);
      }
    }
  }
  if (!errors.empty()) {
    return fail();
  }
  return c;
}

}  // namespace svcbgp::config
