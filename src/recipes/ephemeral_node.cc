#include "recipes/ephemeral_node.h"

#include <algorithm>

namespace wd::recipes {

namespace {

constexpr int64_t recheck_ms = 250;

bool session_ended(Code code) {
    return code == Code::session_expired || code == Code::session_moved ||
           code == Code::auth_failed;
}

}  // namespace

EphemeralNode::EphemeralNode(SyncClient& client, std::string path, std::string data)
    : client_(client), path_(std::move(path)), data_(std::move(data)) {}

EphemeralNode::~EphemeralNode() {
    loop_.stop();
}

ZkResult<bool> EphemeralNode::ensure() {
    auto stat = client_.exists(path_, loop_.watcher());
    if (!stat.ok()) {
        return err(stat.error());
    }
    if (!stat->has_value()) {
        return create();
    }
    if ((*stat)->ephemeral_owner != client_.session_id()) {
        held_ = false;
        return false;  // another session's: the exist watch fires when it goes
    }
    held_ = true;
    auto written = write_pending();
    if (!written.ok()) {
        return err(written.error());
    }
    return true;
}

ZkResult<bool> EphemeralNode::create() {
    std::lock_guard<std::mutex> writing(write_mutex_);
    std::string data;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        data = data_;
        data_pending_ = false;  // the node is created with the newest data
    }
    auto made = client_.create(path_, data, {client::CreateMode::ephemeral});
    if (!made.ok() && made.error() == Code::no_node) {
        auto parents = ensure_parents(client_, path_);
        if (!parents.ok()) {
            return err(parents.error());
        }
        made = client_.create(path_, data, {client::CreateMode::ephemeral});
    }
    if (made.ok()) {
        creations_.fetch_add(1);
        held_ = true;
        // Watch our own node, so that a deletion by someone else brings us back.
        auto watched = client_.exists(path_, loop_.watcher());
        if (watched.ok() && !watched->has_value()) {
            loop_.signal()->bump();
        }
        return true;
    }
    if (made.error() == Code::node_exists) {
        loop_.signal()->bump();  // created by someone meanwhile: look at its owner again
        return false;
    }
    // CONNECTIONLOSS: the create may have applied; the next exists() tells by the owner.
    std::lock_guard<std::mutex> lock(mutex_);
    data_pending_ = true;
    return err(made.error());
}

ZkResult<void> EphemeralNode::write_pending() {
    std::lock_guard<std::mutex> writing(write_mutex_);
    std::string data;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!data_pending_) {
            return {};
        }
        data = data_;
        data_pending_ = false;
    }
    auto written = client_.set_data(path_, data, -1);
    if (!written.ok()) {
        std::lock_guard<std::mutex> lock(mutex_);
        data_pending_ = true;
        return err(written.error());
    }
    return {};
}

ZkResult<void> EphemeralNode::start(int64_t timeout_ms) {
    if (started_.exchange(true)) {
        return err(Code::api_error);
    }
    Deadline deadline(timeout_ms);
    while (true) {
        uint64_t seen = loop_.signal()->generation();
        auto placed = is_connected(client_) ? ensure() : ZkResult<bool>(err(Code::connection_loss));
        if (placed.ok() && *placed) {
            break;
        }
        if (!placed.ok() && session_ended(placed.error())) {
            mark_lost();
            return err(placed.error());
        }
        if (client::is_terminal(client_.state())) {
            mark_lost();
            return err(Code::session_expired);
        }
        if (deadline.expired()) {
            return err(placed.ok() ? Code::node_exists : Code::connection_loss);
        }
        if (placed.ok()) {
            loop_.signal()->wait_past(seen, deadline);  // the other owner's node goes
        } else {
            client_.wait_connected(std::min<int64_t>(recheck_ms, deadline.remaining_ms()));
        }
    }
    loop_.start([this] { return step(); }, recheck_ms);
    return {};
}

bool EphemeralNode::step() {
    if (client::is_terminal(client_.state())) {
        mark_lost();
        return false;
    }
    if (!is_connected(client_)) {
        return true;
    }
    auto placed = ensure();
    if (!placed.ok() && session_ended(placed.error())) {
        mark_lost();
        return false;
    }
    return true;
}

void EphemeralNode::mark_lost() {
    held_ = false;
    if (!lost_.exchange(true) && on_lost_) {
        on_lost_();
    }
}

ZkResult<void> EphemeralNode::set_data(std::string data) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        data_ = std::move(data);
        data_pending_ = true;
    }
    if (!started_.load()) {
        return {};  // start() creates the node with it
    }
    if (lost()) {
        return err(Code::session_expired);
    }
    auto written = write_pending();
    if (!written.ok() && written.error() == Code::no_node) {
        loop_.signal()->bump();  // deleted: the thread creates it again with the new data
        return {};
    }
    return written;
}

ZkResult<void> EphemeralNode::close() {
    loop_.stop();
    held_ = false;
    if (!started_.load() || lost()) {
        return {};
    }
    int64_t timeout_ms = std::max<int32_t>(1'000, client_.async().negotiated_timeout_ms());
    Deadline deadline(timeout_ms);
    while (true) {
        auto stat = client_.exists(path_);
        if (stat.ok() && (!stat->has_value() || (*stat)->ephemeral_owner != client_.session_id())) {
            return {};  // not ours (any more): leave it alone
        }
        if (stat.ok()) {
            return delete_guaranteed(client_, path_, deadline.remaining_ms());
        }
        if (session_ended(stat.error()) || client::is_terminal(client_.state())) {
            return {};  // the server deleted it with the session
        }
        if (deadline.expired()) {
            return err(stat.error());
        }
        client_.wait_connected(std::min<int64_t>(recheck_ms, deadline.remaining_ms()));
    }
}

}  // namespace wd::recipes
