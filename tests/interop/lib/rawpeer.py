"""A minimal scripted BGP peer that sends exactly the bytes a test wants.

ExaBGP 4.2.21 can put arbitrary *attributes* into an UPDATE (`attribute [CODE FLAGS 0xDATA]`) but
has no API to send raw messages, so framing errors (bad marker, a Total Path Attribute Length past
the end of the message, an attribute overrunning the attribute block, NLRI with no attributes)
are sent by this peer instead.

The TCP socket is created inside the test's namespace by a short helper run with
`ip netns exec`, which hands the connected descriptor back over a Unix socket (SCM_RIGHTS); a socket
keeps the namespace it was created in, so the test process can then drive it directly.
"""

import ipaddress
import socket
import struct
import subprocess
import sys
import time

from .netns import in_ns

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE = 1, 2, 3, 4

_CONNECT_HELPER = r"""
import socket, sys
fd, local, remote, port = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
fam = socket.AF_INET6 if ":" in remote else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind((local, 0))
s.settimeout(10)
s.connect((remote, port))
u = socket.socket(fileno=fd)
socket.send_fds(u, [b"x"], [s.fileno()])
"""


def message(msg_type, body, marker=MARKER, length=None):
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack("!HB", length, msg_type) + body


def attr(flags, code, data):
    if flags & 0x10 or len(data) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(data)) + data
    return struct.pack("!BBB", flags, code, len(data)) + data


def origin(value=0):
    return attr(0x40, 1, bytes([value]))


def as_path(*asns):
    return attr(0x40, 2, bytes([2, len(asns)]) + b"".join(struct.pack("!I", a) for a in asns))


def next_hop(ip):
    return attr(0x40, 3, ipaddress.IPv4Address(ip).packed)


def community(a, b):
    return attr(0xC0, 8, struct.pack("!HH", a, b))


def nlri(prefix):
    net = ipaddress.ip_network(prefix)
    n = (net.prefixlen + 7) // 8
    return bytes([net.prefixlen]) + net.network_address.packed[:n]


def update(withdrawn=b"", attrs=b"", nlri_bytes=b"", attr_len=None, withdrawn_len=None):
    wl = len(withdrawn) if withdrawn_len is None else withdrawn_len
    al = len(attrs) if attr_len is None else attr_len
    return message(UPDATE, struct.pack("!H", wl) + withdrawn + struct.pack("!H", al) + attrs + nlri_bytes)


def open_message(asn, router_id, hold=9, version=4, my_as=None):
    caps = b""
    for afi in (1, 2):
        caps += bytes([1, 4]) + struct.pack("!HBB", afi, 0, 1)      # multiprotocol
    caps += bytes([2, 0])                                           # route refresh
    caps += bytes([65, 4]) + struct.pack("!I", asn)                 # 4-octet AS
    params = bytes([2, len(caps)]) + caps
    if my_as is None:
        my_as = asn if asn < 65536 else 23456
    body = struct.pack("!BHH", version, my_as, hold) + ipaddress.IPv4Address(router_id).packed
    return message(OPEN, body + bytes([len(params)]) + params)


class RawPeer:
    def __init__(self, ns, local, remote, asn, router_id, port=179, hold=9):
        self.ns, self.local, self.remote, self.port = ns, local, remote, port
        self.asn, self.router_id, self.hold = asn, router_id, hold
        self.sock = None
        self.buf = b""
        self.received = []   # (type, body) of every message read

    def connect(self, timeout=15):
        """Connect (retrying while the speaker is not yet listening) and return self."""
        deadline = time.monotonic() + timeout
        while True:
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                p = subprocess.run(in_ns(self.ns, [sys.executable, "-c", _CONNECT_HELPER, str(b.fileno()),
                                                   self.local, self.remote, str(self.port)]),
                                   pass_fds=[b.fileno()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, timeout=20)
                b.close()
                if p.returncode == 0:
                    _, fds, _, _ = socket.recv_fds(a, 16, 1)
                    fam = socket.AF_INET6 if ":" in self.remote else socket.AF_INET
                    self.sock = socket.socket(fam, socket.SOCK_STREAM, fileno=fds[0])
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    return self
                err = p.stderr.strip().splitlines()[-1:] or [""]
            finally:
                a.close()
            if time.monotonic() > deadline:
                raise ConnectionError(f"raw peer could not connect to {self.remote}:{self.port}: {err[0]}")
            time.sleep(0.2)

    def send(self, data):
        self.sock.sendall(data)

    def read_message(self, timeout=10):
        """Next (type, body), or None on EOF; raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 19:
                length = struct.unpack("!H", self.buf[16:18])[0]
                if len(self.buf) >= length:
                    t, body = self.buf[18], self.buf[19:length]
                    self.buf = self.buf[length:]
                    self.received.append((t, body))
                    return t, body
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete BGP message")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no complete BGP message") from None
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def establish(self, timeout=15, byte_at_a_time=False):
        """OPEN / KEEPALIVE exchange; returns the speaker's OPEN body."""
        data = open_message(self.asn, self.router_id, self.hold)
        if byte_at_a_time:
            for i in range(len(data)):
                self.send(data[i:i + 1])
        else:
            self.send(data)
        their_open = None
        deadline = time.monotonic() + timeout
        while True:
            m = self.read_message(max(0.1, deadline - time.monotonic()))
            if m is None:
                raise ConnectionError(f"speaker closed during OPEN exchange; got {self.received}")
            t, body = m
            if t == OPEN:
                their_open = body
                self.send(message(KEEPALIVE, b""))
            elif t == KEEPALIVE and their_open is not None:
                return their_open
            elif t == NOTIFICATION:
                raise ConnectionError(f"speaker sent NOTIFICATION {body[:2].hex()} during OPEN exchange")

    def keepalive(self):
        self.send(message(KEEPALIVE, b""))

    def wait_notification(self, timeout=10):
        """Read until a NOTIFICATION arrives; returns (code, subcode, data) or None on EOF without one."""
        deadline = time.monotonic() + timeout
        while True:
            m = self.read_message(max(0.1, deadline - time.monotonic()))
            if m is None:
                return None
            t, body = m
            if t == NOTIFICATION:
                return body[0], body[1], body[2:]
            if t == KEEPALIVE:
                self.keepalive()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
