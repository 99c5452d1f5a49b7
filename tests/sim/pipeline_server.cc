#include "pipeline_server.h"

#include "base/coding.h"
#include "consensus/codec.h"
#include "proto/codec.h"
#include "proto/frame.h"
#include "server/peer_protocol.h"
#include "storage/snapshot.h"

namespace wd::sim {

using proto::OpCode;

namespace {

using server::peer_forward;
using server::peer_raft;
using server::peer_touch;

constexpr const char* data_dir = "data";

int32_t code(Code c) {
    return static_cast<int32_t>(c);
}

}  // namespace

// ---- SessionNames --------------------------------------------------------------------------

void SessionNames::bind(int64_t name, int64_t id, std::string passwd) {
    by_name_[name] = Real{id, std::move(passwd)};
    by_id_[id] = name;
}

const SessionNames::Real* SessionNames::real(int64_t name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &it->second;
}

int64_t SessionNames::name(int64_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? id : it->second;
}

// ---- PipelineServer ------------------------------------------------------------------------

PipelineServer::PipelineServer(int id, int servers, const ServerKnobs& knobs,
                               ReplicaChecker& checker, ExpiryHook on_expiry,
                               SessionNames& names)
    : Replica(id), knobs_(knobs), checker_(checker), on_expiry_(std::move(on_expiry)),
      names_(names) {
    // tickTime is two simulated ticks: the core ticks every tickTime/2, once per tick.
    config_.tick_time_ms = static_cast<int32_t>(2 * knobs.tick_ms);
    config_.data_dir = data_dir;
    config_.data_log_dir = data_dir;
    config_.min_session_timeout_ms = 1;
    config_.max_session_timeout_ms = 600'000;
    // A follower that has not heard from its leader for election_ticks ticks stops serving.
    config_.sync_limit = static_cast<int32_t>(std::max<uint32_t>(1, knobs.election_ticks / 2));
    // Snapshot after snapCount/2+1 .. snapCount applied entries.
    config_.snap_count = static_cast<int64_t>(2 * knobs.snapshot_every);
    config_.snap_retain_count = 3;
    config_.my_id = id;
    config_.standalone_enabled = false;
    for (int s = 1; s <= servers; ++s) {
        server::ServerSpec spec;
        spec.id = s;
        spec.host = "127.0.0.1";
        spec.peer_port = static_cast<uint16_t>(3000 + s);
        spec.election_port = static_cast<uint16_t>(4000 + s);
        config_.servers.push_back(spec);
    }
    load_durable_log();
}

PipelineServer::~PipelineServer() = default;

void PipelineServer::start(uint64_t seed, int64_t now_ms) {
    WD_ASSERT(!up());
    clock_.set(now_ms);
    durable_log_.reset();
    conn_ids_.clear();
    conns_.clear();
    to_disconnect_.clear();
    expiring_.clear();
    created_at_.clear();
    campaign_at_ms_.reset();
    disk_.set_interrupt_syncs(false);
    crash_armed_ = false;
    server::PipelineEnv env;
    env.disk = &disk_;
    env.snapshot_in_process = true;
    // Small segments: rolls, preallocation and purges happen within a run, and the in-memory
    // disk does not copy megabytes of padding.
    env.wal.segment_size_max = 16 << 10;
    env.wal.preallocate_bytes = 4 << 10;
    env.observer = this;
    const ServerKnobs knobs = knobs_;
    env.tune_core = [knobs](consensus::CoreConfig& c) { apply_knobs(knobs, c); };
    auto opened = server::Pipeline::open(config_, &clock_, this, seed, this, std::move(env));
    if (!opened.ok()) {
        checker_.fail("server " + std::to_string(id_) + " does not recover: " +
                      opened.error().to_string());
        load_durable_log();
        return;
    }
    pipeline_ = std::move(opened).value();
    snapshot_index_ = pipeline_->log()->snapshot_meta().index.value;
    checker_.watch_log(id_, pipeline_->log(), pipeline_->log());
}

CrashLoss PipelineServer::crash(Rng& rng) {
    pipeline_.reset();
    conn_ids_.clear();
    conns_.clear();
    to_disconnect_.clear();
    peer_out_.clear();
    client_out_.clear();
    disk_.set_interrupt_syncs(false);
    crash_armed_ = false;
    disk_.crash_torn(rng.next());
    load_durable_log();
    return CrashLoss{};
}

// What the server would find on its disk now: the newest snapshot's meta and the log after it.
void PipelineServer::load_durable_log() {
    durable_log_.reset();
    const std::string dir = data_dir;
    static_cast<void>(disk_.create_dir(dir));
    static_cast<void>(disk_.create_dir(dir + "/snapshots"));
    static_cast<void>(disk_.create_dir(dir + "/log"));
    consensus::SnapshotMeta meta;
    auto snapshot = storage::load_newest_snapshot(&disk_, dir + "/snapshots");
    if (snapshot.ok() && snapshot->has_value()) {
        if (auto view = server::decode_replica_snapshot((*snapshot)->body.view())) {
            meta = view->meta;
        }
    }
    auto store = server::LogStore::open(&disk_, dir + "/log", dir + "/snapshots",
                                        dir + "/raft-state", meta, storage::WalOptions{},
                                        /*read_only=*/true);
    if (!store.ok()) {
        checker_.fail("server " + std::to_string(id_) + ": its log does not load: " +
                      store.error().to_string());
        return;
    }
    durable_log_ = std::move(store).value();
    checker_.watch_log(id_, durable_log_.get(), durable_log_.get());
}

const consensus::LogStorage& PipelineServer::log() const {
    return *pipeline_->log();
}

void PipelineServer::arm_crash_before_sync() {
    crash_armed_ = true;
    disk_.set_interrupt_syncs(true);
}

void PipelineServer::disarm_crash() {
    crash_armed_ = false;
    disk_.set_interrupt_syncs(false);
}

void PipelineServer::settle() {
    while (!to_disconnect_.empty()) {
        std::vector<server::ConnId> ids;
        ids.swap(to_disconnect_);
        for (server::ConnId id : ids) {
            if (pipeline_) {
                pipeline_->on_disconnect(id);
            }
        }
    }
    if (!pipeline_ || pipeline_->log() == nullptr) {
        return;
    }
    const consensus::Core& core = *pipeline_->core();
    if (!crash_armed_ && (core.failed() || pipeline_->failed())) {
        // Only an injected fsync failure may stop a server.
        checker_.fail("server " + std::to_string(id_) + " stopped without a storage fault: " +
                      (pipeline_->failed() ? "the pipeline failed" : "its consensus core failed"));
        return;
    }
    if (core.role() == consensus::RoleKind::leader) {
        checker_.observe_leader(core.term().value, id_);
    }
    const uint64_t index = pipeline_->log()->snapshot_meta().index.value;
    if (index > snapshot_index_) {
        compactions_ += 1;  // a local snapshot or the leader's: counted apart in installs_
        snapshot_index_ = index;
    }
}

void PipelineServer::tick(int64_t now_ms) {
    if (!up() || pipeline_->failed()) {
        return;
    }
    clock_.set(now_ms);
    pipeline_->on_core_tick();
    pipeline_->on_timer();
    if (campaign_at_ms_ && *campaign_at_ms_ <= now_ms) {
        campaign_at_ms_.reset();
        pipeline_->campaign_if_leaderless();
    }
    settle();
}

void PipelineServer::on_peer_down(int peer, int64_t now_ms) {
    if (!up() || pipeline_->failed()) {
        return;
    }
    clock_.set(now_ms);
    if (auto delay = pipeline_->on_peer_down(peer)) {
        campaign_at_ms_ = now_ms + *delay;
    }
    settle();
}

bool PipelineServer::transfer_leadership() {
    if (!up() || pipeline_->failed()) {
        return false;
    }
    const bool started = pipeline_->transfer_leadership();
    settle();
    return started;
}

void PipelineServer::process_ready(int64_t now_ms) {
    if (!up() || pipeline_->failed()) {
        return;
    }
    clock_.set(now_ms);
    pipeline_->flush();
    settle();
}

// ---- peers ---------------------------------------------------------------------------------

void PipelineServer::on_peer(int from, const PeerMessage& message, int64_t now_ms) {
    if (!up() || pipeline_->failed()) {
        return;
    }
    clock_.set(now_ms);
    std::string payload;
    switch (message.kind) {
        case PeerMessage::Kind::raft: {
            // The written log and the commit index written with it: the core's own view
            // may already hold entries that the next flush writes.
            checker_.observe_append(id_, pipeline_->core()->term(),
                                    pipeline_->log()->hard_state().commit_index,
                                    *pipeline_->log(), message.raft);
            if (checker_.failed()) {
                return;  // stepping it would trip the core's own assertion
            }
            payload = std::string(1, peer_raft) + consensus::encode_message(message.raft);
            break;
        }
        case PeerMessage::Kind::forward:
            payload = std::string(1, peer_forward) + message.proposal;
            break;
        case PeerMessage::Kind::touch:
            payload = std::string(1, peer_touch);
            for (int64_t s : message.touches) {
                put_u64_le(payload, static_cast<uint64_t>(s));
            }
            break;
    }
    pipeline_->on_peer(from, payload);
    settle();
}

void PipelineServer::send_peer(int64_t to, std::string payload) {
    if (payload.empty()) {
        return;
    }
    PeerMessage m;
    std::string_view body(payload);
    body.remove_prefix(1);
    switch (payload.front()) {
        case peer_raft: {
            auto decoded = consensus::decode_message(body);
            if (!decoded) {
                checker_.fail("server " + std::to_string(id_) +
                              " sent a consensus message that does not decode");
                return;
            }
            m.kind = PeerMessage::Kind::raft;
            m.raft = std::move(*decoded);
            break;
        }
        case peer_forward:
            m.kind = PeerMessage::Kind::forward;
            m.proposal = std::string(body);
            break;
        case peer_touch:
            m.kind = PeerMessage::Kind::touch;
            for (size_t i = 0; i + 8 <= body.size(); i += 8) {
                m.touches.push_back(static_cast<int64_t>(load_u64_le(body.data() + i)));
            }
            break;
        default:
            checker_.fail("server " + std::to_string(id_) + " sent an unknown peer message");
            return;
    }
    peer_out_.emplace_back(static_cast<int>(to), std::move(m));
}

// ---- clients -------------------------------------------------------------------------------

ClientReply PipelineServer::reply_to(const Conn& conn, ClientRequest::Kind kind,
                                     uint64_t op) const {
    ClientReply r;
    r.kind = kind;
    r.client = conn.client;
    r.conn = conn.client_conn;
    r.op = op;
    return r;
}

void PipelineServer::lose(const Conn& conn, const Pending& p) {
    ClientReply r = reply_to(conn, p.kind, p.op);
    r.xid = p.xid;
    r.lost = true;
    client_out_.push_back(std::move(r));
}

void PipelineServer::frame_in(server::ConnId id, std::string payload) {
    pipeline_->on_frame(id, payload);
}

void PipelineServer::on_client(const ClientRequest& request, int64_t now_ms) {
    if (!up() || pipeline_->failed()) {
        return;
    }
    clock_.set(now_ms);
    const std::pair<int, uint64_t> key{request.client, request.conn};
    auto known = conn_ids_.find(key);
    if (request.kind != ClientRequest::Kind::connect &&
        (known == conn_ids_.end() || conns_.at(known->second).closed)) {
        // The connection is gone (closed by the server, or by an earlier incarnation).
        client_out_.push_back(lost_reply(request));
        return;
    }
    if (request.kind == ClientRequest::Kind::connect) {
        const server::ConnId id = next_conn_id_++;
        conn_ids_[key] = id;
        Conn& conn = conns_[id];
        conn.client = request.client;
        conn.client_conn = request.conn;
        conn.session_name = request.session_id;
        conn.new_session = request.new_session;
        conn.connect_op = request.op;
        proto::ConnectRequest connect;
        connect.last_zxid_seen = request.last_zxid_seen;
        connect.timeout_ms = request.timeout_ms;
        connect.passwd = std::string(16, '\0');
        if (!request.new_session) {
            const SessionNames::Real* real = names_.real(request.session_id);
            WD_ASSERT(real != nullptr);  // the client learned it from a connect reply
            connect.session_id = real->id;
            connect.passwd = real->passwd;
        }
        pipeline_->on_connect(id, "127.0.0.1", static_cast<uint16_t>(40000 + request.client));
        std::string bytes;
        proto::JuteWriter w(bytes);
        proto::encode(w, connect);
        frame_in(id, std::move(bytes));
        settle();
        return;
    }
    const server::ConnId id = known->second;
    Conn& conn = conns_.at(id);
    Pending p;
    p.kind = request.kind;
    p.op = request.op;
    std::string bytes;
    proto::JuteWriter w(bytes);
    switch (request.kind) {
        case ClientRequest::Kind::connect: break;
        case ClientRequest::Kind::ping:
            proto::encode(w, proto::RequestHeader{-2, static_cast<int32_t>(OpCode::ping)});
            conn.pending[-2] = p;
            break;
        case ClientRequest::Kind::write:
            p.xid = request.xid;
            proto::encode(w, proto::RequestHeader{request.xid, static_cast<int32_t>(request.type)});
            bytes += request.body;
            conn.pending[request.xid] = p;
            break;
        case ClientRequest::Kind::read: {
            p.read_kind = request.read_kind;
            p.path = request.path;
            const int32_t xid = conn.next_read_xid++;
            const OpCode type = request.read_kind == OpKind::get ? OpCode::get_data
                                                                 : OpCode::exists;
            proto::encode(w, proto::RequestHeader{xid, static_cast<int32_t>(type)});
            proto::encode(w, proto::ExistsRequest{request.path, true});
            conn.pending[xid] = p;
            break;
        }
    }
    frame_in(id, std::move(bytes));
    settle();
}

void PipelineServer::send(server::ConnId id, std::string frame) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.closed) {
        return;
    }
    std::string_view payload(frame);
    if (payload.size() < 4) {
        checker_.fail("server " + std::to_string(id_) + " sent a frame without a length");
        return;
    }
    payload.remove_prefix(4);
    if (!it->second.handshaken) {
        answer_connect(it->second, payload);
    } else {
        answer(it->second, payload);
    }
}

