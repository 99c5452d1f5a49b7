// The connection state machine driven event by event: no sockets, no clock. The test plays
// the server by reading the frames the machine emits and feeding back reply frames.
#include "client/connection.h"

#include <gtest/gtest.h>

#include "client/operations.h"
#include "proto/frame.h"

namespace wd::client {
namespace {

std::string_view payload_of(const std::string& frame) {
    return std::string_view(frame).substr(proto::frame_header_size);
}

proto::Request decode_sent(const std::string& frame) {
    auto request = proto::decode_request_payload(payload_of(frame));
    WD_ASSERT(request.ok());
    return std::move(request).value();
}

struct Events {
    std::vector<Completion> completions;
    std::vector<Notification> notifications;
    std::vector<SessionState> states;
};

class ConnectionTest : public ::testing::Test {
protected:
    void make(const std::string& connect_string, ConnectionOptions options = {}) {
        auto cs = parse_connect_string(connect_string);
        ASSERT_TRUE(cs.ok());
        options.reconnect_delay_max_ms = 0;
        conn_.emplace(options, *cs);
    }
    // Collects the output: frames and transport actions stay in last_, deliveries are sorted.
    Output take() {
        Output out = conn_->take_output();
        for (auto& d : out.deliveries) {
            if (auto* c = std::get_if<Completion>(&d)) {
                ev_.completions.push_back(*c);
            } else if (auto* n = std::get_if<Notification>(&d)) {
                ev_.notifications.push_back(*n);
                for (const Watcher& w : n->watchers) {
                    (*w)(n->event);  // as the driver does
                }
            } else {
                ev_.states.push_back(std::get<StateChange>(d).state);
            }
        }
        return out;
    }
    // start/connected/handshake with the given answer; returns the frames after the handshake.
    Output handshake(int64_t session_id = 0x1234, int32_t timeout_ms = 30'000) {
        proto::ConnectResponse response;
        response.timeout_ms = timeout_ms;
        response.session_id = session_id;
        response.passwd = std::string(16, 'p');
        conn_->bytes_received(now_, proto::connect_response_frame(response));
        return take();
    }
    Output connect_and_handshake(int64_t session_id = 0x1234, int32_t timeout_ms = 30'000) {
        conn_->connected(now_);
        Output out = take();
        EXPECT_EQ(out.frames.size(), 1u);
        last_connect_ = proto::decode_connect_request(payload_of(out.frames.at(0))).value();
        return handshake(session_id, timeout_ms);
    }
    void reply(int32_t xid, int64_t zxid, Code code) {
        conn_->bytes_received(now_, proto::reply_frame({xid, zxid, static_cast<int32_t>(code)}));
    }
    template <class R>
    void reply(int32_t xid, int64_t zxid, const R& body) {
        conn_->bytes_received(now_, proto::reply_frame({xid, zxid, 0}, body));
    }
    void notify(EventType type, const std::string& path) {
        conn_->bytes_received(
            now_, proto::notification_frame(-1, {static_cast<int32_t>(type), 3, path}));
    }
    uint64_t submit(OpCode op, proto::RequestBody body, WatchRegistration watch = {}) {
        auto id = conn_->submit(now_, Request{op, std::move(body), std::move(watch), 0});
        EXPECT_TRUE(id.ok());
        return id.ok() ? *id : 0;
    }

