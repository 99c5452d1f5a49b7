#!/usr/bin/python3
"""Warden against Apache ZooKeeper, side by side, on this machine.

Starts wardend and Apache ZooKeeper 3.8 (Debian's `zookeeper` package; installed by
scripts/install-deps) through tests/compat/harness.py on free 127.0.0.1 ports, both with their
data directories on the same disk (--data-root, default the system temp dir), fsync on for both
(forceSync=yes, each server's default) and the same zoo.cfg otherwise. ZooKeeper's JVM heap is
--jvm-heap (default 1000m, zkServer.sh's own default) and is printed with the results.

Every figure is measured `--rounds` times alternating the two servers (W Z, then Z W, ...) and
reported as the median with the min..max spread; ratios are Warden / ZooKeeper of the medians.
Rows: write (create, set) and read (get, exists, children) throughput and p50/p99/p99.9 latency,
latency-bound (1 session x 1 in flight) and throughput-bound (--sessions x --inflight); resident
memory per znode after loading --znodes znodes of 100 bytes (VmRSS growth over the empty server,
each the median of samples over 3 s),
on-disk size of the data dir, restart time to serving (SIGKILL, start, first successful read),
watch fan-out latency to --watchers watchers; then the machine's physical limits: fsync latency
of the data disk, the loopback round trip and request rate of a trivial echo server driven by the
same client.

Ensemble rows (--rows ensemble): a 3-server Warden ensemble (scripts/warden_ensemble.py) and a
3-server ZooKeeper ensemble (QuorumPeerMain), both on 127.0.0.1 with the same tickTime 2000,
initLimit 10, syncLimit 5, fsync on, one data dir per server under --data-root. Each round starts
a fresh ensemble of one kind, then of the other (W Z, then Z W, ...), and measures with
warden-bench against all three servers (sessions round-robin, followers first in the connect
string, so a single session talks to a follower): create and set throughput at 1x1 and at
--sessions x --inflight, get at --sessions x --inflight, set p50/p99/p99.9 there; set throughput
with one follower killed (kill -9, the leader found by `srvr` Mode) against the two that remain;
then, with that follower back, the time from kill -9 of the leader to the first successful
create by a client on a surviving follower that retries (reconnect with its session, create)
in a tight loop, each attempt bounded by --failover-timeout.

    /usr/bin/python3 bench/compare.py                    # moderate sizes, a few minutes
    /usr/bin/python3 bench/compare.py --znodes 1000000 --watchers 10000 --jvm-heap 2g
    /usr/bin/python3 bench/compare.py --quick            # seconds, for a CI smoke
    /usr/bin/python3 bench/compare.py --rows state --znodes 1000000 --jvm-heap 2g
                                                         # memory, disk and restart rows only

Nothing here passes or fails on a figure; it exits non-zero only when a run breaks.
"""

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "compat"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import harness  # noqa: E402
import warden_ensemble  # noqa: E402

KINDS = ("warden", "zookeeper")


class _HeapPopen:
    """Stands in for the subprocess module inside harness.py so that the ZooKeeper JVM gets our
    -Xmx instead of harness.py's fixed -Xmx512m. Everything else is the real module."""

    heap = "1000m"

    def __getattr__(self, name):
        return getattr(subprocess, name)

    def Popen(self, argv, *args, **kwargs):  # noqa: N802 (subprocess's name)
        if argv and argv[0] == "java":
            argv = [a for a in argv if not a.startswith("-Xmx")]
            argv[1:1] = [f"-Xmx{self.heap}"]
        return subprocess.Popen(argv, *args, **kwargs)


harness.subprocess = _HeapPopen()


def server_config():
    # Same keys for both; forceSync (fsync before acknowledging) is on by default in both.
    return {"maxClientCnxns": "0", "forceSync": "yes"}


