// Leader election as a selector, as Curator's LeaderSelector: the participants contend for an
// InterProcessMutex at `path` (layout "<path>/_c_<uuid>-lock-NNNNNNNNNN", data: the id) and
// the winner's callback runs while it holds leadership; returning from the callback gives
// leadership up. Curator runs the callback on its own executor and requeues; here the caller's
// thread runs it: call run_once() in a loop to requeue.
#pragma once

#include "recipes/mutex.h"

namespace wd::recipes {

class LeaderSelector {
public:
    using Callback = std::function<void(LeaderSelector& self)>;

    LeaderSelector(SyncClient& client, std::string path, std::string id = "");

    // Waits up to timeout_ms (< 0: no limit) for leadership, runs `take_leadership` while
    // holding it, then releases it. true: the callback ran; false: timed out.
    ZkResult<bool> run_once(int64_t timeout_ms, const Callback& take_leadership);

    // Inside the callback: true while leadership holds. It turns false when the session ends,
    // our node is deleted, or the connection is down (Curator interrupts the leader then); a
    // long callback polls it and returns when it is false.
    bool has_leadership() const;
    // Runs once, on the client's io thread, when leadership is lost inside a callback (must
    // not call SyncClient operations).
    void set_lost_listener(std::function<void()> on_lost) {
        mutex_.set_lost_listener(std::move(on_lost));
    }
    // The participants in order (the first leads).
    ZkResult<std::vector<std::string>> participants() { return mutex_.participant_nodes(); }

private:
    SyncClient& client_;
    Mutex mutex_;
};

}  // namespace wd::recipes