    std::optional<Connection> conn_;
    Events ev_;
    int64_t now_ = 1000;
    proto::ConnectRequest last_connect_;
};

TEST_F(ConnectionTest, HandshakeSendsConnectRequestAndConnects) {
    make("a:1");
    conn_->start(now_);
    Output out = take();
    ASSERT_TRUE(out.connect.has_value());
    EXPECT_EQ(conn_->hosts()[*out.connect], (HostPort{"a", 1}));
    EXPECT_EQ(conn_->state(), SessionState::connecting);
    connect_and_handshake(0x77);
    EXPECT_EQ(last_connect_.session_id, 0);
    EXPECT_EQ(last_connect_.last_zxid_seen, 0);
    EXPECT_EQ(last_connect_.timeout_ms, 30'000);
    EXPECT_EQ(last_connect_.passwd, std::string(16, '\0'));
    EXPECT_EQ(conn_->state(), SessionState::connected);
    EXPECT_EQ(conn_->session_id(), 0x77);
    EXPECT_EQ(ev_.states, (std::vector<SessionState>{SessionState::connected}));
}

TEST_F(ConnectionTest, PingAfterOneThirdOfTimeoutIdle) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake(1, 30'000);
    EXPECT_EQ(conn_->read_timeout_ms(), 20'000);
    EXPECT_EQ(conn_->next_deadline_ms(), now_ + 10'000);
    conn_->tick(now_ + 9'999);
    EXPECT_TRUE(take().frames.empty());
    conn_->tick(now_ + 10'000);
    Output out = take();
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(decode_sent(out.frames[0]).header.xid, proto::xid::ping);
    EXPECT_EQ(decode_sent(out.frames[0]).op(), OpCode::ping);
    // The ping answer counts as traffic; no frame at all for 20 s is a read timeout.
    reply(proto::xid::ping, 0, Code::ok);
    EXPECT_EQ(conn_->state(), SessionState::connected);
    conn_->tick(now_ + 20'000);
    EXPECT_TRUE(take().close_transport);
    EXPECT_EQ(conn_->state(), SessionState::disconnected);
}

TEST_F(ConnectionTest, ConnectTimeoutIsTimeoutOverHosts) {
    make("a:1,b:2,c:3");
    conn_->start(now_);
    Output out = take();
    size_t first = *out.connect;
    EXPECT_EQ(conn_->connect_timeout_ms(), 10'000);
    conn_->tick(now_ + 9'999);
    EXPECT_TRUE(take().empty());
    conn_->tick(now_ + 10'000);
    out = take();
    EXPECT_TRUE(out.close_transport);
    EXPECT_FALSE(out.connect.has_value());  // after the reconnect delay (0 here): next tick
    conn_->tick(now_ + 10'000);
    out = take();
    ASSERT_TRUE(out.connect.has_value());
    EXPECT_EQ(*out.connect, (first + 1) % 3);
    EXPECT_TRUE(ev_.states.empty());  // never connected: no DISCONNECTED
}

TEST_F(ConnectionTest, ReadTimeoutReconnectsToNextHostAndReregistersWatches) {
    make("a:1,b:2");
    conn_->start(now_);
    size_t first = *take().connect;
    connect_and_handshake(0x42, 30'000);
    std::vector<WatchEvent> seen;
    Watcher w = make_watcher([&](const WatchEvent& e) { seen.push_back(e); });
    submit(OpCode::get_data, proto::ExistsRequest{"/a", true}, {WatchKind::data, "/a", w});
    submit(OpCode::exists, proto::ExistsRequest{"/missing", true},
           {WatchKind::exist, "/missing", w});
    submit(OpCode::get_children, proto::ExistsRequest{"/p", true}, {WatchKind::child, "/p", w});
    submit(OpCode::add_watch, proto::PathTypeRequest{"/q", 0}, {WatchKind::persistent, "/q", w});
    submit(OpCode::add_watch, proto::PathTypeRequest{"/r", 1},
           {WatchKind::persistent_recursive, "/r", w});
    Output out = take();
    ASSERT_EQ(out.frames.size(), 5u);
    reply(decode_sent(out.frames[0]).header.xid, 5, proto::GetDataResponse{"x", {}});
    reply(decode_sent(out.frames[1]).header.xid, 6, Code::no_node);
    reply(decode_sent(out.frames[2]).header.xid, 7, proto::GetChildrenResponse{{"c"}});
    reply(decode_sent(out.frames[3]).header.xid, 8, proto::ErrorResponse{0});
    reply(decode_sent(out.frames[4]).header.xid, 9, proto::ErrorResponse{0});
    take();
    ASSERT_EQ(ev_.completions.size(), 5u);
    EXPECT_EQ(ev_.completions[1].code, Code::no_node);
    EXPECT_EQ(conn_->watches().size(), 5u);
    EXPECT_EQ(conn_->last_zxid(), 9);

    // Silence for the read timeout: disconnect, then reconnect to the other host.
    now_ += 20'000;
    conn_->tick(now_);
    out = take();
    EXPECT_TRUE(out.close_transport);
    EXPECT_EQ(conn_->state(), SessionState::disconnected);
    conn_->tick(now_);
    out = take();
    ASSERT_TRUE(out.connect.has_value());
    EXPECT_EQ(*out.connect, (first + 1) % 2);
    out = connect_and_handshake(0x42, 30'000);
    EXPECT_EQ(last_connect_.session_id, 0x42);
    EXPECT_EQ(last_connect_.passwd, std::string(16, 'p'));
    EXPECT_EQ(last_connect_.last_zxid_seen, 9);
    EXPECT_EQ(ev_.states, (std::vector<SessionState>{SessionState::connected,
                                                     SessionState::disconnected,
                                                     SessionState::connected}));
    ASSERT_EQ(out.frames.size(), 1u);
    proto::Request sw = decode_sent(out.frames[0]);
    EXPECT_EQ(sw.header.xid, proto::xid::set_watches);
    EXPECT_EQ(sw.op(), OpCode::set_watches2);
    const auto& body = std::get<proto::SetWatches2>(sw.body);
    EXPECT_EQ(body.relative_zxid, 9);
    EXPECT_EQ(body.data_watches, (std::vector<std::string>{"/a"}));
    EXPECT_EQ(body.exist_watches, (std::vector<std::string>{"/missing"}));
    EXPECT_EQ(body.child_watches, (std::vector<std::string>{"/p"}));
    EXPECT_EQ(body.persistent_watches, (std::vector<std::string>{"/q"}));
    EXPECT_EQ(body.persistent_recursive_watches, (std::vector<std::string>{"/r"}));
    reply(proto::xid::set_watches, 9, Code::ok);
    // A change made meanwhile is reported after re-registration.
    notify(EventType::node_created, "/missing");
    notify(EventType::node_created, "/r/x/y");
    take();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].path, "/missing");
    EXPECT_EQ(seen[1].path, "/r/x/y");
    EXPECT_EQ(conn_->state(), SessionState::connected);
}

TEST_F(ConnectionTest, PendingRequestsFailWithConnectionLossAndSessionIsKept) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake(0x9);
    uint64_t sent = submit(OpCode::get_data, proto::ExistsRequest{"/x", false});
    take();
    conn_->disconnected(now_);
    take();
    // Queued while disconnected: sent after the next handshake.
    uint64_t queued = submit(OpCode::exists, proto::ExistsRequest{"/y", false});
    ASSERT_EQ(ev_.completions.size(), 1u);
    EXPECT_EQ(ev_.completions[0].id, sent);
    EXPECT_EQ(ev_.completions[0].code, Code::connection_loss);
    conn_->tick(now_);
    take();
    Output out = connect_and_handshake(0x9);
    EXPECT_EQ(last_connect_.session_id, 0x9);
    ASSERT_EQ(out.frames.size(), 1u);
    proto::Request r = decode_sent(out.frames[0]);
    EXPECT_EQ(r.op(), OpCode::exists);
    reply(r.header.xid, 3, proto::StatResponse{});
    take();
    ASSERT_EQ(ev_.completions.size(), 2u);
    EXPECT_EQ(ev_.completions[1].id, queued);
    EXPECT_EQ(ev_.completions[1].code, Code::ok);
}

TEST_F(ConnectionTest, ExpiredHandshakeExpiresSession) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake(0x9);
    std::vector<WatchEvent> seen;
    Watcher w = make_watcher([&](const WatchEvent& e) { seen.push_back(e); });
    submit(OpCode::get_data, proto::ExistsRequest{"/a", true}, {WatchKind::data, "/a", w});
    reply(decode_sent(take().frames.at(0)).header.xid, 2, proto::GetDataResponse{});
    conn_->disconnected(now_);
    uint64_t queued = submit(OpCode::exists, proto::ExistsRequest{"/y", false});
    conn_->tick(now_);
    take();
    conn_->connected(now_);
    take();
    Output out = handshake(0, 0);
    EXPECT_TRUE(out.close_transport);
    EXPECT_EQ(conn_->state(), SessionState::expired);
    EXPECT_EQ(ev_.states.back(), SessionState::expired);
    ASSERT_FALSE(ev_.completions.empty());
    EXPECT_EQ(ev_.completions.back().id, queued);
    EXPECT_EQ(ev_.completions.back().code, Code::session_expired);
    ASSERT_EQ(ev_.notifications.size(), 1u);
    EXPECT_EQ(ev_.notifications[0].event.state, KeeperState::expired);
    EXPECT_EQ(ev_.notifications[0].watchers, (std::vector<Watcher>{w}));
    EXPECT_TRUE(conn_->watches().empty());
    auto late =
        conn_->submit(now_, Request{OpCode::exists, proto::ExistsRequest{"/z", false}, {}, 0});
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error(), Code::session_expired);
    EXPECT_EQ(conn_->next_deadline_ms(), INT64_MAX);
}

TEST_F(ConnectionTest, XidMismatchDropsTheConnection) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake();
    uint64_t first = submit(OpCode::exists, proto::ExistsRequest{"/a", false});
    uint64_t second = submit(OpCode::exists, proto::ExistsRequest{"/b", false});
    Output out = take();
    int32_t xid_second = decode_sent(out.frames.at(1)).header.xid;
    EXPECT_EQ(xid_second, decode_sent(out.frames.at(0)).header.xid + 1);  // xids increase
    reply(xid_second, 4, proto::StatResponse{});
    out = take();
    EXPECT_TRUE(out.close_transport);
    EXPECT_EQ(conn_->state(), SessionState::disconnected);
    ASSERT_EQ(ev_.completions.size(), 2u);
    EXPECT_EQ(ev_.completions[0].id, first);
    EXPECT_EQ(ev_.completions[1].id, second);
    EXPECT_EQ(ev_.completions[0].code, Code::connection_loss);
    EXPECT_EQ(ev_.completions[1].code, Code::connection_loss);
}

TEST_F(ConnectionTest, LargeWatchSetsAreChunked) {
    make("a:1/chroot");
    conn_->start(now_);
    take();
    connect_and_handshake();
    Watcher w = make_watcher([](const WatchEvent&) {});
    const size_t count = 3000;
    std::string filler(90, 'x');
    for (size_t i = 0; i < count; ++i) {
        std::string path = "/" + filler + std::to_string(i);
        WatchKind kind = i % 2 == 0 ? WatchKind::data : WatchKind::persistent_recursive;
        submit(OpCode::get_data, proto::ExistsRequest{path, true}, {kind, path, w});
    }
    Output out = take();
    for (const std::string& f : out.frames) {
        reply(decode_sent(f).header.xid, 1, proto::GetDataResponse{});
    }
    conn_->disconnected(now_);
    conn_->tick(now_);
    take();
    out = connect_and_handshake();
    ASSERT_GE(out.frames.size(), 3u);
    size_t total = 0;
    for (const std::string& f : out.frames) {
        proto::Request r = decode_sent(f);
        ASSERT_EQ(r.op(), OpCode::set_watches2);
        const auto& sw = std::get<proto::SetWatches2>(r.body);
        size_t bytes = 0;
        size_t longest = 0;
        for (const auto* list : {&sw.data_watches, &sw.persistent_recursive_watches}) {
            for (const std::string& p : *list) {
                EXPECT_TRUE(p.starts_with("/chroot/" + filler));
                bytes += p.size();
                longest = std::max(longest, p.size());
            }
            total += list->size();
        }
        EXPECT_LT(bytes, 128u * 1024 + longest);
        EXPECT_LE(f.size(), 128u * 1024 + 1024 + sizeof(int32_t) * 3000);
    }
    EXPECT_EQ(total, count);
}

TEST_F(ConnectionTest, AuthIsReplayedBeforeWatchesAndQueuedRequests) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake();
    uint64_t auth = submit(OpCode::auth, proto::AuthPacket{0, "digest", "u:p"});
    Output out = take();
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(decode_sent(out.frames[0]).header.xid, proto::xid::auth);
    reply(proto::xid::auth, 0, Code::ok);
    take();
    ASSERT_EQ(ev_.completions.size(), 1u);
    EXPECT_EQ(ev_.completions[0].id, auth);
    Watcher w = make_watcher([](const WatchEvent&) {});
    submit(OpCode::get_children, proto::ExistsRequest{"/p", true}, {WatchKind::child, "/p", w});
    reply(decode_sent(take().frames.at(0)).header.xid, 3, proto::GetChildrenResponse{});
    conn_->disconnected(now_);
    submit(OpCode::sync, proto::PathRequest{"/"});
    conn_->tick(now_);
    take();
    out = connect_and_handshake();
    ASSERT_EQ(out.frames.size(), 3u);
    proto::Request first = decode_sent(out.frames[0]);
    EXPECT_EQ(first.op(), OpCode::auth);
    EXPECT_EQ(std::get<proto::AuthPacket>(first.body).auth, "u:p");
    EXPECT_EQ(decode_sent(out.frames[1]).op(), OpCode::set_watches2);
    EXPECT_EQ(decode_sent(out.frames[2]).op(), OpCode::sync);
    size_t completions = ev_.completions.size();
    reply(proto::xid::auth, 0, Code::ok);  // a replayed auth answer completes nothing
    take();
    EXPECT_EQ(ev_.completions.size(), completions);
}

TEST_F(ConnectionTest, AuthFailureIsTerminal) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake();
    uint64_t auth = submit(OpCode::auth, proto::AuthPacket{0, "bad", "x"});
    take();
    reply(proto::xid::auth, 0, Code::auth_failed);
    Output out = take();
    EXPECT_TRUE(out.close_transport);
    EXPECT_EQ(conn_->state(), SessionState::auth_failed);
    ASSERT_EQ(ev_.completions.size(), 1u);
    EXPECT_EQ(ev_.completions[0].id, auth);
    EXPECT_EQ(ev_.completions[0].code, Code::auth_failed);
    auto late = conn_->submit(now_, Request{OpCode::sync, proto::PathRequest{"/"}, {}, 0});
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error(), Code::auth_failed);
}

TEST_F(ConnectionTest, ChrootIsAppliedAndStripped) {
    make("a:1/app");
    conn_->start(now_);
    take();
    connect_and_handshake();
    std::vector<WatchEvent> seen;
    Watcher w = make_watcher([&](const WatchEvent& e) { seen.push_back(e); });
    submit(OpCode::create, proto::CreateRequest{"/n", std::string("d"), {}, 0});
    submit(OpCode::exists, proto::ExistsRequest{"/", true}, {WatchKind::exist, "/", w});
    Output out = take();
    proto::Request create = decode_sent(out.frames.at(0));
    EXPECT_EQ(std::get<proto::CreateRequest>(create.body).path, "/app/n");
    EXPECT_EQ(std::get<proto::ExistsRequest>(decode_sent(out.frames.at(1)).body).path, "/app");
    reply(create.header.xid, 2, proto::CreateResponse{"/app/n"});
    reply(decode_sent(out.frames.at(1)).header.xid, 2, proto::StatResponse{});
    notify(EventType::node_data_changed, "/app");
    take();
    ASSERT_EQ(ev_.completions.size(), 2u);
    EXPECT_EQ(std::get<proto::CreateResponse>(ev_.completions[0].body).path, "/n");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].path, "/");
    EXPECT_EQ(seen[0].type, EventType::node_data_changed);
}

TEST_F(ConnectionTest, GetConfigBypassesTheChrootAndWatchesTheConfigNode) {
    make("a:1/app");
    conn_->start(now_);
    take();
    connect_and_handshake();
    std::vector<WatchEvent> seen;
    Watcher w = make_watcher([&](const WatchEvent& e) { seen.push_back(e); });
    auto request = ops::get_config(w);
    ASSERT_TRUE(request.ok());
    EXPECT_TRUE(request->absolute_path);
    auto id = conn_->submit(now_, std::move(request).value());
    ASSERT_TRUE(id.ok());
    Output out = take();
    ASSERT_EQ(out.frames.size(), 1u);
    proto::Request sent = decode_sent(out.frames.at(0));
    EXPECT_EQ(sent.header.type, static_cast<int32_t>(OpCode::get_data));
    const auto& body = std::get<proto::ExistsRequest>(sent.body);
    EXPECT_EQ(body.path, "/zookeeper/config");
    EXPECT_TRUE(body.watch);
    reply(sent.header.xid, 2, proto::GetDataResponse{std::string("version=0"), {}});
    notify(EventType::node_data_changed, "/zookeeper/config");
    take();
    ASSERT_EQ(ev_.completions.size(), 1u);
    auto result = ops::to_data(std::move(ev_.completions[0]));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->data, std::optional<std::string>("version=0"));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].path, "/zookeeper/config");
}

