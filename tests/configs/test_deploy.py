"""The deployment in configs/deploy, as `kubectl kustomize` renders it, and the image's Dockerfile.

Checks what would otherwise only fail on a real cluster: the order kubectl applies the objects in,
host networking, the Pod Security labels that allows, a pod that runs as nobody with no capability
(the listen-179 overlay adds NET_BIND_SERVICE and nothing else), NODE_NAME from the downward API,
probes on the port the config serves, the config mounted as a folder (so the kubelet's updates
reach svcbgpd), RBAC limited to get/list/watch, and an embedded config that `svcbgpd --check`
accepts with either overlay's environment.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "configs", "deploy")
LISTEN_179 = os.path.join(DEPLOY, "overlays", "listen-179")

# The order `kubectl apply -k` creates objects in is the order of the rendered stream.
FIRST = ["Namespace", "CustomResourceDefinition", "ServiceAccount", "Role", "ClusterRole", "RoleBinding",
         "ClusterRoleBinding"]


def render(folder):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise AssertionError("kubectl not found (scripts/setup.sh installs kubernetes-client)")
    r = subprocess.run([kubectl, "kustomize", folder], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"kubectl kustomize {folder} failed: {r.stderr}")
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def find(objects, kind, name=None):
    for o in objects:
        if o.get("kind") == kind and (name is None or o["metadata"]["name"] == name):
            return o
    raise AssertionError(f"no {kind} {name or ''} in configs/deploy")


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


class DeployManifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objects = render(DEPLOY)
        cls.ds = find(cls.objects, "DaemonSet")
        cls.pod = cls.ds["spec"]["template"]["spec"]
        cls.container = cls.pod["containers"][0]
        cm = find(cls.objects, "ConfigMap", "svcbgp-config")
        cls.config_text = cm["data"]["svcbgpd.yaml"]
        cls.config = yaml.safe_load(cls.config_text)
        cls.overlay = render(LISTEN_179)

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

    def test_config_folder_is_mounted_where_args_point(self):
        """A folder, never a subPath: the kubelet never updates a subPath mount."""
        args = self.container["args"]
        path = args[args.index("--config") + 1]
        mount, volume = self.mount_for(path)
        self.assertEqual(volume["configMap"]["name"], "svcbgp-config")
        self.assertEqual(mount["mountPath"], os.path.dirname(path))
        self.assertIn(os.path.basename(path), find(self.objects, "ConfigMap", "svcbgp-config")["data"])
        for m in self.container["volumeMounts"]:
            self.assertNotIn("subPath", m, m)

    def test_apply_order_namespace_and_rbac_first(self):
        kinds = [o["kind"] for o in self.objects]
        self.assertEqual([k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k][:len(FIRST)], FIRST,
                         kinds)
        crds = [o["metadata"]["name"] for o in self.objects if o["kind"] == "CustomResourceDefinition"]
        self.assertEqual(crds, ["bgpadvertisements.svcbgp.io", "bgpnodeconfigs.svcbgp.io", "bgpnodestatuses.svcbgp.io",
                                "bgppeers.svcbgp.io"])
        kinds = [k for k in kinds if k != "CustomResourceDefinition"]
        self.assertEqual(kinds[:len(FIRST) - 1], [k for k in FIRST if k != "CustomResourceDefinition"], kinds)
        self.assertEqual(sorted(kinds[len(FIRST) - 1:]), ["ConfigMap", "DaemonSet", "Secret"], kinds)
        namespaces = {o["metadata"]["name"] for o in self.objects if o["kind"] == "Namespace"}
        for o in self.objects:
            if o["kind"] not in ("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"):
                self.assertIn(o["metadata"].get("namespace"), namespaces, o["metadata"])

    def test_namespace_allows_host_network(self):
        ns = find(self.objects, "Namespace", self.ds["metadata"]["namespace"])
        labels = ns["metadata"].get("labels", {})
        # hostNetwork is outside "baseline" and "restricted".
        self.assertEqual(labels.get("pod-security.kubernetes.io/enforce"), "privileged", labels)
        self.assertIn("pod-security.kubernetes.io/enforce-version", labels)

    def test_linux_nodes_only(self):
        self.assertEqual(self.pod["nodeSelector"], {"kubernetes.io/os": "linux"})

    def effective(self, key):
        """A security setting as the kubelet applies it: the container's, else the pod's."""
        c = self.container.get("securityContext", {})
        return c[key] if key in c else self.pod.get("securityContext", {}).get(key)

    def test_runs_as_nobody_without_privileges(self):
        self.assertIs(self.effective("runAsNonRoot"), True)
        self.assertEqual(self.effective("runAsUser"), 65534)
        self.assertIs(self.container["securityContext"]["allowPrivilegeEscalation"], False)
        self.assertIs(self.container["securityContext"]["readOnlyRootFilesystem"], True)
        self.assertEqual(self.effective("seccompProfile"), {"type": "RuntimeDefault"})
        caps = self.container["securityContext"]["capabilities"]
        self.assertEqual(caps.get("drop"), ["ALL"])
        self.assertEqual(caps.get("add", []), [])
        self.assertNotIn("privileged", self.container["securityContext"])

    def test_secret_files_readable_by_the_pod_group(self):
        _, volume = self.mount_for("/etc/svcbgp/secrets/x")
        mode = volume["secret"]["defaultMode"]
        self.assertEqual(self.pod["securityContext"]["fsGroup"], self.effective("runAsUser"))
        self.assertTrue(mode & 0o040, oct(mode))
        self.assertFalse(mode & 0o007, oct(mode))

    def test_base_does_not_listen(self):
        """Active only by default: a node's own BIRD or kube-router keeps port 179."""
        self.assertEqual(env_of(self.container)["SVCBGP_LISTEN_PORT"]["value"], "0")
        self.assertIn("${SVCBGP_LISTEN_PORT}", self.config_text)
        self.assertNotIn(179, [p["containerPort"] for p in self.container["ports"]])

    def test_listen_179_overlay_adds_only_net_bind_service(self):
        ds = find(self.overlay, "DaemonSet")
        c = ds["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(c["securityContext"]["capabilities"], {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
        self.assertEqual(env_of(c)["SVCBGP_LISTEN_PORT"]["value"], "179")
        self.assertIn(179, [p["containerPort"] for p in c["ports"]])
        # Everything else is the base as it is.
        strip = lambda d: {k: v for k, v in d.items() if k not in ("securityContext", "env", "ports")}
        self.assertEqual(strip(c), strip(self.container))
        self.assertEqual({k: v for k, v in c["securityContext"].items() if k != "capabilities"},
                         {k: v for k, v in self.container["securityContext"].items() if k != "capabilities"})
        base = {(o["kind"], o["metadata"]["name"]): o for o in self.objects if o["kind"] != "DaemonSet"}
        over = {(o["kind"], o["metadata"]["name"]): o for o in self.overlay if o["kind"] != "DaemonSet"}
        self.assertEqual(base, over)

    def test_password_files_come_from_the_secret(self):
        secret = find(self.objects, "Secret", "svcbgp-passwords")
        for peer in self.config["peers"]:
            path = peer["password_file"]
            _, volume = self.mount_for(path)
            self.assertEqual(volume["secret"]["secretName"], "svcbgp-passwords")
            self.assertIn(os.path.basename(path), secret["stringData"])

    def test_admin_socket_directory_is_writable(self):
        """As uid 65534 the socket's folder must be the pod's own (a root-owned hostPath is not)."""
        mount, volume = self.mount_for(self.config["admin"]["socket"])
        self.assertIn("emptyDir", volume)
        self.assertFalse(mount.get("readOnly", False))

    def test_service_account_and_rbac_are_least_privilege(self):
        """Reads what the engine needs; writes only its node's BGPNodeStatus (create, then status patches)."""
        sa = find(self.objects, "ServiceAccount", self.pod["serviceAccountName"])
        self.assertEqual(sa["metadata"]["namespace"], self.ds["metadata"]["namespace"])
        role = find(self.objects, "ClusterRole", "svcbgp")
        granted = set()
        for rule in role["rules"]:
            for group in rule["apiGroups"]:
                for r in rule["resources"]:
                    for verb in rule["verbs"]:
                        granted.add((group, r, verb))
        reads = {(g, r, v) for g, r in (("", "services"), ("", "nodes"), ("discovery.k8s.io", "endpointslices"),
                                        ("svcbgp.io", "bgpnodeconfigs"), ("svcbgp.io", "bgpadvertisements"),
                                        ("svcbgp.io", "bgppeers"))
                 for v in ("get", "list", "watch")}
        writes = {("svcbgp.io", "bgpnodestatuses", "get"), ("svcbgp.io", "bgpnodestatuses", "create"),
                  ("svcbgp.io", "bgpnodestatuses/status", "patch")}
        self.assertEqual(granted, reads | writes)
        binding = find(self.objects, "ClusterRoleBinding", "svcbgp")
        self.assertEqual(binding["subjects"][0]["name"], sa["metadata"]["name"])
        # Secrets: a Role in svcbgp's own namespace, read only, and the pod knows that namespace.
        role = find(self.objects, "Role", "svcbgp-secrets")
        self.assertEqual(role["metadata"]["namespace"], self.ds["metadata"]["namespace"])
        self.assertEqual(role["rules"], [{"apiGroups": [""], "resources": ["secrets"],
                                          "verbs": ["get", "list", "watch"]}])
        rb = find(self.objects, "RoleBinding", "svcbgp-secrets")
        self.assertEqual((rb["metadata"]["namespace"], rb["subjects"][0]["name"]),
                         (self.ds["metadata"]["namespace"], sa["metadata"]["name"]))
        self.assertEqual(env_of(self.container)["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"],
                         "metadata.namespace")

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
            for port in ("0", "179"):
                r = subprocess.run([svcbgpd, "--config", path, "--check"], capture_output=True, text=True,
                                   env={**os.environ, "NODE_NAME": "node-1", "SVCBGP_LISTEN_PORT": port},
                                   timeout=30)
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


class Image(unittest.TestCase):
    """configs/deploy/Dockerfile: the build stage runs the one build script, the runtime stage runs
    as nobody with the runtime libraries only (scripts/fresh-machine-check.sh proves they suffice)."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(DEPLOY, "Dockerfile")) as f:
            cls.text = f.read()
        cls.stages = re.split(r"^FROM ", cls.text, flags=re.M)[1:]

    def test_two_stages(self):
        self.assertEqual(len(self.stages), 2, self.stages)
        self.assertTrue(self.stages[0].startswith("debian:bookworm AS build"))
        self.assertTrue(self.stages[1].startswith("debian:bookworm-slim AS runtime"))

    def test_build_stage_runs_the_build_script(self):
        self.assertIn("RUN ./scripts/build-release.sh", self.stages[0])
        self.assertNotIn("setup.sh", self.text)

    def test_runtime_stage(self):
        rt = self.stages[1]
        self.assertRegex(rt, r"(?m)^USER 65534")
        for name in ("svcbgpd", "svcbgpc"):
            self.assertIn(f"COPY --from=build /src/build-release/src/", rt)
            self.assertIn(f"/usr/local/bin/{name}", rt)
        for tool in ("bird", "frr", "gobgp", "exabgp", "clang", "-dev"):
            self.assertNotIn(tool, rt)

    def test_dockerignore(self):
        with open(os.path.join(ROOT, ".dockerignore")) as f:
            lines = {l.strip() for l in f if l.strip() and not l.startswith("#")}
        self.assertTrue({".git", "build*", "tests"} <= lines, lines)
