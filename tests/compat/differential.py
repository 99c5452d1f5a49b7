#!/usr/bin/python3
"""Differential test: the same seeded random operations against two servers, results compared.

Usage:
  /usr/bin/python3 tests/compat/differential.py --seed 7 --ops 3000            # warden vs ZK
  /usr/bin/python3 tests/compat/differential.py --a zookeeper --b zookeeper    # self-check
(--server X is an alias of --a X.) Same seed -> same op sequence: the ops never depend on
results (sequential names are drawn from a fixed key space of possible names).

Compared per op: error class (kazoo exception name) or the value: data, sorted children, ACLs,
created path (sequential suffixes must be identical), and Stat without czxid/mzxid/pzxid/ctime/
mtime; ephemeralOwner is compared as the session's label (A, B, C<gen>). zxids are compared
*relatively*: every (zxid on side a, zxid on side b) pair seen in the same field of the same op
must be consistent with one order-preserving one-to-one map between the two servers' zxids
(so "all ops of a multi share one zxid", "pzxid == czxid of the last child" etc. must agree,
while the absolute numbers may differ). At the end, the whole /d tree is compared node by node.
"""

import argparse
import bisect
import logging
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compat_common as C  # noqa: E402
import zkwire as W  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo.security import make_acl, make_digest_acl  # noqa: E402

# TTLs stay far in the future and the container manager must not run during a test (its
# timing would make the two servers diverge): ZooKeeper reads this as a system property.
CONFIG = {"extendedTypesEnabled": "true", "znode.container.checkIntervalMs": "86400000"}
ROOT = "/d"
NAMES = ["a", "b", "c", "s-0000000000", "s-0000000001", "s-0000000002", "0000000000"]
PARENTS = [ROOT, ROOT + "/a", ROOT + "/b", ROOT + "/a/b", ROOT + "/c/a"]
INVALID = ["d", ROOT + "/", ROOT + "//a", ROOT + "/a/.", ROOT + "/./a", ROOT + "/..",
           ROOT + "/a/b/", ROOT + "/a\u0001", "/zookeeper", "/"]
ACLS = {
    "open": None,
    "world_read": [make_acl("world", "anyone", read=True)],
    "world_noadmin": [make_acl("world", "anyone", read=True, write=True, create=True,
                               delete=True)],
    "digest": [make_digest_acl("alice", "secret", all=True)],
    "digest_plus_read": [make_digest_acl("alice", "secret", all=True),
                         make_acl("world", "anyone", read=True)],
    "auth": [make_acl("auth", "", all=True)],
    "ip_local": [make_acl("ip", "127.0.0.1", all=True)],
    "ip_net": [make_acl("ip", "127.0.0.0/24", read=True, create=True, delete=True)],
    "ip_other": [make_acl("ip", "10.9.8.7", all=True)],
    "bad_digest": [make_acl("digest", "nocolon", all=True)],
}
ACL_WEIGHTS = [("open", 30), ("world_read", 2), ("world_noadmin", 3), ("digest", 3),
               ("digest_plus_read", 2), ("auth", 2), ("ip_local", 2), ("ip_net", 2),
               ("ip_other", 1), ("bad_digest", 1)]
MODES = [("persistent", 30), ("ephemeral", 10), ("sequential", 10), ("ephemeral_sequential", 6),
         ("container", 5), ("ttl", 4), ("ttl_sequential", 2), ("ttl_zero", 1)]
OPS = [("create", 26), ("delete", 12), ("set", 12), ("get", 8), ("exists", 6),
       ("children", 6), ("children2", 3), ("get_acls", 3), ("set_acls", 4), ("multi", 10),
       ("check", 3), ("sync", 1), ("close_c", 1), ("ephemerals", 1), ("count", 1),
       ("root_reads", 1), ("raw", 3)]
# kazoo normalizes paths client-side ("/d/" -> "/d", ValueError for "." / ".."), so "raw" ops
# send paths exactly as given, through kazoo's connection, to test the server's validation.
RAW_PATHS = INVALID + ["", ROOT + "/a\u0000b", ROOT + "/\u00e9", ROOT + "/zz/", ROOT + "/a",
                       ROOT + "/a/", ROOT + "/a//b", ROOT + "/b/..", ROOT + "/zookeeper"]
RAW_KINDS = ["create", "create", "create_seq", "exists", "get", "delete", "set", "children"]
SESSIONS = [("A", 5), ("B", 3), ("C", 3)]   # A authenticated as alice, B not, C recycled


