#!/usr/bin/python3
"""Crash-durability test: SIGKILL the server under write load, restart, verify acked writes.

Usage: /usr/bin/python3 tests/compat/crash_test.py [--server warden|zookeeper] [--cycles 20]
       [--seed N] [--writers 4]

Each cycle: start the server on the same port and data dir, run writer threads (each its own
kazoo session and its own keys) doing create / set / delete / sequential create / atomic
two-key multi, and record every acknowledged write. After a seeded random delay the server is
SIGKILLed, the writers are stopped and their clients closed (so that no queued request can be
sent to the restarted server), the server is restarted and EVERY acknowledged write must be
present with its latest acknowledged value. A write whose reply was not received may or may
not be there, but a multi must be all-or-nothing, and sequential names must never be reused.
"""

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compat_common as C  # noqa: E402
import harness  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo.exceptions import NoNodeError  # noqa: E402

KEYS = 12
ABSENT = None


class Writer(threading.Thread):
    def __init__(self, idx, address, allowed, rng, stop, cycle, max_ops=20000):
        super().__init__(daemon=True)
        self.idx, self.address, self.rng, self.stop_ev, self.cycle = idx, address, rng, stop, cycle
        self.allowed = allowed          # key -> set of acceptable values (shared with main)
        self.max_ops = max_ops
        self.client = None
        self.acked = 0
        self.uncertain = []             # [(kind, detail)]
        self.pairs = []                 # uncertain multis: (ka, old_a, new_a, kb, old_b, new_b)
        self.seq_acked = []
        self.seq_maybe = []
        self.error = None

    def key(self, k):
        return f"/crash/w{self.idx}/k{k}"

    def current(self, k):
        (v,) = self.allowed[self.key(k)]     # exactly one value: no uncertainty for live keys
        return v

    def run(self):
        try:
            self.client = KazooClient(hosts=self.address, timeout=4.0)
            self.client.start(timeout=10)
            self.loop()
        except Exception as e:  # noqa: BLE001 - connection setup failing is a test error
            if not self.stop_ev.is_set():
                self.error = e

    def loop(self):
        c = self.client
        for n in range(self.max_ops):
            if self.stop_ev.is_set():
                return
            k = self.rng.randrange(KEYS)
            path = self.key(k)
            old = self.current(k)
            val = f"c{self.cycle}-w{self.idx}-n{n}".encode()
            r = self.rng.random()
            if r < 0.1:
                kind, detail = "seq", f"/crash/seq{self.idx}/item-"
                fut = c.create_async(detail, val, sequence=True)
            elif r < 0.25:
                k2 = (k + 1 + self.rng.randrange(KEYS - 1)) % KEYS
                old2 = self.current(k2)
                if old is ABSENT or old2 is ABSENT:
                    continue
                kind, detail = "multi", (path, old, val, self.key(k2), old2, val)
                t = c.transaction()
                t.set_data(path, val)
                t.set_data(self.key(k2), val)
                t.check(path, -1)
                fut = t.commit_async()
            elif old is ABSENT:
                kind, detail = "create", (path, old, val)
                fut = c.create_async(path, val)
            elif r < 0.33:
                kind, detail, val = "delete", (path, old, ABSENT), ABSENT
                fut = c.delete_async(path)
            else:
                kind, detail = "set", (path, old, val)
                fut = c.set_async(path, val)
            try:
                res = fut.get(timeout=3.0)
                if kind == "multi" and any(isinstance(x, Exception) for x in res):
                    raise RuntimeError(f"multi failed while the server was up: {res}")
            except Exception:  # noqa: BLE001 - no reply: the write may or may not be applied
                if kind == "seq":
                    self.seq_maybe.append(detail)
                elif kind == "multi":
                    ka, oa, na, kb, ob, nb = detail
                    self.allowed[ka] = {oa, na}
                    self.allowed[kb] = {ob, nb}
                    self.pairs.append(detail)
                else:
                    p, o, nv = detail
                    self.allowed[p] = {o, nv}
                self.uncertain.append((kind, detail))
                return                      # stop writing after the first unacked write
            self.acked += 1
            if kind == "seq":
                self.seq_acked.append((res, val))
            elif kind == "multi":
                self.allowed[detail[0]] = {val}
                self.allowed[detail[3]] = {val}
            else:
                self.allowed[path] = {val}


def read_value(client, path):
    try:
        return client.get(path)[0]
    except NoNodeError:
        return ABSENT


