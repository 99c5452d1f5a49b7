"""The recipes' safety properties on a real 3-server Warden ensemble, from several processes.

Starts an ensemble (scripts/warden_ensemble.py, tickTime 100) and, against all three servers,
several recipe_worker processes per recipe: mutex, semaphore (2 leases), leader latch, shared
counter, queue producers and consumers, and a double barrier. While they run it kills -9 a
worker that holds the mutex, a worker that is the latch's leader and a queue consumer (each
found by stopping the process with SIGSTOP and reading its log, so the kill lands while it
holds), then kills -9 the ensemble's leader and restarts it. Afterwards it checks from the
workers' logs (CLOCK_MONOTONIC timestamps, see recipe_worker.cc):

- mutex: the holding intervals never overlap; a killed holder holds until its session expired,
  so the next holder enters after the kill and no sooner than half a session timeout later;
- semaphore: never more than 2 holders at once;
- leader latch: at most one leader at a time, with the same rule for the killed leader;
- counter: every successful increment returned a distinct value, and the final value lies
  between the number of successful increments and that number plus the increments whose
  outcome was unknown (CONNECTIONLOSS, which the recipe returns instead of retrying);
- queue: every consumed item was produced, no item was consumed twice, the queue ends empty,
  and an item is missing only for the consumer killed with it in hand or a take that reported
  an unknown outcome (Queue: "each item goes to exactly one consumer");
- barrier: in every round, nobody passes enter before all members started entering, and
  nobody returns from leave before all started leaving;
- every surviving worker made progress after the leader was killed, no survivor's session
  expired or lost its lock, and no two processes were ever given the same session id.

Exit status 0 when every check holds. WD_KEEP_ENSEMBLE=1 keeps the folder (logs) afterwards.
"""

import argparse
import collections
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from warden_ensemble import Ensemble  # noqa: E402

TICK = 100              # ms
SESSION_TIMEOUT = 4000  # ms, asked by every worker (maxSessionTimeout raised to allow it)
RUN_AFTER_LEADER_KILL = 8.0  # s of work after the ensemble's leader was killed

# role -> (count, extra arguments)
ROLES = {
    "mutex": (3, ["--path", "/ens/mutex", "--hold-ms", "60", "--pause-ms", "20"]),
    "semaphore": (4, ["--path", "/ens/semaphore", "--leases", "2", "--hold-ms", "60",
                      "--pause-ms", "20"]),
    "leader": (3, ["--path", "/ens/leader", "--hold-ms", "250", "--pause-ms", "20"]),
    "rwlock-reader": (3, ["--path", "/ens/rwlock", "--hold-ms", "60", "--pause-ms", "20"]),
    "rwlock-writer": (2, ["--path", "/ens/rwlock", "--hold-ms", "40", "--pause-ms", "60"]),
    "counter": (3, ["--path", "/ens/counter", "--pause-ms", "10"]),
    "queue-producer": (2, ["--path", "/ens/queue", "--pause-ms", "20"]),
    "queue-consumer": (3, ["--path", "/ens/queue", "--hold-ms", "30"]),
    "barrier": (3, ["--path", "/ens/barrier", "--members", "3", "--hold-ms", "40",
                    "--pause-ms", "10"]),
}
PROGRESS = {"mutex": "enter", "semaphore": "enter", "rwlock-reader": "enter",
            "rwlock-writer": "enter", "leader": "leader-start", "counter": "inc",
            "queue-producer": "produced", "queue-consumer": "consumed", "barrier": "passed"}


def now_us():
    return time.monotonic_ns() // 1000  # CLOCK_MONOTONIC, as the workers' timestamps


class Worker:
    def __init__(self, name, role, log):
        self.name, self.role, self.log = name, role, log
        self.proc = None
        self.killed_at = None  # µs, when killed with -9

    def events(self):
        """[(t_us, event, args)] from the log."""
        out = []
        try:
            with open(self.log) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3 and line.endswith("\n"):
                        out.append((int(parts[0]), parts[2], parts[3:]))
        except FileNotFoundError:
            pass
        return out


