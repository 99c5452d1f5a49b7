// The receiving half of Connection: the handshake answer, replies, notifications, and what
// follows a handshake (auth replay, watch re-registration).
#include "client/chroot.h"
#include "client/connection.h"
#include "proto/frame.h"

namespace wd::client {

void Connection::handle_handshake(int64_t now_ms, std::string_view payload) {
    auto response = proto::decode_connect_response(payload);
    if (!response.ok()) {
        lose_transport(now_ms);
        return;
    }
    if (response->timeout_ms <= 0) {
        expire();
        return;
    }
    transport_ = Transport::open;
    negotiated_timeout_ms_ = response->timeout_ms;
    session_id_ = response->session_id;
    password_ = response->passwd;
    last_recv_ms_ = now_ms;
    set_state(response->read_only ? SessionState::connected_read_only
                                  : SessionState::connected);
    prime(now_ms);
}

void Connection::expire() {
    transport_ = Transport::none;
    out_.frames.clear();
    out_.close_transport = true;
    out_.connect.reset();
    reconnect_at_ms_ = -1;
    fail_all(Code::session_expired);
    for (uint64_t id : auth_deferred_) {
        out_.deliveries.push_back(Completion{id, Code::session_expired, 0, proto::Empty{}});
    }
    auth_deferred_.clear();
    auth_waiting_.clear();
    deliver_session_event(KeeperState::expired);
    set_state(SessionState::expired);
    if (closing_) {
        closing_ = false;
        out_.deliveries.push_back(Completion{close_id_, Code::ok, 0, proto::Empty{}});
    }
}

void Connection::prime(int64_t now_ms) {
    // Auth first: a watch's path may need the identity (Java's primeConnection sends both
    // before any queued request).
    auth_waiting_.clear();
    size_t replayed = auths_.size() - auth_deferred_.size();
    for (size_t i = 0; i < auths_.size(); ++i) {
        if (i < replayed) {
            auth_waiting_.push_back(std::nullopt);
        } else {
            auth_waiting_.push_back(auth_deferred_[i - replayed]);
        }
        send_frame(now_ms, proto::request_frame(
                               proto::RequestHeader{proto::xid::auth,
                                                    static_cast<int32_t>(OpCode::auth)},
                               auths_[i]));
    }
    auth_deferred_.clear();
    send_set_watches(now_ms);
    flush_outgoing(now_ms);
}

void Connection::send_set_watches(int64_t now_ms) {
    if (watches_.empty()) {
        return;
    }
    // Java's primeConnection: the paths of all kinds in order, batched so that the lengths of
    // the paths in one request stay below SET_WATCHES_MAX_LENGTH (the last one may cross it).
    std::vector<std::string> lists[5] = {
        watches_.paths(WatchKind::data), watches_.paths(WatchKind::exist),
        watches_.paths(WatchKind::child), watches_.paths(WatchKind::persistent),
        watches_.paths(WatchKind::persistent_recursive)};
    size_t list = 0;
    size_t index = 0;
    size_t total = watches_.size() + 1;  // bound on batches: at least one path per batch
    for (size_t batch = 0; batch < total && list < 5; ++batch) {
        proto::SetWatches2 sw;
        sw.relative_zxid = last_zxid_;
        std::vector<std::string>* target[5] = {&sw.data_watches, &sw.exist_watches,
                                               &sw.child_watches, &sw.persistent_watches,
                                               &sw.persistent_recursive_watches};
        size_t length = 0;
        while (length < options_.set_watches_bytes_max && list < 5) {
            if (index >= lists[list].size()) {
                ++list;
                index = 0;
                continue;
            }
            std::string path = prepend_chroot(chroot_, lists[list][index++]);
            length += path.size();
            target[list]->push_back(std::move(path));
        }
        if (length == 0) {
            break;
        }
        Call call;
        call.xid = proto::xid::set_watches;
        call.op = OpCode::set_watches2;
        call.body = std::move(sw);
        in_flight_.push_back(call);
        send_frame(now_ms, proto::request_frame(
                               proto::RequestHeader{call.xid, static_cast<int32_t>(call.op)},
                               std::get<proto::SetWatches2>(call.body)));
    }
}

void Connection::handle_reply(int64_t now_ms, std::string_view payload) {
    proto::JuteReader r(payload);
    auto header = proto::decode<proto::ReplyHeader>(r);
    if (!r.ok()) {
        lose_transport(now_ms);
        return;
    }
    std::string_view body = payload.substr(r.position());
    if (header.xid == proto::xid::ping) {
        return;
    }
    if (header.xid == proto::xid::notification) {
        handle_notification(body);
        return;
    }
    if (header.xid == proto::xid::auth) {
        handle_auth_reply(header.err);
        return;
    }
    if (in_flight_.empty() || in_flight_.front().xid != header.xid) {
        lose_transport(now_ms);  // out of order: ClientCnxn's "Xid out of order"
        return;
    }
    Call call = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (header.zxid > 0) {
        last_zxid_ = header.zxid;
    }
    proto::ResponseBody decoded_body = proto::Empty{};
    // A standalone check's body is ignored: ZooKeeper 3.8 fails to serialise it and Warden
    // sends the node's Stat, where zookeeper.jute has none.
    bool has_body = call.op != OpCode::close_session && call.op != OpCode::check;
    if (header.err == 0 && has_body) {
        auto decoded = proto::decode_response(call.op, body);
        if (!decoded.ok()) {
            in_flight_.push_front(std::move(call));  // fails with the others
            lose_transport(now_ms);
            return;
        }
        decoded_body = std::move(decoded).value();
    }
    complete_call(std::move(call), header, std::move(decoded_body));
}

void Connection::handle_notification(std::string_view body) {
    auto decoded = proto::decode_exact<proto::WatcherEvent>(body);
    if (!decoded.ok()) {
        return;  // a malformed event: nothing to route it to
    }
    auto type = static_cast<EventType>(decoded->type);
    if (type == EventType::none) {
        return;  // session events come from the handshake and the transport, not the server
    }
    WatchEvent event{type, static_cast<KeeperState>(decoded->state),
                     client::strip_chroot(chroot_, decoded->path)};
    std::vector<Watcher> watchers = watches_.materialize(type, event.path);
    out_.deliveries.push_back(Notification{std::move(event), std::move(watchers)});
}

void Connection::handle_auth_reply(int32_t err) {
    std::optional<uint64_t> id;
    if (!auth_waiting_.empty()) {
        id = auth_waiting_.front();
        auth_waiting_.pop_front();
    }
    auto code = static_cast<Code>(err);
    if (id) {
        out_.deliveries.push_back(Completion{*id, code, 0, proto::Empty{}});
    }
    if (code == Code::auth_failed) {
        fail_auth();
    }
}

void Connection::fail_auth() {
    transport_ = Transport::none;
    out_.frames.clear();
    out_.close_transport = true;
    out_.connect.reset();
    reconnect_at_ms_ = -1;
    fail_all(Code::auth_failed);
    for (const auto& queue : {auth_waiting_, std::deque<std::optional<uint64_t>>(
                                                 auth_deferred_.begin(), auth_deferred_.end())}) {
        for (const auto& id : queue) {
            if (id) {
                out_.deliveries.push_back(Completion{*id, Code::auth_failed, 0, proto::Empty{}});
            }
        }
    }
    auth_waiting_.clear();
    auth_deferred_.clear();
    deliver_session_event(KeeperState::auth_failed);
    set_state(SessionState::auth_failed);
    if (closing_) {
        closing_ = false;
        out_.deliveries.push_back(Completion{close_id_, Code::ok, 0, proto::Empty{}});
    }
}

void Connection::complete_call(Call call, const proto::ReplyHeader& header,
                               proto::ResponseBody body) {
    auto code = static_cast<Code>(header.err);
    if (call.op == OpCode::close_session) {
        finish_close();
        return;
    }
    apply_watch(call.watch, code);
    if (call.id == 0 || call.abandoned) {
        return;  // setWatches2, or a request that already timed out
    }
    Completion completion{call.id, code, header.zxid, std::move(body)};
    strip_chroot(chroot_, completion.body);
    out_.deliveries.push_back(std::move(completion));
}

void Connection::apply_watch(const WatchRegistration& watch, Code code) {
    switch (watch.kind) {
        case WatchKind::none: return;
        case WatchKind::exist:
            // ExistsWatchRegistration: a data watch when the node exists, else an exist watch.
            if (code == Code::ok) {
                watches_.add(WatchKind::data, watch.path, watch.watcher);
            } else if (code == Code::no_node) {
                watches_.add(WatchKind::exist, watch.path, watch.watcher);
            }
            return;
        case WatchKind::data:
        case WatchKind::child:
        case WatchKind::persistent:
        case WatchKind::persistent_recursive:
            if (code == Code::ok) {
                watches_.add(watch.kind, watch.path, watch.watcher);
            }
            return;
        case WatchKind::remove:
            if (code == Code::ok) {
                for (auto& removed : watches_.remove(watch.path, watch.remove_type,
                                                     watch.watcher)) {
                    out_.deliveries.push_back(Notification{
                        WatchEvent{removed.type, KeeperState::sync_connected, watch.path},
                        {removed.watcher}});
                }
            }
            return;
    }
}

}  // namespace wd::client
