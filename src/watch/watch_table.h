// The watch table: which session watches what, and the notifications a tree change fires.
//
// Pure and single-threaded. Watches are local to the server a session is connected to.
// Semantics (Watcher.java, zookeeperProgrammers.md, WatchManager / DataTree.setWatches):
//   - data watches (getData, exists) are one-shot; fire NodeCreated, NodeDeleted,
//     NodeDataChanged for their path;
//   - child watches (getChildren) are one-shot; fire NodeChildrenChanged for their path, and
//     NodeDeleted when the node itself is deleted;
//   - persistent watches (addWatch mode 0) stay; fire every event of their path, including
//     NodeChildrenChanged;
//   - persistent-recursive watches (addWatch mode 1) stay; fire NodeCreated, NodeDeleted and
//     NodeDataChanged for their path and every path below it, never NodeChildrenChanged.
//   A session gets at most one notification per event even when several of its watches match.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/code.h"
#include "proto/events.h"
#include "proto/records.h"

namespace wd::watch {

enum class Kind : uint8_t { data, child, persistent, persistent_recursive };

struct Notification {
    int64_t session_id = 0;
    proto::EventType type = proto::EventType::none;
    std::string path;
    bool operator==(const Notification&) const = default;
};

// Looks up the current Stat of a path; nullopt when the node does not exist.
using StatLookup = std::function<std::optional<proto::Stat>(std::string_view path)>;

class WatchTable {
public:
    void add(int64_t session_id, std::string_view path, Kind kind);

    // Notifications for one tree change, sessions in ascending id order. One-shot watches
    // that fired are removed.
    std::vector<Notification> trigger(const proto::TreeEvent& event);

    // setWatches / setWatches2 after a reconnect: for each watch, fire what the session
    // missed since `relative_zxid` (as DataTree.setWatches does) or register it.
    std::vector<Notification> set_watches(int64_t session_id, const proto::SetWatches2& watches,
                                          const StatLookup& stat_of);

    // removeWatches (remove = true) / checkWatches (remove = false) for `type`
    // (proto::WatcherType). NOWATCHER when the session has no such watch on `path`.
    Code remove(int64_t session_id, std::string_view path, proto::WatcherType type,
                bool remove);

    void remove_session(int64_t session_id);

    // ---- accounting for wchs / wchc / wchp / mntr ----
    size_t watch_count() const;            // (session, path, kind) triples
    size_t path_count() const;             // distinct watched paths
    size_t session_count() const;          // sessions with at least one watch
    // path -> sessions watching it (wchp), session -> paths (wchc); sorted.
    std::map<std::string, std::set<int64_t>> by_path() const;
    std::map<int64_t, std::set<std::string>> by_session() const;

private:
    struct Watchers {
        std::set<int64_t> data;
        std::set<int64_t> child;
        std::set<int64_t> persistent;
        std::set<int64_t> persistent_recursive;
        bool empty() const;
    };
    std::map<std::string, Watchers, std::less<>> paths_;
    std::map<int64_t, std::set<std::pair<std::string, Kind>>> sessions_;
    size_t recursive_count_ = 0;  // fast path: no recursive watches, no ancestor walk
};

}  // namespace wd::watch