def wchoice(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def gen_path(rng, for_create=False):
    r = rng.random()
    if r < 0.04:
        return rng.choice(INVALID)
    if for_create and r < 0.35:
        return rng.choice(PARENTS) + "/" + rng.choice(["s-", "", "q-"])  # sequential prefix
    depth = rng.choice([1, 1, 2, 2, 3])
    return ROOT + "".join("/" + rng.choice(NAMES if i == depth - 1 else NAMES[:3])
                          for i in range(depth))


def gen_version(rng):
    return rng.choice([-1, -1, 0, 0, 1, 2, 3])


def gen_data(rng):
    return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 8, 20])))


def gen_op(rng):
    kind = wchoice(rng, OPS)
    sess = wchoice(rng, SESSIONS)
    if kind == "create":
        return (kind, sess, gen_path(rng, True), gen_data(rng), wchoice(rng, MODES),
                wchoice(rng, ACL_WEIGHTS) if rng.random() < 0.3 else "open",
                rng.random() < 0.5, rng.random() < 0.05)  # include_data, makepath
    if kind == "delete":
        return (kind, sess, gen_path(rng), gen_version(rng))
    if kind == "set":
        return (kind, sess, gen_path(rng), gen_data(rng), gen_version(rng))
    if kind in ("get", "exists", "children", "children2", "get_acls", "sync", "count"):
        return (kind, sess, gen_path(rng))
    if kind == "set_acls":
        return (kind, sess, gen_path(rng), wchoice(rng, ACL_WEIGHTS), gen_version(rng))
    if kind == "check":
        return (kind, sess, gen_path(rng), gen_version(rng))
    if kind == "multi":
        sub = []
        for _ in range(rng.choice([0, 1, 2, 2, 3, 4, 5])):
            k = rng.choice(["create", "create", "delete", "set", "check"])
            if k == "create":
                sub.append((k, gen_path(rng, True), gen_data(rng),
                            rng.choice(["persistent", "persistent", "ephemeral", "sequential",
                                        "ephemeral_sequential"])))
            elif k == "set":
                sub.append((k, gen_path(rng), gen_data(rng), gen_version(rng)))
            else:
                sub.append((k, gen_path(rng), gen_version(rng)))
        return (kind, sess, tuple(sub))
    if kind == "ephemerals":
        return (kind, sess, rng.choice(["/", ROOT, ROOT + "/a", ROOT + "/s"]))
    if kind == "raw":
        return (kind, sess, rng.choice(RAW_KINDS), rng.choice(RAW_PATHS))
    return (kind, sess)


class Side:
    def __init__(self, kind, tag):
        self.kind = kind
        self.tag = tag
        self.srv = None
        self.clients = {}
        self.labels = {}
        self.gen = 0

    def start(self):
        self.srv = C.start_server(self.kind, extra_config=CONFIG)
        self.open("A", auth=True)
        self.open("B")
        self.open("C")
        self.clients["A"].create(ROOT, b"root")

    def open(self, name, auth=False):
        c = KazooClient(hosts=self.srv.address, timeout=10.0)
        c.start(timeout=15)
        if auth:
            c.add_auth("digest", "alice:secret")
        self.clients[name] = c
        label = name
        if name == "C":
            label = f"C{self.gen}"
            self.gen += 1
        self.labels[c.client_id[0]] = label

    def close_c(self):
        c = self.clients.pop("C")
        c.stop()
        c.close()
        self.open("C")

    def stop(self):
        for c in self.clients.values():
            try:
                c.stop()
                c.close()
            except Exception:  # noqa: BLE001
                pass
        if self.srv:
            self.srv.cleanup()


def create_call(client, path, data, mode, acl, include_data, makepath):
    acl = ACLS[acl]
    if mode in ("container", "ttl", "ttl_sequential", "ttl_zero"):
        if mode == "container":
            return W.kazoo_create_container(client, path, data, acl)
        ttl = 0 if mode == "ttl_zero" else 3600 * 1000
        return W.kazoo_create_ttl(client, path, data, ttl=ttl, sequence=mode == "ttl_sequential",
                                  acl=acl)
    return client.create(path, data, acl=acl, ephemeral=mode.startswith("ephemeral"),
                         sequence=mode.endswith("sequential"), include_data=include_data,
                         makepath=makepath)


