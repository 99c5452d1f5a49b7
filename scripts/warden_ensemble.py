"""A local Warden ensemble on 127.0.0.1: N servers (plus observers) as child processes.

Each server gets free ports (client, peer, election), its own folder under the base
directory with zoo.cfg, data/myid and wardend.log. Servers are started, stopped, killed and
paused by PID. Used by `scripts/ensemble`, the integration tests and the benchmark.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wardend_path():
    path = os.environ.get("WARDEND")
    if path:
        return path
    for preset in ("release", "debug", "asan"):
        candidate = os.path.join(ROOT, "build", preset, "tools", "wardend", "wardend")
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("wardend not found; build it (scripts/run) or set WARDEND")


def free_ports(count):
    """Distinct ports the kernel had free a moment ago."""
    sockets, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


def four_letter(port, word, timeout=2.0):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(word.encode())
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        return b"".join(chunks).decode(errors="replace")
    except OSError:
        return ""


def parse_mntr(text):
    out = {}
    for line in text.splitlines():
        if "\t" in line:
            key, value = line.split("\t", 1)
            out[key] = value
    return out


class Ensemble:
    def __init__(self, voters=3, observers=0, base_dir=None, tick_time=100, sync_limit=5,
                 extra_config=None, wardend=None, spares=0):
        """spares: extra servers (ids after the others) configured but not members: their own
        zoo.cfg lists every server, the members' files do not (join them with reconfig)."""
        self.ids = list(range(1, voters + observers + spares + 1))
        self.observer_ids = set(range(voters + 1, voters + observers + 1))
        self.spare_ids = set(range(voters + observers + 1, voters + observers + spares + 1))
        self.own_dir = base_dir is None
        self.base = base_dir or tempfile.mkdtemp(prefix="warden-ensemble-")
        self.tick_time = tick_time
        self.sync_limit = sync_limit
        self.extra = dict(extra_config or {})
        self.wardend = wardend or wardend_path()
        self.procs = {}
        ports = free_ports(3 * len(self.ids))
        self.ports = {sid: tuple(ports[3 * k:3 * k + 3]) for k, sid in enumerate(self.ids)}
        for sid in self.ids:
            self._write_config(sid)

    # ---- layout ----
    def dir(self, sid):
        return os.path.join(self.base, f"server{sid}")

    def log_path(self, sid):
        return os.path.join(self.dir(sid), "wardend.log")

    def client_port(self, sid):
        return self.ports[sid][0]

    def connect_string(self, ids=None):
        return ",".join(f"127.0.0.1:{self.client_port(s)}" for s in (ids or self.ids))

    def server_spec(self, sid):
        client, peer, election = self.ports[sid]
        role = ":observer" if sid in self.observer_ids else ""
        return f"server.{sid}=127.0.0.1:{peer}:{election}{role};127.0.0.1:{client}"

    def server_lines(self, for_sid=None):
        """The server.N lines of `for_sid`'s zoo.cfg (spares are listed only in spares' files)."""
        return [self.server_spec(sid) for sid in self.ids
                if sid not in self.spare_ids or for_sid in self.spare_ids]

    def config(self, sid, data):
        """zoo.cfg's keys for server `sid`, whose data directory is `data`."""
        config = {
            "tickTime": str(self.tick_time),
            "initLimit": "10",
            "syncLimit": str(self.sync_limit),
            "dataDir": data,
            "maxClientCnxns": "0",
            "4lw.commands.whitelist": "*",
            "standaloneEnabled": "false",
        }
        if sid in self.observer_ids:
            config["peerType"] = "observer"
        config.update(self.extra)
        return config

    def _write_config(self, sid):
        data = os.path.join(self.dir(sid), "data")
        os.makedirs(data, exist_ok=True)
        with open(os.path.join(data, "myid"), "w") as f:
            f.write(f"{sid}\n")
        with open(os.path.join(self.dir(sid), "zoo.cfg"), "w") as f:
            for key, value in self.config(sid, data).items():
                f.write(f"{key}={value}\n")
            for line in self.server_lines(sid):
                f.write(line + "\n")

    # ---- processes ----
    def start(self, sid=None):
        for s in ([sid] if sid is not None else [i for i in self.ids if i not in self.spare_ids]):
            if s in self.procs and self.procs[s].poll() is None:
                continue
            log = open(self.log_path(s), "ab")
            self.procs[s] = subprocess.Popen([self.wardend, os.path.join(self.dir(s), "zoo.cfg")],
                                             stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
            log.close()

    def running(self, sid):
        return sid in self.procs and self.procs[sid].poll() is None

    def pid(self, sid):
        return self.procs[sid].pid

    def stop(self, sid=None, timeout=20.0):
        """SIGTERM (graceful), then SIGKILL after timeout. Returns the exit codes."""
        codes = {}
        targets = [sid] if sid is not None else list(self.procs)
        for s in targets:
            p = self.procs.get(s)
            if p is not None and p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                p.send_signal(signal.SIGTERM)
        for s in targets:
            p = self.procs.get(s)
            if p is None:
                continue
            try:
                codes[s] = p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                codes[s] = p.wait()
            self.procs.pop(s, None)
        return codes

    def kill(self, sid):
        p = self.procs.pop(sid)
        p.kill()
        p.wait()

    def pause(self, sid):
        os.kill(self.procs[sid].pid, signal.SIGSTOP)

    def resume(self, sid):
        os.kill(self.procs[sid].pid, signal.SIGCONT)

    def cleanup(self):
        self.stop()
        if self.own_dir and os.environ.get("WD_KEEP_ENSEMBLE") is None:
            subprocess.run(["rm", "-rf", self.base], check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # ---- status ----
    def mode(self, sid):
        for line in four_letter(self.client_port(sid), "srvr", timeout=1.0).splitlines():
            if line.startswith("Mode: "):
                return line[6:].strip()
        return None

    def mntr(self, sid):
        return parse_mntr(four_letter(self.client_port(sid), "mntr", timeout=1.0))

    def leader(self, ids=None):
        """The id of the server that reports itself leader, if exactly one does."""
        leaders = [s for s in (ids or self.ids) if self.running(s) and self.mode(s) == "leader"]
        return leaders[0] if len(leaders) == 1 else None

    def wait_leader(self, timeout=30.0, ids=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            leader = self.leader(ids)
            if leader is not None:
                return leader
            time.sleep(0.05)
        raise TimeoutError(f"no leader within {timeout}s; logs in {self.base}")

    def wait_ready(self, timeout=30.0):
        """Every running server knows the leader (is serving clients)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            modes = [self.mode(s) for s in self.ids if self.running(s)]
            if modes and all(m in ("leader", "follower", "observer") for m in modes):
                return
            time.sleep(0.05)
        raise TimeoutError(f"ensemble not ready within {timeout}s; logs in {self.base}")


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(prog="scripts/ensemble",
                                     description="Run a local Warden ensemble on 127.0.0.1.")
    parser.add_argument("-n", "--servers", type=int, default=3, help="voting servers")
    parser.add_argument("--observers", type=int, default=0)
    parser.add_argument("--dir", help="base folder (default: a new temporary one)")
    parser.add_argument("--tick-time", type=int, default=2000)
    args = parser.parse_args(argv)
    base = args.dir
    if base:
        os.makedirs(base, exist_ok=True)
    ensemble = Ensemble(args.servers, args.observers, base_dir=base, tick_time=args.tick_time)
    if base:
        ensemble.own_dir = False
    ensemble.start()
    try:
        leader = ensemble.wait_leader(timeout=60 + 20 * args.tick_time / 1000)
        ensemble.wait_ready(timeout=60)
        print(f"ensemble of {args.servers} (+{args.observers} observers) in {ensemble.base}")
        for sid in ensemble.ids:
            print(f"  server.{sid}: pid {ensemble.pid(sid)}, client port "
                  f"{ensemble.client_port(sid)}, {ensemble.mode(sid)}, "
                  f"log {ensemble.log_path(sid)}")
        print(f"leader: server.{leader}")
        print(f"connect string: {ensemble.connect_string()}")
        print("Ctrl-C stops every server.", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", flush=True)
        ensemble.stop()
        if ensemble.own_dir:
            ensemble.cleanup()
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    sys.exit(main(sys.argv[1:]))
