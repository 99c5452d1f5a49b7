#!/usr/bin/python3
"""Differential test of zkCli (Debian's ZooKeeper 3.8 Java CLI) against a server.

    test_zkcli.py --server warden|zookeeper [--script tests/compat/zkcli/script.txt]

Starts the server under test and, as the reference, an Apache ZooKeeper server; runs every
"## section" of the script as one zkCli session (commands on stdin, one JVM per section) against
both, in order, and compares each section's normalized output. Normalization drops JVM/log
noise and replaces wall-clock times, zxids and session ids with placeholders: zxids become their
rank among all zxids the run printed (so equality and order are kept, not absolute values or
gaps) and session ids are numbered by first appearance. Watch notifications, which zkCli prints
from its event thread and which therefore interleave with command output at random points, are
cut out and compared as a separate ordered list per section.

Prints "ok - section" / "not ok - section" with a unified diff, then "N passed, N failed";
exits 1 on any mismatch.  --save-golden PATH writes the reference's normalized output.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
SERVER_CONFIG = {"extendedTypesEnabled": "true"}
SECTION_TIMEOUT = 30.0


def parse_script(path):
    """Returns [(name, [command, ...])]."""
    sections = []
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("## "):
                sections.append((line[3:].strip(), []))
            elif not line.strip() or line.startswith("#"):
                continue
            elif sections:
                sections[-1][1].append(line)
    return sections


def run_section(address, commands):
    """Runs commands in one zkCli session; returns its combined stdout+stderr as text."""
    stdin = "\n".join(commands + ["quit"]) + "\n"
    env = dict(os.environ)
    env.pop("JVMFLAGS", None)
    try:
        proc = subprocess.run([ZKCLI, "-server", address], input=stdin.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=SECTION_TIMEOUT, env=env)
        out = proc.stdout.decode(errors="replace")
        return out + f"\n[zkCli exit code {proc.returncode}]\n"
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        return out + f"\n[zkCli timed out after {SECTION_TIMEOUT:.0f}s]\n"


def run_all(server, sections, results):
    results[server.kind + str(id(server))] = [run_section(server.address, cmds)
                                              for _, cmds in sections]


NOISE = [
    re.compile(r"^SLF4J: "),
    re.compile(r"^Connecting to "),
    re.compile(r"^Welcome to ZooKeeper!$"),
    re.compile(r"^JLine support is (disabled|enabled)$"),
    re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]\d+ "),  # log4j/logback lines
    re.compile(r"^log4j:"),
]
# zkCli prints a watch as println("\nWATCHER::") then println("\n" + event): each a single write.
CLOSED_EVENT_RE = re.compile(r"^WatchedEvent state:Closed type:None path:null$")
WATCHER_RE = re.compile(r"\nWATCHER::\n")
EVENT_RE = re.compile(r"\n(WatchedEvent [^\n]*)\n")
ZXID_LINE_RE = re.compile(r"^([cmp]Zxid = )0x([0-9a-f]+)$")
OWNER_LINE_RE = re.compile(r"^(ephemeralOwner = )0x([0-9a-f]+)$")
TIME_LINE_RE = re.compile(r"^([cm]time = )(.*)$")
EPOCH_TIME = re.compile(r"^Thu Jan 01 00:00:00 \w+ 1970$")
LIST_RE = re.compile(r"^\[(.*)\]$")
WHOAMI_ID_RE = re.compile(r"^[A-Za-z0-9_.-]+: \S.*$")


def sort_whoami(lines):
    """whoami prints the connection's auth ids in the server's (hash-set) order: sort them."""
    i = 0
    while i < len(lines):
        if lines[i] == "Auth scheme: User":
            j = i + 1
            while j < len(lines) and WHOAMI_ID_RE.match(lines[j]):
                j += 1
            lines[i + 1:j] = sorted(lines[i + 1:j])
            i = j
        else:
            i += 1


def split_events(text):
    """Returns (output without watch notifications, [event line, ...])."""
    events = []

    def take(m):
        events.append(m.group(1))
        return ""

    text = WATCHER_RE.sub("", text)
    text = EVENT_RE.sub(take, text)
    return text, events


class Normalizer:
    """Shared across the sections of one server's run so placeholders are consistent."""

    def __init__(self, raw_outputs):
        zxids = set()
        for text in raw_outputs:
            for line in text.splitlines():
                m = ZXID_LINE_RE.match(line)
                if m:
                    zxids.add(int(m.group(2), 16))
        zxids.discard(0)
        self.zxid_rank = {z: i + 1 for i, z in enumerate(sorted(zxids))}
        self.sessions = {}

    def line(self, line, port):
        line = line.replace(f"127.0.0.1:{port}", "127.0.0.1:<port>")
        m = ZXID_LINE_RE.match(line)
        if m:
            z = int(m.group(2), 16)
            return m.group(1) + ("0x0" if z == 0 else f"<zxid {self.zxid_rank[z]}>")
        m = OWNER_LINE_RE.match(line)
        if m:
            owner = int(m.group(2), 16)
            if owner == 0:
                return line
            n = self.sessions.setdefault(owner, len(self.sessions) + 1)
            return m.group(1) + f"<session {n}>"
        m = TIME_LINE_RE.match(line)
        if m and not EPOCH_TIME.match(m.group(2)):
            return m.group(1) + "<time>"
        m = LIST_RE.match(line)
        if m and m.group(1):
            # getEphemerals prints the server's (hash-set) order; ls sorts anyway
            return "[" + ", ".join(sorted(m.group(1).split(", "))) + "]"
        return line

    def section(self, raw, port):
        text, events = split_events("\n" + raw)
        text = text[1:] if text.startswith("\n") else text
        lines = []
        for line in text.splitlines():
            if any(p.search(line) for p in NOISE):
                continue
            lines.append(self.line(line, port))
        sort_whoami(lines)
        # The Closed event is queued while "quit" closes the session and the JVM exits right
        # after, so zkCli prints it only sometimes: leave it out.
        events = [e for e in events if not CLOSED_EVENT_RE.match(e)]
        out = lines + ["--- watch events ---"] + [self.line(e, port) for e in events]
        return out


