#!/usr/bin/python3
"""Apache Curator (Java) and our recipes exclude each other on the same paths.

Java peers (curator/CuratorPeer.java: InterProcessMutex, LeaderLatch, LeaderSelector) and C++
peers (curator_peer.cc: recipes::Mutex, LeaderLatch, LeaderSelector) contend for one path on a
wardend started on a free port of 127.0.0.1. Each holder appends enter/exit records to one
O_APPEND log and increments a counter znode with a non-atomic read-modify-write. Checks:
  - the log alternates enter/exit of one peer at a time (at most one holder at any time), and
    the monotonic timestamps agree;
  - the counter equals the number of critical sections (no lost increment);
  - Java and C++ peers both held it, and it was handed over in both directions;
  - the tree shows Curator's names (_c_<uuid>-lock-<seq>, _c_<uuid>-latch-<seq>) from both
    languages queued together;
  - after kill -9 of a holder, the other language takes over once the session expired, and
    not before.

Usage: test_curator_interop.py --cpp-peer PATH [-k SUBSTR]
"""

import argparse
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "compat"))

import compat_common as C  # noqa: E402
from compat_common import check, eq, wait_until  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo import exceptions as KE  # noqa: E402

TICK = 500              # minSessionTimeout 1000 ms, maxSessionTimeout 10000 ms
SESSION_MS = 4000       # contending peers
KILL_SESSION_MS = 2000  # the holder that is killed, and its waiter
JARS = ["curator-recipes", "curator-framework", "curator-client", "zookeeper", "zookeeper-jute",
        "guava", "slf4j-api", "slf4j-simple"]
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Ctx:
    srv = None
    zk = None
    cpp_peer = None
    java_dir = None
    classpath = None
    work = None
    peers = []
    serial = 0


def compile_java():
    """Compiles CuratorPeer.java against Debian's Curator jars into a temporary directory."""
    missing = [j for j in JARS if not os.path.exists(f"/usr/share/java/{j}.jar")]
    check(not missing, f"missing jars (scripts/install-deps installs them): {missing}")
    check(shutil.which("javac") is not None, "javac not found (default-jdk-headless)")
    Ctx.classpath = ":".join(f"/usr/share/java/{j}.jar" for j in JARS)
    Ctx.java_dir = os.path.join(Ctx.work, "classes")
    os.makedirs(Ctx.java_dir)
    out = subprocess.run(["javac", "-nowarn", "-d", Ctx.java_dir, "-cp", Ctx.classpath,
                          os.path.join(HERE, "curator", "CuratorPeer.java")],
                         capture_output=True, text=True, timeout=180)
    check(out.returncode == 0, f"javac failed:\n{out.stdout}{out.stderr}")


