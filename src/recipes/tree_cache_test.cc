// The tree cache against a real wardend: it mirrors a subtree under random concurrent changes
// (with persistent recursive watches and with one-shot watches), rebuilds after a connection
// cut during which the tree changed, and after session expiry with a new client.
#include "recipes/tree_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "client/test_proxy_asio.h"
#include "client/test_server.h"
#include "recipes/recipes_test_util.h"

namespace wd::recipes {
namespace {

using testing::connect;
using testing::eventually;

// What the cache must agree on for one node: the data and the data-related stat fields.
// (The child fields of a parent's stat are refreshed only when the parent itself is re-read.)
struct Seen {
    Data data;
    int64_t czxid = 0;
    int64_t mzxid = 0;
    int32_t version = 0;
    bool operator==(const Seen&) const = default;
};
using Tree = std::map<std::string, Seen>;

Seen seen_of(const TreeNode& node) {
    return Seen{node.data, node.stat.czxid, node.stat.mzxid, node.stat.version};
}

// A fresh read of the subtree at `path` (empty if it does not exist); nullopt on an error
// other than a node vanishing meanwhile. Bounded by `nodes_max` nodes.
std::optional<Tree> read_tree(client::SyncClient& c, const std::string& path,
                              size_t nodes_max = 1'000) {
    Tree tree;
    std::vector<std::string> pending = {path};
    while (!pending.empty() && tree.size() < nodes_max) {
        std::string at = pending.back();
        pending.pop_back();
        auto data = c.get_data(at);
        if (!data.ok()) {
            if (data.error() == Code::no_node) {
                continue;
            }
            return std::nullopt;
        }
        tree[at] = Seen{data->data, data->stat.czxid, data->stat.mzxid, data->stat.version};
        auto children = c.get_children(at);
        if (!children.ok() && children.error() != Code::no_node) {
            return std::nullopt;
        }
        for (const auto& name : children.ok() ? *children : std::vector<std::string>()) {
            pending.push_back(join_path(at, name));
        }
    }
    return tree;
}

Tree cached_tree(const TreeCache& cache) {
    Tree tree;
    for (const auto& [path, node] : cache.snapshot()) {
        tree[path] = seen_of(node);
    }
    return tree;
}

bool cache_equals(const TreeCache& cache, client::SyncClient& c, const std::string& root) {
    auto fresh = read_tree(c, root);
    return fresh && cached_tree(cache) == *fresh;
}

// Replays the listener's events into a model and counts the events that do not fit it (an
// add of a known path, an update or removal of an unknown one).
class EventModel {
public:
    void on_event(const TreeEvent& event) {
        std::lock_guard<std::mutex> lock(mutex_);
        switch (event.type) {
            case TreeEventType::node_added:
                misfits_ += tree_.count(event.path);
                tree_[event.path] = seen_of(event.node);
                break;
            case TreeEventType::node_updated:
                misfits_ += 1 - tree_.count(event.path);
                tree_[event.path] = seen_of(event.node);
                break;
            case TreeEventType::node_removed:
                misfits_ += 1 - tree_.count(event.path);
                tree_.erase(event.path);
                break;
            case TreeEventType::initialized: ++initialized_; break;
            case TreeEventType::lost: ++lost_; break;
        }
    }
    Tree tree() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return tree_;
    }
    size_t misfits() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return misfits_;
    }
    int initialized() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return initialized_;
    }
    int lost() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return lost_;
    }

private:
    mutable std::mutex mutex_;
    Tree tree_;
    size_t misfits_ = 0;
    int initialized_ = 0;
    int lost_ = 0;
};

// Random creates, sets and deletes on paths up to 3 levels below `root` (names a..c).
void random_changes(client::SyncClient& c, const std::string& root, uint64_t seed, int ops) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < ops; ++i) {
        std::string path = root;
        int depth = 1 + static_cast<int>(rng() % 3);
        for (int d = 0; d < depth; ++d) {
            path += "/" + std::string(1, static_cast<char>('a' + rng() % 3));
        }
        switch (rng() % 3) {
            case 0: (void)c.create(path, "v" + std::to_string(i)); break;
            case 1: (void)c.set_data(path, "s" + std::to_string(i)); break;
            default: (void)c.remove(path); break;  // NOTEMPTY / NONODE are fine
        }
    }
}

