#include "recipes/tree_cache.h"

#include <algorithm>

namespace wd::recipes {

namespace {

bool session_ended(Code code) {
    return code == Code::session_expired || code == Code::session_moved ||
           code == Code::auth_failed;
}

// The key range of the strict descendants of `path` in a map ordered by path: '0' is the
// character after '/', so [path + "/", path + "0") holds exactly the paths below it.
std::string below_first(const std::string& path) {
    return path == "/" ? "/" : path + "/";
}
std::string below_last(const std::string& path) {
    return path == "/" ? "0" : path + "0";
}

}  // namespace

TreeCache::TreeCache(SyncClient& client, std::string path, TreeCacheOptions options)
    : client_(&client), root_(std::move(path)), options_(options) {
    options_.depth_max = std::max<int32_t>(0, options_.depth_max);
    one_shot_ = !options_.recursive_watch;
}

TreeCache::~TreeCache() {
    close();
}

ZkResult<void> TreeCache::start() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (started_) {
            return err(Code::api_error);
        }
        started_ = true;
    }
    loop_.start([this] { return step(); }, options_.recheck_ms);
    return {};
}

bool TreeCache::await_initialized(int64_t timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto done = [this] { return initialized_ || lost_; };
    if (timeout_ms < 0) {
        changed_.wait(lock, done);
    } else {
        changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
    }
    return initialized_;
}

void TreeCache::close() {
    loop_.stop();
    if (watch_added_ && !client::is_terminal(client_->state())) {
        auto type = options_.depth_max == 0 ? client::WatcherType::persistent
                                            : client::WatcherType::persistent_recursive;
        (void)client_->remove_watches(root_, type, loop_.inbox_watcher());
    }
    watch_added_ = false;
}

ZkResult<void> TreeCache::restart(SyncClient& client) {
    if (loop_.running()) {
        return err(Code::api_error);
    }
    loop_.stop();
    client_ = &client;
    watch_added_ = false;
    need_full_ = true;
    one_shot_ = !options_.recursive_watch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        lost_ = false;
        initialized_ = false;
        started_ = true;
    }
    loop_.start([this] { return step(); }, options_.recheck_ms);
    return {};
}

bool TreeCache::step() {
    if (client::is_terminal(client_->state())) {
        return on_error(Code::session_expired);
    }
    if (!is_connected(*client_)) {
        return true;  // the client reconnects; the events of the gap are handled after it
    }
    if (client_->connection_count() != synced_connections_) {
        need_full_ = true;
    }
    bool overflowed = false;
    auto events = loop_.take_events(overflowed);
    if (need_full_ || overflowed) {
        return full_resync();  // it reads everything the dropped events named
    }
    for (size_t i = 0; i < events.size(); ++i) {
        const auto& event = events[i];
        int32_t depth = depth_of(event.path);
        if (depth < 0 || depth > options_.depth_max) {
            continue;  // below depth_max (recursive watch) or outside the subtree
        }
        auto done = refresh(event.path, depth, false);
        if (!done.ok()) {
            need_full_ = true;  // the remaining events are covered by the reload
            return on_error(done.error());
        }
    }
    return true;
}

bool TreeCache::full_resync() {
    // Read the count first: a reconnect during the reload moves it, and reloads again.
    uint64_t connections = client_->connection_count();
    if (!watch_added_ && !one_shot_.load()) {
        auto mode = options_.depth_max == 0 ? client::AddWatchMode::persistent
                                            : client::AddWatchMode::persistent_recursive;
        auto added = client_->add_watch(root_, mode, loop_.inbox_watcher());
        if (!added.ok() && added.error() == Code::unimplemented) {
            one_shot_ = true;
        } else if (!added.ok()) {
            return on_error(added.error());
        } else {
            watch_added_ = true;
        }
    }
    bool overflowed = false;
    (void)loop_.take_events(overflowed);  // the reload covers everything they name
    need_full_ = false;  // refresh() may ask for another reload
    auto done = refresh(root_, 0, true);
    if (!done.ok()) {
        need_full_ = true;
        return on_error(done.error());
    }
    synced_connections_ = connections;
    bool first = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        first = !initialized_;
    }
    if (first) {
        emit(TreeEvent{TreeEventType::initialized, "", {}});
        set_initialized(true);
    }
    return true;
}

ZkResult<void> TreeCache::refresh(const std::string& path, int32_t depth, bool deep) {
    bool one_shot = one_shot_.load();
    auto read = client_->get_data(path, one_shot ? loop_.inbox_watcher() : nullptr);
    if (!read.ok() && read.error() != Code::no_node) {
        return err(read.error());
    }
    if (!read.ok()) {
        remove_subtree(path);
        if (one_shot && path == root_) {
            // No data watch is left on a missing node: an exist watch reports its creation.
            auto exists = client_->exists(path, loop_.inbox_watcher());
            if (!exists.ok()) {
                return err(exists.error());
            }
            if (exists->has_value()) {
                need_full_ = true;  // created meanwhile: load it on the next step, at once
                loop_.signal()->bump();
            }
        }
        return {};
    }
    put_node(path, TreeNode{std::move(read->data), read->stat});
    if (depth >= options_.depth_max) {
        return {};
    }
    return refresh_children(path, depth, deep);
}

