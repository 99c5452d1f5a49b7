#!/usr/bin/python3
"""CI smoke run of warden-bench against a wardend started by tests/compat/harness.py.

Runs a few short bounded workloads (about 2 s in all) and checks that each completed some
operations with zero errors and printed a JSON line that parses. Nothing here depends on a
timing: the figures are printed, not judged.

usage: smoke_test.py --bench PATH/warden-bench   (wardend from $WARDEND, as harness.py finds it)
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "compat"))
import harness  # noqa: E402

RUNS = [
    ["--workload", "create", "--sessions", "4", "--inflight", "8", "--duration", "0.5"],
    ["--workload", "mix", "--read-ratio", "0.8", "--sessions", "4", "--inflight", "8",
     "--keys", "200", "--duration", "0.5", "--warmup", "0.2"],
    ["--workload", "get", "--count", "2000", "--sessions", "2", "--inflight", "4"],
    ["--workload", "children", "--children", "50", "--duration", "0.3"],
    ["--workload", "multi", "--duration", "0.2", "--inflight", "4"],
    ["--workload", "watch-fanout", "--watchers", "20", "--count", "5"],
    ["--workload", "session-churn", "--sessions", "2", "--count", "20"],
]


def run_one(bench, address, args):
    argv = [bench, "--servers", address, "--json", "--time-limit", "60"] + args
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    sys.stderr.write(proc.stderr)
    problems = []
    if proc.returncode != 0:
        problems.append(f"exit status {proc.returncode}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if len(lines) != 1:
        return problems + [f"expected one JSON line, got {len(lines)}: {proc.stdout!r}"]
    try:
        result = json.loads(lines[0])
    except json.JSONDecodeError as e:
        return problems + [f"JSON line does not parse: {e}"]
    if result.get("ops", 0) <= 0:
        problems.append("no operation completed")
    if result.get("errors_total") != 0 or result.get("errors"):
        problems.append(f"errors: {result.get('errors')}")
    for key in ("ops_per_s", "latency_us", "elapsed_s"):
        if key not in result:
            problems.append(f"JSON line lacks {key}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    args = parser.parse_args()
    passed = failed = 0
    with harness.Server("warden", extra_config={"maxClientCnxns": "0"}) as server:
        for run in RUNS:
            problems = run_one(args.bench, server.address, run)
            name = " ".join(run[:2])
            if problems:
                failed += 1
                print(f"FAIL {name}: " + "; ".join(problems))
            else:
                passed += 1
                print(f"ok   {name}")
        # The cleanup phase on its own: everything under the root goes.
        problems = run_one(args.bench, server.address,
                           ["--workload", "exists", "--count", "100", "--cleanup"])
        (passed, failed) = (passed + 1, failed) if not problems else (passed, failed + 1)
        print(("ok   " if not problems else "FAIL ") + "cleanup " + "; ".join(problems))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
