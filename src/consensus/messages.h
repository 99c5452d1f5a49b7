// Messages between consensus cores. One flat struct, as in etcd's raftpb.Message: each type uses
// the fields its comment names and leaves the rest at their defaults.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/types.h"

namespace wd::consensus {

enum class MessageType : uint8_t {
    // RequestVote of the pre-vote phase (thesis §9.6): term = the term the sender would use,
    // index/log_term = its last entry. Never changes the receiver's term.
    pre_vote,
    // term = the request's term when granted, the responder's term when rejected; reject.
    pre_vote_response,
    // RequestVote (thesis §3.4): term, index/log_term = the candidate's last entry;
    // transfer = the campaign was started by timeout_now and bypasses leader stickiness.
    vote,
    vote_response,  // reject
    // AppendEntries (thesis §3.5): index/log_term = the entry preceding `entries`,
    // commit_index = the leader's commit index.
    append,
    // Accepted: index = the last index known to match the leader's log.
    // Rejected: index = the rejected prev index; reject_hint/log_term = the follower's guess
    // of the last index that may match and its term (fast conflict resolution, thesis §5.3).
    append_response,
    heartbeat,           // commit_index = min(the follower's match, the leader's commit index)
    heartbeat_response,  // no fields
    // InstallSnapshot chunk (thesis §5.3/§5.4): snapshot = the metadata, offset, data, done.
    snapshot,
    // index = the snapshot's index, offset = the bytes the follower holds so far.
    snapshot_response,
    // Start an election now, skipping pre-vote (leadership transfer, thesis §3.10).
    timeout_now,
};

struct Message {
    MessageType type = MessageType::heartbeat;
    NodeId from;
    NodeId to;
    Term term;
    Term log_term;
    LogIndex index;
    LogIndex commit_index;
    std::vector<Entry> entries;
    bool reject = false;
    LogIndex reject_hint;
    bool transfer = false;
    SnapshotMeta snapshot;
    uint64_t offset = 0;
    std::string data;
    bool done = false;
};

std::string_view message_type_name(MessageType type);
// A stable one-line rendering for golden tests, e.g.
// "1->2 append term=2 prev=1/3 commit=3 entries=[2/4 normal \"x\"]".
std::string describe(const Message& message);

}  // namespace wd::consensus