def bench_path(args):
    if args.bench:
        return args.bench
    for preset in ("release", "debug"):
        candidate = os.path.join(ROOT, "build", preset, "tools", "warden-bench", "warden-bench")
        if os.path.exists(candidate):
            return candidate
    raise SystemExit("warden-bench not found; build it or pass --bench")


class Runner:
    def __init__(self, args):
        self.args = args
        self.bench = bench_path(args)
        self.notes = args.notes
        self.failures = 0

    def bench_run(self, address, label, extra, time_limit=300):
        argv = [self.bench, "--servers", address, "--json", "--no-progress",
                "--time-limit", str(time_limit)] + [str(x) for x in extra]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=time_limit + 60)
        with open(os.path.join(self.notes, "runs.txt"), "a") as f:
            f.write(f"## {label}\n$ {' '.join(argv)}\n{proc.stderr}{proc.stdout}\n")
        lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
        if proc.returncode != 0 or not lines:
            self.failures += 1
            print(f"  run failed: {label} (exit {proc.returncode}); see notes", file=sys.stderr)
            return None
        result = json.loads(lines[-1])
        if result.get("errors_total"):
            print(f"  {label}: errors {result['errors']}", file=sys.stderr)
        return result


def alternate(rounds):
    """The server order per round: W Z, Z W, W Z, ..."""
    return [KINDS if r % 2 == 0 else KINDS[::-1] for r in range(rounds)]


def median_spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return (statistics.median(values), min(values), max(values))


# ---- load: throughput and latency -----------------------------------------------------------

WORKLOADS = [("create", "write"), ("set", "write"), ("get", "read"), ("exists", "read"),
             ("children", "read")]
LATENCY_KEYS = [("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")]


def measure_load(runner, servers, rows):
    a = runner.args
    points = [("1x1", 1, 1), (f"{a.sessions}x{a.inflight}", a.sessions, a.inflight)]
    for point, sessions, inflight in points:
        for workload, _ in WORKLOADS:
            samples = {k: [] for k in KINDS}
            for order in alternate(a.rounds):
                for kind in order:
                    extra = ["--workload", workload, "--sessions", sessions, "--inflight",
                             inflight, "--duration", a.duration, "--warmup", a.warmup,
                             "--keys", a.keys, "--children", a.children, "--value-size", 100]
                    label = f"{kind} {workload} {point}"
                    samples[kind].append(runner.bench_run(servers[kind].address, label, extra))
            print(f"  {workload:8} {point:6} done", file=sys.stderr)
            add_load_rows(rows, workload, point, samples)


def add_load_rows(rows, workload, point, samples):
    def pick(kind, f):
        return [f(r) for r in samples[kind] if r is not None]
    rows.append((f"{workload} ops/s {point}", "ops/s", "higher",
                 {k: pick(k, lambda r: r["ops_per_s"]) for k in KINDS}))
    for key, name in LATENCY_KEYS:
        rows.append((f"{workload} {name} {point}", "us", "lower",
                     {k: pick(k, lambda r, key=key: r["latency_us"][key]) for k in KINDS}))


# ---- memory, disk, restart ------------------------------------------------------------------

def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def steady_rss_kb(pid, seconds=3.0, interval=0.25):
    """The median of VmRSS samples over `seconds`: the resident size the server settles at, not a
    transient buffer of background work (Warden's snapshot purge reads each retained snapshot
    file once, which can add one file's size for a fraction of a second)."""
    samples = []
    for _ in range(max(1, int(seconds / interval))):
        samples.append(vm_rss_kb(pid))
        time.sleep(interval)
    return int(statistics.median(samples))


def disk_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total


