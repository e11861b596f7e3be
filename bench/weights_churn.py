#!/usr/bin/env python3
"""Issue 16: what weighted ECMP costs on the wire under churn. The fake API server (plain HTTP) holds
--services Local-policy LoadBalancer services whose one slice has E ready endpoints, all on this node;
the driver flips the readiness of one endpoint per change (P1/P6's churn) --changes times at --rate/s;
svcbgpd peers with one sink. Each (E, weighted off/on) pair runs from a fresh cluster; the figure is
the UPDATEs svcbgpd sent for the churn (svcbgp_bgp_messages_sent_total{type="update"}, after minus
before) and the extra the weights cost. With E = 1 (P1's shape) a flip withdraws or re-announces the
IP either way, and the weight rides in that UPDATE; with E > 1 a flip changes only the weight. Run as
root from the repository:

    python3 bench/weights_churn.py [--services 2000] [--endpoints 1,3] [--changes 1000] [--rate 100]
                                   [--build build-release]

Namespace bn-wc (10.99.90.1 svcbgpd, 10.99.90.11 sink).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import cluster as C  # noqa: E402


def updates_sent(d):
    m = re.search(r'^svcbgp_bgp_messages_sent_total\{peer="sink0",type="update"\} (\S+)$', d.metrics(), re.M)
    return int(float(m.group(1))) if m else 0


def settled(d, quiet=1.0, timeout=120):
    """The update count once it has not moved for `quiet` seconds."""
    last, since, end = updates_sent(d), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.1)
        now = updates_sent(d)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise TimeoutError("svcbgpd kept sending UPDATEs")


def run_once(a, endpoints, weighted):
    work = tempfile.mkdtemp(prefix="bn-wc-")
    os.chmod(work, 0o755)
    api = C.FakeApi(work)
    api.load(services=a.services, slices_per_service=1, endpoints_per_slice=endpoints, lb_every=1,
             local_every=1, dual_stack_every=0, nodes=1, seed=1)
    sinks = C.start_sinks(1)
    d = C.Svcbgpd(a.build, C.svcbgpd_config(work, api.kubeconfig, 1, weighted_ecmp=weighted), work)
    try:
        d.wait_ready()
        before = settled(d)
        churn = C.Churn(api, min(a.changes, a.services))
        _, achieved = churn.run(a.rate, a.changes)
        after = settled(d)
        weight_updates = re.search(r"^svcbgp_weight_updates_total (\S+)$", d.metrics(), re.M)
        return after - before, achieved, int(float(weight_updates.group(1))) if weight_updates else 0
    finally:
        d.stop()
        for p, _ in sinks:
            B.cleanup().stop(p)
        B.cleanup().stop(api.p)
        subprocess.run(["rm", "-rf", work])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=2000)
    ap.add_argument("--endpoints", default="1,3")
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--build", default=B.default_build())
    a = ap.parse_args()
    B.require_root()
    B.cleanup()
    B.machine_header([f"benchmark: weighted ECMP churn; services={a.services} endpoints={a.endpoints} "
                      f"changes={a.changes} rate={a.rate}/s batch_delay_ms=10"], build=a.build)
    C.setup_ns("bn-wc", 1)
    rows = []
    try:
        for e in [int(x) for x in a.endpoints.split(",")]:
            got = {}
            for weighted in (False, True):
                sent, achieved, wu = run_once(a, e, weighted)
                got[weighted] = sent
                print(f"  endpoints={e} weighted={'on' if weighted else 'off'}: {sent} UPDATEs for {a.changes} "
                      f"flips at {achieved:.0f}/s; svcbgp_weight_updates_total {wu}", flush=True)
            rows.append((e, got[False], got[True]))
    finally:
        B.cleanup().run()
    print(f"\nsummary: UPDATEs sent for {a.changes} readiness flips ({a.services} Local-policy services)")
    for e, off, on in rows:
        print(f"endpoints per service {e}: weighted off {off}, on {on}: extra {on - off} "
              f"({(on - off) / a.changes:.2f} per flip)")


if __name__ == "__main__":
    main()
