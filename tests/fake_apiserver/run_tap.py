#!/usr/bin/env python3
"""Run one unittest module of this folder and report it as TAP, one line per test case (for meson's
protocol: 'tap').

    python3 tests/fake_apiserver/run_tap.py test_fake_apiserver [-k PATTERN]

--dir DIR runs a module of another folder that drives this fake (control.py stays importable).
"""

import argparse
import importlib
import os
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree


def cases_of(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from cases_of(t)
        else:
            yield t


def name_of(test):
    return f"{type(test).__name__}.{test._testMethodName}" if hasattr(test, "_testMethodName") else str(test)


def diag(text):
    for line in str(text).rstrip().splitlines():
        print(f"# {line}")


class Tap(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0
        self.failed = 0
        self.done = set()
        self.t0 = {}
        self.setup_error = None

    def startTest(self, test):
        super().startTest(test)
        self.t0[test.id()] = time.monotonic()

    def report(self, test, ok, directive="", why=None):
        self.n += 1
        self.done.add(test.id())
        took = time.monotonic() - self.t0.get(test.id(), time.monotonic())
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name_of(test)}{directive}")
        if why:
            diag(why)
        diag(f"{name_of(test)} took {took:.2f}s")
        sys.stdout.flush()
        self.failed += not ok

    def addSuccess(self, test):
        super().addSuccess(test)
        self.report(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.report(test, False, why=self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        if isinstance(test, unittest.TestCase):
            self.report(test, False, why=self._exc_info_to_string(err, test))
        else:  # setUpClass/tearDownClass: the cases below it are reported as failed
            diag("".join(traceback.format_exception(*err)))
            self.setup_error = "".join(traceback.format_exception_only(err[0], err[1])).strip()

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if isinstance(test, unittest.TestCase):
            self.report(test, True, f" # SKIP {reason}")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.report(test, True, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.report(test, False, why="unexpected success")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("module")
    ap.add_argument("-k", dest="patterns", action="append")
    ap.add_argument("--dir", help="the folder of the module (default: this one)")
    args = ap.parse_args()
    if args.dir:
        sys.path.insert(0, os.path.abspath(args.dir))
    module = args.module[:-3] if args.module.endswith(".py") else args.module
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [f"*{p}*" for p in args.patterns]
    suite = loader.loadTestsFromModule(importlib.import_module(module))
    cases = list(cases_of(suite))
    print(f"1..{len(cases)}", flush=True)
    t0 = time.monotonic()
    result = Tap()
    suite.run(result)
    for t in cases:
        if t.id() not in result.done:
            result.report(t, False, why=f"not run: {result.setup_error or 'unknown'}")
    diag(f"{module}: {result.n} cases, {result.failed} failed, {time.monotonic() - t0:.1f}s")
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
