#!/usr/bin/env python3
"""Run one interop test module and report it as TAP, one line per test case.

    python3 tests/interop/run.py test_bird --bgpspeak build/bgp/tools/bgpspeak [-k PATTERN]
    python3 tests/interop/run.py test_e2e --dir tests/e2e --svcbgpd build/src/daemon/svcbgpd

--dir adds a folder to the module search path (the end-to-end suite lives in tests/e2e and imports lib.* from
here); a module listed in DAEMON_BINARY needs that binary (--svcbgpd) instead of bgpspeak.

Needs root (namespaces) and the daemon the module talks to.  When either is missing every case is
reported "not ok" with the reason, unless SVCBGP_INTEROP_SKIP=1, which reports them as skipped.
"""

import argparse
import importlib
import os
import shutil
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

REQUIRED = {
    "test_bird": ["bird", "birdc"],
    "test_frr": ["/usr/lib/frr/bgpd", "vtysh"],
    "test_gobgp": ["gobgpd", "gobgp"],
    "test_exabgp": ["exabgp"],
    "test_svcbgpd_tors": ["gobgpd", "gobgp", "exabgp", "/usr/lib/frr/bgpd", "vtysh"],
    "test_e2e": ["/usr/lib/frr/bgpd", "vtysh", "openssl", "kubectl"],
    "test_svcbgpc_live": ["bird", "birdc"],
    "test_deploy": ["kubectl"],
}

# Modules that test svcbgpd rather than bgpspeak: the option naming the binary, and its environment variable.
DAEMON_BINARY = {m: ("svcbgpd", "SVCBGP_SVCBGPD")
                 for m in ("test_e2e", "test_svcbgpc_live", "test_deploy", "test_svcbgpd", "test_tree",
                           "test_svcbgpd_tors")}


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def case_name(test):
    return f"{type(test).__name__}.{test._testMethodName}" if hasattr(test, "_testMethodName") else str(test)


def comment(text):
    for line in str(text).rstrip().splitlines():
        print(f"# {line}")


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0
        self.failed = 0
        self.reported = set()
        self.started = {}

    def startTest(self, test):
        super().startTest(test)
        self.started[test.id()] = time.monotonic()

    def _line(self, test, ok, directive="", diag=None):
        self.n += 1
        self.reported.add(test.id())
        took = time.monotonic() - self.started.get(test.id(), time.monotonic())
        status = "ok" if ok else "not ok"
        print(f"{status} {self.n} - {case_name(test)}{directive}")
        if diag:
            comment(diag)
            if not ok:  # meson's --print-errorlogs shows a TAP test's stderr, not its comments
                print(f"{status} - {case_name(test)}\n{diag}", file=sys.stderr)
        comment(f"{case_name(test)} took {took:.1f}s")
        sys.stdout.flush()
        if not ok:
            self.failed += 1

    def _diag(self, test, err):
        text = self._exc_info_to_string(err, test)
        for name, tail in sorted(getattr(test, "logs", {}).items()):
            if tail:
                text += f"\n--- {name} (tail) ---\n{tail}"
        return text

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False, diag=self._diag(test, err))

    def addError(self, test, err):
        super().addError(test, err)
        if isinstance(test, unittest.TestCase):
            self._line(test, False, diag=self._diag(test, err))
        else:  # setUpClass / tearDownClass failures: reported against the cases below
            comment(f"{test}: {''.join(traceback.format_exception(*err))}")
            self.class_error = "".join(traceback.format_exception_only(err[0], err[1])).strip()

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if isinstance(test, unittest.TestCase):
            self._line(test, True, f" # SKIP {reason}")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(test, False, diag=self._diag(test, err))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(test, True)


def preconditions(module, bgpspeak, binaries=None):
    problems = []
    if os.geteuid() != 0:
        problems.append("not root (network namespaces need root)")
    for b in REQUIRED.get(module, []) + ["ip"]:
        if not (os.access(b, os.X_OK) if b.startswith("/") else shutil.which(b)):
            problems.append(f"{b} not found (install the Debian package)")
    if module in DAEMON_BINARY:
        name, _ = DAEMON_BINARY[module]
        path = (binaries or {}).get(name, "")
        if not path or not os.access(path, os.X_OK):
            problems.append(f"{name} not found or not executable: {path!r}")
    elif not bgpspeak or not os.access(bgpspeak, os.X_OK):
        problems.append(f"bgpspeak not found or not executable: {bgpspeak!r}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("module", help="test module, e.g. test_bird")
    ap.add_argument("--bgpspeak", default=os.environ.get("SVCBGP_BGPSPEAK", ""))
    ap.add_argument("--svcbgpd", default=os.environ.get("SVCBGP_SVCBGPD", ""), help="svcbgpd binary (test_e2e)")
    ap.add_argument("--dir", action="append", default=[], help="extra folder holding test modules")
    ap.add_argument("-k", dest="pattern", action="append", help="only cases whose name contains this")
    args = ap.parse_args()
    module = args.module[:-3] if args.module.endswith(".py") else args.module
    bgpspeak = os.path.abspath(args.bgpspeak) if args.bgpspeak else ""
    os.environ["SVCBGP_BGPSPEAK"] = bgpspeak
    svcbgpd = os.path.abspath(args.svcbgpd) if args.svcbgpd else ""
    os.environ["SVCBGP_SVCBGPD"] = svcbgpd
    for d in args.dir:
        sys.path.insert(0, os.path.abspath(d))

    mod = importlib.import_module(module)
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = [f"*{p}*" for p in args.pattern]
    suite = loader.loadTestsFromModule(mod)
    cases = list(flatten(suite))
    print(f"1..{len(cases)}")
    sys.stdout.flush()

    problems = preconditions(module, bgpspeak, {"svcbgpd": svcbgpd})
    if problems:
        why = "; ".join(problems)
        skip = os.environ.get("SVCBGP_INTEROP_SKIP") == "1"
        for i, t in enumerate(cases, 1):
            if skip:
                print(f"ok {i} - {case_name(t)} # SKIP {why} (SVCBGP_INTEROP_SKIP=1)")
            else:
                print(f"not ok {i} - {case_name(t)} # cannot run: {why}")
        if not skip:
            comment("set SVCBGP_INTEROP_SKIP=1 to report these as skipped instead (see tests/interop/README.md)")
        return 0 if skip else 1

    t0 = time.monotonic()
    result = TapResult()
    suite.run(result)
    # Cases that never reported (their class setUp failed) are failures too.
    err = getattr(result, "class_error", "not run")
    for t in cases:
        if t.id() not in result.reported:
            result._line(t, False, diag=f"not run: {err}")
    comment(f"{module}: {result.n} cases, {result.failed} failed, {time.monotonic() - t0:.1f}s")
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
