#!/usr/bin/python3
"""End-to-end test of examples/kafka_control (a Kafka-style control plane) on a local wardend.

Three brokers register and elect one controller; a topic with 3 partitions and 3 replicas
gets a leader per partition. Then:
  - kill -9 a broker that is not the controller: once its session expires, its registration
    is gone, no partition has it as leader or in the ISR, partitions it led have a new leader
    with a higher leader_epoch, and the controller did not change;
  - kill -9 the controller: a surviving broker becomes controller with a higher
    /controller_epoch, and every partition is led by the only live broker;
  - restart the first broker: it registers again and rejoins the ISR of its partitions.
Throughout, at most one broker ever says it is the controller for a given epoch.

Usage: test_kafka_control.py --binary PATH
"""

import json
import os
import sys

from example_common import C, main_for, Process, check, eq, wait_until

from kazoo.client import KazooClient
from kazoo import exceptions as KE

TICK = 500
SESSION_MS = 2000
TOPIC = "orders"


class Cluster:
    def __init__(self, binary, srv, zk, work):
        self.binary, self.srv, self.zk, self.work = binary, srv, zk, work
        self.brokers = {}
        self.runs = 0

    def start_broker(self, broker_id):
        self.runs += 1
        self.brokers[broker_id] = Process(
            [self.binary, "broker", "--connect", self.srv.address, "--id", str(broker_id),
             "--session-ms", str(SESSION_MS)], self.work, f"broker-{broker_id}-{self.runs}")

    def live_ids(self):
        return sorted(int(i) for i in self.zk.get_children("/brokers/ids"))

    def controller(self):
        try:
            data, _ = self.zk.get("/controller")
        except KE.NoNodeError:
            return None
        return json.loads(data)["brokerid"]

    def settled_controller(self):
        """(broker id, epoch) once the controller has claimed /controller, bumped the epoch
        and said so; None before."""
        controller = self.controller()
        if controller not in self.brokers or not self.zk.exists("/controller_epoch"):
            return None
        epoch = self.epoch()
        said = f"broker {controller}: controller, epoch {epoch}"
        return (controller, epoch) if said in self.brokers[controller].output() else None

    def epoch(self):
        return int(self.zk.get("/controller_epoch")[0])

    def states(self):
        base = f"/brokers/topics/{TOPIC}/partitions"
        try:
            partitions = sorted(self.zk.get_children(base), key=int)
        except KE.NoNodeError:
            return {}
        out = {}
        for p in partitions:
            try:
                out[int(p)] = json.loads(self.zk.get(f"{base}/{p}/state")[0])
            except KE.NoNodeError:
                pass
        return out


def states_where(cluster, pred):
    states = cluster.states()
    return len(states) == 3 and all(pred(s) for s in states.values())


def run(binary, work):
    srv = C.start_server("warden", tick_time=TICK)
    zk = KazooClient(hosts=srv.address, timeout=10.0)
    cluster = Cluster(binary, srv, zk, work)
    try:
        zk.start(timeout=15)
        for broker_id in (1, 2, 3):
            cluster.start_broker(broker_id)
        wait_until(lambda: zk.exists("/brokers/ids") and cluster.live_ids() == [1, 2, 3], 30,
                   what="three brokers registered")
        wait_until(lambda: cluster.settled_controller() is not None, 30, what="a controller")
        controller, epoch = cluster.settled_controller()
        registration = json.loads(zk.get("/brokers/ids/1")[0])
        eq((registration["host"], registration["port"]), ("127.0.0.1", 9093), "registration")

        admin = Process([binary, "create-topic", "--connect", srv.address, "--topic", TOPIC,
                         "--partitions", "3", "--replication", "3"], work, "create-topic")
        eq(admin.proc.wait(timeout=30), 0, f"create-topic exit code: {admin.output()}")
        check(zk.exists(f"/config/topics/{TOPIC}"), "topic config written")
        assignment = json.loads(zk.get(f"/brokers/topics/{TOPIC}")[0])["partitions"]
        eq(assignment, {"0": [1, 2, 3], "1": [2, 3, 1], "2": [3, 1, 2]}, "assignment")
        wait_until(lambda: [s["leader"] for _, s in sorted(cluster.states().items())] ==
                   [1, 2, 3], 30, what="a leader per partition (the first replica)")
        check(all(s["isr"] == assignment[str(p)] for p, s in cluster.states().items()),
              f"full ISRs: {cluster.states()}")

        # A broker that is not the controller dies.
        victim = next(b for b in (1, 2, 3) if b != controller)
        before = cluster.states()
        cluster.brokers[victim].kill()
        wait_until(lambda: victim not in cluster.live_ids(), SESSION_MS / 1000 + 15,
                   what="the killed broker's registration expires")
        wait_until(lambda: states_where(cluster, lambda s: s["leader"] != victim and
                                        victim not in s["isr"]), 20,
                   what="leadership and ISR move off the dead broker")
        after = cluster.states()
        for p, state in after.items():
            check(state["leader"] in cluster.live_ids(), f"partition {p} led by a dead broker")
            if before[p]["leader"] == victim:
                check(state["leader_epoch"] > before[p]["leader_epoch"],
                      f"partition {p}: leader_epoch did not move")
        eq((cluster.controller(), cluster.epoch()), (controller, epoch), "controller kept")

        # The controller dies: the last broker takes over.
        cluster.brokers[controller].kill()
        survivor = next(b for b in (1, 2, 3) if b not in (victim, controller))
        wait_until(lambda: (cluster.settled_controller() or (0,))[0] == survivor,
                   SESSION_MS / 1000 + 15, what="a new controller")
        check(cluster.epoch() > epoch, "controller_epoch moved")
        wait_until(lambda: states_where(cluster, lambda s: s["leader"] == survivor and
                                        s["isr"] == [survivor]), 20,
                   what="every partition led by the survivor")
        check(all(s["controller_epoch"] == cluster.epoch() for s in cluster.states().values()),
              "states written by the new controller")

        # The first victim comes back: it registers and rejoins the ISR; leadership stays.
        cluster.start_broker(victim)
        wait_until(lambda: victim in cluster.live_ids(), 30, what="re-registration")
        wait_until(lambda: states_where(cluster, lambda s: victim in s["isr"] and
                                        s["leader"] == survivor), 20, what="ISR expansion")

        # Exactly one controller per epoch across every broker process's output.
        claims = {}
        for process in cluster.brokers.values():
            for line in process.output().splitlines():
                if ": controller, epoch " in line:
                    who, at = line.split(": controller, epoch ")
                    check(claims.setdefault(int(at), who) == who,
                          f"two controllers in epoch {at}")
        for broker_id in (survivor, victim):
            eq(cluster.brokers[broker_id].stop(), 0, f"broker {broker_id} exit code")
        wait_until(lambda: cluster.live_ids() == [] and cluster.controller() is None, 10,
                   what="clean shutdown removes registrations and /controller")
    finally:
        for process in cluster.brokers.values():
            process.kill()
        for name in sorted(os.listdir(work)):  # the brokers' own account, for the test log
            with open(os.path.join(work, name), errors="replace") as f:
                print(f"--- {name}\n{f.read().rstrip()}")
        zk.stop()
        zk.close()
        srv.cleanup()


if __name__ == "__main__":
    sys.exit(main_for("kafka_control", run))