void PipelineServer::answer_connect(Conn& conn, std::string_view payload) {
    auto response = proto::decode_connect_response(payload);
    if (!response.ok()) {
        checker_.fail("server " + std::to_string(id_) + ": a connect response does not decode");
        return;
    }
    ClientReply r = reply_to(conn, ClientRequest::Kind::connect, conn.connect_op);
    if (response->session_id == 0) {
        r.err = code(Code::session_expired);
        client_out_.push_back(std::move(r));
        return;
    }
    conn.handshaken = true;
    if (conn.new_session) {
        names_.bind(conn.session_name, response->session_id, response->passwd);
        auto created = created_at_.find(response->session_id);
        r.zxid = created == created_at_.end() ? 0 : created->second;
    }
    client_out_.push_back(std::move(r));
}

void PipelineServer::answer(Conn& conn, std::string_view payload) {
    proto::JuteReader reader(payload);
    const proto::ReplyHeader header = proto::decode<proto::ReplyHeader>(reader);
    if (!reader.ok()) {
        checker_.fail("server " + std::to_string(id_) + ": a reply header does not decode");
        return;
    }
    if (header.xid == -1) {
        check_notification(conn, payload.substr(reader.position()));
        return;
    }
    auto it = conn.pending.find(header.xid);
    if (it == conn.pending.end()) {
        checker_.fail("server " + std::to_string(id_) + ": a reply to xid " +
                      std::to_string(header.xid) + " that nobody sent");
        return;
    }
    const Pending p = it->second;
    conn.pending.erase(it);
    ClientReply r = reply_to(conn, p.kind, p.op);
    r.xid = p.xid;
    r.err = header.err;
    r.zxid = header.zxid;
    const std::string_view body = payload.substr(reader.position());
    if (p.kind == ClientRequest::Kind::read && header.err == 0) {
        if (p.read_kind == OpKind::get) {
            auto got = proto::decode_exact<proto::GetDataResponse>(body);
            if (!got.ok()) {
                checker_.fail("server " + std::to_string(id_) + ": a getData reply does not decode");
                return;
            }
            r.data = got->data.value_or("");
            r.version = got->stat.version;
            r.owner = names_.name(got->stat.ephemeral_owner);
            check_read(conn, p, header.err, &got->stat);
        } else {
            auto stat = proto::decode_exact<proto::StatResponse>(body);
            if (!stat.ok()) {
                checker_.fail("server " + std::to_string(id_) + ": an exists reply does not decode");
                return;
            }
            r.version = stat->stat.version;
            r.owner = names_.name(stat->stat.ephemeral_owner);
            check_read(conn, p, header.err, &stat->stat);
        }
    }
    if (p.kind == ClientRequest::Kind::read && header.err == code(Code::no_node)) {
        check_read(conn, p, header.err, nullptr);
    }
    if (p.kind == ClientRequest::Kind::write && header.err == 0) {
        // setData answers with the node's Stat: the workload keeps the version it saw.
        if (auto stat = proto::decode_exact<proto::StatResponse>(body); stat.ok()) {
            r.version = stat->stat.version;
        }
    }
    client_out_.push_back(std::move(r));
}

