// Unit tests of the consensus value types, the storage and the log.
#include <gtest/gtest.h>

#include "consensus/core.h"

namespace wd::consensus {
namespace {

TEST(ConfChange, RoundTrip) {
    const ConfChange change{ConfChangeType::add_learner, NodeId{42}};
    EXPECT_EQ(decode_conf_change(encode_conf_change(change)), change);
    EXPECT_FALSE(decode_conf_change("short").has_value());
}

TEST(Membership, PromoteAndRemove) {
    Membership m{{NodeId{1}, NodeId{2}, NodeId{3}}, {NodeId{4}}};
    m = apply_conf_change(m, ConfChange{ConfChangeType::add_voter, NodeId{4}});
    EXPECT_TRUE(m.is_voter(NodeId{4}));
    EXPECT_FALSE(m.is_learner(NodeId{4}));
    EXPECT_EQ(m.quorum(), 3u);
    m = apply_conf_change(m, ConfChange{ConfChangeType::remove_node, NodeId{1}});
    EXPECT_EQ(describe(m), "voters=(2,3,4)");
}

std::vector<Entry> make_entries(uint64_t first, std::vector<uint64_t> terms) {
    std::vector<Entry> out;
    for (uint64_t t : terms) {
        out.push_back(Entry{Term{t}, LogIndex{first++}, EntryType::normal, "x"});
    }
    return out;
}

TEST(MemoryStorage, AppendTruncateCompact) {
    MemoryStorage s;
    s.append(make_entries(1, {1, 1, 2, 2}));
    s.append(make_entries(3, {3}));
    EXPECT_EQ(s.last_index(), LogIndex{3});
    EXPECT_EQ(s.term(LogIndex{3}).value(), Term{3});
    ASSERT_TRUE(s.compact(SnapshotMeta{LogIndex{2}, Term{1}, {}, 3}, "abc").ok());
    EXPECT_EQ(s.first_index(), LogIndex{3});
    EXPECT_EQ(s.term(LogIndex{2}).value(), Term{1});
    EXPECT_FALSE(s.term(LogIndex{1}).ok());
    EXPECT_EQ(s.snapshot_chunk(1, 5).value(), "bc");
}

TEST(RaftLog, ConflictByTerm) {
    MemoryStorage s;
    s.append(make_entries(1, {1, 1, 2, 2, 2, 4}));
    RaftLog log(s, LogIndex{0}, LogIndex{0});
    // The largest index <= 6 whose term is <= 3 is 5.
    EXPECT_EQ(log.find_conflict_by_term(LogIndex{6}, Term{3}), LogIndex{5});
    EXPECT_EQ(log.find_conflict_by_term(LogIndex{5}, Term{1}), LogIndex{2});
    log.append(make_entries(4, {5}));
    EXPECT_EQ(log.last_index(), LogIndex{4});
    EXPECT_EQ(log.unstable_entries().size(), 1u);
    EXPECT_EQ(log.entries(LogIndex{1}, LogIndex{5}, 1000).value().size(), 4u);
    EXPECT_EQ(log.entries(LogIndex{1}, LogIndex{5}, 30).value().size(), 1u);
}

TEST(Core, RejectsBadConfig) {
    MemoryStorage s;
    CoreConfig config;
    config.id = NodeId{1};
    config.election_ticks = 1;
    EXPECT_FALSE(Core::make(config, HardState{}, s, Rng(1)).ok());
    config.election_ticks = 10;
    EXPECT_TRUE(Core::make(config, HardState{}, s, Rng(1)).ok());
    HardState bad{Term{1}, node_none, LogIndex{5}};
    EXPECT_FALSE(Core::make(config, bad, s, Rng(1)).ok());
}

TEST(Core, SingleVoterCommitsAfterPersisting) {
    MemoryStorage s;
    CoreConfig config;
    config.id = NodeId{1};
    config.membership_initial.voters = {NodeId{1}};
    auto core = Core::make(config, HardState{}, s, Rng(7));
    ASSERT_TRUE(core.ok());
    core->campaign();
    EXPECT_EQ(core->role(), RoleKind::leader);
    Ready r = core->ready();
    EXPECT_EQ(r.entries.size(), 1u);
    EXPECT_TRUE(r.committed.empty());  // not persisted yet
    s.append(r.entries);
    core->advance(r);
    Ready r2 = core->ready();
    ASSERT_EQ(r2.committed.size(), 1u);
    EXPECT_EQ(r2.committed[0].type, EntryType::noop);
    core->advance(r2);
    EXPECT_EQ(core->applied_index(), LogIndex{1});
}

}  // namespace
}  // namespace wd::consensus