ZkResult<void> TreeCache::refresh_children(const std::string& path, int32_t depth, bool deep) {
    auto listed = client_->get_children(path, one_shot_.load() ? loop_.inbox_watcher() : nullptr);
    if (!listed.ok() && listed.error() != Code::no_node) {
        return err(listed.error());
    }
    if (!listed.ok()) {
        remove_subtree(path);  // deleted since the data read; its event follows
        return {};
    }
    std::vector<std::string> names = std::move(listed).value();
    std::sort(names.begin(), names.end());
    for (const auto& cached : cached_children(path)) {
        if (!std::binary_search(names.begin(), names.end(), cached)) {
            remove_subtree(join_path(path, cached));
        }
    }
    for (const auto& name : names) {
        std::string child = join_path(path, name);
        if (!deep && get(child).has_value()) {
            continue;  // known: its own events keep it current
        }
        auto done = refresh(child, depth + 1, true);
        if (!done.ok()) {
            return done;
        }
    }
    return {};
}

int32_t TreeCache::depth_of(const std::string& path) const {
    if (path == root_) {
        return 0;
    }
    std::string prefix = below_first(root_);
    if (!path.starts_with(prefix) || path.size() == prefix.size()) {
        return -1;
    }
    auto rest = std::string_view(path).substr(prefix.size());
    return 1 + static_cast<int32_t>(std::count(rest.begin(), rest.end(), '/'));
}

void TreeCache::put_node(const std::string& path, TreeNode node) {
    std::optional<TreeNode> old = get(path);
    if (old && old->stat.czxid != node.stat.czxid) {
        remove_subtree(path);  // deleted and created again between two reads
        old.reset();
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        nodes_[path] = node;
    }
    // Curator's rule: only a new mzxid is an update; other stat changes (children) are not.
    if (!old) {
        emit(TreeEvent{TreeEventType::node_added, path, std::move(node)});
    } else if (old->stat.mzxid != node.stat.mzxid) {
        emit(TreeEvent{TreeEventType::node_updated, path, std::move(node)});
    }
}

void TreeCache::remove_subtree(const std::string& path) {
    std::vector<std::pair<std::string, TreeNode>> removed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto first = nodes_.lower_bound(below_first(path));
        auto last = nodes_.lower_bound(below_last(path));
        for (auto it = first; it != last; ++it) {
            if (it->first != path) {
                removed.emplace_back(it->first, it->second);
            }
        }
        nodes_.erase(first, last);
        auto self = nodes_.find(path);
        if (self != nodes_.end()) {
            removed.emplace_back(self->first, self->second);
            nodes_.erase(self);
        }
    }
    // Deepest first, as the server deletes them: a parent goes after its children.
    std::sort(removed.begin(), removed.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& [removed_path, node] : removed) {
        emit(TreeEvent{TreeEventType::node_removed, removed_path, std::move(node)});
    }
}

std::vector<std::string> TreeCache::cached_children(const std::string& path) const {
    std::vector<std::string> names;
    std::string prefix = below_first(path);
    std::lock_guard<std::mutex> lock(mutex_);
    auto last = nodes_.lower_bound(below_last(path));
    for (auto it = nodes_.lower_bound(prefix); it != last; ++it) {
        if (it->first == path) {
            continue;
        }
        auto rest = std::string_view(it->first).substr(prefix.size());
        if (rest.find('/') == std::string_view::npos) {
            names.emplace_back(rest);
        }
    }
    return names;
}

bool TreeCache::on_error(Code code) {
    if (!session_ended(code) && !client::is_terminal(client_->state())) {
        return true;  // CONNECTIONLOSS and the like: the next step retries
    }
    bool first = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        first = !lost_;
        lost_ = true;
    }
    changed_.notify_all();
    watch_added_ = false;  // the session's watches are gone with it
    if (first) {
        emit(TreeEvent{TreeEventType::lost, "", {}});
    }
    return false;
}

void TreeCache::emit(const TreeEvent& event) {
    if (listener_) {
        listener_(event);
    }
}

void TreeCache::set_initialized(bool value) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        initialized_ = value;
    }
    changed_.notify_all();
}

std::optional<TreeNode> TreeCache::get(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = nodes_.find(path);
    if (it == nodes_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::vector<std::string> TreeCache::children(const std::string& path) const {
    return cached_children(path);
}

std::map<std::string, TreeNode> TreeCache::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return nodes_;
}

bool TreeCache::initialized() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return initialized_;
}

bool TreeCache::lost() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lost_;
}

}  // namespace wd::recipes
