// Membership: learners, single-server changes (thesis §4.1) and leadership transfer (§3.10).
//
// A change takes effect on a server as soon as its entry is in that server's log, committed or
// not; configs_ therefore follows appends and truncations. The leader accepts one change at a
// time, and only after it has committed an entry of its own term (the fix to single-server
// changes posted by Ongaro to raft-dev in 2015, also thesis §4.1 errata).
#include <algorithm>

#include "consensus/core.h"

namespace wd::consensus {

Result<void> Core::load_configs() {
    const LogStorage& storage = log_.storage();
    const SnapshotMeta snap = storage.snapshot_meta();
    configs_.clear();
    if (snap.index > LogIndex{0}) {
        configs_.push_back(ConfigAt{snap.index, snap.membership});
    } else {
        configs_.push_back(ConfigAt{LogIndex{0}, config_.membership_initial});
    }
    LogIndex next = storage.first_index();
    const LogIndex last = storage.last_index();
    // Bounded: every batch holds at least one entry.
    while (next <= last) {
        auto batch = storage.entries(next, last + 1, config_.ready_bytes_max);
        if (!batch.ok()) {
            return err(batch.error());
        }
        for (const Entry& entry : batch.value()) {
            if (entry.type == EntryType::config) {
                auto change = decode_conf_change(entry.data);
                if (!change) {
                    return err(Status::corruption("undecodable config entry"));
                }
                configs_.push_back(
                    ConfigAt{entry.index, apply_conf_change(membership(), *change)});
            }
        }
        next = batch.value().back().index + 1;
    }
    return {};
}

void Core::append_to_log(std::vector<Entry> entries) {
    if (entries.empty()) {
        return;
    }
    const LogIndex first = entries.front().index;
    // Configurations of a replaced suffix are dropped with it.
    while (configs_.back().index >= first) {
        WD_ASSERT(configs_.size() > 1);
        configs_.pop_back();
    }
    for (const Entry& entry : entries) {
        if (entry.type != EntryType::config) {
            continue;
        }
        auto change = decode_conf_change(entry.data);
        WD_MAYBE(!change);  // a peer's garbage is kept in the log but changes nothing
        configs_.push_back(ConfigAt{
            entry.index, change ? apply_conf_change(membership(), *change) : membership()});
    }
    log_.append(std::move(entries));
}

void Core::sync_progress(Leader& leader) {
    const Membership& m = membership();
    for (auto it = leader.progress.begin(); it != leader.progress.end();) {
        it = m.contains(it->first) ? std::next(it) : leader.progress.erase(it);
    }
    auto add = [&](NodeId id) {
        if (id != config_.id && !leader.progress.contains(id)) {
            Progress p;
            p.next = log_.last_index() + 1;
            p.recent_active = true;  // a new member gets one check-quorum window
            leader.progress.emplace(id, p);
        }
    };
    std::for_each(m.voters.begin(), m.voters.end(), add);
    std::for_each(m.learners.begin(), m.learners.end(), add);
    if (!m.is_voter(leader.transfer_target)) {
        leader.transfer_target = node_none;
    }
}

std::optional<RejectCode> Core::check_change(const Leader& leader, const ConfChange& c) const {
    if (configs_.back().index > log_.commit_index() ||
        log_.commit_index() < leader.term_start_index) {
        return RejectCode::config_change_pending;
    }
    const Membership& m = membership();
    switch (c.type) {
        case ConfChangeType::add_voter:
            return m.is_voter(c.node) ? std::optional(RejectCode::invalid_change) : std::nullopt;
        case ConfChangeType::add_learner:
            return m.contains(c.node) ? std::optional(RejectCode::invalid_change) : std::nullopt;
        case ConfChangeType::remove_node:
            if (!m.contains(c.node) || (m.is_voter(c.node) && m.voters.size() == 1)) {
                return RejectCode::invalid_change;
            }
            return std::nullopt;
    }
    return RejectCode::invalid_change;
}

Result<LogIndex, Rejection> Core::propose_change(const ConfChange& change) {
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
    if (change.node == node_none) {
        return err(Rejection{RejectCode::invalid_change, leader_id_});
    }
    if (auto code = check_change(*leader, change)) {
        return err(Rejection{*code, leader_id_});
    }
    const LogIndex index = log_.last_index() + 1;
    append_as_leader(*leader,
                     Entry{term_, index, EntryType::config, encode_conf_change(change)});
    return index;
}

// Thesis §4.2.2: a leader removed from the configuration keeps leading until the change is
// committed, then steps down; it no longer campaigns since it is not a voter.
void Core::maybe_step_down_after_removal() {
    if (!std::holds_alternative<Leader>(role_) || membership().is_voter(config_.id)) {
        return;
    }
    if (log_.commit_index() >= configs_.back().index) {
        become_follower(term_, node_none);
    }
}

Result<void, Rejection> Core::transfer_leader(NodeId target) {
    auto* leader = std::get_if<Leader>(&role_);
    if (leader == nullptr || failed_) {
        return err(Rejection{RejectCode::not_leader, leader_id_});
    }
    if (target == config_.id) {
        return {};
    }
    if (!membership().is_voter(target)) {
        return err(Rejection{RejectCode::invalid_change, leader_id_});
    }
    if (leader->transfer_target != node_none) {
        return err(Rejection{RejectCode::transfer_in_progress, leader_id_});
    }
    // Thesis §3.10: stop accepting client requests, bring the target up to date, then send
    // TimeoutNow. The transfer is abandoned after an election timeout (tick_leader).
    leader->transfer_target = target;
    election_elapsed_ = 0;
    const Progress& p = leader->progress.at(target);
    if (p.match == log_.last_index()) {
        Message m;
        m.type = MessageType::timeout_now;
        m.to = target;
        m.term = term_;
        send(std::move(m));
    } else {
        send_append(*leader, target, true);
    }
    return {};
}

NodeId Core::best_transfer_target() const {
    const auto* leader = std::get_if<Leader>(&role_);
    if (leader == nullptr) {
        return node_none;
    }
    NodeId best = node_none;
    LogIndex best_match;
    for (const auto& [id, p] : leader->progress) {
        if (membership().is_voter(id) && (best == node_none || p.match > best_match)) {
            best = id;
            best_match = p.match;
        }
    }
    return best;
}

}  // namespace wd::consensus
