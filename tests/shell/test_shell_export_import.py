#!/usr/bin/python3
"""`export` / `import` round trip through JSON against a real wardend: UTF-8 and binary data
(base64), null data, ACLs (digest), ephemeral nodes skipped;
import into another path and over existing nodes."""

import base64
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shell_common import Checker, run, start_server  # noqa: E402

DIGEST = "digest:user1:GMJqCvSAmNfv41XqBotWHO0HsNc=:cdrwa"
BINARY = bytes([0, 1, 2, 0xff, 0xfe, 0x80, 10])


def make_tree(a, tmp):
    # Binary data cannot be typed on a command line: it enters through an import file.
    seed = {"format": "warden-export", "version": 1, "root": "/src/bin",
            "nodes": [{"path": "", "data": base64.b64encode(BINARY).decode(),
                       "encoding": "base64",
                       "acl": [{"scheme": "world", "id": "anyone", "perms": "cdrwa"}]}]}
    seed_file = os.path.join(tmp, "seed.json")
    with open(seed_file, "w") as f:
        json.dump(seed, f)
    script = ("create /src\n"
              "create /src/text héllo-ünïcode\n"
              "create /src/text/deep 'with spaces'\n"
              "create /src/null\n"
              f"create /src/secret s3cret {DIGEST}\n"
              "create -c /src/box\n"
              "create /src/box/k v\n"
              "create -t 600000 /src/ttl t\n"
              f"import {seed_file}\n")
    return run(a, stdin=script)


def export_doc(a, path, tmp, name):
    out_file = os.path.join(tmp, name)
    script = f"addauth digest user1:pw1\ncreate -e /src/eph gone\nexport {path} {out_file}\n"
    code, out, err = run(a, stdin=script)
    with open(out_file) as f:
        return code, out, err, json.load(f)


def main():
    c = Checker()
    server = start_server()
    tmp = tempfile.mkdtemp(prefix="wd-shell-export-")
    try:
        a = server.address
        code, _, err = make_tree(a, tmp)
        c.eq("build tree", code, 0)
        code, out, err, doc = export_doc(a, "/src", tmp, "one.json")
        c.eq("export exit", (code, err), (0, "Created /src/eph\n"))
        paths = [n["path"] for n in doc["nodes"]]
        c.eq("export paths (ephemeral skipped)", paths,
             ["", "/bin", "/box", "/box/k", "/null", "/secret", "/text", "/text/deep", "/ttl"])
        nodes = {n["path"]: n for n in doc["nodes"]}
        c.eq("binary as base64", (nodes["/bin"]["encoding"], nodes["/bin"]["data"]),
             ("base64", base64.b64encode(BINARY).decode()))
        c.eq("utf8 as text", nodes["/text"]["data"], "héllo-ünïcode")
        c.eq("null data", nodes["/null"]["data"], None)
        c.eq("acl kept", nodes["/secret"]["acl"],
             [{"scheme": "digest", "id": "user1:GMJqCvSAmNfv41XqBotWHO0HsNc=", "perms": "cdrwa"}])
        # Import under another root, export that, and compare.
        code, out, err = run(a, "import", os.path.join(tmp, "one.json"), "/copy/here")
        c.eq("import", (code, out, err), (0, "Imported 9 znodes to /copy/here\n", ""))
        _, _, _, again = export_doc(a, "/copy/here", tmp, "two.json")
        c.eq("round trip", again["nodes"], doc["nodes"])
        c.eq("binary data read back", run(a, "--json", "get", "/copy/here/bin")[1].count("base64"),
             1)
        # Import over existing nodes overwrites their data.
        run(a, "set", "/copy/here/text", "changed")
        code, out, err = run(a, stdin="addauth digest user1:pw1\nimport "
                             + os.path.join(tmp, "one.json") + " /copy/here\n")
        c.eq("import over existing", (code, err), (0, ""))
        c.eq("data restored", run(a, "get", "/copy/here/text")[1], "héllo-ünïcode\n")
        c.eq("bad file", run(a, "import", os.path.join(tmp, "seed.json") + ".nope"),
             (1, "", f"Not a warden export file: {tmp}/seed.json.nope\n"))
        code, out, _ = run(a, "export", "/copy/here/ttl")
        c.eq("export to stdout", json.loads(out)["nodes"][0]["data"], "t")
    finally:
        server.cleanup()
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
