#!/usr/bin/python3
"""The `warden` shell's one-shot and script modes against a real wardend: exact outputs,
exit codes, --json, config/reconfig/quota commands, tree, and watch streaming."""

import json
import os
import select
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shell_common import Checker, run, start_server, warden_path  # noqa: E402
import harness  # noqa: E402


def one_shot(c, a):
    c.eq("create", run(a, "create", "/m", "hi"), (0, "", "Created /m\n"))
    c.eq("create exists", run(a, "create", "/m"), (1, "", "Node already exists: /m\n"))
    c.eq("get", run(a, "get", "/m"), (0, "hi\n", ""))
    c.eq("get missing", run(a, "get", "/nope"), (1, "", "Node does not exist: /nope\n"))
    c.eq("create data with spaces", run(a, "create", "/m/sp", "a b  c"),
         (0, "", "Created /m/sp\n"))
    c.eq("get data with spaces", run(a, "get", "/m/sp"), (0, "a b  c\n", ""))
    c.eq("ls", run(a, "ls", "/"), (0, "[m, zookeeper]\n", ""))
    c.eq("ls usage", run(a, "ls"), (1, "", "ls [-s] [-w] [-R] path\n"))
    c.eq("relative path", run(a, "get", "m"), (1, "", "Path must start with / character\n"))
    c.eq("set -v stale", run(a, "set", "-v", "5", "/m", "x"),
         (1, "", "version No is not valid : /m\n"))
    c.eq("delete not empty", run(a, "delete", "/m"), (1, "", "Node not empty: /m\n"))
    c.eq("getAllChildrenNumber", run(a, "getAllChildrenNumber", "/m"), (0, "1\n", ""))
    code, out, _ = run(a, "version")
    c.eq("version", (code, out.startswith("ZooKeeper CLI version: 3.8.0-warden-")), (0, True))
    code, _, err = run(a, "bogus")
    c.eq("unknown command exit", code, 1)
    c.true("unknown command message", err.endswith("Command not found: Command not found bogus\n"))
    started = time.monotonic()
    code, _, err = run("127.0.0.1:1", "-timeout", "1500", "ls", "/")
    elapsed = time.monotonic() - started
    c.eq("no server exit", code, 1)
    # The wait for the first connection is the timeout; closing the client that never
    # connected must not add another one.
    c.true("no server gives up promptly", elapsed < 4.5, f"({elapsed:.1f}s)")


def admin_commands(c, a):
    c.eq("config", run(a, "config"), (0, "\n", ""))
    c.eq("config -c", run(a, "config", "-c"), (0, " \n", ""))
    code, out, _ = run(a, "--json", "config")
    doc = json.loads(out)
    c.eq("json config", (code, doc["data"], doc["servers"], doc["version"],
                         doc["clientConfig"], doc["stat"]["dataVersion"]),
         (0, "", [], None, " ", 0))
    c.eq("reconfig disabled", run(a, "reconfig", "-remove", "2"),
         (1, "", "KeeperErrorCode = Reconfig is disabled\n"))
    c.eq("reconfig mixed modes",
         run(a, "reconfig", "-members", "server.1=h:1:2;3", "-remove", "2")[0], 1)
    c.eq("setquota", run(a, "setquota", "-n", "4", "/m"), (0, "", ""))
    code, out, err = run(a, "--json", "listquota", "/m")
    doc = json.loads(out)
    c.eq("json listquota", (code, doc["path"], doc["quota"]["count"], doc["quota"]["bytes"],
                            doc["stats"]["count"]), (0, "/m", 4, -1, 2))
    c.eq("delquota", run(a, "delquota", "/m"), (0, "", ""))
    c.eq("listquota gone", run(a, "listquota", "/m"),
         (0, "", "absolute path is /zookeeper/quota/m/zookeeper_limits\n"
                 "quota for /m does not exist.\n"))