TEST_F(ConnectionTest, ReconfigSendsTheReconfigRecord) {
    // zookeeper.jute ReconfigRequest{joiningServers, leavingServers, newMembers, curConfigId}.
    EXPECT_EQ(ops::reconfig(ReconfigSpec{}).error(), Code::bad_arguments);
    EXPECT_EQ(ops::reconfig(ReconfigSpec{"server.4=h:1:2;3", "", "server.1=h:1:2", -1}).error(),
              Code::bad_arguments);
    make("a:1/app");
    conn_->start(now_);
    take();
    connect_and_handshake();
    auto request = ops::reconfig(ReconfigSpec{"server.4=h:1:2;3", "2,3", "", 0x100000000});
    ASSERT_TRUE(request.ok());
    ASSERT_TRUE(conn_->submit(now_, std::move(request).value()).ok());
    Output out = take();
    ASSERT_EQ(out.frames.size(), 1u);
    proto::Request sent = decode_sent(out.frames.at(0));
    EXPECT_EQ(sent.header.type, 16);
    EXPECT_EQ(std::get<proto::ReconfigRequest>(sent.body),
              (proto::ReconfigRequest{"server.4=h:1:2;3", "2,3", "", 0x100000000}));
    // The unused newMembers is a null ustring (length -1), as the Java client sends it.
    std::string_view payload = payload_of(out.frames.at(0));
    size_t members_at = 8 + 4 + std::string_view("server.4=h:1:2;3").size() + 4 + 3;
    ASSERT_EQ(payload.size(), members_at + 4 + 8);
    EXPECT_EQ(payload.substr(members_at, 4), std::string_view("\xff\xff\xff\xff", 4));
    reply(sent.header.xid, 9, Code::reconfig_disabled);
    take();
    ASSERT_EQ(ev_.completions.size(), 1u);
    EXPECT_EQ(ops::to_data(std::move(ev_.completions[0])).error(), Code::reconfig_disabled);
}

