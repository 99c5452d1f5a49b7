// Frame splitter and frame builders. A frame is a 4-byte big-endian length then the payload
// (ZooKeeper NIOServerCnxn/ClientCnxnSocket; the length is checked against jute.maxbuffer).
#include <gtest/gtest.h>

#include "base/coding.h"
#include "proto/frame.h"
#include "proto/test_util.h"

namespace wd::proto {
namespace {

using test::from_hex;
using test::to_hex;

std::string length_prefix(uint32_t n) {
    std::string out;
    put_u32_be(out, n);
    return out;
}

TEST(Frame, EmptyAndPartialHeaderNeedMore) {
    for (size_t n = 0; n < 4; ++n) {
        std::string buffer = length_prefix(5).substr(0, n);
        auto split = split_frame(buffer);
        ASSERT_TRUE(split.ok());
        EXPECT_FALSE(split->has_value()) << n;
    }
}

TEST(Frame, PartialPayloadNeedsMore) {
    std::string whole = frame("hello");
    for (size_t n = 4; n < whole.size(); ++n) {
        std::string buffer = whole.substr(0, n);
        auto split = split_frame(buffer);
        ASSERT_TRUE(split.ok());
        EXPECT_FALSE(split->has_value()) << n;
    }
    auto split = split_frame(whole);
    ASSERT_TRUE(split.ok());
    ASSERT_TRUE(split->has_value());
    EXPECT_EQ((*split)->payload, "hello");
    EXPECT_EQ((*split)->size, whole.size());
}

TEST(Frame, ZeroLengthFrame) {
    std::string buffer = length_prefix(0) + "rest";
    auto split = split_frame(buffer);
    ASSERT_TRUE(split.ok());
    ASSERT_TRUE(split->has_value());
    EXPECT_EQ((*split)->payload, "");
    EXPECT_EQ((*split)->size, 4u);
}

TEST(Frame, SeveralFramesInOneBuffer) {
    std::string buffer = frame("a") + frame("") + frame("ccc") + frame("dddd").substr(0, 6);
    auto frames = split_frames(buffer);
    ASSERT_TRUE(frames.ok());
    ASSERT_EQ(frames->payloads.size(), 3u);
    EXPECT_EQ(frames->payloads[0], "a");
    EXPECT_EQ(frames->payloads[1], "");
    EXPECT_EQ(frames->payloads[2], "ccc");
    EXPECT_EQ(frames->consumed, 5u + 4 + 7);
    // The rest is the partial fourth frame.
    EXPECT_EQ(buffer.substr(frames->consumed), frame("dddd").substr(0, 6));

    auto none = split_frames("");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->payloads.empty());
    EXPECT_EQ(none->consumed, 0u);

