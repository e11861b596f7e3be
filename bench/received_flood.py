#!/usr/bin/env python3
"""svcbgpd's memory under a received-route flood (issue 13: 1,500 UPDATEs of ~64 KB of unknown
attributes took RSS from 20 to 106 MiB). A peer on 10.99.90.11 (this script) takes svcbgpd's
session, announces the extended message capability (RFC 8654), then sends --updates UPDATEs, each
one new IPv4 /32 with --attr-bytes of an unknown optional transitive attribute. svcbgpd's VmRSS is
read before the flood and after every --step UPDATEs, once svcbgpd has read them (its
svcbgp_bgp_messages_received_total says so). Run as root from the repository:

    python3 bench/received_flood.py [--updates 3000] [--step 500] [--attr-bytes 60000] [--build build-release]

Runs twice: with the defaults (max_prefixes 1000, max_received_bytes 4 MiB, past them counted, not
stored) and with both bounds off (0), and prints VmRSS at each step for both. Namespace bn-fl.
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import cluster as C  # noqa: E402
from bgpsink import KEEPALIVE, OPEN, UPDATE, msg  # noqa: E402

PEER_AS = 65000


def flood_open(router_id):
    caps = b"\x01\x04\x00\x01\x00\x01"  # MP IPv4 unicast
    caps += b"\x06\x00"  # RFC 8654 extended messages
    caps += b"\x41\x04" + struct.pack("!I", PEER_AS)
    params = b"\x02" + bytes([len(caps)]) + caps
    return msg(OPEN, struct.pack("!BHH4sB", 4, PEER_AS, 90, socket.inet_aton(router_id), len(params)) + params)


def flood_update(i, attr_bytes):
    attrs = b"\x40\x01\x01\x00"  # ORIGIN IGP
    attrs += b"\x50\x02\x00\x06\x02\x01" + struct.pack("!I", PEER_AS)  # AS_PATH (4-octet)
    attrs += b"\x40\x03\x04" + socket.inet_aton("10.99.91.1")  # NEXT_HOP: not an address of this namespace
    attrs += b"\xd0\x63" + struct.pack("!H", attr_bytes) + bytes([i % 251]) * attr_bytes  # unknown type 99
    nlri = b"\x20" + struct.pack("!I", (100 << 24 | 64 << 16) + i)  # 100.64.0.0/10 + i, /32
    return msg(UPDATE, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


class Flooder:
    def __init__(self):
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind((C.sink_addr(0), 179))
        self.srv.listen(1)
        self.conn = None

    def accept(self, timeout=60):
        self.srv.settimeout(timeout)
        self.conn, _ = self.srv.accept()
        self.conn.settimeout(None)
        self.conn.sendall(flood_open(C.sink_addr(0)) + msg(KEEPALIVE))
        # Drain whatever svcbgpd sends (OPEN, KEEPALIVEs, its routes) so that it never blocks on us.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            while self.conn.recv(65536):
                pass
        except OSError:
            pass

    def send(self, first, count, attr_bytes):
        for i in range(first, first + count):
            self.conn.sendall(flood_update(i, attr_bytes))

    def close(self):
        for s in (self.conn, self.srv):
            if s is not None:
                s.close()


def metric(text, name, labels=""):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and labels in line and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def scrape():
    with urllib.request.urlopen("http://127.0.0.1:9179/metrics", timeout=30) as r:
        return r.read().decode()


def run(a, bounded):
    work = tempfile.mkdtemp(prefix="bn-fl-")
    os.chmod(work, 0o755)
    api = C.FakeApi(work)
    api.load(services=10, slices_per_service=1, endpoints_per_slice=1, lb_every=1, local_every=0,
             dual_stack_every=0, nodes=3, seed=1)
    path = C.svcbgpd_config(work, api.kubeconfig, 1)
    with open(path) as f:
        text = f.read()
    text = text.replace("    max_prefixes: 0\n", "" if bounded else "    max_prefixes: 0\n    max_received_bytes: 0\n")
    with open(path, "w") as f:
        f.write(text)
    fl = Flooder()
    d = C.Svcbgpd(a.build, path, work)
    rows = []
    try:
        fl.accept()
        d.wait_ready()
        B.wait_for(lambda: metric(scrape(), "svcbgp_bgp_session_up") == 1, 30, what="session up")
        base = metric(scrape(), "svcbgp_bgp_messages_received_total", 'type="update"')
        rows.append((0, B.proc_status(d.pid)["VmRSS"], 0.0, 0.0))
        sent = 0
        while sent < a.updates:
            n = min(a.step, a.updates - sent)
            fl.send(sent, n, a.attr_bytes)
            sent += n
            B.wait_for(lambda: metric(scrape(), "svcbgp_bgp_messages_received_total", 'type="update"') >= base + sent,
                       120, what=f"svcbgpd reading {sent} UPDATEs")
            m = scrape()
            rows.append((sent, B.proc_status(d.pid)["VmRSS"], metric(m, "svcbgp_bgp_received_prefixes"),
                         metric(m, "svcbgp_bgp_received_routes_dropped_total")))
        alive = d.p.poll() is None
    except Exception:
        with open(d.log) as f:
            sys.stderr.write("svcbgpd's log:\n" + f.read()[-3000:])
        raise
    finally:
        fl.close()
        d.stop()
        B.cleanup().stop(api.p)
        subprocess.run(["rm", "-rf", work])
    return rows, alive


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=3000)
    ap.add_argument("--step", type=int, default=500)
    ap.add_argument("--attr-bytes", type=int, default=60000)
    ap.add_argument("--build", default=B.default_build())
    a = ap.parse_args()
    B.require_root()
    B.cleanup()
    B.machine_header([f"benchmark: received-route flood; updates={a.updates} attr_bytes={a.attr_bytes}"],
                     build=a.build)
    C.setup_ns("bn-fl", 1)
    results = {}
    try:
        for bounded in (True, False):
            results[bounded] = run(a, bounded)
    finally:
        B.cleanup().run()
    print("\nsummary: svcbgpd VmRSS after N flood UPDATEs read (stored routes, dropped routes)")
    for bounded, (rows, alive) in results.items():
        name = "defaults (1000 routes, 4 MiB)" if bounded else "bounds off"
        for sent, rss, stored, dropped in rows:
            print(f"flood {name}: updates={sent} rss={rss / 2**20:.1f} MiB stored={stored:.0f} "
                  f"dropped={dropped:.0f}")
        first, last = rows[0][1], rows[-1][1]
        print(f"flood {name}: growth {(last - first) / 2**20:.1f} MiB over {rows[-1][0]} UPDATEs; "
              f"svcbgpd {'alive' if alive else 'DIED'}")


if __name__ == "__main__":
    main()