class TreeCacheModes : public ::testing::TestWithParam<bool> {};

TEST_P(TreeCacheModes, LoadsAndReportsChanges) {
    auto c = connect();
    ASSERT_TRUE(c);
    std::string root = testing::unique_path("tree");
    ASSERT_TRUE(ensure_path(*c, root + "/a/b").ok());
    ASSERT_TRUE(c->set_data(root + "/a/b", "one").ok());
    EventModel model;
    TreeCache cache(*c, root, {.recursive_watch = GetParam()});
    cache.set_listener([&](const TreeEvent& event) { model.on_event(event); });
    ASSERT_TRUE(cache.start().ok());
    ASSERT_TRUE(cache.await_initialized(10'000));
    EXPECT_EQ(cache.one_shot_watches(), !GetParam());
    EXPECT_EQ(cache.get(root + "/a/b")->data, Data("one"));
    EXPECT_EQ(cache.children(root), std::vector<std::string>{"a"});
    EXPECT_EQ(model.initialized(), 1);

    ASSERT_TRUE(c->create(root + "/a/c", "two").ok());
    ASSERT_TRUE(c->set_data(root + "/a/b", "three").ok());
    ASSERT_TRUE(c->remove(root + "/a/b").ok());
    EXPECT_TRUE(eventually([&] { return cache_equals(cache, *c, root); }, 10'000));
    EXPECT_FALSE(cache.get(root + "/a/b").has_value());
    EXPECT_EQ(cache.get(root + "/a/c")->data, Data("two"));
    EXPECT_EQ(model.tree(), cached_tree(cache));
    EXPECT_EQ(model.misfits(), 0u);
    cache.close();
}

TEST_P(TreeCacheModes, MissingRootAppearsLater) {
    auto c = connect();
    ASSERT_TRUE(c);
    std::string root = testing::unique_path("tree-missing");
    TreeCache cache(*c, root, {.recursive_watch = GetParam()});
    ASSERT_TRUE(cache.start().ok());
    ASSERT_TRUE(cache.await_initialized(10'000));
    EXPECT_TRUE(cache.snapshot().empty());
    ASSERT_TRUE(ensure_path(*c, root + "/x").ok());
    EXPECT_TRUE(eventually([&] { return cache.get(root + "/x").has_value(); }, 10'000));
    EXPECT_TRUE(cache.get(root).has_value());
}

TEST_P(TreeCacheModes, EqualsFreshReadAfterRandomConcurrentChanges) {
    constexpr int writers = 3;
    constexpr int ops = 120;
    auto reader = connect();
    ASSERT_TRUE(reader);
    std::string root = testing::unique_path("tree-random");
    ASSERT_TRUE(ensure_path(*reader, root).ok());
    EventModel model;
    TreeCache cache(*reader, root, {.recursive_watch = GetParam()});
    cache.set_listener([&](const TreeEvent& event) { model.on_event(event); });
    ASSERT_TRUE(cache.start().ok());
    ASSERT_TRUE(cache.await_initialized(10'000));
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            auto c = connect();
            if (c) {
                random_changes(*c, root, 1000 + w, ops);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    auto fresh = read_tree(*reader, root);
    ASSERT_TRUE(fresh.has_value());
    EXPECT_GT(fresh->size(), 1u);  // the workload left something to mirror
    EXPECT_TRUE(eventually([&] { return cached_tree(cache) == *fresh; }, 15'000));
    EXPECT_EQ(model.tree(), cached_tree(cache));
    EXPECT_EQ(model.misfits(), 0u);
    EXPECT_EQ(model.lost(), 0);
}

INSTANTIATE_TEST_SUITE_P(Watches, TreeCacheModes, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Recursive" : "OneShot"; });

TEST(TreeCache, RereadsAfterReconnectWhenChangesHappenedInTheGap) {
    client::testing::TcpProxy proxy(client::testing::shared_server().port());
    client::ClientOptions options;
    options.session_timeout_ms = 8'000;
    options.request_timeout_ms = 15'000;
    auto made = client::SyncClient::connect(proxy.address(), options);
    ASSERT_TRUE(made.ok());
    auto cut_off = std::move(made).value();
    ASSERT_TRUE(cut_off->wait_connected(20'000));
    auto writer = connect();
    ASSERT_TRUE(writer);
    std::string root = testing::unique_path("tree-cut");
    ASSERT_TRUE(ensure_path(*writer, root + "/keep").ok());
    ASSERT_TRUE(ensure_path(*writer, root + "/gone").ok());
    EventModel model;
    TreeCache cache(*cut_off, root);  // persistent recursive: no replay of the gap
    cache.set_listener([&](const TreeEvent& event) { model.on_event(event); });
    ASSERT_TRUE(cache.start().ok());
    ASSERT_TRUE(cache.await_initialized(10'000));
    uint64_t connections = cut_off->connection_count();
    proxy.cut();
    ASSERT_TRUE(eventually([&] { return !is_connected(*cut_off); }, 10'000));
    ASSERT_TRUE(writer->create(root + "/new", "n").ok());
    ASSERT_TRUE(writer->set_data(root + "/keep", "k2").ok());
    ASSERT_TRUE(writer->remove(root + "/gone").ok());
    proxy.restore();
    ASSERT_TRUE(cut_off->wait_connected(20'000));
    EXPECT_GT(cut_off->connection_count(), connections);
    auto fresh = read_tree(*writer, root);
    ASSERT_TRUE(fresh.has_value());
    EXPECT_TRUE(eventually([&] { return cached_tree(cache) == *fresh; }, 10'000));
    EXPECT_EQ(model.tree(), *fresh);
    EXPECT_EQ(model.misfits(), 0u);
    EXPECT_FALSE(cache.lost());
}

TEST(TreeCache, ReportsLostOnExpiryAndRebuildsWithANewClient) {
    auto first = connect();
    auto writer = connect();
    ASSERT_TRUE(first && writer);
    std::string root = testing::unique_path("tree-expiry");
    ASSERT_TRUE(ensure_path(*writer, root + "/a").ok());
    EventModel model;
    TreeCache cache(*first, root);
    cache.set_listener([&](const TreeEvent& event) { model.on_event(event); });
    ASSERT_TRUE(cache.start().ok());
    ASSERT_TRUE(cache.await_initialized(10'000));
    ASSERT_TRUE(testing::expire_session(*first));
    EXPECT_TRUE(eventually([&] { return cache.lost(); }, 20'000));
    EXPECT_EQ(model.lost(), 1);
    EXPECT_TRUE(cache.get(root + "/a").has_value());  // the last known contents stay
    ASSERT_TRUE(writer->remove(root + "/a").ok());
    ASSERT_TRUE(writer->create(root + "/b", "b").ok());
    auto second = connect();
    ASSERT_TRUE(second);
    ASSERT_TRUE(cache.restart(*second).ok());
    ASSERT_TRUE(cache.await_initialized(10'000));
    auto fresh = read_tree(*writer, root);
    ASSERT_TRUE(fresh.has_value());
    EXPECT_EQ(cached_tree(cache), *fresh);
    EXPECT_EQ(model.tree(), *fresh);  // the rebuild reported the differences
    EXPECT_EQ(model.misfits(), 0u);
    EXPECT_EQ(model.initialized(), 2);
    ASSERT_TRUE(writer->create(root + "/c", "c").ok());  // and it is live again
    EXPECT_TRUE(eventually([&] { return cache.get(root + "/c").has_value(); }, 10'000));
    cache.close();  // before `second`, which it now uses, goes
}

}  // namespace
}  // namespace wd::recipes
