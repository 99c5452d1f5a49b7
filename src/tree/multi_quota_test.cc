// multi atomicity and result layout, quotas, and the sequence counter wrap.
#include <gtest/gtest.h>

#include "base/coding.h"
#include "base/crc32c.h"
#include "tree/describe.h"
#include "tree/quota.h"
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

proto::MultiOp create_op(OpCode type, const std::string& path, int32_t flags = 0) {
    return {type, proto::CreateRequest{path, std::string(), open_acl(), flags}};
}

class MultiTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(d.open_session(1).err, ok);
        ASSERT_EQ(d.create("/a", std::string("v")).err, ok);
    }
    Driver d;
};

TEST_F(MultiTest, SuccessLayoutFollowsZooKeeper) {
    proto::MultiRequest m;
    m.ops.push_back(create_op(OpCode::create2, "/m1"));           // observed: "create /m1"
    m.ops.push_back(create_op(OpCode::create_container, "/m2"));  // flags 0: a plain create
    m.ops.push_back(create_op(OpCode::create, "/m3", 4));         // container -> create2 result
    m.ops.push_back({OpCode::check, proto::CheckVersionRequest{"/a", 0}});
    m.ops.push_back({OpCode::set_data, proto::SetDataRequest{"/a", std::string("w"), 0}});
    m.ops.push_back({OpCode::remove, proto::DeleteRequest{"/m1", -1}});
    m.ops.push_back(create_op(OpCode::create, "/a/s", 2));
    m.ops.push_back(create_op(OpCode::create, "/a/s", 2));
    ApplyResult r = d.multi(m);
    EXPECT_EQ(r.err, ok);
    const int64_t z = d.tree().last_zxid();
    proto::MultiResponse resp = testing::decode_multi(r.body);
    ASSERT_EQ(resp.results.size(), 8u);
    EXPECT_EQ(resp.results[0].type, OpCode::create);
    EXPECT_EQ(resp.results[1].type, OpCode::create);
    EXPECT_EQ(resp.results[2].type, OpCode::create2);
    EXPECT_EQ(resp.results[3].type, OpCode::check);
    EXPECT_EQ(resp.results[4].type, OpCode::set_data);
    EXPECT_EQ(resp.results[5].type, OpCode::remove);
    EXPECT_EQ(std::get<proto::CreateResponse>(resp.results[6].body).path, "/a/s0000000000");
    EXPECT_EQ(std::get<proto::CreateResponse>(resp.results[7].body).path, "/a/s0000000001");
    EXPECT_EQ(std::get<proto::Create2Response>(resp.results[2].body).stat.czxid, z);
    EXPECT_EQ(r.events.size(), 13u);
    EXPECT_EQ(describe(r.events[0]), "NodeCreated /m1");
    EXPECT_EQ(describe(r.events[6]), "NodeDataChanged /a");
    EXPECT_EQ(describe(r.events[7]), "NodeDeleted /m1");
    EXPECT_EQ(d.tree().exists("/a")->version, 1);
    EXPECT_EQ(d.tree().cleanup_candidates(INT64_MAX, 10).size(), 0u);  // /m3 never had kids
}

TEST_F(MultiTest, FailureRollsBackEverything) {
    const uint64_t digest = d.tree().digest();
    const uint64_t bytes = d.tree().data_bytes();
    const size_t nodes = d.tree().node_count();
    proto::MultiRequest m;
    m.ops.push_back(create_op(OpCode::create, "/m1"));
    m.ops.push_back(create_op(OpCode::create, "/m1/k", 1));
    m.ops.push_back({OpCode::set_data, proto::SetDataRequest{"/a", std::string("xyz"), -1}});
    m.ops.push_back({OpCode::remove, proto::DeleteRequest{"/a", -1}});
    m.ops.push_back({OpCode::remove, proto::DeleteRequest{"/nope", -1}});
    m.ops.push_back({OpCode::set_data, proto::SetDataRequest{"/a", std::string("q"), -1}});
    ApplyResult r = d.multi(m);
    // Observed: the ReplyHeader err of a failed multi is 0; the results say what failed.
    EXPECT_EQ(r.err, ok);
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(describe(testing::decode_multi(r.body)),
              "error OK\nerror OK\nerror OK\nerror OK\nerror NONODE\n"
              "error RUNTIMEINCONSISTENCY");
    EXPECT_EQ(d.tree().digest(), digest);
    EXPECT_EQ(d.tree().data_bytes(), bytes);
    EXPECT_EQ(d.tree().node_count(), nodes);
    EXPECT_EQ(d.tree().ephemeral_count(), 0u);
    EXPECT_EQ(d.tree().exists("/")->cversion, 0);
    EXPECT_EQ(d.tree().last_zxid(), 3);
    // The parent's sequence counter was rolled back too.
    ASSERT_EQ(d.create("/a/q", std::string(), 2).err, ok);
    EXPECT_TRUE(d.tree().exists("/a/q0000000000").ok());
}

