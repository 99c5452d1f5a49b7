#!/usr/bin/python3
"""Integration tests of a whole server process: watches across reconnects, connection limits,
frame limits, four-letter words, configuration errors, log recovery, snapshots, sessions
across restarts.

Usage: /usr/bin/python3 tests/integration/test_server.py [--server warden|zookeeper]
       [-k SUBSTR] [-q]

Tests that depend on Warden's own files or messages are skipped for zookeeper with a printed
reason (a skip is never counted as passed). Every server is a child process stopped by PID.
"""

import argparse
import glob
import logging
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "compat"))

import compat_common as C  # noqa: E402
from compat_common import check, eq, wait_until  # noqa: E402
import harness  # noqa: E402
import zkwire as W  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402

TICK = 500  # minSessionTimeout 1000 ms, maxSessionTimeout 10000 ms


class Skip(Exception):
    pass


class Ctx:
    kind = "warden"


# ---- helpers ---------------------------------------------------------------------------------

class Servers:
    """Every server a test starts; stop_all() stops them by PID (also on failure)."""

    def __init__(self):
        self.all = []

    def start(self, extra=None, data_dir=None, port=None, jvm_props=None):
        srv = harness.Server(kind=Ctx.kind, extra_config=extra, data_dir=data_dir, port=port,
                             tick_time=TICK, jvm_props=jvm_props)
        self.all.append(srv)
        srv.start()
        C.wait_ready(srv.port)
        return srv

    def stop_all(self):
        for srv in self.all:
            try:
                srv.cleanup()
            except Exception as e:  # noqa: BLE001
                print(f"  (cleanup of {srv.kind} on {srv.port} failed: {e})")


def kazoo(srv, timeout=10.0):
    c = KazooClient(hosts=srv.address, timeout=timeout)
    c.start(timeout=15)
    return c


def close_kazoo(c):
    try:
        c.stop()
        c.close()
    except Exception:  # noqa: BLE001
        pass


def ok(reply, what):
    eq(reply.err, W.OK, what)
    return reply


def raw_session(srv, timeout_ms=10000, attempts=20):
    """A raw session; retries a little while the server settles (bounded)."""
    last = None
    for _ in range(attempts):
        s = W.WireSession(srv.port, timeout_ms=timeout_ms, sock_timeout=5.0)
        try:
            if s.connect().session_id:
                return s
            last = "session id 0"
        except (OSError, W.ConnectionClosed, ValueError) as e:
            last = e
        s.close()
        time.sleep(0.1)
    raise AssertionError(f"could not open a session: {last!r}")


def reattach(srv, old, timeout_ms=10000):
    """Same session on a new connection (id, password, last zxid seen)."""
    s = W.WireSession(srv.port, timeout_ms=timeout_ms, session_id=old.session_id,
                      passwd=old.passwd, last_zxid=old.last_zxid, sock_timeout=5.0)
    resp = s.connect()
    return s, resp


def warden_only(reason):
    if Ctx.kind != "warden":
        raise Skip(reason)


def wal_dir(srv):
    return os.path.join(srv.dir, "data", "wal")


def snap_dir(srv):
    return os.path.join(srv.dir, "data", "snapshots")


def wal_records(path):
    """[(offset, length)] of the records of a WAL segment (docs/formats.md)."""
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 20
    while off + 9 <= len(data) and len(out) < 1_000_000:
        _crc, length, typ = struct.unpack_from("<IIB", data, off)
        if typ != 1 or off + 9 + length > len(data):
            break
        out.append((off, length))
        off += 9 + length
    return out, len(data)


