#!/usr/bin/python3
"""The `warden` shell against zkCli (Debian's ZooKeeper 3.8 Java CLI).

Every "## section" of tests/compat/zkcli/script.txt and tests/shell/zkcli_extra.txt runs as
one session of each tool (commands on stdin; warden with -k so that it goes on after failures
and exits with the last command's status, as zkCli does), each tool against its own fresh
wardend. The outputs (stdout and stderr merged) are normalized as tests/compat/test_zkcli.py
does (times, zxids, session ids; watch events cut out and compared as a list) and must be
equal. `version` (which names the tool) is left out of both runs, and "{address}" in a
script stands for the server's host:port. test_shell_config_compare.py also compares config,
reconfig and the quota commands against a ZooKeeper server."""

import difflib
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shell_common import ROOT, start_server, warden_path  # noqa: E402
import test_zkcli  # noqa: E402  (tests/compat, on the path through shell_common)

UNSUPPORTED = re.compile(r"^version\b")
EXIT_RE = re.compile(r"\[zkCli exit code (\d+)\]")
SESSION_EVENT = re.compile(r"type:None path:null$")


SCRIPTS = [os.path.join(ROOT, "tests", "compat", "zkcli", "script.txt"),
           os.path.join(os.path.dirname(os.path.abspath(__file__)), "zkcli_extra.txt")]


def load_sections():
    sections = []
    for script in SCRIPTS:
        for name, cmds in test_zkcli.parse_script(script):
            kept = [c for c in cmds if not UNSUPPORTED.match(c.strip())]
            sections.append((name, kept))
    return sections


def run_warden(address, commands):
    stdin = "\n".join(commands + ["quit"]) + "\n"
    proc = subprocess.run([warden_path(), "-server", address, "-k"], input=stdin.encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return proc.stdout.decode(errors="replace") + f"\n[exit code {proc.returncode}]\n"


def run_zkcli(address, commands):
    out = test_zkcli.run_section(address, commands)
    return EXIT_RE.sub(lambda m: f"[exit code {m.group(1)}]", out)


def normalize(raw_outputs, port):
    out = []
    for section in test_zkcli.normalize_run(raw_outputs, port):
        out.append([line for line in section if line and not SESSION_EVENT.search(line)])
    return out


def main():
    if not os.path.exists(test_zkcli.ZKCLI):
        print(f"not ok - {test_zkcli.ZKCLI} not found (Debian package zookeeper)")
        return 1
    sections = load_sections()
    servers = [start_server(), start_server()]
    results = {}
    runners = {"zkCli": (run_zkcli, servers[0]), "warden": (run_warden, servers[1])}

    def run_all(tool):
        fn, server = runners[tool]
        address = server.address
        results[tool] = [fn(address, [c.replace("{address}", address) for c in cmds])
                         for _, cmds in sections]

    try:
        threads = [threading.Thread(target=run_all, args=(t,)) for t in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in servers:
            s.cleanup()
    want = normalize(results["zkCli"], servers[0].port)
    got = normalize(results["warden"], servers[1].port)
    passed = failed = 0
    for (name, _), g, w in zip(sections, got, want):
        if g == w:
            print(f"ok - shell vs zkCli: {name}")
            passed += 1
            continue
        print(f"not ok - shell vs zkCli: {name}")
        for d in difflib.unified_diff(w, g, "zkCli", "warden", lineterm="", n=2):
            print("    " + d)
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
