"""Ensembles of real wardend processes on 127.0.0.1 under failures (docs/ensemble.md).

Each test starts its own ensemble (scripts/warden_ensemble.py) with a short tickTime, drives it
with kazoo, a client we did not write, and checks what ZooKeeper users rely on: acknowledged
writes survive, a minority cannot commit, sessions and ephemerals survive failover, servers
that fell behind catch up, and every server ends with the same tree (the `hash` digest).
"""

import argparse
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "tests", "compat"))

from kazoo.client import KazooClient  # noqa: E402
from kazoo.retry import KazooRetry  # noqa: E402
import compat_common as cc  # noqa: E402
from warden_ensemble import Ensemble, four_letter  # noqa: E402

TICK = 100  # ms; election timeout is syncLimit (5) ticks .. twice that


def client(ens, ids=None, timeout=6.0):
    zk = KazooClient(hosts=ens.connect_string(ids), timeout=timeout,
                     connection_retry=KazooRetry(max_tries=-1, delay=0.05, max_delay=0.5))
    zk.start(timeout=20)
    return zk


def connected_server(ens, zk):
    """The id of the server `zk` is connected to, or None while its socket is being replaced
    (kazoo closes the old socket before it reports the disconnection)."""
    try:
        port = zk._connection._socket.getpeername()[1]
    except (AttributeError, OSError):
        return None
    for sid in ens.ids:
        if ens.client_port(sid) == port:
            return sid
    raise AssertionError(f"client connected to unknown port {port}")


def digest(ens, sid):
    return four_letter(ens.client_port(sid), "hash").strip()


def wait_converged(ens, ids, timeout=30.0):
    """Every server in `ids` serves (leader, follower or observer) and reports the same last
    zxid and tree digest (content and every Stat)."""
    last = {}

    def same():
        last.clear()
        for sid in ids:
            last[sid] = (ens.mode(sid), digest(ens, sid))
        serving = all(mode in ("leader", "follower", "observer") for mode, _ in last.values())
        values = set(d for _, d in last.values())
        return serving and len(values) == 1 and "" not in values
    try:
        cc.wait_until(same, timeout, interval=0.1, what="identical trees")
    except AssertionError:
        raise AssertionError(f"trees differ: {last}")


def children_on(ens, sid, path):
    zk = KazooClient(hosts=f"127.0.0.1:{ens.client_port(sid)}", timeout=6.0)
    zk.start(timeout=20)
    try:
        zk.sync(path)
        return set(zk.get_children(path))
    finally:
        zk.stop()
        zk.close()


def no_session_within(ens, ids, seconds):
    """True when no client can open a session on `ids` within `seconds`."""
    zk = KazooClient(hosts=ens.connect_string(ids), timeout=2.0,
                     connection_retry=KazooRetry(max_tries=3, delay=0.1))
    try:
        zk.start(timeout=seconds)
        return False
    except Exception:  # noqa: BLE001 - the expected outcome
        return True
    finally:
        zk.stop()
        zk.close()


class Writer(threading.Thread):
    """Creates /load/w-<n> in a loop; records which creates were acknowledged."""

    def __init__(self, ens, name):
        super().__init__(daemon=True)
        self.ens = ens
        self.name_prefix = name
        self.acked = []
        self.errors = 0
        self.stop_flag = threading.Event()
        self.ack_times = []

    hosts = None

    def run(self):
        zk = client(self.ens, self.hosts)
        n = 0
        try:
            while not self.stop_flag.is_set() and n < 100000:
                name = f"{self.name_prefix}-{n}"
                n += 1
                issued = time.monotonic()
                try:
                    zk.create(f"/load/{name}", b"v")
                    self.acked.append(name)
                    self.ack_times.append((issued, time.monotonic()))
                except Exception:  # noqa: BLE001 - connection loss during failover
                    self.errors += 1
                    time.sleep(0.01)
        finally:
            zk.stop()
            zk.close()


