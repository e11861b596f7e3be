"""Drives bgpspeak (the speaker under test) inside a namespace.

bgpspeak reads one command per line on stdin and answers each with one JSON line on stdout; it also
prints asynchronous events (JSON lines with an "event" key) on stdout.  A reader thread splits the
two: answers go to a queue consumed by send(), events to a list that wait_event() searches.
Tests synchronise only on events (a timeout is a failure bound, never a delay).
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import yaml

from . import cleanup
from .netns import in_ns

KEEP = os.environ.get("SVCBGP_INTEROP_KEEP") == "1"


class SpeakerError(AssertionError):
    pass


def peer(name, address, asn, **kw):
    """One entry of the `peers:` list; keyword arguments are the YAML keys."""
    d = {"name": name, "address": address, "asn": asn, "port": 179, "passive": False,
         "hold_time": 9, "keepalive_time": 3, "connect_retry_time": 1, "idle_hold_time": 1,
         "families": ["ipv4", "ipv6"]}
    d.update(kw)
    return d


def config(local_as, router_id, listen_address, peers, routes=(), listen_port=179, **kw):
    d = {"local_as": local_as, "router_id": router_id,
         "listen": {"address": listen_address, "port": listen_port},
         "graceful_restart": {"enabled": True, "restart_time": 120, "restarting": False},
         "hold_eor": False, "peers": list(peers), "routes": list(routes)}
    d.update(kw)
    return d


class Speaker:
    def __init__(self, binary, ns, cfg, name="bgpspeak"):
        self.binary = binary
        self.ns = ns
        self.cfg = cfg
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"svcbgp-{name}-{ns}-")
        self._dir_token = cleanup.register(f"{name} dir {self.dir}", self._remove_dir)
        self.config_path = os.path.join(self.dir, "config.yaml")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.proc = None
        self._proc_token = None
        self.events = []          # every event, in arrival order
        self.other = []           # stdout lines that were not JSON (reported, never expected)
        self.answers = queue.Queue()
        self.cursor = 0           # wait_event() searches from here by default
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._eof = False

    def _remove_dir(self):
        if not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- process ---------------------------------------------------------------------------------

    def start(self):
        with open(self.config_path, "w") as f:
            yaml.safe_dump(self.cfg, f, sort_keys=False)
        err = open(self.stderr_path, "a")
        self.proc = subprocess.Popen(in_ns(self.ns, [self.binary, "--config", self.config_path]),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                     text=True, bufsize=1, cwd=self.dir, start_new_session=True)
        err.close()
        pid = self.proc.pid
        self._proc_token = cleanup.register(f"{self.name} pid {pid}", lambda: self._kill(pid))
        self._eof = False
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()
        return self

    def _kill(self, pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc is not None and self.proc.pid == pid:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def _read(self, stream):
        for line in stream:
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            with self._cond:
                if isinstance(obj, dict) and "event" in obj:
                    obj["_t"] = time.monotonic()
                    self.events.append(obj)
                elif isinstance(obj, dict):
                    self.answers.put(obj)
                else:
                    self.other.append(line)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self, n=60):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self, mode="withdraw", timeout=10):
        """quit MODE, then wait for the exit; SIGKILL if it does not exit in time."""
        if self.proc is None:
            return None
        rc = None
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(f"quit {mode}\n" if mode else "quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill(self.proc.pid)
                rc = "killed"
        else:
            rc = self.proc.returncode
        self._reader.join(timeout=5)
        if self._proc_token is not None:
            cleanup.unregister(self._proc_token)
            self._proc_token = None
        for s in (self.proc.stdin, self.proc.stdout):
            try:
                s.close()
            except Exception:
                pass
        self.proc = None
        return rc

    def close(self):
        self.stop()
        cleanup.run_one(self._dir_token)

    # -- commands --------------------------------------------------------------------------------

    def send(self, command, timeout=15):
        """Send one command line; return its JSON answer (a dict)."""
        with self._send_lock:
            if not self.alive():
                raise SpeakerError(f"bgpspeak is not running (command {command!r}):\n{self.stderr_tail()}")
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
            try:
                return self.answers.get(timeout=timeout)
            except queue.Empty:
                raise SpeakerError(f"no answer to {command!r} within {timeout}s; alive={self.alive()}\n"
                                   f"{self.stderr_tail()}") from None

    def ok(self, command, timeout=15):
        """send() and assert {"ok": true}."""
        ans = self.send(command, timeout)
        if ans.get("ok") is not True:
            raise SpeakerError(f"{command!r} -> {ans}")
        return ans

    def peer_state(self, name):
        for p in self.ok("show").get("peers", []):
            if p.get("name") == name:
                return p
        raise SpeakerError(f"peer {name!r} not in `show`")

    # -- events ----------------------------------------------------------------------------------

    def mark(self):
        with self._cond:
            return len(self.events)

    def wait_event(self, pred, timeout=30, since=None, what=None):
        """Return the first event (index >= since, default the cursor) for which pred(event) is true;
        the cursor moves past it.  Fails after `timeout` seconds or when bgpspeak exits."""
        start = self.cursor if since is None else since
        what = what or getattr(pred, "__name__", repr(pred))
        deadline = time.monotonic() + timeout
        with self._cond:
            i = start
            while True:
                while i < len(self.events):
                    ev = self.events[i]
                    i += 1
                    if pred(ev):
                        self.cursor = i
                        return ev
                if self._eof:
                    rc = None
                    if self.proc is not None:
                        try:
                            rc = self.proc.wait(timeout=2)
                        except subprocess.TimeoutExpired:
                            pass
                    raise SpeakerError(f"bgpspeak closed its stdout (exit status {rc}) while waiting for "
                                       f"{what}\n{self.stderr_tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [{k: v for k, v in e.items() if k != "_t"} for e in self.events[start:]][-15:]
                    raise SpeakerError(f"timed out after {timeout}s waiting for {what}; "
                                       f"events since: {recent}")
                self._cond.wait(left)

    def find_events(self, pred, since=0):
        with self._cond:
            return [e for e in self.events[since:] if pred(e)]

    def wait_state(self, peer, to="Established", timeout=30, since=None):
        return self.wait_event(lambda e: e.get("event") == "state" and e.get("peer") == peer
                               and e.get("to") == to, timeout, since, what=f"{peer} -> {to}")

    def wait_established(self, peer, timeout=30, since=None):
        return self.wait_state(peer, "Established", timeout, since)


def ev(kind, **fields):
    """A predicate: event == kind and every given field matches."""
    def pred(e):
        return e.get("event") == kind and all(e.get(k) == v for k, v in fields.items())
    pred.__name__ = pred.__qualname__ = f"{kind}{fields}"
    return pred
