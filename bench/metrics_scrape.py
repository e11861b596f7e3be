#!/usr/bin/env python3
"""/metrics scrape cost with 10,000 vs 100,000 services cached (issue 13: a scrape sorted and copied
every decision, 24 ms of the io thread at 20k services). The fake API server (plain HTTP) holds N
LoadBalancer services with one endpoint each; svcbgpd (`kubernetes.source: kubeconfig`) peers with
one sink. Once synced, --scrapes GETs of /metrics are timed (wall) and svcbgpd's CPU over them is
read from /proc. Run as root from the repository:

    python3 bench/metrics_scrape.py [--sizes 10000,100000] [--scrapes 200] [--build build-release]

Prints per size the median (min-max) wall time of one scrape and svcbgpd's CPU per scrape, and the
ratio largest / smallest size (aim: about 1.0). Namespace bn-ms (10.99.90.1 svcbgpd).
"""
import argparse
import os
import sys
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import cluster as C  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--scrapes", type=int, default=200)
    ap.add_argument("--build", default=B.default_build())
    a = ap.parse_args()
    B.require_root()
    B.cleanup()
    B.machine_header([f"benchmark: /metrics scrape cost; sizes={a.sizes} scrapes={a.scrapes}"], build=a.build)
    results = {}
    C.setup_ns("bn-ms", 1)
    try:
        for size in [int(x) for x in a.sizes.split(",")]:
            cl = C.ChurnCluster(a.build, "bn-ms-", size)
            d = cl.svcbgpd
            d.wait_ready()
            time.sleep(2)  # let the initial table drain to the sink before measuring
            walls = []
            c0 = B.cpu_seconds(d.pid)
            size_bytes = 0
            for _ in range(a.scrapes):
                t0 = time.perf_counter()
                with urllib.request.urlopen("http://127.0.0.1:9179/metrics", timeout=30) as r:
                    size_bytes = len(r.read())
                walls.append(time.perf_counter() - t0)
            cpu = (B.cpu_seconds(d.pid) - c0) * 1e3 / a.scrapes
            results[size] = (B.stats(walls), cpu, size_bytes)
            print(f"  services={size}: {a.scrapes} scrapes, {size_bytes} bytes each, svcbgpd CPU "
                  f"{cpu:.3f} ms per scrape", flush=True)
            cl.close()
    finally:
        B.cleanup().run()
    print(f"\nsummary: wall time of one scrape, median (min-max) of {a.scrapes}; svcbgpd CPU per scrape "
          f"(clock ticks of 10 ms, averaged)")
    for size, (w, cpu, n) in results.items():
        print(f"metrics services={size}: {B.fmt_stat(w, digits=2)} wall, {cpu:.3f} ms CPU, {n} bytes")
    sizes = sorted(results)
    if len(sizes) >= 2:
        print(f"metrics ratio services={sizes[-1]} / services={sizes[0]}: "
              f"{results[sizes[-1]][0]['median'] / results[sizes[0]][0]['median']:.2f} (aim: about 1.0)")


if __name__ == "__main__":
    main()
