"""svcbgpd as a process: its command line, start-up failures, and following its config file.

Runs the built binary as uid 65534 (what the DaemonSet runs it as), on loopback, with the directory
source and no peers: nothing here needs a namespace or a BGP daemon.
"""

import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from lib import configmap  # tests/interop/lib (run.py puts it on the path)

NOBODY = 65534
OPTIONS = ["--config", "--check", "--log-level", "--version", "--help"]


def svcbgpd():
    path = os.environ.get("SVCBGP_SVCBGPD", "")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError(f"svcbgpd not given (SVCBGP_SVCBGPD={path!r})")
    return path


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def run(args, timeout=20, **kw):
    return subprocess.run([svcbgpd()] + args, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=as_nobody if os.geteuid() == 0 else None, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Folder:
    """A temporary folder svcbgpd (as nobody) can read, with a run/ it can write."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="svcbgpd-test-")
        os.chmod(self.path, 0o755)
        os.mkdir(self.sub("manifests"))
        os.mkdir(self.sub("run"))
        if os.geteuid() == 0:
            os.chown(self.sub("run"), NOBODY, NOBODY)

    def sub(self, *names):
        return os.path.join(self.path, *names)

    def config(self, http_port, **overrides):
        c = {
            "node_name": "node-1",
            "router_id": "10.99.1.1",
            "local_asn": 65001,
            "kubernetes": {"source": "directory", "directory": self.sub("manifests")},
            "admin": {"socket": self.sub("run", "svcbgpd.sock")},
            "http": {"listen": f"127.0.0.1:{http_port}"},
            "advertise": {"communities": ["65001:1"]},
        }
        c.update(overrides)
        return c

    def swap_config(self, config):
        """As the kubelet updates a ConfigMap volume (lib/configmap.py); returns the config file's path."""
        text = config if isinstance(config, str) else json.dumps(config) + "\n"
        return configmap.write(self.sub("config"), {"svcbgpd.yaml": text})["svcbgpd.yaml"]

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


class CommandLine(unittest.TestCase):
    def test_help_lists_every_option_and_exits_0(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for o in OPTIONS + ["SIGHUP", "debug, info, warn or error"]:
            self.assertIn(o, r.stdout)
        self.assertEqual(r.stderr, "")

    def test_version(self):
        for flag in ("--version", "-V"):
            r = run([flag])
            self.assertEqual(r.returncode, 0)
            self.assertRegex(r.stdout, r"^svcbgpd \d+\.\d+\.\d+\n$")

    def test_unknown_option_names_it_and_the_valid_ones(self):
        r = run(["--config", "/x.yaml", "--colour"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "svcbgpd: unknown option --colour (options: --config FILE, --check, "
                                   "--log-level LEVEL, --version, --help)\n")

    def test_bad_log_level_lists_the_levels(self):
        for args in (["--log-level", "loud"], ["--log-level=loud"]):
            r = run(["--config", "/x.yaml"] + args)
            self.assertEqual(r.returncode, 2)
            self.assertTrue(r.stderr.startswith(
                "svcbgpd: --log-level: 'loud' is not one of debug, info, warn, error"), r.stderr)

    def test_missing_values_and_config(self):
        r = run(["--config"])
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("svcbgpd: --config needs a file"), r.stderr)
        r = run(["--check"])
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("svcbgpd: --config FILE is required"), r.stderr)


class Daemon(unittest.TestCase):
    def setUp(self):
        self.dir = Folder()
        self.proc = None
        self.http = free_port()

    def tearDown(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.proc.stdout.close()
        self.dir.remove()

    def start(self, path, *extra, nofile=None):
        def prepare():
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            if os.geteuid() == 0:
                as_nobody()
        self.proc = subprocess.Popen([svcbgpd(), "--config", path] + list(extra), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, preexec_fn=prepare)
        self.await_metric(lambda m: "svcbgp_config_reloads_total" in m, "svcbgpd serving /metrics")

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/metrics", timeout=2) as r:
            return r.read().decode()

    def reloads(self, result):
        m = re.search(r'^svcbgp_config_reloads_total\{result="%s"\} (\S+)$' % result, self.metrics(), re.M)
        return float(m.group(1)) if m else None

    def await_metric(self, pred, what, timeout=15):
        """Polls /metrics (an HTTP answer is the event) until pred holds or svcbgpd exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail(f"svcbgpd exited {self.proc.returncode} waiting for {what}:\n{self.proc.stdout.read()}")
            try:
                if pred(self.metrics()):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.fail(f"timed out waiting for {what}")

    def test_port_in_use_exits_1_with_one_line(self):
        with socket.socket() as taken:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            path = self.dir.swap_config(self.dir.config(self.http, listen={"address": "127.0.0.1", "port": port}))
            r = run(["--config", path])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.splitlines(),
                         [f"svcbgpd: listen: 127.0.0.1:{port} is already in use (another BGP daemon on this node, "
                          "such as Calico's BIRD or kube-router?); set listen.port: 0 to only connect to the "
                          "peers, or pick another listen.address or listen.port"])

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run svcbgpd as another user")
    def test_port_179_as_nobody_says_which_capability(self):
        path = self.dir.swap_config(self.dir.config(self.http, listen={"address": "127.0.0.1", "port": 179}))
        r = run(["--config", path])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("svcbgpd: listen: 127.0.0.1:179: permission denied: a port below 1024 needs "
                      "CAP_NET_BIND_SERVICE", r.stderr)

    def test_default_does_not_listen(self):
        """No listen key: active only, so a node BIRD on the same port is no obstacle."""
        path = self.dir.swap_config(self.dir.config(self.http))
        self.start(path)
        with open("/proc/net/tcp") as f4, open("/proc/net/tcp6") as f6:
            listening = [l.split()[1] for l in (f4.read() + f6.read()).splitlines()[1:] if l.split()[3] == "0A"]
        pid_fds = os.listdir(f"/proc/{self.proc.pid}/fd")
        inodes = set()
        for fd in pid_fds:
            try:
                target = os.readlink(f"/proc/{self.proc.pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        with open("/proc/net/tcp") as f4, open("/proc/net/tcp6") as f6:
            ours = [l.split() for l in (f4.read() + f6.read()).splitlines() if len(l.split()) > 9
                    and l.split()[9] in inodes and l.split()[3] == "0A"]
        ports = sorted(int(x[1].rsplit(":", 1)[1], 16) for x in ours)
        self.assertEqual(ports, [self.http], f"svcbgpd listens on {ports}; only the HTTP port was expected")
        self.assertTrue(listening)

    def test_follows_a_configmap_swap_and_ignores_a_bad_one(self):
        path = self.dir.swap_config(self.dir.config(self.http))
        self.start(path)
        self.assertEqual((self.reloads("ok"), self.reloads("rejected")), (0, 0))
        self.dir.swap_config(self.dir.config(self.http, advertise={"communities": ["65001:2"]}))
        self.await_metric(lambda m: self.reloads("ok") == 1, "the swapped config reloaded")
        # The same text again is no change; a broken one is counted and the daemon goes on.
        self.dir.swap_config(self.dir.config(self.http, advertise={"communities": ["65001:2"]}))
        self.dir.swap_config("local_asn: 65001\nadvertise: {communities: [not-a-community]}\n")
        self.await_metric(lambda m: self.reloads("rejected") == 1, "the broken config rejected")
        self.assertEqual(self.reloads("ok"), 1)
        self.assertIsNone(self.proc.poll())
        self.proc.send_signal(signal.SIGTERM)
        out = self.proc.communicate(timeout=10)[0]
        self.assertIn("config file changed, reloading", out)
        self.assertRegex(out, r"config rejected, keeping the running one\" .*advertise\.communities")

    def test_peer_renamed_at_the_same_address_keeps_a_session(self):
        """Issue 13: renaming a peer on reload left no session at all (the new name was refused while the old
        one still held the address, then the old one was removed)."""
        def peer(name):
            # Nothing listens there: the session stays short of Established, but it exists.
            return [{"name": name, "address": "127.0.0.1", "port": free_port(), "asn": 65002,
                     "connect_retry_time": 1}]

        def peers_in(m):
            return sorted(set(re.findall(r'^svcbgp_bgp_session_up\{peer="([^"]+)"\}', m, re.M)))
        path = self.dir.swap_config(self.dir.config(self.http, peers=peer("tor-a")))
        self.start(path)
        self.await_metric(lambda m: peers_in(m) == ["tor-a"], "the session of tor-a")
        self.dir.swap_config(self.dir.config(self.http, peers=peer("tor-b")))
        self.await_metric(lambda m: self.reloads("ok") == 1, "the renaming reloaded")
        self.assertEqual(peers_in(self.metrics()), ["tor-b"])

    def test_route_changes_are_logged_at_debug(self):
        """Issue 13: announcements and withdrawals were not logged even at debug."""
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                        "ports": [{"port": 80, "protocol": "TCP"}]},
               "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.7"}]}}}
        eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"name": "web-1", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
               "addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.5"], "nodeName": "node-1"}]}
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
        with open(self.dir.sub("manifests", "node.json"), "w") as f:
            json.dump(node, f)
        path = self.dir.swap_config(self.dir.config(
            self.http, advertise={"load_balancer_ips": {"cidrs": ["198.51.100.0/24"]}, "cluster_ips": {"cidrs": []}},
            peers=[{"name": "tor", "address": "127.0.0.1", "port": free_port(), "asn": 65002}]))
        self.start(path, "--log-level", "debug")
        manifest = self.dir.sub("manifests", "web.json")
        with open(manifest + ".tmp", "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": [svc, eps]}, f)
        os.rename(manifest + ".tmp", manifest)
        self.await_metric(lambda m: re.search(r'^svcbgp_services_announced\{kind="LoadBalancerIP"\} 1$', m, re.M),
                          "the LoadBalancer IP announced")
        os.unlink(manifest)
        self.await_metric(lambda m: re.search(r'^svcbgp_services_announced\{kind="LoadBalancerIP"\} 0$', m, re.M),
                          "the LoadBalancer IP withdrawn")
        self.proc.send_signal(signal.SIGTERM)
        out = self.proc.communicate(timeout=10)[0]
        self.assertRegex(out, r'level=debug msg="route announced" peer=tor prefix=198\.51\.100\.7/32')
        self.assertRegex(out, r'level=debug msg="route withdrawn" peer=tor prefix=198\.51\.100\.7/32')

    def write_node(self, labels):
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "labels": labels},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
        path = self.dir.sub("manifests", "node.json")
        with open(path + ".tmp", "w") as f:
            json.dump(node, f)
        os.rename(path + ".tmp", path)

    def test_node_selector_gates_the_session(self):
        """Issue 13: a node without the peer's node_selector labels still connected and accepted (the ToR
        showed it Established with an empty table). Now: no connection, no accept; a label change brings the
        session up, and down again with Cease/Administrative Shutdown."""
        self.write_node({"rack": "r2"})
        tor = socket.socket()
        tor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tor.bind(("127.0.0.1", 0))
        tor.listen()
        self.addCleanup(tor.close)
        listen = free_port()
        path = self.dir.swap_config(self.dir.config(
            self.http, listen={"address": "127.0.0.1", "port": listen},
            peers=[{"name": "tor", "address": "127.0.0.1", "port": tor.getsockname()[1], "asn": 65002,
                    "connect_retry_time": 1, "node_selector": {"rack": "r1"}}]))
        self.start(path)
        # Not selected: a connection from the peer's address is closed without an OPEN...
        with socket.create_connection(("127.0.0.1", listen), timeout=5) as c:
            self.assertEqual(c.recv(4096), b"", "svcbgpd answered a peer whose node_selector does not match")
        # ...and svcbgpd does not connect (it would within connect_retry_time, 1 s).
        tor.settimeout(3)
        with self.assertRaises(socket.timeout, msg="svcbgpd connected to a peer whose node_selector does not match"):
            tor.accept()[0].close()
        # Labelled: it connects and sends its OPEN.
        self.write_node({"rack": "r1"})
        tor.settimeout(10)
        conn, _ = tor.accept()
        self.addCleanup(conn.close)
        conn.settimeout(10)
        first = conn.recv(19)
        self.assertEqual((first[:16], first[18]), (b"\xff" * 16, 1), "expected an OPEN")
        # Unlabelled again: Cease/Administrative Shutdown (RFC 8203) that says why, then the close.
        self.write_node({"rack": "r2"})
        data = first
        while chunk := conn.recv(4096):
            data += chunk
        messages = []
        while len(data) >= 19:
            n = int.from_bytes(data[16:18], "big")
            messages.append((data[18], data[19:n]))
            data = data[n:]
        self.assertEqual([t for t, _ in messages], [1, 3], f"messages: {messages}")
        self.assertEqual(messages[1][1][:2], b"\x06\x02")
        self.assertIn(b"node not selected", messages[1][1])
        self.proc.send_signal(signal.SIGTERM)
        out = self.proc.communicate(timeout=10)[0]
        self.assertIn('msg="peer held down" peer=tor reason="node not selected', out)
        self.assertIn('msg="peer no longer held, starting" peer=tor', out)

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def test_http_holds_under_idle_connections_and_descriptor_exhaustion(self):
        """Issue 13: 80 idle connections under a 64-descriptor limit made both accept loops spin (2.1 s CPU in
        3 s) and /healthz time out; 60 unfinished 1 MB bodies held 57 MiB."""
        listen = free_port()
        path = self.dir.swap_config(self.dir.config(self.http, listen={"address": "127.0.0.1", "port": listen}))
        self.start(path, nofile=40)
        in_use = len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        self.assertLess(in_use, 30, "the test needs descriptors to spare for a few connections")
        idle = [socket.create_connection(("127.0.0.1", self.http)) for _ in range(80)]
        self.addCleanup(lambda: [c.close() for c in idle])
        before = self.cpu_seconds()
        time.sleep(2)  # a measurement window, not a synchronisation
        spent = self.cpu_seconds() - before
        self.assertLess(spent, 0.5, f"svcbgpd used {spent:.2f} s of CPU in 2 s with its descriptors exhausted")
        # The probe still gets in: the oldest idle connection makes room for it.
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/healthz", timeout=5) as r:
            self.assertEqual(r.read(), b"ok\n")
        self.assertLess(time.monotonic() - started, 3)
        # A body is refused from its Content-Length, before it is read.
        with socket.create_connection(("127.0.0.1", self.http), timeout=5) as c:
            c.sendall(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
            self.assertTrue(c.recv(4096).startswith(b"HTTP/1.1 413 "))
        self.assertLess(self.rss_kib(), 64 * 1024)

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))

    def test_an_idle_http_client_is_dropped_after_the_request_timeout(self):
        path = self.dir.swap_config(self.dir.config(self.http))
        self.start(path)
        with socket.create_connection(("127.0.0.1", self.http), timeout=20) as c:
            started = time.monotonic()
            c.sendall(b"GET /healthz HTTP/1.1\r\n")  # and never the rest
            self.assertEqual(c.recv(4096), b"")
            self.assertGreater(time.monotonic() - started, 9)

    def test_a_restart_only_change_is_refused_whole(self):
        """Issue 13: a local_asn change was reported as "after a restart" while the engine took the new ASN at
        once, and node_name or http changes were neither applied nor reported. Now the reload is refused as a
        whole: the peer added in the same file does not appear, and the refusal is counted and logged."""
        path = self.dir.swap_config(self.dir.config(self.http))
        self.start(path)

        def peers_in(m):
            return sorted(set(re.findall(r'^svcbgp_bgp_session_up\{peer="([^"]+)"\}', m, re.M)))
        self.dir.swap_config(self.dir.config(
            self.http, local_asn=65002, node_name="node-2",
            peers=[{"name": "tor-x", "address": "127.0.0.1", "port": free_port(), "asn": 65002}]))
        self.await_metric(lambda m: self.reloads("refused") == 1, "the reload refused")
        self.assertEqual((self.reloads("ok"), self.reloads("rejected")), (0, 0))
        self.assertEqual(peers_in(self.metrics()), [])
        self.proc.send_signal(signal.SIGTERM)
        out = self.proc.communicate(timeout=10)[0]
        self.assertRegex(out, r'config refused, nothing applied: a key changed that only a restart applies" '
                              r'file=\S+ keys=2 first="node_name: node-1 -> node-2 needs a restart"')

    def test_log_level_flag_survives_a_reload(self):
        path = self.dir.swap_config(self.dir.config(self.http, log={"level": "error"}))
        self.start(path, "--log-level", "info")
        self.dir.swap_config(self.dir.config(self.http, log={"level": "error"},
                                             advertise={"communities": ["65001:9"]}))
        self.await_metric(lambda m: self.reloads("ok") == 1, "the swapped config reloaded")
        self.proc.send_signal(signal.SIGTERM)
        out = self.proc.communicate(timeout=10)[0]
        # info lines after the reload: the file's "error" did not replace the flag's "info".
        self.assertIn("level=info", out.split("config reloaded", 1)[1])


if __name__ == "__main__":
    unittest.main()