class Failures:
    def __init__(self):
        self.items = []

    def check(self, ok, message):
        if not ok:
            self.items.append(message)
            print("FAIL: " + message, flush=True)
        return ok


def wait_stopped(pid, timeout=2.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "T":
                    return True
        except OSError:
            return False
        time.sleep(0.002)
    return False


def kill_while(worker, holding, attempts=200):
    """SIGSTOPs the worker until its log says it holds (`holding(events)`), then SIGKILLs it.
    A stopped process writes nothing, so what the log says is still true at the kill."""
    pid = worker.proc.pid
    for attempt in range(attempts):
        if worker.proc.poll() is not None:
            return False
        os.kill(pid, signal.SIGSTOP)
        if wait_stopped(pid) and holding(worker.events()):
            worker.killed_at = now_us()
            os.kill(pid, signal.SIGKILL)
            worker.proc.wait()
            return True
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.02 + 0.01 * (attempt % 5))
    return False


def last_of(events, names):
    for t, e, a in reversed(events):
        if e in names:
            return e, t, a
    return None, None, None


def intervals(worker, start, end, failures):
    """Holding intervals [(t0, t1, worker name)] from start/end lines; an interval still open
    ends at the kill for a killed worker."""
    out, opened = [], None
    for t, e, _ in worker.events():
        if e == start:
            failures.check(opened is None, f"{worker.name}: '{start}' twice without '{end}'")
            opened = t
        elif e == end and opened is not None:
            out.append((opened, t, worker.name))
            opened = None
    if opened is not None:
        if worker.killed_at is not None:
            out.append((opened, worker.killed_at, worker.name + " (killed)"))
        else:
            failures.check(False, f"{worker.name}: ended while holding (last '{start}' open)")
    return out


def check_exclusive(label, workers, start, end, failures):
    """No two intervals overlap; after a killed holder, the next holder comes no sooner than
    half a session timeout after the kill (the session had to expire first)."""
    spans = sorted(s for w in workers for s in intervals(w, start, end, failures))
    bad = 0
    for (a0, a1, an), (b0, b1, bn) in zip(spans, spans[1:]):
        if b0 <= a1:
            bad += 1
            failures.check(False, f"{label}: {bn} entered at {b0} while {an} held "
                                  f"[{a0}, {a1}] (overlap {a1 - b0} µs)")
    for w in workers:
        if w.killed_at is None:
            continue
        after = [s for s in spans if s[0] > w.killed_at]
        if failures.check(after, f"{label}: nobody held after {w.name} was killed"):
            gap = (after[0][0] - w.killed_at) / 1000
            print(f"  {label}: {after[0][2]} took over {gap:.0f} ms after {w.name} was killed "
                  f"(session timeout {SESSION_TIMEOUT} ms)")
            failures.check(gap >= SESSION_TIMEOUT / 2,
                           f"{label}: handed over {gap:.0f} ms after the holder was killed, "
                           f"before its session could have expired")
    print(f"  {label}: {len(spans)} holding intervals, {bad} overlaps")
    return spans


def check_read_write(readers, writers, failures):
    """A writer's interval overlaps no other interval; readers overlap each other (else the
    test did not show sharing)."""
    spans = [(t0, t1, w.name, False) for w in readers
             for t0, t1, _ in intervals(w, "enter", "exit", failures)]
    spans += [(t0, t1, w.name, True) for w in writers
              for t0, t1, _ in intervals(w, "enter", "exit", failures)]
    spans.sort()
    bad = shared = 0
    for i, (a0, a1, an, aw) in enumerate(spans):
        for b0, b1, bn, bw in spans[i + 1:]:
            if b0 > a1:
                break
            if aw or bw:
                bad += 1
                failures.check(False, f"rwlock: {bn} entered at {b0} while {an} held "
                                      f"[{a0}, {a1}] and one of them writes")
            else:
                shared += 1
    writes = sum(1 for s in spans if s[3])
    print(f"  rwlock: {len(spans) - writes} read and {writes} write intervals, {bad} conflicts, "
          f"{shared} overlapping reads")
    failures.check(writes > 0, "rwlock: no writer got the lock")
    failures.check(shared > 0, "rwlock: readers never shared the lock")


