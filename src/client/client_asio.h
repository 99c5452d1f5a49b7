// The asynchronous ZooKeeper client on Asio: a Connection (the pure state machine) driven by
// a TCP socket, a resolver and a timer, all on one strand.
//
// Every operation takes an Asio completion token whose signature is void(ZkResult<T>):
//   client->get_data("/a", nullptr, [](ZkResult<DataResult> r) { ... });   // callback
//   auto f = client->get_data("/a", nullptr, asio::use_future);              // std::future
//   auto r = co_await client->get_data("/a", nullptr, asio::use_awaitable);  // coroutine
// Errors are values: ZooKeeper codes (NONODE, CONNECTIONLOSS, SESSIONEXPIRED, ...), and
// BADARGUMENTS for a path the client refuses before sending (PathUtils rules).
//
// Threads: the operations may be called from any thread (they post to the strand). Callbacks,
// watchers and the state listener run on the io_context's thread(s), serialised by the strand,
// in the order the server's frames arrived. Do not block in them on another operation's
// future (the reply could only be read by the thread you block).
// Lifetime: the Client lives while it has work; call close() to end the session (otherwise
// the client keeps reconnecting and the io_context keeps running).
#pragma once

#include <asio.hpp>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "client/connection.h"
#include "client/operations.h"