void PipelineServer::check_read(Conn& conn, const Pending& p, int32_t err,
                                const proto::Stat* stat) {
    const Seen now{stat != nullptr, stat != nullptr ? stat->mzxid : 0};
    auto it = conn.watches.find(p.path);
    if (it != conn.watches.end() && !(it->second == now)) {
        checker_.fail("watch: server " + std::to_string(id_) + " answered a read of " + p.path +
                      " with " + (now.exists ? "mzxid " + std::to_string(now.mzxid) : "no node") +
                      " before the notification of the watch set when it was " +
                      (it->second.exists ? "mzxid " + std::to_string(it->second.mzxid)
                                         : "absent"));
        return;
    }
    // getData leaves no watch on a missing node; exists does.
    if (err == 0 || p.read_kind == OpKind::exists) {
        conn.watches[p.path] = now;
    }
}

void PipelineServer::check_notification(Conn& conn, std::string_view body) {
    auto event = proto::decode_exact<proto::WatcherEvent>(body);
    if (!event.ok()) {
        checker_.fail("server " + std::to_string(id_) + ": a notification does not decode");
        return;
    }
    auto it = conn.watches.find(event->path);
    if (it == conn.watches.end()) {
        checker_.fail("watch: server " + std::to_string(id_) + " notified " + event->path +
                      " (type " + std::to_string(event->type) + ") without a watch set");
        return;
    }
    const auto type = static_cast<proto::EventType>(event->type);
    const bool fits = it->second.exists ? (type == proto::EventType::node_data_changed ||
                                           type == proto::EventType::node_deleted)
                                        : type == proto::EventType::node_created;
    if (!fits) {
        checker_.fail("watch: server " + std::to_string(id_) + " notified " + event->path +
                      " with type " + std::to_string(event->type) + " for a watch set when it " +
                      (it->second.exists ? "existed" : "was absent"));
        return;
    }
    conn.watches.erase(it);
    watch_events_ += 1;
}

