#include "server/pipeline.h"
#include "server/log_store.h"

#include <spdlog/spdlog.h>

#include "proto/codec.h"
#include "server/frames.h"
#include "server/snapshotter.h"
#include "tree/acl.h"

namespace wd::server {

using proto::OpCode;

namespace {
// The xid of the internal sync that re-checks an unknown session (never a client's xid:
// clients count up from 0 or use the small negative special xids).
constexpr int32_t revalidate_xid = INT32_MIN;
}  // namespace

Pipeline::Pipeline(const Config& config, Clock* clock, Sink* sink, uint64_t seed,
                   PeerSink* peers, PipelineEnv env)
    : config_(config),
      clock_(clock),
      sink_(sink),
      rng_(seed),
      tree_(tree::Options{config.extended_types_enabled, config.enforce_quota,
                          config.jute_max_buffer}),
      tracker_(config.tick_time_ms),
      env_(std::move(env)),
      peers_(peers) {
    if (!config.super_digest.empty()) {
        super_id_ = config.super_digest;
    }
}

Pipeline::~Pipeline() = default;

Result<std::unique_ptr<Pipeline>> Pipeline::open(const Config& config, Clock* clock, Sink* sink,
                                                 uint64_t seed, PeerSink* peers,
                                                 PipelineEnv env) {
    WD_ASSERT(!config.ensemble() || peers != nullptr);
    std::unique_ptr<Pipeline> p(new Pipeline(config, clock, sink, seed, peers, std::move(env)));
    WD_TRY(config.ensemble() ? p->recover_replica() : p->recover());
    p->stats_.started_ms = clock->wall_ms();
    return p;
}

// ---- connections -------------------------------------------------------------------------

void Pipeline::on_connect(ConnId id, std::string remote_ip, uint16_t remote_port) {
    Conn& conn = conns_[id];
    conn.id = id;
    conn.remote_ip = std::move(remote_ip);
    conn.remote_port = remote_port;
    conn.identity.ids.push_back(proto::Id{"ip", conn.remote_ip});
    conn.stats.established_ms = clock_->wall_ms();
}

void Pipeline::on_disconnect(ConnId id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) {
        return;
    }
    detach_session(it->second);
    conns_.erase(it);
}

// The session stays alive until it expires or is closed; only its watches go with the
// connection (the client re-registers them with setWatches on its next connection).
void Pipeline::detach_session(Conn& conn) {
    if (conn.session_id == 0) {
        return;
    }
    auto it = session_conns_.find(conn.session_id);
    if (it != session_conns_.end() && it->second == conn.id) {
        session_conns_.erase(it);
        watches_.remove_session(conn.session_id);
    }
}

void Pipeline::close_conn(Conn& conn) {
    if (conn.closing) {
        return;
    }
    conn.closing = true;
    detach_session(conn);
    sink_->close(conn.id);
}

Pipeline::Conn* Pipeline::conn_of_session(int64_t session_id) {
    auto it = session_conns_.find(session_id);
    if (it == session_conns_.end()) {
        return nullptr;
    }
    auto c = conns_.find(it->second);
    return c == conns_.end() ? nullptr : &c->second;
}

void Pipeline::on_frame(ConnId id, std::string_view payload) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.closing || shutting_down_) {
        return;
    }
    Conn& conn = it->second;
    ++stats_.packets_received;
    ++conn.stats.packets_received;
    if (!conn.handshaken) {
        if (!conn.pending_connect.empty()) {
            if (conn.early_frames.size() >= limits::pending_requests_per_session_max) {
                close_conn(conn);
                return;
            }
            conn.early_frames.emplace_back(payload);
            return;
        }
        handle_connect(conn, payload);
        return;
    }
    proto::JuteReader r(payload);
    proto::RequestHeader header = proto::decode<proto::RequestHeader>(r);
    if (!r.ok()) {
        spdlog::warn("connection {}: truncated request header, closing", conn.remote_ip);
        close_conn(conn);
        return;
    }
    tracker_.touch(conn.session_id, clock_->monotonic_ms());
    if (core_ && !is_leader()) {
        touched_.insert(conn.session_id);
    }
    Request request{header.xid, static_cast<OpCode>(header.type),
                    std::string(payload.substr(r.position())), clock_->monotonic_us()};
    handle_request(conn, std::move(request));
}