TEST_F(ConnectionTest, RequestTimeoutKeepsTheFifoIntact) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake();
    auto slow = conn_->submit(now_, Request{OpCode::sync, proto::PathRequest{"/"}, {}, 500});
    ASSERT_TRUE(slow.ok());
    uint64_t next = submit(OpCode::exists, proto::ExistsRequest{"/a", false});
    Output out = take();
    EXPECT_EQ(conn_->next_deadline_ms(), now_ + 500);
    conn_->tick(now_ + 500);
    take();
    ASSERT_EQ(ev_.completions.size(), 1u);
    EXPECT_EQ(ev_.completions[0].id, *slow);
    EXPECT_EQ(ev_.completions[0].code, Code::request_timeout);
    reply(decode_sent(out.frames.at(0)).header.xid, 2, proto::PathResponse{"/"});
    reply(decode_sent(out.frames.at(1)).header.xid, 2, proto::StatResponse{});
    take();
    ASSERT_EQ(ev_.completions.size(), 2u);
    EXPECT_EQ(ev_.completions[1].id, next);
    EXPECT_EQ(conn_->state(), SessionState::connected);
}

TEST_F(ConnectionTest, OutboundQueueIsBounded) {
    ConnectionOptions options;
    options.pending_requests_max = 2;
    make("a:1", options);
    conn_->start(now_);
    take();
    submit(OpCode::sync, proto::PathRequest{"/"});
    submit(OpCode::sync, proto::PathRequest{"/"});
    auto third = conn_->submit(now_, Request{OpCode::sync, proto::PathRequest{"/"}, {}, 0});
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error(), Code::throttled_op);
}

