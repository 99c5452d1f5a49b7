// Snapshot round trips, corruption handling, and Entry coding (docs/tree-snapshot.md).
#include <gtest/gtest.h>

#include "tree/describe.h"
#include "tree/test_util.h"

namespace wd::tree {
namespace {

using proto::OpCode;
using testing::Driver;

// A small tree with every kind of node, a quota, null and binary data, and two sessions.
Driver populated() {
    Driver d(Options{true, false, 0xfffff, 0});
    EXPECT_EQ(d.open_session(1).err, 0);
    EXPECT_EQ(d.open_session(0x100000000ll).err, 0);
    EXPECT_EQ(d.create("/a", std::string("x\0y", 3)).err, 0);
    EXPECT_EQ(d.create("/a/null", std::nullopt).err, 0);
    EXPECT_EQ(d.create("/a/s", std::string(), 2).err, 0);
    EXPECT_EQ(d.create("/e", std::string("eph"), 1, 0x100000000ll).err, 0);
    EXPECT_EQ(
        d.create("/c", std::nullopt, 0, 1, testing::open_acl(), {}, OpCode::create_container).err,
        0);
    EXPECT_EQ(d.create_ttl("/t", 1234).err, 0);
    EXPECT_EQ(d.create("/d", std::string(), 0, 1,
                       {proto::Acl{31, proto::Id{"digest", "u:h"}},
                        proto::Acl{1, proto::Id{"ip", "10.0.0.0/8"}}})
                  .err,
              0);
    EXPECT_EQ(d.create("/zookeeper/quota/a").err, 0);
    EXPECT_EQ(d.create("/zookeeper/quota/a/zookeeper_limits", std::string("count=5")).err, 0);
    EXPECT_EQ(d.create("/zookeeper/quota/a/zookeeper_stats", std::string("count=0")).err, 0);
    EXPECT_EQ(d.set("/a", std::string("v2")).err, 0);
    EXPECT_EQ(d.remove("/a/s0000000001").err, 0);
    return d;
}

std::string dump(const DataTree& tree, const std::vector<std::string>& paths) {
    std::string out;
    for (const std::string& path : paths) {
        auto data = tree.get_data(path, Identity{{}, true});
        auto acl = tree.get_acl(path, Identity{{}, true});
        auto children = tree.get_children(path, Identity{{}, true});
        if (!data.ok()) {
            out += path + " missing\n";
            continue;
        }
        out += path + " " + describe(data->data) + " " + describe(data->stat) + " [" +
               describe(acl->acl) + "] " + std::to_string(children->children.size()) + "\n";
    }
    return out;
}

const std::vector<std::string> paths = {
    "/", "/a", "/a/null", "/e", "/c", "/t", "/d", "/zookeeper/quota/a/zookeeper_stats"};

TEST(Snapshot, RoundTripKeepsEverything) {
    Driver d = populated();
    const DataTree& tree = d.tree();
    std::string bytes = tree.serialize();
    EXPECT_EQ(bytes, tree.serialize());  // deterministic
    auto loaded = DataTree::deserialize(bytes, Options{true, false, 0xfffff, 0});
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded->digest(), tree.digest());
    EXPECT_EQ(loaded->serialize(), bytes);
    EXPECT_EQ(dump(*loaded, paths), dump(tree, paths));
    EXPECT_EQ(loaded->last_zxid(), tree.last_zxid());
    EXPECT_EQ(loaded->node_count(), tree.node_count());
    EXPECT_EQ(loaded->ephemeral_count(), 1u);
    EXPECT_EQ(loaded->data_bytes(), tree.data_bytes());
    EXPECT_EQ(loaded->sessions().size(), 2u);
    EXPECT_EQ(loaded->session(1)->passwd, std::string(16, 'p'));
    EXPECT_EQ(loaded->get_ephemerals(0x100000000ll, "/"), std::vector<std::string>{"/e"});
    EXPECT_EQ(loaded->cleanup_candidates(INT64_MAX, 10), tree.cleanup_candidates(INT64_MAX, 10));

