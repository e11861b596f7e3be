"""Tests of the fake Kubernetes API server itself, with plain http.client / ssl / sockets.

No sleeps: the tests wait on sockets and on the control interface's long-poll; timeouts only bound failures.
SVCBGP_SKIP_LOAD_TEST=1 skips the 100k-Service load check.
"""

import http.client
import json
import os
import select
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from control import ControlError, FakeApiServer  # noqa: E402

# From client-go/dynamic/testdata/TestGoldenResponse/responses/{list,events}: the headers kube-apiserver sends, in
# order, and the key order of a list and of watch events.
CAPTURE_LIST_HEADERS = ["Audit-Id", "Cache-Control", "Content-Type", "X-Kubernetes-Pf-Flowschema-Uid",
                        "X-Kubernetes-Pf-Prioritylevel-Uid", "Date", "Content-Length"]
CAPTURE_WATCH_HEADERS = CAPTURE_LIST_HEADERS[:-1] + ["Transfer-Encoding"]
CAPTURE_LIST_KEYS = ["kind", "apiVersion", "metadata", "items"]
CAPTURE_EVENT_KEYS = ["type", "object"]
CAPTURE_BOOKMARK = {"type": "BOOKMARK", "object": {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {
    "resourceVersion": "964", "annotations": {"k8s.io/initial-events-end": "true"}}}}
EXPIRED_WATCH = ('{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                 '"message":"too old resource version: %d (%d)","reason":"Expired","code":410}}')
TIMEOUT = 15


def svc(name, ns="default", labels=None, typ="ClusterIP", ip="10.96.0.10", **extra):
    o = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
         "spec": {"type": typ, "clusterIP": ip, "clusterIPs": [ip], "ports": [{"port": 80, "protocol": "TCP"}]}}
    if labels is not None:
        o["metadata"]["labels"] = labels
    o["spec"].update(extra)
    return o


def slice_(name, svcname, ns="default", ips=("10.244.0.1",), node="node-1"):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": ns, "labels": {"kubernetes.io/service-name": svcname}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}, "nodeName": node} for ip in ips],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}


def node(name):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.1"}]}}


class Raw:
    """A raw HTTP/1.1 exchange on one (TLS) socket: we see the framing, chunk by chunk."""

    def __init__(self, api, path=None, token=True, ca=None, headers=None):
        u = urllib.parse.urlsplit(api.url)
        self.host, self.port = u.hostname, u.port
        s = socket.create_connection((self.host, self.port), timeout=TIMEOUT)
        if u.scheme == "https":
            s = ssl.create_default_context(cafile=ca or api.ca).wrap_socket(s, server_hostname=self.host)
        self.s = s
        self.api = api
        self.buf = b""
        self.lines = b""
        self.ended = False
        self.received = 0  # bytes of HTTP (TLS removed) read from the socket
        if path:
            self.request(path, token, headers)

    def request(self, path, token=True, headers=None):
        h = {"Host": f"{self.host}:{self.port}", "Accept": "application/json", "User-Agent": "fake-apiserver-test"}
        if token:
            h["Authorization"] = "Bearer " + (self.api.token if token is True else token)
        h.update(headers or {})
        self.s.sendall((f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) +
                        "\r\n").encode())
        self.ended = False
        self.lines = b""
        return self.head()

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.received += len(d)
        self.buf += d

    def readline(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self, n):
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def head(self):
        self.status_line = self.readline().decode()
        self.status = int(self.status_line.split()[1])
        self.headers = []
        while True:
            line = self.readline()
            if not line:
                break
            k, v = line.decode().split(":", 1)
            self.headers.append((k, v.strip()))
        self.hdr = dict(self.headers)
        return self.status

    def body(self):
        return self.read(int(self.hdr["Content-Length"]))

    def chunk(self):
        """One chunk's data, or None for the terminating chunk."""
        size = int(self.readline().split(b";")[0], 16)
        if size == 0:
            self.readline()
            self.ended = True
            return None
        data = self.read(size)
        assert self.read(2) == b"\r\n", "chunk not followed by CRLF"
        return data

    def events(self, n=None, skip_bookmarks=False):
        """Reads until n events (or the end of the stream); returns them decoded."""
        out = []
        while n is None or len(out) < n:
            while b"\n" in self.lines and (n is None or len(out) < n):
                line, self.lines = self.lines.split(b"\n", 1)
                ev = json.loads(line)
                if not (skip_bookmarks and ev["type"] == "BOOKMARK"):
                    out.append(ev)
            if n is not None and len(out) >= n:
                break
            c = self.chunk()
            if c is None:
                break
            self.lines += c
        return out

    def quiet(self, seconds):
        """True if nothing arrives within `seconds` (bounded check that a stream stalls)."""
        if self.buf or (isinstance(self.s, ssl.SSLSocket) and self.s.pending()):
            return False
        r, _, _ = select.select([self.s], [], [], seconds)
        return not r

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def list_all(api, path, limit, sep="?"):
    c = api.connect()
    items, pages, cont, rvs = [], 0, "", set()
    try:
        while True:
            q = f"{path}{sep}limit={limit}" + (f"&continue={urllib.parse.quote(cont)}" if cont else "")
            c.request("GET", q, headers={"Authorization": "Bearer " + api.token})
            r = c.getresponse()
            body = r.read()
            assert r.status == 200, (r.status, body[:300])
            d = json.loads(body)
            items += d["items"]
            rvs.add(d["metadata"]["resourceVersion"])
            pages += 1
            cont = d["metadata"].get("continue")
            if not cont:
                return items, pages, rvs
    finally:
        c.close()


class Base(unittest.TestCase):
    server_args = {}

    @classmethod
    def setUpClass(cls):
        cls.api = FakeApiServer(**cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.api.stop()

    def get(self, path, **kw):
        st, h, b = self.api.get(path, **kw)
        return st, h, b

    def get_json(self, path, code=200):
        st, h, b = self.get(path)
        self.assertEqual(st, code, b)
        return json.loads(b)

    def names(self, path):
        return sorted(i["metadata"]["name"] for i in self.get_json(path)["items"])


class TestClientCounts(Base):
    def test_lists_watches_and_bytes_per_client(self):
        """What the scale benchmark reads per node: LISTs, WATCHes, requests by verb and resource, and every byte
        answered (a watch's stream included), equal to what the client read."""
        self.api.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "count-me", "namespace": "cc"},
                        "spec": {"type": "ClusterIP", "clusterIP": "10.96.7.7", "clusterIPs": ["10.96.7.7"],
                                 "ports": [{"port": 80, "protocol": "TCP"}]}})
        self.api.reset()
        listing = Raw(self.api, "/api/v1/namespaces/cc/services")
        self.assertEqual(listing.status, 200)
        rv = json.loads(listing.body())["metadata"]["resourceVersion"]
        listing.close()
        watch = Raw(self.api, f"/api/v1/namespaces/cc/services?watch=1&resourceVersion={rv}&timeoutSeconds=1")
        self.api.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "count-me", "namespace": "cc",
                                                                              "labels": {"a": "b"}},
                        "spec": {"type": "ClusterIP", "clusterIP": "10.96.7.7", "clusterIPs": ["10.96.7.7"],
                                 "ports": [{"port": 80, "protocol": "TCP"}]}})
        self.assertEqual([e["type"] for e in watch.events(1)], ["MODIFIED"])
        watch.events()  # to the end of the stream (timeoutSeconds)
        self.assertTrue(watch.ended)
        watch.close()
        c = self.api.clients()["127.0.0.1"]
        self.assertEqual((c["lists"], c["watches"], c["requests"]), (1, 1, 2), c)
        self.assertEqual(c["by_verb"], {"list services": 1, "watch services": 1})
        self.assertEqual(c["bytes"], listing.received + watch.received)
        self.assertEqual(c["user_agent"], "fake-apiserver-test")


