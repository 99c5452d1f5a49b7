// The read-write lock, the queue and the barriers against a real wardend.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "recipes/barrier.h"
#include "recipes/queue.h"
#include "recipes/read_write_lock.h"
#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

using testing::connect;

TEST(ReadWriteLock, ReadersShareWritersExclude) {
    auto a = connect();
    auto b = connect();
    auto w = connect();
    ASSERT_TRUE(a && b && w);
    std::string path = testing::unique_path("rw");
    ReadWriteLock la(*a, path);
    ReadWriteLock lb(*b, path);
    ReadWriteLock lw(*w, path);
    ASSERT_TRUE(*la.read_lock().acquire(5'000));
    ASSERT_TRUE(*lb.read_lock().acquire(5'000));  // readers share
    auto node = node_name(*la.read_lock().lock_node_path());
    EXPECT_EQ(node.substr(40, 8), "__READ__") << node;
    EXPECT_FALSE(*lw.write_lock().acquire(300));  // a writer waits for the readers
    ASSERT_TRUE(la.read_lock().release().ok());
    ASSERT_TRUE(lb.read_lock().release().ok());
    ASSERT_TRUE(*lw.write_lock().acquire(5'000));
    EXPECT_EQ(node_name(*lw.write_lock().lock_node_path()).substr(40, 8), "__WRIT__");
    EXPECT_FALSE(*la.read_lock().acquire(300));   // a reader waits for the writer
    ASSERT_TRUE(*lw.read_lock().acquire(1'000));  // the writer's thread may downgrade
    ASSERT_TRUE(lw.read_lock().release().ok());
    ASSERT_TRUE(lw.write_lock().release().ok());
    ASSERT_TRUE(*la.read_lock().acquire(5'000));
    ASSERT_TRUE(la.read_lock().release().ok());
    EXPECT_TRUE(a->get_children(path)->empty());
}

TEST(ReadWriteLock, WriterExcludesUnderContention) {
    std::string path = testing::unique_path("rw-contention");
    std::atomic<int> writers{0};
    std::atomic<int> readers{0};
    std::atomic<int> violations{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            auto c = connect();
            if (!c) {
                failures++;
                return;
            }
            ReadWriteLock lock(*c, path);
            bool writer = i % 2 == 0;
            Mutex& m = writer ? lock.write_lock() : lock.read_lock();
            for (int k = 0; k < 8; ++k) {
                auto got = m.acquire(30'000);
                if (!got.ok() || !*got) {
                    failures++;
                    return;
                }
                int w = writer ? writers.fetch_add(1) + 1 : writers.load();
                int r = writer ? readers.load() : readers.fetch_add(1) + 1;
                if (w > 1 || (w == 1 && r > 0)) {
                    violations++;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                (writer ? writers : readers).fetch_sub(1);
                if (!m.release().ok()) {
                    failures++;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(violations.load(), 0);
}

TEST(Queue, FifoOrder) {
    auto c = connect();
    ASSERT_TRUE(c);
    Queue q(*c, testing::unique_path("fifo"));
    for (const char* item : {"a", "b", "c"}) {
        ASSERT_TRUE(q.put(item).ok());
    }
    EXPECT_EQ(*q.size(), 3u);
    EXPECT_EQ(**q.take(1'000), "a");
    EXPECT_EQ(**q.take(1'000), "b");
    EXPECT_EQ(**q.take(1'000), "c");
    EXPECT_FALSE(q.take(200)->has_value());
}

TEST(Queue, SeveralConsumersNoLossNoDuplicates) {
    constexpr int producers = 3;
    constexpr int per_producer = 30;
    std::string path = testing::unique_path("queue");
    std::mutex mutex;
    std::multiset<std::string> seen;
    std::atomic<int> taken{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            auto c = connect();
            Queue q(*c, path);
            for (int i = 0; i < per_producer; ++i) {
                if (!q.put(std::to_string(p) + ":" + std::to_string(i)).ok()) {
                    failures++;
                }
            }
        });
    }
    for (int k = 0; k < 3; ++k) {
        threads.emplace_back([&] {
            auto c = connect();
            Queue q(*c, path);
            while (taken.load() < producers * per_producer) {
                auto item = q.take(200);
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
}

TEST(Barrier, WaitersPassWhenRemoved) {
    auto a = connect();
    auto b = connect();
    ASSERT_TRUE(a && b);
    std::string path = testing::unique_path("barrier");
    Barrier ba(*a, path);
    Barrier bb(*b, path);
    ASSERT_TRUE(ba.set_barrier().ok());
    EXPECT_FALSE(*bb.wait_on_barrier(200));
    std::thread remover([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        EXPECT_TRUE(ba.remove_barrier().ok());
    });
    EXPECT_TRUE(*bb.wait_on_barrier(10'000));
    remover.join();
}

TEST(DoubleBarrier, EnterWaitsForAllAndLeaveWaitsForAll) {
    constexpr int members = 3;
    std::string path = testing::unique_path("double");
    std::atomic<int> arrived{0};
    std::atomic<int> leaving{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < members; ++i) {
        threads.emplace_back([&, i] {
            auto c = connect();
            DoubleBarrier barrier(*c, path, members);
            std::this_thread::sleep_for(std::chrono::milliseconds(50 * i));
            arrived++;
            auto in = barrier.enter(20'000);
            if (!in.ok() || !*in || arrived.load() != members) {
                failures++;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50 * (members - i)));
            leaving++;
            auto out = barrier.leave(20'000);
            if (!out.ok() || !*out || leaving.load() != members) {
                failures++;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    auto c = connect();
    EXPECT_TRUE(c->get_children(path)->empty());  // "ready" left with the last member
}

// A leave retried after CONNECTIONLOSS, when the delete had landed and the server has since
// removed the empty container, has nothing left to wait for.
TEST(DoubleBarrier, LeaveRetriedAfterTheBarrierNodeWentSucceeds) {
    std::string path = testing::unique_path("double-gone");
    auto c = connect();
    DoubleBarrier barrier(*c, path, 1);
    auto in = barrier.enter(5'000);
    ASSERT_TRUE(in.ok() && *in);
    auto out = barrier.leave(5'000);
    ASSERT_TRUE(out.ok() && *out);
    ASSERT_TRUE(c->get_children(path)->empty());
    ASSERT_TRUE(c->remove(path, -1).ok());  // what the container reaper does, at once

    auto again = barrier.leave(5'000);
    ASSERT_TRUE(again.ok()) << code_name(again.error());
    EXPECT_TRUE(*again);
    EXPECT_FALSE(c->exists(path)->has_value());
}

}  // namespace
}  // namespace wd::recipes
