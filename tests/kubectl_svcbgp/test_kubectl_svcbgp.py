"""kubectl-svcbgp run by kubectl, as a user runs it (`kubectl svcbgp peers`), against the fake API server holding
BGPNodeStatus objects shaped as svcbgpd writes them (fixtures/bgpnodestatuses.json): the tables, the exit status
scripts and alerts read, where the credentials come from, and what each failure says.

    python3 tests/fake_apiserver/run_tap.py test_kubectl_svcbgp --dir tests/kubectl_svcbgp
    (the plugin: $SVCBGP_KUBECTL_SVCBGP, default build/src/kubectl_svcbgp/kubectl-svcbgp)
"""

import copy
import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

from control import FakeApiServer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLUGIN = os.environ.get("SVCBGP_KUBECTL_SVCBGP",
                        os.path.join(REPO, "build", "src", "kubectl_svcbgp", "kubectl-svcbgp"))
STATUSES = "/apis/svcbgp.io/v1alpha1/bgpnodestatuses"


def fixture_items():
    with open(os.path.join(HERE, "fixtures", "bgpnodestatuses.json")) as f:
        items = json.load(f)["items"]
    for o in items:  # the server assigns these
        for k in ("uid", "resourceVersion", "generation", "creationTimestamp"):
            o["metadata"].pop(k, None)
    return items


def mask_since(text):
    """The SINCE column is an age and moves with the clock: replaced by a fixed-width mark."""
    lines = text.splitlines()
    start = lines[0].index("SINCE")
    end = lines[0].index("SENT")
    return "\n".join([lines[0]] + [l[:start] + ("-" if l[start:end].strip() == "-" else "<age>").ljust(end - start)
                                   + l[end:] for l in lines[1:]]) + "\n"


class PluginCase(unittest.TestCase):
    """The plugin on PATH as kubectl finds it, and a fresh fake API server for each case."""

    @classmethod
    def setUpClass(cls):
        if not shutil.which("kubectl"):
            raise unittest.SkipTest("kubectl not found (Debian package kubernetes-client)")
        if not os.access(PLUGIN, os.X_OK):
            raise unittest.SkipTest(f"kubectl-svcbgp not built: {PLUGIN}")
        cls.bin = tempfile.mkdtemp()
        os.symlink(os.path.abspath(PLUGIN), os.path.join(cls.bin, "kubectl-svcbgp"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.bin, ignore_errors=True)

    def setUp(self):
        self.api = FakeApiServer().start()  # each case from an empty cluster, the CRD not installed
        self.addCleanup(self.api.stop)
        self.home = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.home, True)
        self.env = dict(os.environ, KUBECONFIG=self.api.info["kubeconfig"], HOME=self.home,
                        PATH=self.bin + os.pathsep + os.environ.get("PATH", ""))
        self.env.pop("KUBERNETES_SERVICE_HOST", None)

    def svcbgp(self, *args, env=None):
        return subprocess.run(["kubectl", "svcbgp", *args], capture_output=True, text=True, timeout=60,
                              env=env or self.env)


