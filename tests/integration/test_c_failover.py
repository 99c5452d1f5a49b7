#!/usr/bin/python3
"""The official ZooKeeper C client (libzookeeper_mt) on a 3-server Warden ensemble under failures.

    test_c_failover.py --binary build/<dir>/tests/compat/c/zk_failover [-k NAME]

Each test starts its own ensemble (scripts/warden_ensemble.py, tickTime 100) and runs
tests/compat/c/zk_failover.c, one C session steered line by line over stdin/stdout. The server
the C client talks to is killed with SIGKILL, or the leader is killed while the client sits on a
follower, or the client's server is stopped with SIGSTOP. Checked each time: the client
reconnects with the same session id and without an EXPIRED event, its ephemeral is still there
(seen by kazoo on the other servers, ephemeralOwner == the C session), writes made after the
failover succeed and reach every server, and the ephemeral goes when the client closes.
The expiry tests keep every server out of the client's reach for longer than its timeout: the
client then sees EXPIRED and its ephemeral is gone on every server.
"""

import argparse
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "compat"))

from kazoo.client import KazooClient  # noqa: E402
import compat_common as cc  # noqa: E402
from warden_ensemble import Ensemble  # noqa: E402

TICK = 100  # ms
SESSION_MS = 4000  # what the C client asks for; maxSessionTimeout below lets the server grant it
CONFIG = {"maxSessionTimeout": str(SESSION_MS)}
BINARY = None  # set by main()


