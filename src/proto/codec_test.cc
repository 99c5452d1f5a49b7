// Record codec tests. Layouts are those of zookeeper.jute (apache/zookeeper,
// zookeeper-jute/src/main/resources/zookeeper.jute; WhoAmIResponse/ClientInfo from 3.9) and of
// MultiOperationRecord.java / MultiResponse.java for multi framing.
#include <gtest/gtest.h>

#include "base/coding.h"
#include "proto/codec.h"
#include "proto/test_util.h"

namespace wd::proto {
namespace {

using test::from_hex;
using test::to_hex;

Stat sample_stat() { return Stat{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; }
std::vector<Acl> sample_acl() {
    return {Acl{perms::all, Id{"world", "anyone"}}, Acl{perms::read, Id{"digest", "u:abc="}}};
}

// Encodes, checks the size when given, decodes exactly, compares, and re-encodes identically.
template <class R>
std::string round_trip(const R& record, size_t expected_size = 0) {
    std::string bytes = encode_to_string(record);
    if (expected_size != 0) {
        EXPECT_EQ(bytes.size(), expected_size);
    }
    auto back = decode_exact<R>(bytes);
    EXPECT_TRUE(back.ok()) << (back.ok() ? "" : back.error().message());
    if (back.ok()) {
        EXPECT_TRUE(*back == record);
        EXPECT_EQ(encode_to_string(*back), bytes);
    }
    return bytes;
}

// Every strict prefix of an encoded record fails to decode; nothing reads out of bounds.
template <class R>
void every_cut_fails(const R& record) {
    std::string bytes = encode_to_string(record);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        // A copy of exactly `cut` bytes, so ASan sees any read past the end.
        std::string prefix = bytes.substr(0, cut);
        auto back = decode_exact<R>(prefix);
        EXPECT_FALSE(back.ok()) << "cut " << cut << " of " << bytes.size();
    }
    std::string extra = bytes + '\0';
    EXPECT_FALSE(decode_exact<R>(extra).ok()) << "trailing byte accepted";
}

// ---- layouts (zookeeper.jute, module org.apache.zookeeper.data / .proto) ------------------

TEST(Codec, StatRoundTrip) {  // data.Stat: 6 longs + 5 ints
    Stat stat = sample_stat();
    std::string bytes = round_trip(stat, 68);
    EXPECT_EQ(to_hex(bytes.substr(0, 8)), "0000000000000001");
}

TEST(Codec, IdAndAclLayout) {  // data.Id {ustring scheme; ustring id}, data.ACL {int perms; Id id}
    std::string bytes = round_trip(Acl{31, Id{"world", "anyone"}});
    EXPECT_EQ(to_hex(bytes), "0000001f00000005776f726c6400000006616e796f6e65");
}

TEST(Codec, HeadersLayout) {
    EXPECT_EQ(to_hex(round_trip(RequestHeader{7, 4})), "0000000700000004");
    EXPECT_EQ(to_hex(round_trip(ReplyHeader{-1, -1, 0})), "ffffffffffffffffffffffff00000000");
    EXPECT_EQ(to_hex(round_trip(MultiHeader{-1, true, -1})), "ffffffff01ffffffff");
}

TEST(Codec, RoundTripEveryRecord) {
    round_trip(Id{"digest", "u:x"});
    round_trip(Acl{perms::admin, Id{"ip", "10.0.0.0/8"}});
    round_trip(sample_stat(), 68);
    round_trip(ConnectResponse{0, 30000, 0x1234, std::string(16, 'p'), true});
    round_trip(RequestHeader{1, 1}, 8);
    round_trip(ReplyHeader{1, 2, -101}, 16);
    round_trip(MultiHeader{1, false, -1}, 9);
    round_trip(AuthPacket{0, "digest", "u:p"});
    round_trip(WatcherEvent{1, 3, "/a"});
    round_trip(SetWatches{5, {"/d"}, {"/e1", "/e2"}, {}});
    round_trip(SetWatches2{5, {"/d"}, {"/e"}, {"/c"}, {"/p"}, {"/r", "/r2"}});
    round_trip(CreateRequest{"/a", std::string("x"), sample_acl(), 3});
    round_trip(CreateRequest{"/a", std::nullopt, sample_acl(), 0});
    round_trip(CreateRequest{"/a", std::string(), {}, 0});
    round_trip(CreateTtlRequest{"/t", std::string("v"), sample_acl(), 5, 60000});
    round_trip(DeleteRequest{"/a", 3});
    round_trip(ExistsRequest{"/a", true});
    round_trip(SetDataRequest{"/a", std::string("\0\1\2", 3), -1});
    round_trip(SetDataRequest{"/a", std::nullopt, 2});
    round_trip(PathRequest{"/a"});
    round_trip(SetAclRequest{"/a", sample_acl(), 0});
    round_trip(CheckVersionRequest{"/a", 9});
    round_trip(PathTypeRequest{"/a", static_cast<int32_t>(WatcherType::any)});
    round_trip(ReconfigRequest{"server.1=a:1:2", "", "", -1});
    round_trip(SaslRequest{std::string("\xff\x00tok", 5)});
    round_trip(StatResponse{sample_stat()}, 68);
    round_trip(CreateResponse{"/a0000000001"});
    round_trip(Create2Response{"/a", sample_stat()});
    round_trip(GetDataResponse{std::string("data"), sample_stat()});
    round_trip(GetDataResponse{std::nullopt, sample_stat()});
    round_trip(GetChildrenResponse{{"a", "b", ""}});
    round_trip(GetChildren2Response{{"a"}, sample_stat()});
    round_trip(GetAclResponse{sample_acl(), sample_stat()});
    round_trip(PathResponse{"/a"});
    round_trip(GetAllChildrenNumberResponse{42}, 4);
    round_trip(GetEphemeralsResponse{{"/e1", "/e2"}});
    round_trip(ErrorResponse{-101}, 4);
    round_trip(ClientInfo{"digest", "u"});
    round_trip(WhoAmIResponse{{ClientInfo{"ip", "127.0.0.1"}, ClientInfo{"digest", "u"}}});
}

TEST(Codec, NullDataIsKeptApartFromEmpty) {
    std::string null_bytes = encode_to_string(SetDataRequest{"/a", std::nullopt, -1});
    std::string empty_bytes = encode_to_string(SetDataRequest{"/a", std::string(), -1});
    EXPECT_EQ(to_hex(null_bytes), "000000022f61ffffffffffffffff");
    EXPECT_EQ(to_hex(empty_bytes), "000000022f6100000000ffffffff");
    EXPECT_FALSE(decode_exact<SetDataRequest>(null_bytes)->data.has_value());
    EXPECT_EQ(decode_exact<SetDataRequest>(empty_bytes)->data, std::string());
}

TEST(Codec, NullVectorAndStringReadAsEmpty) {
    // jute writes -1 for a null vector / ustring; we read both as empty.
    auto children = decode_exact<GetChildrenResponse>(from_hex("ffffffff"));
    ASSERT_TRUE(children.ok());
    EXPECT_TRUE(children->children.empty());
    auto path = decode_exact<PathRequest>(from_hex("ffffffff"));
    ASSERT_TRUE(path.ok());
    EXPECT_EQ(path->path, "");
}

// ---- ConnectRequest / ConnectResponse (readOnly is optional) -------------------------------

TEST(Codec, ConnectRequestWithAndWithoutReadOnly) {
    ConnectRequest modern{0, 0x10, 30000, 0, std::string(16, '\0'), true, true};
    std::string bytes = encode_to_string(modern);
    EXPECT_EQ(bytes.size(), 4u + 8 + 4 + 8 + 4 + 16 + 1);
    auto back = decode_connect_request(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, modern);

    // 3.3-era client: no readOnly byte.
    ConnectRequest old{0, 0, 10000, 0, std::string(16, '\0'), false, false};
    std::string old_bytes = encode_to_string(old);
    EXPECT_EQ(old_bytes.size(), bytes.size() - 1);
    auto old_back = decode_connect_request(old_bytes);
    ASSERT_TRUE(old_back.ok());
    EXPECT_FALSE(old_back->has_read_only);
    EXPECT_EQ(*old_back, old);

    for (size_t cut = 0; cut + 1 < old_bytes.size(); ++cut) {
        std::string prefix = old_bytes.substr(0, cut);
        EXPECT_FALSE(decode_connect_request(prefix).ok()) << cut;
    }
    EXPECT_FALSE(decode_connect_request(bytes + std::string(1, '\0')).ok());
}

TEST(Codec, ConnectResponseWithAndWithoutReadOnly) {
    ConnectResponse modern{0, 30000, 0x100000944c50000, std::string(16, 'x'), false};
    std::string bytes = encode_to_string(modern);
    EXPECT_EQ(bytes.size(), 4u + 4 + 8 + 4 + 16 + 1);
    auto back = decode_connect_response(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, modern);

    ConnectResponse old = modern;
    old.has_read_only = false;
    std::string old_bytes = encode_to_string(old);
    EXPECT_EQ(old_bytes.size(), bytes.size() - 1);
    auto old_back = decode_connect_response(old_bytes);
    ASSERT_TRUE(old_back.ok());
    EXPECT_EQ(*old_back, old);
    for (size_t cut = 0; cut + 1 < old_bytes.size(); ++cut) {
        EXPECT_FALSE(decode_connect_response(old_bytes.substr(0, cut)).ok()) << cut;
    }
}

// ---- truncation, bad lengths, bad counts --------------------------------------------------

TEST(Codec, EveryCutIsAnError) {
    every_cut_fails(sample_stat());
    every_cut_fails(CreateRequest{"/abc", std::string("data"), sample_acl(), 1});
    every_cut_fails(CreateTtlRequest{"/t", std::nullopt, sample_acl(), 5, 1000});
    every_cut_fails(SetWatches2{1, {"/a"}, {"/b"}, {"/c"}, {"/d"}, {"/e"}});
    every_cut_fails(GetAclResponse{sample_acl(), sample_stat()});
    every_cut_fails(WhoAmIResponse{{ClientInfo{"ip", "127.0.0.1"}}});
    every_cut_fails(AuthPacket{0, "digest", "u:p"});
    every_cut_fails(GetDataResponse{std::string("x"), sample_stat()});
}

TEST(Codec, NegativeLengthsOtherThanMinusOneRejected) {
    for (uint32_t n : {0xfffffffeu, 0x80000000u, 0xffffff00u}) {
        std::string bytes;
        put_u32_be(bytes, n);
        bytes += "abcd";
        EXPECT_FALSE(decode_exact<PathRequest>(bytes).ok()) << n;                  // ustring
        EXPECT_FALSE(decode_exact<SaslRequest>(bytes).ok()) << n;                  // buffer
        EXPECT_FALSE(decode_exact<GetChildrenResponse>(bytes).ok()) << n;          // vector
        std::string data = from_hex("000000012f") + bytes + from_hex("00000000");
        EXPECT_FALSE(decode_exact<SetDataRequest>(data).ok()) << n;                // nullable
    }
}

TEST(Codec, VectorCountLargerThanRemainingRejected) {
    // 3 children announced, 1 present.
    EXPECT_FALSE(decode_exact<GetChildrenResponse>(from_hex("0000000300000001610000")).ok());
    // A count that fits in int32 but could never fit in the bytes left.
    EXPECT_FALSE(decode_exact<GetChildrenResponse>(from_hex("7fffffff00000000")).ok());
    // ACL vector: 2 announced, 1 present.
    std::string acl = from_hex("00000002") + encode_to_string(Acl{1, Id{"a", "b"}});
    EXPECT_FALSE(decode_exact<SetAclRequest>(from_hex("000000012f") + acl + from_hex("00000000")).ok());
    // Exactly fitting counts are fine.
    EXPECT_TRUE(decode_exact<GetChildrenResponse>(from_hex("000000020000000000000000")).ok());
}

TEST(Codec, BufferLongerThanFrameMaxRejected) {
    // A length above frame_size_max can never be satisfied by a frame's payload.
    std::string bytes;
    put_u32_be(bytes, limits::frame_size_max + 1);
    bytes += std::string(64, 'x');
    EXPECT_FALSE(decode_exact<SaslRequest>(bytes).ok());
    EXPECT_FALSE(decode_exact<PathRequest>(bytes).ok());
    std::string big;
    put_u32_be(big, 0x7fffffff);
    EXPECT_FALSE(decode_exact<SaslRequest>(big).ok());
}

TEST(Codec, ReaderFailureIsSticky) {
    std::string two = from_hex("0000");
    JuteReader r(two);
    EXPECT_EQ(r.i32(), 0);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.i64(), 0);
    EXPECT_EQ(r.buffer(), "");
    EXPECT_FALSE(r.ok());
}

// ---- multi (MultiOperationRecord.java / MultiResponse.java) -------------------------------

MultiRequest sample_multi() {
    MultiRequest m;
    m.ops.push_back({OpCode::create, CreateRequest{"/m", std::string("1"), sample_acl(), 0}});
    m.ops.push_back({OpCode::create2, CreateRequest{"/m2", std::nullopt, sample_acl(), 1}});
    m.ops.push_back({OpCode::create_container, CreateRequest{"/c", std::string(), sample_acl(), 4}});
    m.ops.push_back({OpCode::create_ttl, CreateTtlRequest{"/t", std::string(), sample_acl(), 5, 99}});
    m.ops.push_back({OpCode::remove, DeleteRequest{"/m", -1}});
    m.ops.push_back({OpCode::set_data, SetDataRequest{"/m", std::string("2"), 0}});
    m.ops.push_back({OpCode::check, CheckVersionRequest{"/m", 1}});
    return m;
}

TEST(Codec, MultiRequestRoundTrip) {
    MultiRequest m = sample_multi();
    std::string bytes = encode_to_string(m);
    // Ends with MultiHeader{-1, true, -1}.
    EXPECT_EQ(to_hex(bytes.substr(bytes.size() - 9)), "ffffffff01ffffffff");
    // Each op starts with MultiHeader{type, false, -1}.
    EXPECT_EQ(to_hex(bytes.substr(0, 9)), "0000000100ffffffff");
    JuteReader r(bytes);
    auto back = decode_multi_request(r, false);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(*back, m);
    EXPECT_EQ(encode_to_string(*back), bytes);

    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        std::string prefix = bytes.substr(0, cut);
        JuteReader rc(prefix);
        EXPECT_FALSE(decode_multi_request(rc, false).ok()) << cut;
    }
}

