"""End to end: three svcbgpd nodes, one FRR ToR with ECMP, the fake Kubernetes API server driving the cluster.

Topology (lib_e2e.py): FRR bgpd with zebra (the weighted-ECMP case reads zebra's RIB) in sbe2e-tor, AS 65070, `maximum-paths 8` and
`bgp bestpath as-path multipath-relax` (the nodes have different ASNs: 64601..64603), `no bgp ebgp-requires-policy`,
graceful restart on; node-1..node-3 each in its own namespace on the ToR's bridge (10.99.70.11..13/24) running
svcbgpd with `kubernetes.source: kubeconfig` against the fake API server in sbe2e-api (https://10.99.71.1, reached
over a second veth per node, 10.99.71.0/24).  node-3 runs with `shutdown: withdraw`, the others with
`graceful-restart`.

The cases run in order and build on each other (one cluster, one service "e2e/web" with LoadBalancer IP
198.51.100.70); after each step the test reads FRR's `show bgp ipv4 unicast PREFIX json` until the expected paths
are there (polling, bounded by a timeout: the bound is the failure, not a synchronisation).

SVCBGP_E2E_SOURCE=directory runs the same cases with svcbgpd's `directory` source (manifests written into a folder);
case 05 needs the API server and is skipped then.
"""

import json
import os
import shutil
import time
import unittest

import jsonschema
import yaml

from lib_e2e import (API_NS, API_V4, NODES, TOR_ASN, TOR_NS, TOR_V4, DirectoryCluster, Frr, FrrPoller, Neighbor,
                     NsApiServer, Svcbgpd, Topology, cleanup, endpoint, endpoint_slice, histogram_delta,
                     lb_service, make_tmp, node_object, quantile, run, selected_next_hops, tor_paths,
                     wait_until)

SOURCE = os.environ.get("SVCBGP_E2E_SOURCE", "kubeconfig")
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NS = "e2e"
WEB, WEB_CLUSTER_IP, WEB_LB = "web", "10.96.70.10", "198.51.100.70"
WEB_PREFIX = WEB_LB + "/32"
CHURN, CHURN_CLUSTER_IP, CHURN_LB = "churn", "10.96.70.11", "198.51.100.71"
CHURN_PREFIX = CHURN_LB + "/32"
N1, N2, N3 = NODES
STEP_TIMEOUT = 15       # seconds for FRR to show the result of one step


def svcbgpd_binary():
    return os.environ.get("SVCBGP_SVCBGPD", "")


def kubectl_svcbgp_binary():
    """$SVCBGP_KUBECTL_SVCBGP, or the plugin in svcbgpd's build tree (build/src/kubectl_svcbgp/kubectl-svcbgp)."""
    return os.environ.get("SVCBGP_KUBECTL_SVCBGP") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(svcbgpd_binary()))), "kubectl_svcbgp", "kubectl-svcbgp")


def snapshot_diff(a, b):
    """What differs between two tor_snapshot()s: {key: (before, after)}: the table version, and per prefix its
    paths (peer, AS path, best, multipath), each path's version and stale flag, and its lastUpdate."""
    if isinstance(b, Exception):
        return {"error": repr(b)}
    out = {}
    if a["tableVersion"] != b["tableVersion"]:
        out["tableVersion"] = (a["tableVersion"], b["tableVersion"])
    for k in ("routes", "paths", "lastUpdate"):
        for prefix in sorted(set(a[k]) | set(b[k])):
            x, y = a[k].get(prefix), b[k].get(prefix)
            if k == "lastUpdate" and x and y and len(x) == len(y) and all(
                    p == q and (e == f or (e and f and abs(e - f) <= 1)) for (p, e), (q, f) in zip(x, y)):
                continue  # FRR computes the epoch from the path's uptime each time: +-1 s is the same moment
            if x != y:
                out[f"{k} {prefix}"] = (x, y)
    return out


