"""Plumbing of the end-to-end suite: the topology (one FRR ToR, three svcbgpd nodes, the fake API server in its own
namespace), svcbgpd processes, /metrics scrapes and FRR's per-prefix view.  Built on tests/interop/lib (netns,
cleanup, daemons.Daemon/Frr) and tests/fake_apiserver/control.py.

Namespaces (all created here, removed on every exit path through lib.cleanup):

    sbe2e-tor    bridge br0 10.99.70.1/24 fd99:70::1/64, FRR bgpd (AS 65070) alone (-Z)
    sbe2e-api    bridge br0 10.99.71.1/24, the fake API server (TLS, SAN 10.99.71.1); its control port is on
                 127.0.0.1 *inside* this namespace, reached from the test through setns(2) (see in_netns)
    sbe2e-node1..3  tor0 10.99.70.1N/24 fd99:70::1N/64 (veth into the ToR bridge), api0 10.99.71.1N/24 (veth into
                 the API bridge), svcbgpd AS 6460N with http on 127.0.0.1:9179 of the namespace

Nothing is ever sent outside loopback and these namespaces.
"""

import contextlib
import ctypes
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
for p in (os.path.join(TESTS, "interop"), os.path.join(TESTS, "fake_apiserver")):
    if p not in sys.path:
        sys.path.insert(0, p)

from lib import cleanup, configmap, netns  # noqa: E402
from lib.daemons import Daemon, DaemonDied, Frr, Neighbor, wait_until  # noqa: E402,F401
from lib.netns import run  # noqa: E402
import control  # noqa: E402  (tests/fake_apiserver/control.py)

KEEP = os.environ.get("SVCBGP_INTEROP_KEEP") == "1"
PREFIX = "sbe2e"
TOR_NS = f"{PREFIX}-tor"
API_NS = f"{PREFIX}-api"
TOR_ASN = 65070
TOR_V4 = "10.99.70.1"
TOR_V6 = "fd99:70::1"
API_V4 = "10.99.71.1"
HTTP_PORT = 9179


class Node:
    def __init__(self, i):
        self.i = i
        self.name = f"node-{i}"
        self.ns = f"{PREFIX}-node{i}"
        self.asn = 64600 + i
        self.v4 = f"10.99.70.{10 + i}"
        self.v6 = f"fd99:70::{10 + i}"
        self.api_v4 = f"10.99.71.{10 + i}"
        self.tor_if = "tor0"   # node side of the veth toward the ToR
        self.api_if = "api0"

    def __repr__(self):
        return f"Node({self.name}, {self.v4}, AS{self.asn})"


NODES = [Node(i) for i in (1, 2, 3)]


# ------------------------------------------------------------------------------------------------------------------
# setns(2) for the calling thread: the control port of the fake API server and svcbgpd's /metrics live on the
# loopback of other namespaces.  A socket stays in the namespace it was created in, and a child process forked
# while the thread is inside inherits it.

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


@contextlib.contextmanager
def in_netns(name):
    back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(back)
    finally:
        os.close(back)


# ------------------------------------------------------------------------------------------------------------------
# Topology