namespace wd::client {

struct ClientOptions {
    int32_t session_timeout_ms = 30'000;
    bool can_be_read_only = false;
    int64_t session_id = 0;  // resume a session (with its password); 0: a new one
    std::string session_password;
    uint32_t pending_requests_max = limits::pending_requests_per_session_max;
    int64_t request_timeout_ms = 0;  // 0: requests wait for their reply or a disconnect
    int64_t reconnect_delay_max_ms = 1'000;
    uint64_t seed = 0;  // host order and reconnect jitter; 0: from /dev/urandom
    // Called on the strand for every session state change.
    std::function<void(SessionState)> state_listener;
};

class Client : public std::enable_shared_from_this<Client> {
public:
    // Parses the connect string (error: Status::invalid_argument) and starts connecting.
    static Result<std::shared_ptr<Client>> connect(asio::io_context& io,
                                                   std::string_view connect_string,
                                                   ClientOptions options = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Snapshots readable from any thread.
    SessionState state() const { return state_.load(); }
    int64_t session_id() const { return session_id_.load(); }
    std::string session_password() const;
    int32_t negotiated_timeout_ms() const { return negotiated_timeout_ms_.load(); }

    template <class Token>
    auto create(std::string path, Data data, CreateOptions options, Token&& token) {
        return run<std::string>(ops::create(path, std::move(data), options, false),
                                &ops::to_path, std::forward<Token>(token));
    }
    template <class Token>
    auto create2(std::string path, Data data, CreateOptions options, Token&& token) {
        return run<CreateResult>(ops::create(path, std::move(data), options, true),
                                 &ops::to_create_result, std::forward<Token>(token));
    }
    template <class Token>
    auto remove(std::string path, int32_t version, Token&& token) {
        return run<void>(ops::remove(path, version), &ops::to_void, std::forward<Token>(token));
    }
    // No node is not an error: the result is std::nullopt (and `watcher` an exist watch).
    template <class Token>
    auto exists(std::string path, Watcher watcher, Token&& token) {
        return run<std::optional<Stat>>(ops::exists(path, std::move(watcher)), &ops::to_exists,
                                        std::forward<Token>(token));
    }
    template <class Token>
    auto get_data(std::string path, Watcher watcher, Token&& token) {
        return run<DataResult>(ops::get_data(path, std::move(watcher)), &ops::to_data,
                               std::forward<Token>(token));
    }
    template <class Token>
    auto set_data(std::string path, Data data, int32_t version, Token&& token) {
        return run<Stat>(ops::set_data(path, std::move(data), version), &ops::to_stat,
                         std::forward<Token>(token));
    }
    template <class Token>
    auto get_acl(std::string path, Token&& token) {
        return run<AclResult>(ops::get_acl(path), &ops::to_acl, std::forward<Token>(token));
    }
    template <class Token>
    auto set_acl(std::string path, std::vector<Acl> acl, int32_t version, Token&& token) {
        return run<Stat>(ops::set_acl(path, std::move(acl), version), &ops::to_stat,
                         std::forward<Token>(token));
    }
    template <class Token>
    auto get_children(std::string path, Watcher watcher, Token&& token) {
        return run<std::vector<std::string>>(ops::get_children(path, std::move(watcher), false),
                                             &ops::to_children, std::forward<Token>(token));
    }
    template <class Token>
    auto get_children2(std::string path, Watcher watcher, Token&& token) {
        return run<ChildrenResult>(ops::get_children(path, std::move(watcher), true),
                                   &ops::to_children2, std::forward<Token>(token));
    }
    template <class Token>
    auto sync(std::string path, Token&& token) {
        return run<std::string>(ops::sync(path), &ops::to_path, std::forward<Token>(token));
    }
    template <class Token>
    auto check(std::string path, int32_t version, Token&& token) {
        return run<void>(ops::check(path, version), &ops::to_void, std::forward<Token>(token));
    }
    template <class Token>
    auto multi(const Multi& multi, Token&& token) {
        return run<MultiOutcome>(ops::multi(multi, false), &ops::to_multi,
                                 std::forward<Token>(token));
    }
    template <class Token>
    auto multi_read(const Multi& multi, Token&& token) {
        return run<MultiOutcome>(ops::multi(multi, true), &ops::to_multi_read,
                                 std::forward<Token>(token));
    }
    template <class Token>
    auto get_ephemerals(std::string prefix_path, Token&& token) {
        return run<std::vector<std::string>>(ops::get_ephemerals(prefix_path),
                                             &ops::to_ephemerals, std::forward<Token>(token));
    }
    template <class Token>
    auto get_all_children_number(std::string path, Token&& token) {
        return run<int32_t>(ops::get_all_children_number(path), &ops::to_count,
                            std::forward<Token>(token));
    }
    template <class Token>
    auto add_watch(std::string path, AddWatchMode mode, Watcher watcher, Token&& token) {
        return run<void>(ops::add_watch(path, mode, std::move(watcher)), &ops::to_void,
                         std::forward<Token>(token));
    }
    // `watcher` null: every watcher of `type` on `path`.
    template <class Token>
    auto remove_watches(std::string path, WatcherType type, Watcher watcher, Token&& token) {
        return run<void>(ops::remove_watches(path, type, std::move(watcher)), &ops::to_void,
                         std::forward<Token>(token));
    }
    template <class Token>
    auto check_watches(std::string path, WatcherType type, Token&& token) {
        return run<void>(ops::check_watches(path, type), &ops::to_void,
                         std::forward<Token>(token));
    }
    template <class Token>
    auto who_am_i(Token&& token) {
        return run<std::vector<ClientInfo>>(ops::who_am_i(), &ops::to_who_am_i,
                                            std::forward<Token>(token));
    }
    // The dynamic configuration (config_node, past the chroot) and its stat; `watcher` (may
    // be null) is a data watch on it.
    template <class Token>
    auto get_config(Watcher watcher, Token&& token) {
        return run<DataResult>(ops::get_config(std::move(watcher)), &ops::to_data,
                               std::forward<Token>(token));
    }
    // The new configuration and its stat once committed. A server with reconfig disabled
    // answers RECONFIGDISABLED; ZooKeeper standalone UNIMPLEMENTED; no auth NOAUTH.
    template <class Token>
    auto reconfig(ReconfigSpec spec, Token&& token) {
        return run<DataResult>(ops::reconfig(spec), &ops::to_data, std::forward<Token>(token));
    }
    // Kept and replayed after every reconnect.
    template <class Token>
    auto add_auth(std::string scheme, std::string auth, Token&& token) {
        return run<void>(ops::add_auth(std::move(scheme), std::move(auth)), &ops::to_void,
                         std::forward<Token>(token));
    }
    // Sends closeSession after the queued requests; completes once CLOSED.
    template <class Token>
    auto close(Token&& token) {
        return asio::async_initiate<Token, void(ZkResult<void>)>(
            [self = shared_from_this()](auto handler) {
                self->start_close(wrap<void>(std::move(handler), &ops::to_void));
            },
            token);
    }

private:
    using Done = std::function<void(Completion&&)>;
    Client(asio::io_context& io, const ConnectString& cs, ClientOptions options);

    // Turns an Asio handler and a converter into the Done the strand calls once.
    template <class T, class Handler>
    static Done wrap(Handler handler, ZkResult<T> (*convert)(Completion&&)) {
        auto shared = std::make_shared<Handler>(std::move(handler));
        return [shared, convert](Completion&& c) {
            auto ex = asio::get_associated_executor(*shared);
            asio::dispatch(ex, [shared, result = convert(std::move(c))]() mutable {
                std::move (*shared)(std::move(result));
            });
        };
    }
    template <class T, class Token>
    auto run(ZkResult<Request> request, ZkResult<T> (*convert)(Completion&&), Token&& token) {
        return asio::async_initiate<Token, void(ZkResult<T>)>(
            [self = shared_from_this(), convert](auto handler, ZkResult<Request> request) {
                self->start(std::move(request), wrap<T>(std::move(handler), convert));
            },
            token, std::move(request));
    }

    void start(ZkResult<Request> request, Done done);
    void start_close(Done done);
    // Applies the machine's output: writes, closes, connects, deliveries; re-arms the timer.
    void drive();
    void open_transport(size_t host_index);
    void start_read(uint64_t generation);
    void start_write(uint64_t generation);
    void arm_timer();
    void close_socket();
    void publish();
    int64_t now_ms() const;

    asio::strand<asio::io_context::executor_type> strand_;
    asio::ip::tcp::resolver resolver_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    int64_t timer_deadline_ms_ = INT64_MAX;
    std::chrono::steady_clock::time_point epoch_;
    Connection conn_;
    std::function<void(SessionState)> state_listener_;

    uint64_t generation_ = 0;  // bumped per transport: late handlers of old ones are ignored
    bool writing_ = false;
    std::deque<std::string> write_queue_;
    std::array<char, 64 * 1024> read_buffer_{};
    std::unordered_map<uint64_t, Done> pending_;

    std::atomic<SessionState> state_{SessionState::connecting};
    std::atomic<int64_t> session_id_{0};
    std::atomic<int32_t> negotiated_timeout_ms_{0};
    mutable std::mutex password_mutex_;
    std::string password_;
};

}  // namespace wd::client
