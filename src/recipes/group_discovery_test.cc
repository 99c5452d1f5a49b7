// Group membership and service discovery against a real wardend: membership converges across
// several clients, a member id is held by one session at a time, a deleted member node comes
// back, instances are Curator-layout JSON, and instances vanish when their session expires.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "recipes/group_member.h"
#include "recipes/recipes_test_util.h"
#include "recipes/service_cache.h"

namespace wd::recipes {
namespace {

using testing::connect;
using testing::eventually;

using Members = std::map<std::string, std::string>;

TEST(GroupMember, MembershipConvergesAcrossClients) {
    constexpr int count = 4;
    std::string group = testing::unique_path("group");
    std::vector<std::unique_ptr<client::SyncClient>> clients;
    std::vector<std::unique_ptr<GroupMember>> members;
    std::atomic<int> joined_events{0};
    Members expected;
    for (int i = 0; i < count; ++i) {
        clients.push_back(connect());
        ASSERT_TRUE(clients.back());
    }
    // Joining concurrently.
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int i = 0; i < count; ++i) {
        std::string id = "m" + std::to_string(i);
        expected[id] = "p" + std::to_string(i);
        members.push_back(std::make_unique<GroupMember>(*clients[i], group, id, expected[id]));
    }
    members[0]->set_listener([&](const GroupMember::Event& event) {
        joined_events += event.type == GroupMember::EventType::joined ? 1 : 0;
    });
    for (int i = 0; i < count; ++i) {
        threads.emplace_back([&, i] { failures += members[i]->start(10'000).ok() ? 0 : 1; });
    }
    for (auto& t : threads) {
        t.join();
    }
    ASSERT_EQ(failures.load(), 0);
    for (int i = 0; i < count; ++i) {
        EXPECT_TRUE(eventually([&] { return members[i]->members() == expected; }, 10'000)) << i;
        EXPECT_TRUE(members[i]->is_member());
    }
    EXPECT_EQ(joined_events.load(), count);  // each member reported once
    EXPECT_EQ(*members[1]->read_members(), expected);

    ASSERT_TRUE(members[2]->set_payload("new").ok());
    expected["m2"] = "new";
    ASSERT_TRUE(members[3]->close().ok());
    expected.erase("m3");
    ASSERT_TRUE(testing::expire_session(*clients[1]));  // m1 leaves with its session
    expected.erase("m1");
    for (int i : {0, 2}) {
        EXPECT_TRUE(eventually([&] { return members[i]->members() == expected; }, 20'000)) << i;
    }
    EXPECT_TRUE(eventually([&] { return members[1]->lost(); }, 20'000));
    EXPECT_FALSE(members[1]->is_member());
    EXPECT_EQ(*members[0]->read_members(), expected);
}

TEST(GroupMember, AnIdIsHeldByOneSessionAtATime) {
    auto a = connect();
    auto b = connect();
    ASSERT_TRUE(a && b);
    std::string group = testing::unique_path("group-id");
    GroupMember first(*a, group, "same", "a");
    ASSERT_TRUE(first.start().ok());
    GroupMember second(*b, group, "same", "b");
    auto refused = second.start(500);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error(), Code::node_exists);
    EXPECT_EQ(a->get_data(group + "/same")->data, Data("a"));  // not overwritten
    ASSERT_TRUE(first.close().ok());
    GroupMember third(*b, group, "same", "b");
    ASSERT_TRUE(third.start(5'000).ok());
    EXPECT_EQ(*third.read_members(), (Members{{"same", "b"}}));
}

TEST(GroupMember, NodeDeletedByOthersComesBack) {
    auto a = connect();
    auto admin = connect();
    ASSERT_TRUE(a && admin);
    std::string group = testing::unique_path("group-back");
    GroupMember member(*a, group, "me", "data");
    ASSERT_TRUE(member.start().ok());
    ASSERT_TRUE(admin->remove(group + "/me").ok());
    EXPECT_TRUE(eventually([&] {
        auto stat = admin->exists(group + "/me");
        return stat.ok() && stat->has_value() && (*stat)->ephemeral_owner == a->session_id();
    }));
    EXPECT_EQ(admin->get_data(group + "/me")->data, Data("data"));
    EXPECT_TRUE(eventually([&] { return member.members() == Members{{"me", "data"}}; }));
    ASSERT_TRUE(member.close().ok());
    EXPECT_FALSE(*admin->exists(group + "/me"));
}

TEST(ServiceInstance, JsonRoundTripAndUri) {
    ServiceInstance instance;
    instance.name = "api";
    instance.id = "id-1";
    instance.address = "127.0.0.1";
    instance.port = 8080;
    instance.payload = {{"zone", "a"}};
    instance.registration_time_utc_ms = 1325129459728;
    instance.uri_spec = "{scheme}://{address}:{port}/x";
    auto parsed = ServiceInstance::from_json(instance.to_json());
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, instance);
    EXPECT_EQ(instance.build_uri(), "http://127.0.0.1:8080/x");
    EXPECT_FALSE(ServiceInstance::from_json("{\"name\":1}").has_value());
    EXPECT_FALSE(ServiceInstance::from_json("not json").has_value());
}

TEST(ServiceDiscovery, RegistersCuratorLayoutJson) {
    auto c = connect();
    ASSERT_TRUE(c);
    std::string base = testing::unique_path("services");
    ServiceDiscovery discovery(*c, base);
    ServiceInstance instance;
    instance.name = "web";
    instance.address = "127.0.0.1";
    instance.port = 1234;
    instance.uri_spec = "{scheme}://{address}:{port}";
    auto registered = discovery.register_service(instance);
    ASSERT_TRUE(registered.ok());
    EXPECT_EQ(registered->id.size(), 36u);  // a UUID
    EXPECT_GT(registered->registration_time_utc_ms, 0);
    std::string path = base + "/web/" + registered->id;
    auto data = c->get_data(path);
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(data->stat.ephemeral_owner, c->session_id());  // DYNAMIC: ephemeral
    auto body = nlohmann::json::parse(data->data.value_or(""), nullptr, false);
    ASSERT_TRUE(body.is_object());
    EXPECT_EQ(body["name"], "web");
    EXPECT_EQ(body["id"], registered->id);
    EXPECT_EQ(body["address"], "127.0.0.1");
    EXPECT_EQ(body["port"], 1234);
    EXPECT_TRUE(body["sslPort"].is_null());
    EXPECT_TRUE(body["payload"].is_null());
    EXPECT_EQ(body["serviceType"], "DYNAMIC");
    EXPECT_EQ(body["registrationTimeUTC"], registered->registration_time_utc_ms);
    ASSERT_TRUE(body["uriSpec"]["parts"].is_array());
    EXPECT_EQ(body["uriSpec"]["parts"][0]["value"], "scheme");
    EXPECT_EQ(body["uriSpec"]["parts"][0]["variable"], true);
    EXPECT_EQ(body["uriSpec"]["parts"][1]["value"], "://");
    EXPECT_EQ(body["uriSpec"]["parts"][1]["variable"], false);
    EXPECT_EQ(*discovery.query_for_names(), std::vector<std::string>{"web"});
    auto found = discovery.query_for_instance("web", registered->id);
    ASSERT_TRUE(found.ok() && found->has_value());
    EXPECT_EQ(**found, *registered);

    registered->payload = "updated";
    ASSERT_TRUE(discovery.update_service(*registered).ok());
    EXPECT_EQ((*discovery.query_for_instances("web"))[0].payload, "updated");
    ASSERT_TRUE(discovery.unregister_service(*registered).ok());
    EXPECT_TRUE(discovery.query_for_instances("web")->empty());
    ServiceInstance static_instance = instance;
    static_instance.service_type = "STATIC";  // only DYNAMIC (ephemeral) is supported
    auto refused = discovery.register_service(static_instance);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error(), Code::bad_arguments);
}

TEST(ServiceDiscovery, InstancesVanishWhenTheirSessionExpires) {
    constexpr int count = 3;
    std::string base = testing::unique_path("services-expiry");
    std::vector<std::unique_ptr<client::SyncClient>> clients;
    std::vector<std::unique_ptr<ServiceDiscovery>> registries;
    std::set<std::string> ids;
    for (int i = 0; i < count; ++i) {
        clients.push_back(connect());
        ASSERT_TRUE(clients.back());
        registries.push_back(std::make_unique<ServiceDiscovery>(*clients.back(), base));
        ServiceInstance instance;
        instance.name = "api";
        instance.id = "i" + std::to_string(i);
        instance.address = "127.0.0.1";
        instance.port = 9000 + i;
        ASSERT_TRUE(registries.back()->register_service(instance).ok());
        ids.insert(instance.id);
    }
    auto observer = connect();
    ASSERT_TRUE(observer);
    std::atomic<int> changes{0};
    ServiceCache cache(*observer, base, "api");
    cache.set_listener([&] { changes++; });
    ASSERT_TRUE(cache.start().ok());
    auto cached_ids = [&] {
        std::set<std::string> found;
        for (const auto& instance : cache.instances()) {
            found.insert(instance.id);
        }
        return found;
    };
    EXPECT_EQ(cached_ids(), ids);

    ServiceProvider round_robin(cache);
    std::multiset<std::string> picked;
    for (int i = 0; i < 3 * count; ++i) {
        picked.insert(round_robin.get_instance()->id);
    }
    for (const auto& id : ids) {
        EXPECT_EQ(picked.count(id), 3u) << id;  // each in turn
    }
    ServiceProvider random(cache, ServiceProvider::Strategy::random, 42);
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(ids.count(random.get_instance()->id), 1u);
    }

    int before = changes.load();
    ASSERT_TRUE(testing::expire_session(*clients[1]));
    ids.erase("i1");
    EXPECT_TRUE(eventually([&] { return cached_ids() == ids; }, 20'000));
    EXPECT_GT(changes.load(), before);
    EXPECT_EQ(registries[0]->query_for_instances("api")->size(), ids.size());
    EXPECT_TRUE(eventually([&] { return registries[1]->lost(); }, 20'000));
    for (int i = 0; i < 10; ++i) {
        EXPECT_NE(round_robin.get_instance()->id, "i1");
    }
    registries[0]->close();  // unregisters: the cache follows
    ids.erase("i0");
    EXPECT_TRUE(eventually([&] { return cached_ids() == ids; }, 10'000));
}

}  // namespace
}  // namespace wd::recipes
