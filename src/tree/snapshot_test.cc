// Snapshot round trips, corruption handling, and Entry coding (docs/tree-snapshot.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "base/crc32c.h"
#include "tree/describe.h"
#include "tree/le_coding.h"
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

// A snapshot body written by hand: the given paths in the given order, each with data "d",
// the open ACL and zxid 1.
std::string handmade(uint32_t version, const std::vector<std::string>& node_paths) {
    std::string out;
    detail::LeWriter w(out);
    w.u32(0x45525457);
    w.u32(version);
    w.i64(1);  // last zxid
    w.u32(0);  // sessions
    w.u64(node_paths.size());
    for (const std::string& path : node_paths) {
        w.bytes(path);
        w.u8(1);
        w.bytes("d");
        w.u32(1);
        w.i32(proto::perms::all);
        w.bytes("world");
        w.bytes("anyone");
        for (int i = 0; i < 4; ++i) {
            w.i64(1);  // czxid, mzxid, ctime, mtime
        }
        w.i32(0);  // version
        w.i32(0);  // cversion
        w.i32(0);  // aversion
        w.i64(0);  // ephemeral owner
        w.i64(1);  // pzxid
    }
    w.u32(crc32c::mask(crc32c::value(out.data(), out.size())));
    return out;
}

const std::vector<std::string> system_paths = {"/", "/zookeeper", "/zookeeper/config",
                                               "/zookeeper/quota"};

std::vector<std::string> with_system(std::vector<std::string> more) {
    std::vector<std::string> all = system_paths;
    all.insert(all.end(), more.begin(), more.end());
    return all;
}

// Format 2 writes each parent followed by its subtree ("/a", "/a/b", then "/a-x"); format 1
// wrote byte order of the path ("/a", "/a-x", "/a/b"). Both load to the same tree.
TEST(Snapshot, WritesPreorderAndReadsByteOrderFiles) {
    Driver d;
    ASSERT_EQ(d.open_session(1).err, 0);
    for (const char* path : {"/a", "/a-x", "/a/b", "/a/b/c", "/a/.b"}) {
        ASSERT_EQ(d.create(path, std::string("d")).err, 0) << path;
    }
    const std::string bytes = d.tree().serialize();
    EXPECT_LT(bytes.find("/a/b/c"), bytes.find("/a-x"));
    EXPECT_LT(bytes.find("/a/.b"), bytes.find("/a/b"));

    std::vector<std::string> byte_order =
        with_system({"/a", "/a-x", "/a/.b", "/a/b", "/a/b/c"});
    std::sort(byte_order.begin(), byte_order.end());
    auto old = DataTree::deserialize(handmade(1, byte_order), Options{});
    ASSERT_TRUE(old.ok()) << old.error().to_string();
    EXPECT_EQ(old->node_count(), 9u);
    EXPECT_EQ(old->get_children("/a", Identity{})->children,
              (std::vector<std::string>{".b", "b"}));
    EXPECT_EQ(old->get_children("/", Identity{})->children,
              (std::vector<std::string>{"a", "a-x", "zookeeper"}));
    EXPECT_EQ(*old->get_all_children_number("/a", Identity{}), 3);
    auto reloaded = DataTree::deserialize(old->serialize(), Options{});
    ASSERT_TRUE(reloaded.ok());
    EXPECT_EQ(reloaded->digest(), old->digest());

    // Any order with parents first loads; a child before its parent does not.
    auto shuffled = DataTree::deserialize(
        handmade(2, with_system({"/a", "/a/b", "/a-x", "/a/b/c", "/a/.b"})), Options{});
    ASSERT_TRUE(shuffled.ok()) << shuffled.error().to_string();
    EXPECT_EQ(shuffled->digest(), old->digest());
    auto orphan = DataTree::deserialize(handmade(2, with_system({"/a/b", "/a"})), Options{});
    ASSERT_FALSE(orphan.ok());
    EXPECT_NE(orphan.error().to_string().find("without parent"), std::string::npos);
}

TEST(Snapshot, RejectsDuplicatesBadPathsAndAMisplacedRoot) {
    for (const auto& bad :
         {with_system({"/a", "/a"}), with_system({"/a", "/a/b", "/a"}), with_system({"/"}),
          std::vector<std::string>{"/zookeeper", "/"}, with_system({"/a", "/a/"}),
          with_system({"/a", "/a/."}), with_system({"/a", "/a//b"}), with_system({"a"}),
          with_system({"/a", std::string("/a/b\0", 5)}), with_system({"//"})}) {
        auto loaded = DataTree::deserialize(handmade(2, bad), Options{});
        EXPECT_FALSE(loaded.ok()) << bad.back();
    }
    EXPECT_TRUE(DataTree::deserialize(handmade(2, system_paths), Options{}).ok());
    EXPECT_FALSE(DataTree::deserialize(handmade(3, system_paths), Options{}).ok());
}

// A random tree whose names mix bytes below and above '/': every count, listing and the
// digest survive a round trip, and deletes leave the same state as if never created.
TEST(Snapshot, RandomTreesRoundTrip) {
    std::mt19937_64 random(7);
    const std::string alphabet = "-.ab0_~";
    for (int round = 0; round < 20; ++round) {
        Driver d;
        ASSERT_EQ(d.open_session(1).err, 0);
        std::vector<std::string> created;
        for (int i = 0; i < 300; ++i) {
            std::string parent =
                created.empty() || random() % 4 == 0 ? "" : created[random() % created.size()];
            std::string name(1 + random() % 3, 'a');
            for (char& c : name) {
                c = alphabet[random() % alphabet.size()];
            }
            if (name == "." || name == "..") {
                continue;
            }
            std::string path = parent + "/" + name;
            if (d.create(path, std::string(random() % 5, 'x')).err == 0) {
                created.push_back(path);
            }
        }
        // Delete some leaves.
        for (int i = 0; i < 50; ++i) {
            const std::string& path = created[random() % created.size()];
            (void)d.remove(path);  // NOTEMPTY or NONODE are fine
        }
        const DataTree& tree = d.tree();
        auto loaded = DataTree::deserialize(tree.serialize(), Options{});
        ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
        EXPECT_EQ(loaded->digest(), tree.digest());
        EXPECT_EQ(loaded->serialize(), tree.serialize());
        EXPECT_EQ(loaded->node_count(), tree.node_count());
        EXPECT_EQ(loaded->data_bytes(), tree.data_bytes());
        size_t present = 0;
        for (const std::string& path : created) {
            auto here = tree.get_children(path, Identity{});
            auto there = loaded->get_children(path, Identity{});
            ASSERT_EQ(here.ok(), there.ok()) << path;
            if (!here.ok()) {
                continue;
            }
            ++present;
            EXPECT_EQ(here->children, there->children) << path;
            // Every descendant, counted from the list of paths made.
            int32_t below = 0;
            for (const std::string& other : created) {
                below += other.starts_with(path + "/") && tree.exists(other).ok() ? 1 : 0;
            }
            EXPECT_EQ(*tree.get_all_children_number(path, Identity{}), below) << path;
            EXPECT_EQ(*loaded->get_all_children_number(path, Identity{}), below) << path;
        }
        EXPECT_EQ(tree.node_count(), present + system_paths.size());
        EXPECT_GT(present, 100u);
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
