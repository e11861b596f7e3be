"""svcbgpc against a live svcbgpd peering with a real BIRD 2 (run by tests/interop/run.py, TAP).

    python3 tests/interop/run.py test_svcbgpc_live --dir tests/cli --svcbgpd build/src/daemon/svcbgpd
    (svcbgpc: $SVCBGP_SVCBGPC, default build/src/cli/svcbgpc next to the svcbgpd build tree)

Topology (once per class, removed on every exit path through lib.cleanup):

    cl-tor   10.99.61.1/24 fd99:61::1/64   BIRD 2, AS 65000, protocol "node1" (svcbgpd)
    cl-node  10.99.61.2/24 fd99:61::2/64   svcbgpd, AS 64512, node "node-a", directory source over a temp
                                           folder (CLUSTER below); peers tor1 (BIRD), tor2 (10.99.61.9, passive,
                                           nothing there: start/Active), tor3 (enabled: false: down)
    root     svcbgpc -s <temp>/svcbgpd.sock

Golden files: tests/cli/golden_live/NAME.txt, the output after normalise() (times, dates, uptimes, temp paths,
timer remainders, keepalive counts); SVCBGP_UPDATE_GOLDEN=1 rewrites them (review the diff).  Every golden case
also checks that --json carries the same data as the text.  Cases run in name order on the one daemon: 1xx show
commands on the fresh daemon, 2xx session commands seen from BIRD, 3xx configure, 4xx errors, 999 `down`.
"""

import difflib
import json
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.join(os.path.dirname(HERE), "interop")
if INTEROP not in sys.path:
    sys.path.insert(0, INTEROP)

from lib import netns  # noqa: E402  (lib.cleanup removes namespaces, daemons and temp dirs on every exit path)
from lib.daemons import Bird, Daemon, Neighbor, wait_until  # noqa: E402

UPDATE = os.environ.get("SVCBGP_UPDATE_GOLDEN") == "1"
GOLDEN_DIR = os.path.join(HERE, "golden_live")

PREFIX, INDEX = "cl", 61
TOR_AS, NODE_AS = 65000, 64512
NODE_NAME = "node-a"
DEAD_PEER = "10.99.61.9"        # on the link, nothing behind it: tor2 never gets past Connect/Active
DOWN_PEER = "10.99.61.8"        # tor3: enabled: false
NEW_PEER = "10.99.61.10"        # added by `configure`
POLL = 20                       # bound of every wait, seconds


def svcbgpd_binary():
    return os.environ.get("SVCBGP_SVCBGPD", "")


def svcbgpc_binary():
    p = os.environ.get("SVCBGP_SVCBGPC", "")
    if p:
        return p
    # Same build tree as svcbgpd: build/src/daemon/svcbgpd -> build/src/cli/svcbgpc.
    d = svcbgpd_binary()
    return os.path.join(os.path.dirname(os.path.dirname(d)), "cli", "svcbgpc") if d else ""


# ------------------------------------------------------------------------------------------------------------------
# The cluster the directory source reads: every kind of decision svcbgpc has to explain.

CLUSTER = {
    "node.yaml": f"""\
apiVersion: v1
kind: Node
metadata:
  name: {NODE_NAME}
  labels: {{kubernetes.io/hostname: {NODE_NAME}}}
status:
  addresses: [{{type: InternalIP, address: 10.99.61.2}}]
  conditions: [{{type: Ready, status: "True"}}]
""",
    # LoadBalancer, Cluster policy: announced while any endpoint anywhere is ready.
    "web.yaml": """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.10
  externalTrafficPolicy: Cluster
  ports: [{port: 80, protocol: TCP, targetPort: 8080}]
status:
  loadBalancer: {ingress: [{ip: 198.51.100.10}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: shop
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
  - {addresses: [10.244.2.5], nodeName: node-b, conditions: {ready: true}}
""",
    # LoadBalancer, Local policy, dual stack (an IPv6 LB IP), its endpoints on this node, weighted ECMP.
    "api.yaml": """\
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop, annotations: {svcbgp.io/weighted-ecmp: "true"}}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.11
  clusterIPs: [10.96.0.11, "fd00:10:96::11"]
  ipFamilies: [IPv4, IPv6]
  externalTrafficPolicy: Local
  ports: [{port: 443, protocol: TCP, targetPort: 8443}]
status:
  loadBalancer: {ingress: [{ip: 198.51.100.11}, {ip: "2001:db8:100::11"}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: api-v4
  namespace: shop
  labels: {kubernetes.io/service-name: api}
addressType: IPv4
endpoints:
  - {addresses: [10.244.1.7], nodeName: node-a, conditions: {ready: true}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: api-v6
  namespace: shop
  labels: {kubernetes.io/service-name: api}
addressType: IPv6
endpoints:
  - {addresses: ["fd00:244:1::7"], nodeName: node-a, conditions: {ready: true}}
""",
    # LoadBalancer, Local policy, the only endpoint elsewhere: not announced from this node.
    "cache.yaml": """\
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: shop}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.12
  externalTrafficPolicy: Local
status:
  loadBalancer: {ingress: [{ip: 198.51.100.12}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: cache-1
  namespace: shop
  labels: {kubernetes.io/service-name: cache}
addressType: IPv4
endpoints:
  - {addresses: [10.244.2.9], nodeName: node-b, conditions: {ready: true}}
""",
    # ExternalIPs: one inside advertise.external_ips.cidrs, one outside (never announced).
    "legacy.yaml": """\
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: shop}
spec:
  type: ClusterIP
  clusterIP: 10.96.0.13
  externalIPs: [192.0.2.20, 203.0.113.5]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: legacy-1
  namespace: shop
  labels: {kubernetes.io/service-name: legacy}
addressType: IPv4
endpoints:
  - {addresses: [10.244.3.3], nodeName: node-c, conditions: {ready: true}}
""",
    # Headless: nothing to announce.
    "db.yaml": """\
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: None
""",
}

