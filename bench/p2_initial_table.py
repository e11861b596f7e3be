#!/usr/bin/env python3
"""P2 initial table (shared/spec/performance.md): time from session Established until the receiver
holds all N prefixes, svcbgpd (directory source, N LoadBalancer services) vs BIRD 2 (protocol static
with the same N routes, exported to BGP), in the same run, to the same receiver: a real BIRD 2 and
a minimal NLRI-counting sink (bench/lib/bgpsink.py). Run as root from the repository:

    python3 bench/p2_initial_table.py [--n 10000,100000] [--families ipv4,ipv6] [--receivers sink,bird]
                                      [--runs 5] [--build build-release] [--json FILE]

Both senders start first and compute their table (svcbgpd: "table ready" in its log; BIRD: the static
routes in its table), both are passive; then the receiver connects, so the clock starts at Established
with the table computed on both sides. Senders alternate order from run to run and are restarted
for every run. Namespaces bn-p2-rx (10.99.90.1, fd99:90::1) and bn-p2-tx (svcbgpd .2 / ::2, BIRD
sender .3 / ::3). Sink: exact CLOCK_MONOTONIC timestamps (Established = OPEN + KEEPALIVE received;
full = the N-th prefix counted), UPDATEs and bytes sent until then. BIRD receiver: its own log
timestamps (microseconds) from "State changed to up" to "Got END-OF-RIB", checked against
`show route count` == N afterwards; the 99 % and first-prefix times at the BIRD receiver come from
polling `show route count` every --bird-poll-ms (10) over one birdc session (resolution ~10 ms).

BIRD 2.0.12 as a sender often holds its last, partial UPDATE (the routes after the last full batch of
256) until its main loop wakes up for something else -- up to its 3 s poll timeout -- when the peer
is silent. The sink therefore also reports the time until 99 % of N were held ("to 99 %"), which
compares the bulk of the transfer without that stall; both figures are printed.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as B  # noqa: E402
import gen_cluster  # noqa: E402

RX, TX = "bn-p2-rx", "bn-p2-tx"
ADDR = {"ipv4": {"rx": "10.99.90.1", "svcbgpd": "10.99.90.2", "bird": "10.99.90.3"},
        "ipv6": {"rx": "fd99:90::1", "svcbgpd": "fd99:90::2", "bird": "fd99:90::3"}}


def setup_net():
    B.make_ns(RX)
    B.make_ns(TX)
    B.veth(RX, "bn-p2r", ["10.99.90.1/24", "fd99:90::1/64"],
           TX, "bn-p2t", ["10.99.90.2/24", "10.99.90.3/24", "fd99:90::2/64", "fd99:90::3/64"])


def svcbgpd_config(work, family, cluster):
    a = ADDR[family]
    path = os.path.join(work, f"svcbgpd-{family}.yaml")
    with open(path, "w") as f:
        f.write(f"""node_name: bn-node
router_id: 10.99.90.2
local_asn: 64512
listen: {{ address: "::", port: 179 }}
graceful_restart: {{ enabled: true, restart_time: 120 }}
shutdown: withdraw
peers:
  - name: rx
    address: "{a['rx']}"
    asn: 65000
    passive: true
    hold_time: 90
    families: [{family}]
    next_hop_v6: "fd99:90::2"
    max_prefixes: 0
    advertise: [load_balancer_ips]
advertise:
  cluster_ips: {{ cidrs: [], mode: aggregate }}
  external_ips: {{ cidrs: [] }}
  load_balancer_ips: {{ cidrs: ["{gen_cluster.LB_CIDRS[family]}"] }}
  communities: []
  batch_delay_ms: 10
kubernetes:
  source: directory
  directory: {cluster}
admin: {{ socket: "{work}/svcbgpd.sock" }}
http: {{ listen: "127.0.0.1:9179" }}
log: {{ level: info, format: text }}
""")
    return path


def bird_sender_config(work, family, static_file):
    a = ADDR[family]
    path = os.path.join(work, f"bird-tx-{family}.conf")
    with open(path, "w") as f:
        f.write(f"""router id 10.99.90.3;
protocol device {{}}
include "{static_file}";
protocol bgp to_rx {{
  local {a['bird']} as 64512;
  neighbor {a['rx']} as 65000;
  passive on;
  hold time 90;
  error wait time 1, 2;
  {family} {{ import none; export all; }};
}}
""")
    return path


def bird_receiver_config(work, family, sender, log):
    a = ADDR[family]
    path = os.path.join(work, f"bird-rx-{family}-{sender}.conf")
    with open(path, "w") as f:
        f.write(f"""router id 10.99.90.1;