def kill_leader_under_load(voters):
    with Ensemble(voters, tick_time=TICK) as ens:
        ens.start()
        leader = ens.wait_leader(30)
        ens.wait_ready(30)
        zk = client(ens)
        zk.create("/load")
        zk.stop()
        writers = [Writer(ens, f"w{i}") for i in range(3)]
        for w in writers:
            w.start()
        cc.wait_until(lambda: all(len(w.acked) >= 50 for w in writers), 30, what="load")
        killed_at = time.monotonic()
        ens.kill(leader)
        survivors = [s for s in ens.ids if s != leader]
        new_leader = ens.wait_leader(30, survivors)
        cc.check(new_leader != leader, "a new leader")
        # Time from the kill to the first acknowledgement of a write issued after it.
        cc.wait_until(lambda: any(i > killed_at for w in writers for i, _ in w.ack_times), 30,
                      what="a write issued after the kill")
        first = min(a for w in writers for i, a in w.ack_times if i > killed_at)
        print(f"  {voters} servers: leader {leader} killed; server {new_leader} leads; first write "
              f"acknowledged {1000 * (first - killed_at):.0f} ms after the kill "
              f"(election timeout {5 * TICK}-{10 * TICK} ms)")
        time.sleep(0.5)
        for w in writers:
            w.stop_flag.set()
        for w in writers:
            w.join(30)
        acked = set(name for w in writers for name in w.acked)
        ens.start(leader)
        ens.wait_ready(30)
        for sid in ens.ids:
            present = children_on(ens, sid, "/load")
            missing = acked - present
            cc.check(not missing, f"server {sid} lost {len(missing)} acknowledged writes, "
                                  f"e.g. {sorted(missing)[:5]}")
        wait_converged(ens, ens.ids)
        print(f"  {len(acked)} acknowledged writes on all {voters} servers")


def test_kill_leader_3():
    kill_leader_under_load(3)


def test_kill_leader_5():
    kill_leader_under_load(5)


def test_minority_cannot_commit():
    with Ensemble(3, tick_time=TICK) as ens:
        ens.start()
        ens.wait_leader(30)
        ens.wait_ready(30)
        zk = client(ens)
        zk.create("/m", b"before")
        zk.stop()
        lone = ens.ids[0]
        for sid in ens.ids[1:]:
            ens.kill(sid)
        # The lone server loses its leader (or steps down) and refuses clients.
        cc.wait_until(lambda: ens.mode(lone) == "looking", 30, what="lone server looking")
        cc.check(no_session_within(ens, [lone], 3), "no session on a lone server")
        for sid in ens.ids[1:]:
            ens.start(sid)
        ens.wait_leader(30)
        ens.wait_ready(30)
        zk = client(ens)
        cc.eq(zk.get("/m")[0], b"before", "data written before the partition")
        cc.check(zk.exists("/m/minority") is None, "the minority's write never appears")
        zk.stop()
        wait_converged(ens, ens.ids)


def test_restart_whole_ensemble():
    with Ensemble(3, tick_time=TICK, extra_config={"snapCount": "300"}) as ens:
        ens.start()
        ens.wait_leader(30)
        ens.wait_ready(30)
        zk = client(ens)
        zk.create("/r")
        for i in range(700):  # past snapCount: snapshots and log both hold data
            zk.create(f"/r/n{i:04d}", str(i).encode())
        zk.set("/r/n0005", b"changed")
        zk.stop()
        wait_converged(ens, ens.ids)
        before = digest(ens, ens.ids[0])
        codes = ens.stop()
        cc.eq(set(codes.values()), {0}, "clean exits")
        ens.start()
        ens.wait_leader(30)
        ens.wait_ready(30)
        zk = client(ens)
        cc.eq(len(zk.get_children("/r")), 700, "children after restart")
        cc.eq(zk.get("/r/n0005")[0], b"changed", "data after restart")
        zk.stop()
        wait_converged(ens, ens.ids)
        after = digest(ens, ens.ids[0])
        # Restarted servers add one no-op per new term only; the tree itself is unchanged.
        cc.eq(after.split(": ")[1], before.split(": ")[1], "tree digest across restart")