def read_once(port, path, timeout=1.0):
    """One session, one getData(path); True when it answers OK."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            body = struct.pack(">iqiqi16s?", 0, 0, 10000, 0, 16, b"\0" * 16, False)
            s.sendall(struct.pack(">i", len(body)) + body)
            harness._recv_frame(s)
            p = path.encode()
            req = struct.pack(">iii", 1, 4, len(p)) + p + b"\0"
            s.sendall(struct.pack(">i", len(req)) + req)
            xid, _, err = struct.unpack(">iqi", harness._recv_frame(s)[:16])
            return xid == 1 and err == 0
    except (OSError, struct.error, ConnectionError):
        return False


def time_to_serving(server, probe_path, limit=300.0):
    start = time.monotonic()
    server.start(timeout=limit)
    while time.monotonic() - start < limit:
        if read_once(server.port, probe_path):
            return time.monotonic() - start
        time.sleep(0.01)
    return None


def measure_state(runner, data_root, rows):
    a = runner.args
    per_znode, disk, restart = {}, {}, {k: [] for k in KINDS}
    servers, probe = {}, {}
    try:
        for kind in KINDS:
            s = harness.Server(kind, extra_config=server_config(),
                               data_dir=tempfile.mkdtemp(prefix=f"wd-state-{kind}-",
                                                         dir=data_root))
            servers[kind] = s.start(timeout=120)
            harness.wait_for_session(s.port)
            time.sleep(1.0)
            empty = steady_rss_kb(s.proc.pid)
            sessions = 8
            r = runner.bench_run(s.address, f"{kind} load {a.znodes}",
                                 ["--workload", "create", "--count", a.znodes, "--sessions",
                                  sessions, "--inflight", 64, "--value-size", 100,
                                  "--root", "/load"], time_limit=1800)
            time.sleep(1.0)
            loaded = steady_rss_kb(s.proc.pid)
            per_znode[kind] = [(loaded - empty) * 1024 / a.znodes]
            disk[kind] = [disk_bytes(os.path.join(s.dir, "data"))]
            with open(os.path.join(runner.notes, "runs.txt"), "a") as f:
                f.write(f"## {kind} memory: VmRSS empty {empty} kB, loaded {loaded} kB; "
                        f"load rate {r and round(r['ops_per_s'])} creates/s\n")
            probe[kind] = "/load"
        for order in alternate(a.rounds):
            for kind in order:
                s = servers[kind]
                s.kill()
                restart[kind].append(time_to_serving(s, probe[kind]))
        print("  memory, disk, restart done", file=sys.stderr)
    finally:
        for s in servers.values():
            s.stop()
            shutil.rmtree(s.dir, ignore_errors=True)
    rows.append((f"RSS growth / znode ({a.znodes} x 100 B)", "bytes", "lower", per_znode))
    rows.append((f"data dir on disk ({a.znodes} znodes)", "MB", "lower",
                 {k: [v / 1e6 for v in disk[k]] for k in KINDS}))
    rows.append((f"restart to 1st read ({a.znodes} znodes)", "s", "lower", restart))


# ---- watch fan-out ----------------------------------------------------------------------------

def measure_fanout(runner, servers, rows):
    a = runner.args
    last = {k: [] for k in KINDS}
    for order in alternate(a.rounds):
        for kind in order:
            r = runner.bench_run(servers[kind].address, f"{kind} watch-fanout {a.watchers}",
                                 ["--workload", "watch-fanout", "--watchers", a.watchers,
                                  "--count", a.fanout_rounds, "--warmup", 0])
            if r is not None:
                last[kind].append(r["latency_us"]["p50"] / 1000.0)
    print("  watch fan-out done", file=sys.stderr)
    rows.append((f"fan-out to {a.watchers} watchers (last, p50)", "ms", "lower",
                 last))


# ---- ensemble: 3 servers ----------------------------------------------------------------------

ENSEMBLE_TIMING = {"tickTime": 2000, "initLimit": 10, "syncLimit": 5}


class ZooKeeperEnsemble(warden_ensemble.Ensemble):
    """Three Apache ZooKeeper servers (QuorumPeerMain) on 127.0.0.1, laid out like the Warden
    Ensemble (one folder per server with zoo.cfg, data/myid and the log) so that the same
    start/stop/kill/mode/wait_leader code drives both."""

    def __init__(self, base_dir, heap):
        self.heap = heap
        super().__init__(3, base_dir=base_dir, tick_time=ENSEMBLE_TIMING["tickTime"],
                         sync_limit=ENSEMBLE_TIMING["syncLimit"], wardend="java")

    def log_path(self, sid):
        return os.path.join(self.dir(sid), "zookeeper.log")

    def config(self, sid, data):
        config = {
            "tickTime": ENSEMBLE_TIMING["tickTime"],
            "initLimit": ENSEMBLE_TIMING["initLimit"],
            "syncLimit": ENSEMBLE_TIMING["syncLimit"],
            "dataDir": data,
            "clientPort": self.client_port(sid),
            "clientPortAddress": "127.0.0.1",
            "admin.enableServer": "false",
            "4lw.commands.whitelist": "*",
        }
        config.update(server_config())
        return config

    def server_spec(self, sid):
        _, peer, election = self.ports[sid]
        return f"server.{sid}=127.0.0.1:{peer}:{election}"

    def start(self, sid=None):
        for s in ([sid] if sid is not None else self.ids):
            if s in self.procs and self.procs[s].poll() is None:
                continue
            log = open(self.log_path(s), "ab")
            argv = ["java", "-cp", harness.ZK_CLASSPATH, f"-Xmx{self.heap}",
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                    os.path.join(self.dir(s), "zoo.cfg")]
            self.procs[s] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()


def make_ensemble(kind, args):
    base = tempfile.mkdtemp(prefix=f"wd-ens-{kind}-", dir=args.data_root)
    if kind == "warden":
        e = warden_ensemble.Ensemble(3, base_dir=base, tick_time=ENSEMBLE_TIMING["tickTime"],
                                     sync_limit=ENSEMBLE_TIMING["syncLimit"],
                                     extra_config={**server_config(),
                                                   "initLimit": ENSEMBLE_TIMING["initLimit"]})
    else:
        e = ZooKeeperEnsemble(base, args.jvm_heap)
    e.own_dir = False
    return e


def ensemble_ready(e, ids=None, limit=120.0):
    """A leader, every listed server serving as leader or follower, and each accepting a
    session; bounded by `limit` seconds in all. Returns the leader's id."""
    ids = ids or [s for s in e.ids if e.running(s)]
    deadline = time.monotonic() + limit
    leader = e.wait_leader(timeout=limit, ids=ids)
    while time.monotonic() < deadline:
        modes = [e.mode(s) for s in ids]
        if all(m in ("leader", "follower") for m in modes):
            break
        time.sleep(0.05)
    else:
        raise TimeoutError(f"ensemble not ready within {limit}s; logs in {e.base}")
    for s in ids:
        harness.wait_for_session(e.client_port(s), timeout=max(1.0, deadline - time.monotonic()))
    return leader


