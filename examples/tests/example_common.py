"""Helpers for the examples' end-to-end tests: a wardend from tests/compat/harness.py on a free
port of 127.0.0.1, example processes stopped by PID, and a kazoo client to look at the tree."""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "compat"))

import compat_common as C  # noqa: E402,F401  (re-exported: Runner, check, eq, wait_until)
from compat_common import check, eq, wait_until  # noqa: E402,F401


class Process:
    """One example process; its stdout and stderr go to a file under `work`."""

    def __init__(self, argv, work, name):
        self.name = name
        self.out_path = os.path.join(work, f"{name}.out")
        with open(self.out_path, "ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def output(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        """SIGKILL, as a crash."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout=15.0):
        """SIGTERM; returns the exit code (SIGKILL and a failure if it does not stop)."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"{self.name} did not stop within {timeout}s of SIGTERM")
        return self.proc.returncode


def main_for(name, run):
    """The command line of one example's test: --binary PATH; runs run(binary, work_dir) in a
    fresh temporary folder and returns the exit status."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix=f"wd-example-{name}-")
    runner = C.Runner()
    try:
        runner.run(name, run, args.binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return runner.summary()