    // Many empty frames: the loop bound (buffer.size() / 4) is exact.
    std::string zeros(4 * 100, '\0');
    auto many = split_frames(zeros);
    ASSERT_TRUE(many.ok());
    EXPECT_EQ(many->payloads.size(), 100u);
    EXPECT_EQ(many->consumed, zeros.size());
}

TEST(Frame, OversizedRejected) {
    std::string at_max = length_prefix(limits::frame_size_max);
    auto ok = split_frame(at_max);
    ASSERT_TRUE(ok.ok());  // allowed, needs more
    EXPECT_FALSE(ok->has_value());

    std::string over = length_prefix(limits::frame_size_max + 1);
    auto split = split_frame(over);
    ASSERT_FALSE(split.ok());
    EXPECT_EQ(split.error().code(), StatusCode::too_large);

    // A configured maximum.
    std::string buffer = frame("0123456789");
    EXPECT_TRUE(split_frame(buffer, 10).ok());
    auto small = split_frame(buffer, 9);
    ASSERT_FALSE(small.ok());
    EXPECT_EQ(small.error().code(), StatusCode::too_large);

    // An oversized frame after good ones fails the whole batch.
    std::string batch = frame("a") + over;
    EXPECT_FALSE(split_frames(batch).ok());

    // A four-letter word read as a length is far above the maximum.
    EXPECT_FALSE(split_frame("ruok").ok());
}

TEST(Frame, NegativeLengthRejected) {
    for (uint32_t n : {0xffffffffu, 0x80000000u, 0xfffffffbu}) {
        std::string buffer = length_prefix(n) + "xxxx";
        auto split = split_frame(buffer);
        ASSERT_FALSE(split.ok()) << n;
        EXPECT_EQ(split.error().code(), StatusCode::corruption);
        EXPECT_FALSE(split_frames(frame("ok") + buffer).ok());
    }
}

TEST(Frame, ReplyFrameLayout) {
    // ReplyHeader{xid 1, zxid 2, err 0} + CreateResponse{"/j"}, as ZooKeeper sent to zkCli.
    std::string out = reply_frame(ReplyHeader{1, 2, 0}, CreateResponse{"/j"});
    EXPECT_EQ(to_hex(out), "0000001600000001000000000000000200000000000000022f6a");
    // Header only: the reply to delete.
    EXPECT_EQ(to_hex(reply_frame(ReplyHeader{10, 7, 0})),
              "000000100000000a000000000000000700000000");
    // Errors carry no body.
    EXPECT_EQ(to_hex(reply_frame(ReplyHeader{3, 0x13, -101})),
              "00000010000000030000000000000013ffffff9b");
    // A MultiResponse body goes through its own encoder.
    MultiResponse multi;
    multi.results.push_back({OpCode::check, 0, Empty{}});
    std::string m = reply_frame(ReplyHeader{4, 5, 0}, multi);
    EXPECT_EQ(to_hex(m.substr(20)), "0000000d0000000000ffffffff01ffffffff");
    EXPECT_EQ(load_u32_be(m.data()), m.size() - 4);
}

TEST(Frame, NotificationFrameLayout) {
    // ZooKeeper 3.8 to zkCli: NodeCreated /j/child, SyncConnected, zxid -1.
    std::string out = notification_frame(
        -1, WatcherEvent{static_cast<int32_t>(EventType::node_created),
                         static_cast<int32_t>(KeeperState::sync_connected), "/j/child"});
    EXPECT_EQ(to_hex(out),
              "00000024ffffffffffffffffffffffff000000000000000100000003000000082f6a2f6368696c64");
}

TEST(Frame, ConnectFrames) {
    ConnectRequest req{0, 0, 30000, 0, std::string(16, '\0'), false, true};
    std::string out = connect_request_frame(req);
    EXPECT_EQ(to_hex(out),
              "0000002d0000000000000000000000000000753000000000000000000000001000000000000000000000"
              "00000000000000");
    req.has_read_only = false;
    EXPECT_EQ(connect_request_frame(req).size(), out.size() - 1);
    EXPECT_EQ(load_u32_be(connect_request_frame(req).data()), 0x2cu);

    ConnectResponse resp{0, 30000, 1, std::string(16, 'x'), false};
    std::string r = connect_response_frame(resp);
    EXPECT_EQ(load_u32_be(r.data()), 37u);
    resp.has_read_only = false;
    EXPECT_EQ(load_u32_be(connect_response_frame(resp).data()), 36u);
}

TEST(Frame, RequestFrames) {
    EXPECT_EQ(to_hex(request_frame(RequestHeader{xid::ping, static_cast<int32_t>(OpCode::ping)})),
              "00000008fffffffe0000000b");
    EXPECT_EQ(to_hex(request_frame(RequestHeader{3, 4}, ExistsRequest{"/j", false})),
              "0000000f0000000300000004000000022f6a00");
}

TEST(Frame, FrameOfPayload) {
    EXPECT_EQ(to_hex(frame("")), "00000000");
    EXPECT_EQ(to_hex(frame(from_hex("0102"))), "000000020102");
}

}  // namespace
}  // namespace wd::proto