log "{log}" all;
timeformat log "%F %T.%6f";
protocol device {{}}
protocol bgp from_tx {{
  local {a['rx']} as 65000;
  neighbor {a[sender]} as 64512;
  hold time 90;
  connect delay time 1;
  debug {{ states, packets }};
  {family} {{ import all; export none; }};
}}
""")
    return path


class BirdProc:
    def __init__(self, ns, conf, work, tag):
        self.ns, self.ctl, self.pidf = ns, os.path.join(work, f"{tag}.ctl"), os.path.join(work, f"{tag}.pid")
        for p in (self.ctl, self.pidf):
            if os.path.exists(p):
                os.unlink(p)
        B.sh("ip", "netns", "exec", ns, "bird", "-c", conf, "-s", self.ctl, "-P", self.pidf)
        self.pid = int(B.wait_for(lambda: os.path.exists(self.pidf) and open(self.pidf).read().strip(), 30,
                                  what="bird pid file"))

    def cmd(self, *args):
        return B.sh("ip", "netns", "exec", self.ns, "birdc", "-s", self.ctl, *args, check=False, timeout=60)

    def route_count(self):
        out = self.cmd("show", "route", "count")
        m = re.search(r"Total: (\d+) of", out) or re.search(r"(\d+) of \d+ routes", out)
        return int(m.group(1)) if m else 0

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            B.wait_for(lambda: not os.path.exists(f"/proc/{self.pid}"), 20, what="bird exit")
        except TimeoutError:
            os.kill(self.pid, signal.SIGKILL)


def start_sender(kind, family, n, work, build, cluster, static):
    t0 = time.monotonic()
    if kind == "svcbgpd":
        log = os.path.join(work, "svcbgpd.log")
        errf = open(log, "w")
        wrapper = os.environ.get("SVCBGPD_WRAPPER", "").split()  # for profiling, as in lib/cluster.py
        p = B.spawn(TX, wrapper + [os.path.join(build, "src/daemon/svcbgpd"), "--config",
                         svcbgpd_config(work, family, cluster)], stderr=errf, stdout=errf)
        B.wait_log(log, "table ready", 600, proc=p)
        return p, time.monotonic() - t0
    b = BirdProc(TX, bird_sender_config(work, family, static), work, "bird-tx")
    B.wait_for(lambda: b.route_count() >= n, 600, 0.2, "BIRD sender static routes")
    return b, time.monotonic() - t0


def stop_sender(kind, s):
    if kind == "svcbgpd":
        # No withdraw storm toward a receiver that is already gone (SIGTERM under a profiler, which must
        # write its output).
        B.cleanup().stop(s, signal.SIGTERM if os.environ.get("SVCBGPD_WRAPPER") else signal.SIGKILL)
    else:
        s.stop()


def parse_bird_time(line):
    return datetime.strptime(line[:26], "%Y-%m-%d %H:%M:%S.%f").timestamp()


def measure_sink(family, n, sender):
    a = ADDR[family]
    p = B.spawn(RX, [sys.executable, B.SINK, "--connect", a[sender], "--bind", a["rx"], "--family", family,
                     "--expect", str(n), "--idle-exit", "2"], stdout=subprocess.PIPE)
    jl = B.JsonLines(p)
    jl.next(60, {"established"})
    ev = jl.next(600, {"done", "closed", "notification"})
    B.cleanup().stop(p)
    if ev["event"] != "done" or ev["elapsed"] is None:
        raise RuntimeError(f"sink: {ev}")
    return {"elapsed": ev["elapsed"], "elapsed_99": ev["elapsed_99"], "elapsed_first": ev.get("elapsed_first"), "updates": ev["updates"], "bytes": ev["bytes"],
            "eor_after": (ev["t_eor"] - ev["t_established"]) if ev["t_eor"] else None}


class BirdPoller(threading.Thread):
    """Asks the BIRD receiver for its route count every `interval` s over one birdc session and notes
    the wall-clock time (comparable with BIRD's log) when it first held >= 1, >= 99 % and all N."""

    def __init__(self, ns, ctl, n, interval):
        super().__init__(daemon=True)
        self.n, self.interval = n, interval
        self.first = self.t99 = self.full = None
        self.stop_flag = False
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, "birdc", "-s", ctl], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def run(self):
        try:
            while not self.stop_flag and self.full is None:
                self.p.stdin.write("show route count\n")
                self.p.stdin.flush()
                while True:
                    line = self.p.stdout.readline()
                    if not line:
                        return
                    m = re.search(r"Total: (\d+) of", line)
                    if m:
                        break
                t, c = time.time(), int(m.group(1))
                if c > 0 and self.first is None:
                    self.first = t
                if c * 100 >= self.n * 99 and self.t99 is None:
                    self.t99 = t
                if c >= self.n:
                    self.full = t
                time.sleep(self.interval)
        except (OSError, ValueError):
            pass

    def close(self):
        self.stop_flag = True
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self.p.kill()
        self.p.wait()


