#!/usr/bin/env python3
"""P6 churn cost: svcbgpd CPU (utime + stime from /proc/PID/stat) per 1,000 endpoint changes with
10,000 vs 100,000 services cached. The fake API server (plain HTTP) holds N LoadBalancer services
with one slice of one endpoint each; the driver flips the readiness of 1,000 services' endpoints
(each flip withdraws or re-announces one /32) at --rate changes/s; svcbgpd
(`kubernetes.source: kubeconfig`) peers with one NLRI-counting sink. Run as root from the repository:

    python3 bench/p6_churn_cpu.py [--sizes 10000,100000] [--changes 1000] [--rate 100] [--runs 5]
                                  [--build build-release]

Prints per size the median (min-max) of --runs runs of CPU ms per 1,000 changes, the idle CPU of
svcbgpd over the same wall time (measured just before), and the ratio largest / smallest size
(aim: flat, i.e. about 1.0). Namespace bn-p6 (10.99.90.1 svcbgpd, 10.99.90.11 sink).
"""
import argparse
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import cluster as C  # noqa: E402


def pmp(pid, churn, a):
    """Poor man's profiler: gdb stack samples of the busy svcbgpd thread during a churn replay."""
    import collections
    import re
    import threading
    def replay():
        try:
            churn.run(a.rate, a.changes * 10)
        except OSError:
            pass  # the fake server is stopped when sampling ends
    t = threading.Thread(target=replay, daemon=True)
    t.start()
    time.sleep(1)
    stacks = collections.Counter()
    frames = collections.Counter()
    taken = 0
    while taken < a.pmp and t.is_alive():
        out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex", "set pagination off",
                              "-ex", "thread apply all bt 40"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        for th in out.split("\nThread ")[1:]:
            names = []
            for m in re.finditer(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(.+)$", th, re.M):
                n = m.group(1).replace("(anonymous namespace)", "{anon}")
                names.append(n.split(" (")[0].split("(")[0].strip())
            if not names or any(w in names[0] for w in ("epoll_wait", "poll", "futex", "nanosleep",
                                                        "pthread_cond", "syscall", "read ", "accept")):
                continue
            stacks[" <- ".join(names[:6])] += 1
            for n in set(names):
                frames[n] += 1
        taken += 1
    print(f"\npoor man's profile: {taken} samples of svcbgpd during churn at {a.rate:g}/s "
          f"(busy-thread stacks only)")
    print("frames on the stack in the most samples (inclusive):")
    for n, c in frames.most_common(25):
        print(f"  {c:4d}  {n[:150]}")
    print("commonest innermost stacks:")
    for st, c in stacks.most_common(8):
        print(f"  {c:4d}  {st[:300]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", default=B.default_build())
    ap.add_argument("--pmp", type=int, default=0,
                    help="after the runs of each size, take this many gdb stack samples of svcbgpd while the "
                         "churn is replayed again (a poor man's profiler) and print the commonest frames")
    a = ap.parse_args()
    B.require_root()
    B.cleanup()
    B.machine_header([f"benchmark: P6 churn CPU; sizes={a.sizes} changes={a.changes} rate={a.rate}/s "
                      f"runs={a.runs} batch_delay_ms=10 source=kubeconfig (fake API server, plain HTTP)"], build=a.build)
    results = {}
    C.setup_ns("bn-p6", 1)
    try:
        for size in [int(x) for x in a.sizes.split(",")]:
            cl = C.ChurnCluster(a.build, "bn-p6-", size)
            api, d = cl.api, cl.svcbgpd
            sync = d.wait_ready()
            time.sleep(2)
            churn = C.Churn(api, min(a.changes, size))
            # Profiling (see README): SVCBGPD_WRAPPER="valgrind --tool=callgrind --collect-atstart=no ..."
            # and SVCBGPD_CALLGRIND=1 collect only while the churn is replayed.
            if os.environ.get("SVCBGPD_CALLGRIND"):
                B.sh("callgrind_control", "-i", "on", str(d.pid))
            cpu, idle = [], []
            for run in range(a.runs):
                wall = a.changes / a.rate
                c0 = B.cpu_seconds(d.pid)
                time.sleep(wall)
                idle.append(B.cpu_seconds(d.pid) - c0)
                c0 = B.cpu_seconds(d.pid)
                _, achieved = churn.run(a.rate, a.changes)
                time.sleep(0.5)
                used = B.cpu_seconds(d.pid) - c0
                cpu.append(used * 1000 / a.changes)
                print(f"  services={size} run {run + 1}: {used * 1e3:.0f} ms CPU for {a.changes} changes at "
                      f"{achieved:.0f}/s ({cpu[-1] * 1e3:.1f} ms per 1,000); idle over {wall:.0f} s: "
                      f"{idle[-1] * 1e3:.0f} ms", flush=True)
            results[size] = (B.stats(cpu), B.stats(idle), sync)
            if a.pmp:
                pmp(d.pid, churn, a)
            if os.environ.get("SVCBGPD_CALLGRIND"):
                B.sh("callgrind_control", "-i", "off", str(d.pid))
            cl.close()
    finally:
        B.cleanup().run()
    print(f"\nsummary: median of {a.runs} runs (min-max), CPU per 1,000 endpoint changes at {a.rate:g}/s "
          f"(clock ticks of 10 ms)")
    for size, (c, i, sync) in results.items():
        print(f"P6 services={size}: {B.fmt_stat(c)} CPU per 1,000 changes; idle CPU over the same time "
              f"{B.fmt_stat(i)}; initial sync {sync:.1f} s")
    sizes = sorted(results)
    if len(sizes) >= 2:
        print(f"P6 ratio services={sizes[-1]} / services={sizes[0]}: "
              f"{results[sizes[-1]][0]['median'] / results[sizes[0]][0]['median']:.2f} (aim: about 1.0)")


if __name__ == "__main__":
    main()
