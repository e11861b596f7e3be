#!/usr/bin/env python3
"""Seeded inputs of the P2 initial-table benchmark: N LoadBalancer Services (externalTrafficPolicy
Cluster, one ready endpoint each on another node) as a folder of JSON manifests for svcbgpd's
`directory` source, and the same N host prefixes as a BIRD 2 `protocol static` for the BIRD sender.

    gen_cluster.py --services N [--family ipv4|ipv6] [--seed 1] [--dir DIR] [--bird-static FILE]
                   [--node bn-node] [--per-file 10000]

Prefixes: the LoadBalancer IPs 100.64.0.1 ... (inside 100.64.0.0/10) as /32, or 2001:db8:90::1 ...
(inside 2001:db8:90::/64) as /128. The seed shuffles the order of services (files and the static
protocol use the same order) and picks the endpoint's node.
"""
import argparse
import ipaddress
import json
import os
import random

V4_BASE = int(ipaddress.IPv4Address("100.64.0.0"))
V6_BASE = int(ipaddress.IPv6Address("2001:db8:90::"))
LB_CIDRS = {"ipv4": "100.64.0.0/10", "ipv6": "2001:db8:90::/64"}


def lb_ip(i, family):
    if family == "ipv4":
        return str(ipaddress.IPv4Address(V4_BASE + 1 + i))
    return str(ipaddress.IPv6Address(V6_BASE + 1 + i))


def order(n, seed):
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    return idx


def objects(i, family, rng, node):
    v6 = family == "ipv6"
    name, ns = f"lb-{i}", f"bench-{i % 100}"
    cluster_ip = (str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("fd00:10:96::")) + 10 + i)) if v6 else
                  str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.96.0.0")) + (10 + i) % (1 << 20))))
    pod_ip = (str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("fd00:10:244::")) + 1 + i)) if v6 else
              str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.128.0.0")) + 1 + i)))
    fam = "IPv6" if v6 else "IPv4"
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
           "spec": {"type": "LoadBalancer", "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
                    "ipFamilies": [fam], "externalTrafficPolicy": "Cluster",
                    "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]},
           "status": {"loadBalancer": {"ingress": [{"ip": lb_ip(i, family)}]}}}
    eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
           "metadata": {"name": f"{name}-{rng.getrandbits(24):06x}", "namespace": ns,
                        "labels": {"kubernetes.io/service-name": name}},
           "addressType": fam,
           "endpoints": [{"addresses": [pod_ip], "nodeName": f"node-{rng.randint(2, 50)}",
                          "conditions": {"ready": True, "serving": True, "terminating": False}}],
           "ports": [{"port": 8080, "protocol": "TCP"}]}
    return svc, eps


def write_dir(path, n, family, seed, node="bn-node", per_file=10000):
    os.makedirs(path, exist_ok=True)
    rng = random.Random(seed + 1)
    idx = order(n, seed)
    node_obj = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node}},
                "status": {"addresses": [{"type": "InternalIP", "address": "10.99.90.2"}],
                           "conditions": [{"type": "Ready", "status": "True"}]}}
    with open(os.path.join(path, "node.json"), "w") as f:
        json.dump(node_obj, f)
    for start in range(0, n, per_file):
        items = []
        for i in idx[start:start + per_file]:
            items.extend(objects(i, family, rng, node))
        with open(os.path.join(path, f"services-{start // per_file:04d}.json"), "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f, separators=(",", ":"))


def write_bird_static(path, n, family, seed, name="bench"):
    plen = 32 if family == "ipv4" else 128
    with open(path, "w") as f:
        f.write(f"protocol static {name} {{\n  {family};\n")
        for i in order(n, seed):
            f.write(f"  route {lb_ip(i, family)}/{plen} blackhole;\n")
        f.write("}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--services", type=int, required=True)
    p.add_argument("--family", choices=["ipv4", "ipv6"], default="ipv4")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir")
    p.add_argument("--bird-static")
    p.add_argument("--node", default="bn-node")
    p.add_argument("--per-file", type=int, default=10000)
    a = p.parse_args()
    if a.dir:
        write_dir(a.dir, a.services, a.family, a.seed, a.node, a.per_file)
    if a.bird_static:
        write_bird_static(a.bird_static, a.services, a.family, a.seed)


if __name__ == "__main__":
    main()
