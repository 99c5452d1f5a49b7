// The core's entry points: construction, the term rules every message passes through, dispatch
// by role, and the Ready/advance contract.
#include "consensus/core.h"

#include <algorithm>

namespace wd::consensus {

Result<void> CoreConfig::validate() const {
    if (id == node_none) {
        return err(Status::invalid_argument("id must be non-zero"));
    }
    if (heartbeat_ticks == 0 || election_ticks <= heartbeat_ticks) {
        return err(Status::invalid_argument("need 0 < heartbeat_ticks < election_ticks"));
    }
    if (append_entries_max == 0 || append_bytes_max == 0 || inflight_append_msgs_max == 0) {
        return err(Status::invalid_argument("append limits must be positive"));
    }
    if (snapshot_chunk_size_max == 0 || ready_bytes_max == 0) {
        return err(Status::invalid_argument("snapshot and ready limits must be positive"));
    }
    return {};
}

Result<Core> Core::make(const CoreConfig& config, const HardState& state,
                        const LogStorage& storage, Rng rng) {
    WD_TRY(config.validate());
    if (state.commit_index > storage.last_index()) {
        return err(Status::corruption("hard state commit index beyond the stored log"));
    }
    Core core(config, state, storage, rng);
    WD_TRY(core.load_configs());
    return Result<Core>(std::move(core));
}

Core::Core(const CoreConfig& config, const HardState& state, const LogStorage& storage, Rng rng)
    : config_(config),
      log_(storage,
           std::max({state.commit_index, config.applied_index, storage.first_index() - 1}),
           std::max(config.applied_index, storage.first_index() - 1)),
      rng_(rng),
      role_(Follower{}),
      term_(state.term),
      vote_(state.vote) {
    persisted_ = hard_state();
    reset_timers();
}

HardState Core::hard_state() const { return HardState{term_, vote_, log_.commit_index()}; }

RoleKind Core::role() const { return static_cast<RoleKind>(role_.index()); }

void Core::tick() {
    if (failed_) {
        return;
    }
    if (std::holds_alternative<Leader>(role_)) {
        tick_leader();
    } else {
        tick_election();
    }
    check_storage();
}

Result<void> Core::step(const Message& m) {
    if (failed_) {
        return err(Status::io_error("the core stopped after a storage failure"));
    }
    if (m.to != config_.id || m.from == config_.id || m.from == node_none) {
        return err(Status::invalid_argument("message not addressed to this node"));
    }
    if (m.term > term_) {
        if (!on_higher_term(m)) {
            return {};
        }
    } else if (m.term < term_) {
        on_lower_term(m);
        return {};
    }
    dispatch(m);
    check_storage();
    return {};
}

// A leader that heard from its quorum recently, or a follower that heard from a leader within
// the minimum election timeout, disregards vote requests (thesis §4.2.3).
bool Core::in_lease() const {
    return config_.check_quorum && leader_id_ != node_none &&
           election_elapsed_ < config_.election_ticks;
}

// Returns false when the message must be ignored.
bool Core::on_higher_term(const Message& m) {
    const bool request = m.type == MessageType::vote || m.type == MessageType::pre_vote;
    if (request && !m.transfer && in_lease()) {
        return false;  // leader stickiness: do not let a disruptive server raise our term
    }
    if (m.type == MessageType::pre_vote) {
        return true;  // a pre-vote never changes the receiver's term (thesis §9.6)
    }
    if (m.type == MessageType::pre_vote_response && !m.reject) {
        return true;  // a grant carries the term we would campaign in
    }
    const bool from_leader = m.type == MessageType::append ||
                             m.type == MessageType::heartbeat ||
                             m.type == MessageType::snapshot;
    become_follower(m.term, from_leader ? m.from : node_none);
    return true;
}

void Core::on_lower_term(const Message& m) {
    const bool from_leader = m.type == MessageType::append ||
                             m.type == MessageType::heartbeat ||
                             m.type == MessageType::snapshot;
    if (from_leader && (config_.check_quorum || config_.pre_vote)) {
        // A stale leader may never hear a vote request again (pre-vote, stickiness), so tell
        // it the current term; it steps down on this response.
        send(reply(m, MessageType::append_response));
    } else if (m.type == MessageType::pre_vote) {
        Message r = reply(m, MessageType::pre_vote_response);
        r.reject = true;
        send(std::move(r));
    }
}

void Core::dispatch(const Message& m) {
    if (m.type == MessageType::pre_vote || m.type == MessageType::vote) {
        handle_vote_request(m);
        return;
    }
    if (m.type == MessageType::timeout_now) {
        if (!std::holds_alternative<Leader>(role_) && membership().is_voter(config_.id)) {
            start_election(false, true);
        }
        return;
    }
    const bool from_leader = m.type == MessageType::append ||
                             m.type == MessageType::heartbeat ||
                             m.type == MessageType::snapshot;
    if (auto* leader = std::get_if<Leader>(&role_)) {
        // Election Safety (thesis §3.6.3): at most one leader per term.
        WD_ASSERT(!from_leader);
        if (m.type == MessageType::append_response) {
            handle_append_response(*leader, m);
        } else if (m.type == MessageType::heartbeat_response) {
            handle_heartbeat_response(*leader, m);
        } else if (m.type == MessageType::snapshot_response) {
            handle_snapshot_response(*leader, m);
        }
        return;
    }
    if (!std::holds_alternative<Follower>(role_)) {
        if (m.type == MessageType::pre_vote_response || m.type == MessageType::vote_response) {
            handle_vote_response(m);
            return;
        }
        if (!from_leader) {
            return;
        }
        become_follower(term_, m.from);  // a leader of our term exists (thesis §3.4)
    }
    if (!from_leader) {
        return;
    }
    WD_ASSERT(leader_id_ == node_none || leader_id_ == m.from);
    leader_id_ = m.from;
    election_elapsed_ = 0;
    if (m.type == MessageType::append) {
        handle_append(m);
    } else if (m.type == MessageType::heartbeat) {
        handle_heartbeat(m);
    } else {
        handle_snapshot(std::get<Follower>(role_), m);
    }
}

Message Core::reply(const Message& m, MessageType type) const {
    Message r;
    r.type = type;
    r.to = m.from;
    r.term = term_;
    return r;
}

void Core::send(Message m) {
    m.from = config_.id;
    WD_ASSERT(m.to != config_.id);
    WD_ASSERT(m.to != node_none);
    messages_.push_back(std::move(m));
}

void Core::check_storage() {
    if (failed_ || log_.storage_error().ok()) {
        return;
    }
    // Storage policy (STYLE.md §2): step down and stop voting and campaigning.
    failed_ = true;
    become_follower(term_, node_none);
}

bool Core::has_ready() const {
    if (in_flight_) {
        return false;
    }
    return hard_state() != persisted_ || !log_.unstable_entries().empty() ||
           log_.unstable_snapshot().has_value() || !messages_.empty() ||
           log_.has_next_committed();
}

Ready Core::ready() {
    WD_ASSERT(!in_flight_);
    Ready r;
    const HardState hs = hard_state();
    if (hs != persisted_) {
        r.hard_state = hs;
    }
    r.entries = log_.unstable_entries();
    r.snapshot = log_.unstable_snapshot();
    r.committed = log_.next_committed(config_.ready_bytes_max);
    r.messages = std::move(messages_);
    messages_.clear();
    r.must_sync = !r.entries.empty() || r.snapshot.has_value() || hs.term != persisted_.term ||
                  hs.vote != persisted_.vote;
    for (const Message& m : r.messages) {
        // Persisted before sent: a granted vote goes out with the vote it records, or with
        // a later term that forbids voting in its term again.
        if (m.type == MessageType::vote_response && !m.reject) {
            WD_ASSERT(hs.term >= m.term);
            WD_ASSERT(hs.term > m.term || hs.vote == m.to);
        }
    }
    InFlight f{hs, LogIndex{0}, Term{0}, LogIndex{0}, LogIndex{0}};
    if (!r.entries.empty()) {
        f.entries_last = r.entries.back().index;
        f.entries_last_term = r.entries.back().term;
    }
    f.snapshot_index = r.snapshot ? r.snapshot->meta.index : LogIndex{0};
    f.committed_last = r.committed.empty() ? LogIndex{0} : r.committed.back().index;
    in_flight_ = f;
    return r;
}

void Core::advance(const Ready& r) {
    WD_ASSERT(in_flight_.has_value());
    const InFlight f = *in_flight_;
    in_flight_.reset();
    WD_ASSERT((r.entries.empty() ? LogIndex{0} : r.entries.back().index) == f.entries_last);
    WD_ASSERT((r.snapshot ? r.snapshot->meta.index : LogIndex{0}) == f.snapshot_index);
    WD_ASSERT((r.committed.empty() ? LogIndex{0} : r.committed.back().index) ==
              f.committed_last);
    persisted_ = f.hard_state;
    if (r.snapshot) {
        log_.stable_snapshot_to(f.snapshot_index);
        log_.applied_to(f.snapshot_index);
    }
    if (!r.entries.empty()) {
        log_.stable_to(f.entries_last, f.entries_last_term);
    }
    if (!r.committed.empty()) {
        log_.applied_to(f.committed_last);
    }
    if (auto* leader = std::get_if<Leader>(&role_); leader && !r.entries.empty()) {
        // The leader counts itself only for entries it has persisted.
        if (maybe_commit(*leader)) {
            broadcast_append(*leader);
            maybe_step_down_after_removal();
        }
    }
    check_storage();
}

Result<LogIndex, Rejection> Core::propose(std::span<const std::byte> data) {
    if (failed_) {
        return err(Rejection{RejectCode::storage_failed, leader_id_});
    }
    auto* leader = std::get_if<Leader>(&role_);
    if (leader == nullptr) {
        return err(Rejection{RejectCode::not_leader, leader_id_});
    }
    if (leader->transfer_target != node_none) {
        return err(Rejection{RejectCode::transfer_in_progress, leader_id_});
    }
    Entry entry{term_, log_.last_index() + 1, EntryType::normal,
                std::string(reinterpret_cast<const char*>(data.data()), data.size())};
    const LogIndex index = entry.index;
    append_as_leader(*leader, std::move(entry));
    return index;
}

Result<SnapshotMeta> Core::snapshot_meta_at(LogIndex index, uint64_t size_bytes) const {
    WD_ASSERT(index <= log_.applied_index());
    auto term = log_.term(index);
    if (!term.ok() || index < configs_.front().index) {
        return err(Status::not_found("index already compacted"));
    }
    SnapshotMeta meta{index, term.value(), configs_.front().membership, size_bytes};
    for (const ConfigAt& c : configs_) {
        if (c.index <= index) {
            meta.membership = c.membership;
        }
    }
    return meta;
}

CoreStatus Core::status() const {
    CoreStatus s;
    s.id = config_.id;
    s.role = role();
    s.hard_state = hard_state();
    s.leader = leader_id_;
    s.applied_index = log_.applied_index();
    s.first_index = log_.first_index();
    s.last_index = log_.last_index();
    s.membership = membership();
    if (const auto* leader = std::get_if<Leader>(&role_)) {
        s.progress = leader->progress;
        s.transfer_target = leader->transfer_target;
    }
    s.failed = failed_;
    return s;
}

}  // namespace wd::consensus