TEST(Codec, EmptyMultiIsJustTheTerminator) {
    std::string bytes = encode_to_string(MultiRequest{});
    EXPECT_EQ(to_hex(bytes), "ffffffff01ffffffff");
    JuteReader r(bytes);
    auto back = decode_multi_request(r, false);
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->ops.empty());
}

TEST(Codec, MultiReadRoundTrip) {
    MultiRequest m;
    m.ops.push_back({OpCode::get_children, ExistsRequest{"/a", false}});
    m.ops.push_back({OpCode::get_data, ExistsRequest{"/a/b", false}});
    std::string bytes = encode_to_string(m);
    JuteReader r(bytes);
    auto back = decode_multi_request(r, true);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, m);
    // Read ops are not allowed in a write multi.
    JuteReader w(bytes);
    auto as_write = decode_multi_request(w, false);
    ASSERT_FALSE(as_write.ok());
    EXPECT_EQ(as_write.error().code(), StatusCode::invalid_argument);
}

TEST(Codec, MultiWithDisallowedOpRejected) {
    for (OpCode op : {OpCode::exists, OpCode::get_acl, OpCode::set_acl, OpCode::sync,
                      OpCode::multi, OpCode::ping, OpCode::auth, OpCode::error,
                      OpCode::close_session, static_cast<OpCode>(77)}) {
        std::string bytes;
        JuteWriter w(bytes);
        encode(w, MultiHeader{static_cast<int32_t>(op), false, -1});
        encode(w, PathRequest{"/a"});
        encode(w, MultiHeader{-1, true, -1});
        JuteReader r(bytes);
        auto back = decode_multi_request(r, false);
        ASSERT_FALSE(back.ok()) << static_cast<int>(op);
        EXPECT_EQ(back.error().code(), StatusCode::invalid_argument);
        JuteReader r2(bytes);
        EXPECT_FALSE(decode_multi_request(r2, true).ok());
    }
    // A write op in a multiRead.
    MultiRequest m;
    m.ops.push_back({OpCode::remove, DeleteRequest{"/a", -1}});
    std::string bytes = encode_to_string(m);
    JuteReader r(bytes);
    EXPECT_FALSE(decode_multi_request(r, true).ok());
}