def raw_call(client, what, path):
    w = W.Writer()
    if what in ("create", "create_seq"):
        body = W.create_body(path, b"r", W.OPEN_ACL, 2 if what == "create_seq" else 0)
        req = W.KRaw(W.OP_CREATE2, body, lambda r: (r.string(), r.stat()))
    elif what in ("exists", "get", "children"):
        op = {"exists": W.OP_EXISTS, "get": W.OP_GETDATA, "children": W.OP_GETCHILDREN2}[what]
        dec = {"exists": lambda r: r.stat(), "get": lambda r: (r.buffer(), r.stat()),
               "children": lambda r: (sorted(r.strings()), r.stat())}[what]
        req = W.KRaw(op, W.path_watch(path), dec)
    elif what == "delete":
        req = W.KRaw(W.OP_DELETE, w.string(path).int(-1).bytes(), lambda r: True)
    else:
        req = W.KRaw(W.OP_SETDATA, w.string(path).buffer(b"x").int(-1).bytes(), lambda r: r.stat())
    return W.kazoo_call(client, req)


def execute(side, op):
    """Runs op on side; returns the raw result or the exception."""
    kind, sess = op[0], op[1]
    if kind == "close_c":
        side.close_c()
        return True
    c = side.clients[sess]
    args = op[2:]
    if kind == "create":
        return create_call(c, *args)
    if kind == "delete":
        return c.delete(args[0], version=args[1])
    if kind == "set":
        return c.set(args[0], args[1], version=args[2])
    if kind == "get":
        return c.get(args[0])
    if kind == "exists":
        return c.exists(args[0])
    if kind == "children":
        return sorted(c.get_children(args[0]))
    if kind == "children2":
        kids, st = c.get_children(args[0], include_data=True)
        return sorted(kids), st
    if kind == "get_acls":
        return c.get_acls(args[0])
    if kind == "set_acls":
        acl = ACLS[args[1]] or [make_acl("world", "anyone", all=True)]
        return c.set_acls(args[0], acl, version=args[2])
    if kind == "check":
        t = c.transaction()
        t.check(args[0], args[1])
        return t.commit()
    if kind == "multi":
        t = c.transaction()
        for sub in args[0]:
            if sub[0] == "create":
                t.create(sub[1], sub[2], ephemeral=sub[3].startswith("ephemeral"),
                         sequence=sub[3].endswith("sequential"))
            elif sub[0] == "set":
                t.set_data(sub[1], sub[2], sub[3])
            elif sub[0] == "delete":
                t.delete(sub[1], sub[2])
            else:
                t.check(sub[1], sub[2])
        return t.commit()
    if kind == "sync":
        return c.sync(args[0])
    if kind == "ephemerals":
        return sorted(W.kazoo_get_ephemerals(c, args[0]))
    if kind == "count":
        return W.kazoo_get_all_children_number(c, args[0])
    if kind == "raw":
        return raw_call(c, args[0], args[1])
    if kind == "root_reads":
        return sorted(c.get_children("/")), c.exists("/"), sorted(c.get_children("/zookeeper"))
    raise ValueError(kind)


def is_stat(v):
    return type(v).__name__ in ("ZnodeStat", "Stat")


def rel(x, y):
    return "<" if x < y else ("=" if x == y else ">")


def normalize(side, value, zxids):
    """Comparable form of a result; appends the Stat zxids (in order) to `zxids`."""
    if isinstance(value, BaseException):
        return ("error", type(value).__name__)
    if is_stat(value):
        zxids.extend([value.czxid, value.mzxid, value.pzxid])
        owner = value.ephemeralOwner
        owner = side.labels.get(owner, owner if owner in (0,) else f"0x{owner & (2**64 - 1):x}")
        return {"version": value.version, "cversion": value.cversion, "aversion": value.aversion,
                "dataLength": value.dataLength, "numChildren": value.numChildren,
                "ephemeralOwner": owner, "m?c": rel(value.mzxid, value.czxid),
                "p?c": rel(value.pzxid, value.czxid), "p?m": rel(value.pzxid, value.mzxid)}
    if isinstance(value, (list, tuple)):
        return [normalize(side, v, zxids) for v in value]
    if type(value).__name__ == "ACL":
        return (value.perms, value.id.scheme, value.id.id)
    return value


class ZxidMap:
    """Order-preserving one-to-one correspondence between the two servers' zxids."""

    def __init__(self):
        self.a, self.b, self.a2b, self.b2a = [], [], {}, {}

    def observe(self, za, zb):
        if za in self.a2b or zb in self.b2a:
            return self.a2b.get(za) == zb
        ia, ib = bisect.bisect_left(self.a, za), bisect.bisect_left(self.b, zb)
        if ia != ib:
            return False
        self.a.insert(ia, za)
        self.b.insert(ib, zb)
        self.a2b[za], self.b2a[zb] = zb, za
        return True


