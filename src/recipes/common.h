// Helpers shared by the recipes: deadlines, a wake-up signal that watchers bump, Curator's
// protected-node naming ("_c_<uuid>-") and sequence sorting, and path utilities.
//
// The recipes are written only against client/'s public API (STYLE.md §1). Blocking recipes
// take a SyncClient; a watcher never calls a SyncClient operation (it would wait for itself):
// it bumps a Signal that the waiting thread watches.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/sync_client_asio.h"

namespace wd::recipes {

using client::Data;
using client::SyncClient;
using client::ZkResult;

// A point in time to stop waiting; timeout_ms < 0 never expires.
class Deadline {
public:
    explicit Deadline(int64_t timeout_ms);
    bool expired() const;
    // Milliseconds left (0 when expired; INT64_MAX when infinite).
    int64_t remaining_ms() const;
    bool infinite() const { return infinite_; }

private:
    bool infinite_;
    std::chrono::steady_clock::time_point at_;
};

// A generation counter with a condition variable. Watchers call bump(); a waiter reads
// generation() before arming its watch and waits until it changes.
class Signal {
public:
    uint64_t generation() const;
    void bump();
    // True if the generation moved past `seen` before the deadline.
    bool wait_past(uint64_t seen, const Deadline& deadline);

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    uint64_t generation_ = 0;
};
// A watcher that bumps `signal` on every event (node events and session events).
client::Watcher bump_watcher(const std::shared_ptr<Signal>& signal);

// Curator's protected-node prefix: "_c_" + a random version-4 UUID + "-".
std::string make_protected_prefix();
// "a/b" joins; `parent` "/" gives "/name".
std::string join_path(const std::string& parent, const std::string& name);
// The last path component ("/a/b" -> "b").
std::string node_name(const std::string& path);
// Curator's StandardLockInternalsDriver.fixForSorting: the text after the last occurrence of
// `lock_name` (the sequence number), or the whole name if it does not occur.
std::string fix_for_sorting(const std::string& child, const std::string& lock_name);
// Children sorted by their sequence suffix after any of `lock_names` (stable).
std::vector<std::string> sort_by_sequence(std::vector<std::string> children,
                                          const std::vector<std::string>& lock_names);

// Creates every missing ancestor of `path` (not `path` itself) as a container node, as
// Curator's creatingParentContainersIfNeeded. NODEEXISTS races are not errors.
ZkResult<void> ensure_parents(SyncClient& client, const std::string& path);
// Creates `path` and its missing ancestors (persistent, or `mode` for the last one).
ZkResult<void> ensure_path(SyncClient& client, const std::string& path,
                           client::CreateMode mode = client::CreateMode::persistent);

// Creates an ephemeral sequential child "<parent>/<prefix><name>NNNNNNNNNN" with Curator's
// protection: after CONNECTIONLOSS it looks for a child starting with the protected prefix
// before retrying, so a create that was applied is found instead of orphaned. Creates
// missing parents. Retries until `deadline`; returns the created path.
ZkResult<std::string> create_protected_sequential(SyncClient& client, const std::string& parent,
                                                  const std::string& name, Data data,
                                                  const Deadline& deadline, bool ephemeral = true);

// Deletes `path` (any version), retrying CONNECTIONLOSS while the session lives, for at most
// `timeout_ms`. NONODE counts as done. Curator's guaranteed delete, in the foreground.
ZkResult<void> delete_guaranteed(SyncClient& client, const std::string& path, int64_t timeout_ms);

// True while the client's session is usable (connected or read-only).
bool is_connected(const SyncClient& client);

}  // namespace wd::recipes