class KubectlSvcbgp(PluginCase):
    def install(self, items=None):
        with open(os.path.join(REPO, "configs", "deploy", "crds", "bgpnodestatuses.yaml")) as f:
            self.api.apply(yaml.safe_load(f))
        for o in items if items is not None else fixture_items():
            self.api.apply(o)

    def test_peers_and_nodes_for_the_whole_cluster(self):
        self.install()
        r = self.svcbgp("peers")
        self.assertEqual(r.returncode, 1, r.stderr)  # node-1's tor-b is Active, node-3 wrote nothing yet
        self.assertEqual(mask_since(r.stdout), (
            "NODE     LOCAL AS   PEER        PEER ADDRESS   PEER AS   STATE         SINCE   SENT   RECEIVED   LAST ERROR\n"
            "node-1   64601      tor-a       10.0.1.1       65001     Established   <age>   12     1          -\n"
            "node-1   64601      tor-b       fd00:1::1      65001     Active        <age>   0      0          Received: Cease / Administrative shutdown\n"
            "node-2   64602      tor-a       10.0.2.1       65002     Established   <age>   12     0          -\n"
            "node-2   64602      tor-rack1   10.0.1.1       65001     Held          <age>   0      0          -\n"
            "node-3   -          -           -              -         Unknown       -       -      -          no status written yet\n"))
        r = self.svcbgp("nodes")
        self.assertEqual((r.returncode, r.stdout), (1, (
            "NODE     AS      CONFIG   SYNCED   SESSIONS   CLUSTER IPS   EXTERNAL IPS   LB IPS   PROBLEMS\n"
            "node-1   64601   3        True     1/2        9             1              2        AllSessionsEstablished: 1 down; tor-b\n"
            "node-2   64602   0        True     1/1        9             1              2        -\n"
            "node-3   -       -        -        -          -             -              -        no status written yet\n")))

    def test_exit_status_follows_the_sessions_asked_for(self):
        items = fixture_items()
        self.install(items)
        self.assertEqual(self.svcbgp("peers", "--node", "node-2").returncode, 0)  # tor-rack1 is Held: not asked for
        self.assertEqual(self.svcbgp("peers", "--node", "node-1").returncode, 1)
        r = self.svcbgp("nodes", "--node", "node-9")
        self.assertEqual((r.returncode, r.stderr), (1, "kubectl-svcbgp: node node-9 has no BGPNodeStatus\n"))
        # node-1's tor-b comes up and node-3 writes its status: every session is up.
        fixed = copy.deepcopy(items)
        fixed[1]["status"]["sessions"][1].update(state="Established", lastError="")
        fixed[2]["status"] = copy.deepcopy(fixed[0]["status"])
        for o in fixed[1:]:
            self.api.apply(o)
        r = self.svcbgp("peers", "-o", "json")
        self.assertEqual(r.returncode, 0, r.stdout)
        rows = json.loads(r.stdout)
        self.assertEqual([(x["node"], x["peer"], x["state"], x["wanted"]) for x in rows],
                         [("node-1", "tor-a", "Established", True), ("node-1", "tor-b", "Established", True),
                          ("node-2", "tor-a", "Established", True), ("node-2", "tor-rack1", "Held", False),
                          ("node-3", "tor-a", "Established", True), ("node-3", "tor-rack1", "Held", False)])
        nodes = json.loads(self.svcbgp("nodes", "--json").stdout)
        self.assertEqual([(n["node"], n["healthy"], n["sessionsEstablished"]) for n in nodes],
                         [("node-1", True, 2), ("node-2", True, 1), ("node-3", True, 1)])

    def test_every_page_of_a_large_cluster(self):
        """600 nodes: more than one LIST page (500), as kubectl get pages."""
        base = fixture_items()[0]  # node-2: every session it asks for is up
        items = []
        for i in range(600):
            o = copy.deepcopy(base)
            o["metadata"] = {"name": f"n{i:03d}"}
            items.append(o)
        self.install(items)
        since = len(self.api.requests())
        r = self.svcbgp("nodes")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 601)
        self.assertEqual(r.stdout.splitlines()[-1].split()[0], "n599")
        lists = [q for q in self.api.requests(since=since) if q["path"] == STATUSES]
        self.assertEqual([q["query"].get("limit") for q in lists], ["500", "500"])
        self.assertIn("continue", lists[1]["query"])

    def test_credentials_found_as_kubectl_finds_them(self):
        self.install()
        env = dict(self.env)
        del env["KUBECONFIG"]
        r = self.svcbgp("nodes", env=env)
        self.assertEqual((r.returncode, r.stderr),
                         (2, "kubectl-svcbgp: no kubeconfig: give --kubeconfig, set KUBECONFIG, write "
                             "~/.kube/config, or run in a pod\n"))
        # ~/.kube/config, as kubectl reads it (the fake's kubeconfig names its files by absolute path)
        os.makedirs(os.path.join(self.home, ".kube"))
        shutil.copy(self.api.info["kubeconfig"], os.path.join(self.home, ".kube", "config"))
        self.assertEqual(self.svcbgp("nodes", "--node", "node-2", env=env).returncode, 0)
        # --kubeconfig wins over both
        bad = os.path.join(self.home, "bad-kubeconfig")
        with open(self.api.info["kubeconfig"]) as f:
            kc = json.load(f)
        kc["users"][0]["user"]["token"] = "wrong"
        with open(bad, "w") as f:
            json.dump(kc, f)
        r = self.svcbgp("nodes", "--kubeconfig", bad)
        self.assertEqual(r.returncode, 2)
        self.assertIn(": the API server answered 401 (Unauthorized: the kubeconfig's credentials were refused)",
                      r.stderr)
        r = self.svcbgp("nodes", "--kubeconfig", os.path.join(self.home, "missing"))
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, r"^kubectl-svcbgp: .*missing.*No such file")

    def test_before_the_crd_is_installed_and_on_bad_arguments(self):
        r = self.svcbgp("peers")
        self.assertEqual(r.returncode, 2)
        self.assertIn("the BGPNodeStatus resource is not installed (404 from "
                      "/apis/svcbgp.io/v1alpha1/bgpnodestatuses): kubectl apply -k configs/deploy/crds", r.stderr)
        r = self.svcbgp("routes")
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("kubectl-svcbgp: unknown command routes (peers, nodes or check)\nusage:"),
                        r.stderr)
        r = self.svcbgp("--help")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("usage: kubectl svcbgp peers|nodes"))

    def test_a_status_whose_heartbeat_stopped_is_stale(self):
        """svcbgpd writes its status again every heartbeatSeconds; one not written for three of them (the daemon
        stopped, or cannot reach the API server) no longer vouches for its sessions."""
        items = fixture_items()
        now = datetime.datetime.now(datetime.timezone.utc)
        for o, ago in ((items[0], 600), (items[1], 30)):
            o["status"]["heartbeatTime"] = (now - datetime.timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
            o["status"]["heartbeatSeconds"] = 60
        self.install(items)
        r = self.svcbgp("nodes", "--node", "node-2")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stdout, r"(?m)^node-2 +- .* stale: no heartbeat for 10m\d?s? \(written every 60s\): "
                                   r"is svcbgpd running\?$")
        items[0]["status"]["heartbeatTime"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.api.apply(items[0])
        self.assertEqual(self.svcbgp("nodes", "--node", "node-2").returncode, 0)

    def test_an_unreadable_status_is_named_and_the_rest_shown(self):
        items = fixture_items()
        items[0]["status"]["sessions"][0]["peerASN"] = "65002"  # a string: the CRD's schema would refuse it
        self.install(items)
        r = self.svcbgp("peers")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, re.compile(
            r"^node-2 +- +- +- +- +Unknown +- +- +- +unreadable status: status\.sessions\[0\]\.peerASN: expected "
            r"an integer from 0 to 4294967295$", re.M))
        self.assertRegex(r.stdout, re.compile(r"^node-1 +64601 +tor-a ", re.M))


