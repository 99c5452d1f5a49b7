// libFuzzer target for every client-port decoder in src/proto.
//
// The same input goes to: the frame splitter, the connect request/response decoders, the
// request-header-plus-body decoder, decode_request / decode_response for every opcode (client
// and unknown ones), multi / multiRead requests and multi responses, SetWatches, SetWatches2,
// AuthPacket and WatcherEvent. A decoder may reject anything but must never crash, leak or read
// out of bounds (run under ASan). Whatever decodes must re-encode to a value that decodes to
// the same value (encode/decode agree).
//
// Build by hand:
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/proto_fuzz.cc src/proto/{codec,opcodes,frame,request}.cc \
//     src/base/{assert,code,status,crc32c}.cc -o /tmp/proto_fuzz
//   /tmp/proto_fuzz -max_total_time=30 [corpus_dir]
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proto/codec.h"
#include "proto/frame.h"
#include "proto/request.h"

namespace {

using namespace wd::proto;

void require(bool condition) {
    if (!condition) {
        __builtin_trap();
    }
}

template <class R>
void exact(std::string_view bytes) {
    auto record = decode_exact<R>(bytes);
    if (record.ok()) {
        auto again = decode_exact<R>(encode_to_string(*record));
        require(again.ok() && *again == *record);
    }
}

std::string request_bytes(const RequestBody& body) {
    std::string out;
    JuteWriter w(out);
    encode_request_body(w, body);
    return out;
}
std::string response_bytes(const ResponseBody& body) {
    std::string out;
    JuteWriter w(out);
    encode_response_body(w, body);
    return out;
}

constexpr int32_t opcodes[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,   9,   11,  12,  13,  14,  15, 16,
                               17, 18, 19, 20, 21, 22, 100, 101, 102, 103, 104, 105, 106, 107,
                               -10, -11, -1, 10, 99};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    // Framing, with the default and a tiny configured maximum.
    for (uint32_t max : {wd::limits::frame_size_max, 16u}) {
        auto frames = split_frames(in, max);
        if (frames.ok()) {
            require(frames->consumed <= in.size());
            for (std::string_view p : frames->payloads) {
                require(p.size() <= max);
            }
        }
    }

    // Handshake.
    if (auto r = decode_connect_request(in); r.ok()) {
        // Not byte-identical in general: a null passwd re-encodes as empty, a boolean as 0/1.
        std::string f = connect_request_frame(*r);
        auto again = decode_connect_request(std::string_view(f).substr(4));
        require(again.ok() && *again == *r);
    }
    if (auto r = decode_connect_response(in); r.ok()) {
        std::string f = connect_response_frame(*r);
        auto again = decode_connect_response(std::string_view(f).substr(4));
        require(again.ok() && *again == *r);
    }

    // A whole request payload: header then the body its type selects.
    if (auto r = decode_request_payload(in); r.ok()) {
        auto again = decode_request(r->op(), request_bytes(r->body));
        require(again.ok() && *again == r->body);
    }

    // Every opcode, as a request body and as a response body.
    for (int32_t code : opcodes) {
        const auto op = static_cast<OpCode>(code);
        if (auto r = decode_request(op, in); r.ok()) {
            auto again = decode_request(op, request_bytes(*r));
            require(again.ok() && *again == *r);
        }
        if (auto r = decode_response(op, in); r.ok()) {
            auto again = decode_response(op, response_bytes(*r));
            require(again.ok() && *again == *r);
        }
    }

    // Multi framing directly on a reader (not necessarily at the end of the input).
    for (bool read_only : {false, true}) {
        JuteReader r(in);
        auto multi = decode_multi_request(r, read_only);
        require(r.position() <= in.size());
        if (multi.ok()) {
            std::string bytes = encode_to_string(*multi);
            JuteReader again_reader(bytes);
            auto again = decode_multi_request(again_reader, read_only);
            require(again.ok() && *again == *multi);
        }
    }
    {
        JuteReader r(in);
        auto multi = decode_multi_response(r);
        require(r.position() <= in.size());
        if (multi.ok()) {
            std::string bytes = encode_to_string(*multi);
            JuteReader again_reader(bytes);
            auto again = decode_multi_response(again_reader);
            require(again.ok() && *again == *multi);
        }
    }

    exact<SetWatches>(in);
    exact<SetWatches2>(in);
    exact<AuthPacket>(in);
    exact<WatcherEvent>(in);
    exact<RequestHeader>(in);
    exact<ReplyHeader>(in);
    exact<GetAclResponse>(in);
    exact<WhoAmIResponse>(in);
    return 0;
}