class TestTransportAndAuth(Base):
    def test_ready_line_and_state_dir(self):
        info = self.api.info
        for k in ("url", "control", "ca", "token"):
            self.assertIn(k, info)
        self.assertTrue(info["url"].startswith("https://127.0.0.1:"))
        self.assertTrue(os.path.exists(info["ca"]))
        with open(info["kubeconfig"]) as f:
            kc = json.load(f)
        self.assertEqual(kc["clusters"][0]["cluster"]["server"], info["url"])

    def test_tls_verifies_with_ca_and_names_localhost(self):
        st, _, _ = self.get("/api/v1/nodes")
        self.assertEqual(st, 200)
        cert = ssl._ssl._test_decode_cert(os.path.join(self.api.info["state_dir"], "server.crt"))
        sans = set(cert["subjectAltName"])
        self.assertTrue({("IP Address", "127.0.0.1"), ("DNS", "localhost")} <= sans, sans)
        self.assertTrue(any(k == "IP Address" and v.rstrip("\n") in ("::1", "0:0:0:0:0:0:0:1") for k, v in sans))
        c = http.client.HTTPSConnection("localhost", self.api.port, timeout=TIMEOUT,
                                        context=self.api.ssl_context())
        c.request("GET", "/version")
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    def test_tls_wrong_ca_fails(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "k", "-out", "other.crt", "-days",
                            "1", "-subj", "/CN=other"], cwd=d, check=True, capture_output=True)
            c = self.api.connect(ca=os.path.join(d, "other.crt"))
            with self.assertRaises(ssl.SSLCertVerificationError):
                c.request("GET", "/version")
            c.close()

    def test_401_missing_or_wrong_token(self):
        for tok in (False, "wrong"):
            st, h, b = self.get("/api/v1/services", token=tok)
            self.assertEqual(st, 401)
            self.assertEqual(h["Content-Type"], "application/json")
            self.assertEqual(json.loads(b), {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                             "status": "Failure", "message": "Unauthorized",
                                             "reason": "Unauthorized", "code": 401})

    def test_client_certificate_authenticates(self):
        ctx = self.api.ssl_context()
        ctx.load_cert_chain(self.api.info["client_cert"], self.api.info["client_key"])
        c = http.client.HTTPSConnection("127.0.0.1", self.api.port, timeout=TIMEOUT, context=ctx)
        c.request("GET", "/api/v1/services")
        self.assertEqual(c.getresponse().status, 200)
        c.close()

    def test_keep_alive(self):
        c = self.api.connect()
        for _ in range(3):
            c.request("GET", "/api/v1/nodes", headers={"Authorization": "Bearer " + self.api.token})
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        reqs = self.api.requests(path="/api/v1/nodes")
        self.assertGreaterEqual(len(reqs), 3)
        c.close()

    def test_unknown_path_404_and_method_405(self):
        st, _, b = self.get("/api/v1/pods")
        self.assertEqual((st, json.loads(b)["reason"]), (404, "NotFound"))
        st, _, b = self.get("/api/v1/nodes/nope")
        self.assertEqual((st, json.loads(b)["reason"]), (404, "NotFound"))
        c = self.api.connect()
        c.request("PUT", "/api/v1/namespaces/default/services", body=b"{}",
                  headers={"Authorization": "Bearer " + self.api.token, "Content-Type": "application/json"})
        self.assertEqual(c.getresponse().status, 405)
        c.close()


class TestKubectl(Base):
    """A real client: kubectl reads discovery first, then lists and watches as users do (issue 14:
    without discovery it failed with "couldn't get current server API group list")."""

    def setUp(self):
        home = tempfile.TemporaryDirectory()  # kubectl's discovery cache goes under $HOME/.kube
        self.addCleanup(home.cleanup)
        self.env = dict(os.environ, KUBECONFIG=self.api.info["kubeconfig"], HOME=home.name)

    def kubectl(self, *args, timeout=30):
        return subprocess.run(["kubectl", *args], capture_output=True, text=True, timeout=timeout, env=self.env)

    def test_discovery_lists_what_the_fake_serves(self):
        groups = self.get_json("/apis")
        self.assertEqual([g["name"] for g in groups["groups"]],
                         ["apiextensions.k8s.io", "coordination.k8s.io", "discovery.k8s.io"])
        core = {r["name"]: r for r in self.get_json("/api/v1")["resources"]}
        self.assertEqual(sorted(core), ["events", "nodes", "nodes/status", "secrets", "services",
                                        "services/status"])
        self.assertEqual((core["services"]["namespaced"], core["nodes"]["namespaced"]), (True, False))
        disc = self.get_json("/apis/discovery.k8s.io/v1")
        self.assertEqual([r["kind"] for r in disc["resources"]], ["EndpointSlice"])
        self.assertEqual(self.get_json("/apis/discovery.k8s.io")["preferredVersion"]["version"], "v1")
        st, _, _ = self.get("/apis/example.com/v1")
        self.assertEqual(st, 404)
        # kubectl before 1.27 validates with OpenAPI v2, asked for as protobuf only: a document with no
        # definitions makes it skip validation instead of failing every apply (Debian 12 ships 1.20).
        pb = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
        st, _, body = self.get("/openapi/v2", headers={"Accept": pb})
        self.assertEqual((st, body[:5]), (200, b"\x0a\x032.0"))
        self.assertEqual(self.get_json("/openapi/v2")["swagger"], "2.0")

    def test_kubectl_get_lists_and_watches(self):
        self.api.apply(svc("kubectl-a", ns="kube-test"))
        self.api.apply(node("kubectl-node"))
        r = self.kubectl("get", "services", "-A")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kube-test", r.stdout)
        self.assertIn("kubectl-a", r.stdout)
        r = self.kubectl("get", "svc", "kubectl-a", "-n", "kube-test", "-o", "jsonpath={.spec.clusterIP}")
        self.assertEqual((r.returncode, r.stdout), (0, "10.96.0.10"), r.stderr)
        r = self.kubectl("get", "no", "-o", "name")
        self.assertIn("node/kubectl-node", r.stdout.split())
        # `get -w`: a change made while kubectl watches shows up in its output.
        w = subprocess.Popen(["kubectl", "get", "services", "-n", "kube-test", "-w", "-o", "name"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            self.assertEqual(w.stdout.readline().strip(), "service/kubectl-a")
            self.api.wait_request(verb="watch", resource="services")
            self.api.apply(svc("kubectl-b", ns="kube-test"))
            self.assertEqual(w.stdout.readline().strip(), "service/kubectl-b")
        finally:
            w.kill()
            w.communicate()

    def test_kubectl_apply_patch_and_delete(self):
        """kubectl apply (create, then a patch), a status write and delete, on a CRD and its
        custom resource and on a Service: what the e2e cases and users do."""
        d = tempfile.mkdtemp()
        self.addCleanup(subprocess.run, ["rm", "-rf", d])
        crd, peer = os.path.join(d, "crd.json"), os.path.join(d, "peer.json")
        with open(crd, "w") as f:
            json.dump(dict(CRD_PEERS, metadata={"name": "bgppeers.svcbgp.io"}), f)
        body = {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPPeer", "metadata": {"name": "tor9"},
                "spec": {"address": "10.0.0.9", "asn": 65000}}
        with open(peer, "w") as f:
            json.dump(body, f)
        self.assertEqual(self.kubectl("get", "bgppeers").returncode, 1)  # no CRD yet
        for path, out in ((crd, "customresourcedefinition.apiextensions.k8s.io/bgppeers.svcbgp.io created"),
                          (peer, "bgppeer.svcbgp.io/tor9 created")):
            r = self.kubectl("apply", "-f", path)
            self.assertEqual((r.returncode, r.stdout.strip()), (0, out), r.stderr)
        body["spec"]["asn"] = 65001
        with open(peer, "w") as f:
            json.dump(body, f)
        r = self.kubectl("apply", "-f", peer)
        self.assertEqual(r.stdout.strip(), "bgppeer.svcbgp.io/tor9 configured", r.stderr)
        r = self.kubectl("get", "bgppeer", "tor9", "-o", "jsonpath={.spec.asn} {.metadata.generation}")
        self.assertEqual(r.stdout, "65001 2")
        r = self.kubectl("patch", "bgppeer", "tor9", "--type", "merge", "-p", '{"spec":{"asn":65002}}')
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "bgppeer.svcbgp.io/tor9 patched"), r.stderr)
        self.api.apply(svc("web", ns="kube-test", typ="LoadBalancer"))
        # The status written as a controller writes it: read, change, PUT to /status with the resourceVersion
        # read. `replace --raw` is in every kubectl from Debian 12's 1.20 on (`patch --subresource` came in 1.24).
        r = self.kubectl("get", "svc", "web", "-n", "kube-test", "-o", "json")
        o = json.loads(r.stdout)
        o["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
        with open(peer, "w") as f:
            json.dump(o, f)
        r = self.kubectl("replace", "--raw", "/api/v1/namespaces/kube-test/services/web/status", "-f", peer)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.api.get_object("services", "kube-test", "web")["status"]["loadBalancer"]["ingress"],
                         [{"ip": "192.0.2.1"}])
        for what in (["bgppeer", "tor9"], ["crd", "bgppeers.svcbgp.io"], ["svc", "web", "-n", "kube-test"]):
            r = self.kubectl("delete", *what)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(self.kubectl("get", "bgppeers").returncode, 0)


