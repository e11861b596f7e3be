"""Two network namespaces joined by a veth pair, with IPv4 and IPv6 addresses.

Naming: PREFIX-tor and PREFIX-node; the veth ends are PREFIX-t and PREFIX-n.  Addresses come from
10.99.INDEX.0/24 and fd99:INDEX::/64 only (.1/::1 on the ToR side, .2/::2 on the node side).
"""

import os
import signal
import subprocess
import time

from . import cleanup


def run(argv, check=True, timeout=30, **kw):
    """Run a command, capture its output, raise with the output on failure."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} -> rc {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")
    return p


def in_ns(ns, argv):
    return ["ip", "netns", "exec", ns] + list(argv)


def ns_exists(ns):
    return os.path.exists(f"/run/netns/{ns}")


def ns_pids(ns):
    p = run(["ip", "netns", "pids", ns], check=False)
    return [int(x) for x in p.stdout.split() if x.strip().isdigit()]


def kill_ns_processes(ns):
    """SIGKILL what is left in a namespace this suite created (only our daemons live there)."""
    for _ in range(20):
        pids = ns_pids(ns) if ns_exists(ns) else []
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def delete_ns(ns):
    if not ns_exists(ns):
        return
    kill_ns_processes(ns)
    run(["ip", "netns", "del", ns], check=False)


class Topology:
    """ToR namespace <-veth-> node namespace."""

    def __init__(self, prefix, index):
        assert 1 <= index <= 254
        self.prefix = prefix
        self.index = index
        self.tor = f"{prefix}-tor"
        self.node = f"{prefix}-node"
        self.tor_if = f"{prefix}-t"
        self.node_if = f"{prefix}-n"
        self.tor_v4 = f"10.99.{index}.1"
        self.node_v4 = f"10.99.{index}.2"
        self.tor_v6 = f"fd99:{index}::1"
        self.node_v6 = f"fd99:{index}::2"
        self._token = None

    def up(self):
        # A crashed earlier run of the same module may have left its namespaces behind.
        self._destroy()
        self._token = cleanup.register(f"namespaces {self.tor}/{self.node}", self._destroy)
        run(["ip", "netns", "add", self.tor])
        run(["ip", "netns", "add", self.node])
        # Create the pair inside the ToR namespace directly, so no interface ever sits in the
        # namespace the suite was started from.
        run(["ip", "-n", self.tor, "link", "add", self.tor_if, "type", "veth",
             "peer", "name", self.node_if, "netns", self.node])
        for ns, ifname, v4, v6 in ((self.tor, self.tor_if, self.tor_v4, self.tor_v6),
                                   (self.node, self.node_if, self.node_v4, self.node_v6)):
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "addr", "add", f"{v4}/24", "dev", ifname])
            # nodad: the address is usable at once, no 1-2 s of "tentative".
            run(["ip", "-n", ns, "addr", "add", f"{v6}/64", "dev", ifname, "nodad"])
            run(["ip", "-n", ns, "link", "set", ifname, "up"])
        self._wait_reachable()
        return self

    def _wait_reachable(self):
        # No ping in the image; carrier on both veth ends is what the daemons need.
        deadline = time.monotonic() + 10
        while True:
            states = [run(["ip", "-n", ns, "-o", "link", "show", ifname]).stdout
                      for ns, ifname in ((self.tor, self.tor_if), (self.node, self.node_if))]
            if all("LOWER_UP" in s and ",UP" in s for s in states):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"veth {self.tor_if}/{self.node_if} did not come up: {states}")
            time.sleep(0.05)

    def _destroy(self):
        delete_ns(self.tor)
        delete_ns(self.node)

    def down(self):
        if self._token is not None:
            cleanup.run_one(self._token)
            self._token = None

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()
