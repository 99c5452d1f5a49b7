#!/usr/bin/python3
"""Runs the C-client compatibility program (tests/compat/c/zk_c_test.c) against a server.

    test_c_client.py --server warden|zookeeper --binary build/release/tests/compat/c/zk_c_test

Starts the server with harness.Server (extended types enabled, for TTL nodes), runs the binary
with the server's address and tickTime, passes its exit code through and stops the server.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TICK_MS = 2000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", choices=("warden", "zookeeper"), default="warden")
    ap.add_argument("--binary", required=True, help="path of the zk_c_test executable")
    ap.add_argument("--timeout", type=float, default=120.0, help="bound on the binary's runtime")
    args = ap.parse_args()

    server = harness.Server(kind=args.server, extra_config={"extendedTypesEnabled": "true"},
                            tick_time=TICK_MS)
    try:
        try:
            server.start()
            harness.wait_for_session(server.port)
        except Exception as e:  # noqa: BLE001 - report any start failure as a test failure
            print(f"not ok - start {args.server}: {e}")
            print("0 passed, 1 failed")
            return 1
        try:
            proc = subprocess.run([args.binary, server.address, str(TICK_MS)],
                                  timeout=args.timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            print(f"not ok - zk_c_test did not finish within {args.timeout:.0f}s")
            rc = 1
        if rc != 0:
            if rc < 0:
                print(f"not ok - zk_c_test killed by signal {-rc}")
            print(f"--- {args.server} log (tail) ---\n{server.log_text()}", file=sys.stderr)
        return 1 if rc < 0 else rc
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
