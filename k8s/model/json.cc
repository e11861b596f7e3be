// Reading walks the boost::json tree once, looking fields up by key and checking each value's
// kind before use, so nothing throws. Paths for errors and warnings are built only when one occurs:
// `path` is a chain of stack frames naming the field being read.
#include "k8s/model/json.h"

#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace svcbgp::k8s {
namespace {

namespace bj = boost::json;

constexpr std::size_t no_index = static_cast<std::size_t>(-1);
constexpr std::string_view annotation_prefix = "svcbgp.io/";
constexpr std::string_view service_name_label = "kubernetes.io/service-name";

struct path {
  const path* parent = nullptr;
  std::string_view key;
  std::size_t index = no_index;

  path field(std::string_view k) const { return path{this, k, no_index}; }
  path at(std::size_t i) const { return path{this, {}, i}; }

  void append_to(std::string& out) const {
    if (parent != nullptr) {
      parent->append_to(out);
    }
    if (index != no_index) {
      out += '[';
      out += std::to_string(index);
      out += ']';
    } else if (!key.empty()) {
      if (!out.empty()) {
        out += '.';
      }
      out += key;
    }
  }
  std::string str() const {
    std::string out;
    append_to(out);
    return out;
  }
};

// The value of `key`, or nullptr when it is absent or JSON null (the API's "unset").
const bj::value* get(const bj::object& o, std::string_view key) {
  const bj::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

// Typed access that records the first wrong-kind value as the parse error and returns "absent"
// for it, so a reader keeps going and the caller checks `failed()` once at the end.
class reader {
 public:
  explicit reader(std::vector<std::string>* warnings) : warnings_(warnings) {}

  const bj::object* object(const bj::value* v, const path& p) {
    if (v == nullptr) {
      return nullptr;
    }
    if (const bj::object* o = v->if_object()) {
      return o;
    }
    fail(p, "expected an object");
    return nullptr;
  }
  const bj::array* array(const bj::value* v, const path& p) {
    if (v == nullptr) {
      return nullptr;
    }
    if (const bj::array* a = v->if_array()) {
      return a;
    }
    fail(p, "expected an array");
    return nullptr;
  }
  std::optional<std::string_view> string(const bj::value* v, const path& p) {
    if (v == nullptr) {
      return std::nullopt;
    }
    if (const bj::string* s = v->if_string()) {
      return std::string_view(s->data(), s->size());
    }
    fail(p, "expected a string");
    return std::nullopt;
  }
  std::optional<bool> boolean(const bj::value* v, const path& p) {
    if (v == nullptr) {
      return std::nullopt;
    }
    if (const bool* b = v->if_bool()) {
      return *b;
    }
    fail(p, "expected a boolean");
    return std::nullopt;
  }

  // An IP where the model needs one; anything else is a warning and skipped.
  std::optional<ip_addr> ip(const bj::value* v, const path& p) {
    std::optional<std::string_view> text = string(v, p);
    if (!text) {
      return std::nullopt;
    }
    std::optional<ip_addr> a = ip_addr::parse(*text);
    if (!a) {
      warn(p, "not an IP: " + quoted(*text));
    }
    return a;
  }
  // Every entry of an array of IP strings.
  void ips(const bj::value* v, const path& p, std::vector<ip_addr>& out) {
    const bj::array* a = array(v, p);
    if (a == nullptr) {
      return;
    }
    out.reserve(out.size() + a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (auto ip_value = ip(&(*a)[i], p.at(i))) {
        out.push_back(*ip_value);
      }
    }
  }

  void fail(const path& p, std::string_view message) {
    if (!error_) {
      error_ = parse_error{p.str(), std::string(message)};
    }
  }
  void warn(const path& p, std::string_view message) {
    std::string w = p.str();
    w += ": ";
    w += message;
    warnings_->push_back(std::move(w));
  }
  bool failed() const { return error_.has_value(); }
  parse_error take_error() { return std::move(*error_); }

 private:
  std::vector<std::string>* warnings_;
  std::optional<parse_error> error_;
};

// The top-level object and its metadata, common to every kind. Returns metadata (for labels and
// annotations) or nullptr after recording an error.
const bj::object* read_meta(reader& r, const bj::value& v, std::string_view kind, bool namespaced,
                            const bj::object*& top, object_meta& meta) {
  const path root;
  top = v.if_object();
  if (top == nullptr) {
    r.fail(root, "expected an object");
    return nullptr;
  }
  // LIST items carry no kind; when one is given it must be ours.
  if (auto k = r.string(get(*top, "kind"), root.field("kind")); k && *k != kind) {
    std::string message = "expected ";
    message += kind;
    message += ", got ";
    message += quoted(*k);
    r.fail(root.field("kind"), message);
    return nullptr;
  }
  const path p = root.field("metadata");
  const bj::value* mv = get(*top, "metadata");
  if (mv == nullptr) {
    r.fail(p, "missing");
    return nullptr;
  }
  const bj::object* m = r.object(mv, p);
  if (m == nullptr) {
    return nullptr;
  }
  auto name = r.string(get(*m, "name"), p.field("name"));
  if (!name || name->empty()) {
    r.fail(p.field("name"), "missing");
    return nullptr;
  }
  meta.key.name = *name;
  // Cluster-scoped objects keep an empty namespace whatever the text says, so keys agree.
  if (auto ns = r.string(get(*m, "namespace"), p.field("namespace")); ns && namespaced) {
    meta.key.ns = *ns;
  }
  if (auto rv = r.string(get(*m, "resourceVersion"), p.field("resourceVersion"))) {
    meta.resource_version = *rv;
  }
  meta.deleting = get(*m, "deletionTimestamp") != nullptr;
  return r.failed() ? nullptr : m;
}

traffic_policy read_policy(reader& r, const bj::object& spec, std::string_view key,
                           const path& spec_path) {
  const path p = spec_path.field(key);
  auto text = r.string(get(spec, key), p);
  if (!text || *text == "Cluster") {
    return traffic_policy::cluster;
  }
  if (*text == "Local") {
    return traffic_policy::local;
  }
  r.warn(p, "unknown traffic policy " + quoted(*text) + ", using Cluster");
  return traffic_policy::cluster;
}

service_type read_service_type(reader& r, const bj::object& spec, const path& spec_path) {
  const path p = spec_path.field("type");
  auto text = r.string(get(spec, "type"), p);
  if (!text || *text == "ClusterIP") {
    return service_type::cluster_ip;
  }
  if (*text == "LoadBalancer") {
    return service_type::load_balancer;
  }
  if (*text == "NodePort") {
    return service_type::node_port;
  }
  if (*text == "ExternalName") {
    return service_type::external_name;
  }
  r.warn(p, "unknown service type " + quoted(*text) + ", using ClusterIP");
  return service_type::cluster_ip;
}

void read_cluster_ips(reader& r, const bj::object& spec, const path& spec_path, service& s) {
  // clusterIPs is authoritative when set (its first entry equals clusterIP); older objects and
  // hand-written manifests may carry only clusterIP.
  const path list_path = spec_path.field("clusterIPs");
  const bj::array* list = r.array(get(spec, "clusterIPs"), list_path);
  auto take = [&](const bj::value* v, const path& p) {
    auto text = r.string(v, p);
    if (!text || text->empty()) {
      return;  // ExternalName services have no ClusterIP
    }
    // The API accepts only "None"; manifests written by hand (and Cilium's tests) say "none".
    if (*text == "None" || *text == "none" || *text == "NONE") {
      s.headless = true;
      return;
    }
    if (auto a = ip_addr::parse(*text)) {
      s.cluster_ips.push_back(*a);
    } else {
      r.warn(p, "not an IP: " + quoted(*text));
    }
  };
  if (list != nullptr && !list->empty()) {
    s.cluster_ips.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      take(&(*list)[i], list_path.at(i));
    }
  } else {
    take(get(spec, "clusterIP"), spec_path.field("clusterIP"));
  }
  if (s.headless) {
    s.cluster_ips.clear();
  }
}

void read_ingress(reader& r, const bj::object& top, service& s) {
  const path root;
  const path status_path = root.field("status");
  const bj::object* status = r.object(get(top, "status"), status_path);
  if (status == nullptr) {
    return;
  }
  const path lb_path = status_path.field("loadBalancer");
  const bj::object* lb = r.object(get(*status, "loadBalancer"), lb_path);
  if (lb == nullptr) {
    return;
  }
  const path list_path = lb_path.field("ingress");
  const bj::array* list = r.array(get(*lb, "ingress"), list_path);
  if (list == nullptr) {
    return;
  }
  s.ingress.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const path p = list_path.at(i);
    const bj::object* entry = r.object(&(*list)[i], p);
    if (entry == nullptr) {
      continue;
    }
    load_balancer_ingress& in = s.ingress.emplace_back();
    in.ip = r.ip(get(*entry, "ip"), p.field("ip"));
    const path mode_path = p.field("ipMode");
    if (auto mode = r.string(get(*entry, "ipMode"), mode_path)) {
      if (*mode == "Proxy") {
        in.proxy_mode = true;
      } else if (*mode != "VIP") {
        r.warn(mode_path, "unknown ipMode " + quoted(*mode) + ", using VIP");
      }
    }
  }
}

