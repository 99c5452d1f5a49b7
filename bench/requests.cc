#include "bench/requests.h"

#include "proto/codec.h"
#include "proto/frame.h"
#include "proto/jute.h"

namespace wd::bench {

namespace {

// Starts a frame at the end of `out`: a length placeholder and the RequestHeader.
size_t begin(std::string& out, int32_t xid, proto::OpCode op) {
    const size_t start = out.size();
    out.append(proto::frame_header_size, '\0');
    proto::JuteWriter w(out);
    w.i32(xid);
    w.i32(static_cast<int32_t>(op));
    return start;
}

void finish(std::string& out, size_t start) {
    const size_t length = out.size() - start - proto::frame_header_size;
    WD_ASSERT(length <= size_t{INT32_MAX});
    store_u32_be(out.data() + start, static_cast<uint32_t>(length));
}

void put_open_acl(proto::JuteWriter& w) {
    w.i32(1);  // vector<ACL> of one: {perms all, Id{"world", "anyone"}}
    w.i32(proto::perms::all);
    w.buffer("world");
    w.buffer("anyone");
}

}  // namespace

void append_create(std::string& out, int32_t xid, std::string_view path, std::string_view data,
                   proto::CreateMode mode) {
    const size_t start = begin(out, xid, proto::OpCode::create);
    proto::JuteWriter w(out);
    w.buffer(path);
    w.buffer(data);
    put_open_acl(w);
    w.i32(static_cast<int32_t>(mode));
    finish(out, start);
}

void append_delete(std::string& out, int32_t xid, std::string_view path) {
    const size_t start = begin(out, xid, proto::OpCode::remove);
    proto::JuteWriter w(out);
    w.buffer(path);
    w.i32(-1);
    finish(out, start);
}

void append_path_watch(std::string& out, int32_t xid, proto::OpCode op, std::string_view path,
                       bool watch) {
    const size_t start = begin(out, xid, op);
    proto::JuteWriter w(out);
    w.buffer(path);
    w.boolean(watch);
    finish(out, start);
}

void append_set(std::string& out, int32_t xid, std::string_view path, std::string_view data) {
    const size_t start = begin(out, xid, proto::OpCode::set_data);
    proto::JuteWriter w(out);
    w.buffer(path);
    w.buffer(data);
    w.i32(-1);
    finish(out, start);
}

void append_multi_set(std::string& out, int32_t xid, std::span<const std::string> paths,
                      std::string_view data) {
    const size_t start = begin(out, xid, proto::OpCode::multi);
    proto::JuteWriter w(out);
    for (const auto& path : paths) {
        // MultiHeader{type, done=false, err=-1} then the op's record.
        w.i32(static_cast<int32_t>(proto::OpCode::set_data));
        w.boolean(false);
        w.i32(-1);
        w.buffer(path);
        w.buffer(data);
        w.i32(-1);
    }
    w.i32(-1);  // the closing MultiHeader{-1, true, -1}
    w.boolean(true);
    w.i32(-1);
    finish(out, start);
}

void append_header_only(std::string& out, int32_t xid, proto::OpCode op) {
    const size_t start = begin(out, xid, op);
    finish(out, start);
}

void append_connect(std::string& out, int32_t timeout_ms) {
    const size_t start = out.size();
    out.append(proto::frame_header_size, '\0');
    proto::JuteWriter w(out);
    proto::ConnectRequest request;
    request.timeout_ms = timeout_ms;
    request.passwd = std::string(16, '\0');
    proto::encode(w, request);
    finish(out, start);
}

}  // namespace wd::bench