# The routes svcbgpd sends tor1 (what BIRD must hold): the ClusterIP aggregates, api's ClusterIPs (a Local
# service's ClusterIP goes out per service), the LB IPs of web and api, legacy's allowed ExternalIP.
EXPORT_V4 = {"10.96.0.0/16", "10.96.0.11/32", "198.51.100.10/32", "198.51.100.11/32", "192.0.2.20/32"}
EXPORT_V6 = {"fd00:10:96::/112", "fd00:10:96::11/128", "2001:db8:100::11/128"}


def svcbgpd_config(work, extra_peers=()):
    """svcbgpd's config file (JSON is YAML)."""
    peers = [
        {"name": "tor1", "address": "10.99.61.1", "asn": TOR_AS, "hold_time": 90, "keepalive_time": 30,
         "connect_retry_time": 1, "families": ["ipv4", "ipv6"], "next_hop_v6": "fd99:61::2"},
        # Passive: it waits in Active for a peer that never calls (a connecting one would flap between Connect
        # and Idle, and the goldens could not pin its state).
        {"name": "tor2", "address": DEAD_PEER, "asn": TOR_AS, "passive": True, "families": ["ipv4"]},
        # Configured but administratively down.
        {"name": "tor3", "address": DOWN_PEER, "asn": TOR_AS, "enabled": False, "families": ["ipv4"]},
    ] + list(extra_peers)
    return {
        "node_name": NODE_NAME,
        "router_id": "10.99.61.2",
        "local_asn": NODE_AS,
        "listen": {"address": "10.99.61.2", "port": 179},
        "graceful_restart": {"enabled": True, "restart_time": 120},
        "shutdown": "withdraw",
        "peers": peers,
        "advertise": {
            "cluster_ips": {"cidrs": ["10.96.0.0/16", "fd00:10:96::/112"], "mode": "aggregate"},
            "external_ips": {"cidrs": ["192.0.2.0/24"]},
            "load_balancer_ips": {"cidrs": ["198.51.100.0/24", "2001:db8:100::/64"]},
            "terminating_endpoints": "deprefer",
            "communities": ["65000:100"],
            "batch_delay_ms": 10,
        },
        "kubernetes": {"source": "directory", "directory": os.path.join(work, "cluster")},
        "admin": {"socket": os.path.join(work, "svcbgpd.sock")},
        "http": {"listen": "127.0.0.1:9179"},
        "log": {"level": "info", "format": "text"},
    }


class Svcbgpd(Daemon):
    name = "svcbgpd"

    def __init__(self, binary, ns):
        super().__init__(ns, NODE_AS, "10.99.61.2", [])
        self.binary = binary
        self.cluster = self.path("cluster")
        os.mkdir(self.cluster)
        for name, text in CLUSTER.items():
            self.write(os.path.join("cluster", name), text)
        self.conf = self.path("svcbgpd.yaml")
        self.socket = self.path("svcbgpd.sock")

    def write_config(self, cfg):
        self.write("svcbgpd.yaml", json.dumps(cfg, indent=1) + "\n")

    def start(self):
        self.write_config(svcbgpd_config(self.dir))
        self._spawn([self.binary, "--config", self.conf])
        self._wait_ready()
        return self

    def ready(self):
        return os.path.exists(self.socket) and svcbgpc(self.socket, "show", "status").rc == 0


class Bird1(Bird):
    """BIRD with its protocol named node1 (as an operator would name it)."""

    def proto_name(self, address):
        return "node1"


# ------------------------------------------------------------------------------------------------------------------
# svcbgpc

class Result:
    def __init__(self, argv, p):
        self.argv, self.rc, self.out, self.err = argv, p.returncode, p.stdout, p.stderr

    def __repr__(self):
        return f"svcbgpc {' '.join(self.argv)} -> rc {self.rc}\nstdout:\n{self.out}\nstderr:\n{self.err}"


def svcbgpc(socket, *args, json_out=False, stdin=None, timeout=20):
    """One svcbgpc run; stdin (text) feeds its prompt when no command is given."""
    argv = ["-s", socket] + (["--json"] if json_out else []) + list(args)
    p = subprocess.run([svcbgpc_binary()] + argv, input=stdin if stdin is not None else "",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, env=dict(os.environ, TZ="UTC"))
    return Result(argv, p)


# ------------------------------------------------------------------------------------------------------------------
# Normalisation: whatever varies between runs becomes a placeholder of the same width, so the golden files keep
# birdc's columns.

_NORMALISE = [
    (re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\b"), "YYYY-MM-DD HH:MM:SS.mmm"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}\.\d{3}\b"), "HH:MM:SS.mmm"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "YYYY-MM-DD"),
    (re.compile(r"\b\d+d \d{2}:\d{2}:\d{2}\b"), "Nd HH:MM:SS"),                 # uptime
    (re.compile(r"(timer:\s+)\d+\.\d{3}/"), r"\1SS.mmm/"),                       # hold/keepalive left: 66.677/90
    # Keepalives (and so the totals) depend on how long the session has been up.
    (re.compile(r"^(      (?:Keepalives|Total):\s+)\d+(\s+)\d+$", re.M), r"\1N\2N"),
]


