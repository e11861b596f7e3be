"""svcbgpd itself (not bgpspeak) against GoBGP, ExaBGP and FRR ToRs, over IPv4 and IPv6 transport.

Each case runs svcbgpd in the node namespace with the directory source: a Node and one dual-stack
LoadBalancer Service with a local endpoint. The ToR must get both service IPs with the right next
hops, lose them when the Service goes, and see the configured shutdown message when svcbgpd stops
with `shutdown: withdraw`. Over IPv6 on the shared link the IPv6 next hop carries our link-local
address too (RFC 2545 §3), which FRR shows.
"""

import json
import os
import signal
import time

from lib.base import NODE_AS, TOR_AS, InteropCase
from lib.daemons import Bird, Daemon, Exabgp, Frr, Gobgp, Neighbor, wait_until
from lib.netns import in_ns, run

LB_V4 = "198.51.100.9"
LB_V6 = "2001:db8:1b::9"
MESSAGE = "node-1 drained for maintenance"


def svcbgpd_binary():
    return os.environ.get("SVCBGP_SVCBGPD", "")


class Svcbgpd(Daemon):
    """svcbgpd in a namespace, with a folder of manifests as its cluster."""

    name = "svcbgpd"

    def __init__(self, ns, topo, v6_transport, passive=False, bfd=None):
        super().__init__(ns, NODE_AS, topo.node_v4, [])
        self.bfd = bfd  # the peer's `bfd:` block
        self.topo = topo
        self.v6_transport = v6_transport
        self.passive = passive  # listen on 179 and let the ToR connect
        self.manifests = self.path("manifests")
        os.mkdir(self.manifests)

    def config(self):
        t = self.topo
        peer = {"name": "tor", "address": t.tor_v6 if self.v6_transport else t.tor_v4, "asn": TOR_AS,
                "hold_time": 9, "connect_retry_time": 1, "families": ["ipv4", "ipv6"]}
        if self.v6_transport:
            peer["next_hop_v4"] = t.node_v4
        if self.bfd:
            peer["bfd"] = dict(self.bfd)
        extra = {}
        if self.passive:
            peer["passive"] = True
            extra["listen"] = {"address": t.node_v6 if self.v6_transport else t.node_v4, "port": 179}
        return {**extra,"node_name": "node-1", "router_id": t.node_v4, "local_asn": NODE_AS,
                "shutdown": "withdraw", "shutdown_message": MESSAGE, "peers": [peer],
                "kubernetes": {"source": "directory", "directory": self.manifests},
                "admin": {"socket": self.path("svcbgpd.sock")}, "http": {"listen": ""},
                "advertise": {"cluster_ips": {"cidrs": []},
                              "load_balancer_ips": {"cidrs": ["198.51.100.0/24", "2001:db8:1b::/64"]}}}

    def manifest(self, name, obj):
        path = os.path.join(self.manifests, name)
        with open(path + ".tmp", "w") as f:
            json.dump(obj, f)
        os.rename(path + ".tmp", path)

    def start(self):
        self.manifest("node.json", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
                                    "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        self.add_service()
        self.conf = self.write("svcbgpd.yaml", json.dumps(self.config()) + "\n")
        self._spawn([svcbgpd_binary(), "--config", self.conf, "--log-level", "debug"])
        return self

    def reload(self):
        """Writes config() again and sends SIGHUP."""
        self.write("svcbgpd.yaml", json.dumps(self.config()) + "\n")
        self.proc.send_signal(signal.SIGHUP)

    def add_service(self):
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.9", "clusterIPs": ["10.96.0.9"],
                        "ipFamilies": ["IPv4", "IPv6"], "externalTrafficPolicy": "Local",
                        "ports": [{"port": 80, "protocol": "TCP"}]},
               "status": {"loadBalancer": {"ingress": [{"ip": LB_V4}, {"ip": LB_V6}]}}}
        slices = [{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                   "metadata": {"name": f"web-{fam}", "namespace": "shop",
                                "labels": {"kubernetes.io/service-name": "web"}},
                   "addressType": fam, "endpoints": [{"addresses": [addr], "nodeName": "node-1",
                                                      "conditions": {"ready": True}}]}
                  for fam, addr in (("IPv4", "10.244.1.5"), ("IPv6", "fd00:244::5"))]
        self.manifest("web.json", {"apiVersion": "v1", "kind": "List", "items": [svc] + slices})

    def remove_service(self):
        os.unlink(os.path.join(self.manifests, "web.json"))

    def ready(self):
        return True

    def terminate(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=15)


