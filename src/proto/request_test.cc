// decode_request / decode_response: one call per body, typed by opcode (ZooDefs.OpCode and the
// request/response records of zookeeper.jute).
#include <gtest/gtest.h>

#include "proto/request.h"
#include "proto/test_util.h"

namespace wd::proto {
namespace {

using test::from_hex;

std::string body_bytes(const RequestBody& body) {
    std::string out;
    JuteWriter w(out);
    encode_request_body(w, body);
    return out;
}
std::string body_bytes(const ResponseBody& body) {
    std::string out;
    JuteWriter w(out);
    encode_response_body(w, body);
    return out;
}

Stat stat() { return Stat{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; }
std::vector<Acl> open_acl() { return {Acl{perms::all, Id{"world", "anyone"}}}; }

struct RequestCase {
    OpCode op;
    RequestBody body;
};

std::vector<RequestCase> request_cases() {
    MultiRequest multi;
    multi.ops.push_back({OpCode::create, CreateRequest{"/m", std::string("1"), open_acl(), 0}});
    multi.ops.push_back({OpCode::check, CheckVersionRequest{"/m", 0}});
    MultiRequest multi_read;
    multi_read.ops.push_back({OpCode::get_data, ExistsRequest{"/m", false}});
    return {
        {OpCode::ping, Empty{}},
        {OpCode::close_session, Empty{}},
        {OpCode::who_am_i, Empty{}},
        {OpCode::create, CreateRequest{"/a", std::string("x"), open_acl(), 0}},
        {OpCode::create2, CreateRequest{"/a", std::nullopt, open_acl(), 2}},
        {OpCode::create_container, CreateRequest{"/c", std::string(), open_acl(), 4}},
        {OpCode::create_ttl, CreateTtlRequest{"/t", std::string(), open_acl(), 5, 100}},
        {OpCode::remove, DeleteRequest{"/a", -1}},
        {OpCode::exists, ExistsRequest{"/a", true}},
        {OpCode::get_data, ExistsRequest{"/a", false}},
        {OpCode::get_children, ExistsRequest{"/a", true}},
        {OpCode::get_children2, ExistsRequest{"/a", false}},
        {OpCode::set_data, SetDataRequest{"/a", std::string("y"), 3}},
        {OpCode::get_acl, PathRequest{"/a"}},
        {OpCode::sync, PathRequest{"/a"}},
        {OpCode::get_all_children_number, PathRequest{"/a"}},
        {OpCode::get_ephemerals, PathRequest{"/"}},
        {OpCode::set_acl, SetAclRequest{"/a", open_acl(), -1}},
        {OpCode::check, CheckVersionRequest{"/a", 1}},
        {OpCode::check_watches, PathTypeRequest{"/a", 3}},
        {OpCode::remove_watches, PathTypeRequest{"/a", 2}},
        {OpCode::add_watch, PathTypeRequest{"/a", 1}},
        {OpCode::reconfig, ReconfigRequest{"", "", "server.1=h:1:2", -1}},
        {OpCode::sasl, SaslRequest{"token"}},
        {OpCode::set_watches, SetWatches{9, {"/d"}, {"/e"}, {"/c"}}},
        {OpCode::set_watches2, SetWatches2{9, {"/d"}, {}, {}, {"/p"}, {"/r"}}},
        {OpCode::auth, AuthPacket{0, "digest", "u:p"}},
        {OpCode::multi, multi},
        {OpCode::multi_read, multi_read},
    };
}

TEST(Request, EveryClientOpcodeDecodes) {
    for (const RequestCase& c : request_cases()) {
        SCOPED_TRACE(std::string(opcode_name(c.op)));
        std::string bytes = body_bytes(c.body);
        auto back = decode_request(c.op, bytes);
        ASSERT_TRUE(back.ok()) << back.error().message();
        EXPECT_EQ(back->index(), c.body.index());
        EXPECT_TRUE(*back == c.body);
        EXPECT_EQ(body_bytes(*back), bytes);
        // Every strict prefix fails; one trailing byte fails.
        for (size_t cut = 0; cut < bytes.size(); ++cut) {
            std::string prefix = bytes.substr(0, cut);
            EXPECT_FALSE(decode_request(c.op, prefix).ok()) << "cut " << cut;
        }
        auto trailing = decode_request(c.op, bytes + 'x');
        ASSERT_FALSE(trailing.ok());
        EXPECT_EQ(trailing.error().code(), StatusCode::corruption);
    }
}

TEST(Request, NonRequestOpcodesAreNotFound) {
    for (int32_t op : {0, -1, -10, 20, 10, 23, 99, 108, 1000, -2}) {
        auto r = decode_request(static_cast<OpCode>(op), "");
        ASSERT_FALSE(r.ok()) << op;
        EXPECT_EQ(r.error().code(), StatusCode::not_found) << op;
    }
}

TEST(Request, MultiWithDisallowedOpIsInvalidArgument) {
    MultiRequest multi_read;
    multi_read.ops.push_back({OpCode::get_children, ExistsRequest{"/m", false}});
    std::string bytes = body_bytes(RequestBody(multi_read));
    auto r = decode_request(OpCode::multi, bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), StatusCode::invalid_argument);
    EXPECT_TRUE(decode_request(OpCode::multi_read, bytes).ok());
}

TEST(Request, PayloadWithHeader) {
    // zkCli's "get -s /j": RequestHeader{3, getData} + GetDataRequest{"/j", false}.
    auto r = decode_request_payload(from_hex("0000000300000004000000022f6a00"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->header.xid, 3);
    EXPECT_EQ(r->op(), OpCode::get_data);
    EXPECT_TRUE(r->body == RequestBody(ExistsRequest{"/j", false}));
    // Ping: header only.
    auto ping = decode_request_payload(from_hex("fffffffe0000000b"));
    ASSERT_TRUE(ping.ok());
    EXPECT_EQ(ping->op(), OpCode::ping);
    EXPECT_TRUE(std::holds_alternative<Empty>(ping->body));
    // Truncated header, and a ping with a trailing byte.
    EXPECT_FALSE(decode_request_payload(from_hex("fffffffe0000")).ok());
    EXPECT_FALSE(decode_request_payload(from_hex("fffffffe0000000b00")).ok());
    auto unknown = decode_request_payload(from_hex("0000000100000063"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), StatusCode::not_found);
}

struct ResponseCase {
    OpCode op;
    ResponseBody body;
};

TEST(Request, EveryResponseDecodes) {
    MultiResponse multi;
    multi.results.push_back({OpCode::create, 0, CreateResponse{"/m"}});
    multi.results.push_back({OpCode::error, -101, ErrorResponse{-101}});
    std::vector<ResponseCase> cases = {
        {OpCode::remove, Empty{}},
        {OpCode::check, Empty{}},
        {OpCode::ping, Empty{}},
        {OpCode::close_session, Empty{}},
        {OpCode::auth, Empty{}},
        {OpCode::set_watches, Empty{}},
        {OpCode::set_watches2, Empty{}},
        {OpCode::check_watches, Empty{}},
        {OpCode::remove_watches, Empty{}},
        {OpCode::add_watch, ErrorResponse{0}},
        {OpCode::exists, StatResponse{stat()}},
        {OpCode::set_data, StatResponse{stat()}},
        {OpCode::set_acl, StatResponse{stat()}},
        {OpCode::create, CreateResponse{"/a"}},
        {OpCode::create2, Create2Response{"/a", stat()}},
        {OpCode::create_container, Create2Response{"/c", stat()}},
        {OpCode::create_ttl, Create2Response{"/t", stat()}},
        {OpCode::get_data, GetDataResponse{std::string("d"), stat()}},
        {OpCode::reconfig, GetDataResponse{std::string("server.1=h:1:2"), stat()}},
        {OpCode::get_children, GetChildrenResponse{{"a", "b"}}},
        {OpCode::get_children2, GetChildren2Response{{"a"}, stat()}},
        {OpCode::get_acl, GetAclResponse{open_acl(), stat()}},
        {OpCode::sync, PathResponse{"/a"}},
        {OpCode::get_all_children_number, GetAllChildrenNumberResponse{3}},
        {OpCode::get_ephemerals, GetEphemeralsResponse{{"/e"}}},
        {OpCode::sasl, SaslResponse{"tok"}},
        {OpCode::who_am_i, WhoAmIResponse{{ClientInfo{"ip", "127.0.0.1"}}}},
        {OpCode::multi, multi},
        {OpCode::multi_read, multi},
        {OpCode::notification, WatcherEvent{1, 3, "/a"}},
    };
    for (const ResponseCase& c : cases) {
        SCOPED_TRACE(std::string(opcode_name(c.op)));
        std::string bytes = body_bytes(c.body);
        auto back = decode_response(c.op, bytes);
        ASSERT_TRUE(back.ok()) << back.error().message();
        EXPECT_TRUE(*back == c.body);
        EXPECT_EQ(body_bytes(*back), bytes);
        for (size_t cut = 0; cut < bytes.size(); ++cut) {
            std::string prefix = bytes.substr(0, cut);
            EXPECT_FALSE(decode_response(c.op, prefix).ok()) << "cut " << cut;
        }
        EXPECT_FALSE(decode_response(c.op, bytes + 'x').ok());
    }
    EXPECT_FALSE(decode_response(OpCode::create_session, "").ok());
    EXPECT_FALSE(decode_response(static_cast<OpCode>(55), "").ok());
}

}  // namespace
}  // namespace wd::proto
