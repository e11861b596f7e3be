#include "src/engine/policy.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "src/engine/annotations.h"

namespace svcbgp::engine {
namespace {

bgp::ip_address to_bgp(const k8s::ip_addr& a) {
  bgp::ip_address out;
  out.v6 = a.v6;
  out.bytes = a.bytes;
  return out;
}

std::size_t kind_index(ip_kind k) {
  return static_cast<std::size_t>(k);
}

const kind_config& kind_cfg(const engine_config& cfg, ip_kind k) {
  switch (k) {
    case ip_kind::cluster_ip:
      return cfg.advertise.cluster_ips;
    case ip_kind::external_ip:
      return cfg.advertise.external_ips;
    case ip_kind::load_balancer_ip:
      break;
  }
  return cfg.advertise.load_balancer_ips;
}

std::string_view kind_config_key(ip_kind k) {
  switch (k) {
    case ip_kind::cluster_ip:
      return "advertise.cluster_ips.cidrs";
    case ip_kind::external_ip:
      return "advertise.external_ips.cidrs";
    case ip_kind::load_balancer_ip:
      break;
  }
  return "advertise.load_balancer_ips.cidrs";
}

template <typename T>
std::vector<T> sorted_union(std::initializer_list<const std::vector<T>*> parts) {
  std::vector<T> out;
  for (const auto* p : parts) {
    out.insert(out.end(), p->begin(), p->end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The most specific configured CIDR holding `ip`, if any.
std::optional<bgp::prefix> allowed_by(const kind_config& kc, const bgp::ip_address& ip) {
  std::optional<bgp::prefix> best;
  for (const auto& c : kc.cidrs) {
    if (c.addr.v6 == ip.v6 && c.contains(ip) && (!best || c.length > best->length)) {
      best = c;
    }
  }
  return best;
}

// Endpoint counts of one family, merged over all slices of the service.
struct family_counts {
  std::uint32_t ready = 0;
  std::uint32_t local_ready = 0;
  std::uint32_t local_draining = 0;
};

std::array<family_counts, 2> count_endpoints(const std::vector<const k8s::endpoint_slice*>& slices,
                                             const std::string& node_name) {
  std::array<family_counts, 2> out{};
  for (const auto* s : slices) {
    if (s == nullptr || s->type == k8s::address_type::fqdn) {
      continue;
    }
    const bool v6 = s->type == k8s::address_type::ipv6;
    auto& c = out[v6 ? 1 : 0];
    for (const auto& e : s->endpoints) {
      // An endpoint counts for the slice's family only with an address of that family: an IPv6
      // address in an IPv4 slice is bad input and is skipped.
      if (!(v6 ? e.has_ipv6 : e.has_ipv4)) {
        continue;
      }
      const bool ready = e.ready && !e.terminating;
      const bool draining = e.terminating && e.serving;
      // No nodeName: a real endpoint somewhere (counts for Cluster policy), never local.
      const bool local = !node_name.empty() && e.node_name == node_name;
      if (ready) {
        ++c.ready;
      }
      if (local && ready) {
        ++c.local_ready;
      } else if (local && draining) {
        ++c.local_draining;
      }
    }
  }
  return out;
}

// One (kind, IP) of the service, with what the kind-specific checks need.
struct candidate {
  ip_kind kind;
  bgp::ip_address ip;
  bool proxy_mode = false;
};

}  // namespace

std::string node_draining(const k8s::node& n) {
  for (const auto& key : n.taint_keys) {
    if (key == "ToBeDeletedByClusterAutoscaler" || key == "node.kubernetes.io/out-of-service") {
      return "tainted " + key;
    }
  }
  return n.unschedulable ? "cordoned" : "";
}

node_context make_node_context(const k8s::node* n, const engine_config& cfg) {
  node_context out;
  out.name = cfg.node_name;
  if (n == nullptr) {
    return out;
  }
  out.seen = true;
  out.selected = labels_match(cfg.node_selector, n->labels);
  out.network_unavailable = n->network_unavailable;
  out.excluded = n->labels.contains(std::string(exclude_from_lb_label));
  out.draining = node_draining(*n);
  return out;
}

rule_context make_rule_context(const engine_config& cfg, const k8s::node* n) {
  rule_context ctx;
  ctx.cfg = &cfg;
  ctx.node = make_node_context(n, cfg);
  for (const auto& p : cfg.peers) {
    for (const auto k : p.advertise) {
      ctx.kind_advertised[kind_index(k)] = true;
    }
  }
  return ctx;
}

std::size_t route_intent_hash::operator()(const route_intent& i) const noexcept {
  std::size_t h = std::hash<std::uint32_t>{}(i.local_pref) ^
                  (i.deprefer ? 0x9e3779b97f4a7c15ULL : 0) ^
                  (i.weighted ? std::hash<std::uint32_t>{}(i.endpoints + 1) << 1 : 0);
  auto mix = [&h](std::uint64_t v) {
    h ^= std::hash<std::uint64_t>{}(v) + 0x9e3779b9 + (h << 6) + (h >> 2);
  };
  for (const auto c : i.communities) {
    mix(c);
  }
  for (const auto& l : i.large) {
    mix((std::uint64_t{l.global_admin} << 32) ^ l.local1);
    mix(l.local2);
  }
  return h;
}

std::vector<contribution> aggregate_contributions(const rule_context& ctx) {
  const auto& cfg = *ctx.cfg;
  std::vector<contribution> out;
  if (cfg.advertise.cluster_ips_mode != cluster_ip_mode::aggregate || !ctx.node.seen ||
      !ctx.node.selected || ctx.node.network_unavailable) {
    return out;
  }
  route_intent intent;
  intent.communities =
      sorted_union({&cfg.advertise.communities, &cfg.advertise.cluster_ips.communities});
  intent.large = sorted_union(
      {&cfg.advertise.large_communities, &cfg.advertise.cluster_ips.large_communities});
  intent.local_pref = cfg.advertise.local_pref;
  for (const auto& c : cfg.advertise.cluster_ips.cidrs) {
    out.push_back(contribution{c, ip_kind::cluster_ip, intent});
  }
  return out;
}

service_outcome evaluate_service(const k8s::service& svc,
                                 const std::vector<const k8s::endpoint_slice*>& slices,
                                 const rule_context& ctx) {
  service_outcome out;
  if (svc.type == k8s::service_type::external_name) {
    return out;  // a DNS alias: no IP of ours to announce
  }
  const auto& cfg = *ctx.cfg;
  const auto& adv = cfg.advertise;
  const auto& node = ctx.node;

  // Every (kind, IP) once; the first occurrence wins (e.g. an IP listed twice in externalIPs).
  std::vector<candidate> cands;
  auto add = [&cands](ip_kind k, const bgp::ip_address& ip, bool proxy) {
    for (const auto& c : cands) {
      if (c.kind == k && c.ip == ip) {
        return;
      }
    }
    cands.push_back(candidate{k, ip, proxy});
  };
  if (svc.headless) {
    add(ip_kind::cluster_ip, bgp::ip_address{}, false);
  }
  for (const auto& ip : svc.cluster_ips) {
    add(ip_kind::cluster_ip, to_bgp(ip), false);
  }
  for (const auto& ip : svc.external_ips) {
    add(ip_kind::external_ip, to_bgp(ip), false);
  }
  // status.loadBalancer is read only on type LoadBalancer: after a type change the old status may
  // linger for a moment and must not be announced.
  if (svc.type == k8s::service_type::load_balancer) {
    for (const auto& in : svc.ingress) {
      if (in.ip) {
        add(ip_kind::load_balancer_ip, to_bgp(*in.ip), in.proxy_mode);
      }
    }
  }
  std::sort(cands.begin(), cands.end(), [](const candidate& a, const candidate& b) {
    return std::tie(a.kind, a.ip) < std::tie(b.kind, b.ip);
  });

  const auto counts = count_endpoints(slices, node.name);
  const auto ann = parse_annotations(svc.annotations, adv);
  std::string ann_detail;
  for (const auto& p : ann.problems) {
    ann_detail += (ann_detail.empty() ? "" : "; ") + p;
  }

  const bool local_cluster_ip = svc.external_policy == k8s::traffic_policy::local ||
                                svc.internal_policy == k8s::traffic_policy::local;

  for (const auto& c : cands) {
    decision d;
    d.service = svc.meta.key;
    d.kind = c.kind;
    d.ip = c.ip;
    d.policy = c.kind == ip_kind::cluster_ip
                   ? (local_cluster_ip ? k8s::traffic_policy::local : k8s::traffic_policy::cluster)
                   : svc.external_policy;
    const auto& fc = counts[c.ip.v6 ? 1 : 0];
    d.ready_endpoints = fc.ready;
    d.local_ready = fc.local_ready;
    d.local_draining = fc.local_draining;
    const auto& kc = kind_cfg(cfg, c.kind);
    const bool external = c.kind != ip_kind::cluster_ip;

    // Checks in order: what holds for the service everywhere, then this node, then the kind, then
    // the endpoints (the first reason that stops the announcement is the one reported).
    auto stop = [&](reason r, std::string detail = {}) {
      d.why = r;
      d.detail = std::move(detail);
    };
    std::optional<bgp::prefix> cidr;
    bool decided = true;
    if (svc.headless) {
      stop(reason::headless);
    } else if (!node.seen) {
      stop(reason::node_not_selected, "node not seen yet");
    } else if (!node.selected) {
      stop(reason::node_not_selected, "node labels do not match node_selector");
    } else if (node.network_unavailable) {
      stop(reason::node_network_unavailable);
    } else if (!node.draining.empty() && adv.node_drain == node_drain_mode::withdraw) {
      stop(reason::node_draining, "node " + node.draining + "; node_drain: withdraw");
    } else if (ann.opted_out) {
      stop(reason::opted_out);
    } else if (kc.cidrs.empty()) {
      stop(reason::kind_disabled, std::string(kind_config_key(c.kind)) + " is empty");
    } else if (!ctx.kind_advertised[kind_index(c.kind)]) {
      stop(reason::kind_disabled, "no peer advertises " + std::string(to_string(c.kind)));
    } else if (c.kind == ip_kind::load_balancer_ip && svc.load_balancer_class &&
               *svc.load_balancer_class != adv.load_balancer_class) {
      stop(reason::other_load_balancer_class,
           "spec.loadBalancerClass '" + *svc.load_balancer_class + "'");
    } else if (c.kind == ip_kind::load_balancer_ip && c.proxy_mode) {
      stop(reason::proxy_ip_mode);
    } else if (!(cidr = allowed_by(kc, c.ip))) {
      stop(reason::not_in_allowed_cidrs);
    } else if (external && node.excluded) {
      stop(reason::node_excluded, std::string(exclude_from_lb_label));
    } else {
      decided = false;
    }

    bool deprefer = false;
    std::optional<bgp::prefix> announce;  // per-service route (not the configured aggregate)
    if (!decided) {
      const auto host = bgp::prefix::host(c.ip);
      if (c.kind == ip_kind::cluster_ip && adv.cluster_ips_mode == cluster_ip_mode::aggregate &&
          d.policy == k8s::traffic_policy::cluster) {
        // The configured CIDR covers it from every eligible node, endpoints or not.
        d.announced = true;
        d.announced_as = *cidr;
        stop(reason::announced_aggregate);
      } else if (d.policy == k8s::traffic_policy::cluster) {
        // Never wider than the allowed CIDR that holds the IP: a tenant's ExternalIP must not
        // pull in addresses the operator never allowed.
        const auto agg = c.ip.v6 ? adv.aggregation_length_v6 : adv.aggregation_length_v4;
        const auto length = agg ? std::max(*agg, cidr->length) : host.length;
        const auto route = length < host.length ? host.truncated(length) : host;
        if (fc.ready > 0) {
          announce = route;
          stop(reason::announced);
        } else if (adv.empty_services == empty_services_mode::keep) {
          announce = route;
          stop(reason::announced, "no ready endpoints; empty_services: keep");
        } else {
          stop(reason::no_endpoints);
        }
      } else if (fc.local_ready > 0) {
        announce = host;
        stop(reason::announced);
      } else if (fc.local_draining > 0) {
        switch (adv.terminating_endpoints) {
          case terminating_mode::withdraw:
            stop(reason::no_local_endpoints,
                 "only terminating local endpoints; terminating_endpoints: withdraw");
            break;
          case terminating_mode::keep:
            announce = host;
            stop(reason::announced,
                 "only terminating local endpoints; terminating_endpoints: keep");
            break;
          case terminating_mode::deprefer:
            announce = host;
            deprefer = true;
            stop(reason::depreferred);
            break;
        }
      } else {
        stop(reason::no_local_endpoints);
      }
    }

    if (announce && !node.draining.empty() && adv.node_drain == node_drain_mode::deprefer) {
      // The ToR moves traffic to the other nodes before this one's pods go.
      deprefer = true;
      stop(reason::depreferred, "node " + node.draining + "; node_drain: deprefer");
    }
    if (announce) {
      d.announced = true;
      d.announced_as = *announce;
      route_intent intent;
      intent.communities = sorted_union({&adv.communities, &kc.communities, &ann.communities});
      intent.large = sorted_union({&adv.large_communities, &kc.large_communities, &ann.large});
      intent.local_pref = ann.local_pref.value_or(adv.local_pref);
      intent.deprefer = deprefer;
      // Cluster policy: every node forwards anywhere, so no node weighs more than another.
      if (d.policy == k8s::traffic_policy::local &&
          ann.weighted_ecmp.value_or(adv.weighted_ecmp.enabled)) {
        intent.weighted = true;
        intent.endpoints = deprefer ? 0 : fc.local_ready;
        d.weight = intent.endpoints;
      }
      out.contributions.push_back(
          contribution{*announce, c.kind, std::move(intent), out.decisions.size()});
    }
    // Bad annotations never stop an announcement; they replace a plain `announced` and are
    // described in the detail of every decision of the service.
    if (!ann_detail.empty()) {
      if (d.why == reason::announced) {
        d.why = reason::bad_annotation;
      }
      d.detail = d.detail.empty() ? ann_detail : d.detail + "; " + ann_detail;
    }
    out.decisions.push_back(std::move(d));
  }
  return out;
}

}  // namespace svcbgp::engine