def test_paused_follower_catches_up_by_snapshot():
    with Ensemble(3, tick_time=TICK, extra_config={"snapCount": "100",
                                                   "autopurge.snapRetainCount": "3"}) as ens:
        ens.start()
        leader = ens.wait_leader(30)
        ens.wait_ready(30)
        follower = next(s for s in ens.ids if s != leader)
        ens.pause(follower)
        zk = client(ens, [s for s in ens.ids if s != follower])
        zk.create("/s")
        for i in range(1200):
            zk.create(f"/s/n{i}", b"x" * 20)
        zk.stop()
        # The others compacted their logs past what the follower has.
        cc.wait_until(lambda: int(ens.mntr(leader).get("warden_log_first_index", "0")) > 10,
                      30, what="leader log compaction")
        ens.resume(follower)
        cc.wait_until(lambda: "installed the leader's snapshot" in open(ens.log_path(follower)).read(),
                      30, what="snapshot install on the resumed follower")
        cc.eq(len(children_on(ens, follower, "/s")), 1200, "children on the resumed follower")
        wait_converged(ens, ens.ids)


def test_session_and_ephemeral_survive_failover():
    with Ensemble(3, tick_time=TICK) as ens:
        ens.start()
        ens.wait_leader(30)
        ens.wait_ready(30)
        zk = client(ens, timeout=8.0)
        session = zk.client_id[0]
        zk.create("/eph", b"mine", ephemeral=True)
        events = []
        zk.add_listener(lambda state: events.append(state))
        victim = connected_server(ens, zk)
        cc.check(victim is not None, "client connected before the kill")
        ens.kill(victim)
        cc.wait_until(lambda: zk.connected and connected_server(ens, zk) not in (None, victim), 30,
                      what="reconnect to another server")
        cc.eq(zk.client_id[0], session, "session id after failover")
        cc.eq(zk.get("/eph")[0], b"mine", "ephemeral after failover")
        cc.check("LOST" not in [str(e) for e in events], f"session not lost: {events}")
        # Seen from another client on another server, the ephemeral is still there...
        other = client(ens, [s for s in ens.ids if s != victim])
        cc.check(other.exists("/eph") is not None, "ephemeral visible to others")
        owner = other.exists("/eph").ephemeralOwner
        cc.eq(owner, session, "ephemeral owner")
        # ...and goes when the session closes.
        zk.stop()
        zk.close()
        cc.wait_until(lambda: other.exists("/eph") is None, 10, what="ephemeral removed")
        other.stop()
        ens.start(victim)
        ens.wait_ready(30)
        wait_converged(ens, ens.ids)


def test_expired_session_removes_ephemerals_everywhere():
    with Ensemble(3, tick_time=TICK) as ens:
        ens.start()
        leader = ens.wait_leader(30)
        ens.wait_ready(30)
        follower = next(s for s in ens.ids if s != leader)
        # A session on a follower: the leader decides its expiry from the follower's reports.
        zk = client(ens, [follower], timeout=2.0)
        zk.create("/lived", ephemeral=True)
        time.sleep(3 * 2.0)  # pings through the follower keep it alive past its timeout
        watcher = client(ens, [leader])
        cc.check(watcher.exists("/lived") is not None, "session kept alive by its pings")
        ens.pause(follower)
        cc.wait_until(lambda: watcher.exists("/lived") is None, 20, what="expiry")
        ens.resume(follower)
        watcher.stop()
        zk.stop()
        zk.close()
        wait_converged(ens, ens.ids)


def test_observer_serves_reads_and_forwards_writes():
    with Ensemble(3, observers=1, tick_time=TICK) as ens:
        ens.start()
        ens.wait_leader(30)
        ens.wait_ready(30)
        observer = 4
        cc.eq(ens.mode(observer), "observer", "observer mode")
        zk = client(ens, [observer])
        zk.create("/obs", b"via observer")
        cc.eq(zk.get("/obs")[0], b"via observer", "read on the observer")
        voter_view = client(ens, [1])
        voter_view.sync("/obs")
        cc.eq(voter_view.get("/obs")[0], b"via observer", "write visible on a voter")
        voter_view.stop()
        # The observer does not count for quorum: with two voters gone, nothing commits.
        leader = ens.leader()
        others = [s for s in (1, 2, 3) if s != leader]
        ens.kill(others[0])
        zk.create("/obs/one-voter-down")  # two of three voters still form a majority
        ens.kill(others[1])
        zk.stop()
        zk.close()
        cc.wait_until(lambda: ens.mode(observer) == "looking", 30,
                      what="observer without a quorum stops serving")
        cc.check(no_session_within(ens, [observer], 3), "no session without a quorum")
        ens.start(others[0])
        ens.start(others[1])
        ens.wait_leader(30)
        ens.wait_ready(30)
        check = client(ens, [1, 2, 3])
        cc.check(check.exists("/obs/one-voter-down") is not None, "majority write kept")
        check.stop()
        wait_converged(ens, ens.ids)


