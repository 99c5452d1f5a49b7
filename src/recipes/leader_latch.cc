#include "recipes/leader_latch.h"

#include <algorithm>

namespace wd::recipes {

LeaderLatch::LeaderLatch(SyncClient& client, std::string path, std::string id)
    : client_(client), path_(std::move(path)), id_(std::move(id)) {}

LeaderLatch::~LeaderLatch() {
    (void)close();
}

ZkResult<void> LeaderLatch::start(int64_t timeout_ms) {
    if (thread_.joinable() || !our_path_.empty()) {
        return err(Code::api_error);  // started once only, as Curator's
    }
    auto made = create_protected_sequential(client_, path_, lock_name, id_, Deadline(timeout_ms));
    if (!made.ok()) {
        return err(made.error());
    }
    our_path_ = *made;
    thread_ = std::thread([this] { run(); });
    return {};
}

void LeaderLatch::run() {
    while (!closing_.load()) {
        uint64_t seen = signal_->generation();
        if (!check()) {
            failed_ = true;
            break;
        }
        signal_->wait_past(seen, Deadline(recheck_ms));
    }
    set_leadership(false);
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
}

bool LeaderLatch::check() {
    if (!is_connected(client_)) {
        set_leadership(false);  // Curator's standard policy: SUSPENDED gives leadership up
        return !client::is_terminal(client_.state());
    }
    auto children = client_.get_children(path_);
    if (!children.ok()) {
        set_leadership(false);
        return children.error() != Code::session_expired &&
               children.error() != Code::session_moved && !client::is_terminal(client_.state());
    }
    auto sorted = sort_by_sequence(std::move(children).value(), {lock_name});
    auto ours = std::find(sorted.begin(), sorted.end(), node_name(our_path_));
    if (ours == sorted.end()) {
        set_leadership(false);
        return false;  // our node is gone: the session ended or someone deleted it
    }
    if (ours == sorted.begin()) {
        set_leadership(true);
        return true;
    }
    set_leadership(false);
    auto watched = join_path(path_, *(ours - 1));
    auto data = client_.get_data(watched, watcher_);
    if (!data.ok() && data.error() == Code::no_node) {
        signal_->bump();  // the predecessor left meanwhile: look again at once
    }
    return true;
}

void LeaderLatch::set_leadership(bool leader) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (leader_ == leader) {
            return;
        }
        leader_ = leader;
        changed_.notify_all();
    }
    if (listener_) {
        listener_(leader);
    }
}

bool LeaderLatch::has_leadership() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return leader_ && !stopped_ && is_connected(client_);
}

bool LeaderLatch::await(int64_t timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto done = [this] { return leader_ || stopped_; };
    if (timeout_ms < 0) {
        changed_.wait(lock, done);
    } else {
        changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
    }
    return leader_ && !stopped_;
}

ZkResult<void> LeaderLatch::close() {
    if (!thread_.joinable()) {
        return {};
    }
    closing_ = true;
    signal_->bump();
    thread_.join();  // the thread gives leadership up before it ends
    if (failed_.load()) {
        return err(Code::session_expired);
    }
    return delete_guaranteed(client_, our_path_,
                             std::max<int32_t>(1'000, client_.async().negotiated_timeout_ms()));
}

ZkResult<std::vector<std::string>> LeaderLatch::participants() {
    auto children = client_.get_children(path_);
    if (!children.ok()) {
        return err(children.error());
    }
    return sort_by_sequence(std::move(children).value(), {lock_name});
}

}  // namespace wd::recipes
