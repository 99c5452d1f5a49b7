// A configuration watcher (Curator's NodeCache, as a CuratorCache of one node): the current
// value of the znode at `path` and a listener called for every change the client observes,
// in zxid order: created, changed, deleted; lost when the session ends.
//
// It is a TreeCache of depth 0 (one PERSISTENT watch on the node, or one-shot data and exist
// watches re-armed by every read), so it inherits its rules: after every event the node is
// re-read; after a reconnect it is re-read and a change in the gap is reported; session
// expiry reports `lost` and keeps the last value until restart() with a new client.
//
// Guarantees: the value converges to the node's latest state. Changes that are further apart
// than one notification and read round trip are each reported once, in order (their
// stat.version increases). Faster changes may be merged: ZooKeeper watches deliver "changed",
// not every intermediate value, so a listener must treat each value as the newest, not as a
// delta. The listener runs on the watcher's thread (TreeCache's rules).
#pragma once

#include "recipes/tree_cache.h"

namespace wd::recipes {

enum class ConfigEventType : uint8_t { created, changed, deleted, lost };

struct ConfigEvent {
    ConfigEventType type = ConfigEventType::changed;
    // created, changed: the new value; deleted: the last known one; lost: empty.
    std::optional<TreeNode> value;
};

class ConfigWatcher {
public:
    using Listener = std::function<void(const ConfigEvent&)>;

    ConfigWatcher(SyncClient& client, std::string path, TreeCacheOptions options = {});
    ~ConfigWatcher() { close(); }  // before the members the listener uses go
    ConfigWatcher(const ConfigWatcher&) = delete;
    ConfigWatcher& operator=(const ConfigWatcher&) = delete;

    // REQUIRES: before start().
    void set_listener(Listener listener) { listener_ = std::move(listener); }
    // Starts watching and waits up to timeout_ms for the first read; CONNECTIONLOSS on
    // timeout, SESSIONEXPIRED if the session ended. The first value is not reported to the
    // listener: read it with current().
    ZkResult<void> start(int64_t timeout_ms = 30'000);
    // The node's data and stat, or std::nullopt while it does not exist.
    std::optional<TreeNode> current() const { return cache_.get(cache_.path()); }
    // The value's data as text ("" for a missing node or null data).
    std::string current_text() const;
    bool lost() const { return cache_.lost(); }
    // After lost(): continues with `client`; a difference to the last value is reported.
    ZkResult<void> restart(SyncClient& client, int64_t timeout_ms = 30'000);
    void close() { cache_.close(); }

private:
    void on_tree_event(const TreeEvent& event);
    ZkResult<void> await_first(int64_t timeout_ms);

    TreeCache cache_;
    Listener listener_;
    std::atomic<bool> initialized_{false};
};

}  // namespace wd::recipes
