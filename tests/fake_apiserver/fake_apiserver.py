#!/usr/bin/env python3
"""A fake Kubernetes API server for svcbgp tests: Services, EndpointSlices and Nodes over HTTP/1.1 (+TLS),
LIST (paged, selectors, resourceVersion semantics) and WATCH (chunked, bookmarks, initial events, 410s), faults on
demand, and a JSON control interface on a separate plain-HTTP port.  Standard library + PyYAML only.

    fake_apiserver.py [--plain] [--port 0] [--control-port 0] [--state-dir DIR] [--token T | --token-file F]
                      [--scenario FILE] [--history 10000] [--bookmark-interval 60] [--chunking normal]

When ready it prints one JSON line on stdout: {"url", "control", "ca", "token", ...}.
See README.md in this folder for the control API.
"""

import argparse
import email.utils
import http.server
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate  # noqa: E402
import store as st  # noqa: E402
from store import ApiError, Filter, KINDS, dumps, event_bytes  # noqa: E402
import patch  # noqa: E402

REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 410: "Gone", 413: "Request Entity Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}
TOO_MANY = b"Too many requests, please try again later.\n"
CHUNKINGS = ("normal", "split", "batch", "mixed")
FAULT_TYPES = ("429", "500", "503", "stall", "reset", "malformed", "410", "compact", "chunking", "status",
               "status200", "409", "timeout")
MALFORMED_LINE = b'{"type":"MODIFIED","object":{"kind":"Service","apiVersion":"v1","metadata":{"name":\n'
LOOPBACK = ("127.0.0.1", "::1", "localhost")

# /api/v1/services, /api/v1/namespaces/{ns}/services[/{name}[/status]], /apis/{group}/{version}/..., /api/v1/nodes
ROUTE = re.compile(r"^(?P<prefix>/api/v1|/apis/[^/]+/[^/]+)(?:/namespaces/(?P<ns>[^/]+))?"
                   r"/(?P<res>[a-z]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>status))?)?/?$")
WRITE_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
MAX_BODY = 3 * 1024 * 1024  # kube-apiserver's request size limit

VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def api_resources(kinds, prefix):
    """The APIResourceList a client reads at /api/v1 or /apis/GROUP/VERSION: what it may ask for."""
    kinds = [k for k in kinds if k.prefix == prefix]
    if not kinds:
        return None
    out = []
    for k in kinds:
        r = {"name": k.resource, "singularName": k.kind.lower(), "namespaced": k.namespaced, "kind": k.kind,
             "verbs": VERBS}
        if k.short:
            r["shortNames"] = k.short
        out.append(r)
        if k.status:
            out.append({"name": k.resource + "/status", "singularName": "", "namespaced": k.namespaced,
                        "kind": k.kind, "verbs": ["get", "patch", "update"]})
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": kinds[0].api_version, "resources": out}


def openapi_v3(path, kinds):
    """Just enough OpenAPI v3 for kubectl: the root lists the group versions, and each one's document
    says that PATCH takes fieldValidation, so kubectl apply/create validate on the server (this fake
    accepts what it is sent) instead of downloading the schemas. None: not served."""
    gvs = {}
    for k in kinds:
        gvs.setdefault(k.prefix.lstrip("/"), []).append(k)
    if path == "/openapi/v3":
        return {"paths": {gv: {"serverRelativeURL": f"/openapi/v3/{gv}?hash=0"} for gv in sorted(gvs)}}
    gv = path[len("/openapi/v3/"):]
    if gv not in gvs:
        return None
    paths = {}
    for k in gvs[gv]:
        group, _, version = k.api_version.rpartition("/")
        ns = "/namespaces/{namespace}" if k.namespaced else ""
        paths[f"{k.prefix}{ns}/{k.resource}/{{name}}"] = {"patch": {
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": k.kind},
            "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK"}}}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.31.0-fake"}, "paths": paths}


def proto_string(field, text):
    """One length-delimited protobuf field (wire type 2) holding a short string or message."""
    b = text if isinstance(text, bytes) else text.encode()
    return bytes([field << 3 | 2, len(b)]) + b


# kubectl before 1.27 validates against OpenAPI v2 and asks for it as protobuf (gnostic's openapi_v2.Document) only;
# a document without definitions makes it skip client-side validation, as it does for kinds it does not know.
OPENAPI_V2_PB = proto_string(1, "2.0") + proto_string(2, proto_string(1, "Kubernetes") +
                                                      proto_string(2, "v1.31.0-fake"))
OPENAPI_V2_JSON = {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.31.0-fake"}, "paths": {}}


def discovery(path, address, kinds):
    """Legacy discovery (/api, /apis and below), as kubectl reads it before anything else; generated
    from the kinds served now (custom resources only while their CRD exists). None: not a discovery
    path."""
    if path == "/api":
        host, port = address[:2]
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"{host}:{port}"}]}
    groups = {}
    for k in kinds:
        if "/" in k.api_version:
            group, version = k.api_version.split("/")
            groups.setdefault(group, [])
            if version not in groups[group]:
                groups[group].append(version)

    def group_entry(name):
        versions = [{"groupVersion": f"{name}/{v}", "version": v} for v in groups[name]]
        return {"name": name, "versions": versions, "preferredVersion": versions[0]}
    if path == "/apis":
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [group_entry(g) for g in sorted(groups)]}
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "apis" and parts[2] in groups:
        return {"kind": "APIGroup", "apiVersion": "v1", **group_entry(parts[2])}
    if path == "/api/v1" or (len(parts) == 4 and parts[1] == "apis"):
        return api_resources(kinds, path)
    return None


def write_timeout():
    return ApiError(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline "
                    "exceeded", {})


class StreamAbort(Exception):
    """The handler gave up on the connection (client gone, reset fault)."""


def log(*args):
    print("fake-apiserver:", *args, file=sys.stderr, flush=True)


