"""Start and stop servers for the compatibility, differential and crash tests.

A server runs as a child process on 127.0.0.1 on a free port with its own temporary data
directory, and is stopped by PID. Two kinds are supported:
  - "warden":    the wardend binary (path from $WARDEND or build/release/tools/wardend/wardend)
  - "zookeeper": Apache ZooKeeper from Debian's `zookeeper` package (ZooKeeperServerMain)
"""

import atexit
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

_exit_problems = []


def _report_exit_problems():
    if _exit_problems:
        for problem in _exit_problems:
            print(f"harness: {problem}", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(1)


atexit.register(_report_exit_problems)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZK_CLASSPATH = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from warden_ensemble import wardend_path  # noqa: E402,F401  (one lookup for every test)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def four_letter(port, word, timeout=2.0):
    """Sends a four-letter word and returns the whole answer as text."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(word.encode())
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode(errors="replace")


class _PortTaken(Exception):
    pass


class Server:
    """One server process. Use as a context manager or call start()/stop().

    extra_config: dict of zoo.cfg keys added to the defaults.
    data_dir: reuse a directory (for restarts); otherwise a fresh temporary one is made and
    removed on cleanup().
    jvm_props: dict of Java system properties (-Dk=v) for "zookeeper" only, for settings
    ZooKeeper reads only that way (e.g. jute.maxbuffer); ignored for "warden".
    """

    def __init__(self, kind="warden", extra_config=None, data_dir=None, port=None,
                 tick_time=2000, jvm_props=None):
        assert kind in ("warden", "zookeeper")
        self.kind = kind
        self.auto_port = port is None
        self.port = port or free_port()
        self.own_dir = data_dir is None
        self.dir = data_dir or tempfile.mkdtemp(prefix=f"wd-{kind}-")
        self.extra = dict(extra_config or {})
        self.tick_time = tick_time
        self.jvm_props = dict(jvm_props or {})
        self.proc = None
        self.log_path = os.path.join(self.dir, "server.log")

    def config_text(self):
        keys = {
            "tickTime": str(self.tick_time),
            "dataDir": os.path.join(self.dir, "data"),
            "clientPort": str(self.port),
            "clientPortAddress": "127.0.0.1",
            "4lw.commands.whitelist": "*",
            "maxClientCnxns": "200",
        }
        if self.kind == "zookeeper":
            keys["admin.enableServer"] = "false"
        keys.update(self.extra)
        return "".join(f"{k}={v}\n" for k, v in keys.items())

    def start(self, timeout=30.0):
        # free_port() releases the port before the server binds it, so another process can
        # take it in between; with an automatically chosen port, a start that fails to bind
        # is retried on a new one.
        for attempt in range(3):
            try:
                return self._start_once(timeout)
            except _PortTaken:
                if not self.auto_port or attempt == 2:
                    raise RuntimeError(f"{self.kind}: port {self.port} is taken; "
                                       f"log:\n{self.log_text()}")
                self.port = free_port()
        return self

    def _start_once(self, timeout):
        os.makedirs(os.path.join(self.dir, "data"), exist_ok=True)
        cfg = os.path.join(self.dir, "zoo.cfg")
        with open(cfg, "w") as f:
            f.write(self.config_text())
        if self.kind == "warden":
            argv = [wardend_path(), cfg]
        else:
            argv = ["java", "-Xmx512m", "-Dzookeeper.extendedTypesEnabled=true",
                    "-cp", ZK_CLASSPATH,
                    "org.apache.zookeeper.server.ZooKeeperServerMain", cfg]
            if "extendedTypesEnabled" in self.extra:
                argv[2] = "-Dzookeeper.extendedTypesEnabled=" + self.extra["extendedTypesEnabled"]
            # ZooKeeperServerMain reads the container-manager settings only as plain system
            # properties (znode.container.checkIntervalMs, .maxPerMinute, .maxNeverUsedIntervalMs).
            for k, v in self.extra.items():
                if k.startswith("znode.container."):
                    argv.insert(1, f"-D{k}={v}")
            for k, v in self.jvm_props.items():
                argv.insert(1, f"-D{k}={v}")
        log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = self._log_since(log_start)
                if "cannot listen" in text or "Address already in use" in text:
                    raise _PortTaken()
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}; "
                                   f"log:\n{self.log_text()}")
            # Only our own server counts: wardend logs the port it listens on, and a
            # ZooKeeper that lost the port exits (checked above) rather than answering.
            if self.kind == "warden" and \
                    f"serving clients on 127.0.0.1:{self.port}" not in self._log_since(log_start):
                time.sleep(0.05)
                continue
            try:
                if four_letter(self.port, "ruok", timeout=0.5).startswith("imok") and \
                        self.proc.poll() is None:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer ruok within {timeout}s; "
                           f"log:\n{self.log_text()}")

    def _log_since(self, offset):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def kill(self):
        """SIGKILL, as a crash."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout=10.0):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
                _exit_problems.append(f"{self.kind} did not stop within {timeout}s of SIGTERM")
                return
            # wardend exits 0 after SIGTERM; anything else (a sanitizer report, an assertion,
            # a storage failure) fails the test run even if every check passed.
            if self.kind == "warden" and self.proc.returncode != 0:
                _exit_problems.append(f"wardend exited with {self.proc.returncode} after "
                                      f"SIGTERM; log tail:\n{self.log_text()}")

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False


def wait_for_session(port, timeout=30.0):
    """Waits until the server at 127.0.0.1:port accepts a client session: sends a raw
    ConnectRequest and, once a response with a non-zero session id arrives, closes that session.
    Answering `ruok` does not mean the server is serving sessions yet (ZooKeeper accepts
    connections a little before). Raises RuntimeError on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
                # ConnectRequest{int protocolVersion, long lastZxidSeen, int timeOut,
                #                long sessionId, buffer passwd, boolean readOnly}
                body = struct.pack(">iqiqi16s?", 0, 0, 10000, 0, 16, b"\0" * 16, False)
                s.sendall(struct.pack(">i", len(body)) + body)
                resp = _recv_frame(s)
                _, _, session_id = struct.unpack(">iiq", resp[:16])
                if session_id != 0:
                    # RequestHeader{xid, type=closeSession(-11)}; wait for the reply
                    s.sendall(struct.pack(">iii", 8, 1, -11))
                    _recv_frame(s)
                    return
                last = "session id 0"
        except (OSError, struct.error, ConnectionError) as e:
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"no session from 127.0.0.1:{port} within {timeout}s: {last}")


def _recv_frame(sock):
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed")
            buf += chunk
        return buf
    (length,) = struct.unpack(">i", exact(4))
    return exact(length)
