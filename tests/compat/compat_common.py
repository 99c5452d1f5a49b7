"""Shared helpers for test_kazoo.py, differential.py and crash_test.py (not part of harness)."""

import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
import zkwire  # noqa: E402


def wait_ready(port, timeout=30.0):
    """Waits until the server accepts a session (ZooKeeper answers `ruok` slightly before its
    ZooKeeperServer is running, and closes client connections until then)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            s = zkwire.WireSession(port, timeout_ms=4000, sock_timeout=2.0)
            try:
                resp = s.connect()
                if resp.session_id:
                    s.close_session()
                    return
            finally:
                s.close()
        except Exception as e:  # noqa: BLE001 - retry on anything while starting
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} never accepted a session: {last!r}")


def start_server(kind, extra_config=None, tick_time=2000, data_dir=None, port=None):
    srv = harness.Server(kind=kind, extra_config=extra_config, tick_time=tick_time,
                         data_dir=data_dir, port=port)
    srv.start()
    try:
        wait_ready(srv.port)
    except Exception:
        srv.cleanup()
        raise
    return srv


class Runner:
    """Tiny test runner: run(name, fn) catches failures; summary() prints `N passed, N failed`."""

    def __init__(self, verbose=True):
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.verbose = verbose

    def run(self, name, fn, *args):
        t0 = time.monotonic()
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001
            self.failed += 1
            self.failures.append(name)
            print(f"FAIL {name} ({time.monotonic() - t0:.2f}s): {type(e).__name__}: {e}",
                  flush=True)
            if self.verbose:
                traceback.print_exc()
        else:
            self.passed += 1
            print(f"ok   {name} ({time.monotonic() - t0:.2f}s)", flush=True)

    def run_all(self, namespace, only=None):
        """Runs every callable named test_* in `namespace` (a module's globals()), sorted by
        name, or only those whose name contains `only`."""
        for name, fn in sorted(namespace.items()):
            if name.startswith("test_") and callable(fn) and (not only or only in name):
                self.run(name, fn)

    def summary(self):
        if self.failures:
            print("failed tests: " + ", ".join(self.failures))
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def eq(actual, expected, what=""):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def wait_until(pred, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
