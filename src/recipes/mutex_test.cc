// The exclusive lock against a real wardend: mutual exclusion under contention (no lost
// increments of a non-atomic counter), reentrancy, timeouts leaving no node behind, and the
// hand-over when the holder's session expires.
#include "recipes/mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

using testing::connect;
using testing::eventually;

TEST(Mutex, NodeLayoutIsCurators) {
    auto c = connect();
    ASSERT_TRUE(c);
    std::string path = testing::unique_path("layout");
    Mutex mutex(*c, path);
    ASSERT_TRUE(*mutex.acquire(5'000));
    auto node = node_name(*mutex.lock_node_path());
    // _c_ + 36-char UUID + "-" + "lock-" + 10 digits
    ASSERT_EQ(node.size(), 3u + 36 + 1 + 5 + 10) << node;
    EXPECT_TRUE(node.starts_with("_c_"));
    EXPECT_EQ(node.substr(40, 5), "lock-");
    EXPECT_EQ(node.substr(45), "0000000000");
    ASSERT_TRUE(mutex.release().ok());
    EXPECT_TRUE(c->get_children(path)->empty());
}

TEST(Mutex, NoLostIncrementsUnderContention) {
    constexpr int sessions = 5;
    constexpr int iterations = 20;
    std::string path = testing::unique_path("counter");
    std::string counter = path + "-value";
    auto setup = connect();
    ASSERT_TRUE(setup);
    ASSERT_TRUE(ensure_path(*setup, counter).ok());
    ASSERT_TRUE(setup->set_data(counter, std::string("0")).ok());
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int s = 0; s < sessions; ++s) {
        threads.emplace_back([&] {
            auto c = connect();
            if (!c) {
                failures++;
                return;
            }
            Mutex mutex(*c, path);
            for (int i = 0; i < iterations; ++i) {
                auto got = mutex.acquire(30'000);
                if (!got.ok() || !*got) {
                    failures++;
                    return;
                }
                if (inside.fetch_add(1) != 0) {
                    overlaps++;
                }
                auto data = c->get_data(counter);
                int value = data.ok() ? std::stoi(*data->data) : -1000000;
                std::this_thread::yield();
                if (!c->set_data(counter, std::to_string(value + 1), -1).ok()) {
                    failures++;
                }
                inside.fetch_sub(1);
                if (!mutex.release().ok()) {
                    failures++;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(overlaps.load(), 0);
    EXPECT_EQ(*setup->get_data(counter)->data, std::to_string(sessions * iterations));
    EXPECT_TRUE(setup->get_children(path)->empty());
}

TEST(Mutex, ReentrantPerThread) {
    auto c = connect();
    ASSERT_TRUE(c);
    std::string path = testing::unique_path("reentrant");
    Mutex mutex(*c, path);
    ASSERT_TRUE(*mutex.acquire(5'000));
    ASSERT_TRUE(*mutex.acquire(5'000));
    EXPECT_EQ(c->get_children(path)->size(), 1u);
    std::thread other([&] {
        EXPECT_FALSE(mutex.is_acquired_in_this_thread());
        EXPECT_EQ(mutex.release().error(), Code::api_error);
        auto got = mutex.acquire(300);  // another thread of the same process waits its turn
        EXPECT_TRUE(got.ok() && !*got);
    });
    other.join();
    ASSERT_TRUE(mutex.release().ok());
    EXPECT_TRUE(mutex.is_acquired_in_this_thread());
    ASSERT_TRUE(mutex.release().ok());
    EXPECT_FALSE(mutex.is_acquired_in_this_thread());
    EXPECT_TRUE(c->get_children(path)->empty());
}

TEST(Mutex, TimeoutLeavesNoNode) {
    auto a = connect();
    auto b = connect();
    ASSERT_TRUE(a && b);
    std::string path = testing::unique_path("timeout");
    Mutex ma(*a, path);
    Mutex mb(*b, path);
    ASSERT_TRUE(*ma.acquire(5'000));
    auto got = mb.acquire(300);
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(*got);
    EXPECT_EQ(a->get_children(path)->size(), 1u);
    ASSERT_TRUE(ma.release().ok());
    EXPECT_TRUE(*mb.acquire(5'000));
    EXPECT_TRUE(mb.release().ok());
}

TEST(Mutex, HolderSessionExpiryHandsOverAndHolderLearns) {
    auto a = connect(2'000);
    auto b = connect();
    ASSERT_TRUE(a && b);
    std::string path = testing::unique_path("expiry");
    Mutex ma(*a, path);
    std::atomic<bool> told{false};
    ma.set_lost_listener([&] { told = true; });
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
    ASSERT_TRUE(testing::expire_session(*a));
    waiter.join();
    EXPECT_EQ(b_result.load(), 1);
    EXPECT_TRUE(eventually([&] { return ma.lost(); }));
    EXPECT_TRUE(eventually([&] { return told.load(); }));
    EXPECT_FALSE(ma.is_held());
}

}  // namespace
}  // namespace wd::recipes
