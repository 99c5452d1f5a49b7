// Consensus value types: strong ids, log entries, membership, snapshots and the hard state.
//
// Every field here is a fixed-width integer or bytes, because entries and snapshot metadata are
// persisted by the driver and sent to peers (STYLE.md §8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "base/types.h"

namespace wd::consensus {

struct TermTag;
struct LogIndexTag;
struct NodeIdTag;
// A Raft term (thesis §3.3). Term{0} is "no term": the term of the empty log's index 0.
using Term = Tagged<TermTag, uint64_t>;
// A Raft log index. LogIndex{0} is the empty log's sentinel; real entries start at 1.
using LogIndex = Tagged<LogIndexTag, uint64_t>;
// A server id; NodeId{0} means "none" (no vote, no known leader).
using NodeId = Tagged<NodeIdTag, uint64_t>;

inline constexpr NodeId node_none{0};

constexpr LogIndex operator+(LogIndex index, uint64_t n) { return LogIndex{index.value + n}; }
constexpr LogIndex operator-(LogIndex index, uint64_t n) {
    WD_ASSERT(index.value >= n);
    return LogIndex{index.value - n};
}

enum class EntryType : uint8_t {
    normal = 0,  // a driver payload (a ZooKeeper txn)
    noop = 1,    // appended by each new leader (thesis §6.4); the driver skips it when applying
    config = 2,  // an encoded ConfChange; takes effect when appended (thesis §4.1)
};

struct Entry {
    Term term;
    LogIndex index;
    EntryType type = EntryType::normal;
    std::string data;

    // The size counted against byte budgets (message and Ready limits).
    uint64_t size_bytes() const { return data.size() + 24; }
    bool operator==(const Entry&) const = default;
};

// The servers of one configuration. Both lists are sorted and disjoint.
struct Membership {
    std::vector<NodeId> voters;
    std::vector<NodeId> learners;  // ZooKeeper observers: receive the log, never vote or count

    bool is_voter(NodeId id) const;
    bool is_learner(NodeId id) const;
    bool contains(NodeId id) const { return is_voter(id) || is_learner(id); }
    // The number of voters that form a majority.
    size_t quorum() const { return voters.size() / 2 + 1; }
    bool operator==(const Membership&) const = default;
};

enum class ConfChangeType : uint8_t {
    add_voter = 1,    // adds a new voter, or promotes a learner
    add_learner = 2,  // adds a non-voting member
    remove_node = 3,  // removes a voter or a learner
};

// One single-server membership change (thesis §4.1).
struct ConfChange {
    ConfChangeType type = ConfChangeType::add_voter;
    NodeId node;
    bool operator==(const ConfChange&) const = default;
};

// Fixed 9-byte encoding: type (1) | node (u64 little-endian).
std::string encode_conf_change(const ConfChange& change);
std::optional<ConfChange> decode_conf_change(std::string_view data);
// The membership after `change`. Total: a change that does not apply leaves the membership as
// it is (only a leader validates changes, in Core::propose_change).
Membership apply_conf_change(const Membership& membership, const ConfChange& change);

struct SnapshotMeta {
    LogIndex index;  // the last index the snapshot covers
    Term term;       // the term of that entry
    Membership membership;
    uint64_t size_bytes = 0;
    bool operator==(const SnapshotMeta&) const = default;
};

struct Snapshot {
    SnapshotMeta meta;
    std::string data;
};

// What must be on stable storage before any message of the same Ready is sent (thesis §3.8).
struct HardState {
    Term term;
    NodeId vote;
    LogIndex commit_index;
    bool operator==(const HardState&) const = default;
};

std::string describe(const Entry& entry);
std::string describe(const Membership& membership);
std::string describe(const ConfChange& change);
std::string describe(const SnapshotMeta& meta);
std::string describe(const HardState& state);

}  // namespace wd::consensus
