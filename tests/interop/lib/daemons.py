"""Real BGP daemons (BIRD 2, FRR bgpd, GoBGP, ExaBGP), each run inside one network namespace.

Every class writes its configuration into its own temporary directory, starts the daemon in the
namespace, waits until its control interface answers, and offers:

  routes(family)    -> list of {prefix, next_hop, as_path, communities, large_communities,
                        local_pref, med, stale} ("ipv4" or "ipv6"), normalised across daemons:
                        communities "A:B" strings, large communities "A:B:C" strings, as_path a
                        list of ints, local_pref/med an int or None.  FRR's table listing has
                        no communities (None there); Frr.route_detail(prefix) has them
  neighbor_state(a) -> the session state with neighbour a, as the daemon names it, lower case
  established(a)    -> bool
  shutdown_message(a) -> the last RFC 8203 message received from a (BIRD, GoBGP), or None
  stop() / kill()   -> clean stop / SIGKILL (no NOTIFICATION reaches the peer)

A neighbour is described by a Neighbor object (below); the same description works for every class.
"""

import ipaddress
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

from . import cleanup
from .netns import in_ns, run

KEEP = os.environ.get("SVCBGP_INTEROP_KEEP") == "1"


class Neighbor:
    def __init__(self, address, asn, local_address=None, password=None, passive=False,
                 families=("ipv4", "ipv6"), hold_time=9, keepalive=3, connect_retry=1,
                 graceful_restart=False, port=179, ttl_security=False, bfd=False):
        self.address = address
        self.bfd = bfd  # FRR: `neighbor X bfd` (needs Frr(bfd=True))
        self.asn = asn
        self.local_address = local_address
        self.password = password
        self.passive = passive
        self.families = tuple(families)
        self.hold_time = hold_time
        self.keepalive = keepalive
        self.connect_retry = connect_retry
        self.graceful_restart = graceful_restart
        self.port = port
        self.ttl_security = ttl_security

    @property
    def v6(self):
        return ipaddress.ip_address(self.address).version == 6


class Dynamic:
    """Nodes a ToR takes from a listen range instead of one neighbour each (how svcbgp is usually
    peered: the nodes connect, the ToR never does; docs/routers.md)."""

    def __init__(self, ranges, remote_as="external", group="NODES", families=("ipv4", "ipv6"),
                 max_prefixes=None, graceful_restart=True, hold_time=9, keepalive=3, password=None):
        self.ranges = list(ranges)
        self.remote_as = remote_as
        self.group = group
        self.families = tuple(families)
        self.max_prefixes = max_prefixes
        self.graceful_restart = graceful_restart
        self.hold_time = hold_time
        self.keepalive = keepalive
        self.password = password


def family_of(prefix):
    return "ipv6" if ":" in prefix else "ipv4"


def norm_prefix(p):
    return str(ipaddress.ip_network(p, strict=False))


