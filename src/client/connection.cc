#include "client/connection.h"

#include <algorithm>

#include "client/chroot.h"
#include "proto/frame.h"

namespace wd::client {

std::string_view session_state_name(SessionState state) {
    switch (state) {
        case SessionState::connecting: return "CONNECTING";
        case SessionState::connected: return "CONNECTED";
        case SessionState::connected_read_only: return "CONNECTED_READ_ONLY";
        case SessionState::disconnected: return "DISCONNECTED";
        case SessionState::expired: return "EXPIRED";
        case SessionState::auth_failed: return "AUTH_FAILED";
        case SessionState::closed: return "CLOSED";
    }
    return "UNKNOWN";
}

Connection::Connection(ConnectionOptions options, const ConnectString& connect_string)
    : options_(std::move(options)),
      hosts_(order_hosts(connect_string.hosts, options_.seed)),
      chroot_(connect_string.chroot),
      rng_(options_.seed ^ 0x5eed5eed5eed5eedull),
      session_id_(options_.session_id),
      password_(options_.session_password) {
    WD_ASSERT(!hosts_.empty());
    WD_ASSERT(options_.session_timeout_ms > 0);
    WD_ASSERT(options_.pending_requests_max > 0);
    if (password_.empty()) {
        password_.assign(16, '\0');  // a new session: the Java client sends byte[16]
    }
}

int64_t Connection::read_timeout_ms() const {
    int32_t timeout = negotiated_timeout_ms_ > 0 ? negotiated_timeout_ms_
                                                 : options_.session_timeout_ms;
    return int64_t{timeout} * 2 / 3;
}

int64_t Connection::connect_timeout_ms() const {
    int32_t timeout = negotiated_timeout_ms_ > 0 ? negotiated_timeout_ms_
                                                 : options_.session_timeout_ms;
    return std::max<int64_t>(1, timeout / static_cast<int64_t>(hosts_.size()));
}

void Connection::start(int64_t now_ms) {
    WD_ASSERT(!started_);
    started_ = true;
    host_index_ = 0;
    open_transport(now_ms);
}

void Connection::open_transport(int64_t now_ms) {
    WD_ASSERT(transport_ == Transport::none);
    reconnect_at_ms_ = -1;
    transport_ = Transport::opening;
    transport_start_ms_ = now_ms;
    last_recv_ms_ = now_ms;
    last_send_ms_ = now_ms;
    recv_buffer_.clear();
    out_.connect = host_index_;
}

void Connection::connected(int64_t now_ms) {
    if (transport_ != Transport::opening) {
        return;  // a late report about a transport we already gave up
    }
    transport_ = Transport::handshake;
    proto::ConnectRequest request;
    request.protocol_version = 0;
    request.last_zxid_seen = last_zxid_;
    request.timeout_ms = options_.session_timeout_ms;
    request.session_id = session_id_;
    request.passwd = password_;
    request.read_only = options_.can_be_read_only;
    send_frame(now_ms, proto::connect_request_frame(request));
}

void Connection::connect_failed(int64_t now_ms) {
    if (transport_ != Transport::opening) {
        return;
    }
    lose_transport(now_ms);
}

void Connection::disconnected(int64_t now_ms) {
    if (transport_ == Transport::none) {
        return;
    }
    lose_transport(now_ms);
}

void Connection::bytes_received(int64_t now_ms, std::string_view bytes) {
    if (transport_ != Transport::handshake && transport_ != Transport::open) {
        return;
    }
    recv_buffer_.append(bytes);
    auto frames = proto::split_frames(recv_buffer_, options_.frame_size_max);
    if (!frames.ok()) {
        lose_transport(now_ms);  // a bad length: the stream cannot be resynchronised
        return;
    }
    // Frames borrow from recv_buffer_: copy them out before handling (handlers may reset it).
    std::vector<std::string> payloads(frames->payloads.begin(), frames->payloads.end());
    recv_buffer_.erase(0, frames->consumed);
    for (const std::string& payload : payloads) {
        if (transport_ != Transport::handshake && transport_ != Transport::open) {
            return;  // an earlier frame dropped the transport
        }
        frame_received(now_ms, payload);
    }
}

void Connection::frame_received(int64_t now_ms, std::string_view payload) {
    if (transport_ != Transport::handshake && transport_ != Transport::open) {
        return;
    }
    last_recv_ms_ = now_ms;
    if (transport_ == Transport::handshake) {
        handle_handshake(now_ms, payload);
    } else {
        handle_reply(now_ms, payload);
    }
}

void Connection::lose_transport(int64_t now_ms) {
    WD_ASSERT(transport_ != Transport::none);
    transport_ = Transport::none;
    out_.frames.clear();
    out_.close_transport = true;
    out_.connect.reset();
    recv_buffer_.clear();
    fail_all(Code::connection_loss);
    // Auth calls still unanswered are answered by the replay after the next handshake.
    for (const auto& id : auth_waiting_) {
        if (id) {
            auth_deferred_.push_back(*id);
        }
    }
    auth_waiting_.clear();
    if (closing_) {
        finish_close();
        return;
    }
    if (state_ == SessionState::connected || state_ == SessionState::connected_read_only) {
        set_state(SessionState::disconnected);
    }
    schedule_reconnect(now_ms);
}

void Connection::schedule_reconnect(int64_t now_ms) {
    WD_ASSERT(!is_terminal(state_));
    host_index_ = (host_index_ + 1) % hosts_.size();
    // The Java client sleeps a random time below one second before each reconnect, so a
    // restarted server is not hit by every client at once.
    int64_t delay = options_.reconnect_delay_max_ms > 0
                        ? rng_.range(0, options_.reconnect_delay_max_ms)
                        : 0;
    reconnect_at_ms_ = now_ms + delay;
}

void Connection::fail_all(Code code) {
    for (auto* queue : {&in_flight_, &outgoing_}) {
        for (Call& call : *queue) {
            if (call.id != 0 && !call.abandoned && call.op != OpCode::close_session) {
                out_.deliveries.push_back(Completion{call.id, code, 0, proto::Empty{}});
            }
        }
        queue->clear();
    }
}

void Connection::finish_close() {
    if (transport_ != Transport::none) {
        transport_ = Transport::none;
        out_.close_transport = true;
        out_.connect.reset();
    }
    reconnect_at_ms_ = -1;
    fail_all(Code::connection_loss);
    for (uint64_t id : auth_deferred_) {
        out_.deliveries.push_back(Completion{id, Code::connection_loss, 0, proto::Empty{}});
    }
    auth_deferred_.clear();
    auth_waiting_.clear();
    closing_ = false;
    deliver_session_event(KeeperState::closed);
    set_state(SessionState::closed);
    out_.deliveries.push_back(Completion{close_id_, Code::ok, 0, proto::Empty{}});
}

void Connection::set_state(SessionState state) {
    if (state_ == state) {
        return;
    }
    state_ = state;
    out_.deliveries.push_back(StateChange{state});
}

void Connection::deliver_session_event(KeeperState state) {
    std::vector<Watcher> watchers = watches_.all();
    watches_.clear();
    if (!watchers.empty()) {
        out_.deliveries.push_back(
            Notification{WatchEvent{EventType::none, state, ""}, std::move(watchers)});
    }
}

void Connection::tick(int64_t now_ms) {
    if (reconnect_at_ms_ >= 0 && now_ms >= reconnect_at_ms_) {
        open_transport(now_ms);
    }
    if (transport_ == Transport::opening || transport_ == Transport::handshake) {
        if (now_ms - transport_start_ms_ >= connect_timeout_ms()) {
            lose_transport(now_ms);
        }
    } else if (transport_ == Transport::open) {
        if (now_ms - last_recv_ms_ >= read_timeout_ms()) {
            lose_transport(now_ms);
        } else if (now_ms - last_send_ms_ >= read_timeout_ms() / 2 ||
                   now_ms - last_send_ms_ >= options_.ping_interval_max_ms) {
            send_frame(now_ms, proto::request_frame(
                                   proto::RequestHeader{proto::xid::ping,
                                                        static_cast<int32_t>(OpCode::ping)}));
        }
    }
    if (closing_ && now_ms >= close_deadline_ms_) {
        finish_close();
    }
    check_request_timeouts(now_ms);
}

void Connection::check_request_timeouts(int64_t now_ms) {
    for (Call& call : in_flight_) {
        if (call.deadline_ms > 0 && now_ms >= call.deadline_ms && !call.abandoned) {
            call.abandoned = true;
            out_.deliveries.push_back(
                Completion{call.id, Code::request_timeout, 0, proto::Empty{}});
        }
    }
    for (auto it = outgoing_.begin(); it != outgoing_.end();) {
        if (it->deadline_ms > 0 && now_ms >= it->deadline_ms) {
            out_.deliveries.push_back(
                Completion{it->id, Code::request_timeout, 0, proto::Empty{}});
            it = outgoing_.erase(it);
        } else {
            ++it;
        }
    }
}

int64_t Connection::next_deadline_ms() const {
    int64_t next = INT64_MAX;
    if (reconnect_at_ms_ >= 0) {
        next = std::min(next, reconnect_at_ms_);
    }
    if (transport_ == Transport::opening || transport_ == Transport::handshake) {
        next = std::min(next, transport_start_ms_ + connect_timeout_ms());
    } else if (transport_ == Transport::open) {
        next = std::min(next, last_recv_ms_ + read_timeout_ms());
        int64_t ping_after = std::min(read_timeout_ms() / 2, options_.ping_interval_max_ms);
        next = std::min(next, last_send_ms_ + ping_after);
    }
    if (closing_) {
        next = std::min(next, close_deadline_ms_);
    }
    for (const auto* queue : {&in_flight_, &outgoing_}) {
        for (const Call& call : *queue) {
            if (call.deadline_ms > 0 && !call.abandoned) {
                next = std::min(next, call.deadline_ms);
            }
        }
    }
    return next;
}

int32_t Connection::next_xid() {
    xid_last_ = xid_last_ == INT32_MAX ? 1 : xid_last_ + 1;
    return xid_last_;
}

ZkResult<uint64_t> Connection::submit(int64_t now_ms, Request request) {
    if (state_ == SessionState::auth_failed) {
        return err(Code::auth_failed);
    }
    if (is_terminal(state_)) {
        return err(Code::session_expired);
    }
    if (closing_) {
        return err(Code::connection_loss);
    }
    if (pending_requests() >= options_.pending_requests_max) {
        return err(Code::throttled_op);
    }
    uint64_t id = ++id_last_;
    if (request.op == OpCode::auth) {
        WD_ASSERT(std::holds_alternative<proto::AuthPacket>(request.body));
        submit_auth(now_ms, id, std::get<proto::AuthPacket>(std::move(request.body)));
        return id;
    }
    Call call;
    call.id = id;
    call.xid = next_xid();
    call.op = request.op;
    call.body = std::move(request.body);
    call.watch = std::move(request.watch);
    call.absolute_path = request.absolute_path;
    int64_t timeout = request.timeout_ms > 0 ? request.timeout_ms : options_.request_timeout_ms;
    call.deadline_ms = timeout > 0 ? now_ms + timeout : 0;
    outgoing_.push_back(std::move(call));
    flush_outgoing(now_ms);
    return id;
}

void Connection::submit_auth(int64_t now_ms, uint64_t id, proto::AuthPacket packet) {
    auths_.push_back(packet);
    if (transport_ != Transport::open) {
        auth_deferred_.push_back(id);  // answered when the replay after the handshake is
        return;
    }
    auth_waiting_.push_back(id);
    send_frame(now_ms, proto::request_frame(
                           proto::RequestHeader{proto::xid::auth,
                                                static_cast<int32_t>(OpCode::auth)},
                           packet));
}

uint64_t Connection::close(int64_t now_ms) {
    uint64_t id = ++id_last_;
    if (is_terminal(state_)) {
        out_.deliveries.push_back(Completion{id, Code::ok, 0, proto::Empty{}});
        return id;
    }
    if (closing_) {
        // A second close completes with the first.
        out_.deliveries.push_back(Completion{id, Code::ok, 0, proto::Empty{}});
        return id;
    }
    close_id_ = id;
    if (transport_ != Transport::open) {
        finish_close();
        return id;
    }
    closing_ = true;
    close_deadline_ms_ = now_ms + read_timeout_ms();
    Call call;
    call.id = id;
    call.xid = next_xid();
    call.op = OpCode::close_session;
    call.body = proto::Empty{};
    outgoing_.push_back(std::move(call));
    flush_outgoing(now_ms);
    return id;
}

void Connection::flush_outgoing(int64_t now_ms) {
    if (transport_ != Transport::open) {
        return;
    }
    size_t n = outgoing_.size();  // bound: each turn removes one
    for (size_t i = 0; i < n; ++i) {
        Call call = std::move(outgoing_.front());
        outgoing_.pop_front();
        send_call(now_ms, std::move(call));
    }
}

// ZooKeeper tells the reconfig modes apart by which strings are null (newMembers non-null:
// non-incremental), so an unused string goes out as a null ustring, as the Java client sends
// it; a null reads back as empty (zookeeper.jute ReconfigRequest).
void Connection::encode_reconfig(proto::JuteWriter& w, const proto::ReconfigRequest& r) {
    for (const std::string* s : {&r.joining_servers, &r.leaving_servers, &r.new_members}) {
        if (s->empty()) {
            w.null_buffer();
        } else {
            w.ustring(*s);
        }
    }
    w.i64(r.cur_config_id);
}

void Connection::send_call(int64_t now_ms, Call call) {
    proto::RequestBody body = call.body;
    if (!call.absolute_path) {
        add_chroot(chroot_, body);
    }
    std::string frame = proto::build_frame([&](proto::JuteWriter& w) {
        proto::encode(w, proto::RequestHeader{call.xid, static_cast<int32_t>(call.op)});
        if (const auto* reconfig = std::get_if<proto::ReconfigRequest>(&body)) {
            encode_reconfig(w, *reconfig);
        } else {
            proto::encode_request_body(w, body);
        }
    });
    if (frame.size() - proto::frame_header_size > options_.frame_size_max) {
        // The server would close the connection on it (jute.maxbuffer); refuse it here.
        if (call.id != 0) {
            out_.deliveries.push_back(
                Completion{call.id, Code::marshalling_error, 0, proto::Empty{}});
        }
        return;
    }
    send_frame(now_ms, std::move(frame));
    in_flight_.push_back(std::move(call));
}

void Connection::send_frame(int64_t now_ms, std::string frame) {
    last_send_ms_ = now_ms;
    out_.frames.push_back(std::move(frame));
}

Output Connection::take_output() {
    Output out = std::move(out_);
    out_ = Output{};
    return out;
}

}  // namespace wd::client
