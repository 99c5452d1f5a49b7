// A distributed exclusive lock with Curator's InterProcessMutex layout, so that C++ and Java
// processes exclude each other on the same path: ephemeral sequential nodes
// "<path>/_c_<uuid>-lock-NNNNNNNNNN"; the lowest sequence holds the lock and every waiter
// watches only its predecessor (no herd effect).
//
// Reentrant per thread, as Curator's: a thread that holds the lock may acquire it again and
// must release it as many times. Guarantees and failure behaviour: docs/recipes.md.
#pragma once

#include <map>
#include <mutex>
#include <thread>

#include "recipes/lock_internals.h"

namespace wd::recipes {

class Mutex {
public:
    // `node_data`: the lock node's data (Curator writes the local address or an id).
    Mutex(SyncClient& client, std::string path, Data node_data = std::nullopt,
          std::string lock_name = "lock-");
    // A mutex with its own lock predicate (the read-write lock's halves).
    Mutex(SyncClient& client, std::string path, Data node_data, std::string lock_name,
          LockDriver driver, std::vector<std::string> sort_names);
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    // true: acquired; false: timed out (timeout_ms < 0 waits without limit). An error is a
    // ZooKeeper code (CONNECTIONLOSS after the deadline, SESSIONEXPIRED, ...); on timeout or
    // error no node of ours is left behind.
    ZkResult<bool> acquire(int64_t timeout_ms = -1);
    // API_ERROR when the calling thread does not hold the lock (IllegalMonitorState).
    ZkResult<void> release();

    bool is_acquired_in_this_thread() const;
    // True when some thread holds the lock through this object, it was not lost, and the
    // session is connected (while disconnected the session may be expiring on the server).
    bool is_held() const;
    // True once the held node was deleted by someone else or the session ended after the
    // acquisition; the holder must stop acting as the owner. Reset by the next acquire.
    bool lost() const;
    // Runs once per acquisition when the lock is lost, on the client's io thread: it must not
    // call SyncClient operations. Set it before acquire().
    void set_lost_listener(std::function<void()> on_lost) { on_lost_ = std::move(on_lost); }

    // The node of the calling thread's hold, if any.
    std::optional<std::string> lock_node_path() const;
    // The participants' node names in lock order (the first holds the lock).
    ZkResult<std::vector<std::string>> participant_nodes() { return internals_.sorted_children(); }

private:
    struct Hold {
        std::string path;
        int32_t count = 0;
        std::shared_ptr<HeldWatch> watch;
    };

    LockInternals internals_;
    Data node_data_;
    std::function<void()> on_lost_;
    mutable std::mutex mutex_;
    std::map<std::thread::id, Hold> holds_;
};

}  // namespace wd::recipes
