#!/usr/bin/python3
"""Black-box compatibility tests through kazoo (plus zkwire for what kazoo 2.8 lacks).

Usage: /usr/bin/python3 tests/compat/test_kazoo.py [--server warden|zookeeper] [-k SUBSTR]
Every check was validated against Apache ZooKeeper 3.8.0 first. Comments marked "ZK:" describe
ZooKeeper behaviour that may look unusual but that the tests require.
"""

import argparse
import logging
import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compat_common as C  # noqa: E402
from compat_common import check, eq, wait_until  # noqa: E402
import harness  # noqa: E402
import zkwire as W  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo import exceptions as KE  # noqa: E402
from kazoo.security import ACL, Id, OPEN_ACL_UNSAFE, make_acl, make_digest_acl  # noqa: E402

TICK = 500            # -> minSessionTimeout 1000 ms, maxSessionTimeout 10000 ms
CONTAINER_CHECK_MS = 500
CONFIG = {"extendedTypesEnabled": "true",
          "znode.container.checkIntervalMs": str(CONTAINER_CHECK_MS)}


class Ctx:
    srv = None
    zk = None      # main kazoo client
    clients = []

    @classmethod
    def client(cls, **kw):
        c = KazooClient(hosts=cls.srv.address, timeout=kw.pop("timeout", 10.0), **kw)
        c.start(timeout=15)
        cls.clients.append(c)
        return c


def raises(exc, fn, *a, **kw):
    try:
        r = fn(*a, **kw)
    except exc:
        return
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"expected {exc.__name__}, got {type(e).__name__}: {e}")
    raise AssertionError(f"expected {exc.__name__}, got result {r!r}")


def base(name):
    path = "/tk_" + name
    Ctx.zk.create(path, b"")
    return path


def wire(timeout_ms=4000, **kw):
    return W.open_session(Ctx.srv.port, timeout_ms=timeout_ms, **kw)


# --------------------------------------------------------------------------- create
def t_create_persistent():
    zk = Ctx.zk
    b = base("persist")
    eq(zk.create(b + "/a", b"hello"), b + "/a", "create returns path")
    data, st = zk.get(b + "/a")
    eq(data, b"hello", "data")
    eq((st.version, st.cversion, st.aversion, st.ephemeralOwner, st.dataLength, st.numChildren),
       (0, 0, 0, 0, 5, 0), "fresh stat")
    eq(st.czxid, st.mzxid, "czxid==mzxid")
    eq(st.pzxid, st.czxid, "pzxid==czxid on creation")
    raises(KE.NodeExistsError, zk.create, b + "/a")
    raises(KE.NoNodeError, zk.create, b + "/missing/child")
    eq(zk.create(b + "/x/y/z", b"v", makepath=True), b + "/x/y/z", "makepath")
    eq(zk.get(b + "/x/y")[0], b"", "makepath parents have empty data")
    zk.create(b + "/empty", b"")
    eq(zk.get(b + "/empty")[0], b"", "empty data round trip")
    big = os.urandom(500 * 1024)
    zk.create(b + "/big", big)
    eq(zk.get(b + "/big")[0], big, "500 KiB data round trip")
    pst = zk.exists(b)
    eq((pst.numChildren, pst.cversion), (4, 4), "parent numChildren/cversion")
    check(pst.pzxid > pst.czxid, "parent pzxid advanced")


def t_create_ephemeral():
    zk = Ctx.zk
    b = base("eph")
    zk.create(b + "/e", b"x", ephemeral=True)
    st = zk.exists(b + "/e")
    eq(st.ephemeralOwner, zk.client_id[0], "ephemeralOwner is the session id")
    raises(KE.NoChildrenForEphemeralsError, zk.create, b + "/e/child")
    raises(KE.NoChildrenForEphemeralsError, zk.create, b + "/e/child", ephemeral=True)


def t_create_sequential():
    zk = Ctx.zk
    b = base("seq")
    eq(zk.create(b + "/s-", sequence=True), b + "/s-0000000000", "first seq")
    eq(zk.create(b + "/s-", sequence=True), b + "/s-0000000001", "second seq")
    zk.create(b + "/plain")
    zk.delete(b + "/plain")
    eq(zk.exists(b).cversion, 4, "cversion counts creates and deletes")
    # ZK: the suffix is the parent's *internal* cversion, which counts child creations only
    # (non-sequential ones too) but not deletions. The Stat.cversion a client sees is derived:
    # DataNode.copyStat reports 2 * creations - numChildren, i.e. creations + deletions.
    eq(zk.create(b + "/q", sequence=True), b + "/q0000000003", "seq counts creations only")
    eq(zk.exists(b).cversion, 5, "reported cversion")
    p = zk.create(b + "/e-", b"d", ephemeral=True, sequence=True)
    eq(p, b + "/e-0000000004", "ephemeral sequential")
    eq(zk.exists(p).ephemeralOwner, zk.client_id[0], "ephemeral seq owner")
    eq(sorted(zk.get_children(b)), ["e-0000000004", "q0000000003", "s-0000000000",
                                   "s-0000000001"], "children")
    # sequential name under a path ending in '/': the name is just the counter.
    eq(zk.create(b + "/", sequence=True), b + "/0000000005", "trailing-slash seq create")
    for name in ["s-0000000000", "s-0000000001", "q0000000003"]:
        zk.delete(b + "/" + name)
    eq(zk.exists(b).cversion, 10, "cversion after deletes (2 * 6 creations - 2 children)")
    eq(zk.create(b + "/z", sequence=True), b + "/z0000000006", "seq after deletes")


