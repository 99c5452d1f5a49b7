#include "recipes/lock_internals.h"

#include <algorithm>

namespace wd::recipes {

namespace {

bool retriable(Code code) {
    return code == Code::connection_loss || code == Code::operation_timeout ||
           code == Code::request_timeout;
}

// How long a cleanup delete may wait for the connection to come back.
int64_t cleanup_ms(SyncClient& client) {
    return std::max<int64_t>(1'000, client.async().negotiated_timeout_ms());
}

}  // namespace

LockDriver standard_driver(int32_t max_leases) {
    return [max_leases](const std::vector<std::string>& sorted,
                        const std::string& ours) -> ZkResult<LockPredicate> {
        auto at = std::find(sorted.begin(), sorted.end(), ours);
        if (at == sorted.end()) {
            return err(Code::no_node);  // Curator: "Sequential path not found"
        }
        auto index = static_cast<int32_t>(at - sorted.begin());
        if (index < max_leases) {
            return LockPredicate{true, ""};
        }
        return LockPredicate{false, sorted[static_cast<size_t>(index - max_leases)]};
    };
}

LockInternals::LockInternals(SyncClient& client, std::string base_path, std::string lock_name,
                             LockDriver driver, std::vector<std::string> sort_names)
    : client_(client),
      base_path_(std::move(base_path)),
      lock_name_(std::move(lock_name)),
      driver_(std::move(driver)),
      sort_names_(std::move(sort_names)),
      signal_(std::make_shared<Signal>()),
      watcher_(bump_watcher(signal_)) {
    if (sort_names_.empty()) {
        sort_names_.push_back(lock_name_);
    }
}

ZkResult<std::vector<std::string>> LockInternals::sorted_children() {
    auto children = client_.get_children(base_path_);
    if (!children.ok()) {
        return err(children.error());
    }
    return sort_by_sequence(std::move(children).value(), sort_names_);
}

ZkResult<std::optional<std::string>> LockInternals::attempt(int64_t timeout_ms, Data node_data) {
    Deadline deadline(timeout_ms);
    auto made = create_protected_sequential(client_, base_path_, lock_name_, std::move(node_data),
                                            deadline);
    if (!made.ok()) {
        return err(made.error());
    }
    std::string our_path = *made;
    auto got = wait_for_lock(our_path, deadline);
    if (got.ok() && *got) {
        return std::optional<std::string>(our_path);
    }
    // Timed out or failed: remove our node so that it blocks nobody (no orphan).
    (void)delete_guaranteed(client_, our_path, cleanup_ms(client_));
    if (!got.ok()) {
        return err(got.error());
    }
    return std::optional<std::string>();
}

ZkResult<bool> LockInternals::wait_for_lock(const std::string& our_path, const Deadline& deadline) {
    std::string ours = node_name(our_path);
    while (true) {
        uint64_t seen = signal_->generation();
        auto sorted = sorted_children();
        if (!sorted.ok()) {
            if (retriable(sorted.error()) && !deadline.expired()) {
                client_.wait_connected(std::min<int64_t>(1'000, deadline.remaining_ms()));
                continue;
            }
            return err(sorted.error());
        }
        auto predicate = driver_(*sorted, ours);
        if (!predicate.ok()) {
            return err(predicate.error());
        }
        if (predicate->gets_lock) {
            return true;
        }
        std::string watched = join_path(base_path_, predicate->path_to_watch);
        auto data = client_.get_data(watched, watcher_);
        if (!data.ok() && data.error() != Code::no_node && !retriable(data.error())) {
            return err(data.error());
        }
        if (deadline.expired()) {
            return false;
        }
        if (data.ok()) {
            signal_->wait_past(seen, deadline);
        } else if (retriable(data.error())) {
            client_.wait_connected(std::min<int64_t>(1'000, deadline.remaining_ms()));
        }
    }
}

ZkResult<void> LockInternals::release(const std::string& our_path) {
    return delete_guaranteed(client_, our_path, cleanup_ms(client_));
}

std::shared_ptr<HeldWatch> HeldWatch::arm(SyncClient& client, const std::string& path,
                                          std::function<void()> on_lost) {
    auto held = std::make_shared<HeldWatch>();
    held->on_lost_ = std::move(on_lost);
    std::weak_ptr<HeldWatch> weak = held;
    auto watcher = client::make_watcher([weak](const client::WatchEvent& e) {
        auto self = weak.lock();
        if (!self) {
            return;
        }
        bool gone =
            e.type == client::EventType::node_deleted || e.state == client::KeeperState::expired ||
            e.state == client::KeeperState::closed || e.state == client::KeeperState::auth_failed;
        if (gone) {
            self->fire();
        }
    });
    auto stat = client.exists(path, watcher);
    if (!stat.ok() ? !retriable(stat.error()) : !stat->has_value()) {
        held->fire();
    }
    return held;
}

void HeldWatch::fire() {
    if (disarmed_.load() || lost_.exchange(true)) {
        return;
    }
    if (on_lost_) {
        on_lost_();
    }
}

}  // namespace wd::recipes