template <typename T>
std::expected<T, parse_error> finish(reader& r, T&& obj) {
  if (r.failed()) {
    return std::unexpected(r.take_error());
  }
  return std::move(obj);
}

}  // namespace

std::expected<service, parse_error> service_from_json(const boost::json::value& v) {
  service s;
  reader r(&s.warnings);
  const bj::object* top = nullptr;
  const bj::object* meta = read_meta(r, v, "Service", true, top, s.meta);
  if (meta == nullptr) {
    return std::unexpected(r.take_error());
  }
  const path root;
  const path meta_path = root.field("metadata");  // named: a path points at its parent
  const path ann_path = meta_path.field("annotations");
  if (const bj::object* ann = r.object(get(*meta, "annotations"), ann_path)) {
    for (const auto& kv : *ann) {
      std::string_view key(kv.key().data(), kv.key().size());
      if (!key.starts_with(annotation_prefix)) {
        continue;
      }
      if (auto value = r.string(&kv.value(), ann_path.field(key))) {
        s.annotations.emplace(std::string(key), std::string(*value));
      }
    }
  }
  const path spec_path = root.field("spec");
  if (const bj::object* spec = r.object(get(*top, "spec"), spec_path)) {
    s.type = read_service_type(r, *spec, spec_path);
    read_cluster_ips(r, *spec, spec_path, s);
    r.ips(get(*spec, "externalIPs"), spec_path.field("externalIPs"), s.external_ips);
    s.external_policy = read_policy(r, *spec, "externalTrafficPolicy", spec_path);
    s.internal_policy = read_policy(r, *spec, "internalTrafficPolicy", spec_path);
    if (auto cls =
            r.string(get(*spec, "loadBalancerClass"), spec_path.field("loadBalancerClass"))) {
      s.load_balancer_class.emplace(*cls);
    }
  }
  read_ingress(r, *top, s);
  return finish(r, std::move(s));
}