def t_create_container():
    zk = Ctx.zk
    b = base("container")
    path, st = W.kazoo_create_container(zk, b + "/c", b"cd")
    eq(path, b + "/c", "container path")
    # ZK: the Stat returned to clients shows ephemeralOwner 0 for containers and TTL nodes
    # (DataTree.copyStat hides the internal Long.MIN_VALUE / 0xFF.. encodings).
    eq(st.ephemeralOwner, 0, "container ephemeralOwner seen by client")
    eq(zk.exists(b + "/c").ephemeralOwner, 0, "container exists ephemeralOwner")
    eq(zk.get(b + "/c")[0], b"cd", "container data")
    zk.create(b + "/c/child")
    # never-used container stays (maxNeverUsedIntervalMs defaults to 0 = keep)
    W.kazoo_create_container(zk, b + "/never")
    zk.delete(b + "/c/child")
    wait_until(lambda: zk.exists(b + "/c") is None, 10, what="empty container removed")
    time.sleep(CONTAINER_CHECK_MS * 3 / 1000)
    check(zk.exists(b + "/never") is not None, "never-used container must stay")
    raises(KE.NodeExistsError, W.kazoo_create_container, zk, b + "/never")


def t_create_ttl():
    zk = Ctx.zk
    b = base("ttl")
    path, st = W.kazoo_create_ttl(zk, b + "/t", b"v", ttl=3600 * 1000)
    eq(path, b + "/t", "ttl path")
    eq((st.ephemeralOwner, st.dataLength), (0, 1), "ttl stat (ZK: ephemeralOwner shown as 0)")
    path, _ = W.kazoo_create_ttl(zk, b + "/ts-", b"", ttl=3600 * 1000, sequence=True)
    eq(path, b + "/ts-0000000001", "ttl sequential")
    raises(KE.BadArgumentsError, W.kazoo_create_ttl, zk, b + "/bad", b"", ttl=0)
    raises(KE.BadArgumentsError, W.kazoo_create_ttl, zk, b + "/bad", b"", ttl=-5)
    # A short TTL node without children expires (checked by the container manager).
    W.kazoo_create_ttl(zk, b + "/short", b"", ttl=300)
    W.kazoo_create_ttl(zk, b + "/withkid", b"", ttl=300)
    zk.create(b + "/withkid/k")
    wait_until(lambda: zk.exists(b + "/short") is None, 10, what="expired TTL node removed")
    check(zk.exists(b + "/withkid") is not None, "TTL node with a child must stay")
    check(zk.exists(b + "/t") is not None, "long TTL node must stay")


def t_create2():
    zk = Ctx.zk
    b = base("create2")
    path, st = zk.create(b + "/n", b"abc", include_data=True)
    eq(path, b + "/n", "create2 path")
    eq((st.version, st.dataLength, st.numChildren, st.ephemeralOwner), (0, 3, 0, 0), "create2 stat")
    eq(st, zk.exists(b + "/n"), "create2 stat equals exists stat")
    path, st = zk.create(b + "/s", b"", sequence=True, ephemeral=True, include_data=True)
    eq(path, b + "/s0000000001", "create2 ephemeral sequential")
    eq(st.ephemeralOwner, zk.client_id[0], "create2 ephemeral owner")
    raises(KE.NodeExistsError, zk.create, b + "/n", include_data=True)


def t_invalid_paths():
    b = base("badpath")
    s = wire()
    try:
        s.create(b + "/a")
        # create validates the path after looking up the parent (everything before the last
        # '/'): invalid last component under an existing parent -> BADARGUMENTS.
        for p in ["noslash", b + "/a/", b + "/a/.", b + "/a/..", b + "/.", b + "/a\u0001b"]:
            eq(s.create(p).err, W.BADARGUMENTS, f"create {p!r}")
            eq(s.set_data(p, b"").err, W.BADARGUMENTS, f"setData {p!r}")
        # ZK: when the parent part is itself malformed ("/a//b") create answers NONODE; and
        # exists/getData/getChildren/delete do not validate at all (NONODE). The differential
        # test compares these exactly; here either code is accepted.
        for p in [b + "/a//b", b + "/a/./b", b + "/a/../b", b + "/a/b/"]:
            check(s.create(p).err in (W.NONODE, W.BADARGUMENTS), f"create {p!r}")
            check(s.exists(p).err in (W.NONODE, W.BADARGUMENTS), f"exists {p!r}")
            check(s.delete(p).err in (W.NONODE, W.BADARGUMENTS), f"delete {p!r}")
            eq(s.set_data(p, b"").err, W.BADARGUMENTS, f"setData {p!r}")
        eq(s.create("/").err, W.NODEEXISTS, "create /")
        check(s.exists("noslash").err in (W.NONODE, W.BADARGUMENTS), "exists without leading slash")
        eq(s.create(b + "/x", acl=[]).err, W.INVALIDACL, "empty ACL list")
        eq(s.delete("/").err, W.BADARGUMENTS, "delete /")
    finally:
        s.close()