class Topology:
    def __init__(self, nodes=NODES):
        self.nodes = list(nodes)
        self.namespaces = [TOR_NS, API_NS] + [n.ns for n in self.nodes]
        self._token = None

    def _destroy(self):
        for ns in reversed(self.namespaces):
            netns.delete_ns(ns)

    def up(self):
        self._destroy()  # leftovers of a crashed earlier run
        self._token = cleanup.register(f"e2e namespaces {', '.join(self.namespaces)}", self._destroy)
        for ns in self.namespaces:
            run(["ip", "netns", "add", ns])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        for ns, v4, v6 in ((TOR_NS, TOR_V4, TOR_V6), (API_NS, API_V4, None)):
            run(["ip", "-n", ns, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
            run(["ip", "-n", ns, "addr", "add", f"{v4}/24", "dev", "br0"])
            if v6:
                run(["ip", "-n", ns, "addr", "add", f"{v6}/64", "dev", "br0", "nodad"])
            run(["ip", "-n", ns, "link", "set", "br0", "up"])
        for n in self.nodes:
            for hub, hub_if, node_if, v4, v6 in ((TOR_NS, f"t-n{n.i}", n.tor_if, n.v4, n.v6),
                                                 (API_NS, f"a-n{n.i}", n.api_if, n.api_v4, None)):
                # Made inside the hub namespace, peer moved straight into the node: nothing ever sits in the
                # namespace the suite runs in.
                run(["ip", "-n", hub, "link", "add", hub_if, "type", "veth", "peer", "name", node_if,
                     "netns", n.ns])
                run(["ip", "-n", hub, "link", "set", hub_if, "master", "br0"])
                run(["ip", "-n", hub, "link", "set", hub_if, "up"])
                run(["ip", "-n", n.ns, "addr", "add", f"{v4}/24", "dev", node_if])
                if v6:
                    run(["ip", "-n", n.ns, "addr", "add", f"{v6}/64", "dev", node_if, "nodad"])
                run(["ip", "-n", n.ns, "link", "set", node_if, "up"])
        for n in self.nodes:
            self.wait_link(n.ns, n.tor_if, True)
            self.wait_link(n.ns, n.api_if, True)
        return self

    @staticmethod
    def link_up(ns, ifname):
        s = run(["ip", "-n", ns, "-o", "link", "show", ifname]).stdout
        return "LOWER_UP" in s and ",UP" in s

    def wait_link(self, ns, ifname, up, timeout=10):
        wait_until(lambda: self.link_up(ns, ifname) == up, timeout, 0.05, f"{ns}/{ifname} {'up' if up else 'down'}")

    def set_link(self, node, up):
        run(["ip", "-n", node.ns, "link", "set", node.tor_if, "up" if up else "down"])

    def down(self):
        if self._token is not None:
            cleanup.run_one(self._token)
            self._token = None


# ------------------------------------------------------------------------------------------------------------------
# The fake API server, run in the API namespace


RESOURCES = {"Service": "services", "EndpointSlice": "endpointslices", "Node": "nodes",
             "CustomResourceDefinition": "customresourcedefinitions"}


class NsApiServer(control.FakeApiServer):
    """control.FakeApiServer started inside a namespace (API on API_V4, control on that namespace's loopback),
    restartable with the same port, certificates and token, and with every object it was given kept here so a
    restart can serve them again."""

    def __init__(self, ns, host, state_dir, token="e2e-token"):
        self.ns = ns
        self.host = host
        self.state_dir = state_dir
        self.fixed_token = token
        self.objects = {}        # (kind, namespace, name) -> object, as last applied
        self._port = 0
        self._token = None
        self.restarts = 0
        super().__init__(host=host, token=token)

    def _args(self, start_rv=0, scenario=None):
        args = ["--host", self.host, "--token", self.fixed_token, "--state-dir", self.state_dir, "--port",
                str(self._port)]
        if self.restarts:
            args.append("--reuse-certs")
        if start_rv:
            args += ["--start-rv", str(start_rv)]
        if scenario:
            args += ["--scenario", scenario]
        return args

    def start(self, start_rv=0, scenario=None):
        self.args = self._args(start_rv, scenario)
        with in_netns(self.ns):
            super().start()
        self._port = self.port
        if self._token is None:
            self._token = cleanup.register("fake API server", self.stop)
        return self

    def call(self, method, path, body=None, timeout=120):
        with in_netns(self.ns):
            return super().call(method, path, body, timeout)

    def restart(self):
        """Stops the server and starts a new one on the same address, port, CA and token, serving the same objects
        with resourceVersions above every old one (an etcd that kept its revision, a fresh watch cache): the
        clients' watches fail, they reconnect, and their old RVs are too old -> 410 -> relist."""
        last_rv = int(self.state()["resourceVersion"])
        scenario = os.path.join(self.state_dir, f"restart-{self.restarts + 1}.json")
        # As stored, with their uids and creation times (etcd keeps them; a Node's uid owns its
        # BGPNodeStatus), not as applied.
        stored = []
        for (kind, ns, name), obj in self.objects.items():
            o = self.get_object(RESOURCES[kind], ns, name)
            o.update(kind=kind, apiVersion=obj["apiVersion"])
            o["metadata"].pop("resourceVersion", None)
            stored.append(o)
        with open(scenario, "w") as f:
            json.dump({"objects": stored}, f)
        self.stop_process()
        self.restarts += 1
        return self.start(start_rv=last_rv + 1000, scenario=scenario)

    def stop_process(self):
        super().stop()

    def stop(self):
        super().stop()
        if self._token is not None:
            cleanup.unregister(self._token)
            self._token = None

    # Objects are remembered so that a restart serves the same cluster.
    def apply(self, obj):
        objs = obj if isinstance(obj, list) else [obj]
        for o in objs:
            m = o["metadata"]
            self.objects[(o["kind"], m.get("namespace", ""), m["name"])] = o
        return super().apply(obj)

    def delete(self, resource, namespace, name):
        kind = next(k for k, r in RESOURCES.items() if r == resource)
        self.objects.pop((kind, namespace or "", name), None)
        return super().delete(resource, namespace, name)

    @property
    def kubeconfig(self):
        return self.info["kubeconfig"]


class DirectoryCluster:
    """The same apply/delete as NsApiServer, written as manifests into a folder for svcbgpd's `directory` source
    (SVCBGP_E2E_SOURCE=directory: develops the suite before the API source is wired; case 5 needs the API)."""

    def __init__(self, path):
        self.path = path
        self.objects = {}

    def _file(self, kind, namespace, name):
        return os.path.join(self.path, f"{kind.lower()}-{namespace or 'cluster'}-{name}.json")

    def apply(self, obj):
        for o in (obj if isinstance(obj, list) else [obj]):
            m = o["metadata"]
            self.objects[(o["kind"], m.get("namespace", ""), m["name"])] = o
            dst = self._file(o["kind"], m.get("namespace", ""), m["name"])
            tmp = os.path.join(self.path, "." + os.path.basename(dst) + ".tmp")
            with open(tmp, "w") as f:
                json.dump(o, f)
            os.rename(tmp, dst)

    def delete(self, resource, namespace, name):
        kind = next(k for k, r in RESOURCES.items() if r == resource)
        self.objects.pop((kind, namespace or "", name), None)
        os.unlink(self._file(kind, namespace, name))


# ------------------------------------------------------------------------------------------------------------------
# Kubernetes objects


def node_object(n):
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": n.name, "labels": {"kubernetes.io/hostname": n.name}},
            "status": {"addresses": [{"type": "InternalIP", "address": n.v4}],
                       "conditions": [{"type": "Ready", "status": "True"},
                                      {"type": "NetworkUnavailable", "status": "False"}]}}


def lb_service(name, namespace, cluster_ip, lb_ip, policy="Cluster", annotations=None):
    md = {"name": name, "namespace": namespace}
    if annotations:
        md["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Service", "metadata": md,
            "spec": {"type": "LoadBalancer", "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
                     "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "externalTrafficPolicy": policy,
                     "internalTrafficPolicy": "Cluster",
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]},
            "status": {"loadBalancer": {"ingress": [{"ip": lb_ip, "ipMode": "VIP"}]}}}