TEST_F(MultiTest, TtlFlagsInPlainCreateFailTheWholeMulti) {
    proto::MultiRequest m;
    m.ops.push_back(create_op(OpCode::create, "/ok"));
    m.ops.push_back(create_op(OpCode::create, "/mm", 5));
    ApplyResult r = d.multi(m);
    EXPECT_EQ(r.err, code(Code::marshalling_error));  // observed
    EXPECT_TRUE(r.body.empty());
    EXPECT_FALSE(d.tree().exists("/ok").ok());
    m.ops[1] = create_op(OpCode::create, "/mm", 9);
    EXPECT_EQ(describe(testing::decode_multi(d.multi(m).body)), "error OK\nerror BADARGUMENTS");
    EXPECT_EQ(d.multi(proto::MultiRequest{}).body,
              std::string("\xff\xff\xff\xff\x01\xff\xff\xff\xff", 9));
    EXPECT_EQ(d.apply(OpCode::multi, "xx").err, code(Code::marshalling_error));
}

TEST_F(MultiTest, EveryOpChecksTheSession) {
    proto::MultiRequest m;
    m.ops.push_back({OpCode::check, proto::CheckVersionRequest{"/a", -1}});
    ApplyResult r = d.multi(m, 42);
    EXPECT_EQ(describe(testing::decode_multi(r.body)), "error UNKNOWNSESSION");
}

// Writes the quota nodes the way zkCli's setquota does.
void set_quota(Driver& d, const std::string& path, const std::string& limits) {
    std::string base = "/zookeeper/quota" + path;
    ASSERT_EQ(d.create(base).err, 0);
    ASSERT_EQ(d.create(base + "/zookeeper_limits", limits).err, 0);
    ASSERT_EQ(d.create(base + "/zookeeper_stats", std::string("count=0,bytes=0")).err, 0);
}

std::string stats(Driver& d, const std::string& path) {
    return d.tree().get_data("/zookeeper/quota" + path + "/zookeeper_stats", {})->data.value();
}

TEST(Quota, StatsTrackTheSubtree) {
    Driver d(Options{false, false, 0xfffff, 0});
    ASSERT_EQ(d.open_session(1).err, ok);
    ASSERT_EQ(d.create("/q", std::string("abc")).err, ok);
    ASSERT_EQ(d.create("/q/c1", std::string("12345")).err, ok);
    set_quota(d, "/q", "count=-1,bytes=-1=;byteHardLimit=12;countHardLimit=4");
    EXPECT_EQ(stats(d, "/q"), "count=2,bytes=8");  // observed
    const proto::Stat stat_before = *d.tree().exists("/zookeeper/quota/q/zookeeper_stats");
    ASSERT_EQ(d.create("/q/c2").err, ok);
    EXPECT_EQ(stats(d, "/q"), "count=3,bytes=8");  // observed
    ASSERT_EQ(d.set("/q/c1", std::string("1")).err, ok);
    ASSERT_EQ(d.create("/q/c2/deep", std::string("zz")).err, ok);
    EXPECT_EQ(stats(d, "/q"), "count=4,bytes=6");
    ASSERT_EQ(d.remove("/q/c2/deep").err, ok);
    EXPECT_EQ(stats(d, "/q"), "count=3,bytes=4");
    // Not enforced: past the hard limits without error.
    ASSERT_EQ(d.create("/q/big", std::string(20, 'x')).err, ok);
    ASSERT_EQ(d.create("/q/more").err, ok);
    EXPECT_EQ(stats(d, "/q"), "count=5,bytes=24");
    // The stats node keeps its Stat (only the data and its length change).
    proto::Stat after = *d.tree().exists("/zookeeper/quota/q/zookeeper_stats");
    EXPECT_EQ(after.mzxid, stat_before.mzxid);
    EXPECT_EQ(after.version, stat_before.version);
    // Observed: extra keys written into the stats node survive, after "=".
    ASSERT_EQ(d.set("/zookeeper/quota/q/zookeeper_stats", std::string("count=1,bytes=2;foo=7")).err,
              ok);
    ASSERT_EQ(d.create("/q/c5").err, ok);
    EXPECT_EQ(stats(d, "/q"), "count=2,bytes=2=;foo=7");
    // Removing the limits node ends the quota.
    ASSERT_EQ(d.remove("/zookeeper/quota/q/zookeeper_limits").err, ok);
    ASSERT_EQ(d.create("/q/c6").err, ok);
    EXPECT_EQ(stats(d, "/q"), "count=2,bytes=2=;foo=7");
}

