// SyncClient's lifetime: destroying or closing it is prompt whether or not a session ever came
// up, and closing a connected client ends its session on the server (closeSession), not just
// the connection. Also getConfig and reconfig against a real server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

#include "client/sync_client_asio.h"
#include "client/test_util.h"

namespace wd::client {
namespace {

using testing::free_port;
using testing::shared_server;

// Bound for every "prompt" check: far below the 30 s session timeout the clients ask for.
constexpr int64_t prompt_ms_max = 2'000;

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - since)
        .count();
}

std::unique_ptr<SyncClient> make_client(const std::string& address, int32_t timeout_ms) {
    ClientOptions options;
    options.session_timeout_ms = timeout_ms;
    options.request_timeout_ms = 15'000;  // a missing reply fails the test, never hangs it
    auto client = SyncClient::connect(address, std::move(options));
    EXPECT_TRUE(client.ok());
    return client.ok() ? std::move(client).value() : nullptr;
}

// A TCP listener that never accepts: connections complete (the kernel's backlog) but the
// handshake is never answered.
class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        bool ok = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::listen(fd_, 8) == 0;
        socklen_t length = sizeof(addr);
        ok = ok && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0;
        port_ = ok ? ntohs(addr.sin_port) : 0;
    }
    ~SilentListener() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

TEST(SyncClientLifetime, DestroyWhenNothingListensIsPrompt) {
    std::string address = "127.0.0.1:" + std::to_string(free_port());
    auto client = make_client(address, 30'000);
    ASSERT_TRUE(client);
    EXPECT_FALSE(client->wait_connected(300));
    EXPECT_FALSE(client->state() == SessionState::connected);
    auto start = std::chrono::steady_clock::now();
    client.reset();
    EXPECT_LT(elapsed_ms(start), prompt_ms_max);
}

TEST(SyncClientLifetime, DestroyRightAfterConnectIsPrompt) {
    for (std::string host : {"127.0.0.1", "localhost"}) {
        auto client = make_client(host + ":" + std::to_string(free_port()), 30'000);
        ASSERT_TRUE(client);
        auto start = std::chrono::steady_clock::now();
        client.reset();
        EXPECT_LT(elapsed_ms(start), prompt_ms_max) << host;
    }
}

TEST(SyncClientLifetime, DestroyDuringAnUnansweredHandshakeIsPrompt) {
    SilentListener listener;
    ASSERT_NE(listener.port(), 0);
    auto client = make_client("127.0.0.1:" + std::to_string(listener.port()), 30'000);
    ASSERT_TRUE(client);
    EXPECT_FALSE(client->wait_connected(300));
    auto start = std::chrono::steady_clock::now();
    client.reset();
    EXPECT_LT(elapsed_ms(start), prompt_ms_max);
}

TEST(SyncClientLifetime, CloseBeforeConnectedFailsPendingRequestsAndIsPrompt) {
    SilentListener listener;
    ASSERT_NE(listener.port(), 0);
    auto client = make_client("127.0.0.1:" + std::to_string(listener.port()), 30'000);
    ASSERT_TRUE(client);
    auto pending = client->async().get_data("/a", nullptr, asio::use_future);
    auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(client->close().ok());
    EXPECT_LT(elapsed_ms(start), prompt_ms_max);
    EXPECT_EQ(client->state(), SessionState::closed);
    ASSERT_EQ(pending.wait_for(std::chrono::milliseconds(prompt_ms_max)),
              std::future_status::ready);
    auto result = pending.get();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), Code::connection_loss);
    start = std::chrono::steady_clock::now();
    client.reset();
    EXPECT_LT(elapsed_ms(start), prompt_ms_max);
}

// With a 30 s session, an ephemeral node that is gone right after close() proves the server
// got closeSession (a dropped connection would keep it until the session expired).
TEST(SyncClientLifetime, CloseOfConnectedClientEndsTheSessionPromptly) {
    auto observer = make_client(shared_server().address(), 30'000);
    ASSERT_TRUE(observer);
    ASSERT_TRUE(observer->wait_connected(20'000));
    for (bool by_destructor : {false, true}) {
        std::string path = by_destructor ? "/lifetime-dtor" : "/lifetime-close";
        auto client = make_client(shared_server().address(), 30'000);
        ASSERT_TRUE(client);
        ASSERT_TRUE(client->wait_connected(20'000));
        ASSERT_TRUE(client->create(path, std::nullopt, {CreateMode::ephemeral}).ok());
        auto start = std::chrono::steady_clock::now();
        if (by_destructor) {
            client.reset();
        } else {
            EXPECT_TRUE(client->close().ok());
            EXPECT_EQ(client->state(), SessionState::closed);
            auto after = client->exists("/");
            ASSERT_FALSE(after.ok());
            EXPECT_EQ(after.error(), Code::session_expired);
        }
        EXPECT_LT(elapsed_ms(start), prompt_ms_max) << path;
        auto gone = observer->exists(path);
        ASSERT_TRUE(gone.ok());
        EXPECT_FALSE(gone->has_value()) << path << " outlived its session's close";
        client.reset();
    }
}

TEST(SyncClientConfig, GetConfigReadsTheConfigNodePastTheChroot) {
    auto root = make_client(shared_server().address(), 30'000);
    ASSERT_TRUE(root);
    ASSERT_TRUE(root->wait_connected(20'000));
    auto direct = root->get_data(std::string(config_node));
    ASSERT_TRUE(direct.ok()) << code_name(direct.error());
    auto config = root->get_config();
    ASSERT_TRUE(config.ok()) << code_name(config.error());
    EXPECT_EQ(config->data.value_or(""), direct->data.value_or(""));
    EXPECT_EQ(config->stat.mzxid, direct->stat.mzxid);

    auto made = root->create("/cfgroot", std::nullopt);
    ASSERT_TRUE(made.ok() || made.error() == Code::node_exists);
    auto chrooted = make_client(shared_server().address() + "/cfgroot", 30'000);
    ASSERT_TRUE(chrooted);
    ASSERT_TRUE(chrooted->wait_connected(20'000));
    auto watched = chrooted->get_config(make_watcher([](const WatchEvent&) {}));
    ASSERT_TRUE(watched.ok()) << code_name(watched.error());
    EXPECT_EQ(watched->stat.czxid, direct->stat.czxid);
    // Through the chroot, getData of the same path is a different (absent) node.
    auto relative = chrooted->get_data(std::string(config_node));
    ASSERT_FALSE(relative.ok());
    EXPECT_EQ(relative.error(), Code::no_node);
}

TEST(SyncClientConfig, ReconfigIsRefusedWhenDisabled) {
    auto client = make_client(shared_server().address(), 30'000);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->wait_connected(20'000));
    ReconfigSpec spec;
    spec.joining = "server.5=127.0.0.1:2888:3888;2181";
    auto answer = client->reconfig(spec);
    ASSERT_FALSE(answer.ok());
    // Both wardend and ZooKeeper default to reconfigEnabled=false.
    EXPECT_EQ(answer.error(), Code::reconfig_disabled) << code_name(answer.error());
    auto invalid = client->reconfig(ReconfigSpec{});
    ASSERT_FALSE(invalid.ok());
    EXPECT_EQ(invalid.error(), Code::bad_arguments);
}

}  // namespace
}  // namespace wd::client