# --------------------------------------------------------------------------- delete/get/set
def t_delete_versions():
    zk = Ctx.zk
    b = base("delete")
    zk.create(b + "/a", b"1")
    zk.set(b + "/a", b"2")
    raises(KE.BadVersionError, zk.delete, b + "/a", version=0)
    raises(KE.BadVersionError, zk.delete, b + "/a", version=7)
    zk.delete(b + "/a", version=1)
    check(zk.exists(b + "/a") is None, "deleted")
    raises(KE.NoNodeError, zk.delete, b + "/a")
    raises(KE.NoNodeError, zk.delete, b + "/a", version=0)
    zk.create(b + "/b")
    zk.delete(b + "/b", version=-1)
    zk.create(b + "/p/c", makepath=True)
    raises(KE.NotEmptyError, zk.delete, b + "/p")
    pst = zk.exists(b)
    zk.delete(b + "/p/c")
    zk.delete(b + "/p")
    pst2 = zk.exists(b)
    eq(pst2.cversion, pst.cversion + 1, "cversion counts deletes")
    check(pst2.pzxid > pst.pzxid, "pzxid advanced by delete")


def t_exists_get():
    zk = Ctx.zk
    b = base("get")
    check(zk.exists(b + "/none") is None, "exists of missing node")
    raises(KE.NoNodeError, zk.get, b + "/none")
    zk.create(b + "/n", b"data")
    data, st = zk.get(b + "/n")
    eq(data, b"data", "get data")
    eq(st, zk.exists(b + "/n"), "get stat == exists stat")
    root = zk.exists("/")
    check(root is not None and root.numChildren >= 2, "root exists with /zookeeper")
    check("zookeeper" in zk.get_children("/"), "/zookeeper present")


def t_set_versions():
    zk = Ctx.zk
    b = base("set")
    zk.create(b + "/n", b"a")
    c0 = zk.exists(b + "/n")
    st = zk.set(b + "/n", b"bb")
    eq((st.version, st.dataLength, st.czxid), (1, 2, c0.czxid), "set stat")
    check(st.mzxid > c0.mzxid, "mzxid advanced")
    eq(st.pzxid, c0.pzxid, "set does not touch pzxid")
    raises(KE.BadVersionError, zk.set, b + "/n", b"x", version=0)
    st = zk.set(b + "/n", b"ccc", version=1)
    eq(st.version, 2, "versioned set")
    st = zk.set(b + "/n", b"", version=-1)
    eq((st.version, st.dataLength), (3, 0), "set any version")
    eq(zk.get(b + "/n")[0], b"", "set empty")
    raises(KE.NoNodeError, zk.set, b + "/none", b"x")
    eq(zk.exists(b + "/n").cversion, 0, "set does not change cversion")


# --------------------------------------------------------------------------- ACLs
def t_acls():
    zk = Ctx.zk
    b = base("acl")
    zk.create(b + "/open")
    acls, st = zk.get_acls(b + "/open")
    eq(list(acls), [ACL(31, Id("world", "anyone"))], "default ACL")
    eq(st.aversion, 0, "aversion")
    raises(KE.BadVersionError, zk.set_acls, b + "/open", OPEN_ACL_UNSAFE, version=3)
    st = zk.set_acls(b + "/open", [make_acl("world", "anyone", read=True, write=True)], version=0)
    eq(st.aversion, 1, "aversion after set_acls")
    eq(zk.get_acls(b + "/open")[0], [ACL(3, Id("world", "anyone"))], "new ACL")
    raises(KE.NoAuthError, zk.create, b + "/open/child")           # no CREATE
    raises(KE.NoAuthError, zk.set_acls, b + "/open", OPEN_ACL_UNSAFE)  # no ADMIN
    zk.set(b + "/open", b"w")                                       # WRITE ok
    raises(KE.NoNodeError, zk.get_acls, b + "/none")

    # digest
    dacl = make_digest_acl("alice", "secret", all=True)
    zk.create(b + "/d", b"dd", acl=[dacl])
    raises(KE.NoAuthError, zk.get, b + "/d")
    raises(KE.NoAuthError, zk.get_children, b + "/d")
    raises(KE.NoAuthError, zk.set, b + "/d", b"x")
    # ZK 3.8: getACL needs READ or ADMIN; exists needs no permission at all.
    raises(KE.NoAuthError, zk.get_acls, b + "/d")
    check(zk.exists(b + "/d") is not None, "exists is not ACL checked")
    other = Ctx.client()
    other.add_auth("digest", "alice:secret")
    eq(other.get(b + "/d")[0], b"dd", "digest authorized read")
    eq(other.get_acls(b + "/d")[0], [dacl], "digest ACL stored as user:base64(sha1)")
    wrong = Ctx.client()
    wrong.add_auth("digest", "alice:wrong")
    raises(KE.NoAuthError, wrong.get, b + "/d")
    # "auth" scheme: needs an authenticated id, becomes the creator's digest ids
    raises(KE.InvalidACLError, zk.create, b + "/au", acl=[make_acl("auth", "", all=True)])
    other.create(b + "/au", b"", acl=[make_acl("auth", "", all=True)])
    eq(other.get_acls(b + "/au")[0], [dacl], "auth scheme expands to the session digest")
    raises(KE.InvalidACLError, zk.create, b + "/bad", acl=[make_acl("nosuchscheme", "x", all=True)])
    raises(KE.InvalidACLError, zk.create, b + "/bad", acl=[make_acl("ip", "300.1.2.3", all=True)])
    raises(KE.InvalidACLError, zk.create, b + "/bad", acl=[make_acl("digest", "nocolon", all=True)])

    # ip
    zk.create(b + "/ip", b"i", acl=[make_acl("ip", "127.0.0.1", read=True)])
    eq(zk.get(b + "/ip")[0], b"i", "ip ACL read from 127.0.0.1")
    raises(KE.NoAuthError, zk.set, b + "/ip", b"x")
    zk.create(b + "/ipnet", b"n", acl=[make_acl("ip", "127.0.0.0/8", all=True)])
    zk.set(b + "/ipnet", b"m")
    zk.create(b + "/ipother", b"o", acl=[make_acl("ip", "10.1.2.3", all=True)])
    raises(KE.NoAuthError, zk.get, b + "/ipother")
    # delete needs DELETE on the parent, not on the node
    zk.delete(b + "/ipother")

    # unknown auth scheme: AuthFailed and ZK closes the connection
    s = wire()
    try:
        eq(s.auth("nosuchscheme", b"x").err, W.AUTHFAILED, "auth with unknown scheme")
        check(s.closed_by_server(3), "connection closed after AuthFailed")
    finally:
        s.close()


