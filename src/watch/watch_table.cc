#include "watch/watch_table.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "base/assert.h"

namespace wd::watch {

namespace {

using proto::EventType;

constexpr Kind all_kinds[] = {Kind::data, Kind::child, Kind::persistent,
                              Kind::persistent_recursive};

std::string_view event_name(EventType type) {
    switch (type) {
        case EventType::none: return "None";
        case EventType::node_created: return "NodeCreated";
        case EventType::node_deleted: return "NodeDeleted";
        case EventType::node_data_changed: return "NodeDataChanged";
        case EventType::node_children_changed: return "NodeChildrenChanged";
        case EventType::data_watch_removed: return "DataWatchRemoved";
        case EventType::child_watch_removed: return "ChildWatchRemoved";
        case EventType::persistent_watch_removed: return "PersistentWatchRemoved";
    }
    return "Unknown";
}

bool is_tree_event(EventType type) {
    return type == EventType::node_created || type == EventType::node_deleted ||
           type == EventType::node_data_changed || type == EventType::node_children_changed;
}

// The parent of an absolute path other than "/" (PathParentIterator's step).
std::string_view parent_of(std::string_view path) {
    WD_ASSERT(path.size() > 1);
    const size_t slash = path.rfind('/');
    WD_ASSERT(slash != std::string_view::npos);
    return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

// Bit mask over Kind of the watches a WatcherType covers; 0 for values outside the enum.
// ZooKeeper 3.9 DataTree.removeWatch / containsWatcher: Children and Data cover only the
// standard (one-shot) watches, Persistent and PersistentRecursive only their own mode, Any all.
unsigned kinds_of(proto::WatcherType type) {
    auto bit = [](Kind kind) { return 1u << static_cast<unsigned>(kind); };
    switch (type) {
        case proto::WatcherType::children: return bit(Kind::child);
        case proto::WatcherType::data: return bit(Kind::data);
        case proto::WatcherType::any:
            return bit(Kind::data) | bit(Kind::child) | bit(Kind::persistent) |
                   bit(Kind::persistent_recursive);
        case proto::WatcherType::persistent: return bit(Kind::persistent);
        case proto::WatcherType::persistent_recursive: return bit(Kind::persistent_recursive);
    }
    return 0;
}

}  // namespace

std::string_view kind_name(Kind kind) {
    switch (kind) {
        case Kind::data: return "data";
        case Kind::child: return "child";
        case Kind::persistent: return "persistent";
        case Kind::persistent_recursive: return "persistent_recursive";
    }
    return "unknown";
}

std::string describe(const Notification& notification) {
    char id[32];
    std::snprintf(id, sizeof(id), "0x%" PRIx64, static_cast<uint64_t>(notification.session_id));
    std::string out(id);
    out += ' ';
    out += event_name(notification.type);
    out += ' ';
    out += notification.path;
    return out;
}

bool WatchTable::Watchers::empty() const {
    return data.empty() && child.empty() && persistent.empty() && persistent_recursive.empty();
}

std::set<int64_t>& WatchTable::Watchers::of(Kind kind) {
    switch (kind) {
        case Kind::data: return data;
        case Kind::child: return child;
        case Kind::persistent: return persistent;
        case Kind::persistent_recursive: return persistent_recursive;
    }
    WD_UNREACHABLE();
}

const std::set<int64_t>& WatchTable::Watchers::of(Kind kind) const {
    return const_cast<Watchers*>(this)->of(kind);
}

void WatchTable::add(int64_t session_id, std::string_view path, Kind kind) {
    auto it = paths_.find(path);
    if (it == paths_.end()) {
        it = paths_.emplace(std::string(path), Watchers{}).first;
    }
    const bool inserted = it->second.of(kind).insert(session_id).second;
    if (!inserted) {
        return;  // Already watching this way: watches are sets, adding twice is a no-op.
    }
    const bool indexed = sessions_[session_id].emplace(std::string(path), kind).second;
    WD_ASSERT(indexed);
    if (kind == Kind::persistent_recursive) {
        ++recursive_count_;
    }
}

void WatchTable::erase_watch(int64_t session_id, std::string_view path, Kind kind) {
    auto path_it = paths_.find(path);
    WD_ASSERT(path_it != paths_.end());
    const size_t erased = path_it->second.of(kind).erase(session_id);
    WD_ASSERT(erased == 1);
    if (path_it->second.empty()) {
        paths_.erase(path_it);
    }
    auto session_it = sessions_.find(session_id);
    WD_ASSERT(session_it != sessions_.end());
    const size_t unindexed = session_it->second.erase({std::string(path), kind});
    WD_ASSERT(unindexed == 1);
    if (session_it->second.empty()) {
        sessions_.erase(session_it);
    }
    if (kind == Kind::persistent_recursive) {
        WD_ASSERT(recursive_count_ > 0);
        --recursive_count_;
    }
}

void WatchTable::take_one_shot(Watchers& watchers, const std::string& path, Kind kind,
                               std::vector<int64_t>& fired) {
    WD_ASSERT(kind == Kind::data || kind == Kind::child);
    std::set<int64_t> taken;
    taken.swap(watchers.of(kind));
    for (const int64_t session_id : taken) {
        fired.push_back(session_id);
        auto session_it = sessions_.find(session_id);
        WD_ASSERT(session_it != sessions_.end());
        const size_t unindexed = session_it->second.erase({path, kind});
        WD_ASSERT(unindexed == 1);
        if (session_it->second.empty()) {
            sessions_.erase(session_it);
        }
    }
}

// The watches on the event's own path (WatchManager.triggerWatch at level 0, with DataTree
// choosing the manager): data watches fire for created / deleted / data changed, child watches
// for deleted / children changed, persistent for all four, recursive for all but children
// changed. One-shot watches are consumed.
void WatchTable::fire_exact(const proto::TreeEvent& event, std::vector<int64_t>& fired) {
    auto it = paths_.find(event.path);
    if (it == paths_.end()) {
        return;
    }
    Watchers& watchers = it->second;
    const bool children_changed = event.type == EventType::node_children_changed;
    const bool deleted = event.type == EventType::node_deleted;
    if (!children_changed) {
        take_one_shot(watchers, it->first, Kind::data, fired);
    }
    if (children_changed || deleted) {
        take_one_shot(watchers, it->first, Kind::child, fired);
    }
    fired.insert(fired.end(), watchers.persistent.begin(), watchers.persistent.end());
    if (!children_changed) {
        fired.insert(fired.end(), watchers.persistent_recursive.begin(),
                     watchers.persistent_recursive.end());
    }
    if (watchers.empty()) {
        paths_.erase(it);
    }
}

// Persistent-recursive watches on the strict ancestors of `path` (PathParentIterator.forAll).
// REQUIRES: `path` is absolute. Bounded: each step shortens the path.
void WatchTable::fire_ancestors(std::string_view path, std::vector<int64_t>& fired) const {
    WD_ASSERT(!path.empty());
    WD_ASSERT(path[0] == '/');
    const size_t steps_max = path.size();
    size_t steps = 0;
    while (path != "/") {
        WD_ASSERT(steps < steps_max);
        ++steps;
        path = parent_of(path);
        auto it = paths_.find(path);
        if (it != paths_.end()) {
            const auto& recursive = it->second.persistent_recursive;
            fired.insert(fired.end(), recursive.begin(), recursive.end());
        }
    }
}

std::vector<Notification> WatchTable::trigger(const proto::TreeEvent& event) {
    WD_ASSERT(is_tree_event(event.type));
    WD_ASSERT(!event.path.empty());
    WD_ASSERT(event.path[0] == '/');
    std::vector<int64_t> fired;
    fire_exact(event, fired);
    // Recursive watches never see NodeChildrenChanged, so only other events walk up; and only
    // when a recursive watch exists at all, keeping the common case one lookup.
    if (recursive_count_ > 0 && event.type != EventType::node_children_changed) {
        fire_ancestors(event.path, fired);
    }
    // One notification per session (ZooKeeper collects a Set<Watcher> and, for deletes,
    // suppresses the child manager's watchers that the data manager already notified).
    std::sort(fired.begin(), fired.end());
    fired.erase(std::unique(fired.begin(), fired.end()), fired.end());
    std::vector<Notification> out;
    out.reserve(fired.size());
    for (const int64_t session_id : fired) {
        out.push_back(Notification{session_id, event.type, event.path});
    }
    return out;
}

// DataTree.setWatches: a missed change fires at once (and the watch is not registered);
// otherwise the watch is registered. Lists are handled in ZooKeeper's order: data, exist,
// child, persistent, persistent-recursive. Duplicates are not merged, as in ZooKeeper.
std::vector<Notification> WatchTable::set_watches(int64_t session_id,
                                                  const proto::SetWatches2& watches,
                                                  const StatLookup& stat_of) {
    std::vector<Notification> out;
    auto fire = [&](EventType type, const std::string& path) {
        out.push_back(Notification{session_id, type, path});
    };
    for (const std::string& path : watches.data_watches) {
        const std::optional<proto::Stat> stat = stat_of(path);
        if (!stat) {
            fire(EventType::node_deleted, path);
        } else if (stat->mzxid > watches.relative_zxid) {
            fire(EventType::node_data_changed, path);
        } else {
            add(session_id, path, Kind::data);
        }
    }
    for (const std::string& path : watches.exist_watches) {
        if (stat_of(path)) {
            fire(EventType::node_created, path);
        } else {
            add(session_id, path, Kind::data);
        }
    }
    for (const std::string& path : watches.child_watches) {
        const std::optional<proto::Stat> stat = stat_of(path);
        if (!stat) {
            fire(EventType::node_deleted, path);
        } else if (stat->pzxid > watches.relative_zxid) {
            fire(EventType::node_children_changed, path);
        } else {
            add(session_id, path, Kind::child);
        }
    }
    for (const std::string& path : watches.persistent_watches) {
        add(session_id, path, Kind::persistent);
    }
    for (const std::string& path : watches.persistent_recursive_watches) {
        add(session_id, path, Kind::persistent_recursive);
    }
    return out;
}

Code WatchTable::remove(int64_t session_id, std::string_view path, proto::WatcherType type,
                        bool remove) {
    const unsigned kinds = kinds_of(type);
    if (kinds == 0) {
        return Code::marshalling_error;
    }
    auto it = paths_.find(path);
    if (it == paths_.end()) {
        return Code::no_watcher;
    }
    std::vector<Kind> matched;
    for (const Kind kind : all_kinds) {
        const bool covered = (kinds & (1u << static_cast<unsigned>(kind))) != 0;
        if (covered && it->second.of(kind).contains(session_id)) {
            matched.push_back(kind);
        }
    }
    if (matched.empty()) {
        return Code::no_watcher;
    }
    if (remove) {
        for (const Kind kind : matched) {
            erase_watch(session_id, path, kind);  // May erase `it`; not used afterwards.
        }
    }
    return Code::ok;
}

void WatchTable::remove_session(int64_t session_id) {
    auto session_it = sessions_.find(session_id);
    if (session_it == sessions_.end()) {
        return;
    }
    std::set<std::pair<std::string, Kind>> watches;
    watches.swap(session_it->second);
    sessions_.erase(session_it);
    for (const auto& [path, kind] : watches) {
        auto path_it = paths_.find(path);
        WD_ASSERT(path_it != paths_.end());
        const size_t erased = path_it->second.of(kind).erase(session_id);
        WD_ASSERT(erased == 1);
        if (path_it->second.empty()) {
            paths_.erase(path_it);
        }
        if (kind == Kind::persistent_recursive) {
            WD_ASSERT(recursive_count_ > 0);
            --recursive_count_;
        }
    }
}

bool WatchTable::contains(int64_t session_id, std::string_view path, Kind kind) const {
    auto it = paths_.find(path);
    return it != paths_.end() && it->second.of(kind).contains(session_id);
}

bool WatchTable::in_scope(const Watchers& watchers, int64_t session_id, Scope scope) {
    if (scope == Scope::all) {
        return true;
    }
    return watchers.data.contains(session_id) || watchers.persistent.contains(session_id) ||
           watchers.persistent_recursive.contains(session_id);
}

size_t WatchTable::watch_count(Scope scope) const {
    size_t count = 0;
    if (scope == Scope::all) {
        for (const auto& [session_id, watches] : sessions_) {
            count += watches.size();
        }
        return count;
    }
    for (const auto& [path, sessions] : by_path(scope)) {
        count += sessions.size();
    }
    return count;
}

size_t WatchTable::path_count(Scope scope) const {
    return scope == Scope::all ? paths_.size() : by_path(scope).size();
}

size_t WatchTable::session_count(Scope scope) const {
    return scope == Scope::all ? sessions_.size() : by_session(scope).size();
}

std::map<std::string, std::set<int64_t>> WatchTable::by_path(Scope scope) const {
    std::map<std::string, std::set<int64_t>> out;
    for (const auto& [path, watchers] : paths_) {
        std::set<int64_t> sessions;
        for (const Kind kind : all_kinds) {
            for (const int64_t session_id : watchers.of(kind)) {
                if (in_scope(watchers, session_id, scope)) {
                    sessions.insert(session_id);
                }
            }
        }
        if (!sessions.empty()) {
            out.emplace(path, std::move(sessions));
        }
    }
    return out;
}

std::map<int64_t, std::set<std::string>> WatchTable::by_session(Scope scope) const {
    std::map<int64_t, std::set<std::string>> out;
    for (const auto& [path, session_ids] : by_path(scope)) {
        for (const int64_t session_id : session_ids) {
            out[session_id].insert(path);
        }
    }
    return out;
}

size_t WatchTable::mntr_watch_count() const {
    size_t count = 0;
    for (const auto& [path, watchers] : paths_) {
        const auto& persistent = watchers.persistent;
        const auto& recursive = watchers.persistent_recursive;
        std::set<int64_t> data_manager(watchers.data);
        data_manager.insert(persistent.begin(), persistent.end());
        data_manager.insert(recursive.begin(), recursive.end());
        std::set<int64_t> child_manager(watchers.child);
        child_manager.insert(persistent.begin(), persistent.end());
        child_manager.insert(recursive.begin(), recursive.end());
        count += data_manager.size() + child_manager.size();
    }
    return count;
}

}  // namespace wd::watch
