// Tests of the watch table against ZooKeeper's server-side watch semantics: DataTree
// (createNode / deleteNode / setData triggers, setWatches, removeWatch, containsWatcher) and
// WatchManager / PathParentIterator (persistent and recursive modes).
#include "watch/watch_table.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/rng.h"

namespace wd::watch {
namespace {

using proto::EventType;
using proto::WatcherType;

constexpr EventType created = EventType::node_created;
constexpr EventType deleted = EventType::node_deleted;
constexpr EventType changed = EventType::node_data_changed;
constexpr EventType children = EventType::node_children_changed;

Notification note(int64_t session_id, EventType type, std::string path) {
    return Notification{session_id, type, std::move(path)};
}

proto::TreeEvent event(EventType type, std::string path) {
    return proto::TreeEvent{type, std::move(path)};
}

// ---- every event type x every kind, on the watched path itself --------------------------

struct ExactCase {
    Kind kind;
    EventType type;
    bool fires;
    bool stays;
};

class ExactPath : public ::testing::TestWithParam<ExactCase> {};

TEST_P(ExactPath, FiresAndConsumesAsZooKeeper) {
    const ExactCase& c = GetParam();
    WatchTable table;
    table.add(7, "/a", c.kind);
    const std::vector<Notification> got = table.trigger(event(c.type, "/a"));
    if (c.fires) {
        EXPECT_EQ(got, std::vector<Notification>{note(7, c.type, "/a")});
    } else {
        EXPECT_TRUE(got.empty());
    }
    EXPECT_EQ(table.contains(7, "/a", c.kind), c.stays);
    EXPECT_EQ(table.watch_count(), c.stays ? 1u : 0u);
    EXPECT_EQ(table.path_count(), c.stays ? 1u : 0u);
    EXPECT_EQ(table.session_count(), c.stays ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, ExactPath,
    ::testing::Values(
        // Data watches (getData, exists): one-shot; created, deleted, data changed.
        ExactCase{Kind::data, created, true, false}, ExactCase{Kind::data, deleted, true, false},
        ExactCase{Kind::data, changed, true, false}, ExactCase{Kind::data, children, false, true},
        // Child watches (getChildren): one-shot; deleted and children changed.
        ExactCase{Kind::child, created, false, true}, ExactCase{Kind::child, deleted, true, false},
        ExactCase{Kind::child, changed, false, true},
        ExactCase{Kind::child, children, true, false},
        // Persistent: every event of the path, stays.
        ExactCase{Kind::persistent, created, true, true},
        ExactCase{Kind::persistent, deleted, true, true},
        ExactCase{Kind::persistent, changed, true, true},
        ExactCase{Kind::persistent, children, true, true},
        // Persistent-recursive: never NodeChildrenChanged, stays.
        ExactCase{Kind::persistent_recursive, created, true, true},
        ExactCase{Kind::persistent_recursive, deleted, true, true},
        ExactCase{Kind::persistent_recursive, changed, true, true},
        ExactCase{Kind::persistent_recursive, children, false, true}));

// ---- events below the watched path -------------------------------------------------------

class Descendant : public ::testing::TestWithParam<std::tuple<Kind, EventType>> {};

TEST_P(Descendant, OnlyRecursiveSeesDescendantsAndNeverChildrenChanged) {
    const auto [kind, type] = GetParam();
    WatchTable table;
    table.add(1, "/a", kind);
    const auto child_events = table.trigger(event(type, "/a/b"));
    const auto deep_events = table.trigger(event(type, "/a/b/c/d"));
    const bool fires = kind == Kind::persistent_recursive && type != children;
    if (fires) {
        EXPECT_EQ(child_events, std::vector<Notification>{note(1, type, "/a/b")});
        EXPECT_EQ(deep_events, std::vector<Notification>{note(1, type, "/a/b/c/d")});
    } else {
        EXPECT_TRUE(child_events.empty());
        EXPECT_TRUE(deep_events.empty());
    }
    EXPECT_TRUE(table.contains(1, "/a", kind));  // Nothing was consumed.
}

INSTANTIATE_TEST_SUITE_P(Matrix, Descendant,
                         ::testing::Combine(::testing::Values(Kind::data, Kind::child,
                                                              Kind::persistent,
                                                              Kind::persistent_recursive),
                                            ::testing::Values(created, deleted, changed,
                                                              children)));

TEST(WatchTable, RecursiveDoesNotMatchSiblingWithSamePrefix) {
    WatchTable table;
    table.add(1, "/a", Kind::persistent_recursive);
    EXPECT_TRUE(table.trigger(event(created, "/ab")).empty());
    EXPECT_TRUE(table.trigger(event(changed, "/ab/c")).empty());
    EXPECT_TRUE(table.trigger(event(deleted, "/")).empty());
    EXPECT_EQ(table.trigger(event(changed, "/a/b")),
              std::vector<Notification>{note(1, changed, "/a/b")});
}

TEST(WatchTable, EventAboveWatchedPathDoesNotFire) {
    WatchTable table;
    for (const Kind kind : {Kind::data, Kind::child, Kind::persistent,
                            Kind::persistent_recursive}) {
        table.add(1, "/a/b", kind);
    }
    for (const EventType type : {created, deleted, changed, children}) {
        EXPECT_TRUE(table.trigger(event(type, "/a")).empty());
    }
    EXPECT_EQ(table.watch_count(), 4u);
}

TEST(WatchTable, RootRecursiveWatchSeesWholeTree) {
    WatchTable table;
    table.add(3, "/", Kind::persistent_recursive);
    EXPECT_EQ(table.trigger(event(created, "/x")),
              std::vector<Notification>{note(3, created, "/x")});
    EXPECT_EQ(table.trigger(event(deleted, "/x/y/z")),
              std::vector<Notification>{note(3, deleted, "/x/y/z")});
    EXPECT_EQ(table.trigger(event(changed, "/")), std::vector<Notification>{note(3, changed, "/")});
    EXPECT_TRUE(table.trigger(event(children, "/")).empty());
    EXPECT_TRUE(table.trigger(event(children, "/x")).empty());
    EXPECT_EQ(table.recursive_count(), 1u);
}

TEST(WatchTable, RootPersistentWatchSeesRootChildrenOnly) {
    WatchTable table;
    table.add(3, "/", Kind::persistent);
    table.add(4, "/", Kind::child);
    EXPECT_EQ(table.trigger(event(children, "/")),
              (std::vector<Notification>{note(3, children, "/"), note(4, children, "/")}));
    EXPECT_TRUE(table.trigger(event(created, "/x")).empty());
    EXPECT_TRUE(table.contains(3, "/", Kind::persistent));
    EXPECT_FALSE(table.contains(4, "/", Kind::child));
}

// ---- one-shot and persistent lifetimes ---------------------------------------------------

TEST(WatchTable, OneShotFiresOnceAndPersistentKeepsFiring) {
    WatchTable table;
    table.add(1, "/a", Kind::data);
    table.add(2, "/a", Kind::persistent);
    EXPECT_EQ(table.trigger(event(changed, "/a")),
              (std::vector<Notification>{note(1, changed, "/a"), note(2, changed, "/a")}));
    EXPECT_EQ(table.trigger(event(changed, "/a")),
              std::vector<Notification>{note(2, changed, "/a")});
    // A persistent watch outlives the node (addWatch on a missing path is legal too).
    EXPECT_EQ(table.trigger(event(deleted, "/a")),
              std::vector<Notification>{note(2, deleted, "/a")});
    EXPECT_EQ(table.trigger(event(created, "/a")),
              std::vector<Notification>{note(2, created, "/a")});
    EXPECT_EQ(table.watch_count(), 1u);
}

TEST(WatchTable, AddingTwiceIsOneWatch) {
    WatchTable table;
    table.add(1, "/a", Kind::data);
    table.add(1, "/a", Kind::data);
    table.add(1, "/r", Kind::persistent_recursive);
    table.add(1, "/r", Kind::persistent_recursive);
    EXPECT_EQ(table.watch_count(), 2u);
    EXPECT_EQ(table.recursive_count(), 1u);
    EXPECT_EQ(table.trigger(event(changed, "/a")).size(), 1u);
    EXPECT_TRUE(table.trigger(event(changed, "/a")).empty());
}

// ---- overlap: one notification per session and event -------------------------------------

TEST(WatchTable, AllKindsOfOneSessionOnDeletedPathGiveOneNotification) {
    WatchTable table;
    for (const Kind kind : {Kind::data, Kind::child, Kind::persistent,
                            Kind::persistent_recursive}) {
        table.add(1, "/a", kind);
    }
    EXPECT_EQ(table.trigger(event(deleted, "/a")),
              std::vector<Notification>{note(1, deleted, "/a")});
    // The one-shot watches are consumed even though they shared the notification.
    EXPECT_FALSE(table.contains(1, "/a", Kind::data));
    EXPECT_FALSE(table.contains(1, "/a", Kind::child));
    EXPECT_TRUE(table.contains(1, "/a", Kind::persistent));
    EXPECT_TRUE(table.contains(1, "/a", Kind::persistent_recursive));
}

TEST(WatchTable, StandardDataAndPersistentOfOneSessionSendOneEvent) {
    WatchTable table;
    table.add(1, "/a", Kind::data);
    table.add(1, "/a", Kind::persistent);
    EXPECT_EQ(table.trigger(event(changed, "/a")),
              std::vector<Notification>{note(1, changed, "/a")});
    EXPECT_FALSE(table.contains(1, "/a", Kind::data));
    EXPECT_EQ(table.trigger(event(changed, "/a")),
              std::vector<Notification>{note(1, changed, "/a")});
    // Order of adding does not matter (3.9 semantics: the modes coexist).
    table.add(2, "/b", Kind::persistent);
    table.add(2, "/b", Kind::data);
    EXPECT_EQ(table.trigger(event(changed, "/b")).size(), 1u);
    EXPECT_TRUE(table.contains(2, "/b", Kind::persistent));
    EXPECT_FALSE(table.contains(2, "/b", Kind::data));
}

TEST(WatchTable, NestedRecursiveWatchesOfOneSessionGiveOneNotification) {
    WatchTable table;
    table.add(1, "/", Kind::persistent_recursive);
    table.add(1, "/a", Kind::persistent_recursive);
    table.add(1, "/a/b", Kind::persistent);
    table.add(1, "/a/b", Kind::data);
    table.add(2, "/a", Kind::persistent_recursive);
    EXPECT_EQ(table.trigger(event(changed, "/a/b")),
              (std::vector<Notification>{note(1, changed, "/a/b"), note(2, changed, "/a/b")}));
}

TEST(WatchTable, NotificationsAreOrderedBySessionId) {
    WatchTable table;
    table.add(50, "/a", Kind::data);
    table.add(-3, "/a", Kind::persistent);
    table.add(7, "/", Kind::persistent_recursive);
    table.add(0x7fff'0000'0000'0001, "/a", Kind::data);
    table.add(2, "/a", Kind::child);  // Not fired by a data change.
    EXPECT_EQ(table.trigger(event(changed, "/a")),
              (std::vector<Notification>{note(-3, changed, "/a"), note(7, changed, "/a"),
                                         note(50, changed, "/a"),
                                         note(0x7fff'0000'0000'0001, changed, "/a")}));
}

TEST(WatchTable, CreateAsTheTreeReportsIt) {
    // createNode fires NodeCreated(path) on data watches, then NodeChildrenChanged(parent).
    WatchTable table;
    table.add(1, "/p", Kind::child);
    table.add(1, "/p", Kind::persistent_recursive);
    table.add(2, "/p/c", Kind::data);  // exists() on a missing node.
    table.add(3, "/p", Kind::persistent);
    EXPECT_EQ(table.trigger(event(created, "/p/c")),
              (std::vector<Notification>{note(1, created, "/p/c"), note(2, created, "/p/c")}));
    EXPECT_EQ(table.trigger(event(children, "/p")),
              (std::vector<Notification>{note(1, children, "/p"), note(3, children, "/p")}));
    EXPECT_FALSE(table.contains(1, "/p", Kind::child));
    EXPECT_FALSE(table.contains(2, "/p/c", Kind::data));
}

TEST(WatchTable, DeleteAsTheTreeReportsIt) {
    // deleteNode: NodeDeleted(path) on data and child watches, then NodeChildrenChanged(parent).
    WatchTable table;
    table.add(1, "/p/c", Kind::data);
    table.add(2, "/p/c", Kind::child);
    table.add(3, "/p", Kind::child);
    table.add(3, "/p", Kind::persistent_recursive);
    EXPECT_EQ(table.trigger(event(deleted, "/p/c")),
              (std::vector<Notification>{note(1, deleted, "/p/c"), note(2, deleted, "/p/c"),
                                         note(3, deleted, "/p/c")}));
    EXPECT_EQ(table.trigger(event(children, "/p")),
              std::vector<Notification>{note(3, children, "/p")});
    EXPECT_EQ(table.watch_count(), 1u);
}

// ---- set_watches (DataTree.setWatches) ---------------------------------------------------

class SetWatches : public ::testing::Test {
protected:
    void node(const std::string& path, int64_t mzxid, int64_t pzxid) {
        proto::Stat stat;
        stat.mzxid = mzxid;
        stat.pzxid = pzxid;
        nodes_[path] = stat;
    }
    StatLookup lookup() {
        return [this](std::string_view path) -> std::optional<proto::Stat> {
            auto it = nodes_.find(std::string(path));
            if (it == nodes_.end()) {
                return std::nullopt;
            }
            return it->second;
        };
    }
    std::map<std::string, proto::Stat> nodes_;
    WatchTable table_;
};

TEST_F(SetWatches, DataWatchBranches) {
    node("/old", 10, 0);
    node("/same", 20, 0);
    node("/new", 21, 0);
    proto::SetWatches2 watches;
    watches.relative_zxid = 20;
    watches.data_watches = {"/gone", "/old", "/same", "/new"};
    EXPECT_EQ(table_.set_watches(9, watches, lookup()),
              (std::vector<Notification>{note(9, deleted, "/gone"), note(9, changed, "/new")}));
    EXPECT_TRUE(table_.contains(9, "/old", Kind::data));
    EXPECT_TRUE(table_.contains(9, "/same", Kind::data));  // mzxid == relative: not missed.
    EXPECT_FALSE(table_.contains(9, "/gone", Kind::data));
    EXPECT_FALSE(table_.contains(9, "/new", Kind::data));
    EXPECT_EQ(table_.watch_count(), 2u);
}

TEST_F(SetWatches, ExistWatchBranches) {
    node("/here", 100, 100);  // Exists: NodeCreated whatever its zxids.
    proto::SetWatches2 watches;
    watches.relative_zxid = 500;
    watches.exist_watches = {"/here", "/absent"};
    EXPECT_EQ(table_.set_watches(9, watches, lookup()),
              std::vector<Notification>{note(9, created, "/here")});
    EXPECT_TRUE(table_.contains(9, "/absent", Kind::data));
    EXPECT_FALSE(table_.contains(9, "/here", Kind::data));
    EXPECT_EQ(table_.trigger(event(created, "/absent")),
              std::vector<Notification>{note(9, created, "/absent")});
}

TEST_F(SetWatches, ChildWatchBranches) {
    node("/old", 99, 10);
    node("/same", 99, 20);
    node("/new", 1, 21);  // Only pzxid counts, not mzxid.
    proto::SetWatches2 watches;
    watches.relative_zxid = 20;
    watches.child_watches = {"/gone", "/old", "/same", "/new"};
    EXPECT_EQ(table_.set_watches(9, watches, lookup()),
              (std::vector<Notification>{note(9, deleted, "/gone"), note(9, children, "/new")}));
    EXPECT_TRUE(table_.contains(9, "/old", Kind::child));
    EXPECT_TRUE(table_.contains(9, "/same", Kind::child));
    EXPECT_EQ(table_.watch_count(), 2u);
}

TEST_F(SetWatches, PersistentKindsRegisterWithoutLookingAtTheTree) {
    node("/changed", 1000, 1000);
    proto::SetWatches2 watches;
    watches.relative_zxid = 1;
    watches.persistent_watches = {"/changed", "/missing"};
    watches.persistent_recursive_watches = {"/changed", "/"};
    EXPECT_TRUE(table_.set_watches(9, watches, lookup()).empty());
    EXPECT_TRUE(table_.contains(9, "/changed", Kind::persistent));
    EXPECT_TRUE(table_.contains(9, "/missing", Kind::persistent));
    EXPECT_TRUE(table_.contains(9, "/changed", Kind::persistent_recursive));
    EXPECT_TRUE(table_.contains(9, "/", Kind::persistent_recursive));
    EXPECT_EQ(table_.recursive_count(), 2u);
}

TEST_F(SetWatches, ListsAreHandledInZooKeeperOrderWithoutMerging) {
    node("/n", 50, 50);
    proto::SetWatches2 watches;
    watches.relative_zxid = 10;
    watches.child_watches = {"/n", "/x"};
    watches.exist_watches = {"/n"};
    watches.data_watches = {"/x", "/n"};
    EXPECT_EQ(table_.set_watches(4, watches, lookup()),
              (std::vector<Notification>{note(4, deleted, "/x"), note(4, changed, "/n"),
                                         note(4, created, "/n"), note(4, children, "/n"),
                                         note(4, deleted, "/x")}));
    EXPECT_EQ(table_.watch_count(), 0u);
}

// ---- remove / check (removeWatches, checkWatches) ----------------------------------------

class Remove : public ::testing::Test {
protected:
    void SetUp() override {
        for (const Kind kind : {Kind::data, Kind::child, Kind::persistent,
                                Kind::persistent_recursive}) {
            table_.add(1, "/a", kind);
        }
        table_.add(2, "/a", Kind::data);
    }
    WatchTable table_;
};

TEST_F(Remove, EachTypeRemovesExactlyItsKind) {
    const std::pair<WatcherType, Kind> cases[] = {
        {WatcherType::children, Kind::child},
        {WatcherType::data, Kind::data},
        {WatcherType::persistent, Kind::persistent},
        {WatcherType::persistent_recursive, Kind::persistent_recursive},
    };
    size_t left = 4;
    for (const auto& [type, kind] : cases) {
        EXPECT_EQ(table_.remove(1, "/a", type, false), Code::ok);
        EXPECT_TRUE(table_.contains(1, "/a", kind));  // Checking does not remove.
        EXPECT_EQ(table_.remove(1, "/a", type, true), Code::ok);
        --left;
        EXPECT_FALSE(table_.contains(1, "/a", kind));
        EXPECT_EQ(table_.watch_count(), left + 1);  // + session 2's data watch.
        EXPECT_EQ(table_.remove(1, "/a", type, false), Code::no_watcher);
        EXPECT_EQ(table_.remove(1, "/a", type, true), Code::no_watcher);
    }
    EXPECT_EQ(table_.recursive_count(), 0u);
    EXPECT_EQ(table_.remove(1, "/a", WatcherType::any, false), Code::no_watcher);
    EXPECT_TRUE(table_.contains(2, "/a", Kind::data));
}

TEST_F(Remove, AnyRemovesEveryKindOfThatSessionOnly) {
    EXPECT_EQ(table_.remove(1, "/a", WatcherType::any, false), Code::ok);
    EXPECT_EQ(table_.watch_count(), 5u);
    EXPECT_EQ(table_.remove(1, "/a", WatcherType::any, true), Code::ok);
    EXPECT_EQ(table_.watch_count(), 1u);
    EXPECT_EQ(table_.recursive_count(), 0u);
    EXPECT_EQ(table_.remove(1, "/a", WatcherType::any, true), Code::no_watcher);
    EXPECT_TRUE(table_.contains(2, "/a", Kind::data));
    EXPECT_EQ(table_.trigger(event(changed, "/a")),
              std::vector<Notification>{note(2, changed, "/a")});
}

TEST_F(Remove, AnyFindsASingleRemainingKind) {
    EXPECT_EQ(table_.remove(2, "/a", WatcherType::children, false), Code::no_watcher);
    EXPECT_EQ(table_.remove(2, "/a", WatcherType::persistent, true), Code::no_watcher);
    EXPECT_EQ(table_.remove(2, "/a", WatcherType::any, false), Code::ok);
    EXPECT_EQ(table_.remove(2, "/a", WatcherType::any, true), Code::ok);
    EXPECT_EQ(table_.by_path().at("/a"), std::set<int64_t>{1});
}

TEST_F(Remove, NoWatcherCases) {
    EXPECT_EQ(table_.remove(3, "/a", WatcherType::any, false), Code::no_watcher);
    EXPECT_EQ(table_.remove(1, "/b", WatcherType::any, true), Code::no_watcher);
    // Exact path only: a recursive watch on /a is not a watch on /a/b, nor on "/".
    EXPECT_EQ(table_.remove(1, "/a/b", WatcherType::persistent_recursive, true),
              Code::no_watcher);
    EXPECT_EQ(table_.remove(1, "/", WatcherType::any, true), Code::no_watcher);
    EXPECT_EQ(table_.watch_count(), 5u);
}

TEST_F(Remove, UnknownWatcherTypeIsMarshallingError) {
    EXPECT_EQ(table_.remove(1, "/a", static_cast<WatcherType>(0), true), Code::marshalling_error);
    EXPECT_EQ(table_.remove(1, "/a", static_cast<WatcherType>(6), false),
              Code::marshalling_error);
    EXPECT_EQ(table_.watch_count(), 5u);
}

TEST(WatchTable, DataTypeCoversExistWatches) {
    // exists() and getData() both register Kind::data; removeWatches(Data) covers both.
    WatchTable table;
    proto::SetWatches2 watches;
    watches.exist_watches = {"/missing"};
    const auto fired = table.set_watches(1, watches, [](std::string_view) {
        return std::optional<proto::Stat>();
    });
    EXPECT_TRUE(fired.empty());
    EXPECT_EQ(table.remove(1, "/missing", WatcherType::children, true), Code::no_watcher);
    EXPECT_EQ(table.remove(1, "/missing", WatcherType::data, true), Code::ok);
    EXPECT_EQ(table.watch_count(), 0u);
}

// ---- remove_session ----------------------------------------------------------------------

TEST(WatchTable, RemoveSessionDropsEverythingOfThatSession) {
    WatchTable table;
    table.add(1, "/a", Kind::data);
    table.add(1, "/a", Kind::child);
    table.add(1, "/b", Kind::persistent);
    table.add(1, "/", Kind::persistent_recursive);
    table.add(2, "/a", Kind::data);
    table.add(2, "/c", Kind::persistent_recursive);
    table.remove_session(1);
    table.remove_session(1);  // Idempotent.
    table.remove_session(99);
    EXPECT_EQ(table.watch_count(), 2u);
    EXPECT_EQ(table.path_count(), 2u);
    EXPECT_EQ(table.session_count(), 1u);
    EXPECT_EQ(table.recursive_count(), 1u);
    EXPECT_TRUE(table.trigger(event(changed, "/b")).empty());
    EXPECT_TRUE(table.trigger(event(created, "/x")).empty());
    EXPECT_EQ(table.trigger(event(deleted, "/a")),
              std::vector<Notification>{note(2, deleted, "/a")});
    table.remove_session(2);
    EXPECT_EQ(table.watch_count(), 0u);
    EXPECT_EQ(table.path_count(), 0u);
    EXPECT_EQ(table.recursive_count(), 0u);
}

// ---- accounting (wchs / wchc / wchp / mntr) ----------------------------------------------

TEST(WatchTable, Accounting) {
    WatchTable table;
    table.add(1, "/a", Kind::data);
    table.add(1, "/a", Kind::child);
    table.add(1, "/b", Kind::persistent);
    table.add(2, "/a", Kind::child);
    table.add(3, "/c", Kind::persistent_recursive);
    EXPECT_EQ(table.watch_count(), 5u);
    EXPECT_EQ(table.path_count(), 3u);
    EXPECT_EQ(table.session_count(), 3u);
    using ByPath = std::map<std::string, std::set<int64_t>>;
    using BySession = std::map<int64_t, std::set<std::string>>;
    EXPECT_EQ(table.by_path(), (ByPath{{"/a", {1, 2}}, {"/b", {1}}, {"/c", {3}}}));
    EXPECT_EQ(table.by_session(), (BySession{{1, {"/a", "/b"}}, {2, {"/a"}}, {3, {"/c"}}}));
    // ZooKeeper's wchs/wchc/wchp see the data manager only: session 2's child watch is absent.
    EXPECT_EQ(table.by_path(Scope::zk_reports), (ByPath{{"/a", {1}}, {"/b", {1}}, {"/c", {3}}}));
    EXPECT_EQ(table.by_session(Scope::zk_reports),
              (BySession{{1, {"/a", "/b"}}, {3, {"/c"}}}));
    EXPECT_EQ(table.watch_count(Scope::zk_reports), 3u);
    EXPECT_EQ(table.path_count(Scope::zk_reports), 3u);
    EXPECT_EQ(table.session_count(Scope::zk_reports), 2u);
    // mntr: data manager {1@/a, 1@/b, 3@/c} + child manager {1@/a, 2@/a, 1@/b, 3@/c}.
    EXPECT_EQ(table.mntr_watch_count(), 7u);
}

TEST(WatchTable, Describe) {
    EXPECT_EQ(describe(note(0x100000001, created, "/a")), "0x100000001 NodeCreated /a");
    EXPECT_EQ(describe(note(-1, children, "/")), "0xffffffffffffffff NodeChildrenChanged /");
    EXPECT_EQ(kind_name(Kind::persistent_recursive), "persistent_recursive");
}

// ---- randomized comparison with a naive model --------------------------------------------

// The model keeps (session, path, kind) triples and answers trigger by scanning all of them.
struct Model {
    std::set<std::tuple<int64_t, std::string, Kind>> watches;

    static bool under(const std::string& path, const std::string& base) {
        if (base == "/") {
            return path != "/";
        }
        return path.size() > base.size() && path.compare(0, base.size(), base) == 0 &&
               path[base.size()] == '/';
    }
    static bool fires(Kind kind, EventType type, bool exact) {
        if (!exact) {
            return kind == Kind::persistent_recursive && type != children;
        }
        switch (kind) {
            case Kind::data: return type != children;
            case Kind::child: return type == children || type == deleted;
            case Kind::persistent: return true;
            case Kind::persistent_recursive: return type != children;
        }
        return false;
    }
    std::vector<Notification> trigger(EventType type, const std::string& path) {
        std::set<int64_t> fired;
        for (auto it = watches.begin(); it != watches.end();) {
            const auto& [session_id, base, kind] = *it;
            const bool exact = base == path;
            if ((exact || under(path, base)) && fires(kind, type, exact)) {
                fired.insert(session_id);
                if (kind == Kind::data || kind == Kind::child) {
                    it = watches.erase(it);
                    continue;
                }
            }
            ++it;
        }
        std::vector<Notification> out;
        for (const int64_t session_id : fired) {
            out.push_back(note(session_id, type, path));
        }
        return out;
    }
};

TEST(WatchTable, MatchesNaiveModelOnRandomOperations) {
    const std::vector<std::string> paths = {"/",   "/a",   "/ab",  "/a/b", "/a/b/c",
                                            "/b",  "/b/a", "/a/c", "/ab/c"};
    const Kind kinds[] = {Kind::data, Kind::child, Kind::persistent, Kind::persistent_recursive};
    const EventType types[] = {created, deleted, changed, children};
    Rng rng(20240601);
    WatchTable table;
    Model model;
    for (int step = 0; step < 20'000; ++step) {
        const int64_t session_id = rng.range(1, 6);
        const std::string& path = paths[rng.below(paths.size())];
        const Kind kind = kinds[rng.below(4)];
        const uint64_t op = rng.below(10);
        if (op < 5) {
            table.add(session_id, path, kind);
            model.watches.emplace(session_id, path, kind);
        } else if (op < 9) {
            const EventType type = types[rng.below(4)];
            ASSERT_EQ(table.trigger(event(type, path)), model.trigger(type, path)) << step;
        } else if (rng.chance(1, 4)) {
            table.remove_session(session_id);
            std::erase_if(model.watches,
                          [&](const auto& w) { return std::get<0>(w) == session_id; });
        } else {
            const bool had = model.watches.erase({session_id, path, kind}) == 1;
            const WatcherType by_kind[] = {WatcherType::data, WatcherType::children,
                                           WatcherType::persistent,
                                           WatcherType::persistent_recursive};
            const WatcherType type = by_kind[static_cast<size_t>(kind)];
            ASSERT_EQ(table.remove(session_id, path, type, true),
                      had ? Code::ok : Code::no_watcher);
        }
        ASSERT_EQ(table.watch_count(), model.watches.size());
    }
}

}  // namespace
}  // namespace wd::watch