TEST_F(ConnectionTest, CloseSendsCloseSessionAfterQueuedRequests) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake();
    std::vector<WatchEvent> seen;
    Watcher w = make_watcher([&](const WatchEvent& e) { seen.push_back(e); });
    submit(OpCode::add_watch, proto::PathTypeRequest{"/q", 0}, {WatchKind::persistent, "/q", w});
    uint64_t close = conn_->close(now_);
    Output out = take();
    ASSERT_EQ(out.frames.size(), 2u);
    proto::Request cs = decode_sent(out.frames[1]);
    EXPECT_EQ(cs.op(), OpCode::close_session);
    reply(decode_sent(out.frames[0]).header.xid, 1, proto::ErrorResponse{0});
    reply(cs.header.xid, 2, Code::ok);
    out = take();
    EXPECT_TRUE(out.close_transport);
    EXPECT_EQ(conn_->state(), SessionState::closed);
    EXPECT_EQ(ev_.completions.back().id, close);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].type, EventType::none);
    ASSERT_EQ(ev_.notifications.size(), 1u);
    EXPECT_EQ(ev_.notifications[0].event.state, KeeperState::closed);
    auto late = conn_->submit(now_, Request{OpCode::sync, proto::PathRequest{"/"}, {}, 0});
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error(), Code::session_expired);
}

