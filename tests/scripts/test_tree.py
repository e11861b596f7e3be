"""The tree stands alone: nothing that builds, runs or tests svcbgp reads outside the checkout
(a clone without ../shared must pass), and the set-up scripts share one package list."""

import os
import re
import subprocess
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Prose may point at the specification; code, build files and scripts may not read it.
CODE = re.compile(r"(\.(cc|h|py|sh|build|txt|yaml|yml|json)|/Dockerfile|/run)$")
OUTSIDE = [re.compile(p) for p in (r"\.\./shared", r"'\.\.'\s*/\s*'shared'", r"\"\.\.\"\s*/\s*\"shared\"")]


def tree_files():
    r = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard"], capture_output=True, text=True)
    if r.returncode == 0:
        return [os.path.join(ROOT, f) for f in r.stdout.splitlines()]
    out = []
    for d, dirs, files in os.walk(ROOT):
        dirs[:] = [x for x in dirs if not x.startswith(("build", "."))]
        out += [os.path.join(d, f) for f in files]
    return out


class Tree(unittest.TestCase):
    def test_nothing_reads_outside_the_checkout(self):
        found = []
        for path in tree_files():
            if not CODE.search(path) or path == os.path.abspath(__file__) or not os.path.isfile(path):
                continue
            with open(path, errors="replace") as f:
                for i, line in enumerate(f, 1):
                    if any(p.search(line) for p in OUTSIDE):
                        found.append(f"{os.path.relpath(path, ROOT)}:{i}: {line.strip()}")
        self.assertEqual(found, [])

    def test_fixtures_are_in_the_tree_with_their_sources(self):
        fixtures = os.path.join(ROOT, "tests", "fixtures", "kubernetes")
        with open(os.path.join(fixtures, "SOURCES.md")) as f:
            sources = f.read()
        for top in sorted(os.listdir(fixtures)):
            if top != "SOURCES.md":
                self.assertIn(f"`{top}/", sources, f"{top} has no line in SOURCES.md")

    def test_setup_scripts_share_one_package_list(self):
        with open(os.path.join(ROOT, "scripts", "build-release.sh")) as f:
            text = f.read()
        self.assertIn("./scripts/setup.sh --build-only", text)
        self.assertNotRegex(text, r"apt-get install")


if __name__ == "__main__":
    unittest.main()
