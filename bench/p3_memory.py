#!/usr/bin/env python3
"""P3 peak RSS and issue 3's load figures: the fake API server (plain HTTP) holds --services Services
(all LoadBalancer, Cluster policy) and 2 EndpointSlices each (2 endpoints per slice) on 10 nodes;
svcbgpd (`kubernetes.source: kubeconfig`, cluster_ips per-service) announces every ClusterIP and
LoadBalancer IP (2 x --services /32 prefixes) to 4 NLRI-counting sinks. Run as root from the repository:

    python3 bench/p3_memory.py [--services 100000] [--runs 5] [--build build-release]

Per run (svcbgpd restarted, fake server kept): initial sync time (svcbgpd start -> "table ready" in its
log, i.e. every reflector listed and the table computed), time until all 4 sinks hold the whole table,
then VmHWM (peak RSS) and VmRSS from /proc/PID/status, and VmHWM / (cached objects + announced
prefixes) in bytes. Medians of --runs runs with min-max. Namespace bn-p3 (10.99.90.1 svcbgpd,
10.99.90.11-14 sinks).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import cluster as C  # noqa: E402

PEERS = 4
NODES = 10


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", default=B.default_build())
    a = ap.parse_args()
    B.require_root()
    B.cleanup()
    slices = 2 * a.services
    objects = a.services + slices + NODES
    prefixes = 2 * a.services
    B.machine_header([f"benchmark: P3 memory + initial sync; services={a.services} endpointslices={slices} "
                      f"nodes={NODES} prefixes={prefixes} peers={PEERS} runs={a.runs} "
                      f"source=kubeconfig (fake API server, plain HTTP)"], build=a.build)
    work = tempfile.mkdtemp(prefix="bn-p3-")
    os.chmod(work, 0o755)
    res = {"sync": [], "full": [], "hwm": [], "rss": [], "per": []}
    try:
        C.setup_ns("bn-p3", PEERS)
        api = C.FakeApi(work)
        t = api.load(services=a.services, slices_per_service=2, endpoints_per_slice=2, lb_every=1,
                     local_every=0, dual_stack_every=0, nodes=NODES, seed=1)
        print(f"fake API server loaded in {t:.1f} s", flush=True)
        for run in range(a.runs):
            sinks = C.start_sinks(PEERS, expect=prefixes)
            d = C.Svcbgpd(a.build, C.svcbgpd_config(work, api.kubeconfig, PEERS, cluster_ips_per_service=True),
                          work)
            sync = d.wait_ready()
            for _, jl in sinks:
                jl.next(900, {"full"})
            full = time.monotonic() - d.t_start
            st = B.proc_status(d.pid)
            d.stop()
            for p, _ in sinks:
                B.cleanup().stop(p)
            per = st["VmHWM"] / (objects + prefixes)
            for k, v in (("sync", sync), ("full", full), ("hwm", st["VmHWM"]), ("rss", st["VmRSS"]), ("per", per)):
                res[k].append(v)
            print(f"  run {run + 1}: initial sync {sync:.2f} s, table at all {PEERS} peers after {full:.2f} s, "
                  f"VmHWM {st['VmHWM'] / 2**20:.1f} MiB, VmRSS {st['VmRSS'] / 2**20:.1f} MiB, "
                  f"{per:.0f} bytes per (object + prefix)", flush=True)
    finally:
        B.cleanup().run()
        subprocess.run(["rm", "-rf", work])
    print(f"\nsummary: median of {a.runs} runs (min-max)")
    print(f"issue 3 load: initial sync ({a.services} Services + {slices} EndpointSlices + {NODES} Nodes): "
          f"{B.fmt_stat(B.stats(res['sync']), 's', 1, 2)}; whole table ({prefixes} prefixes) at {PEERS} peers "
          f"after {B.fmt_stat(B.stats(res['full']), 's', 1, 2)}")
    print(f"P3 peak RSS (VmHWM): {B.fmt_stat(B.stats(res['hwm']), 'MiB', 2**-20, 1)}; RSS after: "
          f"{B.fmt_stat(B.stats(res['rss']), 'MiB', 2**-20, 1)}; per (cached object + announced prefix) "
          f"[{objects} + {prefixes}]: {B.fmt_stat(B.stats(res['per']), 'bytes', 1, 0)}; aim < 500 bytes, "
          f"ratio to aim {B.stats(res['per'])['median'] / 500:.2f}")


if __name__ == "__main__":
    main()
