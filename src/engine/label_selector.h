// Kubernetes label selectors (BGPPeer/BGPNodeConfig/BGPAdvertisement nodeSelector,
// peers[].node_selector).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace svcbgp::engine {

// A Kubernetes LabelSelector: every matchLabels pair and every expression must hold
// (k8s.io/apimachinery labels.Selector semantics). Empty: selects everything.
struct label_requirement {
  enum class op : std::uint8_t { in, not_in, exists, does_not_exist };
  std::string key;
  op operation = op::in;
  std::vector<std::string> values;  // In/NotIn: at least one; Exists/DoesNotExist: none
  friend bool operator==(const label_requirement&, const label_requirement&) = default;
};

struct label_selector {
  std::map<std::string, std::string> match_labels;
  std::vector<label_requirement> match_expressions;
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  // How specific it is: the number of requirements (most specific wins among BGPNodeConfigs).
  std::size_t size() const { return match_labels.size() + match_expressions.size(); }
  friend bool operator==(const label_selector&, const label_selector&) = default;
};

// kubectl's spelling: "rack=r1,zone in (a,b),!gpu".
inline std::string to_string(const label_selector& s) {
  std::string out;
  const auto add = [&out](const std::string& part) { out += (out.empty() ? "" : ",") + part; };
  for (const auto& [k, v] : s.match_labels) {
    add(k + "=" + v);
  }
  for (const auto& r : s.match_expressions) {
    using op = label_requirement::op;
    if (r.operation == op::exists || r.operation == op::does_not_exist) {
      add((r.operation == op::exists ? "" : "!") + r.key);
      continue;
    }
    std::string values;
    for (const auto& v : r.values) {
      values += (values.empty() ? "" : ",") + v;
    }
    add(r.key + (r.operation == op::in ? " in (" : " notin (") + values + ")");
  }
  return out;
}

inline bool labels_match(const label_selector& selector,
                         const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selector.match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) {
      return false;
    }
  }
  for (const auto& r : selector.match_expressions) {
    const auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const bool listed =
        has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    using op = label_requirement::op;
    const bool ok = r.operation == op::in       ? listed
                    : r.operation == op::not_in ? !listed
                    : r.operation == op::exists ? has
                                                : !has;
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace svcbgp::engine