def endpoint(address, node, ready=True, serving=True, terminating=False):
    return {"addresses": [address], "nodeName": node.name,
            "conditions": {"ready": ready, "serving": serving, "terminating": terminating}}


def endpoint_slice(name, namespace, service, endpoints):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": namespace, "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "endpoints": list(endpoints),
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}


# ------------------------------------------------------------------------------------------------------------------
# svcbgpd


class Svcbgpd(Daemon):
    name = "svcbgpd"

    def __init__(self, binary, node, kubernetes, shutdown="graceful-restart", log_level="info", **kw):
        super().__init__(node.ns, node.asn, node.v4, [], **kw)
        self.binary = binary
        self.node = node
        self.kubernetes = dict(kubernetes)
        self.shutdown = shutdown
        self.log_level = log_level
        self.starts = 0
        self.crds = False  # kubernetes.config: crds: the rest comes from svcbgp.io objects

    def config(self):
        n = self.node
        if self.crds:
            return {
                "node_name": n.name,
                "kubernetes": dict(self.kubernetes, config="crds"),
                "admin": {"socket": self.path("svcbgpd.sock")},
                "http": {"listen": f"127.0.0.1:{HTTP_PORT}"},
                "log": {"level": self.log_level, "format": "text"},
            }
        return {
            "node_name": n.name,
            "router_id": n.v4,
            "local_asn": n.asn,
            # No listen key: svcbgpd's default, active only, as deployed (configs/deploy).
            "graceful_restart": {"enabled": True, "restart_time": 120},
            "shutdown": self.shutdown,
            "shutdown_message": f"{n.name} drained for maintenance",
            "peers": [{"name": "tor", "address": TOR_V4, "asn": TOR_ASN, "hold_time": 9, "keepalive_time": 3,
                       "connect_retry_time": 1, "families": ["ipv4", "ipv6"], "next_hop_v6": n.v6}],
            "advertise": {
                "cluster_ips": {"cidrs": ["10.96.0.0/16"], "mode": "per-service"},
                "external_ips": {"cidrs": ["192.0.2.0/24"]},
                "load_balancer_ips": {"cidrs": ["198.51.100.0/24", "2001:db8:5b::/64"]},
                "terminating_endpoints": "deprefer",
                "batch_delay_ms": 10,
                "communities": [],
            },
            "kubernetes": self.kubernetes,
            "admin": {"socket": self.path("svcbgpd.sock")},
            "http": {"listen": f"127.0.0.1:{HTTP_PORT}"},
            "log": {"level": self.log_level, "format": "text"},
        }

    def start(self, timeout=20):
        # JSON is YAML: the config file is the dict above, as it is. It sits in a folder laid out as
        # the kubelet lays out a ConfigMap volume, so that swap_config() can update it the same way.
        conf = self.swap_config(self.config())
        self.starts += 1
        with open(self.log_path, "a") as f:
            f.write(f"=== start #{self.starts} at {time.time():.3f} ===\n")
        self._spawn([self.binary, "--config", conf])
        self._wait_ready(timeout)
        return self

    def swap_config(self, config):
        """Writes config (a dict, or the text itself) as the kubelet updates a mounted ConfigMap
        (lib/configmap.py); returns the config file's path, which never changes."""
        text = config if isinstance(config, str) else json.dumps(config, indent=1) + "\n"
        return configmap.write(self.path("config"), {"svcbgpd.yaml": text})["svcbgpd.yaml"]

    def http_get(self, path, timeout=2):
        with in_netns(self.ns):
            with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT}{path}", timeout=timeout) as r:
                return r.status, r.read().decode()

    def ready(self):
        return self.http_get("/healthz")[0] == 200

    def metrics(self):
        return Metrics(self.http_get("/metrics")[1])

    def session_up(self, peer="tor"):
        return self.metrics().value("svcbgp_bgp_session_up", peer=peer) == 1

    def terminate(self):
        """SIGTERM and wait for the exit (the configured shutdown runs)."""
        self.stop(signal.SIGTERM)