# --------------------------------------------------------------------------- children
def t_children():
    zk = Ctx.zk
    b = base("children")
    eq(zk.get_children(b), [], "no children")
    for n in ["c", "a", "b"]:
        zk.create(f"{b}/{n}", b"")
    zk.create(b + "/a/deep")
    eq(sorted(zk.get_children(b)), ["a", "b", "c"], "children")
    kids, st = zk.get_children(b, include_data=True)
    eq(sorted(kids), ["a", "b", "c"], "children2")
    eq((st.numChildren, st.cversion), (3, 3), "children2 stat")
    eq(st, zk.exists(b), "children2 stat == exists stat")
    raises(KE.NoNodeError, zk.get_children, b + "/none")
    raises(KE.NoNodeError, zk.get_children, b + "/none", include_data=True)


# --------------------------------------------------------------------------- multi
def t_transactions():
    zk = Ctx.zk
    b = base("multi")
    zk.create(b + "/a", b"1")
    t = zk.transaction()
    t.check(b + "/a", 0)
    eq(t.commit(), [True], "check ok")
    t = zk.transaction()
    t.check(b + "/a", 3)
    r = t.commit()
    eq([type(x) for x in r], [KE.BadVersionError], "check bad version")
    t = zk.transaction()
    t.check(b + "/none", 0)
    eq([type(x) for x in t.commit()], [KE.NoNodeError], "check missing node")

    t = zk.transaction()
    t.create(b + "/b", b"x")
    t.set_data(b + "/a", b"2")
    t.check(b + "/a", 1)
    t.delete(b + "/b")
    t.create(b + "/s", sequence=True)
    t.create(b + "/e", ephemeral=True)
    r = t.commit()
    eq(r[0], b + "/b", "multi create result")
    eq((r[1].version, r[1].dataLength), (1, 1), "multi setData result stat")
    eq(r[2:], [True, True, b + "/s0000000002", b + "/e"], "multi results")
    eq(zk.exists(b + "/e").ephemeralOwner, zk.client_id[0], "ephemeral created in multi")
    st = zk.exists(b + "/a")
    eq(st.mzxid, r[1].mzxid, "stat from multi setData")
    eq(st.mzxid, zk.exists(b + "/s0000000002").czxid, "all ops of a multi share one zxid")

    before = (zk.get(b + "/a"), sorted(zk.get_children(b)), zk.exists(b))
    t = zk.transaction()
    t.create(b + "/c", b"x")
    t.delete(b + "/missing")
    t.set_data(b + "/a", b"3")
    t.check(b + "/a", 0)
    r = t.commit()
    # ZK: ops before the failing one report OK (kazoo: RolledBackError), the failing one its
    # error, all later ones RUNTIMEINCONSISTENCY.
    eq([type(x) for x in r], [KE.RolledBackError, KE.NoNodeError, KE.RuntimeInconsistency,
                              KE.RuntimeInconsistency], "failed multi results")
    eq((zk.get(b + "/a"), sorted(zk.get_children(b)), zk.exists(b)), before, "nothing applied")

    for ops, expected in [
        ([("create", b + "/a")], [KE.NodeExistsError]),
        ([("set", b + "/a", 9)], [KE.BadVersionError]),
        ([("create", b + "/n"), ("create", b + "/n")], [KE.RolledBackError, KE.NodeExistsError]),
        ([("create", b + "/n"), ("delete", b + "/n", 5)], [KE.RolledBackError, KE.BadVersionError]),
        ([("delete", b + "/n"), ("delete", b)], [KE.NoNodeError, KE.RuntimeInconsistency]),
        ([("create", b + "/n"), ("create", b + "/n/m"), ("delete", b + "/n")],
         [KE.RolledBackError, KE.RolledBackError, KE.NotEmptyError]),
        ([("create", b + "/e/x")], [KE.NoChildrenForEphemeralsError]),
    ]:
        t = zk.transaction()
        for op in ops:
            if op[0] == "create":
                t.create(op[1], b"")
            elif op[0] == "set":
                t.set_data(op[1], b"", op[2])
            else:
                t.delete(op[1], op[2] if len(op) > 2 else -1)
        eq([type(x) for x in t.commit()], expected, f"multi {ops}")
    check(zk.exists(b + "/n") is None, "no partial multi")
    # a multi that creates and deletes inside works against its own earlier ops
    t = zk.transaction()
    t.create(b + "/n", b"")
    t.create(b + "/n/m", b"")
    t.delete(b + "/n/m")
    t.set_data(b + "/n", b"z", 0)
    r = t.commit()
    eq(r[:3], [b + "/n", b + "/n/m", True], "multi sees its own changes")
    eq(zk.transaction().commit(), [], "empty multi")