CRD_PEERS = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "bgppeers.svcbgp.io"},
    "spec": {"group": "svcbgp.io", "scope": "Cluster",
             "names": {"plural": "bgppeers", "singular": "bgppeer", "kind": "BGPPeer", "listKind": "BGPPeerList"},
             "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}}}]}}
PEERS = "/apis/svcbgp.io/v1alpha1/bgppeers"


class TestWrites(Base):
    """Writes through the API as svcbgpd and kubectl make them (issue 14): create, replace and patch with
    resourceVersion preconditions, the status subresource, custom resources served only while their CRD exists,
    Secrets, and faults on writes."""

    def call(self, method, path, body=None, ctype="application/json"):
        c = self.api.connect()
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": "Bearer " + self.api.token, "Content-Type": ctype}
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        out = r.status, json.loads(r.read() or b"null")
        c.close()
        return out

    def setUp(self):
        self.api.reset()
        for path in (PEERS + "/tor1", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/bgppeers.svcbgp.io",
                     "/api/v1/namespaces/w/services/a", "/api/v1/namespaces/w/secrets/pw"):
            self.call("DELETE", path)

    def test_create_conflicts_and_preconditions(self):
        st, o = self.call("POST", "/api/v1/namespaces/w/services", svc("a", ns="w"))
        self.assertEqual((st, o["kind"], o["metadata"]["namespace"]), (201, "Service", "w"))
        rv = o["metadata"]["resourceVersion"]
        st, o2 = self.call("POST", "/api/v1/namespaces/w/services", svc("a", ns="w"))
        self.assertEqual((st, o2["reason"]), (409, "AlreadyExists"))
        o["spec"]["clusterIP"] = "10.96.0.11"
        st, o3 = self.call("PUT", "/api/v1/namespaces/w/services/a", o)
        self.assertEqual((st, o3["spec"]["clusterIP"]), (200, "10.96.0.11"))
        # The same body again carries the old resourceVersion: the write a stale client makes.
        o["metadata"]["resourceVersion"] = rv
        st, e = self.call("PUT", "/api/v1/namespaces/w/services/a", o)
        self.assertEqual((st, e["reason"]), (409, "Conflict"))
        self.assertIn('Operation cannot be fulfilled on services "a"', e["message"])
        st, e = self.call("DELETE", "/api/v1/namespaces/w/services/a", {"preconditions": {"resourceVersion": rv}})
        self.assertEqual(st, 409)
        st, e = self.call("DELETE", "/api/v1/namespaces/w/services/a")
        self.assertEqual((st, e["status"]), (200, "Success"))
        self.assertEqual(self.call("GET", "/api/v1/namespaces/w/services/a")[0], 404)

    def test_patches(self):
        self.call("POST", "/api/v1/namespaces/w/services", svc("a", ns="w", labels={"x": "1", "y": "2"}))
        st, o = self.call("PATCH", "/api/v1/namespaces/w/services/a", {"metadata": {"labels": {"x": None, "z": "3"}}},
                          "application/merge-patch+json")
        self.assertEqual((st, o["metadata"]["labels"]), (200, {"y": "2", "z": "3"}))
        st, o = self.call("PATCH", "/api/v1/namespaces/w/services/a",
                          [{"op": "replace", "path": "/metadata/labels/y", "value": "7"},
                           {"op": "add", "path": "/spec/externalIPs", "value": ["192.0.2.5"]}],
                          "application/json-patch+json")
        self.assertEqual((st, o["metadata"]["labels"]["y"], o["spec"]["externalIPs"]), (200, "7", ["192.0.2.5"]))
        st, e = self.call("PATCH", "/api/v1/namespaces/w/services/a",
                          [{"op": "test", "path": "/metadata/labels/y", "value": "2"},
                           {"op": "replace", "path": "/metadata/labels/y", "value": "8"}],
                          "application/json-patch+json")
        self.assertEqual(st, 422)
        self.assertEqual(self.call("GET", "/api/v1/namespaces/w/services/a")[1]["metadata"]["labels"]["y"], "7")
        st, e = self.call("PATCH", "/api/v1/namespaces/w/services/a", {"metadata": {"resourceVersion": "1"}},
                          "application/merge-patch+json")
        self.assertEqual((st, e["reason"]), (409, "Conflict"))
        st, e = self.call("PATCH", "/api/v1/namespaces/w/services/a", {}, "text/plain")
        self.assertEqual(st, 415)

    def test_status_subresource(self):
        self.call("POST", "/api/v1/namespaces/w/services", svc("a", ns="w", typ="LoadBalancer"))
        st, o = self.call("PATCH", "/api/v1/namespaces/w/services/a/status",
                          {"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.9"}]}},
                           "spec": {"clusterIP": "10.96.9.9"}}, "application/merge-patch+json")
        self.assertEqual(st, 200)
        self.assertEqual(o["status"]["loadBalancer"]["ingress"], [{"ip": "192.0.2.9"}])
        self.assertEqual(o["spec"]["clusterIP"], "10.96.0.10")  # /status changes only status
        o["status"] = {}
        o["spec"]["clusterIP"] = "10.96.0.12"
        st, o = self.call("PUT", "/api/v1/namespaces/w/services/a", o)
        self.assertEqual((o["spec"]["clusterIP"], o["status"]["loadBalancer"]["ingress"][0]["ip"]),
                         ("10.96.0.12", "192.0.2.9"))  # the object's writes keep status

    def test_custom_resources_exist_while_their_crd_does(self):
        peer = {"apiVersion": "svcbgp.io/v1alpha1", "kind": "BGPPeer", "metadata": {"name": "tor1"},
                "spec": {"address": "10.0.0.1", "asn": 65000}}
        st, e = self.call("GET", PEERS)
        self.assertEqual((st, e["reason"]), (404, "NotFound"))
        self.assertEqual(self.call("POST", PEERS, peer)[0], 404)
        st, _ = self.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD_PEERS)
        self.assertEqual(st, 201)
        self.assertIn("svcbgp.io", [g["name"] for g in self.get_json("/apis")["groups"]])
        st, o = self.call("POST", PEERS, peer)
        self.assertEqual((st, o["metadata"]["generation"], list(o)), (201, 1, ["kind", "apiVersion", "metadata",
                                                                              "spec"]))
        st, o = self.call("PATCH", PEERS + "/tor1", {"spec": {"asn": 65001}}, "application/merge-patch+json")
        self.assertEqual((o["spec"]["asn"], o["metadata"]["generation"]), (65001, 2))
        self.assertEqual(self.call("GET", PEERS)[1]["items"][0]["spec"]["asn"], 65001)
        st, o = self.call("DELETE", PEERS + "/tor1")
        self.assertEqual((st, o["kind"]), (200, "BGPPeer"))
        self.call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/bgppeers.svcbgp.io")
        self.assertEqual(self.call("GET", PEERS)[0], 404)

    def test_secret_string_data_is_stored_as_data(self):
        st, o = self.call("POST", "/api/v1/namespaces/w/secrets",
                          {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pw"},
                           "stringData": {"password": "s3cret"}, "type": "Opaque"})
        self.assertEqual((st, o["data"], "stringData" in o), (201, {"password": "czNjcmV0"}, False))

    def test_chunked_request_body(self):
        """kubectl 1.32 streams `replace --raw` bodies chunked; the connection stays usable after one."""
        c = self.api.connect()
        headers = {"Authorization": "Bearer " + self.api.token, "Content-Type": "application/json"}
        body = json.dumps(svc("a", ns="w")).encode()
        c.request("POST", "/api/v1/namespaces/w/services", body=iter([body[:10], body[10:]]), headers=headers,
                  encode_chunked=True)
        r = c.getresponse()
        self.assertEqual((r.status, json.loads(r.read())["metadata"]["name"]), (201, "a"))
        c.request("GET", "/api/v1/namespaces/w/services/a", headers=headers)
        r = c.getresponse()
        self.assertEqual((r.status, json.loads(r.read())["spec"]["clusterIP"]), (200, "10.96.0.10"))
        c.putrequest("POST", "/api/v1/namespaces/w/services")
        for k, v in dict(headers, **{"Transfer-Encoding": "chunked"}).items():
            c.putheader(k, v)
        c.endheaders(b"zz\r\n{}\r\n0\r\n\r\n")
        r = c.getresponse()
        self.assertEqual(r.status, 400)
        self.assertIn("malformed chunk size line", json.loads(r.read())["message"])
        c.close()

    def test_faults_on_writes(self):
        self.api.fault("409", resource="services", verb="create")
        st, e = self.call("POST", "/api/v1/namespaces/w/services", svc("a", ns="w"))
        self.assertEqual((st, e["reason"]), (409, "Conflict"))
        self.assertEqual(self.call("GET", "/api/v1/namespaces/w/services/a")[0], 404)
        self.api.fault("500", resource="services", verb="create")
        self.assertEqual(self.call("POST", "/api/v1/namespaces/w/services", svc("a", ns="w"))[0], 500)
        # A write that times out may still have been applied, as with a real API server.
        self.api.fault("timeout", resource="services", verb="create", seconds=0.2)
        st, e = self.call("POST", "/api/v1/namespaces/w/services", svc("a", ns="w"))
        self.assertEqual((st, e["reason"]), (504, "Timeout"))
        self.assertEqual(self.call("GET", "/api/v1/namespaces/w/services/a")[0], 200)


