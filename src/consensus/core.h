// The consensus core: a Raft-family protocol as a pure, deterministic state machine
// (STYLE.md §2; etcd's RawNode, Scylla's fsm). No I/O, no threads, no clock: inputs are tick(),
// step(message), propose(data) and a few administrative calls; the output is a Ready.
//
// The Ready contract, in this order, for every Ready the driver takes:
//   1. install snapshot in storage, if any (the entries of the same Ready follow it);
//   2. append entries and persist hard_state (fsync iff must_sync);
//   3. send messages, only now that 1 and 2 are durable -- except a leader's append messages,
//      which may leave before its own entries are durable (thesis §10.2.1: followers write
//      in parallel with the leader) once term and vote are; the leader counts its own log
//      toward commitment only for entries advance() has declared stable;
//   4. apply committed entries in index order (noop and config entries carry no txn);
//   5. call advance(ready) before taking the next Ready.
//
// Implemented: election with randomized timeouts (thesis §3.4), pre-vote (§9.6), check-quorum
// and leader stickiness (§6.2, §4.2.3), replication with batching, pipelining and a bounded
// in-flight window, fast conflict resolution (§5.3), the commit rule of §3.6.2, a no-op entry per
// new leader (§6.4), snapshots sent in chunks (§5.3), leadership transfer (§3.10), learners and
// single-server membership changes (§4.1) that take effect when appended.
//
// Not thread-safe. The storage view must outlive the core and must not change between ready()
// and advance() except as the Ready instructs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "base/rng.h"
#include "consensus/log.h"
#include "consensus/messages.h"
#include "consensus/progress.h"
#include "consensus/storage.h"

namespace wd::consensus {

struct CoreConfig {
    NodeId id;
    // The bootstrap membership, used when storage holds no snapshot. Every server of an
    // ensemble, including one added later, must start with the same value.
    Membership membership_initial;
    // The driver's applied index at start (the state machine it restored).
    LogIndex applied_index;
    uint32_t election_ticks = 10;  // the election timeout is random in [n, 2n)
    uint32_t heartbeat_ticks = 1;
    bool pre_vote = true;
    bool check_quorum = true;
    uint32_t append_entries_max = 64;          // entries per append message
    uint64_t append_bytes_max = 1 << 20;       // bytes of entries per append message
    uint32_t inflight_append_msgs_max = 256;   // pipelined appends per follower
    uint64_t snapshot_chunk_size_max = 1 << 20;
    uint64_t ready_bytes_max = 16 << 20;       // committed entry bytes per Ready
    // Test-only: breaks the commit rule of thesis §3.6.2 so that a leader commits an entry of
    // an earlier term once a majority stores it (the Figure 3.7 bug). The simulator sets it to
    // show that its checkers catch a real safety bug (docs/simulator.md). Never set otherwise.
    bool test_bug_commit_prior_term = false;

    Result<void> validate() const;
};

struct Ready {
    std::optional<HardState> hard_state;
    std::vector<Entry> entries;       // to append to stable storage
    std::optional<Snapshot> snapshot;  // to install first; it replaces the state machine
    std::vector<Entry> committed;     // to apply, in index order
    std::vector<Message> messages;    // to send once the above is durable (see the contract)
    bool must_sync = false;
};

enum class RejectCode : uint8_t {
    not_leader,
    transfer_in_progress,
    config_change_pending,
    invalid_change,
    storage_failed,
};

// Why a proposal or an administrative call was refused; a value, not an error (STYLE.md §11).
struct Rejection {
    RejectCode code = RejectCode::not_leader;
    NodeId leader;  // the known leader, node_none when unknown
};

enum class RoleKind : uint8_t { follower, pre_candidate, candidate, leader };

struct CoreStatus {
    NodeId id;
    RoleKind role = RoleKind::follower;
    HardState hard_state;
    NodeId leader;
    LogIndex applied_index;
    LogIndex first_index;
    LogIndex last_index;
    Membership membership;
    std::map<NodeId, Progress> progress;  // leader only
    NodeId transfer_target;               // leader only
    bool failed = false;
};

std::string_view role_name(RoleKind role);
std::string describe(const Ready& ready);
std::string describe(const CoreStatus& status);
std::string describe(const Rejection& rejection);

class Core {
public:
    static Result<Core> make(const CoreConfig& config, const HardState& state,
                             const LogStorage& storage, Rng rng);

