#include "client/sync_client_asio.h"

namespace wd::client {

Result<std::unique_ptr<SyncClient>> SyncClient::connect(std::string_view connect_string,
                                                        ClientOptions options) {
    std::unique_ptr<SyncClient> sync(new SyncClient());
    sync->user_listener_ = std::move(options.state_listener);
    SyncClient* raw = sync.get();
    options.state_listener = [raw](SessionState state) { raw->on_state(state); };
    auto client = Client::connect(sync->io_, connect_string, std::move(options));
    if (!client.ok()) {
        return err(client.error());
    }
    sync->client_ = std::move(client).value();
    // The io thread runs until the destructor releases work_.
    sync->thread_ = std::thread([raw] { raw->io_.run(); });
    return sync;
}

SyncClient::~SyncClient() {
    if (!is_terminal(client_->state())) {
        (void)close();
    }
    client_.reset();
    work_.reset();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void SyncClient::on_state(SessionState state) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        seen_ = state;
        if (state == SessionState::connected || state == SessionState::connected_read_only) {
            connections_.fetch_add(1);
        }
    }
    changed_.notify_all();
    if (user_listener_) {
        user_listener_(state);
    }
}

bool SyncClient::wait_connected(int64_t timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    bool done = changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] {
        return seen_ == SessionState::connected || seen_ == SessionState::connected_read_only ||
               is_terminal(seen_);
    });
    return done && !is_terminal(seen_);
}

bool SyncClient::wait_for_state(SessionState state, int64_t timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [this, state] { return seen_ == state; });
}

ZkResult<std::string> SyncClient::create(const std::string& path, Data data,
                                         CreateOptions options) {
    return client_->create(path, std::move(data), std::move(options), asio::use_future).get();
}
ZkResult<CreateResult> SyncClient::create2(const std::string& path, Data data,
                                           CreateOptions options) {
    return client_->create2(path, std::move(data), std::move(options), asio::use_future).get();
}
ZkResult<void> SyncClient::remove(const std::string& path, int32_t version) {
    return client_->remove(path, version, asio::use_future).get();
}
ZkResult<std::optional<Stat>> SyncClient::exists(const std::string& path, Watcher watcher) {
    return client_->exists(path, std::move(watcher), asio::use_future).get();
}
ZkResult<DataResult> SyncClient::get_data(const std::string& path, Watcher watcher) {
    return client_->get_data(path, std::move(watcher), asio::use_future).get();
}
ZkResult<Stat> SyncClient::set_data(const std::string& path, Data data, int32_t version) {
    return client_->set_data(path, std::move(data), version, asio::use_future).get();
}
ZkResult<AclResult> SyncClient::get_acl(const std::string& path) {
    return client_->get_acl(path, asio::use_future).get();
}
ZkResult<Stat> SyncClient::set_acl(const std::string& path, std::vector<Acl> acl,
                                   int32_t version) {
    return client_->set_acl(path, std::move(acl), version, asio::use_future).get();
}
ZkResult<std::vector<std::string>> SyncClient::get_children(const std::string& path,
                                                            Watcher watcher) {
    return client_->get_children(path, std::move(watcher), asio::use_future).get();
}
ZkResult<ChildrenResult> SyncClient::get_children2(const std::string& path, Watcher watcher) {
    return client_->get_children2(path, std::move(watcher), asio::use_future).get();
}
ZkResult<std::string> SyncClient::sync(const std::string& path) {
    return client_->sync(path, asio::use_future).get();
}
ZkResult<void> SyncClient::check(const std::string& path, int32_t version) {
    return client_->check(path, version, asio::use_future).get();
}
ZkResult<MultiOutcome> SyncClient::multi(const Multi& multi) {
    return client_->multi(multi, asio::use_future).get();
}
ZkResult<MultiOutcome> SyncClient::multi_read(const Multi& multi) {
    return client_->multi_read(multi, asio::use_future).get();
}
ZkResult<std::vector<std::string>> SyncClient::get_ephemerals(const std::string& prefix_path) {
    return client_->get_ephemerals(prefix_path, asio::use_future).get();
}
ZkResult<int32_t> SyncClient::get_all_children_number(const std::string& path) {
    return client_->get_all_children_number(path, asio::use_future).get();
}
ZkResult<void> SyncClient::add_watch(const std::string& path, AddWatchMode mode,
                                     Watcher watcher) {
    return client_->add_watch(path, mode, std::move(watcher), asio::use_future).get();
}
ZkResult<void> SyncClient::remove_watches(const std::string& path, WatcherType type,
                                          Watcher watcher) {
    return client_->remove_watches(path, type, std::move(watcher), asio::use_future).get();
}
ZkResult<void> SyncClient::check_watches(const std::string& path, WatcherType type) {
    return client_->check_watches(path, type, asio::use_future).get();
}
ZkResult<std::vector<ClientInfo>> SyncClient::who_am_i() {
    return client_->who_am_i(asio::use_future).get();
}
ZkResult<void> SyncClient::add_auth(const std::string& scheme, const std::string& auth) {
    return client_->add_auth(scheme, auth, asio::use_future).get();
}
ZkResult<DataResult> SyncClient::get_config(Watcher watcher) {
    return client_->get_config(std::move(watcher), asio::use_future).get();
}
ZkResult<DataResult> SyncClient::reconfig(const ReconfigSpec& spec) {
    return client_->reconfig(spec, asio::use_future).get();
}
ZkResult<void> SyncClient::close() { return client_->close(asio::use_future).get(); }

}  // namespace wd::client
