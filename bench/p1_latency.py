#!/usr/bin/env python3
"""P1 event-to-UPDATE latency (shared/spec/performance.md): the fake API server (plain HTTP) holds
--services LoadBalancer services (one slice with one endpoint each); a driver posts endpoint changes
(readiness flips, each one withdraws or re-announces a LoadBalancer IP) to its control API at 1, 100,
1,000 and 10,000 changes/s; svcbgpd (`kubernetes.source: kubeconfig`, batch_delay_ms 10 unless
--batch-delay-ms) peers with one NLRI-counting sink. Run as root from the repository:

    python3 bench/p1_latency.py [--rates 1,100,1000,10000] [--runs 5] [--seconds 5] [--services 2000]
                                [--batch-delay-ms 10] [--build build-release]

Two views per rate, each the median over --runs runs (min-max) of that run's p50 / p99 / max:
  wire:      change posted to the fake API server -> the prefix's UPDATE read by the sink (exact,
             CLOCK_MONOTONIC both sides; includes the fake server's own time and its watch stream);
  histogram: svcbgpd's svcbgp_event_to_update_seconds (watch batch read -> UPDATE written), delta over
             the run; quantiles are bucket upper bounds (buckets ... 5, 10, 15, 20 ms ...).
Aim: p99 < batch_delay + 1 ms at 1,000 changes/s. A rate the Python driver cannot keep is printed
with the rate it reached. Namespace bn-p1 (10.99.90.1 svcbgpd, 10.99.90.11 sink).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import cluster as C  # noqa: E402


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None


def match(posted, plog):
    """Latency of each change: first sink event for its prefix and op at or after the post."""
    events = {}
    with open(plog) as f:
        for line in f:
            t, op, p = line.split()
            events.setdefault((p, op), []).append(int(t))
    lat, missing = [], 0
    used = {}
    for t, p, op in posted:
        lst = events.get((p, op), [])
        j = used.get((p, op), 0)
        while j < len(lst) and lst[j] < t:
            j += 1
        if j < len(lst):
            lat.append((lst[j] - t) / 1e9)
            used[(p, op)] = j + 1
        else:
            missing += 1
    return lat, missing


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="1,100,1000,10000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=5, help="length of one run (at 1/s: at least 10 changes)")
    ap.add_argument("--services", type=int, default=2000)
    ap.add_argument("--batch-delay-ms", type=int, default=10)
    ap.add_argument("--build", default=B.default_build())
    a = ap.parse_args()
    B.require_root()
    B.cleanup()
    B.machine_header([f"benchmark: P1 event-to-UPDATE latency; rates={a.rates}/s runs={a.runs} "
                      f"seconds/run={a.seconds} services={a.services} batch_delay_ms={a.batch_delay_ms} "
                      f"source=kubeconfig (fake API server, plain HTTP)"], build=a.build)
    work = tempfile.mkdtemp(prefix="bn-p1-")
    os.chmod(work, 0o755)
    rows = []
    try:
        C.setup_ns("bn-p1", 1)
        api = C.FakeApi(work)
        api.load(services=a.services, slices_per_service=1, endpoints_per_slice=1, lb_every=1, local_every=0,
                 dual_stack_every=0, nodes=3, seed=1)
        plog = os.path.join(work, "prefixes.log")
        sinks = C.start_sinks(1, log_prefixes=plog)
        d = C.Svcbgpd(a.build, C.svcbgpd_config(work, api.kubeconfig, 1, batch_delay_ms=a.batch_delay_ms),
                      work)
        d.wait_ready()
        time.sleep(1)
        churn = C.Churn(api, a.services)
        for rate in [int(x) for x in a.rates.split(",")]:
            changes = max(10, int(rate * a.seconds))
            per_run = {"p50": [], "p99": [], "max": [], "h50": [], "h99": [], "hmax": [], "mean_h": [],
                       "rate": [], "missing": []}
            for run in range(a.runs):
                open(plog, "w").close()
                h0 = d.histogram("svcbgp_event_to_update_seconds")
                posted, achieved = churn.run(rate, changes)
                time.sleep(0.5 + a.batch_delay_ms / 1e3)
                h = C.hist_diff(d.histogram("svcbgp_event_to_update_seconds"), h0)
                lat, missing = match(posted, plog)
                per_run["p50"].append(pct(lat, 0.5))
                per_run["p99"].append(pct(lat, 0.99))
                per_run["max"].append(max(lat) if lat else None)
                per_run["h50"].append(C.hist_quantile(h, 0.5))
                per_run["h99"].append(C.hist_quantile(h, 0.99))
                per_run["mean_h"].append(h[1] / h[2] if h[2] else None)
                per_run["rate"].append(achieved)
                per_run["missing"].append(missing)
                print(f"  rate {rate}/s run {run + 1}: reached {achieved:.0f}/s, {len(posted)} changes, "
                      f"{int(h[2])} UPDATE bursts; wire p50 {per_run['p50'][-1] * 1e3:.2f} ms "
                      f"p99 {per_run['p99'][-1] * 1e3:.2f} ms max {per_run['max'][-1] * 1e3:.2f} ms; "
                      f"histogram p50<={per_run['h50'][-1]} p99<={per_run['h99'][-1]} "
                      f"mean {per_run['mean_h'][-1] * 1e3:.2f} ms; unmatched {missing}", flush=True)
            rows.append((rate, per_run))
        d.stop()
    finally:
        B.cleanup().run()
        subprocess.run(["rm", "-rf", work])
    print(f"\nsummary: median of {a.runs} runs (min-max); batch_delay_ms={a.batch_delay_ms}; "
          f"aim p99 < {a.batch_delay_ms + 1} ms at 1000/s")
    for rate, r in rows:
        hq = lambda k: f"{statistics.median(r[k]) * 1e3:g} ms" if all(x is not None for x in r[k]) else "n/a"
        print(f"P1 rate={rate}/s (reached {statistics.median(r['rate']):.0f}/s): wire p50 {B.fmt_stat(B.stats(r['p50']), digits=2)}, "
              f"p99 {B.fmt_stat(B.stats(r['p99']), digits=2)}, max {B.fmt_stat(B.stats(r['max']), digits=2)}; "
              f"svcbgpd histogram p50 <= {hq('h50')}, p99 <= {hq('h99')}, mean {B.fmt_stat(B.stats(r['mean_h']), digits=2)}; "
              f"p99 - batch_delay = {(statistics.median(r['p99']) * 1e3 - a.batch_delay_ms):.2f} ms; "
              f"unmatched {sum(r['missing'])}")


if __name__ == "__main__":
    main()
