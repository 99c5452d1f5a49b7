// The counting semaphore against a real wardend: never more than max_leases holders, and a
// timed-out acquire leaves no lease behind.
#include "recipes/semaphore.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

TEST(Semaphore, AtMostMaxLeases) {
    constexpr int clients = 5;
    constexpr int max_leases = 2;
    std::string path = testing::unique_path("semaphore");
    std::atomic<int> in_use{0};
    std::atomic<int> peak{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&] {
            auto c = testing::connect();
            Semaphore semaphore(*c, path, max_leases);
            for (int k = 0; k < 5; ++k) {
                auto lease = semaphore.acquire(30'000);
                if (!lease.ok() || !lease->has_value()) {
                    ADD_FAILURE() << (lease.ok() ? "timeout" : code_name(lease.error()));
                    failures++;
                    return;
                }
                int now = in_use.fetch_add(1) + 1;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                in_use.fetch_sub(1);
                auto released = semaphore.release(**lease);
                if (!released.ok()) {
                    ADD_FAILURE() << code_name(released.error());
                    failures++;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_LE(peak.load(), max_leases);
    EXPECT_GE(peak.load(), 1);
}

TEST(Semaphore, TimeoutLeavesNoLease) {
    auto a = testing::connect();
    auto b = testing::connect();
    ASSERT_TRUE(a && b);
    std::string path = testing::unique_path("semaphore-timeout");
    Semaphore sa(*a, path, 1);
    Semaphore sb(*b, path, 1);
    auto lease = sa.acquire(5'000);
    ASSERT_TRUE(lease.ok() && lease->has_value());
    EXPECT_NE(node_name(**lease).find("-lease-"), std::string::npos);
    auto none = sb.acquire(300);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    EXPECT_EQ(sa.participants()->size(), 1u);
    ASSERT_TRUE(sa.release(**lease).ok());
    auto got = sb.acquire(5'000);
    ASSERT_TRUE(got.ok() && got->has_value());
    ASSERT_TRUE(sb.release(**got).ok());
}

}  // namespace
}  // namespace wd::recipes