// ---- handshake ---------------------------------------------------------------------------

void Pipeline::handle_connect(Conn& conn, std::string_view payload) {
    auto request = proto::decode_connect_request(payload);
    if (!request.ok()) {
        spdlog::warn("connection {}: bad connect request ({}), closing", conn.remote_ip,
                     request.error().to_string());
        close_conn(conn);
        return;
    }
    // A server of an ensemble serves only while it follows a leader (DESIGN.md §1); the
    // client moves on to another server, unless it accepts a read-only server and
    // readonlymode.enabled is set.
    if (core_ && !has_leader()) {
        if (config_.read_only_mode_enabled && request->read_only) {
            connect_read_only(conn, *request);
            return;
        }
        close_conn(conn);
        return;
    }
    // A client that has seen a newer state than ours must not read from us (DESIGN.md §1).
    if (request->last_zxid_seen > tree_.last_zxid()) {
        spdlog::info("refusing session for {}: client has seen zxid {:#x}, ours is {:#x}",
                     conn.remote_ip, request->last_zxid_seen, tree_.last_zxid());
        close_conn(conn);
        return;
    }
    conn.has_read_only = request->has_read_only;
    int32_t timeout = std::clamp(request->timeout_ms, config_.min_session_timeout(),
                                 config_.max_session_timeout());
    conn.timeout_ms = timeout;
    if (request->session_id == 0) {
        std::string passwd(16, '\0');
        for (char& c : passwd) {
            c = static_cast<char>(rng_.below(256));
        }
        conn.handshaken = true;
        // The id is fixed now: requests the client pipelines behind its handshake are
        // logged after the create_session entry and must carry the same session.
        conn.session_id = next_session_id();
        tree::CreateSessionBody body{timeout, passwd};
        submit(&conn, OpCode::create_session, tree::encode_create_session(body), 0,
               clock_->monotonic_us());
        batch_.back().connect_passwd = passwd;
        batch_.back().connect_read_only = request->read_only;
        return;
    }
    const tree::SessionInfo* session = tree_.session(request->session_id);
    if (core_ && session == nullptr && !conn.revalidated) {
        // Created through another server and not applied here yet? A sync through the log
        // brings this server up to the leader's commit point before the verdict.
        conn.revalidated = true;
        conn.pending_connect = std::string(payload);
        submit(&conn, OpCode::sync, proto::encode_to_string(proto::SyncRequest{"/"}),
               revalidate_xid, clock_->monotonic_us());
        return;
    }
    bool valid = session != nullptr && session->passwd == request->passwd &&
                 !tracker_.closing(request->session_id);
    if (!valid) {
        // An expired or unknown session: timeOut 0 and sessionId 0 tell the client.
        proto::ConnectResponse response{0, 0, 0, std::string(16, '\0'), false};
        response.has_read_only = conn.has_read_only;
        sink_->send(conn.id, connect_frame(response));
        close_conn(conn);
        return;
    }
    if (Conn* old = conn_of_session(request->session_id); old != nullptr && old != &conn) {
        close_conn(*old);
    }
    conn.handshaken = true;
    conn.session_id = request->session_id;
    conn.timeout_ms = session->timeout_ms;
    session_conns_[conn.session_id] = conn.id;
    tracker_.touch(conn.session_id, clock_->monotonic_ms());
    proto::ConnectResponse response{0, session->timeout_ms, conn.session_id, session->passwd,
                                    false};
    response.has_read_only = conn.has_read_only;
    sink_->send(conn.id, connect_frame(response));
}