def followers_first(e, leader, ids=None):
    """The connect string with the followers first and the leader last: a single session
    (1x1) then talks to a follower, and with 32 sessions the leader gets the smaller share,
    the same for both servers whichever id is leader."""
    ids = [s for s in (ids or e.ids) if s != leader] + ([leader] if leader in (ids or e.ids)
                                                           else [])
    return e.connect_string(ids)


class RawSession:
    """A minimal ZooKeeper-protocol client for the fail-over probe: connect (or reconnect with
    the same session), create, each with a short timeout."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.sock = None
        self.session_id, self.passwd = 0, b"\0" * 16
        self.xid = 0

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def connect(self, port):
        self.close()
        s = socket.create_connection(("127.0.0.1", port), timeout=self.timeout)
        try:
            s.settimeout(self.timeout)
            body = struct.pack(">iqiqi", 0, 0, 30000, self.session_id, len(self.passwd)) + \
                self.passwd + b"\0"
            s.sendall(struct.pack(">i", len(body)) + body)
            resp = harness._recv_frame(s)
            _, _, session_id, plen = struct.unpack(">iiqi", resp[:20])
            if session_id == 0:  # expired: the next attempt starts a new session
                self.session_id, self.passwd = 0, b"\0" * 16
                raise ConnectionError("session expired")
            self.session_id, self.passwd = session_id, resp[20:20 + plen]
        except BaseException:
            s.close()
            raise
        self.sock = s

    def create(self, path):
        """Returns the error code of create(path, 100 B, open ACL, persistent)."""
        self.xid += 1
        p = path.encode()
        acl = struct.pack(">iii", 1, 31, 5) + b"world" + struct.pack(">i", 6) + b"anyone"
        req = struct.pack(">iii", self.xid, 1, len(p)) + p + struct.pack(">i", 100) + \
            b"x" * 100 + acl + struct.pack(">i", 0)
        self.sock.sendall(struct.pack(">i", len(req)) + req)
        while True:
            xid, _, err = struct.unpack(">iqi", harness._recv_frame(self.sock)[:16])
            if xid == self.xid:
                return err
            # anything else (a watch event, a ping reply) is skipped


def failover_to_first_write(e, leader, client_sid, tag, timeout, limit):
    """kill -9 the leader; a client on server `client_sid` (a follower that survives), with its
    session established before, retries create in a tight loop, each attempt (reconnect and
    create) bounded by `timeout` s. Returns the seconds from the kill to the first create that
    answers OK, or None after `limit` s."""
    port = e.client_port(client_sid)
    c = RawSession(timeout)
    try:
        c.connect(port)
        if c.create(f"/failover-{tag}-base") != 0:
            return None
        e.kill(leader)
        start = time.monotonic()
        attempt = 0
        while time.monotonic() - start < limit:
            attempt += 1
            try:
                if c.sock is None:
                    c.connect(port)
                if c.create(f"/failover-{tag}-{attempt}") == 0:
                    return time.monotonic() - start
                time.sleep(0.005)  # an error answer (e.g. connection loss code): retry
            except (OSError, ConnectionError, struct.error):
                c.close()
                time.sleep(0.005)
        return None
    finally:
        c.close()


ENSEMBLE_LOADS = [("create", "1x1"), ("create", "NxM"), ("set", "1x1"), ("set", "NxM"),
                  ("get", "NxM")]


def measure_ensemble(runner, rows):
    a = runner.args
    nxm = f"{a.sessions}x{a.inflight}"
    size = {"1x1": (1, 1), "NxM": (a.sessions, a.inflight)}
    samples = {}   # row name -> {kind: [values]}

    def add(name, kind, value):
        samples.setdefault(name, {k: [] for k in KINDS})[kind].append(value)

    def load(kind, servers, workload, point, label):
        sessions, inflight = size[point]
        r = runner.bench_run(servers, f"{kind} ensemble {label}",
                             ["--workload", workload, "--sessions", sessions, "--inflight",
                              inflight, "--duration", a.duration, "--warmup", a.warmup,
                              "--keys", a.keys, "--value-size", 100])
        return r

    for rnd, order in enumerate(alternate(a.rounds)):
        for kind in order:
            e = make_ensemble(kind, a)
            try:
                e.start()
                leader = ensemble_ready(e)
                servers = followers_first(e, leader)
                for workload, point in ENSEMBLE_LOADS:
                    name = point.replace("NxM", nxm)
                    r = load(kind, servers, workload, point, f"{workload} {name}")
                    add(f"{workload} ops/s {name}", kind, r and r["ops_per_s"])
                    if workload == "set" and point == "NxM":
                        for key, lname in LATENCY_KEYS:
                            add(f"set {lname} {name}", kind, r and r["latency_us"][key])
                # one follower down (kill -9), the load on the two that remain
                follower = next(s for s in e.ids if s != leader)
                e.kill(follower)
                alive = [s for s in e.ids if s != follower]
                r = load(kind, followers_first(e, leader, alive), "set", "NxM",
                         f"set {nxm}, follower {follower} down")
                add(f"set ops/s {nxm}, 1 follower down", kind, r and r["ops_per_s"])
                # it comes back and catches up; then kill -9 the leader
                e.start(follower)
                leader = ensemble_ready(e)
                time.sleep(2.0)
                client = next(s for s in e.ids if s != leader)
                t = failover_to_first_write(e, leader, client, f"{kind}-{rnd}",
                                            a.failover_timeout, a.failover_limit)
                add("leader kill -9 -> 1st write", kind, t)
                with open(os.path.join(runner.notes, "runs.txt"), "a") as f:
                    f.write(f"## {kind} ensemble round {rnd}: leader {leader} killed, client on "
                            f"server {client}, first write after {t} s\n")
            finally:
                e.stop(timeout=20.0)
                shutil.rmtree(e.base, ignore_errors=True)
            print(f"  ensemble round {rnd + 1} {kind} done", file=sys.stderr)
    for name, by_kind in samples.items():
        unit, better = (("ops/s", "higher") if "ops/s" in name else
                        ("s", "lower") if "->" in name else ("us", "lower"))
        rows.append((name, unit, better, {k: [x for x in v if x is not None]
                                          for k, v in by_kind.items()}))


# ---- physical limits --------------------------------------------------------------------------

def fsync_latency_us(directory, count, preallocate):
    """p50 and p99 of write(100 B) + fdatasync: appending to a growing file (the size changes,
    so the file system journals metadata too), or overwriting a preallocated one."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    samples = []
    try:
        if preallocate:
            os.write(fd, b"\0" * (count * 100 + 4096))
            os.fsync(fd)
            os.lseek(fd, 0, os.SEEK_SET)
        for _ in range(count):
            start = time.perf_counter_ns()
            os.write(fd, b"x" * 100)
            os.fdatasync(fd)
            samples.append((time.perf_counter_ns() - start) / 1000.0)
    finally:
        os.close(fd)
        os.unlink(path)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, len(samples) * 99 // 100)]


