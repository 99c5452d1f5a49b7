#!/usr/bin/python3
"""The `warden` shell's config, reconfig and quota commands against zkCli (Debian's ZooKeeper
3.8 Java CLI), on a standalone Warden server and on a standalone Apache ZooKeeper server.

Every "## section" of tests/shell/zkcli_admin.txt runs as one session of each tool (commands
on stdin, warden with -k). For each server kind, zkCli and warden each get their own fresh
server of that kind, and warden's normalized output (as test_shell_zkcli_compare.py
normalizes it) must equal zkCli's. reconfig is disabled on both servers (their default), so
it shows the error zkCli prints. The sections in SERVERS_AGREE must also give zkCli the same
output on both servers (the Warden server answers config and reconfig as ZooKeeper does)."""

import difflib
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shell_common import HERE, harness  # noqa: E402
import test_shell_zkcli_compare as compare  # noqa: E402
import test_zkcli  # noqa: E402

SCRIPT = os.path.join(HERE, "zkcli_admin.txt")
SERVERS_AGREE = {"config", "reconfig refused while disabled", "reconfig usage errors"}
CONFIG = {"extendedTypesEnabled": "true"}


def start(kind):
    server = harness.Server(kind=kind, extra_config=CONFIG)
    server.start()
    harness.wait_for_session(server.port)
    return server


def run_both(kind, sections):
    """Returns {"zkCli": (outputs, port), "warden": (outputs, port)} against servers of kind."""
    servers = {"zkCli": start(kind), "warden": start(kind)}
    runners = {"zkCli": compare.run_zkcli, "warden": compare.run_warden}
    results = {}

    def run_all(tool):
        address = servers[tool].address
        results[tool] = ([runners[tool](address, cmds) for _, cmds in sections],
                         servers[tool].port)

    try:
        threads = [threading.Thread(target=run_all, args=(t,)) for t in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
    finally:
        for s in servers.values():
            s.cleanup()
    return results


def diff(name, want, got, labels):
    if got == want:
        print(f"ok - {name}")
        return True
    print(f"not ok - {name}")
    for d in difflib.unified_diff(want, got, labels[0], labels[1], lineterm="", n=2):
        print("    " + d)
    return False


def main():
    if not os.path.exists(test_zkcli.ZKCLI):
        print(f"not ok - {test_zkcli.ZKCLI} not found (Debian package zookeeper)")
        return 1
    sections = test_zkcli.parse_script(SCRIPT)
    normalized = {}
    for kind in ("warden", "zookeeper"):
        results = run_both(kind, sections)
        for tool in ("zkCli", "warden"):
            if tool not in results:
                print(f"not ok - {tool} against {kind} did not finish")
                return 1
            outputs, port = results[tool]
            normalized[(tool, kind)] = compare.normalize(outputs, port)
    passed = failed = 0
    for i, (name, _) in enumerate(sections):
        checks = [(f"warden vs zkCli on {kind}: {name}", ("zkCli", kind), ("warden", kind))
                  for kind in ("warden", "zookeeper")]
        if name in SERVERS_AGREE:
            checks.append((f"zkCli on Warden vs ZooKeeper: {name}", ("zkCli", "zookeeper"),
                           ("zkCli", "warden")))
        for label, want, got in checks:
            ok = diff(label, normalized[want][i], normalized[got][i],
                      ("-".join(want), "-".join(got)))
            passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
