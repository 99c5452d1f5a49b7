// A watched view of one service's instances (Curator's ServiceCache) and an instance picker
// over it (Curator's ServiceProvider with RoundRobinStrategy or RandomStrategy).
//
// ServiceCache is a TreeCache of depth 1 on "<base_path>/<name>" (TreeCache's guarantees: it
// converges to the registered instances once changes stop, re-reads after a reconnect, and
// reports `lost` at session end; restart() continues with a new client). Bodies that do not
// parse as Curator's JSON are skipped. The listener (Curator's cacheChanged) runs on the
// cache's thread after every change of the instance set or of an instance's body.
#pragma once

#include <atomic>
#include <random>

#include "recipes/service_discovery.h"
#include "recipes/tree_cache.h"

namespace wd::recipes {

class ServiceCache {
public:
    ServiceCache(SyncClient& client, const std::string& base_path, std::string name,
                 TreeCacheOptions options = {});
    ~ServiceCache() { close(); }  // before the members the listener uses go
    ServiceCache(const ServiceCache&) = delete;
    ServiceCache& operator=(const ServiceCache&) = delete;

    // REQUIRES: before start().
    void set_listener(std::function<void()> on_change) { on_change_ = std::move(on_change); }
    // Starts watching and waits up to timeout_ms for the first load (CONNECTIONLOSS on
    // timeout, SESSIONEXPIRED if the session ended).
    ZkResult<void> start(int64_t timeout_ms = 30'000);
    // The cached instances that parse, sorted by id.
    std::vector<ServiceInstance> instances() const;
    bool lost() const { return cache_.lost(); }
    ZkResult<void> restart(SyncClient& client, int64_t timeout_ms = 30'000);
    void close() { cache_.close(); }
    const std::string& name() const { return name_; }

private:
    ZkResult<void> await_first(int64_t timeout_ms);

    std::string name_;
    std::string service_path_;
    TreeCache cache_;
    std::function<void()> on_change_;
};

class ServiceProvider {
public:
    enum class Strategy : uint8_t { round_robin, random };

    // `cache` must outlive the provider. `seed` drives the random strategy (0: random).
    explicit ServiceProvider(const ServiceCache& cache, Strategy strategy = Strategy::round_robin,
                             uint64_t seed = 0);
    // One enabled instance, or std::nullopt when there is none. Thread-safe.
    std::optional<ServiceInstance> get_instance();
    // Every enabled instance, sorted by id.
    std::vector<ServiceInstance> all_instances() const;

private:
    const ServiceCache& cache_;
    Strategy strategy_;
    std::mutex mutex_;
    uint64_t next_ = 0;       // round robin position, under mutex_
    std::mt19937_64 rng_;     // under mutex_
};

}  // namespace wd::recipes
