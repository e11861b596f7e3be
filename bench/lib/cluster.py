"""Harness shared by P1, P3 and P6: one namespace (bn-...) that this process enters, holding the fake
API server (plain HTTP on 127.0.0.1), svcbgpd with `kubernetes.source: kubeconfig`, and NLRI-counting
sinks on 10.99.90.11.. that svcbgpd connects to; all addresses on the namespace's loopback."""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import benchlib as B

SVCBGPD_ADDR = "10.99.90.1"


def sink_addr(i):
    return f"10.99.90.{11 + i}"


def setup_ns(name, sinks):
    B.make_ns(name)
    for addr in [SVCBGPD_ADDR] + [sink_addr(i) for i in range(sinks)]:
        B.sh("ip", "-n", name, "addr", "add", f"{addr}/32", "dev", "lo")
    B.enter_ns(name)


class FakeApi:
    def __init__(self, work):
        self.log = open(os.path.join(work, "fake_apiserver.log"), "w")
        self.p = B.spawn(None, [sys.executable, B.FAKE_API, "--plain", "--port", "0", "--control-port", "0",
                                "--bookmark-interval", "60", "--exit-on-stdin-eof", "--state-dir",
                                os.path.join(work, "fake")],
                         stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.PIPE)
        self.ready = B.JsonLines(self.p).next(60)
        self.url, self.control, self.token = self.ready["url"], self.ready["control"], self.ready["token"]
        self.kubeconfig = self.ready["kubeconfig"]

    def ctl(self, method, path, body=None, timeout=3600):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.control + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"null")

    def api(self, path, timeout=600):
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def load(self, **generate):
        t = time.monotonic()
        self.ctl("POST", "/load", {"generate": generate})
        return time.monotonic() - t


def svcbgpd_config(work, kubeconfig, sinks, node="node-1", cluster_ips_per_service=False, batch_delay_ms=10,
                   weighted_ecmp=False):
    path = os.path.join(work, "svcbgpd.yaml")
    peers = "".join(f"""  - name: sink{i}
    address: {sink_addr(i)}
    asn: 65000
    hold_time: 90
    connect_retry_time: 1
    families: [ipv4, ipv6]
    next_hop_v6: "fd99:90::1"
    max_prefixes: 0
    advertise: [cluster_ips, load_balancer_ips]
""" for i in range(sinks))
    with open(path, "w") as f:
        f.write(f"""node_name: {node}
router_id: {SVCBGPD_ADDR}
local_asn: 64512
listen: {{ address: "{SVCBGPD_ADDR}", port: 179 }}
shutdown: graceful-restart
peers:
{peers}advertise:
  cluster_ips: {{ cidrs: [10.96.0.0/12], mode: {"per-service" if cluster_ips_per_service else "aggregate"} }}
  external_ips: {{ cidrs: [] }}
  load_balancer_ips: {{ cidrs: [172.16.0.0/12, "fd00:172:16::/64"] }}
  communities: []
  batch_delay_ms: {batch_delay_ms}
  weighted_ecmp: {{ enabled: {"true" if weighted_ecmp else "false"} }}
  # The generated ClusterIPs fill 10.96.0.0/12, which holds this namespace's 10.99.90.x.
  allow_special_ranges: true
kubernetes:
  source: kubeconfig
  kubeconfig: {kubeconfig}
admin: {{ socket: "{work}/svcbgpd.sock" }}
http: {{ listen: "127.0.0.1:9179" }}
log: {{ level: info, format: text }}
""")
    return path


