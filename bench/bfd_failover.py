#!/usr/bin/env python3
"""Issue 17: how long a ToR keeps sending a service's traffic into a path that died silently, with and without
BFD. The e2e topology (tests/e2e/lib_e2e.py): three svcbgpd nodes on the bridge of one FRR ToR (bgpd + zebra, and
bfdd with `neighbor X bfd` in the BFD runs; BGP timers 3/9 s on both sides), a Cluster-policy LoadBalancer
service announced by all three. Then node-1's port is taken out of the ToR's bridge (`ip link set PORT nomaster`:
both ends keep their carrier, so no netlink event tells anyone), and the clock runs until FRR's route for the
service no longer has node-1 as a next hop, and until FRR's BGP session with node-1 is down. BFD at 300 ms x 3
(svcbgpd's and FRR's defaults). Run as root from the repository:

    python3 bench/bfd_failover.py [--runs 3] [--build build]

Namespaces sbe2e-* (the e2e suite's: do not run both at once).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import lib_e2e as E  # noqa: E402

PREFIX_IP, CLUSTER_IP = "198.51.100.90", "10.96.90.90"
PREFIX = PREFIX_IP + "/32"


class Node(E.Svcbgpd):
    def __init__(self, *a, bfd=False, **kw):
        super().__init__(*a, **kw)
        self.bfd = bfd

    def config(self):
        c = super().config()
        if self.bfd:
            c["peers"][0]["bfd"] = {"enabled": True}
        return c


def frr_next_hops(frr):
    return E.selected_next_hops(E.tor_paths(frr, PREFIX))


def run_once(build, bfd, tmp):
    topo = E.Topology(E.NODES).up()
    neighbors = [E.Neighbor(n.v4, n.asn, hold_time=9, keepalive=3, connect_retry=1, bfd=bfd) for n in E.NODES]
    frr = E.Frr(E.TOR_NS, E.TOR_ASN, E.TOR_V4, neighbors, tmp_parent=tmp, zebra=True, bfd=bfd,
                router_lines=["bgp bestpath as-path multipath-relax", "timers bgp 3 9"],
                af_lines={"ipv4": ["maximum-paths 8"]}).start()
    d = os.path.join(tmp, f"cluster-{time.monotonic_ns()}")
    os.mkdir(d)
    cluster = E.DirectoryCluster(d)
    cluster.apply([E.node_object(n) for n in E.NODES])
    cluster.apply(E.lb_service("failover", "bench", CLUSTER_IP, PREFIX_IP, "Cluster"))
    cluster.apply(E.endpoint_slice("failover-1", "bench", "failover", [E.endpoint("10.244.1.90", E.NODES[0])]))
    nodes = [Node(os.path.join(build, "src", "daemon", "svcbgpd"), n, {"source": "directory", "directory": d},
                  bfd=bfd, tmp_parent=tmp) for n in E.NODES]
    try:
        for n in nodes:
            n.start()
        for n in E.NODES:
            frr.wait_established(n.v4, timeout=60)
        want = sorted(n.v4 for n in E.NODES)
        E.wait_until(lambda: frr_next_hops(frr) == want, 30, 0.1, "three next hops at the ToR")
        if bfd:
            def all_up():
                peers = frr.vjson("show bfd peers json")
                return isinstance(peers, list) and sum(p.get("status") == "up" for p in peers) == 3
            E.wait_until(all_up, 30, 0.1, "three BFD sessions Up at the ToR")
        time.sleep(1)  # settle: the measurement starts from a quiet state
        n1 = E.NODES[0]
        t0 = time.monotonic()
        E.run(["ip", "-n", E.TOR_NS, "link", "set", f"t-n{n1.i}", "nomaster"])
        E.wait_until(lambda: n1.v4 not in frr_next_hops(frr), 60, 0.02, "node-1 gone from the next hops")
        moved = time.monotonic() - t0
        E.wait_until(lambda: frr.neighbor_info(n1.v4).get("bgpState") != "Established", 60, 0.02,
                     "FRR's session with node-1 down")
        down = time.monotonic() - t0
        return moved, down
    finally:
        for n in nodes:
            try:
                n.stop()
            except Exception:  # noqa: BLE001 - a node that died is stopped already
                pass
        frr.stop()
        topo.down()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bfd_failover: needs root (network namespaces)")
    tmp = tempfile.mkdtemp(prefix="bench-bfd-")
    os.chmod(tmp, 0o755)
    results = {True: [], False: []}
    try:
        for bfd in (True, False):
            for r in range(a.runs):
                moved, down = run_once(a.build, bfd, tmp)
                results[bfd].append((moved, down))
                print(f"  BFD {'on ' if bfd else 'off'} run {r + 1}: next hop moved after {moved * 1000:.0f} ms, "
                      f"BGP session down after {down * 1000:.0f} ms", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nsummary (min-max over runs): node-1's port out of the ToR's bridge, carrier kept")
    for bfd in (True, False):
        m = [x[0] * 1000 for x in results[bfd]]
        dn = [x[1] * 1000 for x in results[bfd]]
        print(f"BFD {'300 ms x 3' if bfd else 'off (hold 9 s)'}: route moved in {min(m):.0f}-{max(m):.0f} ms, "
              f"BGP down in {min(dn):.0f}-{max(dn):.0f} ms")


if __name__ == "__main__":
    main()
