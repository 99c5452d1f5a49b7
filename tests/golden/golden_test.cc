// Golden frames from real clients (tests/data/proto/*.txt, recorded by tools/capture/record.sh
// through tools/capture/zkproxy.py against Apache ZooKeeper 3.8.0): zkCli (Java client), the C
// client (libzookeeper_mt 3.8.0) and kazoo 2.8. Every frame, both directions, is split, decoded
// with our codec and re-encoded; the bytes must be identical. Server frames therefore check our
// response encoders byte for byte against ZooKeeper's.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "proto/frame.h"
#include "proto/request.h"
#include "proto/test_util.h"

#ifndef WD_PROTO_TEST_DATA_DIR
#error "WD_PROTO_TEST_DATA_DIR must point at tests/data/proto"
#endif

namespace wd::proto {
namespace {

using test::from_hex;
using test::to_hex;

struct Line {
    int number = 0;
    char dir = 0;        // '>' client to server, '<' server to client
    std::string op;      // "connect" or a decimal opcode
    std::string frame;   // the whole frame, length included
};

std::vector<Line> load(const std::string& name) {
    std::ifstream in(std::string(WD_PROTO_TEST_DATA_DIR) + "/" + name);
    EXPECT_TRUE(in.good()) << name;
    std::vector<Line> lines;
    std::string text;
    int number = 0;
    while (std::getline(in, text)) {
        ++number;
        if (text.empty() || text[0] == '#') {
            continue;
        }
        std::istringstream fields(text);
        Line line;
        std::string dir;
        std::string hex;
        fields >> dir >> line.op >> hex;
        EXPECT_TRUE(dir == ">" || dir == "<") << name << ":" << number;
        EXPECT_EQ(hex.size() % 2, 0u) << name << ":" << number;
        line.number = number;
        line.dir = dir.empty() ? 0 : dir[0];
        line.frame = from_hex(hex);
        EXPECT_EQ(to_hex(line.frame), hex) << name << ":" << number << " bad hex";
        lines.push_back(std::move(line));
    }
    return lines;
}

struct Seen {
    std::set<int32_t> requests;
    std::set<int32_t> responses;
    int connects = 0;
    int connects_with_read_only = 0;
    int error_replies = 0;
    int multi_error_results = 0;
};

std::string encode_request(const Request& request) {
    return build_frame([&](JuteWriter& w) {
        encode(w, request.header);
        encode_request_body(w, request.body);
    });
}

std::string encode_reply(const ReplyHeader& header, const ResponseBody& body) {
    return build_frame([&](JuteWriter& w) {
        encode(w, header);
        encode_response_body(w, body);
    });
}

// Checks one frame; returns false (with a failure recorded) when it does not round-trip.
void check_line(const std::string& name, const Line& line, Seen& seen) {
    SCOPED_TRACE(name + ":" + std::to_string(line.number) + " " + line.dir + " " + line.op);
    auto frames = split_frames(line.frame);
    ASSERT_TRUE(frames.ok());
    ASSERT_EQ(frames->payloads.size(), 1u);
    ASSERT_EQ(frames->consumed, line.frame.size());
    const std::string_view payload = frames->payloads[0];
    ASSERT_EQ(frame(payload), line.frame);

    if (line.op == "connect") {
        ++seen.connects;
        if (line.dir == '>') {
            auto request = decode_connect_request(payload);
            ASSERT_TRUE(request.ok()) << request.error().message();
            seen.connects_with_read_only += request->has_read_only ? 1 : 0;
            EXPECT_EQ(to_hex(connect_request_frame(*request)), to_hex(line.frame));
        } else {
            auto response = decode_connect_response(payload);
            ASSERT_TRUE(response.ok()) << response.error().message();
            EXPECT_EQ(to_hex(connect_response_frame(*response)), to_hex(line.frame));
        }
        return;
    }

    const auto op = static_cast<OpCode>(std::stoi(line.op));
    if (line.dir == '>') {
        auto request = decode_request_payload(payload);
        ASSERT_TRUE(request.ok()) << request.error().message();
        EXPECT_EQ(request->op(), op);
        EXPECT_EQ(to_hex(encode_request(*request)), to_hex(line.frame));
        seen.requests.insert(static_cast<int32_t>(op));
        return;
    }

    JuteReader r(payload);
    ReplyHeader header = decode<ReplyHeader>(r);
    ASSERT_TRUE(r.ok());
    const std::string_view body = payload.substr(r.position());
    if (op == OpCode::notification) {
        EXPECT_EQ(header.xid, xid::notification);
        EXPECT_EQ(header.err, 0);
    }
    if (header.err != 0) {
        // ZooKeeper sends the header alone for a failed request.
        EXPECT_TRUE(body.empty());
        EXPECT_EQ(to_hex(reply_frame(header)), to_hex(line.frame));
        ++seen.error_replies;
        return;
    }
    auto response = decode_response(op, body);
    ASSERT_TRUE(response.ok()) << response.error().message();
    EXPECT_EQ(to_hex(encode_reply(header, *response)), to_hex(line.frame));
    if (const auto* multi = std::get_if<MultiResponse>(&*response)) {
        for (const MultiResult& result : multi->results) {
            seen.multi_error_results += result.type == OpCode::error ? 1 : 0;
        }
    }
    seen.responses.insert(static_cast<int32_t>(op));
}

Seen check_file(const std::string& name) {
    Seen seen;
    std::vector<Line> lines = load(name);
    EXPECT_FALSE(lines.empty()) << name;
    for (const Line& line : lines) {
        check_line(name, line, seen);
    }
    return seen;
}

bool has_all(const std::set<int32_t>& seen, std::initializer_list<OpCode> ops) {
    bool all = true;
    for (OpCode op : ops) {
        if (!seen.contains(static_cast<int32_t>(op))) {
            ADD_FAILURE() << "no captured frame for " << opcode_name(op);
            all = false;
        }
    }
    return all;
}

TEST(Golden, JavaClientZkCli) {
    Seen seen = check_file("zkcli.txt");
    EXPECT_EQ(seen.connects, 2);
    EXPECT_EQ(seen.connects_with_read_only, 1);
    has_all(seen.requests, {OpCode::create, OpCode::get_data, OpCode::set_data,
                            OpCode::get_children2, OpCode::set_acl, OpCode::get_acl, OpCode::auth,
                            OpCode::add_watch, OpCode::remove, OpCode::sync,
                            OpCode::close_session});
    has_all(seen.responses, {OpCode::create, OpCode::get_data, OpCode::set_data,
                             OpCode::get_children2, OpCode::set_acl, OpCode::get_acl,
                             OpCode::auth, OpCode::add_watch, OpCode::remove, OpCode::sync,
                             OpCode::close_session, OpCode::notification});
}

TEST(Golden, CClient) {
    Seen seen = check_file("c.txt");
    EXPECT_EQ(seen.connects, 2);
    EXPECT_EQ(seen.connects_with_read_only, 1);
    has_all(seen.requests, {OpCode::create, OpCode::get_data, OpCode::set_data, OpCode::multi,
                            OpCode::exists, OpCode::remove, OpCode::get_children,
                            OpCode::close_session});
    has_all(seen.responses, {OpCode::create, OpCode::get_data, OpCode::set_data, OpCode::multi,
                             OpCode::exists, OpCode::notification, OpCode::get_children});
    EXPECT_GE(seen.error_replies, 2);       // setData BADVERSION, exists NONODE
    EXPECT_GE(seen.multi_error_results, 2);  // the failed multi
}

TEST(Golden, Kazoo) {
    Seen seen = check_file("kazoo.txt");
    EXPECT_EQ(seen.connects, 2);
    EXPECT_EQ(seen.connects_with_read_only, 1);
    has_all(seen.requests, {OpCode::exists, OpCode::create, OpCode::multi, OpCode::get_children,
                            OpCode::get_children2, OpCode::get_data, OpCode::close_session});
    has_all(seen.responses, {OpCode::exists, OpCode::create, OpCode::multi,
                             OpCode::get_children, OpCode::get_children2, OpCode::get_data});
    EXPECT_GE(seen.multi_error_results, 2);
}

TEST(Golden, HandBuiltOldClientHandshake) {
    Seen seen = check_file("handbuilt.txt");
    EXPECT_EQ(seen.connects, 3);
    EXPECT_EQ(seen.connects_with_read_only, 0);
    std::vector<Line> lines = load("handbuilt.txt");
    ASSERT_EQ(lines.size(), 3u);
    auto request = decode_connect_request(std::string_view(lines[0].frame).substr(4));
    ASSERT_TRUE(request.ok());
    EXPECT_FALSE(request->has_read_only);
    EXPECT_EQ(request->timeout_ms, 30000);
    auto response = decode_connect_response(std::string_view(lines[1].frame).substr(4));
    ASSERT_TRUE(response.ok());
    EXPECT_FALSE(response->has_read_only);
    auto reattach = decode_connect_request(std::string_view(lines[2].frame).substr(4));
    ASSERT_TRUE(reattach.ok());
    EXPECT_EQ(reattach->last_zxid_seen, 0x1f);
    EXPECT_EQ(reattach->session_id, 0x100000944c50000);
    EXPECT_EQ(to_hex(reattach->passwd), "00112233445566778899aabbccddeeff");
}

TEST(Golden, CapturedConnectRequestsCarryReadOnly) {
    for (const char* name : {"zkcli.txt", "c.txt", "kazoo.txt"}) {
        std::vector<Line> lines = load(name);
        ASSERT_FALSE(lines.empty());
        ASSERT_EQ(lines[0].op, "connect");
        ASSERT_EQ(lines[0].dir, '>');
        auto request = decode_connect_request(std::string_view(lines[0].frame).substr(4));
        ASSERT_TRUE(request.ok()) << name;
        EXPECT_TRUE(request->has_read_only) << name;
        EXPECT_FALSE(request->read_only) << name;
        EXPECT_EQ(request->passwd.size(), 16u) << name;
    }
}

}  // namespace
}  // namespace wd::proto
