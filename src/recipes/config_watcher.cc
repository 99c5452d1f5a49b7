#include "recipes/config_watcher.h"

namespace wd::recipes {

namespace {

TreeCacheOptions root_only(TreeCacheOptions options) {
    options.depth_max = 0;
    return options;
}

}  // namespace

ConfigWatcher::ConfigWatcher(SyncClient& client, std::string path, TreeCacheOptions options)
    : cache_(client, std::move(path), root_only(options)) {
    cache_.set_listener([this](const TreeEvent& event) { on_tree_event(event); });
}

void ConfigWatcher::on_tree_event(const TreeEvent& event) {
    if (event.type == TreeEventType::initialized) {
        initialized_ = true;
        return;
    }
    // The load (and a rebuild) report the first value as added: current() holds it.
    if (!initialized_.load() && event.type != TreeEventType::lost) {
        return;
    }
    if (!listener_) {
        return;
    }
    switch (event.type) {
        case TreeEventType::node_added:
            listener_(ConfigEvent{ConfigEventType::created, event.node});
            break;
        case TreeEventType::node_updated:
            listener_(ConfigEvent{ConfigEventType::changed, event.node});
            break;
        case TreeEventType::node_removed:
            listener_(ConfigEvent{ConfigEventType::deleted, event.node});
            break;
        case TreeEventType::lost: listener_(ConfigEvent{ConfigEventType::lost, {}}); break;
        case TreeEventType::initialized: break;
    }
}

ZkResult<void> ConfigWatcher::await_first(int64_t timeout_ms) {
    if (cache_.await_initialized(timeout_ms)) {
        return {};
    }
    return err(cache_.lost() ? Code::session_expired : Code::connection_loss);
}

ZkResult<void> ConfigWatcher::start(int64_t timeout_ms) {
    auto started = cache_.start();
    if (!started.ok()) {
        return started;
    }
    return await_first(timeout_ms);
}

std::string ConfigWatcher::current_text() const {
    auto value = current();
    return value && value->data ? *value->data : std::string();
}

ZkResult<void> ConfigWatcher::restart(SyncClient& client, int64_t timeout_ms) {
    // Differences found by the rebuild are changes the listener did not see: report them.
    auto restarted = cache_.restart(client);
    if (!restarted.ok()) {
        return restarted;
    }
    return await_first(timeout_ms);
}

}  // namespace wd::recipes