def test_read_only_mode_without_quorum():
    from kazoo.exceptions import NotReadOnlyCallError
    with Ensemble(3, tick_time=TICK, extra_config={"readonlymode.enabled": "true"}) as ens:
        ens.start()
        ens.wait_leader(30)
        ens.wait_ready(30)
        zk = client(ens)
        zk.create("/ro", b"committed")
        zk.stop()
        zk.close()
        lone = ens.ids[0]
        for sid in ens.ids[1:]:
            ens.kill(sid)
        cc.wait_until(lambda: four_letter(ens.client_port(lone), "isro") == "ro", 30,
                      what="isro says ro")
        cc.check(no_session_within(ens, [lone], 2), "a client that did not ask for read-only "
                                                    "gets no session")
        ro = KazooClient(hosts=ens.connect_string(), timeout=4.0, read_only=True,
                         connection_retry=KazooRetry(max_tries=-1, delay=0.05, max_delay=0.5))
        ro.start(timeout=20)
        cc.eq(ro.client_state, "CONNECTED_RO", "kazoo sees a read-only connection")
        cc.eq(ro.get("/ro")[0], b"committed", "reads in read-only mode")
        try:
            ro.create("/ro/write")
            raise AssertionError("a write succeeded in read-only mode")
        except NotReadOnlyCallError:
            pass
        for sid in ens.ids[1:]:
            ens.start(sid)
        ens.wait_leader(30)
        cc.wait_until(lambda: four_letter(ens.client_port(lone), "isro") == "rw", 30,
                      what="isro says rw")
        # kazoo looks for a read-write server in the background and moves there.
        cc.wait_until(lambda: ro.client_state == "CONNECTED", 60, interval=0.2,
                      what="client back in read-write mode")
        ro.retry(ro.create, "/ro/write", b"after")
        cc.eq(ro.get("/ro/write")[0], b"after", "write after quorum returned")
        ro.stop()
        ro.close()
        wait_converged(ens, ens.ids)


def super_client(ens, ids):
    zk = client(ens, ids)
    zk.add_auth("digest", "super:secret")
    return zk


SUPER = {"reconfigEnabled": "true",
         # base64(sha1("super:secret"))
         "DigestAuthenticationProvider.superDigest": "super:lK75jTNcA+U9vtVEw5vB51mj/w4="}


