"""bgpspeak against FRR bgpd 8.4, run alone without zebra
(namespaces if-tor / if-node, 10.99.12.0/24, fd99:12::/64).

IPv6 over an IPv4 session: bgpspeak sends MP_REACH_NLRI with a 16-byte next hop (global address
only, next_hop_v6 from the config).  FRR 8.4 reset sessions with 3/10 on BIRD's 32-byte form
(global + link-local) over IPv4 transport (shared/spec/testing.md); the 16-byte form is the one a
ToR accepts, and test_bulk_routes asserts FRR takes it without a NOTIFICATION.
"""

import unittest

from lib.base import (InteropCase, NODE_AS, SINGLE, N, ev, wait_until, generated, V4_START, V6_START)
from lib.daemons import Dynamic, Frr


class FrrTest(InteropCase):
    PREFIX = "if"
    INDEX = 12

    def frr(self, neighbors, asn=65000, **kw):
        return self.own(Frr(self.topo.tor, asn, self.topo.tor_v4, neighbors, **kw)).start()

    def small_routes(self):
        return [{"prefix": SINGLE, "communities": ["65000:100"], "large_communities": ["65000:1:2"], "med": 10},
                {"prefix": "fd99:200::1/128", "communities": ["65000:101"]}]

    def no_notifications(self, sp, since=0):
        self.assertEqual(sp.find_events(lambda e: e.get("event") == "notification", since), [])

    def test_established_ipv4(self):
        """FRR active, bgpspeak active and listening."""
        t = self.topo
        f = self.frr([self.tor_neighbor(passive=False)])
        sp = self.start_speaker(routes=[])
        sp.wait_established("tor")
        f.wait_established(t.node_v4)

    def test_established_ipv6_transport(self):
        t = self.topo
        f = self.frr([self.tor_neighbor(v6_transport=True)])
        sp = self.start_speaker(v6_transport=True, routes=self.small_routes())
        sp.wait_established("tor")
        f.wait_established(t.node_v6)
        r4 = f.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        r6 = f.wait_routes("ipv6", lambda r: len(r) == 1, 20)
        self.assertEqual(r4[0]["next_hop"], t.node_v4)
        self.assertEqual(r6[0]["next_hop"], t.node_v6)

    def test_dynamic_neighbors_node_connects(self):
        """The ToR of docs/routers.md: nodes from a listen range (peer group, remote-as external,
        maximum-prefix, graceful-restart helper, maximum-paths); the node never listens (svcbgpd's
        listen.port 0, its default) and connects itself."""
        t = self.topo
        f = self.frr([], dynamic=Dynamic([f"{t.node_v4.rsplit('.', 1)[0]}.0/24"], max_prefixes=1000),
                     af_lines={"ipv4": ["maximum-paths 8"], "ipv6": ["maximum-paths 8"]})
        sp = self.start_speaker(self.speaker_config(routes=self.small_routes(), listen_port=0))
        sp.wait_established("tor")
        f.wait_established(t.node_v4)
        info = f.neighbor_info(t.node_v4)
        self.assertEqual(info.get("peerGroup"), "NODES", info)
        self.assertEqual(info.get("peerSubnetRangeGroup"), f"{t.node_v4.rsplit('.', 1)[0]}.0/24", info)
        # The node connected (an ephemeral port of its own to the ToR's 179).
        self.assertEqual(info["portLocal"], 179)
        self.assertNotEqual(info["portForeign"], 179)
        self.assertEqual(info["remoteAs"], NODE_AS)
        r4 = f.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        r6 = f.wait_routes("ipv6", lambda r: len(r) == 1, 20)
        self.assertEqual((r4[0]["prefix"], r4[0]["next_hop"]), (SINGLE, t.node_v4))
        self.assertEqual(r6[0]["next_hop"], t.node_v6)

    def test_bulk_routes(self):
        """1,000 + 1,000 routes; the IPv6 ones over the IPv4 session with a 16-byte next hop."""
        t = self.topo
        f = self.frr([self.tor_neighbor()])
        sp = self.start_speaker()
        sp.wait_established("tor")
        r4 = f.wait_routes("ipv4", lambda r: len(r) >= N + 1, 60, "1001 IPv4 routes")
        r6 = f.wait_routes("ipv6", lambda r: len(r) >= N, 60, "1000 IPv6 routes")
        self.assert_bulk(r4, "ipv4", t.node_v4)
        self.assert_bulk(r6, "ipv6", t.node_v6)
        # FRR's table json has no communities: count by community filter, check samples in detail.
        for fam, comm, large, n in (("ipv4", "65000:7", "65001:2:3", N), ("ipv6", "65000:8", "65001:4:5", N)):
            by_c = f.vjson(f"show bgp {fam} unicast community {comm} json").get("routes", {})
            self.assertEqual(len(by_c), n, f"{fam} routes with community {comm}")
            by_l = f.vjson(f"show bgp {fam} unicast large-community {large} json").get("routes", {})
            self.assertEqual(len(by_l), n, f"{fam} routes with large community {large}")
        for p in generated(V4_START, N)[::250] + generated(V6_START, N)[::250]:
            d = f.route_detail(p)
            self.assertEqual(len(d), 1, p)
            self.assertEqual(d[0]["as_path"], [NODE_AS], p)
        d = f.route_detail(SINGLE)[0]
        self.assertEqual((d["communities"], d["large_communities"], d["med"]), (["65000:100"], ["65000:1:2"], 10))
        self.assertTrue(f.established(t.node_v4))
        self.no_notifications(sp)

    def test_withdraw(self):
        f = self.frr([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes() + [{"prefix": "10.200.0.2/32"}])
        sp.wait_established("tor")
        f.wait_routes("ipv4", lambda r: len(r) == 2, 20)
        sp.ok("withdraw 10.200.0.2/32")
        f.wait_routes("ipv4", lambda r: [x["prefix"] for x in r] == [SINGLE], 20, "withdrawal")
        sp.ok("withdraw fd99:200::1/128")
        f.wait_routes("ipv6", lambda r: r == [], 20, "IPv6 withdrawal")

    def test_ibgp_local_pref(self):
        t = self.topo
        f = self.frr([self.tor_neighbor(asn=NODE_AS)], asn=NODE_AS)
        cfg = self.speaker_config(routes=[{"prefix": SINGLE, "local_pref": 200}])
        cfg["peers"][0]["asn"] = NODE_AS
        sp = self.start_speaker(cfg)
        sp.wait_established("tor")
        r = f.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        self.assertEqual(r[0]["local_pref"], 200)
        self.assertEqual(r[0]["as_path"], [])
        self.assertEqual(r[0]["next_hop"], t.node_v4)

    def test_md5_right_password(self):
        t = self.topo
        f = self.frr([self.tor_neighbor(password="s3cret-md5")])
        sp = self.start_speaker(routes=self.small_routes(), peer_kw={"password": "s3cret-md5"})
        sp.wait_established("tor")
        f.wait_established(t.node_v4)
        f.wait_routes("ipv4", lambda r: len(r) == 1, 20)

    def test_md5_wrong_password(self):
        t = self.topo
        f = self.frr([self.tor_neighbor(password="s3cret-md5")])
        sp = self.start_speaker(routes=[], peer_kw={"password": "wrong"})
        start = sp.mark()
        for _ in range(4):
            sp.wait_event(ev("connect_attempt", peer="tor"), 30)
        self.assertEqual(sp.find_events(ev("state", peer="tor", to="Established"), since=start), [])
        self.assertNotEqual(sp.peer_state("tor")["state"], "Established")
        self.assertNotEqual(f.neighbor_state(t.node_v4), "established")

    def test_graceful_restart_frr_helper(self):
        """quit graceful -> FRR keeps the routes as stale; a restarting bgpspeak (R bit, EoR held)
        with a smaller table -> still stale before `sync`; after it the dropped routes are gone and
        the kept ones fresh."""
        t = self.topo
        f = self.frr([self.tor_neighbor(graceful_restart=True)])
        routes1 = [{"prefix": SINGLE},
                   {"generate": {"start": V4_START, "count": 10, "length": 32}},
                   {"generate": {"start": V6_START, "count": 10, "length": 128}}]
        sp = self.start_speaker(routes=routes1)
        sp.wait_established("tor")
        f.wait_routes("ipv4", lambda r: len(r) == 11, 20)
        f.wait_routes("ipv6", lambda r: len(r) == 10, 20)
        self.assertEqual(sp.stop("graceful"), 0, "quit graceful exit status")

        all4 = {SINGLE} | set(generated(V4_START, 10))
        all6 = set(generated(V6_START, 10))
        r4 = f.wait_routes("ipv4", lambda r: {x["prefix"] for x in r} == all4 and all(x["stale"] for x in r),
                           20, "all IPv4 routes kept as stale")
        self.assertFalse(f.established(t.node_v4))

        routes2 = [{"prefix": SINGLE},
                   {"generate": {"start": V4_START, "count": 5, "length": 32}},
                   {"generate": {"start": V6_START, "count": 5, "length": 128}}]
        cfg = self.speaker_config(routes=routes2, hold_eor=True,
                                  graceful_restart={"enabled": True, "restart_time": 120, "restarting": True})
        sp2 = self.start_speaker(cfg)
        sp2.wait_established("tor")
        f.wait_established(t.node_v4)
        # The EoR is held: nothing may have been sent, the old routes are all there and stale.
        self.assertEqual(sp2.find_events(ev("eor", peer="tor", direction="sent")), [])
        r4 = f.routes("ipv4")
        r6 = f.routes("ipv6")
        self.assertEqual({x["prefix"] for x in r4}, all4)
        self.assertEqual({x["prefix"] for x in r6}, all6)
        self.assertTrue(all(x["stale"] for x in r4 + r6), [x for x in r4 + r6 if not x["stale"]][:3])

        sp2.ok("sync")
        sp2.wait_event(ev("eor", peer="tor", direction="sent"), 10)
        keep4 = {SINGLE} | set(generated(V4_START, 5))
        keep6 = set(generated(V6_START, 5))
        f.wait_routes("ipv4", lambda r: {x["prefix"] for x in r} == keep4 and not any(x["stale"] for x in r),
                      30, "IPv4: dropped routes removed, kept ones fresh")
        f.wait_routes("ipv6", lambda r: {x["prefix"] for x in r} == keep6 and not any(x["stale"] for x in r),
                      30, "IPv6: dropped routes removed, kept ones fresh")


    def test_quit_withdraw_removes_routes_despite_gr(self):
        """quit withdraw (not graceful): even with FRR as GR helper, the routes must go at once, not
        linger as stale (a plain Cease after an RFC 8538 N-bit negotiation would be graceful)."""
        f = self.frr([self.tor_neighbor(graceful_restart=True)])
        sp = self.start_speaker(routes=self.small_routes())
        sp.wait_established("tor")
        f.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        f.wait_routes("ipv6", lambda r: len(r) == 1, 20)
        self.assertEqual(sp.stop("withdraw"), 0, "quit withdraw exit status")
        f.wait_routes("ipv4", lambda r: r == [], 10, "IPv4 routes gone after quit withdraw")
        f.wait_routes("ipv6", lambda r: r == [], 10, "IPv6 routes gone after quit withdraw")


    def test_route_refresh_from_frr(self):
        """`clear bgp ... soft in` makes FRR send ROUTE-REFRESH; we send the table again.
        (GoBGP 3.10's `neighbor ADDR softresetin` sends no ROUTE-REFRESH at all, hence FRR.)"""
        t = self.topo
        f = self.frr([self.tor_neighbor()])
        sp = self.start_speaker(routes=self.small_routes())
        sp.wait_established("tor")
        sp.wait_event(ev("eor", peer="tor", direction="sent", family="ipv6-unicast"), 10)
        f.wait_routes("ipv4", lambda r: len(r) == 1, 20)
        before = sp.peer_state("tor")["updates_sent"]
        f.vtysh(f"clear bgp ipv4 unicast {t.node_v4} soft in")
        wait_until(lambda: sp.peer_state("tor")["updates_sent"] > before, 10, what="the table sent again")
        self.assertEqual(sp.peer_state("tor")["state"], "Established")
        self.assertEqual(len(f.routes("ipv4")), 1)
        self.no_notifications(sp)


if __name__ == "__main__":
    unittest.main()
