#include "consensus/codec.h"

#include <gtest/gtest.h>

namespace wd::consensus {
namespace {

Message sample() {
    Message m;
    m.type = MessageType::append;
    m.from = NodeId{1};
    m.to = NodeId{3};
    m.term = Term{7};
    m.log_term = Term{6};
    m.index = LogIndex{41};
    m.commit_index = LogIndex{40};
    m.reject = true;
    m.reject_hint = LogIndex{12};
    m.entries.push_back(Entry{Term{7}, LogIndex{42}, EntryType::normal, "create /a"});
    m.entries.push_back(Entry{Term{7}, LogIndex{43}, EntryType::config, std::string("\x01\x02", 2)});
    m.snapshot.index = LogIndex{30};
    m.snapshot.term = Term{5};
    m.snapshot.membership.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    m.snapshot.membership.learners = {NodeId{9}};
    m.snapshot.size_bytes = 1234;
    m.offset = 99;
    m.data = std::string("chunk\0bytes", 11);
    m.done = true;
    m.transfer = true;
    return m;
}

TEST(CodecTest, MessageRoundTrips) {
    Message m = sample();
    auto decoded = decode_message(encode_message(m));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(describe(*decoded), describe(m));
    EXPECT_EQ(decoded->entries, m.entries);
    EXPECT_EQ(decoded->snapshot, m.snapshot);
    EXPECT_EQ(decoded->data, m.data);
    EXPECT_EQ(decoded->offset, 99u);
    EXPECT_TRUE(decoded->done && decoded->transfer && decoded->reject);
}

TEST(CodecTest, EveryTruncationIsRefused) {
    std::string bytes = encode_message(sample());
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        EXPECT_FALSE(decode_message(std::string_view(bytes).substr(0, cut)).has_value()) << cut;
    }
    EXPECT_FALSE(decode_message(bytes + "x").has_value());
}

TEST(CodecTest, BadFieldsAreRefused) {
    std::string bytes = encode_message(sample());
    std::string bad_version = bytes;
    bad_version[0] = 2;
    EXPECT_FALSE(decode_message(bad_version).has_value());
    std::string bad_type = bytes;
    bad_type[1] = 11;
    EXPECT_FALSE(decode_message(bad_type).has_value());
    Message unsorted = sample();
    unsorted.snapshot.membership.voters = {NodeId{3}, NodeId{1}};
    EXPECT_FALSE(decode_message(encode_message(unsorted)).has_value());
}

TEST(CodecTest, HardStateAndEntryRoundTrip) {
    HardState state{Term{9}, NodeId{2}, LogIndex{77}};
    EXPECT_EQ(decode_hard_state(encode_hard_state(state)), state);
    EXPECT_FALSE(decode_hard_state("short").has_value());
    Entry e{Term{4}, LogIndex{10}, EntryType::noop, ""};
    EXPECT_EQ(decode_entry(LogIndex{10}, encode_entry(e)), e);
    std::string bad = encode_entry(e);
    bad[8] = 7;
    EXPECT_FALSE(decode_entry(LogIndex{10}, bad).has_value());
    size_t consumed = 0;
    std::string meta = encode_snapshot_meta(sample().snapshot) + "tail";
    auto decoded = decode_snapshot_meta(meta, &consumed);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, sample().snapshot);
    EXPECT_EQ(meta.substr(consumed), "tail");
}

}  // namespace
}  // namespace wd::consensus
