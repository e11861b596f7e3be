#!/usr/bin/env python3
"""Counts test cases in meson's JUnit logs and prints the closing line CI reads.

Meson writes one <testsuite> per test; for gtest and TAP tests its <testcase> elements are the
individual cases. A test whose binary crashed has no cases of its own, only a failed suite: it counts
as one failure, so a crash can never look like a pass.
"""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"count_tests: {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for suite in root.iter("testsuite"):
        cases = list(suite.iter("testcase"))
        suite_failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        if not cases:
            if suite_failed:
                failed += 1
            continue
        case_failures = 0
        for c in cases:
            if c.find("failure") is not None or c.find("error") is not None:
                failed += 1
                case_failures += 1
            elif c.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
        if suite_failed and not case_failures:
            failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
