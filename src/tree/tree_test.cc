// DataTree write and read semantics, checked against ZooKeeper 3.8 (values observed on a real
// 3.8.0 server are marked "observed").
#include <gtest/gtest.h>

#include "tree/describe.h"
#include "tree/test_util.h"

namespace wd::tree {
namespace {

using proto::OpCode;
using testing::Driver;
using testing::open_acl;

constexpr int32_t ok = 0;
int32_t code(Code c) {
    return static_cast<int32_t>(c);
}

proto::Stat stat_of(const DataTree& tree, const std::string& path) {
    auto s = tree.exists(path);
    EXPECT_TRUE(s.ok()) << path;
    return s.ok() ? *s : proto::Stat{};
}

class TreeTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(d.open_session(1).err, ok); }
    Driver d;
};

TEST(SystemNodes, StatsMatchStandaloneZooKeeper) {
    DataTree tree(Options{});
    // Observed: the root reports cversion -1 and /zookeeper -2 (persisted cversion 0, so
    // 0*2 - numChildren); /zookeeper/config has aversion -1 and a read-only ACL.
    proto::Stat root = stat_of(tree, "/");
    EXPECT_EQ(root.cversion, -1);
    EXPECT_EQ(root.num_children, 1);
    EXPECT_EQ(root.czxid, 0);
    EXPECT_EQ(stat_of(tree, "/zookeeper").cversion, -2);
    EXPECT_EQ(stat_of(tree, "/zookeeper/config").aversion, -1);
    EXPECT_EQ(stat_of(tree, "/zookeeper/quota").cversion, 0);
    auto data = tree.get_data("/", Identity{});
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(data->data, proto::Data(std::string()));  // empty, not null
    auto acl = tree.get_acl("/zookeeper/config", Identity{});
    ASSERT_TRUE(acl.ok());
    EXPECT_EQ(describe(acl->acl), "world:anyone=r");
    EXPECT_EQ(*tree.get_all_children_number("/", Identity{}), 3);
    EXPECT_EQ(*tree.get_all_children_number("/zookeeper", Identity{}), 2);
    EXPECT_EQ(tree.node_count(), 4u);
    // "" is an alias of the root, as in DataTree.
    EXPECT_TRUE(tree.exists("").ok());
}

TEST_F(TreeTest, CreateSetsStatAndParent) {
    d.set_time(5000);
    ApplyResult r = d.create("/a", std::string("x"));
    EXPECT_EQ(r.err, ok);
    EXPECT_EQ(describe(r, OpCode::create),
              "err=OK\npath=/a\nevent: NodeCreated /a\n"
              "event: NodeChildrenChanged /");
    proto::Stat s = stat_of(d.tree(), "/a");
    EXPECT_EQ(s.czxid, 2);
    EXPECT_EQ(s.mzxid, 2);
    EXPECT_EQ(s.pzxid, 2);
    EXPECT_EQ(s.ctime, 5000);
    EXPECT_EQ(s.mtime, 5000);
    EXPECT_EQ(s.data_length, 1);
    EXPECT_EQ(s.ephemeral_owner, 0);
    proto::Stat root = stat_of(d.tree(), "/");
    EXPECT_EQ(root.cversion, 0);  // persisted 1, two children
    EXPECT_EQ(root.pzxid, 2);
    EXPECT_EQ(d.tree().last_zxid(), 2);
}

TEST_F(TreeTest, Create2ReturnsStat) {
    ApplyResult r = d.create("/a", std::nullopt, 0, 1, open_acl(), {}, OpCode::create2);
    auto resp = proto::decode_exact<proto::Create2Response>(r.body);
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->path, "/a");
    EXPECT_EQ(resp->stat, stat_of(d.tree(), "/a"));
    EXPECT_EQ(d.tree().get_data("/a", {})->data, std::nullopt);  // null data is kept
}

TEST_F(TreeTest, DeleteBumpsParentCversionAndPzxid) {
    ASSERT_EQ(d.create("/p").err, ok);
    ASSERT_EQ(d.create("/p/c").err, ok);
    EXPECT_EQ(stat_of(d.tree(), "/p").cversion, 1);
    ApplyResult r = d.remove("/p/c");
    EXPECT_EQ(describe(r, OpCode::remove),
              "err=OK\nevent: NodeDeleted /p/c\nevent: NodeChildrenChanged /p");
    proto::Stat p = stat_of(d.tree(), "/p");
    EXPECT_EQ(p.cversion, 2);
    EXPECT_EQ(p.pzxid, d.tree().last_zxid());
    EXPECT_EQ(p.num_children, 0);
    EXPECT_EQ(p.mzxid, 2);  // the parent's own data did not change
}

