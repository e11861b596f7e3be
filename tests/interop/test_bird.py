"""bgpspeak against BIRD 2 (namespaces ib-tor / ib-node, 10.99.11.0/24, fd99:11::/64)."""

import unittest

from lib.base import (InteropCase, NODE_AS, TOR_AS, SINGLE, N, ev, wait_until)
from lib.daemons import Bird, Dynamic


class BirdTest(InteropCase):
    PREFIX = "ib"
    INDEX = 11

    def bird(self, neighbors, asn=TOR_AS, **kw):
        return self.own(Bird(self.topo.tor, asn, self.topo.tor_v4, neighbors, **kw)).start()

    def small_routes(self):
        return [{"prefix": SINGLE, "communities": ["65000:100"], "large_communities": ["65000:1:2"], "med": 10},
                {"prefix": "fd99:200::1/128", "communities": ["65000:101"]}]

    def test_established_ipv4(self):
        """Both sides active (a connection collision is possible and must resolve to one session)."""
        t = self.topo
        b = self.bird([self.tor_neighbor(passive=False)])
        sp = self.start_speaker(routes=[])
        sp.wait_established("tor")
        b.wait_established(t.node_v4)
        self.assertEqual(sp.peer_state("tor")["state"], "Established")

    def test_established_ipv6_transport(self):
        """Session over IPv6; IPv4 routes carry next_hop_v4, IPv6 routes the session address."""
        t = self.topo
        b = self.bird([self.tor_neighbor(v6_transport=True)])
        sp = self.start_speaker(v6_transport=True, routes=self.small_routes())
        sp.wait_established("tor")
        b.wait_established(t.node_v6)
        r4 = b.wait_routes("ipv4", lambda r: any(x["prefix"] == SINGLE for x in r), 20)
        r6 = b.wait_routes("ipv6", lambda r: any(x["prefix"] == "fd99:200::1/128" for x in r), 20)
        self.assertEqual(r4[0]["next_hop"], t.node_v4)
        self.assertEqual([x["next_hop"] for x in r6], [t.node_v6])
        self.assertEqual(r6[0]["communities"], ["65000:101"])

    def test_dynamic_neighbors_node_connects(self):
        """The ToR of docs/routers.md: a `neighbor range` template (external, import limit, graceful
        restart); the node never listens (svcbgpd's listen.port 0, its default) and connects itself,
        and BIRD spawns a protocol for it."""
        t = self.topo
        b = self.bird([], dynamic=Dynamic([f"{t.node_v4.rsplit('.', 1)[0]}.0/24"], max_prefixes=1000))
        sp = self.start_speaker(self.speaker_config(routes=self.small_routes(), listen_port=0))
        sp.wait_established("tor")
        wait_until(lambda: "Established" in b.birdc("show", "protocols", "node1"), 20,
                   what="BIRD's dynamic protocol node1 Established")
        info = b.birdc("show", "protocols", "all", "node1")
        self.assertIn(f"Neighbor address: {t.node_v4}", info)
        self.assertIn(f"Neighbor AS:      {NODE_AS}", info)
        r4 = b.wait_routes("ipv4", lambda r: any(x["prefix"] == SINGLE for x in r), 20)
        self.assertEqual([x["next_hop"] for x in r4 if x["prefix"] == SINGLE], [t.node_v4])

    def test_bulk_routes(self):
        """1,000 IPv4 /32 and 1,000 IPv6 /128 (over an IPv4 session) with their attributes."""
        t = self.topo
        b = self.bird([self.tor_neighbor()])
        sp = self.start_speaker()
        sp.wait_established("tor")
        r4 = b.wait_routes("ipv4", lambda r: len(r) >= N + 1, 60, "1001 IPv4 routes")
        self.assert_bulk(r4, "ipv4", t.node_v4, ["65000:7"], ["65001:2:3"])
        single = [r for r in r4 if r["prefix"] == SINGLE]
        self.assertEqual(len(single), 1)
        self.assertEqual(single[0]["communities"], ["65000:100"])
        self.assertEqual(single[0]["large_communities"], ["65000:1:2"])
        self.assertEqual(single[0]["med"], 10)
        self.assertEqual(single[0]["as_path"], [NODE_AS])
        r6 = b.wait_routes("ipv6", lambda r: len(r) >= N, 60, "1000 IPv6 routes")
        self.assert_bulk(r6, "ipv6", t.node_v6, ["65000:8"], ["65001:4:5"])
        self.assertEqual(len(r4), N + 1)
        self.assertEqual(len(r6), N)
        sent = sp.peer_state("tor")["sent"]
        self.assertEqual(sent, 2 * N + 1, "`show` sent counter")

    def test_withdraw_and_announce(self):
        b = self.bird([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes() + [{"prefix": "10.200.0.2/32"}])
        sp.wait_established("tor")
        b.wait_routes("ipv4", lambda r: {x["prefix"] for x in r} == {SINGLE, "10.200.0.2/32"}, 20)
        sp.ok("withdraw 10.200.0.2/32")
        b.wait_routes("ipv4", lambda r: {x["prefix"] for x in r} == {SINGLE}, 20, "withdrawal of 10.200.0.2/32")
        sp.ok("withdraw fd99:200::1/128")
        b.wait_routes("ipv6", lambda r: r == [], 20, "withdrawal of fd99:200::1/128")
        sp.ok("announce 10.200.0.3/32 communities=65000:5,65000:6 large=65000:9:9 med=7 prepend=2")
        r = b.wait_routes("ipv4", lambda r: any(x["prefix"] == "10.200.0.3/32" for x in r), 20)
        r = [x for x in r if x["prefix"] == "10.200.0.3/32"][0]
        self.assertEqual(r["communities"], ["65000:5", "65000:6"])
        self.assertEqual(r["large_communities"], ["65000:9:9"])
        self.assertEqual(r["med"], 7)
        self.assertEqual(r["as_path"], [NODE_AS] * 3)

    def test_ibgp_local_pref(self):
        t = self.topo
        b = self.bird([self.tor_neighbor(asn=NODE_AS)], asn=NODE_AS)
        cfg = self.speaker_config(routes=[{"prefix": SINGLE, "local_pref": 200, "communities": ["65000:100"]}])
        cfg["peers"][0]["asn"] = NODE_AS
        sp = self.start_speaker(cfg)
        sp.wait_established("tor")
        r = b.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        self.assertEqual(r[0]["local_pref"], 200)
        self.assertEqual(r[0]["as_path"], [])
        self.assertEqual(r[0]["next_hop"], t.node_v4)

    def test_md5_right_password(self):
        t = self.topo
        b = self.bird([self.tor_neighbor(password="s3cret-md5")])
        sp = self.start_speaker(routes=self.small_routes(), peer_kw={"password": "s3cret-md5"})
        sp.wait_established("tor")
        b.wait_established(t.node_v4)
        b.wait_routes("ipv4", lambda r: len(r) == 1, 20)

    def test_md5_wrong_password(self):
        """Wrong key: the SYNs are dropped; no session across several connect attempts."""
        t = self.topo
        b = self.bird([self.tor_neighbor(password="s3cret-md5")])
        sp = self.start_speaker(routes=[], peer_kw={"password": "wrong"})
        start = sp.mark()
        for _ in range(4):
            sp.wait_event(ev("connect_attempt", peer="tor"), 30)
        self.assertEqual(sp.find_events(ev("state", peer="tor", to="Established"), since=start), [])
        self.assertNotEqual(sp.peer_state("tor")["state"], "Established")
        self.assertNotEqual(b.neighbor_state(t.node_v4), "established")

    def test_shutdown_message(self):
        """disable with an RFC 8203 message: BIRD shows it; enable brings the session back."""
        t = self.topo
        b = self.bird([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes())
        sp.wait_established("tor")
        b.wait_established(t.node_v4)
        sp.ok("disable tor maintenance window")
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 10)
        self.assertEqual((n["code"], n["subcode"]), (6, 2))
        msg = wait_until(lambda: b.shutdown_message(t.node_v4), 10, what="BIRD shows the shutdown message")
        self.assertEqual(msg, "maintenance window")
        sp.ok("enable tor")
        sp.wait_established("tor")

    def test_reconnect_backoff_after_peer_killed(self):
        """BIRD dies (no NOTIFICATION): bgpspeak retries with growing gaps, re-establishes when BIRD is back."""
        b = self.bird([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes())
        sp.wait_established("tor")
        b.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        b.kill()
        sp.wait_event(lambda e: e.get("event") == "state" and e.get("peer") == "tor"
                      and e.get("from") == "Established", 30, what="session leaves Established")
        times = [sp.wait_event(ev("connect_attempt", peer="tor"), 40)["_t"] for _ in range(4)]
        gaps = [b_ - a for a, b_ in zip(times, times[1:])]
        print(f"# connect attempt gaps: {[round(g, 2) for g in gaps]}", flush=True)
        self.assertGreater(gaps[-1], 1.5 * gaps[0], f"gaps between connect attempts do not grow: {gaps}")
        for a, b_ in zip(gaps, gaps[1:]):
            self.assertGreater(b_, 0.8 * a, f"gaps between connect attempts shrink: {gaps}")
        b.start()
        sp.wait_established("tor", 130)
        b.wait_routes("ipv4", lambda r: len(r) == 1, 20)

    def test_ttl_security(self):
        """GTSM (RFC 5082) on both sides: TTL 255 out, minimum TTL 254 in."""
        t = self.topo
        b = self.bird([self.tor_neighbor(ttl_security=True)])
        sp = self.start_speaker(routes=self.small_routes(), peer_kw={"ttl_security": True})
        sp.wait_established("tor")
        b.wait_established(t.node_v4)
        b.wait_routes("ipv4", lambda r: len(r) == 1, 20)

    def test_ttl_security_mismatch(self):
        """GTSM on our side only: BIRD's packets (eBGP TTL 1) fail the minimum-TTL check.
        bgpspeak's OPEN (TTL 255) reaches BIRD, which answers and waits in OpenConfirm; BIRD's
        OPEN never gets through, so bgpspeak stays in OpenSent and never establishes.  (BIRD 2.0.12
        sends its SYN-ACK with TTL 255 from the listening socket and only the data with TTL 1, so
        the TCP handshake itself completes.)"""
        t = self.topo
        b = self.bird([self.tor_neighbor()])
        sp = self.start_speaker(routes=[], peer_kw={"ttl_security": True})
        start = sp.mark()
        wait_until(lambda: b.neighbor_state(t.node_v4) == "openconfirm", 20,
                   what="BIRD got our OPEN and sent its own (OpenConfirm)")
        self.assertEqual(sp.find_events(lambda e: e.get("event") == "state" and e.get("peer") == "tor"
                                        and e.get("to") in ("OpenConfirm", "Established"), since=start), [])
        self.assertIn(sp.peer_state("tor")["state"], ("Connect", "Active", "OpenSent", "Idle"))

    def test_graceful_restart_helper_keeps_bird_routes(self):
        """BIRD (GR capable) dies: bgpspeak keeps its routes as stale; BIRD back -> fresh again."""
        b = self.bird([self.tor_neighbor(graceful_restart=True, passive=False)], announce=["10.60.0.0/24"])
        sp = self.start_speaker(routes=[])
        sp.wait_established("tor")

        def route():
            rs = [r for r in sp.ok("routes tor")["received"] if r["prefix"] == "10.60.0.0/24"]
            return rs[0] if rs else None
        self.assertFalse(wait_until(route, 20, what="BIRD's route at bgpspeak")["stale"])
        b.kill()
        sp.wait_event(lambda e: e.get("event") == "state" and e.get("peer") == "tor"
                      and e.get("from") == "Established", 30, what="session leaves Established")
        wait_until(lambda: (route() or {}).get("stale"), 10, what="route kept and marked stale")
        b.start()
        sp.wait_established("tor", 60)
        sp.wait_event(ev("eor", peer="tor", direction="received", family="ipv4-unicast"), 30)
        wait_until(lambda: (route() or {}).get("stale") is False, 10, what="route fresh after BIRD's End-of-RIB")

    def test_receives_routes_from_bird(self):
        """bgpspeak keeps what BIRD sends (routes PEER)."""
        t = self.topo
        self.bird([self.tor_neighbor()], announce=["10.60.0.0/24", "fd99:60::/64"])
        sp = self.start_speaker(routes=[])
        sp.wait_established("tor")

        def got():
            rs = sp.ok("routes tor")["received"]
            return rs if {r["prefix"] for r in rs} >= {"10.60.0.0/24", "fd99:60::/64"} else None
        rs = wait_until(got, 20, what="bgpspeak's routes tor")
        r4 = [r for r in rs if r["prefix"] == "10.60.0.0/24"][0]
        self.assertEqual(r4["next_hop"], t.tor_v4)
        self.assertEqual(r4["as_path"], [TOR_AS])
        self.assertFalse(r4["stale"])


if __name__ == "__main__":
    unittest.main()
