"""Shared test plumbing: one namespace pair per test class, bgpspeak + a daemon per test, and the
standard route set with the checks for it."""

import ipaddress
import os
import sys
import unittest

from . import daemons, netns, speaker
from .daemons import Neighbor, wait_until  # noqa: F401  (re-exported for the test modules)
from .speaker import ev  # noqa: F401

NODE_AS = 65001
TOR_AS = 65000
N = 1000  # routes per family in the bulk tests

V4_START, V6_START = "10.201.0.0", "fd99:201::"
SINGLE = "10.200.0.1/32"


def bgpspeak_binary():
    return os.environ.get("SVCBGP_BGPSPEAK", "")


def standard_routes(n=N):
    return [
        {"prefix": SINGLE, "communities": ["65000:100"], "large_communities": ["65000:1:2"], "med": 10},
        {"generate": {"start": V4_START, "count": n, "length": 32,
                      "communities": ["65000:7"], "large_communities": ["65001:2:3"]}},
        {"generate": {"start": V6_START, "count": n, "length": 128,
                      "communities": ["65000:8"], "large_communities": ["65001:4:5"]}},
    ]


def generated(start, n, length=None):
    a = ipaddress.ip_address(start)
    length = length or a.max_prefixlen
    step = 2 ** (a.max_prefixlen - length)
    return [str(ipaddress.ip_network(f"{a + i * step}/{length}")) for i in range(n)]


def expected_v4(n=N):
    return set(generated(V4_START, n)) | {SINGLE}


def expected_v6(n=N):
    return set(generated(V6_START, n))


class InteropCase(unittest.TestCase):
    """Subclasses set PREFIX (namespace prefix) and INDEX (10.99.INDEX.0/24, fd99:INDEX::/64)."""

    PREFIX = None
    INDEX = None
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        if not bgpspeak_binary() or not os.access(bgpspeak_binary(), os.X_OK):
            raise unittest.SkipTest(f"bgpspeak binary not found: {bgpspeak_binary()!r}")
        cls.topo = netns.Topology(cls.PREFIX, cls.INDEX).up()

    @classmethod
    def tearDownClass(cls):
        cls.topo.down()

    def setUp(self):
        self._owned = []
        self.logs = {}

    def tearDown(self):
        # Collect log tails first (run.py prints them when the case failed), then stop everything.
        for obj in self._owned:
            try:
                if isinstance(obj, speaker.Speaker):
                    tail = obj.stderr_tail(40)
                    if obj.other:
                        tail += "\nnon-JSON stdout lines: " + repr(obj.other[-10:])
                    self.logs[f"{obj.name} stderr"] = tail
                elif isinstance(obj, daemons.Daemon):
                    self.logs[f"{obj.name} log"] = obj.log_tail(40)
            except Exception:
                pass
        for obj in reversed(self._owned):
            try:
                obj.close()
            except Exception as exc:
                print(f"# close {obj!r}: {exc!r}", file=sys.stderr)
        # Both namespaces must be empty again before the next case starts.
        netns.kill_ns_processes(self.topo.tor)
        netns.kill_ns_processes(self.topo.node)

    def own(self, obj):
        self._owned.append(obj)
        return obj

    # -- bgpspeak ---------------------------------------------------------------------------------

    def speaker_config(self, v6_transport=False, routes=None, peer_kw=None, **kw):
        t = self.topo
        if v6_transport:
            p = speaker.peer("tor", t.tor_v6, TOR_AS, next_hop_v4=t.node_v4, **(peer_kw or {}))
            listen = t.node_v6
        else:
            p = speaker.peer("tor", t.tor_v4, TOR_AS, next_hop_v6=t.node_v6, **(peer_kw or {}))
            listen = t.node_v4
        return speaker.config(NODE_AS, t.node_v4, listen, [p],
                              routes=standard_routes() if routes is None else routes, **kw)

    def start_speaker(self, cfg=None, **kw):
        cfg = cfg or self.speaker_config(**kw)
        return self.own(speaker.Speaker(bgpspeak_binary(), self.topo.node, cfg)).start()

    def tor_neighbor(self, v6_transport=False, **kw):
        t = self.topo
        kw.setdefault("passive", True)
        return Neighbor(t.node_v6 if v6_transport else t.node_v4, kw.pop("asn", NODE_AS), **kw)

    # -- checks -----------------------------------------------------------------------------------

    def assert_bulk(self, routes, family, next_hop, communities=None, large=None, n=N, as_path=(NODE_AS,)):
        """Every generated prefix is there once, with the next hop, AS path and (when the daemon's
        listing has them, i.e. not None) the communities and large communities."""
        want = expected_v4(n) if family == "ipv4" else expected_v6(n)
        by_prefix = {}
        for r in routes:
            by_prefix.setdefault(r["prefix"], []).append(r)
        missing = sorted(want - set(by_prefix))
        self.assertEqual(missing[:10], [], f"{len(missing)} {family} prefixes missing")
        bad = []
        for p in sorted(want):
            if p == SINGLE:
                continue
            for r in by_prefix[p]:
                problems = []
                if r["next_hop"] != next_hop:
                    problems.append(f"next_hop {r['next_hop']} != {next_hop}")
                if list(r["as_path"]) != list(as_path):
                    problems.append(f"as_path {r['as_path']} != {list(as_path)}")
                if communities is not None and r["communities"] is not None \
                        and sorted(r["communities"]) != sorted(communities):
                    problems.append(f"communities {r['communities']}")
                if large is not None and r["large_communities"] is not None \
                        and sorted(r["large_communities"]) != sorted(large):
                    problems.append(f"large {r['large_communities']}")
                if problems:
                    bad.append((p, problems))
        self.assertEqual(bad[:5], [], f"{len(bad)} {family} routes with wrong attributes")