def t_sync():
    zk = Ctx.zk
    b = base("sync")
    eq(zk.sync(b), b, "sync returns the path")


# --------------------------------------------------------------------------- sessions
def t_close_session_removes_ephemerals():
    zk = Ctx.zk
    b = base("close")
    c = Ctx.client()
    c.create(b + "/e1", ephemeral=True)
    c.create(b + "/e2", b"", ephemeral=True, sequence=True)
    events = queue.Queue()
    zk.exists(b + "/e1", watch=events.put)
    eq(len(zk.get_children(b)), 2, "ephemerals visible")
    c.stop()
    c.close()
    eq(zk.get_children(b), [], "ephemerals gone right after closeSession")
    ev = events.get(timeout=5)
    eq((ev.type, ev.path), ("DELETED", b + "/e1"), "delete event for ephemeral")


def t_session_expiry_raw():
    zk = Ctx.zk
    b = base("expiry")
    s = wire(timeout_ms=1000)
    try:
        eq(s.negotiated_timeout, 1000, "negotiated timeout")
        eq(s.create(b + "/e", flags=1).err, 0, "create ephemeral")
        eq(zk.exists(b + "/e").ephemeralOwner, s.session_id, "owner")
        t0 = time.monotonic()
        # never ping: the server must expire the session and close the connection
        check(s.closed_by_server(8), "server closes an expired session's connection")
        elapsed = time.monotonic() - t0
        check(0.5 < elapsed < 6, f"expiry after {elapsed:.2f}s (timeout 1s)")
        wait_until(lambda: zk.exists(b + "/e") is None, 5, what="ephemeral of expired session gone")
        # re-attaching an expired session: ConnectResponse timeOut=0 sessionId=0, then close
        r = W.WireSession(Ctx.srv.port, session_id=s.session_id, passwd=s.passwd)
        try:
            resp = r.connect()
            eq((resp.timeout, resp.session_id), (0, 0), "expired session refused")
            check(r.closed_by_server(3), "connection closed after refusal")
        except W.ConnectionClosed:
            pass  # closing without a ConnectResponse is acceptable too
        finally:
            r.close()
    finally:
        s.close()


def t_session_timeout_clamp():
    for asked, got in [(100, 2 * TICK), (999999, 20 * TICK), (3000, 3000)]:
        s = wire(timeout_ms=asked)
        try:
            eq(s.negotiated_timeout, got, f"timeout {asked} negotiated")
            eq(len(s.passwd), 16, "password length")
        finally:
            s.close_session()


def t_kazoo_expiry():
    """kazoo sees its session expire when the server expires it."""
    zk = Ctx.zk
    b = base("kexpiry")
    states = []
    c = Ctx.client(timeout=2.0)
    c.add_listener(states.append)
    c.create(b + "/e", ephemeral=True)
    sid, pw = c.client_id
    # take over the session on another connection, then close it: kazoo's session is gone
    s = W.WireSession(Ctx.srv.port, session_id=sid, passwd=pw)
    s.connect()
    s.close_session()
    wait_until(lambda: zk.exists(b + "/e") is None, 5, what="ephemeral gone after close")
    wait_until(lambda: "LOST" in states, 10, what="kazoo reports LOST")
    c.stop()


def t_reattach_session():
    zk = Ctx.zk
    b = base("reattach")
    s = wire(timeout_ms=4000)
    s.create(b + "/e", flags=1)
    r = W.WireSession(Ctx.srv.port, session_id=s.session_id, passwd=s.passwd)
    try:
        resp = r.connect()
        eq(resp.session_id, s.session_id, "same session id")
        eq(resp.timeout, 4000, "same timeout")
        # ZK closes the old connection of a session that moved to a new one.
        check(s.closed_by_server(3), "old connection closed")
        eq(r.exists(b + "/e").err, 0, "ephemeral kept")
        _, ephs = r.get_ephemerals(b)
        eq(ephs, [b + "/e"], "getEphemerals after reattach")
        bad = W.WireSession(Ctx.srv.port, session_id=s.session_id, passwd=b"x" * 16)
        try:
            resp = bad.connect()
            eq((resp.timeout, resp.session_id), (0, 0), "wrong password refused")
        except W.ConnectionClosed:
            pass
        finally:
            bad.close()
        # ZK: a re-connect attempt closes the session's current connection *before* checking
        # the password, so `r` may have been disconnected; the session itself must survive.
        r.close()
        r = W.WireSession(Ctx.srv.port, session_id=s.session_id, passwd=s.passwd)
        eq(r.connect().session_id, s.session_id, "session survives a refused takeover")
        eq(r.exists(b + "/e").err, 0, "ephemeral still there")
        r.close_session()
        wait_until(lambda: zk.exists(b + "/e") is None, 5, what="ephemeral gone after close")
    finally:
        s.close()
        r.close()


