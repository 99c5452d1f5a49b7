#include "sim_server.h"

#include <cstdio>

#include "base/coding.h"
#include "proto/codec.h"
#include "server/peer_protocol.h"

namespace wd::sim {

using consensus::LogIndex;
using consensus::NodeId;
using consensus::RoleKind;
using proto::OpCode;
using server::decode_proposal;
using server::encode_proposal;
using server::Proposal;

namespace {

constexpr size_t unsent_max = 64;
constexpr int ready_rounds_max = 64;

}  // namespace

SimServer::SimServer(int id, consensus::Membership membership, const ServerKnobs& knobs,
                     ReplicaChecker& checker, ExpiryHook on_expiry)
    : Replica(id), membership_(std::move(membership)), knobs_(knobs), checker_(checker),
      on_expiry_(std::move(on_expiry)), tree_(tree::Options{}), tracker_(knobs.tick_ms) {
    checker_.watch_log(id_, &disk_.live(), &disk_.durable());
}

consensus::CoreConfig SimServer::core_config() const {
    consensus::CoreConfig c;
    c.id = NodeId{static_cast<uint64_t>(id_)};
    c.membership_initial = membership_;
    c.applied_index = LogIndex{static_cast<uint64_t>(applied_)};
    apply_knobs(knobs_, c);
    return c;
}

void SimServer::start(uint64_t seed, int64_t now_ms) {
    WD_ASSERT(!up());
    incarnation_ += 1;
    next_seq_ = incarnation_ << 32;
    const consensus::SnapshotMeta meta = disk_.live().snapshot_meta();
    tree_ = tree::DataTree(tree::Options{});
    applied_ = static_cast<int64_t>(meta.index.value);
    if (meta.index > LogIndex{0}) {
        auto data = disk_.live().snapshot_chunk(0, meta.size_bytes);
        auto restored = tree::DataTree::deserialize(data.value(), tree::Options{});
        if (!restored.ok()) {
            checker_.fail("server " + std::to_string(id_) + ": its snapshot does not load");
            return;
        }
        tree_ = std::move(restored).value();
    }
    auto core = consensus::Core::make(core_config(), disk_.live().hard_state(), disk_.live(),
                                      Rng(seed));
    if (!core.ok()) {
        checker_.fail("server " + std::to_string(id_) + " does not restart: " +
                      core.error().to_string());
        return;
    }
    core_.emplace(std::move(core).value());
    pending_.clear();
    unsent_.clear();
    touched_.clear();
    conns_.clear();  // a restarted process has no connections
    known_leader_ = 0;
    stopped_before_sync_ = false;
    crash_armed_ = false;
    reset_tracker(now_ms);
}

CrashLoss SimServer::crash(Rng& rng) {
    core_.reset();
    tree_ = tree::DataTree(tree::Options{});
    pending_.clear();
    unsent_.clear();
    peer_out_.clear();
    client_out_.clear();
    return disk_.crash(rng);
}

bool SimServer::is_leader() const { return core_ && core_->role() == RoleKind::leader; }

void SimServer::reset_tracker(int64_t now_ms) {
    tracker_ = session::SessionTracker(knobs_.tick_ms);
    for (const tree::SessionInfo& s : tree_.sessions()) {
        tracker_.add(s.session_id, s.timeout_ms, now_ms);
    }
}

// Proposals of a leader that is gone may or may not commit; their clients are told the
// connection was lost, as the real server closes their connections.
void SimServer::give_up_pending() {
    for (const auto& [seq, p] : pending_) {
        ClientReply r;
        r.kind = p.kind;
        r.client = p.client;
        r.conn = p.conn;
        r.xid = p.xid;
        r.op = p.op;
        r.lost = true;
        client_out_.push_back(std::move(r));
    }
    pending_.clear();
}

void SimServer::observe_leader(int64_t now_ms) {
    if (!core_) {
        return;
    }
    if (is_leader()) {
        checker_.observe_leader(core_->term().value, id_);
    }
    const int leader = static_cast<int>(core_->leader().value);
    if (leader == known_leader_) {
        return;
    }
    const int previous = known_leader_;
    known_leader_ = leader;
    if (previous != 0) {
        give_up_pending();
    }
    if (leader == 0) {
        return;
    }
    if (is_leader()) {
        // Every session gets a full timeout from now: its server reports to us from here on.
        reset_tracker(now_ms);
    }
    std::vector<std::string> held;
    held.swap(unsent_);
    for (std::string& payload : held) {
        propose_payload(std::move(payload));
    }
}

void SimServer::propose(const tree::Entry& entry, const Pending& pending) {
    const uint64_t seq = next_seq_++;
    pending_.emplace(seq, pending);
    propose_payload(encode_proposal(id_, seq, entry));
}

void SimServer::propose_payload(std::string payload) {
    if (is_leader()) {
        auto index = core_->propose(std::as_bytes(std::span(payload.data(), payload.size())));
        if (index.ok()) {
            return;
        }
    }
    if (known_leader_ != 0 && known_leader_ != id_) {
        PeerMessage m;
        m.kind = PeerMessage::Kind::forward;
        m.proposal = std::move(payload);
        peer_out_.emplace_back(known_leader_, std::move(m));
        return;
    }
    if (unsent_.size() < unsent_max) {
        unsent_.push_back(std::move(payload));
    }
}

void SimServer::touch(int64_t session_id, int64_t now_ms) {
    if (is_leader()) {
        static_cast<void>(tracker_.touch(session_id, now_ms));
    } else {
        touched_.push_back(session_id);
    }
}

void SimServer::tick(int64_t now_ms) {
    if (!core_) {
        return;
    }
    core_->tick();
    observe_leader(now_ms);
    if (++touch_elapsed_ >= knobs_.touch_every_ticks) {
        touch_elapsed_ = 0;
        if (known_leader_ != 0 && known_leader_ != id_ && !touched_.empty()) {
            PeerMessage m;
            m.kind = PeerMessage::Kind::touch;
            m.touches = touched_;
            peer_out_.emplace_back(known_leader_, std::move(m));
        }
        touched_.clear();
    }
    if (!is_leader()) {
        return;
    }
    for (int64_t session_id : tracker_.expired(now_ms)) {
        tree::Entry e;
        e.time_ms = now_ms;
        e.session_id = session_id;
        e.type = OpCode::close_session;
        Pending p;
        p.client = -1;
        p.op = on_expiry_(id_, session_id);
        propose(e, p);
    }
}

void SimServer::on_peer(int from, const PeerMessage& message, int64_t now_ms) {
    if (!core_) {
        return;
    }
    switch (message.kind) {
        case PeerMessage::Kind::raft: {
            // The written log and the commit index written with it: the core's own view
            // may already hold unwritten entries of this tick.
            checker_.observe_append(id_, core_->term(), disk_.live().hard_state().commit_index,
                                    disk_.live(), message.raft);
            if (checker_.failed()) {
                return;  // stepping it would trip the core's own assertion
            }
            static_cast<void>(core_->step(message.raft));
            break;
        }
        case PeerMessage::Kind::forward:
            if (is_leader() && decode_proposal(message.proposal)) {
                auto index = core_->propose(std::as_bytes(
                    std::span(message.proposal.data(), message.proposal.size())));
                WD_MAYBE(index.ok());
            }
            break;
        case PeerMessage::Kind::touch:
            if (is_leader()) {
                for (int64_t s : message.touches) {
                    static_cast<void>(tracker_.touch(s, now_ms));
                }
            }
            break;
    }
    static_cast<void>(from);
    observe_leader(now_ms);
}

// As src/server/pipeline_replica.cc on a graceful stop.
bool SimServer::transfer_leadership() {
    if (!core_ || !is_leader()) {
        return false;
    }
    const NodeId target = core_->best_transfer_target();
    return target != consensus::node_none && core_->transfer_leader(target).ok();
}

void SimServer::on_client(const ClientRequest& request, int64_t now_ms) {
    if (!core_) {
        return;
    }
    if (request.kind != ClientRequest::Kind::connect &&
        !conns_.contains({request.client, request.conn})) {
        // The connection died with an earlier incarnation of this server: reset.
        client_out_.push_back(lost_reply(request));
        return;
    }
    switch (request.kind) {
        case ClientRequest::Kind::connect: answer_connect(request, now_ms); return;
        case ClientRequest::Kind::read: answer_read(request); break;
        case ClientRequest::Kind::ping: {
            ClientReply r;
            r.kind = request.kind;
            r.client = request.client;
            r.conn = request.conn;
            r.zxid = applied_;
            client_out_.push_back(std::move(r));
            break;
        }
        case ClientRequest::Kind::write: {
            tree::Entry e;
            e.time_ms = now_ms;
            e.session_id = request.session_id;
            e.xid = request.xid;
            e.type = request.type;
            e.body = request.body;
            propose(e, Pending{request.kind, request.client, request.conn, request.xid,
                               request.op});
            break;
        }
    }
    touch(request.session_id, now_ms);
}

void SimServer::answer_connect(const ClientRequest& request, int64_t now_ms) {
    if (request.new_session) {
        conns_.emplace(request.client, request.conn);
        tree::Entry e;
        e.time_ms = now_ms;
        e.session_id = request.session_id;
        e.type = OpCode::create_session;
        e.body = tree::encode_create_session(
            tree::CreateSessionBody{request.timeout_ms, std::string(16, 'p')});
        propose(e, Pending{request.kind, request.client, request.conn, 0, request.op});
        return;
    }
    ClientReply r;
    r.kind = request.kind;
    r.client = request.client;
    r.conn = request.conn;
    r.zxid = applied_;
    if (applied_ < request.last_zxid_seen) {
        // ZooKeeper refuses a client that has seen a later zxid than this server holds.
        r.err = static_cast<int32_t>(Code::connection_loss);
    } else if (tree_.session(request.session_id) == nullptr) {
        r.err = static_cast<int32_t>(Code::session_expired);
    } else {
        conns_.emplace(request.client, request.conn);
        touch(request.session_id, now_ms);
    }
    client_out_.push_back(std::move(r));
}

void SimServer::answer_read(const ClientRequest& request) {
    ClientReply r;
    r.kind = request.kind;
    r.client = request.client;
    r.conn = request.conn;
    r.xid = request.xid;
    r.op = request.op;
    r.zxid = applied_;
    if (tree_.session(request.session_id) == nullptr) {
        r.err = static_cast<int32_t>(Code::session_expired);
    } else if (request.read_kind == OpKind::get) {
        auto got = tree_.get_data(request.path, tree::Identity{});
        if (got.ok()) {
            r.data = got->data.value_or("");
            r.version = got->stat.version;
            r.owner = got->stat.ephemeral_owner;
        } else {
            r.err = static_cast<int32_t>(got.error());
        }
    } else {
        auto stat = tree_.exists(request.path);
        if (stat.ok()) {
            r.version = stat->version;
            r.owner = stat->ephemeral_owner;
        } else {
            r.err = static_cast<int32_t>(stat.error());
        }
    }
    client_out_.push_back(std::move(r));
}

void SimServer::process_ready(int64_t now_ms) {
    for (int round = 0; round < ready_rounds_max && core_ && core_->has_ready(); ++round) {
        consensus::Ready ready = core_->ready();
        if (ready.snapshot) {
            disk_.install_snapshot(*ready.snapshot);
            install_snapshot(*ready.snapshot, now_ms);
        }
        if (knobs_.trace) {
            trace_ready(ready, now_ms);
        }
        // As the pipeline: a leader's appends leave before its own sync (thesis §10.2.1),
        // unless term or vote change in this Ready (those must be durable first).
        const consensus::HardState& durable = disk_.durable().hard_state();
        const bool term_or_vote = ready.hard_state && (ready.hard_state->term != durable.term ||
                                                       ready.hard_state->vote != durable.vote);
        const bool appends_early = is_leader() && !term_or_vote;
        auto send = [this](consensus::Message& m) {
            const int to = static_cast<int>(m.to.value);
            PeerMessage p;
            p.raft = std::move(m);
            peer_out_.emplace_back(to, std::move(p));
        };
        disk_.append(ready.entries);
        if (ready.hard_state) {
            disk_.set_hard_state(*ready.hard_state);
        }
        if (appends_early) {
            for (consensus::Message& m : ready.messages) {
                if (m.type == consensus::MessageType::append) {
                    send(m);
                }
            }
        }
        if (crash_armed_ && disk_.unsynced_writes() > 0) {
            stopped_before_sync_ = true;
            return;
        }
        if (ready.must_sync) {
            disk_.sync();
        }
        for (consensus::Message& m : ready.messages) {
            if (!(appends_early && m.type == consensus::MessageType::append)) {
                send(m);
            }
        }
        for (const consensus::Entry& e : ready.committed) {
            apply_committed(e, now_ms);
        }
        core_->advance(ready);
        observe_leader(now_ms);
        maybe_compact();
    }
}

void SimServer::trace_ready(const consensus::Ready& ready, int64_t now_ms) const {
    std::string line = "  s" + std::to_string(id_) + " ready t=" +
                       std::to_string(now_ms / knobs_.tick_ms) + ":";
    if (ready.hard_state) {
        line += " hs " + consensus::describe(*ready.hard_state);
    }
    if (ready.snapshot) {
        line += " snapshot " + consensus::describe(ready.snapshot->meta);
    }
    if (!ready.entries.empty()) {
        line += " entries " + std::to_string(ready.entries.front().index.value) + ".." +
                std::to_string(ready.entries.back().index.value) + " t" +
                std::to_string(ready.entries.back().term.value);
    }
    if (!ready.committed.empty()) {
        line += " apply .." + std::to_string(ready.committed.back().index.value);
    }
    line += ready.must_sync ? " sync" : "";
    std::printf("%s\n", line.c_str());
    for (const consensus::Message& m : ready.messages) {
        if (m.type == consensus::MessageType::heartbeat ||
            m.type == consensus::MessageType::heartbeat_response) {
            continue;
        }
        std::string text = consensus::describe(m);
        if (text.size() > 140) {
            text = text.substr(0, 140) + "...";
        }
        std::printf("    %s\n", text.c_str());
    }
}

void SimServer::install_snapshot(const consensus::Snapshot& snapshot, int64_t now_ms) {
    auto restored = tree::DataTree::deserialize(snapshot.data, tree::Options{});
    if (!restored.ok()) {
        checker_.fail("server " + std::to_string(id_) + ": the leader's snapshot at " +
                      std::to_string(snapshot.meta.index.value) + " does not load");
        return;
    }
    tree_ = std::move(restored).value();
    applied_ = static_cast<int64_t>(snapshot.meta.index.value);
    installs_ += 1;
    checker_.observe_tree(id_, snapshot.meta.index.value, tree_.digest(),
                          tree_.last_zxid());
    checker_.check_orphans(id_, tree_, knobs_.keys);
    reset_tracker(now_ms);
}

void SimServer::apply_committed(const consensus::Entry& e, int64_t now_ms) {
    WD_ASSERT(static_cast<int64_t>(e.index.value) == applied_ + 1);
    applied_ = static_cast<int64_t>(e.index.value);
    std::optional<Proposal> p;
    if (e.type == consensus::EntryType::normal) {
        p = decode_proposal(e.data);
        if (!p) {
            checker_.fail("server " + std::to_string(id_) + ": committed entry " +
                          std::to_string(applied_) + " does not decode");
            return;
        }
    }
    checker_.observe_applied(id_, e, p ? p->entry.session_id : 0, p ? p->entry.xid : 0);
    if (p) {
        p->entry.zxid = applied_;
        apply_tree_entry(std::move(p->entry), p->seq, p->origin == id_, now_ms);
    }
    checker_.observe_tree(id_, e.index.value, tree_.digest(), tree_.last_zxid());
}

void SimServer::apply_tree_entry(tree::Entry entry, uint64_t origin_seq, bool mine,
                                 int64_t now_ms) {
    const std::string prefix = "/";
    ReplicaChecker::EphemeralCounts c;
    c.total_before = tree_.ephemeral_count();
    c.session_before = tree_.get_ephemerals(entry.session_id, prefix).size();
    tree::ApplyResult result = tree_.apply(entry);
    c.total_after = tree_.ephemeral_count();
    c.session_after = tree_.get_ephemerals(entry.session_id, prefix).size();
    c.session_open_after = tree_.session(entry.session_id) != nullptr;
    checker_.observe_ephemerals(id_, entry, c);
    if (entry.type == OpCode::create_session && result.err == 0) {
        if (auto info = tree_.session(entry.session_id)) {
            tracker_.add(entry.session_id, info->timeout_ms, now_ms);
        }
    } else if (entry.type == OpCode::close_session) {
        tracker_.remove(entry.session_id);
        checker_.check_orphans(id_, tree_, knobs_.keys);
    }
    if (!mine) {
        return;
    }
    auto it = pending_.find(origin_seq);
    if (it == pending_.end()) {
        return;
    }
    ClientReply r;
    r.kind = it->second.kind;
    r.client = it->second.client;
    r.conn = it->second.conn;
    r.xid = it->second.xid;
    r.op = it->second.op;
    r.err = result.err;
    r.zxid = entry.zxid;
    if (entry.type == OpCode::set_data && result.err == 0) {
        auto stat = proto::decode_exact<proto::StatResponse>(result.body);
        r.version = stat.ok() ? stat->stat.version : -1;
    }
    pending_.erase(it);
    client_out_.push_back(std::move(r));
}

void SimServer::maybe_compact() {
    const uint64_t base = disk_.live().first_index().value - 1;
    const uint64_t applied = static_cast<uint64_t>(applied_);
    if (applied < base + knobs_.snapshot_every || applied > disk_.live().last_index().value) {
        return;
    }
    std::string data = tree_.serialize();
    auto meta = core_->snapshot_meta_at(LogIndex{applied}, data.size());
    if (!meta.ok()) {
        return;
    }
    auto done = disk_.compact(meta.value(), std::move(data));
    if (!done.ok()) {
        checker_.fail("server " + std::to_string(id_) + ": compaction at " +
                      std::to_string(applied) + " failed: " + done.error().to_string());
        return;
    }
    compactions_ += 1;
}

}  // namespace wd::sim
