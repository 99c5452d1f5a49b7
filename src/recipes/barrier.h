// Barriers.
//
// Barrier (Curator's DistributedBarrier layout): the barrier is up while the node at `path`
// exists; waiters block until it is deleted.
//
// DoubleBarrier (the ZooKeeper recipe, with Curator's DistributedDoubleBarrier layout: member
// nodes "<path>/<uuid>" are ephemeral, "<path>/ready" is created by the member that completes
// the group): enter() returns once `member_count` members entered; leave() returns once every
// member left. The last member out deletes "ready" with its own node. Use a new path for each
// round: a member still leaving one round cannot tell the next round's members from its own,
// and would wait on them until its timeout (docs/recipes.md, "Barriers").
#pragma once

#include <string>

#include "recipes/common.h"

namespace wd::recipes {

class Barrier {
public:
    Barrier(SyncClient& client, std::string path);
    // Raises the barrier (creates the node and its parents); raising it twice is not an error.
    ZkResult<void> set_barrier();
    ZkResult<void> remove_barrier();
    // true once the barrier is down (node absent); false on timeout (< 0: no limit).
    ZkResult<bool> wait_on_barrier(int64_t timeout_ms);

private:
    SyncClient& client_;
    std::string path_;
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
    client::Watcher watcher_ = bump_watcher(signal_);
};

class DoubleBarrier {
public:
    DoubleBarrier(SyncClient& client, std::string path, int32_t member_count);
    // Joins and waits for the group: true once complete, false on timeout (our node is then
    // deleted again).
    ZkResult<bool> enter(int64_t timeout_ms);
    // Leaves and waits until every member left: true when done, false on timeout.
    ZkResult<bool> leave(int64_t timeout_ms);

    static constexpr const char* ready_name = "ready";

private:
    // Members' node names, sorted (without "ready").
    ZkResult<std::vector<std::string>> members();
    // One step of leave(): true when done; otherwise arms a watch and returns false.
    ZkResult<bool> leave_step();

    SyncClient& client_;
    std::string path_;
    int32_t member_count_;
    std::string our_name_;
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
    client::Watcher watcher_ = bump_watcher(signal_);
};

}  // namespace wd::recipes