class TestTokenFileAndPlain(unittest.TestCase):
    def test_token_file_reread_every_request(self):
        with tempfile.TemporaryDirectory() as d:
            tf = os.path.join(d, "token")
            with open(tf, "w") as f:
                f.write("one\n")
            with FakeApiServer(token_file=tf) as api:
                self.assertEqual(api.get("/api/v1/nodes", token="one")[0], 200)
                with open(tf + ".new", "w") as f:
                    f.write("two")
                os.replace(tf + ".new", tf)
                self.assertEqual(api.get("/api/v1/nodes", token="one")[0], 401)
                self.assertEqual(api.get("/api/v1/nodes", token="two")[0], 200)

    def test_plain_http(self):
        with FakeApiServer(plain=True, token="t") as api:
            self.assertTrue(api.url.startswith("http://127.0.0.1:"))
            self.assertIsNone(api.ca)
            self.assertEqual(api.get("/api/v1/services")[0], 200)
            self.assertEqual(api.get("/api/v1/services", token="x")[0], 401)

    def test_ipv6_loopback(self):
        try:
            socket.socket(socket.AF_INET6).bind(("::1", 0))
        except OSError:
            self.skipTest("no IPv6 loopback here")
        with FakeApiServer(host="::1") as api:
            self.assertTrue(api.url.startswith("https://[::1]:"))
            self.assertEqual(api.get("/api/v1/services")[0], 200)


