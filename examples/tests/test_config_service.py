#!/usr/bin/python3
"""End-to-end test of examples/config_service against a local wardend.

Checks that the service applies the initial configuration, every later version in order,
reports a deleted configuration and applies it again when re-created, keeps watching across
a server restart, opens a new session and reads the configuration again after its session
expired (the process is frozen with SIGSTOP for longer than the session timeout), and stops
cleanly on SIGTERM.

Usage: test_config_service.py --binary PATH
"""

import os
import signal
import sys
import time

from example_common import C, main_for, Process, check, eq, wait_until

from kazoo.client import KazooClient

TICK = 500  # sessions of 1000..10000 ms
PATH = "/config/app"


def applied(process):
    return [line for line in process.output().splitlines()
            if line.startswith("applied") or line == "config missing"]


def run(binary, work):
    srv = C.start_server("warden", tick_time=TICK)
    zk = KazooClient(hosts=srv.address, timeout=10.0)
    service = None
    try:
        zk.start(timeout=15)
        zk.create(PATH, b"threads=4\nmode=fast", makepath=True)
        record = f"{work}/record"
        service = Process([binary, "--connect", srv.address, "--path", PATH,
                           "--record", record, "--session-ms", "2000"], work, "config_service")
        wait_until(lambda: applied(service) == ["applied version=0 mode=fast threads=4"], 30,
                   what="the initial configuration")

        # Every version is applied, in order (the test waits for each before the next write).
        expected = applied(service)
        for i in range(1, 6):
            zk.set(PATH, f"threads={4 + i}\nmode=fast".encode())
            expected.append(f"applied version={i} mode=fast threads={4 + i}")
            wait_until(lambda: applied(service) == expected, 20, what=f"version {i}")

        # A deleted configuration is reported; a re-created one is applied again.
        zk.delete(PATH)
        expected.append("config missing")
        wait_until(lambda: applied(service) == expected, 20, what="config missing")
        zk.create(PATH, b"threads=1")
        expected.append("applied version=0 threads=1")
        wait_until(lambda: applied(service) == expected, 20, what="re-created config")

        # A quick server restart: the session survives and the watch is re-registered, so a
        # change made while the service was away is applied on reconnection.
        zk.stop()
        srv.stop()
        srv.start()
        C.wait_ready(srv.port)
        zk = KazooClient(hosts=srv.address, timeout=10.0)
        zk.start(timeout=15)
        zk.set(PATH, b"threads=2")
        expected.append("applied version=1 threads=2")
        wait_until(lambda: applied(service) == expected, 30, what="change after restart")

        # Expired session: freeze the service for twice its session timeout (2 s). The
        # server expires the session; on waking, the service opens a new one and reads the
        # configuration written meanwhile.
        sessions = [l for l in service.output().splitlines() if l.startswith("session ")]
        eq(len(sessions), 1, "sessions before the freeze")
        os.kill(service.proc.pid, signal.SIGSTOP)
        try:
            time.sleep(4.0)
            zk.set(PATH, b"threads=3")
        finally:
            os.kill(service.proc.pid, signal.SIGCONT)
        wait_until(lambda: applied(service)[-1] == "applied version=2 threads=3", 40,
                   what="change after session expiry")
        sessions = [l for l in service.output().splitlines() if l.startswith("session ")]
        eq(len(sessions), 2, "sessions after the freeze")
        check(sessions[0] != sessions[1], "the same session after expiry")
        check(service.alive(), "the service exited after its session expired")

        # The record file holds the same lines as the output.
        with open(record) as f:
            eq(f.read().splitlines(), applied(service), "record file")
        eq(service.stop(), 0, "exit code after SIGTERM")
    finally:
        if service:
            service.kill()
        zk.stop()
        zk.close()
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main_for("config_service", run))
