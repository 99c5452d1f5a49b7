// A tree cache (Curator's TreeCache / CuratorCache): an in-memory mirror of the subtree at
// `path` (data and stat of every node down to `depth_max`), kept current by a background
// thread, with events node_added, node_updated, node_removed, initialized and lost.
//
// Watches: one addWatch PERSISTENT_RECURSIVE on the root (PERSISTENT when depth_max is 0). A
// server that answers UNIMPLEMENTED (ZooKeeper before 3.6), or options.recursive_watch false,
// selects one-shot watches instead: a data watch on every cached node, a child watch on every
// node above depth_max, and an exist watch on the root while it is missing. Either way an
// event makes the thread re-read the node it names (data, stat and children), load new
// children with their subtrees and drop the subtrees of children that are gone.
//
// Consistency: every event is followed by a read issued after the event arrived, so the read
// reflects that change or a later one (ZooKeeper's watch ordering). Once changes stop, the
// cache converges to the server's subtree: same paths, same data, same stat.mzxid and czxid.
// It can miss intermediate states of a node that changes quickly (as every ZooKeeper cache).
// Reconnects: persistent watches are re-registered by the client, but ZooKeeper does not
// replay the events of the gap for them, so after every reconnect (SyncClient's
// connection_count moved) the thread re-reads the whole subtree and reports the differences.
// Session end (expiry, close): the thread reports `lost` and stops; the contents are the last
// known state. restart() with another client rebuilds the cache and reports the differences.
//
// Threads: the listener runs on the cache's thread (never concurrently with itself); it may
// call SyncClient operations but must not call close() or restart() or destroy the cache. The
// accessors may be called from any thread.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "recipes/background.h"

namespace wd::recipes {

struct TreeNode {
    Data data;
    client::Stat stat;
    bool operator==(const TreeNode&) const = default;
};

enum class TreeEventType : uint8_t { node_added, node_updated, node_removed, initialized, lost };

struct TreeEvent {
    TreeEventType type = TreeEventType::initialized;
    std::string path;  // empty for initialized and lost
    TreeNode node;     // added, updated: the new node; removed: the last known one
};

struct TreeCacheOptions {
    int32_t depth_max = 64;       // 0: the root only; 1: the root and its children; ...
    bool recursive_watch = true;  // false: one-shot watches even if the server has addWatch
    int64_t recheck_ms = 250;     // how often the thread looks at the session state
};

class TreeCache {
public:
    using Listener = std::function<void(const TreeEvent&)>;

    TreeCache(SyncClient& client, std::string path, TreeCacheOptions options = {});
    ~TreeCache();  // close()
    TreeCache(const TreeCache&) = delete;
    TreeCache& operator=(const TreeCache&) = delete;

    // REQUIRES: before start().
    void set_listener(Listener listener) { listener_ = std::move(listener); }
    // Starts the thread, which registers the watch and loads the subtree (a missing root is
    // an empty cache, filled when the root appears). API_ERROR if already started.
    ZkResult<void> start();
    // Waits until the first full load is done (after restart(): the rebuild); false on
    // timeout (< 0: no limit) or when the session ended first.
    bool await_initialized(int64_t timeout_ms);
    // Stops the thread and removes the persistent watch (best effort). Idempotent.
    void close();
    // After lost(): binds the cache to `client` (a new session) and rebuilds it; the
    // differences to the last known contents are reported as events, then `initialized`.
    // API_ERROR while the cache is running. `client` must outlive the cache (or close()).
    ZkResult<void> restart(SyncClient& client);

    // The cached node at `path` (absolute), if any.
    std::optional<TreeNode> get(const std::string& path) const;
    // The names of the cached children of `path`, sorted.
    std::vector<std::string> children(const std::string& path) const;
    // Every cached node by absolute path.
    std::map<std::string, TreeNode> snapshot() const;
    bool initialized() const;
    // The session ended; the cache stopped with its last known contents.
    bool lost() const;
    // True when one-shot watches are used (asked for, or the server lacks addWatch).
    bool one_shot_watches() const { return one_shot_.load(); }
    const std::string& path() const { return root_; }

private:
    bool step();
    // The first load and every reload after a reconnect; false when the loop must stop.
    bool full_resync();
    // Re-reads `path` (at `depth` below the root); `deep` also re-reads cached children.
    // New children are always loaded with their subtrees.
    ZkResult<void> refresh(const std::string& path, int32_t depth, bool deep);
    ZkResult<void> refresh_children(const std::string& path, int32_t depth, bool deep);
    // The depth of `path` below the root, or -1 if it is not in the subtree.
    int32_t depth_of(const std::string& path) const;
    // Cache mutation (on the thread only) with the matching events.
    void put_node(const std::string& path, TreeNode node);
    void remove_subtree(const std::string& path);
    std::vector<std::string> cached_children(const std::string& path) const;
    // false (and lost) when `code` means the session ended.
    bool on_error(Code code);
    void emit(const TreeEvent& event);
    void set_initialized(bool value);

    SyncClient* client_;
    std::string root_;
    TreeCacheOptions options_;
    Listener listener_;
    BackgroundLoop loop_;
    std::atomic<bool> one_shot_{false};
    // Thread-only state.
    bool watch_added_ = false;
    bool need_full_ = true;
    uint64_t synced_connections_ = 0;
    // Shared state, under mutex_.
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, TreeNode> nodes_;
    bool initialized_ = false;
    bool lost_ = false;
    bool started_ = false;
};

}  // namespace wd::recipes