TEST_F(TreeTest, SequentialNumbersCountCreatesNotChanges) {
    ASSERT_EQ(d.create("/a").err, ok);
    auto path_of = [](const ApplyResult& r) {
        return proto::decode_exact<proto::CreateResponse>(r.body)->path;
    };
    EXPECT_EQ(path_of(d.create("/a/", std::string(), 2)), "/a/0000000000");
    EXPECT_EQ(path_of(d.create("/a/b", std::string(), 2)), "/a/b0000000001");
    ASSERT_EQ(d.remove("/a/0000000000").err, ok);
    EXPECT_EQ(stat_of(d.tree(), "/a").cversion, 3);                            // observed
    EXPECT_EQ(path_of(d.create("/a/b", std::string(), 2)), "/a/b0000000002");  // observed
    EXPECT_EQ(d.create("/a/", std::string(), 0).err, code(Code::bad_arguments));
    EXPECT_EQ(d.create("/nope/", std::string(), 2).err, code(Code::no_node));
}

TEST_F(TreeTest, CreateErrorPrecedence) {
    const std::vector<proto::Acl> none{proto::Acl{0, proto::Id{"world", "anyone"}}};
    ASSERT_EQ(d.create("/locked", std::string(), 0, 1, none).err, ok);
    ASSERT_EQ(d.create("/e", std::string(), 1).err, ok);
    struct Case {
        std::string path;
        int32_t flags;
        Code want;
    };
    const std::vector<Case> cases = {
        {"/", 0, Code::node_exists},                    // observed
        {"a", 0, Code::bad_arguments},                  // observed
        {"//a", 0, Code::bad_arguments},                // observed
        {"/a/", 0, Code::no_node},                      // parent /a is missing
        {"/locked/x/y", 0, Code::no_node},              // NONODE before NOAUTH (observed)
        {"/locked/x", 0, Code::no_auth},                // observed
        {"/locked/.", 0, Code::no_auth},                // NOAUTH before path validation (observed)
        {"/e/x", 0, Code::no_children_for_ephemerals},  // observed
        {"/e", 0, Code::node_exists},
        {"/x", 9, Code::bad_arguments},  // observed
        {"/x", 5, Code::unimplemented},  // TTL without extended types
        {"/x/./y", 0, Code::no_node},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(d.create(c.path, std::string(), c.flags).err, code(c.want)) << c.path;
    }
    EXPECT_EQ(d.create("/x", std::string(), 0, 1, {}).err, code(Code::invalid_acl));
    EXPECT_EQ(d.create("/x", std::string(), 1, 99).err, code(Code::session_expired));
    EXPECT_EQ(d.create("/x", std::string(), 0, 99).err, code(Code::unknown_session));
    EXPECT_EQ(d.tree().last_zxid(), 3 + static_cast<int64_t>(cases.size()) + 3);
}

TEST_F(TreeTest, DeleteErrors) {
    ASSERT_EQ(d.create("/a").err, ok);
    ASSERT_EQ(d.create("/a/b").err, ok);
    EXPECT_EQ(d.remove("/").err, code(Code::bad_arguments));           // observed
    EXPECT_EQ(d.remove("/zookeeper").err, code(Code::bad_arguments));  // observed
    EXPECT_EQ(d.remove("/zookeeper/quota").err, code(Code::bad_arguments));
    EXPECT_EQ(d.remove("/zookeeper/config").err, code(Code::bad_arguments));
    EXPECT_EQ(d.remove("a").err, code(Code::bad_arguments));
    EXPECT_EQ(d.remove("/a/").err, code(Code::no_node));  // observed
    EXPECT_EQ(d.remove("/nope").err, code(Code::no_node));
    EXPECT_EQ(d.remove("/a", 3).err, code(Code::bad_version));
    EXPECT_EQ(d.remove("/a", 0).err, code(Code::not_empty));  // version before emptiness
    const std::vector<proto::Acl> no_delete{
        proto::Acl{proto::perms::all & ~proto::perms::remove, proto::Id{"world", "anyone"}}};
    ASSERT_EQ(d.set_acl("/a", no_delete).err, ok);
    EXPECT_EQ(d.remove("/a/b").err, code(Code::no_auth));
    EXPECT_EQ(d.remove("/a/b", -1, 1, Identity{{}, true}).err, ok);  // super bypasses
    EXPECT_EQ(d.remove("/a", 0, 77).err, code(Code::unknown_session));
}