def normalise(text, tmp_dirs=()):
    for d in tmp_dirs:
        text = text.replace(d, "<tmp>")
    for rx, sub in _NORMALISE:
        text = rx.sub(sub, text)
    return text


# ------------------------------------------------------------------------------------------------------------------
# Readers of svcbgpc's text output (to check it against --json) and of BIRD's.

def parse_protocols(text):
    """{name: {"state", "since", "info"}} from the `Name Proto Table State Since Info` lines."""
    out = {}
    for line in text.splitlines()[1:]:
        if not line or line.startswith(" "):
            continue
        f = line.split(None, 5)
        out[f[0]] = {"proto": f[1], "table": f[2], "state": f[3], "since": f[4],
                     "info": f[5].strip() if len(f) > 5 else ""}
    return out


_ROUTE_HEAD = re.compile(r"^(\S+)\s+unicast \[(\S+) ([^\]]+)\] (\*?) ?\((\d+)\) \[AS(\d*)([ie?])\]$")


def parse_routes(text):
    """[{table, prefix, peer, primary, pref, origin_as, next_hop, attrs{}}] from show route [all]."""
    routes, table, cur = [], None, None
    for line in text.splitlines():
        m = re.match(r"^Table (\S+):$", line)
        if m:
            table = m.group(1)
            continue
        m = _ROUTE_HEAD.match(line)
        if m:
            cur = {"table": table, "prefix": m.group(1), "peer": m.group(2), "primary": m.group(4) == "*",
                   "pref": int(m.group(5)), "origin_as": int(m.group(6)) if m.group(6) else None,
                   "origin": m.group(7), "next_hop": None, "attrs": {}}
            routes.append(cur)
            continue
        if line.startswith("\tvia ") and cur is not None:
            cur["next_hop"] = line.split()[1]
        elif line.startswith("\t") and cur is not None and ":" in line:
            k, v = line.strip().split(":", 1)
            cur["attrs"][k] = v.strip()
    return routes


_COUNT = re.compile(r"^(\d+) of (\d+) routes for (\d+) networks in table (\S+)$")


def parse_counts(text):
    out, total = {}, None
    for line in text.splitlines():
        m = _COUNT.match(line)
        if m:
            out[m.group(4)] = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.match(r"^Total: (\d+) of (\d+) routes for (\d+) networks in (\d+) tables$", line)
        if m:
            total = tuple(int(x) for x in m.groups())
    return out, total


def parse_services(text, weights=None):
    """[(service, kind, ip, policy, local, ready, announced, reason)] from the SERVICE table; the WEIGHT
    column, shown when weighted ECMP weighs a route, goes into `weights` {(service, ip): weight}."""
    lines = text.splitlines()
    assert lines and lines[0].startswith("SERVICE"), text
    has_weight = "WEIGHT" in lines[0].split()
    rows = []
    for line in lines[1:]:
        if not line.strip() or line.startswith("IP "):
            continue
        f = line.split()
        if has_weight:
            if weights is not None:
                weights[(f[0], f[2])] = f[6]
            del f[6]
        rows.append(tuple(f))
    return rows


def table_of(route_json):
    fam = "6" if ":" in route_json["prefix"] else "4"
    return ("export" if route_json["direction"] == "ROUTE_DIRECTION_EXPORTED" else "master") + fam


def detail_value(text, key):
    m = re.search(rf"^\s+{re.escape(key)}:\s*(.*)$", text, re.M)
    return m.group(1).strip() if m else None


def bird_since(bird):
    """The Since column of BIRD's node1 line."""
    for line in bird.birdc("show", "protocols", "node1").splitlines():
        if line.startswith("node1 "):
            return line.split()[4]
    return None


def bird_channel_stats(bird):
    """{"ipv4": {"import_updates": received, "export_updates": received}, "ipv6": {...}} of node1."""
    out, fam = {}, None
    for line in bird.birdc("show", "protocols", "all", "node1").splitlines():
        m = re.match(r"^\s+Channel (ipv4|ipv6)$", line)
        if m:
            fam = m.group(1)
            out[fam] = {}
            continue
        m = re.match(r"^\s+(Import|Export) updates:\s+(\d+)", line)
        if m and fam:
            out[fam][m.group(1).lower() + "_updates"] = int(m.group(2))
    return out


def same_keys(a, b):
    return sorted(a) == sorted(b)


# ------------------------------------------------------------------------------------------------------------------


