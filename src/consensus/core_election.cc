// Leader election (thesis §3.4), pre-vote (§9.6), check-quorum (§6.2) and the timers.
#include "consensus/core.h"

namespace wd::consensus {

void Core::reset_timers() {
    election_elapsed_ = 0;
    heartbeat_elapsed_ = 0;
    // Randomized timeouts make split votes rare (thesis §3.4, §9.3).
    election_timeout_ =
        config_.election_ticks + static_cast<uint32_t>(rng_.below(config_.election_ticks));
}

void Core::become_follower(Term term, NodeId leader) {
    WD_ASSERT(term >= term_);
    if (term != term_) {
        term_ = term;
        vote_ = node_none;
    }
    role_ = Follower{};
    leader_id_ = leader;
    reset_timers();
}

void Core::become_pre_candidate() {
    WD_ASSERT(!std::holds_alternative<Leader>(role_));
    role_ = PreCandidate{};
    leader_id_ = node_none;
    reset_timers();
}

void Core::become_candidate() {
    WD_ASSERT(!std::holds_alternative<Leader>(role_));
    term_ = Term{term_.value + 1};
    vote_ = config_.id;
    role_ = Candidate{};
    leader_id_ = node_none;
    reset_timers();
}

void Core::become_leader() {
    WD_ASSERT(std::holds_alternative<Candidate>(role_));
    // Election Safety from this node's view: it leads each term at most once.
    WD_ASSERT(last_leader_term_ < term_);
    last_leader_term_ = term_;
    Leader leader;
    leader.term_start_index = log_.last_index() + 1;
    role_ = std::move(leader);
    leader_id_ = config_.id;
    reset_timers();
    Leader& l = std::get<Leader>(role_);
    sync_progress(l);
    // Thesis §6.4 / §5.4.2: a no-op of the new term lets the leader commit, and so learn the
    // commit index, without waiting for a client proposal.
    append_as_leader(l, Entry{term_, l.term_start_index, EntryType::noop, {}});
}

void Core::campaign() {
    if (failed_ || std::holds_alternative<Leader>(role_)) {
        return;
    }
    start_election(config_.pre_vote, false);
}

void Core::leader_lost() {
    if (std::holds_alternative<Follower>(role_)) {
        leader_id_ = node_none;
    }
}

void Core::start_election(bool pre_vote, bool transfer) {
    if (!membership().is_voter(config_.id)) {
        return;  // learners and removed servers never campaign
    }
    if (pre_vote) {
        become_pre_candidate();
    } else {
        become_candidate();
    }
    const Term term = pre_vote ? Term{term_.value + 1} : term_;
    Message self;
    self.type = pre_vote ? MessageType::pre_vote_response : MessageType::vote_response;
    self.from = config_.id;
    self.term = term;
    handle_vote_response(self);
    if (!std::holds_alternative<PreCandidate>(role_) &&
        !std::holds_alternative<Candidate>(role_)) {
        return;  // a single voter wins at once
    }
    if (pre_vote != std::holds_alternative<PreCandidate>(role_)) {
        return;  // the pre-vote was won and a real election already started
    }
    for (NodeId id : membership().voters) {
        if (id == config_.id) {
            continue;
        }
        Message m;
        m.type = pre_vote ? MessageType::pre_vote : MessageType::vote;
        m.to = id;
        m.term = term;
        m.index = log_.last_index();
        m.log_term = log_.last_term();
        m.transfer = transfer;
        send(std::move(m));
    }
}

void Core::handle_vote_request(const Message& m) {
    const bool pre = m.type == MessageType::pre_vote;
    // We may vote for the same candidate again (a lost response), for anyone in a term where we
    // have neither voted nor seen a leader, and always pre-vote for a later term.
    const bool can_vote = vote_ == m.from || (vote_ == node_none && leader_id_ == node_none) ||
                          (pre && m.term > term_);
    // The election restriction (thesis §3.6.1): the candidate's log is at least as up to date.
    const bool grant = can_vote && log_.is_up_to_date(m.index, m.log_term);
    Message r = reply(m, pre ? MessageType::pre_vote_response : MessageType::vote_response);
    if (!grant) {
        r.reject = true;
        send(std::move(r));
        return;
    }
    r.term = m.term;
    if (!pre) {
        WD_ASSERT(m.term == term_);
        vote_ = m.from;
        election_elapsed_ = 0;
    }
    send(std::move(r));
}

void Core::handle_vote_response(const Message& m) {
    const bool pre = std::holds_alternative<PreCandidate>(role_);
    if ((pre && m.type != MessageType::pre_vote_response) ||
        (!pre && m.type != MessageType::vote_response)) {
        return;  // a stale response from an earlier phase
    }
    if (!membership().is_voter(m.from)) {
        return;
    }
    if (pre && !m.reject && m.term != Term{term_.value + 1}) {
        return;  // a grant from an earlier pre-vote round
    }
    auto& votes = pre ? std::get<PreCandidate>(role_).votes : std::get<Candidate>(role_).votes;
    votes.emplace(m.from, !m.reject);
    size_t granted = 0;
    for (const auto& [id, yes] : votes) {
        granted += yes ? 1 : 0;
    }
    const size_t rejected = votes.size() - granted;
    const size_t quorum = membership().quorum();
    if (granted >= quorum) {
        if (pre) {
            start_election(false, false);
        } else {
            become_leader();
        }
    } else if (rejected >= quorum) {
        become_follower(term_, node_none);
    }
}

void Core::tick_election() {
    election_elapsed_ += 1;
    if (election_elapsed_ >= election_timeout_ && membership().is_voter(config_.id)) {
        start_election(config_.pre_vote, false);
    }
}

bool Core::quorum_active(const Leader& leader) const {
    size_t active = 0;
    for (NodeId id : membership().voters) {
        if (id == config_.id) {
            active += 1;
        } else if (auto it = leader.progress.find(id); it != leader.progress.end()) {
            active += it->second.recent_active ? 1 : 0;
        }
    }
    return active >= membership().quorum();
}

void Core::tick_leader() {
    Leader& leader = std::get<Leader>(role_);
    heartbeat_elapsed_ += 1;
    election_elapsed_ += 1;
    if (election_elapsed_ >= config_.election_ticks) {
        election_elapsed_ = 0;
        // Check-quorum (thesis §6.2): a leader that has not heard from a majority within an
        // election timeout steps down, so clients can find the real leader.
        if (config_.check_quorum && !quorum_active(leader)) {
            become_follower(term_, node_none);
            return;
        }
        for (auto& [id, p] : leader.progress) {
            p.recent_active = false;
        }
        leader.transfer_target = node_none;  // thesis §3.10: abort a transfer that stalls
    }
    if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
        heartbeat_elapsed_ = 0;
        broadcast_heartbeat(leader);
    }
}

}  // namespace wd::consensus
