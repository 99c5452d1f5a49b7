#include "recipes/barrier.h"

#include <algorithm>

namespace wd::recipes {

Barrier::Barrier(SyncClient& client, std::string path) : client_(client), path_(std::move(path)) {}

ZkResult<void> Barrier::set_barrier() {
    return ensure_path(client_, path_);
}

ZkResult<void> Barrier::remove_barrier() {
    auto removed = client_.remove(path_, -1);
    if (!removed.ok() && removed.error() != Code::no_node) {
        return removed;
    }
    return {};
}

ZkResult<bool> Barrier::wait_on_barrier(int64_t timeout_ms) {
    Deadline deadline(timeout_ms);
    while (true) {
        uint64_t seen = signal_->generation();
        auto stat = client_.exists(path_, watcher_);
        if (!stat.ok()) {
            return err(stat.error());
        }
        if (!stat->has_value()) {
            return true;
        }
        if (deadline.expired() || !signal_->wait_past(seen, deadline)) {
            return false;
        }
    }
}

DoubleBarrier::DoubleBarrier(SyncClient& client, std::string path, int32_t member_count)
    : client_(client),
      path_(std::move(path)),
      member_count_(member_count),
      our_name_(make_protected_prefix().substr(3, 36)) {}

ZkResult<std::vector<std::string>> DoubleBarrier::members() {
    auto children = client_.get_children(path_);
    if (!children.ok()) {
        return err(children.error());
    }
    std::vector<std::string> found;
    for (auto& child : *children) {
        if (child != ready_name) {
            found.push_back(std::move(child));
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

ZkResult<bool> DoubleBarrier::enter(int64_t timeout_ms) {
    Deadline deadline(timeout_ms);
    std::string ours = join_path(path_, our_name_);
    std::string ready = join_path(path_, ready_name);
    auto made = ensure_path(client_, ours, client::CreateMode::ephemeral);
    if (!made.ok()) {
        return err(made.error());
    }
    while (true) {
        uint64_t seen = signal_->generation();
        auto stat = client_.exists(ready, watcher_);
        if (!stat.ok()) {
            return err(stat.error());
        }
        if (stat->has_value()) {
            return true;
        }
        auto found = members();
        if (!found.ok()) {
            return err(found.error());
        }
        if (static_cast<int32_t>(found->size()) >= member_count_) {
            auto created = client_.create(ready, std::nullopt);
            if (!created.ok() && created.error() != Code::node_exists) {
                return err(created.error());
            }
            return true;
        }
        if (deadline.expired() || !signal_->wait_past(seen, deadline)) {
            (void)delete_guaranteed(client_, ours, client_.async().negotiated_timeout_ms());
            return false;
        }
    }
}

ZkResult<bool> DoubleBarrier::leave_step() {
    auto found = members();
    if (!found.ok() && found.error() == Code::no_node) {
        // The barrier's node is a container: the server removes it once every member and
        // "ready" are gone. A member that retries its leave after CONNECTIONLOSS, its own
        // delete having landed, finds nothing left, so everyone has left.
        found = std::vector<std::string>();
    }
    if (!found.ok()) {
        return err(found.error());
    }
    std::string ours = join_path(path_, our_name_);
    bool present = std::find(found->begin(), found->end(), our_name_) != found->end();
    if (found->empty() || (found->size() == 1 && present)) {
        // The last one out takes "ready" with it (a member that already left may find it gone).
        auto out = client_.remove(join_path(path_, ready_name), -1);
        if (!out.ok() && out.error() != Code::no_node) {
            return err(out.error());
        }
        if (present) {
            auto removed = client_.remove(ours, -1);
            if (!removed.ok() && removed.error() != Code::no_node) {
                return err(removed.error());
            }
        }
        return true;
    }
    std::string watched;
    if (present && found->front() == our_name_) {
        watched = found->back();  // the lowest waits for the highest
    } else {
        if (present) {
            auto removed = client_.remove(ours, -1);
            if (!removed.ok() && removed.error() != Code::no_node) {
                return err(removed.error());
            }
        }
        watched = found->front();  // the others wait for the lowest
    }
    auto stat = client_.exists(join_path(path_, watched), watcher_);
    if (!stat.ok()) {
        return err(stat.error());
    }
    if (!stat->has_value()) {
        signal_->bump();
    }
    return false;
}

ZkResult<bool> DoubleBarrier::leave(int64_t timeout_ms) {
    Deadline deadline(timeout_ms);
    while (true) {
        uint64_t seen = signal_->generation();
        auto done = leave_step();
        if (!done.ok() || *done) {
            return done;
        }
        if (deadline.expired() || !signal_->wait_past(seen, deadline)) {
            return false;
        }
    }
}

}  // namespace wd::recipes