std::expected<endpoint_slice, parse_error> endpoint_slice_from_json(const boost::json::value& v) {
  endpoint_slice s;
  reader r(&s.warnings);
  const bj::object* top = nullptr;
  const bj::object* meta = read_meta(r, v, "EndpointSlice", true, top, s.meta);
  if (meta == nullptr) {
    return std::unexpected(r.take_error());
  }
  const path root;
  const path meta_path = root.field("metadata");  // named: a path points at its parent
  const path labels_path = meta_path.field("labels");
  if (const bj::object* labels = r.object(get(*meta, "labels"), labels_path)) {
    if (auto name =
            r.string(get(*labels, service_name_label), labels_path.field(service_name_label))) {
      s.service_name.emplace(*name);
    }
  }

  const path type_path = root.field("addressType");
  bool check_family = true;
  if (auto type = r.string(get(*top, "addressType"), type_path)) {
    if (*type == "IPv4") {
      s.type = address_type::ipv4;
    } else if (*type == "IPv6") {
      s.type = address_type::ipv6;
    } else if (*type == "FQDN") {
      s.type = address_type::fqdn;
    } else {
      // Keep the addresses that are IPs, of either family; the engine filters by family.
      r.warn(type_path, "unknown addressType " + quoted(*type));
      check_family = false;
    }
  }

  const path list_path = root.field("endpoints");
  const bj::array* list = r.array(get(*top, "endpoints"), list_path);
  if (list != nullptr) {
    s.endpoints.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      const path p = list_path.at(i);
      const bj::object* e = r.object(&(*list)[i], p);
      if (e == nullptr) {
        continue;
      }
      endpoint& ep = s.endpoints.emplace_back();
      const path addr_path = p.field("addresses");
      if (const bj::array* addrs = r.array(get(*e, "addresses"), addr_path)) {
        if (s.type == address_type::fqdn) {
          // Host names, which the engine ignores; only their kind is checked.
          for (std::size_t j = 0; j < addrs->size(); ++j) {
            r.string(&(*addrs)[j], addr_path.at(j));
          }
        } else {
          for (std::size_t j = 0; j < addrs->size(); ++j) {
            const path ap = addr_path.at(j);
            std::optional<ip_addr> a = r.ip(&(*addrs)[j], ap);
            if (!a) {
              continue;
            }
            if (check_family && a->v6 != (s.type == address_type::ipv6)) {
              r.warn(ap, std::string(a->v6 ? "IPv6" : "IPv4") + " address " +
                             quoted(a->to_string()) + " in a slice of another addressType");
              continue;
            }
            (a->v6 ? ep.has_ipv6 : ep.has_ipv4) = true;
          }
        }
      }
      if (auto node = r.string(get(*e, "nodeName"), p.field("nodeName"))) {
        ep.node_name = *node;
      }
      const path cond_path = p.field("conditions");
      if (const bj::object* c = r.object(get(*e, "conditions"), cond_path)) {
        // Absent ready/serving mean true ("nil means unknown, interpret as true").
        ep.ready = r.boolean(get(*c, "ready"), cond_path.field("ready")).value_or(true);
        ep.serving = r.boolean(get(*c, "serving"), cond_path.field("serving")).value_or(true);
        ep.terminating =
            r.boolean(get(*c, "terminating"), cond_path.field("terminating")).value_or(false);
      }
    }
  }
  return finish(r, std::move(s));
}

