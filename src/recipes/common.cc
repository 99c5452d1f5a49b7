#include "recipes/common.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace wd::recipes {

namespace {

// Retries of one step after CONNECTIONLOSS wait for the session to reconnect this long.
constexpr int64_t reconnect_wait_ms = 1'000;

bool retriable(Code code) {
    return code == Code::connection_loss || code == Code::operation_timeout ||
           code == Code::request_timeout;
}

}  // namespace

Deadline::Deadline(int64_t timeout_ms)
    : infinite_(timeout_ms < 0),
      at_(std::chrono::steady_clock::now() +
          std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms))) {}

bool Deadline::expired() const {
    return !infinite_ && std::chrono::steady_clock::now() >= at_;
}

int64_t Deadline::remaining_ms() const {
    if (infinite_) {
        return INT64_MAX;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        at_ - std::chrono::steady_clock::now());
    return std::max<int64_t>(0, left.count());
}

uint64_t Signal::generation() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return generation_;
}

void Signal::bump() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++generation_;
    }
    changed_.notify_all();
}

bool Signal::wait_past(uint64_t seen, const Deadline& deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto moved = [&] { return generation_ != seen; };
    if (deadline.infinite()) {
        changed_.wait(lock, moved);
        return true;
    }
    return changed_.wait_for(lock, std::chrono::milliseconds(deadline.remaining_ms()), moved);
}

client::Watcher bump_watcher(const std::shared_ptr<Signal>& signal) {
    return client::make_watcher([signal](const client::WatchEvent&) { signal->bump(); });
}

std::string make_protected_prefix() {
    static std::mutex mutex;
    static std::mt19937_64 rng{std::random_device{}()};
    uint64_t hi = 0;
    uint64_t lo = 0;
    {
        std::lock_guard<std::mutex> lock(mutex);
        hi = rng();
        lo = rng();
    }
    hi = (hi & ~0xF000ULL) | 0x4000ULL;              // version 4
    lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);  // IETF variant
    char text[37];
    std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xFFFF),
                  static_cast<unsigned>(hi & 0xFFFF), static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return "_c_" + std::string(text) + "-";
}

std::string join_path(const std::string& parent, const std::string& name) {
    if (parent.empty() || parent == "/") {
        return "/" + name;
    }
    return parent + "/" + name;
}

std::string node_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string fix_for_sorting(const std::string& child, const std::string& lock_name) {
    auto at = child.rfind(lock_name);
    if (at == std::string::npos) {
        return child;
    }
    return child.substr(at + lock_name.size());
}

std::vector<std::string> sort_by_sequence(std::vector<std::string> children,
                                          const std::vector<std::string>& lock_names) {
    auto key = [&](const std::string& child) {
        std::string k = child;
        for (const auto& name : lock_names) {
            k = fix_for_sorting(k, name);
        }
        return k;
    };
    std::stable_sort(children.begin(), children.end(),
                     [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
    return children;
}

ZkResult<void> ensure_parents(SyncClient& client, const std::string& path) {
    for (size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1)) {
        std::string prefix = path.substr(0, at);
        auto made = client.create(prefix, std::nullopt, {client::CreateMode::container});
        if (!made.ok() && made.error() != Code::node_exists) {
            return err(made.error());
        }
    }
    return {};
}

ZkResult<void> ensure_path(SyncClient& client, const std::string& path, client::CreateMode mode) {
    auto parents = ensure_parents(client, path);
    if (!parents.ok()) {
        return parents;
    }
    auto made = client.create(path, std::nullopt, {mode});
    if (!made.ok() && made.error() != Code::node_exists) {
        return err(made.error());
    }
    return {};
}

namespace {

// After CONNECTIONLOSS: the child of `parent` that starts with `prefix`, if the create landed.
ZkResult<std::optional<std::string>> find_protected(SyncClient& client, const std::string& parent,
                                                    const std::string& prefix) {
    auto children = client.get_children(parent);
    if (!children.ok()) {
        if (children.error() == Code::no_node) {
            return std::optional<std::string>();
        }
        return err(children.error());
    }
    for (const auto& child : *children) {
        if (child.starts_with(prefix)) {
            return std::optional<std::string>(join_path(parent, child));
        }
    }
    return std::optional<std::string>();
}

}  // namespace

ZkResult<std::string> create_protected_sequential(SyncClient& client, const std::string& parent,
                                                  const std::string& name, Data data,
                                                  const Deadline& deadline, bool ephemeral) {
    std::string prefix = make_protected_prefix();
    std::string path = join_path(parent, prefix + name);
    auto mode = ephemeral ? client::CreateMode::ephemeral_sequential
                          : client::CreateMode::persistent_sequential;
    bool maybe_created = false;
    while (true) {
        if (maybe_created) {
            auto found = find_protected(client, parent, prefix);
            if (found.ok() && found->has_value()) {
                return **found;
            }
            if (!found.ok() && !retriable(found.error())) {
                return err(found.error());
            }
        }
        if (!maybe_created || is_connected(client)) {
            auto made = client.create(path, data, {mode});
            if (made.ok()) {
                return *made;
            }
            if (made.error() == Code::no_node) {
                auto parents = ensure_path(client, parent, client::CreateMode::container);
                if (!parents.ok() && !retriable(parents.error())) {
                    return err(parents.error());
                }
                if (deadline.expired()) {
                    return err(Code::no_node);
                }
                continue;
            }
            if (!retriable(made.error())) {
                return err(made.error());
            }
            maybe_created = true;
        }
        if (deadline.expired()) {
            return err(Code::connection_loss);
        }
        client.wait_connected(std::min(reconnect_wait_ms, deadline.remaining_ms()));
    }
}

ZkResult<void> delete_guaranteed(SyncClient& client, const std::string& path, int64_t timeout_ms) {
    Deadline deadline(timeout_ms);
    while (true) {
        auto removed = client.remove(path, -1);
        if (removed.ok() || removed.error() == Code::no_node) {
            return {};
        }
        if (!retriable(removed.error()) || deadline.expired()) {
            return removed;
        }
        client.wait_connected(std::min(reconnect_wait_ms, deadline.remaining_ms()));
    }
}

bool is_connected(const SyncClient& client) {
    auto state = client.state();
    return state == client::SessionState::connected ||
           state == client::SessionState::connected_read_only;
}

}  // namespace wd::recipes