class Peer:
    """One peer process. Its stdout lines (READY, DONE, ERROR ...) are collected by a thread."""

    def __init__(self, lang, name, mode, path, log, rounds=1, hold_ms=20, counter=None,
                 session_ms=SESSION_MS):
        self.lang, self.name = lang, name
        args = ["--connect", Ctx.srv.address, "--mode", mode, "--path", path, "--name", name,
                "--log", log, "--rounds", str(rounds), "--hold-ms", str(hold_ms),
                "--session-ms", str(session_ms)]
        if counter:
            args += ["--counter", counter]
        if lang == "java":
            argv = ["java", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", f"{Ctx.java_dir}:{Ctx.classpath}", "CuratorPeer"] + args
        else:
            argv = [Ctx.cpp_peer] + args
        self.err_path = os.path.join(Ctx.work, f"{name}.stderr")
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, start_new_session=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()
        Ctx.peers.append(self)

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode(errors="replace").strip())
        self.lines.put(None)

    def expect(self, word, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if line.startswith("ERROR"):
                raise AssertionError(f"{self.name}: {line}\n{self.stderr()}")
            if line == word:
                return
        raise AssertionError(f"{self.name}: no {word} within {timeout}s; output {self.seen}\n"
                             f"{self.stderr()}")

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def finish(self, timeout):
        self.expect("DONE", timeout)
        rc = self.proc.wait(timeout=30)
        eq(rc, 0, f"{self.name} exit code")

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")[-3000:]


def stop_all_peers():
    for peer in Ctx.peers:
        peer.kill()
    Ctx.peers = []


class Observer:
    """Polls the children of `path` (with their data) from its own session every 10 ms."""

    def __init__(self, path):
        self.path = path
        self.samples = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        deadline = time.monotonic() + 300
        while not self.stop_flag.is_set() and time.monotonic() < deadline:
            try:
                sample = []
                for child in Ctx.zk.get_children(self.path):
                    try:
                        data, _ = Ctx.zk.get(f"{self.path}/{child}")
                        sample.append((child, data.decode(errors="replace")))
                    except KE.NoNodeError:
                        pass
                self.samples.append(sample)
            except KE.NoNodeError:
                pass
            time.sleep(0.01)

    def stop(self):
        self.stop_flag.set()
        self.thread.join(timeout=10)


def fresh(name):
    Ctx.serial += 1
    return f"/interop/{name}-{Ctx.serial}", os.path.join(Ctx.work, f"{name}-{Ctx.serial}.log")


def read_log(log):
    """[(ns, event, name, lang)] in file order."""
    records = []
    with open(log) as f:
        for line in f:
            ns, event, name, lang = line.split()
            records.append((int(ns), event, name, lang))
    return records


def check_exclusion(records):
    """At most one holder at any time: the records alternate enter X / exit X, in time order."""
    holder = None
    last_ns = 0
    for ns, event, name, _ in records:
        check(ns >= last_ns, f"timestamps go back at {event} {name}")
        last_ns = ns
        if event == "enter":
            check(holder is None, f"{name} entered while {holder} held it")
            holder = name
        else:
            check(holder == name, f"{name} left while {holder} held it")
            holder = None


def check_names(samples, suffix, peers):
    pattern = re.compile(rf"^_c_{UUID}-{suffix}\d{{10}}$")
    langs = {p.name: p.lang for p in peers}
    mixed = 0
    for sample in samples:
        for child, _ in sample:
            check(pattern.match(child), f"node {child!r} is not Curator's {suffix} layout")
        owners = {langs.get(data) for _, data in sample}
        if {"java", "cpp"} <= owners:
            mixed += 1
    check(mixed > 0, f"never saw Java and C++ nodes queued together ({len(samples)} samples)")


def contend(mode, suffix, rounds):
    path, log = fresh(mode)
    counter = path + "-counter"
    Ctx.zk.create(counter, b"0", makepath=True)
    peers = [Peer(lang, f"{lang}-{i}", mode, path, log, rounds=rounds, hold_ms=15,
                  counter=counter)
             for i in (1, 2) for lang in ("java", "cpp")]
    for peer in peers:
        peer.expect("READY", 90)
    observer = Observer(path)
    for peer in peers:
        peer.go()
    try:
        for peer in peers:
            peer.finish(300)
    finally:
        observer.stop()
    records = read_log(log)
    check_exclusion(records)
    entered = [r for r in records if r[1] == "enter"]
    eq(len(entered), rounds * len(peers), "critical sections")
    for peer in peers:
        eq(sum(1 for r in entered if r[2] == peer.name), rounds, f"{peer.name} rounds")
    value, _ = Ctx.zk.get(counter)
    eq(int(value), rounds * len(peers), "counter after read-modify-write increments")
    langs = [r[3] for r in entered]
    handovers = {(a, b) for a, b in zip(langs, langs[1:]) if a != b}
    check(("java", "cpp") in handovers and ("cpp", "java") in handovers,
          f"handovers seen: {sorted(handovers)}")
    check_names(observer.samples, suffix, peers)
    print(f"  {mode}: {len(entered)} critical sections in order "
          f"{' '.join(r[2] for r in entered)}; {len(observer.samples)} tree samples", flush=True)
    try:
        eq(Ctx.zk.get_children(path), [], "nodes left behind")
    except KE.NoNodeError:
        pass  # the container was cleaned up
    stop_all_peers()


def kill_holder(mode, holder_lang, waiter_lang):
    path, log = fresh(f"kill-{mode}-{holder_lang}")
    holder = Peer(holder_lang, f"{holder_lang}-holder", mode, path, log, hold_ms=-1,
                  session_ms=KILL_SESSION_MS)
    holder.expect("READY", 90)
    holder.go()
    wait_until(lambda: any(r[1] == "enter" for r in read_log(log)), 30, what="holder enters")
    waiter = Peer(waiter_lang, f"{waiter_lang}-waiter", mode, path, log, hold_ms=0,
                  session_ms=KILL_SESSION_MS)
    waiter.expect("READY", 90)
    waiter.go()
    wait_until(lambda: len(Ctx.zk.get_children(path)) == 2, 30, what="the waiter queues")
    time.sleep(1.0)
    eq(len(read_log(log)), 1, "records while the holder lives")  # the waiter still waits
    holder.kill()
    killed_ns = time.monotonic_ns()
    with open(log, "a") as f:
        f.write(f"{killed_ns} exit {holder.name} {holder.lang}\n")  # its exit
    waiter.finish(KILL_SESSION_MS / 1000 + 30)
    records = read_log(log)
    check_exclusion(records)
    eq([(r[1], r[2]) for r in records],
       [("enter", holder.name), ("exit", holder.name), ("enter", waiter.name),
        ("exit", waiter.name)], "records")
    waited_ms = (records[2][0] - killed_ns) / 1e6
    # The lock moves only when the server expires the dead holder's session.
    check(waited_ms >= KILL_SESSION_MS / 2,
          f"{waiter.name} entered {waited_ms:.0f} ms after the kill, before the session expired")
    check(waited_ms <= KILL_SESSION_MS + 15000, f"{waiter.name} waited {waited_ms:.0f} ms")
    stop_all_peers()


TESTS = [
    ("mutex_contention", lambda: contend("mutex", "lock-", 8)),
    ("latch_contention", lambda: contend("latch", "latch-", 3)),
    ("selector_contention", lambda: contend("selector", "lock-", 4)),
    ("mutex_kill_cpp_holder", lambda: kill_holder("mutex", "cpp", "java")),
    ("mutex_kill_java_holder", lambda: kill_holder("mutex", "java", "cpp")),
    ("latch_kill_java_leader", lambda: kill_holder("latch", "java", "cpp")),
    ("latch_kill_cpp_leader", lambda: kill_holder("latch", "cpp", "java")),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpp-peer", required=True)
    parser.add_argument("-k", default="")
    args = parser.parse_args()
    Ctx.cpp_peer = os.path.abspath(args.cpp_peer)
    Ctx.work = tempfile.mkdtemp(prefix="wd-interop-")
    runner = C.Runner()
    try:
        compile_java()
        Ctx.srv = C.start_server("warden", tick_time=TICK)
        Ctx.zk = KazooClient(hosts=Ctx.srv.address, timeout=10.0)
        Ctx.zk.start(timeout=15)
        for name, fn in TESTS:
            if args.k in name:
                try:
                    runner.run(name, fn)
                finally:
                    stop_all_peers()
    finally:
        stop_all_peers()
        if Ctx.zk:
            Ctx.zk.stop()
            Ctx.zk.close()
        if Ctx.srv:
            Ctx.srv.cleanup()
        shutil.rmtree(Ctx.work, ignore_errors=True)
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
