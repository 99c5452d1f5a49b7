#include "client/watch_manager.h"

#include <algorithm>

namespace wd::client {

namespace {

void add_unique(std::vector<Watcher>& out, const Watcher& w) {
    if (std::find(out.begin(), out.end(), w) == out.end()) {
        out.push_back(w);
    }
}

// Moves the watchers of `path` out of `table` into `out`.
void take(std::map<std::string, std::vector<Watcher>>& table, const std::string& path,
          std::vector<Watcher>& out) {
    auto it = table.find(path);
    if (it == table.end()) {
        return;
    }
    for (const Watcher& w : it->second) {
        add_unique(out, w);
    }
    table.erase(it);
}

void copy(const std::map<std::string, std::vector<Watcher>>& table, const std::string& path,
          std::vector<Watcher>& out) {
    auto it = table.find(path);
    if (it == table.end()) {
        return;
    }
    for (const Watcher& w : it->second) {
        add_unique(out, w);
    }
}

// Removes `only` (or all) of `path` from `table`, reporting each removal as `event`.
void drop(std::map<std::string, std::vector<Watcher>>& table, const std::string& path,
          const Watcher& only, EventType event, std::vector<WatchManager::Removed>& out) {
    auto it = table.find(path);
    if (it == table.end()) {
        return;
    }
    auto& list = it->second;
    for (size_t i = list.size(); i > 0; --i) {
        if (only == nullptr || list[i - 1] == only) {
            out.push_back({list[i - 1], event});
            list.erase(list.begin() + static_cast<std::ptrdiff_t>(i - 1));
        }
    }
    if (list.empty()) {
        table.erase(it);
    }
}

}  // namespace

WatchManager::Table& WatchManager::table(WatchKind kind) {
    return const_cast<Table&>(static_cast<const WatchManager*>(this)->table(kind));
}

const WatchManager::Table& WatchManager::table(WatchKind kind) const {
    switch (kind) {
        case WatchKind::data: return data_;
        case WatchKind::exist: return exist_;
        case WatchKind::child: return child_;
        case WatchKind::persistent: return persistent_;
        case WatchKind::persistent_recursive: return recursive_;
        case WatchKind::none:
        case WatchKind::remove: break;
    }
    WD_UNREACHABLE();
}

void WatchManager::add(WatchKind kind, const std::string& path, const Watcher& watcher) {
    WD_ASSERT(watcher != nullptr);
    add_unique(table(kind)[path], watcher);
}

std::vector<Watcher> WatchManager::materialize(EventType type, const std::string& path) {
    WD_ASSERT(type != EventType::none);
    std::vector<Watcher> out;
    switch (type) {
        case EventType::node_created:
        case EventType::node_data_changed:
            take(data_, path, out);
            take(exist_, path, out);
            break;
        case EventType::node_deleted:
            take(data_, path, out);
            take(exist_, path, out);
            take(child_, path, out);
            break;
        case EventType::node_children_changed: take(child_, path, out); break;
        default: break;
    }
    copy(persistent_, path, out);
    if (type == EventType::node_children_changed) {
        return out;
    }
    // The path itself, then each ancestor up to "/" (PathParentIterator.forAll).
    std::string p = path;
    for (size_t depth = 0; depth <= path.size(); ++depth) {
        copy(recursive_, p, out);
        if (p == "/" || p.empty()) {
            break;
        }
        size_t slash = p.rfind('/');
        p = slash == 0 ? "/" : p.substr(0, slash);
    }
    return out;
}

std::vector<Watcher> WatchManager::all() const {
    std::vector<Watcher> out;
    for (const Table* t : {&data_, &exist_, &child_, &persistent_, &recursive_}) {
        for (const auto& [path, list] : *t) {
            for (const Watcher& w : list) {
                add_unique(out, w);
            }
        }
    }
    return out;
}

void WatchManager::clear() {
    for (Table* t : {&data_, &exist_, &child_, &persistent_, &recursive_}) {
        t->clear();
    }
}

bool WatchManager::empty() const { return size() == 0; }

size_t WatchManager::size() const {
    size_t n = 0;
    for (const Table* t : {&data_, &exist_, &child_, &persistent_, &recursive_}) {
        for (const auto& [path, list] : *t) {
            n += list.size();
        }
    }
    return n;
}

std::vector<WatchManager::Removed> WatchManager::remove(const std::string& path,
                                                        WatcherType type,
                                                        const Watcher& only) {
    std::vector<Removed> out;
    bool any = type == WatcherType::any;
    if (any || type == WatcherType::children) {
        drop(child_, path, only, EventType::child_watch_removed, out);
    }
    if (any || type == WatcherType::data) {
        drop(data_, path, only, EventType::data_watch_removed, out);
        drop(exist_, path, only, EventType::data_watch_removed, out);
    }
    if (any || type == WatcherType::persistent) {
        drop(persistent_, path, only, EventType::persistent_watch_removed, out);
    }
    if (any || type == WatcherType::persistent_recursive) {
        drop(recursive_, path, only, EventType::persistent_watch_removed, out);
    }
    return out;
}

std::vector<std::string> WatchManager::paths(WatchKind kind) const {
    std::vector<std::string> out;
    for (const auto& [path, list] : table(kind)) {
        out.push_back(path);
    }
    return out;
}

}  // namespace wd::client
