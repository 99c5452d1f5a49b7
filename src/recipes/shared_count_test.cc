// The shared counter against a real wardend: N clients x M increments give the exact total.
#include "recipes/shared_count.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

TEST(SharedCount, EncodingIsBigEndianInt32) {
    EXPECT_EQ(SharedCount::encode(0x01020304), std::string("\x01\x02\x03\x04", 4));
    EXPECT_EQ(*SharedCount::decode(SharedCount::encode(-7)), -7);
    EXPECT_EQ(SharedCount::decode(std::string("abc")).error(), Code::data_inconsistency);
}

TEST(SharedCount, ConcurrentIncrementsAreExact) {
    constexpr int clients = 5;
    constexpr int increments = 40;
    std::string path = testing::unique_path("count");
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&] {
            auto c = testing::connect();
            if (!c) {
                failures++;
                return;
            }
            SharedCount count(*c, path);
            for (int k = 0; k < increments; ++k) {
                if (!count.increment().ok()) {
                    failures++;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    auto c = testing::connect();
    ASSERT_TRUE(c);
    SharedCount count(*c, path);
    EXPECT_EQ(count.get()->value, clients * increments);
    auto v = *count.get();
    EXPECT_TRUE(*count.try_set(v, 5));
    EXPECT_FALSE(*count.try_set(v, 6));  // stale version
    EXPECT_EQ(count.get()->value, 5);
}

}  // namespace
}  // namespace wd::recipes