def json_output(c, a):
    code, out, _ = run(a, "--json", "get", "/m")
    doc = json.loads(out)
    c.eq("json get", (code, doc["path"], doc["data"], doc["stat"]["dataLength"]),
         (0, "/m", "hi", 2))
    doc = json.loads(run(a, "--json", "ls", "/")[1])
    c.eq("json ls", doc["children"], ["m", "zookeeper"])
    doc = json.loads(run(a, "--json", "stat", "/m")[1])
    c.eq("json stat", (doc["stat"]["numChildren"], doc["stat"]["ephemeralOwner"]), (1, 0))
    doc = json.loads(run(a, "--json", "getAcl", "/m")[1])
    c.eq("json getAcl", doc["acl"], [{"scheme": "world", "id": "anyone", "perms": "cdrwa"}])
    doc = json.loads(run(a, "--json", "whoami")[1])
    c.eq("json whoami", doc["ids"], [{"scheme": "ip", "user": "127.0.0.1"}])
    doc = json.loads(run(a, "--json", "getEphemerals", "/")[1])
    c.eq("json getEphemerals", doc["ephemerals"], [])
    code, out, err = run(a, "--json", "get", "/nope")
    c.eq("json error", (code, out, err), (1, "", "Node does not exist: /nope\n"))


def scripts(c, a):
    text = "create /s\ncreate /s/a 1\nget /s/a\ncreate /s\nget /s/a\n"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        c.eq("script -f stops at first failure", run(a, "-f", f.name),
             (1, "1\n", "Created /s\nCreated /s/a\nNode already exists: /s\n"))
    finally:
        os.unlink(f.name)
    c.eq("script stdin -k goes on", run(a, "-k", stdin=text),
         (0, "1\n1\n", "Node already exists: /s\nNode already exists: /s/a\n"
                       "Node already exists: /s\n"))
    c.eq("script stdin ok", run(a, stdin="# comment\n\nset /s/a 2\nget /s/a\nquit\nget /nope\n"),
         (0, "2\n", ""))
    c.eq("script stdin failure", run(a, stdin="get /nope\nget /s/a\n"),
         (1, "", "Node does not exist: /nope\n"))
    c.eq("history and redo", run(a, stdin="get /s/a\nstat /nope\nredo 0\nhistory\n"),
         (1, "2\n", "Node does not exist: /nope\n"))
    c.eq("redo", run(a, "-k", stdin="get /s/a\nredo 0\nhistory\n"),
         (0, "2\n2\n0 - get /s/a\n1 - get /s/a\n2 - history\n", ""))


def tree(c, a):
    run(a, stdin="create /t\ncreate /t/a 12345\ncreate /t/a/x\ncreate /t/b xy\n")
    want = ("/t (0 B)\n"
            "├── a (5 B)\n"
            "│   └── x (0 B)\n"
            "└── b (2 B)\n")
    c.eq("tree", run(a, "tree", "/t"), (0, want, ""))
    doc = json.loads(run(a, "--json", "tree", "/t")[1])
    c.eq("json tree", [ch["path"] for ch in doc["children"]], ["/t/a", "/t/b"])


def watch(c, a):
    proc = subprocess.Popen([warden_path(), "-server", a, "watch", "-r", "/w"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    port = int(a.rsplit(":", 1)[1])
    # Wait (bounded) until the server lists the shell's watch, instead of guessing a delay.
    deadline = time.monotonic() + 20
    while "/w\n" not in harness.four_letter(port, "wchp") and time.monotonic() < deadline:
        time.sleep(0.05)
    run(a, stdin="create /w\ncreate /w/x 1\nset /w/x 2\ndelete /w/x\n")
    # Read the four expected lines as they arrive (bounded), then end the stream with EOF.
    # os.read on the raw descriptor: a buffered readline would hide data from select().
    seen = b""
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + 20
    while seen.count(b"\n") < 4 and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
    out, err = proc.communicate(input=b"", timeout=30)
    c.eq("watch -r stream", (proc.returncode, (seen + out).decode(), err.decode()),
         (0, "NodeCreated /w\nNodeCreated /w/x\nNodeDataChanged /w/x\nNodeDeleted /w/x\n", ""))


def main():
    c = Checker()
    server = start_server()
    try:
        a = server.address
        one_shot(c, a)
        json_output(c, a)
        admin_commands(c, a)
        scripts(c, a)
        tree(c, a)
        watch(c, a)
    finally:
        server.cleanup()
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