def normalize_run(raw_outputs, port):
    norm = Normalizer(raw_outputs)
    return [norm.section(raw, port) for raw in raw_outputs]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", choices=("warden", "zookeeper"), default="warden")
    ap.add_argument("--script", default=os.path.join(HERE, "zkcli", "script.txt"))
    ap.add_argument("--save-golden", metavar="PATH",
                    help="write the reference's normalized output here")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every section's normalized output")
    args = ap.parse_args()

    if not os.path.exists(ZKCLI):
        print(f"not ok - {ZKCLI} not found (Debian package zookeeper)")
        return 1
    sections = parse_script(args.script)
    servers = [harness.Server(kind=args.server, extra_config=SERVER_CONFIG),
               harness.Server(kind="zookeeper", extra_config=SERVER_CONFIG)]
    try:
        for s in servers:
            try:
                s.start()
                harness.wait_for_session(s.port)
            except Exception as e:  # noqa: BLE001 - report any start failure as a test failure
                print(f"not ok - start {s.kind}: {e}")
                print("0 passed, 1 failed")
                return 1
        results = {}
        threads = [threading.Thread(target=run_all, args=(s, sections, results))
                   for s in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        test_raw = results[servers[0].kind + str(id(servers[0]))]
        ref_raw = results[servers[1].kind + str(id(servers[1]))]
    finally:
        for s in servers:
            s.cleanup()

    test_norm = normalize_run(test_raw, servers[0].port)
    ref_norm = normalize_run(ref_raw, servers[1].port)

    if args.save_golden:
        with open(args.save_golden, "w") as f:
            for (name, cmds), out in zip(sections, ref_norm):
                f.write(f"## {name}\n" + "".join(f"> {c}\n" for c in cmds))
                f.write("\n".join(out) + "\n\n")

    passed = failed = 0
    label = f"{args.server} vs zookeeper"
    for (name, _), got, want in zip(sections, test_norm, ref_norm):
        if args.verbose:
            print(f"# --- {name} ({args.server}) ---")
            print("\n".join(got))
        if got == want:
            print(f"ok - zkcli: {name}")
            passed += 1
        else:
            print(f"not ok - zkcli: {name} ({label})")
            for d in difflib.unified_diff(want, got, "zookeeper", args.server, lineterm="", n=3):
                print("    " + d)
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
