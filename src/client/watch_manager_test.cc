#include "client/watch_manager.h"

#include <gtest/gtest.h>

namespace wd::client {
namespace {

Watcher noop() {
    return make_watcher([](const WatchEvent&) {});
}

TEST(WatchManager, OneShotWatchesFireOnce) {
    WatchManager m;
    Watcher d = noop(), e = noop(), c = noop();
    m.add(WatchKind::data, "/a", d);
    m.add(WatchKind::data, "/a", d);  // same watcher: kept once
    m.add(WatchKind::exist, "/a", e);
    m.add(WatchKind::child, "/a", c);
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.materialize(EventType::node_data_changed, "/a"), (std::vector<Watcher>{d, e}));
    EXPECT_TRUE(m.materialize(EventType::node_data_changed, "/a").empty());
    EXPECT_EQ(m.materialize(EventType::node_children_changed, "/a"), (std::vector<Watcher>{c}));
    EXPECT_TRUE(m.empty());
}

TEST(WatchManager, DeleteReachesDataAndChildWatches) {
    WatchManager m;
    Watcher d = noop(), c = noop();
    m.add(WatchKind::data, "/a", d);
    m.add(WatchKind::child, "/a", c);
    EXPECT_EQ(m.materialize(EventType::node_deleted, "/a"), (std::vector<Watcher>{d, c}));
    EXPECT_TRUE(m.empty());
}

TEST(WatchManager, PersistentAndRecursive) {
    WatchManager m;
    Watcher p = noop(), r = noop(), root = noop();
    m.add(WatchKind::persistent, "/a", p);
    m.add(WatchKind::persistent_recursive, "/a", r);
    m.add(WatchKind::persistent_recursive, "/", root);
    EXPECT_EQ(m.materialize(EventType::node_created, "/a/b/c"), (std::vector<Watcher>{r, root}));
    EXPECT_EQ(m.materialize(EventType::node_data_changed, "/a"),
              (std::vector<Watcher>{p, r, root}));
    // Recursive watches do not get child events; persistent ones do.
    EXPECT_EQ(m.materialize(EventType::node_children_changed, "/a"), (std::vector<Watcher>{p}));
    EXPECT_TRUE(m.materialize(EventType::node_created, "/ab").size() == 1);  // only root
    EXPECT_EQ(m.size(), 3u);  // persistent watches stay
}

TEST(WatchManager, RemoveByType) {
    WatchManager m;
    Watcher d = noop(), c = noop(), p = noop();
    m.add(WatchKind::data, "/a", d);
    m.add(WatchKind::child, "/a", c);
    m.add(WatchKind::persistent, "/a", p);
    auto removed = m.remove("/a", WatcherType::children, nullptr);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].watcher, c);
    EXPECT_EQ(removed[0].type, EventType::child_watch_removed);
    removed = m.remove("/a", WatcherType::any, p);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].type, EventType::persistent_watch_removed);
    EXPECT_EQ(m.paths(WatchKind::data), (std::vector<std::string>{"/a"}));
}

}  // namespace
}  // namespace wd::client