def t_zxid_ahead_refused():
    s = W.WireSession(Ctx.srv.port, last_zxid=1 << 50)
    try:
        try:
            resp = s.connect(timeout=5)
        except W.ConnectionClosed:
            resp = None   # ZK: closes the connection without any ConnectResponse
        check(resp is None or resp.session_id == 0, f"no session for a client ahead: {resp}")
        if resp is not None:
            check(s.closed_by_server(3), "closed")
    finally:
        s.close()
    eq(harness.four_letter(Ctx.srv.port, "ruok"), "imok", "server still up")


# --------------------------------------------------------------------------- watches
def t_watches_oneshot():
    zk = Ctx.zk
    b = base("watch")
    ev = queue.Queue()

    def get_ev():
        return ev.get(timeout=5)

    def none_pending():
        time.sleep(0.3)
        check(ev.empty(), f"unexpected event {list(ev.queue)}")

    zk.create(b + "/n", b"")
    zk.get(b + "/n", watch=ev.put)
    zk.set(b + "/n", b"1")
    e = get_ev()
    eq((e.type, e.state, e.path), ("CHANGED", "CONNECTED", b + "/n"), "data watch")
    zk.set(b + "/n", b"2")
    none_pending()                               # one-shot
    zk.exists(b + "/m", watch=ev.put)            # watch on a missing node
    zk.create(b + "/m")
    e = get_ev()
    eq((e.type, e.path), ("CREATED", b + "/m"), "exists watch on create")
    zk.exists(b + "/m", watch=ev.put)
    zk.delete(b + "/m")
    e = get_ev()
    eq((e.type, e.path), ("DELETED", b + "/m"), "exists watch on delete")
    zk.get_children(b, watch=ev.put)
    zk.set(b, b"data change does not fire a child watch")
    zk.create(b + "/c")
    e = get_ev()
    eq((e.type, e.path), ("CHILD", b), "child watch")
    zk.create(b + "/c2")
    none_pending()
    zk.get_children(b + "/c", watch=ev.put)
    zk.delete(b + "/c")
    e = get_ev()
    eq((e.type, e.path), ("DELETED", b + "/c"), "child watch on deleted node fires DELETED")
    none_pending()
    zk.get(b + "/n", watch=ev.put)
    zk.create(b + "/n/kid")
    none_pending()                               # child create is not a data change
    zk.delete(b + "/n/kid")
    zk.delete(b + "/n")
    e = get_ev()
    eq((e.type, e.path), ("DELETED", b + "/n"), "data watch on delete")
    # a watch set by another session fires for writes from this session too
    other = Ctx.client()
    other.create(b + "/o")
    other.get(b + "/o", watch=ev.put)
    zk.set(b + "/o", b"x")
    e = get_ev()
    eq((e.type, e.path), ("CHANGED", b + "/o"), "cross-session watch")


def t_watches_raw_types():
    """Exact wire values of notifications (type, state=SyncConnected(3), path)."""
    zk = Ctx.zk
    b = base("rawwatch")
    s = wire()
    try:
        eq(s.exists(b + "/x", watch=True).err, W.NONODE, "exists on missing sets a watch")
        zk.create(b + "/x")
        eq(s.wait_event(5), W.Event(W.EV_CREATED, 3, b + "/x"), "NodeCreated")
        s.get_data(b + "/x", watch=True)
        s.get_children(b + "/x", watch=True)
        zk.create(b + "/x/y")
        eq(s.wait_event(5), W.Event(W.EV_CHILD, 3, b + "/x"), "NodeChildrenChanged")
        zk.set(b + "/x", b"d")
        eq(s.wait_event(5), W.Event(W.EV_CHANGED, 3, b + "/x"), "NodeDataChanged")
        # same watch registered twice by one session: one notification
        s.get_data(b + "/x", watch=True)
        s.exists(b + "/x", watch=True)
        zk.set(b + "/x", b"e")
        eq(s.drain_events(0.5), [W.Event(W.EV_CHANGED, 3, b + "/x")], "deduplicated")
    finally:
        s.close()