def measure_limits(runner, data_root):
    a = runner.args
    limits = {}
    probe_dir = tempfile.mkdtemp(prefix="wd-fsync-", dir=data_root)
    try:
        os.sync()  # let the write-back of the servers' removed data dirs settle first
        time.sleep(1.0)
        limits["fsync_append"] = fsync_latency_us(probe_dir, a.fsyncs, False)
        limits["fsync_overwrite"] = fsync_latency_us(probe_dir, a.fsyncs, True)
        limits["fsync_p50_us"] = min(limits["fsync_append"][0], limits["fsync_overwrite"][0])
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)
    echo = subprocess.Popen([runner.bench, "--echo-server", "0", "--time-limit", "3600"],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        port = int(echo.stdout.readline().split()[1])
        rtt, rate = [], []
        for _ in range(a.rounds):
            r1 = runner.bench_run(f"127.0.0.1:{port}", "echo 1x1",
                                  ["--workload", "exists", "--no-setup", "--duration",
                                   a.duration, "--warmup", a.warmup])
            rn = runner.bench_run(f"127.0.0.1:{port}", f"echo {a.sessions}x{a.inflight}",
                                  ["--workload", "exists", "--no-setup", "--sessions",
                                   a.sessions, "--inflight", a.inflight, "--duration",
                                   a.duration, "--warmup", a.warmup])
            rtt.append(r1 and r1["latency_us"]["p50"])
            rate.append(rn and rn["ops_per_s"])
        limits["rtt_p50_us"] = median_spread(rtt)
        limits["echo_ops"] = median_spread(rate)
    finally:
        echo.terminate()
        echo.wait(timeout=10)
    print("  physical limits done", file=sys.stderr)
    return limits


# ---- output -----------------------------------------------------------------------------------

def fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_cell(stats):
    if stats is None:
        return "-"
    med, lo, hi = stats
    return f"{fmt(med)} [{fmt(lo)}..{fmt(hi)}]"


def print_table(rows):
    header = f"{'metric':38} {'unit':5} {'Warden':>24} {'ZooKeeper':>24} {'W/ZK':>7}  better"
    print(header)
    print("-" * len(header))
    for name, unit, better, samples in rows:
        w = median_spread(samples.get("warden", []))
        z = median_spread(samples.get("zookeeper", []))
        ratio = "-"
        if w and z and z[0]:
            ratio = f"{w[0] / z[0]:.2f}"
        print(f"{name:38} {unit:5} {fmt_cell(w):>24} {fmt_cell(z):>24} {ratio:>7}  {better}")


def print_limits(limits, rows):
    def median_of(name):
        for row in rows:
            if row[0] == name:
                stats = median_spread(row[3].get("warden", []))
                return stats and stats[0]
        return None
    a_point = [r[0] for r in rows if r[0].startswith("exists ops/s ") and "1x1" not in r[0]]
    print()
    print("physical limits of this machine, and Warden against them:")
    for mode, name in (("fsync_append", "appending"), ("fsync_overwrite", "preallocated")):
        p50, p99 = limits[mode]
        print(f"  fsync on the data disk (write 100 B + fdatasync, {name}): p50 {fmt(p50)} us, "
              f"p99 {fmt(p99)} us")
    rtt, echo_ops = limits.get("rtt_p50_us"), limits.get("echo_ops")
    print(f"  loopback round trip (echo server, same client, 1x1): p50 {fmt_cell(rtt)} us")
    print(f"  echo server request rate (same client, throughput point): {fmt_cell(echo_ops)} "
          "ops/s")
    w_exists_p50 = median_of("exists p50 1x1")
    w_create_p50 = median_of("create p50 1x1")
    if rtt and w_exists_p50:
        print(f"  Warden exists p50 at 1x1 = {w_exists_p50 / rtt[0]:.2f} x the echo round trip")
    if rtt and w_create_p50 and limits["fsync_p50_us"]:
        floor = rtt[0] + limits["fsync_p50_us"]
        print(f"  Warden create p50 at 1x1 = {w_create_p50 / floor:.2f} x (round trip + the "
              "faster fsync p50)")
    if echo_ops and a_point:
        w_rate = median_of(a_point[0])
        if w_rate:
            print(f"  Warden exists throughput = {w_rate / echo_ops[0]:.2f} x the echo server's")


def describe_machine(args, data_root):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(x.split(":", 1)[1].strip() for x in f if x.startswith("model name"))
    except (OSError, StopIteration):
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    df = subprocess.run(["df", "-hT", data_root], capture_output=True, text=True).stdout
    fs = df.splitlines()[-1] if df else "?"
    print(f"machine: {cpu}, {os.cpu_count()} cpus, Linux {platform.release()}")
    print(f"data disk ({data_root}): {fs}")
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"ZooKeeper: Debian zookeeper package, {java.splitlines()[0] if java else 'java ?'}, "
          f"heap -Xmx{args.jvm_heap}, G1; both servers: fsync on (forceSync=yes), "
          "snapCount 100000, tickTime 2000")