void Pipeline::finish_revalidation(Conn& conn) {
    std::string connect = std::move(conn.pending_connect);
    conn.pending_connect.clear();
    std::vector<std::string> early = std::move(conn.early_frames);
    conn.early_frames.clear();
    handle_connect(conn, connect);
    for (const std::string& frame : early) {
        if (conn.closing || !conn.handshaken) {
            return;
        }
        on_frame(conn.id, frame);
    }
}

bool Pipeline::serving_read_only() const {
    return core_ && config_.read_only_mode_enabled && !has_leader();
}

// ZooKeeper's read-only mode: a session with this server alone, reads only. A new session
// gets an id the ensemble does not know (the client starts a fresh session once it reaches a
// server with a quorum); a known session keeps its id but is not kept alive by it.
void Pipeline::connect_read_only(Conn& conn, const proto::ConnectRequest& request) {
    conn.has_read_only = request.has_read_only;
    conn.read_only = true;
    conn.handshaken = true;
    int32_t timeout = std::clamp(request.timeout_ms, config_.min_session_timeout(),
                                 config_.max_session_timeout());
    std::string passwd(16, '\0');
    int64_t session_id = 0;
    const tree::SessionInfo* known =
        request.session_id != 0 ? tree_.session(request.session_id) : nullptr;
    if (known != nullptr && known->passwd == request.passwd) {
        session_id = known->session_id;
        passwd = known->passwd;
        timeout = known->timeout_ms;
    } else {
        for (char& c : passwd) {
            c = static_cast<char>(rng_.below(256));
        }
        session_id = next_session_id();
    }
    if (Conn* old = conn_of_session(session_id); old != nullptr && old != &conn) {
        close_conn(*old);
    }
    conn.session_id = session_id;
    conn.timeout_ms = timeout;
    session_conns_[session_id] = conn.id;
    proto::ConnectResponse response{0, timeout, session_id, passwd, true};
    response.has_read_only = conn.has_read_only;
    sink_->send(conn.id, connect_frame(response));
}

void Pipeline::note_session_id(int64_t session_id) {
    if ((static_cast<uint64_t>(session_id) >> 56) == static_cast<uint64_t>(config_.my_id)) {
        last_session_id_ = std::max(last_session_id_, session_id);
    }
}

int64_t Pipeline::next_session_id() {
    // ZooKeeper's layout: server id (0 for standalone) in the high byte, then time-based bits,
    // so ids from before a restart are not reused.
    int64_t base = static_cast<int64_t>((static_cast<uint64_t>(clock_->wall_ms()) << 24) >> 8) |
                   static_cast<int64_t>(static_cast<uint64_t>(config_.my_id) << 56);
    int64_t id = std::max(base, last_session_id_ + 1);
    while (tree_.session(id) != nullptr) {
        ++id;
    }
    last_session_id_ = id;
    return id;
}

// ---- requests ----------------------------------------------------------------------------

void Pipeline::handle_request(Conn& conn, Request request) {
    if (!conn.waiting.empty() || (conn.outstanding_writes > 0 && !proto::is_write(request.type))) {
        if (conn.waiting.size() >= limits::pending_requests_per_session_max) {
            spdlog::warn("session {:#x}: too many pending requests, closing", conn.session_id);
            close_conn(conn);
            return;
        }
        conn.waiting.push_back(std::move(request));
        return;
    }
    if (!execute(conn, request)) {
        conn.waiting.push_back(std::move(request));
    }
}

void Pipeline::drain_waiting(Conn& conn) {
    for (size_t i = 0; i < limits::pending_requests_per_session_max && !conn.waiting.empty(); ++i) {
        if (!execute(conn, conn.waiting.front())) {
            return;
        }
        conn.waiting.pop_front();
        if (conn.closing) {
            return;
        }
    }
}

