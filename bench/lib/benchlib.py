"""Shared helpers of the macro benchmarks (bench/*.py): machine/commit header, statistics, network
namespaces named bn-*, child processes, /proc readings. Every namespace and process made here is
removed on every exit path (normal end, exception, SIGINT, SIGTERM, SIGHUP)."""
import atexit
import ctypes
import json
import os
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
SINK = os.path.join(BENCH, "lib", "bgpsink.py")
FAKE_API = os.path.join(ROOT, "tests", "fake_apiserver", "fake_apiserver.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def default_build():
    return os.path.join(ROOT, "build-release")


def sh(*cmd, check=True, capture=True, timeout=120):
    r = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stdout}")
    return r.stdout if capture else ""


def machine_header(extra=None, build=None):
    try:
        model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except StopIteration:
        model = "?"
    commit = sh("git", "-C", ROOT, "rev-parse", "--short", "HEAD", check=False).strip()
    dirty = sh("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", check=False).strip()
    bird = sh("bird", "--version", check=False).strip().splitlines()
    load = open("/proc/loadavg").read().split()[:3]
    lines = [f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
             f"machine: nproc={os.cpu_count()} cpu=\"{model}\" kernel={os.uname().release} loadavg={' '.join(load)}",
             f"commit: {commit}{' (+ uncommitted changes)' if dirty else ''}",
             f"bird: {bird[-1] if bird else 'absent'}"]
    exe = os.path.join(build or default_build(), "src/daemon/svcbgpd")
    if os.path.exists(exe):
        # HEAD can move after the binary was built: say when the measured binary was built.
        lines.append(f"svcbgpd binary: {exe} built {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(os.path.getmtime(exe)))} UTC"
                     f" (HEAD then: {sh('git', '-C', ROOT, 'log', '-1', '--format=%h', '--until=' + str(int(os.path.getmtime(exe))), check=False).strip()})")
    if extra:
        lines += extra
    for l in lines:
        print(l, flush=True)


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def fmt_stat(st, unit="ms", scale=1e3, digits=1):
    if st is None:
        return "n/a"
    f = f"{{:.{digits}f}}"
    return f"{f.format(st['median'] * scale)} {unit} ({f.format(st['min'] * scale)}-{f.format(st['max'] * scale)})"


class Cleanup:
    """Namespaces and processes to remove at exit; signals become SystemExit so finally blocks run."""

    def __init__(self):
        self.namespaces = []
        self.procs = []
        self.done = False
        atexit.register(self.run)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._signal)

    def _signal(self, signum, _frame):
        raise SystemExit(128 + signum)

    def add_proc(self, p):
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=10):
        if p.poll() is None:
            try:
                p.send_signal(sig)
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def run(self):
        for p in reversed(self.procs):
            try:
                self.stop(p, timeout=5)
            except Exception:
                pass
        self.procs = []
        for ns in reversed(self.namespaces):
            # Processes still in the namespace (a BIRD daemonised by pid file) are killed by their pid files
            # before; "ip netns pids" catches anything left that we started.
            pids = subprocess.run(["ip", "netns", "pids", ns], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True).stdout.split()
            for pid in pids:
                if int(pid) == os.getpid():  # this process may have entered the namespace itself
                    continue
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        self.namespaces = []


CLEANUP = None


def cleanup():
    global CLEANUP
    if CLEANUP is None:
        CLEANUP = Cleanup()
    return CLEANUP


def require_root():
    if os.geteuid() != 0:
        sys.exit("this benchmark needs root (network namespaces)")


def make_ns(name):
    assert name.startswith("bn-")
    subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
    sh("ip", "netns", "add", name)
    cleanup().namespaces.append(name)
    sh("ip", "-n", name, "link", "set", "lo", "up")
    return name


def veth(ns_a, if_a, addrs_a, ns_b, if_b, addrs_b):
    """A veth pair between two namespaces; addrs: CIDR strings (IPv6 ones without DAD)."""
    sh("ip", "link", "add", if_a, "type", "veth", "peer", "name", if_b)
    for ns, ifn, addrs in ((ns_a, if_a, addrs_a), (ns_b, if_b, addrs_b)):
        sh("ip", "link", "set", ifn, "netns", ns)
        for a in addrs:
            sh("ip", "-n", ns, "addr", "add", a, "dev", ifn, *(["nodad"] if ":" in a else []))
        sh("ip", "-n", ns, "link", "set", ifn, "up")


def spawn(ns, argv, stdout=None, stderr=None, stdin=subprocess.DEVNULL, env=None):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(argv)
    p = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, stdin=stdin, env=env, text=True)
    return cleanup().add_proc(p)


_libc = ctypes.CDLL(None, use_errno=True)


def enter_ns(name):
    """Moves this (single-threaded) process into network namespace `name`; children inherit it."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, 0x40000000) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    finally:
        os.close(fd)


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            k, _, v = l.partition(":")
            if k in ("VmHWM", "VmRSS", "VmPeak", "VmSize"):
                out[k] = int(v.split()[0]) * 1024
    return out


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wait_for(pred, timeout, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_log(path, needle, timeout, proc=None):
    def check():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before '{needle}' in {path}:\n"
                               + open(path).read()[-3000:])
        try:
            with open(path) as f:
                return needle in f.read()
        except FileNotFoundError:
            return False
    return wait_for(check, timeout, 0.05, f"'{needle}' in {path}")


class JsonLines:
    """Reads a child's JSON-lines stdout without blocking forever."""

    def __init__(self, proc):
        self.proc = proc
        os.set_blocking(proc.stdout.fileno(), False)
        self.buf = ""

    def next(self, timeout, want=None):
        import select
        deadline = time.monotonic() + timeout
        while True:
            while "\n" in self.buf:
                line, self.buf = self.buf.split("\n", 1)
                line = line.strip()
                if not line.startswith("{"):
                    continue
                ev = json.loads(line)
                if want is None or ev.get("event") in want:
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {want or 'event'} within {timeout}s")
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if r:
                chunk = self.proc.stdout.read()
                if chunk:
                    self.buf += chunk
                elif self.proc.poll() is not None:
                    raise RuntimeError(f"process exited ({self.proc.returncode}) while waiting for {want}")
            elif self.proc.poll() is not None and "\n" not in self.buf:
                raise RuntimeError(f"process exited ({self.proc.returncode}) while waiting for {want}")
