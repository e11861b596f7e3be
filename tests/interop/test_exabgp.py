"""bgpspeak against ExaBGP 4.2 as a scripted peer, and against a raw byte-level peer
(namespaces ie-tor / ie-node, 10.99.14.0/24, fd99:14::/64).

ExaBGP puts arbitrary attributes into an UPDATE (`attribute [CODE FLAGS 0xDATA]`), which covers
malformed attribute *contents*.  It has no API for raw messages (4.2.21: no such command), so
framing errors are sent by lib.rawpeer.RawPeer from the same address instead.

Expected actions (RFC 7606 unless noted):
  corrupted attribute 23 (Tunnel Encapsulation, CVE-2023-38802)  session stays up, no NOTIFICATION
                                                                  (unknown optional transitive:
                                                                  kept; if parsed: attribute-discard)
  MED of length 3                        treat-as-withdraw (§7.4)
  NLRI with no attributes at all         treat-as-withdraw (§3 (d): missing well-known mandatory
                                         attributes)
  attribute overrunning the attribute block
                                         treat-as-withdraw (§4), NLRI located by Total Path
                                         Attribute Length
  bad marker                             NOTIFICATION 1/1 (RFC 4271 §6.1)
  Total Path Attribute Length past the end of the message
                                         NOTIFICATION 3/1 Malformed Attribute List (RFC 4271 §6.3;
                                         the NLRI cannot be located, so no 7606 recovery)
  MP_REACH_NLRI whose NLRI cannot be parsed (prefix length 129)
                                         session reset (§5.3 / §7.11) with 3/9 Optional Attribute
                                         Error (RFC 4760 §7)
"""

import ipaddress
import struct
import unittest

from lib import rawpeer as rp
from lib.base import InteropCase, NODE_AS, TOR_AS, SINGLE, ev, wait_until
from lib.daemons import Exabgp, Neighbor


