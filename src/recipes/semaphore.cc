#include "recipes/semaphore.h"

#include <algorithm>

namespace wd::recipes {

Semaphore::Semaphore(SyncClient& client, std::string path, int32_t max_leases)
    : client_(client),
      leases_path_(join_path(path, "leases")),
      max_leases_(max_leases),
      lock_(client, join_path(path, "locks")) {}

ZkResult<std::optional<std::string>> Semaphore::acquire(int64_t timeout_ms) {
    Deadline deadline(timeout_ms);
    auto locked = lock_.acquire(timeout_ms);
    if (!locked.ok()) {
        return err(locked.error());
    }
    if (!*locked) {
        return std::optional<std::string>();
    }
    auto lease = lease_locked(deadline);
    auto released = lock_.release();
    if (lease.ok() && lease->has_value() && !released.ok()) {
        (void)this->release(**lease);
        return err(released.error());
    }
    return lease;
}

ZkResult<std::optional<std::string>> Semaphore::lease_locked(const Deadline& deadline) {
    auto made =
        create_protected_sequential(client_, leases_path_, "lease-", std::nullopt, deadline);
    if (!made.ok()) {
        return err(made.error());
    }
    std::string ours = node_name(*made);
    while (true) {
        uint64_t seen = signal_->generation();
        auto children = client_.get_children(leases_path_, watcher_);
        Code failed = Code::ok;
        if (!children.ok()) {
            failed = children.error();
        } else if (std::find(children->begin(), children->end(), ours) == children->end()) {
            failed = Code::no_node;  // Curator: "Sequential path not found"
        } else if (static_cast<int32_t>(children->size()) <= max_leases_) {
            return std::optional<std::string>(*made);
        }
        bool timed_out =
            failed == Code::ok && (deadline.expired() || !signal_->wait_past(seen, deadline));
        if (failed != Code::ok || timed_out) {
            (void)delete_guaranteed(client_, *made, client_.async().negotiated_timeout_ms());
            if (timed_out) {
                return std::optional<std::string>();
            }
            return err(failed);
        }
    }
}

ZkResult<void> Semaphore::release(const std::string& lease) {
    return delete_guaranteed(client_, lease, client_.async().negotiated_timeout_ms());
}

ZkResult<std::vector<std::string>> Semaphore::participants() {
    return client_.get_children(leases_path_);
}

}  // namespace wd::recipes