# ------------------------------------------------------------------------------------------------------------------
# Prometheus text


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class Metrics:
    def __init__(self, text):
        self.text = text
        self.samples = []
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = _SAMPLE.match(line)
            if not m:
                continue
            labels = dict(_LABEL.findall(m.group(2) or ""))
            try:
                v = float(m.group(3))
            except ValueError:
                continue
            self.samples.append((m.group(1), labels, v))

    def find(self, name, **labels):
        return [(l, v) for n, l, v in self.samples if n == name and all(l.get(k) == str(x) for k, x in labels.items())]

    def value(self, name, default=None, **labels):
        got = self.find(name, **labels)
        return got[0][1] if got else default

    def total(self, name, **labels):
        return sum(v for _, v in self.find(name, **labels))

    def histogram(self, name):
        """{'count', 'sum', 'buckets': [(le, cumulative)]} (le as float, +Inf last)."""
        b = sorted(((float(l["le"].replace("+Inf", "inf")), v) for l, v in self.find(name + "_bucket")),
                   key=lambda x: x[0])
        return {"count": self.value(name + "_count", 0.0), "sum": self.value(name + "_sum", 0.0), "buckets": b}


def histogram_delta(after, before):
    b0 = dict(before["buckets"])
    return {"count": after["count"] - before["count"], "sum": after["sum"] - before["sum"],
            "buckets": [(le, c - b0.get(le, 0.0)) for le, c in after["buckets"]]}