class EndToEnd(unittest.TestCase):
    maxDiff = 4000

    # -- setup / teardown -------------------------------------------------------------------------------------------

    @classmethod
    def setUpClass(cls):
        if not svcbgpd_binary() or not os.access(svcbgpd_binary(), os.X_OK):
            raise RuntimeError(f"svcbgpd binary not found: {svcbgpd_binary()!r} (run.py --svcbgpd)")
        cls.t_start = time.monotonic()
        cls.nodes = {}
        cls.frr = None
        cls.api = None
        cls.topo = None
        try:
            cls._setup()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _setup(cls):
        cls.tmp, cls.tmp_token = make_tmp("svcbgp-e2e-")
        # A copy of the binary: every start in this run (restarts included) runs the same svcbgpd, even when the
        # build tree is relinked meanwhile.
        cls.binary = os.path.join(cls.tmp, "svcbgpd")
        shutil.copy2(svcbgpd_binary(), cls.binary)
        cls.topo = Topology(NODES).up()
        neighbors = [Neighbor(n.v4, n.asn, hold_time=9, keepalive=3, connect_retry=1, graceful_restart=True)
                     for n in NODES]
        cls.frr = Frr(TOR_NS, TOR_ASN, TOR_V4, neighbors, stalepath_time=300, tmp_parent=cls.tmp, zebra=True,
                      global_lines=["debug bgp updates in"],  # withdrawals received show in frr.log
                      router_lines=["bgp bestpath as-path multipath-relax", "timers bgp 3 9"],
                      af_lines={"ipv4": ["maximum-paths 8"], "ipv6": ["maximum-paths 8"]}).start()
        if SOURCE == "directory":
            d = os.path.join(cls.tmp, "cluster")
            os.mkdir(d)
            cls.cluster = DirectoryCluster(d)
            kubernetes = {"source": "directory", "directory": d}
        else:
            state = os.path.join(cls.tmp, "apiserver")
            os.mkdir(state)
            cls.api = cls.cluster = NsApiServer(API_NS, API_V4, state).start()
            kubernetes = {"source": "kubeconfig", "kubeconfig": cls.api.kubeconfig}
            # Installed as `kubectl apply -k configs/deploy` installs it, before svcbgpd starts.
            with open(os.path.join(REPO, "configs", "deploy", "crds", "bgpnodestatuses.yaml")) as f:
                cls.api.apply(yaml.safe_load(f))
        cls.cluster.apply([node_object(n) for n in NODES])
        for n in NODES:
            shutdown = "withdraw" if n is N3 else "graceful-restart"
            cls.nodes[n.name] = Svcbgpd(cls.binary, n, kubernetes, shutdown=shutdown, tmp_parent=cls.tmp)
        for n in NODES:
            cls.nodes[n.name].start()
        for n in NODES:
            cls.frr.wait_established(n.v4, timeout=30)
        print(f"# setup: topology, FRR, API server and 3 svcbgpd up in {time.monotonic() - cls.t_start:.1f}s")

    @classmethod
    def tearDownClass(cls):
        for d in list(cls.nodes.values()):
            try:
                d.close()
            except Exception as exc:
                print(f"# close {d.node.name}: {exc!r}")
        if cls.frr is not None:
            cls.frr.close()
        if cls.api is not None:
            cls.api.stop()
        if cls.topo is not None:
            cls.topo.down()
        if getattr(cls, "tmp_token", None):
            cleanup.run_one(cls.tmp_token)
        print(f"# e2e suite: {time.monotonic() - getattr(cls, 't_start', time.monotonic()):.1f}s in total")

    def setUp(self):
        self.logs = {}
        self.t0 = time.monotonic()

    def tearDown(self):
        # run.py prints these tails under a failed case.
        for name, d in self.nodes.items():
            self.logs[f"{name} svcbgpd log"] = d.log_tail(15)
        if self.frr is not None:
            try:
                self.logs["FRR paths of " + WEB_PREFIX] = repr(tor_paths(self.frr, WEB_PREFIX))
            except Exception as exc:
                self.logs["FRR paths of " + WEB_PREFIX] = repr(exc)
        if self.api is not None:
            self.logs["fake API server stderr"] = self.api.stderr_tail(1500)

    # -- helpers ----------------------------------------------------------------------------------------------------

    def paths(self, prefix=WEB_PREFIX):
        return tor_paths(self.frr, prefix)

    def wait_paths(self, pred, what, prefix=WEB_PREFIX, timeout=STEP_TIMEOUT):
        def probe():
            p = self.paths(prefix)
            return (p,) if pred(p) else None
        try:
            return wait_until(probe, timeout, 0.1, f"{prefix}: {what}")[0]
        except TimeoutError as exc:
            self.fail(f"{exc}\nFRR paths now: {self.paths(prefix)}")

    def wait_next_hops(self, nodes, what, prefix=WEB_PREFIX, exact_paths=True):
        want = sorted(n.v4 for n in nodes)

        def ok(paths):
            if selected_next_hops(paths) != want:
                return False
            return not exact_paths or sorted(p["next_hop"] for p in paths) == want
        return self.wait_paths(ok, f"{what}: next hops {want}", prefix)

    def web(self, policy, endpoints):
        self.cluster.apply(lb_service(WEB, NS, WEB_CLUSTER_IP, WEB_LB, policy))
        self.cluster.apply(endpoint_slice(f"{WEB}-1", NS, WEB, endpoints))

    def node(self, n):
        return self.nodes[n.name]

    def frr_log_size(self):
        try:
            return os.path.getsize(self.frr.path("frr.log"))
        except OSError:
            return 0

    def frr_log_since(self, offset):
        with open(self.frr.path("frr.log"), errors="replace") as f:
            f.seek(offset)
            return f.read()

    def took(self, what):
        print(f"# {what} after {time.monotonic() - self.t0:.2f}s")

    # -- cases ------------------------------------------------------------------------------------------------------

    def test_01_cluster_policy_ecmp(self):
        """A Cluster-policy LoadBalancer service with an endpoint on node-1: the /32 from all three nodes, ECMP."""
        self.web("Cluster", [endpoint("10.244.1.5", N1)])
        paths = self.wait_next_hops(NODES, "Cluster policy, endpoint on node-1")
        self.took("three next hops at the ToR")
        self.assertEqual(len(paths), 3, paths)
        for p in paths:
            node = next(n for n in NODES if n.v4 == p["next_hop"])
            self.assertEqual(p["as_path"], [node.asn], p)
            self.assertTrue(p["best"] or p["multipath"], p)
        self.assertEqual(sum(p["best"] for p in paths), 1, paths)
        self.assertEqual(sum(p["multipath"] for p in paths), 3, f"FRR multipath over all three: {paths}")

    def test_02_local_policy_one_node(self):
        """externalTrafficPolicy Local, endpoints on node-2 only: one next hop, node-2."""
        self.web("Local", [endpoint("10.244.2.5", N2)])
        paths = self.wait_next_hops([N2], "Local policy, endpoint on node-2")
        self.took("one next hop (node-2)")
        self.assertEqual(paths[0]["as_path"], [N2.asn])

    def test_03_endpoint_moves(self):
        """The endpoint moves to node-3: the next hop moves with it."""
        self.web("Local", [endpoint("10.244.3.5", N3)])
        paths = self.wait_next_hops([N3], "endpoint moved to node-3")
        self.took("next hop moved to node-3")
        self.assertEqual(paths[0]["as_path"], [N3.asn])

    def test_04_terminating_depreferred(self):
        """node-3's endpoint terminates (ready false, serving true) while a new one is ready on node-1: node-3 keeps
        announcing with a longer AS path and loses; the best path is via node-1."""
        self.web("Local", [endpoint("10.244.3.5", N3, ready=False, serving=True, terminating=True),
                           endpoint("10.244.1.6", N1)])

        def ok(paths):
            by = {p["next_hop"]: p for p in paths}
            return (set(by) == {N1.v4, N3.v4} and by[N1.v4]["best"] and not by[N3.v4]["best"]
                    and not by[N3.v4]["multipath"] and len(by[N3.v4]["as_path"]) > 1)
        paths = self.wait_paths(ok, "best via node-1, node-3 depreferred and present")
        self.took("node-3 depreferred, node-1 best")
        by = {p["next_hop"]: p for p in paths}
        self.assertEqual(by[N1.v4]["as_path"], [N1.asn])
        self.assertEqual(set(by[N3.v4]["as_path"]), {N3.asn}, by[N3.v4])
        print(f"# node-3's depreferred AS path: {by[N3.v4]['as_path']}")
        self.assertEqual(selected_next_hops(paths), [N1.v4])

    def tor_snapshot(self):
        t = self.frr.vjson("show bgp ipv4 unicast json")
        routes = {}
        for prefix, paths in sorted(t.get("routes", {}).items()):
            routes[prefix] = sorted((p.get("peerId") or (p.get("nexthops") or [{}])[0].get("ip"),
                                     p.get("path", ""), bool(p.get("bestpath")), bool(p.get("multipath")))
                                    for p in paths)
        detail, updated = {}, {}
        for p in routes:
            paths = self.paths(p)
            detail[p] = sorted((x["peer"], x["version"], x["stale"]) for x in paths)
            updated[p] = sorted((x["peer"], x["last_update"]) for x in paths)
        return {"tableVersion": t.get("tableVersion"), "routes": routes, "paths": detail, "lastUpdate": updated}

    def stable_snapshot(self, quiet=1.0, timeout=STEP_TIMEOUT):
        """FRR's table once it has not changed for `quiet` seconds (earlier steps may still be settling, e.g. the
        ClusterIP /32 of the previous case behind its LoadBalancer /32)."""
        last, since = self.tor_snapshot(), time.monotonic()
        deadline = since + timeout
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                self.fail(f"FRR's table did not settle within {timeout}s: {last}")
            time.sleep(0.1)
            cur = self.tor_snapshot()
            if snapshot_diff(last, cur):
                last, since = cur, time.monotonic()
        return last

    def test_05_apiserver_restart_relist(self):
        """The API server restarts (same address, CA and objects, a new watch cache: every watch must relist)
        -> no route changes at the ToR: the table version, every path and every path's lastUpdate stay."""
        if self.api is None:
            self.skipTest("needs the API server (SVCBGP_E2E_SOURCE=directory)")
        before = self.stable_snapshot()
        self.assertIn(WEB_PREFIX, before["routes"])
        m0 = {n.name: self.node(n).metrics() for n in NODES}
        resources = sorted({l["resource"] for l, _ in m0[N1.name].find("svcbgp_k8s_relists_total")})
        self.assertTrue(resources, "svcbgp_k8s_relists_total has no resources")
        relists0 = {n.name: {r: m0[n.name].value("svcbgp_k8s_relists_total", 0, resource=r) for r in resources}
                    for n in NODES}
        updates0 = {n.name: m0[n.name].value("svcbgp_bgp_messages_sent_total", 0, peer="tor", type="update")
                    for n in NODES}
        with FrrPoller(self.tor_snapshot, 0.2) as poll:
            self.api.restart()
            self.took("API server restarted")

            def relisted():
                for n in NODES:
                    m = self.node(n).metrics()
                    for r in resources:
                        if m.value("svcbgp_k8s_relists_total", 0, resource=r) <= relists0[n.name][r]:
                            return False
                        if m.value("svcbgp_k8s_synced", 0, resource=r) != 1:
                            return False
                return True
            try:
                wait_until(relisted, 60, 0.2, "every node relisted every resource after the restart")
            except TimeoutError as exc:
                self.fail(f"{exc}\nrequests seen by the new server: "
                          f"{[(r['verb'], r['resource'], r['status']) for r in self.api.requests()][:30]}")
            self.took("every node relisted")
            seen = {}
            for r in self.api.requests():
                key = f"{r['verb']} {r['resource']} {r['status']}"
                seen[key] = seen.get(key, 0) + 1
            print(f"# requests the restarted server saw: {seen}")
            # Per node (the server sees each from its own address): one LIST per resource it watches, the
            # relist the restart forced, and no second one (issue 18's "one relist per resource per node").
            clients = self.api.clients()
            for n in NODES:
                c = clients.get(n.api_v4)
                self.assertIsNotNone(c, f"no request from {n.name} ({n.api_v4}): {sorted(clients)}")
                lists = {k: v for k, v in c["by_verb"].items() if k.startswith("list ")}
                self.assertEqual(lists, {f"list {r}": 1 for r in resources}, n.name)
                print(f"# {n.name} after the restart: {c['lists']} LISTs, {c['watches']} WATCHes, "
                      f"{c['bytes']} bytes answered")
            # After the relist any change would reach FRR within milliseconds (batch 10 ms); watch two seconds.
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                time.sleep(0.2)
        after = self.tor_snapshot()
        changed = [(round(t - self.t0, 2), snapshot_diff(before, s)) for t, s in poll.samples
                   if snapshot_diff(before, s)]
        self.assertEqual(changed[:3], [], f"the ToR's table changed during the restart (before: {before})")
        self.assertEqual(snapshot_diff(before, after), {})
        updates = {n.name: self.node(n).metrics().value("svcbgp_bgp_messages_sent_total", 0, peer="tor",
                                                        type="update") - updates0[n.name] for n in NODES}
        print(f"# UPDATEs sent by each node during the restart and relist: {updates}; "
              f"{len(poll.samples)} FRR samples, all equal")
        # A relist that finds the same objects changes no route: the speaker sends only the difference,
        # which is nothing (issue 13: this only printed a note).
        self.assertEqual(updates, {n.name: 0 for n in NODES}, "UPDATEs sent for a relist that changed nothing")

    def test_06_kill_graceful_restart(self):
        """node-1 (holding the best path) is SIGKILLed and restarted: FRR keeps its path throughout (stale while
        the session is down), never withdraws it, and the path is fresh again after End-of-RIB."""
        d = self.node(N1)
        self.assertIn(N1.v4, [p["next_hop"] for p in self.paths()])

        def sample():
            return self.paths()
        log_mark = self.frr_log_size()
        with FrrPoller(sample, 0.02) as poll:
            d.kill()
            self.took("node-1 SIGKILLed")
            self.wait_paths(lambda ps: any(p["next_hop"] == N1.v4 and p["stale"] for p in ps),
                            "node-1's path kept as stale (graceful restart helper)")
            self.took("node-1's path stale at the ToR")
            d.start()
            self.frr.wait_established(N1.v4, timeout=30)
            paths = self.wait_paths(lambda ps: any(p["next_hop"] == N1.v4 and not p["stale"] and p["best"]
                                                   for p in ps), "node-1's path fresh and best again")
            self.took("node-1's path fresh again")
        missing = [(round(t - self.t0, 2), s) for t, s in poll.samples
                   if isinstance(s, Exception) or N1.v4 not in [p["next_hop"] for p in s]]
        print(f"# {len(poll.samples)} FRR samples during the restart; stale in "
              f"{sum(1 for _, s in poll.samples if not isinstance(s, Exception) and any(p['stale'] for p in s))}")
        self.assertEqual(missing[:3], [], "node-1's path disappeared from the ToR during the graceful restart")
        withdrawn = [line for line in self.frr_log_since(log_mark).splitlines()
                     if N1.v4 in line and WEB_LB in line and "withdrawn" in line]
        self.assertEqual(withdrawn, [], "FRR received a withdrawal of the service's route from node-1")
        self.assertEqual(selected_next_hops(paths), [N1.v4])

    def test_07_sigterm_withdraw(self):
        """SIGTERM on node-3 (shutdown: withdraw): its routes are withdrawn and FRR shows the Cease /
        administrative shutdown it received."""
        d = self.node(N3)
        self.wait_paths(lambda ps: N3.v4 in [p["next_hop"] for p in ps], "node-3's (depreferred) path present")
        d.terminate()
        self.took("node-3 exited after SIGTERM")
        self.wait_paths(lambda ps: ps and N3.v4 not in [p["next_hop"] for p in ps], "node-3's path withdrawn")
        self.took("node-3's path withdrawn")
        info = wait_until(lambda: (lambda i: i if i.get("bgpState", "").lower() != "established" else None)(
            self.frr.neighbor_info(N3.v4)), 10, 0.1, "FRR's session with node-3 down")
        fields = {k: v for k, v in info.items() if k.startswith(("last", "downLast")) or "otification" in k}
        print(f"# FRR neighbor {N3.v4}: {fields}")
        text = " ".join(str(v) for v in fields.values()).lower()
        self.assertIn("cease", text, fields)
        self.assertIn("administrative shutdown", text, fields)
        # The config's shutdown_message, as RFC 9003 carries it (it was fixed in code before).
        self.assertEqual(info.get("lastShutdownDescription"), f"{N3.name} drained for maintenance", fields)
        # No other path of node-3 is left (not stale either: withdrawn, not kept for a graceful restart).
        stale = [p for p in self.frr.routes("ipv4") if p["next_hop"] == N3.v4]
        self.assertEqual(stale, [], "routes via node-3 left at the ToR")
        # Back for the next cases.
        d.start()
        self.frr.wait_established(N3.v4, timeout=30)

    def test_08_link_down_session_drops(self):
        """The veth toward the ToR goes down on node-2: svcbgpd drops the session within one second (netlink link
        monitoring), not after the hold time."""
        d = self.node(N2)
        wait_until(d.session_up, 10, 0.1, "node-2's session up")
        try:
            self.topo.set_link(N2, False)
            t_down = time.monotonic()
            seen = None
            while time.monotonic() - t_down < 3.0:
                if not d.session_up():
                    seen = time.monotonic() - t_down
                    break
                time.sleep(0.02)
            print(f"# node-2 link down -> svcbgpd session down after "
                  f"{'%.3fs' % seen if seen is not None else 'more than 3s'}")
            self.assertIsNotNone(seen, "svcbgpd still reports the session up 3 s after its link went down")
            self.assertLessEqual(seen, 1.0, "session down only after more than one second")
        finally:
            self.topo.set_link(N2, True)
            self.topo.wait_link(N2.ns, N2.tor_if, True)
        # The session comes back once the link is up (issue 13: this case passed when it never did).
        wait_until(lambda: d.session_up() and self.frr.established(N2.v4), 30, 0.2,
                   "node-2's session back after the link came up")
        self.took("node-2's session back after link up")

    def test_09_event_to_update_histogram(self):
        """200 changes at ~100/s through the API: svcbgp_event_to_update_seconds counts them with real figures."""
        def hist_all():
            return {n.name: self.node(n).metrics().histogram("svcbgp_event_to_update_seconds") for n in NODES}
        for n in NODES:
            wait_until(self.node(n).session_up, 30, 0.2, f"{n.name}'s session up")
        before = hist_all()
        t_window = time.monotonic()
        self.cluster.apply(endpoint_slice(f"{CHURN}-1", NS, CHURN, [endpoint("10.244.1.9", N1)]))
        n_changes, rate = 200, 100.0
        t_begin = time.monotonic()
        for i in range(n_changes):
            # pacing, not synchronisation: one change every 10 ms
            delay = t_begin + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.cluster.apply(lb_service(CHURN, NS, CHURN_CLUSTER_IP, CHURN_LB, "Cluster",
                                          {"svcbgp.io/communities": f"65000:{i}"}))
        spent = time.monotonic() - t_begin
        print(f"# {n_changes} changes in {spent:.2f}s ({n_changes / spent:.0f}/s)")
        last = f"65000:{n_changes - 1}"

        def converged():
            det = self.frr.route_detail(CHURN_PREFIX)
            return len(det) == 3 and all(last in r["communities"] for r in det)
        wait_until(converged, STEP_TIMEOUT, 0.1, f"{CHURN_PREFIX} from all three nodes with community {last}")
        self.took("the ToR has the last change from all three nodes")
        after = hist_all()
        window = time.monotonic() - t_window
        problems = []
        for n in NODES:
            h = histogram_delta(after[n.name], before[n.name])
            p50, p99 = quantile(h, 0.5), quantile(h, 0.99)
            mean = h["sum"] / h["count"] if h["count"] else float("nan")
            # No event of this window can have waited longer than the window itself: observations above the first
            # bucket bound >= the window's length are stale start times, not latencies.
            bound = next((le for le, _ in h["buckets"] if le >= window), float("inf"))
            within = next((c for le, c in h["buckets"] if le == bound), h["count"])
            over = h["count"] - within
            print(f"# {n.name}: svcbgp_event_to_update_seconds +{h['count']:.0f} observations, "
                  f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, mean {mean * 1000:.1f} ms, "
                  f"{over:.0f} above {bound:g} s (the window was {window:.1f} s)")
            # With the API source each watch event is timed (batches of 10 ms at one change per 10 ms); the
            # directory source re-reads the folder and may fold many changes into one read.
            if h["count"] < (n_changes / 10 if self.api is not None else 1):
                problems.append(f"{n.name}: only {h['count']:.0f} observations for {n_changes} changes")
            if h["sum"] <= 0:
                problems.append(f"{n.name}: svcbgp_event_to_update_seconds_sum did not grow")
            if over:
                problems.append(f"{n.name}: {over:.0f} observation(s) above {bound:g} s in a {window:.1f} s window "
                                f"(sum +{h['sum']:.3f} s): buckets {h['buckets']}")
        self.assertEqual(problems, [])

    def test_10_bad_value_counted_rest_used(self):
        """A Service whose externalIPs hold a value that is not an IP: every node counts it in
        svcbgp_k8s_fields_ignored_total and still announces the rest of the Service (its LoadBalancer IP)."""
        prefix = "198.51.100.72/32"
        svc = lb_service("odd", NS, "10.96.70.20", "198.51.100.72")
        svc["spec"]["externalIPs"] = ["192.0.2.300"]
        self.cluster.apply(svc)
        self.cluster.apply(endpoint_slice("odd-1", NS, "odd", [endpoint("10.244.1.10", N1)]))
        self.wait_next_hops(NODES, "the LoadBalancer IP of a Service with a bad externalIP", prefix=prefix)
        for n in NODES:
            wait_until(lambda: self.node(n).metrics().value("svcbgp_k8s_fields_ignored_total", 0,
                                                            resource="services") >= 1,
                       STEP_TIMEOUT, 0.1, f"{n.name} counts the ignored value")

    def test_11_configmap_swap_reloads_without_reset(self):
        """node-1's config folder is updated as the kubelet updates a mounted ConfigMap (a new `..data`
        link): svcbgpd reloads it by itself, FRR sees the new community on node-1's path, and the
        session is not reset. A broken config swapped in next is counted as rejected and changes
        nothing; the original one swapped back removes the community again."""
        prefix = "198.51.100.73/32"
        self.cluster.apply(lb_service("conf", NS, "10.96.70.21", "198.51.100.73"))
        self.cluster.apply(endpoint_slice("conf-1", NS, "conf", [endpoint("10.244.1.11", N1)]))
        self.wait_next_hops(NODES, "the LoadBalancer IP before the config change", prefix=prefix)
        d = self.node(N1)
        def session():
            """Changes when the session is reset, for a configured or a dynamic neighbour alike. FRR
            derives the epoch from the uptime, so it may move by a second without a reset: it is
            compared with that tolerance."""
            info = self.frr.neighbor_info(N1.v4)
            return SessionMark(info["connectionsEstablished"], info["connectionsDropped"],
                               info["bgpTimerUpEstablishedEpoch"])
        connections = session()
        reloads = d.metrics().value("svcbgp_config_reloads_total", 0, result="ok")

        def communities_from_n1():
            return [r["communities"] for r in self.frr.route_detail(prefix) if r["next_hop"] == N1.v4]

        changed = d.config()
        changed["advertise"]["communities"] = ["65070:777"]
        d.swap_config(changed)
        wait_until(lambda: communities_from_n1() == [["65070:777"]], STEP_TIMEOUT, 0.1,
                   f"{prefix} from node-1 with community 65070:777")
        self.took("the new community at the ToR")
        self.assertEqual(d.metrics().value("svcbgp_config_reloads_total", 0, result="ok"), reloads + 1)
        self.assertEqual(session(), connections,
                         "the session was reset by the reload")
        self.assertTrue(d.session_up())

        rejected = d.metrics().value("svcbgp_config_reloads_total", 0, result="rejected")
        d.swap_config("local_asn: 65001\npeers: [{name: tor, address: not-an-ip, asn: 65070}]\n")
        wait_until(lambda: d.metrics().value("svcbgp_config_reloads_total", 0, result="rejected") == rejected + 1,
                   STEP_TIMEOUT, 0.1, "the broken config counted as rejected")
        self.assertEqual(communities_from_n1(), [["65070:777"]])
        self.assertEqual(session(), connections)

        d.swap_config(d.config())
        wait_until(lambda: communities_from_n1() == [[]], STEP_TIMEOUT, 0.1,
                   f"{prefix} from node-1 without the community again")
        self.assertEqual(session(), connections)

    def test_12_cordoned_node_deprefers_then_withdraws_on_shutdown(self):
        """Issue 13: a cordoned node kept announcing as before, and on SIGTERM with graceful restart the ToR kept
        its routes for restart_time. Now node-2, cordoned, is depreferred (a longer AS path, out of the
        multipath set) while its pods still run, and its SIGTERM withdraws though its config says
        graceful-restart."""
        prefix = "198.51.100.74/32"
        self.cluster.apply(lb_service("drain", NS, "10.96.70.22", "198.51.100.74"))
        self.cluster.apply(endpoint_slice("drain-1", NS, "drain", [endpoint("10.244.1.12", N1)]))
        self.wait_next_hops(NODES, "before the cordon", prefix=prefix)
        cordoned = node_object(N2)
        cordoned["spec"] = {"unschedulable": True}
        self.cluster.apply(cordoned)

        def depreferred(paths):
            by = {p["next_hop"]: p for p in paths}
            return (set(by) == {n.v4 for n in NODES} and len(by[N2.v4]["as_path"]) > 1
                    and not by[N2.v4]["multipath"] and not by[N2.v4]["best"])
        paths = self.wait_paths(depreferred, "node-2 depreferred, still present", prefix=prefix)
        self.took("node-2 depreferred at the ToR")
        self.assertEqual(selected_next_hops(paths), sorted([N1.v4, N3.v4]))
        d = self.node(N2)
        self.assertEqual(d.config()["shutdown"], "graceful-restart")
        d.terminate()
        self.took("node-2 exited after SIGTERM")
        self.wait_paths(lambda ps: ps and N2.v4 not in [p["next_hop"] for p in ps], "node-2's path withdrawn",
                        prefix=prefix)
        stale = [p for p in self.frr.routes("ipv4") if p["next_hop"] == N2.v4]
        self.assertEqual(stale, [], "routes via node-2 kept at the ToR (graceful restart)")
        self.assertIn("withdrawing instead of graceful restart", d.log_tail(30))
        # Back for whatever runs next.
        self.cluster.apply(node_object(N2))
        d.start()
        self.frr.wait_established(N2.v4, timeout=30)


    def kubectl(self, *args, stdin=None, check=True):
        """kubectl in the API server's namespace with its kubeconfig, as a user would run it; the kubectl-svcbgp
        plugin on its PATH. With check=False, the whole result."""
        plugin_dir = os.path.dirname(os.path.abspath(kubectl_svcbgp_binary()))
        env = dict(os.environ, KUBECONFIG=self.api.kubeconfig, HOME=self.tmp,
                   PATH=plugin_dir + os.pathsep + os.environ.get("PATH", ""))
        r = run(["ip", "netns", "exec", API_NS, "kubectl", *args], input=stdin, env=env, check=False)
        if not check:
            return r
        self.assertEqual(r.returncode, 0, f"kubectl {' '.join(args)}: {r.stderr}")
        return r.stdout

    def test_13_kubectl_drives_the_cluster(self):
        """Issue 14: what a user does with kubectl reaches the ToR. A LoadBalancer Service and its
        EndpointSlice applied from a manifest, its IP written as a LoadBalancer controller does
        (read, then a write to the status subresource), an endpoint moved with `kubectl apply`, then both deleted."""
        if self.api is None:
            self.skipTest("the directory source has no API server for kubectl")
        prefix = "198.51.100.75/32"
        svc = lb_service("kubectl", NS, "10.96.70.23", "198.51.100.75", policy="Local")
        del svc["status"]
        objs = [svc, endpoint_slice("kubectl-1", NS, "kubectl", [endpoint("10.244.1.13", N1)])]
        # One stream of two JSON documents, as `kubectl get -o json` of each would give.
        self.assertIn("service/kubectl created", self.kubectl(
            "apply", "-f", "-", stdin="\n".join(json.dumps(o) for o in objs)))
        # Read, change, PUT to /status: `replace --raw` is in Debian 12's kubectl 1.20 (`patch --subresource` is not).
        live = json.loads(self.kubectl("get", "service", "kubectl", "-n", NS, "-o", "json"))
        live["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.75"}]}}
        self.kubectl("replace", "--raw", f"/api/v1/namespaces/{NS}/services/kubectl/status", "-f", "-",
                     stdin=json.dumps(live))
        self.wait_next_hops([N1], "applied with kubectl, Local policy on node-1", prefix=prefix)
        self.took("kubectl apply + status patch at the ToR")
        objs[1]["endpoints"] = [endpoint("10.244.3.13", N3)]
        self.assertIn("endpointslice.discovery.k8s.io/kubectl-1 configured",
                      self.kubectl("apply", "-f", "-", stdin=json.dumps(objs[1])))
        self.wait_next_hops([N3], "endpoint moved with kubectl apply", prefix=prefix)
        self.kubectl("delete", "service", "kubectl", "-n", NS)
        self.kubectl("delete", "endpointslice", "kubectl-1", "-n", NS)
        self.wait_paths(lambda ps: not ps, "withdrawn after kubectl delete", prefix=prefix)
        self.took("withdrawn after kubectl delete")


    def node_statuses(self):
        return {o["metadata"]["name"]: o
                for o in json.loads(self.kubectl("get", "bgpnodestatuses", "-o", "json"))["items"]}

    def test_14_node_status(self):
        """Issue 14: every node writes its BGPNodeStatus (owned by its Node): its sessions, what it
        announces and its conditions, read with kubectl; a ToR session shut down shows on that node."""
        if self.api is None:
            self.skipTest("the directory source writes no status")

        def all_up():
            st = self.node_statuses()
            if sorted(st) != sorted(n.name for n in NODES):
                return None
            for o in st.values():
                conds = {c["type"]: c["status"] for c in o.get("status", {}).get("conditions", [])}
                sessions = o.get("status", {}).get("sessions", [])
                if conds.get("Synced") != "True" or conds.get("AllSessionsEstablished") != "True" or \
                        [x["state"] for x in sessions] != ["Established"]:
                    return None
            return st
        st = wait_until(all_up, STEP_TIMEOUT, 0.2, "three BGPNodeStatus objects, synced, sessions up")
        self.took("every node's status written")
        with open(os.path.join(REPO, "configs", "deploy", "crds", "bgpnodestatuses.yaml")) as f:
            schema = yaml.safe_load(f)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        for n in NODES:
            o = st[n.name]
            jsonschema.validate(o, schema)  # what the node writes is what the CRD declares
            node_uid = self.api.get_object("nodes", "", n.name)["metadata"]["uid"]
            self.assertEqual(o["metadata"]["ownerReferences"][0]["uid"], node_uid)
            self.assertEqual(o["status"]["localASN"], n.asn)
            self.assertEqual(o["status"]["sessions"][0]["peerAddress"], TOR_V4)
        # The cluster view: every node's session in one table, and an exit status of 0 while all are up.
        r = self.kubectl("svcbgp", "peers", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.splitlines()[0].split(), ["NODE", "LOCAL", "AS", "PEER", "PEER", "ADDRESS", "PEER",
                                                            "AS", "STATE", "SINCE", "SENT", "RECEIVED", "LAST",
                                                            "ERROR"])

        def view_is_the_statuses():
            """Every column but SINCE (an age) as the statuses hold it; read again in case one was rewritten."""
            out = self.kubectl("svcbgp", "peers", check=False).stdout
            rows = [line.split() for line in out.splitlines()[1:]]
            now = self.node_statuses()
            want = [[n.name, str(n.asn), "tor", TOR_V4, str(TOR_ASN), "Established",
                     str(now[n.name]["status"]["sessions"][0]["prefixesSent"]),
                     str(now[n.name]["status"]["sessions"][0]["prefixesReceived"]), "-"] for n in NODES]
            got = [row[:6] + row[7:] for row in rows]
            return got if got == want else None
        wait_until(view_is_the_statuses, STEP_TIMEOUT, 0.2, "kubectl svcbgp peers showing every node's session")
        self.frr.vtysh("configure terminal", f"router bgp {TOR_ASN}", f"neighbor {N1.v4} shutdown")
        try:
            def n1_down():
                o = self.node_statuses()[N1.name]
                conds = {c["type"]: c for c in o["status"]["conditions"]}
                return conds if conds["AllSessionsEstablished"]["status"] == "False" else None
            conds = wait_until(n1_down, STEP_TIMEOUT, 0.2, "node-1's status showing its session down")
            self.took("node-1's session down in its status")
            self.assertIn("tor", conds["AllSessionsEstablished"]["message"])
            r = self.kubectl("svcbgp", "peers", check=False)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # for scripts and alerts: a session is down
            # Down: any state short of Established (node-1 keeps retrying, and FRR answers a new connection's
            # OPEN with a Cease, so OpenSent shows for a moment too).
            self.assertRegex(r.stdout, rf"(?m)^{N1.name} +{N1.asn} +tor +{TOR_V4} +{TOR_ASN} +"
                                       rf"(Idle|Connect|Active|OpenSent|OpenConfirm) ")
            r = self.kubectl("svcbgp", "nodes", "--node", N2.name, check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            others = self.node_statuses()
            for n in (N2, N3):
                self.assertEqual([x["state"] for x in others[n.name]["status"]["sessions"]], ["Established"])
        finally:
            self.frr.vtysh("configure terminal", f"router bgp {TOR_ASN}", f"no neighbor {N1.v4} shutdown")
        self.frr.wait_established(N1.v4, timeout=30)

    def zebra_weights(self, prefix):
        """The ToR's installed next hops for prefix in zebra's RIB: {node name: weight}."""
        fam = "ipv6" if ":" in prefix else "ip"
        routes = self.frr.vjson(f"show {fam} route {prefix} json").get(prefix, [])
        by_addr = {n.v4: n.name for n in NODES} | {n.v6: n.name for n in NODES}
        out = {}
        for r in routes:
            if not r.get("selected"):
                continue
            for nh in r.get("nexthops", []):
                if nh.get("active") and nh.get("ip") in by_addr:
                    out[by_addr[nh["ip"]]] = nh.get("weight", 1)
        return out

    def test_15_weighted_ecmp(self):
        """Issue 16: a Local service with 1, 2 and 3 ready endpoints on the three nodes reaches zebra's RIB at the
        ToR with next-hop weights 1:2:3 (FRR's bgpd turns each path's link bandwidth into bw x 100 / sum);
        moving an endpoint changes the weights and nothing else; opted out, the next hops are equal again. The
        same for an IPv6 service."""
        for ip, cluster_ip, v6 in (("198.51.100.77", "10.96.70.25", False), ("2001:db8:5b::77", "fd99:96::77", True)):
            with self.subTest(ip=ip):
                self.t0 = time.monotonic()
                prefix = ip + ("/128" if v6 else "/32")
                name = "weighted6" if v6 else "weighted"
                base = "fd99:244::" if v6 else "10.244.0."

                def slice_for(counts):
                    eps, k = [], 1
                    for n, c in zip(NODES, counts):
                        for _ in range(c):
                            eps.append(endpoint(f"{base}{k}", n))
                            k += 1
                    out = endpoint_slice(f"{name}-1", NS, name, eps)
                    out["addressType"] = "IPv6" if v6 else "IPv4"
                    return out

                def weights_become(counts, what):
                    total = sum(counts)
                    want = {n.name: 100 * c // total for n, c in zip(NODES, counts)}
                    return wait_until(lambda: self.zebra_weights(prefix) == want, STEP_TIMEOUT, 0.2,
                                      f"{prefix}: {what}: zebra weights {want}, last {self.zebra_weights(prefix)}")

                def svc(weighted):
                    out = lb_service(name, NS, cluster_ip, ip, policy="Local",
                                     annotations={"svcbgp.io/weighted-ecmp": "true" if weighted else "false"})
                    if v6:
                        out["spec"]["ipFamilies"] = ["IPv6"]
                    return out

                def paths_but_weights():
                    return sorted((p["next_hop"], p["as_path"]) for p in tor_paths(self.frr, prefix))

                self.cluster.apply(svc(True))
                self.cluster.apply(slice_for([1, 2, 3]))
                weights_become([1, 2, 3], "1, 2 and 3 endpoints")
                self.took(f"{prefix} weighted 1:2:3 in zebra")
                before = paths_but_weights()
                self.cluster.apply(slice_for([2, 2, 2]))  # one endpoint moved from node-3 to node-1
                weights_become([2, 2, 2], "an endpoint moved from node-3 to node-1")
                self.took(f"{prefix} weights after an endpoint moved")
                self.assertEqual(paths_but_weights(), before)
                self.cluster.apply(slice_for([1, 2, 3]))
                weights_become([1, 2, 3], "moved back")
                self.cluster.apply(svc(False))  # opted out: no link bandwidth, equal-cost again
                wait_until(lambda: len(set(self.zebra_weights(prefix).values())) == 1 and
                           len(self.zebra_weights(prefix)) == 3, STEP_TIMEOUT, 0.2,
                           f"{prefix}: equal weights once opted out")
                self.assertEqual(paths_but_weights(), before)
                self.cluster.delete("services", NS, name)
                self.cluster.delete("endpointslices", NS, f"{name}-1")
                self.wait_paths(lambda ps: not ps, "withdrawn", prefix=prefix)

    def test_16_config_from_crds(self):
        """Issue 14: node-3 restarted with `kubernetes.config: crds`: its AS, its ToR session and what it announces
        come from BGPNodeConfig, BGPAdvertisement and BGPPeer objects applied with kubectl; a change to one reaches
        FRR without a restart; a bad one is refused with its name and field while the session and routes stay."""
        if self.api is None:
            self.skipTest("the directory source has no API server for svcbgp.io objects")
        for name in ("bgpnodeconfigs", "bgpadvertisements", "bgppeers"):
            with open(os.path.join(REPO, "configs", "deploy", "crds", name + ".yaml")) as f:
                self.api.apply(yaml.safe_load(f))
        only_n3 = {"matchLabels": {"kubernetes.io/hostname": N3.name}}
        objects = [
            {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPNodeConfig", "metadata": {"name": "n3"},
             "spec": {"localASN": N3.asn, "routerID": N3.v4, "gracefulRestart": {"enabled": True, "restartTime": 120},
                      "shutdown": "withdraw", "shutdownMessage": f"{N3.name} drained for maintenance",
                      "advertise": {"terminatingEndpoints": "deprefer", "batchDelayMs": 10},
                      "nodeSelector": only_n3}},
            {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPAdvertisement", "metadata": {"name": "n3"},
             "spec": {"clusterIPs": {"cidrs": ["10.96.0.0/16"], "mode": "per-service"},
                      "externalIPs": {"cidrs": ["192.0.2.0/24"]},
                      "loadBalancerIPs": {"cidrs": ["198.51.100.0/24", "2001:db8:5b::/64"]},
                      "nodeSelector": only_n3}},
            {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPPeer", "metadata": {"name": "tor"},
             "spec": {"address": TOR_V4, "asn": TOR_ASN, "holdTime": 9, "keepaliveTime": 3, "connectRetryTime": 1,
                      "families": ["ipv4", "ipv6"], "nextHopV6": N3.v6, "nodeSelector": only_n3}},
        ]
        self.kubectl("apply", "-f", "-", stdin="\n".join(json.dumps(o) for o in objects))
        self.web("Cluster", [endpoint("10.244.1.5", N1)])
        self.wait_next_hops(NODES, "before the restart")
        d = self.node(N3)
        try:
            d.terminate()
            self.wait_next_hops([N1, N2], "node-3 stopped (withdraw)")
            self.t0 = time.monotonic()
            d.crds = True
            d.start()
            self.frr.wait_established(N3.v4, timeout=30)
            self.wait_next_hops(NODES, "node-3 back, configured by svcbgp.io objects")
            self.took("node-3 started from svcbgp.io objects to its route at FRR")
            self.assertIn("config from svcbgp.io objects", d.log_tail(200))
            # A live change: a community on node-3's routes, at FRR, with no session reset.
            resets = self.frr.neighbor_info(N3.v4).get("connectionsEstablished")
            self.kubectl("patch", "bgpadvertisement", "n3", "--type", "merge",
                         "-p", json.dumps({"spec": {"communities": ["65000:777"]}}))
            self.wait_paths(lambda ps: any(p["next_hop"] == N3.v4 and "65000:777" in p["communities"] for p in ps),
                            "node-3's path carries the community from the BGPAdvertisement")
            self.took("a BGPAdvertisement change at FRR")
            # A bad value: refused, named, and nothing lost.
            self.kubectl("patch", "bgppeer", "tor", "--type", "merge", "-p", json.dumps({"spec": {"holdTime": 2}}))
            wait_until(lambda: "BGPPeer tor: spec.holdTime: must be 0 or 3..65535" in d.log_tail(50), STEP_TIMEOUT,
                       what="svcbgpd naming the bad BGPPeer field")
            self.assertTrue(d.session_up())
            self.assertEqual(self.frr.neighbor_info(N3.v4).get("connectionsEstablished"), resets)
            self.wait_next_hops(NODES, "the routes stay after a bad object")
        finally:
            for kind in ("bgppeer/tor", "bgpadvertisement/n3", "bgpnodeconfig/n3"):
                self.kubectl("delete", kind)
            d.terminate()
            d.crds = False
            d.start()
            self.frr.wait_established(N3.v4, timeout=30)

    def status_of(self, n):
        return self.node_statuses()[n.name].get("status", {})

    def test_17_every_node_from_crds(self):
        """Issue 14: all three nodes with config only from svcbgp.io objects: a BGPNodeConfig per node gives each its
        AS; a BGPPeer whose nodeSelector takes rack a (node-1, node-2) peers from exactly those two, with its MD5
        password from a Secret; rotating the Secret re-keys those sessions; labelling node-3 into rack a brings its
        session up; an invalid object changes nothing and shows in every node's BGPNodeStatus; kubectl svcbgp peers
        shows the three sessions."""
        if self.api is None:
            self.skipTest("the directory source has no API server for svcbgp.io objects")
        import base64
        for name in ("bgpnodeconfigs", "bgpadvertisements", "bgppeers"):
            with open(os.path.join(REPO, "configs", "deploy", "crds", name + ".yaml")) as f:
                self.api.apply(yaml.safe_load(f))

        def secret(pw):
            return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                    "metadata": {"name": "tor-md5", "namespace": "svcbgp-system"},
                    "data": {"tor": base64.b64encode(pw.encode()).decode()}}

        def frr_password(nodes, pw):
            self.frr.vtysh("configure terminal", f"router bgp {TOR_ASN}",
                           *[f"neighbor {n.v4} password {pw}" if pw else f"no neighbor {n.v4} password" for n in nodes])

        objects = [secret("e2e-md5-1")]
        for n in NODES:
            objects.append({"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPNodeConfig", "metadata": {"name": n.name},
                            "spec": {"localASN": n.asn, "routerID": n.v4,
                                     "nodeSelector": {"matchLabels": {"kubernetes.io/hostname": n.name}}}})
        objects += [
            {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPNodeConfig", "metadata": {"name": "all"},
             "spec": {"gracefulRestart": {"enabled": True, "restartTime": 120}, "shutdown": "withdraw",
                      "advertise": {"terminatingEndpoints": "deprefer", "batchDelayMs": 10}}},
            {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPAdvertisement", "metadata": {"name": "all"},
             "spec": {"clusterIPs": {"cidrs": ["10.96.0.0/16"], "mode": "per-service"},
                      "loadBalancerIPs": {"cidrs": ["198.51.100.0/24"]}}},
            {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPPeer", "metadata": {"name": "tor"},
             "spec": {"address": TOR_V4, "asn": TOR_ASN, "holdTime": 9, "keepaliveTime": 3, "connectRetryTime": 1,
                      "families": ["ipv4"], "passwordSecretRef": {"name": "tor-md5", "key": "tor"},
                      "nodeSelector": {"matchLabels": {"svcbgp.io/rack": "a"}}}},
        ]
        for n, rack in ((N1, "a"), (N2, "a"), (N3, "b")):
            self.kubectl("label", "node", n.name, f"svcbgp.io/rack={rack}", "--overwrite")
        self.kubectl("apply", "-f", "-", stdin="\n".join(json.dumps(o) for o in objects))
        self.web("Cluster", [endpoint("10.244.1.5", N1)])
        frr_password(NODES, "e2e-md5-1")
        try:
            for n in NODES:
                d = self.node(n)
                d.terminate()
                d.crds = True
                d.start()
            for n in (N1, N2):
                self.frr.wait_established(n.v4, timeout=30)
            self.wait_next_hops([N1, N2], "rack a's nodes, from svcbgp.io objects")
            self.took("three nodes restarted from svcbgp.io objects, rack a's routes at FRR")
            # node-3 has the peer, held by its nodeSelector: it never connects.
            wait_until(lambda: [x["state"] for x in self.status_of(N3).get("sessions", [])] == ["Held"],
                       STEP_TIMEOUT, 0.2, "node-3's session held by the BGPPeer's nodeSelector")
            self.assertNotEqual(self.frr.neighbor_info(N3.v4).get("bgpState"), "Established")
            for n in (N1, N2, N3):
                self.assertEqual(self.status_of(n).get("localASN"), n.asn)
            # The Secret rotated (and the ToR with it): rack a's sessions come back with the new key.
            before = {n.name: self.frr.neighbor_info(n.v4).get("connectionsEstablished") for n in (N1, N2)}
            frr_password(NODES, "e2e-md5-2")
            self.api.apply(secret("e2e-md5-2"))
            for n in (N1, N2):
                wait_until(lambda n=n: self.frr.neighbor_info(n.v4).get("connectionsEstablished", 0) > before[n.name]
                           and self.frr.neighbor_info(n.v4).get("bgpState") == "Established", 30, 0.2,
                           f"{n.name} re-keyed from the rotated Secret")
            self.took("sessions re-keyed after the Secret's rotation")
            # node-3 labelled into rack a: its session comes up.
            self.kubectl("label", "node", N3.name, "svcbgp.io/rack=a", "--overwrite")
            self.frr.wait_established(N3.v4, timeout=30)
            self.wait_next_hops(NODES, "node-3 joined rack a")
            self.took("node-3 labelled into rack a, its route at FRR")
            # An invalid object: nothing changes, and every node says why in its status.
            conns = {n.name: self.frr.neighbor_info(n.v4).get("connectionsEstablished") for n in NODES}
            self.kubectl("patch", "bgppeer", "tor", "--type", "merge", "-p", json.dumps({"spec": {"holdTime": 70000}}))

            def rejected():
                out = {}
                for n in NODES:
                    conds = {c["type"]: c for c in self.status_of(n).get("conditions", [])}
                    c = conds.get("ConfigValid", {})
                    if c.get("status") != "False":
                        return None
                    out[n.name] = c.get("message", "")
                return out
            msgs = wait_until(rejected, STEP_TIMEOUT, 0.2, "ConfigValid False on every node")
            for m in msgs.values():
                self.assertIn("BGPPeer tor: spec.holdTime: must be 0 or 3..65535", m)
            self.assertEqual({n.name: self.frr.neighbor_info(n.v4).get("connectionsEstablished") for n in NODES},
                             conns)
            self.wait_next_hops(NODES, "the routes stay after an invalid object")
            self.kubectl("patch", "bgppeer", "tor", "--type", "merge", "-p", json.dumps({"spec": {"holdTime": 9}}))
            wait_until(lambda: all({c["type"]: c["status"] for c in self.status_of(n).get("conditions", [])}
                                   .get("ConfigValid") == "True" for n in NODES), STEP_TIMEOUT, 0.2,
                       "ConfigValid True again")
            # A field only a restart applies (node-2's AS): refused, said once (not again when its Node changes),
            # and shown in its status; the session stays.
            self.kubectl("patch", "bgpnodeconfig", N2.name, "--type", "merge",
                         "-p", json.dumps({"spec": {"localASN": 64699}}))
            want = f"local_asn: {N2.asn} -> 64699 needs a restart"
            wait_until(lambda: {c["type"]: c for c in self.status_of(N2).get("conditions", [])}
                       .get("ConfigValid", {}).get("message") == want, STEP_TIMEOUT, 0.2,
                       "node-2's status saying the AS change needs a restart")
            node_events = lambda: self.node(N2).metrics().value(  # noqa: E731
                "svcbgp_k8s_watch_events_total", resource="nodes", type="all")
            seen = node_events()
            self.kubectl("label", "node", N2.name, "e2e/touched=1", "--overwrite")
            wait_until(lambda: node_events() > seen, STEP_TIMEOUT, 0.1, "node-2 seeing its Node change")
            self.node(N2).metrics()  # one more request on its io thread: the change's batch has run
            self.assertEqual(self.node(N2).log_tail(400).count(want), 1, self.node(N2).log_tail(40))
            self.assertEqual(self.frr.neighbor_info(N2.v4).get("connectionsEstablished"), conns[N2.name])
            self.kubectl("patch", "bgpnodeconfig", N2.name, "--type", "merge",
                         "-p", json.dumps({"spec": {"localASN": N2.asn}}))
            wait_until(lambda: {c["type"]: c["status"] for c in self.status_of(N2).get("conditions", [])}
                       .get("ConfigValid") == "True", STEP_TIMEOUT, 0.2, "node-2's config valid again")
            # The cluster view of it.
            r = wait_until(lambda: (lambda r: r if r.returncode == 0 else None)(
                self.kubectl("svcbgp", "peers", check=False)), STEP_TIMEOUT, 0.2, "kubectl svcbgp peers exit 0")
            rows = [line.split()[:6] for line in r.stdout.splitlines()[1:]]
            self.assertEqual(rows, [[n.name, str(n.asn), "tor", TOR_V4, str(TOR_ASN), "Established"] for n in NODES])
        finally:
            self.kubectl("delete", "-f", "-", stdin="\n".join(json.dumps(o) for o in objects))
            frr_password(NODES, None)
            for n in NODES:
                d = self.node(n)
                d.terminate()
                d.crds = False
                d.start()
            for n in NODES:
                self.frr.wait_established(n.v4, timeout=30)



class SessionMark:
    def __init__(self, established, dropped, up_epoch):
        self.established, self.dropped, self.up_epoch = established, dropped, up_epoch

    def __eq__(self, other):
        return (self.established, self.dropped) == (other.established, other.dropped) \
            and abs(self.up_epoch - other.up_epoch) <= 1

    def __repr__(self):
        return f"established {self.established}, dropped {self.dropped}, up since {self.up_epoch}"



if __name__ == "__main__":
    unittest.main()
