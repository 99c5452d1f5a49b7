// The acquisition algorithm shared by the lock recipes: Curator's LockInternals with the
// same node layout, "<base>/_c_<uuid>-<lock_name><10-digit sequence>", ephemeral sequential.
//
// attempt(): create our protected node; read the children sorted by sequence; ask the driver
// whether we hold the lock and, if not, which single node to watch (no herd effect: waiters
// watch one predecessor each); wait for that node to change or for the deadline. On timeout
// or any error our node is deleted (retrying CONNECTIONLOSS), so no orphan blocks the queue.
// A holder learns of a lost lock through HeldWatch.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "recipes/common.h"

namespace wd::recipes {

// The driver's answer for one sorted child list (Curator's PredicateResults).
struct LockPredicate {
    bool gets_lock = false;
    std::string path_to_watch;  // a child name, when !gets_lock
};
// (sorted children, our node name) -> predicate; NONODE when our node is not in the list.
using LockDriver =
    std::function<ZkResult<LockPredicate>(const std::vector<std::string>&, const std::string&)>;
// Curator's StandardLockInternalsDriver: the first `max_leases` nodes hold the lock; the
// others watch the node `max_leases` places before them.
LockDriver standard_driver(int32_t max_leases);

class LockInternals {
public:
    // `sort_names`: the lock names whose sequence suffix orders the children (the read-write
    // lock sorts its read and write nodes together); empty means {lock_name}.
    LockInternals(SyncClient& client, std::string base_path, std::string lock_name,
                  LockDriver driver, std::vector<std::string> sort_names = {});

    // Our node's path when acquired; std::nullopt on timeout (timeout_ms < 0: no limit).
    ZkResult<std::optional<std::string>> attempt(int64_t timeout_ms, Data node_data);
    // Deletes our node (Curator's guaranteed delete, bounded by the session timeout).
    ZkResult<void> release(const std::string& our_path);
    // The children sorted by sequence (participants in order).
    ZkResult<std::vector<std::string>> sorted_children();

    SyncClient& client() const { return client_; }
    const std::string& base_path() const { return base_path_; }

private:
    // The waiting loop once our node exists: true when acquired, false on timeout.
    ZkResult<bool> wait_for_lock(const std::string& our_path, const Deadline& deadline);

    SyncClient& client_;
    std::string base_path_;
    std::string lock_name_;
    LockDriver driver_;
    std::vector<std::string> sort_names_;
    std::shared_ptr<Signal> signal_;
    client::Watcher watcher_;  // one identity: re-arming does not pile watches up
};

// Watches a held lock node: lost() turns true when the node is deleted by someone else or the
// session ends (expired or closed), and the listener runs once, on the client's io thread
// (it must not call SyncClient operations). disarm() before deleting the node ourselves.
class HeldWatch {
public:
    static std::shared_ptr<HeldWatch> arm(SyncClient& client, const std::string& path,
                                          std::function<void()> on_lost);
    bool lost() const { return lost_.load(); }
    void disarm() { disarmed_.store(true); }

private:
    void fire();

    std::atomic<bool> lost_{false};
    std::atomic<bool> disarmed_{false};
    std::function<void()> on_lost_;
};

}  // namespace wd::recipes
