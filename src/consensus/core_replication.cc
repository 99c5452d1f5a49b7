// Log replication (thesis §3.5), commitment (§3.6.2), and snapshot transfer (§5.3), on both
// the leader's and the follower's side.
#include <algorithm>

#include "consensus/core.h"

namespace wd::consensus {

void Core::append_as_leader(Leader& leader, Entry entry) {
    WD_ASSERT(entry.index == log_.last_index() + 1);
    WD_ASSERT(entry.term == term_);
    const bool config = entry.type == EntryType::config;
    std::vector<Entry> entries;
    entries.push_back(std::move(entry));
    append_to_log(std::move(entries));
    if (config) {
        sync_progress(leader);
    }
    for (auto& [id, p] : leader.progress) {
        send_appends_until_paused(leader, id);
    }
}

// Sends one append to `to` unless its progress is paused. Falls back to the snapshot when the
// entries it needs were compacted. Returns whether something was sent.
bool Core::send_append(Leader& leader, NodeId to, bool allow_empty) {
    Progress& p = leader.progress.at(to);
    if (p.is_paused(config_.inflight_append_msgs_max)) {
        return false;
    }
    WD_ASSERT(p.next <= log_.last_index() + 1);
    const LogIndex prev = p.next - 1;
    auto prev_term = log_.term(prev);
    std::vector<Entry> entries;
    if (prev_term.ok() && p.next <= log_.last_index()) {
        auto got = log_.entries(p.next, log_.last_index() + 1, config_.append_bytes_max);
        if (!got.ok()) {
            prev_term = err(got.error());
        } else {
            entries = std::move(got).value();
            entries.resize(std::min<size_t>(entries.size(), config_.append_entries_max));
        }
    }
    if (!prev_term.ok()) {
        if (!log_.storage_error().ok()) {
            return false;
        }
        p.become_snapshot(log_.storage().snapshot_meta().index);
        send_snapshot_chunk(leader, to);
        return true;
    }
    if (entries.empty() && !allow_empty) {
        return false;
    }
    Message m;
    m.type = MessageType::append;
    m.to = to;
    m.term = term_;
    m.index = prev;
    m.log_term = prev_term.value();
    m.commit_index = log_.commit_index();
    const LogIndex last = entries.empty() ? prev : entries.back().index;
    p.sent_append(last, entries.size());
    m.entries = std::move(entries);
    send(std::move(m));
    return true;
}

void Core::send_appends_until_paused(Leader& leader, NodeId to) {
    // Bounded by the in-flight window: each send in replicate adds one in-flight message, and
    // a probe pauses after one.
    for (uint32_t i = 0; i <= config_.inflight_append_msgs_max; ++i) {
        const Progress& p = leader.progress.at(to);
        if (p.next > log_.last_index() || !send_append(leader, to, false)) {
            return;
        }
    }
}

void Core::send_snapshot_chunk(Leader& leader, NodeId to) {
    Progress& p = leader.progress.at(to);
    const SnapshotMeta meta = log_.storage().snapshot_meta();
    WD_ASSERT(meta.index > LogIndex{0});
    if (p.state != ProgressState::snapshot || p.snapshot_index != meta.index) {
        p.become_snapshot(meta.index);  // restart with the newest snapshot
    }
    auto chunk = log_.storage().snapshot_chunk(p.snapshot_offset, config_.snapshot_chunk_size_max);
    if (!chunk.ok()) {
        failed_ = true;
        become_follower(term_, node_none);
        return;
    }
    Message m;
    m.type = MessageType::snapshot;
    m.to = to;
    m.term = term_;
    m.snapshot = meta;
    m.offset = p.snapshot_offset;
    m.data = std::move(chunk).value();
    m.done = m.offset + m.data.size() >= meta.size_bytes;
    send(std::move(m));
}

void Core::broadcast_append(Leader& leader) {
    for (auto& [id, p] : leader.progress) {
        send_append(leader, id, true);
    }
}

void Core::broadcast_heartbeat(Leader& leader) {
    for (auto& [id, p] : leader.progress) {
        Message m;
        m.type = MessageType::heartbeat;
        m.to = id;
        m.term = term_;
        // Never tell a follower to commit past what it is known to hold.
        m.commit_index = std::min(p.match, log_.commit_index());
        send(std::move(m));
    }
}

// The commit rule (thesis §3.6.2): an index stored on a majority of the current configuration's
// voters is committed if its entry is from the leader's current term; earlier entries are
// committed indirectly (Figure 3.7).
bool Core::maybe_commit(Leader& leader) {
    std::vector<LogIndex> matches;
    for (NodeId id : membership().voters) {
        matches.push_back(id == config_.id ? log_.stable_last_index()
                                           : leader.progress.at(id).match);
    }
    if (matches.empty()) {
        return false;
    }
    std::sort(matches.begin(), matches.end(), std::greater<>());
    const LogIndex candidate = matches[membership().quorum() - 1];
    if (candidate <= log_.commit_index()) {
        return false;
    }
    if (log_.term_or_zero(candidate) != term_ && !config_.test_bug_commit_prior_term) {
        return false;
    }
    const LogIndex before = log_.commit_index();
    log_.commit_to(candidate);
    WD_ASSERT(log_.commit_index() > before);
    return true;
}

void Core::handle_append_response(Leader& leader, const Message& m) {
    auto it = leader.progress.find(m.from);
    if (it == leader.progress.end()) {
        return;  // no longer a member
    }
    Progress& p = it->second;
    p.recent_active = true;
    if (m.reject) {
        handle_append_reject(leader, p, m);
        return;
    }
    if (!p.maybe_update(m.index)) {
        return;
    }
    if (p.state == ProgressState::probe) {
        p.become_replicate();
    } else if (p.state == ProgressState::snapshot && p.match >= p.snapshot_index) {
        p.become_probe();
    } else {
        p.free_inflight_to(m.index);
    }
    if (maybe_commit(leader)) {
        broadcast_append(leader);
        maybe_step_down_after_removal();
        if (!std::holds_alternative<Leader>(role_)) {
            return;
        }
    }
    send_appends_until_paused(leader, m.from);
    if (leader.transfer_target == m.from && p.match == log_.last_index()) {
        Message t;
        t.type = MessageType::timeout_now;
        t.to = m.from;
        t.term = term_;
        send(std::move(t));
    }
}

// Fast conflict resolution: the follower's hint (reject_hint, log_term) names the last index
// whose term is <= the term we probed with; we skip every index whose term in our log is
// greater than the hinted term (thesis §5.3, end of the AppendEntries discussion).
void Core::handle_append_reject(Leader& leader, Progress& p, const Message& m) {
    LogIndex next_probe = m.reject_hint;
    if (m.log_term > Term{0}) {
        next_probe = log_.find_conflict_by_term(m.reject_hint, m.log_term);
    }
    if (p.maybe_decrease(m.index, next_probe + 1)) {
        if (p.state == ProgressState::replicate) {
            p.become_probe();
        }
        send_append(leader, m.from, true);
    }
}

void Core::handle_heartbeat_response(Leader& leader, const Message& m) {
    auto it = leader.progress.find(m.from);
    if (it == leader.progress.end()) {
        return;
    }
    Progress& p = it->second;
    p.recent_active = true;
    if (p.state == ProgressState::snapshot) {
        send_snapshot_chunk(leader, m.from);  // retransmit a lost chunk
        return;
    }
    p.probe_sent = false;
    if (p.match < log_.last_index()) {
        if (p.state == ProgressState::replicate &&
            p.inflight.size() >= config_.inflight_append_msgs_max) {
            p.inflight.pop_front();  // let one message through to detect a loss
        }
        send_append(leader, m.from, true);
    }
}

void Core::handle_snapshot_response(Leader& leader, const Message& m) {
    auto it = leader.progress.find(m.from);
    if (it == leader.progress.end()) {
        return;
    }
    Progress& p = it->second;
    p.recent_active = true;
    if (p.state != ProgressState::snapshot || m.index != p.snapshot_index ||
        m.offset == p.snapshot_offset) {
        return;  // stale or duplicate: one chunk stays in flight
    }
    p.snapshot_offset = std::min<uint64_t>(m.offset, log_.storage().snapshot_meta().size_bytes);
    send_snapshot_chunk(leader, m.from);
}

void Core::handle_append(const Message& m) {
    Message r = reply(m, MessageType::append_response);
    if (m.index < log_.commit_index()) {
        r.index = log_.commit_index();  // the prefix is committed, hence matches
        send(std::move(r));
        return;
    }
    if (!log_.match_term(m.index, m.log_term)) {
        // Consistency check failed (thesis §3.5): hint the last index that may match.
        r.reject = true;
        r.index = m.index;
        r.reject_hint =
            log_.find_conflict_by_term(std::min(m.index, log_.last_index()), m.log_term);
        r.log_term = log_.term_or_zero(r.reject_hint);
        send(std::move(r));
        return;
    }
    const LogIndex last_new = m.index + m.entries.size();
    const LogIndex conflict = log_.find_conflict(m.entries);
    if (conflict != LogIndex{0}) {
        // Log Matching: entries from the first conflict on are replaced, never committed ones.
        WD_ASSERT(conflict > log_.commit_index());
        const auto skip = static_cast<ptrdiff_t>(conflict.value - (m.index.value + 1));
        append_to_log(std::vector<Entry>(m.entries.begin() + skip, m.entries.end()));
    }
    log_.commit_to(std::min(m.commit_index, last_new));
    r.index = last_new;
    send(std::move(r));
}

void Core::handle_heartbeat(const Message& m) {
    log_.commit_to(std::min(m.commit_index, log_.last_index()));
    send(reply(m, MessageType::heartbeat_response));
}

void Core::handle_snapshot(Follower& follower, const Message& m) {
    const SnapshotMeta& meta = m.snapshot;
    if (meta.index <= log_.commit_index()) {
        follower.incoming.reset();
        Message r = reply(m, MessageType::append_response);
        r.index = log_.commit_index();
        send(std::move(r));
        return;
    }
    auto& in = follower.incoming;
    if (!in || in->meta != meta) {
        in = Snapshot{meta, {}};
    }
    if (m.offset == in->data.size() && in->data.size() + m.data.size() <= meta.size_bytes) {
        in->data += m.data;
    }
    if (in->data.size() < meta.size_bytes) {
        Message r = reply(m, MessageType::snapshot_response);
        r.index = meta.index;
        r.offset = in->data.size();
        send(std::move(r));
        return;
    }
    Snapshot snapshot = std::move(*in);
    in.reset();
    install_snapshot(std::move(snapshot), m);
}

void Core::install_snapshot(Snapshot snapshot, const Message& m) {
    const LogIndex index = snapshot.meta.index;
    if (log_.match_term(index, snapshot.meta.term)) {
        // Thesis §5.3: the log already holds the snapshot's last entry; keep what follows.
        log_.commit_to(index);
    } else {
        configs_.assign(1, ConfigAt{index, snapshot.meta.membership});
        log_.restore(std::move(snapshot));
    }
    Message r = reply(m, MessageType::append_response);
    r.index = index;
    send(std::move(r));
}

}  // namespace wd::consensus