def t_persistent_watches():
    zk = Ctx.zk
    b = base("pwatch")
    s = wire()
    try:
        zk.create(b + "/p")
        eq(s.add_watch(b + "/p", W.ADDWATCH_PERSISTENT).err, 0, "addWatch persistent")
        for i in range(3):
            zk.set(b + "/p", b"%d" % i)
        zk.create(b + "/p/c")
        zk.set(b + "/p/c", b"x")      # not reported by a non-recursive watch
        zk.delete(b + "/p/c")
        evs = s.drain_events(0.5)
        eq(evs, [W.Event(W.EV_CHANGED, 3, b + "/p")] * 3 + [W.Event(W.EV_CHILD, 3, b + "/p")] * 2,
           "persistent watch events")
        # recursive watch on a node that does not exist yet
        eq(s.add_watch(b + "/r", W.ADDWATCH_PERSISTENT_RECURSIVE).err, 0, "addWatch recursive")
        zk.create(b + "/r")
        zk.create(b + "/r/a")
        zk.create(b + "/r/a/b", b"")
        zk.set(b + "/r/a/b", b"v")
        zk.delete(b + "/r/a/b")
        zk.create(b + "/rx")          # sibling with a common prefix: not in the subtree
        evs = s.drain_events(0.5)
        eq(evs, [W.Event(W.EV_CREATED, 3, b + "/r"), W.Event(W.EV_CREATED, 3, b + "/r/a"),
                 W.Event(W.EV_CREATED, 3, b + "/r/a/b"), W.Event(W.EV_CHANGED, 3, b + "/r/a/b"),
                 W.Event(W.EV_DELETED, 3, b + "/r/a/b")],
           "recursive watch events (never NodeChildrenChanged)")
        # a persistent watch plus a one-shot data watch on the same path: one notification
        s.get_data(b + "/p", watch=True)
        zk.set(b + "/p", b"z")
        eq(s.drain_events(0.5), [W.Event(W.EV_CHANGED, 3, b + "/p")], "no duplicate event")
        # ZK 3.8 rejects WatcherType Persistent(4)/PersistentRecursive(5) in removeWatches
        # (3.9 accepts them), so remove with Any(3), which works on both.
        eq(s.remove_watches(b + "/p", W.WT_ANY).err, 0, "removeWatches persistent via Any")
        eq(s.remove_watches(b + "/r", W.WT_ANY).err, 0, "removeWatches recursive via Any")
        zk.set(b + "/p", b"after")
        zk.create(b + "/r/after")
        eq(s.drain_events(0.5), [], "no events after removal")
    finally:
        s.close()


def t_remove_check_watches():
    zk = Ctx.zk
    b = base("rmwatch")
    zk.create(b + "/n")
    s = wire()
    try:
        eq(s.check_watches(b + "/n", W.WT_DATA).err, W.NOWATCHER, "checkWatches without watch")
        eq(s.remove_watches(b + "/n", W.WT_DATA).err, W.NOWATCHER, "removeWatches without watch")
        s.get_data(b + "/n", watch=True)
        s.get_children(b + "/n", watch=True)
        eq(s.check_watches(b + "/n", W.WT_DATA).err, 0, "check data")
        eq(s.check_watches(b + "/n", W.WT_CHILDREN).err, 0, "check children")
        eq(s.check_watches(b + "/n", W.WT_ANY).err, 0, "check any")
        eq(s.remove_watches(b + "/n", W.WT_DATA).err, 0, "remove data")
        eq(s.check_watches(b + "/n", W.WT_DATA).err, W.NOWATCHER, "data watch gone")
        eq(s.check_watches(b + "/n", W.WT_CHILDREN).err, 0, "child watch kept")
        zk.set(b + "/n", b"x")
        # ZK sends no notification for a removal (the Java client makes the *Removed event)
        eq(s.drain_events(0.4), [], "no event for removed data watch")
        zk.create(b + "/n/c")
        eq(s.drain_events(0.4), [W.Event(W.EV_CHILD, 3, b + "/n")], "child watch still fires")
        s.exists(b + "/n", watch=True)
        s.get_children(b + "/n", watch=True)
        eq(s.remove_watches(b + "/n", W.WT_ANY).err, 0, "remove any")
        eq(s.check_watches(b + "/n", W.WT_ANY).err, W.NOWATCHER, "all gone")
        zk.delete(b + "/n/c")
        zk.set(b + "/n", b"y")
        eq(s.drain_events(0.4), [], "no events")
        # another session cannot remove this session's watch. (ZK 3.8 quirk, not tested:
        # checkWatches(Data) from another session answers OK if *any* session has a data watch.)
        s.get_data(b + "/n", watch=True)
        s2 = wire()
        try:
            eq(s2.remove_watches(b + "/n", W.WT_DATA).err, W.NOWATCHER, "other session's watch")
        finally:
            s2.close()
        eq(s.check_watches(b + "/n", W.WT_DATA).err, 0, "watch kept")
        zk.set(b + "/n", b"z")
        eq(s.drain_events(0.4), [W.Event(W.EV_CHANGED, 3, b + "/n")], "kept watch fires")
    finally:
        s.close()


