"""A process-wide cleanup stack that runs on every exit path.

Every resource the suite creates (namespace, daemon, temporary directory) registers an undo action
here.  The stack runs in LIFO order from the owner's normal teardown, from atexit, and from SIGTERM,
SIGINT and SIGHUP, so an interrupted run leaves nothing behind.
"""

import atexit
import os
import signal
import sys
import threading

_lock = threading.RLock()
_stack = []  # list of (token, description, fn)
_next = [0]


def register(description, fn):
    """Push an undo action; returns a token for unregister()/run_one()."""
    with _lock:
        _next[0] += 1
        token = _next[0]
        _stack.append((token, description, fn))
        return token


def unregister(token):
    with _lock:
        for i, (t, _, _) in enumerate(_stack):
            if t == token:
                del _stack[i]
                return


def run_one(token):
    """Run and remove one action (the owner's normal teardown)."""
    with _lock:
        entry = None
        for i, (t, _, _) in enumerate(_stack):
            if t == token:
                entry = _stack.pop(i)
                break
    if entry is not None:
        _call(entry)


def _call(entry):
    _, description, fn = entry
    try:
        fn()
    except Exception as exc:  # cleanup must go on with the rest
        print(f"# cleanup of {description} failed: {exc!r}", file=sys.stderr)


def run_all():
    while True:
        with _lock:
            if not _stack:
                return
            entry = _stack.pop()
        _call(entry)


def _on_signal(signum, _frame):
    run_all()
    # Restore the default action and re-raise so the exit status says which signal ended us.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


_installed = [False]


def install():
    if _installed[0]:
        return
    _installed[0] = True
    atexit.register(run_all)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)


install()
