// Leader election against a real wardend: at most one leader at a time (checked through the
// listeners, which give leadership up before the node goes), hand-over when the leader
// closes or its session expires, and the selector's callbacks never overlapping.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "recipes/leader_latch.h"
#include "recipes/leader_selector.h"
#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

using testing::connect;
using testing::eventually;

struct LeaderCount {
    std::atomic<int> leaders{0};
    std::atomic<int> max_leaders{0};
    void on_change(bool is_leader) {
        int now = is_leader ? leaders.fetch_add(1) + 1 : leaders.fetch_sub(1) - 1;
        int seen = max_leaders.load();
        while (now > seen && !max_leaders.compare_exchange_weak(seen, now)) {
        }
    }
};

int leader_index(const std::vector<std::unique_ptr<LeaderLatch>>& latches) {
    int found = -1;
    for (size_t i = 0; i < latches.size(); ++i) {
        if (latches[i] && latches[i]->has_leadership()) {
            if (found >= 0) {
                return -2;  // two leaders observed
            }
            found = static_cast<int>(i);
        }
    }
    return found;
}

TEST(LeaderLatch, OneLeaderAtATimeAndCloseMovesLeadership) {
    constexpr int participants = 4;
    std::string path = testing::unique_path("latch");
    LeaderCount count;
    std::vector<std::unique_ptr<client::SyncClient>> clients;
    std::vector<std::unique_ptr<LeaderLatch>> latches;
    for (int i = 0; i < participants; ++i) {
        clients.push_back(connect());
        ASSERT_TRUE(clients.back());
        latches.push_back(
            std::make_unique<LeaderLatch>(*clients.back(), path, "p" + std::to_string(i)));
        latches.back()->set_listener([&](bool leader) { count.on_change(leader); });
        ASSERT_TRUE(latches.back()->start().ok());
    }
    auto node = node_name(latches[0]->our_path());
    EXPECT_TRUE(node.starts_with("_c_")) << node;
    EXPECT_EQ(node.substr(40, 6), "latch-");
    EXPECT_EQ(*clients[0]->get_data(latches[0]->our_path())->data, "p0");
    for (int round = 0; round < participants; ++round) {
        int leader = -1;
        ASSERT_TRUE(eventually([&] { return (leader = leader_index(latches)) >= 0; }));
        EXPECT_TRUE(latches[static_cast<size_t>(leader)]->await(0));
        EXPECT_NE(leader_index(latches), -2);
        ASSERT_TRUE(latches[static_cast<size_t>(leader)]->close().ok());
        latches[static_cast<size_t>(leader)].reset();
    }
    EXPECT_EQ(count.max_leaders.load(), 1);
    EXPECT_EQ(count.leaders.load(), 0);
}

TEST(LeaderLatch, SessionExpiryMovesLeadership) {
    std::string path = testing::unique_path("latch-expiry");
    auto a = connect(2'000);
    auto b = connect();
    ASSERT_TRUE(a && b);
    LeaderLatch la(*a, path, "a");
    ASSERT_TRUE(la.start().ok());
    ASSERT_TRUE(la.await(10'000));
    LeaderLatch lb(*b, path, "b");
    ASSERT_TRUE(lb.start().ok());
    EXPECT_FALSE(lb.await(200));
    ASSERT_TRUE(testing::expire_session(*a));
    EXPECT_TRUE(lb.await(20'000));
    EXPECT_TRUE(eventually([&] { return !la.has_leadership(); }));
    EXPECT_TRUE(eventually([&] { return la.failed(); }));
    EXPECT_TRUE(lb.close().ok());
}

TEST(LeaderSelector, CallbacksNeverOverlap) {
    constexpr int participants = 3;
    constexpr int turns = 3;
    std::string path = testing::unique_path("selector");
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> runs{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < participants; ++i) {
        threads.emplace_back([&, i] {
            auto c = connect();
            if (!c) {
                failures++;
                return;
            }
            LeaderSelector selector(*c, path, "s" + std::to_string(i));
            for (int t = 0; t < turns; ++t) {
                auto ran = selector.run_once(30'000, [&](LeaderSelector& self) {
                    if (inside.fetch_add(1) != 0) {
                        overlaps++;
                    }
                    if (!self.has_leadership()) {
                        failures++;
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    runs++;
                    inside.fetch_sub(1);
                });
                if (!ran.ok() || !*ran) {
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
    EXPECT_EQ(runs.load(), participants * turns);
}

}  // namespace
}  // namespace wd::recipes
