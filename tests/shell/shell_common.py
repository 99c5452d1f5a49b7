"""Shared helpers of the `warden` shell tests: find the binaries, start a wardend (through
tests/compat/harness.py's Server), and run the shell."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "compat"))
import harness  # noqa: E402,F401  (re-exported)

SERVER_CONFIG = {"extendedTypesEnabled": "true"}


def warden_path():
    path = os.environ.get("WARDEN")
    if path:
        return path
    for preset in ("release", "debug", "asan"):
        candidate = os.path.join(ROOT, "build", preset, "tools", "warden", "warden")
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("warden not found; build it or set WARDEN")


def start_server():
    server = harness.Server(kind="warden", extra_config=SERVER_CONFIG)
    server.start()
    harness.wait_for_session(server.port)
    return server


def run(address, *args, stdin=None, timeout=60, merged=False):
    """Runs warden -server address args...; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([warden_path(), "-server", address, *args],
                          input=None if stdin is None else stdin.encode(),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT if merged else subprocess.PIPE,
                          timeout=timeout)
    err = "" if merged else proc.stderr.decode(errors="replace")
    return proc.returncode, proc.stdout.decode(errors="replace"), err


class Checker:
    """Counts checks; prints "ok - name" / "not ok - name" lines and a summary."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def eq(self, name, got, want):
        if got == want:
            self.passed += 1
            print(f"ok - {name}")
        else:
            self.failed += 1
            print(f"not ok - {name}\n  got:  {got!r}\n  want: {want!r}")

    def true(self, name, cond, detail=""):
        self.eq(name, bool(cond), True) if cond else self.eq(name + " " + detail, False, True)

    def done(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