def test_reconfig_adds_and_removes_servers_under_load():
    from kazoo.exceptions import NoAuthError
    with Ensemble(3, tick_time=TICK, spares=1, extra_config=SUPER) as ens:
        ens.start()
        ens.wait_leader(30, [1, 2, 3])
        ens.wait_ready(30)
        plain = client(ens, [1, 2, 3])
        plain.create("/load")
        try:
            plain.reconfig(joining=ens.server_spec(4), leaving=None, new_members=None)
            raise AssertionError("reconfig without super succeeded")
        except NoAuthError:
            pass
        plain.stop()
        writers = [Writer(ens, f"w{i}") for i in range(2)]
        for w in writers:
            w.hosts = [1, 2, 3]
            w.start()
        ens.start(4)
        admin = super_client(ens, [1, 2, 3])
        data, stat = admin.reconfig(joining=ens.server_spec(4), leaving=None, new_members=None)
        cc.check(b"server.4=" in data, f"reconfig answer lists the joiner: {data!r}")
        cc.wait_until(lambda: ens.mode(4) in ("follower", "leader"), 30, what="server 4 a voter")
        leader = ens.wait_leader(30)
        cc.wait_until(lambda: ens.mntr(ens.leader() or leader).get("zk_followers") == "3", 30,
                      what="the leader counts three followers")
        # Remove a server that is not the leader's, then the leader itself. The admin talks to
        # servers that stay: a server being removed may drop its clients' connections before
        # it applies the change (the outcome is then unknown to the client, as with any
        # connection loss).
        leader = ens.wait_leader(30)
        victim = next(s for s in (1, 2, 3) if s != leader)
        remaining = [s for s in (1, 2, 3, 4) if s not in (victim, leader)]
        admin.stop()
        admin = super_client(ens, remaining)
        data, _ = admin.reconfig(joining=None, leaving=str(victim), new_members=None)
        cc.check(f"server.{victim}=".encode() not in data, f"{victim} gone from {data!r}")
        data, _ = admin.reconfig(joining=None, leaving=str(leader), new_members=None)
        new_leader = ens.wait_leader(30, remaining)
        cc.check(new_leader in remaining, "a remaining server leads")
        # The non-incremental form, and the version check of curConfigId.
        from kazoo.exceptions import BadVersionError
        admin.stop()
        admin = super_client(ens, remaining)
        _, stat = admin.get("/zookeeper/config")
        try:
            admin.reconfig(joining=None, leaving=None,
                           new_members=",".join(ens.server_spec(s) for s in remaining),
                           from_config=stat.mzxid + 12345)
            raise AssertionError("a stale config version was accepted")
        except BadVersionError:
            pass
        data, _ = admin.reconfig(joining=None, leaving=None,
                                 new_members=",".join(ens.server_spec(s) for s in remaining),
                                 from_config=stat.mzxid)
        cc.eq(sorted(l.split("=")[0] for l in data.decode().splitlines() if l.startswith("server.")),
              [f"server.{s}" for s in remaining], "members after the non-incremental reconfig")
        admin.stop()
        time.sleep(1.0)
        for w in writers:
            w.stop_flag.set()
        for w in writers:
            w.join(30)
        acked = set(name for w in writers for name in w.acked)
        cc.check(len(acked) > 100, f"writes went on during the changes ({len(acked)})")
        for sid in remaining:
            present = children_on(ens, sid, "/load")
            cc.check(not (acked - present), f"server {sid} lost acknowledged writes")
        wait_converged(ens, remaining)
        final = client(ens, remaining)
        config, _ = final.get("/zookeeper/config")
        final.stop()
        for sid in remaining:
            cc.check(f"server.{sid}=".encode() in config, f"{sid} in the final config")
        for sid in (victim, leader):
            cc.check(f"server.{sid}=".encode() not in config, f"{sid} not in the final config")
        print(f"  joined 4, removed {victim} and the leader {leader}; {len(acked)} writes "
              f"acknowledged meanwhile, all present on {remaining}")


def test_concurrent_sessions_get_distinct_ids():
    """Sessions opened at once through every server get distinct ids, each in its server's
    id space (the top byte), also after the servers applied each other's sessions."""
    import collections
    import zkwire
    with Ensemble(3, tick_time=TICK) as ens:
        ens.start()
        ens.wait_leader(30)
        ens.wait_ready(30)
        ids = collections.defaultdict(list)
        lock = threading.Lock()

        def open_session(i, sid):
            s = zkwire.WireSession(ens.client_port(sid), timeout_ms=4000, sock_timeout=10.0)
            try:
                r = s.connect()
                with lock:
                    ids[r.session_id].append(sid)
            finally:
                s.close()
        for wave in range(3):
            threads = [threading.Thread(target=open_session, args=(i, 1 + i % 3))
                       for i in range(30)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        shared = {hex(k): v for k, v in ids.items() if len(v) > 1}
        cc.check(not shared, f"session ids given twice: {shared}")
        cc.eq(len(ids), 90, "sessions opened")
        for session_id, servers in ids.items():
            cc.eq(session_id >> 56, servers[0], f"id space of {session_id:#x}")


def test_graceful_stop_hands_over_leadership():
    with Ensemble(3, tick_time=TICK) as ens:
        ens.start()
        leader = ens.wait_leader(30)
        ens.wait_ready(30)
        started = time.monotonic()
        codes = ens.stop(leader)
        cc.eq(codes[leader], 0, "clean exit")
        log = open(ens.log_path(leader)).read()
        cc.check("handing leadership to" in log, "the leader handed over leadership")
        survivors = [s for s in ens.ids if s != leader]
        new_leader = ens.wait_leader(30, survivors)
        print(f"  leadership moved from {leader} to {new_leader} in "
              f"{1000 * (time.monotonic() - started):.0f} ms (stop included)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-k", help="run only tests whose name contains this")
    args = parser.parse_args()
    runner = cc.Runner()
    runner.run_all(globals(), args.k)
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