class TestList(Base):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        objs = [svc(f"s{i:02d}", ns="paging", labels={"app": f"a{i % 3}", "tier": "web" if i % 2 else "db"})
                for i in range(25)]
        objs += [svc("plain", ns="sel"), svc("web1", ns="sel", labels={"app": "web", "env": "prod"}),
                 svc("web2", ns="sel", labels={"app": "web", "env": "dev"}),
                 svc("db1", ns="sel", labels={"app": "db", "env": "prod"}),
                 svc("cache", ns="sel", labels={"app": "cache"})]
        objs += [slice_("s1-abc", "s1", ns="sel"), slice_("s2-abc", "s2", ns="other")]
        objs += [node("node-1"), node("node-2")]
        cls.api.apply(objs)

    def test_list_shape_like_capture(self):
        r = Raw(self.api, "/api/v1/namespaces/sel/services")
        self.assertEqual(r.status_line, "HTTP/1.1 200 OK")
        self.assertEqual([k for k, _ in r.headers], CAPTURE_LIST_HEADERS)
        self.assertEqual(r.hdr["Content-Type"], "application/json")
        self.assertEqual(r.hdr["Cache-Control"], "no-cache, private")
        body = r.body()
        r.close()
        self.assertTrue(body.endswith(b"]}\n"))
        d = json.loads(body)
        self.assertEqual(list(d), CAPTURE_LIST_KEYS)
        self.assertEqual((d["kind"], d["apiVersion"]), ("ServiceList", "v1"))
        self.assertEqual(list(d["metadata"]), ["resourceVersion"])
        for item in d["items"]:
            self.assertNotIn("kind", item)
            self.assertNotIn("apiVersion", item)
            self.assertEqual(list(item)[:2], ["metadata", "spec"])
            self.assertEqual(list(item["metadata"])[:6],
                             ["name", "namespace", "uid", "resourceVersion", "creationTimestamp", "labels"]
                             [:len(item["metadata"])] if "labels" in item["metadata"] else
                             ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"])
        es = self.get_json("/apis/discovery.k8s.io/v1/endpointslices")
        self.assertEqual((es["kind"], es["apiVersion"]), ("EndpointSliceList", "discovery.k8s.io/v1"))
        self.assertEqual(list(es["items"][0])[:2], ["metadata", "addressType"])

    def test_paged_list_with_continue(self):
        c = self.api.connect()
        names, rvs, conts = [], set(), []
        cont = ""
        while True:
            c.request("GET", "/api/v1/namespaces/paging/services?limit=10" + (f"&continue={cont}" if cont else ""),
                      headers={"Authorization": "Bearer " + self.api.token})
            d = json.loads(c.getresponse().read())
            names += [i["metadata"]["name"] for i in d["items"]]
            rvs.add(d["metadata"]["resourceVersion"])
            cont = d["metadata"].get("continue")
            if not cont:
                self.assertNotIn("remainingItemCount", d["metadata"])
                break
            self.assertEqual(list(d["metadata"]), ["resourceVersion", "continue", "remainingItemCount"])
            conts.append(d["metadata"]["remainingItemCount"])
        c.close()
        self.assertEqual(names, [f"s{i:02d}" for i in range(25)])
        self.assertEqual(len(rvs), 1)
        self.assertEqual(conts, [15, 5])

    def test_continue_is_a_consistent_snapshot(self):
        with FakeApiServer() as api:
            api.apply([svc(f"x{i}") for i in range(6)])
            d = json.loads(api.get("/api/v1/services?limit=3")[2])
            rv = d["metadata"]["resourceVersion"]
            api.delete("services", "default", "x4")
            api.apply(svc("x5", ip="10.96.9.9"))
            api.apply(svc("x3a"))
            d2 = json.loads(api.get("/api/v1/services?limit=10&continue=" + d["metadata"]["continue"])[2])
            self.assertEqual(d2["metadata"]["resourceVersion"], rv)
            self.assertEqual([i["metadata"]["name"] for i in d2["items"]], ["x3", "x4", "x5"])
            self.assertEqual(d2["items"][2]["spec"]["clusterIP"], "10.96.0.10")
            fresh = json.loads(api.get("/api/v1/services")[2])
            self.assertEqual([i["metadata"]["name"] for i in fresh["items"]], ["x0", "x1", "x2", "x3", "x3a", "x5"])

    def test_continue_expired_after_compact(self):
        with FakeApiServer() as api:
            api.apply([svc(f"x{i}") for i in range(6)])
            d = json.loads(api.get("/api/v1/services?limit=2")[2])
            api.apply(svc("x9"))
            api.compact()
            st, _, b = api.get("/api/v1/services?limit=2&continue=" + d["metadata"]["continue"])
            self.assertEqual(st, 410)
            e = json.loads(b)
            self.assertEqual((e["reason"], e["code"]), ("Expired", 410))
            self.assertTrue(e["message"].startswith("The provided continue parameter is too old to display a "
                                                    "consistent list result."), e["message"])
            # The inconsistent continuation it hands back finishes the listing at the current state.
            rest, _, _ = list_all(api, "/api/v1/services?continue=" + e["metadata"]["continue"], 100, "&")
            self.assertEqual([i["metadata"]["name"] for i in rest], ["x2", "x3", "x4", "x5", "x9"])

    def test_resource_version_semantics(self):
        with FakeApiServer() as api:
            api.apply([svc("a"), svc("b")])
            self.assertEqual(len(json.loads(api.get("/api/v1/services?resourceVersion=0")[2])["items"]), 2)
            api.apply(svc("c"))
            # Exact (or legacy rv + limit) reads the old snapshot while the history has it.
            d = json.loads(api.get("/api/v1/services?resourceVersion=2&resourceVersionMatch=Exact")[2])
            self.assertEqual([i["metadata"]["name"] for i in d["items"]], ["a", "b"])
            d = json.loads(api.get("/api/v1/services?resourceVersion=2&limit=5")[2])
            self.assertEqual(d["metadata"]["resourceVersion"], "2")
            api.compact()
            st, _, b = api.get("/api/v1/services?resourceVersion=2&limit=500")
            self.assertEqual(st, 410)
            self.assertEqual(json.loads(b), {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                             "status": "Failure",
                                             "message": "The resourceVersion for the provided list is too old.",
                                             "reason": "Expired", "code": 410})
            # NotOlderThan is served from the current state.
            d = json.loads(api.get("/api/v1/services?resourceVersion=2&resourceVersionMatch=NotOlderThan")[2])
            self.assertEqual(len(d["items"]), 3)
            st, _, b = api.get("/api/v1/services?resourceVersion=99")
            self.assertEqual((st, json.loads(b)["reason"]), (504, "Timeout"))

    def test_label_selectors(self):
        base = "/api/v1/namespaces/sel/services?labelSelector="
        table = {
            "app": ["cache", "db1", "web1", "web2"],
            "!app": ["plain"],
            "app=web": ["web1", "web2"],
            "app==web": ["web1", "web2"],
            "app!=web": ["cache", "db1", "plain"],
            "app in (web,db)": ["db1", "web1", "web2"],
            "app notin (web,db)": ["cache", "plain"],
            "app=web,env=prod": ["web1"],
            "app in (web, db),env!=dev": ["db1", "web1"],
            "env,!nope": ["db1", "web1", "web2"],
        }
        for sel, want in table.items():
            with self.subTest(sel=sel):
                self.assertEqual(self.names(base + urllib.parse.quote(sel)), want)
        st, _, b = self.get(base + urllib.parse.quote("app in web"))
        self.assertEqual((st, json.loads(b)["reason"]), (400, "BadRequest"))

    def test_label_selector_with_paging(self):
        items, pages, _ = list_all(self.api, "/api/v1/namespaces/paging/services?labelSelector=app%3Da1", 3, "&")
        self.assertEqual([i["metadata"]["name"] for i in items], [f"s{i:02d}" for i in range(1, 25, 3)])
        self.assertGreaterEqual(pages, 3)

    def test_field_selectors_and_nodes(self):
        self.assertEqual(self.names("/api/v1/nodes?fieldSelector=metadata.name%3Dnode-2"), ["node-2"])
        self.assertEqual(self.names("/api/v1/services?fieldSelector=metadata.name%3Dweb1,metadata.namespace%3Dsel"),
                         ["web1"])
        self.assertEqual(self.names("/api/v1/services?fieldSelector=metadata.namespace%3Dsel,"
                                    "metadata.name!%3Dplain"), ["cache", "db1", "web1", "web2"])
        n = self.get_json("/api/v1/nodes/node-1")
        self.assertEqual((n["kind"], n["apiVersion"], n["metadata"]["name"]), ("Node", "v1", "node-1"))
        self.assertNotIn("namespace", n["metadata"])
        st, _, _ = self.get("/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue")
        self.assertEqual(st, 400)

    def test_namespaced_paths(self):
        self.assertEqual(self.names("/apis/discovery.k8s.io/v1/namespaces/sel/endpointslices"), ["s1-abc"])
        self.assertEqual(self.names("/apis/discovery.k8s.io/v1/endpointslices"), ["s1-abc", "s2-abc"])
        self.assertEqual(self.names("/api/v1/namespaces/nothing/services"), [])
        self.assertEqual(self.get_json("/api/v1/namespaces/sel/services/web1")["kind"], "Service")


class TestWatch(Base):
    server_args = {"bookmark_interval": 0.3}

    def watch(self, query, **kw):
        return Raw(self.api, "/api/v1/namespaces/" + query, **kw)

    def test_watch_added_modified_deleted(self):
        rv = int(self.api.apply(svc("w1", ns="w-basic"))["resourceVersion"])
        r = self.watch(f"w-basic/services?watch=true&resourceVersion={rv}")
        self.assertEqual(r.status, 200)
        self.assertEqual([k for k, _ in r.headers], CAPTURE_WATCH_HEADERS)
        self.assertEqual(r.hdr["Transfer-Encoding"], "chunked")
        self.api.apply(svc("w2", ns="w-basic"))
        self.api.apply(svc("w1", ns="w-basic", ip="10.96.0.99"))
        self.api.apply(svc("w1", ns="w-basic", ip="10.96.0.99"))  # no change: no event
        self.api.delete("services", "w-basic", "w1")
        evs = r.events(3)
        r.close()
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "w2"), ("MODIFIED", "w1"), ("DELETED", "w1")])
        for e in evs:
            self.assertEqual(list(e), CAPTURE_EVENT_KEYS)
            self.assertEqual(list(e["object"])[:3], ["kind", "apiVersion", "metadata"])
            self.assertEqual(e["object"]["kind"], "Service")
        self.assertEqual(evs[2]["object"]["spec"]["clusterIP"], "10.96.0.99")  # the last state
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
        self.assertEqual(rvs, sorted(rvs))

    def test_watch_from_zero_sends_current_state(self):
        self.api.apply([svc("z1", ns="w-zero"), svc("z2", ns="w-zero")])
        r = self.watch("w-zero/services?watch=1&resourceVersion=0&timeoutSeconds=1")
        evs = r.events()
        r.close()
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "z1"), ("ADDED", "z2")])

    def test_bookmarks_only_when_asked(self):
        rv = self.api.state()["resourceVersion"]
        r = self.watch(f"w-bm/services?watch=true&resourceVersion={rv}&timeoutSeconds=1")
        self.assertEqual(r.events(), [])
        self.assertTrue(r.ended)
        r.close()
        r = self.watch(f"w-bm/services?watch=true&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=2")
        evs = r.events(1)
        r.close()
        self.assertEqual(evs[0]["type"], "BOOKMARK")
        self.assertEqual(evs[0]["object"], {"kind": "Service", "apiVersion": "v1",
                                            "metadata": {"resourceVersion": evs[0]["object"]["metadata"][
                                                "resourceVersion"]}})
        self.assertGreaterEqual(int(evs[0]["object"]["metadata"]["resourceVersion"]), int(rv))

    def test_timeout_ends_stream_silently_and_keeps_connection(self):
        rv = self.api.state()["resourceVersion"]
        r = self.watch(f"w-to/services?watch=true&resourceVersion={rv}&timeoutSeconds=1")
        t0 = time.monotonic()
        self.assertEqual(r.events(), [])
        self.assertTrue(r.ended)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        # keep-alive: the same connection serves the next request
        self.assertEqual(r.request("/api/v1/namespaces/w-to/services"), 200)
        self.assertEqual(json.loads(r.body())["items"], [])
        r.close()

    def test_send_initial_events_bookmark(self):
        self.api.apply([svc("i1", ns="w-init"), svc("i2", ns="w-init")])
        r = self.watch("w-init/services?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                       "&allowWatchBookmarks=true&timeoutSeconds=5")
        first = r.chunk()
        evs = [json.loads(first)] + r.events(2)
        r.close()
        self.assertEqual(first, json.dumps(evs[0], separators=(",", ":")).encode() + b"\n")  # one event a chunk
        self.assertEqual([e["type"] for e in evs], ["ADDED", "ADDED", "BOOKMARK"])
        bm = evs[2]
        self.assertEqual(list(bm["object"]["metadata"]), list(CAPTURE_BOOKMARK["object"]["metadata"]))
        self.assertEqual(bm["object"]["metadata"]["annotations"], {"k8s.io/initial-events-end": "true"})
        st, _, b = self.get("/api/v1/services?watch=true&sendInitialEvents=true&allowWatchBookmarks=true")
        self.assertEqual((st, json.loads(b)["reason"]), (422, "Invalid"))

    def test_watch_410_after_compact(self):
        with FakeApiServer() as api:
            api.apply([svc("a"), svc("b")])
            api.compact()
            r = Raw(api, "/api/v1/services?watch=true&resourceVersion=1")
            self.assertEqual(r.status, 200)
            line = r.chunk()
            self.assertIsNone(r.chunk())
            r.close()
            self.assertEqual(line, (EXPIRED_WATCH % (1, 2)).encode() + b"\n")

    def test_watch_410_when_history_overflows(self):
        with FakeApiServer(history=5) as api:
            for i in range(8):
                api.apply(svc(f"h{i}"))
            r = Raw(api, "/api/v1/services?watch=true&resourceVersion=1")
            evs = r.events()
            r.close()
            self.assertEqual(len(evs), 1)
            self.assertEqual(evs[0]["object"]["code"], 410)
            r = Raw(api, "/api/v1/services?watch=true&resourceVersion=3&timeoutSeconds=1")
            self.assertEqual([e["object"]["metadata"]["name"] for e in r.events()], ["h3", "h4", "h5", "h6", "h7"])
            r.close()

    def test_watch_selector_transitions(self):
        self.api.apply(svc("t1", ns="w-sel", labels={"app": "x"}))
        rv = self.api.state()["resourceVersion"]
        r = self.watch(f"w-sel/services?watch=true&resourceVersion={rv}&labelSelector=app%3Dx")
        self.api.apply(svc("t2", ns="w-sel", labels={"app": "y"}))       # never matches
        self.api.apply(svc("t1", ns="w-sel", labels={"app": "y"}))       # leaves: DELETED
        self.api.apply(svc("t2", ns="w-sel", labels={"app": "x"}))       # enters: ADDED
        self.api.apply(svc("t2", ns="w-sel", labels={"app": "x"}, ip="10.96.1.1"))  # MODIFIED
        evs = r.events(3)
        r.close()
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("DELETED", "t1"), ("ADDED", "t2"), ("MODIFIED", "t2")])
        self.assertEqual(evs[0]["object"]["metadata"]["labels"], {"app": "x"})

    def test_endpointslice_and_node_watch(self):
        rv = self.api.state()["resourceVersion"]
        r = Raw(self.api, f"/apis/discovery.k8s.io/v1/namespaces/w-es/endpointslices?watch=true&resourceVersion={rv}")
        r2 = Raw(self.api, f"/api/v1/nodes?watch=true&resourceVersion={rv}&fieldSelector=metadata.name%3Dn-me")
        self.api.apply([slice_("e1", "s", ns="w-es"), node("n-other"), node("n-me")])
        e = r.events(1)[0]
        n = r2.events(1)[0]
        r.close()
        r2.close()
        self.assertEqual((e["object"]["kind"], e["object"]["apiVersion"]), ("EndpointSlice", "discovery.k8s.io/v1"))
        self.assertEqual(n["object"]["metadata"]["name"], "n-me")

    def test_rewatch_from_bookmark_rv_is_logged(self):
        rv = self.api.state()["resourceVersion"]
        r = self.watch(f"w-log/services?watch=true&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=1")
        bms = [e for e in r.events() if e["type"] == "BOOKMARK"]
        r.close()
        bm_rv = bms[-1]["object"]["metadata"]["resourceVersion"]
        r = self.watch(f"w-log/services?watch=true&resourceVersion={bm_rv}&allowWatchBookmarks=true"
                       "&timeoutSeconds=1")
        r.events()
        r.close()
        reqs = self.api.requests(verb="watch", namespace="w-log")
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[1]["query"]["resourceVersion"], bm_rv)
        self.assertEqual(reqs[1]["query"]["allowWatchBookmarks"], "true")
        self.assertEqual(reqs[1]["headers"]["Authorization"], "Bearer " + self.api.token)