# --------------------------------------------------------------------------- 3.6+ ops
def t_get_ephemerals():
    zk = Ctx.zk
    b = base("getephs")
    zk.create(b + "/mine")                       # persistent, not listed
    other = wire()
    s = wire()
    try:
        other.create(b + "/theirs", flags=1)
        for p in [b + "/e1", b + "/e2", b + "/mine/e3"]:
            eq(s.create(p, flags=1).err, 0, "create " + p)
        _, ephs = s.get_ephemerals(b)
        eq(sorted(ephs), [b + "/e1", b + "/e2", b + "/mine/e3"], "own ephemerals by prefix")
        # ZK: the prefix is a plain string prefix, not a path prefix
        _, ephs = s.get_ephemerals(b + "/e")
        eq(sorted(ephs), [b + "/e1", b + "/e2"], "string prefix")
        _, ephs = s.get_ephemerals("/")
        eq(sorted(ephs), [b + "/e1", b + "/e2", b + "/mine/e3"], "all own ephemerals")
        _, ephs = s.get_ephemerals(b + "/zzz")
        eq(ephs, [], "no match")
    finally:
        s.close()
        other.close()


def t_get_all_children_number():
    zk = Ctx.zk
    b = base("allkids")
    s = wire()
    try:
        eq(s.get_all_children_number(b)[1], 0, "leaf")
        for p in ["/a", "/a/b", "/a/b/c", "/d", "/d/e"]:
            zk.create(b + p)
        eq(s.get_all_children_number(b)[1], 5, "recursive count excludes the node itself")
        eq(s.get_all_children_number(b + "/a")[1], 2, "subtree")
        eq(s.get_all_children_number(b + "/none")[0].err, W.NONODE, "missing")
    finally:
        s.close()


def t_whoami():
    s = wire()
    try:
        rep, ids = s.whoami()
        eq(rep.err, 0, "whoAmI")
        eq(ids, [("ip", "127.0.0.1")], "whoAmI before auth")
        eq(s.auth("digest", b"bob:pw").err, 0, "digest auth")
        # ZK: a digest auth without ':' is accepted too (it just never matches an ACL)
        _, ids = s.whoami()
        eq(sorted(ids), [("digest", "bob"), ("ip", "127.0.0.1")], "whoAmI after auth")
    finally:
        s.close()


# --------------------------------------------------------------------------- robustness
def t_four_letter_words():
    port = Ctx.srv.port
    expect = {
        "ruok": lambda t: t == "imok",
        "srvr": lambda t: "Mode: standalone" in t and "Zxid: 0x" in t and "Node count:" in t,
        "stat": lambda t: "Mode: standalone" in t and "Clients:" in t,
        "conf": lambda t: f"clientPort={port}" in t and "tickTime=%d" % TICK in t,
        "cons": lambda t: "127.0.0.1" in t,
        "mntr": lambda t: "zk_znode_count\t" in t and "zk_server_state\tstandalone" in t,
        "wchs": lambda t: "Total watches:" in t,
        "envi": lambda t: t.startswith("Environment:"),
        "isro": lambda t: t == "rw",
        "dirs": lambda t: "datadir_size:" in t and "logdir_size:" in t,
    }
    s = wire()                      # one live session so that `cons` lists a client
    try:
        for word, ok in expect.items():
            text = harness.four_letter(port, word)
            check(ok(text), f"4lw {word}: unexpected answer {text[:200]!r}")
    finally:
        s.close()


def t_unknown_opcode():
    s = wire()
    try:
        try:
            rep = s.request(99, b"")
            # ZK: replies UNIMPLEMENTED (-6), then closes the connection
            eq(rep.err, W.UNIMPLEMENTED, "unknown opcode error")
        except W.ConnectionClosed:
            pass
    finally:
        s.close()
    s = wire()
    try:
        eq(s.ping().err, 0, "server still serves new sessions")
    finally:
        s.close_session()


def t_malformed_frame():
    good = wire()
    bad = wire()
    try:
        bad.send_raw(b"\x7f\xff\xff\xff")
        check(bad.closed_by_server(5), "oversized frame closes the connection")
        eq(good.exists("/").err, 0, "other session unaffected")
        bad2 = W.WireSession(Ctx.srv.port).open()
        try:
            bad2.send_raw(b"\xff\xff\xff\xf0garbage")    # negative length before handshake
            check(bad2.closed_by_server(5), "negative length closes the connection")
        finally:
            bad2.close()
        eq(good.ping().err, 0, "other session still alive")
        eq(harness.four_letter(Ctx.srv.port, "ruok"), "imok", "server still up")
    finally:
        bad.close()
        good.close_session()


TESTS = [v for k, v in list(globals().items()) if k.startswith("t_")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", choices=["warden", "zookeeper"], default="warden")
    ap.add_argument("-k", default="", help="only run tests whose name contains this")
    ap.add_argument("-q", action="store_true", help="no tracebacks")
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    runner = C.Runner(verbose=not args.q)
    t0 = time.monotonic()
    try:
        Ctx.srv = C.start_server(args.server, extra_config=CONFIG, tick_time=TICK)
    except Exception as e:  # noqa: BLE001
        print(f"FAIL could not start {args.server}: {e}")
        print("0 passed, 1 failed")
        return 1
    try:
        Ctx.zk = Ctx.client()
        for fn in TESTS:
            name = fn.__name__[2:]
            if args.k in name:
                runner.run(name, fn)
    finally:
        for c in Ctx.clients:
            try:
                c.stop()
                c.close()
            except Exception:  # noqa: BLE001
                pass
        Ctx.srv.cleanup()
    print(f"total {time.monotonic() - t0:.1f}s against {args.server}")
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
