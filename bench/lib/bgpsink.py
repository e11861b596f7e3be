#!/usr/bin/env python3
"""A minimal BGP receiver for the benchmarks: it opens one session, answers OPEN and KEEPALIVE (and
sends End-of-RIB for IPv4 and IPv6 unicast once up, as a graceful-restart-aware peer does), and
only counts what arrives -- IPv4 NLRI and withdrawn routes in UPDATEs, IPv6 ones in MP_REACH_NLRI /
MP_UNREACH_NLRI -- so that what is measured is the sender's own cost.

    bgpsink.py (--connect ADDR | --listen ADDR) [--port 179] [--bind ADDR] [--local-as 65000]
               [--router-id 10.99.90.1] [--family ipv4|ipv6] [--expect N] [--stay]
               [--idle-exit 1.0] [--log-prefixes FILE] [--hold 90]

Prints JSON lines on stdout:
  {"event": "established", "t": T}                 when the session is up (T: CLOCK_MONOTONIC, s)
  {"event": "full", ...}                           when --expect N prefixes of --family are held
  {"event": "done", ...}                           at exit (End-of-RIB or --idle-exit s of silence after
                                                   "full"; never with --stay: it then runs until SIGTERM)
Counters in "full"/"done": t_established, t_full, elapsed (t_full - t_established), updates, bytes
(UPDATE messages incl. their 19-byte header, up to "full"), elapsed_99 (until 99 % of N were held),
elapsed_first (until the first prefix arrived),
total_updates, total_bytes, reach_v4,
withdrawn_v4, reach_v6, withdrawn_v6, t_eor (first End-of-RIB, or null).
With --log-prefixes every announced / withdrawn prefix is appended as "<monotonic_ns> A|W <prefix>".
Python 3 standard library only.
"""
import argparse
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE = 1, 2, 3, 4


def msg(kind, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), kind) + body


