#!/usr/bin/python3
"""End-to-end test of examples/service_discovery on a local wardend.

Three instances of a service register; a client spreads its calls over all three. Then:
  - an instance stopped with SIGTERM unregisters at once, and the client stops calling it;
  - an instance killed with kill -9 disappears when its session expires, and from then on
    the client no longer picks it;
  - a new instance is picked up without restarting the client.
The registrations use Curator's x-discovery JSON (name, id, address, port, serviceType,
uriSpec), so Curator clients can read them.

Usage: test_service_discovery.py --binary PATH
"""

import json
import sys
import time

from example_common import C, main_for, Process, check, eq, wait_until

from kazoo.client import KazooClient

TICK = 500
SESSION_MS = 2000
SERVICE = "/services/echo"


def calls(client, since=0):
    """[(kind, id)] of the client's call lines after line `since`."""
    out = []
    for line in client.output().splitlines()[since:]:
        parts = line.split()
        if parts and parts[0] in ("response", "failed"):
            out.append((parts[0], parts[1]))
    return out


def line_count(client):
    return len(client.output().splitlines())


def run(binary, work):
    srv = C.start_server("warden", tick_time=TICK)
    zk = KazooClient(hosts=srv.address, timeout=10.0)
    processes = {}
    try:
        zk.start(timeout=15)

        def serve(instance_id):
            processes[instance_id] = Process(
                [binary, "serve", "--connect", srv.address, "--name", "echo", "--id",
                 instance_id, "--session-ms", str(SESSION_MS)], work, f"serve-{instance_id}")

        for instance_id in ("a", "b", "c"):
            serve(instance_id)
        wait_until(lambda: zk.exists(SERVICE) and sorted(zk.get_children(SERVICE)) ==
                   ["a", "b", "c"], 30, what="three registrations")
        body = json.loads(zk.get(f"{SERVICE}/a")[0])
        eq((body["name"], body["id"], body["address"], body["serviceType"]),
           ("echo", "a", "127.0.0.1", "DYNAMIC"), "Curator's instance body")
        check(isinstance(body["port"], int) and body["port"] > 0, f"port in {body}")
        check(zk.exists(f"{SERVICE}/a").ephemeralOwner != 0, "registration is ephemeral")

        client = Process([binary, "client", "--connect", srv.address, "--name", "echo",
                          "--interval-ms", "20"], work, "client")
        processes["client"] = client
        wait_until(lambda: {i for kind, i in calls(client) if kind == "response"} ==
                   {"a", "b", "c"}, 30, what="calls reach all three instances")
        check(all(kind == "response" for kind, _ in calls(client)),
              f"failed calls while all instances live: {calls(client)}")

        # A clean stop unregisters at once.
        eq(processes["c"].stop(), 0, "instance c exit code")
        check(not zk.exists(f"{SERVICE}/c"), "c unregistered on SIGTERM")
        wait_until(lambda: "instances a,b" in client.output(), 10, what="client sees a,b")
        mark = line_count(client)
        time.sleep(0.5)
        eq({i for _, i in calls(client, mark)}, {"a", "b"}, "instances called after c left")

        # A crash: the registration stays until the session expires, then it is gone.
        processes["b"].kill()
        wait_until(lambda: not zk.exists(f"{SERVICE}/b"), SESSION_MS / 1000 + 15,
                   what="b's registration expires")
        wait_until(lambda: "instances a" in client.output().splitlines(), 10,
                   what="client sees a")
        mark = line_count(client)
        time.sleep(0.5)
        after = calls(client, mark)
        check(after and all(c == ("response", "a") for c in after),
              f"calls after b expired: {after}")

        # A new instance is found without restarting the client.
        serve("d")
        wait_until(lambda: ("response", "d") in calls(client, mark), 30, what="calls reach d")
        for name in ("a", "d", "client"):
            eq(processes[name].stop(), 0, f"{name} exit code")
        eq(sorted(zk.get_children(SERVICE)), [], "registrations left")
    finally:
        for process in processes.values():
            process.kill()
        zk.stop()
        zk.close()
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main_for("service_discovery", run))
