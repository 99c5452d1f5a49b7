// The pipeline driven frame by frame, without sockets: handshake, FIFO order, watch
// notifications before replies, session close and expiry, and recovery from disk.
#include "server/pipeline.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "proto/codec.h"

namespace wd::server {
namespace {

using proto::OpCode;

class FakeClock final : public Clock {
public:
    int64_t wall_ms() override { return 1'700'000'000'000 + now_us / 1000; }
    int64_t monotonic_ms() override { return now_us / 1000; }
    int64_t monotonic_us() override { return now_us; }
    int64_t now_us = 1'000'000;
};

// Records every frame per connection, decoded into a printable line.
class RecordingSink final : public Sink {
public:
    void send(ConnId conn, std::string frame) override { frames[conn].push_back(frame); }
    void close(ConnId conn) override { closed.push_back(conn); }
    std::map<ConnId, std::vector<std::string>> frames;
    std::vector<ConnId> closed;
};

struct Reply {
    int32_t xid = 0;
    int64_t zxid = 0;
    int32_t err = 0;
    std::string body;
};

Reply parse_reply(const std::string& frame) {
    proto::JuteReader r(std::string_view(frame).substr(4));
    auto h = proto::decode<proto::ReplyHeader>(r);
    Reply reply{h.xid, h.zxid, h.err, frame.substr(4 + r.position())};
    return reply;
}

std::string request(int32_t xid, OpCode type, const std::string& body) {
    std::string out;
    proto::JuteWriter w(out);
    proto::encode(w, proto::RequestHeader{xid, static_cast<int32_t>(type)});
    out += body;
    return out;
}

class PipelineTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("wd-pipeline-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        config_.data_dir = dir_.string();
        config_.data_log_dir = dir_.string();
        config_.tick_time_ms = 100;
        reopen();
    }
    void TearDown() override {
        pipeline_.reset();
        std::filesystem::remove_all(dir_);
    }
    void reopen() {
        pipeline_.reset();
        auto p = Pipeline::open(config_, &clock_, &sink_, 7);
        ASSERT_TRUE(p.ok()) << p.error().to_string();
        pipeline_ = std::move(p).value();
    }
    // Connects `conn` with a new session and returns the session id.
    int64_t connect(ConnId conn, int32_t timeout_ms = 1000) {
        pipeline_->on_connect(conn, "127.0.0.1", 40000);
        std::string body;
        proto::JuteWriter w(body);
        proto::encode(
            w, proto::ConnectRequest{0, 0, timeout_ms, 0, std::string(16, '\0'), false, true});
        pipeline_->on_frame(conn, body);
        pipeline_->flush();
        EXPECT_FALSE(sink_.frames[conn].empty());
        auto response =
            proto::decode_connect_response(std::string_view(sink_.frames[conn].back()).substr(4));
        EXPECT_TRUE(response.ok());
        sink_.frames[conn].clear();
        return response->session_id;
    }
    std::vector<Reply> take(ConnId conn) {
        std::vector<Reply> out;
        for (const auto& f : sink_.frames[conn]) {
            out.push_back(parse_reply(f));
        }
        sink_.frames[conn].clear();
        return out;
    }
    void create(ConnId conn, int32_t xid, const std::string& path, int32_t flags = 0) {
        proto::CreateRequest r{path, std::string("v"), {{31, {"world", "anyone"}}}, flags};
        pipeline_->on_frame(conn, request(xid, OpCode::create, proto::encode_to_string(r)));
    }