class Svcbgpd:
    def __init__(self, build, config, work):
        self.log = os.path.join(work, "svcbgpd.log")
        f = open(self.log, "w")
        self.t_start = time.monotonic()
        # SVCBGPD_WRAPPER: a command prefix for profiling, e.g. "valgrind --tool=callgrind --collect-atstart=no"
        wrapper = os.environ.get("SVCBGPD_WRAPPER", "").split()
        self.p = B.spawn(None, wrapper + [os.path.join(build, "src/daemon/svcbgpd"), "--config", config],
                         stdout=f, stderr=f)
        self.pid = self.p.pid

    def wait_ready(self, timeout=900):
        B.wait_log(self.log, "table ready", timeout, proc=self.p)
        return time.monotonic() - self.t_start

    def metrics(self):
        with urllib.request.urlopen("http://127.0.0.1:9179/metrics", timeout=30) as r:
            return r.read().decode()

    def histogram(self, name):
        """{le: cumulative count}, sum, count of a histogram without labels."""
        buckets, total, count = {}, 0.0, 0
        for line in self.metrics().splitlines():
            if line.startswith(name + "_bucket"):
                le = line.split('le="', 1)[1].split('"', 1)[0]
                buckets[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
            elif line.startswith(name + "_sum"):
                total = float(line.rsplit(" ", 1)[1])
            elif line.startswith(name + "_count"):
                count = float(line.rsplit(" ", 1)[1])
        return buckets, total, count

    def stop(self):
        B.cleanup().stop(self.p)


def hist_diff(after, before):
    b = {k: after[0][k] - before[0].get(k, 0) for k in after[0]}
    return b, after[1] - before[1], after[2] - before[2]


def hist_quantile(h, q):
    """Upper bound of the bucket holding quantile q (what a histogram can tell)."""
    buckets, _, count = h
    if count <= 0:
        return None
    for le in sorted(buckets):
        if buckets[le] >= q * count:
            return le
    return float("inf")


def start_sinks(n, expect=0, log_prefixes=None):
    sinks = []
    for i in range(n):
        argv = [sys.executable, B.SINK, "--listen", sink_addr(i), "--stay", "--family", "ipv4"]
        if expect:
            argv += ["--expect", str(expect)]
        if log_prefixes:
            argv += ["--log-prefixes", log_prefixes]
        p = B.spawn(None, argv, stdout=subprocess.PIPE)
        jl = B.JsonLines(p)
        jl.next(30, {"listening"})
        sinks.append((p, jl))
    return sinks


class Churn:
    """Endpoint changes: flips the readiness of the single endpoint of chosen services' slices (each
    flip withdraws or re-announces that service's LoadBalancer IP). Needs a cluster generated with
    slices_per_service=1, endpoints_per_slice=1, lb_every=1, local_every=0, dual_stack_every=0."""

    def __init__(self, api, count):
        page = api.api(f"/apis/discovery.k8s.io/v1/endpointslices?limit={count}")
        svcs = api.api(f"/api/v1/services?limit={count + 50}")
        lb = {}
        for s in svcs["items"]:
            ing = s.get("status", {}).get("loadBalancer", {}).get("ingress", [])
            if ing:
                lb[(s["metadata"]["namespace"], s["metadata"]["name"])] = ing[0]["ip"]
        self.slices = []
        for sl in page["items"]:
            key = (sl["metadata"]["namespace"], sl["metadata"]["labels"]["kubernetes.io/service-name"])
            if key in lb:
                sl["apiVersion"], sl["kind"] = "discovery.k8s.io/v1", "EndpointSlice"
                sl["metadata"].pop("resourceVersion", None)
                self.slices.append((sl, lb[key] + "/32"))
        self.api = api
        self.i = 0

    def flip(self, k):
        """Prepares change number k: returns (object, prefix, "A" if it becomes ready else "W")."""
        sl, prefix = self.slices[k % len(self.slices)]
        c = sl["endpoints"][0].setdefault("conditions", {})
        ready = not (c.get("ready", True) and not c.get("terminating", False))
        c["ready"], c["serving"], c["terminating"] = ready, ready, False
        return json.loads(json.dumps(sl)), prefix, ("A" if ready else "W")

    def run(self, rate, changes, on_post=None):
        """Posts `changes` flips at `rate` per second (batches of several objects per POST above
        500/s). Returns [(t_post_ns, prefix, op)] and the achieved rate."""
        tick = max(1.0 / rate, 0.002)
        per = max(1, round(rate * tick))
        out = []
        t0 = time.monotonic()
        k = 0
        while k < changes:
            due = t0 + (k / per) * tick
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            batch = [self.flip(self.i + j) for j in range(min(per, changes - k))]
            self.i += len(batch)
            t = time.monotonic_ns()
            self.api.ctl("POST", "/objects", [b[0] for b in batch] if len(batch) > 1 else batch[0][0])
            out += [(t, b[1], b[2]) for b in batch]
            k += len(batch)
        return out, changes / (time.monotonic() - t0)


class ChurnCluster:
    """The shape P6 and the /metrics bench measure: a fake API server holding `services`
    LoadBalancer services with one ready endpoint each (what Churn flips), one sink, and svcbgpd
    peering with it, in a fresh work folder that close() removes with the processes."""

    def __init__(self, build, prefix, services):
        self.work = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.work, 0o755)
        self.api = FakeApi(self.work)
        self.api.load(services=services, slices_per_service=1, endpoints_per_slice=1, lb_every=1,
                      local_every=0, dual_stack_every=0, nodes=3, seed=1)
        self.sinks = start_sinks(1)
        self.svcbgpd = Svcbgpd(build, svcbgpd_config(self.work, self.api.kubeconfig, 1), self.work)

    def close(self):
        self.svcbgpd.stop()
        for p, _ in self.sinks:
            B.cleanup().stop(p)
        B.cleanup().stop(self.api.p)
        subprocess.run(["rm", "-rf", self.work])