TEST_F(ConnectionTest, CloseWhileDisconnectedIsImmediate) {
    make("a:1");
    conn_->start(now_);
    take();
    uint64_t queued = submit(OpCode::sync, proto::PathRequest{"/"});
    uint64_t close = conn_->close(now_);
    Output out = take();
    EXPECT_TRUE(out.close_transport);
    EXPECT_EQ(conn_->state(), SessionState::closed);
    ASSERT_EQ(ev_.completions.size(), 2u);
    EXPECT_EQ(ev_.completions[0].id, queued);
    EXPECT_EQ(ev_.completions[0].code, Code::connection_loss);
    EXPECT_EQ(ev_.completions[1].id, close);
}

TEST_F(ConnectionTest, RemoveWatchesDropsLocalWatchersAndTellsThem) {
    make("a:1");
    conn_->start(now_);
    take();
    connect_and_handshake();
    Watcher w = make_watcher([](const WatchEvent&) {});
    submit(OpCode::get_children, proto::ExistsRequest{"/p", true}, {WatchKind::child, "/p", w});
    reply(decode_sent(take().frames.at(0)).header.xid, 1, proto::GetChildrenResponse{});
    WatchRegistration remove{WatchKind::remove, "/p", nullptr, WatcherType::children};
    submit(OpCode::remove_watches, proto::PathTypeRequest{"/p", 1}, remove);
    reply(decode_sent(take().frames.at(0)).header.xid, 1, Code::ok);
    take();
    EXPECT_TRUE(conn_->watches().empty());
    ASSERT_EQ(ev_.notifications.size(), 1u);
    EXPECT_EQ(ev_.notifications[0].event.type, EventType::child_watch_removed);
}

TEST_F(ConnectionTest, FramesSplitAcrossReadsAndBadLengths) {
    make("a:1");
    conn_->start(now_);
    take();
    conn_->connected(now_);
    take();
    proto::ConnectResponse response{0, 30'000, 5, std::string(16, 'p'), false, true};
    std::string frame = proto::connect_response_frame(response);
    for (char c : frame) {
        conn_->bytes_received(now_, std::string_view(&c, 1));
    }
    EXPECT_EQ(conn_->state(), SessionState::connected);
    conn_->bytes_received(now_, std::string("\xff\xff\xff\xff", 4));
    EXPECT_TRUE(take().close_transport);
    EXPECT_EQ(conn_->state(), SessionState::disconnected);
}

}  // namespace
}  // namespace wd::client
