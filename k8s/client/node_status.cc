#include "k8s/client/node_status.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <ctime>

namespace svcbgp::k8s::client {

namespace bj = boost::json;

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const std::vector<node_conditions::condition>& node_conditions::update(
    const node_report& r, std::chrono::system_clock::time_point now) {
  std::size_t down = 0;
  std::string first_down;
  for (const auto& s : r.sessions) {
    if (s.state != "Established" && s.state != "Held") {
      if (down++ == 0) {
        first_down = s.peer + " is " + s.state;
      }
    }
  }
  std::vector<condition> next = {
      {"ConfigValid", r.config_valid, r.config_valid ? "Loaded" : "Rejected",
       r.config_valid ? "" : r.config_error, now},
      {"Synced", r.synced, r.synced ? "TableSent" : "Syncing",
       r.synced ? "" : "waiting for the first list of every resource and the first table", now},
      {"AllSessionsEstablished", down == 0, down == 0 ? "Established" : "SessionsDown",
       down == 0 ? "" : std::to_string(down) + " down; " + first_down, now},
  };
  for (auto& c : next) {
    for (const auto& old : conditions_) {
      if (old.type == c.type && old.status == c.status) {
        c.since = old.since;
      }
    }
  }
  conditions_ = std::move(next);
  return conditions_;
}

std::string node_status_object(const std::string& node, const std::string& node_uid) {
  bj::object meta{{"name", node}};
  if (!node_uid.empty()) {
    meta["ownerReferences"] = bj::array{
        bj::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}, {"uid", node_uid}}};
  }
  return bj::serialize(bj::object{{"apiVersion", "svcbgp.io/v1alpha1"},
                                  {"kind", "BGPNodeStatus"},
                                  {"metadata", std::move(meta)}});
}

std::string node_status_patch(const node_report& r,
                              const std::vector<node_conditions::condition>& conditions,
                              const std::string& resource_version,
                              const std::optional<heartbeat>& beat) {
  bj::array sessions;
  for (const auto& s : r.sessions) {
    bj::object o{{"peer", s.peer},
                 {"peerAddress", s.address},
                 {"peerASN", s.peer_asn},
                 {"state", s.state},
                 {"since", rfc3339(s.since)},
                 {"prefixesSent", s.prefixes_sent},
                 {"prefixesReceived", s.prefixes_received}};
    if (!s.last_error.empty()) {
      o["lastError"] = s.last_error;
    }
    sessions.push_back(std::move(o));
  }
  bj::array conds;
  for (const auto& c : conditions) {
    conds.push_back(bj::object{{"type", c.type},
                               {"status", c.status ? "True" : "False"},
                               {"reason", c.reason},
                               {"message", c.message},
                               {"lastTransitionTime", rfc3339(c.since)}});
  }
  // No AS yet (kubernetes.config: crds, no valid config): the CRD allows 1.., so the field goes
  // (null in a merge patch removes it).
  bj::object status{{"localASN", r.local_asn == 0 ? bj::value(nullptr) : bj::value(r.local_asn)},
                    {"configGeneration", r.config_generation},
                    {"sessions", std::move(sessions)},
                    {"announced", bj::object{{"clusterIP", r.announced_cluster_ip},
                                             {"externalIP", r.announced_external_ip},
                                             {"loadBalancerIP", r.announced_load_balancer_ip}}},
                    {"conditions", std::move(conds)}};
  if (beat) {
    status["heartbeatTime"] = rfc3339(beat->at);
    status["heartbeatSeconds"] = beat->every.count();
  }
  bj::object patch{{"status", std::move(status)}};
  if (!resource_version.empty()) {
    patch["metadata"] = bj::object{{"resourceVersion", resource_version}};
  }
  return bj::serialize(patch);
}

}  // namespace svcbgp::k8s::client