    // The loaded tree keeps applying the same way: sequence counter, quota, sessions.
    Driver twin(Options{true, false, 0xfffff, 0});
    twin.tree() = std::move(loaded).value();
    for (Driver* x : {&d, &twin}) {
        EXPECT_EQ(x->create("/a/s", std::string("q"), 2).body,
                  proto::encode_to_string(proto::CreateResponse{"/a/s0000000002"}));
        EXPECT_EQ(x->close_session(0x100000000ll).events.size(), 2u);
    }
    EXPECT_EQ(twin.tree().digest(), d.tree().digest());
    EXPECT_EQ(dump(twin.tree(), paths), dump(d.tree(), paths));
}

TEST(Snapshot, DigestSeesEveryField) {
    Driver a = populated();
    Driver b = populated();
    EXPECT_EQ(a.tree().digest(), b.tree().digest());
    ASSERT_EQ(b.set_acl("/a", testing::open_acl()).err, 0);  // ACL and aversion only
    EXPECT_NE(a.tree().digest(), b.tree().digest());
    Driver c = populated();
    ASSERT_EQ(c.open_session(7).err, 0);                // sessions count too
    ASSERT_EQ(a.apply(OpCode::check, "junk").err, -5);  // only the zxid moves
    EXPECT_NE(a.tree().digest(), c.tree().digest());
}

TEST(Snapshot, RejectsEveryTruncation) {
    Driver d;
    ASSERT_EQ(d.open_session(1).err, 0);
    ASSERT_EQ(d.create("/a", std::string("x")).err, 0);
    const std::string bytes = d.tree().serialize();
    for (size_t n = 0; n < bytes.size(); ++n) {
        auto loaded = DataTree::deserialize(std::string_view(bytes).substr(0, n), Options{});
        ASSERT_FALSE(loaded.ok()) << n;
        EXPECT_EQ(loaded.error().code(), StatusCode::corruption);
    }
    EXPECT_FALSE(DataTree::deserialize(bytes + "x", Options{}).ok());
}

TEST(Snapshot, RejectsEveryFlippedByte) {
    Driver d;
    ASSERT_EQ(d.open_session(1).err, 0);
    ASSERT_EQ(d.create("/a", std::string("x")).err, 0);
    const std::string bytes = d.tree().serialize();
    for (size_t i = 0; i < bytes.size(); ++i) {
        for (uint8_t mask : {0x01, 0x80, 0xff}) {
            std::string bad = bytes;
            bad[i] = static_cast<char>(bad[i] ^ mask);
            EXPECT_FALSE(DataTree::deserialize(bad, Options{}).ok()) << i;
        }
    }
}

TEST(Entry, RoundTripAndTruncation) {
    Entry e;
    e.zxid = 77;
    e.time_ms = -5;
    e.session_id = 0x1234567890ll;
    e.xid = -3;
    e.type = OpCode::create2;
    e.body = std::string("body\0bytes", 10);
    e.identity = Identity{{proto::Id{"ip", "1.2.3.4"}, proto::Id{"digest", "a:b"}}, true};
    const std::string bytes = encode_entry(e);
    auto back = decode_entry(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->zxid, e.zxid);
    EXPECT_EQ(back->time_ms, e.time_ms);
    EXPECT_EQ(back->session_id, e.session_id);
    EXPECT_EQ(back->xid, e.xid);
    EXPECT_EQ(back->type, e.type);
    EXPECT_EQ(back->body, e.body);
    EXPECT_EQ(back->identity, e.identity);
    for (size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(decode_entry(std::string_view(bytes).substr(0, n)).ok()) << n;
    }
    EXPECT_FALSE(decode_entry(bytes + "x").ok());
    std::string huge_count = bytes;
    huge_count[1 + 8 + 8 + 8 + 4 + 4 + 1] = '\xff';  // id count
    EXPECT_FALSE(decode_entry(huge_count).ok());

    auto session = decode_create_session(encode_create_session({4000, "0123456789abcdef"}));
    ASSERT_TRUE(session.ok());
    EXPECT_EQ(session->timeout_ms, 4000);
    EXPECT_EQ(session->passwd, "0123456789abcdef");
    EXPECT_FALSE(decode_create_session("").ok());
}

}  // namespace
}  // namespace wd::tree