TEST_F(TreeTest, SetDataRules) {
    ASSERT_EQ(d.create("/a", std::string("x")).err, ok);
    ApplyResult r = d.set("/a", std::nullopt, 0);
    EXPECT_EQ(r.err, ok);
    auto resp = proto::decode_exact<proto::StatResponse>(r.body);
    ASSERT_TRUE(resp.ok());
    EXPECT_EQ(resp->stat.version, 1);
    EXPECT_EQ(resp->stat.mzxid, d.tree().last_zxid());
    EXPECT_EQ(resp->stat.data_length, 0);
    EXPECT_EQ(d.tree().get_data("/a", {})->data, std::nullopt);
    EXPECT_EQ(describe(r, OpCode::set_data).substr(0, 6), "err=OK");
    EXPECT_EQ(r.events,
              (std::vector<proto::TreeEvent>{{proto::EventType::node_data_changed, "/a"}}));
    EXPECT_EQ(d.set("/a", std::string("y"), 0).err, code(Code::bad_version));
    EXPECT_EQ(d.set("/a/", std::string("y")).err, code(Code::bad_arguments));  // observed
    EXPECT_EQ(d.set("/b", std::string("y")).err, code(Code::no_node));
    EXPECT_EQ(d.set("/zookeeper/config", std::string("q")).err, code(Code::no_auth));
    EXPECT_EQ(d.set("/a", std::string(Options{}.data_size_max + 1, 'z')).err,
              code(Code::bad_arguments));
    EXPECT_EQ(stat_of(d.tree(), "/a").version, 1);
}

TEST_F(TreeTest, SetAclBumpsAversion) {
    ASSERT_EQ(d.create("/a").err, ok);
    EXPECT_EQ(d.set_acl("/a", open_acl(), 0).err, ok);
    EXPECT_EQ(stat_of(d.tree(), "/a").aversion, 1);
    EXPECT_EQ(d.set_acl("/a", open_acl(), 7).err, code(Code::bad_version));  // observed
    EXPECT_EQ(d.set_acl("/a", {}).err, code(Code::invalid_acl));
    EXPECT_EQ(d.set_acl("/nope", open_acl()).err, code(Code::no_node));
    Identity bob{{proto::Id{"ip", "10.0.0.1"}, proto::Id{"digest", "bob:hash"}}, false};
    const std::vector<proto::Acl> auth{proto::Acl{31, proto::Id{"auth", ""}}};
    EXPECT_EQ(d.set_acl("/a", auth, -1, 1, bob).err, ok);
    EXPECT_EQ(describe(d.tree().get_acl("/a", bob)->acl), "digest:bob:hash=rwcda");
    EXPECT_EQ(d.set_acl("/a", open_acl()).err, code(Code::no_auth));
    EXPECT_EQ(d.set_acl("/a", auth).err, code(Code::invalid_acl));  // no authenticated id
}

TEST_F(TreeTest, StandaloneCheck) {
    ASSERT_EQ(d.create("/a").err, ok);
    ApplyResult r =
        d.apply(OpCode::check, proto::encode_to_string(proto::CheckVersionRequest{"/a", 0}));
    EXPECT_EQ(r.err, ok);
    EXPECT_EQ(proto::decode_exact<proto::StatResponse>(r.body)->stat, stat_of(d.tree(), "/a"));
    EXPECT_TRUE(r.events.empty());
    r = d.apply(OpCode::check, proto::encode_to_string(proto::CheckVersionRequest{"/a", 5}));
    EXPECT_EQ(r.err, code(Code::bad_version));  // observed
    r = d.apply(OpCode::check, proto::encode_to_string(proto::CheckVersionRequest{"/n", -1}));
    EXPECT_EQ(r.err, code(Code::no_node));  // observed
}

TEST_F(TreeTest, MalformedBodyIsMarshallingError) {
    ApplyResult r = d.apply(OpCode::create, "garbage");
    EXPECT_EQ(r.err, code(Code::marshalling_error));
    EXPECT_EQ(d.apply(OpCode::get_data, "").err, code(Code::unimplemented));
    EXPECT_EQ(d.tree().last_zxid(), 3);
}

