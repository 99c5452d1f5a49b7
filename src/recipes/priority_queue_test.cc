// The priority queue against a real wardend: lowest priority first and FIFO within one
// priority, and no item lost or taken twice with several producers and consumers.
#include "recipes/priority_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <map>
#include <set>
#include <thread>

#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

using testing::connect;

TEST(PriorityQueue, KeysSortAsNumbers) {
    EXPECT_EQ(PriorityQueue::priority_key(0), "100000000");
    EXPECT_EQ(PriorityQueue::priority_key(255), "1000000FF");
    EXPECT_EQ(PriorityQueue::priority_key(-1), "0FFFFFFFF");
    std::vector<int32_t> values = {INT_MIN, -70000, -1, 0, 1, 16, 4096, INT_MAX};
    for (size_t i = 1; i < values.size(); ++i) {
        EXPECT_LT(PriorityQueue::priority_key(values[i - 1]),
                  PriorityQueue::priority_key(values[i]));
    }
}

TEST(PriorityQueue, LowestPriorityFirstThenFifo) {
    auto c = connect();
    ASSERT_TRUE(c);
    std::string path = testing::unique_path("pqueue");
    PriorityQueue queue(*c, path);
    std::vector<std::pair<int32_t, std::string>> items = {
        {5, "a"}, {-3, "b"}, {0, "c"}, {5, "d"}, {-3, "e"}, {100, "f"}, {INT_MIN, "g"},
        {INT_MAX, "h"}, {0, "i"}, {-3, "j"}};
    for (const auto& [priority, item] : items) {
        ASSERT_TRUE(queue.put(item, priority).ok());
    }
    EXPECT_EQ(*queue.size(), items.size());
    std::vector<std::string> expected = {"g", "b", "e", "j", "c", "i", "a", "d", "f", "h"};
    std::vector<std::string> taken;
    for (size_t i = 0; i < items.size(); ++i) {
        auto item = queue.take(5'000);
        ASSERT_TRUE(item.ok() && item->has_value());
        taken.push_back(**item);
    }
    EXPECT_EQ(taken, expected);
    EXPECT_FALSE(*queue.take(100));
}

TEST(PriorityQueue, SeveralProducersAndConsumersNoLossNoDuplicates) {
    constexpr int producers = 3;
    constexpr int per_producer = 30;
    constexpr int consumers = 3;
    std::string path = testing::unique_path("pqueue-contention");
    std::mutex mutex;
    std::multiset<std::string> seen;
    std::atomic<int> taken{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            auto c = connect();
            if (!c) {
                failures++;
                return;
            }
            PriorityQueue queue(*c, path);
            for (int i = 0; i < per_producer; ++i) {
                int32_t priority = (i * 7 + p) % 5 - 2;
                if (!queue.put(std::to_string(p) + ":" + std::to_string(i), priority).ok()) {
                    failures++;
                }
            }
        });
    }
    for (int k = 0; k < consumers; ++k) {
        threads.emplace_back([&] {
            auto c = connect();
            if (!c) {
                failures++;
                return;
            }
            PriorityQueue queue(*c, path);
            // Bounded: at most this many takes, each waiting at most 200 ms.
            for (int round = 0; round < 2'000 && taken.load() < producers * per_producer;
                 ++round) {
                auto item = queue.take(200);
                if (!item.ok()) {
                    failures++;
                    return;
                }
                if (item->has_value()) {
                    std::lock_guard<std::mutex> lock(mutex);
                    seen.insert(**item);
                    taken++;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    ASSERT_EQ(seen.size(), static_cast<size_t>(producers * per_producer));
    for (int p = 0; p < producers; ++p) {
        for (int i = 0; i < per_producer; ++i) {
            EXPECT_EQ(seen.count(std::to_string(p) + ":" + std::to_string(i)), 1u);
        }
    }
    auto c = connect();
    EXPECT_EQ(*PriorityQueue(*c, path).size(), 0u);
}

TEST(PriorityQueue, OrderHoldsWhileProducersRaceAConsumer) {
    // Items present at once are served lowest first: a consumer that starts after all puts
    // sees the priorities in non-decreasing order, whatever the producers' interleaving.
    constexpr int producers = 3;
    constexpr int per_producer = 15;
    std::string path = testing::unique_path("pqueue-order");
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            auto c = connect();
            PriorityQueue queue(*c, path);
            for (int i = 0; i < per_producer; ++i) {
                int32_t priority = (i * 11 + p * 3) % 9;
                std::string item = std::to_string(priority) + "/" + std::to_string(p) + "/" +
                                   std::to_string(i);
                if (!queue.put(item, priority).ok()) {
                    failures++;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    ASSERT_EQ(failures.load(), 0);
    auto c = connect();
    PriorityQueue queue(*c, path);
    int last = -1;
    std::map<std::string, int> last_of_producer;  // "priority/producer" -> last i taken
    for (int i = 0; i < producers * per_producer; ++i) {
        auto item = queue.take(5'000);
        ASSERT_TRUE(item.ok() && item->has_value());
        int priority = std::stoi(**item);
        EXPECT_GE(priority, last) << **item;
        last = priority;
        // FIFO within one priority: one producer's puts of a priority come out in order.
        auto slash = (*item)->rfind('/');
        int sequence = std::stoi((*item)->substr(slash + 1));
        auto key = (*item)->substr(0, slash);
        EXPECT_GT(sequence, last_of_producer.count(key) ? last_of_producer[key] : -1) << **item;
        last_of_producer[key] = sequence;
    }
}

}  // namespace
}  // namespace wd::recipes