def open_msg(asn, router_id, hold):
    caps = b""
    caps += b"\x01\x04\x00\x01\x00\x01"  # MP IPv4 unicast
    caps += b"\x01\x04\x00\x02\x00\x01"  # MP IPv6 unicast
    caps += b"\x02\x00"  # route refresh
    caps += b"\x41\x04" + struct.pack("!I", asn)  # 4-octet AS
    caps += b"\x40\x02\x00\x78"  # graceful restart aware (no AFs): senders then send End-of-RIB
    params = b"\x02" + bytes([len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    return msg(OPEN, struct.pack("!BHH4sB", 4, my_as, hold, socket.inet_aton(router_id), len(params)) + params)


def open_families(body):
    """(AFI, SAFI) pairs of the Multiprotocol capabilities in an OPEN body."""
    afs = set()
    i, end = 10, 10 + body[9]
    while i < end:
        ptype, plen = body[i], body[i + 1]
        if ptype == 2:
            j = i + 2
            while j < i + 2 + plen:
                code, clen = body[j], body[j + 1]
                if code == 1 and clen == 4:
                    afs.add((struct.unpack_from("!H", body, j + 2)[0], body[j + 5]))
                j += 2 + clen
        i += 2 + plen
    return afs


def count_prefixes(b, host_len):
    """Number of prefixes in an NLRI field; fast when all are host routes of host_len bits."""
    n = len(b)
    if n == 0:
        return 0
    step = 1 + host_len // 8
    if n % step == 0 and b[0::step].count(host_len) == n // step:
        return n // step
    c = i = 0
    while i < n:
        i += 1 + (b[i] + 7) // 8
        c += 1
    return c


def iter_prefixes(b, v6):
    i = 0
    width = 16 if v6 else 4
    while i < len(b):
        plen = b[i]
        nb = (plen + 7) // 8
        raw = bytes(b[i + 1:i + 1 + nb]) + b"\x00" * (width - nb)
        addr = ipaddress.IPv6Address(raw) if v6 else ipaddress.IPv4Address(raw)
        yield f"{addr}/{plen}"
        i += 1 + nb


class Sink:
    def __init__(self, a):
        self.a = a
        self.reach = {4: 0, 6: 0}
        self.withdrawn = {4: 0, 6: 0}
        self.updates = self.bytes = 0
        self.t_est = self.t_full = self.t_eor = None
        self.full_updates = self.full_bytes = None
        self.t_99 = None  # 99 % of --expect held: shows a tail stall apart from the bulk
        self.t_first = None  # first prefix of --family received
        self.got_open = self.got_ka = False
        self.peer_afs = set()
        self.plog = open(a.log_prefixes, "a", buffering=1) if a.log_prefixes else None
        self.fam = 6 if a.family == "ipv6" else 4

    def out(self, **kw):
        print(json.dumps(kw), flush=True)

    def summary(self):
        return dict(t_established=self.t_est, t_full=self.t_full,
                    elapsed=(self.t_full - self.t_est) if self.t_full and self.t_est else None,
                    updates=self.full_updates, bytes=self.full_bytes,
                    total_updates=self.updates, total_bytes=self.bytes,
                    reach_v4=self.reach[4], withdrawn_v4=self.withdrawn[4],
                    reach_v6=self.reach[6], withdrawn_v6=self.withdrawn[6], t_eor=self.t_eor,
                    elapsed_99=(self.t_99 - self.t_est) if self.t_99 and self.t_est else None,
                    elapsed_first=(self.t_first - self.t_est) if self.t_first and self.t_est else None)

    def log(self, now_ns, op, b, v6):
        for p in iter_prefixes(b, v6):
            self.plog.write(f"{now_ns} {op} {p}\n")

    def on_update(self, body, now):
        self.updates += 1
        self.bytes += 19 + len(body)
        now_ns = time.monotonic_ns() if self.plog else 0
        wl = struct.unpack_from("!H", body, 0)[0]
        wd = body[2:2 + wl]
        al = struct.unpack_from("!H", body, 2 + wl)[0]
        attrs = body[4 + wl:4 + wl + al]
        nlri = body[4 + wl + al:]
        eor = wl == 0 and al == 0
        self.withdrawn[4] += count_prefixes(wd, 32)
        self.reach[4] += count_prefixes(nlri, 32)
        if self.plog:
            self.log(now_ns, "W", wd, False)
            self.log(now_ns, "A", nlri, False)
        i = 0
        while i < len(attrs):
            flags, code = attrs[i], attrs[i + 1]
            if flags & 0x10:
                ln = struct.unpack_from("!H", attrs, i + 2)[0]
                v = attrs[i + 4:i + 4 + ln]
                i += 4 + ln
            else:
                ln = attrs[i + 2]
                v = attrs[i + 3:i + 3 + ln]
                i += 3 + ln
            if code == 14:  # MP_REACH_NLRI
                afi, safi, nhl = struct.unpack_from("!HBB", v, 0)
                n = v[5 + nhl:]
                if afi == 2:
                    self.reach[6] += count_prefixes(n, 128)
                    if self.plog:
                        self.log(now_ns, "A", n, True)
            elif code == 15:  # MP_UNREACH_NLRI
                afi, safi = struct.unpack_from("!HB", v, 0)
                n = v[3:]
                if len(n) == 0 and al == 3 + ln + (1 if flags & 0x10 else 0) and len(attrs) == al:
                    eor = True
                if afi == 2:
                    self.withdrawn[6] += count_prefixes(n, 128)
                    if self.plog:
                        self.log(now_ns, "W", n, True)
        if eor and self.t_eor is None:
            self.t_eor = now
        held = self.reach[self.fam] - self.withdrawn[self.fam]
        if self.t_first is None and held > 0:
            self.t_first = now
        if self.a.expect and self.t_99 is None and held * 100 >= self.a.expect * 99:
            self.t_99 = now
        if self.a.expect and self.t_full is None and self.reach[self.fam] - self.withdrawn[self.fam] >= self.a.expect:
            self.t_full = now
            self.full_updates, self.full_bytes = self.updates, self.bytes
            self.out(event="full", **self.summary())

    def run(self):
        a = self.a
        if a.connect:
            fam = socket.AF_INET6 if ":" in a.connect else socket.AF_INET
            s = socket.socket(fam, socket.SOCK_STREAM)
            if a.bind:
                s.bind((a.bind, 0))
            deadline = time.monotonic() + a.connect_timeout
            while True:
                try:
                    s.connect((a.connect, a.port))
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    s.close()
                    s = socket.socket(fam, socket.SOCK_STREAM)
                    if a.bind:
                        s.bind((a.bind, 0))
                    time.sleep(0.05)
        else:
            fam = socket.AF_INET6 if ":" in a.listen else socket.AF_INET
            ls = socket.socket(fam, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((a.listen, a.port))
            ls.listen(4)
            self.out(event="listening", address=a.listen, port=ls.getsockname()[1])
            s, _ = ls.accept()
            ls.close()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.sendall(open_msg(a.local_as, a.router_id, a.hold))
        buf = bytearray()
        last_ka = time.monotonic()
        last_rx = time.monotonic()
        while True:
            r, _, _ = select.select([s], [], [], 0.1)
            now = time.monotonic()
            if self.t_est is not None and now - last_ka > a.hold / 3:
                s.sendall(msg(KEEPALIVE))
                last_ka = now
            if not r:
                if not a.stay and self.t_full is not None and now - max(last_rx, self.t_full) > a.idle_exit:
                    break
                if not a.stay and self.t_eor is not None and now - self.t_eor > a.idle_exit:
                    break
                continue
            data = s.recv(1 << 20)
            if not data:
                self.out(event="closed", **self.summary())
                return 1
            now = time.monotonic()
            last_rx = now
            buf += data
            pos = 0
            n = len(buf)
            while n - pos >= 19:
                ln = (buf[pos + 16] << 8) | buf[pos + 17]
                if n - pos < ln:
                    break
                kind = buf[pos + 18]
                body = bytes(buf[pos + 19:pos + ln])
                if kind == UPDATE:
                    self.on_update(body, now)
                elif kind == KEEPALIVE:
                    self.got_ka = True
                elif kind == OPEN:
                    self.got_open = True
                    self.peer_afs = open_families(body)
                    s.sendall(msg(KEEPALIVE))
                elif kind == NOTIFICATION:
                    self.out(event="notification", code=body[0], subcode=body[1], **self.summary())
                    return 1
                pos += ln
                if self.t_est is None and self.got_open and self.got_ka:
                    self.t_est = now
                    # Our (empty) table, as any GR-aware peer sends it: End-of-RIB for both families.
                    eor = b""
                    if (1, 1) in self.peer_afs or not self.peer_afs:
                        eor += msg(UPDATE, b"\x00\x00\x00\x00")
                    if (2, 1) in self.peer_afs:
                        eor += msg(UPDATE, b"\x00\x00\x00\x06\x80\x0f\x03\x00\x02\x01")
                    s.sendall(eor)
                    self.out(event="established", t=now)
            del buf[:pos]
            if not a.stay and self.t_eor is not None and (
                    self.t_full is not None or time.monotonic() - self.t_eor > a.idle_exit):
                break  # the whole table, or End-of-RIB without it (then "done" has elapsed null)
        self.out(event="done", **self.summary())
        try:
            s.sendall(msg(NOTIFICATION, b"\x06\x02"))  # Cease / Administrative Shutdown
        except OSError:
            pass
        s.close()
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--connect")
    g.add_argument("--listen")
    p.add_argument("--port", type=int, default=179)
    p.add_argument("--bind")
    p.add_argument("--local-as", type=int, default=65000)
    p.add_argument("--router-id", default="10.99.90.1")
    p.add_argument("--family", choices=["ipv4", "ipv6"], default="ipv4")
    p.add_argument("--expect", type=int, default=0)
    p.add_argument("--stay", action="store_true")
    p.add_argument("--idle-exit", type=float, default=1.0)
    p.add_argument("--hold", type=int, default=90)
    p.add_argument("--connect-timeout", type=float, default=60)
    p.add_argument("--log-prefixes")
    a = p.parse_args()
    sink = Sink(a)

    def on_term(*_):
        if a.stay:
            sink.out(event="done", **sink.summary())
        os._exit(0)
    signal.signal(signal.SIGTERM, on_term)
    sys.exit(sink.run())


if __name__ == "__main__":
    main()