TEST_F(TreeTest, EphemeralsAndCloseSession) {
    ASSERT_EQ(d.open_session(2).err, ok);
    ASSERT_EQ(d.create("/p").err, ok);
    ASSERT_EQ(d.create("/p/e1", std::string(), 1, 2).err, ok);
    ASSERT_EQ(d.create("/p/e2", std::string(), 3, 2).err, ok);
    ASSERT_EQ(d.create("/mine", std::string(), 1, 1).err, ok);
    EXPECT_EQ(stat_of(d.tree(), "/p/e1").ephemeral_owner, 2);
    EXPECT_EQ(d.tree().ephemeral_count(), 3u);
    EXPECT_EQ(d.tree().get_ephemerals(2, "/"),
              (std::vector<std::string>{"/p/e1", "/p/e20000000001"}));
    EXPECT_EQ(d.tree().get_ephemerals(2, "/p/e2"), (std::vector<std::string>{"/p/e20000000001"}));
    ApplyResult r = d.close_session(2);
    EXPECT_EQ(describe(r, OpCode::close_session),
              "err=OK\nevent: NodeDeleted /p/e1\nevent: NodeChildrenChanged /p\n"
              "event: NodeDeleted /p/e20000000001\nevent: NodeChildrenChanged /p");
    EXPECT_EQ(d.tree().session(2), nullptr);
    EXPECT_EQ(d.tree().ephemeral_count(), 1u);
    EXPECT_EQ(stat_of(d.tree(), "/p").pzxid, d.tree().last_zxid());
    EXPECT_EQ(stat_of(d.tree(), "/p").cversion, 4);
    EXPECT_EQ(d.create("/p/e3", std::string(), 1, 2).err, code(Code::session_expired));
    EXPECT_EQ(d.close_session(2).err, ok);  // unknown session: nothing to do
}

TEST_F(TreeTest, ContainersAndTtlCandidates) {
    Driver x(Options{true, false, 0xfffff, 0});
    ASSERT_EQ(x.open_session(1).err, ok);
    x.set_time(1000);
    ASSERT_EQ(x.create("/c", std::string(), 0, 1, open_acl(), {}, OpCode::create_container).err,
              ok);
    ASSERT_EQ(x.create_ttl("/t", 500).err, ok);
    EXPECT_EQ(x.create_ttl("/t0", 0).err, code(Code::bad_arguments));  // observed
    EXPECT_EQ(x.create_ttl("/tn", -1, 0).err, code(Code::bad_arguments));
    EXPECT_EQ(x.create_ttl("/tbig", int64_t{1} << 40).err, code(Code::bad_arguments));
    EXPECT_EQ(stat_of(x.tree(), "/c").ephemeral_owner, 0);  // observed: reported as 0
    EXPECT_EQ(stat_of(x.tree(), "/t").ephemeral_owner, 0);  // observed
    EXPECT_TRUE(x.tree().cleanup_candidates(1400, 10).empty());
    EXPECT_EQ(x.tree().cleanup_candidates(1501, 10), std::vector<std::string>{"/t"});
    ASSERT_EQ(x.create("/c/kid").err, ok);
    ASSERT_EQ(x.remove("/c/kid").err, ok);
    EXPECT_EQ(x.tree().cleanup_candidates(1501, 10), (std::vector<std::string>{"/c", "/t"}));
    EXPECT_EQ(x.tree().cleanup_candidates(1501, 1), std::vector<std::string>{"/c"});
    x.set_time(1400);
    EXPECT_EQ(x.delete_container("/t").err, code(Code::bad_version));  // not expired yet
    x.set_time(2000);
    EXPECT_EQ(describe(x.delete_container("/t"), OpCode::delete_container),
              "err=OK\nevent: NodeDeleted /t\nevent: NodeChildrenChanged /");
    EXPECT_EQ(x.delete_container("/c").err, ok);
    EXPECT_EQ(x.delete_container("/c").err, code(Code::no_node));
    ASSERT_EQ(x.create("/plain").err, ok);
    EXPECT_EQ(x.delete_container("/plain").err, code(Code::bad_version));
    EXPECT_EQ(x.delete_container("/zookeeper").err, code(Code::bad_arguments));
    // A plain create with the container flag makes a persistent node (observed).
    ASSERT_EQ(x.create("/pc", std::string(), 4).err, ok);
    ASSERT_EQ(x.create("/pc/k").err, ok);
    ASSERT_EQ(x.remove("/pc/k").err, ok);
    EXPECT_TRUE(x.tree().cleanup_candidates(5000, 10).empty());
}