std::expected<node, parse_error> node_from_json(const boost::json::value& v) {
  node n;
  std::vector<std::string> warnings;  // a node has no warnings field; nothing in it warns
  reader r(&warnings);
  const bj::object* top = nullptr;
  const bj::object* meta = read_meta(r, v, "Node", false, top, n.meta);
  if (meta == nullptr) {
    return std::unexpected(r.take_error());
  }
  const path root;
  const path meta_path = root.field("metadata");  // named: a path points at its parent
  if (auto uid = r.string(get(*meta, "uid"), meta_path.field("uid"))) {
    n.uid = *uid;
  }
  const path labels_path = meta_path.field("labels");
  if (const bj::object* labels = r.object(get(*meta, "labels"), labels_path)) {
    for (const auto& kv : *labels) {
      std::string_view key(kv.key().data(), kv.key().size());
      if (auto value = r.string(&kv.value(), labels_path.field(key))) {
        n.labels.emplace(std::string(key), std::string(*value));
      }
    }
  }
  const path spec_path = root.field("spec");
  if (const bj::object* spec = r.object(get(*top, "spec"), spec_path)) {
    n.unschedulable =
        r.boolean(get(*spec, "unschedulable"), spec_path.field("unschedulable")).value_or(false);
    const path taints_path = spec_path.field("taints");
    if (const bj::array* taints = r.array(get(*spec, "taints"), taints_path)) {
      for (std::size_t i = 0; i < taints->size(); ++i) {
        const path p = taints_path.at(i);
        if (const bj::object* t = r.object(&(*taints)[i], p)) {
          if (auto key = r.string(get(*t, "key"), p.field("key"))) {
            n.taint_keys.emplace_back(*key);
          }
        }
      }
    }
  }
  const path status_path = root.field("status");
  if (const bj::object* status = r.object(get(*top, "status"), status_path)) {
    const path cond_path = status_path.field("conditions");
    if (const bj::array* conds = r.array(get(*status, "conditions"), cond_path)) {
      for (std::size_t i = 0; i < conds->size(); ++i) {
        const path p = cond_path.at(i);
        const bj::object* c = r.object(&(*conds)[i], p);
        if (c == nullptr) {
          continue;
        }
        auto type = r.string(get(*c, "type"), p.field("type"));
        auto status_value = r.string(get(*c, "status"), p.field("status"));
        if (type && *type == "NetworkUnavailable" && status_value && *status_value == "True") {
          n.network_unavailable = true;
        }
      }
    }
    const path addr_path = status_path.field("addresses");
    if (const bj::array* addrs = r.array(get(*status, "addresses"), addr_path)) {
      n.addresses.reserve(addrs->size());
      for (std::size_t i = 0; i < addrs->size(); ++i) {
        const path p = addr_path.at(i);
        const bj::object* a = r.object(&(*addrs)[i], p);
        if (a == nullptr) {
          continue;
        }
        auto type = r.string(get(*a, "type"), p.field("type"));
        auto address = r.string(get(*a, "address"), p.field("address"));
        n.addresses.push_back(
            node_address{std::string(type.value_or("")), std::string(address.value_or(""))});
      }
    }
  }
  return finish(r, std::move(n));
}

}  // namespace svcbgp::k8s
