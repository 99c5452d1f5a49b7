// Every operation through the synchronous and the asynchronous API, and watches of every kind,
// against a real server (wardend; Apache ZooKeeper with WD_CLIENT_TEST_SERVER=zookeeper).
#include <gtest/gtest.h>

#include <future>

#include "client/sync_client_asio.h"
#include "client/test_util.h"

namespace wd::client {
namespace {

using testing::EventLog;
using testing::shared_server;

std::unique_ptr<SyncClient> connect_sync(const std::string& suffix = "",
                                         ClientOptions options = {}) {
    if (options.session_timeout_ms == 30'000) {
        options.session_timeout_ms = 4'000;
    }
    options.request_timeout_ms = 15'000;  // a missing reply fails the test, never hangs it
    auto client = SyncClient::connect(shared_server().address() + suffix, std::move(options));
    EXPECT_TRUE(client.ok());
    if (!client.ok()) {
        return nullptr;
    }
    EXPECT_TRUE((*client)->wait_connected(20'000));
    return std::move(client).value();
}

TEST(ClientIntegration, SyncOperations) {
    auto root = connect_sync();
    ASSERT_TRUE(root);
    ASSERT_TRUE(root->create("/sync", std::nullopt).ok());
    auto c = connect_sync("/sync");
    ASSERT_TRUE(c);

    auto created = c->create("/a", std::string("one"));
    ASSERT_TRUE(created.ok()) << code_name(created.error());
    EXPECT_EQ(*created, "/a");
    EXPECT_EQ(c->create("/a", std::nullopt).error(), Code::node_exists);
    EXPECT_EQ(c->create("bad", std::nullopt).error(), Code::bad_arguments);
    auto c2 = c->create2("/b", std::string("xy"));
    ASSERT_TRUE(c2.ok());
    EXPECT_EQ(c2->path, "/b");
    EXPECT_EQ(c2->stat.data_length, 2);
    auto seq = c->create("/a/s-", std::nullopt, {CreateMode::persistent_sequential});
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, "/a/s-0000000000");
    auto eph = c->create("/e", std::nullopt, {CreateMode::ephemeral});
    ASSERT_TRUE(eph.ok());
    auto container = c->create("/container", std::nullopt, {CreateMode::container});
    ASSERT_TRUE(container.ok()) << code_name(container.error());
    CreateOptions ttl{CreateMode::persistent_with_ttl, open_acl_unsafe(), 60'000};
    auto ttl_node = c->create2("/ttl", std::nullopt, ttl);
    ASSERT_TRUE(ttl_node.ok()) << code_name(ttl_node.error());
    EXPECT_EQ(c->create("/x", std::nullopt, {CreateMode::persistent_with_ttl}).error(),
              Code::bad_arguments);

    auto stat = c->exists("/a");
    ASSERT_TRUE(stat.ok());
    ASSERT_TRUE(stat->has_value());
    EXPECT_EQ((*stat)->num_children, 1);
    EXPECT_FALSE(c->exists("/missing")->has_value());
    auto data = c->get_data("/a");
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(data->data, std::optional<std::string>("one"));
    EXPECT_EQ(c->get_data("/missing").error(), Code::no_node);
    auto set = c->set_data("/a", std::string("two"), 0);
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->version, 1);
    EXPECT_EQ(c->set_data("/a", std::string("three"), 0).error(), Code::bad_version);
    if (!shared_server().is_zookeeper()) {
        // ZooKeeper 3.8 does not answer a standalone check (it fails to serialise the reply).
        auto checked = c->check("/a", 1);
        EXPECT_TRUE(checked.ok()) << code_name(checked.error());
    }

}

TEST(ClientIntegration, SyncAclChildrenMultiAndClose) {
    auto root = connect_sync();
    ASSERT_TRUE(root);
    ASSERT_TRUE(root->create("/sync2", std::nullopt).ok());
    auto c = connect_sync("/sync2");
    ASSERT_TRUE(c);
    for (const char* path : {"/a", "/b", "/container", "/ttl"}) {
        ASSERT_TRUE(c->create(path, std::string("1")).ok());
    }
    ASSERT_TRUE(c->create("/a/s-", std::nullopt, {CreateMode::persistent_sequential}).ok());
    ASSERT_TRUE(c->create("/e", std::nullopt, {CreateMode::ephemeral}).ok());
    ASSERT_TRUE(c->set_data("/a", std::nullopt).ok());

    auto acl = c->get_acl("/a");
    ASSERT_TRUE(acl.ok());
    EXPECT_EQ(acl->acl, open_acl_unsafe());
    auto set_acl = c->set_acl("/b", read_acl_unsafe(), 0);
    ASSERT_TRUE(set_acl.ok());
    EXPECT_EQ(set_acl->aversion, 1);
    EXPECT_EQ(c->set_data("/b", std::string("z")).error(), Code::no_auth);

    auto children = c->get_children("/");
    ASSERT_TRUE(children.ok());
    std::sort(children->begin(), children->end());
    EXPECT_EQ(*children, (std::vector<std::string>{"a", "b", "container", "e", "ttl"}));
    auto children2 = c->get_children2("/a");
    ASSERT_TRUE(children2.ok());
    EXPECT_EQ(children2->stat.num_children, 1);
    EXPECT_EQ(*c->sync("/a"), "/a");
    EXPECT_EQ(*c->get_all_children_number("/"), 6);
    EXPECT_EQ(*c->get_ephemerals("/"), (std::vector<std::string>{"/e"}));

    auto ok = c->multi(Multi().create("/m", std::string("d")).set_data("/a", std::nullopt, 1)
                           .check("/a", 2).remove("/m"));
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->code, Code::ok);
    ASSERT_EQ(ok->results.size(), 4u);
    EXPECT_EQ(std::get<proto::CreateResponse>(ok->results[0].body).path, "/m");
    auto failed = c->multi(Multi().create("/m2", std::nullopt).check("/a", 99));
    ASSERT_TRUE(failed.ok());
    EXPECT_EQ(failed->code, Code::bad_version);
    EXPECT_FALSE(c->exists("/m2")->has_value());
    auto reads = c->multi_read(Multi().get_data("/a").get_children("/a").get_data("/nope"));
    ASSERT_TRUE(reads.ok());
    ASSERT_EQ(reads->results.size(), 3u);
    EXPECT_EQ(reads->results[2].err, static_cast<int32_t>(Code::no_node));

    auto who = c->who_am_i();
    ASSERT_TRUE(who.ok());
    ASSERT_FALSE(who->empty());
    EXPECT_EQ((*who)[0].auth_scheme, "ip");
    EXPECT_EQ(c->remove("/a", 5).error(), Code::bad_version);
    EXPECT_EQ(c->remove("/a").error(), Code::not_empty);
    EXPECT_TRUE(c->remove("/a/s-0000000000").ok());
    EXPECT_TRUE(c->remove("/a").ok());

    int64_t session = c->session_id();
    EXPECT_NE(session, 0);
    EXPECT_TRUE(c->close().ok());
    EXPECT_EQ(c->state(), SessionState::closed);
    EXPECT_EQ(c->exists("/b").error(), Code::session_expired);
    // Closing the session removed its ephemeral.
    EXPECT_FALSE(root->exists("/sync2/e")->has_value());
}

TEST(ClientIntegration, AuthAndAcl) {
    auto a = connect_sync();
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->add_auth("digest", "alice:secret").ok());
    auto who = a->who_am_i();
    ASSERT_TRUE(who.ok());
    bool digest = false;
    for (const ClientInfo& info : *who) {
        digest = digest || (info.auth_scheme == "digest" && info.user == "alice");
    }
    EXPECT_TRUE(digest);
    ASSERT_TRUE(a->create("/private", std::string("s"), {CreateMode::persistent,
                                                          creator_all_acl()})
                    .ok());
    auto b = connect_sync();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->get_data("/private").error(), Code::no_auth);
    EXPECT_TRUE(a->get_data("/private").ok());
    EXPECT_TRUE(a->remove("/private").ok());
}

