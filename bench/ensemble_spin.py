#!/usr/bin/python3
"""Single-session write throughput of a local 3-server Warden ensemble for several values of
warden.eventLoopSpinMicros (README, "Benchmark": why an ensemble defaults to 0).

For each value, in the order given, a fresh ensemble (scripts/warden_ensemble.py, tickTime
2000) is started; warden-bench runs `set` and then `create` for --duration seconds with one
session and one request in flight against a follower; the ensemble is stopped. Prints one line
per value.

  /usr/bin/python3 bench/ensemble_spin.py --bench build/release/tools/warden-bench/warden-bench \\
      0 50 300 50 300 0
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import warden_ensemble  # noqa: E402


def ops_per_s(bench, port, workload, duration):
    run = subprocess.run([bench, "--servers", f"127.0.0.1:{port}", "--workload", workload,
                          "--duration", str(duration), "--warmup", "0.5", "--keys", "1000",
                          "--no-progress", "--json"],
                         capture_output=True, text=True, timeout=duration + 120)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    return round(json.loads(lines[-1])["ops_per_s"]) if lines else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", required=True, help="the warden-bench binary")
    p.add_argument("--duration", type=float, default=3.0)
    p.add_argument("spins", nargs="+", type=int, help="eventLoopSpinMicros values, in order")
    a = p.parse_args()
    for spin in a.spins:
        ens = warden_ensemble.Ensemble(3, tick_time=2000,
                                       extra_config={"warden.eventLoopSpinMicros": str(spin)})
        try:
            ens.start()
            leader = ens.wait_leader(30)
            follower = next(s for s in ens.ids if s != leader)
            port = ens.client_port(follower)
            figures = {w: ops_per_s(a.bench, port, w, a.duration) for w in ("set", "create")}
            print(f"spin {spin} us: set 1x1 {figures['set']} ops/s, "
                  f"create 1x1 {figures['create']} ops/s", flush=True)
        finally:
            ens.stop()
            ens.cleanup()


if __name__ == "__main__":
    main()
