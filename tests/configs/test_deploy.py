"""The deployment manifests in configs/deploy parse and carry what svcbgpd needs.

Checks what would otherwise only fail on a real cluster: host networking, NODE_NAME from the
downward API, probes on the port the config serves, mounts at the paths the config names, RBAC
limited to get/list/watch, and an embedded config that `svcbgpd --check` accepts.
"""

import os
import re
import subprocess
import tempfile
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "configs", "deploy")


def load_all():
    objects = []
    for name in sorted(os.listdir(DEPLOY)):
        if name.endswith(".yaml"):
            with open(os.path.join(DEPLOY, name)) as f:
                objects += [d for d in yaml.safe_load_all(f) if d]
    return objects


def find(objects, kind, name=None):
    for o in objects:
        if o.get("kind") == kind and (name is None or o["metadata"]["name"] == name):
            return o
    raise AssertionError(f"no {kind} {name or ''} in configs/deploy")


class DeployManifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objects = load_all()
        cls.ds = find(cls.objects, "DaemonSet")
        cls.pod = cls.ds["spec"]["template"]["spec"]
        cls.container = cls.pod["containers"][0]
        cm = find(cls.objects, "ConfigMap", "svcbgp-config")
        cls.config_text = cm["data"]["svcbgpd.yaml"]
        cls.config = yaml.safe_load(cls.config_text)

    def mount_for(self, path):
        """The volumeMount whose mountPath holds `path`, and its volume."""
        best = None
        for m in self.container["volumeMounts"]:
            mp = m["mountPath"]
            if path == mp or path.startswith(mp.rstrip("/") + "/"):
                if best is None or len(mp) > len(best["mountPath"]):
                    best = m
        self.assertIsNotNone(best, f"nothing mounted at {path}")
        volume = next(v for v in self.pod["volumes"] if v["name"] == best["name"])
        return best, volume

    def test_host_network(self):
        self.assertTrue(self.pod.get("hostNetwork"))
        self.assertEqual(self.pod.get("dnsPolicy"), "ClusterFirstWithHostNet")

    def test_node_name_from_the_downward_api(self):
        env = {e["name"]: e for e in self.container["env"]}
        self.assertEqual(env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "spec.nodeName")
        self.assertEqual(self.config["node_name"], "${NODE_NAME}")

    def test_probes_use_the_http_listen_port(self):
        port = int(self.config["http"]["listen"].rsplit(":", 1)[1])
        self.assertEqual(self.container["livenessProbe"]["httpGet"], {"path": "/healthz", "port": port})
        self.assertEqual(self.container["readinessProbe"]["httpGet"], {"path": "/readyz", "port": port})

    def test_config_file_is_mounted_where_args_point(self):
        args = self.container["args"]
        path = args[args.index("--config") + 1]
        mount, volume = self.mount_for(path)
        self.assertEqual(volume["configMap"]["name"], "svcbgp-config")
        self.assertEqual(mount.get("subPath"), os.path.basename(path))

    def test_password_files_come_from_the_secret(self):
        secret = find(self.objects, "Secret", "svcbgp-passwords")
        for peer in self.config["peers"]:
            path = peer["password_file"]
            _, volume = self.mount_for(path)
            self.assertEqual(volume["secret"]["secretName"], "svcbgp-passwords")
            self.assertIn(os.path.basename(path), secret["stringData"])

    def test_admin_socket_directory_is_mounted(self):
        _, volume = self.mount_for(self.config["admin"]["socket"])
        self.assertIn("hostPath", volume)

    def test_service_account_and_rbac_are_read_only(self):
        sa = find(self.objects, "ServiceAccount", self.pod["serviceAccountName"])
        self.assertEqual(sa["metadata"]["namespace"], self.ds["metadata"]["namespace"])
        role = find(self.objects, "ClusterRole", "svcbgp")
        granted = set()
        for rule in role["rules"]:
            self.assertEqual(sorted(rule["verbs"]), ["get", "list", "watch"])
            for group in rule["apiGroups"]:
                for r in rule["resources"]:
                    granted.add((group, r))
        self.assertEqual(granted, {("", "services"), ("", "nodes"),
                                   ("discovery.k8s.io", "endpointslices")})
        binding = find(self.objects, "ClusterRoleBinding", "svcbgp")
        self.assertEqual(binding["subjects"][0]["name"], sa["metadata"]["name"])

    def test_grace_period_covers_shutdown(self):
        self.assertGreaterEqual(self.pod["terminationGracePeriodSeconds"], 10)

    def test_embedded_config_passes_check(self):
        svcbgpd = os.environ.get("SVCBGP_SVCBGPD")
        self.assertTrue(svcbgpd and os.access(svcbgpd, os.X_OK), "svcbgpd binary not given")
        secret = find(self.objects, "Secret", "svcbgp-passwords")
        with tempfile.TemporaryDirectory() as tmp:
            # The Secret's files, where the config expects them (rewritten into the temp dir).
            for name, value in secret["stringData"].items():
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(value)
            text = re.sub(r"/etc/svcbgp/secrets", tmp, self.config_text)
            path = os.path.join(tmp, "svcbgpd.yaml")
            with open(path, "w") as f:
                f.write(text)
            r = subprocess.run([svcbgpd, "--config", path, "--check"], capture_output=True,
                               text=True, env={**os.environ, "NODE_NAME": "node-1"}, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("ok (2 peers)", r.stdout)

    def test_example_config_passes_check(self):
        svcbgpd = os.environ.get("SVCBGP_SVCBGPD")
        r = subprocess.run([svcbgpd, "--config", os.path.join(ROOT, "configs", "svcbgpd.yaml"),
                            "--check"], capture_output=True, text=True,
                           env={**os.environ, "NODE_NAME": "node-1"}, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_broken_config_is_rejected_with_key_paths(self):
        svcbgpd = os.environ.get("SVCBGP_SVCBGPD")
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write("local_asn: 65001\nnode_name: n\npeers:\n  - {name: a, address: 10.0.0.1, asn: 0}\n")
            f.flush()
            r = subprocess.run([svcbgpd, "--config", f.name, "--check"], capture_output=True,
                               text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("peers[0].asn: must be 1..4294967295", r.stderr)