TEST(NeverUsedContainers, BecomeCandidatesAfterInterval) {
    Driver x(Options{false, false, 0xfffff, 100});
    ASSERT_EQ(x.open_session(1).err, ok);
    x.set_time(1000);
    ASSERT_EQ(x.create("/c", std::string(), 0, 1, open_acl(), {}, OpCode::create_container).err,
              ok);
    EXPECT_TRUE(x.tree().cleanup_candidates(1100, 10).empty());
    EXPECT_EQ(x.tree().cleanup_candidates(1101, 10), std::vector<std::string>{"/c"});
}

TEST_F(TreeTest, FailedWriteStillConsumesZxid) {
    int64_t before = d.tree().last_zxid();
    EXPECT_EQ(d.remove("/nope").err, code(Code::no_node));
    EXPECT_EQ(d.tree().last_zxid(), before + 1);
}

TEST_F(TreeTest, ReadsCheckAcls) {
    const std::vector<proto::Acl> acl{
        proto::Acl{proto::perms::all, proto::Id{"digest", "bob:secret"}},
        proto::Acl{proto::perms::read, proto::Id{"world", "anyone"}}};
    ASSERT_EQ(d.create("/d", std::string("v"), 0, 1, acl).err, ok);
    ASSERT_EQ(
        d.create("/none", std::string(), 0, 1, {proto::Acl{0, proto::Id{"world", "anyone"}}}).err,
        ok);
    // Observed: READ without ADMIN sees "bob:x".
    EXPECT_EQ(describe(d.tree().get_acl("/d", {})->acl), "digest:bob:x=rwcda, world:anyone=r");
    Identity bob{{proto::Id{"digest", "bob:secret"}}, false};
    EXPECT_EQ(describe(d.tree().get_acl("/d", bob)->acl),
              "digest:bob:secret=rwcda, world:anyone=r");
    EXPECT_EQ(d.tree().get_data("/none", {}).error(), Code::no_auth);  // observed
    EXPECT_EQ(d.tree().get_acl("/none", {}).error(), Code::no_auth);   // observed
    EXPECT_EQ(d.tree().get_children("/none", {}).error(), Code::no_auth);
    EXPECT_EQ(d.tree().get_all_children_number("/none", {}).error(), Code::no_auth);
    EXPECT_EQ(d.tree().check_read("/none", {}), Code::no_auth);
    EXPECT_TRUE(d.tree().exists("/none").ok());  // exists checks no ACL (observed)
    EXPECT_EQ(d.tree().get_data("/none", Identity{{}, true}).ok(), true);
    EXPECT_EQ(d.tree().get_data("/x", {}).error(), Code::no_node);
    EXPECT_EQ(d.tree().exists(std::string_view("/a\0b", 4)).error(), Code::bad_arguments);
    EXPECT_EQ(d.tree().exists("/a/").error(), Code::no_node);  // observed
}

TEST_F(TreeTest, ChildrenAndCounts) {
    ASSERT_EQ(d.create("/a").err, ok);
    ASSERT_EQ(d.create("/a/z").err, ok);
    ASSERT_EQ(d.create("/a/b").err, ok);
    ASSERT_EQ(d.create("/a/b/c").err, ok);
    ASSERT_EQ(d.create("/a-b").err, ok);
    auto children = d.tree().get_children("/a", {});
    ASSERT_TRUE(children.ok());
    EXPECT_EQ(children->children, (std::vector<std::string>{"b", "z"}));
    EXPECT_EQ(children->stat.num_children, 2);
    EXPECT_EQ(*d.tree().get_all_children_number("/a", {}), 3);
    EXPECT_EQ(*d.tree().get_all_children_number("/", {}), 8);
    proto::MultiRequest read;
    read.ops.push_back({OpCode::get_children, proto::ExistsRequest{"/a", false}});
    read.ops.push_back({OpCode::get_data, proto::ExistsRequest{"/missing", false}});
    read.ops.push_back({OpCode::get_data, proto::ExistsRequest{"/a/z", false}});
    proto::MultiResponse response = d.tree().multi_read(read, {});
    std::string text = describe(response);
    EXPECT_EQ(text.substr(0, text.find("czxid")), "getChildren b z\nerror NONODE\ngetData \"\" ");
    EXPECT_EQ(d.tree().data_bytes(), 1 + 10 + 16 + 17 + 2 + 4 + 4 + 6 + 4);
}

}  // namespace
}  // namespace wd::tree
