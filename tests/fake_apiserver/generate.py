"""Generates a large, realistic-looking cluster quickly: Services (ClusterIP and LoadBalancer, some dual-stack,
some externalTrafficPolicy Local), their EndpointSlices (endpoints spread over node-1..node-N, a few terminating)
and the Nodes.  Objects are serialised once, with the resourceVersion spliced in as the store assigns it.

Addresses: ClusterIPs 10.96.0.0/12 and fd00:10:96::/64, LoadBalancer IPs 172.16.0.0/12 and fd00:172:16::/64,
pod IPs 10.128.0.0/9 and fd00:10:244::/64, node InternalIPs 10.250.0.0/16.
"""

import json
import random
import time

RV_MARK = "\u0001RV\u0001"
_RV_BYTES = json.dumps(RV_MARK).encode()[1:-1]


def _v4(base, n):
    a = base + n
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"


def _splice(obj):
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    pre, post = raw.split(_RV_BYTES, 1)
    return lambda rv, pre=pre, post=post: pre + b"%d" % rv + post


def load(store, services=0, slices_per_service=2, endpoints_per_slice=2, nodes=10, namespaces=None, seed=1,
         lb_every=5, dual_stack_every=10, local_every=2, name_prefix="svc", **unknown):
    if unknown:
        raise ValueError(f"unknown generate options: {', '.join(unknown)}")
    rng = random.Random(seed)
    services, slices_per_service, endpoints_per_slice = int(services), int(slices_per_service), int(endpoints_per_slice)
    nodes = max(1, int(nodes))
    namespaces = int(namespaces) if namespaces else max(1, min(100, services // 100 or 1))
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def uid():
        h = "%032x" % rng.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def rows():
        for n in range(1, nodes + 1):
            name = f"node-{n}"
            labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
            obj = {"metadata": {"name": name, "uid": uid(), "resourceVersion": RV_MARK, "creationTimestamp": ts,
                                "labels": labels},
                   "spec": {"podCIDR": f"10.128.{n % 256}.0/24", "podCIDRs": [f"10.128.{n % 256}.0/24"]},
                   "status": {"conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": ts,
                                              "lastTransitionTime": ts, "reason": "KubeletReady",
                                              "message": "kubelet is posting ready status"}],
                              "addresses": [{"type": "InternalIP", "address": _v4(0x0AFA0000, n)},
                                            {"type": "Hostname", "address": name}]}}
            yield "nodes", "", name, labels, _splice(obj)
        pod = 0
        for i in range(services):
            ns = f"ns-{i % namespaces}"
            name = f"{name_prefix}-{i}"
            lb = lb_every and i % lb_every == 0
            dual = dual_stack_every and i % dual_stack_every == 0
            svc_uid = uid()
            labels = {"app": f"app-{i % 50}", "tier": ("web", "db", "cache")[i % 3]}
            port = {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}
            if lb:
                port["nodePort"] = 30000 + i % 2768
            spec = {"ports": [port], "selector": {"app": labels["app"]}, "clusterIP": _v4(0x0A600000, 10 + i)}
            spec["clusterIPs"] = [spec["clusterIP"]] + ([f"fd00:10:96::{10 + i:x}"] if dual else [])
            spec["type"] = "LoadBalancer" if lb else "ClusterIP"
            spec["sessionAffinity"] = "None"
            if lb:
                spec["externalTrafficPolicy"] = "Local" if local_every and i % local_every == 0 else "Cluster"
                if spec["externalTrafficPolicy"] == "Local":
                    spec["healthCheckNodePort"] = 32768 - 1 - i % 2000
            spec["ipFamilies"] = ["IPv4", "IPv6"] if dual else ["IPv4"]
            spec["ipFamilyPolicy"] = "PreferDualStack" if dual else "SingleStack"
            if lb:
                spec["allocateLoadBalancerNodePorts"] = True
            spec["internalTrafficPolicy"] = "Cluster"
            status = {"loadBalancer": {}}
            if lb:
                ingress = [{"ip": _v4(0xAC100000, i // lb_every + 1), "ipMode": "VIP"}]
                if dual:
                    ingress.append({"ip": f"fd00:172:16::{i // lb_every + 1:x}", "ipMode": "VIP"})
                status["loadBalancer"]["ingress"] = ingress
            obj = {"metadata": {"name": name, "namespace": ns, "uid": svc_uid, "resourceVersion": RV_MARK,
                                "creationTimestamp": ts, "labels": labels},
                   "spec": spec, "status": status}
            yield "services", ns, name, labels, _splice(obj)
            for j in range(slices_per_service):
                v6 = dual and j == slices_per_service - 1 and slices_per_service > 1
                sname = f"{name}-{rng.getrandbits(25):07x}"
                slabels = {"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                           "kubernetes.io/service-name": name}
                eps = []
                for k in range(endpoints_per_slice):
                    pod += 1
                    term = pod % 7 == 0
                    eps.append({"addresses": [f"fd00:10:244::{pod:x}" if v6 else _v4(0x0A800000, pod)],
                                "conditions": {"ready": not term, "serving": True, "terminating": term},
                                "targetRef": {"kind": "Pod", "namespace": ns, "name": f"{name}-pod-{j}-{k}",
                                              "uid": uid()},
                                "nodeName": f"node-{(i * 3 + j * 7 + k) % nodes + 1}"})
                sobj = {"metadata": {"name": sname, "generateName": name + "-", "namespace": ns, "uid": uid(),
                                     "resourceVersion": RV_MARK, "generation": 1, "creationTimestamp": ts,
                                     "labels": slabels,
                                     "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name,
                                                          "uid": svc_uid, "controller": True,
                                                          "blockOwnerDeletion": True}]},
                        "addressType": "IPv6" if v6 else "IPv4", "endpoints": eps,
                        "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]}
                yield "endpointslices", ns, sname, slabels, _splice(sobj)

    return store.bulk_add(rows())
