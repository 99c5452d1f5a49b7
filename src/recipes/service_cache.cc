#include "recipes/service_cache.h"

#include <algorithm>

namespace wd::recipes {

namespace {

TreeCacheOptions children_only(TreeCacheOptions options) {
    options.depth_max = 1;
    return options;
}

}  // namespace

ServiceCache::ServiceCache(SyncClient& client, const std::string& base_path, std::string name,
                           TreeCacheOptions options)
    : name_(std::move(name)),
      service_path_(join_path(base_path, name_)),
      cache_(client, service_path_, children_only(options)) {
    cache_.set_listener([this](const TreeEvent& event) {
        bool instance = !event.path.empty() && event.path != service_path_;
        if (instance && on_change_) {
            on_change_();
        }
    });
}

ZkResult<void> ServiceCache::await_first(int64_t timeout_ms) {
    if (cache_.await_initialized(timeout_ms)) {
        return {};
    }
    return err(cache_.lost() ? Code::session_expired : Code::connection_loss);
}

ZkResult<void> ServiceCache::start(int64_t timeout_ms) {
    auto started = cache_.start();
    if (!started.ok()) {
        return started;
    }
    return await_first(timeout_ms);
}

ZkResult<void> ServiceCache::restart(SyncClient& client, int64_t timeout_ms) {
    auto restarted = cache_.restart(client);
    if (!restarted.ok()) {
        return restarted;
    }
    return await_first(timeout_ms);
}

std::vector<ServiceInstance> ServiceCache::instances() const {
    std::vector<ServiceInstance> found;
    for (const auto& id : cache_.children(service_path_)) {
        auto node = cache_.get(join_path(service_path_, id));
        if (!node || !node->data) {
            continue;
        }
        auto instance = ServiceInstance::from_json(*node->data);
        if (instance) {
            found.push_back(std::move(*instance));
        }
    }
    return found;  // children() is sorted by node name, which is the id
}

ServiceProvider::ServiceProvider(const ServiceCache& cache, Strategy strategy, uint64_t seed)
    : cache_(cache), strategy_(strategy), rng_(seed != 0 ? seed : std::random_device{}()) {}

std::vector<ServiceInstance> ServiceProvider::all_instances() const {
    auto found = cache_.instances();
    std::erase_if(found, [](const ServiceInstance& instance) { return !instance.enabled; });
    return found;
}

std::optional<ServiceInstance> ServiceProvider::get_instance() {
    auto found = all_instances();
    if (found.empty()) {
        return std::nullopt;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    // The modulo bias of a 64-bit draw over a handful of instances is negligible, and it
    // avoids the std distributions, whose output differs between libraries (STYLE.md §4).
    uint64_t pick = strategy_ == Strategy::round_robin ? next_++ : rng_();
    return found[pick % found.size()];
}

}  // namespace wd::recipes
