// Client-side watch bookkeeping, as the Java client's ZKWatchManager.
//
// One-shot watches (data, exist, child) fire once and are then dropped; persistent and
// persistent-recursive watches (addWatch) stay until removed. materialize() maps a
// notification from the server to the watchers it reaches:
//   node_created, node_data_changed   data + exist watches of the path (dropped)
//   node_deleted                      data + exist + child watches of the path (dropped)
//   node_children_changed             child watches of the path (dropped)
//   every type                        persistent watches of the path
//   every type but children_changed   persistent-recursive watches of the path and of every
//                                     ancestor ("/a" receives events for "/a/b/c")
// Paths are client paths (the chroot stripped). Pure; single-threaded; iteration order is the
// map's, so the lists it produces are deterministic.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "client/types.h"

namespace wd::client {

class WatchManager {
public:
    // Adds `watcher` for `kind` (data, exist, child, persistent, persistent_recursive) on
    // `path`. A watcher already present there is kept once.
    void add(WatchKind kind, const std::string& path, const Watcher& watcher);

    // The watchers a notification reaches, each once, one-shot registrations removed.
    // REQUIRES: type != none.
    std::vector<Watcher> materialize(EventType type, const std::string& path);

    // Every watcher (each once), for session events (expired, closed).
    std::vector<Watcher> all() const;
    void clear();
    bool empty() const;
    size_t size() const;  // registrations, all kinds

    // Removes the watchers of `type` on `path` (only `only` when it is set) and returns each
    // with the event it is told (data_watch_removed, child_watch_removed,
    // persistent_watch_removed).
    struct Removed {
        Watcher watcher;
        EventType type = EventType::none;
    };
    std::vector<Removed> remove(const std::string& path, WatcherType type, const Watcher& only);

    // The paths with a registration of `kind`, sorted.
    std::vector<std::string> paths(WatchKind kind) const;

private:
    using Table = std::map<std::string, std::vector<Watcher>>;
    Table& table(WatchKind kind);
    const Table& table(WatchKind kind) const;

    Table data_;
    Table exist_;
    Table child_;
    Table persistent_;
    Table recursive_;
};

}  // namespace wd::client
