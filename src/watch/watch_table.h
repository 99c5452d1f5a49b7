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
//   The four kinds of one session on one path coexist independently, as in ZooKeeper 3.9
//   (ZOOKEEPER-4466); 3.8 kept one mode per (session, path) and let the last add win.
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

// Stable text, e.g. "0x1 NodeCreated /a" (session id in hex as ZooKeeper prints it).
std::string describe(const Notification& notification);
std::string_view kind_name(Kind kind);

// Which watches an accounting report covers.
//   all:        every kind.
//   zk_reports: what ZooKeeper's wchs / wchc / wchp show. They read only the data-watch
//               manager (DataTree.getWatches*): data/exist, persistent and persistent-recursive
//               watches; child watches are not listed. Counts there are (session, path) pairs.
enum class Scope : uint8_t { all, zk_reports };

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
    // Exact path only. children -> child; data -> data (getData and exists watches);
    // persistent -> persistent; persistent_recursive -> persistent_recursive; any -> all four
    // (DataTree.removeWatch / containsWatcher, ZooKeeper 3.9). A value outside 1..5 returns
    // MARSHALLINGERROR, as ZooKeeper's WatcherType.fromInt throw does in FinalRequestProcessor.
    Code remove(int64_t session_id, std::string_view path, proto::WatcherType type,
                bool remove);

    void remove_session(int64_t session_id);

    bool contains(int64_t session_id, std::string_view path, Kind kind) const;

    // ---- accounting for wchs / wchc / wchp / mntr ----
    // Scope::all counts (session, path, kind) triples; Scope::zk_reports counts the
    // (session, path) pairs ZooKeeper's wchs "Total watches" prints.
    size_t watch_count(Scope scope = Scope::all) const;
    size_t path_count(Scope scope = Scope::all) const;     // distinct watched paths
    size_t session_count(Scope scope = Scope::all) const;  // sessions with at least one watch
    // path -> sessions watching it (wchp), session -> paths (wchc); sorted.
    std::map<std::string, std::set<int64_t>> by_path(Scope scope = Scope::all) const;
    std::map<int64_t, std::set<std::string>> by_session(Scope scope = Scope::all) const;
    // mntr zk_watch_count as ZooKeeper 3.8 computes it (DataTree.getWatchCount): pairs in the
    // data manager (data, persistent, recursive) plus pairs in the child manager (child,
    // persistent, recursive), so a persistent watch counts twice.
    size_t mntr_watch_count() const;
    // Persistent-recursive watches in the table (WatchManager.getRecursiveWatchQty).
    size_t recursive_count() const { return recursive_count_; }

private:
    struct Watchers {
        std::set<int64_t> data;
        std::set<int64_t> child;
        std::set<int64_t> persistent;
        std::set<int64_t> persistent_recursive;
        bool empty() const;
        std::set<int64_t>& of(Kind kind);
        const std::set<int64_t>& of(Kind kind) const;
    };
    // Removes one watch and every index entry that becomes empty. REQUIRES: it exists.
    void erase_watch(int64_t session_id, std::string_view path, Kind kind);
    // Takes the one-shot watchers of `kind` out of `watchers`, appending them to `fired`.
    void take_one_shot(Watchers& watchers, const std::string& path, Kind kind,
                       std::vector<int64_t>& fired);
    void fire_exact(const proto::TreeEvent& event, std::vector<int64_t>& fired);
    void fire_ancestors(std::string_view path, std::vector<int64_t>& fired) const;
    static bool in_scope(const Watchers& watchers, int64_t session_id, Scope scope);

    // Invariants: no Watchers in paths_ is empty; no set in sessions_ is empty; the two
    // indexes hold the same (session, path, kind) triples; recursive_count_ equals the number
    // of persistent_recursive triples.
    std::map<std::string, Watchers, std::less<>> paths_;
    std::map<int64_t, std::set<std::pair<std::string, Kind>>> sessions_;
    size_t recursive_count_ = 0;  // fast path: no recursive watches, no ancestor walk
};

}  // namespace wd::watch