def main():
    ap = argparse.ArgumentParser(description="crash durability test")
    ap.add_argument("--server", choices=["warden", "zookeeper"], default="warden")
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--min-delay", type=float, default=0.2)
    ap.add_argument("--max-delay", type=float, default=1.0)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--inject-loss", action="store_true",
                    help="checker self-test: delete an acked key before verifying (must FAIL)")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "big") % 1000000
    logging.basicConfig(level=logging.CRITICAL)
    print(f"crash_test: server={args.server} cycles={args.cycles} seed={args.seed} "
          f"writers={args.writers}", flush=True)
    rng = random.Random(args.seed)
    data_dir = tempfile.mkdtemp(prefix=f"wd-crash-{args.server}-")
    srv = harness.Server(kind=args.server, data_dir=data_dir, port=harness.free_port())
    allowed = {f"/crash/w{w}/k{k}": {ABSENT} for w in range(args.writers) for k in range(KEYS)}
    seq_known = {w: {} for w in range(args.writers)}   # name -> data (acked)
    passed = failed = 0
    totals = {"acked": 0, "uncertain": 0, "applied": 0, "not_applied": 0}
    t0 = time.monotonic()
    writers = []
    try:
        for cycle in range(args.cycles):
            if time.monotonic() - t0 > args.max_seconds:
                print(f"FAIL time limit of {args.max_seconds}s reached before cycle {cycle}")
                failed += 1
                break
            srv.start()
            C.wait_ready(srv.port)
            problems = []
            if cycle == 0:
                setup = KazooClient(hosts=srv.address, timeout=10.0)
                setup.start(timeout=15)
                for w in range(args.writers):
                    setup.ensure_path(f"/crash/w{w}")
                    setup.ensure_path(f"/crash/seq{w}")
                setup.stop()
                setup.close()
            stop = threading.Event()
            writers = [Writer(w, srv.address, allowed, random.Random(rng.random()), stop, cycle)
                       for w in range(args.writers)]
            delay = rng.uniform(args.min_delay, args.max_delay)
            for wr in writers:
                wr.start()
            time.sleep(delay)
            srv.kill()                                   # the crash
            stop.set()
            for wr in writers:
                wr.join(timeout=15)
                if wr.is_alive():
                    problems.append(f"writer {wr.idx} did not stop")
                if wr.client is not None:
                    wr.client.stop()                     # nothing queued may reach the new server
                    wr.client.close()
                if wr.error:
                    problems.append(f"writer {wr.idx} failed: {wr.error!r}")
            acked = sum(wr.acked for wr in writers)
            unc = sum(len(wr.uncertain) for wr in writers)
            totals["acked"] += acked
            totals["uncertain"] += unc

            srv.start()
            C.wait_ready(srv.port)
            v = KazooClient(hosts=srv.address, timeout=10.0)
            v.start(timeout=15)
            try:
                if args.inject_loss:
                    victim = next(p for p, ok in sorted(allowed.items()) if ABSENT not in ok)
                    v.delete(victim)
                observed = {p: read_value(v, p) for p in allowed}
                for p, ok in allowed.items():
                    if observed[p] not in ok:
                        problems.append(f"{p}: found {observed[p]!r}, allowed {sorted(map(repr, ok))}")
                for wr in writers:
                    for ka, oa, na, kb, ob, nb in wr.pairs:
                        got = (observed[ka], observed[kb])
                        if got not in ((oa, ob), (na, nb)):
                            problems.append(f"multi not atomic: {ka},{kb} = {got!r}, expected "
                                            f"{(oa, ob)!r} or {(na, nb)!r}")
                    for kind, detail in wr.uncertain:
                        if kind in ("set", "create", "delete"):
                            hit = observed[detail[0]] == detail[2] and detail[1] != detail[2]
                            totals["applied" if hit else "not_applied"] += 1
                    seq_known[wr.idx].update((name.rsplit("/", 1)[1], val)
                                             for name, val in wr.seq_acked)
                # sequential nodes: every acked one present with its data, counter not reused
                for w in range(args.writers):
                    kids = v.get_children(f"/crash/seq{w}")
                    for name, val in seq_known[w].items():
                        if name not in kids:
                            problems.append(f"acked sequential /crash/seq{w}/{name} lost")
                        elif v.get(f"/crash/seq{w}/{name}")[0] != val:
                            problems.append(f"sequential {name} has wrong data")
                    extra = set(kids) - set(seq_known[w])
                    for name in extra:
                        data = v.get(f"/crash/seq{w}/{name}")[0]
                        seq_known[w][name] = data       # an unacked create that did persist
                    if kids:
                        top = max(int(k[-10:]) for k in kids)
                        fresh = v.create(f"/crash/seq{w}/item-", b"verify", sequence=True)
                        if int(fresh[-10:]) <= top:
                            problems.append(f"sequence reused after restart: {fresh} <= {top}")
                        seq_known[w][fresh.rsplit("/", 1)[1]] = b"verify"
                # what is there now is durable: it becomes the baseline for the next cycle
                for p in allowed:
                    allowed[p] = {observed[p]}
            finally:
                v.stop()
                v.close()
            srv.kill()   # next cycle starts from a crash-stopped server as well
            status = "ok" if not problems else "FAIL"
            print(f"cycle {cycle:2d}: {status} kill after {delay:.2f}s, acked {acked}, "
                  f"unacked {unc}", flush=True)
            for p in problems[:10]:
                print("   " + p)
            if problems:
                failed += 1
            else:
                passed += 1
    except Exception as e:  # noqa: BLE001
        print(f"FAIL aborted: {type(e).__name__}: {e}")
        failed += 1
    finally:
        for wr in writers:
            try:
                if wr.client is not None:
                    wr.client.stop()
                    wr.client.close()
            except Exception:  # noqa: BLE001
                pass
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"totals: acked writes {totals['acked']}, unacked {totals['uncertain']} "
          f"(applied {totals['applied']}, not applied {totals['not_applied']}); "
          f"elapsed {time.monotonic() - t0:.1f}s; seed {args.seed}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
