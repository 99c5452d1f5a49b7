#include "recipes/mutex.h"

namespace wd::recipes {

Mutex::Mutex(SyncClient& client, std::string path, Data node_data, std::string lock_name)
    : internals_(client, std::move(path), std::move(lock_name), standard_driver(1)),
      node_data_(std::move(node_data)) {}

Mutex::Mutex(SyncClient& client, std::string path, Data node_data, std::string lock_name,
             LockDriver driver, std::vector<std::string> sort_names)
    : internals_(client, std::move(path), std::move(lock_name), std::move(driver),
                 std::move(sort_names)),
      node_data_(std::move(node_data)) {}

ZkResult<bool> Mutex::acquire(int64_t timeout_ms) {
    auto self = std::this_thread::get_id();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto at = holds_.find(self);
        if (at != holds_.end()) {
            ++at->second.count;  // reentrant, as Curator (even if lost: release() still pairs)
            return true;
        }
    }
    auto got = internals_.attempt(timeout_ms, node_data_);
    if (!got.ok()) {
        return err(got.error());
    }
    if (!got->has_value()) {
        return false;
    }
    Hold hold{**got, 1, HeldWatch::arm(internals_.client(), **got, on_lost_)};
    std::lock_guard<std::mutex> lock(mutex_);
    holds_[self] = std::move(hold);
    return true;
}

ZkResult<void> Mutex::release() {
    Hold hold;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto at = holds_.find(std::this_thread::get_id());
        if (at == holds_.end()) {
            return err(Code::api_error);
        }
        if (--at->second.count > 0) {
            return {};
        }
        hold = std::move(at->second);
        holds_.erase(at);
    }
    hold.watch->disarm();
    return internals_.release(hold.path);
}

bool Mutex::is_acquired_in_this_thread() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return holds_.count(std::this_thread::get_id()) != 0;
}

bool Mutex::is_held() const {
    if (!is_connected(internals_.client())) {
        return false;  // suspended: the session may be expiring on the server
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, hold] : holds_) {
        if (!hold.watch->lost()) {
            return true;
        }
    }
    return false;
}

bool Mutex::lost() const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto at = holds_.find(std::this_thread::get_id());
    if (at != holds_.end()) {
        return at->second.watch->lost();
    }
    for (const auto& [id, hold] : holds_) {
        if (hold.watch->lost()) {
            return true;
        }
    }
    return false;
}

std::optional<std::string> Mutex::lock_node_path() const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto at = holds_.find(std::this_thread::get_id());
    if (at == holds_.end()) {
        return std::nullopt;
    }
    return at->second.path;
}

}  // namespace wd::recipes