def check_semaphore(workers, leases, failures):
    points = []
    for w in workers:
        for t0, t1, name in intervals(w, "enter", "exit", failures):
            points.append((t0, 1, name))
            points.append((t1, -1, name))
    points.sort(key=lambda p: (p[0], p[1]))  # at a tie the exit counts first
    held = peak = 0
    for t, delta, name in points:
        held += delta
        peak = max(peak, held)
        failures.check(held <= leases, f"semaphore: {held} holders at {t} ({name} entered)")
    print(f"  semaphore: {len(points) // 2} leases, at most {peak} at once (limit {leases})")
    failures.check(peak == leases, f"semaphore: never {leases} holders at once "
                                   f"(peak {peak}): the test did not contend")


def check_counter(workers, final, failures):
    values, unknown = [], 0
    for w in workers:
        for _, e, a in w.events():
            if e == "inc":
                values.append(int(a[0]))
            elif e == "inc-unknown":
                unknown += 1
    dups = [v for v, n in collections.Counter(values).items() if n > 1]
    print(f"  counter: final {final}, {len(values)} successful increments, {unknown} unknown")
    failures.check(not dups, f"counter: increments returned the same value twice: {dups[:10]} "
                             f"(a lost update)")
    failures.check(all(1 <= v <= final for v in values),
                   f"counter: an increment returned a value outside 1..{final}")
    failures.check(len(values) <= final <= len(values) + unknown,
                   f"counter: final value {final} is not within [{len(values)}, "
                   f"{len(values) + unknown}] (successful .. successful + unknown)")


def check_queue(producers, consumers, remaining, failures):
    produced, maybe, consumed, unknown_takes = set(), set(), [], 0
    for w in producers:
        for _, e, a in w.events():
            if e == "produced":
                produced.add(a[0])
            elif e == "put-unknown":
                maybe.add(a[0])
    for w in consumers:
        for _, e, a in w.events():
            if e == "consumed":
                consumed.append(a[0])
            elif e == "take-unknown":
                unknown_takes += 1
    killed = sum(1 for w in consumers if w.killed_at is not None)
    dups = [i for i, n in collections.Counter(consumed).items() if n > 1]
    got = set(consumed)
    missing = sorted(produced - got)
    print(f"  queue: {len(produced)} produced ({len(maybe)} unknown puts), {len(consumed)} "
          f"consumed, {len(missing)} missing, {remaining} left in the queue, {killed} consumer "
          f"killed, {unknown_takes} unknown takes")
    failures.check(not dups, f"queue: items consumed twice: {dups[:10]}")
    failures.check(got <= produced | maybe,
                   f"queue: consumed items nobody produced: {sorted(got - produced - maybe)[:10]}")
    failures.check(remaining == 0, f"queue: {remaining} items left after the consumers drained it")
    failures.check(len(missing) <= killed + unknown_takes,
                   f"queue: {len(missing)} items lost ({missing[:10]}); allowed: one per consumer "
                   f"killed with an item in hand ({killed}) or take with an unknown outcome "
                   f"({unknown_takes})")