TEST(ClientIntegration, AsyncCallbacksFuturesAndCoroutines) {
    asio::io_context io;
    EventLog log;
    ClientOptions options;
    options.session_timeout_ms = 4'000;
    options.request_timeout_ms = 15'000;
    options.state_listener = log.listener();
    auto client = Client::connect(io, shared_server().address(), options);
    ASSERT_TRUE(client.ok());
    std::shared_ptr<Client> c = *client;
    std::thread runner([&] { io.run(); });
    ASSERT_TRUE(log.wait_state(SessionState::connected));

    // A callback chain.
    std::promise<std::string> chain;
    c->create("/async", std::string("v"), {}, [&](ZkResult<std::string> r) {
        ASSERT_TRUE(r.ok());
        c->get_data(*r, nullptr, [&](ZkResult<DataResult> d) {
            chain.set_value(d.ok() && d->data ? *d->data : "error");
        });
    });
    auto chained = chain.get_future();
    ASSERT_EQ(chained.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(chained.get(), "v");

    // Futures, several in flight at once: FIFO order is kept.
    std::vector<std::future<ZkResult<Stat>>> sets;
    for (int i = 0; i < 20; ++i) {
        sets.push_back(c->set_data("/async", std::to_string(i), i, asio::use_future));
    }
    for (int i = 0; i < 20; ++i) {
        auto r = sets[size_t(i)].get();
        ASSERT_TRUE(r.ok()) << i;
        EXPECT_EQ(r->version, i + 1);
    }

#if defined(ASIO_HAS_CO_AWAIT)
    // A coroutine. Debian's asio enables co_await under GCC, and under clang only with
    // libc++'s <experimental/coroutine>, so a clang build on libstdc++ has no use_awaitable.
    std::promise<int32_t> count;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            // Named, not a braced temporary: GCC 12 destroys braced temporaries in a
            // co_await expression twice.
            CreateOptions persistent;
            auto made = co_await c->create2("/async/k", std::nullopt, persistent,
                                            asio::use_awaitable);
            auto n = co_await c->get_all_children_number("/async", asio::use_awaitable);
            auto gone = co_await c->remove("/async/k", made.ok() ? made->stat.version : 0,
                                           asio::use_awaitable);
            count.set_value(n.ok() && gone.ok() ? *n : -1);
        },
        asio::detached);
    auto counted = count.get_future();
    ASSERT_EQ(counted.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(counted.get(), 1);
#endif

    EXPECT_TRUE(c->remove("/async", -1, asio::use_future).get().ok());
    EXPECT_TRUE(c->close(asio::use_future).get().ok());
    runner.join();  // the io_context runs out of work once the client is closed
    EXPECT_EQ(log.states().back(), SessionState::closed);
}