bool Pipeline::execute(Conn& conn, Request& request) {
    if (conn.read_only && (proto::is_write(request.type) || request.type == OpCode::sync)) {
        if (request.type == OpCode::close_session) {
            send_reply(conn, request.xid, tree_.last_zxid(), 0, {}, request.received_us);
            close_conn(conn);
            return true;
        }
        send_reply(conn, request.xid, tree_.last_zxid(), static_cast<int32_t>(Code::not_read_only),
                   {}, request.received_us);
        return true;
    }
    if (proto::is_write(request.type)) {
        if (request.type == OpCode::reconfig && (!config_.reconfig_enabled || !core_)) {
            send_reply(conn, request.xid, tree_.last_zxid(),
                       static_cast<int32_t>(Code::reconfig_disabled), {}, request.received_us);
            return true;
        }
        if (request.type == OpCode::close_session) {
            tracker_.set_closing(conn.session_id);
        }
        if (request.type == OpCode::delete_container || request.type == OpCode::create_session) {
            // Internal types are never accepted from a client.
            send_reply(conn, request.xid, tree_.last_zxid(),
                       static_cast<int32_t>(Code::unimplemented), {}, request.received_us);
            return true;
        }
        submit(&conn, request.type, std::move(request.body), request.xid, request.received_us);
        return true;
    }
    if (conn.outstanding_writes > 0) {
        return false;
    }
    if (core_ && request.type == OpCode::sync) {
        // Through the log: when this server applies it, it has applied every write the
        // leader committed before it (ZooKeeper's sync guarantee).
        submit(&conn, request.type, std::move(request.body), request.xid, request.received_us);
        return true;
    }
    serve_read(conn, request);
    return true;
}

void Pipeline::submit(Conn* conn, OpCode type, std::string body, int32_t xid, int64_t received_us) {
    InFlight in;
    in.entry.zxid = next_zxid_++;
    in.entry.time_ms = clock_->wall_ms();
    in.entry.session_id = conn != nullptr ? conn->session_id : 0;
    in.entry.xid = xid;
    in.entry.type = type;
    in.entry.body = std::move(body);
    if (conn != nullptr) {
        in.entry.identity = conn->identity;
        in.conn = conn->id;
        ++conn->outstanding_writes;
    }
    in.received_us = received_us;
    batch_.push_back(std::move(in));
}

// ---- group commit and apply ----------------------------------------------------------------

bool Pipeline::flush_pending() const {
    return !batch_.empty() || (core_ && core_->has_ready());
}

void Pipeline::flush() {
    if (failed_) {
        return;
    }
    if (core_) {
        std::vector<InFlight> batch;
        batch.swap(batch_);
        propose_batch(std::move(batch));
        process_ready();
        return;
    }
    if (batch_.empty()) {
        return;
    }
    std::vector<InFlight> batch;
    batch.swap(batch_);
    for (InFlight& in : batch) {
        Result<void> appended = wal_->append(in.entry.zxid, tree::encode_entry(in.entry));
        if (!appended.ok()) {
            fail("wal append failed: " + appended.error().to_string());
            return;
        }
    }
    if (config_.force_sync) {
        Result<void> synced = wal_->sync();
        if (!synced.ok()) {
            fail("wal sync failed: " + synced.error().to_string());
            return;
        }
    } else {
        Result<void> written = wal_->sync();
        WD_MAYBE(written.ok());
    }
    ++stats_.fsyncs;
    stats_.entries_written += static_cast<int64_t>(batch.size());
    for (InFlight& in : batch) {
        apply_one(in);
    }
    if (snapshotter_->maybe_start(tree_, static_cast<int64_t>(batch.size()))) {
        // Entries after the snapshot go to a new segment, so the old ones can be purged.
        wal_->request_roll();
    }
}

