"""Test-side client of the fake API server: starts it as a subprocess, reads its ready line, drives its control
interface.

    with FakeApiServer(scenario="s.yaml", bookmark_interval=1) as api:
        api.apply({"kind": "Service", ...})
        api.fault("429", resource="services", verb="list", retry_after=2)
        api.wait_request(verb="watch", resource="services")
        ...

From C++ (or anything else) use the control port directly: it is plain HTTP with JSON bodies (see README.md).
"""

import http.client
import json
import os
import select
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_apiserver.py")


class ControlError(Exception):
    pass


class FakeApiServer:
    def __init__(self, *extra_args, plain=False, token=None, token_file=None, scenario=None, history=None,
                 bookmark_interval=None, chunking=None, port=0, host=None, ready_timeout=60, stderr=None):
        args = list(extra_args)
        if plain:
            args.append("--plain")
        if token:
            args += ["--token", token]
        if token_file:
            args += ["--token-file", token_file]
        if scenario:
            args += ["--scenario", scenario]
        if history is not None:
            args += ["--history", str(history)]
        if bookmark_interval is not None:
            args += ["--bookmark-interval", str(bookmark_interval)]
        if chunking:
            args += ["--chunking", chunking]
        if host:
            args += ["--host", host]
        self.args = args + ["--port", str(port)]
        self.ready_timeout = ready_timeout
        self.stderr_target = stderr
        self.proc = None
        self.tmp = None
        self.info = {}

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="fake-apiserver-test-")
        self._errpath = os.path.join(self.tmp, "stderr.log")
        err = self.stderr_target if self.stderr_target is not None else open(self._errpath, "wb")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, SERVER, "--state-dir", os.path.join(self.tmp, "state"), "--exit-on-stdin-eof",
                 *self.args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        finally:
            if err is not self.stderr_target:
                err.close()
        line = b""
        deadline = time.monotonic() + self.ready_timeout
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.proc.stdout], [], [], max(0, left))
            if not r:
                self.stop()
                raise ControlError(f"fake API server not ready after {self.ready_timeout}s")
            b = os.read(self.proc.stdout.fileno(), 4096)
            if not b:
                tail = self.stderr_tail()
                self.stop()
                raise ControlError(f"fake API server exited before ready: {tail}")
            line += b
        self.info = json.loads(line)
        u = urllib.parse.urlsplit(self.info["control"])
        self._ctl = (u.hostname, u.port)
        return self

    def stderr_tail(self, n=4000):
        try:
            with open(self._errpath, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except (OSError, AttributeError):
            return ""

    def stop(self):
        p, self.proc = self.proc, None
        if p is not None:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            for f in (p.stdin, p.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- connection facts -----------------------------------------------------------------------------------------
    @property
    def url(self):
        return self.info["url"]

    @property
    def ca(self):
        return self.info["ca"]

    @property
    def token(self):
        return self.info["token"]

    @property
    def port(self):
        return self.info["port"]

    @property
    def control_url(self):
        return self.info["control"]

    def ssl_context(self, ca=None):
        ctx = ssl.create_default_context(cafile=ca or self.ca)
        return ctx

    def connect(self, timeout=30, ca=None):
        """A fresh http.client connection to the API port (TLS verified with our CA unless plain)."""
        u = urllib.parse.urlsplit(self.url)
        if u.scheme == "https":
            return http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=self.ssl_context(ca))
        return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)

    def get(self, path, token=True, headers=None):
        """GET on the API port; returns (status, headers dict, body bytes)."""
        c = self.connect()
        try:
            h = dict(headers or {})
            if token:
                h["Authorization"] = "Bearer " + (self.token if token is True else token)
            c.request("GET", path, headers=h)
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    # -- control API ----------------------------------------------------------------------------------------------
    def call(self, method, path, body=None, timeout=120):
        c = http.client.HTTPConnection(*self._ctl, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            c.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
            r = c.getresponse()
            out = json.loads(r.read() or b"null")
            if r.status >= 400:
                raise ControlError(f"{method} {path}: {r.status} {out}")
            return out
        finally:
            c.close()

    def apply(self, obj):
        """Create or update one object or a list of them; returns the results (type ADDED/MODIFIED/UNCHANGED)."""
        return self.call("POST", "/objects", obj)

    def delete(self, resource, namespace, name):
        ns = namespace or "-"
        return self.call("DELETE", f"/objects/{resource}/{urllib.parse.quote(ns)}/{urllib.parse.quote(name)}")

    def get_object(self, resource, namespace, name):
        return self.call("GET", f"/objects/{resource}/{namespace or '-'}/{name}")

    def fault(self, type, **spec):
        """Injects a fault: type 429|500|503|status|stall|reset|malformed|410|compact|chunking, or on writes
        409|timeout (applied unless applied=False, answered 504 after `seconds`), with optional resource, verb
        ("list"/"watch"/"get"/"create"/"update"/"patch"/"delete" or a list), count (default 1, -1 forever),
        after_events, retry_after, chunking, code, message."""
        spec["type"] = str(type)
        return self.call("POST", "/faults", spec)["faults"][0]

    def clear_faults(self):
        return self.call("DELETE", "/faults")

    def requests(self, since=0, wait=None, **filters):
        q = {"since": since, **{k: v for k, v in filters.items() if v is not None}}
        if wait:
            q["wait"] = wait
        return self.call("GET", "/requests?" + urllib.parse.urlencode(q))

    def clients(self, since=0):
        """{address: {lists, watches, requests, bytes, by_verb {"list services": n}, user_agent}}."""
        return self.call("GET", f"/clients?since={since}")

    def wait_request(self, timeout=30, since=0, **filters):
        """The first logged request matching filters (verb, resource, method, path, namespace) with id >= since,
        waiting for it up to timeout seconds (the server long-polls; no sleeping here)."""
        got = self.requests(since=since, wait=timeout, **filters)
        if not got:
            raise ControlError(f"no request matching {filters} since #{since} within {timeout}s")
        return got[0]

    def release(self):
        return self.call("POST", "/release")["released"]

    def compact(self):
        return int(self.call("POST", "/compact")["compactedAt"])

    def reset(self, faults=True):
        return self.call("POST", "/reset", {"faults": faults})

    def state(self):
        return self.call("GET", "/state")

    def config(self, **kv):
        return self.call("POST", "/config", kv)

    def load(self, services=0, slices_per_service=2, seed=1, **gen):
        return self.call("POST", "/load", {"generate": {"services": services, "slices_per_service":
                                                        slices_per_service, "seed": seed, **gen}}, timeout=600)

    def load_objects(self, objects=None, files=None):
        return self.call("POST", "/load", {"objects": objects or [], "files": files or []})