def check_barrier(workers, members, failures):
    rounds = collections.defaultdict(lambda: collections.defaultdict(dict))
    for w in workers:
        for t, e, a in w.events():
            if e in ("enter-start", "passed", "leave-start", "left"):
                rounds[int(a[0])][e][w.name] = t
            elif e in ("enter-timeout", "leave-timeout"):
                failures.check(False, f"barrier: {w.name} {e} in round {a[0]}")
    complete = 0
    for r in sorted(rounds):
        ev = rounds[r]
        if not ev["passed"]:
            continue
        failures.check(len(ev["enter-start"]) == members and len(ev["passed"]) == members,
                       f"barrier round {r}: {len(ev['passed'])} of {members} passed")
        first_pass = min(ev["passed"].values())
        last_enter = max(ev["enter-start"].values())
        failures.check(first_pass > last_enter,
                       f"barrier round {r}: passed at {first_pass} before the last member "
                       f"started entering at {last_enter}")
        if ev["left"]:
            failures.check(min(ev["left"].values()) > max(ev["leave-start"].values()),
                           f"barrier round {r}: left before every member started leaving")
        complete += len(ev["left"]) == members
    print(f"  barrier: {complete} complete rounds of {members}")
    failures.check(complete > 0, "barrier: no complete round")


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", required=True, help="the recipe_worker binary")
    args = parser.parse_args(argv)
    failures = Failures()
    t_begin = time.time()
    ens = Ensemble(3, tick_time=TICK, extra_config={"maxSessionTimeout": "10000"})
    work = os.path.join(ens.base, "workers")
    os.makedirs(work)
    stop_file = os.path.join(work, "stop")
    drain_file = os.path.join(work, "drain")
    workers = []
    try:
        ens.start()
        ens.wait_leader(timeout=30)
        ens.wait_ready(timeout=30)
        hosts = ens.connect_string()
        print(f"ensemble in {ens.base}: {hosts}", flush=True)

        def spawn(name, role, extra, stop):
            log = os.path.join(work, name + ".log")
            w = Worker(name, role, log)
            with open(os.path.join(work, name + ".stderr"), "wb") as err:
                w.proc = subprocess.Popen(
                    [args.worker, "--connect", hosts, "--recipe", role, "--log", log,
                     "--id", name, "--session-timeout-ms", str(SESSION_TIMEOUT),
                     "--stop-file", stop, "--deadline-s", "150"] + extra,
                    stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT)
            workers.append(w)
            return w

        for role, (count, extra) in ROLES.items():
            for k in range(count):
                spawn(f"{role}-{k}", role, extra,
                      drain_file if role == "queue-consumer" else stop_file)
        by_role = collections.defaultdict(list)
        for w in workers:
            by_role[w.role].append(w)

        # Warm-up: every worker made progress once.
        deadline = time.time() + 30
        while time.time() < deadline and not all(
                any(e == PROGRESS[w.role] for _, e, _ in w.events()) for w in workers):
            time.sleep(0.1)
        idle = [w.name for w in workers if not any(e == PROGRESS[w.role] for _, e, _ in w.events())]
        failures.check(not idle, f"no progress within 30 s: {idle}")
        time.sleep(1.0)

        # Kill -9 a mutex holder, the latch's leader and a consumer.
        holder = kill_while(by_role["mutex"][0],
                            lambda ev: last_of(ev, ("enter", "exit"))[0] == "enter")
        failures.check(holder, "could not catch mutex-0 holding the lock")
        leader = kill_while(by_role["leader"][0],
                            lambda ev: last_of(ev, ("leader-start", "leader-end"))[0]
                            == "leader-start")
        failures.check(leader, "could not catch leader-0 leading")
        consumer = kill_while(by_role["queue-consumer"][0],
                              lambda ev: last_of(ev, ("consumed",))[0] is not None)
        failures.check(consumer, "could not kill queue-consumer-0")
        killed = [w.name for w in workers if w.killed_at is not None]
        print(f"killed -9 while holding: {killed}", flush=True)
        time.sleep(2.0)

        # Kill -9 the ensemble's leader, let the others elect, restart it.
        old = ens.leader()
        failures.check(old is not None, "no single leader before the kill")
        old = old or ens.wait_leader(timeout=20)
        t_leader_kill = now_us()
        ens.kill(old)
        others = [s for s in ens.ids if s != old]
        new = ens.wait_leader(timeout=20, ids=others)
        print(f"killed -9 leader server.{old}; server.{new} leads after "
              f"{(now_us() - t_leader_kill) / 1e6:.2f} s", flush=True)
        time.sleep(1.5)
        ens.start(old)
        ens.wait_ready(timeout=30)
        print(f"server.{old} restarted as {ens.mode(old)}", flush=True)

        # Work on until every survivor made progress after the leader kill (bounded).
        survivors = [w for w in workers if w.killed_at is None]
        end = time.time() + RUN_AFTER_LEADER_KILL
        hard = time.time() + 30

        def progressed(w):
            return any(t > t_leader_kill and e == PROGRESS[w.role] for t, e, _ in w.events())
        while time.time() < hard and (time.time() < end or not all(map(progressed, survivors))):
            time.sleep(0.2)

        # Stop: everyone but the consumers, then the consumers once the queue is drained.
        started = [int(a[0]) for w in by_role["barrier"] for _, e, a in w.events()
                   if e == "enter-start"]
        with open(stop_file + ".tmp", "w") as f:
            f.write(f"{max(started, default=0) + 3}\n")  # the barrier's last round, for all
        os.rename(stop_file + ".tmp", stop_file)
        for w in survivors:
            if w.role != "queue-consumer":
                try:
                    w.proc.wait(timeout=max(1.0, hard + 30 - time.time()))
                except subprocess.TimeoutExpired:
                    failures.check(False, f"{w.name} did not stop")
        with open(drain_file, "w") as f:
            f.write("drain\n")
        for w in survivors:
            if w.role == "queue-consumer":
                try:
                    w.proc.wait(timeout=max(1.0, hard + 60 - time.time()))
                except subprocess.TimeoutExpired:
                    failures.check(False, f"{w.name} did not stop")

        def read(role, path, word):
            log = os.path.join(work, role + ".log")
            subprocess.run([args.worker, "--connect", hosts, "--recipe", role, "--path", path,
                            "--log", log, "--deadline-s", "30"], timeout=60,
                           stdin=subprocess.DEVNULL, check=False)
            found = [a for _, e, a in Worker(role, role, log).events() if e == word]
            return int(found[-1][0]) if found else None
        final = read("counter-read", "/ens/counter", "value")
        remaining = read("queue-size", "/ens/queue", "size")

        # ---- checks ----
        print("checks:", flush=True)
        for w in survivors:
            if w.proc.returncode is not None:
                failures.check(w.proc.returncode == 0,
                               f"{w.name} exited with {w.proc.returncode}")
            ev = w.events()
            failures.check(progressed(w), f"{w.name}: no progress after the leader was killed")
            failures.check(not any(e == "expired" for _, e, _ in ev),
                           f"{w.name}: its session expired (a live client must keep it)")
            failures.check(not any(e == "exit" and "lost" in a for _, e, a in ev),
                           f"{w.name}: lost the lock while holding it")
        owners = collections.defaultdict(list)
        for w in workers:
            for _, e, a in w.events():
                if e == "session":
                    owners[a[0]].append(w.name)
        shared = {sid: names for sid, names in owners.items() if len(names) > 1}
        failures.check(not shared, f"one session id given to several processes: {shared}")
        errors = collections.Counter(f"{w.role}: {' '.join(a)}" for w in workers
                                     for _, e, a in w.events()
                                     if e in ("error", "inc-unknown", "put-unknown",
                                              "take-unknown", "timeout"))
        if errors:
            print(f"  errors met (and retried): {dict(errors)}")
        check_exclusive("mutex", by_role["mutex"], "enter", "exit", failures)
        check_semaphore(by_role["semaphore"], 2, failures)
        check_read_write(by_role["rwlock-reader"], by_role["rwlock-writer"], failures)
        check_exclusive("leader", by_role["leader"], "leader-start", "leader-end", failures)
        failures.check(final is not None, "could not read the counter")
        if final is not None:
            check_counter(by_role["counter"], final, failures)
        failures.check(remaining is not None, "could not read the queue's size")
        check_queue(by_role["queue-producer"], by_role["queue-consumer"], remaining or 0,
                    failures)
        check_barrier(by_role["barrier"], 3, failures)
    finally:
        for w in workers:
            if w.proc is not None and w.proc.poll() is None:
                w.proc.kill()
                w.proc.wait()
        if failures.items:
            os.environ["WD_KEEP_ENSEMBLE"] = "1"  # keep the logs for a look
        ens.cleanup()
    took = time.time() - t_begin
    if failures.items:
        print(f"FAILED ({len(failures.items)} checks) in {took:.0f} s; logs in {ens.base}")
        return 1
    print(f"OK in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