def wait_until(fn, timeout, interval=0.2, what="condition"):
    """Poll fn() until it returns a truthy value; the one allowed form of polling (route tables of
    daemons that have no event stream).  Returns the value, raises TimeoutError with the last one."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
        except Exception as exc:  # a daemon mid-restart may refuse its CLI for a moment
            last = exc
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last: {last!r}"[:2000])
        time.sleep(interval)


class DaemonDied(RuntimeError):
    pass


class Daemon:
    name = "daemon"

    def __init__(self, ns, asn, router_id, neighbors, tmp_parent=None):
        self.ns = ns
        self.asn = asn
        self.router_id = router_id
        self.neighbors = list(neighbors)
        self.dir = tempfile.mkdtemp(prefix=f"svcbgp-{self.name}-{ns}-", dir=tmp_parent)
        os.chmod(self.dir, 0o755)
        self._dir_token = cleanup.register(f"{self.name} dir {self.dir}", self._remove_dir)
        self.proc = None
        self._proc_token = None
        self.log_path = os.path.join(self.dir, "daemon.log")

    def _remove_dir(self):
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text, mode=0o644):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def cmd(self, argv, check=True, timeout=30):
        return run(in_ns(self.ns, argv), check=check, timeout=timeout)

    def _spawn(self, argv, env=None):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(in_ns(self.ns, argv), stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, cwd=self.dir, env=env,
                                     start_new_session=True)
        log.close()
        pid = self.proc.pid
        self._proc_token = cleanup.register(f"{self.name} pid {pid}", lambda: self._kill_pid(pid))

    def _kill_pid(self, pid, sig=signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if self.proc is not None and self.proc.pid == pid:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self.proc.wait(timeout=5)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        raise NotImplementedError

    def ready(self):
        raise NotImplementedError

    def _wait_ready(self, timeout=20):
        def probe():
            if not self.alive():
                raise DaemonDied(f"{self.name} exited (rc {self.proc.returncode}):\n{self.log_tail()}")
            return self.ready()
        deadline = time.monotonic() + timeout
        while True:
            try:
                if probe():
                    return
            except DaemonDied:
                raise
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} in {self.ns} not ready after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._kill_pid(self.proc.pid, sig)
        if self._proc_token is not None:
            cleanup.unregister(self._proc_token)
            self._proc_token = None
        self.proc = None

    def kill(self):
        """SIGKILL: the kernel closes the TCP session, no NOTIFICATION is sent."""
        self.stop(signal.SIGKILL)

    def close(self):
        self.stop()
        cleanup.run_one(self._dir_token)

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def established(self, address):
        return self.neighbor_state(address) == "established"

    def wait_established(self, address, timeout=30):
        return wait_until(lambda: self.established(address), timeout, what=f"{self.name} session with {address} Established")

    def wait_routes(self, family, pred, timeout=30, what="routes"):
        """Poll routes(family) until pred(list) is true; returns the list."""
        def probe():
            r = self.routes(family)
            return (r,) if pred(r) else None  # a 1-tuple: an empty table is a valid answer
        return wait_until(probe, timeout, interval=0.25, what=f"{self.name} {what}")[0]

    def shutdown_message(self, address):
        return None


# ----------------------------------------------------------------------------------------------
# BIRD 2


class Bird(Daemon):
    """BIRD 2: imports everything from its BGP neighbours into master4/master6, exports only the
    static routes given in `announce` (a list of prefixes, next hop = BIRD's own address)."""

    name = "bird"

    def __init__(self, ns, asn, router_id, neighbors, announce=(), dynamic=None, **kw):
        super().__init__(ns, asn, router_id, neighbors, **kw)
        self.announce = list(announce)
        self.dynamic = dynamic
        self.ctl = self.path("bird.ctl")

    def proto_name(self, address):
        return "n_" + re.sub(r"[^0-9a-zA-Z]", "_", address)

    def config(self):
        out = [f'log "{self.log_path}" all;', f"router id {self.router_id};",
               "protocol device { scan time 10; }"]
        if any(n.bfd for n in self.neighbors):
            out.append("protocol bfd { interface \"*\" { interval 300 ms; multiplier 3; }; }")
        v4 = [p for p in self.announce if family_of(p) == "ipv4"]
        v6 = [p for p in self.announce if family_of(p) == "ipv6"]
        if v4:
            out.append("protocol static s4 { ipv4; " + " ".join(f"route {p} blackhole;" for p in v4) + " }")
        if v6:
            out.append("protocol static s6 { ipv6; " + " ".join(f"route {p} blackhole;" for p in v6) + " }")
        d = self.dynamic
        if d:
            # One template protocol; BIRD spawns "node1", "node2", ... as nodes connect (BIRD >= 2.0.8).
            for i, r in enumerate(d.ranges):
                lines = [f"protocol bgp nodes{i} {{", f"  local as {self.asn};",
                         f"  neighbor range {r} {d.remote_as};", '  dynamic name "node";', "  direct;",
                         f"  hold time {d.hold_time}; keepalive time {d.keepalive};"]
                if d.password:
                    lines.append(f'  password "{d.password}";')
                if d.graceful_restart:
                    lines.append("  graceful restart on;")
                for fam in d.families:
                    limit = f" import limit {d.max_prefixes} action restart;" if d.max_prefixes else ""
                    lines.append(f"  {fam} {{ import all;{limit} export none; gateway direct; }};")
                lines.append("}")
                out.append("\n".join(lines))
        for n in self.neighbors:
            lines = [f"protocol bgp {self.proto_name(n.address)} {{"]
            local = f"local {n.local_address} " if n.local_address else "local "
            lines.append(f"  {local}as {self.asn};")
            lines.append(f"  neighbor {n.address} port {n.port} as {n.asn};")
            # The neighbour sits on the veth subnet: next hops resolve directly, for iBGP too.
            lines.append("  direct;")
            lines.append(f"  hold time {n.hold_time}; keepalive time {n.keepalive};")
            lines.append(f"  connect delay time 1; connect retry time {n.connect_retry};")
            # Defaults are 60 s / 300 s: far too slow to come back after a test's NOTIFICATION.
            lines.append("  error wait time 1, 4; error forget time 10;")
            if n.passive:
                lines.append("  passive on;")
            if n.password:
                lines.append(f'  password "{n.password}";')
            if n.graceful_restart:
                lines.append("  graceful restart on;")
            if n.bfd:
                lines.append("  bfd on;")
            if n.ttl_security:
                lines.append("  ttl security on;")
            for fam, static in (("ipv4", "s4" if v4 else None), ("ipv6", "s6" if v6 else None)):
                if fam not in n.families:
                    continue
                export = f'where proto = "{static}"' if static else "none"
                extra = ""
                if fam == "ipv6" and static and not n.v6:
                    # IPv6 routes over an IPv4 session need an IPv6 next hop of our own.
                    extra = " next hop address " + self._own_v6(n) + ";"
                lines.append(f"  {fam} {{ import all; export {export}; gateway direct;{extra} }};")
            lines.append("}")
            out.append("\n".join(lines))
        return "\n".join(out) + "\n"

    def _own_v6(self, n):
        # Same /64 as the neighbour's IPv6 twin: fd99:N::1 on the ToR by the suite's convention.
        parts = n.address.split(".")
        return f"fd99:{parts[2]}::1"

    def start(self):
        self.write("bird.conf", self.config())
        if os.path.exists(self.ctl):
            os.unlink(self.ctl)
        self._spawn(["bird", "-f", "-c", self.path("bird.conf"), "-s", self.ctl, "-P", self.path("bird.pid")])
        self._wait_ready()
        return self

    def birdc(self, *args):
        return self.cmd(["birdc", "-s", self.ctl] + list(args), timeout=20).stdout

    def ready(self):
        return "BIRD" in self.birdc("show", "status")

    def protocol_info(self, address):
        return self.birdc("show", "protocols", "all", self.proto_name(address))

    def neighbor_state(self, address):
        m = re.search(r"BGP state:\s+(\S+)", self.protocol_info(address))
        return m.group(1).lower() if m else "down"

    def shutdown_message(self, address):
        m = re.search(r"^\s*Message:\s*(.*)$", self.protocol_info(address), re.M)
        if m:
            return m.group(1).strip().strip('"')
        return None

    def last_error(self, address):
        m = re.search(r"Last error:\s*(.*)$", self.protocol_info(address), re.M)
        return m.group(1).strip() if m else None

    def routes(self, family):
        table = "master4" if family == "ipv4" else "master6"
        text = self.birdc("show", "route", "all", "table", table)
        return parse_bird_routes(text)


_BIRD_HEAD = re.compile(r"^(\S+)?\s+(unicast|unreachable|blackhole|prohibited)\s+\[(\S+)\s")


def parse_bird_routes(text):
    routes = []
    cur = None
    last_prefix = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("BIRD") or line.startswith("Table "):
            continue
        m = _BIRD_HEAD.match(line)
        if m and not line.startswith("\t"):
            prefix = m.group(1) or last_prefix
            last_prefix = prefix
            cur = {"prefix": norm_prefix(prefix), "next_hop": None, "as_path": [], "communities": [],
                   "large_communities": [], "ext_communities": "", "local_pref": None, "med": None,
                   "stale": "stale" in line.lower(), "protocol": m.group(3), "kind": m.group(2)}
            routes.append(cur)
            continue
        if cur is None:
            continue
        s = line.strip()
        if s.startswith("BGP.next_hop:"):
            cur["next_hop"] = s.split(":", 1)[1].split()[0]
        elif s.startswith("BGP.as_path:"):
            cur["as_path"] = [int(x) for x in re.findall(r"\d+", s.split(":", 1)[1])]
        elif s.startswith("BGP.community:"):
            cur["communities"] = [f"{a}:{b}" for a, b in re.findall(r"\((\d+),\s*(\d+)\)", s)]
        elif s.startswith("BGP.large_community:"):
            cur["large_communities"] = [f"{a}:{b}:{c}" for a, b, c in
                                        re.findall(r"\((\d+),\s*(\d+),\s*(\d+)\)", s)]
        elif s.startswith("BGP.ext_community:"):
            cur["ext_communities"] = s.split(":", 1)[1].strip()  # as BIRD prints them
        elif s.startswith("BGP.local_pref:"):
            cur["local_pref"] = int(s.split(":", 1)[1])
        elif s.startswith("BGP.med:"):
            cur["med"] = int(s.split(":", 1)[1])
    return routes


# ----------------------------------------------------------------------------------------------
# FRR bgpd (alone, without zebra)


def _kill_quietly(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Frr(Daemon):
    name = "frr"

    def log_tail(self, n=40):
        out = super().log_tail(n)
        try:
            with open(self.path("frr.log"), errors="replace") as f:
                out += "".join(f.readlines()[-n:])
        except OSError:
            pass
        return out

    def __init__(self, ns, asn, router_id, neighbors, announce=(), stalepath_time=None, router_lines=(),
                 af_lines=None, global_lines=(), dynamic=None, zebra=False, bfd=False, **kw):
        """zebra: run zebra beside bgpd, as a ToR does (bgpd then knows the peer's interface, which
        FRR 8.4 needs to accept a link-local next hop; routes go into the namespace's table);
        router_lines: extra lines under `router bgp` (e.g. "bgp bestpath as-path multipath-relax");
        af_lines: {"ipv4": [...], "ipv6": [...]} extra lines per address family (e.g. "maximum-paths 8");
        global_lines: extra top-level lines before `router bgp` (e.g. "debug bgp updates in");
        dynamic: a Dynamic, nodes taken from a listen range (the ToR of docs/routers.md);
        bfd: run bfdd too (with zebra, which carries bgpd's BFD registrations), for neighbours with bfd."""
        self.global_lines = list(global_lines)
        self.bfd = bfd
        self.bfdd_proc = None
        self._bfdd_token = None
        self.dynamic = dynamic
        self.zebra = zebra
        self.zebra_proc = None
        self._zebra_token = None
        super().__init__(ns, asn, router_id, neighbors, **kw)
        self.announce = list(announce)
        self.stalepath_time = stalepath_time
        self.router_lines = list(router_lines)
        self.af_lines = dict(af_lines or {})
        self.vty = self.path("vty")
        os.mkdir(self.vty)
        frr = pwd.getpwnam("frr")
        # bgpd drops to frr:frr; it must be able to write its socket, pid file and log here.
        for p in (self.dir, self.vty):
            os.chown(p, frr.pw_uid, frr.pw_gid)

    def config(self):
        out = ["hostname tor", f"log file {self.path('frr.log')} debugging"] + self.global_lines + ["!",
               f"router bgp {self.asn}", f" bgp router-id {self.router_id}",
               " no bgp ebgp-requires-policy", " no bgp default ipv4-unicast",
               " no bgp network import-check"]
        if any(n.graceful_restart for n in self.neighbors) or (self.dynamic and self.dynamic.graceful_restart):
            out.append(" bgp graceful-restart")
            if self.stalepath_time:
                out.append(f" bgp graceful-restart stalepath-time {self.stalepath_time}")
        out += [f" {line}" for line in self.router_lines]
        d = self.dynamic
        if d:
            out += [f" neighbor {d.group} peer-group", f" neighbor {d.group} remote-as {d.remote_as}",
                    f" neighbor {d.group} timers {d.keepalive} {d.hold_time}"]
            if d.password:
                out.append(f" neighbor {d.group} password {d.password}")
            out += [f" bgp listen range {r} peer-group {d.group}" for r in d.ranges]
        for n in self.neighbors:
            a = n.address
            out.append(f" neighbor {a} remote-as {n.asn}")
            if n.port != 179:
                out.append(f" neighbor {a} port {n.port}")
            out.append(f" neighbor {a} timers {n.keepalive} {n.hold_time}")
            out.append(f" neighbor {a} timers connect {n.connect_retry}")
            if n.local_address:
                out.append(f" neighbor {a} update-source {n.local_address}")
            if n.password:
                out.append(f" neighbor {a} password {n.password}")
            if n.passive:
                out.append(f" neighbor {a} passive")
            if n.bfd:
                out.append(f" neighbor {a} bfd")
        for fam in ("ipv4", "ipv6"):
            out.append(f" address-family {fam} unicast")
            out += [f"  {line}" for line in self.af_lines.get(fam, [])]
            for p in self.announce:
                if family_of(p) == fam:
                    out.append(f"  network {p}")
            for n in self.neighbors:
                if fam in n.families:
                    out.append(f"  neighbor {n.address} activate")
            if d and fam in d.families:
                out.append(f"  neighbor {d.group} activate")
                if d.max_prefixes:
                    out.append(f"  neighbor {d.group} maximum-prefix {d.max_prefixes}")
            out.append(" exit-address-family")
        out.append("!")
        return "\n".join(out) + "\n"

    def start(self):
        frr = pwd.getpwnam("frr")
        conf = self.write("bgpd.conf", self.config())
        os.chown(conf, frr.pw_uid, frr.pw_gid)
        # Foreground (no -d) so the pid we hold is bgpd itself; -Z: no zebra; -P 0: no TCP vty.
        zebra = ["-Z"]
        if self.zebra or self.bfd:
            zserv = self.path("zserv.api")
            zconf = self.write("zebra.conf", "hostname tor\n")
            os.chown(zconf, frr.pw_uid, frr.pw_gid)
            log = open(self.path("zebra.log"), "a")
            self.zebra_proc = subprocess.Popen(
                in_ns(self.ns, ["/usr/lib/frr/zebra", "-u", "frr", "-g", "frr", "-P", "0", "-f", zconf,
                                "-i", self.path("zebra.pid"), "-z", zserv, "--vty_socket", self.vty]),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                start_new_session=True)
            log.close()
            zpid = self.zebra_proc.pid
            self._zebra_token = cleanup.register(f"zebra pid {zpid}", lambda: _kill_quietly(zpid))
            wait_until(lambda: os.path.exists(zserv), 20, what="zebra's socket")
            zebra = ["-z", zserv]
            if self.bfd:
                log = open(self.path("bfdd.log"), "a")
                self.bfdd_proc = subprocess.Popen(
                    in_ns(self.ns, ["/usr/lib/frr/bfdd", "-u", "frr", "-g", "frr", "-P", "0",
                                    "-i", self.path("bfdd.pid"), "-z", zserv, "--vty_socket", self.vty,
                                    "--bfdctl", self.path("bfdd.sock")]),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                    start_new_session=True)
                log.close()
                bpid = self.bfdd_proc.pid
                self._bfdd_token = cleanup.register(f"bfdd pid {bpid}", lambda: _kill_quietly(bpid))
        self._spawn(["/usr/lib/frr/bgpd", *zebra, "-u", "frr", "-g", "frr", "-P", "0",
                     "-f", conf, "-i", self.path("bgpd.pid"), "--vty_socket", self.vty])
        self._wait_ready()
        return self

    def stop(self, sig=signal.SIGTERM):
        super().stop(sig)
        if self.bfdd_proc is not None:
            _kill_quietly(self.bfdd_proc.pid)
            self.bfdd_proc.wait(timeout=10)
            self.bfdd_proc = None
        if self._bfdd_token is not None:
            cleanup.unregister(self._bfdd_token)
            self._bfdd_token = None
        if self.zebra_proc is not None:
            _kill_quietly(self.zebra_proc.pid)
            self.zebra_proc.wait(timeout=10)
            self.zebra_proc = None
        if self._zebra_token is not None:
            cleanup.unregister(self._zebra_token)
            self._zebra_token = None

    def vtysh(self, *commands, check=True):
        argv = ["vtysh", "--vty_socket", self.vty]
        for c in commands:
            argv += ["-c", c]
        return self.cmd(argv, check=check, timeout=30).stdout

    def vjson(self, command):
        return json.loads(self.vtysh(command) or "{}")

    def ready(self):
        out = self.vtysh("show bgp summary", check=False)
        return "BGP" in out or "No BGP neighbors" in out

    def neighbor_info(self, address):
        return self.vjson(f"show bgp neighbors {address} json").get(address, {})

    def neighbor_state(self, address):
        return str(self.neighbor_info(address).get("bgpState", "down")).lower()

    def routes(self, family):
        # The table json lacks communities; route_detail(prefix) has them (per prefix).
        table = self.vjson(f"show bgp {family} unicast json").get("routes", {})
        return [self._norm_path(p, path) for p, paths in table.items() for path in paths
                if path.get("valid", True)]

    def route_detail(self, prefix):
        """Per-prefix json: carries communities, large communities and the stale flag."""
        fam = family_of(prefix)
        d = self.vjson(f"show bgp {fam} unicast {prefix} json")
        out = []
        for path in d.get("paths", []):
            r = self._norm_path(prefix, path)
            r["communities"] = (path.get("community") or {}).get("string", "").split()
            r["large_communities"] = (path.get("largeCommunity") or {}).get("string", "").split()
            out.append(r)
        return out

    @staticmethod
    def _norm_path(prefix, path):
        aspath = path.get("path", path.get("aspath"))
        if isinstance(aspath, dict):
            aspath = aspath.get("string", "")
        nhs = path.get("nexthops") or []
        nh = None
        for x in nhs:
            if x.get("afi") == "ipv6" and x.get("scope") == "link-local":
                continue
            nh = x.get("ip")
            break
        return {"prefix": norm_prefix(prefix),
                "next_hop": nh,
                "as_path": [int(x) for x in re.findall(r"\d+", aspath or "")],
                "communities": None, "large_communities": None,
                "local_pref": path.get("locPrf", path.get("localpref")),
                "med": path.get("metric", path.get("med")),
                "stale": bool(path.get("stale", False)),
                "valid": bool(path.get("valid", True))}


# ----------------------------------------------------------------------------------------------
# GoBGP


class Gobgp(Daemon):
    name = "gobgp"

    def config(self):
        out = ["[global.config]", f"  as = {self.asn}", f'  router-id = "{self.router_id}"', "  port = 179", ""]
        for n in self.neighbors:
            out += ["[[neighbors]]", "  [neighbors.config]", f'    neighbor-address = "{n.address}"',
                    f"    peer-as = {n.asn}"]
            if n.password:
                out.append(f'    auth-password = "{n.password}"')
            out += ["  [neighbors.timers.config]", f"    connect-retry = {n.connect_retry}",
                    f"    hold-time = {n.hold_time}", f"    keepalive-interval = {n.keepalive}",
                    "  [neighbors.transport.config]", f"    passive-mode = {str(n.passive).lower()}",
                    f"    remote-port = {n.port}"]
            if n.local_address:
                out.append(f'    local-address = "{n.local_address}"')
            for fam in n.families:
                out += ["  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                        f'      afi-safi-name = "{fam}-unicast"']
            out.append("")
        return "\n".join(out) + "\n"

    def start(self):
        conf = self.write("gobgp.toml", self.config())
        self._spawn(["gobgpd", "-f", conf, "--api-hosts", "127.0.0.1:50051", "--pprof-disable",
                     "--log-plain"])
        self._wait_ready()
        return self

    def gobgp(self, *args, check=True):
        return self.cmd(["gobgp", "-u", "127.0.0.1", "-p", "50051"] + list(args), check=check).stdout

    def ready(self):
        return "AS" in self.gobgp("global")

    def neighbor_json(self, address):
        return json.loads(self.gobgp("neighbor", address, "-j"))

    def neighbor_state(self, address):
        st = self.neighbor_json(address).get("state", {}).get("session_state", "down")
        names = {1: "idle", 2: "connect", 3: "active", 4: "opensent", 5: "openconfirm", 6: "established"}
        try:
            return names.get(int(st), str(st).lower())
        except ValueError:
            return str(st).lower()

    def shutdown_message(self, address):
        # GoBGP 3.10's `gobgp neighbor ADDR` (text and -j) does not show the RFC 8203 message; its
        # log does: msg="received notification" ... Communicated-Reason="..." Key=ADDR.
        found = None
        for line in self.log_tail(100000).splitlines():
            if "received notification" in line and (f"Key={address} " in line + " "
                                                     or f'Key="{address}"' in line):
                m = re.search(r'Communicated-Reason="((?:[^"\\]|\\.)*)"', line)
                found = m.group(1) if m else ""
        return found

    def announce(self, prefix, next_hop, *extra):
        fam = family_of(prefix)
        self.gobgp("global", "rib", "add", "-a", fam, prefix, "nexthop", next_hop, *extra)

    def routes(self, family):
        data = json.loads(self.gobgp("global", "rib", "-a", family, "-j") or "{}")
        out = []
        for prefix, paths in data.items():
            for path in paths:
                r = {"prefix": norm_prefix(prefix), "next_hop": None, "as_path": [], "communities": [],
                     "large_communities": [], "local_pref": None, "med": None,
                     "stale": bool(path.get("stale", False))}
                for a in path.get("attrs", []):
                    t = a.get("type")
                    if t == 2:
                        for seg in a.get("as_paths", []):
                            r["as_path"] += seg.get("asns", [])
                    elif t == 3:
                        r["next_hop"] = a.get("nexthop")
                    elif t == 4:
                        r["med"] = a.get("metric")
                    elif t == 5:
                        r["local_pref"] = a.get("value")
                    elif t == 8:
                        r["communities"] = [f"{c >> 16}:{c & 0xffff}" for c in a.get("communities", [])]
                    elif t == 14:
                        nh = a.get("nexthop")
                        r["next_hop"] = nh
                    elif t == 32:
                        # GoBGP 3.10 json: {"ASN":..,"LocalData1":..,"LocalData2":..}
                        r["large_communities"] = [
                            f"{v.get('ASN', v.get('global_admin'))}:{v.get('LocalData1', v.get('local_data1'))}:"
                            f"{v.get('LocalData2', v.get('local_data2'))}" for v in a.get("value", [])]
                out.append(r)
        return out


# ----------------------------------------------------------------------------------------------
# ExaBGP


_EXA_HELPER = textwrap.dedent('''\
    # ExaBGP API process: forwards lines written to the command FIFO to ExaBGP (our stdout),
    # and appends every JSON message ExaBGP sends us (our stdin) to the received log.
    import os, sys, threading
    fifo, received = sys.argv[1], sys.argv[2]

    def forward():
        while True:
            with open(fifo) as f:
                for line in f:
                    sys.stdout.write(line if line.endswith("\\n") else line + "\\n")
                    sys.stdout.flush()

    threading.Thread(target=forward, daemon=True).start()
    with open(received, "a") as out:
        for line in sys.stdin:
            out.write(line)
            out.flush()
    ''')


class Exabgp(Daemon):
    """ExaBGP: a scripted peer.  `send(command)` writes an API command (e.g. "announce route
    10.77.0.1/32 next-hop 10.99.14.1 attribute [0x17 0xc0 0x0102]"); `messages()` returns the JSON
    messages ExaBGP reported (received UPDATEs, state changes, notifications)."""

    name = "exabgp"

    def __init__(self, ns, asn, router_id, neighbors, local_address=None, static_routes=(), asn4=True,
                 peer_as_override=None, **kw):
        super().__init__(ns, asn, router_id, neighbors, **kw)
        self.asn4 = asn4
        self.peer_as_override = peer_as_override
        self.local_address = local_address
        self.static_routes = list(static_routes)
        self.fifo = self.path("cmd.fifo")
        self.received = self.path("received.jsonl")
        os.mkfifo(self.fifo)
        self._fifo_fd = None

    def config(self):
        helper = self.write("api_helper.py", _EXA_HELPER)
        out = ["process api {", f"  run {sys.executable} {helper} {self.fifo} {self.received};",
               "  encoder json;", "}"]
        for n in self.neighbors:
            out += [f"neighbor {n.address} {{", f"  router-id {self.router_id};",
                    f"  local-address {n.local_address or self.local_address};",
                    f"  local-as {self.asn};", f"  peer-as {self.peer_as_override or n.asn};",
                    f"  hold-time {n.hold_time};"]
            if n.passive:
                out.append("  passive;")
            if n.password:
                out.append(f"  md5-password {n.password};")
            caps = []
            if n.graceful_restart:
                caps.append("graceful-restart 120;")
            if not self.asn4:
                caps.append("asn4 disable;")
            if caps:
                out.append("  capability { " + " ".join(caps) + " }")
            out.append("  family { " + " ".join(f"{f} unicast;" for f in n.families) + " }")
            out.append("  api { processes [ api ]; neighbor-changes; "
                       "receive { parsed; update; notification; open; } }")
            if self.static_routes:
                out.append("  static {")
                out += [f"    route {r};" for r in self.static_routes]
                out.append("  }")
            out.append("}")
        return "\n".join(out) + "\n"

    def start(self):
        conf = self.write("exabgp.conf", self.config())
        open(self.received, "a").close()
        env = dict(os.environ)
        env.update({"exabgp.daemon.user": "root", "exabgp.daemon.daemonize": "false",
                    "exabgp.api.cli": "false", "exabgp.api.ack": "false",
                    "exabgp.log.destination": "stdout", "exabgp.log.level": "INFO",
                    "exabgp.log.packets": "true", "exabgp.tcp.bind": "", "exabgp.tcp.port": "179"})
        self._spawn(["exabgp", conf], env=env)
        # Hold the FIFO open for writing: the helper's reader then never sees EOF between commands.
        self._fifo_fd = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK)
        self._wait_ready()
        return self

    def ready(self):
        return "loaded new configuration successfully" in self.log_tail(200)

    def send(self, command):
        os.write(self._fifo_fd, (command.rstrip("\n") + "\n").encode())

    def stop(self, sig=signal.SIGTERM):
        super().stop(sig)
        if self._fifo_fd is not None:
            os.close(self._fifo_fd)
            self._fifo_fd = None

    def messages(self):
        out = []
        with open(self.received, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        return out

    def neighbor_state(self, address):
        state = "down"
        for m in self.messages():
            if m.get("type") == "state" and m.get("neighbor", {}).get("address", {}).get("peer") == address:
                state = m["neighbor"].get("state", state)
        return {"up": "established"}.get(state, state)

    def notifications(self):
        return [m for m in self.messages() if m.get("type") == "notification"]

    def routes(self, family):
        """Replay received UPDATEs into a table (ExaBGP keeps no Adj-RIB-In of its own)."""
        table = {}
        key = f"{family} unicast"
        for m in self.messages():
            if m.get("type") == "state" and m.get("neighbor", {}).get("state") == "down":
                table.clear()
                continue
            if m.get("type") != "update":
                continue
            upd = m.get("neighbor", {}).get("message", {}).get("update", {})
            attrs = upd.get("attribute", {})
            for nh, nlris in (upd.get("announce", {}).get(key) or {}).items():
                for n in nlris:
                    prefix = n["nlri"] if isinstance(n, dict) else n
                    table[norm_prefix(prefix)] = {
                        "prefix": norm_prefix(prefix), "next_hop": nh,
                        "as_path": [int(x) for x in attrs.get("as-path", [])],
                        "communities": [f"{a}:{b}" for a, b in attrs.get("community", [])],
                        "large_communities": [f"{a}:{b}:{c}" for a, b, c in attrs.get("large-community", [])],
                        "local_pref": attrs.get("local-preference"), "med": attrs.get("med"),
                        "stale": False}
            for n in (upd.get("withdraw", {}).get(key) or []):
                prefix = n["nlri"] if isinstance(n, dict) else n
                table.pop(norm_prefix(prefix), None)
        return list(table.values())