    std::filesystem::path dir_;
    Config config_;
    FakeClock clock_;
    RecordingSink sink_;
    std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, HandshakeNegotiatesTimeoutIntoBounds) {
    pipeline_->on_connect(1, "127.0.0.1", 1);
    std::string body;
    proto::JuteWriter w(body);
    proto::encode(w, proto::ConnectRequest{0, 0, 999'999, 0, std::string(16, '\0'), false, true});
    pipeline_->on_frame(1, body);
    pipeline_->flush();
    ASSERT_EQ(sink_.frames[1].size(), 1u);
    auto response = proto::decode_connect_response(std::string_view(sink_.frames[1][0]).substr(4));
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->timeout_ms, 20 * config_.tick_time_ms);
    EXPECT_NE(response->session_id, 0);
    EXPECT_EQ(response->passwd.size(), 16u);
}

TEST_F(PipelineTest, RequestsPipelinedBehindHandshakeUseTheNewSession) {
    pipeline_->on_connect(1, "127.0.0.1", 1);
    std::string body;
    proto::JuteWriter w(body);
    proto::encode(w, proto::ConnectRequest{0, 0, 3000, 0, std::string(16, '\0'), false, true});
    pipeline_->on_frame(1, body);
    create(1, 1, "/early", 1);  // ephemeral: needs the session to exist when applied
    pipeline_->flush();
    ASSERT_EQ(sink_.frames[1].size(), 2u);
    auto response = proto::decode_connect_response(std::string_view(sink_.frames[1][0]).substr(4));
    ASSERT_TRUE(response.ok());
    Reply created = parse_reply(sink_.frames[1][1]);
    EXPECT_EQ(created.xid, 1);
    EXPECT_EQ(created.err, 0);
    auto stat = pipeline_->tree().exists("/early");
    ASSERT_TRUE(stat.ok());
    EXPECT_EQ(stat->ephemeral_owner, response->session_id);
}

TEST_F(PipelineTest, ClientAheadOfServerIsRefused) {
    pipeline_->on_connect(1, "127.0.0.1", 1);
    std::string body;
    proto::JuteWriter w(body);
    proto::encode(w, proto::ConnectRequest{0, 1000, 3000, 0, std::string(16, '\0'), false, true});
    pipeline_->on_frame(1, body);
    pipeline_->flush();
    EXPECT_TRUE(sink_.frames[1].empty());
    ASSERT_EQ(sink_.closed.size(), 1u);
    EXPECT_EQ(sink_.closed[0], 1u);
}

TEST_F(PipelineTest, ReadWaitsForEarlierWriteOfSameSession) {
    connect(1);
    create(1, 1, "/a");
    proto::ExistsRequest get{"/a", false};
    pipeline_->on_frame(1, request(2, OpCode::get_data, proto::encode_to_string(get)));
    // Before the flush, the read must not have been answered ahead of the write.
    EXPECT_TRUE(sink_.frames[1].empty());
    pipeline_->flush();
    auto replies = take(1);
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[0].xid, 1);
    EXPECT_EQ(replies[0].err, 0);
    EXPECT_EQ(replies[1].xid, 2);
    EXPECT_EQ(replies[1].err, 0);
}

TEST_F(PipelineTest, NotificationPrecedesReplyThatReflectsChange) {
    connect(1);
    connect(2);
    create(1, 1, "/w");
    pipeline_->flush();
    take(1);
    proto::ExistsRequest watch{"/w", true};
    pipeline_->on_frame(2, request(1, OpCode::get_data, proto::encode_to_string(watch)));
    take(2);
    proto::SetDataRequest set{"/w", std::string("new"), -1};
    pipeline_->on_frame(1, request(2, OpCode::set_data, proto::encode_to_string(set)));
    // A read before the write is applied sees the old data and needs no notification first.
    auto get = proto::encode_to_string(proto::ExistsRequest{"/w", false});
    pipeline_->on_frame(2, request(2, OpCode::get_data, get));
    pipeline_->flush();
    pipeline_->on_frame(2, request(3, OpCode::get_data, get));
    auto replies = take(2);
    ASSERT_EQ(replies.size(), 3u);
    EXPECT_EQ(replies[0].xid, 2);
    proto::JuteReader old_reader(replies[0].body);
    EXPECT_EQ(proto::decode<proto::GetDataResponse>(old_reader).data, "v");
    EXPECT_EQ(replies[1].xid, -1);  // NodeDataChanged before any reply showing "new"
    proto::JuteReader r(replies[1].body);
    auto event = proto::decode<proto::WatcherEvent>(r);
    EXPECT_EQ(event.type, static_cast<int32_t>(proto::EventType::node_data_changed));
    EXPECT_EQ(event.path, "/w");
    EXPECT_EQ(replies[2].xid, 3);
    proto::JuteReader new_reader(replies[2].body);
    EXPECT_EQ(proto::decode<proto::GetDataResponse>(new_reader).data, "new");
}

TEST_F(PipelineTest, CloseSessionRemovesEphemeralsAndClosesConnection) {
    connect(1);
    create(1, 1, "/e", 1);
    pipeline_->flush();
    take(1);
    EXPECT_TRUE(pipeline_->tree().exists("/e").ok());
    pipeline_->on_frame(1, request(2, OpCode::close_session, ""));
    pipeline_->flush();
    auto replies = take(1);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].err, 0);
    EXPECT_FALSE(pipeline_->tree().exists("/e").ok());
    ASSERT_EQ(sink_.closed.size(), 1u);
}