void PipelineServer::close(server::ConnId id) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.closed) {
        return;
    }
    Conn& conn = it->second;
    conn.closed = true;
    if (!conn.handshaken) {
        Pending connect;
        connect.kind = ClientRequest::Kind::connect;
        connect.op = conn.connect_op;
        lose(conn, connect);
    }
    for (const auto& [xid, p] : conn.pending) {
        lose(conn, p);
    }
    conn.pending.clear();
    to_disconnect_.push_back(id);
}

// ---- what the pipeline applies -------------------------------------------------------------

void PipelineServer::before_apply(const consensus::Entry& raw, const tree::Entry* entry,
                                  const tree::DataTree& tree) {
    static_cast<void>(raw);
    if (entry == nullptr) {
        return;
    }
    counts_ = ReplicaChecker::EphemeralCounts{};
    counts_.total_before = tree.ephemeral_count();
    counts_.session_before = tree.get_ephemerals(entry->session_id, "/").size();
}

void PipelineServer::after_apply(const consensus::Entry& raw, const tree::Entry* entry,
                                 const tree::DataTree& tree, bool mine, int32_t err) {
    checker_.observe_applied(id_, raw, entry ? names_.name(entry->session_id) : 0,
                             entry ? entry->xid : 0);
    if (entry != nullptr) {
        counts_.total_after = tree.ephemeral_count();
        counts_.session_after = tree.get_ephemerals(entry->session_id, "/").size();
        counts_.session_open_after = tree.session(entry->session_id) != nullptr;
        checker_.observe_ephemerals(id_, *entry, counts_);
        if (entry->type == OpCode::create_session) {
            created_at_[entry->session_id] = entry->zxid;
        } else if (entry->type == OpCode::close_session) {
            checker_.check_orphans(id_, tree, knobs_.keys);
            // This server's expiry proposal (xid 0) answers the close it recorded.
            auto it = expiring_.find(entry->session_id);
            if (it != expiring_.end() && entry->xid == 0 && mine) {
                ClientReply r;
                r.client = -1;
                r.op = it->second;
                r.zxid = entry->zxid;
                r.err = err;
                client_out_.push_back(std::move(r));
                expiring_.erase(it);
            }
        }
    }
    checker_.observe_tree(id_, raw.index.value, tree.digest(), tree.last_zxid());
}

void PipelineServer::snapshot_installed(const consensus::SnapshotMeta& meta,
                                        const tree::DataTree& tree) {
    installs_ += 1;
    checker_.observe_tree(id_, meta.index.value, tree.digest(), tree.last_zxid());
    checker_.check_orphans(id_, tree, knobs_.keys);
}

void PipelineServer::expiring(int64_t session_id) {
    if (expiring_.contains(session_id)) {
        return;
    }
    expiring_[session_id] = on_expiry_(id_, names_.name(session_id));
}

}  // namespace wd::sim