def truthy(v):
    return v is not None and v.lower() in ("true", "1")


# -------------------------------------------------------------------------------------------------------------------
# Faults and request log

class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        self.next_id = 1

    def add(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        spec = dict(spec)
        t = str(spec.get("type", ""))
        if t not in FAULT_TYPES:
            raise ValueError(f"fault type must be one of {', '.join(FAULT_TYPES)}")
        spec["type"] = t
        if spec.get("resource"):
            spec["resource"] = st.resource_of(spec["resource"])
        verbs = spec.get("verb")
        if isinstance(verbs, str):
            verbs = [verbs]
        if verbs:
            for v in verbs:
                if v not in ("list", "watch", "get", "create", "update", "patch", "delete"):
                    raise ValueError("verb must be list, watch, get, create, update, patch or delete")
        spec["verb"] = verbs or None
        if spec.get("chunking") and spec["chunking"] not in CHUNKINGS:
            raise ValueError(f"chunking must be one of {', '.join(CHUNKINGS)}")
        spec["count"] = int(spec.get("count", 1))
        spec["after_events"] = int(spec.get("after_events", 0))
        with self.lock:
            spec["id"] = self.next_id
            self.next_id += 1
            self.items.append(spec)
        return spec

    def take(self, resource, verb):
        with self.lock:
            for f in self.items:
                if f.get("resource") and f["resource"] != resource:
                    continue
                if f["verb"] and verb not in f["verb"]:
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                if f["count"] == 0:
                    self.items.remove(f)
                return dict(f)
        return None

    def list(self):
        with self.lock:
            return [dict(f) for f in self.items]

    def clear(self):
        with self.lock:
            self.items.clear()


class RequestLog:
    def __init__(self):
        self.cond = threading.Condition()
        self.entries = []
        self.base = 0  # id of entries[0]

    def add(self, entry):
        with self.cond:
            entry["id"] = self.base + len(self.entries)
            self.entries.append(entry)
            self.cond.notify_all()
        return entry

    def updated(self):
        with self.cond:
            self.cond.notify_all()

    def query(self, since=0, wait=0.0, **filters):
        def pick():
            out = []
            for e in self.entries[max(0, since - self.base):]:
                if all(f is None or str(e.get(k)) == f for k, f in filters.items()):
                    out.append(dict(e))
            return out
        deadline = time.monotonic() + wait
        with self.cond:
            res = pick()
            while not res and wait > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
                res = pick()
            return res

    def reset(self):
        with self.cond:
            self.base += len(self.entries)
            self.entries = []

    def clients(self, since=0):
        """Per client (its address): LISTs, WATCHes, requests by verb and resource, and the bytes answered
        (headers and bodies, a watch's stream included), over the log from `since` (what the scale benchmark
        reads: one svcbgpd node per address)."""
        out = {}
        with self.cond:
            entries = list(self.entries[max(0, since - self.base):])
        for e in entries:
            c = out.setdefault(e.get("client", "?"), {"lists": 0, "watches": 0, "requests": 0, "bytes": 0,
                                                      "by_verb": {}, "user_agent": ""})
            c["requests"] += 1
            c["bytes"] += e.get("bytes", 0)
            c["user_agent"] = e["headers"].get("User-Agent", "")
            verb = e.get("verb") or e["method"].lower()
            c["lists"] += verb == "list"
            c["watches"] += verb == "watch"
            key = f"{verb} {e.get('resource') or e['path']}"
            c["by_verb"][key] = c["by_verb"].get(key, 0) + 1
        return out


class CountingWriter:
    """A handler's wfile that adds what it writes to the current request's log entry (`bytes`)."""

    def __init__(self, raw, handler):
        self.raw = raw
        self.h = handler

    def write(self, data):
        n = self.raw.write(data)
        e = getattr(self.h, "entry", None)
        if e is not None:
            e["bytes"] = e.get("bytes", 0) + len(data)
        return n

    def __getattr__(self, name):
        return getattr(self.raw, name)


# -------------------------------------------------------------------------------------------------------------------
# Watch stream writer: chunked framing, chunking modes, event-count-triggered faults

class WatchWriter:
    def __init__(self, handler, mode, fault):
        self.h = handler
        self.mode = mode
        self.fault = fault
        self.count = 0
        self.pending = []
        self.rng = handler.server.app.rng_for_stream()
        self.malformed_done = False

    def chunk(self, data):
        if data:
            self.h.wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")

    def event(self, data):
        f = self.fault
        if f:
            if f["type"] == "reset" and self.count == f["after_events"]:
                self.flush()
                self.h.reset_mid_chunk(data)
            if f["type"] == "malformed" and self.count == f["after_events"] and not self.malformed_done:
                self.malformed_done = True
                self.pending.append(MALFORMED_LINE)
                if f.get("replace"):
                    self.count += 1
                    return
        self.pending.append(data)
        self.count += 1
        if f and f["type"] == "stall" and self.count == f["after_events"]:
            self.flush()
            self.h.stall()

    def flush(self):
        if not self.pending:
            return
        evs, self.pending = self.pending, []
        mode = self.mode
        if mode == "normal":
            for e in evs:
                self.chunk(e)
        elif mode == "batch":
            self.chunk(b"".join(evs))
        elif mode == "split":   # every event in 2..4 pieces, each its own chunk (and TLS record / TCP segment)
            for e in evs:
                cuts = sorted(self.rng.sample(range(1, len(e)), min(len(e) - 1, self.rng.randint(1, 3))))
                prev = 0
                for c in cuts + [len(e)]:
                    self.chunk(e[prev:c])
                    prev = c
        else:                   # mixed: all pending bytes cut at random points, across event boundaries
            blob = b"".join(evs)
            pos = 0
            while pos < len(blob):
                n = self.rng.randint(1, max(1, min(len(blob) - pos, 2 * max(e for e in map(len, evs)) // 3)))
                self.chunk(blob[pos:pos + n])
                pos += n

    def end(self):
        self.flush()
        self.h.wfile.write(b"0\r\n\r\n")


# -------------------------------------------------------------------------------------------------------------------
# The API server

class ApiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-apiserver"
    timeout = None

    # -- connection -----------------------------------------------------------------------------------------------
    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()
        self.wfile = CountingWriter(self.wfile, self)

    def handle(self):
        try:
            super().handle()
        except (StreamAbort, ConnectionError, ssl.SSLError, OSError, ValueError):
            self.close_connection = True

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def log_message(self, fmt, *args):
        if self.server.app.verbose:
            log(self.address_string(), fmt % args)

    def client_gone(self):
        """True when the client sent anything (FIN, TLS close_notify, RST) while we stream to it."""
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(r)

    def wait_release(self):
        """Blocks until the control interface releases stalled streams (True) or the client goes away (False)."""
        app = self.server.app
        rfd, wfd = os.pipe()
        with app.lock:
            app.stalls.add(wfd)
        try:
            while True:
                r, _, _ = select.select([self.connection, rfd], [], [])
                if rfd in r:
                    return True
                if self.connection in r:
                    return False
        finally:
            with app.lock:
                app.stalls.discard(wfd)
            os.close(rfd)
            os.close(wfd)

    def stall(self):
        self.entry["stalled"] = True
        self.server.app.requests.updated()
        released = self.wait_release()
        self.entry["stalled"] = False
        self.server.app.requests.updated()
        if not released:
            raise StreamAbort()

    def reset_mid_chunk(self, data):
        """Half of a chunk, then close with SO_LINGER 0 so the peer sees a TCP RST."""
        half = max(1, len(data) // 2)
        try:
            self.wfile.write(b"%x\r\n" % len(data) + data[:half])
            self.wfile.flush()
        except OSError:
            pass
        self.rst()

    def rst(self):
        self.entry["reset"] = True
        conn = self.connection
        try:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        try:
            conn.close()  # no TLS close_notify: the socket goes away with an RST
        except OSError:
            pass
        raise StreamAbort()

    # -- responses ------------------------------------------------------------------------------------------------
    def head(self, code, ctype="application/json", extra=None, length=None, pf=True):
        hdr = {"Audit-Id": str(uuid.uuid4()), "Cache-Control": "no-cache, private", "Content-Type": ctype}
        if pf:
            hdr["X-Kubernetes-Pf-Flowschema-Uid"] = self.server.app.pf_flowschema
            hdr["X-Kubernetes-Pf-Prioritylevel-Uid"] = self.server.app.pf_prioritylevel
        if extra:
            hdr.update(extra)
        lines = [f"HTTP/1.1 {code} {REASONS.get(code, 'Unknown')}"]
        lines += [f"{k}: {hdr[k]}" for k in sorted(hdr)]  # Go writes header keys sorted
        lines.append("Date: " + email.utils.formatdate(usegmt=True))
        lines.append("Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}")
        self.entry["status"] = code
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def send(self, code, body, ctype="application/json", extra=None, pf=True):
        self.wfile.write(self.head(code, ctype, extra, len(body), pf) + body)

    def send_error_obj(self, err, pf=True):
        self.send(err.code, err.body, extra=err.headers, pf=pf)

    # -- request handling -----------------------------------------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def dispatch(self):
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        q = {k: v[-1] for k, v in query.items()}
        self.entry = app.requests.add({
            "client": self.client_address[0], "bytes": 0,
            "time": time.time(), "method": self.command, "path": url.path, "query": q, "raw_query": url.query,
            "headers": dict(self.headers.items()), "resource": None, "namespace": None, "name": None, "verb": None,
            "status": None})
        # A body we do not read would be taken for the next request: writes read theirs first, whatever the
        # answer; other requests with one end the connection.
        self.body = None
        if self.command in WRITE_VERBS:
            try:
                self.body = self.read_body()
            except ApiError as e:
                return self.send_error_obj(e)
        elif self.headers.get("Content-Length") not in (None, "0") or self.headers.get("Transfer-Encoding"):
            self.close_connection = True
        path = url.path
        if path in ("/healthz", "/readyz", "/livez"):
            return self.send(200, b"ok", "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})
        if path == "/version":
            return self.send(200, dumps({"major": "1", "minor": "31", "gitVersion": "v1.31.0-fake",
                                         "platform": "linux/amd64"}))
        if not self.authenticated():
            return self.send(401, st.status_bytes(401, "Unauthorized", "Unauthorized"), pf=False)
        if path == "/openapi/v2":
            if "protobuf" in self.headers.get("Accept", ""):
                return self.send(200, OPENAPI_V2_PB, "application/octet-stream")
            return self.send(200, dumps(OPENAPI_V2_JSON))
        if path.startswith("/openapi/v3"):
            doc = openapi_v3(path, app.served_kinds())
            if doc is not None:
                return self.send(200, dumps(doc))
        found = discovery(path.rstrip("/") or "/", self.server.server_address, app.served_kinds())
        if found is not None:
            return self.send(200, dumps(found))
        m = ROUTE.match(path)
        kind = KINDS.get(m.group("res")) if m else None
        if not kind or kind.prefix != m.group("prefix") or (m.group("ns") and not kind.namespaced) or \
                (m.group("sub") and not kind.status) or (kind.crd and not app.store.crd_installed(kind)):
            return self.send(404, st.status_bytes(404, "NotFound",
                                                      "the server could not find the requested resource", {}))
        res, ns, name, sub = m.group("res"), m.group("ns"), m.group("name"), m.group("sub")
        if self.command == "GET":
            is_watch = truthy(q.get("watch"))
            verb = "get" if name else ("watch" if is_watch else "list")
        elif self.command in WRITE_VERBS and (name or self.command == "POST") and not (sub and not name):
            verb = WRITE_VERBS[self.command]
            if self.command == "POST" and name:
                verb = None
        else:
            verb = None
        self.entry.update(resource=res, namespace=ns, name=name, verb=verb)
        if sub:
            self.entry["subresource"] = sub
        if verb is None:
            return self.send(405, st.status_bytes(405, "MethodNotAllowed",
                                                      "the server does not allow this method on the requested "
                                                      "resource", {}))
        fault = app.faults.take(res, verb)
        if fault:
            self.entry["fault"] = fault["type"]
            if fault["type"] == "compact":
                app.store.compact()
                fault = None
        try:
            if verb in ("create", "update", "patch", "delete"):
                return self.do_write(kind, verb, ns, name, sub, fault)
            if fault and self.simple_fault(fault, verb):
                return
            if verb == "get":
                return self.send(200, app.store.get(res, ns, name))
            flt = Filter(ns, q.get("labelSelector", ""), q.get("fieldSelector", ""))
            if verb == "list":
                return self.do_list(res, flt, q, fault)
            return self.do_watch(res, flt, q, fault)
        except ApiError as e:
            self.send_error_obj(e)

    def read_body(self):
        te = self.headers.get("Transfer-Encoding")
        if te:
            if te.strip().lower() != "chunked":
                self.close_connection = True
                raise st.bad_request(f"unsupported Transfer-Encoding {te!r}")
            raw = self.read_chunked()  # kubectl's --raw writes stream the file
        else:
            n = int(self.headers.get("Content-Length") or 0)
            if n > MAX_BODY:
                self.close_connection = True
                raise st.ApiError(413, "RequestEntityTooLarge", "the request body is too large")
            raw = self.rfile.read(n) if n else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as e:
            raise st.bad_request(f"the body of the request is not JSON: {e}") from None

    def read_chunked(self):
        """A chunked body (RFC 9112 §7.1), trailers skipped, held to MAX_BODY like a sized one."""
        raw = b""
        while True:
            line = self.rfile.readline(1024)
            try:
                n = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise st.bad_request(f"malformed chunk size line {line[:40]!r}") from None
            if len(raw) + n > MAX_BODY:
                self.close_connection = True
                raise st.ApiError(413, "RequestEntityTooLarge", "the request body is too large")
            if n == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return raw
            raw += self.rfile.read(n)
            self.rfile.readline(8)

    def do_write(self, kind, verb, ns, name, sub, fault):
        """POST, PUT, PATCH and DELETE with resourceVersion preconditions (409), and faults on writes:
        409, 429, 500/503, and timeout (the write is applied unless "applied": false, then a 504 after
        "seconds")."""
        app = self.server.app
        body = self.body
        if fault:
            t = fault["type"]
            if t == "409":
                raise st.conflict(kind, name or "?")
            if t != "timeout" and self.simple_fault(fault, verb):
                return
            if t == "timeout" and fault.get("applied") is False:
                time.sleep(float(fault.get("seconds", 0)))
                raise write_timeout()
        if verb == "create":
            summary, item = app.store.write(kind, body, "create", path_ns=ns)
        elif verb == "update":
            summary, item = app.store.write(kind, body, "update", sub, path_ns=ns, path_name=name)
        elif verb == "patch":
            current = app.store.current(kind, ns or "default", name)
            patched = patch.apply(self.headers.get("Content-Type"), current, body)
            if not isinstance(patched, dict):
                raise st.bad_request("the patched object is not an object")
            meta = patched.setdefault("metadata", {})
            # A resourceVersion the patch sets is a precondition; none: the version the patch was applied to.
            if meta.get("resourceVersion") in (None, ""):
                meta["resourceVersion"] = current["metadata"]["resourceVersion"]
            summary, item = app.store.write(kind, patched, "update", sub, path_ns=ns, path_name=name)
        else:
            pre = (body or {}).get("preconditions") or {}
            item = app.store.remove(kind, ns, name, pre.get("resourceVersion"), pre.get("uid"))
            summary = None
        if fault and fault["type"] == "timeout":
            time.sleep(float(fault.get("seconds", 0)))
            raise write_timeout()
        obj = b'{"kind":"%s","apiVersion":"%s",' % (kind.kind.encode(), kind.api_version.encode()) + item[1:]
        if verb == "delete" and not kind.crd:
            meta = json.loads(item)["metadata"]
            return self.send(200, dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                         "details": {"name": name, "group": kind.group, "kind": kind.resource,
                                                     "uid": meta.get("uid")}}))
        self.send(201 if summary and summary["type"] == "ADDED" and verb == "create" else 200, obj)

    def authenticated(self):
        app = self.server.app
        if app.no_auth:
            return True
        if isinstance(self.connection, ssl.SSLSocket) and self.connection.getpeercert():
            return True  # a client certificate signed by our CA
        token = app.current_token()
        got = self.headers.get("Authorization", "")
        return bool(token) and got == "Bearer " + token

    def simple_fault(self, f, verb):
        """Faults answered before any data: 429, 500/503, generic status, 410 on a LIST, stall of a LIST."""
        t = f["type"]
        if t == "429":
            self.send(429, TOO_MANY, "text/plain; charset=utf-8",
                      {"Retry-After": str(f.get("retry_after", 1)), "X-Content-Type-Options": "nosniff"})
            return True
        if t in ("500", "503", "status"):
            code = int(f.get("code", t if t != "status" else 500))
            extra = {}
            details = None
            if "retry_after" in f:
                extra["Retry-After"] = str(f["retry_after"])
                details = {"retryAfterSeconds": int(f["retry_after"])}
            reason = f.get("reason") or {500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
                                         429: "TooManyRequests", 403: "Forbidden", 410: "Expired"}.get(code, "Unknown")
            msg = f.get("message") or ("Internal error occurred: injected fault" if code == 500 else "injected fault")
            self.send(code, st.status_bytes(code, reason, msg, details), extra=extra)
            return True
        if t == "status200" and verb in ("list", "get"):
            # What a misbehaving server or proxy does: HTTP 200 with a Status, not a List, as the body.
            self.send(200, st.status_bytes(int(f.get("code", 410)), f.get("reason") or "Expired",
                                           f.get("message") or "too old resource version"))
            return True
        if t == "410" and verb in ("list", "get"):
            self.send(410, st.status_bytes(410, "Expired", f.get("message") or
                                               "The resourceVersion for the provided list is too old."))
            return True
        if t == "stall" and verb != "watch":
            self.stall()
            return False
        if t == "reset" and verb != "watch":
            return False  # handled while sending the body
        return False

    def do_list(self, res, flt, q, fault):
        app = self.server.app
        try:
            limit = int(q.get("limit") or 0)
        except ValueError:
            raise st.bad_request(f"invalid limit: {q.get('limit')}") from None
        body = app.store.list(res, flt, max(0, limit), q.get("continue", ""), q.get("resourceVersion"),
                              q.get("resourceVersionMatch", ""), app.rv0_ignores_limit)
        if fault and fault["type"] == "reset":
            data = self.head(200, length=len(body)) + body
            self.wfile.write(data[:len(data) - len(body) // 2])
            self.rst()
        self.send(200, body)

    def do_watch(self, res, flt, q, fault):
        app = self.server.app
        store = app.store
        kind = KINDS[res]
        bookmarks = truthy(q.get("allowWatchBookmarks"))
        initial = q.get("sendInitialEvents")
        rv_param = q.get("resourceVersion", "")
        rv_match = q.get("resourceVersionMatch", "")
        if initial is not None and truthy(initial):
            if rv_match != "NotOlderThan":
                raise ApiError(422, "Invalid", 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting '
                                               'resourceVersionMatch to NotOlderThan')
            if not bookmarks:
                raise ApiError(422, "Invalid", "allowWatchBookmarks: Forbidden: sendInitialEvents requires "
                                               "allowWatchBookmarks")
        elif rv_match:
            raise ApiError(422, "Invalid", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for "
                                           "watch unless sendInitialEvents is provided")
        timeout = app.default_watch_timeout
        if q.get("timeoutSeconds"):
            try:
                timeout = float(q["timeoutSeconds"])
            except ValueError:
                raise st.bad_request(f"invalid timeoutSeconds: {q['timeoutSeconds']}") from None
        send_initial = truthy(initial) if initial is not None else rv_param in ("", "0")
        start_rv = None
        if not send_initial and rv_param not in ("", "0"):
            try:
                start_rv = int(rv_param)
            except ValueError:
                raise st.bad_request(f"invalid resource version: {rv_param}") from None

        mode = (fault or {}).get("chunking") or app.chunking
        self.wfile.write(self.head(200))
        w = WatchWriter(self, mode, fault)
        self.entry["watching"] = True
        app.requests.updated()
        try:
            if fault and fault["type"] == "stall" and fault["after_events"] == 0:
                self.stall()
            if fault and fault["type"] == "410":
                w.event(self.expired_event(start_rv if start_rv is not None else store.rv, store.rv))
                return w.end()
            if send_initial:
                recs, last = store.snapshot(res, flt)
                for r in recs:
                    w.event(event_bytes(kind, "ADDED", r.item))
                if initial is not None and truthy(initial):
                    w.event(self.bookmark(kind, last, initial_end=True))
                w.flush()
            else:
                last = start_rv
            self.stream(w, kind, flt, last, bookmarks, timeout)
        finally:
            self.entry["watching"] = False

    def expired_event(self, asked, oldest):
        st_obj = st.status_obj(410, "Expired", f"too old resource version: {asked} ({oldest})")
        return b'{"type":"ERROR","object":' + dumps(st_obj) + b"}\n"

    def bookmark(self, kind, rv, initial_end=False):
        meta = {"resourceVersion": str(rv)}
        if self.server.app.bookmark_null_timestamp:
            meta["creationTimestamp"] = None
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return dumps({"type": "BOOKMARK", "object": {"kind": kind.kind, "apiVersion": kind.api_version,
                                                     "metadata": meta}}) + b"\n"

    def stream(self, w, kind, flt, last, bookmarks, timeout):
        app = self.server.app
        store = app.store
        res = kind.resource
        now = time.monotonic()
        deadline = now + timeout
        interval = app.bookmark_interval
        next_bm = now + interval
        while True:
            with store.cond:
                while True:
                    if last < store.floor:
                        expired = self.expired_event(last, store.floor)
                        break
                    expired = None
                    if store.rv > last:
                        evs = store.events_after(last)
                        cur = store.rv
                        break
                    now = time.monotonic()
                    wake = min(deadline, next_bm if bookmarks else deadline)
                    if now >= wake:
                        evs, cur = [], last
                        break
                    store.cond.wait(min(0.25, wake - now))
                    if self.client_gone():
                        raise StreamAbort()
            if expired:
                w.event(expired)
                return w.end()
            for ev in evs:
                if ev.resource != res:
                    continue
                data = self.filtered(kind, flt, ev)
                if data:
                    w.event(data)
            last = cur
            now = time.monotonic()
            if bookmarks and now >= next_bm:
                w.event(self.bookmark(kind, last))
                next_bm = now + app.bookmark_interval
            w.flush()
            if now >= deadline:
                return w.end()
            if self.client_gone():
                raise StreamAbort()

    @staticmethod
    def filtered(kind, flt, ev):
        if flt.trivial:
            return event_bytes(kind, ev.type, ev.rec.item)
        now_ok = flt.match(ev.rec)
        if ev.type == "ADDED":
            return event_bytes(kind, "ADDED", ev.rec.item) if now_ok else None
        if ev.type == "DELETED":
            return event_bytes(kind, "DELETED", ev.rec.item) if now_ok else None
        was_ok = flt.match(ev.prev)
        if now_ok and was_ok:
            return event_bytes(kind, "MODIFIED", ev.rec.item)
        if now_ok:
            return event_bytes(kind, "ADDED", ev.rec.item)
        if was_ok:  # left the selection: a DELETED with the previous state at this event's RV
            return event_bytes(kind, "DELETED", ev.prev.with_rv(ev.rv).item)
        return None


class ApiServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, app, tls_ctx):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.app = app
        self.tls_ctx = tls_ctx
        super().__init__(addr, ApiHandler)
        # A connection reset between select() and accept() leaves the queue empty: a blocking accept
        # would then hold serve_forever, and shutdown() with it, for good.
        self.socket.setblocking(False)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls_ctx:
            sock = self.tls_ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        if self.app.verbose:
            log("connection error from", client_address, sys.exc_info()[1])


# -------------------------------------------------------------------------------------------------------------------
# Control interface

class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-apiserver-control"

    def log_message(self, fmt, *args):
        if self.server.app.verbose:
            log("control", fmt % args)

    def reply(self, code, obj):
        body = json.dumps(obj).encode() + b"\n"
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if not n:
            return None
        return json.loads(self.rfile.read(n))

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        path = url.path.rstrip("/")
        try:
            data = self.body() if method in ("POST", "DELETE") else None
            out = app.control(method, path, q, data)
            if out is None:
                return self.reply(404, {"error": f"no such control endpoint: {method} {path}"})
            code, obj = out
            self.reply(code, obj)
        except (ValueError, KeyError, TypeError) as e:
            self.reply(400, {"error": str(e)})
        except Exception as e:  # noqa: BLE001 - report, keep serving
            self.reply(500, {"error": f"{type(e).__name__}: {e}"})


class ControlServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, app):
        self.app = app
        super().__init__(addr, ControlHandler)
        self.socket.setblocking(False)  # as ApiServer


# -------------------------------------------------------------------------------------------------------------------
# TLS material

def in_test_netns_range(host):
    """True for addresses a test gives its own network namespaces (shared/spec/testing.md): 10.99.0.0/16, fd99::/16."""
    import ipaddress
    try:
        a = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(a in ipaddress.ip_network(n) for n in ("10.99.0.0/16", "fd99::/16") if
               ipaddress.ip_network(n).version == a.version)


def existing_certs(state_dir):
    """The TLS files of an earlier run in state_dir, or None when any is missing."""
    names = (("ca", "ca.crt"), ("cert", "server.crt"), ("key", "server.key"), ("client_cert", "client.crt"),
             ("client_key", "client.key"))
    paths = {k: os.path.join(state_dir, f) for k, f in names}
    return paths if all(os.path.exists(p) for p in paths.values()) else None


def make_certs(state_dir, sans, cn="fake-apiserver"):
    """Self-signed CA, server cert (SANs) and a client cert, all with the openssl command line."""
    def run(*args):
        r = subprocess.run(["openssl", *args], cwd=state_dir, capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"openssl {' '.join(args)} failed: {r.stderr.strip()}")

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", "-new", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj",
        f"/CN={cn}-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    san = ["IP:127.0.0.1", "IP:::1", "DNS:localhost"]
    for s in sans:
        s = s.strip()
        if not s:
            continue
        if ":" in s and s.split(":", 1)[0] in ("IP", "DNS"):
            san.append(s)
        else:
            san.append(("IP:" if re.match(r"^[0-9.]+$|:", s) else "DNS:") + s)
    with open(os.path.join(state_dir, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=" + ",".join(san) + "\n")
    with open(os.path.join(state_dir, "client.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=clientAuth\n")
    for who, subj in (("server", f"/CN={cn}"), ("client", "/O=system:masters/CN=svcbgp-test")):
        run("req", "-new", *ec, "-keyout", f"{who}.key", "-out", f"{who}.csr", "-subj", subj)
        run("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{who}.crt", "-days", "2", "-extfile", f"{who}.ext")
    return {k: os.path.join(state_dir, f) for k, f in
            (("ca", "ca.crt"), ("cert", "server.crt"), ("key", "server.key"), ("client_cert", "client.crt"),
             ("client_key", "client.key"))}


# -------------------------------------------------------------------------------------------------------------------
# Scenario files

def load_manifests(path):
    """Objects from a YAML/JSON file or a directory of them (multi-document, List kinds flattened)."""
    import yaml
    paths = []
    if os.path.isdir(path):
        for root, _, files in os.walk(path):
            paths += [os.path.join(root, f) for f in sorted(files) if f.endswith((".yaml", ".yml", ".json"))]
        paths.sort()
    else:
        paths = [path]
    objs = []
    for p in paths:
        with open(p) as f:
            for doc in yaml.safe_load_all(f):
                objs += flatten_objects(doc)
    return objs


def flatten_objects(doc):
    if doc is None:
        return []
    if isinstance(doc, list):
        return [o for d in doc for o in flatten_objects(d)]
    if isinstance(doc, dict) and (doc.get("kind", "").endswith("List") or "items" in doc and "kind" not in doc):
        return [o for d in doc.get("items") or [] for o in flatten_objects(d)]
    return [doc]


def load_scenario(app, path):
    import yaml
    with open(path) as f:
        sc = yaml.safe_load(f) or {}
    base = os.path.dirname(os.path.abspath(path))
    objs = flatten_objects(sc.get("objects") or [])
    for fn in sc.get("files") or []:
        objs += load_manifests(fn if os.path.isabs(fn) else os.path.join(base, fn))
    for o in objs:
        app.store.apply(o)
    if sc.get("generate"):
        generate.load(app.store, **sc["generate"])
    return len(objs)


# -------------------------------------------------------------------------------------------------------------------
# The application: state shared by both servers

class App:
    def served_kinds(self):
        """Built-in kinds, and custom ones while their CustomResourceDefinition exists."""
        return [k for k in KINDS.values() if not k.crd or self.store.crd_installed(k)]

    def __init__(self, args):
        self.args = args
        self.store = st.Store(args.history)
        self.faults = Faults()
        self.requests = RequestLog()
        self.lock = threading.Lock()
        self.stalls = set()
        self.verbose = args.verbose
        self.no_auth = args.no_auth
        self.token = args.token
        self.token_file = args.token_file
        self.chunking = args.chunking
        self.bookmark_interval = args.bookmark_interval
        self.bookmark_null_timestamp = args.bookmark_null_timestamp
        self.rv0_ignores_limit = args.rv0_ignores_limit
        self.default_watch_timeout = args.default_watch_timeout
        self.pf_flowschema = str(uuid.uuid4())
        self.pf_prioritylevel = str(uuid.uuid4())
        self._rng = random.Random(args.seed)

    def rng_for_stream(self):
        with self.lock:
            return random.Random(self._rng.getrandbits(64))

    def current_token(self):
        if self.token_file:
            try:
                with open(self.token_file) as f:
                    return f.read().strip()
            except OSError:
                return ""
        return self.token

    def release(self):
        with self.lock:
            fds = list(self.stalls)
        for fd in fds:
            try:
                os.write(fd, b"x")
            except OSError:
                pass
        return len(fds)

    def state(self):
        entries = self.requests.query()
        return {"resourceVersion": str(self.store.rv), "oldestResourceVersion": str(self.store.floor),
                "history": len(self.store.history), "counts": self.store.counts(),
                "watches": sum(1 for e in entries if e.get("watching")),
                "stalled": sum(1 for e in entries if e.get("stalled")),
                "requests": len(entries), "faults": self.faults.list(),
                "config": self.config()}

    def config(self):
        return {"chunking": self.chunking, "bookmark_interval": self.bookmark_interval,
                "bookmark_null_timestamp": self.bookmark_null_timestamp,
                "rv0_ignores_limit": self.rv0_ignores_limit, "history": self.store.history.maxlen,
                "default_watch_timeout": self.default_watch_timeout, "token": self.token}

    def control(self, method, path, q, data):
        s = self.store
        if method == "GET" and path == "/state":
            return 200, self.state()
        if method == "GET" and path == "/requests":
            filters = {k: q.get(k) for k in ("verb", "resource", "method", "path", "namespace", "stalled",
                                             "watching", "status")}
            return 200, self.requests.query(int(q.get("since", 0)), float(q.get("wait", 0)), **filters)
        if method == "GET" and path == "/clients":
            return 200, self.requests.clients(int(q.get("since", 0)))
        if method == "POST" and path == "/reset":
            self.requests.reset()
            if (data or {}).get("faults", True):
                self.faults.clear()
            return 200, {"ok": True}
        if method == "POST" and path == "/objects":
            objs = flatten_objects(data)
            return 200, {"results": [s.apply(o) for o in objs], "resourceVersion": str(s.rv)}
        if method == "DELETE" and path.startswith("/objects/"):
            parts = [urllib.parse.unquote(p) for p in path.split("/")[2:]]
            if len(parts) == 2:
                parts = [parts[0], "", parts[1]]
            if len(parts) != 3:
                raise ValueError("DELETE /objects/{resource}/{namespace}/{name} (namespace '-' or absent for nodes)")
            res = st.resource_of(parts[0])
            r = s.delete(res, "" if parts[1] in ("-", "_") else parts[1], parts[2])
            if r is None:
                return 404, {"error": f"{res} {parts[1]}/{parts[2]} not found"}
            return 200, r
        if method == "GET" and path.startswith("/objects/"):
            parts = path.split("/")[2:]
            res = st.resource_of(parts[0])
            ns = "" if len(parts) < 3 or parts[1] in ("-", "_") else parts[1]
            try:
                return 200, json.loads(s.get(res, ns, parts[-1]))
            except ApiError as e:
                return e.code, json.loads(e.body)
        if method == "POST" and path == "/faults":
            specs = data if isinstance(data, list) else [data]
            return 200, {"faults": [self.faults.add(f) for f in specs]}
        if method == "GET" and path == "/faults":
            return 200, self.faults.list()
        if method == "DELETE" and path == "/faults":
            self.faults.clear()
            return 200, {"ok": True}
        if method == "POST" and path == "/release":
            return 200, {"released": self.release()}
        if method == "POST" and path == "/compact":
            return 200, {"compactedAt": str(s.compact())}
        if method == "POST" and path == "/load":
            data = data or {}
            t0 = time.monotonic()
            n = 0
            if data.get("objects"):
                for o in flatten_objects(data["objects"]):
                    s.apply(o)
                    n += 1
            if data.get("files"):
                for fn in data["files"]:
                    for o in load_manifests(fn):
                        s.apply(o)
                        n += 1
            if data.get("generate"):
                n += generate.load(s, **data["generate"])
            return 200, {"created": n, "seconds": round(time.monotonic() - t0, 3), "resourceVersion": str(s.rv),
                         "counts": s.counts()}
        if method == "POST" and path == "/config":
            data = data or {}
            for k, v in data.items():
                if k == "chunking":
                    if v not in CHUNKINGS:
                        raise ValueError(f"chunking must be one of {', '.join(CHUNKINGS)}")
                    self.chunking = v
                elif k == "bookmark_interval":
                    self.bookmark_interval = float(v)
                elif k == "bookmark_null_timestamp":
                    self.bookmark_null_timestamp = bool(v)
                elif k == "rv0_ignores_limit":
                    self.rv0_ignores_limit = bool(v)
                elif k == "history":
                    s.set_history(int(v))
                elif k == "default_watch_timeout":
                    self.default_watch_timeout = float(v)
                elif k == "token":
                    self.token = str(v)
                else:
                    raise ValueError(f"unknown config key {k!r}")
            return 200, self.config()
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1",
                    help="127.0.0.1 (default) or ::1; or an address inside 10.99.0.0/16 or fd99::/16 (a test's "
                         "own network namespace); nothing else")
    ap.add_argument("--port", type=int, default=0, help="API port (0: pick a free one)")
    ap.add_argument("--control-port", type=int, default=0, help="control port on 127.0.0.1 (0: pick one)")
    ap.add_argument("--plain", action="store_true", help="plain HTTP instead of TLS")
    ap.add_argument("--state-dir", help="where CA, certs and kubeconfig go (default: a temp dir removed at exit)")
    ap.add_argument("--san", action="append", default=[], help="extra subjectAltName (IP or DNS name), repeatable")
    ap.add_argument("--token", help="bearer token (default: a random one)")
    ap.add_argument("--token-file", help="bearer token file, re-read on every request")
    ap.add_argument("--no-auth", action="store_true", help="accept requests without a token")
    ap.add_argument("--scenario", help="YAML file with objects: [...] and/or files: [...] (and generate: {...})")
    ap.add_argument("--history", type=int, default=10000, help="events kept for watch/list resumption")
    ap.add_argument("--bookmark-interval", type=float, default=60.0, help="seconds between BOOKMARK events")
    ap.add_argument("--bookmark-null-timestamp", action="store_true",
                    help='bookmarks carry "creationTimestamp":null like pre-2025 servers')
    ap.add_argument("--chunking", choices=CHUNKINGS, default="normal",
                    help="watch framing: normal (one chunk per event), split (events split across chunks), "
                         "batch (pending events in one chunk), mixed (random cuts across events)")
    ap.add_argument("--rv0-ignores-limit", action="store_true",
                    help="LIST resourceVersion=0 returns everything, ignoring limit (older watch caches)")
    ap.add_argument("--default-watch-timeout", type=float, default=1800.0,
                    help="watch duration when the client sends no timeoutSeconds")
    ap.add_argument("--seed", type=int, default=1, help="seed for chunk splitting")
    ap.add_argument("--exit-on-stdin-eof", action="store_true", help="exit when stdin closes (parent died)")
    ap.add_argument("--start-rv", type=int, default=0,
                    help="resourceVersion the store starts from (a restarted server whose etcd kept its revision; "
                         "older RVs get 410 like a compacted history)")
    ap.add_argument("--reuse-certs", action="store_true",
                    help="keep the CA, server and client certificates already in --state-dir (a restart the "
                         "clients' CA still trusts); made as usual when absent")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    if args.host not in LOOPBACK and not args.host.startswith("127.") and not in_test_netns_range(args.host):
        ap.error("--host must be a loopback address or an address inside 10.99.0.0/16 or fd99::/16")
    if in_test_netns_range(args.host) and args.host not in args.san:
        args.san.append(args.host)  # clients verify the address they dial
    host = "127.0.0.1" if args.host == "localhost" else args.host
    own_state = args.state_dir is None
    state_dir = tempfile.mkdtemp(prefix="fake-apiserver-") if own_state else args.state_dir
    os.makedirs(state_dir, exist_ok=True)
    if not args.token and not args.token_file:
        args.token = "fake-" + uuid.uuid4().hex

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    servers = []
    try:
        app = App(args)
        if args.start_rv > 0:
            app.store.start_at(args.start_rv)
        paths = {}
        tls_ctx = None
        if not args.plain:
            paths = existing_certs(state_dir) if args.reuse_certs else None
            paths = paths or make_certs(state_dir, args.san)
            tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_ctx.load_cert_chain(paths["cert"], paths["key"])
            tls_ctx.load_verify_locations(paths["ca"])
            tls_ctx.verify_mode = ssl.CERT_OPTIONAL
            tls_ctx.set_alpn_protocols(["http/1.1"])
        if args.scenario:
            load_scenario(app, args.scenario)
        api = ApiServer((host, args.port), app, tls_ctx)
        ctl = ControlServer(("127.0.0.1", args.control_port), app)
        servers = [api, ctl]
        for s in servers:
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        scheme = "http" if args.plain else "https"
        hostport = f"[{host}]" if ":" in host else host
        url = f"{scheme}://{hostport}:{api.server_address[1]}"
        token = app.current_token()
        kubeconfig = os.path.join(state_dir, "kubeconfig")
        with open(kubeconfig, "w") as f:
            cluster = {"server": url}
            if paths:
                cluster["certificate-authority"] = paths["ca"]
            user = {"tokenFile": args.token_file} if args.token_file else {"token": token}
            json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "fake",
                       "clusters": [{"name": "fake", "cluster": cluster}],
                       "users": [{"name": "fake", "user": user}],
                       "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}]}, f, indent=1)
        ready = {"url": url, "control": f"http://127.0.0.1:{ctl.server_address[1]}", "ca": paths.get("ca"),
                 "token": token, "port": api.server_address[1], "control_port": ctl.server_address[1],
                 "state_dir": state_dir, "kubeconfig": kubeconfig, "client_cert": paths.get("client_cert"),
                 "client_key": paths.get("client_key"), "pid": os.getpid()}
        print(json.dumps(ready), flush=True)
        if args.exit_on_stdin_eof:
            def watch_stdin():
                try:
                    while os.read(0, 4096):  # unbuffered: a buffered reader would delay interpreter exit
                        pass
                except (OSError, ValueError):
                    pass
                stop.set()
            threading.Thread(target=watch_stdin, daemon=True).start()
        while not stop.wait(3600):
            pass
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
        if own_state:
            shutil.rmtree(state_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