TEST(Quota, HardLimitsWhenEnforced) {
    Driver d(Options{false, true, 0xfffff, 0});
    ASSERT_EQ(d.open_session(1).err, ok);
    ASSERT_EQ(d.create("/q", std::string("abc")).err, ok);
    ASSERT_EQ(d.create("/q/c1", std::string("12345")).err, ok);
    set_quota(d, "/q", "count=-1,bytes=-1=;byteHardLimit=12;countHardLimit=4");
    ASSERT_EQ(d.create("/q/c2").err, ok);
    ASSERT_EQ(d.create("/q/c3", std::string("1234")).err, ok);     // count 4, bytes 12
    EXPECT_EQ(d.create("/q/c4").err, code(Code::quota_exceeded));  // observed
    EXPECT_EQ(d.set("/q/c1", std::string("123456")).err, code(Code::quota_exceeded));
    EXPECT_EQ(d.set("/q/c1", std::string("54321")).err, ok);  // no byte change: no check
    EXPECT_EQ(d.set("/q/c1", std::string("1")).err, ok);
    EXPECT_EQ(stats(d, "/q"), "count=4,bytes=8");  // observed
    // Soft limits only log.
    set_quota(d, "/s", "count=1,bytes=1");
    ASSERT_EQ(d.create("/s").err, ok);
    EXPECT_EQ(d.create("/s/x", std::string("toolong")).err, ok);
    // Quota errors come after NODEEXISTS and before BADVERSION (setData).
    EXPECT_EQ(d.create("/q/c1").err, code(Code::node_exists));
    EXPECT_EQ(d.set("/q/c1", std::string("1234567"), 9).err, code(Code::quota_exceeded));
}

TEST(StatsTrackText, ParseAndFormat) {
    StatsTrack t = StatsTrack::parse("count=3,bytes=-1=;countHardLimit=9;byteHardLimit==5");
    EXPECT_EQ(t.count(), 3);
    EXPECT_EQ(t.bytes(), -1);
    EXPECT_EQ(t.count_hard(), 9);
    EXPECT_EQ(t.bytes_hard(), -1);  // "k==5": Java's kv[1] is empty, which reads as -1
    EXPECT_EQ(t.to_string(), "count=3,bytes=-1=;byteHardLimit=-1;countHardLimit=9");
    EXPECT_EQ(StatsTrack::parse("junk;count;=;bytes=zz").to_string(), "count=-1,bytes=-1");
}

// Rewrites the persisted cversion of `path` through a snapshot (docs/tree-snapshot.md), to
// reach the wrap quickly.
DataTree with_cversion(const DataTree& tree, const std::string& path, int32_t cversion) {
    std::string bytes = tree.serialize();
    std::string key;
    put_u32_le(key, static_cast<uint32_t>(path.size()));
    key += path;
    size_t at = bytes.find(key);
    WD_ASSERT(at != std::string::npos);
    at += key.size();
    if (bytes[at++] == 1) {
        at += 4 + load_u32_le(bytes.data() + at);
    }
    uint32_t acls = load_u32_le(bytes.data() + at);
    at += 4;
    for (uint32_t i = 0; i < acls; ++i) {
        at += 4;
        at += 4 + load_u32_le(bytes.data() + at);
        at += 4 + load_u32_le(bytes.data() + at);
    }
    at += 4 * 8 + 4;  // czxid, mzxid, ctime, mtime, version
    store_u32_le(bytes.data() + at, static_cast<uint32_t>(cversion));
    const size_t body = bytes.size() - 4;
    store_u32_le(bytes.data() + body, crc32c::mask(crc32c::value(bytes.data(), body)));
    auto loaded = DataTree::deserialize(bytes, Options{});
    WD_ASSERT(loaded.ok());
    return std::move(loaded).value();
}

TEST(Sequential, CounterWrapsLikeAJavaInt) {
    Driver d;
    ASSERT_EQ(d.open_session(1).err, ok);
    ASSERT_EQ(d.create("/s").err, ok);
    d.tree() = with_cversion(d.tree(), "/s", INT32_MAX);
    auto path_of = [](const ApplyResult& r) {
        return proto::decode_exact<proto::CreateResponse>(r.body)->path;
    };
    EXPECT_EQ(path_of(d.create("/s/n", std::string(), 2)), "/s/n2147483647");
    EXPECT_EQ(path_of(d.create("/s/n", std::string(), 2)), "/s/n-2147483648");
    EXPECT_EQ(path_of(d.create("/s/n", std::string(), 2)), "/s/n-2147483647");
    EXPECT_EQ(d.tree().exists("/s")->num_children, 3);
}

}  // namespace
}  // namespace wd::tree
