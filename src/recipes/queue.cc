#include "recipes/queue.h"

#include <algorithm>

namespace wd::recipes {

namespace {

bool retriable(Code code) {
    return code == Code::connection_loss || code == Code::operation_timeout ||
           code == Code::request_timeout;
}

}  // namespace

Queue::Queue(SyncClient& client, std::string path) : client_(client), path_(std::move(path)) {}

ZkResult<void> Queue::put(const std::string& item, int64_t timeout_ms) {
    return put_ordered(item, "", timeout_ms);
}

ZkResult<void> Queue::put_ordered(const std::string& item, const std::string& order_key,
                                  int64_t timeout_ms) {
    auto made = create_protected_sequential(client_, path_, item_name + order_key, item,
                                            Deadline(timeout_ms), false);
    if (!made.ok()) {
        return err(made.error());
    }
    return {};
}

ZkResult<std::vector<std::string>> Queue::items(client::Watcher watcher) {
    auto children = client_.get_children(path_, std::move(watcher));
    if (!children.ok()) {
        return err(children.error());
    }
    std::vector<std::string> found;
    for (auto& child : *children) {
        if (child.find(item_name) != std::string::npos) {
            found.push_back(std::move(child));
        }
    }
    return sort_by_sequence(std::move(found), {item_name});
}

ZkResult<size_t> Queue::size() {
    auto found = items(nullptr);
    if (!found.ok()) {
        return err(found.error());
    }
    return found->size();
}

ZkResult<std::optional<std::string>> Queue::try_take(const std::string& name) {
    std::string item = join_path(path_, name);
    auto data = client_.get_data(item);
    if (!data.ok()) {
        if (data.error() == Code::no_node) {
            return std::optional<std::string>();
        }
        return err(data.error());
    }
    std::string claim = join_path(path_, "claim-" + make_protected_prefix().substr(3));
    auto outcome = client_.multi(client::Multi()
                                     .remove(item, data->stat.version)
                                     .create(claim, std::nullopt, {client::CreateMode::ephemeral}));
    bool taken = outcome.ok() && outcome->code == Code::ok;
    if (!outcome.ok() && retriable(outcome.error())) {
        // Unknown outcome: our ephemeral claim exists iff the multi applied.
        client_.wait_connected(client_.async().negotiated_timeout_ms());
        auto claimed = client_.exists(claim);
        if (!claimed.ok()) {
            return err(claimed.error());  // still unknown: report the loss, do not guess
        }
        taken = claimed->has_value();
    } else if (!outcome.ok()) {
        return err(outcome.error());
    }
    if (!taken) {
        return std::optional<std::string>();
    }
    (void)delete_guaranteed(client_, claim, client_.async().negotiated_timeout_ms());
    return std::optional<std::string>(data->data.value_or(""));
}

ZkResult<std::optional<std::string>> Queue::take(int64_t timeout_ms) {
    Deadline deadline(timeout_ms);
    while (true) {
        uint64_t seen = signal_->generation();
        auto found = items(watcher_);
        if (!found.ok() && found.error() == Code::no_node) {
            auto made = ensure_path(client_, path_);
            if (!made.ok() && !retriable(made.error())) {
                return err(made.error());
            }
            if (deadline.expired()) {
                return std::optional<std::string>();
            }
            continue;
        }
        if (!found.ok() && !retriable(found.error())) {
            return err(found.error());
        }
        for (const auto& name : found.ok() ? *found : std::vector<std::string>()) {
            auto got = try_take(name);
            if (!got.ok() || got->has_value()) {
                return got;
            }
        }
        if (deadline.expired()) {
            return std::optional<std::string>();
        }
        if (found.ok() && !found->empty()) {
            continue;  // every item was taken by others meanwhile: look again
        }
        if (found.ok()) {
            signal_->wait_past(seen, deadline);
        } else {
            client_.wait_connected(std::min<int64_t>(1'000, deadline.remaining_ms()));
        }
    }
}

}  // namespace wd::recipes
