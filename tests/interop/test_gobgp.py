"""bgpspeak against GoBGP 3 (namespaces ig-tor / ig-node, 10.99.13.0/24, fd99:13::/64)."""

import unittest

from lib.base import InteropCase, NODE_AS, TOR_AS, SINGLE, N, ev, wait_until
from lib.daemons import Gobgp


class GobgpTest(InteropCase):
    PREFIX = "ig"
    INDEX = 13

    def gobgp(self, neighbors, **kw):
        return self.own(Gobgp(self.topo.tor, TOR_AS, self.topo.tor_v4, neighbors, **kw)).start()

    def small_routes(self):
        return [{"prefix": SINGLE, "communities": ["65000:100"], "large_communities": ["65000:1:2"], "med": 10},
                {"prefix": "fd99:200::1/128", "communities": ["65000:101"]}]

    def test_established_ipv4(self):
        """GoBGP active, bgpspeak active and listening."""
        t = self.topo
        g = self.gobgp([self.tor_neighbor(passive=False)])
        sp = self.start_speaker(routes=[])
        sp.wait_established("tor")
        g.wait_established(t.node_v4)

    def test_established_ipv6_transport(self):
        t = self.topo
        g = self.gobgp([self.tor_neighbor(v6_transport=True)])
        sp = self.start_speaker(v6_transport=True, routes=self.small_routes())
        sp.wait_established("tor")
        g.wait_established(t.node_v6)
        r4 = g.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        r6 = g.wait_routes("ipv6", lambda r: len(r) == 1, 20)
        self.assertEqual(r4[0]["next_hop"], t.node_v4)
        self.assertEqual(r6[0]["next_hop"], t.node_v6)

    def test_bulk_routes(self):
        t = self.topo
        g = self.gobgp([self.tor_neighbor()])
        sp = self.start_speaker()
        sp.wait_established("tor")
        r4 = g.wait_routes("ipv4", lambda r: len(r) >= N + 1, 60, "1001 IPv4 routes")
        self.assert_bulk(r4, "ipv4", t.node_v4, ["65000:7"], ["65001:2:3"])
        single = [r for r in r4 if r["prefix"] == SINGLE][0]
        self.assertEqual((single["communities"], single["large_communities"], single["med"], single["as_path"]),
                         (["65000:100"], ["65000:1:2"], 10, [NODE_AS]))
        r6 = g.wait_routes("ipv6", lambda r: len(r) >= N, 60, "1000 IPv6 routes")
        self.assert_bulk(r6, "ipv6", t.node_v6, ["65000:8"], ["65001:4:5"])
        self.assertEqual((len(r4), len(r6)), (N + 1, N))
        # Packing: 2,001 routes in three attribute sets fit in a handful of 4,096-byte UPDATEs
        # (1,000 /32 need ~5,000 octets of NLRI; 1,000 /128 ~17,000 octets of MP_REACH).
        st = sp.peer_state("tor")
        self.assertLessEqual(st["updates_sent"], 20, st)

    def test_withdraw(self):
        g = self.gobgp([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes() + [{"prefix": "10.200.0.2/32"}])
        sp.wait_established("tor")
        g.wait_routes("ipv4", lambda r: len(r) == 2, 20)
        sp.ok("withdraw 10.200.0.2/32")
        g.wait_routes("ipv4", lambda r: [x["prefix"] for x in r] == [SINGLE], 20, "withdrawal")
        sp.ok("withdraw fd99:200::1/128")
        g.wait_routes("ipv6", lambda r: r == [], 20, "IPv6 withdrawal")

    def test_shutdown_message(self):
        """disable with an RFC 8203 message: GoBGP reports it (in its log; see daemons.Gobgp)."""
        t = self.topo
        g = self.gobgp([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes())
        sp.wait_established("tor")
        g.wait_established(t.node_v4)
        sp.ok("disable tor maintenance window")
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 10)
        self.assertEqual((n["code"], n["subcode"]), (6, 2))
        msg = wait_until(lambda: g.shutdown_message(t.node_v4) is not None and g.shutdown_message(t.node_v4),
                         10, what="GoBGP reports the shutdown message")
        self.assertEqual(msg, "maintenance window")
        self.assertNotEqual(g.neighbor_state(t.node_v4), "established")
        sp.ok("enable tor")
        sp.wait_established("tor")
        g.wait_established(t.node_v4)

    def test_no_update_for_unchanged_route(self):
        """Announcing a route again with the same attributes sends nothing (RFC 4271 §9.2)."""
        g = self.gobgp([self.tor_neighbor()])
        sp = self.start_speaker(routes=[{"prefix": SINGLE, "communities": ["65000:100"]}])
        sp.wait_established("tor")
        sp.wait_event(ev("eor", peer="tor", direction="sent", family="ipv4-unicast"), 10)
        g.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        before = sp.peer_state("tor")["updates_sent"]
        sp.ok(f"announce {SINGLE} communities=65000:100")
        sp.ok("announce 10.200.0.2/32")
        g.wait_routes("ipv4", lambda r: len(r) == 2, 20)
        self.assertEqual(sp.peer_state("tor")["updates_sent"], before + 1)

    def test_restart_hard_reset(self):
        """restart PEER: Cease/Administrative Reset (GoBGP has no GR here, so no RFC 8538 Hard Reset)."""
        t = self.topo
        g = self.gobgp([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes())
        sp.wait_established("tor")
        g.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        sp.ok("restart tor")
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 10)
        self.assertEqual((n["code"], n["subcode"]), (6, 4), n)
        sp.wait_established("tor", 30)
        g.wait_established(t.node_v4)
        g.wait_routes("ipv4", lambda r: len(r) == 1, 20)

    def test_max_prefixes(self):
        """GoBGP sends 3 prefixes to a peer limited to 2: Cease/Maximum Number of Prefixes Reached."""
        t = self.topo
        g = self.gobgp([self.tor_neighbor()])
        sp = self.start_speaker(routes=[], peer_kw={"max_prefixes": 2, "max_prefixes_action": "cease"})
        sp.wait_established("tor")
        for i in range(3):
            g.announce(f"10.61.0.{i}/32", t.tor_v4)
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 20)
        self.assertEqual((n["code"], n["subcode"]), (6, 1), n)
        wait_until(lambda: g.neighbor_state(t.node_v4) != "established", 10, what="GoBGP sees the session go down")

    def test_receives_routes_from_gobgp(self):
        t = self.topo
        g = self.gobgp([self.tor_neighbor()])
        sp = self.start_speaker(routes=[])
        sp.wait_established("tor")
        g.announce("10.60.0.0/24", t.tor_v4, "community", "65000:60")

        def got():
            rs = sp.ok("routes tor")["received"]
            return [r for r in rs if r["prefix"] == "10.60.0.0/24"]
        r = wait_until(got, 20, what="bgpspeak's routes tor")[0]
        self.assertEqual(r["next_hop"], t.tor_v4)
        self.assertEqual(r["as_path"], [TOR_AS])
        self.assertEqual(r["communities"], ["65000:60"])
        g.gobgp("global", "rib", "del", "-a", "ipv4", "10.60.0.0/24")
        wait_until(lambda: not got(), 20, what="withdrawal reaches bgpspeak")


if __name__ == "__main__":
    unittest.main()
