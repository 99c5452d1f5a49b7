// Recipes under connection loss, through a TCP proxy that cuts the client off while the server
// keeps running (client/test_proxy_asio.h): a short cut keeps the session and the lock; a cut
// longer than the session timeout expires it, hands the lock over, and the holder learns.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "client/test_proxy_asio.h"
#include "client/test_server.h"
#include "recipes/leader_latch.h"
#include "recipes/mutex.h"
#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

using client::testing::TcpProxy;
using testing::eventually;

std::unique_ptr<client::SyncClient> connect_via(const TcpProxy& proxy, int32_t timeout_ms) {
    client::ClientOptions options;
    options.session_timeout_ms = timeout_ms;
    options.request_timeout_ms = 15'000;
    auto made = client::SyncClient::connect(proxy.address(), options);
    if (!made.ok() || !(*made)->wait_connected(20'000)) {
        return nullptr;
    }
    return std::move(made).value();
}

TEST(Fault, LockSurvivesShortCutAndIsLostAfterExpiry) {
    TcpProxy proxy(client::testing::shared_server().port());
    auto a = connect_via(proxy, 2'000);
    auto b = testing::connect();
    ASSERT_TRUE(a && b);
    std::string path = testing::unique_path("fault-lock");
    Mutex ma(*a, path);
    ASSERT_TRUE(*ma.acquire(5'000));
    std::atomic<int> b_result{-1};
    std::thread waiter([&] {
        Mutex mb(*b, path);
        auto got = mb.acquire(30'000);
        b_result = got.ok() && *got ? 1 : 0;
        if (got.ok() && *got) {
            (void)mb.release();
        }
    });
    proxy.cut();  // shorter than the session timeout: the session and the lock survive
    EXPECT_TRUE(eventually([&] { return !ma.is_held(); }, 5'000));  // suspended meanwhile
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    proxy.restore();
    ASSERT_TRUE(a->wait_connected(10'000));
    EXPECT_FALSE(ma.lost());
    EXPECT_TRUE(ma.is_held());
    EXPECT_EQ(b_result.load(), -1);  // the waiter is still waiting
    proxy.cut();                     // now for longer than the session timeout
    waiter.join();
    EXPECT_EQ(b_result.load(), 1);
    proxy.restore();
    EXPECT_TRUE(eventually([&] { return ma.lost(); }));
    EXPECT_FALSE(ma.is_held());
}

TEST(Fault, WaiterCutOffKeepsItsPlaceOrLeavesNoNode) {
    TcpProxy proxy(client::testing::shared_server().port());
    auto a = testing::connect();
    auto b = connect_via(proxy, 4'000);
    ASSERT_TRUE(a && b);
    std::string path = testing::unique_path("fault-waiter");
    Mutex ma(*a, path);
    ASSERT_TRUE(*ma.acquire(5'000));
    std::atomic<int> b_result{-1};
    std::thread waiter([&] {
        Mutex mb(*b, path);
        auto got = mb.acquire(20'000);
        b_result = got.ok() && *got ? 1 : 0;
        if (got.ok() && *got) {
            (void)mb.release();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    proxy.cut();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_TRUE(ma.release().ok());  // the waiter's predecessor goes while it is cut off
    proxy.restore();
    waiter.join();
    EXPECT_EQ(b_result.load(), 1);  // the re-registered watch fired after reconnecting
    EXPECT_TRUE(a->get_children(path)->empty());
}

TEST(Fault, LatchGivesLeadershipUpWhenCutOff) {
    TcpProxy proxy(client::testing::shared_server().port());
    auto a = connect_via(proxy, 2'000);
    auto b = testing::connect();
    ASSERT_TRUE(a && b);
    std::string path = testing::unique_path("fault-latch");
    LeaderLatch la(*a, path, "a");
    ASSERT_TRUE(la.start().ok());
    ASSERT_TRUE(la.await(10'000));
    LeaderLatch lb(*b, path, "b");
    ASSERT_TRUE(lb.start().ok());
    proxy.cut();
    EXPECT_TRUE(eventually([&] { return !la.has_leadership(); }, 5'000));
    EXPECT_TRUE(lb.await(20'000));  // a's session expired: b leads
    EXPECT_FALSE(la.has_leadership());
    proxy.restore();
    EXPECT_TRUE(eventually([&] { return la.failed(); }));
    EXPECT_TRUE(lb.close().ok());
}

}  // namespace
}  // namespace wd::recipes