class TestChunking(unittest.TestCase):
    def run_mode(self, mode, per_fault=False):
        with FakeApiServer(chunking=None if per_fault else mode) as api:
            if per_fault:
                api.fault("chunking", chunking=mode, verb="watch")
            api.apply([svc(f"c{i}", labels={"k": "v" * 40}) for i in range(6)])
            r = Raw(api, "/api/v1/services?watch=true&resourceVersion=0&timeoutSeconds=1")
            chunks = []
            while True:
                c = r.chunk()
                if c is None:
                    break
                chunks.append(c)
            r.close()
            blob = b"".join(chunks)
            events = [json.loads(x) for x in blob.split(b"\n") if x]
            self.assertEqual([e["object"]["metadata"]["name"] for e in events], [f"c{i}" for i in range(6)])
            return chunks

    def test_normal_one_event_per_chunk(self):
        chunks = self.run_mode("normal")
        self.assertEqual(len(chunks), 6)
        self.assertTrue(all(c.endswith(b"\n") and c.count(b"\n") == 1 for c in chunks))

    def test_split_events_span_chunks(self):
        chunks = self.run_mode("split")
        self.assertGreater(len(chunks), 6)
        self.assertTrue(any(not c.endswith(b"\n") for c in chunks))

    def test_batch_events_share_a_chunk(self):
        chunks = self.run_mode("batch")
        self.assertEqual(len(chunks), 1)
        self.assertEqual(chunks[0].count(b"\n"), 6)

    def test_mixed_per_fault(self):
        chunks = self.run_mode("mixed", per_fault=True)
        self.assertTrue(any(c.count(b"\n") == 0 for c in chunks) or any(c.count(b"\n") > 1 for c in chunks))


