// A blocking facade over Client: it owns an io_context and one thread that runs it, and each
// call waits for its result. Thread-safe. Watchers and the state listener run on the io
// thread: never call a SyncClient operation from inside one (it would wait for itself).
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "client/client_asio.h"

namespace wd::client {

class SyncClient {
public:
    // Starts the io thread and connects; does not wait for the session (see wait_connected).
    static Result<std::unique_ptr<SyncClient>> connect(std::string_view connect_string,
                                                       ClientOptions options = {});
    // Closes the session (if not closed yet) and joins the io thread. Prompt when the session
    // never came up or is disconnected (no closeSession round trip); a connected session
    // waits for the server's answer to closeSession, at most the read timeout.
    ~SyncClient();
    SyncClient(const SyncClient&) = delete;
    SyncClient& operator=(const SyncClient&) = delete;

    // Waits until the state is connected (or read-only) or terminal; false on timeout.
    bool wait_connected(int64_t timeout_ms);
    // Waits until the state is `state`; false on timeout.
    bool wait_for_state(SessionState state, int64_t timeout_ms);
    SessionState state() const { return client_->state(); }
    // How many times the session reached connected (or read-only). A caller that sees it move
    // knows the connection dropped and came back in between, even if it never saw the
    // disconnected state (Curator's RECONNECTED): persistent watches miss the events of that
    // gap, so caches re-read then.
    uint64_t connection_count() const { return connections_.load(); }
    int64_t session_id() const { return client_->session_id(); }
    Client& async() { return *client_; }

    ZkResult<std::string> create(const std::string& path, Data data, CreateOptions options = {});
    ZkResult<CreateResult> create2(const std::string& path, Data data,
                                   CreateOptions options = {});
    ZkResult<void> remove(const std::string& path, int32_t version = -1);
    ZkResult<std::optional<Stat>> exists(const std::string& path, Watcher watcher = nullptr);
    ZkResult<DataResult> get_data(const std::string& path, Watcher watcher = nullptr);
    ZkResult<Stat> set_data(const std::string& path, Data data, int32_t version = -1);
    ZkResult<AclResult> get_acl(const std::string& path);
    ZkResult<Stat> set_acl(const std::string& path, std::vector<Acl> acl, int32_t version = -1);
    ZkResult<std::vector<std::string>> get_children(const std::string& path,
                                                    Watcher watcher = nullptr);
    ZkResult<ChildrenResult> get_children2(const std::string& path, Watcher watcher = nullptr);
    ZkResult<std::string> sync(const std::string& path);
    ZkResult<void> check(const std::string& path, int32_t version);
    ZkResult<MultiOutcome> multi(const Multi& multi);
    ZkResult<MultiOutcome> multi_read(const Multi& multi);
    ZkResult<std::vector<std::string>> get_ephemerals(const std::string& prefix_path);
    ZkResult<int32_t> get_all_children_number(const std::string& path);
    ZkResult<void> add_watch(const std::string& path, AddWatchMode mode, Watcher watcher);
    ZkResult<void> remove_watches(const std::string& path, WatcherType type,
                                  Watcher watcher = nullptr);
    ZkResult<void> check_watches(const std::string& path, WatcherType type);
    ZkResult<std::vector<ClientInfo>> who_am_i();
    ZkResult<void> add_auth(const std::string& scheme, const std::string& auth);
    ZkResult<DataResult> get_config(Watcher watcher = nullptr);
    ZkResult<DataResult> reconfig(const ReconfigSpec& spec);
    // Ends the session: closeSession when connected (waits for its answer, at most the read
    // timeout), at once otherwise. Requests still pending fail with CONNECTIONLOSS.
    ZkResult<void> close();

private:
    SyncClient() = default;
    void on_state(SessionState state);

    asio::io_context io_;
    // Keeps the io thread running after the session ends, so that later calls still complete
    // (with SESSIONEXPIRED); released by the destructor.
    asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
    std::shared_ptr<Client> client_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    SessionState seen_ = SessionState::connecting;
    std::atomic<uint64_t> connections_{0};
    std::function<void(SessionState)> user_listener_;
};

}  // namespace wd::client