class SvcbgpcLive(unittest.TestCase):
    """Cases run in name order on one topology: 1xx goldens + JSON on the fresh daemon, 2xx session commands,
    3xx configure, 4xx errors, 9xx `down`."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        for what, b in (("svcbgpd", svcbgpd_binary()), ("svcbgpc", svcbgpc_binary())):
            if not b or not os.access(b, os.X_OK):
                raise RuntimeError(f"{what} binary not found or not executable: {b!r}")
        cls.topo = netns.Topology(PREFIX, INDEX).up()
        try:
            t = cls.topo
            cls.bird = Bird1(t.tor, TOR_AS, t.tor_v4,
                             [Neighbor(t.node_v4, NODE_AS, hold_time=90, keepalive=30, connect_retry=1)]).start()
            cls.daemon = Svcbgpd(svcbgpd_binary(), t.node).start()
            cls.sock = cls.daemon.socket
            cls.wait_bird_routes()
            wait_until(lambda: cls.protocols().get("tor1", {}).get("info") == "Established", POLL,
                       what="svcbgpc: tor1 Established")
        except BaseException:
            for name in ("daemon", "bird"):
                obj = getattr(cls, name, None)
                if obj is not None:
                    print(f"# --- {name} log (tail) ---\n" + "".join(f"# {line}\n" for line in
                                                                     obj.log_tail(30).splitlines()))
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for name in ("daemon", "bird"):
            obj = getattr(cls, name, None)
            if obj is not None:
                try:
                    obj.close()
                except Exception as exc:
                    print(f"# close {name}: {exc!r}", file=sys.stderr)
        cls.topo.down()

    def setUp(self):
        self.logs = {}

    def tearDown(self):
        # run.py prints these when the case failed.
        self.logs["svcbgpd log"] = self.daemon.log_tail(25)
        self.logs["bird log"] = self.bird.log_tail(10)

    # -- helpers -------------------------------------------------------------------------------------------------

    @classmethod
    def c(cls, *args, **kw):
        return svcbgpc(cls.sock, *args, **kw)

    def ok(self, *args, **kw):
        r = self.c(*args, **kw)
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(r.err, "", repr(r))
        return r

    def js(self, *args):
        r = self.ok(*args, json_out=True)
        try:
            return json.loads(r.out)
        except ValueError as exc:
            self.fail(f"--json output is not JSON ({exc}): {r!r}")

    @classmethod
    def protocols(cls):
        r = cls.c("show", "protocols")
        return parse_protocols(r.out) if r.rc == 0 else {}

    def peer_json(self, name):
        return self.js("show", "protocols", "all", name)["peer"]

    @classmethod
    def wait_bird_routes(cls, v4=EXPORT_V4, v6=EXPORT_V6):
        for fam, want in (("ipv4", v4), ("ipv6", v6)):
            cls.bird.wait_routes(fam, lambda rs, w=want: {r["prefix"] for r in rs} == w, POLL,
                                 what=f"{fam} routes {sorted(want)}")

    def wait_established(self):
        """tor1 Established on both sides (bounded poll)."""
        wait_until(lambda: self.protocols().get("tor1", {}).get("info") == "Established", POLL,
                   what="svcbgpc: tor1 Established")
        self.bird.wait_established(self.topo.node_v4, POLL)

    def golden(self, name, text):
        text = normalise(text, (self.daemon.dir,))
        path = os.path.join(GOLDEN_DIR, name + ".txt")
        if UPDATE:
            os.makedirs(GOLDEN_DIR, exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            return
        with open(path) as f:
            want = f.read()
        if text != want:
            diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                                f"golden_live/{name}.txt", "svcbgpc (normalised)"))
            self.fail(f"output differs from {path} (SVCBGP_UPDATE_GOLDEN=1 rewrites it):\n{diff}")

    def text_and_json(self, golden_name, *cmd):
        text = self.ok(*cmd).out
        self.golden(golden_name, text)
        return text, self.js(*cmd)

    def assert_routes_match(self, text_routes, json_routes, attrs=False):
        """The text listing and the JSON carry the same routes: table, prefix, peer, next hop (and with `all`
        the AS path, origin and communities)."""
        def from_text(r):
            key = (r["table"], r["prefix"], r["peer"], r["next_hop"])
            if attrs:
                comms = re.findall(r"\((\d+),(\d+)\)", r["attrs"].get("BGP.community", ""))
                key += (r["attrs"].get("BGP.as_path"), r["attrs"].get("BGP.origin"),
                        r["attrs"].get("BGP.next_hop"), tuple(sorted(f"{a}:{b}" for a, b in comms)))
            return key

        def from_json(r):
            a = r["attributes"]
            key = (table_of(r), r["prefix"], r["peer"], a["next_hop"])
            if attrs:
                key += (a["as_path"], a["origin"], a["next_hop"], tuple(sorted(a["communities"])))
            return key
        self.assertEqual(sorted(from_text(r) for r in text_routes), sorted(from_json(r) for r in json_routes))
        for r in json_routes:
            self.assertEqual(r["attributes"]["origin_as"], NODE_AS, r)

    def assert_bird_has(self, text_routes):
        """What svcbgpc says tor1 is sent is what BIRD holds from node1: prefixes, next hops, AS paths,
        communities, and extended communities printed alike (api's weighted-ECMP link bandwidth)."""
        bird = {}
        for fam in ("ipv4", "ipv6"):
            for r in self.bird.routes(fam):
                bird[r["prefix"]] = (r["next_hop"], r["as_path"], sorted(r["communities"]), r["ext_communities"])
        ours = {}
        for r in text_routes:
            if r["table"].startswith("export"):
                comms = re.findall(r"\((\d+),(\d+)\)", r["attrs"].get("BGP.community", "(65000,100)"))
                ours[r["prefix"]] = (r["next_hop"], [r["origin_as"]], sorted(f"{a}:{b}" for a, b in comms),
                                     r["attrs"].get("BGP.ext_community", ""))
        self.assertEqual(ours, bird)

    # -- 1xx: every show command, golden text and the same data in --json ------------------------------------

    def test_101_show_status(self):
        text, j = self.text_and_json("status", "show", "status")
        self.assertIn(f"svcbgpd {j['version']}\n", text)
        self.assertIn(f"Node name is {j['node_name']}\n", text)
        self.assertIn(f"Router ID is {j['router_id']}\n", text)
        self.assertIn(f"Local AS is {j['local_asn']}\n", text)
        self.assertIn(f"Config file is {j['config_path']}\n", text)
        self.assertEqual((j["node_name"], j["router_id"], j["local_asn"], j["config_path"]),
                         (NODE_NAME, "10.99.61.2", NODE_AS, self.daemon.conf))
        self.assertTrue(j["ready"])
        self.assertIn("Daemon is up and running", text)
        rows = {}
        for line in text.split("Kubernetes sources:\n", 1)[1].splitlines()[1:]:
            f = line.split()
            if len(f) >= 6:
                rows[f[0]] = (f[1], f[2], int(f[3]), int(f[4]), int(f[5]))
        self.assertEqual(rows, {s["resource"]: ("yes" if s["synced"] else "no", s["phase"], int(s["objects"]),
                                                int(s["relists"]), int(s["events"])) for s in j["sources"]})
        # The folder holds 5 Services, 5 EndpointSlices, 1 Node.
        self.assertEqual({k: v[2] for k, v in rows.items()}, {"services": 5, "endpointslices": 5, "nodes": 1})

    def test_102_show_protocols(self):
        text, j = self.text_and_json("protocols", "show", "protocols")
        self.assertTrue(text.startswith("Name       Proto      Table      State  Since         Info\n"), text)
        rows = parse_protocols(text)
        self.assertEqual(list(rows), [p["name"] for p in j["peers"]])
        self.assertEqual({n: (r["state"], r["info"]) for n, r in rows.items()},
                         {"tor1": ("up", "Established"), "tor2": ("start", "Active"), "tor3": ("down", "")})
        for p in j["peers"]:
            state = "down" if not p["enabled"] else "up" if p["state_name"] == "Established" else "start"
            info = "" if not p["enabled"] else (p["state_name"] + " " + p["last_error"]).strip()
            self.assertEqual((rows[p["name"]]["state"], rows[p["name"]]["info"]), (state, info), p["name"])
        self.assertEqual([(p["name"], p["address"], p["asn"]) for p in j["peers"]],
                         [("tor1", "10.99.61.1", TOR_AS), ("tor2", DEAD_PEER, TOR_AS), ("tor3", DOWN_PEER, TOR_AS)])

    def test_103a_show_protocols_all_tor1(self):
        text, j = self.text_and_json("protocols_all_tor1", "show", "protocols", "all", "tor1")
        p = j["peer"]
        self.assertEqual(parse_protocols(text)["tor1"]["info"], p["state_name"])
        self.assertEqual(detail_value(text, "BGP state"), p["state_name"])
        self.assertEqual(detail_value(text, "Neighbor address"), p["address"])
        self.assertEqual(detail_value(text, "Neighbor AS"), str(p["asn"]))
        self.assertEqual(detail_value(text, "Local AS"), str(p["local_asn"]))
        self.assertEqual(detail_value(text, "Neighbor ID"), p["session"]["peer_router_id"])
        self.assertEqual(detail_value(text, "Source address"), p["local_address"])
        # The time left over the negotiated time, in BIRD's own form (its lines for this session beside ours).
        bird_all = self.bird.birdc("show", "protocols", "all", "node1")
        for key, negotiated, left in (("Hold timer", "hold_time", "hold_timer_left_ms"),
                                      ("Keepalive timer", "keepalive_time", "keepalive_timer_left_ms")):
            ours, theirs = detail_value(text, key), detail_value(bird_all, key)
            self.assertRegex(ours, r"^\d+\.\d{3}/\d+$", key)
            self.assertRegex(theirs or "", r"^\d+\.\d{3}/\d+$", f"BIRD's {key}: {theirs!r}")
            self.assertEqual(ours.split("/")[1], str(p["session"][negotiated]))
            self.assertEqual(theirs.split("/")[1], str(p["session"][negotiated]), "BIRD negotiated the same")
            # Running, so never above the negotiated time (the JSON was read a moment apart: a keepalive
            # between the two reads restarts the timers, so the two values are not compared).
            self.assertLessEqual(float(ours.split("/")[0]), float(p["session"][negotiated]))
            self.assertLessEqual(p["session"][left], 1000 * p["session"][negotiated])
        # GoBGP's columns: Sent, then Rcvd.
        self.assertRegex(text, r"\n    Message statistics:\n +Sent +Rcvd\n")
        for row, key in (("Opens", "open"), ("Updates", "update"), ("Notifications", "notification"),
                         ("Keepalives", "keepalive"), ("Route Refresh", "route_refresh"), ("Total", "total")):
            self.assertEqual(detail_value(text, row).split(), [p["sent"][key], p["received"][key]], row)
        chans = re.findall(r"^  Channel (\S+)\n.*?\n    Routes:\s+(\d+) imported, (\d+) exported", text, re.M | re.S)
        self.assertEqual(chans, [(f["family"], f["received"], f["exported"]) for f in p["family_stats"]])
        self.assertEqual({f["family"]: int(f["exported"]) for f in p["family_stats"]},
                         {"ipv4": len(EXPORT_V4), "ipv6": len(EXPORT_V6)})
        # And BIRD, on the other end, agrees about the session.
        info = self.bird.protocol_info(self.topo.node_v4)
        self.assertEqual(detail_value(info, "Neighbor ID"), "10.99.61.2")
        self.assertEqual(detail_value(info, "BGP state"), "Established")

    def test_103_show_protocols_all(self):
        text, j = self.text_and_json("protocols_all", "show", "protocols", "all")
        rows = parse_protocols(text)
        self.assertEqual(list(rows), [p["name"] for p in j["peers"]])
        self.assertEqual(re.findall(r"^  BGP state:\s+(\S+)$", text, re.M),
                         [p["state_name"] if p["enabled"] else "Down" for p in j["peers"]])
        self.assertEqual(re.findall(r"^    Neighbor address:\s+(\S+)$", text, re.M), [p["address"] for p in j["peers"]])
        # Only the established session has a Neighbor ID and capabilities.
        self.assertEqual(re.findall(r"^    Neighbor ID:\s+(\S+)$", text, re.M),
                         [p["session"]["peer_router_id"] for p in j["peers"] if "session" in p])
        self.assertEqual([p["name"] for p in j["peers"] if "session" in p], ["tor1"])

    def test_104_show_route(self):
        text, j = self.text_and_json("route", "show", "route")
        routes = parse_routes(text)
        self.assertEqual(len(routes), len(EXPORT_V4) + len(EXPORT_V6), text)
        self.assertTrue(all(r["primary"] and r["pref"] == 100 and r["origin"] == "i" for r in routes), text)
        self.assertEqual({r["prefix"] for r in routes}, EXPORT_V4 | EXPORT_V6)
        self.assert_routes_match(routes, j["routes"])

    def test_105_show_route_all(self):
        text, j = self.text_and_json("route_all", "show", "route", "all")
        routes = parse_routes(text)
        self.assert_routes_match(routes, j["routes"], attrs=True)
        for r in routes:
            self.assertEqual(r["attrs"].get("Type"), "BGP univ", r)
        self.assert_bird_has(routes)

    def test_106_show_route_count(self):
        text, j = self.text_and_json("route_count", "show", "route", "count")
        tables, total = parse_counts(text)
        want = {}
        for c in j["counts"]:
            name = ("export" if c["direction"] == "ROUTE_DIRECTION_EXPORTED" else "master") + c["family"][-1]
            want[name] = (int(c["routes"]), int(c["routes"]), int(c["networks"]))
        self.assertEqual(tables, want)
        self.assertEqual(tables["export4"][0], len(EXPORT_V4))
        self.assertEqual(tables["export6"][0], len(EXPORT_V6))
        n = sum(v[0] for v in tables.values())
        self.assertEqual(total, (n, n, sum(v[2] for v in tables.values()), len(tables)))

    def route_for(self, golden_name, ip, prefix, service, kind, policy, reason):
        text, j = self.text_and_json(golden_name, "show", "route", "for", ip)
        routes = parse_routes(text)
        self.assertEqual([r["prefix"] for r in routes], [prefix], text)
        self.assert_routes_match(routes, j["routes"]["routes"])
        svc = j["services"]["services"]
        self.assertEqual([(f"{s['namespace']}/{s['name']}", s["kind"], s["ip"], s["traffic_policy"],
                           s["announced_as"], s["reason"]) for s in svc],
                         [(service, kind, ip, policy, prefix, reason)])
        self.assertIn(f"IP {ip} belongs to service {service} ({kind}, {policy}): announced as {prefix} ({reason})",
                      text)

    def test_107_show_route_for_lb_ip(self):
        self.route_for("route_for_lb", "198.51.100.11", "198.51.100.11/32", "shop/api", "LoadBalancerIP", "Local",
                       "announced")

    def test_108_show_route_for_cluster_ip_in_aggregate(self):
        self.route_for("route_for_clusterip", "10.96.0.10", "10.96.0.0/16", "shop/web", "ClusterIP", "Cluster",
                       "announcedAggregate")

    def test_109_show_route_export_tor1(self):
        text, j = self.text_and_json("route_export_tor1", "show", "route", "export", "tor1")
        routes = parse_routes(text)
        self.assertEqual({r["peer"] for r in routes}, {"tor1"})
        self.assertEqual({r["prefix"] for r in routes}, EXPORT_V4 | EXPORT_V6)
        self.assert_routes_match(routes, j["routes"])
        self.assertEqual({r["prefix"] for r in routes},
                         {r["prefix"] for fam in ("ipv4", "ipv6") for r in self.bird.routes(fam)})

    def services_rows(self, j):
        rows = []
        for s in j["services"]:
            rows.append((f"{s['namespace']}/{s['name']}", s["kind"], s["ip"], s["traffic_policy"],
                         f"{s['local_ready']}/{s['local_draining']}", str(s["ready_endpoints"]),
                         s["announced_as"] if s["announced"] else "no", s["reason"]))
        return rows

    def test_110_show_services(self):
        text, j = self.text_and_json("services", "show", "services")
        weights = {}
        rows = parse_services(text, weights)
        self.assertEqual(rows, self.services_rows(j))
        # shop/api asks for weighted ECMP: its one ready local endpoint; nobody else's route has a weight.
        self.assertEqual({k: w for k, w in weights.items() if w != "-"},
                         {("shop/api", ip): "1" for ip in ("10.96.0.11", "fd00:10:96::11", "198.51.100.11",
                                                            "2001:db8:100::11")})
        self.assertEqual({(f"{s['namespace']}/{s['name']}", s["ip"]): str(s["weight"]) for s in j["services"]
                          if "weight" in s}, {k: w for k, w in weights.items() if w != "-"})
        reasons = {(r[0], r[2]): r[7] for r in rows}
        self.assertEqual(reasons, {
            ("shop/api", "10.96.0.11"): "announced",
            ("shop/api", "fd00:10:96::11"): "announced",
            ("shop/api", "198.51.100.11"): "announced",
            ("shop/api", "2001:db8:100::11"): "announced",
            ("shop/cache", "10.96.0.12"): "noLocalEndpoints",
            ("shop/cache", "198.51.100.12"): "noLocalEndpoints",
            ("shop/db", "None"): "headless",
            ("shop/legacy", "10.96.0.13"): "announcedAggregate",
            ("shop/legacy", "192.0.2.20"): "announced",
            ("shop/legacy", "203.0.113.5"): "notInAllowedCidrs",
            ("shop/web", "10.96.0.10"): "announcedAggregate",
            ("shop/web", "198.51.100.10"): "announced",
        })
        # Every announced prefix is one BIRD holds; the IPv6 ClusterIP aggregate goes out with no service in it.
        announced = {r[6] for r in rows if r[6] != "no"}
        self.assertEqual((EXPORT_V4 | EXPORT_V6) - announced, {"fd00:10:96::/112"})

    def test_111_show_services_one(self):
        text, j = self.text_and_json("services_shop_api", "show", "services", "shop/api")
        rows = parse_services(text)
        self.assertEqual(rows, self.services_rows(j))
        self.assertEqual({r[0] for r in rows}, {"shop/api"})
        self.assertEqual(len(rows), 4)

    # -- 2xx: session commands, seen from BIRD -----------------------------------------------------------------

    def test_201_disable_with_message_then_enable(self):
        r = self.ok("disable", "tor1", "maintenance")
        self.assertIn("tor1", r.out)
        problems = []
        try:
            wait_until(lambda: self.bird.shutdown_message(self.topo.node_v4) == "maintenance", POLL,
                       what="BIRD shows the shutdown message")
            self.assertIn('Received: Administrative shutdown: "maintenance"', self.bird.log_tail(20))
            self.assertNotEqual(self.bird.neighbor_state(self.topo.node_v4), "established")
            row = wait_until(lambda: (lambda r: r if r and r["info"] != "Established" else None)(
                self.protocols().get("tor1")), POLL, what="svcbgpc: tor1 no longer up")
            # A disabled protocol is "down" in birdc; svcbgpc must say so too.
            if row["state"] != "down":
                problems.append(f"after `disable tor1`, show protocols says {row} (want state down)")
            p = self.peer_json("tor1")
            if p["enabled"]:
                problems.append("after `disable tor1`, --json still says enabled: true")
            self.assertGreaterEqual(int(p["sent"]["notification"]), 1)
        finally:
            self.ok("enable", "tor1")
        self.wait_established()
        self.wait_bird_routes()
        self.assertEqual(self.protocols()["tor1"]["state"], "up")
        self.assertFalse(problems, "disable is not shown as BIRD shows it (tests/cli/FINDINGS.txt F1):\n"
                         + "\n".join(problems))

    def test_202_disable_quoted_message_at_the_prompt(self):
        # The prompt (stdin, not a tty) splits the line like birdc: the quoted words are one message.
        r = self.c(stdin='disable tor1 "planned maintenance window"\n')
        self.assertEqual(r.rc, 0, repr(r))
        try:
            wait_until(lambda: self.bird.shutdown_message(self.topo.node_v4) == "planned maintenance window",
                       POLL, what="BIRD shows the quoted shutdown message")
        finally:
            self.ok("enable", "tor1")
        self.wait_established()
        self.wait_bird_routes()

    def test_203_restart_resets_the_session(self):
        self.wait_established()
        bird_before = bird_since(self.bird)
        before = self.peer_json("tor1")
        r = self.ok("restart", "tor1")
        self.assertIn("tor1", r.out)
        # BIRD saw the session go down and come back: a new Since, Established again.
        wait_until(lambda: bird_since(self.bird) != bird_before
                   and self.bird.established(self.topo.node_v4), POLL, what="BIRD: node1 re-established")
        self.wait_established()
        after = self.peer_json("tor1")
        self.assertNotEqual(after["since"], before["since"])
        self.assertEqual(int(after["sent"]["notification"]), int(before["sent"]["notification"]) + 1)
        self.assertEqual(int(after["sent"]["open"]), int(before["sent"]["open"]) + 1)
        self.assertEqual(int(after["received"]["open"]), int(before["received"]["open"]) + 1)
        self.assertIn('notification="Cease/Administrative Reset"', self.daemon.log_tail(40))
        self.wait_bird_routes()

    def test_204_reload_out_resends_the_table(self):
        self.wait_established()
        self.wait_bird_routes()
        before = bird_channel_stats(self.bird)
        self.ok("reload", "out", "tor1")
        want = {"ipv4": before["ipv4"]["import_updates"] + len(EXPORT_V4),
                "ipv6": before["ipv6"]["import_updates"] + len(EXPORT_V6)}
        wait_until(lambda: {f: s["import_updates"] for f, s in bird_channel_stats(self.bird).items()} == want,
                   POLL, what=f"BIRD Import updates received {want}")
        self.assertTrue(self.bird.established(self.topo.node_v4))
        self.wait_bird_routes()

    def test_205_reload_in_sends_route_refresh(self):
        self.wait_established()
        before = self.peer_json("tor1")
        bird_before = bird_channel_stats(self.bird)
        self.ok("reload", "in", "tor1")
        # One ROUTE-REFRESH per family; BIRD answers by re-running its export to node1 for its whole table.
        after = wait_until(lambda: (lambda p: p if int(p["sent"]["route_refresh"])
                                    >= int(before["sent"]["route_refresh"]) + 2 else None)(self.peer_json("tor1")),
                           POLL, what="svcbgpd sent ROUTE-REFRESH")
        self.assertEqual(int(after["sent"]["route_refresh"]), int(before["sent"]["route_refresh"]) + 2)
        want = {"ipv4": bird_before["ipv4"]["export_updates"] + len(EXPORT_V4),
                "ipv6": bird_before["ipv6"]["export_updates"] + len(EXPORT_V6)}
        wait_until(lambda: {f: s["export_updates"] for f, s in bird_channel_stats(self.bird).items()} == want,
                   POLL, what=f"BIRD Export updates {want}")
        self.assertEqual(after["since"], before["since"])   # no reset

    # -- 3xx: configure ----------------------------------------------------------------------------------------

    def test_301_configure_check_reports_a_broken_file_and_applies_nothing(self):
        self.wait_established()
        good = svcbgpd_config(self.daemon.dir)
        r = self.ok("configure", "check")
        self.golden("configure_check", r.out)
        before = self.peer_json("tor1")
        bird_before = bird_since(self.bird)
        broken = json.loads(json.dumps(good))
        broken["peers"][0]["asn"] = 0
        broken["peers"].append({"name": "tor4", "address": NEW_PEER, "asn": TOR_AS, "passive": True,
                                "families": ["ipv4"]})
        self.daemon.write_config(broken)
        try:
            r = self.c("configure", "check")
            self.assertEqual(r.rc, 1, repr(r))
            self.assertIn("peers[0].asn", r.out + r.err)
            self.golden("configure_check_broken", r.out + r.err)
            # Nor does a plain `configure` apply a broken file.
            r = self.c("configure")
            self.assertEqual(r.rc, 1, repr(r))
            self.assertIn("peers[0].asn", r.out + r.err)
            self.assertNotIn("tor4", self.protocols())
            after = self.peer_json("tor1")
            self.assertEqual((after["state_name"], after["asn"], after["since"]),
                             ("Established", TOR_AS, before["since"]))
            self.assertEqual(bird_since(self.bird), bird_before)
        finally:
            self.daemon.write_config(good)

    def test_302_configure_applies_a_new_peer(self):
        self.wait_established()
        before = self.peer_json("tor1")
        bird_before = bird_since(self.bird)
        cfg = svcbgpd_config(self.daemon.dir, extra_peers=[
            {"name": "tor4", "address": NEW_PEER, "asn": TOR_AS, "passive": True, "families": ["ipv4"]}])
        self.daemon.write_config(cfg)
        r = self.ok("configure")
        rows = wait_until(lambda: (lambda p: p if "tor4" in p else None)(self.protocols()), POLL,
                          what="show protocols lists tor4")
        self.assertEqual(list(rows), ["tor1", "tor2", "tor3", "tor4"], r.out)
        self.assertEqual((rows["tor4"]["state"], rows["tor4"]["info"]), ("start", "Active"))
        self.assertEqual([p["name"] for p in self.js("show", "protocols")["peers"]], list(rows))
        # The others were not touched.
        self.assertEqual(self.peer_json("tor1")["since"], before["since"])
        self.assertEqual(bird_since(self.bird), bird_before)
        self.assertIn("Last reconfiguration on", self.ok("show", "status").out)

    # -- 4xx: errors and exit codes ----------------------------------------------------------------------------

    def test_401_unknown_peer(self):
        for cmd in (["disable", "nosuch"], ["enable", "nosuch"], ["restart", "nosuch"], ["reload", "out", "nosuch"],
                    ["show", "protocols", "all", "nosuch"]):
            r = self.c(*cmd)
            self.assertEqual(r.rc, 1, repr(r))
            self.assertIn("no such peer: nosuch", r.err, repr(r))
            self.assertEqual(r.out, "", repr(r))
        self.assertEqual(self.protocols()["tor1"]["info"], "Established")

    def test_402_ambiguous_and_unknown_commands(self):
        r = self.c("re", "tor1")
        self.assertEqual(r.rc, 2, repr(r))
        self.assertIn('ambiguous "re"', r.err)
        self.assertIn("restart", r.err)
        self.assertIn("reload", r.err)
        r = self.c("frobnicate")
        self.assertEqual(r.rc, 2, repr(r))
        # Unique prefixes work, as in birdc.
        self.assertEqual(self.ok("s", "p").out, self.ok("show", "protocols").out)

    def test_403_socket_missing(self):
        missing = os.path.join(self.daemon.dir, "no-such.sock")
        r = svcbgpc(missing, "show", "status")
        self.assertEqual(r.rc, 3, repr(r))
        self.assertIn(missing, r.err)
        self.assertIn("is svcbgpd running?", r.err)

    # -- 9xx: last ---------------------------------------------------------------------------------------------

    def test_999_down(self):
        proc = self.daemon.proc
        r = self.ok("down")
        try:
            rc = proc.wait(timeout=POLL)
        except subprocess.TimeoutExpired:
            self.fail(f"svcbgpd still running {POLL}s after `down`")
        self.assertEqual(rc, 0, self.daemon.log_tail(20))
        # shutdown: withdraw -> BIRD sees a Cease and drops the routes.
        wait_until(lambda: not self.bird.established(self.topo.node_v4), POLL, what="BIRD: node1 down")
        self.wait_bird_routes(set(), set())
        r = self.c("show", "status")
        self.assertEqual(r.rc, 3, repr(r))


if __name__ == "__main__":
    unittest.main()