TEST(Codec, MultiWithoutTerminatorRejected) {
    MultiRequest m = sample_multi();
    std::string bytes = encode_to_string(m);
    bytes.resize(bytes.size() - 9);
    JuteReader r(bytes);
    EXPECT_FALSE(decode_multi_request(r, false).ok());
}

TEST(Codec, MultiResponseRoundTrip) {
    MultiResponse resp;
    resp.results.push_back({OpCode::create, 0, CreateResponse{"/m"}});
    resp.results.push_back({OpCode::create2, 0, Create2Response{"/m2", sample_stat()}});
    resp.results.push_back({OpCode::remove, 0, Empty{}});
    resp.results.push_back({OpCode::set_data, 0, StatResponse{sample_stat()}});
    resp.results.push_back({OpCode::check, 0, Empty{}});
    resp.results.push_back({OpCode::get_data, 0, GetDataResponse{std::nullopt, sample_stat()}});
    resp.results.push_back({OpCode::get_children, 0, GetChildrenResponse{{"x", "y"}}});
    resp.results.push_back({OpCode::error, -101, ErrorResponse{-101}});
    std::string bytes = encode_to_string(resp);
    JuteReader r(bytes);
    auto back = decode_multi_response(r);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(*back, resp);
    EXPECT_EQ(encode_to_string(*back), bytes);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        std::string prefix = bytes.substr(0, cut);
        JuteReader rc(prefix);
        EXPECT_FALSE(decode_multi_response(rc).ok()) << cut;
    }
}

TEST(Codec, MultiResponseUnknownTypeRejected) {
    std::string bytes = encode_to_string(MultiHeader{static_cast<int32_t>(OpCode::sync), false, 0});
    bytes += encode_to_string(PathResponse{"/a"});
    bytes += encode_to_string(MultiHeader{-1, true, -1});
    JuteReader r(bytes);
    EXPECT_FALSE(decode_multi_response(r).ok());
}

TEST(Codec, MultiOpCountBounded) {
    // multi_ops_max + 1 check ops: rejected as too large, without blowing up.
    std::string op = encode_to_string(MultiHeader{static_cast<int32_t>(OpCode::check), false, -1}) +
                     encode_to_string(CheckVersionRequest{"", 0});
    std::string bytes;
    bytes.reserve(op.size() * (limits::multi_ops_max + 2));
    for (uint32_t i = 0; i <= limits::multi_ops_max; ++i) {
        bytes += op;
    }
    bytes += encode_to_string(MultiHeader{-1, true, -1});
    JuteReader r(bytes);
    auto back = decode_multi_request(r, false);
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().code(), StatusCode::too_large);
}

}  // namespace
}  // namespace wd::proto