def measure_bird(family, n, sender, work, poll_ms):
    log = os.path.join(work, "bird-rx.log")
    if os.path.exists(log):
        os.unlink(log)
    b = BirdProc(RX, bird_receiver_config(work, family, sender, log), work, "bird-rx")
    poller = None
    try:
        if poll_ms:
            B.wait_for(lambda: os.path.exists(b.ctl), 10, what="birdc socket")
            poller = BirdPoller(RX, b.ctl, n, poll_ms / 1e3)
            poller.start()

        def eor():
            if not os.path.exists(log):
                return None
            up = end = None
            for line in open(log):
                if up is None and "from_tx: State changed to up" in line:
                    up = parse_bird_time(line)
                elif up is not None and "Got END-OF-RIB" in line:
                    end = parse_bird_time(line)
                    break
            return (up, end) if end else None
        up, end = B.wait_for(eor, 600, 0.1, "End-of-RIB at the BIRD receiver")
        if poller:
            poller.join(5)
        count = b.route_count()
        if count != n:
            raise RuntimeError(f"BIRD receiver holds {count} routes after End-of-RIB, expected {n}")
        m = {"elapsed": end - up}
        if poller:
            m["elapsed_99"] = poller.t99 - up if poller.t99 else None
            m["elapsed_first"] = poller.first - up if poller.first else None
        return m
    finally:
        if poller:
            poller.close()
        b.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", default="10000,100000")
    ap.add_argument("--families", default="ipv4,ipv6")
    ap.add_argument("--receivers", default="sink,bird")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--build", default=B.default_build())
    ap.add_argument("--json", help="also write every sample to this file")
    ap.add_argument("--bird-poll-ms", type=float, default=10,
                    help="BIRD receiver: poll `show route count` this often for the 99 %% / first-prefix "
                         "times (0: off; costs the receiver some CPU, the same for both senders)")
    a = ap.parse_args()
    B.require_root()
    B.cleanup()
    ns = [int(x) for x in a.n.split(",")]
    B.machine_header([f"benchmark: P2 initial table; N={a.n} families={a.families} receivers={a.receivers} "
                      f"runs={a.runs} seed={a.seed} build={a.build}"], build=a.build)
    work = tempfile.mkdtemp(prefix="bn-p2-")
    os.chmod(work, 0o755)
    results = []
    try:
        setup_net()
        for family in a.families.split(","):
            for n in ns:
                cluster = os.path.join(work, f"cluster-{family}-{n}")
                static = os.path.join(work, f"static-{family}-{n}.conf")
                subprocess.run(["rm", "-rf", cluster])
                gen_cluster.write_dir(cluster, n, family, a.seed)
                gen_cluster.write_bird_static(static, n, family, a.seed)
                for rx in a.receivers.split(","):
                    samples = {"svcbgpd": [], "bird": []}
                    for run in range(a.runs):
                        order = ["svcbgpd", "bird"] if run % 2 == 0 else ["bird", "svcbgpd"]
                        for sender in order:
                            s, ready = start_sender(sender, family, n, work, a.build, cluster, static)
                            try:
                                m = (measure_sink(family, n, sender) if rx == "sink"
                                     else measure_bird(family, n, sender, work, a.bird_poll_ms))
                            finally:
                                stop_sender(sender, s)
                            m["ready"] = ready
                            samples[sender].append(m)
                            print(f"  {family} N={n} rx={rx} run={run + 1} {sender}: "
                                  f"{m['elapsed'] * 1e3:.1f} ms"
                                  + (f", {m['updates']} UPDATEs, {m['bytes']} bytes" if "updates" in m else "")
                                  + f" (sender ready after {ready:.1f} s)", flush=True)
                    r = {"family": family, "n": n, "receiver": rx, "samples": samples}
                    results.append(r)
                    report(r)
                subprocess.run(["rm", "-rf", cluster, static])
    finally:
        B.cleanup().run()
        subprocess.run(["rm", "-rf", work])
    print("\nsummary (median (min-max) of runs; ratio = svcbgpd / BIRD of the medians)")
    for r in results:
        report(r, brief=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


def report(r, brief=False):
    s = r["samples"]
    st = {k: B.stats([m["elapsed"] for m in v]) for k, v in s.items()}
    ratio = st["svcbgpd"]["median"] / st["bird"]["median"] if st["bird"] and st["bird"]["median"] else None
    line = (f"P2 {r['family']} N={r['n']} receiver={r['receiver']}: svcbgpd {B.fmt_stat(st['svcbgpd'])}, "
            f"BIRD {B.fmt_stat(st['bird'])}, ratio {ratio:.3g}" if ratio else "n/a")
    if "elapsed_99" in s["svcbgpd"][0]:
        st99 = {k: B.stats([m["elapsed_99"] for m in v]) for k, v in s.items()}
        r99 = (f"{st99['svcbgpd']['median'] / st99['bird']['median']:.3g}"
               if st99["svcbgpd"] and st99["bird"] else "n/a")
        line += f"; to 99 %: svcbgpd {B.fmt_stat(st99['svcbgpd'])}, BIRD {B.fmt_stat(st99['bird'])}, ratio {r99}"
        stf = {k: B.stats([m.get("elapsed_first") for m in v]) for k, v in s.items()}
        line += f"; first prefix: svcbgpd {B.fmt_stat(stf['svcbgpd'])}, BIRD {B.fmt_stat(stf['bird'])}"
    if r["receiver"] == "sink":
        for k in ("svcbgpd", "bird"):
            u = B.stats([m["updates"] for m in s[k]])
            by = B.stats([m["bytes"] for m in s[k]])
            line += f"; {k}: {u['median']:.0f} UPDATEs, {by['median']:.0f} bytes"
    print(line, flush=True)


if __name__ == "__main__":
    main()
