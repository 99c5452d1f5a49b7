// The ensemble half of the pipeline: writes go through the consensus core instead of straight
// to the WAL (docs/ensemble.md).
//
// A write from a client becomes a proposal `origin server id | sequence | tree entry`. The
// leader proposes its own; a follower or observer forwards its proposals to the leader. Every
// server applies committed entries in log order; the log index is the entry's zxid. The origin
// recognises its own proposals on apply and answers its clients, so a reply always means
// "committed and applied here", and a session's later reads on that server see the write.
//
// When the leader changes, proposals still in flight may or may not commit: their clients'
// connections are closed, as ZooKeeper does, and the clients reconnect with their sessions.
#include <spdlog/spdlog.h>

#include "base/coding.h"
#include "consensus/codec.h"
#include "server/frames.h"
#include "server/log_store.h"
#include "server/peer_protocol.h"
#include "server/pipeline.h"
#include "server/snapshotter.h"
#include "storage/snapshot.h"

namespace wd::server {

using consensus::LogIndex;
using consensus::NodeId;
using consensus::RoleKind;
using proto::OpCode;

namespace {

constexpr size_t unsent_max = 100'000;

}  // namespace

bool Pipeline::is_leader() const {
    return core_ && core_->role() == RoleKind::leader;
}

// A follower or observer counts its leader only while it hears from it: one that is cut off
// (or whose leader died) stops serving within leader_timeout_ms, as a ZooKeeper follower does.
bool Pipeline::has_leader() const {
    if (!core_ || core_->leader() == consensus::node_none) {
        return false;
    }
    return is_leader() || clock_->monotonic_ms() - leader_contact_ms_ <= leader_timeout_ms();
}

int64_t Pipeline::effective_leader() const {
    return has_leader() ? static_cast<int64_t>(core_->leader().value) : 0;
}

int64_t Pipeline::leader_timeout_ms() const {
    return int64_t{config_.sync_limit} * config_.tick_time_ms;
}

// A safety net: a proposal not applied within a few leader timeouts is given up and its
// client disconnected (the client retries on its session; the outcome is unknown to it, as
// with any connection loss).
void Pipeline::expire_stuck_proposals() {
    const int64_t limit_us = 4 * leader_timeout_ms() * 1000;
    const int64_t now_us = clock_->monotonic_us();
    std::vector<ConnId> to_close;
    for (auto it = proposed_.begin(); it != proposed_.end();) {
        if (now_us - it->second.in.received_us > limit_us) {
            if (it->second.in.conn != 0) {
                to_close.push_back(it->second.in.conn);
            }
            it = proposed_.erase(it);
        } else {
            ++it;
        }
    }
    for (ConnId id : to_close) {
        if (auto c = conns_.find(id); c != conns_.end()) {
            spdlog::warn("session {:#x}: a write was not committed in time; disconnecting",
                         c->second.session_id);
            c->second.outstanding_writes = 0;
            close_conn(c->second);
        }
    }
}

std::string_view Pipeline::role() const {
    if (!core_) {
        return "standalone";
    }
    if (is_leader()) {
        return "leader";
    }
    if (!has_leader()) {
        return "looking";
    }
    return core_->membership().is_learner(NodeId{static_cast<uint64_t>(config_.my_id)})
               ? "observer"
               : "follower";
}

int64_t Pipeline::core_tick_ms() const {
    return std::max<int64_t>(1, config_.tick_time_ms / 2);
}

// ---- recovery ------------------------------------------------------------------------------

Result<void> Pipeline::recover_replica() {
    open_disk();
    const std::string snap_dir = config_.data_dir + "/snapshots";
    const std::string log_dir = config_.data_log_dir + "/log";
    WD_TRY(disk_->create_dir(config_.data_dir));
    WD_TRY(disk_->create_dir(config_.data_log_dir));
    WD_TRY(disk_->create_dir(snap_dir));
    WD_TRY(disk_->create_dir(log_dir));
    tree::Options options{config_.extended_types_enabled, config_.enforce_quota,
                          config_.jute_max_buffer};
    consensus::SnapshotMeta meta;
    auto snapshot = storage::load_newest_snapshot(disk_, snap_dir);
    if (!snapshot.ok()) {
        return err(snapshot.error());
    }
    if (snapshot->has_value()) {
        const storage::LoadedSnapshot& loaded = **snapshot;
        for (const std::string& note : loaded.notes) {
            spdlog::warn("recovery: {}", note);
        }
        auto view = decode_replica_snapshot(loaded.body.view());
        if (!view) {
            return err(Status::invalid_argument(
                loaded.file + " was written by a standalone server; an ensemble member needs "
                              "its own data directory"));
        }
        auto restored = tree::DataTree::deserialize(view->tree, options);
        if (!restored.ok()) {
            return err(Status::corruption(loaded.file + ": " + restored.error().to_string()));
        }
        tree_ = std::move(restored).value();
        meta = view->meta;
        spdlog::info("recovery: loaded {} at index {} term {} ({} znodes)", loaded.file,
                     meta.index.value, meta.term.value, tree_.node_count());
    }
    auto store = LogStore::open(disk_, log_dir, snap_dir, config_.data_dir + "/raft-state",
                                meta, env_.wal);
    if (!store.ok()) {
        return err(store.error());
    }
    log_store_ = std::move(store).value();
    spdlog::info("recovery: log holds entries {}..{}; term {}", log_store_->first_index().value,
                 log_store_->last_index().value, log_store_->hard_state().term.value);

    consensus::CoreConfig core_config;
    core_config.id = NodeId{static_cast<uint64_t>(config_.my_id)};
    for (const ServerSpec& s : config_.servers) {
        (s.observer ? core_config.membership_initial.learners
                    : core_config.membership_initial.voters)
            .push_back(NodeId{static_cast<uint64_t>(s.id)});
    }
    core_config.applied_index = meta.index;
    // ZooKeeper's syncLimit: a follower that hears nothing from the leader for syncLimit ticks
    // gives up on it. Core ticks are half a tickTime (the leader's heartbeat period).
    core_config.election_ticks = static_cast<uint32_t>(std::max(2, 2 * config_.sync_limit));
    core_config.heartbeat_ticks = 1;
    if (env_.tune_core) {
        env_.tune_core(core_config);
    }
    auto core = consensus::Core::make(core_config, log_store_->hard_state(), *log_store_,
                                      Rng(rng_.next()));
    if (!core.ok()) {
        return err(core.error());
    }
    core_.emplace(std::move(core).value());
    // Entries of an earlier run of this server may still be applied after a restart; a random
    // starting point keeps their sequence numbers from matching this run's proposals.
    next_seq_ = rng_.next() >> 1;
    applied_index_ = static_cast<int64_t>(meta.index.value);
    compacted_index_ = applied_index_;
    next_zxid_ = 0;  // unused: the log assigns zxids
    // At least two snapshots are kept: until the loop compacts the log to a new snapshot, it
    // still serves the previous one to followers (LogStore::snapshot_chunk).
    start_snapshotter(snap_dir, log_dir, std::max(2, config_.snap_retain_count));
    track_restored_sessions();
    return {};
}

// ---- proposals -------------------------------------------------------------------------------

void Pipeline::propose_batch(std::vector<InFlight> batch) {
    for (InFlight& in : batch) {
        uint64_t seq = next_seq_++;
        std::string payload = encode_proposal(config_.my_id, seq, in.entry);
        proposed_.emplace(seq, Proposed{std::move(in), known_leader_});
        propose_local(std::move(payload));
    }
}

// Proposes on this server if it leads, forwards to the leader, or holds the proposal until a
// leader is known.
void Pipeline::propose_local(std::string payload) {
    if (is_leader()) {
        auto index = core_->propose(std::as_bytes(std::span(payload.data(), payload.size())));
        if (index.ok()) {
            return;
        }
        spdlog::debug("proposal refused: {}", consensus::describe(index.error()));
    }
    if (has_leader() && !is_leader()) {
        peers_->send_peer(effective_leader(),
                          std::string(1, peer_forward) + payload);
        return;
    }
    if (unsent_.size() < unsent_max) {
        unsent_.push_back(std::move(payload));
    }
}

void Pipeline::on_peer(int64_t from, std::string_view payload) {
    if (!core_ || payload.empty() || failed_) {
        return;
    }
    const char kind = payload.front();
    payload.remove_prefix(1);
    if (kind == peer_raft) {
        auto message = consensus::decode_message(payload);
        if (!message || message->from != NodeId{static_cast<uint64_t>(from)}) {
            spdlog::warn("peer {}: malformed consensus message dropped", from);
            return;
        }
        Result<void> stepped = core_->step(*message);
        if (!stepped.ok()) {
            spdlog::warn("peer {}: {}", from, stepped.error().to_string());
        }
        if (message->from == core_->leader()) {
            leader_contact_ms_ = clock_->monotonic_ms();
        }
        observe_leader();
        return;
    }
    if (kind == peer_forward) {
        if (!decode_proposal(payload)) {
            spdlog::warn("peer {}: malformed forwarded proposal dropped", from);
            return;
        }
        if (is_leader()) {
            auto index = core_->propose(std::as_bytes(std::span(payload.data(), payload.size())));
            WD_MAYBE(index.ok());  // refused: the origin sees the leader change and gives up
        }
        return;
    }
    if (kind == peer_touch) {
        if (!is_leader() || payload.size() % 8 != 0) {
            return;
        }
        int64_t now = clock_->monotonic_ms();
        for (size_t i = 0; i + 8 <= payload.size(); i += 8) {
            tracker_.touch(static_cast<int64_t>(load_u64_le(payload.data() + i)), now);
        }
        return;
    }
    spdlog::warn("peer {}: unknown message kind {} dropped", from, static_cast<int>(kind));
}

std::optional<int64_t> Pipeline::on_peer_down(int64_t peer) {
    if (!core_ || failed_ || is_leader() ||
        core_->leader() != NodeId{static_cast<uint64_t>(peer)}) {
        return std::nullopt;
    }
    core_->leader_lost();
    observe_leader();
    const int64_t spread = std::clamp<int64_t>(config_.tick_time_ms, 20, 300);
    const int64_t delay = static_cast<int64_t>(rng_.below(static_cast<uint64_t>(spread)));
    spdlog::info("the connection to leader {} closed; election in {} ms unless one is won", peer,
                 delay);
    return delay;
}

void Pipeline::campaign_if_leaderless() {
    if (!core_ || failed_ || is_leader() || core_->leader() != consensus::node_none) {
        return;
    }
    core_->campaign();
    observe_leader();
}

void Pipeline::on_core_tick() {
    if (!core_ || failed_) {
        return;
    }
    core_->tick();
    observe_leader();
}

// Reacts to a change of leader: proposals sent to the old one are given up (their clients
// reconnect), held ones go to the new one, and a new leader takes over session expiry.
void Pipeline::observe_leader() {
    const int64_t leader = effective_leader();
    if (leader == known_leader_) {
        return;
    }
    spdlog::info("leader is now {} (term {}); this server is {}",
                 leader == 0 ? std::string("unknown") : std::to_string(leader),
                 core_->term().value, role());
    const int64_t previous = known_leader_;
    known_leader_ = leader;
    if (previous != 0) {
        std::vector<ConnId> to_close;
        for (auto& [seq, p] : proposed_) {
            if (p.in.conn != 0) {
                to_close.push_back(p.in.conn);
            }
        }
        proposed_.clear();
        for (ConnId id : to_close) {
            if (auto it = conns_.find(id); it != conns_.end()) {
                it->second.outstanding_writes = 0;
                close_conn(it->second);
            }
        }
    }
    if (leader == 0) {
        return;
    }
    // A quorum is back: read-only sessions end; their clients reconnect read-write.
    for (auto& [id, conn] : conns_) {
        if (conn.read_only) {
            close_conn(conn);
        }
    }
    if (is_leader()) {
        // Sessions get a full timeout from now: their servers report to us from here on.
        int64_t now = clock_->monotonic_ms();
        for (const tree::SessionInfo& s : tree_.sessions()) {
            tracker_.remove(s.session_id);  // a stale "closing" mark of an earlier term goes
            tracker_.add(s.session_id, s.timeout_ms, now);
        }
    }
    std::vector<std::string> held;
    held.swap(unsent_);
    for (std::string& payload : held) {
        propose_local(std::move(payload));
    }
}

void Pipeline::report_touches() {
    if (!has_leader() || is_leader() || touched_.empty()) {
        touched_.clear();
        return;
    }
    std::string payload(1, peer_touch);
    for (int64_t id : touched_) {
        put_u64_le(payload, static_cast<uint64_t>(id));
    }
    touched_.clear();
    peers_->send_peer(known_leader_, std::move(payload));
}

bool Pipeline::transfer_leadership() {
    if (!is_leader()) {
        return false;
    }
    NodeId target = core_->best_transfer_target();
    if (target == consensus::node_none) {
        return false;
    }
    auto started = core_->transfer_leader(target);
    if (!started.ok()) {
        return false;
    }
    spdlog::info("handing leadership to {}", target.value);
    process_ready();
    return true;
}

// ---- the Ready loop --------------------------------------------------------------------------

void Pipeline::process_ready() {
    if (core_->failed()) {
        // The core refuses all further work after a storage error (e.g. a snapshot it had to
        // send could not be read); a server that stayed up would serve ever staler reads.
        fail("the consensus core stopped after a storage error");
        return;
    }
    // Bounded: each Ready is advanced before the next; the core produces a finite backlog.
    for (int round = 0; round < 64 && core_->has_ready() && !failed_; ++round) {
        consensus::Ready ready = core_->ready();
        if (ready.snapshot) {
            install_leader_snapshot(*ready.snapshot);
            if (failed_) {
                return;
            }
        }
        Result<void> appended = log_store_->append(ready.entries);
        if (!appended.ok()) {
            fail("log append failed: " + appended.error().to_string());
            return;
        }
        if (ready.hard_state) {
            Result<void> saved = log_store_->save_hard_state(*ready.hard_state);
            if (!saved.ok()) {
                fail("saving the term and vote failed: " + saved.error().to_string());
                return;
            }
        }
        // A leader's appends leave before its own sync (Raft thesis §10.2.1): the followers
        // write in parallel with it, and the core counts the leader's own entries only once
        // advance() declares them stable. Term and vote are already durable (save_hard_state
        // syncs). Every other message waits for the sync.
        const bool leader_appends_early = is_leader();
        auto send = [this](const consensus::Message& m) {
            peers_->send_peer(static_cast<int64_t>(m.to.value),
                              std::string(1, peer_raft) + consensus::encode_message(m));
        };
        if (leader_appends_early) {
            for (const consensus::Message& m : ready.messages) {
                if (m.type == consensus::MessageType::append) {
                    send(m);
                }
            }
        }
        if (!ready.entries.empty() || ready.must_sync) {
            Result<void> synced = log_store_->sync();
            if (!synced.ok()) {
                fail("log sync failed: " + synced.error().to_string());
                return;
            }
            ++stats_.fsyncs;
            stats_.entries_written += static_cast<int64_t>(ready.entries.size());
        }
        for (const consensus::Message& m : ready.messages) {
            if (!(leader_appends_early && m.type == consensus::MessageType::append)) {
                send(m);
            }
        }
        int64_t applied = 0;
        for (const consensus::Entry& e : ready.committed) {
            apply_committed(e);
            ++applied;
        }
        core_->advance(ready);
        observe_leader();
        if (applied > 0) {
            maybe_snapshot_replica(applied);
        }
    }
}

void Pipeline::apply_committed(const consensus::Entry& e) {
    applied_index_ = static_cast<int64_t>(e.index.value);
    if (e.type != consensus::EntryType::normal) {
        // Noop and membership entries change no znode.
        if (env_.observer != nullptr) {
            env_.observer->before_apply(e, nullptr, tree_);
            env_.observer->after_apply(e, nullptr, tree_, false, 0);
        }
        return;
    }
    auto proposal = decode_proposal(e.data);
    if (!proposal) {
        // Committed by a majority, so every server sees the same bytes: skipping it keeps the
        // trees identical. It can only come from a peer bug.
        spdlog::error("committed entry {} does not decode; skipped", e.index.value);
        return;
    }
    InFlight in;
    bool mine = false;
    if (proposal->origin == config_.my_id) {
        // Ours, unless it was proposed by an earlier run of this server (sequence numbers
        // start at a random point per run; the entry must match as well).
        auto it = proposed_.find(proposal->seq);
        if (it != proposed_.end() && it->second.in.entry.type == proposal->entry.type &&
            it->second.in.entry.session_id == proposal->entry.session_id &&
            it->second.in.entry.xid == proposal->entry.xid) {
            in = std::move(it->second.in);
            proposed_.erase(it);
            mine = true;
        }
    }
    in.entry = std::move(proposal->entry);
    in.entry.zxid = static_cast<int64_t>(e.index.value);
    if (in.entry.type == OpCode::create_session) {
        note_session_id(in.entry.session_id);
    }
    if (env_.observer == nullptr) {
        apply_one(in);
        return;
    }
    const tree::Entry observed = in.entry;
    env_.observer->before_apply(e, &observed, tree_);
    const int32_t err = apply_one(in);
    env_.observer->after_apply(e, &observed, tree_, mine, err);
}

// The leader sent its snapshot: it replaces the tree and the log. Clients connected here
// reconnect and re-register their watches (setWatches delivers what they missed).
void Pipeline::install_leader_snapshot(const consensus::Snapshot& snapshot) {
    const std::string snap_dir = config_.data_dir + "/snapshots";
    tree::Options options{config_.extended_types_enabled, config_.enforce_quota,
                          config_.jute_max_buffer};
    auto restored = tree::DataTree::deserialize(snapshot.data, options);
    if (!restored.ok()) {
        fail("snapshot from the leader does not decode: " + restored.error().to_string());
        return;
    }
    snapshotter_->wait();
    const int64_t index = static_cast<int64_t>(snapshot.meta.index.value);
    Result<void> written = storage::write_snapshot(
        disk_, snap_dir, index, encode_replica_snapshot(snapshot.meta, snapshot.data));
    if (written.ok()) {
        written = log_store_->install_snapshot(snapshot.meta);
    }
    if (!written.ok()) {
        fail("installing the leader's snapshot failed: " + written.error().to_string());
        return;
    }
    tree_ = std::move(restored).value();
    applied_index_ = index;
    compacted_index_ = index;
    spdlog::info("installed the leader's snapshot at index {} ({} znodes)", index,
                 tree_.node_count());
    for (auto& [id, conn] : conns_) {
        close_conn(conn);
    }
    watches_ = watch::WatchTable();
    tracker_ = session::SessionTracker(config_.tick_time_ms);
    track_restored_sessions();
    if (env_.observer != nullptr) {
        env_.observer->snapshot_installed(snapshot.meta, tree_);
    }
}

// Starts a snapshot of the tree at the applied index when enough entries were applied, and
// compacts the in-memory log once a started snapshot is on disk.
void Pipeline::maybe_snapshot_replica(int64_t applied) {
    snapshotter_->poll();
    const int64_t done = snapshotter_->last_snapshot_zxid();
    if (done > compacted_index_) {
        auto it = snapshot_metas_.find(done);
        if (it != snapshot_metas_.end()) {
            Result<void> compacted = log_store_->compact(it->second);
            if (!compacted.ok()) {
                spdlog::warn("log compaction at {}: {}", done, compacted.error().to_string());
            } else {
                compacted_index_ = done;
            }
        }
        snapshot_metas_.erase(snapshot_metas_.begin(), snapshot_metas_.upper_bound(done));
    }
    if (applied == 0 || applied_index_ <= compacted_index_) {
        return;
    }
    auto meta = core_->snapshot_meta_at(LogIndex{static_cast<uint64_t>(applied_index_)}, 0);
    if (!meta.ok()) {
        return;
    }
    std::string prefix = encode_replica_snapshot(*meta, {});
    if (snapshotter_->maybe_start(tree_, applied, applied_index_, prefix)) {
        snapshot_metas_[applied_index_] = *meta;
    }
}

}  // namespace wd::server
