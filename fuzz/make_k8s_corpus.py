#!/usr/bin/env python3
"""Writes the seed corpus of k8s_watch_fuzz: watch stream bodies built from the real objects in
tests/fixtures/kubernetes (one event per line, as the API server sends them), each file led by the
byte that picks the second way of cutting it.

    python3 fuzz/make_k8s_corpus.py fuzz/corpus/k8s_watch
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures", "kubernetes", "api", "testdata", "HEAD")


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def bodies():
    svc, eps, node = load("core.v1.Service.json"), load("discovery.k8s.io.v1.EndpointSlice.json"), \
        load("core.v1.Node.json")
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": "too old resource version: 1 (2)", "reason": "Expired", "code": 410}
    bookmark = {"kind": "Service", "apiVersion": "v1",
                "metadata": {"resourceVersion": "12345", "annotations": {"k8s.io/initial-events-end": "true"}}}
    line = lambda t, o: json.dumps({"type": t, "object": o}, separators=(",", ":")) + "\n"
    yield line("ADDED", svc) + line("MODIFIED", svc) + line("DELETED", svc)
    yield line("ADDED", eps) + line("BOOKMARK", bookmark)
    yield line("ADDED", node) + line("ERROR", status)
    yield line("ADDED", svc)[:-1]  # no final newline
    yield "not json\n" + line("WHAT", svc) + "\n\n" + line("ADDED", 42)


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "k8s_watch")
    os.makedirs(target, exist_ok=True)
    for i, body in enumerate(bodies()):
        data = bytes([i * 5 + 1]) + body.encode()
        with open(os.path.join(target, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