TEST(ClientIntegration, WatchesOfEveryKind) {
    auto root = connect_sync();
    ASSERT_TRUE(root);
    ASSERT_TRUE(root->create("/w", std::nullopt).ok());
    EventLog data, exist, child, persistent, recursive;  // outlive the clients
    auto c = connect_sync("/w");
    auto other = connect_sync("/w");
    ASSERT_TRUE(c && other);
    // One path per kind: ZooKeeper 3.8 keeps one watch mode per path and connection
    // (ZOOKEEPER-4466), so a one-shot and a persistent watch on one path interfere there.
    ASSERT_TRUE(c->create("/d", std::string("0")).ok());
    ASSERT_TRUE(c->create("/p", std::string("0")).ok());
    ASSERT_TRUE(c->get_data("/d", data.watcher()).ok());
    ASSERT_FALSE(c->exists("/later", exist.watcher())->has_value());
    ASSERT_TRUE(c->get_children("/", child.watcher()).ok());
    ASSERT_TRUE(c->add_watch("/p", AddWatchMode::persistent, persistent.watcher()).ok());
    ASSERT_TRUE(
        c->add_watch("/rec", AddWatchMode::persistent_recursive, recursive.watcher()).ok());
    EXPECT_TRUE(c->check_watches("/d", WatcherType::data).ok());

    ASSERT_TRUE(other->set_data("/d", std::string("1")).ok());
    ASSERT_TRUE(other->set_data("/d", std::string("2")).ok());
    ASSERT_TRUE(other->create("/later", std::nullopt).ok());
    ASSERT_TRUE(other->set_data("/p", std::string("1")).ok());
    ASSERT_TRUE(other->set_data("/p", std::string("2")).ok());
    ASSERT_TRUE(other->create("/rec", std::nullopt).ok());
    ASSERT_TRUE(other->create("/rec/x", std::nullopt).ok());
    ASSERT_TRUE(other->create("/rec/x/y", std::nullopt).ok());
    ASSERT_TRUE(other->set_data("/rec/x", std::string("z")).ok());
    EXPECT_TRUE(data.wait_event(EventType::node_data_changed, "/d"));
    EXPECT_TRUE(exist.wait_event(EventType::node_created, "/later"));
    EXPECT_TRUE(child.wait_event(EventType::node_children_changed, "/"));
    EXPECT_TRUE(recursive.wait_event(EventType::node_data_changed, "/rec/x"));
    EXPECT_TRUE(persistent.wait([](const auto& events, const auto&) {
        return events.size() >= 2;
    }));
    // A sync round trip orders everything before it: one-shot watches fired only once.
    ASSERT_TRUE(c->sync("/").ok());
    EXPECT_EQ(data.events().size(), 1u);
    EXPECT_EQ(exist.events().size(), 1u);
    EXPECT_EQ(child.events().size(), 1u);
    EXPECT_EQ(persistent.events().size(), 2u);
    // Recursive: /rec, /rec/x, /rec/x/y created, /rec/x changed; no child events.
    auto rec = recursive.events();
    ASSERT_EQ(rec.size(), 4u);
    EXPECT_EQ(rec[0].path, "/rec");
    EXPECT_EQ(rec[2].path, "/rec/x/y");
    EXPECT_EQ(rec[2].type, EventType::node_created);

    // Removing watches tells the watcher, and the server no longer has them.
    // WatcherType any: ZooKeeper 3.8 knows no persistent WatcherType (3.9 added it).
    auto removed = c->remove_watches("/p", WatcherType::any);
    ASSERT_TRUE(removed.ok()) << code_name(removed.error());
    EXPECT_TRUE(persistent.wait_event(EventType::persistent_watch_removed, "/p"));
    EXPECT_EQ(c->check_watches("/p", WatcherType::any).error(), Code::no_watcher);
    ASSERT_TRUE(c->get_children("/later", child.watcher()).ok());
    ASSERT_TRUE(c->remove_watches("/later", WatcherType::children).ok());
    EXPECT_TRUE(child.wait_event(EventType::child_watch_removed, "/later"));
    ASSERT_TRUE(other->set_data("/p", std::string("3")).ok());
    ASSERT_TRUE(c->sync("/").ok());
    EXPECT_EQ(persistent.events().size(), 3u);  // two changes and the removal

    // Closing tells the remaining watchers.
    ASSERT_TRUE(c->close().ok());
    EXPECT_TRUE(recursive.wait([](const auto& events, const auto&) {
        return !events.empty() && events.back().state == KeeperState::closed;
    }));
}

}  // namespace
}  // namespace wd::client