def run_on(side, op):
    try:
        return execute(side, op)
    except Exception as e:  # noqa: BLE001 - kazoo errors are results to compare
        return e


def dump_tree(side):
    """{path: (data, normalized stat, acls)} for the whole ROOT subtree (as session A)."""
    c = side.clients["A"]
    out, stack, zx = {}, [ROOT], []
    for _ in range(100000):
        if not stack:
            break
        p = stack.pop()
        try:
            data, st = c.get(p)
            acl = c.get_acls(p)[0]
            kids = c.get_children(p)
        except Exception as e:  # noqa: BLE001 - unreadable nodes (ACL) are compared as such
            out[p] = ("error", type(e).__name__, normalize(side, c.exists(p), zx))
            continue
        out[p] = (data, normalize(side, st, zx), normalize(side, acl, zx))
        stack.extend(p + "/" + k for k in kids)
    return out


def main():
    ap = argparse.ArgumentParser(description="differential test of two servers")
    ap.add_argument("--server", choices=["warden", "zookeeper"], default=None,
                    help="alias for --a")
    ap.add_argument("--a", choices=["warden", "zookeeper"], default="warden")
    ap.add_argument("--b", choices=["warden", "zookeeper"], default="zookeeper")
    ap.add_argument("--seed", type=int, default=None, help="default: random (printed)")
    ap.add_argument("--ops", type=int, default=3000)
    ap.add_argument("--show", type=int, default=10, help="print full details of this many diffs")
    ap.add_argument("--trace", action="store_true", help="print every op and result")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--self-test", action="store_true",
                    help="checker self-test: one extra write on side b halfway (must FAIL)")
    args = ap.parse_args()
    if args.server:
        args.a = args.server
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "big") % 1000000
    logging.basicConfig(level=logging.CRITICAL)
    repro = (f"/usr/bin/python3 {os.path.relpath(os.path.abspath(__file__))} --a {args.a} "
             f"--b {args.b} --seed {args.seed} --ops {args.ops}")
    print(f"differential: seed={args.seed} ops={args.ops} a={args.a} b={args.b}", flush=True)
    rng = random.Random(args.seed)
    sa, sb = Side(args.a, "a"), Side(args.b, "b")
    zmap = ZxidMap()
    same = diffs = 0
    t0 = time.monotonic()
    try:
        try:
            sa.start()
            sb.start()
        except Exception as e:  # noqa: BLE001
            print(f"FAIL could not start servers: {e}")
            print("0 passed, 1 failed")
            return 1

        def report(idx, op, ra, rb, why):
            nonlocal diffs
            diffs += 1
            if diffs <= args.show:
                print(f"DIFFERENCE #{diffs} (seed {args.seed}, op index {idx}): {why}\n"
                      f"  op: {op!r}\n  {args.a}(a): {ra!r}\n  {args.b}(b): {rb!r}\n"
                      f"  reproduce: {repro}", flush=True)
            elif diffs <= 100:
                print(f"DIFFERENCE #{diffs} at op {idx}: {op[0]} {why}", flush=True)

        for idx in range(args.ops):
            if time.monotonic() - t0 > args.max_seconds:
                print(f"FAIL time limit {args.max_seconds}s reached at op {idx}")
                diffs += 1
                break
            op = gen_op(rng)
            if args.self_test and idx == args.ops // 2:
                sb.clients["A"].create(ROOT + "/extra", b"")
            za, zb = [], []
            ra = normalize(sa, run_on(sa, op), za)
            rb = normalize(sb, run_on(sb, op), zb)
            if args.trace:
                print(idx, op, ra, rb if rb != ra else "(same)")
            if ra != rb:
                report(idx, op, ra, rb, "results differ")
            elif not all(zmap.observe(x, y) for x, y in zip(za, zb)):
                report(idx, op, (ra, za), (rb, zb),
                       "zxid order differs (no order-preserving map between the servers' zxids)")
            else:
                same += 1
        ta, tb = dump_tree(sa), dump_tree(sb)
        if ta != tb:
            keys = sorted(set(ta) | set(tb))
            bad = [k for k in keys if ta.get(k) != tb.get(k)]
            report("final", ("tree", ROOT), {k: ta.get(k) for k in bad[:5]},
                   {k: tb.get(k) for k in bad[:5]}, f"final trees differ at {len(bad)} nodes")
        else:
            same += 1
            print(f"final tree: {len(ta)} nodes identical")
    finally:
        sa.stop()
        sb.stop()
    print(f"elapsed {time.monotonic() - t0:.1f}s; seed {args.seed}; {diffs} differences")
    print(f"{same} passed, {diffs} failed")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