class SvcbgpdToRs(InteropCase):
    PREFIX = "isv"
    INDEX = 15

    def svcbgpd(self, v6_transport=False, passive=False, bfd=None):
        return self.own(Svcbgpd(self.topo.node, self.topo, v6_transport, passive, bfd)).start()

    def node_neighbor(self, v6_transport, passive=True):
        t = self.topo
        # svcbgpd never listens by default: the ToR waits for it, as in a cluster.
        return Neighbor(t.node_v6 if v6_transport else t.node_v4, NODE_AS, passive=passive,
                        local_address=t.tor_v6 if v6_transport else t.tor_v4)

    def node_link_local(self):
        out = run(in_ns(self.topo.node, ["ip", "-6", "-o", "addr", "show", "dev", self.topo.node_if,
                                         "scope", "link"])).stdout
        return out.split()[3].split("/")[0]

    def check_routes(self, tor, what, v6_next_hops=None):
        t = self.topo
        r4 = tor.wait_routes("ipv4", lambda r: any(x["prefix"] == LB_V4 + "/32" for x in r), 30,
                             f"{LB_V4}/32 at {what}")
        r6 = tor.wait_routes("ipv6", lambda r: any(x["prefix"] == LB_V6 + "/128" for x in r), 30,
                             f"{LB_V6}/128 at {what}")
        v4 = next(x for x in r4 if x["prefix"] == LB_V4 + "/32")
        v6 = next(x for x in r6 if x["prefix"] == LB_V6 + "/128")
        self.assertEqual((v4["next_hop"], list(v4["as_path"])), (t.node_v4, [NODE_AS]))
        self.assertIn(v6["next_hop"], v6_next_hops or [t.node_v6])
        self.assertEqual(list(v6["as_path"]), [NODE_AS])

    def check_withdrawn(self, tor, what):
        tor.wait_routes("ipv4", lambda r: all(x["prefix"] != LB_V4 + "/32" for x in r), 30,
                        f"{LB_V4}/32 withdrawn at {what}")
        tor.wait_routes("ipv6", lambda r: all(x["prefix"] != LB_V6 + "/128" for x in r), 30,
                        f"{LB_V6}/128 withdrawn at {what}")

    def gobgp_case(self, v6_transport):
        t = self.topo
        g = self.own(Gobgp(t.tor, TOR_AS, t.tor_v4, [self.node_neighbor(v6_transport)])).start()
        d = self.svcbgpd(v6_transport)
        peer = t.node_v6 if v6_transport else t.node_v4
        wait_until(lambda: g.neighbor_state(peer) == "established", 30, what="GoBGP's session with svcbgpd")
        self.check_routes(g, "GoBGP")
        d.remove_service()
        self.check_withdrawn(g, "GoBGP")
        d.add_service()
        self.check_routes(g, "GoBGP")
        self.assertEqual(d.terminate(), 0, d.log_tail(40))  # the reason, should it ever exit 1
        self.check_withdrawn(g, "GoBGP after SIGTERM")
        msg = wait_until(lambda: g.shutdown_message(peer), 10, what="the shutdown message in GoBGP's log")
        self.assertEqual(msg, MESSAGE)

    def test_gobgp_ipv4_transport(self):
        self.gobgp_case(False)

    def test_gobgp_ipv6_transport(self):
        self.gobgp_case(True)

    def exabgp_case(self, v6_transport):
        """ExaBGP connects and svcbgpd listens."""
        t = self.topo
        n = self.node_neighbor(v6_transport, passive=False)
        d = self.svcbgpd(v6_transport, passive=True)
        e = self.own(Exabgp(t.tor, TOR_AS, t.tor_v4, [n])).start()
        peer = t.node_v6 if v6_transport else t.node_v4
        wait_until(lambda: e.neighbor_state(peer) == "established", 30, what="ExaBGP's session with svcbgpd")
        # ExaBGP names a 32-byte IPv6 next hop (RFC 2545: global + link-local) by its link-local part.
        hops = [t.node_v6, self.node_link_local()]
        self.check_routes(e, "ExaBGP", hops)
        d.remove_service()
        self.check_withdrawn(e, "ExaBGP")
        d.add_service()
        self.check_routes(e, "ExaBGP", hops)
        before = len(e.messages())
        self.assertEqual(d.terminate(), 0, d.log_tail(40))  # the reason, should it ever exit 1
        self.check_withdrawn(e, "ExaBGP after SIGTERM")

        # ExaBGP 4.2 cannot decode a Cease that carries a Shutdown Communication (RFC 9003): its
        # decoder formats bytes with str under Python 3 and reports the NOTIFICATION (type 3) as
        # undecodable. What it does show is that a NOTIFICATION, not a broken connection, ended it.
        def down_reason():
            for m in e.messages()[before:]:
                nb = m.get("neighbor", {})
                if m.get("type") == "state" and nb.get("state") == "down":
                    return nb.get("reason", "")
            return None
        reason = wait_until(down_reason, 10, what="ExaBGP's session going down")
        self.assertIn('message of type "3"', reason)

    def test_exabgp_ipv4_transport(self):
        self.exabgp_case(False)

    def test_exabgp_ipv6_transport(self):
        self.exabgp_case(True)

    def test_frr_ipv6_next_hop_carries_the_link_local_address(self):
        """RFC 2545 §3: on a link shared with the peer, the IPv6 next hop is global + link-local (found
        against GoBGP and ExaBGP, issue 13: svcbgpd sent the global address alone)."""
        t = self.topo
        f = self.own(Frr(t.tor, TOR_AS, t.tor_v4, [self.node_neighbor(True)], zebra=True)).start()
        self.svcbgpd(True)
        f.wait_established(t.node_v6)
        self.check_routes(f, "FRR")

        def scopes():
            info = f.vjson(f"show bgp ipv6 unicast {LB_V6}/128 json")
            hops = [h for p in info.get("paths", []) for h in p.get("nexthops", [])]
            by_scope = {h.get("scope"): h.get("ip") for h in hops}
            return by_scope if "link-local" in by_scope else None
        # The link-local address may finish duplicate detection after svcbgpd started: svcbgpd
        # follows the interface's addresses and sends the route again.
        by_scope = wait_until(scopes, 15, what="a link-local next hop at FRR")
        self.assertEqual(by_scope.get("global"), t.node_v6, by_scope)
        self.assertEqual(by_scope.get("link-local"), self.node_link_local(), by_scope)

    # -- BFD (issue 17): svcbgpd against FRR's bfdd, `neighbor X bfd` ------------------------------------------

    def node_ip(self, op, words):
        """`ip` in the node namespace, `words` with "{}" standing for `op` (add, del); the family follows
        the address in it."""
        fam = "-6" if any(":" in w for w in words) else "-4"
        run(in_ns(self.topo.node, ["ip", fam] + [op if w == "{}" else w for w in words]))

    def svcbgpc(self, d, *words, check=True):
        svcbgpc = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(svcbgpd_binary()))), "cli",
                               "svcbgpc")
        return run(in_ns(self.topo.node, [svcbgpc, "-s", d.path("svcbgpd.sock"), *words]), check=check).stdout

    def protocols_all(self, d):
        return self.svcbgpc(d, "show", "protocols", "all", "tor")

    def bfd_peer(self, f, address):
        peers = f.vjson("show bfd peers json")
        return next((p for p in peers if p.get("peer") == address), None) if isinstance(peers, list) else None

    def bfd_case(self, v6_transport):
        t = self.topo
        node = t.node_v6 if v6_transport else t.node_v4
        n = self.node_neighbor(v6_transport)
        n.bfd = True
        f = self.own(Frr(t.tor, TOR_AS, t.tor_v4, [n], zebra=True, bfd=True)).start()
        d = self.svcbgpd(v6_transport, bfd={"enabled": True, "min_rx_ms": 500, "min_tx_ms": 400,
                                            "multiplier": 3})
        # Up on both sides, and BGP after it (strict: svcbgpd waits for BFD Up). FRR can say Up while it
        # still has our Init packets' 1 s interval (RFC 5880 §6.8.3: no faster until Up); the Poll
        # Sequence we start on going Up brings 400 ms.
        p = wait_until(lambda: (lambda x: x if x and x.get("status") == "up" and
                                x.get("remote-transmit-interval") != 1000 else None)(self.bfd_peer(f, node)),
                       30, what="FRR's BFD session with svcbgpd Up, past our slow start")
        f.wait_established(node)
        self.check_routes(f, "FRR with BFD")
        # FRR learned our intervals (RFC 5880 §6.8.2: each side sends no faster than the other asks).
        self.assertEqual((p["remote-receive-interval"], p["remote-transmit-interval"],
                          p["remote-detect-multiplier"]), (500, 400, 3), p)
        # svcbgpc, in BIRD's columns: we send every max(400, FRR's 300) ms, and time FRR out after its
        # 3 x max(our 500, its 300) ms (once FRR's own Poll has taken it past its 1 s slow start).
        tor = t.tor_v6 if v6_transport else t.tor_v4

        def bfd_row():
            out = self.svcbgpc(d, "show", "bfd", "sessions")
            self.assertEqual(out.splitlines()[0].split(), ["IP", "address", "Peer", "State", "Since",
                                                           "Interval", "Timeout"], out)
            row = out.splitlines()[1].split()
            return row if row[:3] + row[-2:] == [tor, "tor", "Up", "0.400", "1.500"] else None
        try:
            wait_until(bfd_row, 10, what="svcbgpc showing the negotiated intervals")
        except TimeoutError:
            print(self.svcbgpc(d, "show", "bfd", "sessions"))
            raise
        out = self.svcbgpc(d, "show", "bfd", "sessions")
        # ... and beside the BGP session in `show protocols all`.
        self.assertIn("    BFD session:      Up, interval 0.400 s, timeout 1.500 s\n",
                      self.protocols_all(d), out)
        connections = f.neighbor_info(node).get("connectionsEstablished")
        bfd_id = p.get("remote-id")
        # A new receive interval on SIGHUP: a Poll Sequence, no flap of BFD or BGP.
        d.bfd["min_rx_ms"] = 200
        d.reload()
        p = wait_until(lambda: (lambda x: x if x and x.get("remote-receive-interval") == 200 else None)(
            self.bfd_peer(f, node)), 15, what="FRR seeing svcbgpd's new receive interval")
        self.assertEqual((p["status"], p.get("remote-id")), ("up", bfd_id), p)
        self.assertEqual(f.neighbor_info(node).get("connectionsEstablished"), connections)
        # The path goes silent one way, with no carrier change: the node's packets to the ToR are dropped
        # (a blackhole route in the node). FRR's bfdd notices after 3 x our 400 ms and says Down; svcbgpd ends BGP
        # with Cease/BFD Down and holds it; FRR's bgpd drops the session on its BFD Down. (A blackhole on the
        # ToR side would not do: bfdd sends bound to the interface, past the route.)
        route = ["route", "{}", "blackhole", tor + ("/128" if v6_transport else "/32")]
        t0 = time.monotonic()
        self.node_ip("add", route)
        wait_until(lambda: f.neighbor_info(node).get("bgpState") != "Established", 10,
                   what="FRR's BGP session with svcbgpd down after BFD Down")
        took = time.monotonic() - t0
        print(f"# {'IPv6' if v6_transport else 'IPv4'}: BGP down at FRR {took * 1000:.0f} ms after the path went "
              f"silent (FRR times BFD out after 3 x our 400 ms; BGP hold time 9 s)")
        log = wait_until(lambda: (lambda l: l if "Neighbor Signaled Session Down" in l else None)(d.log_tail(300)),
                         10, what="svcbgpd logging its BFD session Down")
        self.assertIn('msg="peer held down" peer=tor reason="BFD Down (Neighbor Signaled Session Down)"', log)
        # Down, or Init once FRR's Down packets reach us again (ours to FRR are still dropped).
        self.assertRegex(self.protocols_all(d), r"\n    BFD session:      (Down|Init)\b")
        self.node_ip("del", route)
        wait_until(lambda: (lambda x: x and x.get("status") == "up")(self.bfd_peer(f, node)), 30,
                   what="BFD Up again once the path heals")
        f.wait_established(node)
        self.check_routes(f, "FRR after the path healed")

    def test_frr_bfd_ipv4(self):
        self.bfd_case(False)

    def test_frr_bfd_ipv6(self):
        self.bfd_case(True)

    def test_bird_bfd(self):
        """BIRD 2's BFD protocol (`bfd on` in its BGP protocol): both sides Up at the slower side's
        interval, BGP after it; BIRD's session goes Down when svcbgpd stops answering, and BGP with it."""
        t = self.topo
        n = self.node_neighbor(False)
        n.bfd = True
        b = self.own(Bird(t.tor, TOR_AS, t.tor_v4, [n])).start()
        d = self.svcbgpd(False, bfd={"enabled": True, "min_rx_ms": 500, "min_tx_ms": 400, "multiplier": 3})

        def bird_bfd():
            for line in b.birdc("show", "bfd", "sessions").splitlines():
                f = line.split()
                if f and f[0] == t.node_v4:
                    return f  # IP, interface, state, since, interval, timeout
            return None
        # BIRD sends no faster than our 500 ms receive interval, and times us out after 3 x max(its
        # 300 ms receive interval, our 400 ms), once both Poll Sequences that follow Up have ended
        # the 1 s slow start (RFC 5880 §6.8.3).
        wait_until(lambda: (lambda f: f if f and f[2] == "Up" and (f[-2], f[-1]) == ("0.500", "1.200")
                            else None)(bird_bfd()), 30,
                   what="BIRD's BFD session with svcbgpd Up at 0.500 s / 1.200 s")
        self.check_routes(b, "BIRD with BFD")
        route = ["route", "{}", "blackhole", t.tor_v4 + "/32"]
        self.node_ip("add", route)
        t0 = time.monotonic()
        wait_until(lambda: (lambda f: f and f[2] != "Up")(bird_bfd()), 10, what="BIRD's BFD session Down")
        print(f"# BIRD: BFD Down {1000 * (time.monotonic() - t0):.0f} ms after the path went silent")
        # An address event while the route to the peer is a blackhole makes svcbgpd look for its next hops
        # again; the failed lookup must not take the IPv6 next hop, and the IPv6 routes, away (found here:
        # a link-local address finishing duplicate detection at that moment left BIRD without the /128).
        extra = ["addr", "{}", "fd99:15::99/64", "dev", t.node_if, "nodad"]
        self.node_ip("add", extra)
        wait_until(lambda: "no route to peer yet" in d.log_tail(50), 10, what="svcbgpd failing to look up its peer")
        self.node_ip("del", route)
        self.node_ip("del", extra)
        wait_until(lambda: (lambda f: f and f[2] == "Up")(bird_bfd()), 30, what="BIRD's BFD Up again")
        try:
            self.check_routes(b, "BIRD after the path healed")
        except TimeoutError:
            print(self.svcbgpc(d, "show", "route", "all", check=False))
            print(b.birdc("show", "route", "all", "table", "master6"))
            print(b.birdc("show", "protocols"))
            print(d.log_tail(60))
            raise
        d.terminate()