def run_wardend(cfg_path, timeout=5.0):
    """Runs wardend on cfg_path; returns (proc, output) once it exits or `timeout` passes
    (then it is still running and the caller must stop it)."""
    out_path = cfg_path + ".out"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([harness.wardend_path(), cfg_path], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    with open(out_path, "rb") as f:
        return proc, f.read().decode(errors="replace")


def stop_proc(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def restart_expect_failure(srv, timeout=8.0):
    """Starts srv's wardend on its config expecting it to exit; returns (returncode, log)."""
    cfg = os.path.join(srv.dir, "zoo.cfg")
    t0 = time.monotonic()
    proc, out = run_wardend(cfg, timeout=timeout)
    if proc.poll() is None:
        stop_proc(proc)
        raise AssertionError(f"wardend still running after {timeout}s; output:\n{out[-2000:]}")
    return proc.returncode, out, time.monotonic() - t0


def create_many(client, paths_data, batch=100):
    """Creates znodes through kazoo's async API in bounded batches."""
    for i in range(0, len(paths_data), batch):
        futs = [client.create_async(p, d) for p, d in paths_data[i:i + batch]]
        for f in futs:
            f.get(timeout=20)


# ---- 1. setWatches ---------------------------------------------------------------------------

def _missed_events_setup(srv, base, extra_children=()):
    """Session A with watches on base/*; returns (a, b) with A's connection dropped."""
    a = raw_session(srv)
    ok(a.create(base), "create base")
    for name in ("d", "gone", "still", "p", "nochild") + tuple(extra_children):
        ok(a.create(f"{base}/{name}", b"v0"), f"create {name}")
    ok(a.get_data(f"{base}/d", watch=True), "getData d")
    ok(a.get_data(f"{base}/gone", watch=True), "getData gone")
    ok(a.get_data(f"{base}/still", watch=True), "getData still")
    eq(a.exists(f"{base}/new", watch=True).err, W.NONODE, "exists new")
    eq(a.exists(f"{base}/never", watch=True).err, W.NONODE, "exists never")
    ok(a.get_children(f"{base}/p", watch=True), "getChildren p")
    ok(a.get_children(f"{base}/nochild", watch=True), "getChildren nochild")
    # The reply to a read carries the last zxid the server processed.
    rep = ok(a.exists(base), "exists base")
    check(a.last_zxid >= rep.zxid > 0, f"last zxid {a.last_zxid} vs reply {rep.zxid}")
    eq(list(a.events), [], "no events before the drop")
    a.close()  # drop the connection, keep the session

    b = raw_session(srv)
    ok(b.set_data(f"{base}/d", b"v1"), "set d")
    ok(b.delete(f"{base}/gone"), "delete gone")
    ok(b.create(f"{base}/new", b"n"), "create new")
    ok(b.create(f"{base}/p/c1"), "create p/c1")
    return a, b


def _check_not_fired_registered(a, b, base):
    """The watches that did not fire are registered once: each fires exactly once."""
    ok(b.set_data(f"{base}/still", b"v1"), "set still")
    ok(b.create(f"{base}/nochild/c"), "create nochild/c")
    ok(b.create(f"{base}/never"), "create never")
    # ... and the ones that fired on reconnect are gone: no event for these.
    ok(b.set_data(f"{base}/d", b"v2"), "set d again")
    ok(b.create(f"{base}/p/c2"), "create p/c2")
    ok(b.set_data(f"{base}/new", b"n2"), "set new")
    got = sorted(a.drain_events(0.5))
    want = sorted([W.Event(W.EV_CHANGED, W.STATE_SYNC_CONNECTED, f"{base}/still"),
                   W.Event(W.EV_CHILD, W.STATE_SYNC_CONNECTED, f"{base}/nochild"),
                   W.Event(W.EV_CREATED, W.STATE_SYNC_CONNECTED, f"{base}/never")])
    eq(got, want, "events of the re-registered watches")
    # Fired once: a second change gives nothing.
    ok(b.set_data(f"{base}/still", b"v2"), "set still again")
    ok(b.create(f"{base}/nochild/c2"), "create nochild/c2")
    ok(b.set_data(f"{base}/never", b"x"), "set never")
    eq(a.drain_events(0.4), [], "one-shot watches fire once")


def _missed(base):
    S = W.STATE_SYNC_CONNECTED
    # ZooKeeper fires them while registering, in list order: data, exist, child.
    return [W.Event(W.EV_CHANGED, S, f"{base}/d"), W.Event(W.EV_DELETED, S, f"{base}/gone"),
            W.Event(W.EV_CREATED, S, f"{base}/new"), W.Event(W.EV_CHILD, S, f"{base}/p")]


def test_set_watches(servers):
    srv = servers.start()
    base = "/sw1"
    a, b = _missed_events_setup(srv, base)
    a2, resp = reattach(srv, a)
    try:
        eq(resp.session_id, a.session_id, "same session after reconnect")
        rep = a2.set_watches(a.last_zxid,
                             data=[f"{base}/d", f"{base}/gone", f"{base}/still"],
                             exist=[f"{base}/new", f"{base}/never"],
                             child=[f"{base}/p", f"{base}/nochild"])
        eq((rep.xid, rep.err), (W.XID_SETWATCHES, W.OK), "SetWatches reply")
        got = list(a2.events)
        a2.events.clear()
        eq(got, _missed(base), "missed events, before the SetWatches reply")
        eq(a2.drain_events(0.4), [], "nothing else")
        _check_not_fired_registered(a2, b, base)
    finally:
        a2.close()
        b.close()


def test_set_watches2(servers):
    srv = servers.start()
    base = "/sw2"
    a, b = _missed_events_setup(srv, base, extra_children=("pers", "rec"))
    # Missed changes under persistent watches are not replayed.
    ok(b.set_data(f"{base}/pers", b"missed"), "set pers while away")
    ok(b.create(f"{base}/rec/missed"), "create rec/missed while away")
    a2, resp = reattach(srv, a)
    try:
        eq(resp.session_id, a.session_id, "same session after reconnect")
        rep = a2.set_watches(a.last_zxid,
                             data=[f"{base}/d", f"{base}/gone", f"{base}/still"],
                             exist=[f"{base}/new", f"{base}/never"],
                             child=[f"{base}/p", f"{base}/nochild"],
                             persistent=[f"{base}/pers"],
                             persistent_recursive=[f"{base}/rec"])
        eq((rep.xid, rep.err), (W.XID_SETWATCHES, W.OK), "SetWatches2 reply")
        got = list(a2.events)
        a2.events.clear()
        eq(got, _missed(base), "missed events (persistent ones not fired)")
        eq(a2.drain_events(0.4), [], "nothing else")
        _check_not_fired_registered(a2, b, base)
        # Persistent and recursive watches are registered and keep firing.
        S = W.STATE_SYNC_CONNECTED
        ok(b.set_data(f"{base}/pers", b"1"), "set pers")
        ok(b.set_data(f"{base}/pers", b"2"), "set pers again")
        ok(b.create(f"{base}/rec/x"), "create rec/x")
        ok(b.set_data(f"{base}/rec/x", b"1"), "set rec/x")
        ok(b.delete(f"{base}/rec/missed"), "delete rec/missed")
        eq(a2.drain_events(0.5),
           [W.Event(W.EV_CHANGED, S, f"{base}/pers"), W.Event(W.EV_CHANGED, S, f"{base}/pers"),
            W.Event(W.EV_CREATED, S, f"{base}/rec/x"), W.Event(W.EV_CHANGED, S, f"{base}/rec/x"),
            W.Event(W.EV_DELETED, S, f"{base}/rec/missed")],
           "persistent / recursive events")
        ok(b.create(f"{base}/pers/child"), "create pers/child")
        eq(a2.drain_events(0.4), [W.Event(W.EV_CHILD, S, f"{base}/pers")],
           "persistent watch sees a child change")
    finally:
        a2.close()
        b.close()


# ---- 2. connection flood ---------------------------------------------------------------------

def _refused(sock, timeout=3.0):
    """True if the server closes a freshly connected socket (EOF or reset) within timeout."""
    deadline = time.monotonic() + timeout
    for _ in range(1000):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            data = sock.recv(4096)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
        if not data:
            return True
    return False


def _try_connect(port):
    """A connected socket, or None when the connect itself already failed (ZooKeeper may
    close a refused connection so early that connect() reports EPIPE/ECONNRESET)."""
    try:
        return socket.create_connection(("127.0.0.1", port), timeout=3.0)
    except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
        return None


def test_connection_flood(servers):
    srv = servers.start(extra={"maxClientCnxns": "5"})
    sessions, extra = [], []
    try:
        # The readiness probe's connection may take a moment to be closed: open with retries.
        for _ in range(5):
            sessions.append(raw_session(srv, attempts=30))
        for _ in range(10):
            extra.append(_try_connect(srv.port))
        for i, s in enumerate(extra):
            check(s is None or _refused(s), f"extra connection {i} was not closed by the server")
        for i, s in enumerate(sessions):
            eq(s.ping().err, W.OK, f"ping on session {i}")
            eq(s.exists("/").err, W.OK, f"exists on session {i}")
        for s in sessions[:2]:
            eq(s.close_session().err, W.OK, "closeSession")
        sessions = sessions[2:]
        for _ in range(2):
            sessions.append(raw_session(srv, attempts=30))
        probe = _try_connect(srv.port)
        extra.append(probe)
        check(probe is None or _refused(probe),
              "a sixth connection was accepted after reusing the two slots")
        for i, s in enumerate(sessions):
            eq(s.exists("/").err, W.OK, f"exists on session {i} at the end")
    finally:
        for s in extra:
            if s is not None:
                s.close()
        for s in sessions:
            s.close()


# ---- 3. oversized frame ----------------------------------------------------------------------

def test_oversized_frame(servers):
    srv = servers.start(extra={"jute.maxbuffer": "4096"}, jvm_props={"jute.maxbuffer": "4096"})
    a, b = raw_session(srv), raw_session(srv)
    try:
        ok(b.create("/big0", b"x"), "create before")
        # A getData request whose frame claims 5000 bytes, sent in full.
        body = W.Writer().int(1).int(W.OP_GETDATA).string("/big0").bool(False).bytes()
        a.send_raw(struct.pack("!i", 5000) + body + b"\0" * (5000 - len(body)))
        check(a.closed_by_server(5.0), "the oversized frame did not close its connection")
        eq(b.ping().err, W.OK, "other session ping")
        rep = ok(b.get_data("/big0"), "other session read")
        eq(rep.body.buffer(), b"x", "other session data")
        payload = bytes(range(256)) * 11 + b"z" * (3000 - 256 * 11)
        ok(b.create("/big", payload), "create with 3000 bytes of data")
        rep = ok(b.get_data("/big"), "read it back")
        eq(rep.body.buffer(), payload, "3000-byte payload")
        # The session of the closed connection is still alive: reattach and read.
        a2, resp = reattach(srv, a)
        try:
            eq(resp.session_id, a.session_id, "session survives its connection")
            ok(a2.exists("/big"), "reattached read")
        finally:
            a2.close()
    finally:
        a.close()
        b.close()


# ---- 4. four-letter words --------------------------------------------------------------------

def _fl(srv, word):
    return harness.four_letter(srv.port, word, timeout=5.0)


def test_four_letter_words(servers):
    limited = servers.start(extra={"4lw.commands.whitelist": "ruok,srvr"})
    eq(_fl(limited, "mntr").strip(), "mntr is not executed because it is not in the whitelist.",
       "mntr outside the whitelist")
    eq(_fl(limited, "ruok"), "imok", "ruok")
    srvr = _fl(limited, "srvr")
    check("\nMode: standalone\n" in srvr, f"srvr: {srvr!r}")
    check(re.search(r"^Zookeeper version: ", srvr, re.M), f"srvr: {srvr!r}")
    limited.stop()

    srv = servers.start(extra={"4lw.commands.whitelist": "*"})
    conf = _fl(srv, "conf")
    check(f"clientPort={srv.port}\n" in conf, f"conf: {conf!r}")
    eq(_fl(srv, "wchs"), "0 connections watching 0 paths\nTotal watches:0\n", "wchs, no watch")
    eq(_fl(srv, "wchc"), "\n", "wchc, no watch")
    eq(_fl(srv, "wchp"), "\n", "wchp, no watch")
    s = raw_session(srv)
    try:
        sid = f"0x{s.session_id:x}"
        ok(s.create("/fl"), "create")
        ok(s.create("/fl/w", b"1"), "create")
        ok(s.get_data("/fl/w", watch=True), "getData watch")
        cons = _fl(srv, "cons")
        line = [ln for ln in cons.splitlines() if f"sid={sid}," in ln]
        eq(len(line), 1, f"cons lists the session once: {cons!r}")
        check(re.match(r" /127\.0\.0\.1:\d+\[1\]\(queued=0,recved=\d+,sent=\d+,", line[0]),
              f"cons line: {line[0]!r}")
        eq(_fl(srv, "wchs"), "1 connections watching 1 paths\nTotal watches:1\n", "wchs")
        # ZooKeeper ends wchc / wchp with an empty line.
        eq(_fl(srv, "wchc"), f"{sid}\n\t/fl/w\n\n", "wchc")
        eq(_fl(srv, "wchp"), f"/fl/w\n\t{sid}\n\n", "wchp")

        eq(_fl(srv, "crst"), "Connection stats reset.\n", "crst")
        line = [ln for ln in _fl(srv, "cons").splitlines() if f"sid={sid}," in ln]
        eq(len(line), 1, "cons after crst")
        check("recved=0,sent=0," in line[0], f"cons after crst: {line[0]!r}")

        srvr = _fl(srv, "srvr")
        m = re.search(r"^Received: (\d+)$", srvr, re.M)
        check(m and int(m.group(1)) >= 5, f"srvr before srst: {srvr!r}")
        eq(_fl(srv, "srst"), "Server stats reset.\n", "srst")
        srvr = _fl(srv, "srvr")
        # ZooKeeper 3.8 shows 1/1 here (it counts the four-letter word's connection), Warden 0/0.
        m = re.search(r"\nReceived: (\d+)\nSent: (\d+)\n", srvr)
        check(m and int(m.group(1)) <= 1 and int(m.group(2)) <= 1, f"srvr after srst: {srvr!r}")
        check("Latency min/avg/max: 0/0.0/0\n" in srvr, f"srvr after srst: {srvr!r}")

        dirs = _fl(srv, "dirs")
        m = re.fullmatch(r"datadir_size: (\d+)\nlogdir_size: (\d+)\n", dirs)
        check(m, f"dirs: {dirs!r}")
        check(int(m.group(2)) > 0, f"dirs: the log holds the writes: {dirs!r}")
        envi = _fl(srv, "envi")
        check(envi.startswith("Environment:\n"), f"envi: {envi[:200]!r}")
        check("\nhost.name=" in envi, f"envi: {envi[:400]!r}")
        ok(s.set_data("/fl/w", b"2"), "fire the watch")
        eq(s.drain_events(0.3), [W.Event(W.EV_CHANGED, W.STATE_SYNC_CONNECTED, "/fl/w")],
           "the watch fires")
        # ZooKeeper 3.8 keeps the session's emptied entry ("1 connections watching 0 paths",
        # wchc "<sid>\n\n"); Warden drops it. Either way no path is watched any more.
        wchs = _fl(srv, "wchs")
        check(re.fullmatch(r"[01] connections watching 0 paths\nTotal watches:0\n", wchs),
              f"wchs after the watch fired: {wchs!r}")
        wchc = _fl(srv, "wchc")
        check(wchc in ("\n", f"{sid}\n\n"), f"wchc after the watch fired: {wchc!r}")
        eq(_fl(srv, "wchp"), "\n", "wchp after the watch fired")
    finally:
        s.close()


# ---- 5. bad config ---------------------------------------------------------------------------

def test_bad_config(servers):
    warden_only("wardend's zoo.cfg validation and messages")
    tmp = tempfile.mkdtemp(prefix="wd-integ-cfg-")
    try:
        data = os.path.join(tmp, "data")
        port = harness.free_port()
        cfg = os.path.join(tmp, "zoo.cfg")
        with open(cfg, "w") as f:
            f.write(f"tickTime=500\ndataDir={data}\nthis line has no equals sign\n"
                    f"clientPort={port}\n")
        t0 = time.monotonic()
        proc, out = run_wardend(cfg, timeout=5.0)
        if proc.poll() is None:
            stop_proc(proc)
            raise AssertionError("wardend with a malformed line is still running after 5 s")
        check(proc.returncode != 0, f"exit status {proc.returncode}")
        check(time.monotonic() - t0 < 3.0, "took too long to refuse")
        check(f"{cfg}:3:" in out, f"output does not name zoo.cfg:3: {out!r}")
        check("zoo.cfg:3:" in out, f"output: {out!r}")

        with open(cfg, "w") as f:
            f.write(f"tickTime=500\ndataDir={data}\nclientPort=notaport\n")
        proc, out = run_wardend(cfg, timeout=5.0)
        stop_proc(proc)
        check(proc.returncode not in (0, None), f"bad value: exit status {proc.returncode}")
        check(f"{cfg}:3:" in out and "clientPort" in out, f"bad value output: {out!r}")

        with open(cfg, "w") as f:
            f.write(f"tickTime=500\ndataDir={data}\nclientPortAddress=127.0.0.1\n"
                    f"clientPort={port}\ninitLimit=5\n")
        proc, _ = run_wardend(cfg, timeout=0.1)
        try:
            # The default whitelist is just srvr.
            wait_until(lambda: proc.poll() is not None or _answers(port), 10.0,
                       what="wardend to answer srvr")
            check(proc.poll() is None, f"wardend exited with {proc.returncode}")
            eq(harness.four_letter(port, "ruok"),
               "ruok is not executed because it is not in the whitelist.\n", "ruok")
        finally:
            stop_proc(proc)
        eq(proc.returncode, 0, "exit status after SIGTERM")
        with open(cfg + ".out", "rb") as f:
            out = f.read().decode(errors="replace")
        check(re.search(re.escape(f"{cfg}:5: ignoring initLimit"), out),
              f"initLimit not reported as ignored: {out!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _answers(port):
    try:
        return "Mode: standalone" in harness.four_letter(port, "srvr", timeout=0.5)
    except OSError:
        return False


# ---- 6. corruption in the middle of the log ---------------------------------------------------

def test_wal_corruption(servers):
    warden_only("Warden's WAL format and recovery messages")
    srv = servers.start()
    zk = kazoo(srv)
    try:
        zk.create("/c")
        create_many(zk, [(f"/c/n{i:03d}", f"d{i}".encode()) for i in range(200)])
    finally:
        close_kazoo(zk)
    srv.stop()
    eq(srv.proc.returncode, 0, "clean stop")
    segs = sorted(glob.glob(os.path.join(wal_dir(srv), "wal-*.log")))
    check(segs, "no WAL segment")
    # The segment holding the most records (segments are padded, so not the largest file).
    seg = max(segs, key=lambda path: len(wal_records(path)[0]))
    recs, size = wal_records(seg)
    check(len(recs) >= 150, f"{len(recs)} records in {seg}")
    rec_off, length = recs[len(recs) // 3]
    pos = rec_off + 9 + 8 + (length - 8) // 2  # inside the entry data, after the zxid
    with open(seg, "r+b") as f:
        f.seek(pos)
        orig = f.read(1)
        f.seek(pos)
        f.write(bytes([orig[0] ^ 0x5a]))
    code, out, took = restart_expect_failure(srv)
    check(code != 0, f"exit status {code}")
    check(took < 5.0, f"took {took:.1f}s to refuse")
    name = os.path.basename(seg)
    check(re.search(re.escape(name) + r".*offset " + str(rec_off) + r"\b", out),
          f"log does not name {name} and offset {rec_off}: {out[-2000:]!r}")
    eq(os.path.getsize(seg), size, "the corrupt segment was not truncated")
    with open(seg, "r+b") as f:
        f.seek(pos)
        f.write(orig)
    srv.start()
    C.wait_ready(srv.port)
    zk = kazoo(srv)
    try:
        kids = sorted(zk.get_children("/c"))
        eq(kids, [f"n{i:03d}" for i in range(200)], "children after restore")
        for i in range(0, 200, 7):
            eq(zk.get(f"/c/n{i:03d}")[0], f"d{i}".encode(), f"data of n{i:03d}")
    finally:
        close_kazoo(zk)


# ---- 7. torn tail ----------------------------------------------------------------------------

def test_torn_tail(servers):
    warden_only("Warden's WAL files and truncation note")
    srv = servers.start()
    n = 60
    zk = kazoo(srv)
    try:
        zk.create("/t")
        for i in range(n):  # one at a time: the last record is the last create
            zk.create(f"/t/n{i:02d}", f"d{i}".encode())
        srv.kill()  # SIGKILL with the session still open
    finally:
        close_kazoo(zk)
    segs = sorted(glob.glob(os.path.join(wal_dir(srv), "wal-*.log")))
    seg = segs[-1]
    recs, size = wal_records(seg)
    check(recs, f"no records in {seg}")
    last_off, last_len = recs[-1]
    end = last_off + 9 + last_len  # the logical end; zero padding may follow (docs/formats.md)
    with open(seg, "rb") as f:
        f.seek(end)
        check(f.read().count(0) == size - end, "only zero padding after the last record")
    os.truncate(seg, end - 3)  # cut the last record, and the padding with it
    srv.start()
    C.wait_ready(srv.port)
    log = srv.log_text()
    name = os.path.basename(seg)
    want = f"truncated torn tail of {name} at offset {last_off} ({last_len + 9 - 3} bytes dropped)"
    check(want in log, f"missing note {want!r}: {log[-2000:]!r}")
    zk = kazoo(srv)
    try:
        kids = set(zk.get_children("/t"))
        expect = {f"n{i:02d}" for i in range(n - 1)}
        check(expect <= kids, f"missing after torn tail: {sorted(expect - kids)}")
        # The last record was the last create; it was cut, so that znode is gone.
        eq(kids - expect, set(), "the cut record's znode")
        for i in range(0, n - 1, 5):
            eq(zk.get(f"/t/n{i:02d}")[0], f"d{i}".encode(), f"data of n{i:02d}")
        for i in range(n - 1, n + 20):
            zk.create(f"/t/n{i:02d}", f"e{i}".encode())
    finally:
        close_kazoo(zk)
    srv.stop()
    eq(srv.proc.returncode, 0, "clean stop")
    srv.start()
    C.wait_ready(srv.port)
    zk = kazoo(srv)
    try:
        eq(sorted(zk.get_children("/t")), [f"n{i:02d}" for i in range(n + 20)],
           "children after the second restart")
        for i in range(n - 1, n + 20):
            eq(zk.get(f"/t/n{i:02d}")[0], f"e{i}".encode(), f"data of new n{i:02d}")
    finally:
        close_kazoo(zk)


# ---- 8. snapshots and retention --------------------------------------------------------------

def _mntr(srv):
    out = {}
    for line in harness.four_letter(srv.port, "mntr").splitlines():
        k, _, v = line.partition("\t")
        out[k] = v
    return out


def test_snapshots_and_retention(servers):
    warden_only("Warden's snapshot and WAL directories")
    srv = servers.start(extra={"snapCount": "50", "autopurge.snapRetainCount": "3"})
    first = os.path.join(wal_dir(srv), "wal-0000000000000001.log")
    check(os.path.exists(first), "first segment wal-0000000000000001.log at start")
    n = 1000

    def snaps():
        return sorted(glob.glob(os.path.join(snap_dir(srv), "*.snap")))

    def state():
        return (f"snaps={[os.path.basename(p) for p in snaps()]}, "
                f"wal={sorted(os.listdir(wal_dir(srv)))}")

    # Warden rolls to a new segment only when one is full (64 MiB) or at start-up, so the
    # first segment can only be purged once a later one exists: restart half-way.
    for part in range(2):
        zk = kazoo(srv)
        try:
            if part == 0:
                zk.create("/s")
            lo, hi = part * n // 2, (part + 1) * n // 2
            create_many(zk, [(f"/s/n{i:04d}", f"v{i}".encode()) for i in range(lo, hi)])
        finally:
            close_kazoo(zk)
        if part == 0:
            srv.stop()
            eq(srv.proc.returncode, 0, "clean stop")
            srv.start()
            C.wait_ready(srv.port)
            segs = sorted(os.listdir(wal_dir(srv)))
            check(len(segs) >= 2, f"a new segment at start-up: {segs}")

    def zxid_of(name):
        return int(os.path.basename(name)[len("snapshot-"):-len(".snap")], 16)

    def observe():
        """One look at the server: the zxid of the snapshot it last reaped, then the files.
        Judged as one observation, since the timer may start another snapshot at any moment
        until the log behind the newest is short (a .tmp appears, then a fourth file)."""
        reaped = int(_mntr(srv).get("zk_last_snapshot_zxid", "0x0"), 16)
        names = snaps()
        tmp = glob.glob(os.path.join(snap_dir(srv), "*.tmp"))
        return reaped, names, tmp, os.path.exists(first)

    def settled(seen):
        # The server has reaped the child that wrote the newest file (the file appears before
        # the server polls the child's exit), and that child's purge is done.
        reaped, names, tmp, first_left = seen
        return (0 < len(names) <= 3 and not tmp and not first_left
                and reaped == zxid_of(names[-1]))

    deadline = time.monotonic() + 10.0
    seen = observe()
    while not settled(seen) and time.monotonic() < deadline:
        time.sleep(0.1)
        seen = observe()
    zxid, names, _, _ = seen
    check(settled(seen), f"want <= 3 snapshots, the newest reaped, no .tmp and "
                         f"wal-0000000000000001.log purged: {seen}")
    eq(len(names), 3, f"snapshots kept: {seen}")
    check(zxid > 0, "zk_last_snapshot_zxid is 0")
    check(int(_mntr(srv).get("warden_last_fork_us", "0")) > 0,
          "warden_last_fork_us reports the last snapshot's fork")
    # With writes stopped, a snapshot that came due while another was written starts on the
    # timer: the log after the newest snapshot is at most one threshold (<= snapCount) long.
    deadline = time.monotonic() + 10.0
    while True:
        m = _mntr(srv)
        behind = int(m["zk_last_zxid"], 16) - int(m["zk_last_snapshot_zxid"], 16)
        if behind <= 50 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(behind <= 50, f"the newest snapshot is {behind} entries behind the last zxid")
    srv.stop()
    eq(srv.proc.returncode, 0, "clean stop")
    srv.start()
    C.wait_ready(srv.port)
    zk = kazoo(srv)
    try:
        eq(sorted(zk.get_children("/s")), [f"n{i:04d}" for i in range(n)], "children")
        for i in range(n):
            eq(zk.get(f"/s/n{i:04d}")[0], f"v{i}".encode(), f"data of n{i:04d}")
    finally:
        close_kazoo(zk)


# ---- 9. sessions across a restart ------------------------------------------------------------

def test_restart_keeps_sessions(servers):
    srv = servers.start()
    a = raw_session(srv, timeout_ms=10000)
    b = raw_session(srv, timeout_ms=4000)
    eq(a.negotiated_timeout, 10000, "negotiated timeout a")
    eq(b.negotiated_timeout, 4000, "negotiated timeout b")
    ok(a.create("/ea", b"a", flags=1), "ephemeral a")
    ok(b.create("/eb", b"b", flags=1), "ephemeral b")
    a.close()
    b.close()
    srv.stop()
    srv.start()
    restarted = time.monotonic()
    C.wait_ready(srv.port)
    a2, resp = reattach(srv, a, timeout_ms=10000)
    try:
        eq(resp.session_id, a.session_id, "session a reattached after restart")
        eq(resp.passwd, a.passwd, "same password")
        rep = ok(a2.exists("/ea"), "ephemeral a after restart")
        eq(rep.body.stat().ephemeralOwner, a.session_id, "owner of /ea")
        # b does not come back: its ephemeral goes once its timeout passes.
        rep = a2.exists("/eb")
        if time.monotonic() - restarted < 3.0:
            eq(rep.err, W.OK, "/eb still there before b's timeout")
        deadline = time.monotonic() + 15.0
        while time.monotonic() < deadline and a2.exists("/eb").err == W.OK:
            a2.drain_events(0.2)  # keeps a's session alive (pings)
        eq(a2.exists("/eb").err, W.NONODE, "/eb gone after b's timeout")
        gone_after = time.monotonic() - restarted
        check(gone_after >= 3.0, f"/eb went after {gone_after:.1f}s, before the 4 s timeout")
        b2, resp = reattach(srv, b, timeout_ms=4000)
        b2.close()
        eq(resp.session_id, 0, "expired session b refused")
        rep = ok(a2.exists("/ea"), "ephemeral a still there")
        eq(a2.close_session().err, W.OK, "close a")
    finally:
        a2.close()
    s = raw_session(srv)
    try:
        eq(s.exists("/ea").err, W.NONODE, "ephemeral a gone with its session")
    finally:
        s.close()


# ---- 10. super digest and hard quotas from the configuration ---------------------------------

SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="  # digest of super:test (ZooKeeper's example)


def test_super_digest(servers):
    import hashlib
    import base64
    eq(SUPER_DIGEST.split(":", 1)[1],
       base64.b64encode(hashlib.sha1(b"super:test").digest()).decode(), "digest of super:test")
    srv = servers.start(extra={"DigestAuthenticationProvider.superDigest": SUPER_DIGEST},
                        jvm_props={"zookeeper.DigestAuthenticationProvider.superDigest":
                                   SUPER_DIGEST})
    from kazoo.exceptions import NoAuthError
    from kazoo.security import make_digest_acl
    owner = kazoo(srv)
    other = kazoo(srv)
    root = kazoo(srv)
    try:
        owner.add_auth("digest", "alice:secret")
        owner.create("/private", b"mine", acl=[make_digest_acl("alice", "secret", all=True)])
        try:
            other.get("/private")
            raise AssertionError("a stranger read a node with a digest ACL")
        except NoAuthError:
            pass
        root.add_auth("digest", "super:test")
        eq(root.get("/private")[0], b"mine", "super reads past the ACL")
        root.set("/private", b"root was here")
        eq(owner.get("/private")[0], b"root was here", "super wrote past the ACL")
        root.delete("/private")
        eq(owner.exists("/private"), None, "super deleted past the ACL")
    finally:
        for c in (owner, other, root):
            close_kazoo(c)


def test_hard_quota(servers):
    srv = servers.start(extra={"enforceQuota": "true"},
                        jvm_props={"zookeeper.enforceQuota": "true"})
    c = kazoo(srv)
    # kazoo 2.8 does not know QUOTAEXCEEDED (-125) and its connection thread dies on it, so
    # the refused create goes through the raw protocol client.
    raw = W.WireSession(srv.port)
    raw.connect()
    try:
        c.create("/q", b"")
        # Exactly what zkCli's `setquota -N 3 /q` writes on ZooKeeper 3.8 (StatsTrack text).
        c.create("/zookeeper/quota/q/zookeeper_limits",
                 b"count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3", makepath=True)
        c.create("/zookeeper/quota/q/zookeeper_stats", b"count=1,bytes=0")
        c.create("/q/a", b"")
        c.create("/q/b", b"")
        eq(raw.create("/q/c").err, -125, "a fourth node under countHardLimit=3: QUOTAEXCEEDED")
        eq(c.exists("/q/c"), None, "the refused node does not exist")
        stats = c.get("/zookeeper/quota/q/zookeeper_stats")[0].decode()
        check(stats.startswith("count=3,bytes="), f"zookeeper_stats: {stats!r}")
        c.delete("/q/b")
        eq(raw.create("/q/c").err, 0, "room again after a delete")
    finally:
        raw.close()
        close_kazoo(c)


def test_sasl_without_login(servers):
    srv = servers.start()
    raw = W.WireSession(srv.port)
    raw.connect()
    try:
        reply = raw.request(102, W.Writer().buffer(b"token").bytes())  # GetSASLRequest
        eq(reply.err, 0, "sasl without a SASL login")
        eq(reply.body.int(), -1, "SetSASLResponse token is null")
        eq(raw.request(3, W.path_watch("/zookeeper")).err, 0, "the session goes on")
        # reconfig with reconfigEnabled off (the default): RECONFIGDISABLED (-123).
        body = W.Writer().string("server.9=127.0.0.1:1:2").string("").string(None).long(-1)
        eq(raw.request(16, body.bytes()).err, -123, "reconfig while disabled")
        eq(raw.request(3, W.path_watch("/zookeeper")).err, 0, "the session still goes on")
    finally:
        raw.close()


TESTS = [
    ("set_watches_reconnect", test_set_watches),
    ("set_watches2_persistent", test_set_watches2),
    ("connection_flood", test_connection_flood),
    ("oversized_frame", test_oversized_frame),
    ("four_letter_words", test_four_letter_words),
    ("bad_config", test_bad_config),
    ("wal_corruption_middle", test_wal_corruption),
    ("wal_torn_tail", test_torn_tail),
    ("snapshots_retention", test_snapshots_and_retention),
    ("restart_keeps_sessions", test_restart_keeps_sessions),
    ("super_digest", test_super_digest),
    ("hard_quota", test_hard_quota),
    ("sasl_and_reconfig_disabled", test_sasl_without_login),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", choices=["warden", "zookeeper"], default="warden")
    ap.add_argument("-k", default="", help="only run tests whose name contains this")
    ap.add_argument("-q", action="store_true", help="no tracebacks")
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    Ctx.kind = args.server
    passed = failed = skipped = 0
    failures = []
    t_all = time.monotonic()
    for name, fn in TESTS:
        if args.k not in name:
            continue
        servers = Servers()
        t0 = time.monotonic()
        try:
            fn(servers)
        except Skip as e:
            skipped += 1
            print(f"skip {name}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            failures.append(name)
            print(f"FAIL {name} ({time.monotonic() - t0:.2f}s): {type(e).__name__}: {e}",
                  flush=True)
            if not args.q:
                traceback.print_exc()
                for srv in servers.all:
                    print(f"  {srv.kind} log tail:\n{srv.log_text()[-1500:]}")
        else:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - t0:.2f}s)", flush=True)
        finally:
            servers.stop_all()
    if failures:
        print("failed tests: " + ", ".join(failures))
    print(f"({skipped} skipped, {time.monotonic() - t_all:.1f}s)")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