ROW_GROUPS = ("load", "fanout", "state", "ensemble", "limits")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, seconds in all (CI)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=2.0, help="seconds per measured run")
    p.add_argument("--warmup", type=float, default=0.5)
    p.add_argument("--sessions", type=int, default=32, help="throughput point: sessions")
    p.add_argument("--inflight", type=int, default=16, help="throughput point: per session")
    p.add_argument("--keys", type=int, default=10000)
    p.add_argument("--children", type=int, default=1000)
    p.add_argument("--znodes", type=int, default=200000)
    p.add_argument("--watchers", type=int, default=1000)
    p.add_argument("--fanout-rounds", type=int, default=20)
    p.add_argument("--fsyncs", type=int, default=300)
    p.add_argument("--failover-timeout", type=float, default=0.5,
                   help="ensemble: seconds per attempt (reconnect, create) of the fail-over probe")
    p.add_argument("--failover-limit", type=float, default=120.0,
                   help="ensemble: give up on the first write after a leader kill after this")
    p.add_argument("--jvm-heap", default="1000m")
    p.add_argument("--data-root", default=tempfile.gettempdir())
    p.add_argument("--bench", help="warden-bench binary (default build/*/tools/...)")
    p.add_argument("--notes", help="directory for every run's output (default a new temp dir)")
    p.add_argument("--rows", default=",".join(ROW_GROUPS),
                   help="comma-separated row groups to measure, of: " + ", ".join(ROW_GROUPS) +
                   " (load: throughput and latency; fanout: watch fan-out; state: memory per "
                   "znode, data dir size and restart; ensemble: 3-server ensembles of each, throughput, "
                   "set latency, a follower down, leader fail-over; limits: fsync, loopback, "
                   "echo server)")
    args = p.parse_args()
    args.rows = {x.strip() for x in args.rows.split(",") if x.strip()}
    unknown = args.rows - set(ROW_GROUPS)
    if unknown or not args.rows:
        p.error(f"--rows: unknown group(s) {', '.join(sorted(unknown)) or '(none given)'}; "
                f"choose from {', '.join(ROW_GROUPS)}")
    if args.quick:
        args.rounds, args.duration, args.warmup = 1, 0.3, 0.1
        args.sessions, args.inflight, args.keys, args.children = 4, 4, 100, 50
        args.znodes, args.watchers, args.fanout_rounds, args.fsyncs = 2000, 20, 3, 20
    args.notes = args.notes or tempfile.mkdtemp(prefix="wd-compare-notes-")
    return args