class KubectlSvcbgpCheck(PluginCase):
    """`kubectl svcbgp check`: the two-rack example of configs/examples applied with kubectl, as an operator
    would, and the config each node would run from it, assembled by svcbgpd's own code."""

    def kubectl(self, *args, stdin=None):
        r = subprocess.run(["kubectl", *args], capture_output=True, text=True, timeout=60, env=self.env,
                           input=stdin)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def fabric(self):
        for name in ("bgpnodeconfigs", "bgpadvertisements", "bgppeers"):
            with open(os.path.join(REPO, "configs", "deploy", "crds", name + ".yaml")) as f:
                self.api.apply(yaml.safe_load(f))
        nodes = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"svcbgp.io/rack": rack}}}
                 for name, rack in (("node-r1-1", "r1"), ("node-r1-2", "r1"), ("node-r2-1", "r2"))]
        self.kubectl("apply", "-f", "-", stdin="\n---\n".join(yaml.safe_dump(n) for n in nodes))
        self.kubectl("apply", "-f", os.path.join(REPO, "configs", "examples", "two-rack"))

    def test_every_node_of_the_two_rack_example(self):
        self.fabric()
        since = len(self.api.requests())
        r = self.svcbgp("check")
        self.assertEqual((r.returncode, r.stdout), (0, (
            "NODE       LOCAL AS    RESULT  PEERS\n"
            "node-r1-1  64601       ok      r1-tor-a,r1-tor-b\n"
            "node-r1-2  64601       ok      r1-tor-a,r1-tor-b\n"
            "node-r2-1  64602       ok      r2-tor-a,r2-tor-b\n")), r.stderr)
        # The Secret was read from svcbgp's namespace; one the peer names that is not there is an error.
        secrets = [q for q in self.api.requests(since=since) if "/secrets/" in q["path"]]
        self.assertEqual([q["path"] for q in secrets], ["/api/v1/namespaces/svcbgp-system/secrets/svcbgp-tor-passwords"])
        r = self.svcbgp("check", "--node", "node-r2-1", "--namespace", "elsewhere", "-o", "json")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout), [{
            "node": "node-r2-1", "ok": False, "peers": [], "errors": [
                "BGPPeer r1-tor-a: spec.passwordSecretRef: no key 'rack-r1' in Secret svcbgp-tor-passwords "
                "(svcbgp's namespace)",
                "BGPPeer r1-tor-b: spec.passwordSecretRef: no key 'rack-r1' in Secret svcbgp-tor-passwords "
                "(svcbgp's namespace)",
                "BGPPeer r2-tor-a: spec.passwordSecretRef: no key 'rack-r2' in Secret svcbgp-tor-passwords "
                "(svcbgp's namespace)",
                "BGPPeer r2-tor-b: spec.passwordSecretRef: no key 'rack-r2' in Secret svcbgp-tor-passwords "
                "(svcbgp's namespace)"]}])

    def test_a_bad_object_is_named_before_any_node_reads_it(self):
        self.fabric()
        # Two rack configs for one node, equally specific, that disagree; and a hold time BGP refuses.
        self.kubectl("apply", "-f", "-", stdin=yaml.safe_dump({
            "apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPNodeConfig", "metadata": {"name": "rack-r2-typo"},
            "spec": {"localASN": 64612, "nodeSelector": {"matchLabels": {"svcbgp.io/rack": "r2"}}}}))
        self.kubectl("patch", "bgppeer", "r1-tor-b", "--type", "merge", "-p", '{"spec": {"holdTime": 2}}')
        r = self.svcbgp("check")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout.splitlines()[1:], [
            "node-r1-1  -           error   -",
            "node-r1-2  -           error   -",
            "node-r2-1  -           error   -",
            "node-r1-1: BGPPeer r1-tor-b: spec.holdTime: must be 0 or 3..65535 (RFC 4271 \u00a74.2)",
            "node-r1-2: BGPPeer r1-tor-b: spec.holdTime: must be 0 or 3..65535 (RFC 4271 \u00a74.2)",
            "node-r2-1: BGPNodeConfig rack-r2-typo: spec.localASN: 64612 here and 64602 in BGPNodeConfig rack-r2, "
            "whose nodeSelector is as specific: make one of them more specific",
            "node-r2-1: BGPNodeConfig rack-r2: spec.localASN: 64602 here and 64612 in BGPNodeConfig rack-r2-typo, "
            "whose nodeSelector is as specific: make one of them more specific"])

    def test_before_the_crds_are_installed(self):
        r = self.svcbgp("check")
        self.assertEqual(r.returncode, 2)
        self.assertIn("BGPNodeConfig is not installed (404 from /apis/svcbgp.io/v1alpha1/bgpnodeconfigs): "
                      "kubectl apply -k configs/deploy/crds", r.stderr)


if __name__ == "__main__":
    unittest.main()