class ExabgpTest(InteropCase):
    PREFIX = "ie"
    INDEX = 14

    def speaker_passive(self, routes=(), hold_time=9):
        cfg = self.speaker_config(routes=list(routes), peer_kw={"passive": True, "hold_time": hold_time})
        return self.start_speaker(cfg)

    def exabgp(self, static_routes=()):
        t = self.topo
        n = Neighbor(t.node_v4, NODE_AS)
        return self.own(Exabgp(t.tor, TOR_AS, t.tor_v4, [n], local_address=t.tor_v4,
                               static_routes=static_routes)).start()

    def received(self, sp):
        return {r["prefix"]: r for r in sp.ok("routes tor")["received"]}

    def wait_received(self, sp, pred, what, timeout=20):
        return wait_until(lambda: (lambda r: (r,) if pred(r) else None)(self.received(sp)), timeout, what=what)[0]

    def assert_session_undisturbed(self, sp, since):
        self.assertEqual(sp.find_events(lambda e: e.get("event") == "notification", since), [])
        self.assertEqual(sp.find_events(lambda e: e.get("event") == "state", since), [])
        self.assertEqual(sp.peer_state("tor")["state"], "Established")

    # -- ExaBGP ---------------------------------------------------------------------------------

    def test_exabgp_receives_our_routes(self):
        t = self.topo
        routes = [{"prefix": SINGLE, "communities": ["65000:100"], "large_communities": ["65000:1:2"], "med": 10},
                  {"generate": {"start": "10.201.0.0", "count": 50, "length": 32, "communities": ["65000:7"]}},
                  {"prefix": "fd99:200::1/128", "communities": ["65000:101"]}]
        sp = self.speaker_passive(routes)
        e = self.exabgp()
        sp.wait_established("tor")
        r4 = e.wait_routes("ipv4", lambda r: len(r) >= 51, 20, "51 IPv4 routes in ExaBGP's JSON")
        r6 = e.wait_routes("ipv6", lambda r: len(r) >= 1, 20, "the IPv6 route in ExaBGP's JSON")
        by = {r["prefix"]: r for r in r4}
        s = by[SINGLE]
        self.assertEqual((s["next_hop"], s["as_path"], s["communities"], s["large_communities"], s["med"]),
                         (t.node_v4, [NODE_AS], ["65000:100"], ["65000:1:2"], 10))
        self.assertEqual(by["10.201.0.49/32"]["communities"], ["65000:7"])
        self.assertEqual((r6[0]["prefix"], r6[0]["next_hop"]), ("fd99:200::1/128", t.node_v6))
        self.assertEqual(len(r4), 51)

    def test_four_octet_as_with_two_octet_peer(self):
        """bgpspeak in AS 4200000001, ExaBGP without the 4-octet AS capability: OPEN carries AS_TRANS,
        our UPDATEs AS_PATH [23456] + AS4_PATH [4200000001]; ExaBGP's 2-octet AS_PATH reaches us."""
        t = self.topo
        cfg = self.speaker_config(routes=[{"prefix": SINGLE}], peer_kw={"passive": True})
        cfg["local_as"] = 4200000001
        sp = self.start_speaker(cfg)
        e = self.own(Exabgp(t.tor, TOR_AS, t.tor_v4, [Neighbor(t.node_v4, 23456)], local_address=t.tor_v4,
                            asn4=False, static_routes=[f"10.77.0.9/32 next-hop {t.tor_v4}"])).start()
        sp.wait_established("tor")
        r = e.wait_routes("ipv4", lambda r: len(r) == 1, 20, "our route at the 2-octet peer")[0]
        raw_updates = [m for m in e.messages() if m.get("type") == "update"]
        # A 2-octet AS_PATH can only say 23456; ExaBGP shows 4200000001 only when it merged our
        # AS4_PATH (RFC 6793 §4.2.3), so this proves both attributes were sent.
        self.assertEqual(r["as_path"], [4200000001], raw_updates[-1:])
        got = self.wait_received(sp, lambda x: "10.77.0.9/32" in x, "ExaBGP's route at bgpspeak")
        self.assertEqual(got["10.77.0.9/32"]["as_path"], [TOR_AS])

    def test_corrupted_attribute_23_keeps_session(self):
        """Tunnel Encapsulation with a TLV whose length runs past the attribute."""
        t = self.topo
        sp = self.speaker_passive()
        e = self.exabgp()
        sp.wait_established("tor")
        mark = sp.mark()
        e.send(f"announce route 10.77.0.1/32 next-hop {t.tor_v4} attribute [0x17 0xc0 0xdeadbeef]")
        self.wait_received(sp, lambda r: "10.77.0.1/32" in r, "the route carrying attribute 23")
        self.assert_session_undisturbed(sp, mark)
        errs = sp.find_events(lambda x: x.get("event") == "update_error", mark)
        self.assertTrue(all(x.get("action") == "attribute-discard" for x in errs), errs)

    def test_bad_med_length_treat_as_withdraw(self):
        t = self.topo
        sp = self.speaker_passive()
        e = self.exabgp()
        sp.wait_established("tor")
        e.send(f"announce route 10.77.0.2/32 next-hop {t.tor_v4} med 5")
        self.wait_received(sp, lambda r: "10.77.0.2/32" in r, "the valid 10.77.0.2/32")
        mark = sp.mark()
        # Same prefix again, now with a 3-octet MED: must withdraw the route received before.
        e.send(f"announce route 10.77.0.2/32 next-hop {t.tor_v4} attribute [0x04 0x80 0x000064]")
        err = sp.wait_event(ev("update_error", peer="tor"), 20)
        self.assertEqual(err["action"], "treat-as-withdraw", err)
        self.wait_received(sp, lambda r: "10.77.0.2/32" not in r, "10.77.0.2/32 treated as withdrawn")
        e.send(f"announce route 10.77.0.3/32 next-hop {t.tor_v4}")
        self.wait_received(sp, lambda r: "10.77.0.3/32" in r, "a later valid route")
        self.assert_session_undisturbed(sp, mark)

    def test_mp_reach_unparsable_nlri_resets_session(self):
        t = self.topo
        sp = self.speaker_passive()
        e = self.exabgp()
        sp.wait_established("tor")
        mark = sp.mark()
        # MP_REACH_NLRI: AFI 2, SAFI 1, next hop fd99:14::1 (16), reserved, NLRI "/129" + 17 bytes.
        nh = bytes.fromhex("fd990014000000000000000000000001")
        mp = struct.pack("!HBB", 2, 1, 16) + nh + b"\x00" + bytes([129]) + b"\xfd\x99" + b"\x00" * 15
        e.send(f"announce route 10.77.0.4/32 next-hop {t.tor_v4} attribute [0x0e 0x80 0x{mp.hex()}]")
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 20, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (3, 9), n)
        sp.wait_event(lambda x: x.get("event") == "state" and x.get("from") == "Established", 10, since=mark)

    # -- raw peer --------------------------------------------------------------------------------

    def raw_session(self, sp):
        t = self.topo
        peer = rp.RawPeer(t.tor, t.tor_v4, t.node_v4, TOR_AS, t.tor_v4, hold=90)
        self.addCleanup(peer.close)
        peer.connect()
        peer.establish()
        sp.wait_established("tor")
        return peer

    def good_update(self, prefix):
        t = self.topo
        return rp.update(attrs=rp.origin() + rp.as_path(TOR_AS) + rp.next_hop(t.tor_v4),
                         nlri_bytes=rp.nlri(prefix))

    def test_ipv6_next_hop_is_16_bytes_over_ipv4_session(self):
        """The MP_REACH_NLRI next hop bgpspeak sends over IPv4 transport: global only (16 bytes),
        the form FRR 8.4 accepts (test_frr.test_bulk_routes)."""
        t = self.topo
        sp = self.speaker_passive([{"prefix": "fd99:200::1/128"}], hold_time=90)
        peer = self.raw_session(sp)
        nexthops = []
        while not nexthops:
            m = peer.read_message(20)
            self.assertIsNotNone(m, "session closed before the IPv6 UPDATE")
            if m[0] != rp.UPDATE:
                continue
            body = m[1]
            wl = struct.unpack("!H", body[:2])[0]
            al = struct.unpack("!H", body[2 + wl:4 + wl])[0]
            attrs = body[4 + wl:4 + wl + al]
            while attrs:
                flags, code = attrs[0], attrs[1]
                if flags & 0x10:
                    ln, hdr = struct.unpack("!H", attrs[2:4])[0], 4
                else:
                    ln, hdr = attrs[2], 3
                data = attrs[hdr:hdr + ln]
                attrs = attrs[hdr + ln:]
                if code == 14 and struct.unpack("!HB", data[:3]) == (2, 1):
                    nexthops.append(data[4:4 + data[3]])
        self.assertEqual([len(x) for x in nexthops], [16])
        self.assertEqual(ipaddress.IPv6Address(nexthops[0]), ipaddress.IPv6Address(t.node_v6))

    def test_nlri_without_attributes_treat_as_withdraw(self):
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        peer.send(self.good_update("10.78.0.1/32"))
        self.wait_received(sp, lambda r: "10.78.0.1/32" in r, "valid 10.78.0.1/32")
        mark = sp.mark()
        peer.send(rp.update(nlri_bytes=rp.nlri("10.78.0.1/32")))
        err = sp.wait_event(ev("update_error", peer="tor"), 20)
        self.assertEqual(err["action"], "treat-as-withdraw", err)
        peer.send(self.good_update("10.78.0.9/32"))
        self.wait_received(sp, lambda r: "10.78.0.9/32" in r and "10.78.0.1/32" not in r,
                           "10.78.0.1/32 withdrawn, later route accepted")
        self.assert_session_undisturbed(sp, mark)

    def test_attribute_overrunning_block_treat_as_withdraw(self):
        """COMMUNITIES claims 8 octets where 4 remain in the attribute block (RFC 7606 §4)."""
        t = self.topo
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        peer.send(self.good_update("10.78.0.2/32"))
        self.wait_received(sp, lambda r: "10.78.0.2/32" in r, "valid 10.78.0.2/32")
        mark = sp.mark()
        attrs = rp.origin() + rp.as_path(TOR_AS) + rp.next_hop(t.tor_v4) + bytes([0xC0, 8, 8]) + b"\xfd\xe8\x00\x01"
        peer.send(rp.update(attrs=attrs, nlri_bytes=rp.nlri("10.78.0.2/32")))
        err = sp.wait_event(ev("update_error", peer="tor"), 20)
        self.assertEqual(err["action"], "treat-as-withdraw", err)
        peer.send(self.good_update("10.78.0.9/32"))
        self.wait_received(sp, lambda r: "10.78.0.9/32" in r and "10.78.0.2/32" not in r,
                           "10.78.0.2/32 withdrawn, later route accepted")
        self.assert_session_undisturbed(sp, mark)

    def test_bad_marker_resets_session(self):
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        mark = sp.mark()
        peer.send(rp.message(rp.KEEPALIVE, b"", marker=b"\xff" * 15 + b"\xfe"))
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 20, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (1, 1), n)
        self.assertEqual(peer.wait_notification(), (1, 1, b""))

    def test_attribute_length_past_message_end_resets_session(self):
        """Total Path Attribute Length larger than what the message holds: 3/1."""
        t = self.topo
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        mark = sp.mark()
        attrs = rp.origin() + rp.as_path(TOR_AS) + rp.next_hop(t.tor_v4)
        peer.send(rp.update(attrs=attrs, attr_len=len(attrs) + 40, nlri_bytes=rp.nlri("10.78.0.3/32")))
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 20, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (3, 1), n)
        wire = peer.wait_notification()
        self.assertEqual(wire[:2], (3, 1))

    def test_withdrawn_length_past_message_end_resets_session(self):
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        mark = sp.mark()
        peer.send(rp.update(withdrawn=rp.nlri("10.78.0.4/32"), withdrawn_len=200))
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 20, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (3, 1), n)
        self.assertEqual(peer.wait_notification()[:2], (3, 1))


    # -- more malformed UPDATEs from the raw peer (bgp.md "Inputs a peer may send") --------------

    def expect_treat_as_withdraw(self, prefix, bad_update):
        """Announce prefix validly, send bad_update for it: update_error treat-as-withdraw, the
        prefix is gone, a later valid route is accepted, no NOTIFICATION, no state change."""
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        peer.send(self.good_update(prefix))
        self.wait_received(sp, lambda r: prefix in r, f"valid {prefix}")
        mark = sp.mark()
        peer.send(bad_update)
        err = sp.wait_event(ev("update_error", peer="tor"), 20)
        self.assertEqual(err["action"], "treat-as-withdraw", err)
        peer.send(self.good_update("10.78.0.9/32"))
        self.wait_received(sp, lambda r: "10.78.0.9/32" in r and prefix not in r,
                           f"{prefix} withdrawn, a later route accepted")
        self.assert_session_undisturbed(sp, mark)
        return err

    def expect_reset(self, bad, code, subcode, data=None, establish=True):
        sp = self.speaker_passive(hold_time=90)
        if establish:
            peer = self.raw_session(sp)
        else:
            t = self.topo
            peer = rp.RawPeer(t.tor, t.tor_v4, t.node_v4, TOR_AS, t.tor_v4, hold=90)
            self.addCleanup(peer.close)
            peer.connect()
        mark = sp.mark()
        peer.send(bad)
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 20, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (code, subcode), n)
        wire = peer.wait_notification()
        self.assertIsNotNone(wire, "connection closed without a NOTIFICATION on the wire")
        self.assertEqual(wire[:2], (code, subcode))
        if data is not None:
            self.assertEqual(wire[2], data)
        return n, wire

    def std_attrs(self):
        return rp.origin() + rp.as_path(TOR_AS) + rp.next_hop(self.topo.tor_v4)

    def test_origin_with_wrong_flags_treat_as_withdraw(self):
        """ORIGIN marked optional (flags 0xC0): RFC 7606 §3 (c)."""
        attrs = rp.attr(0xC0, 1, b"\x00") + rp.as_path(TOR_AS) + rp.next_hop(self.topo.tor_v4)
        self.expect_treat_as_withdraw("10.79.0.1/32", rp.update(attrs=attrs, nlri_bytes=rp.nlri("10.79.0.1/32")))

    def test_next_hop_wrong_length_treat_as_withdraw(self):
        """NEXT_HOP of 5 octets: RFC 7606 §7.3."""
        attrs = rp.origin() + rp.as_path(TOR_AS) + rp.attr(0x40, 3, b"\x0a\x63\x0e\x01\x00")
        self.expect_treat_as_withdraw("10.79.0.2/32", rp.update(attrs=attrs, nlri_bytes=rp.nlri("10.79.0.2/32")))

    def test_as_path_segment_overrun_treat_as_withdraw(self):
        """AS_PATH segment claiming 3 ASNs with 1 present: RFC 7606 §7.2."""
        bad_path = rp.attr(0x40, 2, bytes([2, 3]) + struct.pack("!I", TOR_AS))
        attrs = rp.origin() + bad_path + rp.next_hop(self.topo.tor_v4)
        self.expect_treat_as_withdraw("10.79.0.3/32", rp.update(attrs=attrs, nlri_bytes=rp.nlri("10.79.0.3/32")))

    def test_mp_unreach_with_nlri_and_no_attributes(self):
        """CVE-2023-47234 shape: MP_UNREACH (IPv6) plus classic NLRI, no mandatory attributes. The
        classic NLRI is treated as withdrawn (RFC 7606 §3 (d)), the MP_UNREACH still processed,
        the session stays up."""
        t = self.topo
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        v6 = rp.attr(0x40, 1, b"\x00") + rp.as_path(TOR_AS)
        mp_reach = rp.attr(0x80, 14, struct.pack("!HBB", 2, 1, 16) + ipaddress.IPv6Address(t.tor_v6).packed
                           + b"\x00" + rp.nlri("fd99:79::1/128"))
        peer.send(rp.update(attrs=v6 + mp_reach))
        peer.send(self.good_update("10.79.0.4/32"))
        self.wait_received(sp, lambda r: {"fd99:79::1/128", "10.79.0.4/32"} <= set(r), "the two valid routes")
        mark = sp.mark()
        mp_unreach = rp.attr(0x80, 15, struct.pack("!HB", 2, 1) + rp.nlri("fd99:79::1/128"))
        peer.send(rp.update(attrs=mp_unreach, nlri_bytes=rp.nlri("10.79.0.4/32")))
        peer.send(self.good_update("10.78.0.9/32"))
        self.wait_received(sp, lambda r: "10.78.0.9/32" in r and "10.79.0.4/32" not in r
                           and "fd99:79::1/128" not in r, "both withdrawn, a later route accepted")
        self.assertEqual(sp.find_events(lambda e: e.get("event") == "notification", mark), [])
        self.assertEqual(sp.find_events(lambda e: e.get("event") == "state", mark), [])

    def test_duplicate_attribute_keeps_first(self):
        """Two COMMUNITIES attributes: all but the first discarded (RFC 7606 §3 (g)), route kept."""
        attrs = self.std_attrs() + rp.community(65000, 1) + rp.community(65000, 2)
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        mark = sp.mark()
        peer.send(rp.update(attrs=attrs, nlri_bytes=rp.nlri("10.79.0.5/32")))
        r = self.wait_received(sp, lambda r: "10.79.0.5/32" in r, "the route with duplicate COMMUNITIES")
        self.assertEqual(r["10.79.0.5/32"]["communities"], ["65000:1"])
        self.assert_session_undisturbed(sp, mark)

    def test_duplicate_mp_reach_resets_session(self):
        """MP_REACH_NLRI twice: Malformed Attribute List, session reset (RFC 7606 §3 (g))."""
        t = self.topo
        mp = rp.attr(0x80, 14, struct.pack("!HBB", 2, 1, 16) + ipaddress.IPv6Address(t.tor_v6).packed
                     + b"\x00" + rp.nlri("fd99:79::2/128"))
        bad = rp.update(attrs=rp.origin() + rp.as_path(TOR_AS) + mp + mp)
        self.expect_reset(bad, 3, 1)

    def test_ipv4_prefix_length_33_resets_session(self):
        """Classic NLRI with prefix length 33: the NLRI cannot be parsed -> session reset with
        3/10 Invalid Network Field (RFC 7606 §5.3, RFC 4271 §6.3)."""
        bad = rp.update(attrs=self.std_attrs(), nlri_bytes=bytes([33]) + b"\x0a\x4f\x00\x06\x00")
        self.expect_reset(bad, 3, 10)

    def test_notification_from_peer_with_shutdown_message(self):
        """The peer's Cease/Administrative Shutdown with an RFC 8203 message is reported."""
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        mark = sp.mark()
        text = "peer maintenance \u2713".encode()
        peer.send(rp.message(rp.NOTIFICATION, bytes([6, 2, len(text)]) + text))
        n = sp.wait_event(ev("notification", peer="tor", direction="received"), 10, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (6, 2), n)
        self.assertIn("peer maintenance \u2713", n.get("text", ""), n)
        sp.wait_event(lambda e: e.get("event") == "state" and e.get("from") == "Established", 10, since=mark)

    def test_notification_without_data(self):
        sp = self.speaker_passive(hold_time=90)
        peer = self.raw_session(sp)
        mark = sp.mark()
        peer.send(rp.message(rp.NOTIFICATION, bytes([6, 4])))
        n = sp.wait_event(ev("notification", peer="tor", direction="received"), 10, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (6, 4), n)

    def test_open_byte_at_a_time(self):
        """An OPEN trickling in one byte per segment still establishes."""
        t = self.topo
        sp = self.speaker_passive(hold_time=90)
        peer = rp.RawPeer(t.tor, t.tor_v4, t.node_v4, TOR_AS, t.tor_v4, hold=90)
        self.addCleanup(peer.close)
        peer.connect()
        peer.establish(byte_at_a_time=True)
        sp.wait_established("tor")

    def test_open_version_5(self):
        """Unsupported Version Number, data = the largest version we support (2 octets: 4)."""
        t = self.topo
        self.expect_reset(rp.open_message(TOR_AS, t.tor_v4, 90, version=5), 2, 1, data=b"\x00\x04", establish=False)

    def test_open_wrong_peer_as(self):
        t = self.topo
        self.expect_reset(rp.open_message(65009, t.tor_v4, 90), 2, 2, establish=False)

    def test_open_hold_time_1(self):
        t = self.topo
        self.expect_reset(rp.open_message(TOR_AS, t.tor_v4, 1), 2, 6, establish=False)

    def test_open_bgp_identifier_zero(self):
        self.expect_reset(rp.open_message(TOR_AS, "0.0.0.0", 90), 2, 3, establish=False)

    def test_hold_timer_expiry(self):
        """The peer goes silent after OPEN/KEEPALIVE with hold time 3: NOTIFICATION 4/0."""
        t = self.topo
        sp = self.speaker_passive(hold_time=3)
        peer = rp.RawPeer(t.tor, t.tor_v4, t.node_v4, TOR_AS, t.tor_v4, hold=3)
        self.addCleanup(peer.close)
        peer.connect()
        peer.establish()
        sp.wait_established("tor")
        mark = sp.mark()
        # No KEEPALIVE from here on; read what the speaker sends until its NOTIFICATION.
        deadline_msgs = []
        while True:
            m = peer.read_message(10)
            self.assertIsNotNone(m, f"closed without NOTIFICATION; got {deadline_msgs}")
            if m[0] == rp.NOTIFICATION:
                break
            deadline_msgs.append(m[0])
        self.assertEqual((m[1][0], m[1][1]), (4, 0))
        n = sp.wait_event(ev("notification", peer="tor", direction="sent"), 5, since=mark)
        self.assertEqual((n["code"], n["subcode"]), (4, 0), n)

    def test_unknown_message_type(self):
        """Message type 9: Bad Message Type, data = the type octet (RFC 4271 §6.1)."""
        self.expect_reset(rp.message(9, b""), 1, 3, data=b"\x09")

    def test_message_length_over_4096(self):
        """Length 5000 without the extended-message capability: Bad Message Length, data = the length."""
        self.expect_reset(rp.message(rp.KEEPALIVE, b"", length=5000), 1, 2, data=b"\x13\x88")


if __name__ == "__main__":
    unittest.main()