def main():
    args = parse_args()
    _HeapPopen.heap = args.jvm_heap
    runner = Runner(args)
    started = time.monotonic()
    describe_machine(args, args.data_root)
    print(f"notes (every run's command and output): {args.notes}/runs.txt", flush=True)
    rows = []
    servers = {}
    try:
        for kind in KINDS if args.rows & {"load", "fanout"} else ():
            servers[kind] = harness.Server(
                kind, extra_config=server_config(),
                data_dir=tempfile.mkdtemp(prefix=f"wd-load-{kind}-", dir=args.data_root))
            servers[kind].start(timeout=120)
            harness.wait_for_session(servers[kind].port)
        if "load" in args.rows:
            measure_load(runner, servers, rows)
        if "fanout" in args.rows:
            measure_fanout(runner, servers, rows)
    finally:
        for s in servers.values():
            s.stop()
            shutil.rmtree(s.dir, ignore_errors=True)
    if "state" in args.rows:
        measure_state(runner, args.data_root, rows)
    ensemble_rows = []
    if "ensemble" in args.rows:
        measure_ensemble(runner, ensemble_rows)
    limits = measure_limits(runner, args.data_root) if "limits" in args.rows else None
    print()
    if rows:
        print(f"standalone, {args.rounds} alternating rounds per figure: median [min..max]")
        print_table(rows)
    if ensemble_rows:
        if rows:
            print()
        t = ENSEMBLE_TIMING
        print(f"ensemble of 3 on 127.0.0.1 (tickTime {t['tickTime']}, initLimit "
              f"{t['initLimit']}, syncLimit {t['syncLimit']}; sessions spread over the servers, "
              f"followers first), {args.rounds} rounds alternating W Z / Z W, a fresh ensemble "
              "each: median [min..max]")
        print_table(ensemble_rows)
    if limits is not None:
        print_limits(limits, rows)
    print("\nload average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"total {time.monotonic() - started:.0f} s; runs that failed: {runner.failures}")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())