class TestFaults(Base):
    def test_429_retry_after_plain_text(self):
        self.api.fault("429", resource="services", verb="list", retry_after=3)
        r = Raw(self.api, "/api/v1/services")
        body = r.body()
        r.close()
        self.assertEqual(r.status_line, "HTTP/1.1 429 Too Many Requests")
        self.assertEqual(r.hdr["Retry-After"], "3")
        self.assertTrue(r.hdr["Content-Type"].startswith("text/plain"))
        self.assertEqual(body, b"Too many requests, please try again later.\n")
        self.assertEqual(self.get("/api/v1/services")[0], 200)  # only the next one

    def test_fault_filters_by_resource_and_verb(self):
        self.api.fault("500", resource="endpointslices", verb=["watch"], count=2)
        self.assertEqual(self.get("/apis/discovery.k8s.io/v1/endpointslices")[0], 200)
        self.assertEqual(self.get("/api/v1/services?watch=true&timeoutSeconds=0")[0], 200)
        for _ in range(2):
            st, _, b = self.get("/apis/discovery.k8s.io/v1/endpointslices?watch=true&timeoutSeconds=0")
            self.assertEqual((st, json.loads(b)["reason"]), (500, "InternalError"))
        self.assertEqual(self.get("/apis/discovery.k8s.io/v1/endpointslices?watch=true&timeoutSeconds=0")[0], 200)

    def test_list_410_fault(self):
        self.api.fault("410", verb="list")
        st, _, b = self.get("/api/v1/nodes")
        self.assertEqual((st, json.loads(b)["reason"]), (410, "Expired"))

    def test_watch_error_410_fault(self):
        self.api.fault("410", verb="watch", resource="services")
        r = Raw(self.api, "/api/v1/services?watch=true&resourceVersion=1")
        evs = r.events()
        r.close()
        self.assertEqual(r.status, 200)
        self.assertEqual([(e["type"], e["object"]["reason"], e["object"]["code"]) for e in evs],
                         [("ERROR", "Expired", 410)])

    def test_compact_fault(self):
        with FakeApiServer() as api:
            api.apply([svc("a"), svc("b")])
            api.fault("compact", verb="watch")
            r = Raw(api, "/api/v1/services?watch=true&resourceVersion=1")
            evs = r.events()
            r.close()
            self.assertEqual(evs[0]["object"]["code"], 410)

    def test_stall_and_release(self):
        rv = self.api.state()["resourceVersion"]
        since = self.api.state()["requests"]
        self.api.fault("stall", verb="watch", after_events=1)
        r = Raw(self.api, f"/api/v1/namespaces/f-stall/services?watch=true&resourceVersion={rv}")
        self.api.apply(svc("st1", ns="f-stall"))
        self.assertEqual(r.events(1)[0]["object"]["metadata"]["name"], "st1")
        self.api.wait_request(since=since, stalled="True", timeout=TIMEOUT)
        self.api.apply(svc("st2", ns="f-stall"))
        self.assertTrue(r.quiet(0.5), "a stalled stream sent data")
        self.assertEqual(self.api.release(), 1)
        self.assertEqual(r.events(1)[0]["object"]["metadata"]["name"], "st2")
        r.close()

    def test_stall_ends_when_client_leaves(self):
        since = self.api.state()["requests"]
        self.api.fault("stall", verb="watch")
        r = Raw(self.api, "/api/v1/namespaces/f-leave/services?watch=true&resourceVersion=0")
        self.api.wait_request(since=since, stalled="True", timeout=TIMEOUT)
        r.close()
        self.api.wait_request(since=since, stalled="False", timeout=TIMEOUT)
        self.assertEqual(self.api.release(), 0)

    def test_reset_mid_chunk(self):
        rv = self.api.state()["resourceVersion"]
        self.api.fault("reset", verb="watch", after_events=1)
        r = Raw(self.api, f"/api/v1/namespaces/f-reset/services?watch=true&resourceVersion={rv}")
        self.api.apply(svc("r1", ns="f-reset"))
        self.assertEqual(r.events(1)[0]["object"]["metadata"]["name"], "r1")
        self.api.apply(svc("r2", ns="f-reset"))
        size = int(r.readline(), 16)
        with self.assertRaises((ConnectionResetError, EOFError, ssl.SSLError)):
            r.read(size)
        self.assertGreater(len(r.buf), 0)
        self.assertLess(len(r.buf), size)
        r.close()

    def test_reset_plain_is_a_tcp_rst(self):
        with FakeApiServer(plain=True) as api:
            api.fault("reset", verb="watch")
            api.apply(svc("a"))
            r = Raw(api, "/api/v1/services?watch=true&resourceVersion=0")
            size = int(r.readline(), 16)
            with self.assertRaises(ConnectionResetError):
                r.read(size)
            self.assertTrue(0 < len(r.buf) < size)
            r.close()

    def test_malformed_line(self):
        with FakeApiServer() as api:
            api.apply([svc("a"), svc("b")])
            api.fault("malformed", verb="watch", after_events=1)
            r = Raw(api, "/api/v1/services?watch=true&resourceVersion=0&timeoutSeconds=1")
            data = b""
            while (c := r.chunk()) is not None:
                data += c
            r.close()
            lines = data.split(b"\n")[:-1]
            self.assertEqual(len(lines), 3)
            json.loads(lines[0])
            with self.assertRaises(ValueError):
                json.loads(lines[1])
            self.assertEqual(json.loads(lines[2])["object"]["metadata"]["name"], "b")