// Returns the entry's error code (0 when it succeeded).
int32_t Pipeline::apply_one(InFlight& in) {
    tree::ApplyResult result;
    if (in.entry.type == OpCode::sync) {
        result.body = in.entry.body;  // SyncResponse{path} encodes as SyncRequest{path}
    } else if (in.entry.type == OpCode::reconfig && core_) {
        result = apply_reconfig(in.entry);
    } else {
        result = tree_.apply(in.entry);
    }
    // Watch notifications go out before the reply and before any later read of any session
    // that could observe the change (DESIGN.md §1, "Watches").
    for (const proto::TreeEvent& event : result.events) {
        notify(watches_.trigger(event));
    }
    if (in.entry.type == OpCode::create_session) {
        finish_connect(in);
        return result.err;
    }
    if (in.entry.type == OpCode::close_session) {
        tracker_.remove(in.entry.session_id);
    }
    auto it = conns_.find(in.conn);
    if (in.conn == 0 || it == conns_.end()) {
        if (in.entry.type == OpCode::close_session) {
            if (Conn* c = conn_of_session(in.entry.session_id); c != nullptr) {
                close_conn(*c);
            }
        }
        return result.err;
    }
    Conn& conn = it->second;
    --conn.outstanding_writes;
    WD_ASSERT(conn.outstanding_writes >= 0);
    if (conn.closing) {
        return result.err;
    }
    if (in.entry.type == OpCode::sync && in.entry.xid == revalidate_xid && !conn.handshaken) {
        finish_revalidation(conn);
        return result.err;
    }
    send_reply(conn, in.entry.xid, in.entry.zxid, result.err, result.body, in.received_us);
    if (in.entry.type == OpCode::close_session) {
        close_conn(conn);
        return result.err;
    }
    drain_waiting(conn);
    return result.err;
}

void Pipeline::finish_connect(InFlight& in) {
    auto it = conns_.find(in.conn);
    int64_t session_id = in.entry.session_id;
    const tree::SessionInfo* session = tree_.session(session_id);
    WD_ASSERT(session != nullptr);
    tracker_.add(session_id, session->timeout_ms, clock_->monotonic_ms());
    if (it == conns_.end() || it->second.closing) {
        return;  // the client went away; the session expires unless it reconnects
    }
    Conn& conn = it->second;
    --conn.outstanding_writes;
    conn.session_id = session_id;
    session_conns_[session_id] = conn.id;
    proto::ConnectResponse response{0, session->timeout_ms, session_id, in.connect_passwd, false};
    response.has_read_only = conn.has_read_only;
    sink_->send(conn.id, connect_frame(response));
    ++conn.stats.packets_sent;
    ++stats_.packets_sent;
    drain_waiting(conn);
}

void Pipeline::notify(const std::vector<watch::Notification>& notifications) {
    for (const watch::Notification& n : notifications) {
        Conn* conn = conn_of_session(n.session_id);
        if (conn == nullptr || conn->closing) {
            continue;
        }
        sink_->send(conn->id, notification_frame(n.type, n.path));
        ++conn->stats.packets_sent;
        ++stats_.packets_sent;
    }
}

void Pipeline::send_reply(Conn& conn, int32_t xid, int64_t zxid, int32_t err, std::string_view body,
                          int64_t received_us) {
    sink_->send(conn.id, reply_frame(xid, zxid, err, body));
    int64_t latency = clock_->monotonic_us() - received_us;
    if (xid >= 0) {
        conn.stats.latency.record(latency);
        stats_.latency.record(latency);
    }
    conn.stats.last_xid = xid;
    conn.stats.last_zxid = zxid;
    conn.stats.last_response_ms = clock_->wall_ms();
    ++conn.stats.packets_sent;
    ++stats_.packets_sent;
}

void Pipeline::fail(const std::string& why) {
    spdlog::critical("{}; stopping: continuing after a storage failure could lose data", why);
    failed_ = true;
    for (auto& [id, conn] : conns_) {
        close_conn(conn);
    }
}

}  // namespace wd::server
