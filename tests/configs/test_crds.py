"""The CRDs in configs/deploy/crds and the example resources in configs/examples.

Every example svcbgp.io resource validates against its CRD's openAPIV3Schema (python3-jsonschema,
with formats checked, and unknown fields refused as kubectl's default --validate=strict refuses
them); each example BGPPeer, written as a `peers[]` entry of the config file, passes `svcbgpd
--check`; and a table of bad values is refused by both the schema and svcbgpd, each naming the
field: the two sources accept the same settings because both come from src/config/schema.cc.
"""

import copy
import glob
import os
import re
import subprocess
import tempfile
import unittest

import jsonschema
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRDS = os.path.join(ROOT, "configs", "deploy", "crds")
EXAMPLES = os.path.join(ROOT, "configs", "examples")


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def crds():
    """kind -> CRD, for the CRDs the kustomization installs."""
    with open(os.path.join(CRDS, "kustomization.yaml")) as f:
        files = yaml.safe_load(f)["resources"]
    out = {}
    for name in files:
        for d in load_all(os.path.join(CRDS, name)):
            out[d["spec"]["names"]["kind"]] = d
    return out


def strict(schema):
    """The schema with unknown fields refused wherever it lists its fields."""
    s = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(s)
    return s


def validator(crd):
    schema = strict(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


# Where Kubernetes' spelling is not the camelCase of the file's key (src/config/schema.cc crd_key).
SPELLED = {"localASN": "local_asn", "routerID": "router_id", "clusterIPs": "cluster_ips",
           "externalIPs": "external_ips", "loadBalancerIPs": "load_balancer_ips"}


def snake(key):
    return SPELLED.get(key) or re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def snake_tree(value):
    if isinstance(value, dict):
        return {snake(k): snake_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_tree(v) for v in value]
    return value


def as_file_peer(peer, secrets, tmp):
    """A BGPPeer as a `peers[]` entry of the config file (password read from a file)."""
    out = {"name": peer["metadata"]["name"]}
    for key, value in peer["spec"].items():
        if key == "passwordSecretRef":
            path = os.path.join(tmp, f"{peer['metadata']['name']}.password")
            with open(path, "w") as f:
                f.write(secrets[value["name"]][value.get("key", "password")])
            out["password_file"] = path
        elif key == "nodeSelector":
            out["node_selector"] = value.get("matchLabels", {})
        else:
            out[snake(key)] = snake_tree(value)
    return out


def check(peers, **top):
    """`svcbgpd --check` on a config file with these peers and top-level keys: (exit status,
    stderr)."""
    svcbgpd = os.environ.get("SVCBGP_SVCBGPD")
    assert svcbgpd and os.access(svcbgpd, os.X_OK), "svcbgpd binary not given"
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        yaml.safe_dump({"node_name": "n1", "local_asn": 64512, "peers": peers, **top}, f)
        f.flush()
        r = subprocess.run([svcbgpd, "--config", f.name, "--check"], capture_output=True, text=True,
                           timeout=30)
    return r.returncode, r.stderr


class Crds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.crds = crds()

    def test_the_kustomization_installs_each_crd(self):
        self.assertEqual(sorted(self.crds), ["BGPAdvertisement", "BGPNodeConfig", "BGPNodeStatus", "BGPPeer"])
        on_disk = {os.path.basename(p) for p in glob.glob(os.path.join(CRDS, "*.yaml"))} - {"kustomization.yaml"}
        self.assertEqual(len(on_disk), len(self.crds), on_disk)

    def test_schemas_are_structural(self):
        """What the API server refuses in a v1 CRD: a type missing beside properties, and
        additionalProperties next to properties."""
        def walk(node, path):
            if not isinstance(node, dict):
                return
            if "properties" in node:
                self.assertEqual(node.get("type"), "object", path)
                self.assertNotIn("additionalProperties", node, path)
                for k, v in node["properties"].items():
                    self.assertIn("type", v, f"{path}.{k}")
                    walk(v, f"{path}.{k}")
            for k in ("items",):
                if k in node:
                    walk(node[k], f"{path}[]")
        for kind, crd in self.crds.items():
            for version in crd["spec"]["versions"]:
                walk(version["schema"]["openAPIV3Schema"], kind)
                for col in version.get("additionalPrinterColumns", []):
                    self.assertTrue(col["jsonPath"].startswith("."), col)

    def test_every_example_resource_validates(self):
        validated = 0
        for path in sorted(glob.glob(os.path.join(EXAMPLES, "**", "*.yaml"), recursive=True)):
            for doc in load_all(path):
                if not doc.get("apiVersion", "").startswith("svcbgp.io/"):
                    continue
                crd = self.crds.get(doc["kind"])
                self.assertIsNotNone(crd, f"{path}: no CRD for {doc['kind']}")
                errors = [e.message for e in validator(crd).iter_errors(doc)]
                self.assertEqual(errors, [], f"{path}: {doc['metadata']['name']}")
                validated += 1
        self.assertGreaterEqual(validated, 4)


class OneSchemaTwoSources(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.v = validator(crds()["BGPPeer"])
        docs = load_all(os.path.join(EXAMPLES, "two-rack", "bgppeers.yaml"))
        cls.peers = [d for d in docs if d["kind"] == "BGPPeer"]
        secret = load_all(os.path.join(EXAMPLES, "two-rack", "secret.yaml"))[0]
        cls.secrets = {secret["metadata"]["name"]: secret["stringData"]}

    def test_the_example_peers_pass_svcbgpd_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            status, err = check([as_file_peer(p, self.secrets, tmp) for p in self.peers])
        self.assertEqual(status, 0, err)

    # (spec field, value): refused by the schema and by svcbgpd, which names the field.
    BAD = [
        ("asn", 0), ("asn", 4294967296), ("port", 0), ("port", 65536),
        ("holdTime", 1), ("holdTime", 2), ("holdTime", 65536), ("keepaliveTime", 0),
        ("ebgpMultihop", 256), ("maxPrefixes", -1), ("maxReceivedBytes", 2 ** 40 + 1),
        ("families", []), ("families", ["ipv5"]), ("maxPrefixesAction", "stop"),
        ("advertise", ["nodes"]), ("address", "10.0.0.300"), ("address", "tor1"),
        ("sourceAddress", "nowhere"), ("nextHopV6", "fd00::zz"), ("passive", "yes"),
        ("bfd", {"minRxMs": 5}), ("bfd", {"minTxMs": 60001}), ("bfd", {"multiplier": 0}),
        ("bfd", {"strict": "maybe"}),
    ]
    # ... and accepted by both.
    GOOD = [
        ("holdTime", 0), ("holdTime", 3), ("sourceAddress", "auto"), ("sourceAddress", "10.1.0.9"),
        ("families", ["ipv6"]), ("bfd", {"multiplier": 255, "minRxMs": 10}), ("maxPrefixes", 0),
    ]

    def peer_with(self, field, value):
        p = copy.deepcopy(self.peers[2])  # r2-tor-a: no BFD, no keepalive of its own
        p["spec"][field] = value
        return p

    def test_bad_values_are_refused_by_both_sources(self):
        for field, value in self.BAD:
            with self.subTest(field=field, value=value):
                p = self.peer_with(field, value)
                errors = list(self.v.iter_errors(p))
                self.assertTrue(errors, f"the CRD schema accepts {field}: {value!r}")
                with tempfile.TemporaryDirectory() as tmp:
                    status, err = check([as_file_peer(p, self.secrets, tmp)])
                self.assertNotEqual(status, 0, f"svcbgpd accepts {field}: {value!r}")
                key = snake(field) + ("." + snake(next(iter(value))) if isinstance(value, dict) else "")
                self.assertIn(f"peers[0].{key}", err)

    def test_good_values_are_accepted_by_both_sources(self):
        for field, value in self.GOOD:
            with self.subTest(field=field, value=value):
                p = self.peer_with(field, value)
                self.assertEqual([e.message for e in self.v.iter_errors(p)], [])
                with tempfile.TemporaryDirectory() as tmp:
                    status, err = check([as_file_peer(p, self.secrets, tmp)])
                self.assertEqual(status, 0, err)

    def test_the_example_node_configs_and_advertisements_pass_svcbgpd_check(self):
        """A BGPNodeConfig stands for top-level keys of the file, a BGPAdvertisement for its
        `advertise:` (selectors aside)."""
        two_rack = os.path.join(EXAMPLES, "two-rack")
        for doc in load_all(os.path.join(two_rack, "bgpnodeconfigs.yaml")):
            with self.subTest(node_config=doc["metadata"]["name"]):
                top = snake_tree({k: v for k, v in doc["spec"].items() if k != "nodeSelector"})
                status, err = check([], **top)
                self.assertEqual(status, 0, err)
        for doc in load_all(os.path.join(two_rack, "bgpadvertisements.yaml")):
            with self.subTest(advertisement=doc["metadata"]["name"]):
                spec = {k: v for k, v in doc["spec"].items() if not k.endswith("Selector")}
                status, err = check([], advertise=snake_tree(spec))
                self.assertEqual(status, 0, err)

    def test_selectors_take_match_expressions_with_kubernetes_operators(self):
        """svcbgpd's reader refuses the same (tests/config/resources_test.cc secrets_and_selectors)."""
        for expr, ok in [({"key": "rack", "operator": "NotIn", "values": ["r1"]}, True),
                         ({"key": "gpu", "operator": "DoesNotExist"}, True),
                         ({"key": "rack", "operator": "Has"}, False), ({"operator": "Exists"}, False)]:
            with self.subTest(expr=expr):
                p = self.peer_with("nodeSelector", {"matchExpressions": [expr]})
                self.assertEqual(not list(self.v.iter_errors(p)), ok)

    def test_unknown_fields_are_refused_by_both_sources(self):
        p = self.peer_with("holdTimer", 9)
        self.assertTrue(list(self.v.iter_errors(p)))
        with tempfile.TemporaryDirectory() as tmp:
            status, err = check([as_file_peer(p, self.secrets, tmp)])
        self.assertIn("peers[0].hold_timer: unknown key", err)


if __name__ == "__main__":
    unittest.main()