class TestControl(unittest.TestCase):
    def test_scenario_file_objects_and_manifest_files(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "m"))
            with open(os.path.join(d, "m", "a.yaml"), "w") as f:
                f.write("apiVersion: v1\nkind: Service\nmetadata:\n  name: from-file\n  namespace: ns1\n"
                        "  creationTimestamp: 2024-01-02T03:04:05Z\nspec:\n  type: LoadBalancer\n"
                        "  clusterIP: 10.96.0.1\n---\napiVersion: v1\nkind: List\nitems:\n"
                        "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: node-9\n")
            with open(os.path.join(d, "s.yaml"), "w") as f:
                f.write("objects:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: inline}\n"
                        "  spec: {type: ClusterIP}\nfiles: [m]\nsteps:\n- whatever: ignored\n")
            with FakeApiServer(scenario=os.path.join(d, "s.yaml")) as api:
                self.assertEqual(api.state()["counts"], {"services": 2, "endpointslices": 0, "nodes": 1})
                o = api.get_object("services", "ns1", "from-file")
                self.assertEqual(o["metadata"]["creationTimestamp"], "2024-01-02T03:04:05Z")
                self.assertEqual(list(o["spec"]), ["clusterIP", "type"])  # API field order, not the file's

    def test_requests_log_wait_and_reset(self):
        with FakeApiServer() as api:
            api.get("/api/v1/services?limit=5&labelSelector=a%3Db", headers={"User-Agent": "svcbgpd/test"})
            e = api.wait_request(verb="list", resource="services")
            self.assertEqual(e["query"], {"limit": "5", "labelSelector": "a=b"})
            self.assertEqual(e["headers"]["User-Agent"], "svcbgpd/test")
            self.assertEqual(e["status"], 200)
            api.reset()
            self.assertEqual(api.requests(), [])
            with self.assertRaises(ControlError):
                api.wait_request(verb="watch", timeout=0.2)
            with self.assertRaises(ControlError):
                api.delete("services", "default", "nope")
            with self.assertRaises(ControlError):
                api.fault("bogus")

    def test_generate_small_cluster(self):
        with FakeApiServer() as api:
            out = api.load(services=200, slices_per_service=2, nodes=5)
            self.assertEqual(out["counts"], {"services": 200, "endpointslices": 400, "nodes": 5})
            items = json.loads(api.get("/api/v1/services")[2])["items"]
            types = {i["spec"]["type"] for i in items}
            self.assertEqual(types, {"ClusterIP", "LoadBalancer"})
            lb = next(i for i in items if i["spec"]["type"] == "LoadBalancer")
            self.assertIn("ip", lb["status"]["loadBalancer"]["ingress"][0])
            es = json.loads(api.get("/apis/discovery.k8s.io/v1/endpointslices?limit=1")[2])["items"][0]
            self.assertTrue(es["endpoints"][0]["nodeName"].startswith("node-"))
            self.assertEqual(len(self.names(api)), 5)

    def names(self, api):
        return [i["metadata"]["name"] for i in json.loads(api.get("/api/v1/nodes")[2])["items"]]

    def test_host_outside_test_ranges_refused(self):
        # Loopback, 10.99.0.0/16 and fd99::/16 only; this address is never bound (the check comes first).
        p = subprocess.run([sys.executable, os.path.join(HERE, "fake_apiserver.py"), "--host", "192.0.2.1"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 2)
        self.assertIn("10.99.0.0/16", p.stderr)

    def test_restart_keeps_certs_and_starts_above_old_rvs(self):
        with tempfile.TemporaryDirectory() as d:
            with FakeApiServer("--state-dir", d, token="t1") as api:
                api.apply(svc("a"))
                old_rv = int(api.state()["resourceVersion"])
                port = api.port
                with open(api.ca, "rb") as f:
                    ca = f.read()
            with FakeApiServer("--state-dir", d, "--reuse-certs", "--start-rv", str(old_rv + 100), token="t1",
                               port=port) as api:
                with open(api.ca, "rb") as f:
                    self.assertEqual(f.read(), ca)
                self.assertEqual(api.port, port)
                api.apply(svc("a"))
                self.assertGreater(int(api.state()["resourceVersion"]), old_rv + 100)
                code, _, _ = api.get(f"/api/v1/services?resourceVersion={old_rv}&resourceVersionMatch=Exact")
                self.assertEqual(code, 410)


@unittest.skipIf(os.environ.get("SVCBGP_SKIP_LOAD_TEST") == "1", "SVCBGP_SKIP_LOAD_TEST=1")
class TestLoad(unittest.TestCase):
    def test_100k_services_200k_slices_paged_list(self):
        with FakeApiServer(ready_timeout=120) as api:
            t0 = time.monotonic()
            out = api.load(services=100000, slices_per_service=2, seed=1)
            gen = time.monotonic() - t0
            self.assertEqual(out["counts"]["services"], 100000)
            self.assertEqual(out["counts"]["endpointslices"], 200000)
            t0 = time.monotonic()
            svcs, p1, rv1 = list_all(api, "/api/v1/services", 500)
            slices, p2, rv2 = list_all(api, "/apis/discovery.k8s.io/v1/endpointslices", 500)
            took = time.monotonic() - t0
            print(f"# load: generated 100k services + 200k slices in {gen:.1f}s; full paged LIST (limit=500, "
                  f"{p1 + p2} pages, TLS, JSON decoded) in {took:.1f}s", flush=True)
            self.assertEqual((len(svcs), len(slices)), (100000, 200000))
            self.assertEqual((len(rv1), len(rv2)), (1, 1))
            self.assertEqual(len({(i["metadata"]["namespace"], i["metadata"]["name"]) for i in slices}), 200000)
            self.assertLess(took, 60)


if __name__ == "__main__":
    unittest.main()
