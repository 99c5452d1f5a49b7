// The controller's work for the Kafka-style control plane example: Kafka's ZooKeeper layout
// (before KRaft), kept current by whichever broker leads the election.
//
//   /brokers/ids/<id>                          ephemeral, {"version":5,"host":..,"port":..}
//   /controller                                ephemeral, {"version":1,"brokerid":<id>}
//   /controller_epoch                          persistent, decimal epoch
//   /config/topics/<topic>                     {"version":1,"config":{...}}
//   /brokers/topics/<topic>                    {"version":2,"partitions":{"0":[1,2],...}}
//   /brokers/topics/<topic>/partitions/<p>/state
//       {"controller_epoch":E,"leader":L,"leader_epoch":N,"isr":[...],"version":1}
//
// Each pass of reconcile() makes every partition's state agree with the live brokers: the
// leader must be live (otherwise the first live replica in ISR order, then in assignment
// order, takes over, and leader_epoch goes up), and the ISR is the live replicas. Every
// write is a multi with a check on /controller_epoch's version, so a deposed controller's
// late write fails instead of overwriting its successor's (Kafka's controller epoch fencing).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "recipes/common.h"

namespace kafka_example {

using wd::client::SyncClient;
using wd::client::ZkResult;

class Controller {
public:
    Controller(SyncClient& client, int32_t broker_id, wd::client::Watcher watcher)
        : client_(client), broker_id_(broker_id), watcher_(std::move(watcher)) {}

    // Claims /controller and bumps /controller_epoch. REQUIRES: we lead the election.
    ZkResult<void> take_over();
    // One pass over every topic; re-arms the child watches on /brokers/ids and
    // /brokers/topics. BADVERSION means another controller took over: stop.
    ZkResult<void> reconcile();
    // Deletes /controller if it is still ours (on a clean shutdown).
    void resign();
    int64_t epoch() const { return epoch_; }

private:
    ZkResult<void> reconcile_partition(const std::string& topic, const std::string& partition,
                                       const std::vector<int32_t>& replicas,
                                       const std::set<int32_t>& live);

    SyncClient& client_;
    int32_t broker_id_;
    wd::client::Watcher watcher_;
    int64_t epoch_ = 0;
    int32_t epoch_zk_version_ = -1;  // /controller_epoch's version after our bump
};

// The replicas of every partition of a new topic, round robin over `brokers` (sorted), as
// Kafka's default assignment without racks: partition p gets brokers[(p + i) % n].
std::string assignment_json(int32_t partitions, int32_t replication,
                            const std::vector<int32_t>& brokers);

}  // namespace kafka_example