    void tick();
    // Errors: invalid_argument for a message not addressed to this node; io_error after a
    // storage failure. Malformed peer input never asserts.
    Result<void> step(const Message& message);
    // Appends a normal entry; returns its index.
    Result<LogIndex, Rejection> propose(std::span<const std::byte> data);
    // Appends a membership change (thesis §4.1: one at a time, after the leader committed an
    // entry of its term). Returns its index.
    Result<LogIndex, Rejection> propose_change(const ConfChange& change);
    // Hands leadership to target (thesis §3.10); proposals are refused until it ends.
    Result<void, Rejection> transfer_leader(NodeId target);
    // The voter with the highest match index, the natural transfer target on shutdown.
    NodeId best_transfer_target() const;
    // Starts an election now, as if the election timeout fired.
    void campaign();
    // The driver knows the leader is gone (its connection closed): a follower forgets it, so
    // it no longer refuses other servers' (pre-)votes on its behalf (leader stickiness). The
    // driver then calls campaign() after a short random delay, or the timeout runs as usual.
    void leader_lost();
    // The metadata of a snapshot at `index`, for the driver's log compaction.
    // REQUIRES: index <= applied_index().
    Result<SnapshotMeta> snapshot_meta_at(LogIndex index, uint64_t size_bytes) const;

    bool has_ready() const;
    Ready ready();
    // REQUIRES: ready is the Ready just returned by ready().
    void advance(const Ready& ready);

    CoreStatus status() const;
    // After a storage error the core refuses all work (STYLE.md §2); the driver must stop.
    bool failed() const { return failed_; }
    RoleKind role() const;
    Term term() const { return term_; }
    NodeId leader() const { return leader_id_; }
    LogIndex commit_index() const { return log_.commit_index(); }
    LogIndex applied_index() const { return log_.applied_index(); }
    const Membership& membership() const { return configs_.back().membership; }

private:
    struct Follower {
        std::optional<Snapshot> incoming;  // the snapshot being received in chunks
    };
    struct PreCandidate {
        std::map<NodeId, bool> votes;
    };
    struct Candidate {
        std::map<NodeId, bool> votes;
    };
    struct Leader {
        std::map<NodeId, Progress> progress;  // every member except this node
        LogIndex term_start_index;            // the no-op entry of this term
        NodeId transfer_target;
    };
    using Role = std::variant<Follower, PreCandidate, Candidate, Leader>;
    struct ConfigAt {
        LogIndex index;
        Membership membership;
    };
    struct InFlight {
        HardState hard_state;
        LogIndex entries_last;
        Term entries_last_term;
        LogIndex snapshot_index;
        LogIndex committed_last;
    };

    Core(const CoreConfig& config, const HardState& state, const LogStorage& storage, Rng rng);
    Result<void> load_configs();

    // core.cc: term rules, dispatch, Ready.
    bool on_higher_term(const Message& m);
    void on_lower_term(const Message& m);
    bool in_lease() const;
    void dispatch(const Message& m);
    void send(Message m);
    Message reply(const Message& m, MessageType type) const;
    void check_storage();
    HardState hard_state() const;

    // core_election.cc
    void become_follower(Term term, NodeId leader);
    void become_pre_candidate();
    void become_candidate();
    void become_leader();
    void reset_timers();
    void start_election(bool pre_vote, bool transfer);
    void handle_vote_request(const Message& m);
    void handle_vote_response(const Message& m);
    void tick_election();
    void tick_leader();
    bool quorum_active(const Leader& leader) const;

    // core_replication.cc
    bool send_append(Leader& leader, NodeId to, bool allow_empty);
    void send_snapshot_chunk(Leader& leader, NodeId to);
    void send_appends_until_paused(Leader& leader, NodeId to);
    void broadcast_append(Leader& leader);
    void broadcast_heartbeat(Leader& leader);
    void append_as_leader(Leader& leader, Entry entry);
    bool maybe_commit(Leader& leader);
    void handle_append_response(Leader& leader, const Message& m);
    void handle_append_reject(Leader& leader, Progress& progress, const Message& m);
    void handle_heartbeat_response(Leader& leader, const Message& m);
    void handle_snapshot_response(Leader& leader, const Message& m);
    void handle_append(const Message& m);
    void handle_heartbeat(const Message& m);
    void handle_snapshot(Follower& follower, const Message& m);
    void install_snapshot(Snapshot snapshot, const Message& m);

    // core_membership.cc
    void append_to_log(std::vector<Entry> entries);
    void sync_progress(Leader& leader);
    std::optional<RejectCode> check_change(const Leader& leader, const ConfChange& c) const;
    void maybe_step_down_after_removal();

    CoreConfig config_;
    RaftLog log_;
    Rng rng_;
    Role role_;
    Term term_;
    NodeId vote_;
    NodeId leader_id_;
    std::vector<ConfigAt> configs_;  // ascending; back() is the membership in effect
    uint32_t election_elapsed_ = 0;
    uint32_t heartbeat_elapsed_ = 0;
    uint32_t election_timeout_ = 0;  // randomized in [election_ticks, 2 * election_ticks)
    std::vector<Message> messages_;
    HardState persisted_;  // the hard state of the last Ready (or the one loaded)
    std::optional<InFlight> in_flight_;
    bool failed_ = false;
    Term last_leader_term_;  // the last term this node was leader in
};

}  // namespace wd::consensus