def quantile(hist, q):
    """Prometheus' histogram_quantile: linear inside the bucket holding rank q*count."""
    total = hist["count"]
    if total <= 0 or not hist["buckets"]:
        return float("nan")
    rank = q * total
    prev_le, prev_c = 0.0, 0.0
    for le, c in hist["buckets"]:
        if c >= rank:
            if math.isinf(le):
                return prev_le  # above the highest finite bound: report that bound
            if c == prev_c:
                return le
            return prev_le + (le - prev_le) * (rank - prev_c) / (c - prev_c)
        prev_le, prev_c = le, c
    return prev_le


# ------------------------------------------------------------------------------------------------------------------
# FRR's view of one prefix


def tor_paths(frr, prefix):
    """Paths FRR holds for prefix: [{peer, next_hop, as_path, best, multipath, stale, communities, last_update,
    valid}]."""
    d = frr.vjson(f"show bgp {'ipv6' if ':' in prefix else 'ipv4'} unicast {prefix} json")
    out = []
    for p in d.get("paths", []) or []:
        asp = p.get("aspath", p.get("path"))
        if isinstance(asp, dict):
            asp = asp.get("string", "")
        nh = None
        for x in p.get("nexthops") or []:
            nh = x.get("ip")
            break
        out.append({
            "peer": (p.get("peer") or {}).get("peerId"),
            "next_hop": nh,
            "as_path": [int(x) for x in re.findall(r"\d+", asp or "")],
            "best": bool((p.get("bestpath") or {}).get("overall", False)),
            "multipath": bool(p.get("multipath", False)),
            "stale": bool(p.get("stale", False)),
            "valid": bool(p.get("valid", False)),
            "communities": ((p.get("community") or {}).get("string") or "").split(),
            "last_update": (p.get("lastUpdate") or {}).get("epoch"),  # FRR derives it from uptime: +-1 s
            "version": p.get("version"),
        })
    return out


def selected_next_hops(paths):
    """Next hops FRR forwards over: the best path and the multipath ones."""
    return sorted(p["next_hop"] for p in paths if p["valid"] and (p["best"] or p["multipath"]))


class FrrPoller:
    """Samples a function (e.g. FRR's view of a prefix) every interval seconds in a thread until stopped."""

    def __init__(self, fn, interval=0.1):
        self.fn = fn
        self.interval = interval
        self.samples = []   # (monotonic time, value or exception)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            t = time.monotonic()
            try:
                v = self.fn()
            except Exception as exc:  # recorded; the test decides what an error means
                v = exc
            self.samples.append((t, v))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        return self.samples


def make_tmp(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    token = cleanup.register(f"temp dir {d}", lambda: None if KEEP else shutil.rmtree(d, ignore_errors=True))
    return d, token