class CClient:
    """One zk_failover process: send a command line, get its one reply line (bounded waits)."""

    def __init__(self, ens, name, timeout_ms=SESSION_MS):
        self.name = name
        self.stderr_path = os.path.join(ens.base, f"zk_failover-{name}.log")
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen([BINARY, ens.connect_string(), str(timeout_ms)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, bufsize=1)
        self.lines = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        ready = self._next(40.0, "READY")
        if not ready.startswith("READY "):
            self.kill()
            raise AssertionError(f"C client did not start: {ready!r}")
        fields = dict(f.split("=", 1) for f in ready.split()[1:])
        self.session = int(fields["session"], 16)
        self.port = int(fields["port"])
        self.timeout = int(fields["timeout"])
        cc.check(self.session != 0, "C client has a session id")
        cc.check(self.port > 0, f"C client is connected to one server: {ready}")

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _next(self, timeout, what):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"C client gave no reply to {what!r} within {timeout}s "
                                 f"(log {self.stderr_path})")
        if line is None:
            raise AssertionError(f"C client exited (code {self.proc.poll()}) during {what!r}; "
                                 f"log {self.stderr_path}")
        return line

    def cmd(self, line, timeout=30.0):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self._next(timeout, line)

    def ok(self, line, timeout=30.0):
        reply = self.cmd(line, timeout)
        cc.check(reply.startswith("OK"), f"C client: {line!r} -> {reply!r}")
        return reply

    def fields(self, line, timeout=30.0):
        return dict(f.split("=", 1) for f in self.ok(line, timeout).split()[1:] if "=" in f)

    def events(self):
        return self.ok("events").split()[2:]

    def states(self):
        return [e.split("@")[0] for e in self.events()]

    def write(self, path, data, deadline_s=30.0):
        """A persistent create that must succeed: a connection loss during a reconnect is
        retried (bounded); NODEEXISTS after such a retry means the first attempt committed."""
        deadline = time.monotonic() + deadline_s
        lost = False
        for _ in range(200):
            reply = self.cmd(f"create {path} {data} persistent")
            if reply.startswith("OK"):
                return
            if lost and "rc=-110" in reply:  # ZNODEEXISTS
                return
            cc.check("rc=-4" in reply or "rc=-7" in reply,  # CONNECTIONLOSS, OPERATIONTIMEOUT
                     f"C client create {path}: {reply}")
            lost = True
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        raise AssertionError(f"C client could not create {path} within {deadline_s}s")

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def quit(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("C client did not exit on quit")
        cc.eq(code, 0, "C client exit code")
        self._stderr.close()

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()


def ensemble():
    """A 3-server ensemble in its own folder (removed at the end unless WD_KEEP_ENSEMBLE)."""
    base = tempfile.mkdtemp(prefix="warden-c-failover-")
    ens = Ensemble(3, tick_time=TICK, extra_config=CONFIG, base_dir=base)
    ens.own_dir = True
    return ens


def server_of_port(ens, port):
    for sid in ens.ids:
        if ens.client_port(sid) == port:
            return sid
    raise AssertionError(f"C client connected to unknown port {port}")


def kazoo_on(ens, sid):
    zk = KazooClient(hosts=f"127.0.0.1:{ens.client_port(sid)}", timeout=6.0)
    zk.start(timeout=20)
    return zk


def start_ensemble(ens):
    ens.start()
    ens.wait_leader(30)
    ens.wait_ready(30)
    zk = kazoo_on(ens, ens.ids[0])
    zk.ensure_path("/cf")
    zk.stop()
    zk.close()


def view(ens, sid, paths):
    """{path: (data, ephemeralOwner) or None} as server `sid` sees it after a sync."""
    zk = kazoo_on(ens, sid)
    try:
        zk.sync("/cf")
        out = {}
        for p in paths:
            stat = zk.exists(p)
            out[p] = None if stat is None else (zk.get(p)[0], stat.ephemeralOwner)
        return out
    finally:
        zk.stop()
        zk.close()


def check_everywhere(ens, ids, expected):
    """Every server in `ids` shows exactly `expected` ({path: (data, owner) or None})."""
    for sid in ids:
        seen = {}

        def matches():
            seen.clear()
            seen.update(view(ens, sid, list(expected)))
            return seen == expected
        try:
            cc.wait_until(matches, 15, interval=0.2, what=f"server {sid}'s view")
        except AssertionError:
            raise AssertionError(f"server {sid} shows {seen}, expected {expected}")


def begin(ens, name, role=None):
    """Starts a C client (on a server in `role` if given), creates its ephemeral."""
    for attempt in range(40):
        c = CClient(ens, f"{name}-{attempt}")
        if role is None or ens.mode(server_of_port(ens, c.port)) == role:
            break
        c.ok("close")
        c.quit()  # the C client shuffles its servers: try again
    else:
        raise AssertionError(f"the C client never landed on a {role} in 40 tries")
    cc.eq(c.timeout, SESSION_MS, "negotiated session timeout")
    eph = f"/cf/eph-{name}"
    cc.check(c.ok(f"create {eph} mine ephemeral") == f"OK path={eph}", "ephemeral created")
    c.write(f"/cf/before-{name}", "b")
    sid = server_of_port(ens, c.port)
    print(f"  C session {c.session:#x} on server {sid} ({ens.mode(sid)}), "
          f"timeout {c.timeout} ms", flush=True)
    return c, eph


def after_failover(ens, c, name, eph, reachable):
    """The checks common to every failover: same session, no EXPIRED, ephemeral kept, new
    writes acknowledged and visible on every reachable server."""
    cc.check(c.ok("check_session") == f"OK session={c.session:#x}", "session id unchanged")
    states = c.states()
    cc.check("EXPIRED" not in states, f"no EXPIRED event: {states}")
    get = c.fields(f"get {eph}")
    cc.eq(get["data"], "mine", "ephemeral data through the C client")
    cc.eq(int(get["owner"], 16), c.session, "ephemeral owner through the C client")
    writes = {f"/cf/after-{name}-{i}": f"a{i}" for i in range(10)}
    for path, data in writes.items():
        c.write(path, data)
    cc.eq(c.fields(f"set {eph} mine2")["version"], "1", "set on the ephemeral after failover")
    expected = {p: (d.encode(), 0) for p, d in writes.items()}
    expected[f"/cf/before-{name}"] = (b"b", 0)
    expected[eph] = (b"mine2", c.session)
    check_everywhere(ens, reachable, expected)
    return expected


def finish(ens, c, eph, expected):
    """Final checks, then close: the ephemeral goes on every server, the rest stays."""
    states = c.states()
    cc.check("EXPIRED" not in states, f"no EXPIRED event: {states}")
    cc.check(c.ok("check_session") == f"OK session={c.session:#x}", "session id unchanged")
    print(f"  C session events: {' '.join(c.events())}", flush=True)
    cc.eq(c.ok("close"), "OK rc=0", "zookeeper_close")
    c.quit()
    gone = dict(expected)
    gone[eph] = None
    check_everywhere(ens, ens.ids, gone)


def kill_connected_server(role):
    with ensemble() as ens:
        start_ensemble(ens)
        c, eph = begin(ens, "kill", role)
        try:
            victim = server_of_port(ens, c.port)
            cc.eq(ens.mode(victim), role, "role of the server to kill")
            ens.kill(victim)
            moved = c.fields("wait_moved %d 30000" % c.port, timeout=40)
            new = server_of_port(ens, int(moved["port"]))
            cc.check(new != victim, "reconnected to another server")
            states = c.states()
            cc.check("CONNECTING" in states[1:], f"the client saw the disconnect: {states}")
            cc.eq(states[-1], "CONNECTED", "last session event")
            print(f"  killed server {victim} ({role}); C client now on server {new}", flush=True)
            survivors = [s for s in ens.ids if s != victim]
            if role == "leader":
                ens.wait_leader(30, survivors)
            expected = after_failover(ens, c, "kill", eph, survivors)
            ens.start(victim)
            ens.wait_ready(30)
            check_everywhere(ens, ens.ids, expected)
            finish(ens, c, eph, expected)
        finally:
            c.kill()


def test_kill_connected_leader():
    kill_connected_server("leader")


def test_kill_connected_follower():
    kill_connected_server("follower")


def test_kill_leader_while_on_follower():
    with ensemble() as ens:
        start_ensemble(ens)
        c, eph = begin(ens, "leader", "follower")
        try:
            leader = ens.leader()
            follower = server_of_port(ens, c.port)
            cc.check(leader is not None and leader != follower, "client on a follower")
            ens.kill(leader)
            survivors = [s for s in ens.ids if s != leader]
            new_leader = ens.wait_leader(30, survivors)
            cc.check(new_leader != leader, "a new leader")
            # Whether the follower keeps its clients through the election or drops them, the
            # session must carry on; a write goes through once the new leader is known.
            c.write("/cf/leader-probe", "p")
            c.ok("wait_state CONNECTED 20000", timeout=30)
            now_on = server_of_port(ens, int(c.fields("status")["port"]))
            cc.check(now_on != leader, "not connected to the killed leader")
            print(f"  killed leader {leader}; server {new_leader} leads; C client was on "
                  f"{follower}, now on {now_on}; events {' '.join(c.events())}", flush=True)
            expected = after_failover(ens, c, "leader", eph, survivors)
            expected["/cf/leader-probe"] = (b"p", 0)
            ens.start(leader)
            ens.wait_ready(30)
            check_everywhere(ens, ens.ids, expected)
            finish(ens, c, eph, expected)
        finally:
            c.kill()


def pause_connected_server(want_role):
    with ensemble() as ens:
        start_ensemble(ens)
        c, eph = begin(ens, "pause", want_role)
        victim = server_of_port(ens, c.port)
        try:
            role = ens.mode(victim)
            cc.eq(role, want_role, "role of the server to stop")
            paused_at = time.monotonic()
            ens.pause(victim)
            # A stopped server keeps its socket open: the client notices from its read timeout
            # (2/3 of the session timeout) and moves on.
            moved = c.fields("wait_moved %d 30000" % c.port, timeout=40)
            new = server_of_port(ens, int(moved["port"]))
            took = time.monotonic() - paused_at
            cc.check(new != victim, "reconnected to another server")
            print(f"  stopped server {victim} ({role}); C client on server {new} after "
                  f"{1000 * took:.0f} ms", flush=True)
            survivors = [s for s in ens.ids if s != victim]
            if role == "leader":
                ens.wait_leader(30, survivors)
            expected = after_failover(ens, c, "pause", eph, survivors)
            # Longer stopped than the session timeout: on resume the stopped server must not
            # act on its stale clock (a stale leader expiring the session would drop the node).
            time.sleep(max(0.0, SESSION_MS / 1000 + 0.5 - (time.monotonic() - paused_at)))
            ens.resume(victim)
            ens.wait_ready(30)
            check_everywhere(ens, ens.ids, expected)
            time.sleep(2 * SESSION_MS / 1000)
            check_everywhere(ens, ens.ids, expected)
            finish(ens, c, eph, expected)
        finally:
            if ens.running(victim):
                ens.resume(victim)
            c.kill()


def test_pause_connected_leader():
    pause_connected_server("leader")


def test_pause_connected_follower():
    pause_connected_server("follower")


def test_expiry_while_client_cut_off():
    """The client cannot reach any server (it is stopped) for longer than its timeout."""
    with ensemble() as ens:
        start_ensemble(ens)
        c, eph = begin(ens, "cutoff")
        try:
            watcher = kazoo_on(ens, ens.leader())
            stopped_at = time.monotonic()
            c.pause()
            cc.wait_until(lambda: watcher.exists(eph) is None, SESSION_MS / 1000 + 15,
                          interval=0.1, what="the ephemeral of the expired session to go")
            gone_after = time.monotonic() - stopped_at
            watcher.stop()
            watcher.close()
            cc.check(gone_after >= SESSION_MS / 1000 * 0.9,
                     f"session expired after {gone_after:.2f}s, before its timeout")
            c.resume()
            c.ok("wait_state EXPIRED 20000", timeout=30)
            states = c.states()
            cc.eq(states[-1], "EXPIRED", "last session event")
            print(f"  ephemeral gone {1000 * gone_after:.0f} ms after the client stopped; "
                  f"events {' '.join(c.events())}", flush=True)
            reply = c.cmd(f"exists {eph}")
            # The C client refuses requests on an expired handle (ZINVALIDSTATE).
            cc.check(reply.startswith("ERR rc=-9 "), f"requests fail after expiry: {reply}")
            check_everywhere(ens, ens.ids, {eph: None, "/cf/before-cutoff": (b"b", 0)})
            c.cmd("close")
            c.quit()
        finally:
            c.kill()


def test_expiry_after_whole_ensemble_outage():
    """Every server killed for longer than the timeout, and the client stays away (stopped)
    for longer than the timeout after the ensemble is back: EXPIRED, ephemeral gone."""
    with ensemble() as ens:
        start_ensemble(ens)
        c, eph = begin(ens, "outage-expire")
        try:
            for sid in ens.ids:
                ens.kill(sid)
            c.ok("wait_state CONNECTING 10000")
            c.pause()
            time.sleep(SESSION_MS / 1000 + 1)
            ens.start()
            ens.wait_leader(30)
            ens.wait_ready(30)
            back_at = time.monotonic()
            watcher = kazoo_on(ens, ens.leader())
            # Restored sessions get a full timeout from the new leader, then expire.
            cc.wait_until(lambda: watcher.exists(eph) is None, SESSION_MS / 1000 + 15,
                          interval=0.1, what="the ephemeral to go after the ensemble returned")
            watcher.stop()
            watcher.close()
            print(f"  ephemeral gone {1000 * (time.monotonic() - back_at):.0f} ms after the "
                  f"ensemble was back", flush=True)
            c.resume()
            c.ok("wait_state EXPIRED 20000", timeout=30)
            cc.eq(c.states()[-1], "EXPIRED", "last session event")
            print(f"  events {' '.join(c.events())}", flush=True)
            check_everywhere(ens, ens.ids, {eph: None, "/cf/before-outage-expire": (b"b", 0)})
            c.cmd("close")
            c.quit()
        finally:
            c.kill()


def test_session_survives_whole_ensemble_outage():
    """ZooKeeper semantics: a session restored after a restart gets a full timeout to
    reconnect, so a client that keeps trying survives an outage longer than its timeout."""
    with ensemble() as ens:
        start_ensemble(ens)
        c, eph = begin(ens, "outage")
        try:
            for sid in ens.ids:
                ens.kill(sid)
            c.ok("wait_state CONNECTING 10000")
            time.sleep(SESSION_MS / 1000 + 1)
            ens.start()
            ens.wait_leader(30)
            ens.wait_ready(30)
            c.ok("wait_state CONNECTED 20000", timeout=30)
            expected = after_failover(ens, c, "outage", eph, ens.ids)
            finish(ens, c, eph, expected)
        finally:
            c.kill()


def main():
    global BINARY
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True, help="path of the zk_failover executable")
    parser.add_argument("-k", help="run only tests whose name contains this")
    args = parser.parse_args()
    BINARY = os.path.abspath(args.binary)
    runner = cc.Runner()
    runner.run_all(globals(), args.k)
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
