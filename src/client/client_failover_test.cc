// Failure handling against a real server: a server crash and restart within the session
// timeout (the session, its ephemerals and its watches survive), changes missed while the
// client was cut off (delivered after re-registration), and expiry when the client cannot
// reach the server for longer than the session timeout.
#include <gtest/gtest.h>

#include "client/sync_client_asio.h"
#include "client/test_proxy_asio.h"
#include "client/test_util.h"

namespace wd::client {
namespace {

using testing::EventLog;
using testing::TcpProxy;
using testing::TestServer;

constexpr int32_t session_timeout_ms = 4'000;

std::unique_ptr<SyncClient> connect(const std::string& address, EventLog* log = nullptr) {
    ClientOptions options;
    options.session_timeout_ms = session_timeout_ms;
    options.reconnect_delay_max_ms = 100;
    options.request_timeout_ms = 15'000;  // a missing reply fails the test, never hangs it
    if (log != nullptr) {
        options.state_listener = log->listener();
    }
    auto client = SyncClient::connect(address, std::move(options));
    EXPECT_TRUE(client.ok());
    if (!client.ok()) {
        return nullptr;
    }
    EXPECT_TRUE((*client)->wait_connected(20'000));
    return std::move(client).value();
}

TEST(ClientFailover, ServerRestartKeepsSessionEphemeralsAndWatches) {
    TestServer server;
    ASSERT_TRUE(server.start());
    EventLog states, data, exist, recursive;
    auto c = connect(server.address(), &states);
    ASSERT_TRUE(c);
    int64_t session = c->session_id();
    ASSERT_TRUE(c->create("/eph", std::string("mine"), {CreateMode::ephemeral}).ok());
    ASSERT_TRUE(c->create("/d", std::string("0")).ok());
    ASSERT_TRUE(c->get_data("/d", data.watcher()).ok());
    ASSERT_FALSE(c->exists("/later", exist.watcher())->has_value());
    ASSERT_TRUE(c->add_watch("/r", AddWatchMode::persistent_recursive, recursive.watcher()).ok());

    server.kill_hard();
    EXPECT_TRUE(states.wait_state(SessionState::disconnected));
    auto during = c->async().get_data("/d", nullptr, asio::use_future);
    ASSERT_TRUE(server.start());
    // A second client changes what the first one watches, possibly before it is back.
    auto other = connect(server.address());
    ASSERT_TRUE(other);
    ASSERT_TRUE(other->set_data("/d", std::string("1")).ok());
    ASSERT_TRUE(other->create("/later", std::nullopt).ok());
    ASSERT_TRUE(other->create("/r", std::nullopt).ok());
    ASSERT_TRUE(other->create("/r/x", std::nullopt).ok());

    EXPECT_TRUE(states.wait([](const auto&, const auto& s) {
        return s.size() >= 3 && s.back() == SessionState::connected;
    }, 20'000));
    EXPECT_EQ(c->session_id(), session);
    EXPECT_TRUE(data.wait_event(EventType::node_data_changed, "/d"));
    EXPECT_TRUE(exist.wait_event(EventType::node_created, "/later"));
    // Persistent watches learn nothing of changes they missed (ZooKeeper's setWatches adds
    // them back without comparing zxids); a change after the reconnect must reach them.
    ASSERT_TRUE(other->create("/r/x/y", std::nullopt).ok());
    EXPECT_TRUE(recursive.wait_event(EventType::node_created, "/r/x/y"));
    // The request queued while disconnected was either answered after the reconnect or
    // failed with CONNECTIONLOSS, never lost.
    ASSERT_EQ(during.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    auto answer = during.get();
    EXPECT_TRUE(answer.ok() || answer.error() == Code::connection_loss);
    auto eph = other->get_data("/eph");
    ASSERT_TRUE(eph.ok());
    EXPECT_EQ(eph->stat.ephemeral_owner, session);
    ASSERT_TRUE(c->close().ok());
    EXPECT_FALSE(other->exists("/eph")->has_value());
}

TEST(ClientFailover, EventsMissedWhileCutOffAreDeliveredAfterReconnect) {
    TestServer& server = testing::shared_server();
    TcpProxy proxy(server.port());
    EventLog states, data, child, recursive;
    auto c = connect(proxy.address(), &states);
    auto other = connect(server.address());
    ASSERT_TRUE(c && other);
    ASSERT_TRUE(c->create("/missed", std::nullopt).ok());
    ASSERT_TRUE(c->create("/missed/d", std::string("0")).ok());
    ASSERT_TRUE(c->get_data("/missed/d", data.watcher()).ok());
    ASSERT_TRUE(c->get_children("/missed", child.watcher()).ok());
    ASSERT_TRUE(
        c->add_watch("/missed", AddWatchMode::persistent_recursive, recursive.watcher()).ok());

    proxy.cut();
    EXPECT_TRUE(states.wait_state(SessionState::disconnected));
    // Changed while the client cannot hear about it.
    ASSERT_TRUE(other->set_data("/missed/d", std::string("1")).ok());
    ASSERT_TRUE(other->create("/missed/new", std::nullopt).ok());
    testing::sleep_ms(300);
    EXPECT_TRUE(data.events().empty());
    proxy.restore();
    EXPECT_TRUE(states.wait([](const auto&, const auto& s) {
        return s.size() >= 3 && s.back() == SessionState::connected;
    }, 20'000));
    EXPECT_TRUE(data.wait_event(EventType::node_data_changed, "/missed/d"));
    EXPECT_TRUE(child.wait_event(EventType::node_children_changed, "/missed"));
    ASSERT_TRUE(other->create("/missed/after", std::nullopt).ok());
    EXPECT_TRUE(recursive.wait_event(EventType::node_created, "/missed/after"));
    ASSERT_TRUE(c->remove("/missed/after").ok());
    ASSERT_TRUE(c->remove("/missed/d").ok());
    ASSERT_TRUE(c->remove("/missed/new").ok());
    ASSERT_TRUE(c->remove("/missed").ok());
    ASSERT_TRUE(c->close().ok());
}

TEST(ClientFailover, SessionExpiresWhenCutOffLongerThanTheTimeout) {
    TestServer& server = testing::shared_server();
    TcpProxy proxy(server.port());
    EventLog states, watch;
    auto c = connect(proxy.address(), &states);
    auto other = connect(server.address());
    ASSERT_TRUE(c && other);
    ASSERT_TRUE(c->create("/expiring", std::nullopt, {CreateMode::ephemeral}).ok());
    ASSERT_TRUE(c->get_data("/expiring", watch.watcher()).ok());

    proxy.cut();
    EXPECT_TRUE(states.wait_state(SessionState::disconnected));
    // The server expires the silent session: its ephemeral goes (bounded wait).
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        auto stat = other->exists("/expiring");
        gone = stat.ok() && !stat->has_value();
        if (!gone) {
            testing::sleep_ms(200);
        }
    }
    EXPECT_TRUE(gone);
    EXPECT_EQ(c->state(), SessionState::disconnected);  // the client cannot know yet
    proxy.restore();
    EXPECT_TRUE(states.wait_state(SessionState::expired, 20'000));
    EXPECT_TRUE(watch.wait([](const auto& events, const auto&) {
        return !events.empty() && events.back().state == KeeperState::expired;
    }));
    EXPECT_EQ(c->exists("/").error(), Code::session_expired);
}

}  // namespace
}  // namespace wd::client