TEST_F(PipelineTest, SilentSessionExpiresAndLosesEphemerals) {
    connect(1, 400);
    create(1, 1, "/gone", 1);
    pipeline_->flush();
    pipeline_->on_disconnect(1);
    clock_.now_us += 300'000;
    pipeline_->on_timer();
    pipeline_->flush();
    EXPECT_TRUE(pipeline_->tree().exists("/gone").ok());
    clock_.now_us += 300'000;
    pipeline_->on_timer();
    pipeline_->flush();
    EXPECT_FALSE(pipeline_->tree().exists("/gone").ok());
    EXPECT_TRUE(pipeline_->tree().sessions().empty());
}

TEST_F(PipelineTest, AcknowledgedWritesSurviveReopen) {
    connect(1);
    for (int i = 0; i < 50; ++i) {
        create(1, i + 1, "/n" + std::to_string(i));
    }
    pipeline_->flush();
    auto replies = take(1);
    ASSERT_EQ(replies.size(), 50u);
    int64_t zxid = pipeline_->tree().last_zxid();
    uint64_t digest = pipeline_->tree().digest();
    reopen();
    EXPECT_EQ(pipeline_->tree().last_zxid(), zxid);
    EXPECT_EQ(pipeline_->tree().digest(), digest);
    EXPECT_TRUE(pipeline_->tree().exists("/n49").ok());
}

TEST_F(PipelineTest, SnapshotThenLogRecovers) {
    config_.snap_count = 10;
    reopen();
    connect(1);
    for (int i = 0; i < 40; ++i) {
        create(1, i + 1, "/s" + std::to_string(i));
        pipeline_->flush();
    }
    pipeline_->shutdown();  // waits for a running snapshot
    uint64_t digest = pipeline_->tree().digest();
    EXPECT_GE(pipeline_->stats().fsyncs, 40);
    reopen();
    EXPECT_EQ(pipeline_->tree().digest(), digest);
    bool has_snapshot = false;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "snapshots")) {
        has_snapshot |= e.path().extension() == ".snap";
    }
    EXPECT_TRUE(has_snapshot);
}

TEST_F(PipelineTest, UnknownOpcodeGetsUnimplementedThenClose) {
    int64_t session = connect(1);
    pipeline_->on_frame(1, request(1, static_cast<OpCode>(77), ""));
    pipeline_->on_frame(1, request(2, OpCode::ping, ""));
    pipeline_->flush();
    auto replies = take(1);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].err, static_cast<int32_t>(Code::unimplemented));
    ASSERT_EQ(sink_.closed.size(), 1u);
    // Only the connection goes; the session lives on until it expires.
    EXPECT_NE(pipeline_->tree().session(session), nullptr);
}

}  // namespace
}  // namespace wd::server
